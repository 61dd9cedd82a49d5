//! Embedded fonts: each face the layout used becomes a subset (only its glyphs, renumbered by
//! `subsetter`) written as a Type 0 / CID font with widths and a ToUnicode map, so text can be
//! copied and searched. Glyph ids in content streams are the subset's ids.

use std::fmt::Write as _;

use lopdf::{dictionary, Document, Object, ObjectId, Stream};

use crate::error::{Error, Result};
use crate::layout::font::{FontSet, LoadedFace};
use crate::layout::frame::GlyphText;

/// A face prepared for embedding: old glyph id → new id, and the text and advance of each new
/// glyph. Glyphs are registered as page text is written, so the plan grows page by page.
pub struct FontPlan {
    /// The face.
    pub face: &'static LoadedFace,
    /// Renumbering of the face's glyphs in the subset.
    pub remapper: subsetter::GlyphRemapper,
    /// Text of each new glyph id, by new id (for ToUnicode): the first non-empty text drawn
    /// with it.
    texts: Vec<Option<Box<str>>>,
    /// Advance of each new glyph id in text space units (1/1000 em), by new id.
    advances: Vec<f32>,
    /// New id of each old glyph id (`u16::MAX`: not drawn yet): a direct lookup for the
    /// millions of glyphs of a book, where the remapper hashes.
    forward: Vec<u16>,
}

impl FontPlan {
    fn new(face: &'static LoadedFace) -> FontPlan {
        let mut plan = FontPlan {
            face,
            remapper: subsetter::GlyphRemapper::new(),
            texts: Vec::new(),
            advances: Vec::new(),
            forward: vec![u16::MAX; usize::from(face.face.number_of_glyphs())],
        };
        // Glyph 0 (.notdef) is always in the subset, as new id 0.
        plan.add(0, &GlyphText::None);
        plan
    }

    /// Adds a drawn glyph (with the text it stands for) and returns its id in the subset.
    pub fn add(&mut self, old: u16, text: &GlyphText) -> u16 {
        let known = self.forward.get(usize::from(old)).copied().filter(|&n| n != u16::MAX);
        let new = match known {
            Some(new) if text.is_empty() => return new,
            Some(new) => new,
            None => self.remapper.remap(old),
        };
        if let Some(slot) = self.forward.get_mut(usize::from(old)) {
            *slot = new;
        }
        let index = usize::from(new);
        if index == self.advances.len() {
            let advance = self.face.face.glyph_hor_advance(ttf_parser::GlyphId(old)).unwrap_or(0);
            self.advances.push(advance as f32 * 1000.0 / self.face.units_per_em);
            self.texts.push(None);
        }
        if let Some(slot) = self.texts.get_mut(index) {
            if slot.is_none() && !text.is_empty() {
                let mut s = String::new();
                text.push_to(&mut s);
                *slot = Some(s.into_boxed_str());
            }
        }
        new
    }

    /// Advance of a subset glyph (a new id from [`FontPlan::add`]) in text space units.
    pub fn advance_1000(&self, new: u16) -> f32 {
        self.advances.get(usize::from(new)).copied().unwrap_or(0.0)
    }
}

/// The plans of every face of a document, by font id, created when a face first draws
/// something. The faces are a copy of the layout's list (which gains fallback faces as text
/// needs them), so plans can be filled on another thread than the one laying out.
pub struct FontPlans {
    faces: Vec<&'static LoadedFace>,
    plans: Vec<Option<FontPlan>>,
}

impl FontPlans {
    /// No plans yet, for the faces currently in `fonts`.
    pub fn new(fonts: &FontSet) -> FontPlans {
        FontPlans { faces: fonts.faces(), plans: Vec::new() }
    }

    /// How many faces the plans know (ids below this resolve).
    pub fn face_count(&self) -> usize {
        self.faces.len()
    }

    /// Takes the layout's current face list (it only grows, so ids keep their meaning).
    pub fn set_faces(&mut self, faces: Vec<&'static LoadedFace>) {
        self.faces = faces;
    }

    /// The plan of face `font` (created on first use); `None` for an unknown id.
    pub fn plan(&mut self, font: usize) -> Option<&mut FontPlan> {
        let face = *self.faces.get(font)?;
        if self.plans.len() <= font {
            self.plans.resize_with(font + 1, || None);
        }
        let slot = self.plans.get_mut(font)?;
        Some(slot.get_or_insert_with(|| FontPlan::new(face)))
    }

    /// The faces that drew something, with their font ids.
    pub fn used(&self) -> impl Iterator<Item = (usize, &FontPlan)> {
        self.plans.iter().enumerate().filter_map(|(id, plan)| plan.as_ref().map(|p| (id, p)))
    }
}

/// A deterministic six-letter subset tag from the face name and its glyphs.
fn subset_tag(name: &str, plan: &FontPlan) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |b: u8| {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    };
    name.bytes().for_each(&mut feed);
    for old in plan.remapper.remapped_gids() {
        old.to_be_bytes().into_iter().for_each(&mut feed);
    }
    (0..6).map(|i| (b'A' + ((hash >> (i * 5)) % 26) as u8) as char).collect()
}

/// Writes the font objects of one face and returns the Type 0 font's object id.
pub fn embed(doc: &mut Document, plan: &FontPlan) -> Result<ObjectId> {
    let face = plan.face;
    let subset = subsetter::subset(face.data, face.index, &plan.remapper).map_err(|e| {
        Error::Font { name: face.name.clone(), reason: format!("cannot subset: {e:?}") }
    })?;
    let base_name = format!("{}+{}", subset_tag(&face.name, plan), face.name);
    let em = |v: f32| Object::Integer((v * 1000.0).round() as i64);

    let mut font_file = Stream::new(dictionary! {}, subset);
    if face.cff {
        font_file.dict.set("Subtype", Object::Name(b"OpenType".to_vec()));
    } else {
        let len = font_file.content.len() as i64;
        font_file.dict.set("Length1", Object::Integer(len));
    }
    let _ = font_file.compress();
    let font_file_id = doc.add_object(font_file);

    let mut flags = 4; // symbolic: glyphs are addressed by id, not a standard encoding
    if face.monospaced {
        flags |= 1;
    }
    if face.italic {
        flags |= 64;
    }
    let descriptor = dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => Object::Name(base_name.clone().into_bytes()),
        "Flags" => flags,
        "FontBBox" => vec![em(face.bbox[0]), em(face.bbox[1]), em(face.bbox[2]), em(face.bbox[3])],
        "ItalicAngle" => Object::Real(face.italic_angle),
        "Ascent" => em(face.ascent),
        "Descent" => em(-face.descent),
        "CapHeight" => em(face.cap_height),
        "StemV" => if face.bold { 120 } else { 80 },
        (if face.cff { "FontFile3" } else { "FontFile2" }) => font_file_id,
    };
    let descriptor_id = doc.add_object(descriptor);

    // Widths of the subset's glyphs, by new id, in runs of consecutive ids.
    let mut widths: Vec<Object> = Vec::new();
    let mut run: Vec<Object> = Vec::new();
    let mut run_start: Option<u16> = None;
    let mut previous: Option<u16> = None;
    for new in 0..plan.remapper.num_gids() {
        let width = Object::Integer(plan.advance_1000(new).round() as i64);
        if previous.is_some_and(|p| p + 1 == new) {
            run.push(width);
        } else {
            if let Some(start) = run_start {
                widths.push(Object::Integer(i64::from(start)));
                widths.push(Object::Array(std::mem::take(&mut run)));
            }
            run_start = Some(new);
            run.push(width);
        }
        previous = Some(new);
    }
    if let Some(start) = run_start {
        widths.push(Object::Integer(i64::from(start)));
        widths.push(Object::Array(run));
    }

    let mut descendant = dictionary! {
        "Type" => "Font",
        "Subtype" => if face.cff { "CIDFontType0" } else { "CIDFontType2" },
        "BaseFont" => Object::Name(base_name.clone().into_bytes()),
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor_id,
        "DW" => 0,
        "W" => widths,
    };
    if !face.cff {
        descendant.set("CIDToGIDMap", Object::Name(b"Identity".to_vec()));
    }
    let descendant_id = doc.add_object(descendant);

    let mut cmap = Stream::new(dictionary! {}, to_unicode_cmap(&plan.texts).into_bytes());
    let _ = cmap.compress();
    let cmap_id = doc.add_object(cmap);

    let font = dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => Object::Name(base_name.into_bytes()),
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![Object::Reference(descendant_id)],
        "ToUnicode" => cmap_id,
    };
    Ok(doc.add_object(font))
}

/// The ToUnicode CMap: each glyph id → the UTF-16 text it stands for.
fn to_unicode_cmap(texts: &[Option<Box<str>>]) -> String {
    let mut out = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let entries: Vec<(u16, &str)> = texts
        .iter()
        .enumerate()
        .filter_map(|(gid, text)| Some((gid as u16, text.as_deref()?)))
        .collect();
    for chunk in entries.chunks(100) {
        let _ = writeln!(out, "{} beginbfchar", chunk.len());
        for (gid, text) in chunk {
            let mut hex = String::new();
            for unit in text.encode_utf16() {
                let _ = write!(hex, "{unit:04X}");
            }
            let _ = writeln!(out, "<{gid:04X}> <{hex}>");
        }
        out.push_str("endbfchar\n");
    }
    out.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cmap_maps_ligatures_to_all_their_letters() {
        let texts = [None, None, None, Some("fi".into()), Some("é".into())];
        let cmap = to_unicode_cmap(&texts);
        assert!(cmap.contains("<0003> <00660069>"));
        assert!(cmap.contains("<0004> <00E9>"));
    }
}

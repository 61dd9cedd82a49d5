//! Fonts for layout: the bundled faces (Noto Serif, DejaVu Sans Mono), user-chosen faces, system
//! fallback faces for characters the bundled ones lack, and shaping through rustybuzz.
//!
//! Faces are parsed once per process and shared across threads: the bundled ones live in a
//! `OnceLock`, user and fallback faces in a global cache keyed by file. Layout measures text
//! through the [`FontMetrics`] trait so tests can use fixed advances; [`FontSet`] is the real
//! implementation, whose faces the PDF writer embeds.

use std::cell::RefCell;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::{Mutex, OnceLock};

use super::frame::FontId;
use crate::error::{Error, Result};

/// Which face of a family to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FontStyle {
    /// Monospaced (code).
    pub mono: bool,
    /// Bold weight.
    pub bold: bool,
    /// Italic.
    pub italic: bool,
}

/// One glyph as shaped, with advances in em (multiply by the font size).
#[derive(Debug, Clone, PartialEq)]
pub struct ShapedGlyph {
    /// Glyph id.
    pub id: u16,
    /// Horizontal advance in em.
    pub advance: f32,
    /// Horizontal offset in em.
    pub x_offset: f32,
    /// Vertical offset in em (up positive).
    pub y_offset: f32,
    /// Byte offset of the glyph's cluster in the shaped text.
    pub cluster: usize,
}

/// A stretch of shaped text in one face.
#[derive(Debug, Clone, PartialEq)]
pub struct ShapedSegment {
    /// The face that draws it (a fallback face when the requested one lacks the characters).
    pub font: FontId,
    /// Byte offset of the segment in the shaped text.
    pub start: usize,
    /// The glyphs, in visual order.
    pub glyphs: Vec<ShapedGlyph>,
}

/// How layout measures text. Implemented by [`FontSet`] (real fonts) and by fixed-advance fakes
/// in tests.
pub trait FontMetrics {
    /// The face for a style.
    fn font_for(&self, style: FontStyle) -> FontId;
    /// Shapes `text` in the face for `style`, falling back to other faces for characters it
    /// lacks. Advances are in em.
    fn shape(&self, style: FontStyle, text: &str) -> Rc<Vec<ShapedSegment>>;
    /// Ascender of a face in em (positive).
    fn ascent(&self, font: FontId) -> f32;
    /// Descender of a face in em (positive below the baseline).
    fn descent(&self, font: FontId) -> f32;
    /// The ink box of a glyph in em (x_min, y_min, x_max, y_max; y up), when known. Math layout
    /// uses it to stack and stretch symbols; without it, it estimates from the characters.
    fn ink(&self, _font: FontId, _glyph: u16) -> Option<[f32; 4]> {
        None
    }
}

/// A parsed face with the numbers the PDF writer needs. Lives for the whole process.
pub struct LoadedFace {
    /// PostScript name (used as the PDF base font name).
    pub name: String,
    /// The font file.
    pub data: &'static [u8],
    /// Face index inside a collection.
    pub index: u32,
    /// The shaper's view of the face.
    pub face: rustybuzz::Face<'static>,
    /// Design units per em.
    pub units_per_em: f32,
    /// Ascender in em.
    pub ascent: f32,
    /// Descender in em (positive).
    pub descent: f32,
    /// Cap height in em.
    pub cap_height: f32,
    /// Italic angle in degrees.
    pub italic_angle: f32,
    /// Bounding box in em: x_min, y_min, x_max, y_max.
    pub bbox: [f32; 4],
    /// Bold weight.
    pub bold: bool,
    /// Italic or oblique.
    pub italic: bool,
    /// Fixed pitch.
    pub monospaced: bool,
    /// CFF (PostScript) outlines rather than TrueType.
    pub cff: bool,
}

impl std::fmt::Debug for LoadedFace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadedFace").field("name", &self.name).finish()
    }
}

impl LoadedFace {
    /// Parses a face; `None` if the data is not a usable font.
    fn parse(data: &'static [u8], index: u32) -> Option<LoadedFace> {
        let face = rustybuzz::Face::from_slice(data, index)?;
        let units = face.units_per_em() as f32;
        if units <= 0.0 {
            return None;
        }
        let name = face
            .names()
            .into_iter()
            .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
            .find_map(|n| n.to_string())
            .unwrap_or_else(|| "Font".to_string());
        let name: String =
            name.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
        let bbox = face.global_bounding_box();
        let ascent = face.ascender() as f32 / units;
        let descent = -(face.descender() as f32) / units;
        Some(LoadedFace {
            name: if name.is_empty() { "Font".into() } else { name },
            data,
            index,
            units_per_em: units,
            ascent,
            descent,
            cap_height: face.capital_height().map_or(ascent * 0.7, |h| h as f32 / units),
            italic_angle: face.italic_angle(),
            bbox: [
                bbox.x_min as f32 / units,
                bbox.y_min as f32 / units,
                bbox.x_max as f32 / units,
                bbox.y_max as f32 / units,
            ],
            bold: face.is_bold(),
            italic: face.is_italic() || face.is_oblique(),
            monospaced: face.is_monospaced(),
            cff: face.tables().cff.is_some(),
            face,
        })
    }

    /// True when the face has a glyph for `c`.
    pub fn covers(&self, c: char) -> bool {
        self.face.glyph_index(c).is_some_and(|g| g.0 != 0)
    }
}

static SERIF_REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSerif-Regular.ttf");
static SERIF_ITALIC: &[u8] = include_bytes!("../../assets/fonts/NotoSerif-Italic.ttf");
static SERIF_BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSerif-Bold.ttf");
static SERIF_BOLD_ITALIC: &[u8] = include_bytes!("../../assets/fonts/NotoSerif-BoldItalic.ttf");
static MONO: &[u8] = include_bytes!("../../assets/fonts/DejaVuSansMono.ttf");

/// The bundled font files (for renderers that need the same faces, such as SVG text).
pub fn bundled_font_files() -> [&'static [u8]; 5] {
    [SERIF_REGULAR, SERIF_ITALIC, SERIF_BOLD, SERIF_BOLD_ITALIC, MONO]
}

/// The bundled faces, parsed on first use: serif regular, italic, bold, bold italic, mono.
fn bundled() -> &'static [&'static LoadedFace; 5] {
    static BUNDLED: OnceLock<[&'static LoadedFace; 5]> = OnceLock::new();
    BUNDLED.get_or_init(|| {
        let load = |data: &'static [u8]| -> &'static LoadedFace {
            // The bundled files are part of the binary and known to parse.
            Box::leak(Box::new(LoadedFace::parse(data, 0).expect("bundled font parses")))
        };
        [
            load(SERIF_REGULAR),
            load(SERIF_ITALIC),
            load(SERIF_BOLD),
            load(SERIF_BOLD_ITALIC),
            load(MONO),
        ]
    })
}

/// Faces loaded from files (user fonts, system fallbacks), keyed by path and index. Each file is
/// read and leaked once per process, so batch conversions share them and memory stays bounded
/// by the number of distinct fonts.
type FaceCache = Mutex<HashMap<(PathBuf, u32), Option<&'static LoadedFace>>>;

fn file_cache() -> &'static FaceCache {
    static CACHE: OnceLock<FaceCache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

fn load_file(path: &Path, index: u32) -> Option<&'static LoadedFace> {
    let key = (path.to_path_buf(), index);
    let mut cache = file_cache().lock().unwrap_or_else(|e| e.into_inner());
    if let Some(found) = cache.get(&key) {
        return *found;
    }
    let loaded = std::fs::read(path).ok().and_then(|bytes| {
        let data: &'static [u8] = Box::leak(bytes.into_boxed_slice());
        LoadedFace::parse(data, index).map(|face| &*Box::leak(Box::new(face)))
    });
    cache.insert(key, loaded);
    loaded
}

/// Loads a user font file, with a readable error.
fn load_user_font(path: &str) -> Result<&'static LoadedFace> {
    if std::fs::metadata(path).is_err() {
        return Err(Error::Font { name: path.into(), reason: "file not found".into() });
    }
    load_file(Path::new(path), 0).ok_or_else(|| Error::Font {
        name: path.into(),
        reason: "not a TrueType or OpenType font folio can read".into(),
    })
}

/// For `Family-Regular.ttf` (or `Family.ttf`), the sibling file of another style if it exists:
/// `Family-Bold.ttf`, `Family-Italic.ttf` (or `-Oblique`), `Family-BoldItalic.ttf`.
fn sibling(path: &str, styles: &[&str]) -> Option<&'static LoadedFace> {
    let p = Path::new(path);
    let stem = p.file_stem()?.to_str()?;
    let ext = p.extension()?.to_str()?;
    let base = stem
        .strip_suffix("-Regular")
        .or_else(|| stem.strip_suffix("Regular"))
        .or_else(|| stem.strip_suffix("-Book"))
        .unwrap_or(stem);
    styles.iter().find_map(|style| {
        let candidate = p.with_file_name(format!("{base}-{style}.{ext}"));
        candidate.exists().then(|| load_file(&candidate, 0)).flatten()
    })
}

/// The system font database, scanned once on the first missing character.
fn system_fonts() -> &'static fontdb::Database {
    static DB: OnceLock<fontdb::Database> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = fontdb::Database::new();
        db.load_system_fonts();
        db
    })
}

/// A system face and, once asked for, the code points it covers as sorted inclusive ranges.
struct SystemFace {
    id: fontdb::ID,
    path: PathBuf,
    index: u32,
    coverage: OnceLock<Vec<(u32, u32)>>,
}

impl SystemFace {
    /// True when the face's character map lists `cp`. The map is read on the first question:
    /// a fallback search stops at the first face that covers the character, so most faces
    /// (a CJK face lists tens of thousands of code points) are never read at all.
    fn lists(&self, cp: u32) -> bool {
        let ranges = self.coverage.get_or_init(|| coverage_ranges(self.id));
        let i = ranges.partition_point(|r| r.1 < cp);
        ranges.get(i).is_some_and(|r| r.0 <= cp)
    }
}

/// The code points a system face maps, as sorted inclusive ranges.
fn coverage_ranges(id: fontdb::ID) -> Vec<(u32, u32)> {
    system_fonts()
        .with_face_data(id, |data, face_index| {
            let mut points = Vec::new();
            if let Ok(face) = ttf_parser::Face::parse(data, face_index) {
                if let Some(cmap) = face.tables().cmap {
                    for subtable in cmap.subtables {
                        if subtable.is_unicode() {
                            subtable.codepoints(|cp| points.push(cp));
                        }
                    }
                }
            }
            points.sort_unstable();
            points.dedup();
            let mut ranges: Vec<(u32, u32)> = Vec::new();
            for cp in points {
                match ranges.last_mut() {
                    Some(last) if last.1 + 1 == cp => last.1 = cp,
                    _ => ranges.push((cp, cp)),
                }
            }
            ranges
        })
        .unwrap_or_default()
}

/// Every system face, best first (upright serif, then sans, then the rest), listed once on the
/// first missing character; each face's coverage is read when a search reaches it.
fn ranked_system_faces() -> &'static [SystemFace] {
    static INDEX: OnceLock<Vec<SystemFace>> = OnceLock::new();
    INDEX.get_or_init(|| {
        let db = system_fonts();
        let rank = |info: &fontdb::FaceInfo| -> u8 {
            let family = info.families.first().map(|f| f.0.as_str()).unwrap_or("");
            let upright =
                info.style == fontdb::Style::Normal && info.weight == fontdb::Weight::NORMAL;
            let base = if family.contains("Serif") {
                0
            } else if family.contains("Sans") {
                2
            } else {
                4
            };
            base + u8::from(!upright)
        };
        let mut faces: Vec<&fontdb::FaceInfo> = db.faces().collect();
        faces.sort_by_key(|info| (rank(info), info.post_script_name.clone()));
        faces
            .into_iter()
            .filter_map(|info| {
                let path = match &info.source {
                    fontdb::Source::File(path) | fontdb::Source::SharedFile(path, _) => {
                        path.clone()
                    }
                    fontdb::Source::Binary(_) => return None,
                };
                Some(SystemFace { id: info.id, path, index: info.index, coverage: OnceLock::new() })
            })
            .collect()
    })
}

/// A system face that covers `c`; cached per character.
fn system_fallback(c: char) -> Option<&'static LoadedFace> {
    static CACHE: OnceLock<Mutex<HashMap<char, Option<&'static LoadedFace>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&c) {
        return *found;
    }
    let cp = u32::from(c);
    let found = ranked_system_faces()
        .iter()
        .filter(|face| face.lists(cp))
        .find_map(|face| load_file(&face.path, face.index).filter(|f| f.covers(c)));
    cache.lock().unwrap_or_else(|e| e.into_inner()).insert(c, found);
    found
}

/// Characters that draw nothing and need no glyph (controls, joiners, soft hyphen).
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{00AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}'..='\u{2064}' | '\u{FEFF}' | '\u{FE00}'..='\u{FE0F}')
}

/// Shaped words by style and text: words repeat a lot, shaping them once pays. The few styles
/// are searched in a short list, so a lookup hashes only the word.
type ShapeCache = Vec<(FontStyle, HashMap<String, Rc<Vec<ShapedSegment>>>)>;

/// What a shaping plan depends on besides the (empty) feature list and language: building a
/// plan compiles the face's feature lookups, which costs far more than shaping a word.
type PlanKey = (FontId, rustybuzz::Direction, Option<rustybuzz::Script>);

/// The real fonts of one conversion: the five primary faces plus the fallbacks that the text
/// turned out to need. Ids index [`FontSet::faces`].
pub struct FontSet {
    /// Face ids of serif regular, italic, bold, bold italic and mono.
    style_ids: [FontId; 5],
    faces: RefCell<Vec<&'static LoadedFace>>,
    missing: RefCell<BTreeSet<char>>,
    fallback_ids: RefCell<HashMap<char, Option<FontId>>>,
    shape_cache: RefCell<ShapeCache>,
    plans: RefCell<HashMap<PlanKey, Rc<rustybuzz::ShapePlan>>>,
    /// A shaping buffer kept between calls, so shaping a word allocates only its result.
    buffer: RefCell<Option<rustybuzz::UnicodeBuffer>>,
}

impl FontSet {
    /// The bundled fonts, or the user's files for the body (`font`) and code (`mono_font`).
    /// For a body file named `X-Regular.ttf`, `X-Italic`, `X-Bold` and `X-BoldItalic` next to it
    /// are used when present; otherwise the one file serves every style.
    pub fn new(font: Option<&str>, mono_font: Option<&str>) -> Result<FontSet> {
        let [regular, italic, bold, bold_italic, mono] = *bundled();
        let mut faces = [regular, italic, bold, bold_italic, mono];
        if let Some(path) = font {
            let user = load_user_font(path)?;
            faces[0] = user;
            faces[1] = sibling(path, &["Italic", "Oblique"]).unwrap_or(user);
            faces[2] = sibling(path, &["Bold"]).unwrap_or(user);
            faces[3] = sibling(path, &["BoldItalic", "BoldOblique"]).unwrap_or(faces[2]);
        }
        if let Some(path) = mono_font {
            faces[4] = load_user_font(path)?;
        }
        // One face may serve several styles (a single user font); it is listed, and embedded,
        // once.
        let mut unique: Vec<&'static LoadedFace> = Vec::new();
        let mut style_ids = [0; 5];
        for (slot, face) in faces.iter().enumerate() {
            style_ids[slot] = match unique.iter().position(|f| std::ptr::eq(*f, *face)) {
                Some(id) => id,
                None => {
                    unique.push(face);
                    unique.len() - 1
                }
            };
        }
        Ok(FontSet {
            style_ids,
            faces: RefCell::new(unique),
            missing: RefCell::new(BTreeSet::new()),
            fallback_ids: RefCell::new(HashMap::new()),
            shape_cache: RefCell::new(Vec::new()),
            plans: RefCell::new(HashMap::new()),
            buffer: RefCell::new(None),
        })
    }

    /// Every face used so far, by id.
    pub fn faces(&self) -> Vec<&'static LoadedFace> {
        self.faces.borrow().clone()
    }

    /// How many faces there are so far (fallbacks are appended, so ids stay valid).
    pub fn face_count(&self) -> usize {
        self.faces.borrow().len()
    }

    /// The face with id `font`, if it exists (fallback faces are added as layout needs them).
    pub fn face(&self, font: FontId) -> Option<&'static LoadedFace> {
        self.faces.borrow().get(font).copied()
    }

    /// Characters no available face could draw.
    pub fn missing_chars(&self) -> Vec<char> {
        self.missing.borrow().iter().copied().collect()
    }

    fn fallback_for(&self, c: char) -> Option<FontId> {
        if let Some(id) = self.fallback_ids.borrow().get(&c) {
            return *id;
        }
        // A proportional face already in the set is cheapest; then a system face; the bundled
        // monospace face only as a last resort (its Arabic or symbols look out of place in
        // running text).
        let mono = self.style_ids[4];
        let existing =
            self.faces.borrow().iter().enumerate().position(|(id, f)| id != mono && f.covers(c));
        let id = existing
            .or_else(|| {
                system_fallback(c).map(|face| {
                    let mut faces = self.faces.borrow_mut();
                    match faces.iter().position(|f| std::ptr::eq(*f, face)) {
                        Some(id) => id,
                        None => {
                            faces.push(face);
                            faces.len() - 1
                        }
                    }
                })
            })
            .or_else(|| self.faces.borrow()[mono].covers(c).then_some(mono));
        if id.is_none() {
            self.missing.borrow_mut().insert(c);
        }
        self.fallback_ids.borrow_mut().insert(c, id);
        id
    }

    fn shape_with(&self, font: FontId, text: &str, start: usize) -> ShapedSegment {
        let face = self.faces.borrow()[font];
        let mut buffer = self.buffer.borrow_mut().take().unwrap_or_default();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        // The guess leaves the script unset for text of common characters only (digits,
        // punctuation), which the accessor reports as UNKNOWN: plan for what `shape` would.
        let script = Some(buffer.script()).filter(|s| *s != rustybuzz::script::UNKNOWN);
        let key = (font, buffer.direction(), script);
        let plan = self
            .plans
            .borrow_mut()
            .entry(key)
            .or_insert_with(|| {
                Rc::new(rustybuzz::ShapePlan::new(&face.face, key.1, key.2, None, &[]))
            })
            .clone();
        let shaped = rustybuzz::shape_with_plan(&face.face, &plan, buffer);
        let scale = 1.0 / face.units_per_em;
        let glyphs = shaped
            .glyph_infos()
            .iter()
            .zip(shaped.glyph_positions())
            .map(|(info, pos)| ShapedGlyph {
                id: info.glyph_id as u16,
                advance: pos.x_advance as f32 * scale,
                x_offset: pos.x_offset as f32 * scale,
                y_offset: pos.y_offset as f32 * scale,
                cluster: start + info.cluster as usize,
            })
            .collect();
        *self.buffer.borrow_mut() = Some(shaped.clear());
        ShapedSegment { font, start, glyphs }
    }
}

impl FontMetrics for FontSet {
    fn font_for(&self, style: FontStyle) -> FontId {
        let slot = match (style.mono, style.bold, style.italic) {
            (true, _, _) => 4,
            (false, false, false) => 0,
            (false, false, true) => 1,
            (false, true, false) => 2,
            (false, true, true) => 3,
        };
        self.style_ids[slot]
    }

    fn shape(&self, style: FontStyle, text: &str) -> Rc<Vec<ShapedSegment>> {
        let cached = self
            .shape_cache
            .borrow()
            .iter()
            .find(|(s, _)| *s == style)
            .and_then(|(_, m)| m.get(text).cloned());
        if let Some(found) = cached {
            return found;
        }
        let primary = self.font_for(style);
        // Split the text into stretches by the face that covers each character.
        let mut segments = Vec::new();
        let mut run_font = primary;
        let mut run_start = 0;
        for (offset, c) in text.char_indices() {
            let covered = is_invisible(c) || self.faces.borrow()[primary].covers(c);
            let font = if covered || c.is_whitespace() {
                if covered {
                    primary
                } else {
                    run_font
                }
            } else {
                self.fallback_for(c).unwrap_or(primary)
            };
            if font != run_font && offset > run_start {
                segments.push(self.shape_with(run_font, &text[run_start..offset], run_start));
                run_start = offset;
            }
            run_font = font;
        }
        if run_start < text.len() {
            segments.push(self.shape_with(run_font, &text[run_start..], run_start));
        }
        let segments = Rc::new(segments);
        let mut cache = self.shape_cache.borrow_mut();
        let index = match cache.iter().position(|(s, _)| *s == style) {
            Some(index) => index,
            None => {
                cache.push((style, HashMap::new()));
                cache.len() - 1
            }
        };
        let words = &mut cache[index].1;
        // Bounded: a document of unique tokens must not grow the cache without limit.
        if words.len() > 100_000 {
            words.clear();
        }
        words.insert(text.to_string(), segments.clone());
        segments
    }

    fn ascent(&self, font: FontId) -> f32 {
        self.faces.borrow().get(font).map_or(0.8, |f| f.ascent)
    }

    fn descent(&self, font: FontId) -> f32 {
        self.faces.borrow().get(font).map_or(0.2, |f| f.descent)
    }

    fn ink(&self, font: FontId, glyph: u16) -> Option<[f32; 4]> {
        let faces = self.faces.borrow();
        let face = faces.get(font)?;
        let rect = face.face.glyph_bounding_box(rustybuzz::ttf_parser::GlyphId(glyph))?;
        let units = face.units_per_em;
        Some([
            rect.x_min as f32 / units,
            rect.y_min as f32 / units,
            rect.x_max as f32 / units,
            rect.y_max as f32 / units,
        ])
    }
}

/// Fixed-advance metrics for tests: every character is `advance` em wide (spaces too), glyph
/// ids are the low 16 bits of the code point, and no font lacks anything.
#[derive(Debug, Clone, Copy)]
pub struct FixedMetrics {
    /// The advance of every character, in em.
    pub advance: f32,
}

impl FontMetrics for FixedMetrics {
    fn font_for(&self, style: FontStyle) -> FontId {
        usize::from(style.mono) * 4 + usize::from(style.bold) * 2 + usize::from(style.italic)
    }

    fn shape(&self, style: FontStyle, text: &str) -> Rc<Vec<ShapedSegment>> {
        let font = self.font_for(style);
        let glyphs = text
            .char_indices()
            .map(|(cluster, c)| ShapedGlyph {
                id: (c as u32 & 0xFFFF) as u16,
                advance: self.advance,
                x_offset: 0.0,
                y_offset: 0.0,
                cluster,
            })
            .collect();
        Rc::new(vec![ShapedSegment { font, start: 0, glyphs }])
    }

    fn ascent(&self, _font: FontId) -> f32 {
        0.8
    }

    fn descent(&self, _font: FontId) -> f32 {
        0.2
    }
}

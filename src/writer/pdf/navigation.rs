//! Everything printpdf has no API for, added to its `lopdf` document: page font resources, link
//! annotations (URIs and named destinations), the named-destination tree, the nested outline,
//! `/Lang`, the document information dictionary, and a deterministic file `/ID`.

use std::collections::BTreeMap;

use lopdf::{dictionary, Dictionary, Document, Object, ObjectId, StringFormat};

use crate::error::{Error, Result};
use crate::layout::frame::{Destination, LinkTarget, OutlineEntry, Pt};
use crate::model::Document as Model;

/// A PDF text string: literal for ASCII, UTF-16BE with a byte-order mark otherwise.
pub fn text_string(text: &str) -> Object {
    if text.is_ascii() {
        Object::String(text.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            bytes.extend_from_slice(&unit.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

fn num(v: f32) -> Object {
    Object::Real((v * 100.0).round() / 100.0)
}

/// What navigation needs to know about a page.
pub struct PageInfo {
    /// Page width.
    pub width: Pt,
    /// Page height.
    pub height: Pt,
    /// Clickable areas: x, y (top-left origin), width, height, target.
    pub links: Vec<(Pt, Pt, Pt, Pt, LinkTarget)>,
}

/// The navigation data of a laid-out document.
pub struct Navigation {
    /// Per page, in order.
    pub pages: Vec<PageInfo>,
    /// Bookmarks.
    pub outline: Vec<OutlineEntry>,
    /// Named destinations.
    pub destinations: Vec<Destination>,
}

/// Completes the document: each page's text stream and fonts, links, destinations, outline and
/// metadata.
pub fn finish(
    doc: &mut Document,
    layout: &Navigation,
    texts: Vec<lopdf::Stream>,
    id: Vec<u8>,
    font_refs: Dictionary,
    model: &Model,
    timestamp: Option<i64>,
) -> Result<()> {
    doc.version = "1.7".to_string();
    let page_ids: Vec<ObjectId> = doc.get_pages().into_values().collect();
    if page_ids.len() != layout.pages.len() || texts.len() != page_ids.len() {
        return Err(Error::Pdf("page count mismatch between layout and PDF".into()));
    }
    let font_dict_id = doc.add_object(font_refs);
    // Text is painted after the page's graphics: a second content stream.
    for (page_id, text) in page_ids.iter().zip(texts) {
        let text_id = doc.add_object(text);
        let page = doc
            .get_object_mut(*page_id)
            .and_then(Object::as_dict_mut)
            .map_err(|e| Error::Pdf(format!("page: {e}")))?;
        let contents = match page.get(b"Contents") {
            Ok(Object::Array(items)) => {
                let mut items = items.clone();
                items.push(Object::Reference(text_id));
                items
            }
            Ok(existing) => vec![existing.clone(), Object::Reference(text_id)],
            Err(_) => vec![Object::Reference(text_id)],
        };
        page.set("Contents", Object::Array(contents));
    }

    // Destinations by name (first wins), as explicit [page /XYZ x y null] arrays.
    let mut destinations: BTreeMap<&str, Object> = BTreeMap::new();
    for d in &layout.destinations {
        let (Some(page_id), Some(page)) = (page_ids.get(d.page), layout.pages.get(d.page)) else {
            continue;
        };
        destinations.entry(d.name.as_str()).or_insert_with(|| {
            Object::Array(vec![
                Object::Reference(*page_id),
                Object::Name(b"XYZ".to_vec()),
                Object::Null,
                num(page.height - d.y + 4.0),
                Object::Null,
            ])
        });
    }

    for (index, (page, page_id)) in layout.pages.iter().zip(&page_ids).enumerate() {
        let mut annotations = Vec::new();
        for (x, y, width, height, target) in &page.links {
            let rect =
                vec![num(*x), num(page.height - y - height), num(x + width), num(page.height - y)];
            let mut annotation = dictionary! {
                "Type" => "Annot",
                "Subtype" => "Link",
                "Rect" => rect,
                "Border" => vec![0.into(), 0.into(), 0.into()],
            };
            match target {
                LinkTarget::Uri(uri) => {
                    annotation.set(
                        "A",
                        dictionary! {
                            "S" => "URI",
                            "URI" => Object::String(uri.as_bytes().to_vec(), StringFormat::Literal),
                        },
                    );
                }
                LinkTarget::Named(name) => {
                    if !destinations.contains_key(name.as_str()) {
                        continue;
                    }
                    annotation.set(
                        "Dest",
                        Object::String(name.as_bytes().to_vec(), StringFormat::Literal),
                    );
                }
            }
            annotations.push(Object::Reference(doc.add_object(annotation)));
        }
        let page_dict = doc
            .get_object_mut(*page_id)
            .and_then(Object::as_dict_mut)
            .map_err(|e| Error::Pdf(format!("page {}: {e}", index + 1)))?;
        page_dict.set("Annots", Object::Array(annotations));
        let resources = page_dict.get(b"Resources").ok().cloned();
        match resources {
            Some(Object::Reference(id)) => {
                if let Ok(dict) = doc.get_object_mut(id).and_then(Object::as_dict_mut) {
                    dict.set("Font", Object::Reference(font_dict_id));
                }
            }
            Some(Object::Dictionary(mut dict)) => {
                dict.set("Font", Object::Reference(font_dict_id));
                if let Ok(page_dict) = doc.get_object_mut(*page_id).and_then(Object::as_dict_mut) {
                    page_dict.set("Resources", Object::Dictionary(dict));
                }
            }
            _ => {
                let dict = dictionary! { "Font" => Object::Reference(font_dict_id) };
                if let Ok(page_dict) = doc.get_object_mut(*page_id).and_then(Object::as_dict_mut) {
                    page_dict.set("Resources", Object::Dictionary(dict));
                }
            }
        }
    }

    let catalog_id = doc
        .trailer
        .get(b"Root")
        .and_then(Object::as_reference)
        .map_err(|e| Error::Pdf(format!("catalog: {e}")))?;
    let outline = build_outline(doc, layout, &page_ids);
    let names: Vec<Object> = destinations
        .into_iter()
        .flat_map(|(name, dest)| {
            [Object::String(name.as_bytes().to_vec(), StringFormat::Literal), dest]
        })
        .collect();
    let dests_id = (!names.is_empty()).then(|| doc.add_object(dictionary! { "Names" => names }));
    let info_id = doc.add_object(info_dictionary(model, timestamp));

    let catalog = doc
        .get_object_mut(catalog_id)
        .and_then(Object::as_dict_mut)
        .map_err(|e| Error::Pdf(format!("catalog: {e}")))?;
    if let Some(lang) = model.meta.lang.as_deref().filter(|l| !l.trim().is_empty()) {
        catalog.set("Lang", text_string(lang.trim()));
    }
    if let Some(dests) = dests_id {
        catalog.set("Names", dictionary! { "Dests" => dests });
    }
    match outline {
        Some(outline_id) => {
            catalog.set("Outlines", Object::Reference(outline_id));
            catalog.set("PageMode", Object::Name(b"UseOutlines".to_vec()));
        }
        None => {
            catalog.remove(b"Outlines");
            catalog.remove(b"PageMode");
        }
    }
    catalog.set("ViewerPreferences", dictionary! { "DisplayDocTitle" => true });

    // printpdf's own information dictionary is replaced (it has no language-aware metadata);
    // removing it directly is much cheaper than pruning the whole object graph.
    if let Ok(Object::Reference(old)) = doc.trailer.get(b"Info").cloned() {
        doc.objects.remove(&old);
    }
    doc.trailer.set("Info", Object::Reference(info_id));
    doc.trailer.set(
        "ID",
        Object::Array(vec![
            Object::String(id.clone(), StringFormat::Hexadecimal),
            Object::String(id, StringFormat::Hexadecimal),
        ]),
    );
    compress_streams(doc);
    Ok(())
}

/// Deflates every stream that is not compressed yet. Page content is text operators, which
/// compress well even at a fast level; lopdf's own `compress` uses the slowest level and took
/// a sixth of the time of a whole book.
///
/// Each stream is compressed on its own (the compressor is reset in between), so with a second
/// core the streams are split into two halves of about equal size, one compressed on a helper
/// thread: the bytes are the same either way.
fn compress_streams(doc: &mut Document) {
    let mut pending: Vec<&mut lopdf::Stream> = doc
        .objects
        .values_mut()
        .filter_map(|object| match object {
            Object::Stream(stream)
                if stream.allows_compression && stream.dict.get(b"Filter").is_err() =>
            {
                Some(stream)
            }
            _ => None,
        })
        .collect();
    let deflate_all = |streams: &mut [&mut lopdf::Stream]| {
        let mut deflater = Deflater::new(CONTENT_LEVEL);
        for stream in streams {
            deflater.deflate(stream);
        }
    };
    let total: usize = pending.iter().map(|s| s.content.len()).sum();
    // Below this there is too little to compress for a thread to pay off.
    const SPLIT_FROM: usize = 256 * 1024;
    if total < SPLIT_FROM || !super::parallel_encoding() {
        deflate_all(&mut pending);
        return;
    }
    let mut half = 0;
    let mut bytes = 0;
    while half < pending.len() && bytes < total / 2 {
        bytes += pending[half].content.len();
        half += 1;
    }
    let (first, second) = pending.split_at_mut(half);
    let helped = std::thread::scope(|scope| {
        let helper = std::thread::Builder::new()
            .name("folio-pdf-deflate".into())
            .spawn_scoped(scope, || deflate_all(second));
        deflate_all(first);
        match helper {
            Ok(helper) => match helper.join() {
                Ok(()) => true,
                Err(panic) => std::panic::resume_unwind(panic),
            },
            Err(_) => false,
        }
    });
    if !helped {
        // No thread to be had: the second half here too.
        deflate_all(second);
    }
}

/// The zlib level of content streams: text operators compress nearly as well at a fast level
/// as at the default one.
pub const CONTENT_LEVEL: u32 = 3;

/// A zlib (Flate) compressor reused across streams: setting one up clears a few hundred
/// kilobytes of tables, which for the hundreds of small streams of a book cost as much as
/// compressing them.
pub struct Deflater {
    compress: flate2::Compress,
}

impl Deflater {
    /// A compressor at `level` (0–9).
    pub fn new(level: u32) -> Deflater {
        Deflater { compress: flate2::Compress::new(flate2::Compression::new(level), true) }
    }

    /// The zlib encoding of `data`, or `None` if the compressor fails.
    pub fn encode(&mut self, data: &[u8]) -> Option<Vec<u8>> {
        self.compress.reset();
        let mut out = Vec::with_capacity(data.len() / 3 + 64);
        loop {
            let consumed = usize::try_from(self.compress.total_in()).ok()?;
            let rest = data.get(consumed..)?;
            match self.compress.compress_vec(rest, &mut out, flate2::FlushCompress::Finish) {
                Ok(flate2::Status::StreamEnd) => return Some(out),
                Ok(_) => out.reserve(out.capacity().max(1024)),
                Err(_) => return None,
            }
        }
    }

    /// Replaces a stream's content by its Flate encoding, unless that does not make it smaller.
    pub fn deflate(&mut self, stream: &mut lopdf::Stream) {
        let Some(compressed) = self.encode(&stream.content) else { return };
        if compressed.len() < stream.content.len() {
            stream.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
            stream.set_content(compressed);
        }
    }
}

/// The outline (bookmarks), nested by heading level. Returns the outline root's id.
fn build_outline(
    doc: &mut Document,
    layout: &Navigation,
    page_ids: &[ObjectId],
) -> Option<ObjectId> {
    let entries: Vec<_> = layout.outline.iter().filter(|e| e.page < page_ids.len()).collect();
    if entries.is_empty() {
        return None;
    }
    let root_id = doc.new_object_id();
    let ids: Vec<ObjectId> = entries.iter().map(|_| doc.new_object_id()).collect();
    // Parent of each entry: the nearest earlier entry with a smaller level.
    let mut parents: Vec<Option<usize>> = Vec::with_capacity(entries.len());
    let mut stack: Vec<usize> = Vec::new();
    for (i, entry) in entries.iter().enumerate() {
        while stack.last().is_some_and(|&top| entries[top].level >= entry.level) {
            stack.pop();
        }
        parents.push(stack.last().copied());
        stack.push(i);
    }
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); entries.len()];
    let mut top_level = Vec::new();
    for (i, parent) in parents.iter().enumerate() {
        match parent {
            Some(p) => children[*p].push(i),
            None => top_level.push(i),
        }
    }
    // Count of all descendants, computed bottom-up (children always come after parents).
    let mut counts = vec![0i64; entries.len()];
    for i in (0..entries.len()).rev() {
        counts[i] = children[i].iter().map(|&c| 1 + counts[c]).sum();
    }
    let siblings_of = |i: usize| -> &Vec<usize> {
        match parents[i] {
            Some(p) => &children[p],
            None => &top_level,
        }
    };
    for (i, entry) in entries.iter().enumerate() {
        let page = &layout.pages[entry.page];
        let mut dict = dictionary! {
            "Title" => text_string(&entry.title),
            "Parent" => Object::Reference(parents[i].map_or(root_id, |p| ids[p])),
            "Dest" => vec![
                Object::Reference(page_ids[entry.page]),
                Object::Name(b"XYZ".to_vec()),
                Object::Null,
                num(page.height - entry.y + 4.0),
                Object::Null,
            ],
        };
        let siblings = siblings_of(i);
        if let Some(pos) = siblings.iter().position(|&s| s == i) {
            if pos > 0 {
                dict.set("Prev", Object::Reference(ids[siblings[pos - 1]]));
            }
            if let Some(&next) = siblings.get(pos + 1) {
                dict.set("Next", Object::Reference(ids[next]));
            }
        }
        if let (Some(&first), Some(&last)) = (children[i].first(), children[i].last()) {
            dict.set("First", Object::Reference(ids[first]));
            dict.set("Last", Object::Reference(ids[last]));
            // Open the top levels, close deeper ones (negative count = closed).
            let open = entry.level <= 1;
            dict.set("Count", Object::Integer(if open { counts[i] } else { -counts[i] }));
        }
        doc.objects.insert(ids[i], Object::Dictionary(dict));
    }
    let visible: i64 =
        top_level.iter().map(|&t| 1 + if entries[t].level <= 1 { counts[t] } else { 0 }).sum();
    let root = dictionary! {
        "Type" => "Outlines",
        "First" => Object::Reference(ids[top_level[0]]),
        "Last" => Object::Reference(ids[*top_level.last().unwrap_or(&top_level[0])]),
        "Count" => visible,
    };
    doc.objects.insert(root_id, Object::Dictionary(root));
    Some(root_id)
}

fn info_dictionary(model: &Model, timestamp: Option<i64>) -> Dictionary {
    let meta = &model.meta;
    let mut info = dictionary! {
        "Creator" => text_string("folio"),
        "Producer" => text_string(concat!("folio ", env!("CARGO_PKG_VERSION"))),
    };
    if let Some(title) = meta.title.as_deref().filter(|t| !t.trim().is_empty()) {
        info.set("Title", text_string(title.trim()));
    }
    if !meta.authors.is_empty() {
        info.set("Author", text_string(&meta.authors.join(", ")));
    }
    if let Some(subject) = meta.description.as_deref().filter(|t| !t.trim().is_empty()) {
        info.set("Subject", text_string(subject.trim()));
    }
    if !meta.keywords.is_empty() {
        info.set("Keywords", text_string(&meta.keywords.join(", ")));
    }
    let date = timestamp
        .map(pdf_date_from_epoch)
        .or_else(|| meta.date.as_deref().and_then(pdf_date_from_iso));
    if let Some(date) = date {
        info.set("CreationDate", Object::String(date.clone().into_bytes(), StringFormat::Literal));
        info.set("ModDate", Object::String(date.into_bytes(), StringFormat::Literal));
    }
    info
}

/// `D:YYYYMMDDHHmmSSZ` for seconds since the Unix epoch (UTC).
pub fn pdf_date_from_epoch(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "D:{year:04}{month:02}{day:02}{:02}{:02}{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// `D:YYYYMMDD000000Z` from a date written as `YYYY-MM-DD` (or `YYYY-MM`, `YYYY`).
pub fn pdf_date_from_iso(date: &str) -> Option<String> {
    let date = date.trim();
    let mut parts = date.get(..10.min(date.len()))?.split('-');
    let year: u32 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next().map_or(Some(1), |m| m.parse().ok())?;
    let day: u32 = parts.next().map_or(Some(1), |d| d.parse().ok())?;
    if !(1000..=9999).contains(&year) || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    Some(format!("D:{year:04}{month:02}{day:02}000000Z"))
}

/// A file identifier derived from the content (title and page text), so equal input gives
/// equal bytes. Fed page by page.
pub struct DocumentId {
    a: u64,
    b: u64,
    pages: usize,
}

impl DocumentId {
    /// Starts the identifier of the document `model`.
    pub fn new(model: &Model) -> DocumentId {
        let mut id = DocumentId { a: 0xcbf2_9ce4_8422_2325, b: 0x6c62_272e_07bb_0142, pages: 0 };
        id.feed(model.meta.title.as_deref().unwrap_or("").as_bytes());
        id
    }

    fn feed(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.a = (self.a ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
            self.b = (self.b ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3).rotate_left(5);
        }
    }

    /// Adds a page's text operators.
    pub fn page(&mut self, text: &[u8]) {
        self.pages += 1;
        self.feed(text);
    }

    /// The sixteen bytes of the identifier.
    pub fn finish(mut self) -> Vec<u8> {
        let pages = self.pages;
        self.feed(&pages.to_le_bytes());
        let mut id = self.a.to_be_bytes().to_vec();
        id.extend_from_slice(&self.b.to_be_bytes());
        id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Streams of varied, partly compressible content, enough in all to be split between two
    /// threads; the last few too short to gain anything from compression.
    fn sample_document() -> Document {
        let mut doc = Document::with_version("1.7");
        let mut seed = 0x9E37_79B9_u32;
        for i in 0..400 {
            let mut content = Vec::new();
            let lines = if i >= 396 { 0 } else { 20 + i % 60 };
            for line in 0..lines {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                content.extend_from_slice(
                    format!(
                        "{} {} {} rg {line} 0 0 1 {} re f\n",
                        i % 7,
                        seed % 97,
                        seed >> 20,
                        seed % 13
                    )
                    .as_bytes(),
                );
            }
            if i >= 396 {
                content.extend_from_slice(b"q Q");
            }
            doc.add_object(lopdf::Stream::new(Dictionary::new(), content));
        }
        // A stream that is already compressed, and one that must stay as it is, are left alone.
        let mut done = lopdf::Stream::new(Dictionary::new(), b"x".repeat(5000));
        done.dict.set("Filter", Object::Name(b"FlateDecode".to_vec()));
        doc.add_object(done);
        doc.add_object(
            lopdf::Stream::new(Dictionary::new(), b"y".repeat(5000)).with_compression(false),
        );
        doc
    }

    #[test]
    fn streams_compressed_in_two_halves_match_one_by_one() {
        let mut split = sample_document();
        let total: usize = split
            .objects
            .values()
            .filter_map(|o| if let Object::Stream(s) = o { Some(s.content.len()) } else { None })
            .sum();
        assert!(total > 256 * 1024, "the sample must be large enough to be split: {total}");
        compress_streams(&mut split);
        let mut deflater = Deflater::new(CONTENT_LEVEL);
        let mut serial = sample_document();
        for object in serial.objects.values_mut() {
            if let Object::Stream(stream) = object {
                if stream.allows_compression && stream.dict.get(b"Filter").is_err() {
                    deflater.deflate(stream);
                }
            }
        }
        assert_eq!(split.objects.len(), serial.objects.len());
        let mut compressed = 0;
        for (id, object) in &split.objects {
            let (Object::Stream(a), Some(Object::Stream(b))) = (object, serial.objects.get(id))
            else {
                panic!("object {id:?} is not a stream in both");
            };
            assert_eq!(a.content, b.content, "stream {id:?}");
            assert_eq!(a.dict.get(b"Filter").ok(), b.dict.get(b"Filter").ok(), "stream {id:?}");
            compressed += usize::from(a.dict.get(b"Filter").is_ok());
        }
        // 396 compressible streams plus the one that already was; the tiny ones and the one
        // that forbids compression stay raw.
        assert_eq!(compressed, 397);
        let raw = split
            .objects
            .values()
            .filter(|o| matches!(o, Object::Stream(s) if s.dict.get(b"Filter").is_err()));
        assert_eq!(raw.count(), 5);
    }

    #[test]
    fn epoch_dates() {
        assert_eq!(pdf_date_from_epoch(0), "D:19700101000000Z");
        assert_eq!(pdf_date_from_epoch(1_700_000_000), "D:20231114221320Z");
        assert_eq!(pdf_date_from_iso("2024-05-01"), Some("D:20240501000000Z".into()));
        assert_eq!(pdf_date_from_iso("May 2024"), None);
    }
}

//! The EPUB writer: [`Document`] → an EPUB 3 (or EPUB 2) book that passes EPUBCheck with no
//! errors and no warnings, whatever the input.
//!
//! The pipeline:
//! 1. in safe mode only, a copy of the blocks with raw HTML turned into code;
//! 2. [`crate::transform::chapters`] splits the body at headings (chapters borrow the blocks);
//! 3. each chapter is rendered by the HTML writer ([`HtmlWriter`], EPUB 3 note markup on, math
//!    through [`push_math_markup`]);
//! 4. [`xhtml`] parses that HTML (raw HTML included) and re-serializes it as valid XHTML for the
//!    target version, embedding images ([`images`]) and collecting every id (steps 3–4 run in
//!    parallel per chapter, the re-serialization in order on a thread of its own);
//! 5. fragment links are resolved across chapters, pages get their shell ([`pages`]);
//! 6. [`package`] builds the OPF, NCX and nav with epub-builder and writes a reproducible zip.

mod images;
mod package;
mod pages;
mod xhtml;

use std::collections::BTreeSet;

use rayon::prelude::*;

use super::html::{self, HtmlWriter};
use super::WriteOptions;
use crate::error::{Error, Result, Warning, WarningKind};
use crate::model::{walk, Block, Document, Inline, RawFormat};
use crate::resources::Resources;
use crate::transform::chapters;

/// The built-in e-reader stylesheet.
pub const DEFAULT_CSS: &str = include_str!("../epub.css");

/// Chapters with more text than this (bytes) are cut into several files: large XHTML files are
/// slow or fail to open on e-ink readers.
const MAX_PART_TEXT: usize = 200_000;

/// Deepest heading level (counted from the top level in use) listed in the table of contents.
const TOC_DEPTH: u8 = 3;

/// Options of the EPUB writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpubOptions {
    /// 3 (default) or 2.
    pub version: u8,
    /// Split chapters at headings of this level and above (default 1), counted from the highest
    /// heading level the document uses.
    pub split_level: u8,
    /// A cover image file; without it a title page is generated from title and authors.
    pub cover_image: Option<String>,
}

impl Default for EpubOptions {
    fn default() -> Self {
        EpubOptions { version: 3, split_level: 1, cover_image: None }
    }
}

/// The EPUB version being written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// EPUB 2.0.1: XHTML 1.1 content, NCX navigation.
    V2,
    /// EPUB 3.3: HTML5 (XHTML syntax) content, nav document plus NCX.
    V3,
}

/// Writes an EPUB.
pub fn write(
    document: &Document,
    options: &WriteOptions,
    resources: &dyn Resources,
) -> Result<(Vec<u8>, Vec<Warning>)> {
    let version = match options.epub.version {
        2 => Version::V2,
        3 => Version::V3,
        other => {
            return Err(Error::Option(format!(
                "--epub-version {other} is not supported; choose 2 or 3"
            )))
        }
    };
    let mut warnings = Vec::new();
    let meta = &document.meta;
    let lang = language(meta.lang.as_deref(), &mut warnings);
    let rtl = is_rtl_language(&lang);
    let title = clean_line(&html::document_title(document));
    let title = if title.is_empty() { "Untitled".to_string() } else { title };

    // Chapters borrow the document's blocks; only safe mode, which turns raw HTML into code,
    // works on a copy.
    let escaped = options.html.safe.then(|| escape_raw_html(&document.blocks));
    let blocks = escaped.as_deref().unwrap_or(&document.blocks);
    let top_level = top_heading_level(blocks);
    let split_level = chapters::effective_split_level(blocks, options.epub.split_level);
    let chapters = chapters::split_large(chapters::split(blocks, split_level), MAX_PART_TEXT);

    let mut images = images::ImageStore::new(resources);
    let mut ids = xhtml::IdRegistry::default();
    let mut warned = BTreeSet::new();
    let rendering = ChapterRendering::new(options, version);
    let mut conversion_warnings = Vec::new();
    // The content identifier hashes the whole model, a sequential walk that runs beside the
    // chapters' conversion.
    let (identifier, (fragments, math_warnings)) = rayon::join(
        || identifier(document),
        || {
            let mut context = xhtml::Context {
                version,
                chapter: 0,
                ids: &mut ids,
                images: &mut images,
                warnings: &mut conversion_warnings,
                warned: &mut warned,
            };
            convert_chapters(&chapters, &rendering, &mut context)
        },
    );
    warnings.extend(math_warnings);
    warnings.extend(conversion_warnings);

    let shell = pages::Shell { version, lang: &lang, rtl };
    let mut pages_out = Vec::with_capacity(chapters.len() + 1);
    let front = front_page(document, &title, options, &mut images, &shell, &mut warnings);
    pages_out.push(front);
    for (index, (chapter, fragment)) in chapters.iter().zip(fragments).enumerate() {
        let file = chapter_file(index);
        let mathml = fragment.has_mathml;
        let body = fragment.resolve(&ids, &chapter_file, &mut warnings, &mut warned);
        let heading = clean_line(&walk::plain_text(chapter.title));
        let page_title = if heading.is_empty() { title.clone() } else { heading.clone() };
        let toc_title = if chapter.continued {
            String::new()
        } else if !heading.is_empty() {
            heading
        } else if chapter.level == 0 && index == 0 {
            title.clone()
        } else {
            format!("Section {}", index + 1)
        };
        let relative = |level: u8| level.saturating_sub(top_level) + 1;
        let outline: Vec<package::TocEntry> = chapters::outline(chapter, top_level + TOC_DEPTH - 1)
            .into_iter()
            .filter(|entry| !entry.title.is_empty())
            .filter_map(|entry| {
                // An entry must lead to its own place: the NCX forbids two entries with one target.
                let (at, id) = ids.lookup(entry.id.as_deref()?)?;
                (at == index).then(|| package::TocEntry {
                    href: format!("{file}#{id}"),
                    title: clean_line(&entry.title),
                    level: relative(entry.level),
                })
            })
            .collect();
        if chapter.continued {
            // A continuation has no entry of its own; its headings hang under its chapter's.
            if let Some(owner) = pages_out.iter_mut().rev().find(|p| !p.toc_title.is_empty()) {
                owner.outline.extend(outline.iter().cloned());
            }
        }
        let outline = if chapter.continued { Vec::new() } else { outline };
        pages_out.push(package::Page {
            xhtml: shell.page(&page_title, &body),
            file,
            toc_title,
            toc_level: if chapter.level == 0 { 1 } else { relative(chapter.level) },
            outline,
            landmark: (index == 0).then_some(package::Landmark::BodyMatter),
            mathml,
        });
    }
    if options.html.toc {
        let contents = contents_page(&pages_out[1..], options.html.toc_depth, &shell);
        pages_out.insert(1, contents);
    }
    warnings.append(&mut images.warnings);

    let mut css = if options.html.no_default_css { String::new() } else { DEFAULT_CSS.to_string() };
    // Token colours of highlighted code (the chapters carry the classes; the theme is small).
    if let Some(name) = &options.html.highlight_style {
        css.push('\n');
        css.push_str(&crate::highlight::theme(name)?.css());
    }
    for extra in &options.html.css {
        css.push('\n');
        css.push_str(extra);
    }
    let book = package::Book {
        version,
        identifier,
        title,
        authors: meta.authors.iter().map(|a| clean_line(a)).filter(|a| !a.is_empty()).collect(),
        lang,
        rtl,
        description: meta.description.as_deref().map(clean_line).filter(|d| !d.is_empty()),
        keywords: meta.keywords.iter().map(|k| clean_line(k)).filter(|k| !k.is_empty()).collect(),
        rights: meta
            .extra
            .get("rights")
            .or_else(|| meta.extra.get("license"))
            .map(|r| clean_line(r)),
        published: meta.date.as_deref().and_then(parse_date),
        modified: modified_time(options.timestamp, meta.date.as_deref()),
        css,
        pages: pages_out,
        images: images.files,
    };
    drop(chapters);
    // Freeing safe mode's copy of the model overlaps with packaging.
    let (bytes, ()) = rayon::join(|| package::build(book), || drop(escaped));
    Ok((bytes?, warnings))
}

/// How chapter bodies are rendered to HTML.
struct ChapterRendering {
    /// The HTML writer's options.
    html: html::HtmlOptions,
    /// Math as MathML (EPUB 3) or as its TeX source (EPUB 2).
    mathml: bool,
}

impl ChapterRendering {
    fn new(options: &WriteOptions, version: Version) -> Self {
        let mut html = options.html.clone();
        html.epub_notes = version == Version::V3;
        // Raw HTML was already escaped by `escape_raw_html` in safe mode, and the XHTML pass
        // removes what safe mode would remove.
        html.safe = false;
        ChapterRendering { html, mathml: version == Version::V3 }
    }

    /// The HTML body of chapter `index` (0-based), its notes at the end, and the warnings of
    /// its math.
    fn chapter(&self, index: usize, chapter: &chapters::Chapter<'_>) -> (String, Vec<Warning>) {
        let mathml = self.mathml;
        let math = move |out: &mut String, tex: &str, display: bool, warnings: &mut Vec<_>| {
            push_math_markup(out, tex, display, mathml, warnings);
        };
        let mut writer = HtmlWriter::with_note_prefix(&self.html, &format!("c{}-", index + 1))
            .with_math_renderer(&math);
        let mut body = String::new();
        writer.blocks(&mut body, chapter.blocks);
        writer.footnotes(&mut body);
        (body, writer.take_warnings())
    }
}

/// Stack of the conversion thread: as large as the batch workers' (the conversion recurses once
/// per element, up to `xhtml`'s depth bound, and debug builds use large frames).
const CONVERTER_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Renders, parses and converts every chapter into XHTML. Rendering and parsing are independent
/// per chapter and run in parallel on the thread pool; the conversion assigns book-wide ids and
/// images, so it runs in reading order, on a thread of its own that takes each chapter as soon
/// as it is parsed (it used to wait for the last one: a third of the writer's time spent on
/// one core).
///
/// Returns the chapters' XHTML and the warnings of their math, in reading order.
fn convert_chapters(
    chapters: &[chapters::Chapter<'_>],
    rendering: &ChapterRendering,
    context: &mut xhtml::Context<'_, '_>,
) -> (Vec<xhtml::Fragment>, Vec<Warning>) {
    type Rendered = (xhtml::Parsed, Vec<Warning>);
    let parse = |index: usize, chapter: &chapters::Chapter<'_>| -> Rendered {
        let (html, warnings) = rendering.chapter(index, chapter);
        (xhtml::parse_chapter(&html), warnings)
    };
    // Behind a lock only so that the fallback below may convert when no thread could be
    // started; one thread at a time holds it, once per chapter.
    let state = std::sync::Mutex::new((context, Vec::with_capacity(chapters.len()), Vec::new()));
    let convert = |index: usize, (parsed, warnings): Rendered| {
        let mut guard = state.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let (context, fragments, math_warnings) = &mut *guard;
        context.chapter = index;
        fragments.push(xhtml::convert_parsed(parsed, context));
        math_warnings.extend(warnings);
    };
    let finish = |state: std::sync::Mutex<(_, _, _)>| {
        let (_, fragments, math_warnings) =
            state.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
        (fragments, math_warnings)
    };
    if chapters.len() < 2 {
        for (index, chapter) in chapters.iter().enumerate() {
            convert(index, parse(index, chapter));
        }
        return finish(state);
    }
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::channel::<(usize, Rendered)>();
        // Not a pool thread: it blocks waiting for chapters, which a pool thread must not do
        // (the work it waits for could be queued behind it).
        let converter = std::thread::Builder::new()
            .name("folio-epub-convert".to_string())
            .stack_size(CONVERTER_STACK_BYTES)
            .spawn_scoped(scope, move || {
                let mut waiting: Vec<Option<Rendered>> =
                    std::iter::repeat_with(|| None).take(chapters.len()).collect();
                let mut next = 0;
                for (index, parsed) in receiver {
                    waiting[index] = Some(parsed);
                    while let Some(rendered) = waiting.get_mut(next).and_then(Option::take) {
                        convert(next, rendered);
                        next += 1;
                    }
                }
            });
        match converter {
            Ok(converter) => {
                chapters.par_iter().enumerate().for_each_with(
                    sender,
                    |sender, (index, chapter)| {
                        // The receiver lives until every sender is dropped.
                        let _ = sender.send((index, parse(index, chapter)));
                    },
                );
                if let Err(panic) = converter.join() {
                    std::panic::resume_unwind(panic);
                }
            }
            // No thread to spare: parse in parallel, then convert here.
            Err(_) => {
                let parsed: Vec<Rendered> = chapters
                    .par_iter()
                    .enumerate()
                    .map(|(index, chapter)| parse(index, chapter))
                    .collect();
                for (index, parsed) in parsed.into_iter().enumerate() {
                    convert(index, parsed);
                }
            }
        }
    });
    finish(state)
}

/// The file name of chapter `index` (0-based).
fn chapter_file(index: usize) -> String {
    format!("chapter-{}.xhtml", index + 1)
}

/// Math as markup: MathML in EPUB 3 (marked `data-folio-math` so the XHTML pass keeps it;
/// the manifest then gets the `mathml` property), the TeX source as readable text in EPUB 2,
/// which has no MathML, and as the fallback (with a warning) for constructs the math module
/// does not support.
pub fn push_math_markup(
    out: &mut String,
    tex: &str,
    display: bool,
    mathml: bool,
    warnings: &mut Vec<Warning>,
) {
    if mathml {
        match crate::math::to_mathml(tex, display) {
            Ok(markup) => {
                if let Some(rest) = markup.strip_prefix("<math ") {
                    out.push_str("<math data-folio-math=\"\" ");
                    out.push_str(rest);
                    return;
                }
            }
            Err(error) => warnings.push(crate::math::fallback_warning(tex, &error)),
        }
    }
    out.push_str(if display {
        "<span class=\"math display\">"
    } else {
        "<span class=\"math inline\">"
    });
    xhtml::push_text_escaped(out, tex.trim());
    out.push_str("</span>");
}

/// Safe mode: a copy of `blocks` whose raw HTML is shown as code instead of being markup.
fn escape_raw_html(blocks: &[Block]) -> Vec<Block> {
    let mut blocks = blocks.to_vec();
    walk::for_each_block_mut(&mut blocks, &mut |block| {
        if let Block::RawBlock { format: RawFormat::Html, content } = block {
            *block = Block::CodeBlock { info: "html".to_string(), code: std::mem::take(content) };
        }
    });
    walk::for_each_inlines_mut(&mut blocks, &mut |inlines| {
        for inline in inlines.iter_mut() {
            if let Inline::RawInline { format: RawFormat::Html, content } = inline {
                *inline = Inline::Code(std::mem::take(content));
            }
        }
    });
    blocks
}

fn top_heading_level(blocks: &[Block]) -> u8 {
    blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, .. } => Some((*level).clamp(1, 6)),
            _ => None,
        })
        .min()
        .unwrap_or(1)
}

/// The cover page (with `--epub-cover-image`) or the generated title page.
fn front_page(
    document: &Document,
    title: &str,
    options: &WriteOptions,
    images: &mut images::ImageStore<'_>,
    shell: &pages::Shell<'_>,
    warnings: &mut Vec<Warning>,
) -> package::Page {
    if let Some(cover) = &options.epub.cover_image {
        match images.load(cover, "cover image") {
            Ok((bytes, media_type)) => {
                let path = format!("images/cover.{}", images::extension(media_type));
                let body = shell.cover_body(&path, title);
                return package::Page {
                    file: "cover.xhtml".to_string(),
                    xhtml: shell.page(title, &body),
                    toc_title: "Cover".to_string(),
                    toc_level: 1,
                    outline: Vec::new(),
                    landmark: Some(package::Landmark::Cover(images::EmbeddedImage {
                        path,
                        bytes,
                        media_type,
                    })),
                    mathml: false,
                };
            }
            Err(warning) => warnings.push(warning),
        }
    }
    let meta = &document.meta;
    let body = shell.title_body(
        title,
        meta.subtitle.as_deref().map(clean_line).as_deref(),
        &meta.authors.iter().map(|a| clean_line(a)).collect::<Vec<_>>(),
        meta.date.as_deref().map(clean_line).as_deref(),
    );
    package::Page {
        file: "title.xhtml".to_string(),
        xhtml: shell.page(title, &body),
        toc_title: title.to_string(),
        toc_level: 1,
        outline: Vec::new(),
        landmark: Some(package::Landmark::TitlePage),
        mathml: false,
    }
}

/// The inline contents page of `--toc` (besides the navigation document every book has):
/// chapters and their headings down to `depth`, as nested lists of links.
fn contents_page(pages: &[package::Page], depth: u8, shell: &pages::Shell<'_>) -> package::Page {
    let mut entries: Vec<(u8, String, &str)> = Vec::new();
    for page in pages.iter().filter(|p| !p.toc_title.is_empty()) {
        entries.push((page.toc_level, page.file.clone(), &page.toc_title));
        for entry in &page.outline {
            entries.push((entry.level, entry.href.clone(), &entry.title));
        }
    }
    entries.retain(|(level, _, _)| *level <= depth.max(1));
    let mut body = String::from("<div class=\"contents\">\n<h1>Contents</h1>\n");
    let mut open = 0u8;
    for (level, href, title) in entries {
        // A level may not skip: a chapter's first heading two levels down nests one level.
        let level = level.clamp(1, open + 1);
        if level > open {
            body.push_str("<ol>\n<li>");
        } else {
            for _ in level..open {
                body.push_str("</li>\n</ol>\n");
            }
            body.push_str("</li>\n<li>");
        }
        open = level;
        body.push_str("<a href=\"");
        xhtml::push_attr_escaped(&mut body, &href);
        body.push_str("\">");
        xhtml::push_text_escaped(&mut body, title);
        body.push_str("</a>");
    }
    for _ in 0..open {
        body.push_str("</li>\n</ol>\n");
    }
    body.push_str("</div>\n");
    package::Page {
        file: "contents.xhtml".to_string(),
        xhtml: shell.page("Contents", &body),
        toc_title: "Contents".to_string(),
        toc_level: 1,
        outline: Vec::new(),
        landmark: None,
        mathml: false,
    }
}

/// Text for one-line fields (titles, names): whitespace collapsed, characters XML cannot carry
/// removed.
fn clean_line(text: &str) -> String {
    let kept: String = text.chars().filter(|&c| xhtml::is_xml_char(c)).collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The book's language: the metadata's BCP 47 tag (`en_US` is accepted as `en-US`), else `en`.
fn language(lang: Option<&str>, warnings: &mut Vec<Warning>) -> String {
    let Some(raw) = lang else { return "en".to_string() };
    let tag = raw.trim().replace('_', "-");
    if xhtml::is_language_tag(&tag) {
        tag
    } else {
        warnings.push(Warning::new(
            WarningKind::Unsupported,
            format!("language '{raw}' is not a BCP 47 tag such as en or de-CH; the book is marked as English (en)"),
        ));
        "en".to_string()
    }
}

fn is_rtl_language(lang: &str) -> bool {
    let primary = lang.split('-').next().unwrap_or("").to_ascii_lowercase();
    matches!(primary.as_str(), "ar" | "he" | "fa" | "ur" | "yi" | "ps" | "sd" | "ug" | "dv" | "ckb")
}

/// The unique identifier: metadata `identifier` when given, else a UUID derived from the
/// document's content, so the same input always yields the same book.
fn identifier(document: &Document) -> String {
    if let Some(given) = document.meta.extra.get("identifier").map(|s| clean_line(s)) {
        if !given.is_empty() {
            return given;
        }
    }
    // The model's JSON is hashed as it is serialized, never held in memory (on a 2 MB book
    // it was ~10 MB written and read back).
    let mut hasher = package::StableHasher::default();
    let _ = serde_json::to_writer(&mut hasher, document);
    let uuid = uuid::Builder::from_custom_bytes(hasher.finish().to_be_bytes()).into_uuid();
    format!("urn:uuid:{}", uuid.hyphenated())
}

/// `dcterms:modified`: `SOURCE_DATE_EPOCH` if given, else the document date, else a fixed date,
/// so output never depends on the clock.
fn modified_time(timestamp: Option<i64>, date: Option<&str>) -> chrono::DateTime<chrono::Utc> {
    timestamp
        .and_then(|seconds| chrono::DateTime::from_timestamp(seconds, 0))
        .or_else(|| date.and_then(parse_date))
        .unwrap_or_else(|| chrono::DateTime::from_timestamp(315_532_800, 0).unwrap_or_default())
}

/// Parses the usual ways of writing a date (ISO 8601 first).
fn parse_date(text: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::{NaiveDate, NaiveDateTime, TimeZone, Utc};
    let text = text.trim();
    if let Ok(datetime) = chrono::DateTime::parse_from_rfc3339(text) {
        return Some(datetime.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"] {
        if let Ok(datetime) = NaiveDateTime::parse_from_str(text, format) {
            return Some(Utc.from_utc_datetime(&datetime));
        }
    }
    let formats =
        ["%Y-%m-%d", "%Y/%m/%d", "%d.%m.%Y", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y"];
    let date = formats
        .iter()
        .find_map(|format| NaiveDate::parse_from_str(text, format).ok())
        .or_else(|| NaiveDate::parse_from_str(&format!("{text}-01"), "%Y-%m-%d").ok())
        .or_else(|| NaiveDate::parse_from_str(&format!("{text}-01-01"), "%Y-%m-%d").ok())?;
    let datetime = date.and_hms_opt(0, 0, 0)?;
    Some(Utc.from_utc_datetime(&datetime))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_parse() {
        let day = |s: &str| parse_date(s).map(|d| d.format("%Y-%m-%d").to_string());
        assert_eq!(day("2024-05-01").as_deref(), Some("2024-05-01"));
        assert_eq!(day("2024-05").as_deref(), Some("2024-05-01"));
        assert_eq!(day("2024").as_deref(), Some("2024-01-01"));
        assert_eq!(day("May 3, 2021").as_deref(), Some("2021-05-03"));
        assert_eq!(day("2021-05-03T10:00:00+02:00").as_deref(), Some("2021-05-03"));
        assert_eq!(day("someday"), None);
    }

    #[test]
    fn languages_are_checked() {
        let mut warnings = Vec::new();
        assert_eq!(language(Some("en_US"), &mut warnings), "en-US");
        assert_eq!(language(Some("English"), &mut warnings), "English");
        assert_eq!(language(Some("not a tag"), &mut warnings), "en");
        assert_eq!(warnings.len(), 1);
    }
}

//! Packaging: the package document (OPF), NCX and navigation document through epub-builder, then
//! the final zip. The only module importing `epub_builder` and `zip`.
//!
//! epub-builder's templates have a few gaps that EPUBCheck reports, so its archive is read back
//! and repaired before being written again:
//! - EPUB 3: `dc:language` and `dc:creator` both get the id `epub-creator-0` (a duplicate id);
//!   the language's id is removed;
//! - the NCX lacks the `dtb:uid` that must match the package identifier;
//! - the nav document has no language;
//! - chapters containing MathML need `properties="mathml"` in the manifest;
//! - a non-UUID identifier from the metadata replaces the generated one.
//!
//! epub-builder is handed empty stand-ins for chapters and images: it would only compress them
//! into an archive that is read back and written again, which made packaging cost more than
//! everything else in a Markdown → EPUB run. Their real bytes are written once, at the end.
//!
//! The rewrite also makes the archive reproducible: `mimetype` first and stored, every entry
//! with the same fixed timestamp and permissions.

use std::collections::HashMap;
use std::io::{Cursor, Read, Write};

use rayon::prelude::*;

use epub_builder::{
    EpubBuilder, EpubContent, EpubVersion, MetadataOpf, MetadataOpfV3, PageDirection,
    ReferenceType, TocElement, ZipLibrary,
};

use super::images::EmbeddedImage;
use super::xhtml::push_attr_escaped;
use super::Version;
use crate::error::{Error, Result};

/// What a page is, for the guide and the landmarks.
#[derive(Debug, Clone)]
pub enum Landmark {
    /// The cover page, with its image.
    Cover(EmbeddedImage),
    /// The generated title page.
    TitlePage,
    /// Where the body of the book starts.
    BodyMatter,
}

/// An entry of the table of contents below a page's own.
#[derive(Debug, Clone)]
pub struct TocEntry {
    /// `chapter-2.xhtml#id`.
    pub href: String,
    /// Plain-text title.
    pub title: String,
    /// Nesting level, 1 for the top.
    pub level: u8,
}

/// One XHTML content document in reading order.
#[derive(Debug, Clone)]
pub struct Page {
    /// File name inside the content folder.
    pub file: String,
    /// The complete XHTML document.
    pub xhtml: String,
    /// Its title in the table of contents; empty for the continuation of a chapter.
    pub toc_title: String,
    /// Its level in the table of contents, 1 for the top.
    pub toc_level: u8,
    /// Headings inside it, for the table of contents.
    pub outline: Vec<TocEntry>,
    /// Its role in the book, if any.
    pub landmark: Option<Landmark>,
    /// Contains MathML.
    pub mathml: bool,
}

/// Everything that goes into the package.
#[derive(Debug, Clone)]
pub struct Book {
    /// Target version.
    pub version: Version,
    /// The unique identifier (`urn:uuid:…` or the metadata's own).
    pub identifier: String,
    /// Title (non-empty).
    pub title: String,
    /// Authors.
    pub authors: Vec<String>,
    /// BCP 47 language tag.
    pub lang: String,
    /// Right-to-left page progression.
    pub rtl: bool,
    /// Description.
    pub description: Option<String>,
    /// Subjects.
    pub keywords: Vec<String>,
    /// Rights statement.
    pub rights: Option<String>,
    /// Publication date.
    pub published: Option<chrono::DateTime<chrono::Utc>>,
    /// Modification date (`dcterms:modified`).
    pub modified: chrono::DateTime<chrono::Utc>,
    /// The stylesheet.
    pub css: String,
    /// Content documents, in reading order.
    pub pages: Vec<Page>,
    /// Images used by the pages (the cover image travels in its page's landmark).
    pub images: Vec<EmbeddedImage>,
}

fn builder_error(error: epub_builder::Error) -> Error {
    Error::Epub(error.to_string())
}

fn zip_error(error: zip::result::ZipError) -> Error {
    Error::Epub(error.to_string())
}

/// Builds the EPUB file.
pub fn build(book: Book) -> Result<Vec<u8>> {
    // epub-builder gets empty stand-ins for chapters and images (see the module docs); their
    // real bytes go into the archive once, compressed while epub-builder does its sequential
    // work.
    let mut contents: HashMap<String, &[u8]> = HashMap::new();
    for image in &book.images {
        contents.insert(format!("OEBPS/{}", image.path), &image.bytes);
    }
    for page in &book.pages {
        if let Some(Landmark::Cover(image)) = &page.landmark {
            contents.insert(format!("OEBPS/{}", image.path), &image.bytes);
        }
        contents.insert(format!("OEBPS/{}", page.file), page.xhtml.as_bytes());
    }
    let (generated, compressed) = rayon::join(
        || generate(&book),
        || {
            contents
                .par_iter()
                .map(|(name, data)| Ok((name.clone(), deflated_entry(name, data)?)))
                .collect::<Result<HashMap<String, Vec<u8>>>>()
        },
    );
    let (raw, mathml_files, uuid) = generated?;
    let repairs = Repairs {
        version: book.version,
        lang: &book.lang,
        identifier: &book.identifier,
        generated_identifier: format!("urn:uuid:{}", uuid.hyphenated()),
        mathml_files: &mathml_files,
    };
    repackage(&raw, compressed?, &repairs)
}

/// epub-builder's archive (with stand-ins), the pages holding MathML and the UUID it was given.
fn generate(book: &Book) -> Result<(Vec<u8>, Vec<String>, uuid::Uuid)> {
    let mut builder =
        EpubBuilder::new(ZipLibrary::new().map_err(builder_error)?).map_err(builder_error)?;
    builder.epub_version(match book.version {
        Version::V2 => EpubVersion::V20,
        Version::V3 => EpubVersion::V30,
    });
    builder.epub_direction(if book.rtl { PageDirection::Rtl } else { PageDirection::Ltr });
    builder.set_title(book.title.clone());
    for author in &book.authors {
        builder.add_author(author.clone());
    }
    builder.set_languages(vec![book.lang.clone()]);
    builder.set_generator("folio");
    builder.set_toc_name("Contents");
    if let Some(description) = &book.description {
        builder.add_description(description.clone());
    }
    for keyword in &book.keywords {
        builder.add_subject(keyword.clone());
    }
    if let Some(rights) = &book.rights {
        builder.set_license(rights.clone());
    }
    if let Some(published) = book.published {
        builder.set_publication_date(published);
    }
    builder.set_modified_date(book.modified);
    let uuid = parse_uuid(&book.identifier).unwrap_or_else(|| {
        uuid::Builder::from_custom_bytes(stable_hash(book.identifier.as_bytes()).to_be_bytes())
            .into_uuid()
    });
    builder.set_uuid(uuid);
    add_accessibility_metadata(&mut builder, book);
    builder.stylesheet(book.css.as_bytes()).map_err(builder_error)?;
    for image in &book.images {
        builder
            .add_resource(&image.path, std::io::empty(), image.media_type)
            .map_err(builder_error)?;
    }
    let mut mathml_files = Vec::new();
    for page in &book.pages {
        if let Some(Landmark::Cover(image)) = &page.landmark {
            builder
                .add_cover_image(&image.path, std::io::empty(), image.media_type)
                .map_err(builder_error)?;
        }
        if page.mathml {
            mathml_files.push(page.file.clone());
        }
        let level = i32::from(page.toc_level.max(1));
        let mut content = EpubContent::new(page.file.as_str(), std::io::empty());
        if page.toc_title.is_empty() {
            // The continuation of a chapter: in the spine, not in the table of contents.
            builder.add_content(content).map_err(builder_error)?;
            continue;
        }
        content = content.title(page.toc_title.as_str()).level(level);
        content = match &page.landmark {
            Some(Landmark::Cover(_)) => content.reftype(ReferenceType::Cover),
            Some(Landmark::TitlePage) => content.reftype(ReferenceType::TitlePage),
            Some(Landmark::BodyMatter) => content.reftype(ReferenceType::Text),
            None => content,
        };
        // Nest the page's headings by level, then hang them under the page's entry.
        let mut root = TocElement::new(page.file.as_str(), page.toc_title.as_str()).level(level);
        for entry in &page.outline {
            let entry_level = i32::from(entry.level).max(level + 1);
            root.add(TocElement::new(entry.href.as_str(), entry.title.as_str()).level(entry_level));
        }
        for child in root.children {
            content = content.child(child);
        }
        builder.add_content(content).map_err(builder_error)?;
    }
    let mut raw = Vec::new();
    builder.generate(&mut raw).map_err(builder_error)?;
    Ok((raw, mathml_files, uuid))
}

/// The UUID inside `urn:uuid:…` (or a bare UUID).
fn parse_uuid(identifier: &str) -> Option<uuid::Uuid> {
    let bare = identifier.strip_prefix("urn:uuid:").unwrap_or(identifier);
    uuid::Uuid::try_parse(bare).ok()
}

/// FNV-1a, 128-bit: a stable content hash (not for security), fed through `io::Write` so a
/// serializer can stream into it. One home for the book's derived identifiers.
pub(super) struct StableHasher(u128);

impl Default for StableHasher {
    fn default() -> Self {
        StableHasher(0x6c62272e07bb014262b821756295c58d)
    }
}

impl StableHasher {
    pub(super) fn finish(&self) -> u128 {
        self.0
    }
}

impl Write for StableHasher {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        const PRIME: u128 = 0x0000000001000000000000000000013B;
        self.0 = bytes.iter().fold(self.0, |hash, &b| (hash ^ u128::from(b)).wrapping_mul(PRIME));
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn stable_hash(bytes: &[u8]) -> u128 {
    let mut hasher = StableHasher::default();
    let _ = hasher.write_all(bytes);
    hasher.finish()
}

/// schema.org accessibility metadata (EPUB Accessibility 1.1 discovery metadata).
fn add_accessibility_metadata(builder: &mut EpubBuilder<ZipLibrary>, book: &Book) {
    let has_images = !book.images.is_empty()
        || book.pages.iter().any(|p| matches!(p.landmark, Some(Landmark::Cover(_))));
    let has_gif = book.images.iter().any(|i| i.media_type == "image/gif");
    let has_mathml = book.pages.iter().any(|p| p.mathml);
    let mut entries: Vec<(&str, String)> = vec![("schema:accessMode", "textual".into())];
    if has_images {
        entries.push(("schema:accessMode", "visual".into()));
        entries.push(("schema:accessModeSufficient", "textual,visual".into()));
    } else {
        entries.push(("schema:accessModeSufficient", "textual".into()));
    }
    let mut features =
        vec!["structuralNavigation", "tableOfContents", "readingOrder", "displayTransformability"];
    if has_images {
        features.push("alternativeText");
    }
    if has_mathml {
        features.push("MathML");
    }
    for feature in features {
        entries.push(("schema:accessibilityFeature", feature.into()));
    }
    entries.push(("schema:accessibilityHazard", if has_gif { "unknown" } else { "none" }.into()));
    let mut summary = String::from(
        "Reflowable text with structured headings, a table of contents and a logical reading order.",
    );
    if has_images {
        summary.push_str(" Images carry the text alternatives given by the author.");
    }
    if has_mathml {
        summary.push_str(" Mathematics is written in MathML.");
    }
    entries.push(("schema:accessibilitySummary", summary));
    for (property, content) in entries {
        match book.version {
            Version::V3 => {
                let mut escaped = String::new();
                push_attr_escaped(&mut escaped, &content);
                builder
                    .add_metadata_opf(Box::new(MetadataOpfV3::new(property.to_string(), escaped)));
            }
            Version::V2 => {
                builder.add_metadata_opf(Box::new(MetadataOpf {
                    name: property.to_string(),
                    content,
                }));
            }
        }
    }
}

struct Repairs<'a> {
    version: Version,
    lang: &'a str,
    identifier: &'a str,
    generated_identifier: String,
    mathml_files: &'a [String],
}

/// How hard the archive's entries are compressed (zlib levels 1–9). Level 6, zlib's default,
/// took a third of the time of a whole Markdown → EPUB run; level 3 is about twice as fast for
/// a few percent more bytes (figures in docs/benchmarks.md).
const COMPRESSION_LEVEL: i64 = 3;

/// The zip options of every entry but `mimetype`.
fn entry_options() -> zip::write::SimpleFileOptions {
    zip::write::SimpleFileOptions::default()
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644)
}

/// `data` deflated as the only entry `name` of an archive of its own, to be copied into the
/// book without being compressed again (entries are compressed in parallel; the bytes are those
/// a sequential run writes).
fn deflated_entry(name: &str, data: &[u8]) -> Result<Vec<u8>> {
    let deflated = entry_options()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(COMPRESSION_LEVEL));
    let mut single = zip::ZipWriter::new(Cursor::new(Vec::new()));
    single.start_file(name, deflated).map_err(zip_error)?;
    single.write_all(data).map_err(|e| Error::Epub(e.to_string()))?;
    Ok(single.finish().map_err(zip_error)?.into_inner())
}

/// Reads epub-builder's archive, repairs its generated files, puts in the real contents of the
/// entries it was given stand-ins for (`compressed`, by entry name, see [`deflated_entry`]),
/// and writes the final archive.
fn repackage(
    raw: &[u8],
    mut compressed: HashMap<String, Vec<u8>>,
    repairs: &Repairs<'_>,
) -> Result<Vec<u8>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(raw)).map_err(zip_error)?;
    // Each entry: its name, and its bytes when they still need compressing.
    let mut entries: Vec<(String, Option<Vec<u8>>)> = Vec::with_capacity(archive.len());
    for index in 0..archive.len() {
        let mut file = archive.by_index(index).map_err(zip_error)?;
        let name = file.name().to_string();
        let mut data = Vec::new();
        file.read_to_end(&mut data).map_err(|e| Error::Epub(e.to_string()))?;
        if name == "mimetype" {
            continue;
        }
        let data = match name.as_str() {
            "OEBPS/content.opf" => {
                Some(repair_opf(&String::from_utf8_lossy(&data), repairs).into_bytes())
            }
            "OEBPS/toc.ncx" => {
                Some(repair_ncx(&String::from_utf8_lossy(&data), repairs).into_bytes())
            }
            "OEBPS/nav.xhtml" => {
                Some(repair_nav(&String::from_utf8_lossy(&data), repairs).into_bytes())
            }
            _ if compressed.contains_key(&name) => None,
            _ => Some(data),
        };
        entries.push((name, data));
    }

    let generated: Vec<Option<Vec<u8>>> = entries
        .par_iter()
        .map(|(name, data)| data.as_ref().map(|data| deflated_entry(name, data)).transpose())
        .collect::<Result<_>>()?;
    let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
    writer
        .start_file("mimetype", entry_options().compression_method(zip::CompressionMethod::Stored))
        .map_err(zip_error)?;
    writer.write_all(b"application/epub+zip").map_err(|e| Error::Epub(e.to_string()))?;
    for ((name, _), generated) in entries.into_iter().zip(generated) {
        let single = match generated {
            Some(single) => single,
            None => compressed
                .remove(&name)
                .ok_or_else(|| Error::Epub(format!("{name} is missing from the archive")))?,
        };
        let mut archive = zip::ZipArchive::new(Cursor::new(single)).map_err(zip_error)?;
        let file = archive.by_index_raw(0).map_err(zip_error)?;
        writer.raw_copy_file(file).map_err(zip_error)?;
    }
    Ok(writer.finish().map_err(zip_error)?.into_inner())
}

fn escaped(text: &str) -> String {
    let mut out = String::new();
    push_attr_escaped(&mut out, text);
    out
}

fn repair_opf(opf: &str, repairs: &Repairs<'_>) -> String {
    let mut opf = opf.to_string();
    if repairs.version == Version::V3 {
        // The template gives the language the id of the first creator.
        while let Some(start) = opf.find("<dc:language id=\"") {
            let Some(end) = opf[start..].find('>') else { break };
            opf.replace_range(start..start + end + 1, "<dc:language>");
        }
    }
    if repairs.identifier != repairs.generated_identifier {
        let from = format!(">{}</dc:identifier>", repairs.generated_identifier);
        let to = format!(">{}</dc:identifier>", escaped(repairs.identifier));
        opf = opf.replace(&from, &to);
    }
    if repairs.version == Version::V3 && !repairs.mathml_files.is_empty() {
        // Only manifest items take the property: the EPUB 2 `<guide>` that follows has
        // references with the same `href` ending, where the attribute is an error.
        let end = opf.find("</manifest>").unwrap_or(opf.len());
        let (manifest, rest) = opf.split_at(end);
        let mut manifest = manifest.to_string();
        for file in repairs.mathml_files {
            let from = format!("href=\"{file}\"/>");
            let to = format!("href=\"{file}\" properties=\"mathml\"/>");
            manifest = manifest.replace(&from, &to);
        }
        manifest.push_str(rest);
        opf = manifest;
    }
    opf
}

fn repair_ncx(ncx: &str, repairs: &Repairs<'_>) -> String {
    let uid = format!(
        "<head>\n    <meta name=\"dtb:uid\" content=\"{}\" />",
        escaped(repairs.identifier)
    );
    ncx.replacen("<head>", &uid, 1)
}

fn repair_nav(nav: &str, repairs: &Repairs<'_>) -> String {
    let lang = repairs.lang;
    match repairs.version {
        Version::V3 => {
            let nav = nav.replacen(
                "xmlns:epub=\"http://www.idpf.org/2007/ops\">",
                &format!("xmlns:epub=\"http://www.idpf.org/2007/ops\" lang=\"{lang}\" xml:lang=\"{lang}\">"),
                1,
            );
            // Landmarks are for reading systems, not for reading.
            nav.replacen(
                "<nav epub:type = \"landmarks\">",
                "<nav epub:type=\"landmarks\" hidden=\"hidden\">",
                1,
            )
        }
        Version::V2 => nav.replacen(
            "<html xmlns=\"http://www.w3.org/1999/xhtml\">",
            &format!("<html xmlns=\"http://www.w3.org/1999/xhtml\" xml:lang=\"{lang}\">"),
            1,
        ),
    }
}

//! The PDF writer: the only module importing `printpdf`. It runs [`crate::layout`] and turns the
//! positioned pages into PDF: printpdf builds the page tree, graphics and images; fonts, links,
//! the outline, named destinations, `/Lang` and the document information are added to its
//! `lopdf` document ([`fonts`], [`navigation`]), where printpdf has no API for them.
//!
//! Output is reproducible: no random ids, dates only from `SOURCE_DATE_EPOCH` or the metadata.

pub mod fonts;
pub mod navigation;
pub mod text;

use std::collections::BTreeMap;

use printpdf::{
    Color, Line, LinePoint, Op, PaintMode, PdfDocument, PdfPage, PdfSaveOptions, Point, RawImage,
    Rect, WindingOrder, XObject, XObjectId, XObjectTransform,
};

use super::WriteOptions;
use crate::error::{Error, Result, Warning, WarningKind};
use crate::layout::font::{FontSet, LoadedFace};
use crate::layout::frame::{Item, LayoutDocument, Page, Positioned, Rgb};
use crate::layout::style::{Paper, Style};
use crate::layout::{layout, layout_pages, LayoutOptions};
use crate::model::Document;
use crate::resources::Resources;

/// Options of the PDF writer.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfOptions {
    /// Paper size name: `a4` (default) or `letter`.
    pub paper: Option<String>,
    /// Ragged-right instead of justified paragraphs.
    pub ragged: bool,
    /// Body font file (instead of the bundled serif).
    pub font: Option<String>,
    /// Monospace font file (instead of the bundled mono).
    pub mono_font: Option<String>,
    /// Add a contents page with page numbers.
    pub toc: bool,
    /// Deepest heading level in the contents.
    pub toc_depth: u8,
    /// Number section headings (1, 1.1 …).
    pub number_sections: bool,
    /// Highlighting theme for code blocks; `None` leaves code plain.
    pub highlight_style: Option<String>,
}

impl Default for PdfOptions {
    fn default() -> Self {
        PdfOptions {
            paper: None,
            ragged: false,
            font: None,
            mono_font: None,
            toc: false,
            toc_depth: 3,
            number_sections: false,
            highlight_style: None,
        }
    }
}

impl PdfOptions {
    /// The paper size these options ask for.
    pub fn paper(&self) -> Result<Paper> {
        match self.paper.as_deref().map(str::to_ascii_lowercase).as_deref() {
            None | Some("a4") => Ok(Paper::A4),
            Some("letter") => Ok(Paper::Letter),
            Some(other) => {
                Err(Error::Option(format!("unknown paper size {other}; choose a4 or letter")))
            }
        }
    }
}

/// The layout options for a document's PDF options (an unknown highlighting theme is an error).
fn layout_options(options: &PdfOptions) -> Result<LayoutOptions> {
    // An unknown theme is the user's mistake: say so instead of silently not colouring.
    if let Some(name) = &options.highlight_style {
        crate::highlight::theme(name)?;
    }
    Ok(LayoutOptions {
        style: Style::new(options.paper()?, !options.ragged),
        toc: options.toc,
        toc_depth: if options.toc_depth == 0 { 3 } else { options.toc_depth },
        number_sections: options.number_sections,
        highlight_style: options.highlight_style.clone(),
    })
}

/// Lays a document out with the options' design and fonts, all pages in memory (for tests and
/// tools; [`write`] streams pages into the PDF as they are laid out).
pub fn layout_document(
    document: &Document,
    options: &PdfOptions,
    fonts: &FontSet,
    resources: &dyn Resources,
) -> Result<(LayoutDocument, Vec<Warning>)> {
    Ok(layout(document, &layout_options(options)?, fonts, resources))
}

/// Writes a PDF.
pub fn write(
    document: &Document,
    options: &WriteOptions,
    resources: &dyn Resources,
) -> Result<(Vec<u8>, Vec<Warning>)> {
    write_with(document, options, resources, parallel_encoding())
}

/// [`write`], with page text encoded on a thread of its own or not.
fn write_with(
    document: &Document,
    options: &WriteOptions,
    resources: &dyn Resources,
    threaded: bool,
) -> Result<(Vec<u8>, Vec<Warning>)> {
    let pdf_options = &options.pdf;
    let fonts = FontSet::new(pdf_options.font.as_deref(), pdf_options.mono_font.as_deref())?;
    let layout_options = layout_options(pdf_options)?;
    // Each page becomes PDF as soon as layout finishes it, so the positioned glyphs of a book
    // are never all in memory: graphics, images and links go to a `PageBuilder`, text to a
    // `TextEncoder` (glyphs registered in the font plans, operators written, hashed into the
    // file identifier, compressed). With a second core the text is encoded on a thread of its
    // own, overlapping layout; pages arrive in order either way, so the bytes are the same.
    let mut builder = PageBuilder::new(document);
    let (layout, mut warnings, text) = if threaded {
        layout_with_encoder_thread(document, &layout_options, &fonts, resources, &mut builder)
    } else {
        layout_on_this_thread(document, &layout_options, &fonts, resources, &mut builder)
    };
    let missing = fonts.missing_chars();
    if !missing.is_empty() {
        let listed: String = missing
            .iter()
            .take(40)
            .map(|c| format!("{c} (U+{:04X})", u32::from(*c)))
            .collect::<Vec<_>>()
            .join(", ");
        warnings.push(Warning::new(
            WarningKind::MissingGlyphs,
            format!(
                "no available font can draw {} character(s): {listed}; install a font that covers them (for example fonts-noto-cjk for Chinese, Japanese and Korean) or choose one with --font",
                missing.len()
            ),
        ));
    }
    let bytes = builder.finish(layout, text, document, options, &mut warnings)?;
    Ok((bytes, warnings))
}

/// True when page text is worth compressing on a thread of its own: with one core the
/// hand-over would only add work.
fn parallel_encoding() -> bool {
    std::thread::available_parallelism().is_ok_and(|n| n.get() > 1)
}

/// Drops `value` on a short-lived thread of its own when there is a second core, so the caller
/// does not wait for large structures to be freed.
fn drop_beside<T: Send + 'static>(value: T) {
    if parallel_encoding() {
        // If no thread can be started, the closure (and the value) is dropped right here.
        let _ =
            std::thread::Builder::new().name("folio-pdf-free".into()).spawn(move || drop(value));
    }
}

/// Pages laid out and turned into PDF on this thread, text and all.
fn layout_on_this_thread(
    document: &Document,
    layout_options: &LayoutOptions,
    fonts: &FontSet,
    resources: &dyn Resources,
    builder: &mut PageBuilder,
) -> (LayoutDocument, Vec<Warning>, TextEncoder) {
    let mut text = TextEncoder::new(fonts, document);
    let (layout, warnings) =
        layout_pages(document, layout_options, fonts, resources, &mut |page| {
            builder.add_page(&page);
            if fonts.face_count() != text.plans.face_count() {
                text.plans.set_faces(fonts.faces());
            }
            let glyphs = text::PageGlyphs::new(&page, &mut text.plans);
            text.add(glyphs);
        });
    (layout, warnings, text)
}

/// Pages laid out, and their graphics turned into PDF, on this thread; their text encoded by a
/// second one as they come. Each page goes over and, once its glyphs are listed, comes back to
/// be freed here: its many small allocations are best freed by the thread that made them
/// (which keeps the allocator fast). The channel is bounded, so a fast layout never holds more
/// than a few pages.
fn layout_with_encoder_thread(
    document: &Document,
    layout_options: &LayoutOptions,
    fonts: &FontSet,
    resources: &dyn Resources,
    builder: &mut PageBuilder,
) -> (LayoutDocument, Vec<Warning>, TextEncoder) {
    /// Pages waiting for the encoder: enough to smooth out pages of uneven cost.
    const PAGES_IN_FLIGHT: usize = 8;
    /// A page, with the layout's faces when they have grown since the page before.
    type ForEncoder = (Page, Option<Vec<&'static LoadedFace>>);
    std::thread::scope(|scope| {
        let (sender, receiver) = std::sync::mpsc::sync_channel::<ForEncoder>(PAGES_IN_FLIGHT);
        let (done_sender, done) = std::sync::mpsc::channel::<Page>();
        let mut text = TextEncoder::new(fonts, document);
        let encoder = std::thread::Builder::new().name("folio-pdf-text".into()).spawn_scoped(
            scope,
            move || {
                for (page, faces) in receiver {
                    if let Some(faces) = faces {
                        text.plans.set_faces(faces);
                    }
                    let glyphs = text::PageGlyphs::new(&page, &mut text.plans);
                    // If layout is gone the page is freed here instead.
                    let _ = done_sender.send(page);
                    text.add(glyphs);
                }
                text
            },
        );
        let Ok(encoder) = encoder else {
            // No thread to be had (resource limits): encode on this one after all.
            return layout_on_this_thread(document, layout_options, fonts, resources, builder);
        };
        let mut faces_sent = fonts.face_count();
        let (layout, warnings) =
            layout_pages(document, layout_options, fonts, resources, &mut |page| {
                builder.add_page(&page);
                let count = fonts.face_count();
                let faces = (count != faces_sent).then(|| fonts.faces());
                faces_sent = count;
                // A send fails only if the encoder is gone, which `join` below reports.
                let _ = sender.send((page, faces));
                // Free the pages the encoder is done with.
                while done.try_recv().is_ok() {}
            });
        drop(sender);
        let joined = encoder.join();
        while done.try_recv().is_ok() {}
        match joined {
            Ok(text) => (layout, warnings, text),
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// The pages' text, in order: each page's glyphs (registered in the font plans by
/// [`text::PageGlyphs::new`]) written as operators, fed to the file identifier and
/// Flate-compressed.
struct TextEncoder {
    plans: fonts::FontPlans,
    deflater: navigation::Deflater,
    document_id: navigation::DocumentId,
    streams: Vec<lopdf::Stream>,
}

impl TextEncoder {
    fn new(fonts: &FontSet, document: &Document) -> TextEncoder {
        TextEncoder {
            plans: fonts::FontPlans::new(fonts),
            deflater: navigation::Deflater::new(navigation::CONTENT_LEVEL),
            document_id: navigation::DocumentId::new(document),
            streams: Vec::new(),
        }
    }

    /// Adds the next page's text.
    fn add(&mut self, glyphs: text::PageGlyphs) {
        let content = glyphs.write();
        drop(glyphs);
        self.document_id.page(&content);
        let mut stream = lopdf::Stream::new(lopdf::Dictionary::new(), content);
        self.deflater.deflate(&mut stream);
        self.streams.push(stream);
    }
}

/// Positioned pages → PDF, one page at a time: graphics become printpdf operators, images are
/// decoded once each, links are noted for the annotations ([`TextEncoder`] does the text).
struct PageBuilder {
    pdf: PdfDocument,
    /// Decoded images by key: resource id and pixel size.
    images: BTreeMap<String, (XObjectId, u32, u32)>,
    /// Keys of images that could not be decoded.
    failed_images: std::collections::BTreeSet<String>,
    /// A warning for each of them, in page order.
    image_warnings: Vec<Warning>,
    /// The encoded file of each image, by resource name.
    originals: BTreeMap<String, crate::layout::frame::ImageData>,
    pages: Vec<PdfPage>,
    infos: Vec<navigation::PageInfo>,
}

impl PageBuilder {
    fn new(document: &Document) -> PageBuilder {
        PageBuilder {
            pdf: PdfDocument::new(document.meta.title.as_deref().unwrap_or("Untitled")),
            images: BTreeMap::new(),
            failed_images: std::collections::BTreeSet::new(),
            image_warnings: Vec::new(),
            originals: BTreeMap::new(),
            pages: Vec::new(),
            infos: Vec::new(),
        }
    }

    /// Adds a page's graphics, images and links.
    fn add_page(&mut self, page: &Page) {
        self.add_images(page);
        let mut ops = Vec::new();
        let mut links = Vec::new();
        for placed in &page.items {
            match &placed.item {
                Item::Text(_) => {}
                Item::Link { width, height, target } => {
                    links.push((placed.x, placed.y, *width, *height, target.clone()))
                }
                _ => page_ops(&mut ops, placed, page.height, &self.images),
            }
        }
        self.infos.push(navigation::PageInfo { width: page.width, height: page.height, links });
        let size = Rect::from_wh(printpdf::Pt(page.width), printpdf::Pt(page.height));
        self.pages.push(PdfPage {
            media_box: size.clone(),
            trim_box: size.clone(),
            crop_box: size,
            ops,
        });
    }

    /// Decodes each image of a page not seen before and registers it under a stable name.
    fn add_images(&mut self, page: &Page) {
        for placed in &page.items {
            let Item::Image { image, .. } = &placed.item else { continue };
            if self.images.contains_key(&image.key) || self.failed_images.contains(&image.key) {
                continue;
            }
            let mut decode_warnings = Vec::new();
            match RawImage::decode_from_bytes(&image.bytes, &mut decode_warnings) {
                Ok(raw) => {
                    let id = XObjectId(format!("Im{}", self.images.len() + 1));
                    let (w, h) = (raw.width as u32, raw.height as u32);
                    self.pdf.resources.xobjects.map.insert(id.clone(), XObject::Image(raw));
                    self.originals.insert(id.0.clone(), image.clone());
                    self.images.insert(image.key.clone(), (id, w, h));
                }
                Err(error) => {
                    self.image_warnings.push(Warning::new(
                        WarningKind::Unsupported,
                        format!(
                            "image {}: cannot be decoded ({error}); it was left out",
                            image.key
                        ),
                    ));
                    self.failed_images.insert(image.key.clone());
                }
            }
        }
    }

    /// The finished PDF: pages, fonts, navigation, metadata.
    fn finish(
        mut self,
        mut layout: LayoutDocument,
        text: TextEncoder,
        document: &Document,
        options: &WriteOptions,
        warnings: &mut Vec<Warning>,
    ) -> Result<Vec<u8>> {
        warnings.append(&mut self.image_warnings);
        self.pdf.with_pages(std::mem::take(&mut self.pages));
        let save = PdfSaveOptions {
            optimize: false,
            subset_fonts: false,
            secure: true,
            // Keep images lossless and at full resolution.
            image_optimization: None,
        };
        let mut printpdf_warnings = Vec::new();
        let mut doc = self.pdf.to_lopdf_document(&save, &mut printpdf_warnings);
        drop(self.pdf);
        compress_images(&mut doc, &self.originals);

        let mut font_refs = lopdf::Dictionary::new();
        for (id, plan) in text.plans.used() {
            let object = fonts::embed(&mut doc, plan)?;
            font_refs.set(format!("F{id}"), lopdf::Object::Reference(object));
        }
        let navigation = navigation::Navigation {
            pages: self.infos,
            outline: std::mem::take(&mut layout.outline),
            destinations: std::mem::take(&mut layout.destinations),
        };
        navigation::finish(
            &mut doc,
            &navigation,
            text.streams,
            text.document_id.finish(),
            font_refs,
            document,
            options.timestamp,
        )?;
        // The file is about the size of its streams; growing to it by doubling would copy
        // megabytes several times.
        let estimate: usize = doc
            .objects
            .values()
            .map(|object| match object {
                lopdf::Object::Stream(stream) => stream.content.len() + 128,
                _ => 64,
            })
            .sum();
        let mut out = Vec::with_capacity(estimate + 4096);
        let saved = doc.save_to(&mut out).map_err(|e| Error::Pdf(e.to_string()));
        // Freeing the millions of objects of a book's document takes as long as compressing
        // a tenth of it: done beside whatever comes next (writing the file).
        drop_beside(doc);
        saved?;
        Ok(out)
    }
}

/// Images as printpdf wrote them are raw pixels. JPEGs get their original file back (DCT data
/// is what the viewer decodes anyway: no recompression, no loss, the file's own size); other
/// images are Flate-compressed, which is lossless.
fn compress_images(
    doc: &mut lopdf::Document,
    originals: &BTreeMap<String, crate::layout::frame::ImageData>,
) {
    let mut deflater = navigation::Deflater::new(6);
    // The image streams by resource name, from the pages' XObject dictionaries.
    let mut targets: BTreeMap<String, lopdf::ObjectId> = BTreeMap::new();
    for page_id in doc.get_pages().into_values() {
        let Ok(page) = doc.get_dictionary(page_id) else { continue };
        let resources = match page.get(b"Resources") {
            Ok(lopdf::Object::Reference(id)) => doc.get_dictionary(*id).ok(),
            Ok(lopdf::Object::Dictionary(dict)) => Some(dict),
            _ => None,
        };
        let Some(xobjects) = resources.and_then(|r| r.get(b"XObject").ok()) else { continue };
        let xobjects = match xobjects {
            lopdf::Object::Reference(id) => doc.get_dictionary(*id).ok(),
            lopdf::Object::Dictionary(dict) => Some(dict),
            _ => None,
        };
        for (name, value) in xobjects.into_iter().flat_map(|d| d.iter()) {
            if let lopdf::Object::Reference(id) = value {
                targets.insert(String::from_utf8_lossy(name).into_owned(), *id);
            }
        }
    }
    for (name, id) in targets {
        let Ok(lopdf::Object::Stream(stream)) = doc.get_object_mut(id) else { continue };
        let jpeg = originals.get(name.as_str()).and_then(|image| {
            crate::layout::image::jpeg_components(&image.bytes).map(|c| (image, c))
        });
        match jpeg {
            Some((image, components)) if matches!(components, 1 | 3 | 4) => {
                stream.set_content(image.bytes.to_vec());
                stream.dict.set("Filter", lopdf::Object::Name(b"DCTDecode".to_vec()));
                stream.dict.set("BitsPerComponent", 8);
                let space: &[u8] = match components {
                    1 => b"DeviceGray",
                    3 => b"DeviceRGB",
                    _ => b"DeviceCMYK",
                };
                stream.dict.set("ColorSpace", lopdf::Object::Name(space.to_vec()));
                if components == 4 {
                    // Adobe writes CMYK JPEGs inverted.
                    let decode: Vec<lopdf::Object> =
                        [1, 0, 1, 0, 1, 0, 1, 0].into_iter().map(lopdf::Object::Integer).collect();
                    stream.dict.set("Decode", decode);
                }
                stream.dict.remove(b"SMask");
                stream.allows_compression = false;
            }
            _ => {
                if stream.dict.get(b"Filter").is_err() {
                    deflater.deflate(stream);
                }
                // The soft mask (alpha) stream too.
                if let Ok(lopdf::Object::Reference(mask)) = stream.dict.get(b"SMask").cloned() {
                    if let Ok(lopdf::Object::Stream(mask)) = doc.get_object_mut(mask) {
                        if mask.dict.get(b"Filter").is_err() {
                            deflater.deflate(mask);
                        }
                    }
                }
            }
        }
    }
}

fn color(c: Rgb) -> Color {
    Color::Rgb(printpdf::Rgb { r: c.0, g: c.1, b: c.2, icc_profile: None })
}

/// The operators drawing one item (layout's top-left origin flipped to PDF's bottom-left).
fn page_ops(
    ops: &mut Vec<Op>,
    placed: &Positioned,
    page_height: f32,
    images: &BTreeMap<String, (XObjectId, u32, u32)>,
) {
    let x = placed.x;
    let y = page_height - placed.y;
    match &placed.item {
        // Text goes into its own content stream (`text`).
        Item::Text(_) => {}
        Item::Rect { width, height, fill } => {
            ops.push(Op::SetFillColor { col: color(*fill) });
            ops.push(rectangle(x, y, *width, *height, PaintMode::Fill));
        }
        Item::StrokeRect { width, height, line_width, color: c } => {
            ops.push(Op::SetOutlineColor { col: color(*c) });
            ops.push(Op::SetOutlineThickness { pt: printpdf::Pt(*line_width) });
            ops.push(rectangle(x, y, *width, *height, PaintMode::Stroke));
        }
        Item::Line { dx, dy, width, color: c } => {
            ops.push(Op::SetOutlineColor { col: color(*c) });
            ops.push(Op::SetOutlineThickness { pt: printpdf::Pt(*width) });
            let point = |px: f32, py: f32| LinePoint {
                p: Point { x: printpdf::Pt(px), y: printpdf::Pt(py) },
                bezier: false,
            };
            ops.push(Op::DrawLine {
                line: Line { points: vec![point(x, y), point(x + dx, y - dy)], is_closed: false },
            });
        }
        Item::Image { image, width, height } => {
            if let Some((id, pw, ph)) = images.get(&image.key) {
                ops.push(Op::UseXobject {
                    id: id.clone(),
                    transform: XObjectTransform {
                        translate_x: Some(printpdf::Pt(x)),
                        translate_y: Some(printpdf::Pt(y - height)),
                        rotate: None,
                        // At 72 dpi the image is one point per pixel; scale to the box.
                        scale_x: Some(width / (*pw).max(1) as f32),
                        scale_y: Some(height / (*ph).max(1) as f32),
                        dpi: Some(72.0),
                        no_auto_scale: false,
                    },
                });
            }
        }
        // Links become annotations in `navigation`.
        Item::Link { .. } => {}
    }
}

/// A rectangle whose top-left corner is at (`x`, `top`) in PDF coordinates (origin bottom left).
fn rectangle(x: f32, top: f32, width: f32, height: f32, mode: PaintMode) -> Op {
    Op::DrawRectangle {
        rectangle: Rect {
            x: printpdf::Pt(x),
            y: printpdf::Pt(top - height),
            width: printpdf::Pt(width),
            height: printpdf::Pt(height),
            mode: Some(mode),
            winding_order: Some(WindingOrder::NonZero),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Text that exercises what crosses to the encoder thread: many pages, styles, code, a
    /// footnote, links, scripts that need fallback faces only late in the document (the face
    /// list grows after pages were sent) and characters no font has (glyph 0 with ActualText).
    fn sample() -> Document {
        let mut source = String::from("# Threads\n\n");
        for i in 0..120 {
            source.push_str(&format!(
                "Paragraph {i} with *emphasis*, **strength**, `code`, a [link](https://example.com/{i}) \
                 and hyphenation-worthy vocabulary: extraordinarily, incomprehensibility, \
                 responsibilities.[^n{i}]\n\n[^n{i}]: Note {i}.\n\n"
            ));
            if i % 40 == 39 {
                source.push_str("```rust\nfn main() {\n    let x = 1;\n}\n```\n\n");
            }
        }
        source.push_str("Late scripts: 漢字 한국어 עברית ሰላም, and none: \u{E000}\u{0378}.\n");
        let (document, _) =
            crate::reader::markdown::read(&source, &Default::default()).expect("markdown reads");
        document
    }

    #[test]
    fn text_encoded_on_a_second_thread_gives_the_same_bytes() {
        let document = sample();
        let options = WriteOptions { timestamp: Some(0), ..WriteOptions::default() };
        let resources = crate::resources::NoResources;
        let (one, one_warnings) = write_with(&document, &options, &resources, false).unwrap();
        let (two, two_warnings) = write_with(&document, &options, &resources, true).unwrap();
        assert!(one.len() > 10_000, "a real document: {} bytes", one.len());
        assert!(one == two, "threaded output differs ({} vs {} bytes)", one.len(), two.len());
        assert_eq!(one_warnings, two_warnings);
        assert!(
            one_warnings.iter().any(|w| w.kind == WarningKind::MissingGlyphs),
            "the sample must reach the missing-glyph path"
        );
    }
}

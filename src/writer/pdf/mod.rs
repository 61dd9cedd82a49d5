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
use crate::layout::font::FontSet;
use crate::layout::frame::{Item, LayoutDocument, Positioned, Rgb};
use crate::layout::style::{Paper, Style};
use crate::layout::{layout, LayoutOptions};
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

/// Lays a document out with the options' design and fonts.
pub fn layout_document(
    document: &Document,
    options: &PdfOptions,
    fonts: &FontSet,
    resources: &dyn Resources,
) -> Result<(LayoutDocument, Vec<Warning>)> {
    // An unknown theme is the user's mistake: say so instead of silently not colouring.
    if let Some(name) = &options.highlight_style {
        crate::highlight::theme(name)?;
    }
    let layout_options = LayoutOptions {
        style: Style::new(options.paper()?, !options.ragged),
        toc: options.toc,
        toc_depth: if options.toc_depth == 0 { 3 } else { options.toc_depth },
        number_sections: options.number_sections,
        highlight_style: options.highlight_style.clone(),
    };
    Ok(layout(document, &layout_options, fonts, resources))
}

/// Writes a PDF.
pub fn write(
    document: &Document,
    options: &WriteOptions,
    resources: &dyn Resources,
) -> Result<(Vec<u8>, Vec<Warning>)> {
    let pdf_options = &options.pdf;
    let fonts = FontSet::new(pdf_options.font.as_deref(), pdf_options.mono_font.as_deref())?;
    let (layout, mut warnings) = layout_document(document, pdf_options, &fonts, resources)?;
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
    let bytes = render(layout, &fonts, document, options, &mut warnings)?;
    Ok((bytes, warnings))
}

/// Positioned pages → PDF bytes. Pages are consumed one by one (text encoded, graphics handed
/// to printpdf, links noted) so the layout's memory is released as the PDF grows.
fn render(
    mut layout: LayoutDocument,
    fonts: &FontSet,
    document: &Document,
    options: &WriteOptions,
    warnings: &mut Vec<Warning>,
) -> Result<Vec<u8>> {
    let mut plans = fonts::FontPlans::new(fonts.faces());
    let mut deflater = navigation::Deflater::new(navigation::CONTENT_LEVEL);
    let mut document_id = navigation::DocumentId::new(document);

    let mut pdf = PdfDocument::new(document.meta.title.as_deref().unwrap_or("Untitled"));
    let images = add_images(&mut pdf, &layout, warnings);
    let originals = image_originals(&layout, &images);
    let mut pages = Vec::with_capacity(layout.pages.len());
    let mut texts = Vec::with_capacity(layout.pages.len());
    let mut infos = Vec::with_capacity(layout.pages.len());
    for page in std::mem::take(&mut layout.pages) {
        // Each page's text is compressed as soon as it is written, so a book's uncompressed
        // operators are never all in memory at once.
        let content = text::page_text(&page, &mut plans);
        document_id.page(&content);
        let mut stream = lopdf::Stream::new(lopdf::Dictionary::new(), content);
        deflater.deflate(&mut stream);
        texts.push(stream);
        let mut ops = Vec::new();
        let mut links = Vec::new();
        for placed in &page.items {
            match &placed.item {
                Item::Text(_) => {}
                Item::Link { width, height, target } => {
                    links.push((placed.x, placed.y, *width, *height, target.clone()))
                }
                _ => page_ops(&mut ops, placed, page.height, &images),
            }
        }
        infos.push(navigation::PageInfo { width: page.width, height: page.height, links });
        let size = Rect::from_wh(printpdf::Pt(page.width), printpdf::Pt(page.height));
        pages.push(PdfPage {
            media_box: size.clone(),
            trim_box: size.clone(),
            crop_box: size,
            ops,
        });
    }
    pdf.with_pages(pages);
    let save = PdfSaveOptions {
        optimize: false,
        subset_fonts: false,
        secure: true,
        // Keep images lossless and at full resolution.
        image_optimization: None,
    };
    let mut printpdf_warnings = Vec::new();
    let mut doc = pdf.to_lopdf_document(&save, &mut printpdf_warnings);
    drop(pdf);
    compress_images(&mut doc, &originals);

    let mut font_refs = lopdf::Dictionary::new();
    for (id, plan) in plans.used() {
        let object = fonts::embed(&mut doc, plan)?;
        font_refs.set(format!("F{id}"), lopdf::Object::Reference(object));
    }
    let navigation = navigation::Navigation {
        pages: infos,
        outline: std::mem::take(&mut layout.outline),
        destinations: std::mem::take(&mut layout.destinations),
    };
    navigation::finish(
        &mut doc,
        &navigation,
        texts,
        document_id.finish(),
        font_refs,
        document,
        options.timestamp,
    )?;
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|e| Error::Pdf(e.to_string()))?;
    Ok(out)
}

/// Decodes each distinct image once and registers it under a stable name.
fn add_images(
    pdf: &mut PdfDocument,
    layout: &LayoutDocument,
    warnings: &mut Vec<Warning>,
) -> BTreeMap<String, (XObjectId, u32, u32)> {
    let mut images = BTreeMap::new();
    let mut failed = std::collections::BTreeSet::new();
    for page in &layout.pages {
        for placed in &page.items {
            let Item::Image { image, .. } = &placed.item else { continue };
            if images.contains_key(&image.key) || failed.contains(&image.key) {
                continue;
            }
            let mut decode_warnings = Vec::new();
            match RawImage::decode_from_bytes(&image.bytes, &mut decode_warnings) {
                Ok(raw) => {
                    let id = XObjectId(format!("Im{}", images.len() + 1));
                    let (w, h) = (raw.width as u32, raw.height as u32);
                    pdf.resources.xobjects.map.insert(id.clone(), XObject::Image(raw));
                    images.insert(image.key.clone(), (id, w, h));
                }
                Err(error) => {
                    warnings.push(Warning::new(
                        WarningKind::Unsupported,
                        format!(
                            "image {}: cannot be decoded ({error}); it was left out",
                            image.key
                        ),
                    ));
                    failed.insert(image.key.clone());
                }
            }
        }
    }
    images
}

/// The encoded file of each placed image, by its resource name.
fn image_originals(
    layout: &LayoutDocument,
    images: &BTreeMap<String, (XObjectId, u32, u32)>,
) -> BTreeMap<String, crate::layout::frame::ImageData> {
    let mut originals = BTreeMap::new();
    for page in &layout.pages {
        for placed in &page.items {
            if let Item::Image { image, .. } = &placed.item {
                if let Some((id, _, _)) = images.get(&image.key) {
                    originals.entry(id.0.clone()).or_insert_with(|| image.clone());
                }
            }
        }
    }
    originals
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

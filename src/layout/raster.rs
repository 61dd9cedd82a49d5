//! Images the PDF cannot embed as they are (SVG, GIF) turned into PNG before layout: SVG is
//! rendered with resvg (the only importer of resvg), a GIF's first frame is decoded with `gif`.
//!
//! SVG is rasterised at [`SVG_DENSITY`] pixels per CSS pixel, so diagrams stay sharp in print
//! while keeping their natural size on the page.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

/// Pixels rendered per CSS pixel of an SVG (3 × 96 = 288 dpi at natural size).
pub const SVG_DENSITY: u32 = 3;

/// The largest side, in pixels, of a rasterised image (memory stays bounded for huge SVGs).
const MAX_SIDE: f32 = 6000.0;

/// A PNG made from an SVG or GIF, with how many of its pixels make one CSS pixel.
pub struct Rasterized {
    /// The PNG file.
    pub png: Vec<u8>,
    /// Pixels per CSS pixel (1 for GIF, [`SVG_DENSITY`] or less for SVG).
    pub density: u32,
}

/// Converts SVG or GIF bytes to PNG; `None` for other formats or files that do not decode.
pub fn to_png(bytes: &[u8]) -> Option<Rasterized> {
    if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        return gif_to_png(bytes).map(|png| Rasterized { png, density: 1 });
    }
    if looks_like_svg(bytes) {
        return svg_to_png(bytes);
    }
    None
}

fn looks_like_svg(bytes: &[u8]) -> bool {
    let head = String::from_utf8_lossy(&bytes[..bytes.len().min(4096)]).to_ascii_lowercase();
    head.contains("<svg")
}

/// Fonts for text in SVGs: the bundled faces the PDF uses, loaded once.
fn font_database() -> Arc<usvg::fontdb::Database> {
    static DATABASE: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DATABASE
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            for face in super::font::bundled_font_files() {
                db.load_font_data(face.to_vec());
            }
            db.set_serif_family("Noto Serif");
            db.set_sans_serif_family("Noto Serif");
            db.set_monospace_family("DejaVu Sans Mono");
            Arc::new(db)
        })
        .clone()
}

fn svg_to_png(bytes: &[u8]) -> Option<Rasterized> {
    // No external files: an SVG may not pull in other images or fonts from disk.
    let options = usvg::Options {
        fontdb: font_database(),
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: usvg::ImageHrefResolver::default_data_resolver(),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_data(bytes, &options).ok()?;
    let size = tree.size();
    let longest = size.width().max(size.height());
    if !(longest.is_finite() && longest > 0.0) {
        return None;
    }
    let density = (SVG_DENSITY as f32).min(MAX_SIDE / longest).max(0.05);
    let width = (size.width() * density).ceil().max(1.0) as u32;
    let height = (size.height() * density).ceil().max(1.0) as u32;
    let mut pixmap = tiny_skia::Pixmap::new(width, height)?;
    resvg::render(&tree, tiny_skia::Transform::from_scale(density, density), &mut pixmap.as_mut());
    let png = pixmap.encode_png().ok()?;
    Some(Rasterized { png, density: density.round().max(1.0) as u32 })
}

fn gif_to_png(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut options = gif::DecodeOptions::new();
    options.set_color_output(gif::ColorOutput::RGBA);
    let mut decoder = options.read_info(bytes).ok()?;
    let (width, height) = (decoder.width() as u32, decoder.height() as u32);
    let mut canvas = tiny_skia::Pixmap::new(width, height)?;
    let frame = decoder.read_next_frame().ok()??;
    let (fw, fh) = (frame.width as u32, frame.height as u32);
    let (left, top) = (frame.left as u32, frame.top as u32);
    let data = canvas.data_mut();
    for y in 0..fh.min(height.saturating_sub(top)) {
        for x in 0..fw.min(width.saturating_sub(left)) {
            let source = ((y * fw + x) * 4) as usize;
            let target = (((y + top) * width + (x + left)) * 4) as usize;
            let [r, g, b, a] = [
                frame.buffer[source],
                frame.buffer[source + 1],
                frame.buffer[source + 2],
                frame.buffer[source + 3],
            ];
            // tiny-skia stores premultiplied alpha.
            let premultiply = |c: u8| ((c as u16 * a as u16 + 127) / 255) as u8;
            data[target..target + 4].copy_from_slice(&[
                premultiply(r),
                premultiply(g),
                premultiply(b),
                a,
            ]);
        }
    }
    canvas.encode_png().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn svg_becomes_a_dense_png() {
        let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="40" height="20"><rect width="40" height="20" fill="red"/><text x="2" y="15" font-size="12">Hi</text></svg>"#;
        let out = to_png(svg).expect("renders");
        assert!(out.png.starts_with(b"\x89PNG"));
        assert_eq!(out.density, SVG_DENSITY);
        assert_eq!(
            super::super::image::pixel_size(&out.png),
            Some((40 * SVG_DENSITY, 20 * SVG_DENSITY))
        );
    }

    #[test]
    fn gif_first_frame_becomes_png() {
        // A 1×1 transparent GIF.
        let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
        let out = to_png(gif).expect("decodes");
        assert_eq!(super::super::image::pixel_size(&out.png), Some((1, 1)));
        assert_eq!(out.density, 1);
    }

    #[test]
    fn garbage_is_not_an_image() {
        assert!(to_png(b"<svg oops").is_none());
        assert!(to_png(b"GIF89a\x00").is_none());
        assert!(to_png(b"plain text").is_none());
    }
}

//! The output of layout: pages with items at fixed positions (points, top-left origin), plus the
//! navigation data (outline, link targets) a paged format needs. No PDF concepts live here.

use std::fmt::Write as _;
use std::sync::Arc;

/// A length or coordinate in PostScript points (1/72 inch).
pub type Pt = f32;

/// An RGB colour with components in 0..=1.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub f32, pub f32, pub f32);

impl Rgb {
    /// Black.
    pub const BLACK: Rgb = Rgb(0.0, 0.0, 0.0);
}

/// Index of a face in the [`crate::layout::font::FontSet`] used for layout.
pub type FontId = usize;

/// One shaped glyph of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Glyph {
    /// Glyph id in the font.
    pub id: u16,
    /// Horizontal offset from the run's origin to this glyph's origin.
    pub x: Pt,
    /// Vertical offset (positive = up), from the shaper's mark positioning.
    pub y_offset: Pt,
    /// The text this glyph stands for (a ligature carries all its characters; the other glyphs
    /// of a multi-glyph cluster carry none).
    pub text: GlyphText,
}

/// The text of a glyph, stored without a heap allocation in the usual one-character case
/// (a book has millions of glyphs).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GlyphText {
    /// No text (a later glyph of a cluster).
    #[default]
    None,
    /// One character.
    Char(char),
    /// Several characters (a ligature, a base letter with combining marks); boxed twice to
    /// keep the pointer thin, so a glyph stays small.
    Many(Box<Box<str>>),
}

impl GlyphText {
    /// The text of `s`.
    pub fn new(s: &str) -> GlyphText {
        let mut chars = s.chars();
        match (chars.next(), chars.next()) {
            (None, _) => GlyphText::None,
            (Some(c), None) => GlyphText::Char(c),
            _ => GlyphText::Many(Box::new(s.into())),
        }
    }

    /// True when the glyph stands for no text.
    pub fn is_empty(&self) -> bool {
        matches!(self, GlyphText::None)
    }

    /// True when the glyph stands for nothing or only white space.
    pub fn is_blank(&self) -> bool {
        match self {
            GlyphText::None => true,
            GlyphText::Char(c) => c.is_whitespace(),
            GlyphText::Many(s) => s.trim().is_empty(),
        }
    }

    /// Appends the text to `out`.
    pub fn push_to(&self, out: &mut String) {
        match self {
            GlyphText::None => {}
            GlyphText::Char(c) => out.push(*c),
            GlyphText::Many(s) => out.push_str(s),
        }
    }
}

impl std::fmt::Display for GlyphText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut s = String::new();
        self.push_to(&mut s);
        f.write_str(&s)
    }
}

/// A run of glyphs in one font, size and colour, on one baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRun {
    /// The face.
    pub font: FontId,
    /// Font size.
    pub size: Pt,
    /// Fill colour.
    pub color: Rgb,
    /// The glyphs, positioned relative to the run's origin.
    pub glyphs: Vec<Glyph>,
    /// The run's advance width.
    pub width: Pt,
}

impl TextRun {
    /// The text of the run (what a text extractor should read).
    pub fn text(&self) -> String {
        let mut out = String::new();
        for g in &self.glyphs {
            g.text.push_to(&mut out);
        }
        out
    }
}

/// Where a clickable area leads.
#[derive(Debug, Clone, PartialEq)]
pub enum LinkTarget {
    /// An external URI.
    Uri(String),
    /// A named destination inside the document (a heading id or a note anchor).
    Named(String),
}

/// An image to draw, with its encoded bytes.
#[derive(Debug, Clone, PartialEq)]
pub struct ImageData {
    /// Stable key: the same image drawn twice is embedded once.
    pub key: String,
    /// The encoded file (PNG or JPEG).
    pub bytes: Arc<Vec<u8>>,
    /// Pixel width.
    pub pixel_width: u32,
    /// Pixel height.
    pub pixel_height: u32,
    /// Pixels per CSS pixel: 1 for photos, more for rasterised SVG, so it keeps its natural
    /// size while staying sharp.
    pub density: u32,
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    /// Text; `y` of the placement is the baseline.
    Text(TextRun),
    /// A filled rectangle (backgrounds, rules, task boxes' fill).
    Rect {
        /// Width.
        width: Pt,
        /// Height.
        height: Pt,
        /// Fill colour.
        fill: Rgb,
    },
    /// A stroked rectangle outline (task boxes, table frames).
    StrokeRect {
        /// Width.
        width: Pt,
        /// Height.
        height: Pt,
        /// Line width.
        line_width: Pt,
        /// Stroke colour.
        color: Rgb,
    },
    /// A straight line from the placement point to (`dx`, `dy`) relative to it.
    Line {
        /// Horizontal extent.
        dx: Pt,
        /// Vertical extent (down is positive).
        dy: Pt,
        /// Line width.
        width: Pt,
        /// Stroke colour.
        color: Rgb,
    },
    /// An image scaled into a box; the placement is its top-left corner.
    Image {
        /// The image.
        image: ImageData,
        /// Drawn width.
        width: Pt,
        /// Drawn height.
        height: Pt,
    },
    /// A clickable area; the placement is its top-left corner.
    Link {
        /// Width.
        width: Pt,
        /// Height.
        height: Pt,
        /// Where it leads.
        target: LinkTarget,
    },
}

/// An item at a position (top-left origin; text placed at its baseline).
#[derive(Debug, Clone, PartialEq)]
pub struct Positioned {
    /// Horizontal position from the left page edge.
    pub x: Pt,
    /// Vertical position from the top page edge.
    pub y: Pt,
    /// What is drawn.
    pub item: Item,
}

/// One page.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Page {
    /// Page width.
    pub width: Pt,
    /// Page height.
    pub height: Pt,
    /// Items in painting order.
    pub items: Vec<Positioned>,
}

/// A bookmark: a heading and the place it starts.
#[derive(Debug, Clone, PartialEq)]
pub struct OutlineEntry {
    /// Heading level (1 = top).
    pub level: u8,
    /// The heading's text.
    pub title: String,
    /// 0-based page index.
    pub page: usize,
    /// Vertical position on that page (top of the heading).
    pub y: Pt,
}

/// A named place in the document that links can go to.
#[derive(Debug, Clone, PartialEq)]
pub struct Destination {
    /// The name (`#id` without the `#`).
    pub name: String,
    /// 0-based page index.
    pub page: usize,
    /// Vertical position on that page.
    pub y: Pt,
}

/// The laid-out document.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct LayoutDocument {
    /// The pages, in order.
    pub pages: Vec<Page>,
    /// Bookmarks in document order; nesting follows `level`.
    pub outline: Vec<OutlineEntry>,
    /// Named destinations for internal links.
    pub destinations: Vec<Destination>,
}

impl LayoutDocument {
    /// A compact, stable text dump of the layout: one line per text run
    /// (`page x y font size text`) and per drawing item. Golden tests compare this.
    pub fn dump(&self) -> String {
        let mut out = String::new();
        for (index, page) in self.pages.iter().enumerate() {
            let _ = writeln!(out, "page {} {:.1}x{:.1}", index + 1, page.width, page.height);
            let mut i = 0;
            while i < page.items.len() {
                let placed = &page.items[i];
                i += 1;
                let (x, y) = (placed.x, placed.y);
                let _ = match &placed.item {
                    Item::Text(run) => {
                        // The words of one line (same baseline and font) go on one dump line.
                        let mut text = run.text();
                        while let Some(Positioned { y: ny, item: Item::Text(next), .. }) =
                            page.items.get(i)
                        {
                            if *ny != y || next.font != run.font || next.size != run.size {
                                break;
                            }
                            text.push(' ');
                            text.push_str(&next.text());
                            i += 1;
                        }
                        writeln!(out, "  text {x:.1} {y:.1} f{} {:.1} {text:?}", run.font, run.size)
                    }
                    Item::Rect { width, height, .. } => {
                        writeln!(out, "  rect {x:.1} {y:.1} {width:.1}x{height:.1}")
                    }
                    Item::StrokeRect { width, height, .. } => {
                        writeln!(out, "  frame {x:.1} {y:.1} {width:.1}x{height:.1}")
                    }
                    Item::Line { dx, dy, .. } => {
                        writeln!(out, "  line {x:.1} {y:.1} {dx:.1} {dy:.1}")
                    }
                    Item::Image { image, width, height } => {
                        writeln!(out, "  image {x:.1} {y:.1} {width:.1}x{height:.1} {}", image.key)
                    }
                    Item::Link { width, height, target } => {
                        writeln!(out, "  link {x:.1} {y:.1} {width:.1}x{height:.1} {target:?}")
                    }
                };
            }
        }
        for entry in &self.outline {
            let _ = writeln!(
                out,
                "outline {} p{} {:.1} {:?}",
                entry.level,
                entry.page + 1,
                entry.y,
                entry.title
            );
        }
        out
    }

    /// The text of every page in painting order, words separated by spaces; a cheap reading-order
    /// check for tests.
    pub fn text(&self) -> String {
        let mut out = String::new();
        for page in &self.pages {
            for placed in &page.items {
                if let Item::Text(run) = &placed.item {
                    out.push_str(&run.text());
                    out.push(' ');
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glyphs_stay_small() {
        // A book has millions of glyphs; their size is most of layout's memory.
        assert!(std::mem::size_of::<Glyph>() <= 32, "{}", std::mem::size_of::<Glyph>());
        assert_eq!(GlyphText::new("fi").to_string(), "fi");
        assert_eq!(GlyphText::new("a"), GlyphText::Char('a'));
        assert!(GlyphText::new("").is_empty());
    }
}

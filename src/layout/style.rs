//! Every number of the page design: paper, margins, type sizes, leading, spacing, colours.
//! Layout code reads these instead of inventing constants.

use super::frame::{Pt, Rgb};

/// The page and type design used by layout.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// Page width.
    pub page_width: Pt,
    /// Page height.
    pub page_height: Pt,
    /// Top margin (to the top of the text block; the running header sits inside it).
    pub margin_top: Pt,
    /// Bottom margin (the page number sits inside it).
    pub margin_bottom: Pt,
    /// Left margin.
    pub margin_left: Pt,
    /// Right margin.
    pub margin_right: Pt,
    /// Body font size.
    pub body_size: Pt,
    /// Baseline-to-baseline distance of body text, as a multiple of the font size.
    pub leading: f32,
    /// Space between paragraphs.
    pub paragraph_gap: Pt,
    /// Sizes of heading levels 1–6.
    pub heading_sizes: [Pt; 6],
    /// Space above a heading, per level, as a multiple of the body size.
    pub heading_space_above: [f32; 6],
    /// Space below a heading, as a multiple of the body size.
    pub heading_space_below: f32,
    /// Code and preformatted text size.
    pub code_size: Pt,
    /// Code spans inside running text, as a multiple of the surrounding size.
    pub code_span_scale: f32,
    /// Padding inside the shaded code box.
    pub code_padding: Pt,
    /// Shade behind code blocks.
    pub code_background: Rgb,
    /// Footnote text size.
    pub note_size: Pt,
    /// Gap between the body text and the footnote rule.
    pub note_gap: Pt,
    /// Size of the running header and page numbers.
    pub furniture_size: Pt,
    /// Indent of each list, quote and definition level.
    pub indent: Pt,
    /// Table cell text size.
    pub table_size: Pt,
    /// Horizontal padding inside table cells.
    pub cell_padding: Pt,
    /// Colour of link text.
    pub link_color: Rgb,
    /// Colour of rules, quote bars and running furniture.
    pub rule_color: Rgb,
    /// Colour of quoted text.
    pub quote_color: Rgb,
    /// Lines a paragraph keeps together at the bottom of a page (orphans) and the top of the
    /// next (widows).
    pub min_lines_at_break: usize,
    /// Justified paragraphs (false: ragged right).
    pub justify: bool,
}

/// The paper sizes folio knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Paper {
    /// ISO A4, 210 × 297 mm.
    A4,
    /// US Letter, 8.5 × 11 in.
    Letter,
}

impl Style {
    /// The design for a paper size.
    pub fn new(paper: Paper, justify: bool) -> Style {
        let (page_width, page_height) = match paper {
            Paper::A4 => (595.28, 841.89),
            Paper::Letter => (612.0, 792.0),
        };
        // A measure of about 70 characters: comfortable reading width for 10 pt Noto Serif.
        let side = (page_width - 400.0) / 2.0;
        Style {
            page_width,
            page_height,
            margin_top: 76.0,
            margin_bottom: 80.0,
            margin_left: side,
            margin_right: side,
            body_size: 10.0,
            leading: 1.38,
            paragraph_gap: 6.0,
            heading_sizes: [20.0, 15.0, 12.5, 11.0, 10.0, 10.0],
            heading_space_above: [2.2, 1.8, 1.5, 1.3, 1.2, 1.2],
            heading_space_below: 0.6,
            code_size: 8.5,
            code_span_scale: 0.88,
            code_padding: 6.0,
            code_background: Rgb(0.955, 0.955, 0.945),
            note_size: 8.0,
            note_gap: 10.0,
            furniture_size: 8.5,
            indent: 18.0,
            table_size: 9.0,
            cell_padding: 5.0,
            link_color: Rgb(0.05, 0.22, 0.55),
            rule_color: Rgb(0.55, 0.55, 0.55),
            quote_color: Rgb(0.22, 0.22, 0.22),
            min_lines_at_break: 2,
            justify,
        }
    }

    /// Width of the text block.
    pub fn content_width(&self) -> Pt {
        self.page_width - self.margin_left - self.margin_right
    }

    /// Height of the text block.
    pub fn content_height(&self) -> Pt {
        self.page_height - self.margin_top - self.margin_bottom
    }
}

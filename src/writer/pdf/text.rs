//! Text content streams: the glyph runs of a page written directly as PDF operators, one text
//! object per page (`BT 0 0 0 rg /F0 10 Tf 1 0 0 1 x y Tm [<0041> -12 <0042>] TJ … ET`, colour
//! and font set only when they change), with the layout's glyph positions reproduced exactly
//! through TJ adjustments. Glyph ids are the subset fonts' ids.
//!
//! Text gets its own content stream per page, painted after the graphics (backgrounds, rules,
//! images), which printpdf writes: encoding millions of glyphs straight to bytes is much faster
//! and lighter than building an operator object per glyph run.

use std::io::Write as _;

use super::fonts::{FontPlan, FontPlans};
use crate::layout::frame::{Glyph, Item, Page, Positioned, Rgb};

/// Writes a number the short way PDF allows (`12`, `-3.5`, `0.125`), rounded to three decimals.
/// Content streams hold millions of numbers, so the usual range is written from an integer of
/// thousandths without the formatting machinery; the digits are the same as the shortest
/// representation of the rounded `f32`, which is what the slow path writes.
fn number(out: &mut Vec<u8>, v: f32) {
    let thousandths = (v * 1000.0).round();
    // Below 8192 an f32 resolves thousandths (half an ulp < 0.0005), so the rounded value's
    // shortest representation has exactly these digits.
    if thousandths.abs() < 8_192_000.0 {
        let k = thousandths as i64;
        if k < 0 {
            out.push(b'-');
        }
        let k = k.unsigned_abs();
        integer(out, k / 1000);
        let mut fraction = k % 1000;
        if fraction != 0 {
            out.push(b'.');
            let mut digits = 3;
            while fraction.is_multiple_of(10) {
                fraction /= 10;
                digits -= 1;
            }
            let start = out.len();
            for _ in 0..digits {
                out.push(b'0' + (fraction % 10) as u8);
                fraction /= 10;
            }
            out[start..].reverse();
        }
        return;
    }
    let rounded = thousandths / 1000.0;
    if rounded == rounded.trunc() && rounded.abs() < 1e9 {
        let _ = write!(out, "{}", rounded as i64);
    } else {
        let _ = write!(out, "{rounded}");
    }
}

/// Writes a non-negative integer in decimal.
fn integer(out: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&digits[i..]);
}

/// Writes a glyph id as four upper-case hex digits.
fn hex4(out: &mut Vec<u8>, v: u16) {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    out.extend_from_slice(&[
        DIGITS[usize::from(v >> 12)],
        DIGITS[usize::from((v >> 8) & 0xF)],
        DIGITS[usize::from((v >> 4) & 0xF)],
        DIGITS[usize::from(v & 0xF)],
    ]);
}

/// A page's text, reduced to what its operators need: runs of glyphs (one font, size and
/// colour on one baseline) with their subset ids and advances already known. Building it
/// registers the glyphs in the font plans (in page order, by whoever owns the plans); writing
/// the operators from it ([`PageGlyphs::write`]) needs no plan and no page. Three flat
/// buffers, whatever the number of glyphs.
#[derive(Default)]
pub struct PageGlyphs {
    runs: Vec<GlyphRun>,
    glyphs: Vec<PlacedGlyph>,
    /// The text of the glyphs no font could draw (they carry it as ActualText).
    missing_text: String,
}

/// Glyphs of [`PageGlyphs::glyphs`] drawn in one font, size and colour on one baseline.
struct GlyphRun {
    font: usize,
    size: f32,
    color: Rgb,
    baseline: f32,
    glyphs: std::ops::Range<usize>,
}

/// A glyph ready to be written: its x on the page, vertical offset, subset id and advance
/// (text space units), and for glyph 0 (no font could draw it) its text in
/// [`PageGlyphs::missing_text`].
struct PlacedGlyph {
    x: f32,
    y_offset: f32,
    new_id: u16,
    advance_1000: f32,
    text: std::ops::Range<u32>,
}

impl PageGlyphs {
    /// The text of one page. Every glyph drawn is registered in its face's plan (subset id,
    /// advance, text for ToUnicode) on the way.
    pub fn new(page: &Page, plans: &mut FontPlans) -> PageGlyphs {
        let items = &page.items;
        let glyph_count = items
            .iter()
            .map(|placed| match &placed.item {
                Item::Text(run) => run.glyphs.len(),
                _ => 0,
            })
            .sum();
        let mut out =
            PageGlyphs { glyphs: Vec::with_capacity(glyph_count), ..PageGlyphs::default() };
        let mut i = 0;
        while i < items.len() {
            let Item::Text(first) = &items[i].item else {
                i += 1;
                continue;
            };
            // Consecutive runs on one baseline in one font, size and colour (the words of a
            // line) share one text object.
            let mut end = i + 1;
            while let Some(Positioned { y, item: Item::Text(next), .. }) = items.get(end) {
                if *y != items[i].y
                    || next.font != first.font
                    || next.size != first.size
                    || next.color != first.color
                {
                    break;
                }
                end += 1;
            }
            if let Some(plan) = plans.plan(first.font) {
                let start = out.glyphs.len();
                for placed in &items[i..end] {
                    if let Item::Text(run) = &placed.item {
                        for g in &run.glyphs {
                            out.push(placed.x, g, plan);
                        }
                    }
                }
                if first.size > 0.0 {
                    out.runs.push(GlyphRun {
                        font: first.font,
                        size: first.size,
                        color: first.color,
                        baseline: page.height - items[i].y,
                        glyphs: start..out.glyphs.len(),
                    });
                } else {
                    // Registered (the plan must know them) but not drawn.
                    out.glyphs.truncate(start);
                }
            }
            i = end;
        }
        out
    }

    /// Registers one glyph of a run at `run_x` and notes how to draw it.
    fn push(&mut self, run_x: f32, glyph: &Glyph, plan: &mut FontPlan) {
        let new_id = plan.add(glyph.id, &glyph.text);
        let text = if glyph.id == 0 {
            let from = self.missing_text.len();
            glyph.text.push_to(&mut self.missing_text);
            // (Offsets past u32 would take 4 GB of such text on one page: it is dropped.)
            let to = self.missing_text.len();
            u32::try_from(from).unwrap_or(u32::MAX)..u32::try_from(to).unwrap_or(u32::MAX)
        } else {
            0..0
        };
        self.glyphs.push(PlacedGlyph {
            x: run_x + glyph.x,
            y_offset: glyph.y_offset,
            new_id,
            advance_1000: plan.advance_1000(new_id),
            text,
        });
    }

    /// The page's text operators: one text object, colour and font set only when they change.
    pub fn write(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.glyphs.len() * 6 + self.runs.len() * 32);
        let mut state: Option<(usize, f32, Rgb)> = None;
        for run in &self.runs {
            let glyphs = self.glyphs.get(run.glyphs.clone()).unwrap_or(&[]);
            let style = (run.font, run.size, run.color);
            self.write_glyphs(&mut out, glyphs, style, &mut state, run.baseline);
        }
        if state.is_some() {
            out.extend_from_slice(b"ET\n");
        }
        out
    }

    /// Writes glyphs in one font, size and colour on one baseline, opening the page's text
    /// object (`BT`) if needed and switching colour (`rg`) and font (`Tf`) only when they
    /// change.
    fn write_glyphs(
        &self,
        out: &mut Vec<u8>,
        glyphs: &[PlacedGlyph],
        (font, size, color): (usize, f32, Rgb),
        state: &mut Option<(usize, f32, Rgb)>,
        baseline: f32,
    ) {
        if glyphs.is_empty() {
            return;
        }
        let previous = state.replace((font, size, color));
        if previous.is_none() {
            out.extend_from_slice(b"BT\n");
        }
        if previous.is_none_or(|(_, _, c)| c != color) {
            for c in [color.0, color.1, color.2] {
                number(out, c);
                out.push(b' ');
            }
            out.extend_from_slice(b"rg\n");
        }
        if previous.is_none_or(|(f, s, _)| f != font || s != size) {
            out.extend_from_slice(b"/F");
            integer(out, font as u64);
            out.push(b' ');
            number(out, size);
            out.extend_from_slice(b" Tf\n");
        }
        let mut start = 0;
        while start < glyphs.len() {
            // Glyphs sharing a vertical offset (marks are raised or lowered) go in one TJ.
            let y_offset = glyphs[start].y_offset;
            // Characters no font could draw all become glyph 0, which one ToUnicode entry
            // cannot name: each carries its own text as ActualText so extraction still reads
            // it.
            let missing = glyphs[start].new_id == 0;
            let mut end = start + 1;
            while end < glyphs.len()
                && glyphs[end].y_offset == y_offset
                && (glyphs[end].new_id == 0) == missing
            {
                end += 1;
            }
            if missing {
                for placed in &glyphs[start..end] {
                    let range = placed.text.start as usize..placed.text.end as usize;
                    let text = self.missing_text.get(range).unwrap_or("");
                    // Invisible format characters (joiners, marks of direction) keep the
                    // font's mapping: extractors drop them from ActualText, gluing words
                    // together.
                    let marked = !text.is_empty()
                        && !text.chars().all(|c| {
                            matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
                        });
                    if marked {
                        out.extend_from_slice(b"/Span <</ActualText <FEFF");
                        for unit in text.encode_utf16() {
                            hex4(out, unit);
                        }
                        out.extend_from_slice(b">>> BDC\n");
                    }
                    out.extend_from_slice(b"1 0 0 1 ");
                    number(out, placed.x);
                    out.push(b' ');
                    number(out, baseline + y_offset);
                    out.extend_from_slice(b" Tm [<");
                    hex4(out, placed.new_id);
                    out.extend_from_slice(b">] TJ\n");
                    if marked {
                        out.extend_from_slice(b"EMC\n");
                    }
                }
                start = end;
                continue;
            }
            let origin = glyphs[start].x;
            out.extend_from_slice(b"1 0 0 1 ");
            number(out, origin);
            out.push(b' ');
            number(out, baseline + y_offset);
            out.extend_from_slice(b" Tm [<");
            let mut pen = origin;
            for placed in &glyphs[start..end] {
                let shift = placed.x - pen;
                if shift.abs() > 0.001 {
                    out.extend_from_slice(b"> ");
                    number(out, -shift * 1000.0 / size);
                    out.extend_from_slice(b" <");
                }
                hex4(out, placed.new_id);
                pen = placed.x + placed.advance_1000 * size / 1000.0;
            }
            out.extend_from_slice(b">] TJ\n");
            start = end;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        let mut out = Vec::new();
        for v in [12.0, -3.5, 0.125, 0.00001, -0.0004, 841.89, 0.1, 100.05, -7.0, 12345.5] {
            number(&mut out, v);
            out.push(b' ');
        }
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "12 -3.5 0.125 0 0 841.89 0.1 100.05 -7 12345.5 "
        );
    }

    #[test]
    fn fast_numbers_match_the_shortest_representation() {
        // The integer path must write what `{}` writes for the rounded f32.
        let mut v = -9000.0f32;
        while v < 9000.0 {
            let mut fast = Vec::new();
            number(&mut fast, v);
            let rounded = (v * 1000.0).round() / 1000.0;
            let slow = if rounded == rounded.trunc() {
                format!("{}", rounded as i64)
            } else {
                format!("{rounded}")
            };
            assert_eq!(String::from_utf8(fast).unwrap(), slow, "{v}");
            v += 0.0137;
        }
        let mut hex = Vec::new();
        hex4(&mut hex, 0xA0F3);
        assert_eq!(hex, b"A0F3");
    }
}

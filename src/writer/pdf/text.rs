//! Text content streams: the glyph runs of a page written directly as PDF operators
//! (`BT /F0 10 Tf … Tm [<0041> -12 <0042>] TJ ET`), with the layout's glyph positions reproduced
//! exactly through TJ adjustments. Glyph ids are the subset fonts' ids.
//!
//! Text gets its own content stream per page, painted after the graphics (backgrounds, rules,
//! images), which printpdf writes: encoding millions of glyphs straight to bytes is much faster
//! and lighter than building an operator object per glyph run.

use std::io::Write as _;

use super::fonts::FontPlan;
use crate::layout::frame::{Glyph, Item, Page, Positioned};

/// Writes a number the short way PDF allows (`12`, `-3.5`, `0.125`).
fn number(out: &mut Vec<u8>, v: f32) {
    let rounded = (v * 1000.0).round() / 1000.0;
    if rounded == rounded.trunc() && rounded.abs() < 1e9 {
        let _ = write!(out, "{}", rounded as i64);
    } else {
        let _ = write!(out, "{rounded}");
    }
}

/// The text operators of one page.
pub fn page_text(page: &Page, plans: &[Option<FontPlan>]) -> Vec<u8> {
    let mut out = Vec::new();
    let items = &page.items;
    let mut i = 0;
    while i < items.len() {
        let Item::Text(first) = &items[i].item else {
            i += 1;
            continue;
        };
        // Consecutive runs on one baseline in one font, size and colour (the words of a line)
        // share one text object.
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
        if let Some(Some(plan)) = plans.get(first.font) {
            if first.size > 0.0 {
                let glyphs: Vec<(f32, &Glyph)> = items[i..end]
                    .iter()
                    .filter_map(|p| match &p.item {
                        Item::Text(run) => Some(run.glyphs.iter().map(move |g| (p.x + g.x, g))),
                        _ => None,
                    })
                    .flatten()
                    .collect();
                let baseline = page.height - items[i].y;
                write_text_object(
                    &mut out,
                    &glyphs,
                    first.font,
                    first.size,
                    first.color,
                    baseline,
                    plan,
                );
            }
        }
        i = end;
    }
    out
}

fn write_text_object(
    out: &mut Vec<u8>,
    glyphs: &[(f32, &Glyph)],
    font: usize,
    size: f32,
    color: crate::layout::frame::Rgb,
    baseline: f32,
    plan: &FontPlan,
) {
    if glyphs.is_empty() {
        return;
    }
    out.extend_from_slice(b"BT\n");
    for c in [color.0, color.1, color.2] {
        number(out, c);
        out.push(b' ');
    }
    let _ = write!(out, "rg /F{font} ");
    number(out, size);
    out.extend_from_slice(b" Tf\n");
    let mut start = 0;
    while start < glyphs.len() {
        // Glyphs sharing a vertical offset (marks are raised or lowered) go in one TJ.
        let y_offset = glyphs[start].1.y_offset;
        // Characters no font could draw all become glyph 0, which one ToUnicode entry cannot
        // name: each carries its own text as ActualText so extraction still reads it.
        let missing = glyphs[start].1.id == 0;
        let mut end = start + 1;
        while end < glyphs.len()
            && glyphs[end].1.y_offset == y_offset
            && (glyphs[end].1.id == 0) == missing
        {
            end += 1;
        }
        if missing {
            for (x, glyph) in &glyphs[start..end] {
                let text = glyph.text.to_string();
                // Invisible format characters (joiners, marks of direction) keep the font's
                // mapping: extractors drop them from ActualText, gluing words together.
                let marked = !text.is_empty()
                    && !text.chars().all(|c| {
                        matches!(c, '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{206F}' | '\u{FEFF}')
                    });
                if marked {
                    out.extend_from_slice(b"/Span <</ActualText <FEFF");
                    for unit in text.encode_utf16() {
                        let _ = write!(out, "{unit:04X}");
                    }
                    out.extend_from_slice(b">>> BDC\n");
                }
                out.extend_from_slice(b"1 0 0 1 ");
                number(out, *x);
                out.push(b' ');
                number(out, baseline + y_offset);
                let _ = writeln!(out, " Tm [<{:04X}>] TJ", plan.new_id(glyph.id));
                if marked {
                    out.extend_from_slice(b"EMC\n");
                }
            }
            start = end;
            continue;
        }
        let origin = glyphs[start].0;
        out.extend_from_slice(b"1 0 0 1 ");
        number(out, origin);
        out.push(b' ');
        number(out, baseline + y_offset);
        out.extend_from_slice(b" Tm [<");
        let mut pen = origin;
        for (x, glyph) in &glyphs[start..end] {
            let shift = x - pen;
            if shift.abs() > 0.001 {
                out.extend_from_slice(b"> ");
                number(out, -shift * 1000.0 / size);
                out.extend_from_slice(b" <");
            }
            let _ = write!(out, "{:04X}", plan.new_id(glyph.id));
            pen = x + plan.advance_1000(glyph.id) * size / 1000.0;
        }
        out.extend_from_slice(b">] TJ\n");
        start = end;
    }
    out.extend_from_slice(b"ET\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_short() {
        let mut out = Vec::new();
        for v in [12.0, -3.5, 0.125, 0.00001] {
            number(&mut out, v);
            out.push(b' ');
        }
        assert_eq!(String::from_utf8(out).unwrap(), "12 -3.5 0.125 0 ");
    }
}

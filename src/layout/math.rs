//! Math typesetting for PDF: the [`crate::math::MathNode`] tree → a box of positioned glyph runs
//! and rules, after TeX's rules in simplified form (math styles and script sizes, atom spacing,
//! fractions on the math axis, radicals, scripts, limits, stretchy fences, matrices).
//!
//! A box's items are relative to its origin on the baseline (y down positive). Heights come from
//! the glyphs' ink boxes when the font metrics know them, else from per-character estimates, so
//! layout with fixed-advance test metrics stays meaningful. Formulas the parser refuses are set
//! as their TeX source in the monospace face ([`MathOutcome::Source`]).

use super::font::{FontMetrics, FontStyle};
use super::frame::{Glyph, GlyphText, Item, Positioned, Pt, Rgb, TextRun};
use crate::error::Warning;
use crate::math::{ColumnAlign, MathNode, MathVariant, OperatorClass, TableKind};

/// A laid-out piece of a formula.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct MathBox {
    /// Advance width.
    pub width: Pt,
    /// Height above the baseline.
    pub ascent: Pt,
    /// Depth below the baseline.
    pub descent: Pt,
    /// Items relative to the origin on the baseline (y down positive).
    pub items: Vec<Positioned>,
}

impl MathBox {
    fn empty(width: Pt) -> MathBox {
        MathBox { width, ..MathBox::default() }
    }

    /// Places `other` with its origin at (`x`, `y`) (y down positive) in this box's items.
    fn put(&mut self, other: MathBox, x: Pt, y: Pt) {
        for mut placed in other.items {
            placed.x += x;
            placed.y += y;
            self.items.push(placed);
        }
    }

    /// The box shrunk by `factor` (0 < factor ≤ 1): a formula wider than the measure is set
    /// smaller rather than running into the margin.
    pub fn scaled(mut self, factor: f32) -> MathBox {
        self.width *= factor;
        self.ascent *= factor;
        self.descent *= factor;
        for placed in &mut self.items {
            placed.x *= factor;
            placed.y *= factor;
            match &mut placed.item {
                Item::Text(run) => {
                    run.size *= factor;
                    run.width *= factor;
                    for glyph in &mut run.glyphs {
                        glyph.x *= factor;
                        glyph.y_offset *= factor;
                    }
                }
                Item::Rect { width, height, .. } => {
                    *width *= factor;
                    *height *= factor;
                }
                Item::StrokeRect { width, height, .. }
                | Item::Image { width, height, .. }
                | Item::Link { width, height, .. } => {
                    *width *= factor;
                    *height *= factor;
                }
                Item::Line { dx, dy, .. } => {
                    *dx *= factor;
                    *dy *= factor;
                }
            }
        }
        self
    }

    fn rule(&mut self, x: Pt, top: Pt, width: Pt, height: Pt, color: Rgb) {
        self.items.push(Positioned {
            x,
            y: top,
            item: Item::Rect { width: width.max(0.0), height, fill: color },
        });
    }
}

/// What became of a formula.
#[derive(Debug, Clone, PartialEq)]
pub enum MathOutcome {
    /// Typeset.
    Typeset(MathBox),
    /// The parser refused it: show the source (in monospace) and report the warning.
    Source(Warning),
}

/// Typesets `tex` at `size` in `color`; display math is set in display style.
pub fn typeset(
    metrics: &dyn FontMetrics,
    tex: &str,
    display: bool,
    size: Pt,
    color: Rgb,
) -> MathOutcome {
    match crate::math::parse(tex, display) {
        Ok(tree) => {
            let setter = Setter { metrics, color, base: size };
            let level = if display { Level::Display } else { Level::Text };
            MathOutcome::Typeset(setter.node(&tree, level))
        }
        Err(error) => MathOutcome::Source(crate::math::fallback_warning(tex, &error)),
    }
}

/// TeX's math styles (cramped variants are not distinguished).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Level {
    Display,
    Text,
    Script,
    ScriptScript,
}

impl Level {
    fn scale(self) -> f32 {
        match self {
            Level::Display | Level::Text => 1.0,
            Level::Script => 0.7,
            Level::ScriptScript => 0.5,
        }
    }

    /// The style of sub- and superscripts.
    fn script(self) -> Level {
        match self {
            Level::Display | Level::Text => Level::Script,
            _ => Level::ScriptScript,
        }
    }

    /// The style of a fraction's numerator and denominator.
    fn fraction(self) -> Level {
        match self {
            Level::Display => Level::Text,
            Level::Text => Level::Script,
            _ => Level::ScriptScript,
        }
    }

    fn is_script(self) -> bool {
        self >= Level::Script
    }
}

/// The spacing class of an atom in a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Atom {
    Ord,
    Op,
    Bin,
    Rel,
    Open,
    Close,
    Punct,
    Inner,
}

struct Setter<'a> {
    metrics: &'a dyn FontMetrics,
    color: Rgb,
    base: Pt,
}

impl Setter<'_> {
    fn size(&self, level: Level) -> Pt {
        self.base * level.scale()
    }

    /// Height of the math axis (where fraction bars and the centre of `+` sit) above the baseline.
    fn axis(&self, level: Level) -> Pt {
        self.size(level) * 0.25
    }

    fn thickness(&self, level: Level) -> Pt {
        (self.size(level) * 0.05).max(0.3)
    }

    fn node(&self, node: &MathNode, level: Level) -> MathBox {
        match node {
            MathNode::Row(children) => self.row(children, level),
            MathNode::Identifier { text, variant } => self.identifier(text, *variant, level),
            MathNode::Number(text) => self.text(text, FontStyle::default(), self.size(level)),
            MathNode::Operator { text, class, size, .. } => {
                let mut scale = match size {
                    0 => 1.0,
                    n => 1.0 + 0.5 * f32::from(*n),
                };
                if *class == OperatorClass::Large && level == Level::Display {
                    scale *= 1.45;
                }
                self.text(text, FontStyle::default(), self.size(level) * scale)
            }
            MathNode::Text(text) => self.text(text, FontStyle::default(), self.size(level)),
            MathNode::Space(mu) => MathBox::empty(*mu as f32 * self.size(level) / 18.0),
            MathNode::Frac { num, den, line, display } => {
                let level = match display {
                    Some(true) => Level::Display,
                    Some(false) if level == Level::Display => Level::Text,
                    _ => level,
                };
                self.fraction(num, den, *line, level)
            }
            MathNode::Sqrt(radicand) => self.radical(radicand, None, level),
            MathNode::Root { radicand, index } => self.radical(radicand, Some(index), level),
            MathNode::Scripts { base, sub, sup } => {
                self.scripts(base, sub.as_deref(), sup.as_deref(), level)
            }
            MathNode::UnderOver { base, under, over } => {
                self.under_over(base, under.as_deref(), over.as_deref(), level)
            }
            MathNode::Accent { base, accent, under, stretchy } => {
                self.accent(base, *accent, *under, *stretchy, level)
            }
            MathNode::Fenced { open, close, body } => self.fenced(open, close, body, level),
            MathNode::Table { rows, columns, kind } => self.table(rows, columns, *kind, level),
        }
    }

    /// Shaped text in one style: a run per face (fallback faces for missing characters).
    fn text(&self, text: &str, font: FontStyle, size: Pt) -> MathBox {
        // Ink extents may be negative (an accent's ink lies wholly above the baseline, so its
        // "descent" is negative); accents rely on that to sit right above their base.
        let mut out = MathBox { ascent: Pt::MIN, descent: Pt::MIN, ..MathBox::default() };
        let segments = self.metrics.shape(font, text);
        for segment in segments.iter() {
            let mut x = 0.0;
            let mut glyphs = Vec::with_capacity(segment.glyphs.len());
            for (i, g) in segment.glyphs.iter().enumerate() {
                let first_of_cluster = i == 0 || segment.glyphs[i - 1].cluster != g.cluster;
                let end = segment
                    .glyphs
                    .iter()
                    .map(|o| o.cluster)
                    .filter(|&c| c > g.cluster)
                    .min()
                    .unwrap_or(text.len());
                let piece = text.get(g.cluster..end).unwrap_or("");
                let (ascent, descent) = match self.metrics.ink(segment.font, g.id) {
                    Some([_, y_min, _, y_max]) if y_max > y_min => (y_max, -y_min),
                    _ => piece.chars().next().map_or((0.0, 0.0), estimated_extent),
                };
                let y_offset = g.y_offset * size;
                out.ascent = out.ascent.max(ascent * size + y_offset);
                out.descent = out.descent.max(descent * size - y_offset);
                glyphs.push(Glyph {
                    id: g.id,
                    x: x + g.x_offset * size,
                    y_offset,
                    text: if first_of_cluster { GlyphText::new(piece) } else { GlyphText::None },
                });
                x += g.advance * size;
            }
            if glyphs.is_empty() {
                continue;
            }
            out.items.push(Positioned {
                x: out.width,
                y: 0.0,
                item: Item::Text(TextRun {
                    font: segment.font,
                    size,
                    color: self.color,
                    glyphs,
                    width: x,
                }),
            });
            out.width += x;
        }
        if out.ascent == Pt::MIN {
            out.ascent = 0.0;
            out.descent = 0.0;
        }
        out
    }

    fn identifier(&self, text: &str, variant: MathVariant, level: Level) -> MathBox {
        let size = self.size(level);
        let mut font = FontStyle::default();
        let shown: String = match variant {
            MathVariant::Normal => text.to_string(),
            MathVariant::Italic => {
                font.italic = true;
                text.to_string()
            }
            MathVariant::Bold => {
                font.bold = true;
                text.to_string()
            }
            MathVariant::BoldItalic => {
                font.bold = true;
                font.italic = true;
                text.to_string()
            }
            MathVariant::Monospace => {
                font.mono = true;
                text.to_string()
            }
            // No bundled face has these alphabets: use the Unicode math letters, which the
            // font fallback finds in a system math or symbol font.
            MathVariant::Script
            | MathVariant::DoubleStruck
            | MathVariant::Fraktur
            | MathVariant::SansSerif => {
                text.chars().map(|c| crate::math::styled_char(c, variant)).collect()
            }
        };
        let mut b = self.text(&shown, font, size);
        if font.italic {
            // Italic correction: the slanted letter leans into whatever follows.
            b.width += size * 0.03;
        }
        b
    }

    fn row(&self, children: &[MathNode], level: Level) -> MathBox {
        let mut boxes: Vec<(Option<Atom>, MathBox)> =
            children.iter().map(|c| (atom_of(c), self.node(c, level))).collect();
        // Stretchy operators (`\middle|`) grow to the height of the rest of the row.
        let (mut ascent, mut descent) = (0.0f32, 0.0f32);
        for (child, (_, b)) in children.iter().zip(&boxes) {
            if !matches!(child, MathNode::Operator { stretchy: true, .. }) {
                ascent = ascent.max(b.ascent);
                descent = descent.max(b.descent);
            }
        }
        for (child, entry) in children.iter().zip(boxes.iter_mut()) {
            if let MathNode::Operator { text, stretchy: true, .. } = child {
                entry.1 = self.delimiter(text, ascent, descent, level);
            }
        }
        // Binary operators with nothing to combine become ordinary (TeX's rule).
        let atoms: Vec<Option<Atom>> = boxes.iter().map(|(a, _)| *a).collect();
        let mut classes = atoms.clone();
        for i in 0..classes.len() {
            if classes[i] != Some(Atom::Bin) {
                continue;
            }
            let before = classes[..i].iter().rev().flatten().next().copied();
            let after = atoms[i + 1..].iter().flatten().next().copied();
            let lonely_before = matches!(
                before,
                None | Some(Atom::Bin | Atom::Op | Atom::Rel | Atom::Open | Atom::Punct)
            );
            let lonely_after = matches!(after, None | Some(Atom::Rel | Atom::Close | Atom::Punct));
            if lonely_before || lonely_after {
                classes[i] = Some(Atom::Ord);
            }
        }
        let mut out = MathBox::default();
        let mut previous: Option<Atom> = None;
        for ((_, b), class) in boxes.into_iter().zip(classes) {
            if let (Some(left), Some(right)) = (previous, class) {
                out.width += spacing(left, right, level) * self.size(level) / 18.0;
            }
            if class.is_some() {
                previous = class;
            }
            out.ascent = out.ascent.max(b.ascent);
            out.descent = out.descent.max(b.descent);
            let x = out.width;
            out.width += b.width;
            out.put(b, x, 0.0);
        }
        out
    }

    fn fraction(&self, num: &MathNode, den: &MathNode, line: bool, level: Level) -> MathBox {
        let size = self.size(level);
        let inner = level.fraction();
        let num = self.node(num, inner);
        let den = self.node(den, inner);
        let t = if line { self.thickness(level) } else { 0.0 };
        let axis = self.axis(level);
        let display = level == Level::Display;
        let gap = if display { 3.0 } else { 1.0 } * self.thickness(level);
        let (min_up, min_down) = if display { (0.68, 0.69) } else { (0.39, 0.35) };
        let up = (axis + t / 2.0 + gap + num.descent).max(min_up * size);
        let down = (den.ascent + gap + t / 2.0 - axis).max(min_down * size);
        let pad = size * 0.1;
        let width = num.width.max(den.width) + 2.0 * pad;
        let mut out = MathBox {
            width,
            ascent: up + num.ascent,
            descent: down + den.descent,
            items: Vec::new(),
        };
        if line {
            out.rule(pad * 0.5, -(axis + t / 2.0), width - pad, t, self.color);
        }
        let num_x = (width - num.width) / 2.0;
        let den_x = (width - den.width) / 2.0;
        out.put(num, num_x, -up);
        out.put(den, den_x, down);
        // Thin space either side, as TeX's nulldelimiterspace does.
        let side = size * 0.12;
        let mut padded = MathBox::empty(width + 2.0 * side);
        padded.ascent = out.ascent;
        padded.descent = out.descent;
        padded.put(out, side, 0.0);
        padded
    }

    fn radical(&self, radicand: &MathNode, index: Option<&MathNode>, level: Level) -> MathBox {
        let size = self.size(level);
        let body = self.node(radicand, level);
        let t = self.thickness(level);
        let gap = if level == Level::Display { 0.2 } else { 0.12 } * size;
        let inner_top = body.ascent.max(size * 0.45) + gap;
        let inner_depth = body.descent.max(size * 0.05);
        let needed = inner_top + t + inner_depth;
        // The radical sign, scaled until it spans the radicand.
        let natural = self.text("√", FontStyle::default(), size);
        let natural_height = (natural.ascent + natural.descent).max(size * 0.5);
        // Capped: past that a scaled glyph is mostly width; the overbar still spans the body.
        let scale = (needed / natural_height).clamp(1.0, 6.0);
        let sign = self.text("√", FontStyle::default(), size * scale);
        let sign_width = sign.width;
        // Put the top of the sign's ink at the overbar's top.
        let sign_y = sign.ascent - (inner_top + t);
        let mut out = MathBox::default();
        let mut x = 0.0;
        if let Some(index) = index {
            let small = self.node(index, Level::ScriptScript);
            let raise = (inner_top + t) * 0.6 - inner_depth * 0.4;
            let index_width = small.width;
            let index_ascent = small.ascent + raise;
            out.put(small, 0.0, -raise);
            out.ascent = out.ascent.max(index_ascent + small_descent_guard(size));
            x = (index_width - sign_width * 0.55).max(0.0);
        }
        out.put(sign, x, sign_y);
        x += sign_width;
        out.rule(x - t * 0.6, -(inner_top + t), body.width + size * 0.1 + t * 0.6, t, self.color);
        out.put(body.clone(), x + size * 0.05, 0.0);
        out.width = x + body.width + size * 0.15;
        out.ascent = out.ascent.max(inner_top + t + t);
        out.descent = out.descent.max(inner_depth).max(-sign_y + 0.0);
        out
    }

    fn scripts(
        &self,
        base: &MathNode,
        sub: Option<&MathNode>,
        sup: Option<&MathNode>,
        level: Level,
    ) -> MathBox {
        let size = self.size(level);
        let base_box = self.node(base, level);
        let simple = matches!(
            base,
            MathNode::Identifier { .. } | MathNode::Number(_) | MathNode::Operator { .. }
        );
        let italic = matches!(base, MathNode::Identifier { variant: MathVariant::Italic, .. });
        let script = level.script();
        let script_size = self.size(script);
        let sup_box = sup.map(|s| self.node(s, script));
        let sub_box = sub.map(|s| self.node(s, script));
        let mut up = 0.0;
        if let Some(s) = &sup_box {
            let drop = if simple { 0.0 } else { base_box.ascent - script_size * 0.39 };
            let min = if level == Level::Display { 0.41 } else { 0.36 } * size;
            up = drop.max(min).max(s.descent + size * 0.11);
        }
        let mut down = 0.0;
        if let Some(s) = &sub_box {
            let drop = if simple { 0.0 } else { base_box.descent + script_size * 0.05 };
            let min = if sup_box.is_some() { 0.25 } else { 0.15 } * size;
            down = drop.max(min).max(s.ascent - size * 0.36);
        }
        if let (Some(p), Some(b)) = (&sup_box, &sub_box) {
            let clearance = (up - p.descent) - (b.ascent - down);
            let wanted = 4.0 * self.thickness(level);
            if clearance < wanted {
                down += wanted - clearance;
            }
        }
        let mut out = MathBox {
            width: base_box.width,
            ascent: base_box.ascent,
            descent: base_box.descent,
            items: Vec::new(),
        };
        let x = base_box.width;
        out.put(base_box, 0.0, 0.0);
        let mut script_width: Pt = 0.0;
        if let Some(p) = sup_box {
            let kern = if italic { size * 0.06 } else { 0.0 };
            out.ascent = out.ascent.max(up + p.ascent);
            out.descent = out.descent.max(p.descent - up);
            script_width = script_width.max(kern + p.width);
            out.put(p, x + kern, -up);
        }
        if let Some(b) = sub_box {
            // The italic correction does not apply below: the subscript tucks under the letter.
            let kern = if italic { -size * 0.02 } else { 0.0 };
            out.ascent = out.ascent.max(b.ascent - down);
            out.descent = out.descent.max(down + b.descent);
            script_width = script_width.max(kern + b.width);
            out.put(b, x + kern, down);
        }
        out.width = x + script_width + size * 0.05;
        out
    }

    fn under_over(
        &self,
        base: &MathNode,
        under: Option<&MathNode>,
        over: Option<&MathNode>,
        level: Level,
    ) -> MathBox {
        let size = self.size(level);
        let base_box = self.node(base, level);
        let script = level.script();
        let over_box = over.map(|o| self.node(o, script));
        let under_box = under.map(|u| self.node(u, script));
        let gap = size * 0.15;
        let width = [
            Some(base_box.width),
            over_box.as_ref().map(|b| b.width),
            under_box.as_ref().map(|b| b.width),
        ]
        .into_iter()
        .flatten()
        .fold(0.0, Pt::max);
        let mut out = MathBox {
            width,
            ascent: base_box.ascent,
            descent: base_box.descent,
            items: Vec::new(),
        };
        if let Some(o) = over_box {
            let shift = base_box.ascent + gap + o.descent;
            out.ascent = shift + o.ascent;
            out.put(o.clone(), (width - o.width) / 2.0, -shift);
        }
        if let Some(u) = under_box {
            let shift = base_box.descent + gap + u.ascent;
            out.descent = shift + u.descent;
            out.put(u.clone(), (width - u.width) / 2.0, shift);
        }
        let base_x = (width - base_box.width) / 2.0;
        out.put(base_box, base_x, 0.0);
        out
    }

    fn accent(
        &self,
        base: &MathNode,
        accent: char,
        under: bool,
        stretchy: bool,
        level: Level,
    ) -> MathBox {
        let size = self.size(level);
        let body = self.node(base, level);
        let t = self.thickness(level);
        let gap = size * 0.08;
        let mut out = MathBox {
            width: body.width,
            ascent: body.ascent,
            descent: body.descent,
            items: Vec::new(),
        };
        if matches!(accent, '¯' | '‾' | '_' | '\u{332}' | '\u{305}') || (stretchy && accent == '-')
        {
            // \overline, \underline: a rule across the whole base.
            if under {
                let top = body.descent + gap;
                out.rule(0.0, top, body.width, t, self.color);
                out.descent = top + t;
            } else {
                let top = -(body.ascent + gap + t);
                out.rule(0.0, top, body.width, t, self.color);
                out.ascent = body.ascent + gap + t;
            }
        } else {
            let mut mark = self.text(&accent.to_string(), FontStyle::default(), size);
            if stretchy && mark.width > 0.0 && body.width > mark.width * 1.2 {
                // Braces, arrows and wide hats: a larger glyph, capped so it stays legible.
                let scale = (body.width / mark.width).min(3.0);
                mark = self.text(&accent.to_string(), FontStyle::default(), size * scale);
            }
            // Over a slanted letter the accent leans right with it.
            let italic = matches!(base, MathNode::Identifier { variant: MathVariant::Italic, .. });
            let lean = if italic && !under { size * 0.06 } else { 0.0 };
            let x = (body.width - mark.width) / 2.0 + lean;
            if under {
                let shift = body.descent + gap + mark.ascent;
                out.descent = shift + mark.descent;
                out.put(mark, x, shift);
            } else {
                // The accent's ink bottom sits just above the base's top.
                let ink_bottom = -mark.descent;
                let shift = body.ascent.max(size * 0.45) + gap * 1.5 - ink_bottom;
                out.ascent = out.ascent.max(shift + mark.ascent);
                out.put(mark, x, -shift);
            }
            out.width = out.width.max(0.0);
        }
        out.put(body, 0.0, 0.0);
        out
    }

    /// A delimiter tall enough to cover `ascent`/`descent`, centred on the axis.
    fn delimiter(&self, text: &str, ascent: Pt, descent: Pt, level: Level) -> MathBox {
        let size = self.size(level);
        if text.is_empty() || text == "." {
            return MathBox::empty(size * 0.12);
        }
        let axis = self.axis(level);
        let half = (ascent - axis).max(descent + axis);
        let needed = 2.0 * half * 1.02;
        let natural = self.text(text, FontStyle::default(), size);
        let natural_height = (natural.ascent + natural.descent).max(size * 0.5);
        let scale = needed / natural_height;
        let glyph = if scale > 1.05 {
            // Cap the growth: a very tall delimiter drawn as a scaled glyph would be too heavy.
            self.text(text, FontStyle::default(), size * scale.min(6.0))
        } else {
            natural
        };
        // Centre the ink on the axis.
        let centre = (glyph.ascent - glyph.descent) / 2.0;
        let shift = axis - centre;
        let mut out = MathBox {
            width: glyph.width,
            ascent: glyph.ascent + shift,
            descent: glyph.descent - shift,
            items: Vec::new(),
        };
        out.put(glyph, 0.0, -shift);
        out
    }

    fn fenced(&self, open: &str, close: &str, body: &MathNode, level: Level) -> MathBox {
        let body = self.node(body, level);
        let left = self.delimiter(open, body.ascent, body.descent, level);
        let right = self.delimiter(close, body.ascent, body.descent, level);
        let mut out = MathBox {
            width: left.width + body.width + right.width,
            ascent: left.ascent.max(body.ascent).max(right.ascent),
            descent: left.descent.max(body.descent).max(right.descent),
            items: Vec::new(),
        };
        let (lw, bw) = (left.width, body.width);
        out.put(left, 0.0, 0.0);
        out.put(body, lw, 0.0);
        out.put(right, lw + bw, 0.0);
        out
    }

    fn table(
        &self,
        rows: &[Vec<MathNode>],
        columns: &[ColumnAlign],
        kind: TableKind,
        level: Level,
    ) -> MathBox {
        let size = self.size(level);
        let cell_level = match kind {
            TableKind::Aligned => Level::Display,
            _ if level.is_script() => level,
            _ => Level::Text,
        };
        let cells: Vec<Vec<MathBox>> =
            rows.iter().map(|row| row.iter().map(|c| self.node(c, cell_level)).collect()).collect();
        let column_count = cells.iter().map(Vec::len).max().unwrap_or(0);
        let mut widths = vec![0.0f32; column_count];
        for row in &cells {
            for (i, cell) in row.iter().enumerate() {
                widths[i] = widths[i].max(cell.width);
            }
        }
        let align_of = |i: usize| -> ColumnAlign {
            match columns.get(i) {
                Some(a) => *a,
                None if kind == TableKind::Aligned => {
                    if i.is_multiple_of(2) {
                        ColumnAlign::Right
                    } else {
                        ColumnAlign::Left
                    }
                }
                None if kind == TableKind::Cases => ColumnAlign::Left,
                None => ColumnAlign::Center,
            }
        };
        let gap_after = |i: usize| -> Pt {
            match kind {
                TableKind::Aligned if i.is_multiple_of(2) => 0.0,
                TableKind::Aligned => 2.0 * size,
                _ => size,
            }
        };
        let strut_ascent = size * 0.72;
        let strut_descent = size * 0.3;
        let row_gap = if kind == TableKind::Aligned { size * 0.25 } else { size * 0.2 };
        let mut out = MathBox::default();
        let mut y = 0.0; // top of the current row, from the table's top
        let mut total_width: Pt = 0.0;
        for (r, row) in cells.into_iter().enumerate() {
            let ascent = row.iter().map(|c| c.ascent).fold(strut_ascent, Pt::max);
            let descent = row.iter().map(|c| c.descent).fold(strut_descent, Pt::max);
            if r > 0 {
                y += row_gap;
            }
            let baseline = y + ascent;
            let mut x = 0.0;
            for (i, cell) in row.into_iter().enumerate() {
                let free = widths[i] - cell.width;
                let offset = match align_of(i) {
                    ColumnAlign::Left => 0.0,
                    ColumnAlign::Center => free / 2.0,
                    ColumnAlign::Right => free,
                };
                out.put(cell, x + offset, baseline);
                x += widths[i] + if i + 1 < column_count { gap_after(i) } else { 0.0 };
            }
            total_width = total_width.max(x);
            y = baseline + descent;
        }
        // Columns fix the width even when the last rows are short.
        let full: Pt = widths.iter().sum::<Pt>()
            + (0..column_count.saturating_sub(1)).map(gap_after).sum::<Pt>();
        out.width = total_width.max(full);
        // Centre the table on the axis: move items from top-origin to baseline-origin.
        let shift = y / 2.0 + self.axis(level);
        for placed in &mut out.items {
            placed.y -= shift;
        }
        out.ascent = shift;
        out.descent = y - shift;
        out
    }
}

/// A little room above a root's index so it does not touch the line above.
fn small_descent_guard(size: Pt) -> Pt {
    size * 0.02
}

/// The spacing class of a node, or `None` for spaces (which take no automatic spacing).
fn atom_of(node: &MathNode) -> Option<Atom> {
    Some(match node {
        MathNode::Space(_) => return None,
        MathNode::Operator { class, .. } => match class {
            OperatorClass::Ordinary => Atom::Ord,
            OperatorClass::Binary => Atom::Bin,
            OperatorClass::Relation => Atom::Rel,
            OperatorClass::Open => Atom::Open,
            OperatorClass::Close => Atom::Close,
            OperatorClass::Punctuation => Atom::Punct,
            OperatorClass::Large | OperatorClass::Limits => Atom::Op,
        },
        MathNode::Scripts { base, .. } | MathNode::UnderOver { base, .. } => match atom_of(base) {
            Some(Atom::Op) => Atom::Op,
            Some(Atom::Rel) => Atom::Rel,
            Some(Atom::Bin) => Atom::Bin,
            _ => Atom::Ord,
        },
        MathNode::Fenced { .. } | MathNode::Frac { .. } => Atom::Inner,
        _ => Atom::Ord,
    })
}

/// Space between two atoms in mu (TeX's table; medium and thick spaces vanish in scripts).
fn spacing(left: Atom, right: Atom, level: Level) -> f32 {
    use Atom::*;
    const THIN: f32 = 3.0;
    const MEDIUM: f32 = 4.0;
    const THICK: f32 = 5.0;
    let script = level.is_script();
    let (space, in_scripts) = match (left, right) {
        (Ord, Op) | (Op, Ord) | (Op, Op) | (Close, Op) | (Inner, Op) => (THIN, true),
        (Op, Inner) | (Ord, Inner) | (Inner, Ord) | (Inner, Inner) | (Close, Inner) => {
            (THIN, false)
        }
        (Inner, Open) | (Punct, _) => (THIN, false),
        (Bin, _) | (_, Bin) => (MEDIUM, false),
        (Rel, Rel) | (Rel, Punct) | (Open, Rel) => (0.0, true),
        (Rel, _) | (_, Rel) => (THICK, false),
        _ => (0.0, true),
    };
    if script && !in_scripts {
        0.0
    } else {
        space
    }
}

/// Ink extent (ascent, descent) in em of a character, when the font cannot say.
fn estimated_extent(c: char) -> (f32, f32) {
    match c {
        'b' | 'd' | 'f' | 'h' | 'k' | 'l' | 't' | 'i' => (0.72, 0.0),
        'g' | 'p' | 'q' | 'y' => (0.47, 0.22),
        'j' => (0.72, 0.22),
        'a'..='z' => (0.47, 0.0),
        'A'..='Z' | '0'..='9' => (0.71, 0.0),
        'β' | 'δ' | 'ζ' | 'θ' | 'λ' | 'ξ' => (0.73, 0.2),
        'γ' | 'η' | 'μ' | 'ρ' | 'φ' | 'χ' | 'ψ' => (0.47, 0.22),
        'α'..='ω' => (0.47, 0.0),
        '(' | ')' | '[' | ']' | '{' | '}' | '|' | '‖' | '⟨' | '⟩' => (0.75, 0.25),
        '∑' | '∏' | '∐' | '⋃' | '⋂' => (0.8, 0.2),
        '∫' | '∮' | '∬' => (0.85, 0.25),
        '√' => (0.82, 0.05),
        '+' | '−' | '-' | '=' | '×' | '÷' | '±' | '<' | '>' | '≤' | '≥' | '≠' | '≈' | '→' => {
            (0.55, 0.0)
        }
        ',' | ';' => (0.1, 0.15),
        '.' | '·' => (0.1, 0.0),
        '^' | '~' | '¨' | '˙' | '´' | '`' | 'ˇ' | '˘' => (0.75, -0.5),
        ' ' => (0.0, 0.0),
        _ => (0.7, 0.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::font::FixedMetrics;

    fn set(tex: &str, display: bool) -> MathBox {
        match typeset(&FixedMetrics { advance: 0.5 }, tex, display, 10.0, Rgb::BLACK) {
            MathOutcome::Typeset(b) => b,
            MathOutcome::Source(w) => panic!("{tex}: {}", w.message),
        }
    }

    /// The baseline (y) of the run whose text is `text`.
    fn baseline_of(b: &MathBox, text: &str) -> Pt {
        b.items
            .iter()
            .find_map(|p| match &p.item {
                Item::Text(run) if run.text() == text => Some(p.y),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no run {text:?} in {b:?}"))
    }

    #[test]
    fn fraction_numerator_sits_above_the_bar_and_denominator_below() {
        let b = set(r"\frac{a}{b}", true);
        let (num, den) = (baseline_of(&b, "a"), baseline_of(&b, "b"));
        let bar = b
            .items
            .iter()
            .find_map(|p| matches!(p.item, Item::Rect { .. }).then_some(p.y))
            .expect("a fraction bar");
        assert!(num < bar && bar < den, "num {num} bar {bar} den {den}");
        // The bar is on the axis, above the baseline.
        assert!(bar < 0.0);
        assert!(b.ascent > 10.0 && b.descent > 3.0, "{} {}", b.ascent, b.descent);
    }

    #[test]
    fn superscripts_rise_smaller_and_subscripts_drop() {
        let b = set("x^2_i", false);
        assert!(baseline_of(&b, "2") < -2.0);
        assert!(baseline_of(&b, "i") > 1.0);
        let size_of = |t: &str| {
            b.items.iter().find_map(|p| match &p.item {
                Item::Text(run) if run.text() == t => Some(run.size),
                _ => None,
            })
        };
        assert_eq!(size_of("x"), Some(10.0));
        assert_eq!(size_of("2"), Some(7.0));
    }

    #[test]
    fn display_sums_take_limits_above_and_below() {
        let b = set(r"\sum_{i=1}^{n} i", true);
        let sum = baseline_of(&b, "∑");
        assert!(baseline_of(&b, "n") < sum - 8.0);
        assert!(baseline_of(&b, "i") > sum + 5.0 || baseline_of(&b, "=") > sum + 5.0);
    }

    #[test]
    fn relations_get_more_space_than_nothing() {
        let tight = set("ab", false).width;
        let spaced = set("a=b", false).width;
        // Three glyphs of 5pt plus two thick spaces (5mu each at 10pt).
        assert!(spaced > tight + 5.0 + 2.0 * 2.5, "{tight} {spaced}");
    }

    #[test]
    fn roots_draw_an_overbar_and_matrices_centre_on_the_axis() {
        let root = set(r"\sqrt{x}", false);
        assert!(root.items.iter().any(|p| matches!(p.item, Item::Rect { .. })));
        let matrix = set(r"\begin{pmatrix} 1 & 0 \\ 0 & 1 \end{pmatrix}", true);
        assert!((matrix.ascent - matrix.descent - 2.0 * 2.5).abs() < 1.0);
    }

    #[test]
    fn scaling_shrinks_everything_in_proportion() {
        let b = set(r"\frac{a}{b}", true);
        let half = b.clone().scaled(0.5);
        assert_eq!(half.width, b.width * 0.5);
        assert_eq!(baseline_of(&half, "a"), baseline_of(&b, "a") * 0.5);
    }

    #[test]
    fn unsupported_constructs_come_back_as_warnings() {
        let outcome =
            typeset(&FixedMetrics { advance: 0.5 }, r"\color{red}{x}", false, 10.0, Rgb::BLACK);
        assert!(matches!(outcome, MathOutcome::Source(_)), "{outcome:?}");
    }
}

//! Math tree → MathML presentation markup, valid for HTML5 and EPUB 3 (well-formed XML).
//!
//! Letters in a face other than italic/upright become Unicode mathematical alphanumerics
//! (`\mathbf{x}` → `𝐱`), because MathML Core renderers ignore `mathvariant` except `normal`.
//! Recursion follows the tree, whose depth the parser bounds.

use std::fmt::Write as _;

use super::tree::{ColumnAlign, MathNode, MathVariant, OperatorClass, TableKind};
use crate::writer::escape::push_escaped;

/// The MathML namespace.
pub const NAMESPACE: &str = "http://www.w3.org/1998/Math/MathML";

/// A complete `<math>` element for `tree`, with the TeX source as `alttext` and as an
/// `application/x-tex` annotation.
pub fn math_element(tree: &MathNode, tex: &str, display: bool) -> String {
    let mut out = String::with_capacity(tex.len() * 8 + 200);
    let _ = write!(out, "<math xmlns=\"{NAMESPACE}\" display=\"");
    out.push_str(if display { "block" } else { "inline" });
    out.push_str("\" alttext=\"");
    push_escaped(&mut out, &single_line(tex));
    out.push_str("\"><semantics>");
    let mut writer = Writer { out, display };
    writer.node_as_row(tree);
    let mut out = writer.out;
    out.push_str("<annotation encoding=\"application/x-tex\">");
    push_escaped(&mut out, tex.trim());
    out.push_str("</annotation></semantics></math>");
    out
}

/// Attribute values cannot carry newlines faithfully; TeX does not care.
fn single_line(tex: &str) -> String {
    tex.split_whitespace().collect::<Vec<_>>().join(" ")
}

struct Writer {
    out: String,
    display: bool,
}

impl Writer {
    /// Writes `node` as exactly one element (wrapping in `<mrow>` when needed), as the
    /// children of `mfrac`, `msub`, `semantics` … must be single elements.
    fn node_as_row(&mut self, node: &MathNode) {
        match node {
            MathNode::Row(children) if children.len() == 1 => self.node_as_row(&children[0]),
            MathNode::Row(children) => {
                self.out.push_str("<mrow>");
                self.children(children);
                self.out.push_str("</mrow>");
            }
            other => self.node(other),
        }
    }

    /// The items of a row, with TeX's thin space after a function name (`\log n`) that is not
    /// followed by a delimiter or operator (`\sin(x)`, `\log = …`).
    fn children(&mut self, children: &[MathNode]) {
        for (i, child) in children.iter().enumerate() {
            self.node(child);
            let next_is_operand = match children.get(i + 1) {
                None | Some(MathNode::Operator { .. }) | Some(MathNode::Space(_)) => false,
                Some(MathNode::Fenced { .. }) => false,
                Some(_) => true,
            };
            if next_is_operand && is_function_name(child) {
                self.out.push_str("<mspace width=\"0.1667em\"></mspace>");
            }
        }
    }

    fn node(&mut self, node: &MathNode) {
        match node {
            MathNode::Row(children) => {
                if children.is_empty() {
                    self.out.push_str("<mrow></mrow>");
                }
                self.children(children);
            }
            MathNode::Identifier { text, variant } => self.identifier(text, *variant),
            MathNode::Number(text) => self.token("mn", "", text),
            MathNode::Operator { text, class, stretchy, size } => {
                self.operator(text, *class, *stretchy, *size)
            }
            MathNode::Text(text) => {
                // Token content is trimmed by renderers; keep edge spaces as no-break spaces.
                let leading = text.len() - text.trim_start().len();
                let trailing = text.len() - text.trim_end().len();
                let mut kept = "\u{a0}".repeat(leading.min(text.len()));
                kept.push_str(text.trim());
                if !text.trim().is_empty() {
                    kept.push_str(&"\u{a0}".repeat(trailing));
                }
                self.token("mtext", "", &kept);
            }
            MathNode::Space(mu) => {
                let _ = write!(self.out, "<mspace width=\"{}em\"></mspace>", em(*mu));
            }
            MathNode::Frac { num, den, line, display } => {
                let style = match display {
                    Some(true) => Some("true"),
                    Some(false) => Some("false"),
                    None => None,
                };
                if let Some(style) = style {
                    let _ = write!(self.out, "<mstyle displaystyle=\"{style}\">");
                }
                self.out.push_str(if *line { "<mfrac>" } else { "<mfrac linethickness=\"0\">" });
                self.node_as_row(num);
                self.node_as_row(den);
                self.out.push_str("</mfrac>");
                if style.is_some() {
                    self.out.push_str("</mstyle>");
                }
            }
            MathNode::Sqrt(body) => {
                self.out.push_str("<msqrt>");
                self.node_as_row(body);
                self.out.push_str("</msqrt>");
            }
            MathNode::Root { radicand, index } => {
                self.out.push_str("<mroot>");
                self.node_as_row(radicand);
                self.node_as_row(index);
                self.out.push_str("</mroot>");
            }
            MathNode::Scripts { base, sub, sup } => {
                let tag = match (sub, sup) {
                    (Some(_), Some(_)) => "msubsup",
                    (Some(_), None) => "msub",
                    (None, _) => "msup",
                };
                self.open(tag, "");
                self.node_as_row(base);
                if let Some(sub) = sub {
                    self.node_as_row(sub);
                }
                if let Some(sup) = sup {
                    self.node_as_row(sup);
                }
                self.close(tag);
            }
            MathNode::UnderOver { base, under, over } => {
                let tag = match (under, over) {
                    (Some(_), Some(_)) => "munderover",
                    (Some(_), None) => "munder",
                    (None, _) => "mover",
                };
                self.open(tag, "");
                self.node_as_row(base);
                if let Some(under) = under {
                    self.node_as_row(under);
                }
                if let Some(over) = over {
                    self.node_as_row(over);
                }
                self.close(tag);
            }
            MathNode::Accent { base, accent, under, stretchy } => {
                let (tag, attribute) =
                    if *under { ("munder", "accentunder") } else { ("mover", "accent") };
                let _ = write!(self.out, "<{tag} {attribute}=\"true\">");
                self.node_as_row(base);
                let _ = write!(self.out, "<mo stretchy=\"{stretchy}\">");
                push_escaped(&mut self.out, &accent.to_string());
                let _ = write!(self.out, "</mo></{tag}>");
            }
            MathNode::Fenced { open, close, body } => {
                self.out.push_str("<mrow>");
                if !open.is_empty() {
                    self.fence(open, "prefix");
                }
                self.node(body);
                if !close.is_empty() {
                    self.fence(close, "postfix");
                }
                self.out.push_str("</mrow>");
            }
            MathNode::Table { rows, columns, kind } => self.table(rows, columns, *kind),
        }
    }

    fn token(&mut self, tag: &str, attributes: &str, text: &str) {
        // push_str, not write!: this runs for every token, and the format machinery was a
        // sixth of the MathML writer's time.
        self.open(tag, attributes);
        push_escaped(&mut self.out, text);
        self.close(tag);
    }

    fn open(&mut self, tag: &str, attributes: &str) {
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(attributes);
        self.out.push('>');
    }

    fn close(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
    }

    fn identifier(&mut self, text: &str, variant: MathVariant) {
        let single = text.chars().count() == 1;
        match variant {
            // A one-letter <mi> is italic by default, a longer one upright: say so only when
            // the default is wrong.
            MathVariant::Italic if single => self.token("mi", "", text),
            MathVariant::Normal if !single => self.token("mi", "", text),
            // Only letters are slanted by default; `∞` and `∂` need no attribute.
            MathVariant::Normal if !text.chars().all(char::is_alphabetic) => {
                self.token("mi", "", text)
            }
            MathVariant::Normal => self.token("mi", " mathvariant=\"normal\"", text),
            MathVariant::Italic => {
                let mapped: String = text.chars().map(|c| styled_char(c, variant)).collect();
                self.token("mi", "", &mapped)
            }
            _ => {
                let mapped: String = text.chars().map(|c| styled_char(c, variant)).collect();
                let all_mapped = mapped.chars().zip(text.chars()).all(|(m, t)| m != t);
                if all_mapped || !single {
                    self.token("mi", "", &mapped)
                } else {
                    let attribute = format!(" mathvariant=\"{}\"", variant_name(variant));
                    self.token("mi", &attribute, &mapped)
                }
            }
        }
    }

    fn operator(&mut self, text: &str, class: OperatorClass, stretchy: bool, size: u8) {
        let mut attributes = String::new();
        let is_fence = matches!(class, OperatorClass::Open | OperatorClass::Close)
            || matches!(text, "|" | "‖" | "/" | "\\");
        if size > 0 {
            let em = ["1.2em", "1.8em", "2.4em", "3em"][usize::from(size.min(4) - 1)];
            let _ = write!(attributes, " minsize=\"{em}\" maxsize=\"{em}\"");
        } else if stretchy {
            attributes.push_str(" stretchy=\"true\"");
        } else if is_fence {
            // In TeX a delimiter keeps its size unless \left/\right says otherwise.
            attributes.push_str(" stretchy=\"false\"");
        }
        match class {
            OperatorClass::Large if !self.display => attributes.push_str(" largeop=\"false\""),
            OperatorClass::Limits => attributes.push_str(" movablelimits=\"true\""),
            OperatorClass::Binary | OperatorClass::Relation if text == "mod" => {
                attributes.push_str(" lspace=\"0.2222em\" rspace=\"0.2222em\"")
            }
            OperatorClass::Ordinary if matches!(text, "|" | "‖" | "/") => {
                // Ordinary delimiters get no operator spacing (`|x|`, `a/b`).
                attributes.push_str(" lspace=\"0em\" rspace=\"0em\"");
            }
            _ => {}
        }
        self.token("mo", &attributes, text);
    }

    fn fence(&mut self, delimiter: &str, form: &str) {
        let _ = write!(self.out, "<mo fence=\"true\" form=\"{form}\" stretchy=\"true\">");
        push_escaped(&mut self.out, delimiter);
        self.out.push_str("</mo>");
    }

    fn table(&mut self, rows: &[Vec<MathNode>], columns: &[ColumnAlign], kind: TableKind) {
        let spacing = match kind {
            TableKind::Matrix => "0.8em",
            TableKind::Cases => "1em",
            TableKind::Aligned => "0em",
        };
        let display = matches!(kind, TableKind::Aligned) || self.display;
        let _ = write!(
            self.out,
            "<mtable columnspacing=\"{spacing}\" displaystyle=\"{display}\" rowspacing=\"0.3em\">"
        );
        for row in rows {
            self.out.push_str("<mtr>");
            for (i, cell) in row.iter().enumerate() {
                let align = match columns.get(i).copied().unwrap_or(ColumnAlign::Center) {
                    ColumnAlign::Left => "left",
                    ColumnAlign::Center => "center",
                    ColumnAlign::Right => "right",
                };
                // MathML Core renderers ignore `columnalign`/`columnspacing` and use CSS.
                let padding = match kind {
                    TableKind::Matrix => "0.15em 0.4em",
                    TableKind::Cases if i == 0 => "0.15em 1em 0.15em 0",
                    TableKind::Aligned if i % 2 == 1 && i + 1 < row.len() => "0.15em 1em 0.15em 0",
                    TableKind::Cases | TableKind::Aligned => "0.15em 0",
                };
                let _ = write!(
                    self.out,
                    "<mtd columnalign=\"{align}\" style=\"text-align: {align}; padding: {padding}\">"
                );
                self.node_as_row(cell);
                self.out.push_str("</mtd>");
            }
            self.out.push_str("</mtr>");
        }
        self.out.push_str("</mtable>");
    }
}

/// An upright multi-letter name (`sin`, `\operatorname{rank}`), possibly with scripts.
fn is_function_name(node: &MathNode) -> bool {
    match node {
        MathNode::Identifier { text, variant: MathVariant::Normal } => text.chars().count() > 1,
        MathNode::Scripts { base, .. } => is_function_name(base),
        _ => false,
    }
}

/// Mu (1/18 em) as an em length with at most four decimals.
fn em(mu: i32) -> String {
    let value = f64::from(mu) / 18.0;
    let text = format!("{value:.4}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn variant_name(variant: MathVariant) -> &'static str {
    match variant {
        MathVariant::Normal => "normal",
        MathVariant::Italic => "italic",
        MathVariant::Bold => "bold",
        MathVariant::BoldItalic => "bold-italic",
        MathVariant::Script => "script",
        MathVariant::DoubleStruck => "double-struck",
        MathVariant::Fraktur => "fraktur",
        MathVariant::SansSerif => "sans-serif",
        MathVariant::Monospace => "monospace",
    }
}

/// The Unicode mathematical alphanumeric for `c` in `variant` (Latin letters and digits; other
/// characters are returned unchanged).
pub fn styled_char(c: char, variant: MathVariant) -> char {
    let (upper, lower, digit): (u32, u32, Option<u32>) = match variant {
        MathVariant::Normal => return c,
        MathVariant::Italic => (0x1D434, 0x1D44E, None),
        MathVariant::Bold => (0x1D400, 0x1D41A, Some(0x1D7CE)),
        MathVariant::BoldItalic => (0x1D468, 0x1D482, Some(0x1D7CE)),
        MathVariant::Script => (0x1D49C, 0x1D4B6, None),
        MathVariant::Fraktur => (0x1D504, 0x1D51E, None),
        MathVariant::DoubleStruck => (0x1D538, 0x1D552, Some(0x1D7D8)),
        MathVariant::SansSerif => (0x1D5A0, 0x1D5BA, Some(0x1D7E2)),
        MathVariant::Monospace => (0x1D670, 0x1D68A, Some(0x1D7F6)),
    };
    // Letters that Unicode encoded earlier, in the Letterlike Symbols block, leave holes.
    let hole = match (variant, c) {
        (MathVariant::Italic, 'h') => Some('ℎ'),
        (MathVariant::Script, 'B') => Some('ℬ'),
        (MathVariant::Script, 'E') => Some('ℰ'),
        (MathVariant::Script, 'F') => Some('ℱ'),
        (MathVariant::Script, 'H') => Some('ℋ'),
        (MathVariant::Script, 'I') => Some('ℐ'),
        (MathVariant::Script, 'L') => Some('ℒ'),
        (MathVariant::Script, 'M') => Some('ℳ'),
        (MathVariant::Script, 'R') => Some('ℛ'),
        (MathVariant::Script, 'e') => Some('ℯ'),
        (MathVariant::Script, 'g') => Some('ℊ'),
        (MathVariant::Script, 'o') => Some('ℴ'),
        (MathVariant::Fraktur, 'C') => Some('ℭ'),
        (MathVariant::Fraktur, 'H') => Some('ℌ'),
        (MathVariant::Fraktur, 'I') => Some('ℑ'),
        (MathVariant::Fraktur, 'R') => Some('ℜ'),
        (MathVariant::Fraktur, 'Z') => Some('ℨ'),
        (MathVariant::DoubleStruck, 'C') => Some('ℂ'),
        (MathVariant::DoubleStruck, 'H') => Some('ℍ'),
        (MathVariant::DoubleStruck, 'N') => Some('ℕ'),
        (MathVariant::DoubleStruck, 'P') => Some('ℙ'),
        (MathVariant::DoubleStruck, 'Q') => Some('ℚ'),
        (MathVariant::DoubleStruck, 'R') => Some('ℝ'),
        (MathVariant::DoubleStruck, 'Z') => Some('ℤ'),
        _ => None,
    };
    if let Some(hole) = hole {
        return hole;
    }
    let code = match c {
        'A'..='Z' => upper + (c as u32 - 'A' as u32),
        'a'..='z' => lower + (c as u32 - 'a' as u32),
        '0'..='9' => match digit {
            Some(base) => base + (c as u32 - '0' as u32),
            None => return c,
        },
        _ => return c,
    };
    char::from_u32(code).unwrap_or(c)
}

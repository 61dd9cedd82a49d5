//! The `--explain` report: the encoding and layout findings, then one line per top-level block
//! with its input lines, its kind and the rule that decided it.

use super::blocks::{PieceKind, Structure};
use super::encoding::Decoded;
use super::lines::Layout;
use std::fmt::Write;

/// Formats the report.
pub fn describe(decoded: &Decoded, layout: &Layout, structure: &Structure) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "encoding    {} ({})", decoded.encoding, decoded.reason);
    let _ = match layout.wrap_width {
        Some(width) => writeln!(
            out,
            "layout      hard-wrapped at {width} columns: line breaks are joined unless the next word would have fit"
        ),
        None => writeln!(
            out,
            "layout      not hard-wrapped: line breaks are the author's and are kept"
        ),
    };
    if layout.base_indent > 0 {
        let _ = writeln!(out, "indent      text is indented {} columns", layout.base_indent);
    }
    if !structure.authors.is_empty() {
        let _ = writeln!(out, "authors     {}", structure.authors.join("; "));
    }
    for piece in &structure.pieces {
        let lines = if piece.first == piece.last {
            format!("line {}", piece.first)
        } else {
            format!("line {}-{}", piece.first, piece.last)
        };
        let kind = match &piece.kind {
            PieceKind::Title(_) => "title".to_string(),
            PieceKind::Subtitle(_) => "subtitle".to_string(),
            PieceKind::Heading { level, .. } => format!("heading {level}"),
            PieceKind::Candidate { .. } | PieceKind::Paragraph(_) => "paragraph".to_string(),
            PieceKind::Quote(_) => "quote".to_string(),
            PieceKind::Preformatted(_) => "preformatted".to_string(),
            PieceKind::List(_) => "list".to_string(),
            PieceKind::ThematicBreak => "break".to_string(),
            PieceKind::PageBreak => "page break".to_string(),
        };
        let _ = writeln!(out, "{lines:<11} {kind:<12} rule: {}", piece.rule);
    }
    if structure.pieces.is_empty() {
        let _ = writeln!(out, "(no text)");
    }
    out
}

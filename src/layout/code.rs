//! Code blocks: the source split into lines of coloured spans. This is the hook syntax
//! highlighting plugs into ([`code_spans`]); for now every span is plain.

use super::frame::Rgb;

/// One coloured piece of a code line.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeSpan {
    /// The text (no newline).
    pub text: String,
    /// Its colour.
    pub color: Rgb,
    /// Bold (keywords in some themes).
    pub bold: bool,
}

/// The lines of a code block as styled spans. `info` is the fence's info string and `theme`
/// the highlighting theme (`None`: plain).
pub fn code_spans(code: &str, info: &str, theme: Option<&str>, plain: Rgb) -> Vec<Vec<CodeSpan>> {
    let _ = (info, theme);
    let code = code.strip_suffix('\n').unwrap_or(code);
    code.split('\n')
        .map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                Vec::new()
            } else {
                vec![CodeSpan { text: line.to_string(), color: plain, bold: false }]
            }
        })
        .collect()
}

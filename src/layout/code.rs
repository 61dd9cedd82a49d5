//! Code blocks: the source split into lines of coloured spans, highlighted through
//! [`crate::highlight`] when a theme is chosen and the language is known.
//!
//! Print wants a light page: code sits on the layout's own light shading, so a dark theme
//! (light text meant for a dark background) is replaced by the default light theme rather than
//! printing pale text or large dark blocks.

use super::frame::Rgb;
use crate::highlight;

/// One coloured piece of a code line.
#[derive(Debug, Clone, PartialEq)]
pub struct CodeSpan {
    /// The text (no newline).
    pub text: String,
    /// Its colour.
    pub color: Rgb,
    /// Bold (keywords in some themes).
    pub bold: bool,
    /// Italic (comments in some themes).
    pub italic: bool,
}

/// The lines of a code block as styled spans. `info` is the fence's info string and `theme`
/// the highlighting theme (`None`, an unknown theme or an unknown language: plain, in `plain`).
/// Unknown theme names are reported before layout (see the PDF writer), so here they fall back.
pub fn code_spans(code: &str, info: &str, theme: Option<&str>, plain: Rgb) -> Vec<Vec<CodeSpan>> {
    let code = code.strip_suffix('\n').unwrap_or(code);
    if let Some(lines) = theme.and_then(|name| highlighted(code, info, name)) {
        return lines;
    }
    code.split('\n')
        .map(|line| {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                Vec::new()
            } else {
                vec![CodeSpan { text: line.to_string(), color: plain, bold: false, italic: false }]
            }
        })
        .collect()
}

/// The highlighted lines, or `None` when the theme or language is unknown.
fn highlighted(code: &str, info: &str, theme_name: &str) -> Option<Vec<Vec<CodeSpan>>> {
    let mut theme = highlight::theme(theme_name).ok()?;
    if theme.dark {
        theme = highlight::theme("default").ok()?;
    }
    let lines = highlight::highlight(code, info, theme)?;
    Some(
        lines
            .into_iter()
            .map(|spans| {
                spans
                    .into_iter()
                    .filter_map(|span| {
                        let text = span.text.trim_end_matches(['\n', '\r']).to_string();
                        (!text.is_empty()).then(|| CodeSpan {
                            text,
                            color: rgb(span.style.color),
                            bold: span.style.bold,
                            italic: span.style.italic,
                        })
                    })
                    .collect()
            })
            .collect(),
    )
}

fn rgb(color: highlight::Rgb) -> Rgb {
    Rgb(f32::from(color.r) / 255.0, f32::from(color.g) / 255.0, f32::from(color.b) / 255.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GREY: Rgb = Rgb(0.1, 0.1, 0.1);

    #[test]
    fn without_a_theme_or_a_known_language_code_stays_plain() {
        let plain = code_spans("fn main() {}\n\nx\n", "rust", None, GREY);
        assert_eq!(plain.len(), 3);
        assert!(plain[1].is_empty());
        assert_eq!(plain[0][0].text, "fn main() {}");
        let unknown = code_spans("blorp zib\n", "no-such-language", Some("default"), GREY);
        assert_eq!(
            unknown,
            vec![vec![CodeSpan {
                text: "blorp zib".into(),
                color: GREY,
                bold: false,
                italic: false
            }]]
        );
    }

    #[cfg(feature = "highlight")]
    #[test]
    fn known_languages_get_the_theme_colours_and_keep_their_text() {
        let code = "fn main() {\n    let x = 42; // answer\n}\n";
        let lines = code_spans(code, "rust", Some("default"), GREY);
        assert_eq!(lines.len(), 3);
        let text: Vec<String> =
            lines.iter().map(|l| l.iter().map(|s| s.text.as_str()).collect()).collect();
        assert_eq!(text.join("\n") + "\n", code);
        let colours: std::collections::HashSet<String> =
            lines.iter().flatten().map(|s| format!("{:?}", s.color)).collect();
        assert!(colours.len() >= 3, "{colours:?}");
        // A dark theme is swapped for the light default: the same colours.
        assert_eq!(code_spans(code, "rust", Some("mocha-dark"), GREY), lines);
    }
}

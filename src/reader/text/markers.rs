//! List markers of plain text (`-`, `•`, `1.`, `a)`, `(iv)` …) and the numbering they carry:
//! decimal, letters, roman numerals. Deciding what makes a list is `blocks.rs`' job.

use crate::model::NumberStyle;

/// How a numbering style is shown in `--explain`.
pub(super) fn style_name(style: NumberStyle) -> &'static str {
    match style {
        NumberStyle::Decimal => "1, 2, 3",
        NumberStyle::LowerAlpha => "a, b, c",
        NumberStyle::UpperAlpha => "A, B, C",
        NumberStyle::LowerRoman => "i, ii, iii",
        NumberStyle::UpperRoman => "I, II, III",
    }
}

/// A list marker: `-`, `*`, `+`, `•` …, or `1.`, `1)`, `(1)`, `a)`, `iv.` … followed by white
/// space and text.
#[derive(Debug, Clone, Copy)]
pub(super) struct Marker<'a> {
    pub(super) ordered: Option<OrderedMarker<'a>>,
    /// Byte offset of the item's text in the line's text.
    pub(super) content_start: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct OrderedMarker<'a> {
    pub(super) token: &'a str,
    pub(super) delimiter: Delimiter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Delimiter {
    Period,
    Paren,
    Enclosed,
}

pub(super) const BULLETS: &[char] =
    &['-', '*', '+', '•', '◦', '‣', '▪', '▸', '►', '–', '·', '●', '○'];

pub(super) fn parse_marker(text: &str) -> Option<Marker<'_>> {
    let first = text.chars().next()?;
    let (ordered, marker_end) = if BULLETS.contains(&first) {
        (None, first.len_utf8())
    } else {
        let enclosed = first == '(';
        let body = if enclosed { &text[1..] } else { text };
        let token_length = body.find(|c: char| !c.is_ascii_alphanumeric()).unwrap_or(body.len());
        if token_length == 0 || token_length > 9 {
            return None;
        }
        let token = &body[..token_length];
        let delimiter = match (enclosed, body[token_length..].chars().next()) {
            (true, Some(')')) => Delimiter::Enclosed,
            (false, Some(')')) => Delimiter::Paren,
            (false, Some('.')) => Delimiter::Period,
            _ => return None,
        };
        start_style(token)?;
        (Some(OrderedMarker { token, delimiter }), usize::from(enclosed) + token_length + 1)
    };
    let rest = &text[marker_end..];
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let content = rest.trim_start();
    if content.is_empty() {
        return None;
    }
    Some(Marker { ordered, content_start: text.len() - content.len() })
}

/// The numbering style and value a list starting with `token` has.
pub(super) fn start_style(token: &str) -> Option<(NumberStyle, u64)> {
    if token.chars().all(|c| c.is_ascii_digit()) {
        return token.parse().ok().map(|value| (NumberStyle::Decimal, value));
    }
    let mut chars = token.chars();
    let (Some(c), None) = (chars.next(), chars.next()) else {
        // Several letters: only a roman numeral.
        if token.chars().all(|c| c.is_ascii_lowercase()) {
            return roman_value(token).map(|v| (NumberStyle::LowerRoman, v));
        }
        if token.chars().all(|c| c.is_ascii_uppercase()) {
            return roman_value(&token.to_ascii_lowercase()).map(|v| (NumberStyle::UpperRoman, v));
        }
        return None;
    };
    match c {
        'i' => Some((NumberStyle::LowerRoman, 1)),
        'I' => Some((NumberStyle::UpperRoman, 1)),
        'a'..='z' => Some((NumberStyle::LowerAlpha, u64::from(c) - u64::from('a') + 1)),
        'A'..='Z' => Some((NumberStyle::UpperAlpha, u64::from(c) - u64::from('A') + 1)),
        _ => None,
    }
}

/// The value of `token` read in `style`.
pub(super) fn value_in(style: NumberStyle, token: &str) -> Option<u64> {
    let single = |range: std::ops::RangeInclusive<char>| {
        let mut chars = token.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) if range.contains(&c) => {
                Some(u64::from(c) - u64::from(*range.start()) + 1)
            }
            _ => None,
        }
    };
    match style {
        NumberStyle::Decimal => {
            token.chars().all(|c| c.is_ascii_digit()).then(|| token.parse().ok()).flatten()
        }
        NumberStyle::LowerAlpha => single('a'..='z'),
        NumberStyle::UpperAlpha => single('A'..='Z'),
        NumberStyle::LowerRoman => {
            token.chars().all(|c| c.is_ascii_lowercase()).then(|| roman_value(token)).flatten()
        }
        NumberStyle::UpperRoman => token
            .chars()
            .all(|c| c.is_ascii_uppercase())
            .then(|| roman_value(&token.to_ascii_lowercase()))
            .flatten(),
    }
}

/// The value of a canonical lower-case roman numeral (1–3999).
pub(super) fn roman_value(token: &str) -> Option<u64> {
    if token.is_empty() || token.len() > 15 {
        return None;
    }
    let digit = |c: char| match c {
        'i' => Some(1),
        'v' => Some(5),
        'x' => Some(10),
        'l' => Some(50),
        'c' => Some(100),
        'd' => Some(500),
        'm' => Some(1000),
        _ => None,
    };
    let values: Vec<u64> = token.chars().map(digit).collect::<Option<_>>()?;
    let mut total = 0;
    for (index, &value) in values.iter().enumerate() {
        if values.get(index + 1).is_some_and(|&next| next > value) {
            total -= value as i64;
        } else {
            total += value as i64;
        }
    }
    let total = u64::try_from(total).ok().filter(|&t| (1..4000).contains(&t))?;
    (crate::model::numbering::roman(total) == token).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers() {
        assert!(parse_marker("- item").is_some());
        assert!(parse_marker("-item").is_none());
        assert!(parse_marker("1. one").is_some());
        assert!(parse_marker("(iv) four").is_some());
        assert!(parse_marker("a) first").is_some());
        assert!(parse_marker("3.5 million").is_none());
        assert!(parse_marker("Hello. World").is_none());
        assert!(parse_marker("- ").is_none());
    }

    #[test]
    fn roman_numerals() {
        assert_eq!(roman_value("iv"), Some(4));
        assert_eq!(roman_value("mcmxc"), Some(1990));
        assert_eq!(roman_value("iiii"), None);
        assert_eq!(roman_value("ic"), None);
    }
}

//! Recognising titles and headings in plain text: the line tests of the title rule, the
//! heading styles (keyword and decimal numbering, `#`, capitals, title and sentence case) and
//! their descriptions. Where a heading may stand and which level it gets is `blocks.rs`' job.

use super::blocks::{collapse_spaces, is_rule_line, normalize_for_compare, word_count};
use super::markers::{parse_marker, roman_value};

/// How a heading was recognised; every style maps to one level per document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HeadingStyle {
    /// `Part II`, `Book One` (rank 0), `Chapter 4` (rank 1), `Section 3` (rank 2), `Appendix A`
    /// (rank 3: a chapter's peer when chapters are used, else a top-level section's).
    Keyword(u8),
    /// A line underlined (and maybe overlined) with a repeated character.
    Underline {
        /// The underline character.
        mark: char,
        /// Also overlined.
        overline: bool,
    },
    /// `3.2 Results`: the depth is the number of components.
    Numbered(u8),
    /// `## Results`: the depth is the number of `#`.
    Hashes(u8),
    /// `RESULTS`
    AllCaps,
    /// `Results And Discussion`
    TitleCase,
    /// `How to store potatoes`: only before a paragraph of two sentences or 20 words.
    SentenceCase,
}

impl HeadingStyle {
    pub(super) fn describe(self) -> String {
        match self {
            HeadingStyle::Keyword(_) => "numbered with a keyword (Part/Chapter/Section …)".into(),
            HeadingStyle::Underline { mark, overline: false } => format!("underlined with {mark}"),
            HeadingStyle::Underline { mark, overline: true } => {
                format!("over- and underlined with {mark}")
            }
            HeadingStyle::Numbered(depth) => format!("numbered, depth {depth}"),
            HeadingStyle::Hashes(depth) => format!("marked with {} #", depth),
            HeadingStyle::AllCaps => "short line in capitals, standing alone".into(),
            HeadingStyle::TitleCase => "short title-case line, standing alone".into(),
            HeadingStyle::SentenceCase => {
                "short line (2-6 words, no punctuation) before a longer paragraph".into()
            }
        }
    }
}

/// The title rule's line test: at most 120 characters and 20 words, with a letter, not ending
/// in `. , ; :`, a single sentence, not a list item, rule, link or numbered heading.
pub(super) fn is_title_like(text: &str) -> bool {
    if text.chars().count() > 120 || word_count(text) > 20 || !text.chars().any(char::is_alphabetic)
    {
        return false;
    }
    if text.ends_with(['.', ',', ';', ':']) || text.contains("://") || text.contains('@') {
        return false;
    }
    if is_rule_line(text) || parse_marker(text).is_some() {
        return false;
    }
    if SECTION_NAMES.contains(&normalize_for_compare(text).as_str()) {
        return false;
    }
    if matches!(heading_style(text), Some(HeadingStyle::Keyword(_) | HeadingStyle::Numbered(_))) {
        return false;
    }
    // Two sentences ("Hello. This is me") are text, not a title.
    !has_two_sentences(text)
}

/// Menu words of web pages, left at the top of scraped articles.
pub(super) const NAVIGATION: &[&str] = &[
    "skip to content",
    "skip to main content",
    "skip to navigation",
    "menu",
    "main menu",
    "home",
    "search",
    "navigation",
    "toggle navigation",
    "open menu",
    "close menu",
    "sign in",
    "log in",
    "subscribe",
];

/// First lines that name a section, not the document.
const SECTION_NAMES: &[&str] = &[
    "introduction",
    "overview",
    "summary",
    "abstract",
    "preface",
    "foreword",
    "prologue",
    "contents",
    "table of contents",
    "background",
    "notes",
    "readme",
    "changelog",
    "changes",
];

/// Abbreviations whose period does not end a sentence.
const ABBREVIATIONS: &[&str] =
    &["mr", "mrs", "ms", "dr", "st", "jr", "sr", "prof", "vs", "no", "vol", "mt"];

/// True when a `.`, `!` or `?` followed by a space and a capital ends a sentence inside the
/// text; initials (`A. N. Author`) and abbreviations (`Dr. No`) do not.
pub(super) fn has_two_sentences(text: &str) -> bool {
    let mut word_start = 0;
    for (index, c) in text.char_indices() {
        if c == ' ' {
            word_start = index + 1;
            continue;
        }
        if !matches!(c, '.' | '!' | '?') {
            continue;
        }
        let rest = &text[index + 1..];
        if !(rest.starts_with(' ') && rest.trim_start().starts_with(char::is_uppercase)) {
            continue;
        }
        let word = &text[word_start..index];
        let initial = c == '.' && word.chars().count() == 1;
        let abbreviation = c == '.' && ABBREVIATIONS.contains(&word.to_lowercase().as_str());
        if !initial && !abbreviation {
            return true;
        }
    }
    false
}

/// `Title: The Keeper`, `Release date: May 1`: a label of 1–3 words, a colon, a value.
pub(super) fn field(text: &str) -> Option<(&str, &str)> {
    let (label, value) = text.split_once(": ")?;
    let label_ok = label.split_whitespace().count() <= 3
        && label.starts_with(char::is_uppercase)
        && label.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-');
    (label_ok && !value.trim().is_empty()).then_some((label, value.trim()))
}

/// Small words left lower-case in title case.
pub(super) const SMALL_WORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "but", "by", "de", "del", "der", "des", "du", "en", "et", "for",
    "from", "in", "into", "la", "le", "nor", "of", "on", "onto", "or", "over", "per", "so", "than",
    "the", "to", "up", "upon", "van", "via", "von", "vs", "with", "yet", "is", "are", "be", "it",
    "its", "vs.", "y",
];

const KEYWORDS_PART: &[&str] = &["part", "book", "volume"];
const KEYWORDS_CHAPTER: &[&str] = &["chapter", "act", "lesson", "unit"];
const KEYWORDS_SECTION: &[&str] = &["section", "scene", "canto", "article"];
const NUMBER_WORDS: &[&str] = &[
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
    "twenty",
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "last",
    "final",
];

/// How a short line standing alone would be a heading, if at all.
pub(super) fn heading_style(text: &str) -> Option<HeadingStyle> {
    let length = text.chars().count();
    if length > 100 || word_count(text) > 14 || !text.chars().any(char::is_alphabetic) {
        return None;
    }
    if text.contains("://") || text.contains('@') || is_rule_line(text) {
        return None;
    }
    if let Some(style) = keyword_heading(text) {
        return Some(style);
    }
    if let Some(depth) = hash_heading(text) {
        return Some(HeadingStyle::Hashes(depth));
    }
    if text.ends_with(['.', ',', ';', ':'])
        || text.starts_with(['"', '“', '‘', '\'', '(', '[', '*', '-'])
    {
        return None;
    }
    if let Some(depth) = numbered_heading(text) {
        return Some(HeadingStyle::Numbered(depth));
    }
    if length > 80 {
        return None;
    }
    if field(text).is_some() {
        return None;
    }
    let letters = text.chars().filter(|c| c.is_alphabetic()).count();
    if letters >= 3 && !text.chars().any(char::is_lowercase) {
        return Some(HeadingStyle::AllCaps);
    }
    if is_title_case(text) {
        return Some(HeadingStyle::TitleCase);
    }
    let sentence_case = (2..=6).contains(&word_count(text))
        && length <= 50
        && text.starts_with(char::is_uppercase)
        && !text.contains([',', ';', ':', '.', '!'])
        && !text.chars().any(|c| c.is_ascii_digit());
    sentence_case.then_some(HeadingStyle::SentenceCase)
}

fn keyword_heading(text: &str) -> Option<HeadingStyle> {
    let mut words = text.split_whitespace();
    let keyword = words.next()?;
    if !keyword.starts_with(|c: char| c.is_uppercase()) {
        return None;
    }
    let lower = keyword.to_lowercase();
    let rank = if KEYWORDS_PART.contains(&lower.as_str()) {
        0
    } else if KEYWORDS_CHAPTER.contains(&lower.as_str()) {
        1
    } else if KEYWORDS_SECTION.contains(&lower.as_str()) {
        2
    } else if lower == "appendix" {
        3
    } else {
        return None;
    };
    let number = words.next()?.trim_end_matches(['.', ':', ',']);
    let number_lower = number.to_lowercase();
    let is_number =
        number.chars().all(|c| c.is_ascii_digit()) && !number.is_empty() && number.len() <= 4
            || roman_value(&number_lower).is_some()
            || NUMBER_WORDS.contains(&number_lower.as_str())
            || (rank == 3
                && number.chars().count() == 1
                && number.chars().all(|c| c.is_ascii_uppercase()));
    if !is_number {
        return None;
    }
    // "Chapter 4 was the best" is a sentence; a title after the number needs a separator.
    let after_number = text.split_whitespace().skip(2).collect::<Vec<_>>();
    let separated = text.split_whitespace().nth(1).is_some_and(|n| n.ends_with(['.', ':']))
        || after_number.first().is_some_and(|w| matches!(*w, "-" | "–" | "—" | ":"));
    if !after_number.is_empty() && !separated {
        return None;
    }
    if after_number.len() > 12 || text.ends_with([',', ';']) {
        return None;
    }
    Some(HeadingStyle::Keyword(rank))
}

/// A heading's text: `## Results ##` loses its hashes, runs of spaces collapse.
pub(super) fn heading_text(style: HeadingStyle, text: &str) -> String {
    match style {
        HeadingStyle::Hashes(_) => {
            let inner = text.trim_start_matches('#').trim();
            let closed = inner.trim_end_matches('#');
            // `## C#` keeps its hash: only a closing run after a space is decoration.
            collapse_spaces(if closed.ends_with(' ') { closed.trim_end() } else { inner })
        }
        _ => collapse_spaces(text),
    }
}

/// `## Results`: 1–6 `#` and a space, then text (the Markdown habit many notes follow).
fn hash_heading(text: &str) -> Option<u8> {
    let hashes = text.chars().take_while(|&c| c == '#').count();
    let rest = &text[hashes..];
    let ok = (1..=6).contains(&hashes)
        && rest.starts_with(' ')
        && rest.trim().chars().any(char::is_alphanumeric)
        && !rest.trim_end().ends_with([',', ';']);
    ok.then_some(hashes as u8)
}

/// `2.3 Results` or `IV. RESULTS`: the number's depth, when the rest looks like a heading.
fn numbered_heading(text: &str) -> Option<u8> {
    let (number, rest) = text.split_once(' ')?;
    let rest = rest.trim_start();
    if !rest.starts_with(|c: char| c.is_uppercase())
        || word_count(rest) > 12
        || text.ends_with(['!', '?']) && word_count(rest) > 8
    {
        return None;
    }
    let trimmed = number.strip_suffix('.').unwrap_or(number);
    let components: Vec<&str> = trimmed.split('.').collect();
    let arabic = components
        .iter()
        .all(|c| !c.is_empty() && c.len() <= 3 && c.chars().all(|d| d.is_ascii_digit()));
    if arabic {
        return u8::try_from(components.len().min(6)).ok();
    }
    let upper_roman = number.ends_with('.')
        && components.len() == 1
        && trimmed.chars().all(|c| c.is_ascii_uppercase())
        && roman_value(&trimmed.to_lowercase()).is_some();
    upper_roman.then_some(1)
}

fn is_title_case(text: &str) -> bool {
    let mut any = false;
    for (position, word) in text.split_whitespace().enumerate() {
        let core = word.trim_matches(|c: char| !c.is_alphanumeric());
        let Some(first) = core.chars().next() else { continue };
        any = true;
        if first.is_lowercase() {
            let small = SMALL_WORDS.contains(&core.to_lowercase().as_str());
            if position == 0 || !small {
                return false;
            }
        }
    }
    any && text.chars().find(|c| c.is_alphabetic()).is_some_and(char::is_uppercase)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heading_styles() {
        assert_eq!(heading_style("CHAPTER IV."), Some(HeadingStyle::Keyword(1)));
        assert_eq!(heading_style("Chapter 4: The Storm"), Some(HeadingStyle::Keyword(1)));
        assert_eq!(heading_style("Chapter 4 was the best"), None);
        assert_eq!(heading_style("Part One"), Some(HeadingStyle::Keyword(0)));
        assert_eq!(heading_style("2.3 Data collection"), Some(HeadingStyle::Numbered(2)));
        assert_eq!(heading_style("IV. RESULTS"), Some(HeadingStyle::Numbered(1)));
        assert_eq!(heading_style("INTRODUCTION"), Some(HeadingStyle::AllCaps));
        assert_eq!(heading_style("The Art of War"), Some(HeadingStyle::TitleCase));
        assert_eq!(heading_style("The art of war"), Some(HeadingStyle::SentenceCase));
        assert_eq!(heading_style("the art of war"), None);
        assert_eq!(heading_style("A line with far too many words to be a heading"), None);
        assert_eq!(heading_style("Release date: May 1"), None);
        assert_eq!(heading_style("## Results ##"), Some(HeadingStyle::Hashes(2)));
        assert_eq!(heading_style("Done."), None);
        assert_eq!(heading_style("“Quoted Words”"), None);
    }

    #[test]
    fn titles() {
        assert!(is_title_like("How Do You Massage Your Breasts To Induce Lactation?"));
        assert!(!is_title_like("This is a sentence."));
        assert!(!is_title_like("Hi there. This is me"));
        assert!(!is_title_like("1. Introduction"));
        assert!(!is_title_like("Introduction"));
        assert!(is_title_like("The Keeper, by A. N. Author"));
        assert!(is_title_like("Dr. Jekyll and Mr. Hyde"));
    }
}

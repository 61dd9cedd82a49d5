//! Inline content of plain text: bare URLs and e-mail addresses become links, straight ASCII
//! punctuation becomes typographic (when `smart` is on), and the reader's line-join markers
//! become soft and hard breaks. Works in one left-to-right pass over each paragraph.

use crate::model::{Inline, Link};

/// Marks a soft line break (a wrapped line) in assembled paragraph text.
pub const SOFT_BREAK: char = '\n';
/// Marks a kept line break (verse, addresses) in assembled paragraph text. U+2028 LINE
/// SEPARATOR means exactly that when it appears in the input, too.
pub const HARD_BREAK: char = '\u{2028}';

/// Turns assembled paragraph text into inlines.
pub fn inlines(text: &str, smart: bool) -> Vec<Inline> {
    let mut builder = Builder { smart, out: Vec::new(), text: String::new(), open_double: false };
    let spans = link_spans(text);
    let mut position = 0;
    for span in spans {
        builder.push_emphasized(text, position, span.start);
        builder.flush();
        builder.out.push(Inline::Link(Box::new(Link {
            url: span.url,
            title: String::new(),
            content: vec![Inline::Text(text[span.start..span.end].to_string().into())],
        })));
        position = span.end;
    }
    builder.push_emphasized(text, position, text.len());
    builder.flush();
    builder.out
}

/// Applies the smart-punctuation rules to a whole string (used for the title); line breaks in
/// it become spaces.
pub fn smart_text(text: &str) -> String {
    let flat: String =
        text.chars().map(|c| if c == SOFT_BREAK || c == HARD_BREAK { ' ' } else { c }).collect();
    let mut builder =
        Builder { smart: true, out: Vec::new(), text: String::new(), open_double: false };
    builder.push_text(&flat, 0, flat.len());
    builder.text
}

struct Builder {
    smart: bool,
    out: Vec<Inline>,
    text: String,
    /// An opening double quote is waiting for its closing one.
    open_double: bool,
}

impl Builder {
    /// Appends `source[start..end]`, turning `_text_` into emphasis and `*text*` into strong
    /// emphasis.
    fn push_emphasized(&mut self, source: &str, start: usize, end: usize) {
        let mut position = start;
        for span in emphasis_spans(source, start, end) {
            self.push_text(source, position, span.open);
            self.flush();
            let mut inner = Builder {
                smart: self.smart,
                out: Vec::new(),
                text: String::new(),
                open_double: self.open_double,
            };
            inner.push_text(source, span.open + 1, span.close);
            inner.flush();
            self.open_double = inner.open_double;
            self.out.push(if span.strong {
                Inline::Strong(inner.out.into())
            } else {
                Inline::Emph(inner.out.into())
            });
            position = span.close + 1;
        }
        self.push_text(source, position, end);
    }

    fn flush(&mut self) {
        if !self.text.is_empty() {
            // Copied rather than moved: short text then lives in place and the buffer is reused.
            self.out.push(Inline::Text(self.text.as_str().into()));
            self.text.clear();
        }
    }

    /// Appends `source[start..end]`, looking at the characters around it for context.
    fn push_text(&mut self, source: &str, start: usize, end: usize) {
        let segment = &source[start..end];
        let mut previous = source[..start].chars().next_back();
        let mut chars = segment.char_indices().peekable();
        while let Some((index, c)) = chars.next() {
            let next = segment[index + c.len_utf8()..]
                .chars()
                .next()
                .or_else(|| source[end..].chars().next());
            match c {
                SOFT_BREAK | HARD_BREAK => {
                    self.flush();
                    self.out.push(if c == SOFT_BREAK {
                        Inline::SoftBreak
                    } else {
                        Inline::HardBreak
                    });
                }
                '"' if self.smart => {
                    let quote = self.double_quote(previous, next);
                    self.text.push(quote);
                }
                '\'' if self.smart => {
                    self.text.push(single_quote(previous, next, &segment[index + 1..]))
                }
                '.' if self.smart
                    && segment[index..].starts_with("...")
                    && previous != Some('.')
                    && !segment[index..].starts_with("....") =>
                {
                    self.text.push('…');
                    chars.next();
                    chars.next();
                }
                '-' if self.smart => {
                    let rest = &segment[index..];
                    let run = rest.chars().take_while(|&c| c == '-').count();
                    let after_run = rest[run.min(rest.len())..].chars().next();
                    // `--verbose` is a command-line option, not a dash.
                    let option_flag = previous.is_none_or(char::is_whitespace)
                        && after_run.is_some_and(char::is_alphanumeric);
                    if option_flag && run >= 2 {
                        for _ in 0..run {
                            self.text.push('-');
                        }
                        for _ in 1..run {
                            chars.next();
                        }
                        previous = Some('-');
                        continue;
                    }
                    if rest.starts_with("---") && !rest.starts_with("----") && previous != Some('-')
                    {
                        self.text.push('—');
                        chars.next();
                        chars.next();
                    } else if rest.starts_with("--")
                        && !rest.starts_with("---")
                        && previous != Some('-')
                    {
                        let after =
                            rest[2..].chars().next().or_else(|| source[end..].chars().next());
                        let between_digits = previous.is_some_and(|p| p.is_ascii_digit())
                            && after.is_some_and(|a| a.is_ascii_digit());
                        self.text.push(if between_digits { '–' } else { '—' });
                        chars.next();
                    } else if previous == Some(' ')
                        && next.is_some_and(char::is_whitespace)
                        && !rest.starts_with("--")
                        && self.text.chars().rev().nth(1).is_some_and(|c| {
                            c.is_alphanumeric() || matches!(c, ',' | '.' | ')' | '”' | '’')
                        })
                    {
                        // "word - word": a spaced hyphen is a dash.
                        self.text.push('–');
                    } else {
                        self.text.push('-');
                    }
                }
                _ => self.text.push(c),
            }
            previous = Some(c);
        }
    }

    fn double_quote(&mut self, previous: Option<char>, next: Option<char>) -> char {
        let next_is_text = next.is_some_and(|n| !n.is_whitespace() && n != HARD_BREAK);
        if opens(previous) && next_is_text {
            self.open_double = true;
            '“'
        } else if self.open_double {
            self.open_double = false;
            '”'
        } else if previous.is_some_and(|p| p.is_ascii_digit()) {
            // 5'10" – inches, not a quote.
            '"'
        } else if opens(previous) {
            // A quote standing alone between spaces: nothing tells which way it faces.
            '"'
        } else {
            '”'
        }
    }
}

/// An emphasis span: the byte offsets of its opening and closing delimiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct EmphasisSpan {
    open: usize,
    close: usize,
    strong: bool,
}

/// The longest emphasis span, in characters: a stray delimiter must not swallow a paragraph.
const MAX_EMPHASIS_CHARS: usize = 200;

/// Finds `_…_` and `*…*` pairs in `source[start..end]`: the opening delimiter follows white
/// space or an opening bracket or quote and precedes text; the closing one follows text and
/// precedes white space or punctuation. `snake_case`, `__init__` and `5 * 3` are left alone.
fn emphasis_spans(source: &str, start: usize, end: usize) -> Vec<EmphasisSpan> {
    let mut spans = Vec::new();
    // Pending opener per delimiter: (byte offset, character count at it).
    let mut pending: [Option<(usize, usize)>; 2] = [None, None];
    let segment = &source[start..end];
    let mut previous = source[..start].chars().next_back();
    for (count, (index, c)) in segment.char_indices().enumerate() {
        let slot = match c {
            '_' => 0,
            '*' => 1,
            _ => {
                previous = Some(c);
                continue;
            }
        };
        let next = segment[index + 1..].chars().next();
        let at = start + index;
        let closes = previous.is_some_and(|p| !p.is_whitespace() && p != c && p != HARD_BREAK)
            && next.is_none_or(|n| !n.is_alphanumeric() && n != c);
        let opens = previous.is_none_or(|p| {
            p.is_whitespace() || matches!(p, '(' | '[' | '"' | '“' | '‘' | '\'' | '—' | '–')
        }) && next.is_some_and(|n| !n.is_whitespace() && n != c && n != HARD_BREAK);
        match pending[slot] {
            Some((open, open_count)) if closes && count - open_count <= MAX_EMPHASIS_CHARS => {
                spans.push(EmphasisSpan { open, close: at, strong: slot == 1 });
                pending = [None, None];
            }
            _ if opens => pending[slot] = Some((at, count)),
            _ => {}
        }
        previous = Some(c);
    }
    spans
}

/// True when a quote after `previous` opens: at the start, after white space, an opening
/// bracket, a dash or another opening quote.
fn opens(previous: Option<char>) -> bool {
    previous.is_none_or(|p| {
        p.is_whitespace()
            || matches!(p, '(' | '[' | '{' | '<' | '“' | '‘' | '—' | '–' | '-' | '/' | '_' | '*')
    })
}

/// Words that start with an apostrophe standing for left-out letters.
const ELISIONS: &[&str] = &["tis", "twas", "em", "n", "cause", "til", "bout", "round", "ere"];

fn single_quote(previous: Option<char>, next: Option<char>, after: &str) -> char {
    match previous {
        // Feet: 5' or 5'10".
        Some(p) if p.is_ascii_digit() && !next.is_some_and(char::is_alphabetic) => '\'',
        Some(p) if p.is_alphanumeric() => '’',
        _ if opens(previous) => {
            if !next.is_some_and(|n| !n.is_whitespace() && n != HARD_BREAK) {
                '\''
            } else if next.is_some_and(|n| n.is_ascii_digit()) || is_elision(after) {
                '’'
            } else {
                '‘'
            }
        }
        _ => '’',
    }
}

fn is_elision(after: &str) -> bool {
    let word: String = after
        .chars()
        .take_while(|c| c.is_alphabetic())
        .take(8)
        .flat_map(char::to_lowercase)
        .collect();
    ELISIONS.contains(&word.as_str())
}

/// A link found in text: its byte range and destination.
#[derive(Debug, Clone, PartialEq, Eq)]
struct LinkSpan {
    start: usize,
    end: usize,
    url: String,
}

const SCHEMES: &[&str] = &["https://", "http://", "ftp://", "ftps://", "mailto:", "file://"];

/// Finds URLs (`https://…`, `www.…`) and e-mail addresses, token by token.
fn link_spans(text: &str) -> Vec<LinkSpan> {
    let mut spans = Vec::new();
    let mut token_start = None;
    for (index, c) in text.char_indices().chain(std::iter::once((text.len(), ' '))) {
        if c.is_whitespace() {
            if let Some(start) = token_start.take() {
                if let Some(span) = token_link(text, start, index) {
                    spans.push(span);
                }
            }
        } else if token_start.is_none() {
            token_start = Some(index);
        }
    }
    spans
}

fn token_link(text: &str, start: usize, end: usize) -> Option<LinkSpan> {
    let token = &text[start..end];
    if !token.contains("://")
        && !token.contains("www.")
        && !token.contains('@')
        && !token.contains("mailto:")
    {
        return None;
    }
    let leading = token.len()
        - token.trim_start_matches(['(', '<', '[', '"', '\'', '‘', '“', '«', '{']).len();
    let core = trim_link_end(&token[leading..]);
    let lower = core.to_ascii_lowercase();
    let url = if let Some(scheme) = SCHEMES.iter().find(|s| lower.starts_with(*s)) {
        let rest = &core[scheme.len()..];
        if rest.is_empty()
            || !rest.starts_with(|c: char| c.is_alphanumeric() || c == '/' || c == '[')
        {
            return None;
        }
        core.to_string()
    } else if lower.starts_with("www.")
        && core.len() > 4
        && core[4..].starts_with(|c: char| c.is_alphanumeric())
        && core[4..].contains('.')
    {
        format!("https://{core}")
    } else if is_email(core) {
        format!("mailto:{core}")
    } else {
        return None;
    };
    let link_start = start + leading;
    Some(LinkSpan { start: link_start, end: link_start + core.len(), url })
}

/// Drops trailing sentence punctuation, closing quotes and unbalanced closing brackets.
fn trim_link_end(core: &str) -> &str {
    let count = |c: char| core.chars().filter(|&x| x == c).count();
    // Bracket balance is counted once and updated while trimming, so this stays linear.
    let mut balance = [
        count('(') as isize - count(')') as isize,
        count('[') as isize - count(']') as isize,
        count('{') as isize - count('}') as isize,
    ];
    let mut end = core.len();
    while let Some(last) = core[..end].chars().next_back() {
        let bracket = match last {
            ')' => Some(0),
            ']' => Some(1),
            '}' => Some(2),
            _ => None,
        };
        let trimmed = match bracket {
            Some(which) => balance[which] < 0,
            None => matches!(
                last,
                '.' | ',' | ';' | ':' | '!' | '?' | '"' | '\'' | '’' | '”' | '»' | '>' | '*'
            ),
        };
        if !trimmed {
            break;
        }
        if let Some(which) = bracket {
            balance[which] += 1;
        }
        end -= last.len_utf8();
    }
    &core[..end]
}

fn is_email(candidate: &str) -> bool {
    let Some((local, domain)) = candidate.split_once('@') else { return false };
    let local_ok = !local.is_empty()
        && local.chars().all(|c| c.is_ascii_alphanumeric() || "._%+-".contains(c))
        && !local.starts_with('.')
        && !local.ends_with('.');
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
        && labels
            .last()
            .is_some_and(|tld| tld.len() >= 2 && tld.chars().all(|c| c.is_ascii_alphabetic()));
    local_ok && domain_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn smart(text: &str) -> String {
        smart_text(text)
    }

    #[test]
    fn quotes_become_curly_by_context() {
        assert_eq!(smart(r#"He said "hi" and 'bye'."#), "He said “hi” and ‘bye’.");
        assert_eq!(
            smart("don't, the '90s, 'tis rock 'n' roll"),
            "don’t, the ’90s, ’tis rock ’n’ roll"
        );
        assert_eq!(smart(r#"("quoted")"#), "(“quoted”)");
        assert_eq!(smart(r#"5'10" tall"#), r#"5'10" tall"#);
    }

    #[test]
    fn existing_curly_quotes_are_kept() {
        assert_eq!(smart("It’s “fine” and ‘good’"), "It’s “fine” and ‘good’");
    }

    #[test]
    fn dashes_and_ellipsis() {
        assert_eq!(smart("a--b a---b 1--5 wait... x....y"), "a—b a—b 1–5 wait… x....y");
        assert_eq!(smart("this - that"), "this – that");
        assert_eq!(inlines("catch -\nmore", true)[0], Inline::Text("catch –".into()));
        assert_eq!(smart("-- - ----"), "— - ----");
        assert_eq!(smart("use --metric or -v, not ---x"), "use --metric or -v, not ---x");
    }

    #[test]
    fn urls_and_emails_become_links() {
        let found =
            link_spans("See (https://example.com/a_(b)), www.rust-lang.org. Mail me@example.org!");
        let urls: Vec<&str> = found.iter().map(|s| s.url.as_str()).collect();
        assert_eq!(
            urls,
            ["https://example.com/a_(b)", "https://www.rust-lang.org", "mailto:me@example.org"]
        );
        assert!(link_spans("user@localhost or @handle or http:// alone").is_empty());
    }

    #[test]
    fn emphasis_needs_word_boundaries() {
        let found = |text: &str| -> Vec<(usize, usize, bool)> {
            emphasis_spans(text, 0, text.len())
                .iter()
                .map(|s| (s.open, s.close, s.strong))
                .collect()
        };
        assert_eq!(found("an _italic_ word"), [(3, 10, false)]);
        assert_eq!(found("*bold*, then"), [(0, 5, true)]);
        assert_eq!(found("_two\nlines_"), [(0, 10, false)]);
        assert!(found("snake_case_name and __init__").is_empty());
        assert!(found("5 * 3 * 2 and a_b").is_empty());
        assert!(found("_ alone _").is_empty());
        let inlines = inlines("say _hi_ now", false);
        assert_eq!(inlines[1], Inline::Emph(Box::new([Inline::Text("hi".into())])));
    }

    #[test]
    fn breaks_become_inlines() {
        let out = inlines("a\nb\u{2028}c", false);
        assert_eq!(
            out,
            [
                Inline::Text("a".into()),
                Inline::SoftBreak,
                Inline::Text("b".into()),
                Inline::HardBreak,
                Inline::Text("c".into())
            ]
        );
    }
}

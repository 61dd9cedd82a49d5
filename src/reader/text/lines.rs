//! Lines of a plain-text file and the document-wide layout measured from them: line endings,
//! form feeds, indentation (tabs to 8-column stops), and whether the text is hard-wrapped and at
//! what width. Deciding what the lines mean is [`super::blocks`]' job.

/// One physical line (a form feed splits a line into two, with a page-break line between).
#[derive(Debug, Clone)]
pub struct Line<'a> {
    /// 1-based line number in the input.
    pub number: usize,
    /// The line without trailing white space, leading white space included.
    pub raw: &'a str,
    /// The line without leading or trailing white space.
    pub text: &'a str,
    /// Columns of leading white space (a tab advances to the next multiple of 8).
    pub indent: usize,
    /// Columns from the start of the line to its last visible character.
    pub width: usize,
    /// True for the marker line standing for a form feed.
    pub page_break: bool,
}

impl Line<'_> {
    /// An empty line (white space only); page-break lines are not blank.
    pub fn is_blank(&self) -> bool {
        self.text.is_empty() && !self.page_break
    }

    /// True when the line carries text.
    pub fn has_text(&self) -> bool {
        !self.text.is_empty()
    }
}

/// Normalizes line endings: CRLF and lone CR become LF.
pub fn normalize_newlines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        text.replace("\r\n", "\n").replace('\r', "\n").into()
    } else {
        text.into()
    }
}

/// Splits normalized text into lines; a form feed becomes a separate page-break line.
pub fn split_lines(text: &str) -> Vec<Line<'_>> {
    let mut lines = Vec::new();
    let body = text.strip_suffix('\n').unwrap_or(text);
    if body.is_empty() {
        return lines;
    }
    for (index, line) in body.split('\n').enumerate() {
        let number = index + 1;
        for (part_index, part) in line.split('\x0C').enumerate() {
            if part_index > 0 {
                lines.push(Line {
                    number,
                    raw: "",
                    text: "",
                    indent: 0,
                    width: 0,
                    page_break: true,
                });
            }
            lines.push(make_line(number, part));
        }
    }
    lines
}

/// Measures one line of text (without its line ending).
pub fn make_line(number: usize, part: &str) -> Line<'_> {
    let raw = part.trim_end();
    let text = raw.trim_start();
    let mut indent = 0;
    for c in raw[..raw.len() - text.len()].chars() {
        indent = if c == '\t' { (indent / 8 + 1) * 8 } else { indent + 1 };
    }
    let width = indent + text.chars().count();
    Line { number, raw, text, indent, width, page_break: false }
}

/// Document-wide measurements the block rules depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Layout {
    /// The most common indentation of text lines: indentation beyond it is meaningful.
    pub base_indent: usize,
    /// The width the text was hard-wrapped at, or `None` when line breaks are the author's
    /// (one paragraph per line, or short lines throughout).
    pub wrap_width: Option<usize>,
}

/// Widths above this are never a wrap width (and are not counted).
const MAX_WRAP_WIDTH: usize = 400;
/// Narrower "wrapping" is more likely a column of short lines (addresses, verse).
const MIN_WRAP_WIDTH: usize = 30;

impl Layout {
    /// Measures the base indentation and the wrap width.
    ///
    /// The wrap width is found from *continuing* lines: lines followed by a text line that starts
    /// with a lower-case letter (the sentence runs on), neither of them a list item, not both
    /// indented past the base indentation. In
    /// hard-wrapped text most of them end close to the right margin, so their widths pile up in a
    /// narrow band `[W - max(8, W/5), W]`. The narrowest `W` whose band holds the most such lines
    /// wins, if the band holds at least two lines and 40% of the continuing lines, and continuing
    /// lines are at least a quarter of the lines followed by text (lists of short lines starting
    /// with capitals are not wrapped text).
    pub fn measure(lines: &[Line<'_>]) -> Layout {
        let mut indent_counts = vec![0usize; 41];
        for line in lines.iter().filter(|line| line.has_text()) {
            indent_counts[line.indent.min(40)] += 1;
        }
        let base_indent = indent_counts
            .iter()
            .enumerate()
            .max_by_key(|&(indent, count)| (*count, std::cmp::Reverse(indent)))
            .map_or(0, |(indent, _)| indent);
        let mut histogram = vec![0usize; MAX_WRAP_WIDTH + 1];
        let mut inner = 0usize;
        let mut continuing = 0usize;
        for (index, line) in lines.iter().enumerate() {
            if !line.has_text() {
                continue;
            }
            let Some(next) = lines.get(index + 1).filter(|next| next.has_text()) else { continue };
            // Indented runs (verse, code, quotes) and list items say nothing about wrapping.
            let indented = |l: &Line<'_>| l.indent > base_indent + 1;
            if starts_with_marker(line.text)
                || starts_with_marker(next.text)
                || (indented(line) && indented(next))
            {
                continue;
            }
            inner += 1;
            if next.text.starts_with(char::is_lowercase) {
                continuing += 1;
                if line.width <= MAX_WRAP_WIDTH {
                    histogram[line.width] += 1;
                }
            }
        }
        let mut prefix = Vec::with_capacity(histogram.len() + 1);
        prefix.push(0usize);
        for count in &histogram {
            prefix.push(prefix[prefix.len() - 1] + count);
        }
        let mut best: Option<(usize, usize)> = None;
        for width in MIN_WRAP_WIDTH..=MAX_WRAP_WIDTH {
            let band = (width / 5).max(8);
            let count = prefix[width + 1] - prefix[width - band];
            if histogram[width] > 0 && best.is_none_or(|(_, best_count)| count > best_count) {
                best = Some((width, count));
            }
        }
        let wrap_width = best
            .filter(|&(_, count)| {
                count >= 2 && count * 10 >= continuing * 4 && continuing * 4 >= inner
            })
            .map(|(width, _)| width);
        Layout { base_indent, wrap_width }
    }
}

/// A cheap test for a list marker (`-`, `*`, `•`, `1.`, `a)`) at the start of a line; the
/// exact rules are in [`super::blocks`].
fn starts_with_marker(text: &str) -> bool {
    let mut chars = text.chars();
    let Some(first) = chars.next() else { return false };
    if matches!(first, '-' | '*' | '+' | '•' | '◦' | '‣' | '▪' | '–' | '·') {
        return chars.next().is_some_and(char::is_whitespace);
    }
    let token: String = text.chars().take_while(char::is_ascii_alphanumeric).take(10).collect();
    !token.is_empty()
        && token.len() <= 9
        && text[token.len()..].starts_with(['.', ')'])
        && text[token.len() + 1..].starts_with(char::is_whitespace)
        && (token.chars().all(|c| c.is_ascii_digit()) || token.len() <= 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_expand_to_eight_columns_and_form_feeds_split() {
        let lines = split_lines("\tx\n  \ty\x0Cz\n");
        assert_eq!(lines[0].indent, 8);
        assert_eq!(lines[1].indent, 8);
        assert!(lines[2].page_break);
        assert_eq!(lines[3].text, "z");
        assert_eq!(lines[3].number, 2);
    }

    #[test]
    fn wrap_width_is_found_in_hard_wrapped_text() {
        let text = "The quick brown fox jumps over the lazy dog and keeps running far\n\
                    away from the farm where it was born, towards the hills that rise\n\
                    beyond the river and the old mill that nobody has used for years.\n";
        let layout = Layout::measure(&split_lines(text));
        assert_eq!(layout.wrap_width, Some(65));
    }

    #[test]
    fn long_lines_are_not_hard_wrapped() {
        let line = "word ".repeat(100);
        let text = format!("{line}\n\n{line}\n");
        assert_eq!(Layout::measure(&split_lines(&text)).wrap_width, None);
    }
}

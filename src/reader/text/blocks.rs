//! Block structure of plain text: lines → pieces (title, headings, paragraphs, lists, quotes,
//! preformatted text, breaks), each labelled with the rule that decided it. The rules are
//! specified in the module documentation of [`super`]; this file implements them in one forward
//! pass over the lines plus a resolution pass over the pieces. Inline content (links, smart
//! punctuation) is [`super::inline`]'s job; turning pieces into the model is [`super`]'s.

use super::inline::{HARD_BREAK, SOFT_BREAK};
use super::lines::{make_line, Layout, Line};
use crate::model::{ListKind, NumberStyle};
use std::collections::{HashMap, HashSet};

/// Lists nested deeper than this are flattened into their parent item's text.
pub const MAX_LIST_DEPTH: usize = 8;

/// A recognised part of the document, before it becomes model blocks.
#[derive(Debug, Clone)]
pub struct Piece {
    /// First input line (1-based).
    pub first: usize,
    /// Last input line (1-based).
    pub last: usize,
    /// What it is.
    pub kind: PieceKind,
    /// Which rule decided it, for `--explain`.
    pub rule: String,
}

/// The kinds of [`Piece`]. Paragraph text uses [`SOFT_BREAK`] and [`HARD_BREAK`] for line joins.
#[derive(Debug, Clone)]
pub enum PieceKind {
    /// The document title (goes to the metadata).
    Title(String),
    /// The subtitle (goes to the metadata).
    Subtitle(String),
    /// A heading whose level is decided once every heading is known.
    Heading {
        /// How it was recognised; decides the level.
        style: HeadingStyle,
        /// The heading text.
        text: String,
        /// Level 1–6, assigned by [`assign_levels`].
        level: u8,
    },
    /// A short line standing alone that may be a heading; resolved by [`resolve`].
    Candidate {
        /// How it would be recognised.
        style: HeadingStyle,
        /// The line's text.
        text: String,
    },
    /// A paragraph.
    Paragraph(String),
    /// A block quote: indented prose, or lines starting with `>`.
    Quote(Vec<Piece>),
    /// Text kept verbatim.
    Preformatted(String),
    /// A list.
    List(ListPiece),
    /// A thematic break (`* * *`, `-----`).
    ThematicBreak,
    /// A form feed.
    PageBreak,
}

/// A list and its items (each item a sequence of pieces).
#[derive(Debug, Clone)]
pub struct ListPiece {
    /// Bullet or ordered, with its numbering.
    pub kind: ListKind,
    /// No blank lines between the items.
    pub tight: bool,
    /// The items' content.
    pub items: Vec<Vec<Piece>>,
}

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
    fn describe(self) -> String {
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

/// The recognised structure: the pieces in order, plus authors found in bylines.
#[derive(Debug, Clone, Default)]
pub struct Structure {
    /// Top-level pieces in document order.
    pub pieces: Vec<Piece>,
    /// Author names from byline rules.
    pub authors: Vec<String>,
    /// The value of a `Title: …` line, when no title line was found.
    pub field_title: Option<String>,
}

/// Recognises the structure of `lines`.
pub fn parse(lines: &[Line<'_>], layout: &Layout) -> Structure {
    let mut parser = Parser { lines, layout, vocabulary: None, quote_depth: 0 };
    let mut pieces = Vec::new();
    let start = match parser.title() {
        Some((piece, next)) => {
            pieces.push(piece);
            next
        }
        None => 0,
    };
    pieces.extend(parser.pieces(start, lines.len()));
    let mut structure = Structure { pieces, ..Default::default() };
    resolve(&mut structure);
    merge_indented_preformatted(&mut structure.pieces, lines, layout.base_indent);
    underlined_title(&mut structure.pieces);
    subtitle(&mut structure.pieces);
    collapse_page_breaks(&mut structure.pieces);
    assign_levels(&mut structure.pieces);
    structure
}

/// One line (or the content part of a list item's first line) fed to paragraph assembly.
#[derive(Debug, Clone, Copy)]
struct Seg<'a> {
    number: usize,
    text: &'a str,
    width: usize,
    indent: usize,
}

impl<'a> Seg<'a> {
    fn of(line: &Line<'a>) -> Self {
        Seg { number: line.number, text: line.text, width: line.width, indent: line.indent }
    }
}

/// How two consecutive lines of a paragraph are joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Join {
    /// Wrapped text: a soft break (a space).
    Soft,
    /// A line break that matters (verse, addresses).
    Hard,
    /// A new paragraph starts.
    Split,
    /// A word hyphenated at the line end: rejoined without the hyphen.
    Dehyphenate,
    /// A hyphen at the line end that belongs to the word: joined without a space.
    KeepHyphen,
}

/// One assembled paragraph and the statistics `--explain` reports.
#[derive(Debug, Clone, Default)]
struct Assembled {
    text: String,
    first: usize,
    last: usize,
    soft: usize,
    hard: usize,
    dehyphenated: usize,
    kept_hyphen: usize,
    split_before: bool,
}

impl Assembled {
    fn rule(&self, origin: &str) -> String {
        let mut rule = origin.to_string();
        if self.first == self.last {
            rule.push_str(", one line");
        }
        if self.split_before {
            rule.push_str(", split where the previous line ended a sentence early");
        }
        if self.soft > 0 {
            rule.push_str(", hard-wrapped lines joined");
        }
        if self.hard > 0 {
            rule.push_str(", line breaks kept (lines end early)");
        }
        if self.dehyphenated > 0 {
            rule.push_str(&format!(
                ", {} hyphenated word{} rejoined (the whole word occurs elsewhere)",
                self.dehyphenated,
                plural(self.dehyphenated)
            ));
        }
        if self.kept_hyphen > 0 {
            rule.push_str(&format!(
                ", {} line-end hyphen{} kept (not certain it is a split word)",
                self.kept_hyphen,
                plural(self.kept_hyphen)
            ));
        }
        rule
    }
}

fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// Words of the document, to decide whether a word hyphenated at a line end is one word.
struct Vocabulary {
    words: HashSet<String>,
    compounds: HashSet<String>,
}

impl Vocabulary {
    fn build(lines: &[Line<'_>]) -> Self {
        let mut words = HashSet::new();
        let mut compounds = HashSet::new();
        for line in lines {
            for token in line.text.split(|c: char| !(c.is_alphabetic() || c == '-')) {
                let mut previous: Option<&str> = None;
                for part in token.split('-') {
                    if part.is_empty() {
                        previous = None;
                        continue;
                    }
                    let part_lower = part.to_lowercase();
                    if let Some(previous) = previous {
                        compounds.insert(format!("{}-{part_lower}", previous.to_lowercase()));
                    }
                    words.insert(part_lower);
                    previous = Some(part);
                }
            }
        }
        Vocabulary { words, compounds }
    }
}

struct Parser<'l, 'a> {
    lines: &'l [Line<'a>],
    layout: &'l Layout,
    vocabulary: Option<Vocabulary>,
    /// How many `>` quotes enclose these lines.
    quote_depth: usize,
}

/// `>` quotes nested deeper than this stay text.
const MAX_QUOTE_DEPTH: usize = 8;

impl<'l, 'a> Parser<'l, 'a> {
    /// The first index at or after `index` that is not a text line.
    fn group_end(&self, index: usize) -> usize {
        let mut end = index;
        while end < self.lines.len() && self.lines[end].has_text() {
            end += 1;
        }
        end
    }

    /// The next text line at or after `index` before any page break.
    fn next_text_line(&self, index: usize) -> Option<usize> {
        let mut at = index;
        while at < self.lines.len() {
            let line = &self.lines[at];
            if line.page_break {
                return None;
            }
            if line.has_text() {
                return Some(at);
            }
            at += 1;
        }
        None
    }

    /// Title rule: the first text line, alone in its group, short, without sentence punctuation,
    /// followed by a blank line and more text.
    fn title(&self) -> Option<(Piece, usize)> {
        let first = self.next_text_line(0)?;
        let line = &self.lines[first];
        if !self.lines.get(first + 1).is_some_and(Line::is_blank) {
            return None;
        }
        self.next_text_line(first + 1)?;
        if !is_title_like(line.text) {
            return None;
        }
        let piece = Piece {
            first: line.number,
            last: line.number,
            kind: PieceKind::Title(match heading_style(line.text) {
                Some(style) => heading_text(style, line.text),
                None => collapse_spaces(line.text),
            }),
            rule: "title: short first line without sentence punctuation, followed by a blank line"
                .into(),
        };
        Some((piece, first + 1))
    }

    /// The forward pass over `lines[start..end]`.
    fn pieces(&mut self, start: usize, end: usize) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut index = start;
        while index < end {
            let line = &self.lines[index];
            if line.page_break {
                pieces.push(piece(line.number, line.number, PieceKind::PageBreak, "form feed"));
                index += 1;
                continue;
            }
            if line.is_blank() {
                index += 1;
                continue;
            }
            let group_end = self.group_end(index).min(end);
            let group_start = index == 0 || !self.lines[index - 1].has_text();
            if group_start {
                if let Some(reason) = preformatted_reason(&self.lines[index..group_end]) {
                    pieces.push(self.preformatted(index, group_end, reason));
                    index = group_end;
                    continue;
                }
            }
            if is_quote_line(line.text) && self.quote_depth < MAX_QUOTE_DEPTH {
                let mut run_end = index + 1;
                while run_end < group_end && is_quote_line(self.lines[run_end].text) {
                    run_end += 1;
                }
                pieces.push(self.mail_quote(index, run_end));
                index = run_end;
                continue;
            }
            if let Some((heading, next)) = self.setext_heading(index, group_end) {
                pieces.push(heading);
                index = next;
                continue;
            }
            if is_rule_line(line.text) {
                pieces.push(piece(
                    line.number,
                    line.number,
                    PieceKind::ThematicBreak,
                    "a line of repeated -, *, _, =, ~ or # characters",
                ));
                index += 1;
                continue;
            }
            if let Some(marker) = parse_marker(line.text) {
                let heading_instead =
                    group_end == index + 1 && self.numbered_heading_instead(index, &marker);
                if !heading_instead {
                    if let Some((list, next)) = self.list(index, 0) {
                        pieces.push(list);
                        index = next;
                        continue;
                    }
                }
            }
            if group_end == index + 1 {
                if let Some(style) = heading_style(line.text) {
                    pieces.push(Piece {
                        first: line.number,
                        last: line.number,
                        kind: PieceKind::Candidate { style, text: heading_text(style, line.text) },
                        rule: style.describe(),
                    });
                    index += 1;
                    continue;
                }
            }
            if group_end == index + 2 {
                if let Some(candidate) = self.two_line_keyword_heading(index) {
                    pieces.push(candidate);
                    index += 2;
                    continue;
                }
            }
            let indented = |line: &Line<'_>| line.indent >= self.layout.base_indent + 2;
            if indented(line) && (group_end == index + 1 || indented(&self.lines[index + 1])) {
                let mut run_end = index + 1;
                while run_end < group_end && indented(&self.lines[run_end]) {
                    run_end += 1;
                }
                pieces.extend(self.indented(index, run_end));
                index = run_end;
                continue;
            }
            let paragraph_end = self.paragraph_end(index, group_end);
            let segs: Vec<Seg<'a>> = self.lines[index..paragraph_end].iter().map(Seg::of).collect();
            for assembled in self.assemble(&segs, self.layout.wrap_width) {
                let rule = assembled.rule("blank-line separated");
                pieces.push(Piece {
                    first: assembled.first,
                    last: assembled.last,
                    kind: PieceKind::Paragraph(assembled.text),
                    rule,
                });
            }
            index = paragraph_end;
        }
        pieces
    }

    /// Lines starting with `>`: one `>` (and a space) is removed and the rest is read as a
    /// document of its own, so quotes nest and hold any block.
    fn mail_quote(&self, start: usize, end: usize) -> Piece {
        let inner: Vec<Line<'a>> = self.lines[start..end]
            .iter()
            .map(|line| {
                let rest = &line.text[1..];
                make_line(line.number, rest.strip_prefix(' ').unwrap_or(rest))
            })
            .collect();
        let layout = Layout::measure(&inner);
        let mut parser = Parser {
            lines: &inner,
            layout: &layout,
            vocabulary: None,
            quote_depth: self.quote_depth + 1,
        };
        let mut quoted = Structure { pieces: parser.pieces(0, inner.len()), ..Default::default() };
        resolve(&mut quoted);
        merge_indented_preformatted(&mut quoted.pieces, &inner, layout.base_indent);
        assign_levels(&mut quoted.pieces);
        let first = self.lines[start].number;
        let last = self.lines[end - 1].number;
        piece(first, last, PieceKind::Quote(quoted.pieces), "lines starting with >: block quote")
    }

    /// Where a paragraph starting at `start` ends inside its group: before a rule line, before
    /// a list that follows a line ending in `:` or ending early, before an indented run.
    fn paragraph_end(&self, start: usize, group_end: usize) -> usize {
        let indented = |line: &Line<'_>| line.indent >= self.layout.base_indent + 2;
        let mut at = start + 1;
        while at < group_end {
            let line = &self.lines[at];
            let previous = &self.lines[at - 1];
            if is_rule_line(line.text) {
                break;
            }
            if parse_marker(line.text).is_some() {
                let ends_early = match self.layout.wrap_width {
                    Some(width) => is_early_break(Seg::of(previous), Seg::of(line), width),
                    None => true,
                };
                if previous.text.ends_with(':') || ends_early {
                    break;
                }
            }
            if indented(line)
                && !indented(previous)
                && at + 1 < group_end
                && indented(&self.lines[at + 1])
            {
                break;
            }
            at += 1;
        }
        at
    }

    fn preformatted(&self, start: usize, end: usize, reason: &str) -> Piece {
        let first = self.lines[start].number;
        let last = self.lines[end - 1].number;
        let text = verbatim(&self.lines[start..end]);
        piece(first, last, PieceKind::Preformatted(text), reason)
    }

    /// `Title` over `=====` (or between two such lines).
    fn setext_heading(&self, index: usize, group_end: usize) -> Option<(Piece, usize)> {
        let line = &self.lines[index];
        let heading_ok = |text: &str| {
            text.chars().count() <= 100
                && !is_rule_line(text)
                && text.chars().any(char::is_alphanumeric)
        };
        if index + 2 < group_end {
            // Overline, text, underline.
            let (over, text, under) = (line, &self.lines[index + 1], &self.lines[index + 2]);
            if let (Some(mark), Some(mark_under)) =
                (underline_mark(over.text), underline_mark(under.text))
            {
                if mark == mark_under && heading_ok(text.text) {
                    let style = HeadingStyle::Underline { mark, overline: true };
                    return Some((
                        Piece {
                            first: over.number,
                            last: under.number,
                            kind: PieceKind::Heading {
                                style,
                                text: collapse_spaces(text.text),
                                level: 0,
                            },
                            rule: style.describe(),
                        },
                        index + 3,
                    ));
                }
            }
        }
        if index + 1 < group_end {
            let under = &self.lines[index + 1];
            let mark = underline_mark(under.text)?;
            let long_enough = under.text.chars().count() * 2 >= line.text.chars().count();
            if long_enough && heading_ok(line.text) && parse_marker(line.text).is_none() {
                let style = HeadingStyle::Underline { mark, overline: false };
                return Some((
                    Piece {
                        first: line.number,
                        last: under.number,
                        kind: PieceKind::Heading {
                            style,
                            text: collapse_spaces(line.text),
                            level: 0,
                        },
                        rule: style.describe(),
                    },
                    index + 2,
                ));
            }
        }
        None
    }

    /// `CHAPTER I` followed directly by its title line: one heading over two lines.
    fn two_line_keyword_heading(&self, index: usize) -> Option<Piece> {
        let (first, second) = (&self.lines[index], &self.lines[index + 1]);
        let style @ HeadingStyle::Keyword(_) = heading_style(first.text)? else { return None };
        let second_ok = second.text.chars().count() <= 80
            && !second.text.ends_with(['.', ',', ';'])
            && matches!(
                heading_style(second.text),
                Some(HeadingStyle::AllCaps | HeadingStyle::TitleCase)
            );
        if !second_ok {
            return None;
        }
        let text =
            format!("{}{HARD_BREAK}{}", collapse_spaces(first.text), collapse_spaces(second.text));
        Some(Piece {
            first: first.number,
            last: second.number,
            kind: PieceKind::Candidate { style, text },
            rule: format!("{}, with its title on the next line", style.describe()),
        })
    }

    /// A single-line group `1. Introduction` is a numbered heading, not a one-item list, unless
    /// the next group continues the numbering (then it is a loose list).
    fn numbered_heading_instead(&self, index: usize, marker: &Marker<'_>) -> bool {
        let line = &self.lines[index];
        if !matches!(heading_style(line.text), Some(HeadingStyle::Numbered(_))) {
            return false;
        }
        let Some(ordered) = marker.ordered else { return false };
        let Some((style, value)) = start_style(ordered.token) else { return false };
        let Some(next) = self.next_text_line(index + 1) else { return true };
        let next_line = &self.lines[next];
        let continues =
            parse_marker(next_line.text).and_then(|m| m.ordered).is_some_and(|next_marker| {
                next_line.indent == line.indent
                    && next_marker.delimiter == ordered.delimiter
                    && value_in(style, next_marker.token) == Some(value + 1)
            });
        !continues
    }

    /// Indented lines: prose (lines joined as in wrapped text) becomes a block quote; anything
    /// else (code, verse, art) is kept verbatim.
    fn indented(&mut self, start: usize, end: usize) -> Vec<Piece> {
        let run = &self.lines[start..end];
        let local_width = run.iter().map(|line| line.width).max().unwrap_or(0);
        let all_prose = run.iter().all(|line| is_prose_like(line.text));
        // Quoted prose is long lines wrapped at a margin; verse and code end early.
        let reference = self.layout.wrap_width.unwrap_or(local_width);
        let wrapped = run.windows(2).all(|pair| {
            pair[0].width * 10 >= reference * 6
                && !is_early_break(Seg::of(&pair[0]), Seg::of(&pair[1]), local_width)
        });
        let prose = all_prose
            && if run.len() == 1 {
                word_count(run[0].text) >= 8
            } else {
                local_width >= 50 && wrapped
            };
        if !prose {
            return vec![self.preformatted(
                start,
                end,
                "indented, lines kept verbatim (code, verse or art)",
            )];
        }
        let segs: Vec<Seg<'a>> = run.iter().map(Seg::of).collect();
        let paragraphs = self.assemble(&segs, Some(local_width));
        let rule = format!(
            "indented prose: block quote of {} paragraph{}",
            paragraphs.len(),
            plural(paragraphs.len())
        );
        let first = run[0].number;
        let last = run[run.len() - 1].number;
        let content = paragraphs
            .into_iter()
            .map(|p| piece(p.first, p.last, PieceKind::Paragraph(p.text), "quoted paragraph"))
            .collect();
        vec![piece(first, last, PieceKind::Quote(content), &rule)]
    }

    /// Joins lines into paragraphs. With a wrap width, a break is soft unless the next word
    /// would have fit on the line (the break is early); an early break after a sentence ends the
    /// paragraph, other early breaks are kept. Without one, breaks after sentences split and
    /// other breaks are kept, except a long line running on into a lower-case word.
    fn assemble(&mut self, segs: &[Seg<'_>], wrap_width: Option<usize>) -> Vec<Assembled> {
        let mut out = Vec::new();
        let Some(first) = segs.first() else { return out };
        let mut current =
            Assembled { first: first.number, last: first.number, ..Default::default() };
        push_collapsed(&mut current.text, first.text);
        for pair in segs.windows(2) {
            let (previous, next) = (pair[0], pair[1]);
            match self.join(previous, next, wrap_width) {
                Join::Split => {
                    out.push(std::mem::take(&mut current));
                    current = Assembled {
                        first: next.number,
                        last: next.number,
                        split_before: true,
                        ..Default::default()
                    };
                }
                Join::Soft => {
                    current.soft += 1;
                    current.text.push(SOFT_BREAK);
                }
                Join::Hard => {
                    current.hard += 1;
                    current.text.push(HARD_BREAK);
                }
                Join::Dehyphenate => {
                    current.dehyphenated += 1;
                    current.text.pop();
                }
                Join::KeepHyphen => current.kept_hyphen += 1,
            }
            push_collapsed(&mut current.text, next.text);
            current.last = next.number;
        }
        out.push(current);
        out
    }

    fn join(&mut self, previous: Seg<'_>, next: Seg<'_>, wrap_width: Option<usize>) -> Join {
        let ends_sentence = ends_sentence(previous.text);
        match wrap_width {
            Some(width) => {
                if next.indent > previous.indent
                    && next.indent > self.layout.base_indent
                    && next.indent <= previous.indent + 8
                {
                    return Join::Split; // first-line indentation starts a paragraph
                }
                if let Some(join) = self.hyphen_join(previous, next) {
                    join
                } else if !is_early_break(previous, next, width) {
                    Join::Soft
                } else if ends_sentence {
                    Join::Split
                } else {
                    Join::Hard
                }
            }
            None => {
                let runs_on = previous.width >= 40
                    && !previous.text.ends_with([',', ';'])
                    && next.text.starts_with(|c: char| c.is_lowercase());
                if let Some(join) = self.hyphen_join(previous, next) {
                    join
                } else if ends_sentence {
                    Join::Split
                } else if runs_on {
                    Join::Soft
                } else {
                    Join::Hard
                }
            }
        }
    }

    /// A line ending in `letter-` or `digit-` continues on the next line: the hyphen is dropped
    /// only if the joined word occurs elsewhere in the document and the hyphenated form does
    /// not; otherwise the hyphen stays and no space is added.
    fn hyphen_join(&mut self, previous: Seg<'_>, next: Seg<'_>) -> Option<Join> {
        let before = previous.text.strip_suffix('-')?;
        let left: String = {
            let tail: Vec<char> = before.chars().rev().take_while(|c| c.is_alphabetic()).collect();
            tail.into_iter().rev().collect()
        };
        if before.ends_with('-') || !before.ends_with(char::is_alphanumeric) {
            return None;
        }
        if left.is_empty() {
            return Some(Join::KeepHyphen); // 1990-
        }
        let right: String = next.text.chars().take_while(|c| c.is_alphabetic()).collect();
        if right.is_empty() || !next.text.starts_with(|c: char| c.is_lowercase()) {
            return Some(Join::KeepHyphen);
        }
        let vocabulary = self.vocabulary.get_or_insert_with(|| Vocabulary::build(self.lines));
        let joined = format!("{left}{right}").to_lowercase();
        let hyphenated = format!("{left}-{right}").to_lowercase();
        if vocabulary.words.contains(&joined) && !vocabulary.compounds.contains(&hyphenated) {
            Some(Join::Dehyphenate)
        } else {
            Some(Join::KeepHyphen)
        }
    }

    /// Parses a list whose first item is at `start`; `None` if it is not a list after all
    /// (a single `A.`-style item, more likely an initial).
    fn list(&mut self, start: usize, depth: usize) -> Option<(Piece, usize)> {
        let first_line = &self.lines[start];
        let first_marker = parse_marker(first_line.text)?;
        let (kind, mut value) = match first_marker.ordered {
            None => (ListKind::Bullet, 0),
            Some(ordered) => {
                let (style, value) = start_style(ordered.token)?;
                (ListKind::Ordered { start: value, style }, value)
            }
        };
        let delimiter = first_marker.ordered.map(|o| o.delimiter);
        let marker_indent = first_line.indent;
        let same_list = |line: &Line<'_>, value: u64| -> bool {
            if line.indent != marker_indent {
                return false;
            }
            let Some(marker) = parse_marker(line.text) else { return false };
            match (kind, marker.ordered) {
                (ListKind::Bullet, None) => true,
                (ListKind::Ordered { style, .. }, Some(ordered)) => {
                    Some(ordered.delimiter) == delimiter
                        && value_in(style, ordered.token) == Some(value + 1)
                }
                _ => false,
            }
        };
        let mut items: Vec<Vec<Piece>> = Vec::new();
        let mut tight = true;
        let mut at = start;
        let mut nested_count = 0;
        'items: loop {
            let line = &self.lines[at];
            let marker = parse_marker(line.text)?;
            let content_column = line.indent + line.text[..marker.content_start].chars().count();
            let mut item: Vec<Piece> = Vec::new();
            let mut segs = vec![Seg {
                number: line.number,
                text: &line.text[marker.content_start..],
                width: line.width,
                indent: content_column,
            }];
            at += 1;
            let mut next_item = false;
            while at < self.lines.len() {
                let line = &self.lines[at];
                if line.page_break {
                    break;
                }
                if line.is_blank() {
                    let Some(next) = self.next_text_line(at) else { break };
                    let next_line = &self.lines[next];
                    let next_marker = parse_marker(next_line.text);
                    if same_list(next_line, value) {
                        tight = false;
                        at = next;
                        next_item = true;
                        break;
                    }
                    let nested = next_marker.is_some()
                        && next_line.indent > marker_indent
                        && depth + 1 < MAX_LIST_DEPTH;
                    let continues = next_marker.is_none()
                        && next_line.indent >= content_column
                        && next_line.indent > marker_indent;
                    if nested || continues {
                        tight = false;
                        self.flush_item_paragraphs(&mut segs, &mut item);
                        at = next;
                        continue;
                    }
                    break;
                }
                if is_rule_line(line.text) && line.indent <= marker_indent {
                    break;
                }
                if let Some(_nested_marker) = parse_marker(line.text) {
                    if line.indent > marker_indent && depth + 1 < MAX_LIST_DEPTH {
                        self.flush_item_paragraphs(&mut segs, &mut item);
                        match self.list(at, depth + 1) {
                            Some((sublist, next)) => {
                                nested_count += 1;
                                item.push(sublist);
                                at = next;
                                continue;
                            }
                            None => {
                                segs.push(Seg::of(line));
                                at += 1;
                                continue;
                            }
                        }
                    }
                    if same_list(line, value) {
                        next_item = true;
                        break;
                    }
                    if line.indent <= marker_indent {
                        break;
                    }
                    // Too deep to nest: the marker stays in the text.
                    segs.push(Seg::of(line));
                    at += 1;
                    continue;
                }
                let lazy = line.indent <= marker_indent
                    && match (self.layout.wrap_width, segs.last()) {
                        (Some(width), Some(&last)) => !is_early_break(last, Seg::of(line), width),
                        _ => false,
                    };
                if line.indent > marker_indent || lazy {
                    segs.push(Seg::of(line));
                    at += 1;
                    continue;
                }
                break;
            }
            self.flush_item_paragraphs(&mut segs, &mut item);
            items.push(item);
            if next_item {
                value += 1;
                continue 'items;
            }
            break;
        }
        let single_letter_item = items.len() == 1
            && delimiter == Some(Delimiter::Period)
            && matches!(kind, ListKind::Ordered { style, .. } if style != NumberStyle::Decimal);
        if single_letter_item {
            return None;
        }
        let last = self.lines[at.saturating_sub(1).max(start)].number;
        let last = (start..at)
            .rev()
            .map(|i| &self.lines[i])
            .find(|l| l.has_text())
            .map_or(last, |l| l.number);
        let described = match kind {
            ListKind::Bullet => "bullet list".to_string(),
            ListKind::Ordered { style, .. } => format!("ordered list ({})", style_name(style)),
        };
        let rule = format!(
            "{described}: {} item{}{}, {}",
            items.len(),
            plural(items.len()),
            if nested_count > 0 {
                format!(", {nested_count} nested list{}", plural(nested_count))
            } else {
                String::new()
            },
            if tight {
                "tight (no blank lines between items)"
            } else {
                "loose (blank lines between items)"
            }
        );
        let list = ListPiece { kind, tight, items };
        Some((piece(first_line.number, last, PieceKind::List(list), &rule), at))
    }

    fn flush_item_paragraphs(&mut self, segs: &mut Vec<Seg<'_>>, item: &mut Vec<Piece>) {
        if segs.is_empty() {
            return;
        }
        for assembled in self.assemble(segs, self.layout.wrap_width) {
            let rule = assembled.rule("list item text");
            item.push(Piece {
                first: assembled.first,
                last: assembled.last,
                kind: PieceKind::Paragraph(assembled.text),
                rule,
            });
        }
        segs.clear();
    }
}

fn piece(first: usize, last: usize, kind: PieceKind, rule: &str) -> Piece {
    Piece { first, last, kind, rule: rule.to_string() }
}

fn style_name(style: NumberStyle) -> &'static str {
    match style {
        NumberStyle::Decimal => "1, 2, 3",
        NumberStyle::LowerAlpha => "a, b, c",
        NumberStyle::UpperAlpha => "A, B, C",
        NumberStyle::LowerRoman => "i, ii, iii",
        NumberStyle::UpperRoman => "I, II, III",
    }
}

/// A line of an e-mail style quote: `>` followed by a space, another `>`, or nothing.
fn is_quote_line(text: &str) -> bool {
    text.strip_prefix('>').is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '>', '\t']))
}

/// Appends `text` with runs of white space collapsed to one space.
fn push_collapsed(out: &mut String, text: &str) {
    let mut in_space = false;
    for c in text.chars() {
        if c == ' ' || c == '\t' {
            if !in_space {
                out.push(' ');
            }
            in_space = true;
        } else {
            out.push(c);
            in_space = false;
        }
    }
}

fn collapse_spaces(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_collapsed(&mut out, text);
    out
}

/// The break after `previous` is early when the first word of `next` would have fit on it.
fn is_early_break(previous: Seg<'_>, next: Seg<'_>, width: usize) -> bool {
    let next_word = next.text.split_whitespace().next().map_or(0, |w| w.chars().count());
    previous.width + 1 + next_word + 3 <= width
}

fn ends_sentence(text: &str) -> bool {
    let mut chars = text.chars().rev();
    match chars.next() {
        Some('.' | '!' | '?' | ':' | '…') => true,
        Some('"' | '\'' | '”' | '’' | ')' | ']' | '»') => {
            matches!(chars.next(), Some('.' | '!' | '?' | '…'))
        }
        _ => false,
    }
}

fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

/// Mostly letters and spaces, at least three words.
fn is_prose_like(text: &str) -> bool {
    let (mut letters, mut others) = (0usize, 0usize);
    for c in text.chars() {
        if c.is_alphabetic() {
            letters += 1;
        } else if !c.is_whitespace()
            && !matches!(c, ',' | '.' | '\'' | '’' | '"' | '“' | '”' | '-' | '!' | '?' | ';' | ':')
        {
            others += 1;
        }
    }
    word_count(text) >= 3 && letters >= 4 * others.max(1)
}

/// The title rule's line test: at most 120 characters and 20 words, with a letter, not ending
/// in `. , ; :`, a single sentence, not a list item, rule, link or numbered heading.
fn is_title_like(text: &str) -> bool {
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
fn has_two_sentences(text: &str) -> bool {
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
fn field(text: &str) -> Option<(&str, &str)> {
    let (label, value) = text.split_once(": ")?;
    let label_ok = label.split_whitespace().count() <= 3
        && label.starts_with(char::is_uppercase)
        && label.chars().all(|c| c.is_alphabetic() || c == ' ' || c == '-');
    (label_ok && !value.trim().is_empty()).then_some((label, value.trim()))
}

/// A line made of one repeated character among `- * _ = ~ # + •` (spaces allowed between).
fn is_rule_line(text: &str) -> bool {
    let mut mark = None;
    let mut count = 0;
    for c in text.chars() {
        if c == ' ' {
            continue;
        }
        if !matches!(c, '-' | '*' | '_' | '=' | '~' | '#' | '+' | '•' | '·') {
            return false;
        }
        if mark.is_some_and(|m| m != c) {
            return false;
        }
        mark = Some(c);
        count += 1;
    }
    count >= 3
}

/// The mark of an underline line (`=====`, `-----`, `~~~~~` …): one character, at least 3.
fn underline_mark(text: &str) -> Option<char> {
    let mark = text.chars().next()?;
    let is_mark = matches!(mark, '=' | '-' | '~' | '^' | '*' | '#' | '+' | '_');
    (is_mark && text.chars().count() >= 3 && text.chars().all(|c| c == mark)).then_some(mark)
}

/// Small words left lower-case in title case.
const SMALL_WORDS: &[&str] = &[
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
fn heading_style(text: &str) -> Option<HeadingStyle> {
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
fn heading_text(style: HeadingStyle, text: &str) -> String {
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

/// Lines to keep verbatim as a whole group, and why: box drawing, ASCII table borders, pipe
/// tables, columns aligned on white space, or code.
fn preformatted_reason(group: &[Line<'_>]) -> Option<&'static str> {
    if group.iter().any(|line| line.text.chars().any(|c| ('\u{2500}'..='\u{257F}').contains(&c))) {
        return Some("box-drawing characters: kept verbatim");
    }
    if group.len() < 2 {
        return None;
    }
    let border = |text: &str| {
        text.len() >= 3
            && text.starts_with(['+', '|'])
            && text.ends_with(['+', '|'])
            && text.chars().all(|c| matches!(c, '+' | '-' | '=' | '|' | ':' | ' '))
            && text.contains(['-', '='])
    };
    if group.iter().any(|line| border(line.text)) {
        return Some("ASCII table borders: kept verbatim");
    }
    let piped = group.iter().filter(|line| line.text.matches('|').count() >= 2).count();
    if piped >= 2 && piped * 10 >= group.len() * 8 {
        return Some("table columns separated by |: kept verbatim");
    }
    if aligned_columns(group) {
        return Some("columns aligned on runs of spaces: kept verbatim");
    }
    let code_like = |text: &str| {
        let statement =
            text.ends_with(';') && text.contains(['=', '(']) && parse_marker(text).is_none();
        text.ends_with(['{', '}'])
            || text == "};"
            || statement
            || text.starts_with("#include")
            || text.starts_with("//")
    };
    let code_lines = group.iter().filter(|line| code_like(line.text)).count();
    if code_lines >= 2 && code_lines * 2 >= group.len() {
        return Some("code (lines end with { } or are statements ending in ;): kept verbatim");
    }
    None
}

/// At least two lines, and 60% of the group, have text resuming after a gap of two or more
/// spaces (or a tab) at a column shared with another line. Gaps after `. ! ? :` are ignored:
/// typewriter sentence spacing.
fn aligned_columns(group: &[Line<'_>]) -> bool {
    let mut columns_per_line: Vec<Vec<usize>> = Vec::with_capacity(group.len());
    let mut column_counts: HashMap<usize, usize> = HashMap::new();
    for line in group {
        let mut columns = Vec::new();
        let mut column = 0usize;
        let mut gap = 0usize;
        let mut gap_has_tab = false;
        let mut previous = None;
        let mut before_gap = None;
        // The gap after a list marker (`-<TAB>text`) is not a column.
        let mut skip_gap = parse_marker(line.text).is_some();
        for c in line.raw.chars() {
            if c == ' ' || c == '\t' {
                if gap == 0 {
                    before_gap = previous;
                }
                gap += 1;
                gap_has_tab |= c == '\t';
                column = if c == '\t' { (column / 8 + 1) * 8 } else { column + 1 };
            } else {
                let sentence_gap = matches!(before_gap, Some('.' | '!' | '?' | ':' | ','));
                if column > line.indent && gap > 0 {
                    if (gap >= 2 || gap_has_tab) && !sentence_gap && !skip_gap {
                        columns.push(column);
                    }
                    skip_gap = false;
                }
                gap = 0;
                gap_has_tab = false;
                column += 1;
            }
            previous = Some(c);
        }
        columns.dedup();
        for &column in &columns {
            *column_counts.entry(column).or_default() += 1;
        }
        columns_per_line.push(columns);
    }
    let aligned = columns_per_line
        .iter()
        .filter(|columns| columns.iter().any(|c| column_counts.get(c).is_some_and(|&n| n >= 2)))
        .count();
    aligned >= 2 && aligned * 10 >= group.len() * 6
}

/// The lines' text with their common leading white space removed.
fn verbatim(lines: &[Line<'_>]) -> String {
    let prefix = lines
        .iter()
        .filter(|line| line.has_text())
        .map(|line| &line.raw[..line.raw.len() - line.text.len()])
        .reduce(|a, b| {
            let common = a
                .char_indices()
                .zip(b.chars())
                .find(|((_, x), y)| x != y)
                .map_or(a.len().min(b.len()), |((i, _), _)| i);
            &a[..common]
        })
        .unwrap_or("");
    let mut out = String::new();
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        out.push_str(line.raw.strip_prefix(prefix).unwrap_or(line.text));
    }
    out
}

/// A list marker: `-`, `*`, `+`, `•` …, or `1.`, `1)`, `(1)`, `a)`, `iv.` … followed by white
/// space and text.
#[derive(Debug, Clone, Copy)]
struct Marker<'a> {
    ordered: Option<OrderedMarker<'a>>,
    /// Byte offset of the item's text in the line's text.
    content_start: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct OrderedMarker<'a> {
    token: &'a str,
    delimiter: Delimiter,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delimiter {
    Period,
    Paren,
    Enclosed,
}

const BULLETS: &[char] = &['-', '*', '+', '•', '◦', '‣', '▪', '▸', '►', '–', '·', '●', '○'];

fn parse_marker(text: &str) -> Option<Marker<'_>> {
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
fn start_style(token: &str) -> Option<(NumberStyle, u64)> {
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
fn value_in(style: NumberStyle, token: &str) -> Option<u64> {
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
fn roman_value(token: &str) -> Option<u64> {
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
    (to_roman(total) == token).then_some(total)
}

fn to_roman(mut value: u64) -> String {
    const TABLE: &[(u64, &str)] = &[
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for &(amount, numeral) in TABLE {
        while value >= amount {
            out.push_str(numeral);
            value -= amount;
        }
    }
    out
}

/// Decides the candidates: title repetitions, bylines, headings with nothing after them, runs
/// of short lines that are lists of names rather than headings.
fn resolve(structure: &mut Structure) {
    let title = structure.pieces.iter().find_map(|p| match &p.kind {
        PieceKind::Title(text) => Some(normalize_for_compare(text)),
        _ => None,
    });
    let pieces = std::mem::take(&mut structure.pieces);
    let is_plain_candidate = |p: &Piece| {
        matches!(
            &p.kind,
            PieceKind::Candidate {
                style: HeadingStyle::AllCaps | HeadingStyle::TitleCase | HeadingStyle::SentenceCase,
                ..
            }
        )
    };
    // Length of the run of plain candidates each piece belongs to (0 outside runs), in one pass.
    let mut run_lengths = vec![0usize; pieces.len()];
    let mut run_start = 0;
    for index in 0..=pieces.len() {
        if index < pieces.len() && is_plain_candidate(&pieces[index]) {
            continue;
        }
        for length in &mut run_lengths[run_start..index] {
            *length = index - run_start;
        }
        run_start = index + 1;
    }
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len() + 1);
    let mut skip_next = false;
    for index in 0..pieces.len() {
        if std::mem::take(&mut skip_next) {
            continue;
        }
        let mut piece = pieces[index].clone();
        let single_text = match &piece.kind {
            PieceKind::Candidate { text, .. } => Some(text.clone()),
            PieceKind::Paragraph(text) if piece.first == piece.last => Some(text.clone()),
            _ => None,
        };
        let Some(text) = single_text else {
            out.push(piece);
            continue;
        };
        let previous = index.checked_sub(1).map(|i| &pieces[i]);
        let next = pieces.get(index + 1);
        if title.as_deref() == Some(normalize_for_compare(&text).as_str())
            && !previous.is_some_and(|p| matches!(p.kind, PieceKind::Title(_)))
        {
            if !out
                .last()
                .is_some_and(|p| matches!(p.kind, PieceKind::ThematicBreak | PieceKind::PageBreak))
            {
                out.push(Piece {
                    first: piece.first,
                    last: piece.first,
                    kind: PieceKind::ThematicBreak,
                    rule: "separates the article from the page residue that follows".into(),
                });
            }
            piece.kind = PieceKind::Paragraph(text);
            piece.rule =
                "repeats the title: page residue, kept as text (not a second title)".into();
            out.push(piece);
            continue;
        }
        if let Some(("Title", value)) = field(&text) {
            if title.is_none() && structure.field_title.is_none() {
                structure.field_title = Some(value.to_string());
                piece.rule =
                    "field Title: gives the document title (the line stays as text)".into();
            }
        }
        if let Some(names) = byline(&text, previous, next) {
            for name in names {
                if !structure.authors.contains(&name) {
                    structure.authors.push(name);
                }
            }
            piece.kind = PieceKind::Paragraph(text);
            piece.rule = "byline: author name (added to the metadata), kept as text".into();
            out.push(piece);
            continue;
        }
        let PieceKind::Candidate { style, .. } = piece.kind else {
            out.push(piece);
            continue;
        };
        let nothing_follows = next.is_none_or(|p| matches!(p.kind, PieceKind::PageBreak));
        let run = run_lengths[index];
        let substantial_paragraph_follows = next.is_some_and(|p| match &p.kind {
            PieceKind::Paragraph(t) => word_count(t) >= 20 || has_two_sentences(t),
            _ => false,
        });
        if nothing_follows {
            piece.kind = PieceKind::Paragraph(text);
            piece.rule = format!("{}, but nothing follows it: a paragraph", style.describe());
        } else if is_plain_candidate(&piece) && run >= 3 {
            piece.kind = PieceKind::Paragraph(text);
            piece.rule = format!(
                "one of {run} short lines in a row (names, contents): paragraphs, not headings"
            );
        } else if style == HeadingStyle::SentenceCase && !substantial_paragraph_follows {
            piece.kind = PieceKind::Paragraph(text);
            piece.rule = "short line, but no long paragraph follows it: a paragraph".into();
        } else if let (HeadingStyle::Keyword(_), Some(title_piece), true) =
            (style, next, pieces.get(index + 2).is_some())
        {
            // `CHAPTER I.` then `THE LAMP` on its own: the chapter's title.
            let title = match &title_piece.kind {
                PieceKind::Candidate {
                    style: HeadingStyle::AllCaps | HeadingStyle::TitleCase,
                    text: title,
                } if !text.contains(HARD_BREAK) => Some(title.clone()),
                _ => None,
            };
            match title {
                Some(title) => {
                    piece.kind = PieceKind::Heading {
                        style,
                        text: format!("{text}{HARD_BREAK}{title}"),
                        level: 0,
                    };
                    piece.last = title_piece.last;
                    piece.rule = format!("{}, with its title after it", style.describe());
                    skip_next = true;
                }
                None => piece.kind = PieceKind::Heading { style, text, level: 0 },
            }
        } else {
            piece.kind = PieceKind::Heading { style, text, level: 0 };
        }
        out.push(piece);
    }
    structure.pieces = out;
}

fn normalize_for_compare(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Lines that introduce an author's name on the next line.
const AUTHOR_INTRODUCERS: &[&str] =
    &["photo of author", "about the author", "author", "written by", "posted by", "by"];

/// Byline rules: `By Jane Doe` / `Author: Jane Doe`, or a bare name (2–4 capitalised words)
/// after a line like "Photo of author" or followed by a paragraph that starts with the name.
fn byline(text: &str, previous: Option<&Piece>, next: Option<&Piece>) -> Option<Vec<String>> {
    for prefix in ["By ", "by ", "BY ", "Written by ", "Author: ", "Posted by "] {
        if let Some(rest) = text.strip_prefix(prefix) {
            let names: Vec<String> = rest
                .split(" and ")
                .flat_map(|part| part.split(", "))
                .map(|n| n.trim().to_string())
                .collect();
            if !names.is_empty() && names.len() <= 4 && names.iter().all(|n| is_name(n)) {
                return Some(names);
            }
            return None;
        }
    }
    // `Posted on March 3, 2031 by Lena Fischer`
    let starts_like_byline = ["Posted ", "Published ", "Written ", "Updated ", "Last updated "]
        .iter()
        .any(|p| text.starts_with(p));
    if starts_like_byline {
        let name = text.rsplit_once(" by ").map(|(_, name)| name.trim())?;
        return is_name(name).then(|| vec![name.to_string()]);
    }
    if !is_name(text) {
        return None;
    }
    let introduced = previous.is_some_and(|p| match &p.kind {
        PieceKind::Paragraph(t) | PieceKind::Candidate { text: t, .. } => {
            AUTHOR_INTRODUCERS.contains(&normalize_for_compare(t).trim_end_matches(':'))
        }
        _ => false,
    });
    let bio_follows = next.is_some_and(|p| match &p.kind {
        PieceKind::Paragraph(t) => {
            t.strip_prefix(text).is_some_and(|rest| rest.starts_with([' ', ',', '’', '\'']))
        }
        _ => false,
    });
    (introduced || bio_follows).then(|| vec![text.to_string()])
}

/// 2–4 words, each a capitalised word (`Mary`, `O'Brien`, `Jean-Luc`) or an initial (`J.`).
fn is_name(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    if !(2..=4).contains(&words.len()) || text.chars().count() > 50 {
        return false;
    }
    words.iter().all(|word| {
        let mut chars = word.chars();
        let first_upper = chars.next().is_some_and(char::is_uppercase);
        let rest: Vec<char> = chars.collect();
        let initial = rest == ['.'];
        let capitalised = !rest.is_empty()
            && rest.iter().all(|&c| c.is_alphabetic() || c == '\'' || c == '’' || c == '-')
            && rest.iter().any(|c| c.is_lowercase());
        first_upper && (initial || capitalised)
    }) && !words.iter().any(|w| SMALL_WORDS.contains(&w.to_lowercase().as_str()))
}

/// Joins verbatim pieces separated only by blank lines when all their lines are indented past
/// the base (code with blank lines, a table under its indented caption).
fn merge_indented_preformatted(pieces: &mut Vec<Piece>, lines: &[Line<'_>], base_indent: usize) {
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    // Lines are sorted by number; find a piece's lines by binary search.
    let range = |first: usize, last: usize| {
        let start = lines.partition_point(|l| l.number < first);
        let end = lines.partition_point(|l| l.number <= last);
        &lines[start..end]
    };
    let all_indented = |p: &Piece| {
        matches!(p.kind, PieceKind::Preformatted(_))
            && range(p.first, p.last)
                .iter()
                .filter(|l| l.has_text())
                .all(|l| l.indent >= base_indent + 2)
    };
    for piece in pieces.drain(..) {
        if let Some(previous) = out.last_mut() {
            if all_indented(previous) && all_indented(&piece) {
                let between = range(previous.last + 1, piece.first.saturating_sub(1));
                if previous.last < piece.first && between.iter().all(Line::is_blank) {
                    previous.kind =
                        PieceKind::Preformatted(verbatim(range(previous.first, piece.last)));
                    previous.last = piece.last;
                    previous.rule = "indented, lines kept verbatim (code, verse, tables)".into();
                    continue;
                }
            }
        }
        out.push(piece);
    }
    *pieces = out;
}

/// A short line between the title and the first heading, in a style no other heading uses,
/// is the subtitle.
fn subtitle(pieces: &mut [Piece]) {
    let [first, second, third, ..] = pieces else { return };
    let (PieceKind::Title(_), PieceKind::Heading { style, text, .. }, PieceKind::Heading { .. }) =
        (&first.kind, &second.kind, &third.kind)
    else {
        return;
    };
    if !matches!(style, HeadingStyle::TitleCase | HeadingStyle::AllCaps)
        || text.contains(HARD_BREAK)
    {
        return;
    }
    let style = *style;
    let text = text.clone();
    let shared = pieces[2..]
        .iter()
        .any(|p| matches!(p.kind, PieceKind::Heading { style: s, .. } if s == style));
    if !shared {
        pieces[1].kind = PieceKind::Subtitle(text);
        pieces[1].rule = "subtitle: short line between the title and the first heading, in a style no heading uses".into();
    }
}

/// An underlined first heading whose style no other heading uses is the title.
fn underlined_title(pieces: &mut [Piece]) {
    if pieces.iter().any(|p| matches!(p.kind, PieceKind::Title(_))) {
        return;
    }
    let Some(first) = pieces.first() else { return };
    let PieceKind::Heading { style: style @ HeadingStyle::Underline { .. }, ref text, .. } =
        first.kind
    else {
        return;
    };
    let shared = pieces[1..]
        .iter()
        .any(|p| matches!(p.kind, PieceKind::Heading { style: s, .. } if s == style));
    if shared || pieces.len() < 2 {
        return;
    }
    let text = text.clone();
    pieces[0].kind = PieceKind::Title(text);
    pieces[0].rule =
        format!("title: first heading, {}, the only one in that style", style.describe());
}

/// Page breaks at the start or end, or right after another, would only make empty pages.
fn collapse_page_breaks(pieces: &mut Vec<Piece>) {
    let is_break = |p: &Piece| matches!(p.kind, PieceKind::PageBreak);
    let mut out: Vec<Piece> = Vec::with_capacity(pieces.len());
    for piece in pieces.drain(..) {
        let at_start = out.iter().all(|p: &Piece| matches!(p.kind, PieceKind::Title(_)));
        if is_break(&piece) && (at_start || out.last().is_some_and(is_break)) {
            continue;
        }
        out.push(piece);
    }
    while out.last().is_some_and(is_break) {
        out.pop();
    }
    *pieces = out;
}

/// Heading levels: each style present gets a rank, and the ranks are numbered 1, 2, 3 … in
/// order: Part/Book, Chapter/Appendix, Section/Scene, underlines (in order of first use),
/// capitals and `1.` numbering, `1.1` numbering (and title case when capitals are also used),
/// deeper numbering.
fn assign_levels(pieces: &mut [Piece]) {
    let styles: Vec<HeadingStyle> = pieces
        .iter()
        .filter_map(|p| match p.kind {
            PieceKind::Heading { style, .. } => Some(style),
            _ => None,
        })
        .collect();
    let mut underline_order: Vec<HeadingStyle> = Vec::new();
    for style in &styles {
        if matches!(style, HeadingStyle::Underline { .. }) && !underline_order.contains(style) {
            underline_order.push(*style);
        }
    }
    let has_caps = styles.contains(&HeadingStyle::AllCaps);
    let has_chapters = styles.contains(&HeadingStyle::Keyword(1));
    let rank = |style: HeadingStyle| -> (u8, u8) {
        match style {
            HeadingStyle::Keyword(3) if has_chapters => (1, 0),
            HeadingStyle::Keyword(3) => (4, 0),
            HeadingStyle::Keyword(k) => (k, 0),
            HeadingStyle::Underline { .. } => {
                (3, underline_order.iter().position(|s| *s == style).unwrap_or(0) as u8)
            }
            HeadingStyle::AllCaps => (4, 0),
            HeadingStyle::Numbered(depth) => (4, depth.saturating_sub(1)),
            HeadingStyle::Hashes(depth) => (3, 100 + depth),
            HeadingStyle::TitleCase | HeadingStyle::SentenceCase => (4, u8::from(has_caps)),
        }
    };
    let mut ranks: Vec<(u8, u8)> = styles.iter().map(|s| rank(*s)).collect();
    ranks.sort_unstable();
    ranks.dedup();
    for piece in pieces.iter_mut() {
        if let PieceKind::Heading { style, level, .. } = &mut piece.kind {
            let position = ranks.iter().position(|r| *r == rank(*style)).unwrap_or(0);
            *level = u8::try_from(position + 1).unwrap_or(6).min(6);
            piece.rule = format!("{}, level {level}", piece.rule);
        }
    }
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
        assert_eq!(heading_style("The art of war"), None);
        assert_eq!(heading_style("Done."), None);
        assert_eq!(heading_style("“Quoted Words”"), None);
    }

    #[test]
    fn names() {
        assert!(is_name("Nancy Sherman"));
        assert!(is_name("J. R. Tolkien"));
        assert!(is_name("Mary-Jane O'Brien"));
        assert!(!is_name("Photo of author"));
        assert!(!is_name("Nancy"));
        assert!(!is_name("The Big Sleep"));
    }

    #[test]
    fn titles() {
        assert!(is_title_like("How Do You Massage Your Breasts To Induce Lactation?"));
        assert!(!is_title_like("This is a sentence."));
        assert!(!is_title_like("Hi there. This is me"));
        assert!(!is_title_like("1. Introduction"));
    }
}

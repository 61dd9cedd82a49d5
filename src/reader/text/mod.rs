//! The plain-text reader: recovers a document's structure from a `.txt` file by documented
//! heuristics, and can explain every decision (`--explain`). Nothing is lost: every word of the
//! input appears in the model, in order (the title in the metadata, the rest in the body).
//!
//! This documentation is the user-facing specification of the rules. The work is split into
//! `encoding.rs` (bytes → text), `lines.rs` (lines and layout), `blocks.rs` (block rules),
//! `headings.rs` (title and heading line tests), `markers.rs` (list markers and numbering),
//! `inline.rs` (links, emphasis, punctuation) and `explain.rs` (the `--explain` report).
//!
//! # Encoding
//! 1. A byte order mark decides: UTF-8, UTF-16 LE or UTF-16 BE (the BOM is dropped).
//! 2. Valid UTF-8 is UTF-8 — unless nearly every other byte is zero, which is UTF-16 without a
//!    BOM.
//! 3. UTF-8 with some invalid bytes (it also holds valid multi-byte sequences) is read as UTF-8
//!    with each invalid byte read as Windows-1252: *mixed encodings*, with a warning naming the
//!    first bad byte's offset and the count.
//! 4. Anything else is a legacy 8-bit (or CJK) file: chardetng guesses the encoding from byte
//!    statistics, and a warning says which one was used.
//! 5. `--encoding NAME` (any WHATWG label: `latin1`, `windows-1252`, `utf-16le`, `koi8-r` …)
//!    overrides detection. Bytes invalid in the chosen encoding become U+FFFD, with a warning
//!    naming the first one's byte offset. Decoding never fails except for an unknown label.
//! 6. Control characters other than tab, line feed, carriage return and form feed are removed
//!    (with a warning): no output format can carry them.
//!
//! # Lines and layout
//! CRLF and CR line endings become LF. A form feed splits its line and becomes a page break
//! (page breaks at the start, at the end or next to another are dropped). Tabs advance to the
//! next multiple of 8 columns. The **base indentation** is the most common indentation of text
//! lines; only indentation beyond it (by 2 or more columns) means something.
//!
//! The reader then decides whether the file is **hard-wrapped**, from its *continuing* lines:
//! lines followed by a line that starts in lower case (the sentence runs on), neither a list
//! item, not both indented. At least two of them, and 40%, must end within a band
//! `[W - max(8, W/5), W]` for some wrap width `W` of 30 to 400 columns, and continuing lines must
//! be at least a quarter of the lines followed by text. Otherwise line breaks are the author's
//! (one paragraph per line, notes, verse, addresses).
//!
//! # Blocks, in the order they are tried
//! - **Title**: the first text line, alone (followed by a blank line and more text), at most
//!   120 characters and 20 words, one sentence (initials and abbreviations such as `A. N.
//!   Author`, `Dr. No` do not end sentences), not ending in `. , ; :` (`?` and `!` are fine), not
//!   a list item, link, numbered heading or section name (`Introduction`, `Contents` …). Up to
//!   three leading groups of web navigation (`Skip to content`, `Menu`, or 2+ lines of at most
//!   three words such as `Home` / `About` / `Contact`) are passed over, and kept. It goes
//!   to the metadata and is shown once, as the document title (`# Title` loses its `#`). A first
//!   heading underlined in a style no other heading uses is the title too; without either, a
//!   `Title: …` line gives it (the line stays in the text, as e-text headers have it). A short
//!   line between the title and the first heading, in a capitals or title-case style no heading
//!   uses, is the **subtitle** (metadata too).
//! - **Preformatted groups** (a group is a run of lines between blank lines), kept verbatim in
//!   monospace: box-drawing characters; ASCII table borders (`+----+`); two or more lines with
//!   two or more `|`; columns aligned on runs of 2+ spaces or tabs (text resuming at one column
//!   in at least 60% of the lines and two of them, ignoring gaps after `. ! ? : ,` and after a
//!   list marker); code (half the lines end with `{`/`}`, are statements ending in `;` with `=`
//!   or `(`, or start with `//` or `#include`).
//! - **Mail quotes**: lines starting with `>` (then a space, `>` or nothing) form a block quote;
//!   one `>` is removed and the rest is read by these same rules, so quotes nest (8 deep) and may
//!   hold lists or headings.
//! - **Underlined headings**: a line under (or between) lines of 3+ repeated `= - ~ ^ * # + _`
//!   at least half as long, at the start of a group or after another block.
//! - **Thematic breaks**: a line of 3+ repeated `- * _ = ~ # + •` (spaces allowed): `* * *`.
//! - **Lists**: lines starting with `- * + • ◦ ‣ ▪ – ·` and a space, or `1.` `1)` `(1)` `a)`
//!   `A.` `iv.` `(ii)`. Items continue on lines indented past the marker (or, in hard-wrapped
//!   text, on unindented lines when the previous line did not end early). A marker indented
//!   further starts a nested list (up to 8 levels; deeper markers stay text). The next item must
//!   continue the numbering (`1. 2. 3.`, `a) b)`, `i. ii.`) with the same delimiter, else a new
//!   list starts, so no number is lost; `i`/`I` start roman lists, other single letters
//!   alphabetic ones. Blank lines between items make the list loose; a paragraph indented to the
//!   item's text after a blank line belongs to the item. A single `A.`/`i.`-style item is not a
//!   list (it is more likely an initial). Inside a paragraph, a marker line starts a list only
//!   after a line ending with `:` or ending early (or in text that is not hard-wrapped).
//! - **Headings**: a short line standing alone between blank lines, followed by more text:
//!   - keyword numbering: `Part`/`Book`/`Volume`, `Chapter`/`Act`/`Lesson`/`Unit`,
//!     `Section`/`Scene`/`Canto`/`Article`, `Appendix`, capitalised, then a number (`4`, `IV`,
//!     `Four`, `A` for appendices) and optionally `.`/`:` and a title (`CHAPTER IV.`,
//!     `Chapter 4: The Storm`); its title may stand on the next line (`CHAPTER I` / `THE BOY`) or
//!     alone after a blank line (`CHAPTER I.` … `THE LAMP`), joined after a line break;
//!   - numbering: `1. Introduction`, `2.3 Data collection`, `IV. RESULTS` (a single `1. Text`
//!     followed by `2. …` is a loose list instead);
//!   - hashes: `## Results` (1–6 `#` and a space, the Markdown habit);
//!   - capitals: `INTRODUCTION` (3+ letters, no lower case, at most 80 characters);
//!   - title case: `The Art of War` (every word capitalised except small words such as `of`,
//!     `the`, `and`), at most 80 characters and 14 words;
//!   - sentence case: `How to store potatoes` (2–6 words, at most 50 characters, no digits or
//!     `, ; : . !`), only when a paragraph of 20+ words or two sentences follows.
//!
//!   A candidate is not a heading when it ends with `. , ; :`, starts with a quote, bracket, `*`
//!   or `-`, contains a link, is a `Field: value` line (`Release date: May 1`), or is the last
//!   block (nothing follows it); three or more capitals/title/sentence-case candidates in a row
//!   are names or a table of contents, so they stay paragraphs.
//!
//!   **Levels**: each style used gets a rank, and ranks are numbered 1, 2, 3 … in this order:
//!   Part; Chapter (and Appendix, when chapters are used); Section; underline styles in order of
//!   first use; `#`, `##` …; capitals, depth-1 numbering and Appendix without chapters; depth-2
//!   numbering (and title and sentence case, when capitals are used too); deeper numbering. So
//!   `1.` headings are level 1 and `1.1` level 2 when nothing ranks above them.
//! - **Indented runs** (2+ lines, or a lone line, indented past the base): prose becomes a block
//!   quote (3+ words per line, mostly letters; a lone line of 8+ words, or 2+ lines at least 50
//!   columns wide that are wrapped rather than ending early); anything else (code, verse,
//!   diagrams) is preformatted with its common indentation removed. Indented preformatted blocks
//!   separated only by blank lines are one block.
//! - **Paragraphs**: the rest, split at blank lines. In hard-wrapped text, a line break is
//!   joined (soft) unless the next line's first word would have fit on the line with
//!   `max(3, W/8)` columns to spare: an *early* break. A block where at least half the breaks
//!   are early is line-oriented (verse, addresses): its early breaks are kept, or end the
//!   paragraph after a sentence (`. ! ? :`). In other blocks an early break is the wrapper
//!   balancing its lines (GNU `fmt` does) and is joined, unless it follows a sentence and the
//!   line is short (the next word would fit in 60% of the width), which ends the paragraph. A
//!   line indented more than the previous one (first-line indentation) starts a paragraph. In
//!   text that is not hard-wrapped every break is kept, and one after a sentence starts a new
//!   paragraph, except that a line of 40+ columns running on into a lower-case word is joined.
//!   Runs of spaces inside a paragraph collapse to one.
//! - **De-hyphenation**: a line ending in `letter-` or `digit-` (not `--`) is joined to the next
//!   line without a space, whether or not the break was early; the hyphen is dropped only when
//!   the next line starts in lower case, the joined word occurs elsewhere in the document and
//!   the hyphenated form does not. Otherwise the hyphen stays (`self-` + `governing`).
//! - **Page residue and bylines**: a later line repeating the title (web pages repeat it above
//!   the author box) stays as a paragraph, after a thematic break that separates the article
//!   from the residue. `By Jane Doe`, `Author: Jane Doe`, `Posted on … by Jane Doe`, or a bare
//!   name (2–4 capitalised words) after a line such as `Photo of author`/`About the author` or
//!   followed by a paragraph starting with the name, adds the name to the metadata's authors and
//!   stays as a paragraph.
//!
//! # Inline content
//! - URLs (`http://`, `https://`, `ftp://`, `mailto:`, `file://`, `www.`) and e-mail addresses
//!   become links; leading brackets and quotes, trailing sentence punctuation and unbalanced
//!   closing brackets are not part of them.
//! - `_text_` becomes emphasis and `*text*` strong emphasis (the e-text convention): the opening
//!   mark follows white space or an opening bracket or quote and precedes text, the closing mark
//!   follows text and precedes white space or punctuation, at most 200 characters apart, within
//!   one paragraph. `snake_case`, `__init__` and `5 * 3` stay as they are.
//! - Smart punctuation (on by default, `--no-smart` turns it off) where the input used straight
//!   ASCII: `"` and `'` become curly quotes by context (apostrophes in `don't`, `'90s`, `'tis`;
//!   `5'10"` stays), `---` and `--` become an em dash (an en dash between digits; `--verbose`
//!   stays), a spaced ` - ` between words an en dash, `...` an ellipsis. Existing typographic
//!   characters are kept, and preformatted text is never changed.

mod blocks;
mod encoding;
mod explain;
mod headings;
mod inline;
mod lines;
mod markers;

use crate::error::{Result, Warning};
use crate::model::{Block, Document, List, ListItem};

use super::ReadOptions;
use blocks::{Piece, PieceKind, Structure};

/// Options of the plain-text reader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextOptions {
    /// Typographic punctuation from straight ASCII (curly quotes, dashes, ellipsis).
    pub smart: bool,
    /// Forced encoding label (`windows-1252`, `utf-16le` …) instead of detection.
    pub encoding: Option<String>,
}

impl TextOptions {
    /// Takes the text reader's settings from the common reader options.
    pub fn from_read_options(options: &ReadOptions) -> Self {
        TextOptions { smart: options.smart.unwrap_or(true), encoding: options.encoding.clone() }
    }
}

/// Everything the reader found, shared by [`read`] and [`explain`].
struct Analysis {
    document: Document,
    warnings: Vec<Warning>,
    explanation: String,
}

fn analyze(input: &[u8], options: &TextOptions) -> Result<Analysis> {
    let decoded = encoding::decode(input, options.encoding.as_deref())?;
    let text = lines::normalize_newlines(&decoded.text);
    let lines = lines::split_lines(&text);
    let layout = lines::Layout::measure(&lines);
    let structure = blocks::parse(&lines, &layout);
    let document = build(&structure, options);
    let explanation = explain::describe(&decoded, &layout, &structure);
    Ok(Analysis { document, warnings: decoded.warnings, explanation })
}

/// Reads plain text into the model.
///
/// ```
/// use folio::reader::text::{read, TextOptions};
/// use folio::model::Block;
/// let options = TextOptions { smart: true, encoding: None };
/// let (document, warnings) = read(b"My Notes\n\nIt's \"done\".\n", &options).unwrap();
/// assert_eq!(document.meta.title.as_deref(), Some("My Notes"));
/// assert!(matches!(&document.blocks[0], Block::Paragraph(_)));
/// assert!(warnings.is_empty());
/// ```
pub fn read(input: &[u8], options: &TextOptions) -> Result<(Document, Vec<Warning>)> {
    let analysis = analyze(input, options)?;
    Ok((analysis.document, analysis.warnings))
}

/// Describes, block by block, what the reader detected and which rule decided it (`--explain`):
/// one line per top-level block, `line 12-18  paragraph   rule: …`, after the encoding and
/// layout findings.
pub fn explain(input: &[u8], options: &TextOptions) -> Result<String> {
    Ok(analyze(input, options)?.explanation)
}

fn build(structure: &Structure, options: &TextOptions) -> Document {
    let mut document = Document::default();
    let smart = |text: &String| {
        if options.smart {
            inline::smart_text(text)
        } else {
            text.replace(inline::HARD_BREAK, " ")
        }
    };
    for piece in &structure.pieces {
        match &piece.kind {
            PieceKind::Title(title) => document.meta.title = Some(smart(title)),
            PieceKind::Subtitle(subtitle) => document.meta.subtitle = Some(smart(subtitle)),
            _ => {}
        }
    }
    if document.meta.title.is_none() {
        document.meta.title = structure.field_title.as_ref().map(smart);
    }
    document.meta.authors = structure.authors.clone();
    document.blocks = build_blocks(&structure.pieces, options.smart, false);
    document
}

fn build_blocks(pieces: &[Piece], smart: bool, tight: bool) -> Vec<Block> {
    let mut blocks = Vec::with_capacity(pieces.len());
    for piece in pieces {
        let block = match &piece.kind {
            PieceKind::Title(_) | PieceKind::Subtitle(_) => continue,
            PieceKind::Heading { text, level, .. } => Block::Heading {
                level: *level,
                attr: Default::default(),
                content: inline::inlines(text, smart).into(),
            },
            // Unresolved candidates do not survive `blocks::parse`; a paragraph is the safe
            // reading if one ever does.
            PieceKind::Candidate { text, .. } | PieceKind::Paragraph(text) => {
                let content = inline::inlines(text, smart).into();
                if tight {
                    Block::Plain(content)
                } else {
                    Block::Paragraph(content)
                }
            }
            PieceKind::Quote(content) => {
                Block::BlockQuote { alert: None, content: build_blocks(content, smart, false) }
            }
            PieceKind::Preformatted(text) => Block::Preformatted(text.clone()),
            PieceKind::List(list) => Block::List(List {
                kind: list.kind,
                tight: list.tight,
                items: list
                    .items
                    .iter()
                    .map(|item| ListItem {
                        task: None,
                        content: build_blocks(item, smart, list.tight),
                    })
                    .collect(),
            }),
            PieceKind::ThematicBreak => Block::ThematicBreak,
            PieceKind::PageBreak => Block::PageBreak,
        };
        blocks.push(block);
    }
    blocks
}

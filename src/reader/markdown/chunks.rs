//! Large Markdown bodies read in pieces: the body is cut where a top-level block begins, the
//! pieces are parsed in parallel, and [`super::assemble`] joins them. The model is the one a
//! single parse of the whole body gives — the differential tests (`tests/markdown_pieces.rs`)
//! hold it to that — and the whole parse tree of pulldown-cmark (about six times the input)
//! never exists at once.
//!
//! Cutting is safe only where no block can continue past the cut. A cut goes before a line at
//! column 0 that follows a blank line and starts an ATX heading (or, where no definition list
//! can be open, a letter): after a blank line such a line ends every container (list items and
//! footnote definitions need indentation, quotes need `>`, paragraphs and tables end at the
//! blank line). Only fenced code and HTML blocks of the kinds that end at a marker run on; the
//! line scanner here avoids cutting inside them, and since it cannot know containers it can be
//! wrong, so each piece reports whether its end closed such a block, and any such piece makes
//! the body be read whole.
//!
//! What one piece can refer to in another is carried across:
//! - link reference definitions: collected from the pieces that may hold one, and offered to
//!   every parse through pulldown-cmark's broken-link callback. A label defined in two pieces
//!   (where the first must win) means reading whole.
//! - footnotes: a reference only counts when its label is defined somewhere, so a piece gets
//!   stub definitions (dropped again by the tree builder) for the labels it references that
//!   other pieces define; the notes are resolved once all pieces are joined. The label scan is
//!   a superset; a stub whose label turns out not to be defined anywhere means reading whole.
//! - pulldown-cmark's limit on bytes expanded from reference definitions applies per parse: a
//!   body that comes within half of it, in a piece or in total, is read whole.

use std::collections::HashMap;
use std::ops::Range;

use memchr::memmem;
use pulldown_cmark::{CowStr, Options, Parser};
use rayon::prelude::*;
use unicase::UniCase;

use super::{parse_into, Lines, Part, TreeBuilder};

/// Bodies shorter than this are read whole: a piece saves memory and lets two cores share the
/// work only when there is enough of it.
pub(super) const MIN_CHUNKED_LEN: usize = 256 * 1024;

/// The length a piece grows to before it is cut at the next safe line. pulldown-cmark's tree for
/// a piece is some six times its text and one is alive per thread, so this bounds the reader's
/// scratch memory; 32 KB halved it against 64 KB at no measurable cost in speed.
pub(super) const PIECE_LEN: usize = 32 * 1024;

/// The least pulldown-cmark lets a parse expand from reference definitions (its
/// `link_ref_expansion_limit` is the text's length, at least this).
const MIN_EXPANSION_LIMIT: usize = 100_000;

/// Parses `body` in pieces of about `piece_len` bytes, or returns `None` when it must be read
/// whole: it has no safe cut, or a piece refers to another in a way that cannot be carried over.
pub(super) fn read_pieces(
    body: &str,
    options: Options,
    line_offset: usize,
    piece_len: usize,
) -> Option<Vec<Part>> {
    let ranges = cut(body, piece_len);
    if ranges.len() < 2 {
        return None;
    }
    let pieces: Vec<&str> = ranges.iter().map(|range| &body[range.clone()]).collect();
    let footnotes = options.contains(Options::ENABLE_FOOTNOTES);
    let links = LinkDefinitions::collect(&pieces, options, footnotes)?;
    let stubs = if footnotes { footnote_stubs(&pieces)? } else { vec![Vec::new(); pieces.len()] };

    let parts: Vec<Part> = ranges
        .par_iter()
        .zip(&stubs)
        .enumerate()
        .map(|(index, (range, stubs))| {
            let piece = &body[range.clone()];
            let with_stubs;
            let (text, prefix_len, stub_range) = if stubs.is_empty() {
                (piece, 0, 0..0)
            } else if index == 0 {
                with_stubs = stubs_after(piece, stubs);
                (with_stubs.as_str(), 0, piece.len()..with_stubs.len())
            } else {
                with_stubs = stubs_before(stubs, piece);
                let prefix_len = with_stubs.len() - piece.len();
                (with_stubs.as_str(), prefix_len, 0..prefix_len)
            };
            let lines = Lines { body, piece_start: range.start, prefix_len, line_offset };
            let mut builder = TreeBuilder::new(index, lines, text.len(), stub_range);
            parse_into(&mut builder, text, options, links.as_ref());
            builder.finish()
        })
        .collect();

    // The last piece ends where the body does, so a block its end closes is closed in a whole
    // read too.
    let (_, cut_parts) = parts.split_last()?;
    if cut_parts.iter().any(|part| part.open_at_end) {
        return None;
    }
    let mut expanded = 0;
    for (part, piece) in parts.iter().zip(&pieces) {
        expanded += part.reference_expansion;
        if part.reference_expansion >= piece.len().max(MIN_EXPANSION_LIMIT) / 2 {
            return None;
        }
    }
    if expanded >= body.len().max(MIN_EXPANSION_LIMIT) / 2 {
        return None;
    }
    if footnotes && !stubs_all_defined(&parts, &stubs) {
        return None;
    }
    Some(parts)
}

/// Cuts `body` into pieces of at least `piece_len` bytes (the last may be shorter), each
/// starting at a line where a top-level block begins (see the module documentation).
pub(super) fn cut(body: &str, piece_len: usize) -> Vec<Range<usize>> {
    let bytes = body.as_bytes();
    let mut starts = vec![0];
    let mut open = Open::Nothing;
    let mut after_blank = false;
    // A line starting with `:` may continue a definition list across a blank line, so a letter
    // line may not start a piece until an ATX heading has closed the list.
    let mut definition_list_possible = false;
    let mut position = 0;
    while position < bytes.len() {
        let end =
            memchr::memchr(b'\n', &bytes[position..]).map_or(bytes.len(), |i| position + i + 1);
        let line = &bytes[position..end];
        let blank = line.iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'));
        match open {
            Open::Nothing => {
                let heading = is_atx_heading(line);
                if heading {
                    definition_list_possible = false;
                }
                let starts_block = heading
                    || (!definition_list_possible
                        && line.first().is_some_and(u8::is_ascii_alphabetic));
                let last_start = starts.last().copied().unwrap_or(0);
                if after_blank && starts_block && position - last_start >= piece_len {
                    starts.push(position);
                }
                if indentation(line).is_some_and(|(_, rest)| rest.first() == Some(&b':')) {
                    definition_list_possible = true;
                }
                open = opened_by(line);
            }
            Open::Fence { marker, len } => {
                if closes_fence(line, marker, len) {
                    open = Open::Nothing;
                }
            }
            Open::Html { end } => {
                if contains_ignoring_case(line, end) {
                    open = Open::Nothing;
                }
            }
        }
        after_blank = blank;
        position = end;
    }
    let mut ranges: Vec<Range<usize>> = starts.windows(2).map(|pair| pair[0]..pair[1]).collect();
    ranges.push(starts.last().copied().unwrap_or(0)..bytes.len());
    ranges
}

/// A block the line scanner believes open, which a blank line does not end.
#[derive(Clone, Copy)]
enum Open {
    Nothing,
    Fence {
        marker: u8,
        len: usize,
    },
    /// An HTML block that ends at the line containing `end` (lower case).
    Html {
        end: &'static [u8],
    },
}

/// Up to three spaces of indentation, then the rest of the line.
fn indentation(line: &[u8]) -> Option<(usize, &[u8])> {
    let spaces = line.iter().take(4).take_while(|&&b| b == b' ').count();
    (spaces < 4).then(|| (spaces, &line[spaces..]))
}

fn is_atx_heading(line: &[u8]) -> bool {
    let hashes = line.iter().take_while(|&&b| b == b'#').count();
    (1..=6).contains(&hashes)
        && matches!(line.get(hashes), None | Some(b' ' | b'\t' | b'\r' | b'\n'))
}

/// The fenced code or HTML block that `line` opens (and does not close on the same line).
fn opened_by(line: &[u8]) -> Open {
    let Some((_, rest)) = indentation(line) else { return Open::Nothing };
    if let Some(&marker @ (b'`' | b'~')) = rest.first() {
        let len = rest.iter().take_while(|&&b| b == marker).count();
        let info = &rest[len..];
        if len >= 3 && !(marker == b'`' && info.contains(&b'`')) {
            return Open::Fence { marker, len };
        }
        return Open::Nothing;
    }
    if rest.first() != Some(&b'<') {
        return Open::Nothing;
    }
    let after = &rest[1..];
    let end: &'static [u8] = if after.starts_with(b"!--") {
        b"-->"
    } else if after.starts_with(b"![CDATA[") {
        b"]]>"
    } else if after.starts_with(b"?") {
        b"?>"
    } else if after.first() == Some(&b'!') && after.get(1).is_some_and(u8::is_ascii_alphabetic) {
        b">"
    } else {
        const RAW_TAGS: [(&[u8], &[u8]); 4] = [
            (b"script", b"</script>"),
            (b"pre", b"</pre>"),
            (b"style", b"</style>"),
            (b"textarea", b"</textarea>"),
        ];
        let raw_tag = RAW_TAGS.into_iter().find(|(tag, _)| {
            after.len() > tag.len()
                && after[..tag.len()].eq_ignore_ascii_case(tag)
                && matches!(after[tag.len()], b' ' | b'\t' | b'>' | b'\r' | b'\n')
        });
        match raw_tag {
            Some((_, end)) => end,
            None => return Open::Nothing,
        }
    };
    if contains_ignoring_case(&after[1..], end) {
        Open::Nothing
    } else {
        Open::Html { end }
    }
}

fn closes_fence(line: &[u8], marker: u8, len: usize) -> bool {
    let Some((_, rest)) = indentation(line) else { return false };
    let run = rest.iter().take_while(|&&b| b == marker).count();
    run >= len && rest[run..].iter().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// Whether `haystack` contains `needle` (ASCII, lower case) in any case.
fn contains_ignoring_case(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|window| window.eq_ignore_ascii_case(needle))
}

/// Link reference definitions of all pieces, by label, for references into other pieces.
pub(super) struct LinkDefinitions {
    by_label: HashMap<UniCase<String>, (String, String)>,
}

impl LinkDefinitions {
    /// Collects the definitions of every piece that may hold one (a first pass of
    /// pulldown-cmark over just those pieces). `Some(None)`: there are none; `None`: a label is
    /// defined in two pieces, so the body must be read whole.
    fn collect(pieces: &[&str], options: Options, footnotes: bool) -> Option<Option<Self>> {
        let found: Vec<Vec<(String, String, String)>> = pieces
            .par_iter()
            .map(|piece| {
                if !may_define_link(piece, footnotes) {
                    return Vec::new();
                }
                let parser = Parser::new_ext(piece, options);
                parser
                    .reference_definitions()
                    .iter()
                    .map(|(label, definition)| {
                        let title = definition.title.as_deref().unwrap_or_default();
                        (label.to_string(), definition.dest.to_string(), title.to_string())
                    })
                    .collect()
            })
            .collect();
        let mut by_label = HashMap::new();
        for (label, dest, title) in found.into_iter().flatten() {
            if by_label.insert(UniCase::new(label), (dest, title)).is_some() {
                return None;
            }
        }
        Some((!by_label.is_empty()).then_some(LinkDefinitions { by_label }))
    }

    /// The destination and title of a reference no definition in its own piece matched.
    pub(super) fn resolve<'a>(&self, label: &str) -> Option<(CowStr<'a>, CowStr<'a>)> {
        let (dest, title) = self.by_label.get(&UniCase::new(label.to_string()))?;
        Some((dest.clone().into(), title.clone().into()))
    }
}

/// Whether `piece` may hold a link reference definition: it has a `]:` that does not close a
/// footnote label on its line (a definition's label may span lines, so any other counts).
fn may_define_link(piece: &str, footnotes: bool) -> bool {
    let bytes = piece.as_bytes();
    memmem::find_iter(bytes, b"]:").any(|colon| {
        if !footnotes {
            return true;
        }
        let line_start = memchr::memrchr(b'\n', &bytes[..colon]).map_or(0, |i| i + 1);
        match memchr::memrchr(b'[', &bytes[line_start..colon]) {
            Some(open) => bytes.get(line_start + open + 1) != Some(&b'^'),
            None => true,
        }
    })
}

/// For each piece, the footnote labels it references that another piece may define; `None` if
/// some definition's label is not one a stub can repeat (spaces, escapes, brackets).
fn footnote_stubs<'p>(pieces: &[&'p str]) -> Option<Vec<Vec<&'p str>>> {
    let scans: Vec<FootnoteScan<'p>> =
        pieces.par_iter().map(|piece| scan_footnotes(piece)).collect();
    if scans.iter().any(|scan| scan.complex_definition) {
        return None;
    }
    // For each defined label, the first piece defining it, whether a second one does, and the
    // label as first written.
    let mut defined: HashMap<UniCase<&str>, (usize, bool, &str)> = HashMap::new();
    for (index, scan) in scans.iter().enumerate() {
        for &label in &scan.defined {
            defined
                .entry(UniCase::new(label))
                .and_modify(|(first, several, _)| *several |= *first != index)
                .or_insert((index, false, label));
        }
    }
    let stubs = scans
        .iter()
        .enumerate()
        .map(|(index, scan)| {
            let mut labels: Vec<&str> = Vec::new();
            let mut seen = std::collections::HashSet::new();
            // A label written with spaces or escapes (`[^ x]`) may still match a definition
            // once pulldown-cmark normalizes it; strip them and match loosely, so the piece
            // gets a stub of the defined label (a stub too many changes nothing).
            let loose: Vec<String> = scan
                .loose_references
                .iter()
                .map(|label| label.chars().filter(|&c| !c.is_whitespace() && c != '\\').collect())
                .collect();
            let referenced =
                scan.referenced.iter().copied().chain(loose.iter().map(String::as_str));
            for label in referenced {
                let key = UniCase::new(label);
                let Some(&(first, several, defined_as)) = defined.get(&key) else { continue };
                if (first != index || several) && seen.insert(UniCase::new(defined_as)) {
                    labels.push(defined_as);
                }
            }
            labels
        })
        .collect();
    Some(stubs)
}

/// `[^label]` occurrences of one piece: a superset of its footnote references and definitions.
struct FootnoteScan<'p> {
    defined: Vec<&'p str>,
    referenced: Vec<&'p str>,
    /// References whose label has spaces, escapes or brackets.
    loose_references: Vec<&'p str>,
    complex_definition: bool,
}

fn scan_footnotes(piece: &str) -> FootnoteScan<'_> {
    let mut scan = FootnoteScan {
        defined: Vec::new(),
        referenced: Vec::new(),
        loose_references: Vec::new(),
        complex_definition: false,
    };
    let bytes = piece.as_bytes();
    for open in memmem::find_iter(bytes, b"[^") {
        let label_start = open + 2;
        // pulldown-cmark's labels are at most 999 bytes long.
        let window = &bytes[label_start..bytes.len().min(label_start + 1000)];
        let Some(close) = memchr::memchr(b']', window) else { continue };
        let label = &piece[label_start..label_start + close];
        let is_definition = bytes.get(label_start + close + 1) == Some(&b':');
        let simple = !label.is_empty()
            && label.bytes().all(|b| !matches!(b, b'\\' | b'[' | b']' | b'^') && b > b' ');
        match (is_definition, simple) {
            // `[^x]:` away from a line's start is a reference followed by a colon.
            (true, true) => {
                scan.defined.push(label);
                scan.referenced.push(label);
            }
            (true, false) => scan.complex_definition = true,
            (false, true) => scan.referenced.push(label),
            (false, false) => scan.loose_references.push(label),
        }
    }
    scan
}

/// The text pulldown-cmark parses for the first piece: the piece, then a stub definition per
/// label. The first piece may begin with an indented line, which a stub before it would take
/// for its own content; its end is safe, since every piece but the last ends after a blank line
/// with no block open (which [`read_pieces`] checks).
fn stubs_after(piece: &str, labels: &[&str]) -> String {
    let mut text = String::with_capacity(piece.len() + labels.len() * 16);
    text.push_str(piece);
    push_stubs(&mut text, labels);
    text
}

/// The text pulldown-cmark parses for a later piece: a stub definition per label, then the
/// piece, which begins at column 0 with a line that ends any footnote definition (see [`cut`]).
/// Not after it: the last piece may end inside a list item's open fence, which would take the
/// blank line before the stubs for code.
fn stubs_before(labels: &[&str], piece: &str) -> String {
    let mut text = String::with_capacity(piece.len() + labels.len() * 16);
    push_stubs(&mut text, labels);
    text.push_str(piece);
    text
}

fn push_stubs(text: &mut String, labels: &[&str]) {
    for label in labels {
        text.push_str("[^");
        text.push_str(label);
        text.push_str("]: .\n\n");
    }
}

/// Whether every stubbed label is really defined somewhere (the scan may have taken a `[^x]:`
/// in code for a definition, and a stub would then make a reference of plain text).
fn stubs_all_defined(parts: &[Part], stubs: &[Vec<&str>]) -> bool {
    let defined: std::collections::HashSet<UniCase<&str>> = parts
        .iter()
        .flat_map(|part| part.definitions.keys())
        .map(|label| UniCase::new(label.as_str()))
        .collect();
    stubs.iter().flatten().all(|label| defined.contains(&UniCase::new(*label)))
}

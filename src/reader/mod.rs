//! Readers: input bytes → [`Document`]. One module per input format, one dispatch function.

pub mod front_matter;
pub mod json;
pub mod markdown;
pub mod text;

use crate::error::{Error, Result, Warning, WarningKind};
use crate::format::{InputFormat, MarkdownFlavor};
use crate::model::{walk, Document};

/// Options for every reader (each reader uses the fields that concern it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// Typographic punctuation from straight ASCII; `None` means the format's default (on for
    /// `markdown` and `text`, off for `gfm` and `commonmark`).
    pub smart: Option<bool>,
    /// Force a text encoding (`windows-1252`, `utf-16le` …) instead of detecting it.
    pub encoding: Option<String>,
}

/// The deepest model any reader returns (see [`walk::depth`]): a paragraph of text at the top
/// level is 2 deep, and each quote, list item, emphasis, link or note adds one. Writers recurse
/// over the model and rely on this bound for their stack use (about 2.5 KB per level for the
/// HTML writer in a debug build). The Markdown reader stays within it by flattening content
/// nested beyond [`markdown::MAX_NESTING`]; a JSON model deeper than this is refused. It is
/// chosen so that every model within it also fits [`json::MAX_JSON_DEPTH`] when written with
/// `-t json` (at most three JSON levels per model level).
pub const MAX_MODEL_DEPTH: usize = 80;

/// Reads `input` in the given format.
pub fn read(
    input: &[u8],
    format: InputFormat,
    options: &ReadOptions,
) -> Result<(Document, Vec<Warning>)> {
    let (document, mut warnings, depth_bound) = read_unchecked(input, format, options)?;
    if format != InputFormat::Json {
        if let Some(warning) = binary_warning(input) {
            warnings.insert(0, warning);
        }
    }
    // Iterative, so even a hostile model cannot overflow the stack here; the writers can rely on
    // the bound afterwards, whichever reader produced the model.
    if depth_bound.is_some_and(|bound| bound <= MAX_MODEL_DEPTH) {
        return Ok((document, warnings));
    }
    let depth = walk::depth(&document.blocks);
    if depth > MAX_MODEL_DEPTH {
        return Err(Error::Limit {
            what: format!("the document's nesting depth ({depth} levels)"),
            limit: MAX_MODEL_DEPTH,
        });
    }
    Ok((document, warnings))
}

/// Reads without the depth check; also returns a bound of the model's depth when the reader
/// knows one, so the check can skip its walk.
fn read_unchecked(
    input: &[u8],
    format: InputFormat,
    options: &ReadOptions,
) -> Result<(Document, Vec<Warning>, Option<usize>)> {
    match format {
        InputFormat::Markdown(flavor) => {
            let (source, mut warnings) = decode_utf8(input);
            let smart = options.smart.unwrap_or(flavor == MarkdownFlavor::Markdown);
            let (document, more, depth_bound) = markdown::read_with_depth_bound(
                &source,
                &markdown::MarkdownOptions { flavor, smart },
            )?;
            warnings.extend(more);
            Ok((document, warnings, Some(depth_bound)))
        }
        InputFormat::Text => {
            let (document, warnings) =
                text::read(input, &text::TextOptions::from_read_options(options))?;
            Ok((document, warnings, None))
        }
        InputFormat::Json => {
            let (source, warnings) = decode_utf8(input);
            Ok((json::read(&source)?, warnings, None))
        }
    }
}

/// Decodes UTF-8 (dropping a BOM); invalid sequences become U+FFFD with a warning that names
/// the first bad byte.
pub fn decode_utf8(input: &[u8]) -> (std::borrow::Cow<'_, str>, Vec<Warning>) {
    let without_bom = input.strip_prefix(b"\xEF\xBB\xBF");
    // Offsets in messages count from the start of the file, BOM included.
    let bom_len = if without_bom.is_some() { 3 } else { 0 };
    let input = without_bom.unwrap_or(input);
    let mut warnings = Vec::new();
    // Text never contains NUL; an image or archive given by mistake almost always does. Say so
    // plainly instead of only reporting the first invalid byte.
    if let Some(offset) = memchr::memchr(0, input) {
        let line = memchr::memchr_iter(b'\n', &input[..offset]).count() + 1;
        let offset = offset + bom_len;
        warnings.push(Warning::at_line(
            WarningKind::Encoding,
            line,
            format!(
                "byte {offset}: NUL byte; the input looks like a binary file (an image, an archive) or UTF-16 text, not UTF-8 text (check the file, or read UTF-16 with -f text --encoding utf-16)"
            ),
        ));
    }
    match std::str::from_utf8(input) {
        Ok(s) => (s.into(), warnings),
        Err(e) => {
            let offset = e.valid_up_to();
            let line = memchr::memchr_iter(b'\n', &input[..offset]).count() + 1;
            let offset = offset + bom_len;
            let warning = Warning::at_line(
                WarningKind::Encoding,
                line,
                format!(
                    "byte {offset}: invalid UTF-8; bad bytes were replaced by U+FFFD (convert the file to UTF-8, or read it with -f text --encoding NAME)"
                ),
            );
            warnings.push(warning);
            (String::from_utf8_lossy(input).into_owned().into(), warnings)
        }
    }
}

/// A warning for input that looks like a binary file (an image, an archive) rather than text:
/// NUL bytes in its first 8 KB, but not in the pattern of UTF-16 text, where the NULs are many
/// and nearly all at even (big-endian) or all at odd (little-endian) offsets.
fn binary_warning(input: &[u8]) -> Option<Warning> {
    let head = &input[..input.len().min(8192)];
    let first_nul = head.iter().position(|&b| b == 0)?;
    let even = head.iter().step_by(2).filter(|&&b| b == 0).count();
    let odd = head.iter().skip(1).step_by(2).filter(|&&b| b == 0).count();
    let nuls = even + odd;
    let one_sided = even.max(odd) * 10 >= nuls * 9;
    if one_sided && nuls * 10 >= head.len() * 3 {
        return None;
    }
    Some(Warning::new(
        WarningKind::Encoding,
        format!(
            "byte {first_nul}: the input looks like a binary file, not text (it contains NUL bytes); check that this is the file you meant to convert"
        ),
    ))
}

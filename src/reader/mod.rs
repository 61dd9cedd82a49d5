//! Readers: input bytes → [`Document`]. One module per input format, one dispatch function.

pub mod front_matter;
pub mod json;
pub mod markdown;
pub mod text;

use crate::error::{Result, Warning, WarningKind};
use crate::format::{InputFormat, MarkdownFlavor};
use crate::model::Document;

/// Options for every reader (each reader uses the fields that concern it).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadOptions {
    /// Typographic punctuation from straight ASCII; `None` means the format's default (on for
    /// `markdown` and `text`, off for `gfm` and `commonmark`).
    pub smart: Option<bool>,
    /// Force a text encoding (`windows-1252`, `utf-16le` …) instead of detecting it.
    pub encoding: Option<String>,
}

/// Reads `input` in the given format.
pub fn read(
    input: &[u8],
    format: InputFormat,
    options: &ReadOptions,
) -> Result<(Document, Vec<Warning>)> {
    match format {
        InputFormat::Markdown(flavor) => {
            let (source, mut warnings) = decode_utf8(input);
            let smart = options.smart.unwrap_or(flavor == MarkdownFlavor::Markdown);
            let (document, more) =
                markdown::read(&source, &markdown::MarkdownOptions { flavor, smart })?;
            warnings.extend(more);
            Ok((document, warnings))
        }
        InputFormat::Text => text::read(input, &text::TextOptions::from_read_options(options)),
        InputFormat::Json => {
            let (source, warnings) = decode_utf8(input);
            Ok((json::read(&source)?, warnings))
        }
    }
}

/// Decodes UTF-8 (dropping a BOM); invalid sequences become U+FFFD with a warning that names
/// the first bad byte.
pub fn decode_utf8(input: &[u8]) -> (std::borrow::Cow<'_, str>, Vec<Warning>) {
    let input = input.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(input);
    match std::str::from_utf8(input) {
        Ok(s) => (s.into(), Vec::new()),
        Err(e) => {
            let offset = e.valid_up_to();
            let line = input[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            let warning = Warning::at_line(
                WarningKind::Encoding,
                line,
                format!(
                    "byte {offset}: invalid UTF-8; bad bytes were replaced by U+FFFD (convert the file to UTF-8, or read it with -f text --encoding NAME)"
                ),
            );
            (String::from_utf8_lossy(input).into_owned().into(), vec![warning])
        }
    }
}

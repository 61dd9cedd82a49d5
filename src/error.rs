//! Fatal errors ([`Error`]) and recoverable problems ([`Warning`]) of the library.
//!
//! Errors are things the user can fix, and their messages say how. Warnings are data returned to
//! the caller with the conversion result; the library never prints them (the CLI does).

use std::fmt;

/// The library's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A conversion that could not be completed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The front matter (`---` YAML or `+++` TOML) at the top of a Markdown file is malformed.
    #[error("line {line}: invalid {kind} front matter: {message}; fix the metadata block at the top of the file or remove it")]
    FrontMatter {
        /// 1-based line in the input file.
        line: usize,
        /// `YAML` or `TOML`.
        kind: &'static str,
        /// What the parser said.
        message: String,
    },
    /// A JSON model that does not match folio's schema.
    #[error("line {line}, column {column}: invalid folio JSON model: {message}; produce it with `folio -t json`")]
    Json {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser said.
        message: String,
    },
    /// Input bytes that cannot be decoded as text.
    #[error("byte {offset}: {message}")]
    Encoding {
        /// 0-based byte offset of the first offending byte.
        offset: usize,
        /// What is wrong and what to do.
        message: String,
    },
    /// Input whose structure exceeds a documented safety limit.
    #[error("{what} exceeds folio's limit of {limit}; simplify the input")]
    Limit {
        /// What was too large or too deep.
        what: String,
        /// The limit.
        limit: usize,
    },
    /// A font that could not be loaded or used.
    #[error("font {name}: {reason}")]
    Font {
        /// Font name or path.
        name: String,
        /// Why it failed.
        reason: String,
    },
    /// The EPUB packager failed.
    #[error("EPUB packaging failed: {0}")]
    Epub(String),
    /// The PDF writer failed.
    #[error("PDF output failed: {0}")]
    Pdf(String),
    /// The output could not be written (disk full, closed pipe, no permission).
    #[error("cannot write the output: {0}")]
    Output(#[source] std::io::Error),
    /// An option value the library cannot use.
    #[error("{0}")]
    Option(String),
}

/// Something that went wrong but did not stop the conversion.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Warning {
    /// What kind of problem it is.
    pub kind: WarningKind,
    /// 1-based line in the input, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<usize>,
    /// Human-readable description, including what to do about it.
    pub message: String,
}

/// Categories of [`Warning`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// An image or stylesheet could not be found or read.
    MissingResource,
    /// A resource was refused (outside the allowed folders, remote, unsafe).
    RefusedResource,
    /// Content the output format cannot show and that was dropped or replaced.
    Unsupported,
    /// Input bytes that were not valid in the detected encoding.
    Encoding,
    /// Characters that no available font can draw.
    MissingGlyphs,
    /// Structure beyond a safety limit that was flattened.
    Limit,
}

impl Warning {
    /// A warning without a line number.
    pub fn new(kind: WarningKind, message: impl Into<String>) -> Self {
        Warning { kind, line: None, message: message.into() }
    }

    /// A warning at a 1-based input line.
    pub fn at_line(kind: WarningKind, line: usize, message: impl Into<String>) -> Self {
        Warning { kind, line: Some(line), message: message.into() }
    }
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// Converts a byte offset into a 1-based line number.
pub fn line_of_offset(source: &str, offset: usize) -> usize {
    let end = offset.min(source.len());
    source.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
}

//! Input and output formats: their names, file extensions, and inference from paths.
//!
//! This is the one table of formats; the CLI maps its flags onto it and the reader/writer
//! dispatchers match on it.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

/// A format folio can read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum InputFormat {
    /// Markdown in one of its flavours.
    Markdown(MarkdownFlavor),
    /// Plain text with structure recovered by heuristics.
    Text,
    /// folio's own JSON model (`-t json` output).
    Json,
}

/// Which Markdown dialect to accept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum MarkdownFlavor {
    /// CommonMark + GFM + heading attributes, definition lists, math, super/subscript, front
    /// matter and smart punctuation.
    #[default]
    Markdown,
    /// GitHub Flavored Markdown: CommonMark + tables, strikethrough, task lists, footnotes,
    /// autolinks, alerts.
    Gfm,
    /// Strict CommonMark 0.31.2, no extensions.
    CommonMark,
}

/// A format folio can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputFormat {
    /// HTML5, standalone or fragment.
    Html,
    /// EPUB 3 (or 2).
    Epub,
    /// PDF.
    Pdf,
    /// folio's JSON model.
    Json,
}

/// Names accepted by `--from`.
pub const INPUT_NAMES: &[&str] = &["markdown", "md", "gfm", "commonmark", "text", "txt", "json"];
/// Names accepted by `--to`.
pub const OUTPUT_NAMES: &[&str] = &["html", "epub", "pdf", "json"];

impl InputFormat {
    /// Infers the format from a file name's extension (`.md`, `.markdown`, `.txt`, `.json`).
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "md" | "markdown" | "mdown" | "mkd" | "mkdn" | "mdwn" => {
                Some(InputFormat::Markdown(MarkdownFlavor::Markdown))
            }
            "txt" | "text" => Some(InputFormat::Text),
            "json" => Some(InputFormat::Json),
            _ => None,
        }
    }
}

impl OutputFormat {
    /// Infers the format from a file name's extension (`.html`, `.htm`, `.epub`, `.pdf`, `.json`).
    pub fn from_path(path: &Path) -> Option<Self> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "html" | "htm" | "xhtml" => Some(OutputFormat::Html),
            "epub" => Some(OutputFormat::Epub),
            "pdf" => Some(OutputFormat::Pdf),
            "json" => Some(OutputFormat::Json),
            _ => None,
        }
    }

    /// The file extension written for this format, without a dot.
    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Html => "html",
            OutputFormat::Epub => "epub",
            OutputFormat::Pdf => "pdf",
            OutputFormat::Json => "json",
        }
    }

    /// Binary formats are never written to a terminal.
    pub fn is_binary(self) -> bool {
        matches!(self, OutputFormat::Epub | OutputFormat::Pdf)
    }
}

/// An unknown format name; the message lists the known ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFormat {
    /// What the user wrote.
    pub name: String,
    /// The names that would have been accepted.
    pub known: &'static [&'static str],
}

impl fmt::Display for UnknownFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown format '{}'; known formats: {}", self.name, self.known.join(", "))
    }
}

impl std::error::Error for UnknownFormat {}

impl FromStr for InputFormat {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "markdown" | "md" => Ok(InputFormat::Markdown(MarkdownFlavor::Markdown)),
            "gfm" => Ok(InputFormat::Markdown(MarkdownFlavor::Gfm)),
            "commonmark" | "cm" => Ok(InputFormat::Markdown(MarkdownFlavor::CommonMark)),
            "text" | "txt" | "plain" => Ok(InputFormat::Text),
            "json" => Ok(InputFormat::Json),
            _ => Err(UnknownFormat { name: s.to_string(), known: INPUT_NAMES }),
        }
    }
}

impl FromStr for OutputFormat {
    type Err = UnknownFormat;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "html" | "htm" | "html5" => Ok(OutputFormat::Html),
            "epub" | "epub3" => Ok(OutputFormat::Epub),
            "pdf" => Ok(OutputFormat::Pdf),
            "json" => Ok(OutputFormat::Json),
            _ => Err(UnknownFormat { name: s.to_string(), known: OUTPUT_NAMES }),
        }
    }
}

impl fmt::Display for OutputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.extension())
    }
}

impl fmt::Display for InputFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            InputFormat::Markdown(MarkdownFlavor::Markdown) => "markdown",
            InputFormat::Markdown(MarkdownFlavor::Gfm) => "gfm",
            InputFormat::Markdown(MarkdownFlavor::CommonMark) => "commonmark",
            InputFormat::Text => "text",
            InputFormat::Json => "json",
        })
    }
}

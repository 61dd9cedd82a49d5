//! The PDF writer (to be completed): the only module importing `printpdf`.

use super::WriteOptions;
use crate::error::{Error, Result, Warning};
use crate::model::Document;
use crate::resources::Resources;

/// Options of the PDF writer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PdfOptions {
    /// Paper size name: `a4` (default) or `letter`.
    pub paper: Option<String>,
    /// Ragged-right instead of justified paragraphs.
    pub ragged: bool,
    /// Body font file (instead of the bundled serif).
    pub font: Option<String>,
    /// Monospace font file (instead of the bundled mono).
    pub mono_font: Option<String>,
    /// Add a contents page with page numbers.
    pub toc: bool,
    /// Deepest heading level in the contents.
    pub toc_depth: u8,
    /// Number section headings (1, 1.1 …).
    pub number_sections: bool,
    /// Highlighting theme for code blocks; `None` leaves code plain.
    pub highlight_style: Option<String>,
}

/// Writes a PDF.
pub fn write(
    _document: &Document,
    _options: &WriteOptions,
    _resources: &dyn Resources,
) -> Result<(Vec<u8>, Vec<Warning>)> {
    Err(Error::Pdf("the PDF writer is not implemented yet".into()))
}

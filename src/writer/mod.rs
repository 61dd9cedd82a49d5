//! Writers: [`Document`] → output bytes. One module per output format, one dispatch function.

pub mod epub;
pub mod escape;
pub mod html;
pub mod json;
pub mod pdf;

use crate::error::{Result, Warning};
use crate::format::OutputFormat;
use crate::model::Document;
use crate::resources::Resources;

/// Options for every writer; each writer reads its own part.
#[derive(Debug, Clone, Default)]
pub struct WriteOptions {
    /// HTML settings (also used for EPUB chapters where they apply).
    pub html: html::HtmlOptions,
    /// EPUB settings.
    pub epub: epub::EpubOptions,
    /// PDF settings.
    pub pdf: pdf::PdfOptions,
    /// Seconds since the Unix epoch to stamp into EPUB/PDF dates (from `SOURCE_DATE_EPOCH`), so
    /// identical input gives identical bytes. `None` uses the metadata date, else a fixed date.
    pub timestamp: Option<i64>,
}

/// Writes `document` in `format`.
pub fn write(
    document: &Document,
    format: OutputFormat,
    options: &WriteOptions,
    resources: &dyn Resources,
) -> Result<(Vec<u8>, Vec<Warning>)> {
    match format {
        OutputFormat::Html => {
            // An unknown theme is the user's mistake: say so instead of silently not colouring.
            if let Some(name) = &options.html.highlight_style {
                crate::highlight::theme(name)?;
            }
            let (html, warnings) = html::write_with_resources(document, &options.html, resources);
            Ok((html.into_bytes(), warnings))
        }
        OutputFormat::Json => Ok((json::write(document).into_bytes(), Vec::new())),
        OutputFormat::Epub => epub::write(document, options, resources),
        OutputFormat::Pdf => pdf::write(document, options, resources),
    }
}

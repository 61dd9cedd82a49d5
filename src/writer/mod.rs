//! Writers: [`Document`] → output bytes. One module per output format, one dispatch function.

pub mod epub;
pub mod escape;
pub mod html;
pub mod json;
pub mod pdf;

use crate::error::{Error, Result, Warning};
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

/// Writes `document` in `format` into `sink`. HTML and JSON are streamed as they are produced,
/// so their output is never held whole; EPUB and PDF are finished in memory, then written. On
/// an error the sink may have received part of the output: write to a temporary file and move
/// it into place only on success.
pub fn write_to(
    document: &Document,
    format: OutputFormat,
    options: &WriteOptions,
    resources: &dyn Resources,
    sink: &mut dyn std::io::Write,
) -> Result<Vec<Warning>> {
    match format {
        OutputFormat::Html => {
            check_highlight_style(options)?;
            html::write_to(document, &options.html, resources, sink).map_err(Error::Output)
        }
        OutputFormat::Json => {
            json::write_to(document, sink).map_err(Error::Output)?;
            Ok(Vec::new())
        }
        OutputFormat::Epub | OutputFormat::Pdf => {
            let (bytes, warnings) = write(document, format, options, resources)?;
            sink.write_all(&bytes).and_then(|()| sink.flush()).map_err(Error::Output)?;
            Ok(warnings)
        }
    }
}

/// An unknown highlighting theme is the user's mistake: say so instead of silently not
/// colouring.
fn check_highlight_style(options: &WriteOptions) -> Result<()> {
    if let Some(name) = &options.html.highlight_style {
        crate::highlight::theme(name)?;
    }
    Ok(())
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
            check_highlight_style(options)?;
            let (html, warnings) = html::write_with_resources(document, &options.html, resources);
            Ok((html.into_bytes(), warnings))
        }
        OutputFormat::Json => Ok((json::write(document).into_bytes(), Vec::new())),
        OutputFormat::Epub => epub::write(document, options, resources),
        OutputFormat::Pdf => pdf::write(document, options, resources),
    }
}

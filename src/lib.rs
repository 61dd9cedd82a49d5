//! folio converts documents: plain text and Markdown in; PDF, EPUB and HTML out, all through one
//! document model.
//!
//! The pipeline is a chain of plain functions:
//!
//! ```text
//! bytes --reader::read--> Document --transform::normalize--> Document --writer::write--> bytes
//! ```
//!
//! - [`reader`] turns input bytes into a [`model::Document`] (Markdown via pulldown-cmark, plain
//!   text via structure heuristics, or folio's own JSON).
//! - [`transform`] runs the model passes every output relies on (heading ids).
//! - [`writer`] serializes the model: HTML directly, EPUB from XHTML chapters, PDF through the
//!   [`layout`] stage, which positions text on pages and never touches PDF bytes.
//!
//! [`convert`] runs the whole chain in one call:
//!
//! ```
//! use folio::{convert, format::{InputFormat, OutputFormat}, resources::NoResources, Options};
//! let mut options = Options::default();
//! options.write.html.standalone = false;
//! let out = convert(b"# Hi\n\nThere.", "markdown".parse().unwrap(), OutputFormat::Html, &options, &NoResources).unwrap();
//! assert_eq!(String::from_utf8(out.bytes).unwrap(), "<h1 id=\"hi\">Hi</h1>\n<p>There.</p>\n");
//! ```

#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod error;
pub mod format;
pub mod highlight;
pub mod layout;
pub mod math;
pub mod model;
pub mod reader;
pub mod resources;
pub mod transform;
pub mod writer;

pub use error::{Error, Result, Warning, WarningKind};
use format::{InputFormat, OutputFormat};
use model::Document;
use resources::Resources;

/// Every setting of a conversion.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Reader settings.
    pub read: reader::ReadOptions,
    /// Metadata set on the command line (`-M key=value`); overrides the document's own.
    pub metadata: Vec<(String, String)>,
    /// Writer settings.
    pub write: writer::WriteOptions,
}

/// The result of a conversion: the output bytes and what went wrong along the way.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The output file's contents.
    pub bytes: Vec<u8>,
    /// Recoverable problems, in the order they were found.
    pub warnings: Vec<Warning>,
}

/// Reads `input` and applies metadata overrides and the standard transforms.
pub fn load(
    input: &[u8],
    from: InputFormat,
    options: &Options,
) -> Result<(Document, Vec<Warning>)> {
    let (mut document, warnings) = reader::read(input, from, &options.read)?;
    for (key, value) in &options.metadata {
        reader::front_matter::set_key(&mut document.meta, key, value);
    }
    transform::normalize(&mut document);
    Ok((document, warnings))
}

/// Converts `input` from one format to another.
pub fn convert(
    input: &[u8],
    from: InputFormat,
    to: OutputFormat,
    options: &Options,
    resources: &dyn Resources,
) -> Result<Converted> {
    let (document, mut warnings) = load(input, from, options)?;
    let (bytes, more) = writer::write(&document, to, &options.write, resources)?;
    free(document);
    warnings.extend(more);
    Ok(Converted { bytes, warnings })
}

/// Frees a model, a large one by groups of top-level blocks in parallel: a 2 MB book's model
/// is some 200,000 allocations, and freeing them one by one took a seventh of its Markdown →
/// HTML time (`benches/stages.rs`, `md_to_html`).
fn free(document: Document) {
    use rayon::prelude::*;
    if document.blocks.len() >= 512 {
        document.blocks.into_par_iter().with_min_len(256).for_each(drop);
    }
}

//! The EPUB writer (to be completed): the only module importing `epub_builder`.

use super::WriteOptions;
use crate::error::{Error, Result, Warning};
use crate::model::Document;
use crate::resources::Resources;

/// Options of the EPUB writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpubOptions {
    /// 3 (default) or 2.
    pub version: u8,
    /// Split chapters at headings of this level and above (default 1).
    pub split_level: u8,
    /// A cover image file; without it a cover page is generated from title and authors.
    pub cover_image: Option<String>,
}

impl Default for EpubOptions {
    fn default() -> Self {
        EpubOptions { version: 3, split_level: 1, cover_image: None }
    }
}

/// Writes an EPUB.
pub fn write(
    _document: &Document,
    _options: &WriteOptions,
    _resources: &dyn Resources,
) -> Result<(Vec<u8>, Vec<Warning>)> {
    Err(Error::Epub("the EPUB writer is not implemented yet".into()))
}

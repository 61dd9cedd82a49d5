//! The plain-text reader (minimal form): paragraphs separated by blank lines.

use crate::error::{Result, Warning};
use crate::model::{Block, Document, Inline};

use super::ReadOptions;

/// Options of the plain-text reader.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TextOptions {
    /// Typographic punctuation from straight ASCII.
    pub smart: bool,
    /// Forced encoding name.
    pub encoding: Option<String>,
}

impl TextOptions {
    /// Takes the text reader's settings from the common reader options.
    pub fn from_read_options(options: &ReadOptions) -> Self {
        TextOptions { smart: options.smart.unwrap_or(true), encoding: options.encoding.clone() }
    }
}

/// Reads plain text.
pub fn read(input: &[u8], _options: &TextOptions) -> Result<(Document, Vec<Warning>)> {
    let (source, warnings) = super::decode_utf8(input);
    let mut blocks = Vec::new();
    for para in source.replace("\r\n", "\n").split("\n\n") {
        let lines: Vec<&str> = para.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
        if lines.is_empty() {
            continue;
        }
        let mut inlines = Vec::new();
        for (i, line) in lines.iter().enumerate() {
            if i > 0 {
                inlines.push(Inline::SoftBreak);
            }
            inlines.push(Inline::Text(line.to_string()));
        }
        blocks.push(Block::Paragraph(inlines));
    }
    Ok((Document { meta: Default::default(), blocks }, warnings))
}

/// Describes, block by block, what the reader detected and which rule decided it (`--explain`).
pub fn explain(input: &[u8], options: &TextOptions) -> Result<String> {
    let (document, _) = read(input, options)?;
    Ok(format!("{} blocks: paragraphs split at blank lines\n", document.blocks.len()))
}

//! Smart constructors for model values, so tests and transforms read like the document they build.
//!
//! ```
//! use folio::model::build::*;
//! let doc = document(vec![heading(1, vec![text("Intro")]), para(vec![text("Hello "), emph(vec![text("you")])])]);
//! assert_eq!(doc.blocks.len(), 2);
//! ```

use super::{Block, Document, Inline, Link, List, ListItem, ListKind, Metadata, SmallString};

/// A document with default metadata.
pub fn document(blocks: Vec<Block>) -> Document {
    Document { meta: Metadata::default(), blocks }
}

/// A text run.
pub fn text(s: impl Into<SmallString>) -> Inline {
    Inline::Text(s.into())
}

/// Emphasis.
pub fn emph(content: Vec<Inline>) -> Inline {
    Inline::Emph(content.into())
}

/// Strong emphasis.
pub fn strong(content: Vec<Inline>) -> Inline {
    Inline::Strong(content.into())
}

/// A code span.
pub fn code(s: impl Into<Box<str>>) -> Inline {
    Inline::Code(s.into())
}

/// A link without a title.
pub fn link(url: impl Into<String>, content: Vec<Inline>) -> Inline {
    Inline::Link(Box::new(Link { url: url.into(), title: String::new(), content }))
}

/// A paragraph.
pub fn para(content: Vec<Inline>) -> Block {
    Block::Paragraph(content.into())
}

/// A heading without attributes.
pub fn heading(level: u8, content: Vec<Inline>) -> Block {
    Block::Heading { level, attr: Box::default(), content: content.into() }
}

/// A code block.
pub fn code_block(info: impl Into<String>, code: impl Into<String>) -> Block {
    Block::CodeBlock { info: info.into(), code: code.into() }
}

/// A tight bullet list whose items are single lines of inline content.
pub fn bullet_list(items: Vec<Vec<Inline>>) -> Block {
    Block::List(List {
        kind: ListKind::Bullet,
        tight: true,
        items: items
            .into_iter()
            .map(|content| ListItem { task: None, content: vec![Block::Plain(content.into())] })
            .collect(),
    })
}

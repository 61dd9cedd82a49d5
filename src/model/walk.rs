//! Traversals over the model: visiting every inline or block, and flattening inlines to text.
//!
//! Writers and transforms use these instead of writing their own recursion for each question
//! ("what is the plain text of this heading?", "give every heading an id").

use super::{Block, Inline};

/// The plain text of inline content: what a screen reader or a `<title>` would show.
/// Notes are left out (they are not part of the running text); breaks become spaces.
pub fn plain_text(inlines: &[Inline]) -> String {
    let mut out = String::new();
    push_plain_text(inlines, &mut out);
    out
}

/// Appends the plain text of `inlines` to `out` (see [`plain_text`]).
pub fn push_plain_text(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text(s) | Inline::Code(s) => out.push_str(s),
            Inline::Math { tex, .. } => out.push_str(tex),
            Inline::Emph(c)
            | Inline::Strong(c)
            | Inline::Strikeout(c)
            | Inline::Superscript(c)
            | Inline::Subscript(c) => push_plain_text(c, out),
            Inline::Link { content, .. } => push_plain_text(content, out),
            Inline::Image { alt, .. } => push_plain_text(alt, out),
            Inline::SoftBreak | Inline::HardBreak => out.push(' '),
            Inline::Note(_) | Inline::RawInline { .. } => {}
        }
    }
}

/// The plain text of blocks, paragraphs separated by blank lines.
pub fn blocks_plain_text(blocks: &[Block]) -> String {
    let mut out = String::new();
    for_each_block(blocks, &mut |block| {
        let inlines = match block {
            Block::Paragraph(c) | Block::Plain(c) | Block::Heading { content: c, .. } => c,
            Block::CodeBlock { code, .. } | Block::Preformatted(code) => {
                out.push_str(code);
                out.push_str("\n\n");
                return;
            }
            _ => return,
        };
        push_plain_text(inlines, &mut out);
        out.push_str("\n\n");
    });
    out
}

/// Calls `f` on every block, parents before children, in document order. Blocks inside notes are
/// not visited (they belong to the note, not the flow).
pub fn for_each_block<'a>(blocks: &'a [Block], f: &mut dyn FnMut(&'a Block)) {
    for block in blocks {
        f(block);
        match block {
            Block::BlockQuote { content, .. } => for_each_block(content, f),
            Block::List(list) => {
                for item in &list.items {
                    for_each_block(&item.content, f);
                }
            }
            Block::DefinitionList(items) => {
                for item in items {
                    for definition in &item.definitions {
                        for_each_block(definition, f);
                    }
                }
            }
            Block::Paragraph(_)
            | Block::Plain(_)
            | Block::Heading { .. }
            | Block::CodeBlock { .. }
            | Block::RawBlock { .. }
            | Block::ThematicBreak
            | Block::Table(_)
            | Block::Preformatted(_)
            | Block::PageBreak => {}
        }
    }
}

/// Calls `f` on every block, mutably, parents before children (notes included, after their
/// surrounding block).
pub fn for_each_block_mut(blocks: &mut [Block], f: &mut dyn FnMut(&mut Block)) {
    for block in blocks {
        f(block);
        match block {
            Block::BlockQuote { content, .. } => for_each_block_mut(content, f),
            Block::List(list) => {
                for item in &mut list.items {
                    for_each_block_mut(&mut item.content, f);
                }
            }
            Block::DefinitionList(items) => {
                for item in items {
                    for definition in &mut item.definitions {
                        for_each_block_mut(definition, f);
                    }
                }
            }
            Block::Paragraph(_)
            | Block::Plain(_)
            | Block::Heading { .. }
            | Block::CodeBlock { .. }
            | Block::RawBlock { .. }
            | Block::ThematicBreak
            | Block::Table(_)
            | Block::Preformatted(_)
            | Block::PageBreak => {}
        }
    }
}

/// Calls `f` on every inline sequence directly owned by a block or nested inline, in document
/// order, including the content of notes.
pub fn for_each_inlines_mut(blocks: &mut [Block], f: &mut dyn FnMut(&mut Vec<Inline>)) {
    for block in blocks {
        match block {
            Block::Paragraph(c) | Block::Plain(c) | Block::Heading { content: c, .. } => {
                inlines_mut(c, f)
            }
            Block::BlockQuote { content, .. } => for_each_inlines_mut(content, f),
            Block::List(list) => {
                for item in &mut list.items {
                    for_each_inlines_mut(&mut item.content, f);
                }
            }
            Block::DefinitionList(items) => {
                for item in items {
                    inlines_mut(&mut item.term, f);
                    for definition in &mut item.definitions {
                        for_each_inlines_mut(definition, f);
                    }
                }
            }
            Block::Table(table) => {
                for cell in table.header.iter_mut().chain(table.rows.iter_mut().flatten()) {
                    inlines_mut(cell, f);
                }
            }
            Block::CodeBlock { .. }
            | Block::RawBlock { .. }
            | Block::ThematicBreak
            | Block::Preformatted(_)
            | Block::PageBreak => {}
        }
    }
}

fn inlines_mut(inlines: &mut Vec<Inline>, f: &mut dyn FnMut(&mut Vec<Inline>)) {
    f(inlines);
    for inline in inlines.iter_mut() {
        match inline {
            Inline::Emph(c)
            | Inline::Strong(c)
            | Inline::Strikeout(c)
            | Inline::Superscript(c)
            | Inline::Subscript(c)
            | Inline::Link { content: c, .. }
            | Inline::Image { alt: c, .. } => inlines_mut(c, f),
            Inline::Note(blocks) => for_each_inlines_mut(blocks, f),
            Inline::Text(_)
            | Inline::Code(_)
            | Inline::Math { .. }
            | Inline::SoftBreak
            | Inline::HardBreak
            | Inline::RawInline { .. } => {}
        }
    }
}

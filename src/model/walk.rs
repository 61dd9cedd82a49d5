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
            Inline::Text(text) => out.push_str(text),
            Inline::Code(code) => out.push_str(code),
            Inline::Math(math) => out.push_str(&math.tex),
            Inline::Emph(c)
            | Inline::Strong(c)
            | Inline::Strikeout(c)
            | Inline::Superscript(c)
            | Inline::Subscript(c) => push_plain_text(c, out),
            Inline::Link(link) => push_plain_text(&link.content, out),
            Inline::Image(image) => push_plain_text(&image.alt, out),
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

/// Calls `f` on every block, parents before children, in document order, including the blocks
/// of notes (visited where the note is referenced, after the block that references it): every
/// block a writer renders somewhere.
pub fn for_each_block_with_notes<'a>(blocks: &'a [Block], f: &mut dyn FnMut(&'a Block)) {
    visit_with_notes(blocks, &mut |visit| {
        if let Visit::Block(block) = visit {
            f(block)
        }
    });
}

/// The number of notes in `blocks`, notes inside notes included.
pub fn note_count(blocks: &[Block]) -> usize {
    let mut count = 0;
    visit_with_notes(blocks, &mut |visit| count += usize::from(matches!(visit, Visit::Note)));
    count
}

/// What [`visit_with_notes`] meets.
enum Visit<'a> {
    Block(&'a Block),
    /// A note, met where it is referenced, before its blocks.
    Note,
}

fn visit_with_notes<'a>(blocks: &'a [Block], f: &mut dyn FnMut(Visit<'a>)) {
    for block in blocks {
        f(Visit::Block(block));
        match block {
            Block::Paragraph(c) | Block::Plain(c) | Block::Heading { content: c, .. } => {
                notes_in(c, f)
            }
            Block::BlockQuote { content, .. } => visit_with_notes(content, f),
            Block::List(list) => {
                for item in &list.items {
                    visit_with_notes(&item.content, f);
                }
            }
            Block::DefinitionList(items) => {
                for item in items {
                    notes_in(&item.term, f);
                    for definition in &item.definitions {
                        visit_with_notes(definition, f);
                    }
                }
            }
            Block::Table(table) => {
                for cell in table.header.iter().chain(table.rows.iter().flatten()) {
                    notes_in(cell, f);
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

/// Visits the notes inside `inlines` and their blocks (see [`visit_with_notes`]).
fn notes_in<'a>(inlines: &'a [Inline], f: &mut dyn FnMut(Visit<'a>)) {
    for inline in inlines {
        match inline {
            Inline::Emph(c)
            | Inline::Strong(c)
            | Inline::Strikeout(c)
            | Inline::Superscript(c)
            | Inline::Subscript(c) => notes_in(c, f),
            Inline::Link(link) => notes_in(&link.content, f),
            Inline::Image(image) => notes_in(&image.alt, f),
            Inline::Note(blocks) => {
                f(Visit::Note);
                visit_with_notes(blocks, f)
            }
            Inline::Text(_)
            | Inline::Code(_)
            | Inline::Math(_)
            | Inline::SoftBreak
            | Inline::HardBreak
            | Inline::RawInline { .. } => {}
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
pub fn for_each_inlines_mut(blocks: &mut [Block], f: &mut dyn FnMut(&mut [Inline])) {
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

fn inlines_mut(inlines: &mut [Inline], f: &mut dyn FnMut(&mut [Inline])) {
    f(inlines);
    for inline in inlines.iter_mut() {
        match inline {
            Inline::Emph(c)
            | Inline::Strong(c)
            | Inline::Strikeout(c)
            | Inline::Superscript(c)
            | Inline::Subscript(c) => inlines_mut(c, f),
            Inline::Link(link) => inlines_mut(&mut link.content, f),
            Inline::Image(image) => inlines_mut(&mut image.alt, f),
            Inline::Note(blocks) => for_each_inlines_mut(blocks, f),
            Inline::Text(_)
            | Inline::Code(_)
            | Inline::Math(_)
            | Inline::SoftBreak
            | Inline::HardBreak
            | Inline::RawInline { .. } => {}
        }
    }
}

/// A slice of the model still to be measured by [`depth`] and [`node_count`].
enum Pending<'a> {
    Blocks(&'a [Block]),
    Inlines(&'a [Inline]),
}

/// Visits every block and inline with its nesting depth (top-level blocks are at depth 1, the
/// text of a paragraph at depth 2), notes included. Uses an explicit stack, never recursion, so
/// it is safe on models of any depth (such as a hostile JSON model) — which is what it is for:
/// deciding whether a model is too deep for the recursive writers.
fn for_each_node_depth(blocks: &[Block], f: &mut dyn FnMut(usize)) {
    let mut stack = vec![(Pending::Blocks(blocks), 1)];
    while let Some((pending, depth)) = stack.pop() {
        match pending {
            Pending::Blocks(blocks) => {
                for block in blocks {
                    f(depth);
                    push_block_children(block, depth + 1, &mut stack);
                }
            }
            Pending::Inlines(inlines) => {
                for inline in inlines {
                    f(depth);
                    push_inline_children(inline, depth + 1, &mut stack);
                }
            }
        }
    }
}

fn push_block_children<'a>(block: &'a Block, depth: usize, stack: &mut Vec<(Pending<'a>, usize)>) {
    match block {
        Block::Paragraph(c) | Block::Plain(c) | Block::Heading { content: c, .. } => {
            stack.push((Pending::Inlines(c), depth))
        }
        Block::BlockQuote { content, .. } => stack.push((Pending::Blocks(content), depth)),
        // A list item is a level of its own (`<li>` inside `<ul>`), as in the writers.
        Block::List(list) => {
            stack.extend(list.items.iter().map(|item| (Pending::Blocks(&item.content), depth + 1)))
        }
        Block::DefinitionList(items) => {
            for item in items {
                stack.push((Pending::Inlines(&item.term), depth + 1));
                stack.extend(item.definitions.iter().map(|d| (Pending::Blocks(d), depth + 1)));
            }
        }
        Block::Table(table) => {
            let cells = table.header.iter().chain(table.rows.iter().flatten());
            stack.extend(cells.map(|cell| (Pending::Inlines(cell), depth + 1)));
        }
        Block::CodeBlock { .. }
        | Block::RawBlock { .. }
        | Block::ThematicBreak
        | Block::Preformatted(_)
        | Block::PageBreak => {}
    }
}

fn push_inline_children<'a>(
    inline: &'a Inline,
    depth: usize,
    stack: &mut Vec<(Pending<'a>, usize)>,
) {
    match inline {
        Inline::Emph(c)
        | Inline::Strong(c)
        | Inline::Strikeout(c)
        | Inline::Superscript(c)
        | Inline::Subscript(c) => stack.push((Pending::Inlines(c), depth)),
        Inline::Link(link) => stack.push((Pending::Inlines(&link.content), depth)),
        Inline::Image(image) => stack.push((Pending::Inlines(&image.alt), depth)),
        Inline::Note(blocks) => stack.push((Pending::Blocks(blocks), depth)),
        Inline::Text(_)
        | Inline::Code(_)
        | Inline::Math(_)
        | Inline::SoftBreak
        | Inline::HardBreak
        | Inline::RawInline { .. } => {}
    }
}

/// How deeply the model nests: 0 for no blocks, 1 for blocks without content, 2 for a paragraph
/// of text, one more for each quote, list item, emphasis, link or note around it. Iterative.
pub fn depth(blocks: &[Block]) -> usize {
    let mut deepest = 0;
    for_each_node_depth(blocks, &mut |depth| deepest = deepest.max(depth));
    deepest
}

/// The number of blocks and inlines in the model, notes included: a measure of its size that
/// does not depend on text length. Iterative.
pub fn node_count(blocks: &[Block]) -> usize {
    let mut count = 0;
    for_each_node_depth(blocks, &mut |_| count += 1);
    count
}

/// Like [`for_each_inlines_mut`], but also passes the depth of each inline sequence as
/// [`depth`] counts it, with the top-level `blocks` at `depth_of_blocks`. Lets a transform that
/// inserts content (footnote resolution) keep the model within a depth limit.
pub fn for_each_inlines_mut_at_depth(
    blocks: &mut [Block],
    depth_of_blocks: usize,
    f: &mut dyn FnMut(&mut [Inline], usize),
) {
    for block in blocks {
        let inner = depth_of_blocks + 1;
        match block {
            Block::Paragraph(c) | Block::Plain(c) | Block::Heading { content: c, .. } => {
                inlines_mut_at_depth(c, inner, f)
            }
            Block::BlockQuote { content, .. } => for_each_inlines_mut_at_depth(content, inner, f),
            Block::List(list) => {
                for item in &mut list.items {
                    for_each_inlines_mut_at_depth(&mut item.content, inner + 1, f);
                }
            }
            Block::DefinitionList(items) => {
                for item in items {
                    inlines_mut_at_depth(&mut item.term, inner + 1, f);
                    for definition in &mut item.definitions {
                        for_each_inlines_mut_at_depth(definition, inner + 1, f);
                    }
                }
            }
            Block::Table(table) => {
                for cell in table.header.iter_mut().chain(table.rows.iter_mut().flatten()) {
                    inlines_mut_at_depth(cell, inner + 1, f);
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

fn inlines_mut_at_depth(
    inlines: &mut [Inline],
    depth: usize,
    f: &mut dyn FnMut(&mut [Inline], usize),
) {
    f(inlines, depth);
    for inline in inlines.iter_mut() {
        match inline {
            Inline::Emph(c)
            | Inline::Strong(c)
            | Inline::Strikeout(c)
            | Inline::Superscript(c)
            | Inline::Subscript(c) => inlines_mut_at_depth(c, depth + 1, f),
            Inline::Link(link) => inlines_mut_at_depth(&mut link.content, depth + 1, f),
            Inline::Image(image) => inlines_mut_at_depth(&mut image.alt, depth + 1, f),
            Inline::Note(blocks) => for_each_inlines_mut_at_depth(blocks, depth + 1, f),
            Inline::Text(_)
            | Inline::Code(_)
            | Inline::Math(_)
            | Inline::SoftBreak
            | Inline::HardBreak
            | Inline::RawInline { .. } => {}
        }
    }
}

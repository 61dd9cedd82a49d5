//! The Markdown reader: pulldown-cmark events → the document model. The only module that
//! imports `pulldown_cmark`.
//!
//! The tree is built with an explicit stack of open containers (no recursion), so nesting depth
//! costs heap, never stack. Containers nested deeper than [`MAX_NESTING`] are flattened into
//! their parent (their text is kept) with one warning. Footnote references are resolved into
//! [`Inline::Note`] once the whole input has been seen, since definitions may come later.

use std::collections::HashMap;

use pulldown_cmark::{
    Alignment as CmAlignment, BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType,
    Options, Parser, Tag, TagEnd,
};

use super::front_matter;
use crate::error::{line_of_offset, Result, Warning, WarningKind};
use crate::format::MarkdownFlavor;
use crate::model::{
    walk, AlertKind, Alignment, Attr, Block, Cell, DefinitionItem, Document, Inline, List,
    ListItem, ListKind, NumberStyle, RawFormat, Table,
};

/// How deep containers (quotes, lists, emphasis, links) may nest before they are flattened.
/// Real documents stay far below it; it bounds the recursion of every writer.
pub const MAX_NESTING: usize = 64;

/// Options of the Markdown reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// Which dialect to accept.
    pub flavor: MarkdownFlavor,
    /// Curly quotes, dashes and ellipses from straight ASCII (default: on for `markdown`).
    pub smart: bool,
}

impl Default for MarkdownOptions {
    fn default() -> Self {
        MarkdownOptions { flavor: MarkdownFlavor::Markdown, smart: true }
    }
}

/// Reads Markdown into a document. Only a malformed front matter block is an error.
pub fn read(source: &str, options: &MarkdownOptions) -> Result<(Document, Vec<Warning>)> {
    let source = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut meta = Default::default();
    let mut body_start = 0;
    if options.flavor == MarkdownFlavor::Markdown {
        if let Some(front) = front_matter::split(source) {
            meta = front_matter::parse(&front)?;
            body_start = front.body_start;
        }
    }
    let body = &source[body_start..];
    let line_offset = line_of_offset(source, body_start) - 1;
    let mut builder = TreeBuilder::new(body, line_offset);
    for (event, range) in Parser::new_ext(body, parser_options(options)).into_offset_iter() {
        builder.event(event, range.start);
    }
    let (blocks, warnings) = builder.finish();
    Ok((Document { meta, blocks }, warnings))
}

fn parser_options(options: &MarkdownOptions) -> Options {
    let gfm = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_GFM;
    let mut opts = match options.flavor {
        MarkdownFlavor::CommonMark => Options::empty(),
        MarkdownFlavor::Gfm => gfm,
        MarkdownFlavor::Markdown => {
            gfm | Options::ENABLE_HEADING_ATTRIBUTES
                | Options::ENABLE_DEFINITION_LIST
                | Options::ENABLE_MATH
                | Options::ENABLE_SUPERSCRIPT
                | Options::ENABLE_SUBSCRIPT
        }
    };
    if options.smart && options.flavor != MarkdownFlavor::CommonMark {
        opts |= Options::ENABLE_SMART_PUNCTUATION;
    }
    opts
}

/// An open container on the builder's stack.
enum Frame {
    Root,
    Paragraph,
    Heading {
        level: u8,
        attr: Attr,
    },
    BlockQuote {
        alert: Option<AlertKind>,
    },
    CodeBlock {
        info: String,
        code: String,
    },
    HtmlBlock {
        html: String,
    },
    List {
        start: Option<u64>,
        items: Vec<ListItem>,
    },
    Item {
        task: Option<bool>,
    },
    FootnoteDefinition {
        label: String,
    },
    DefinitionList {
        items: Vec<DefinitionItem>,
    },
    DefinitionTitle,
    DefinitionBody,
    Table {
        alignments: Vec<Alignment>,
        header: Vec<Cell>,
        rows: Vec<Vec<Cell>>,
    },
    TableHead {
        cells: Vec<Cell>,
    },
    TableRow {
        cells: Vec<Cell>,
    },
    TableCell,
    Emph,
    Strong,
    Strikeout,
    Superscript,
    Subscript,
    Link {
        url: String,
        title: String,
    },
    Image {
        url: String,
        title: String,
    },
    /// A container beyond [`MAX_NESTING`]: its content goes to the parent.
    Flattened,
}

/// A frame plus where its children start on the builder's shared block and inline stacks.
///
/// Children are collected on two stacks shared by all open frames (a frame's children are
/// always on top, since frames nest) and moved into an exactly sized `Vec` when the frame
/// closes: one allocation per container instead of a reallocation each time it doubles.
struct Open {
    frame: Frame,
    block_start: usize,
    inline_start: usize,
}

struct TreeBuilder<'s> {
    source: &'s str,
    line_offset: usize,
    stack: Vec<Open>,
    /// Finished blocks of every open frame, innermost frame's last.
    blocks: Vec<Block>,
    /// Inlines of every open frame, innermost frame's last.
    inlines: Vec<Inline>,
    /// Consecutive text events for the innermost frame, joined before they become one
    /// [`Inline::Text`] (pulldown-cmark splits text at entities, escapes and smart quotes).
    pending_text: String,
    /// Footnote definitions by label, collected as they are met.
    definitions: HashMap<String, Vec<Block>>,
    /// Labels of footnote references, indexed by the number in their placeholder.
    references: Vec<String>,
    warnings: Vec<Warning>,
    warned_nesting: bool,
}

/// Placeholder text inside an unresolved note; NUL never survives pulldown-cmark's parsing
/// (it becomes U+FFFD), so it cannot collide with document text.
const NOTE_MARK: &str = "\0note:";

impl<'s> TreeBuilder<'s> {
    fn new(source: &'s str, line_offset: usize) -> Self {
        TreeBuilder {
            source,
            line_offset,
            stack: vec![Open { frame: Frame::Root, block_start: 0, inline_start: 0 }],
            blocks: Vec::new(),
            inlines: Vec::new(),
            pending_text: String::new(),
            definitions: HashMap::new(),
            references: Vec::new(),
            warnings: Vec::new(),
            warned_nesting: false,
        }
    }

    fn line(&self, offset: usize) -> usize {
        line_of_offset(self.source, offset) + self.line_offset
    }

    fn top(&mut self) -> &mut Open {
        self.stack.last_mut().expect("the root frame is never popped")
    }

    fn event(&mut self, event: Event<'_>, offset: usize) {
        if !matches!(event, Event::Text(_)) {
            self.flush_text();
        }
        match event {
            Event::Start(tag) => self.start(tag, offset),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self.inlines.push(Inline::Code(code.into_string())),
            Event::InlineMath(tex) => {
                self.inlines.push(Inline::Math { display: false, tex: tex.into_string() })
            }
            Event::DisplayMath(tex) => {
                self.inlines.push(Inline::Math { display: true, tex: tex.into_string() })
            }
            Event::Html(html) => match &mut self.top().frame {
                Frame::HtmlBlock { html: buffer } => buffer.push_str(&html),
                _ => self.push_block(Block::RawBlock {
                    format: RawFormat::Html,
                    content: html.into_string(),
                }),
            },
            Event::InlineHtml(html) => self
                .inlines
                .push(Inline::RawInline { format: RawFormat::Html, content: html.into_string() }),
            Event::FootnoteReference(label) => {
                let index = self.references.len();
                self.references.push(label.into_string());
                let mark = Inline::Text(format!("{NOTE_MARK}{index}"));
                self.inlines.push(Inline::Note(vec![Block::Plain(vec![mark])]));
            }
            Event::SoftBreak => self.inlines.push(Inline::SoftBreak),
            Event::HardBreak => self.inlines.push(Inline::HardBreak),
            Event::Rule => self.push_block(Block::ThematicBreak),
            Event::TaskListMarker(done) => {
                if let Some(Open { frame: Frame::Item { task }, .. }) = self.stack.last_mut() {
                    *task = Some(done);
                }
            }
        }
    }

    fn text(&mut self, text: &str) {
        match &mut self.top().frame {
            Frame::CodeBlock { code, .. } => code.push_str(text),
            Frame::HtmlBlock { html } => html.push_str(text),
            _ => self.pending_text.push_str(text),
        }
    }

    /// Turns the pending text into an inline of the innermost frame (merged with a text inline
    /// it ends with). Runs before every event that is not text.
    fn flush_text(&mut self) {
        if self.pending_text.is_empty() {
            return;
        }
        // Taken and put back, so the buffer's capacity is reused.
        let mut pending = std::mem::take(&mut self.pending_text);
        match self.own_last_text() {
            Some(last) => last.push_str(&pending),
            None => self.inlines.push(Inline::Text(pending.as_str().to_owned())),
        }
        pending.clear();
        self.pending_text = pending;
    }

    /// Adds a finished block to the innermost container, after any inline text it holds.
    fn push_block(&mut self, block: Block) {
        self.flush_plain();
        self.blocks.push(block);
    }

    /// Turns loose inline content of the innermost frame, if it holds blocks (a tight list
    /// item's text), into a [`Block::Plain`].
    fn flush_plain(&mut self) {
        let Some(top) = self.stack.last() else { return };
        if self.inlines.len() > top.inline_start && accepts_blocks(&top.frame) {
            let inlines = self.inlines.split_off(top.inline_start);
            self.blocks.push(Block::Plain(inlines));
        }
    }

    fn start(&mut self, tag: Tag<'_>, offset: usize) {
        let is_container = matches!(
            tag,
            Tag::BlockQuote(_)
                | Tag::List(_)
                | Tag::Item
                | Tag::Emphasis
                | Tag::Strong
                | Tag::Strikethrough
                | Tag::Superscript
                | Tag::Subscript
                | Tag::Link { .. }
                | Tag::DefinitionList
                | Tag::DefinitionListDefinition
        );
        if is_container && self.stack.len() > MAX_NESTING {
            if !self.warned_nesting {
                self.warned_nesting = true;
                let line = self.line(offset);
                self.warnings.push(Warning::at_line(
                    WarningKind::Limit,
                    line,
                    format!("content nested deeper than {MAX_NESTING} levels was flattened into its parent"),
                ));
            }
            self.open(Frame::Flattened);
            return;
        }
        let frame = match tag {
            Tag::Paragraph => Frame::Paragraph,
            Tag::Heading { level, id, classes, attrs } => Frame::Heading {
                level: heading_level(level),
                attr: Attr {
                    id: id.map(CowStr::into_string),
                    classes: classes.into_iter().map(CowStr::into_string).collect(),
                    attributes: attrs
                        .into_iter()
                        .map(|(k, v)| {
                            (k.into_string(), v.map(CowStr::into_string).unwrap_or_default())
                        })
                        .collect(),
                },
            },
            Tag::BlockQuote(kind) => Frame::BlockQuote { alert: kind.map(alert_kind) },
            Tag::CodeBlock(kind) => Frame::CodeBlock {
                info: match kind {
                    CodeBlockKind::Fenced(info) => info.into_string(),
                    CodeBlockKind::Indented => String::new(),
                },
                code: String::new(),
            },
            Tag::HtmlBlock => Frame::HtmlBlock { html: String::new() },
            Tag::List(start) => Frame::List { start, items: Vec::new() },
            Tag::Item => Frame::Item { task: None },
            Tag::FootnoteDefinition(label) => {
                Frame::FootnoteDefinition { label: label.into_string() }
            }
            Tag::DefinitionList => Frame::DefinitionList { items: Vec::new() },
            Tag::DefinitionListTitle => Frame::DefinitionTitle,
            Tag::DefinitionListDefinition => Frame::DefinitionBody,
            Tag::Table(alignments) => Frame::Table {
                alignments: alignments.into_iter().map(alignment).collect(),
                header: Vec::new(),
                rows: Vec::new(),
            },
            Tag::TableHead => Frame::TableHead { cells: Vec::new() },
            Tag::TableRow => Frame::TableRow { cells: Vec::new() },
            Tag::TableCell => Frame::TableCell,
            Tag::Emphasis => Frame::Emph,
            Tag::Strong => Frame::Strong,
            Tag::Strikethrough => Frame::Strikeout,
            Tag::Superscript => Frame::Superscript,
            Tag::Subscript => Frame::Subscript,
            Tag::Link { link_type, dest_url, title, .. } => Frame::Link {
                url: match link_type {
                    LinkType::Email => format!("mailto:{dest_url}"),
                    _ => dest_url.into_string(),
                },
                title: title.into_string(),
            },
            Tag::Image { dest_url, title, .. } => {
                Frame::Image { url: dest_url.into_string(), title: title.into_string() }
            }
            // Metadata blocks are not enabled: front matter is split off before parsing.
            Tag::MetadataBlock(_) => Frame::Flattened,
        };
        if is_block_frame(&frame) {
            self.flush_plain();
        }
        self.open(frame);
    }

    fn open(&mut self, frame: Frame) {
        let (block_start, inline_start) = (self.blocks.len(), self.inlines.len());
        self.stack.push(Open { frame, block_start, inline_start });
    }

    fn end(&mut self, _tag: TagEnd) {
        if self.stack.len() == 1 {
            return;
        }
        if !matches!(self.top().frame, Frame::Flattened) {
            self.flush_plain();
        }
        let Some(Open { frame, block_start, inline_start }) = self.stack.pop() else { return };
        let blocks = self.blocks.split_off(block_start);
        let inlines = self.inlines.split_off(inline_start);
        match frame {
            Frame::Root => {}
            Frame::Paragraph => self.push_block(Block::Paragraph(inlines)),
            Frame::Heading { level, attr } => {
                self.push_block(Block::Heading { level, attr, content: inlines })
            }
            Frame::BlockQuote { alert } => {
                self.push_block(Block::BlockQuote { alert, content: blocks })
            }
            Frame::CodeBlock { info, code } => self.push_block(Block::CodeBlock { info, code }),
            Frame::HtmlBlock { html } => {
                self.push_block(Block::RawBlock { format: RawFormat::Html, content: html })
            }
            Frame::List { start, items } => {
                let tight = items
                    .iter()
                    .all(|item| !item.content.iter().any(|b| matches!(b, Block::Paragraph(_))));
                let kind = match start {
                    Some(start) => ListKind::Ordered { start, style: NumberStyle::Decimal },
                    None => ListKind::Bullet,
                };
                self.push_block(Block::List(List { kind, tight, items }));
            }
            Frame::Item { task } => {
                if let Frame::List { items, .. } = &mut self.top().frame {
                    items.push(ListItem { task, content: blocks });
                } else {
                    self.blocks.extend(blocks);
                }
            }
            Frame::FootnoteDefinition { label } => {
                self.definitions.entry(label).or_insert(blocks);
            }
            Frame::DefinitionList { items } => self.push_block(Block::DefinitionList(items)),
            Frame::DefinitionTitle => {
                if let Frame::DefinitionList { items } = &mut self.top().frame {
                    items.push(DefinitionItem { term: inlines, definitions: Vec::new() });
                }
            }
            Frame::DefinitionBody => {
                if let Frame::DefinitionList { items } = &mut self.top().frame {
                    match items.last_mut() {
                        Some(item) => item.definitions.push(blocks),
                        None => items
                            .push(DefinitionItem { term: Vec::new(), definitions: vec![blocks] }),
                    }
                }
            }
            Frame::Table { alignments, header, rows } => {
                self.push_block(Block::Table(Table { alignments, header, rows }))
            }
            Frame::TableHead { cells } => {
                if let Frame::Table { header, .. } = &mut self.top().frame {
                    *header = cells;
                }
            }
            Frame::TableRow { cells } => {
                if let Frame::Table { rows, .. } = &mut self.top().frame {
                    rows.push(cells);
                }
            }
            Frame::TableCell => match &mut self.top().frame {
                Frame::TableHead { cells } | Frame::TableRow { cells } => cells.push(inlines),
                _ => {}
            },
            Frame::Emph => self.inlines.push(Inline::Emph(inlines)),
            Frame::Strong => self.inlines.push(Inline::Strong(inlines)),
            Frame::Strikeout => self.inlines.push(Inline::Strikeout(inlines)),
            Frame::Superscript => self.inlines.push(Inline::Superscript(inlines)),
            Frame::Subscript => self.inlines.push(Inline::Subscript(inlines)),
            Frame::Link { url, title } => {
                self.inlines.push(Inline::Link { url, title, content: inlines })
            }
            Frame::Image { url, title } => {
                self.inlines.push(Inline::Image { url, title, alt: inlines })
            }
            Frame::Flattened => {
                if !blocks.is_empty() || (accepts_blocks(&self.top().frame) && !inlines.is_empty())
                {
                    self.flush_plain();
                    self.blocks.extend(blocks);
                    if !inlines.is_empty() {
                        self.blocks.push(Block::Plain(inlines));
                    }
                } else {
                    for inline in inlines {
                        self.push_inline(inline);
                    }
                }
            }
        }
    }

    /// Appends an inline to the innermost frame, merging text with a text inline it ends with.
    fn push_inline(&mut self, inline: Inline) {
        match (inline, self.own_last_text()) {
            (Inline::Text(text), Some(last)) => last.push_str(&text),
            (inline, _) => self.inlines.push(inline),
        }
    }

    /// The innermost frame's last inline, if it is text (never a parent frame's).
    fn own_last_text(&mut self) -> Option<&mut String> {
        let start = self.top().inline_start;
        match self.inlines.get_mut(start..)?.last_mut() {
            Some(Inline::Text(last)) => Some(last),
            _ => None,
        }
    }

    fn finish(mut self) -> (Vec<Block>, Vec<Warning>) {
        self.flush_text();
        while self.stack.len() > 1 {
            self.end(TagEnd::Paragraph);
        }
        self.flush_plain();
        let mut blocks = std::mem::take(&mut self.blocks);
        // Most documents have no footnotes: then there is nothing to look for.
        if !self.references.is_empty() {
            let resolver =
                NoteResolver { definitions: &self.definitions, references: &self.references };
            resolver.resolve(&mut blocks, 0);
        }
        let used: std::collections::HashSet<&str> =
            self.references.iter().map(String::as_str).collect();
        let mut unused: Vec<&String> =
            self.definitions.keys().filter(|label| !used.contains(label.as_str())).collect();
        unused.sort();
        for label in unused {
            self.warnings.push(Warning::new(
                WarningKind::Unsupported,
                format!("footnote [^{label}] is defined but never referenced, so it is not shown"),
            ));
        }
        (blocks, self.warnings)
    }
}

/// Replaces note placeholders with their definitions. A note inside a note is kept, one level
/// deeper is shown as its `[^label]` text, which bounds the copying on hostile inputs.
struct NoteResolver<'a> {
    definitions: &'a HashMap<String, Vec<Block>>,
    references: &'a [String],
}

impl NoteResolver<'_> {
    fn resolve(&self, blocks: &mut [Block], depth: usize) {
        walk::for_each_inlines_mut(blocks, &mut |inlines| {
            for inline in inlines.iter_mut() {
                let Some(label) = self.placeholder_label(inline) else { continue };
                *inline = match self.definitions.get(label) {
                    Some(definition) if depth < 2 => {
                        let mut content = definition.clone();
                        self.resolve(&mut content, depth + 1);
                        Inline::Note(content)
                    }
                    _ => Inline::Text(format!("[^{label}]")),
                };
            }
        });
    }

    fn placeholder_label(&self, inline: &Inline) -> Option<&str> {
        let Inline::Note(blocks) = inline else { return None };
        let [Block::Plain(content)] = blocks.as_slice() else { return None };
        let [Inline::Text(mark)] = content.as_slice() else { return None };
        let index: usize = mark.strip_prefix(NOTE_MARK)?.parse().ok()?;
        self.references.get(index).map(String::as_str)
    }
}

fn is_block_frame(frame: &Frame) -> bool {
    matches!(
        frame,
        Frame::Paragraph
            | Frame::Heading { .. }
            | Frame::BlockQuote { .. }
            | Frame::CodeBlock { .. }
            | Frame::HtmlBlock { .. }
            | Frame::List { .. }
            | Frame::Table { .. }
            | Frame::DefinitionList { .. }
            | Frame::FootnoteDefinition { .. }
    )
}

/// Containers whose children are blocks (loose text in them becomes [`Block::Plain`]).
fn accepts_blocks(frame: &Frame) -> bool {
    matches!(
        frame,
        Frame::Root
            | Frame::BlockQuote { .. }
            | Frame::Item { .. }
            | Frame::FootnoteDefinition { .. }
            | Frame::DefinitionBody
    )
}

fn heading_level(level: HeadingLevel) -> u8 {
    match level {
        HeadingLevel::H1 => 1,
        HeadingLevel::H2 => 2,
        HeadingLevel::H3 => 3,
        HeadingLevel::H4 => 4,
        HeadingLevel::H5 => 5,
        HeadingLevel::H6 => 6,
    }
}

fn alert_kind(kind: BlockQuoteKind) -> AlertKind {
    match kind {
        BlockQuoteKind::Note => AlertKind::Note,
        BlockQuoteKind::Tip => AlertKind::Tip,
        BlockQuoteKind::Important => AlertKind::Important,
        BlockQuoteKind::Warning => AlertKind::Warning,
        BlockQuoteKind::Caution => AlertKind::Caution,
    }
}

fn alignment(a: CmAlignment) -> Alignment {
    match a {
        CmAlignment::None => Alignment::Default,
        CmAlignment::Left => Alignment::Left,
        CmAlignment::Center => Alignment::Center,
        CmAlignment::Right => Alignment::Right,
    }
}

//! The Markdown reader: pulldown-cmark events → the document model. The only module that
//! imports `pulldown_cmark`.
//!
//! The tree is built with an explicit stack of open containers (no recursion), so nesting depth
//! costs heap, never stack. Containers nested deeper than [`MAX_NESTING`] are flattened into
//! their parent (their text is kept) with one warning. Footnote references are resolved into
//! [`Inline::Note`] once the whole input has been seen, since definitions may come later.

use std::cell::{Cell as CopyCell, RefCell};
use std::collections::HashMap;

use pulldown_cmark::{
    Alignment as CmAlignment, BlockQuoteKind, CodeBlockKind, CowStr, Event, HeadingLevel, LinkType,
    Options, Parser, Tag, TagEnd,
};

use super::front_matter;
use super::MAX_MODEL_DEPTH;
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
    Heading { level: u8, attr: Attr },
    BlockQuote { alert: Option<AlertKind> },
    CodeBlock { info: String, code: String },
    HtmlBlock { html: String },
    List { start: Option<u64>, items: Vec<ListItem> },
    Item { task: Option<bool> },
    FootnoteDefinition { label: String },
    DefinitionList { items: Vec<DefinitionItem> },
    DefinitionTitle,
    DefinitionBody,
    Table { alignments: Vec<Alignment>, header: Vec<Cell>, rows: Vec<Vec<Cell>> },
    TableHead { cells: Vec<Cell> },
    TableRow { cells: Vec<Cell> },
    TableCell,
    Emph,
    Strong,
    Strikeout,
    Superscript,
    Subscript,
    Link { url: String, title: String },
    Image { url: String, title: String },
}

/// A frame plus the blocks and inlines collected inside it so far.
struct Open {
    frame: Frame,
    blocks: Vec<Block>,
    inlines: Vec<Inline>,
    /// Containers beyond [`MAX_NESTING`] opened inside this frame and not yet closed: their
    /// content goes straight into this frame. A counter rather than frames of their own, since
    /// handing content up one frame per level made deep nesting quadratic (regression test
    /// `pathological::nested_inlines_are_linear`).
    flattened: usize,
}

struct TreeBuilder<'s> {
    source: &'s str,
    line_offset: usize,
    stack: Vec<Open>,
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
            stack: vec![Open {
                frame: Frame::Root,
                blocks: Vec::new(),
                inlines: Vec::new(),
                flattened: 0,
            }],
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
        match event {
            Event::Start(tag) => self.start(tag, offset),
            Event::End(tag) => self.end(tag),
            Event::Text(text) => self.text(&text),
            Event::Code(code) => self.top().inlines.push(Inline::Code(code.into_string())),
            Event::InlineMath(tex) => {
                self.top().inlines.push(Inline::Math { display: false, tex: tex.into_string() })
            }
            Event::DisplayMath(tex) => {
                self.top().inlines.push(Inline::Math { display: true, tex: tex.into_string() })
            }
            Event::Html(html) => match &mut self.top().frame {
                Frame::HtmlBlock { html: buffer } => buffer.push_str(&html),
                _ => self.push_block(Block::RawBlock {
                    format: RawFormat::Html,
                    content: html.into_string(),
                }),
            },
            Event::InlineHtml(html) => self
                .top()
                .inlines
                .push(Inline::RawInline { format: RawFormat::Html, content: html.into_string() }),
            Event::FootnoteReference(label) => {
                let index = self.references.len();
                self.references.push(label.into_string());
                let mark = Inline::Text(format!("{NOTE_MARK}{index}"));
                self.top().inlines.push(Inline::Note(vec![Block::Plain(vec![mark])]));
            }
            Event::SoftBreak => self.top().inlines.push(Inline::SoftBreak),
            Event::HardBreak => self.top().inlines.push(Inline::HardBreak),
            Event::Rule => self.push_block(Block::ThematicBreak),
            Event::TaskListMarker(done) => {
                if let Some(Open { frame: Frame::Item { task }, flattened: 0, .. }) =
                    self.stack.last_mut()
                {
                    *task = Some(done);
                }
            }
        }
    }

    fn text(&mut self, text: &str) {
        let top = self.top();
        match &mut top.frame {
            Frame::CodeBlock { code, .. } => code.push_str(text),
            Frame::HtmlBlock { html } => html.push_str(text),
            _ => push_text(&mut top.inlines, text),
        }
    }

    /// Adds a finished block to the innermost container, after any inline text it holds.
    fn push_block(&mut self, block: Block) {
        let top = self.top();
        flush_plain(top);
        top.blocks.push(block);
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
                // Images nest inside image descriptions (`![![![x](a)](b)](c)`), and footnote
                // definitions inside footnote definitions: both are unbounded without the limit
                // (regression test `nested_images_overflowed_the_stack`).
                | Tag::Image { .. }
                | Tag::FootnoteDefinition(_)
                | Tag::DefinitionList
                | Tag::DefinitionListDefinition
        );
        // Metadata blocks are not enabled: front matter is split off before parsing.
        let is_metadata = matches!(tag, Tag::MetadataBlock(_));
        if (is_container && self.stack.len() > MAX_NESTING) || is_metadata {
            if !self.warned_nesting && !is_metadata {
                self.warned_nesting = true;
                let line = self.line(offset);
                self.warnings.push(Warning::at_line(
                    WarningKind::Limit,
                    line,
                    format!("content nested deeper than {MAX_NESTING} levels was flattened into its parent"),
                ));
            }
            let top = self.top();
            if is_block_tag(&tag) {
                // Each flattened quote or list item still starts a block of its own.
                flush_plain(top);
            }
            top.flattened += 1;
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
            // Counted as flattened above; never a frame.
            Tag::MetadataBlock(_) => return,
        };
        if is_block_frame(&frame) {
            flush_plain(self.top());
        }
        self.open(frame);
    }

    fn open(&mut self, frame: Frame) {
        self.stack.push(Open { frame, blocks: Vec::new(), inlines: Vec::new(), flattened: 0 });
    }

    fn end(&mut self, tag: TagEnd) {
        // Events nest properly, so while this frame has flattened containers open, the end
        // belongs to the innermost of them.
        let top = self.top();
        if top.flattened > 0 {
            top.flattened -= 1;
            if is_block_tag_end(tag) {
                flush_plain(top);
            }
            return;
        }
        if self.stack.len() == 1 {
            return;
        }
        let Some(mut open) = self.stack.pop() else { return };
        flush_plain(&mut open);
        let Open { frame, blocks, inlines, flattened: _ } = open;
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
                    self.top().blocks.extend(blocks);
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
            Frame::Emph => self.top().inlines.push(Inline::Emph(inlines)),
            Frame::Strong => self.top().inlines.push(Inline::Strong(inlines)),
            Frame::Strikeout => self.top().inlines.push(Inline::Strikeout(inlines)),
            Frame::Superscript => self.top().inlines.push(Inline::Superscript(inlines)),
            Frame::Subscript => self.top().inlines.push(Inline::Subscript(inlines)),
            Frame::Link { url, title } => {
                self.top().inlines.push(Inline::Link { url, title, content: inlines })
            }
            Frame::Image { url, title } => {
                self.top().inlines.push(Inline::Image { url, title, alt: inlines })
            }
        }
    }

    fn finish(mut self) -> (Vec<Block>, Vec<Warning>) {
        while self.stack.len() > 1 {
            self.end(TagEnd::Paragraph);
        }
        let mut root = self.stack.pop().expect("root frame");
        flush_plain(&mut root);
        let mut blocks = root.blocks;
        let resolver = NoteResolver {
            definitions: &self.definitions,
            references: &self.references,
            sizes: RefCell::new(HashMap::new()),
            budget: CopyCell::new(NOTE_COPY_BASE + NOTE_COPY_PER_BYTE * self.source.len()),
            exhausted: CopyCell::new(false),
            flattened: CopyCell::new(false),
        };
        resolver.resolve(&mut blocks, 0, 1);
        if resolver.flattened.get() {
            self.warnings.push(Warning::new(
                WarningKind::Limit,
                format!("footnotes whose content would nest deeper than {MAX_MODEL_DEPTH} levels were reduced to their text"),
            ));
        }
        if resolver.exhausted.get() {
            self.warnings.push(Warning::new(
                WarningKind::Limit,
                "footnotes are referenced so often that copying them would exceed folio's size limit; the remaining references are shown as [^label]",
            ));
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

/// Model nodes the note resolver may copy, whatever the input size…
const NOTE_COPY_BASE: usize = 100_000;
/// …plus this many per input byte. Every reference copies its note, so a note referenced from
/// inside a note referenced many times multiplies: three footnotes each referencing the next
/// 300 times make 27 million copies out of 4 KB (regression test `footnote_copies_multiplied`). A
/// budget linear in the input keeps time and memory linear; real documents stay far below it.
const NOTE_COPY_PER_BYTE: usize = 4;

/// Replaces note placeholders with their definitions. A note inside a note is kept, one level
/// deeper is shown as its `[^label]` text, and so is any reference once the copy budget is spent.
struct NoteResolver<'a> {
    definitions: &'a HashMap<String, Vec<Block>>,
    references: &'a [String],
    /// Node counts of the definitions, computed once each so rejected copies stay cheap.
    sizes: RefCell<HashMap<&'a str, usize>>,
    /// Model nodes that may still be copied.
    budget: CopyCell<usize>,
    /// Set when a reference was not expanded for lack of budget.
    exhausted: CopyCell<bool>,
    /// Set when a note was flattened to stay within the depth limit.
    flattened: CopyCell<bool>,
}

impl<'a> NoteResolver<'a> {
    /// Resolves the placeholders in `blocks`, which lie inside `note_level` notes and whose
    /// top level sits at `depth` in the model (see [`walk::depth`]).
    fn resolve(&self, blocks: &mut [Block], note_level: usize, depth: usize) {
        walk::for_each_inlines_mut_at_depth(blocks, depth, &mut |inlines, inline_depth| {
            for inline in inlines.iter_mut() {
                let Some(label) = self.placeholder_label(inline) else { continue };
                *inline = match self.definitions.get_key_value(label) {
                    Some((label, definition))
                        if note_level < 2 && self.spend(label, definition) =>
                    {
                        self.note(label, definition, note_level, inline_depth)
                    }
                    _ => Inline::Text(format!("[^{label}]")),
                };
            }
        });
    }

    /// The note for a reference at `depth`. A note's content nests below its reference, so a
    /// deeply nested note referenced from deep inside a quote would exceed the model's depth
    /// limit (and the JSON reader's, breaking `-t json` round trips); such a note keeps its text
    /// in one paragraph instead.
    fn note(&self, label: &str, definition: &[Block], note_level: usize, depth: usize) -> Inline {
        let content_depth = depth + 1;
        if content_depth - 1 + walk::depth(definition) <= MAX_MODEL_DEPTH {
            let mut content = definition.to_vec();
            self.resolve(&mut content, note_level + 1, content_depth);
            return Inline::Note(content);
        }
        self.flattened.set(true);
        if content_depth + 1 > MAX_MODEL_DEPTH {
            return Inline::Text(format!("[^{label}]"));
        }
        let text = walk::blocks_plain_text(definition).trim().to_string();
        Inline::Note(vec![Block::Paragraph(vec![Inline::Text(text)])])
    }

    /// Takes the size of `definition` from the budget; false (and nothing taken) if it is spent.
    fn spend(&self, label: &'a str, definition: &[Block]) -> bool {
        let size =
            *self.sizes.borrow_mut().entry(label).or_insert_with(|| walk::node_count(definition));
        match self.budget.get().checked_sub(size) {
            Some(rest) => {
                self.budget.set(rest);
                true
            }
            None => {
                self.exhausted.set(true);
                false
            }
        }
    }

    fn placeholder_label(&self, inline: &Inline) -> Option<&'a str> {
        let Inline::Note(blocks) = inline else { return None };
        let [Block::Plain(content)] = blocks.as_slice() else { return None };
        let [Inline::Text(mark)] = content.as_slice() else { return None };
        let index: usize = mark.strip_prefix(NOTE_MARK)?.parse().ok()?;
        self.references.get(index).map(String::as_str)
    }
}

/// Containers of blocks among the tags that can be flattened.
fn is_block_tag(tag: &Tag<'_>) -> bool {
    matches!(
        tag,
        Tag::BlockQuote(_)
            | Tag::List(_)
            | Tag::Item
            | Tag::FootnoteDefinition(_)
            | Tag::DefinitionList
            | Tag::DefinitionListDefinition
    )
}

fn is_block_tag_end(tag: TagEnd) -> bool {
    matches!(
        tag,
        TagEnd::BlockQuote(_)
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::FootnoteDefinition
            | TagEnd::DefinitionList
            | TagEnd::DefinitionListDefinition
    )
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

/// Turns loose inline content of a block container (a tight list item's text) into a
/// [`Block::Plain`].
fn flush_plain(open: &mut Open) {
    if open.inlines.is_empty() {
        return;
    }
    if accepts_blocks(&open.frame) {
        let inlines = std::mem::take(&mut open.inlines);
        open.blocks.push(Block::Plain(inlines));
    }
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

/// Appends text, merging it with a preceding text run.
fn push_text(inlines: &mut Vec<Inline>, text: &str) {
    if let Some(Inline::Text(last)) = inlines.last_mut() {
        last.push_str(text);
    } else {
        inlines.push(Inline::Text(text.to_string()));
    }
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

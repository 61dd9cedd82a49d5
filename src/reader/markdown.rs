//! The Markdown reader: pulldown-cmark events → the document model. The only module that
//! imports `pulldown_cmark`.
//!
//! The tree is built with an explicit stack of open containers (no recursion), so nesting depth
//! costs heap, never stack. Containers nested deeper than [`MAX_NESTING`] are flattened into
//! their parent (their text is kept) with one warning. Footnote references are resolved into
//! [`Inline::Note`] once the whole input has been seen, since definitions may come later.

use std::cell::{Cell as CopyCell, RefCell};
use std::collections::HashMap;

use std::ops::Range;

use unicase::UniCase;

use pulldown_cmark::{
    Alignment as CmAlignment, BlockQuoteKind, BrokenLink, CodeBlockKind, CowStr, Event,
    HeadingLevel, LinkType, Options, Parser, Tag, TagEnd,
};

mod chunks;

use super::front_matter;
use super::MAX_MODEL_DEPTH;
use crate::error::{line_of_offset, Result, Warning, WarningKind};
use crate::format::MarkdownFlavor;
use crate::model::{
    walk, AlertKind, Alignment, Attr, Block, Cell, DefinitionItem, Document, Image, Inline,
    Inlines, Link, List, ListItem, ListKind, Math, NumberStyle, RawFormat, Table,
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
    read_with_depth_bound(source, options).map(|(document, warnings, _)| (document, warnings))
}

/// Like [`read`], plus an upper bound of the model's [`walk::depth`], known from building it:
/// a node's depth is at most the number of frames open when it was added, and resolved notes
/// are kept within [`MAX_MODEL_DEPTH`] as they are inserted. Saves [`super::read`] a walk over
/// the whole model (a sixth of a Markdown → HTML run went into that walk).
pub(crate) fn read_with_depth_bound(
    source: &str,
    options: &MarkdownOptions,
) -> Result<(Document, Vec<Warning>, usize)> {
    read_in_pieces(source, options, None)
        .map(|(document, warnings, deepest, _)| (document, warnings, deepest))
}

/// Reads Markdown like [`read`], cut into pieces of about `piece_len` bytes when given (whatever
/// the input's size), or into pieces only when the input is large enough (`None`). Returns the
/// document, its warnings, the depth bound of [`read_with_depth_bound`] and how many pieces
/// were parsed (1 when read whole). For the differential tests of [`chunks`]: the model must
/// not depend on how the input was cut.
#[doc(hidden)]
pub fn read_in_pieces(
    source: &str,
    options: &MarkdownOptions,
    piece_len: Option<usize>,
) -> Result<(Document, Vec<Warning>, usize, usize)> {
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
    let parser_options = parser_options(options);
    let pieces = match piece_len {
        Some(piece_len) => chunks::read_pieces(body, parser_options, line_offset, piece_len),
        None if body.len() >= chunks::MIN_CHUNKED_LEN => {
            chunks::read_pieces(body, parser_options, line_offset, chunks::PIECE_LEN)
        }
        None => None,
    };
    let parts = pieces.unwrap_or_else(|| {
        let lines = Lines { body, piece_start: 0, prefix_len: 0, line_offset };
        let mut builder = TreeBuilder::new(0, lines, body.len(), 0..0);
        parse_into(&mut builder, body, parser_options, None);
        vec![builder.finish()]
    });
    let piece_count = parts.len();
    let deepest = parts.iter().map(|part| part.deepest).max().unwrap_or(1);
    let (blocks, warnings) = assemble(parts, body.len());
    Ok((Document { meta, blocks }, warnings, deepest, piece_count))
}

/// Feeds the events of `text` to `builder`; `links` resolves references that `text` does not
/// define itself (link reference definitions found in other pieces).
fn parse_into(
    builder: &mut TreeBuilder<'_>,
    text: &str,
    options: Options,
    links: Option<&chunks::LinkDefinitions>,
) {
    match links {
        None => {
            for (event, range) in Parser::new_ext(text, options).into_offset_iter() {
                builder.event(event, range);
            }
        }
        Some(links) => {
            let callback = |link: BrokenLink<'_>| links.resolve(&link.reference);
            let parser = Parser::new_with_broken_link_callback(text, options, Some(callback));
            for (event, range) in parser.into_offset_iter() {
                builder.event(event, range);
            }
        }
    }
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
    /// The code and the HTML collect in [`TreeBuilder::text`] until the block closes.
    CodeBlock {
        info: String,
    },
    HtmlBlock,
    List {
        start: Option<u64>,
        items: Vec<ListItem>,
    },
    Item {
        task: Option<bool>,
    },
    FootnoteDefinition {
        label: String,
        /// One of the stubs [`chunks`] adds, not part of the document.
        stub: bool,
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
}

/// An open frame: where its blocks and inlines start on the builder's shared stacks.
struct Open {
    frame: Frame,
    /// Index in [`TreeBuilder::blocks`] of this frame's first block.
    blocks_start: usize,
    /// Index in [`TreeBuilder::inlines`] of this frame's first inline.
    inlines_start: usize,
    /// Containers beyond [`MAX_NESTING`] opened inside this frame and not yet closed: their
    /// content goes straight into this frame. A counter rather than frames of their own, since
    /// handing content up one frame per level made deep nesting quadratic (regression test
    /// `pathological::nested_inlines_are_linear`).
    flattened: usize,
}

/// Builds the tree from events. The children of all open frames live on two shared stacks
/// (`blocks`, `inlines`), each frame owning the tail from its start index; closing a frame
/// moves its tail into one exactly-sized vector. Compared with a vector per frame this saves
/// the regrowth of every paragraph's inline list, which was a third of the reader's
/// allocations, and leaves no spare capacity in the model.
struct TreeBuilder<'s> {
    /// Which piece of the body this is (0 when read whole): note placeholders name it, since a
    /// note copied into another piece keeps the placeholders of the piece it was defined in.
    piece: usize,
    lines: Lines<'s>,
    /// Length of the text being parsed (the piece, stubs included).
    text_len: usize,
    /// Where the stub footnote definitions lie that [`chunks`] puts before or after a piece so
    /// that pulldown-cmark knows labels defined in other pieces. Definitions starting there are
    /// dropped.
    stubs: Range<usize>,
    stack: Vec<Open>,
    blocks: Vec<Block>,
    inlines: Vec<Inline>,
    /// Text of the current run, not yet an [`Inline::Text`]: pulldown-cmark splits a run at
    /// every entity, escape and smart quote, and growing one reused buffer is cheaper than
    /// growing a fresh string per run.
    text: String,
    /// Footnote definitions by label, collected as they are met.
    definitions: NoteDefinitions,
    /// Labels of footnote references, indexed by the number in their placeholder.
    references: Vec<String>,
    /// Top-level blocks that hold note placeholders: only these are walked to resolve them.
    blocks_with_notes: Vec<usize>,
    /// `references.len()` when the last top-level block was finished.
    references_at_last_root_block: usize,
    warnings: Vec<Warning>,
    warned_nesting: bool,
    /// The most frames ever open at once (see [`read_with_depth_bound`]).
    deepest: usize,
    /// A fenced code block is open (pulldown-cmark's `End` does not say which kind ends).
    in_fenced_code: bool,
    /// A fenced code block or HTML block was closed by the end of the text rather than by its
    /// own end: the cut after this piece was not at a block boundary (see [`chunks`]).
    open_at_end: bool,
    /// Bytes of URL and title copied from link reference definitions, which pulldown-cmark
    /// limits per parse (see [`chunks`]).
    reference_expansion: usize,
}

/// Where the text being parsed lies in the body, for line numbers in warnings.
#[derive(Clone, Copy)]
struct Lines<'s> {
    /// The whole Markdown body (front matter excluded).
    body: &'s str,
    /// Offset in `body` of the piece being parsed.
    piece_start: usize,
    /// Bytes of stubs put before the piece.
    prefix_len: usize,
    /// Lines of front matter before `body`.
    line_offset: usize,
}

/// One parsed piece of the body: its blocks with note placeholders still unresolved.
struct Part {
    blocks: Vec<Block>,
    definitions: NoteDefinitions,
    references: Vec<String>,
    blocks_with_notes: Vec<usize>,
    /// Only the nesting warning, at most once per piece.
    warnings: Vec<Warning>,
    deepest: usize,
    open_at_end: bool,
    reference_expansion: usize,
}

/// Placeholder text inside an unresolved note, followed by `piece:index`; NUL never survives pulldown-cmark's parsing
/// (it becomes U+FFFD), so it cannot collide with document text.
const NOTE_MARK: &str = "\0note:";

impl<'s> TreeBuilder<'s> {
    fn new(piece: usize, lines: Lines<'s>, text_len: usize, stubs: Range<usize>) -> Self {
        TreeBuilder {
            piece,
            lines,
            text_len,
            stubs,
            stack: vec![Open {
                frame: Frame::Root,
                blocks_start: 1,
                inlines_start: 1,
                flattened: 0,
            }],
            // Sentinels, never part of the output (see `take_inlines`).
            blocks: vec![Block::ThematicBreak],
            inlines: vec![Inline::SoftBreak],
            text: String::new(),
            definitions: HashMap::new(),
            references: Vec::new(),
            blocks_with_notes: Vec::new(),
            references_at_last_root_block: 0,
            warnings: Vec::new(),
            warned_nesting: false,
            deepest: 1,
            in_fenced_code: false,
            open_at_end: false,
            reference_expansion: 0,
        }
    }

    fn line(&self, offset: usize) -> usize {
        let Lines { body, piece_start, prefix_len, line_offset } = self.lines;
        line_of_offset(body, piece_start + offset.saturating_sub(prefix_len)) + line_offset
    }

    fn top(&self) -> &Open {
        self.stack.last().expect("the root frame is never popped")
    }

    fn top_mut(&mut self) -> &mut Open {
        self.stack.last_mut().expect("the root frame is never popped")
    }

    fn event(&mut self, event: Event<'_>, range: Range<usize>) {
        if let Event::Text(text) = &event {
            return self.push_text(text);
        }
        self.finish_text();
        match event {
            Event::Start(tag) => {
                self.observe_start(&tag);
                self.start(tag, range.start)
            }
            Event::End(tag) => {
                if matches!(tag, TagEnd::CodeBlock | TagEnd::HtmlBlock) {
                    let fenced = std::mem::take(&mut self.in_fenced_code);
                    if (fenced || tag == TagEnd::HtmlBlock) && range.end >= self.text_len {
                        self.open_at_end = true;
                    }
                }
                self.end(tag)
            }
            Event::Text(_) => {}
            Event::Code(code) => self.inlines.push(Inline::Code(code.as_ref().into())),
            Event::InlineMath(tex) => self
                .inlines
                .push(Inline::Math(Box::new(Math { display: false, tex: tex.into_string() }))),
            Event::DisplayMath(tex) => self
                .inlines
                .push(Inline::Math(Box::new(Math { display: true, tex: tex.into_string() }))),
            Event::Html(html) => match self.top().frame {
                Frame::HtmlBlock => self.text.push_str(&html),
                _ => self.push_block(Block::RawBlock {
                    format: RawFormat::Html,
                    content: html.into_string(),
                }),
            },
            Event::InlineHtml(html) => self
                .inlines
                .push(Inline::RawInline { format: RawFormat::Html, content: html.as_ref().into() }),
            Event::FootnoteReference(label) => {
                let index = self.references.len();
                self.references.push(label.into_string());
                let mark = Inline::Text(format!("{NOTE_MARK}{}:{index}", self.piece).into());
                self.inlines
                    .push(Inline::Note(Box::new([Block::Plain(Inlines::from_buf([mark]))])));
            }
            Event::SoftBreak => self.inlines.push(Inline::SoftBreak),
            Event::HardBreak => self.inlines.push(Inline::HardBreak),
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

    /// Keeps what [`chunks`] checks after parsing a piece: whether a fenced code block is open,
    /// and how many bytes link reference definitions were expanded to.
    fn observe_start(&mut self, tag: &Tag<'_>) {
        match tag {
            Tag::CodeBlock(CodeBlockKind::Fenced(_)) => self.in_fenced_code = true,
            Tag::Link { link_type, dest_url, title, .. }
            | Tag::Image { link_type, dest_url, title, .. } => {
                if matches!(
                    link_type,
                    LinkType::Reference
                        | LinkType::ReferenceUnknown
                        | LinkType::Collapsed
                        | LinkType::CollapsedUnknown
                        | LinkType::Shortcut
                        | LinkType::ShortcutUnknown
                ) {
                    self.reference_expansion += dest_url.len() + title.len();
                }
            }
            _ => {}
        }
    }

    /// Adds text to the current run (or to the code or HTML block being read).
    fn push_text(&mut self, text: &str) {
        self.text.push_str(text);
    }

    /// Ends the current text run: code and HTML blocks keep it until they close; anywhere else
    /// it becomes an [`Inline::Text`], merged with a text inline just before it.
    fn finish_text(&mut self) {
        if self.text.is_empty()
            || matches!(self.top().frame, Frame::CodeBlock { .. } | Frame::HtmlBlock)
        {
            return;
        }
        let in_this_frame = self.inlines.len() > self.top().inlines_start;
        match self.inlines.last_mut() {
            Some(Inline::Text(last)) if in_this_frame => last.push_str(&self.text),
            _ => self.inlines.push(Inline::Text(self.text.as_str().into())),
        }
        self.text.clear();
    }

    /// Takes the text of a code or HTML block, leaving the buffer's capacity for the next one.
    fn take_text(&mut self) -> String {
        let text = self.text.as_str().into();
        self.text.clear();
        text
    }

    /// Adds a finished block to the innermost container, after any inline text it holds.
    fn push_block(&mut self, block: Block) {
        self.flush_plain();
        self.blocks.push(block);
        if self.stack.len() == 1 {
            self.finished_root_block();
        }
    }

    /// Notes whether the top-level block just finished holds note references.
    fn finished_root_block(&mut self) {
        if self.references.len() > self.references_at_last_root_block {
            self.references_at_last_root_block = self.references.len();
            // Less one for the sentinel: the index in the finished document.
            self.blocks_with_notes.push(self.blocks.len() - 2);
        }
    }

    /// Turns loose inline content of a block container (a tight list item's text) into a
    /// [`Block::Plain`].
    fn flush_plain(&mut self) {
        let top = self.top();
        if self.inlines.len() <= top.inlines_start || !accepts_blocks(&top.frame) {
            return;
        }
        let inlines = self.take_inline_run(top.inlines_start);
        self.blocks.push(Block::Plain(inlines));
        if self.stack.len() == 1 {
            self.finished_root_block();
        }
    }

    /// Moves a frame's inlines off the shared stack. `split_off` copies the tail into an
    /// exactly-sized vector in one go (`drain().collect()` moved element by element); the
    /// sentinel at index 0 keeps `start` above 0, where `split_off` would hand over the whole
    /// buffer instead.
    fn take_inlines(&mut self, start: usize) -> Vec<Inline> {
        self.inlines.split_off(start)
    }

    /// Moves the inline content of a paragraph, heading, cell or tight item off the shared
    /// stack: a lone inline (seven in ten) stays in place, longer runs keep `take_inlines`'s
    /// exactly sized buffer.
    fn take_inline_run(&mut self, start: usize) -> Inlines {
        match self.inlines.len() - start {
            1 => Inlines::from_buf([self.inlines.pop().expect("one inline above start")]),
            _ => Inlines::from_vec(self.take_inlines(start)),
        }
    }

    /// Moves a frame's blocks off the shared stack (see [`Self::take_inlines`]).
    fn take_blocks(&mut self, start: usize) -> Vec<Block> {
        self.blocks.split_off(start)
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
            if is_block_tag(&tag) {
                // Each flattened quote or list item still starts a block of its own.
                self.flush_plain();
            }
            self.top_mut().flattened += 1;
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
            },
            Tag::HtmlBlock => Frame::HtmlBlock,
            Tag::List(start) => Frame::List { start, items: Vec::new() },
            Tag::Item => Frame::Item { task: None },
            Tag::FootnoteDefinition(label) => {
                let stub = self.stubs.contains(&offset);
                Frame::FootnoteDefinition { label: label.into_string(), stub }
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
            self.flush_plain();
        }
        self.stack.push(Open {
            frame,
            blocks_start: self.blocks.len(),
            inlines_start: self.inlines.len(),
            flattened: 0,
        });
        self.deepest = self.deepest.max(self.stack.len());
    }

    fn end(&mut self, tag: TagEnd) {
        // Events nest properly, so while this frame has flattened containers open, the end
        // belongs to the innermost of them.
        if self.top().flattened > 0 {
            self.top_mut().flattened -= 1;
            if is_block_tag_end(tag) {
                self.flush_plain();
            }
            return;
        }
        if self.stack.len() == 1 {
            return;
        }
        self.flush_plain();
        let Some(Open { frame, blocks_start, inlines_start, flattened: _ }) = self.stack.pop()
        else {
            return;
        };
        // Only frames that collect children take them; for the others both tails are empty.
        // Paragraphs, headings and table cells keep a lone inline in place (see `Inlines`).
        let (inlines, run) =
            if matches!(frame, Frame::Paragraph | Frame::Heading { .. } | Frame::TableCell) {
                (Vec::new(), self.take_inline_run(inlines_start))
            } else {
                (self.take_inlines(inlines_start), Inlines::new())
            };
        let blocks = self.take_blocks(blocks_start);
        match frame {
            Frame::Root => {}
            Frame::Paragraph => self.push_block(Block::Paragraph(run)),
            Frame::Heading { level, attr } => {
                self.push_block(Block::Heading { level, attr: Box::new(attr), content: run })
            }
            Frame::BlockQuote { alert } => {
                self.push_block(Block::BlockQuote { alert, content: blocks })
            }
            Frame::CodeBlock { info } => {
                let code = self.take_text();
                self.push_block(Block::CodeBlock { info, code })
            }
            Frame::HtmlBlock => {
                let content = self.take_text();
                self.push_block(Block::RawBlock { format: RawFormat::Html, content })
            }
            Frame::List { start, items } => {
                let tight = items
                    .iter()
                    .all(|item| !item.content.iter().any(|b| matches!(b, Block::Paragraph(_))));
                let kind = match start {
                    Some(start) => ListKind::Ordered { start, style: NumberStyle::Decimal },
                    None => ListKind::Bullet,
                };
                self.push_block(Block::List(List { kind, tight, items: exact(items) }));
            }
            Frame::Item { task } => {
                if let Frame::List { items, .. } = &mut self.top_mut().frame {
                    items.push(ListItem { task, content: blocks });
                } else {
                    self.blocks.extend(blocks);
                }
            }
            Frame::FootnoteDefinition { label, stub } => {
                if !stub {
                    self.definitions.entry(UniCase::new(label)).or_insert(blocks);
                }
            }
            Frame::DefinitionList { mut items } => {
                for item in &mut items {
                    item.definitions.shrink_to_fit();
                }
                self.push_block(Block::DefinitionList(exact(items)))
            }
            Frame::DefinitionTitle => {
                if let Frame::DefinitionList { items } = &mut self.top_mut().frame {
                    items.push(DefinitionItem { term: inlines, definitions: Vec::new() });
                }
            }
            Frame::DefinitionBody => {
                if let Frame::DefinitionList { items } = &mut self.top_mut().frame {
                    match items.last_mut() {
                        Some(item) => item.definitions.push(blocks),
                        None => items
                            .push(DefinitionItem { term: Vec::new(), definitions: vec![blocks] }),
                    }
                }
            }
            Frame::Table { alignments, header, rows } => {
                let rows = exact(rows);
                self.push_block(Block::Table(Box::new(Table { alignments, header, rows })))
            }
            Frame::TableHead { cells } => {
                if let Frame::Table { header, .. } = &mut self.top_mut().frame {
                    *header = exact(cells);
                }
            }
            Frame::TableRow { cells } => {
                if let Frame::Table { rows, .. } = &mut self.top_mut().frame {
                    rows.push(exact(cells));
                }
            }
            Frame::TableCell => match &mut self.top_mut().frame {
                Frame::TableHead { cells } | Frame::TableRow { cells } => cells.push(run),
                _ => {}
            },
            Frame::Emph => self.inlines.push(Inline::Emph(inlines.into())),
            Frame::Strong => self.inlines.push(Inline::Strong(inlines.into())),
            Frame::Strikeout => self.inlines.push(Inline::Strikeout(inlines.into())),
            Frame::Superscript => self.inlines.push(Inline::Superscript(inlines.into())),
            Frame::Subscript => self.inlines.push(Inline::Subscript(inlines.into())),
            Frame::Link { url, title } => {
                self.inlines.push(Inline::Link(Box::new(Link { url, title, content: inlines })))
            }
            Frame::Image { url, title } => {
                self.inlines.push(Inline::Image(Box::new(Image { url, title, alt: inlines })))
            }
        }
    }

    fn finish(mut self) -> Part {
        self.finish_text();
        while self.stack.len() > 1 {
            self.end(TagEnd::Paragraph);
        }
        self.flush_plain();
        Part {
            blocks: self.take_blocks(1),
            definitions: self.definitions,
            references: self.references,
            blocks_with_notes: self.blocks_with_notes,
            warnings: self.warnings,
            deepest: self.deepest,
            open_at_end: self.open_at_end,
            reference_expansion: self.reference_expansion,
        }
    }
}

/// Footnote definitions by label. Labels match without regard to case, as pulldown-cmark
/// matches references to definitions (`[^Note]` refers to `[^note]:`); the key keeps the label
/// as its first definition wrote it.
type NoteDefinitions = HashMap<UniCase<String>, Vec<Block>>;

/// Joins the parsed pieces of a body into its blocks and resolves the footnotes, whose
/// definitions may lie in any piece. `input_len` sets the note copy budget.
fn assemble(parts: Vec<Part>, input_len: usize) -> (Vec<Block>, Vec<Warning>) {
    let total_blocks: usize = parts.iter().map(|part| part.blocks.len()).sum();
    let mut parts = parts.into_iter();
    let Some(first) = parts.next() else { return (Vec::new(), Vec::new()) };
    // The first piece's vectors are taken over as they are, so reading whole copies nothing.
    // Grown once to the final size: grown by doubling, the old and new buffers would both be
    // held at the reader's peak, with up to half of the last one unused.
    let mut blocks = first.blocks;
    blocks.reserve_exact(total_blocks - blocks.len());
    let mut definitions = first.definitions;
    let mut notes = first.blocks_with_notes;
    let mut references = vec![first.references];
    let mut warnings = first.warnings;
    for part in parts {
        let offset = blocks.len();
        notes.extend(part.blocks_with_notes.iter().map(|&b| offset + b));
        blocks.extend(part.blocks);
        // The first definition of a label wins, as in one parse of the whole text.
        for (label, content) in part.definitions {
            definitions.entry(label).or_insert(content);
        }
        references.push(part.references);
        // Pieces only warn about nesting; one parse of the whole text says it once.
        if warnings.is_empty() {
            warnings = part.warnings;
        }
    }
    let mut uses: HashMap<UniCase<&str>, usize> = HashMap::new();
    for label in references.iter().flatten() {
        *uses.entry(UniCase::new(label.as_str())).or_default() += 1;
    }
    let definitions: HashMap<UniCase<String>, RefCell<Vec<Block>>> =
        definitions.into_iter().map(|(label, content)| (label, RefCell::new(content))).collect();
    if !uses.is_empty() {
        let resolver = NoteResolver {
            definitions: &definitions,
            references: &references,
            uses: &uses,
            sizes: RefCell::new(HashMap::new()),
            budget: CopyCell::new(NOTE_COPY_BASE + NOTE_COPY_PER_BYTE * input_len),
            exhausted: CopyCell::new(false),
            flattened: CopyCell::new(false),
        };
        for &index in &notes {
            if let Some(block) = blocks.get_mut(index) {
                resolver.resolve(std::slice::from_mut(block), 0, 1);
            }
        }
        if resolver.flattened.get() {
            warnings.push(Warning::new(
                WarningKind::Limit,
                format!("footnotes whose content would nest deeper than {MAX_MODEL_DEPTH} levels were reduced to their text"),
            ));
        }
        if resolver.exhausted.get() {
            warnings.push(Warning::new(
                WarningKind::Limit,
                "footnotes are referenced so often that copying them would exceed folio's size limit; the remaining references are shown as [^label]",
            ));
        }
    }
    let mut unused: Vec<&str> = definitions
        .keys()
        .map(|label| label.as_str())
        .filter(|label| !uses.contains_key(&UniCase::new(*label)))
        .collect();
    unused.sort();
    for label in unused {
        warnings.push(Warning::new(
            WarningKind::Unsupported,
            format!("footnote [^{label}] is defined but never referenced, so it is not shown"),
        ));
    }
    (blocks, warnings)
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
    /// The definitions by label, each in a cell so that the one reference to a note can take
    /// its definition instead of copying it (see [`NoteResolver::resolve`]).
    definitions: &'a HashMap<UniCase<String>, RefCell<Vec<Block>>>,
    /// Labels of each piece's references, indexed by piece and by the number in a placeholder.
    references: &'a [Vec<String>],
    /// How many placeholders refer to each label, in the body and in definitions alike.
    uses: &'a HashMap<UniCase<&'a str>, usize>,

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
                *inline = match self.definitions.get_key_value(&UniCase::new(label.to_string())) {
                    Some((label, definition))
                        if note_level < 2 && self.spend(label.as_str(), &definition.borrow()) =>
                    {
                        // A note referred to once, from the body, is resolved exactly once (a
                        // reference inside a note is resolved once per copy of that note), so
                        // its definition is moved into place instead of copied: most notes are.
                        let only_use = note_level == 0
                            && self.uses.get(&UniCase::new(label.as_str())) == Some(&1);
                        self.note(label, definition, only_use, note_level, inline_depth)
                    }
                    _ => Inline::Text(format!("[^{label}]").into()),
                };
            }
        });
    }

    /// The note for a reference at `depth`. A note's content nests below its reference, so a
    /// deeply nested note referenced from deep inside a quote would exceed the model's depth
    /// limit (and the JSON reader's, breaking `-t json` round trips); such a note keeps its text
    /// in one paragraph instead.
    fn note(
        &self,
        label: &str,
        definition: &RefCell<Vec<Block>>,
        only_use: bool,
        note_level: usize,
        depth: usize,
    ) -> Inline {
        let content_depth = depth + 1;
        if content_depth - 1 + walk::depth(&definition.borrow()) <= MAX_MODEL_DEPTH {
            let mut content =
                if only_use { definition.take() } else { definition.borrow().to_vec() };
            self.resolve(&mut content, note_level + 1, content_depth);
            return Inline::Note(content.into());
        }
        self.flattened.set(true);
        if content_depth + 1 > MAX_MODEL_DEPTH {
            return Inline::Text(format!("[^{label}]").into());
        }
        let text = walk::blocks_plain_text(&definition.borrow()).trim().to_string();
        Inline::Note(Box::new([Block::Paragraph(Inlines::from_buf([Inline::Text(text.into())]))]))
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
        let [Block::Plain(content)] = &blocks[..] else { return None };
        let [Inline::Text(mark)] = content.as_slice() else { return None };
        let (piece, index) = mark.strip_prefix(NOTE_MARK)?.split_once(':')?;
        let labels = self.references.get(piece.parse::<usize>().ok()?)?;
        labels.get(index.parse::<usize>().ok()?).map(String::as_str)
    }
}

/// `items` without the room it grew into. The model's lists, rows and cells are built an item
/// at a time, and a vector grown by doubling is a quarter unused on average: kept for the life
/// of the model, that room was 0.3 MB of a generated 2 MB book's 5.8 MB model.
fn exact<T>(mut items: Vec<T>) -> Vec<T> {
    items.shrink_to_fit();
    items
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
            | Frame::HtmlBlock
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

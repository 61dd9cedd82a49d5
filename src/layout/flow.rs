//! The flow: blocks → vertical units (lines, rows, rules) → pages. Owns stacking, spacing, page
//! breaks, widow/orphan and keep-with-next control, footnotes at the foot of the page where they
//! are referenced, repeated table headers, running headers and page numbers.
//!
//! Blocks are first turned into [`Unit`]s, each an unbreakable strip (a line of text, a table
//! row, a code line) with flags saying what must stay together; the paginator then fills pages
//! with them in one linear pass.

use std::collections::{HashMap, HashSet, VecDeque};
use std::rc::Rc;
use std::sync::Arc;

use super::code::code_spans;
use super::font::{FontMetrics, FontStyle};
use super::frame::{
    Destination, Glyph, GlyphText, ImageData, Item, LayoutDocument, LinkTarget, OutlineEntry, Page,
    Positioned, Pt, Rgb, TextRun,
};
use super::inline::{InlineContext, ParagraphBuilder, TextStyle};
use super::line::{break_lines, break_lines_in, Align, Elem, Fragment, Line};
use super::style::Style;
use crate::error::{Warning, WarningKind};
use crate::model::{
    walk, AlertKind, Alignment, Block, DefinitionItem, Document, Inline, List, ListKind, Table,
};
use crate::resources::Resources;

/// Everything layout needs besides the document.
pub struct LayoutOptions {
    /// Page and type design.
    pub style: Style,
    /// Add a table of contents.
    pub toc: bool,
    /// Deepest heading level in the contents.
    pub toc_depth: u8,
    /// Number headings 1, 1.1, …
    pub number_sections: bool,
    /// Code highlighting theme (`None`: plain).
    pub highlight_style: Option<String>,
}

/// Blocks nested deeper than this are flattened (hostile input).
const MAX_DEPTH: usize = 48;

/// A vertical strip of the flow that is never split across pages.
#[derive(Debug, Clone, Default)]
struct Unit {
    /// Space above, dropped at the top of a page.
    space_before: Pt,
    /// Height.
    height: Pt,
    /// Items, with y relative to the unit's top.
    items: Vec<Positioned>,
    /// Baseline of the first line, for list markers.
    baseline: Option<Pt>,
    /// Must share a page with the next unit.
    keep_with_next: bool,
    /// Starts a new page.
    break_before: bool,
    /// Footnotes referenced here, laid out.
    notes: Vec<Vec<Unit>>,
    /// Named destinations at the top of the unit.
    anchors: Vec<String>,
    /// A bookmark entry (level, title) starting here.
    outline: Option<(u8, String)>,
    /// Chapter title for the running header.
    chapter: Option<String>,
    /// Units drawn first when this one starts a page (a table's header row).
    repeat: Option<Rc<Vec<Unit>>>,
    /// Vertical bars or shades that also cover the space above (quotes), as (x, width, colour).
    bars: Vec<(Pt, Pt, Rgb)>,
}

/// Widths and look of the box blocks are laid out in.
#[derive(Debug, Clone)]
struct Frame {
    x: Pt,
    width: Pt,
    size: Pt,
    color: Rgb,
    italic: bool,
    /// Space before a paragraph (tight list items use less).
    gap: Pt,
}

/// Layout of one document.
struct Flow<'a> {
    opts: &'a LayoutOptions,
    style: &'a Style,
    metrics: &'a dyn FontMetrics,
    resources: &'a dyn Resources,
    hyphenator: Option<&'static hyphenation::Standard>,
    warnings: Vec<Warning>,
    notes: Vec<Vec<Block>>,
    /// Heading ids, the targets internal links may use.
    ids: HashSet<String>,
    raw_dropped: usize,
    images: HashMap<String, Option<ImageData>>,
    counters: [u32; 6],
    min_heading_level: u8,
    toc_pages: Option<HashMap<String, usize>>,
    /// Headings seen, for the contents: (level, title, id).
    headings: Vec<(u8, String, String)>,
    note_frame_depth: usize,
    hyphenation_cache: HashMap<String, Vec<usize>>,
    /// The emptied element list of the last paragraph, for the next one to fill.
    elems_buffer: Vec<Elem>,
}

/// Lays out a document into pages held in memory (tests, tools; the PDF writer streams them
/// with [`layout_pages`]).
pub fn layout(
    document: &Document,
    opts: &LayoutOptions,
    metrics: &dyn FontMetrics,
    resources: &dyn Resources,
) -> (LayoutDocument, Vec<Warning>) {
    let mut pages = Vec::new();
    let (mut laid_out, warnings) =
        layout_pages(document, opts, metrics, resources, &mut |page| pages.push(page));
    laid_out.pages = pages;
    (laid_out, warnings)
}

/// Lays out a document, handing each page to `sink` as soon as it is complete, so a book is
/// never held as pages all at once. The returned document carries the outline and the
/// destinations but no pages.
pub fn layout_pages(
    document: &Document,
    opts: &LayoutOptions,
    metrics: &dyn FontMetrics,
    resources: &dyn Resources,
    sink: &mut dyn FnMut(Page),
) -> (LayoutDocument, Vec<Warning>) {
    if !opts.toc {
        return run(document, opts, metrics, resources, None, sink);
    }
    // A first pass finds the page each heading id lands on (its pages are dropped); the second
    // pass prints them in the contents. The contents reserve the same lines either way, so the
    // pages do not move.
    let first = run(document, opts, metrics, resources, None, &mut |_| {});
    let pages: HashMap<String, usize> =
        first.0.destinations.iter().map(|d| (d.name.clone(), d.page)).collect();
    run(document, opts, metrics, resources, Some(pages), sink)
}

fn run(
    document: &Document,
    opts: &LayoutOptions,
    metrics: &dyn FontMetrics,
    resources: &dyn Resources,
    toc_pages: Option<HashMap<String, usize>>,
    sink: &mut dyn FnMut(Page),
) -> (LayoutDocument, Vec<Warning>) {
    let hyphenator = super::hyphen::language_for(document.meta.lang.as_deref())
        .and_then(super::hyphen::dictionary);
    let mut ids = HashSet::new();
    let mut min_level = 6;
    walk::for_each_block(&document.blocks, &mut |b| {
        if let Block::Heading { attr, level, .. } = b {
            if let Some(id) = &attr.id {
                ids.insert(id.clone());
            }
            min_level = min_level.min((*level).clamp(1, 6));
        }
    });
    let mut flow = Flow {
        opts,
        style: &opts.style,
        metrics,
        resources,
        hyphenator,
        warnings: Vec::new(),
        notes: Vec::new(),
        ids,
        raw_dropped: 0,
        images: HashMap::new(),
        counters: [0; 6],
        min_heading_level: min_level,
        toc_pages,
        headings: Vec::new(),
        note_frame_depth: 0,
        hyphenation_cache: HashMap::new(),
        elems_buffer: Vec::new(),
    };
    let style = &opts.style;
    let body = Frame {
        x: style.margin_left,
        width: style.content_width(),
        size: style.body_size,
        color: Rgb::BLACK,
        italic: false,
        gap: style.paragraph_gap,
    };
    let title = document.meta.title.clone();
    let mut pager = Pager::new(style, metrics, title.as_deref(), sink);
    // Units go to the paginator block by block (keeping a few back for keep-with-next chains),
    // so only the pages in progress are in memory.
    let mut pending = VecDeque::new();
    let mut units = Vec::new();
    flow.title_block(document, &body, &mut units);
    if opts.toc {
        flow.contents(document, &body, &mut units);
    }
    pending.extend(units.drain(..));
    pager.feed(&mut pending, false);
    for block in &document.blocks {
        flow.block(block, &body, &mut units, 0);
        pending.extend(units.drain(..));
        pager.feed(&mut pending, false);
    }
    if flow.raw_dropped > 0 {
        flow.warnings.push(Warning::new(
            WarningKind::Unsupported,
            format!(
                "{} raw HTML fragment(s) cannot be shown in PDF and were left out",
                flow.raw_dropped
            ),
        ));
    }
    pager.feed(&mut pending, true);
    let mut layout = pager.finish();
    layout.destinations.sort_by(|a, b| a.name.cmp(&b.name));
    (layout, flow.warnings)
}

/// Text style helpers.
impl Flow<'_> {
    fn text_style(&self, frame: &Frame) -> TextStyle {
        let mut s = TextStyle::plain(frame.size, frame.color);
        s.font.italic = frame.italic;
        s
    }

    fn line_height(&self, size: Pt) -> Pt {
        size * self.style.leading
    }
}

/// Block layout.
impl Flow<'_> {
    /// The frame of nested content (lists, quotes, definitions): indented, unless that would
    /// leave too narrow a measure; deeper levels then stay where they are.
    fn nested(&self, frame: &Frame, indent: Pt) -> Frame {
        let min_width = self.style.content_width() * 0.45;
        let indent = if frame.width - indent >= min_width { indent } else { 0.0 };
        Frame { x: frame.x + indent, width: frame.width - indent, ..frame.clone() }
    }

    fn blocks(&mut self, blocks: &[Block], frame: &Frame, out: &mut Vec<Unit>, depth: usize) {
        for block in blocks {
            self.block(block, frame, out, depth);
        }
    }

    fn block(&mut self, block: &Block, frame: &Frame, out: &mut Vec<Unit>, depth: usize) {
        if depth > MAX_DEPTH {
            let text = walk::blocks_plain_text(std::slice::from_ref(block));
            let inlines = vec![Inline::Text(text.into())];
            self.paragraph(&inlines, frame, Align::Left, frame.gap, out);
            return;
        }
        let align = if self.style.justify { Align::Justify } else { Align::Left };
        match block {
            Block::Paragraph(inlines) => {
                if is_display_math(inlines) {
                    self.paragraph(inlines, frame, Align::Center, frame.gap, out);
                } else if let Some((url, title, alt)) = lone_image(inlines) {
                    self.figure(url, title, alt, frame, out);
                } else if inlines.iter().any(|i| matches!(i, Inline::Math(math) if math.display)) {
                    // Text with display math inside (`text $$…$$ text`): each formula gets its
                    // own centred lines, the text around it stays one paragraph's pieces.
                    let mut gap = frame.gap;
                    for piece in inlines.split_inclusive(is_display_formula) {
                        let (text, formula) = match piece.split_last() {
                            Some((last, rest)) if is_display_formula(last) => (rest, Some(last)),
                            _ => (piece, None),
                        };
                        if !text.iter().all(is_blank_inline) {
                            self.paragraph(text, frame, align, gap, out);
                            gap = 2.0;
                        }
                        if let Some(formula) = formula {
                            let single = std::slice::from_ref(formula);
                            self.paragraph(single, frame, Align::Center, gap, out);
                            gap = 2.0;
                        }
                    }
                } else {
                    self.paragraph(inlines, frame, align, frame.gap, out);
                }
            }
            Block::Plain(inlines) => self.paragraph(inlines, frame, align, frame.gap.min(3.0), out),
            Block::Heading { level, attr, content } => {
                self.heading(*level, attr.id.as_deref(), content, frame, out)
            }
            Block::BlockQuote { alert, content } => self.quote(*alert, content, frame, out, depth),
            Block::List(list) => self.list(list, frame, out, depth),
            Block::CodeBlock { info, code } => self.code(code, info, frame, true, out),
            Block::Preformatted(text) => self.code(text, "", frame, false, out),
            Block::RawBlock { .. } => self.raw_dropped += 1,
            Block::ThematicBreak => {
                let width = frame.width * 0.3;
                let x = frame.x + (frame.width - width) / 2.0;
                let height = self.line_height(frame.size);
                out.push(Unit {
                    space_before: frame.gap,
                    height,
                    items: vec![Positioned {
                        x,
                        y: height / 2.0,
                        item: Item::Line {
                            dx: width,
                            dy: 0.0,
                            width: 0.6,
                            color: self.style.rule_color,
                        },
                    }],
                    ..Unit::default()
                });
            }
            Block::Table(table) => self.table(table, frame, out),
            Block::DefinitionList(items) => self.definitions(items, frame, out, depth),
            Block::PageBreak => out.push(Unit { break_before: true, ..Unit::default() }),
        }
    }

    /// A paragraph: lines as units, with widow and orphan control and its footnotes.
    fn paragraph(
        &mut self,
        inlines: &[Inline],
        frame: &Frame,
        align: Align,
        space_before: Pt,
        out: &mut Vec<Unit>,
    ) {
        let style = self.text_style(frame);
        let ragged = align != Align::Justify;
        // Paragraphs take turns with one element buffer (a nested paragraph, if any, finds it
        // taken and starts its own).
        let buffer = std::mem::take(&mut self.elems_buffer);
        let mut builder = ParagraphBuilder::with_buffer(self, buffer, frame.width, ragged);
        builder.add_inlines(inlines, &style, 0);
        let mut elems = builder.finish();
        let lines = break_lines_in(&mut elems, frame.width, align);
        elems.clear();
        self.elems_buffer = elems;
        self.push_lines(lines, frame, space_before, out);
    }

    fn build(
        &mut self,
        inlines: &[Inline],
        style: &TextStyle,
        width: Pt,
        align: Align,
        verbatim: bool,
    ) -> Vec<Elem> {
        let ragged = align != Align::Justify;
        let mut builder = ParagraphBuilder::new(self, width, ragged);
        builder.verbatim = verbatim;
        builder.add_inlines(inlines, style, 0);
        builder.finish()
    }

    /// Turns set lines into units (one per line).
    fn push_lines(
        &mut self,
        lines: Vec<Line>,
        frame: &Frame,
        space_before: Pt,
        out: &mut Vec<Unit>,
    ) {
        let n = lines.len();
        let keep = self.style.min_lines_at_break;
        for (i, line) in lines.into_iter().enumerate() {
            let ends_inside_word = line.ends_inside_word;
            let mut unit = self.line_unit(line, frame.x, frame.size);
            if i == 0 {
                unit.space_before = space_before;
            }
            // Orphans: the first lines stay together; widows: so do the last ones.
            unit.keep_with_next =
                n > 1 && (i + 1 < keep || i + 1 + keep > n || ends_inside_word) && i + 1 < n;
            out.push(unit);
        }
    }

    /// One line as a unit: glyph runs, decorations, links, footnotes.
    fn line_unit(&mut self, line: Line, x0: Pt, size: Pt) -> Unit {
        let normal = self.line_height(size);
        let normal_ascent = normal * 0.74;
        // Like TeX's \lineskiplimit: a slightly taller line (a footnote mark, a code span)
        // keeps the regular baseline distance, so baselines stay on an even grid.
        let slack = size * 0.3;
        let ascent = if line.ascent > normal_ascent + slack { line.ascent } else { normal_ascent };
        let normal_descent = normal - normal_ascent;
        let descent =
            if line.descent > normal_descent + slack { line.descent } else { normal_descent };
        let height = (ascent + descent).max(normal);
        let baseline = ascent + (height - ascent - descent) / 2.0;
        // One item per fragment at most, as a rule (touching pieces of a word merge).
        let items = Vec::with_capacity(line.fragments.len());
        let mut unit = Unit { height, baseline: Some(baseline), items, ..Unit::default() };
        let mut links: Vec<(Pt, Pt, Pt, Pt, Rc<LinkTarget>)> = Vec::new();
        for (fx, mut fragment) in line.fragments {
            let x = x0 + fx;
            let y = baseline - fragment.rise;
            if let Some(image) = &fragment.image {
                unit.items.push(Positioned {
                    x,
                    y: baseline - fragment.ascent,
                    item: Item::Image {
                        image: (**image).clone(),
                        width: fragment.width,
                        height: fragment.ascent,
                    },
                });
            } else if let Some(drawing) = &fragment.drawing {
                for placed in drawing.iter() {
                    unit.items.push(Positioned {
                        x: x + placed.x,
                        y: y + placed.y,
                        item: placed.item.clone(),
                    });
                }
            } else {
                let glyphs = std::mem::take(&mut fragment.glyphs);
                push_glyphs(&mut unit.items, x, y, &fragment, glyphs);
            }
            if fragment.strike {
                unit.items.push(Positioned {
                    x,
                    y: y - fragment.size * 0.28,
                    item: Item::Line {
                        dx: fragment.width,
                        dy: 0.0,
                        width: fragment.size * 0.06,
                        color: fragment.color,
                    },
                });
            }
            if let Some(target) = &fragment.link {
                let top = baseline - fragment.ascent.max(size * 0.8);
                let bottom = baseline + fragment.descent.max(size * 0.2);
                match links.last_mut() {
                    Some(last)
                        if Rc::ptr_eq(&last.4, target) && (x - (last.0 + last.2)).abs() < size =>
                    {
                        last.2 = x + fragment.width - last.0;
                    }
                    _ => links.push((x, top, fragment.width, bottom - top, target.clone())),
                }
            }
            if let Some(anchor) = &fragment.anchor {
                unit.anchors.push(anchor.clone());
            }
            if let Some(number) = fragment.note {
                if self.note_frame_depth < 4 {
                    let notes = self.note_units(number);
                    unit.notes.push(notes);
                }
            }
        }
        for (x, y, width, height, target) in links {
            unit.items.push(Positioned {
                x,
                y,
                item: Item::Link { width, height, target: (*target).clone() },
            });
        }
        unit
    }

    /// The laid-out body of footnote `number`.
    fn note_units(&mut self, number: usize) -> Vec<Unit> {
        let Some(blocks) = self.notes.get(number - 1).cloned() else {
            return Vec::new();
        };
        let frame = Frame {
            x: self.style.margin_left,
            width: self.style.content_width(),
            size: self.style.note_size,
            color: Rgb::BLACK,
            italic: false,
            gap: 2.0,
        };
        self.note_frame_depth += 1;
        let mut units = Vec::new();
        let mut blocks = blocks;
        // The note's number links back to its reference mark.
        let mark = vec![
            Inline::Link(Box::new(crate::model::Link {
                url: format!("#folio-noteref-{number}"),
                title: String::new(),
                content: vec![Inline::Superscript(Box::new([Inline::Text(
                    number.to_string().into(),
                )]))],
            })),
            Inline::Text(" ".into()),
        ];
        match blocks.first_mut() {
            Some(Block::Paragraph(inlines)) | Some(Block::Plain(inlines)) => {
                inlines.insert_many(0, mark);
            }
            _ => blocks.insert(0, Block::Plain(mark.into())),
        }
        self.blocks(&blocks, &frame, &mut units, MAX_DEPTH - 4);
        self.note_frame_depth -= 1;
        if let Some(first) = units.first_mut() {
            first.anchors.push(format!("folio-note-{number}"));
            first.space_before = 2.0;
        }
        units
    }

    fn heading(
        &mut self,
        level: u8,
        id: Option<&str>,
        content: &[Inline],
        frame: &Frame,
        out: &mut Vec<Unit>,
    ) {
        let level = level.clamp(1, 6);
        let index = usize::from(level - 1);
        let size = self.style.heading_sizes[index];
        let mut title = walk::plain_text(content);
        let mut inlines = content.to_vec();
        if self.opts.number_sections {
            self.counters[index] += 1;
            for c in &mut self.counters[index + 1..] {
                *c = 0;
            }
            let from = usize::from(self.min_heading_level - 1).min(index);
            let number: Vec<String> =
                self.counters[from..=index].iter().map(|c| c.to_string()).collect();
            let number = number.join(".");
            title = format!("{number} {title}");
            inlines.insert(0, Inline::Text(format!("{number}\u{2002}").into()));
        }
        let mut style = TextStyle::plain(size, Rgb(0.08, 0.08, 0.1));
        style.font.bold = level <= 4;
        style.font.italic = level >= 5;
        let elems = self.build(&inlines, &style, frame.width, Align::Left, false);
        let lines = break_lines(elems, frame.width, Align::Left);
        let start = out.len();
        let space_before = self.style.heading_space_above[index] * self.style.body_size;
        let heading_frame = Frame { size: size.max(frame.size), ..frame.clone() };
        for (i, line) in lines.into_iter().enumerate() {
            let mut unit = self.line_unit(line, frame.x, heading_frame.size);
            unit.height = unit.height.max(size * 1.2);
            unit.keep_with_next = true;
            if i == 0 {
                unit.space_before = space_before;
            }
            out.push(unit);
        }
        if out.len() > start {
            if let Some(last) = out.last_mut() {
                last.height += self.style.heading_space_below * self.style.body_size;
            }
        }
        if let Some(first) = out.get_mut(start) {
            if let Some(id) = id {
                first.anchors.push(id.to_string());
                self.headings.push((level, title.clone(), id.to_string()));
            }
            first.outline = Some((level, title.clone()));
            if level == self.min_heading_level {
                first.chapter = Some(title);
            }
        }
    }

    fn quote(
        &mut self,
        alert: Option<AlertKind>,
        content: &[Block],
        frame: &Frame,
        out: &mut Vec<Unit>,
        depth: usize,
    ) {
        let indent = self.style.indent;
        let inner = Frame {
            color: if alert.is_some() { Rgb::BLACK } else { self.style.quote_color },
            italic: false,
            ..self.nested(frame, indent)
        };
        let bar_color = match alert {
            None => Rgb(0.75, 0.75, 0.75),
            Some(AlertKind::Note) => Rgb(0.16, 0.40, 0.80),
            Some(AlertKind::Tip) => Rgb(0.15, 0.55, 0.25),
            Some(AlertKind::Important) => Rgb(0.50, 0.30, 0.80),
            Some(AlertKind::Warning) => Rgb(0.80, 0.55, 0.05),
            Some(AlertKind::Caution) => Rgb(0.80, 0.15, 0.15),
        };
        let start = out.len();
        if let Some(kind) = alert {
            let mut style = TextStyle::plain(frame.size, bar_color);
            style.font.bold = true;
            let elems = self.build(
                &[Inline::Text(kind.title().into())],
                &style,
                inner.width,
                Align::Left,
                false,
            );
            let lines = break_lines(elems, inner.width, Align::Left);
            for line in lines {
                let mut unit = self.line_unit(line, inner.x, frame.size);
                unit.keep_with_next = true;
                out.push(unit);
            }
        }
        self.blocks(content, &inner, out, depth + 1);
        let bar_x = frame.x + indent * 0.3;
        for (i, unit) in out[start..].iter_mut().enumerate() {
            if i == 0 {
                unit.space_before = unit.space_before.max(frame.gap);
            }
            unit.bars.push((bar_x, if alert.is_some() { 2.5 } else { 2.0 }, bar_color));
        }
        if let Some(first) = out.get_mut(start) {
            // The first unit's space above is outside the quote.
            if let Some(bar) = first.bars.last_mut() {
                bar.1 = -bar.1.abs();
            }
        }
    }

    fn list(&mut self, list: &List, frame: &Frame, out: &mut Vec<Unit>, depth: usize) {
        let indent = self.style.indent
            * if matches!(list.kind, ListKind::Ordered { .. }) { 1.25 } else { 1.0 };
        let inner =
            Frame { gap: if list.tight { 2.0 } else { frame.gap }, ..self.nested(frame, indent) };
        let list_start = out.len();
        for (index, item) in list.items.iter().enumerate() {
            let start = out.len();
            self.blocks(&item.content, &inner, out, depth + 1);
            if out.len() == start {
                // An empty item still shows its marker.
                out.push(Unit {
                    height: self.line_height(frame.size),
                    baseline: Some(self.line_height(frame.size) * 0.74),
                    ..Unit::default()
                });
            }
            let first = &mut out[start];
            first.space_before = if list.tight { 2.0 } else { frame.gap };
            let baseline = first.baseline.unwrap_or(first.height * 0.74);
            let marker_right = inner.x - self.style.indent * 0.35;
            match item.task {
                Some(done) => {
                    let side = frame.size * 0.72;
                    let x = marker_right - side;
                    let y = baseline - side;
                    first.items.push(Positioned {
                        x,
                        y,
                        item: Item::StrokeRect {
                            width: side,
                            height: side,
                            line_width: 0.6,
                            color: Rgb(0.2, 0.2, 0.2),
                        },
                    });
                    if done {
                        first.items.push(Positioned {
                            x: x + side * 0.18,
                            y: y + side * 0.5,
                            item: Item::Line {
                                dx: side * 0.28,
                                dy: side * 0.3,
                                width: 0.9,
                                color: Rgb::BLACK,
                            },
                        });
                        first.items.push(Positioned {
                            x: x + side * 0.46,
                            y: y + side * 0.8,
                            item: Item::Line {
                                dx: side * 0.4,
                                dy: -side * 0.62,
                                width: 0.9,
                                color: Rgb::BLACK,
                            },
                        });
                    }
                }
                None => {
                    let text = match list.kind {
                        // LaTeX's markers (bullet, en dash, middle dot): all in the bundled
                        // serif, so nested lists never send layout searching the system fonts
                        // (◦ did: ~10 ms per process, and a marker that varied by machine).
                        ListKind::Bullet => match depth % 3 {
                            0 => "•".to_string(),
                            1 => "–".to_string(),
                            _ => "·".to_string(),
                        },
                        ListKind::Ordered { start, style } => {
                            format!("{}.", style.format(start.saturating_add(index as u64)))
                        }
                    };
                    let style = TextStyle::plain(frame.size, frame.color);
                    let fragments = self.shape(&text, &style);
                    let width: Pt = fragments.iter().map(|f| f.width).sum();
                    let mut x = marker_right - width;
                    // The marker is painted (and read) before the item's text.
                    let mut marker = Vec::new();
                    for f in &fragments {
                        push_run(&mut marker, x, baseline, f);
                        x += f.width;
                    }
                    let first = &mut out[start];
                    first.items.splice(0..0, marker);
                }
            }
        }
        if let Some(first) = out.get_mut(list_start) {
            first.space_before = first.space_before.max(frame.gap);
        }
    }

    fn shape(&self, text: &str, style: &TextStyle) -> Vec<Fragment> {
        shape_plain(self.metrics, text, style)
    }

    fn definitions(
        &mut self,
        items: &[DefinitionItem],
        frame: &Frame,
        out: &mut Vec<Unit>,
        depth: usize,
    ) {
        let inner = self.nested(frame, self.style.indent);
        for item in items {
            let mut style = self.text_style(frame);
            style.font.bold = true;
            let elems = self.build(&item.term, &style, frame.width, Align::Left, false);
            let lines = break_lines(elems, frame.width, Align::Left);
            let start = out.len();
            self.push_lines(lines, frame, frame.gap, out);
            for unit in &mut out[start..] {
                unit.keep_with_next = true;
            }
            for definition in &item.definitions {
                let before = out.len();
                self.blocks(definition, &inner, out, depth + 1);
                if let Some(first) = out.get_mut(before) {
                    first.space_before = 2.0;
                }
            }
        }
    }

    /// Code (shaded, monospace) and preformatted text (monospace): line by line, wrapped.
    fn code(&mut self, code: &str, info: &str, frame: &Frame, shaded: bool, out: &mut Vec<Unit>) {
        let size = self.style.code_size;
        let pad = if shaded { self.style.code_padding } else { 0.0 };
        let width = frame.width - 2.0 * pad;
        let lh = size * 1.32;
        let spans =
            code_spans(code, info, self.opts.highlight_style.as_deref(), Rgb(0.1, 0.1, 0.1));
        let mut units: Vec<Unit> = Vec::new();
        for line_spans in spans {
            let elems = self.code_elems(&line_spans, size, width);
            // Code is set line for line: first fit is the right rule for wrapping it.
            let set = |elems: Vec<Elem>, line_width: Pt| {
                let breaks = super::line::first_fit(&elems, line_width);
                super::line::set_lines(elems, &breaks, line_width, Align::Left)
            };
            let mut lines =
                if elems.is_empty() { vec![Line::default()] } else { set(elems, width) };
            // A wrapped line continues under its own indentation, a little further in; the
            // line is rebuilt for the narrower measure so no piece is wider than it.
            let mut continuation = 0.0;
            if lines.len() > 1 {
                let lead = lines[0]
                    .fragments
                    .iter()
                    .find(|(_, f)| f.glyphs.iter().any(|g| !g.text.is_blank()))
                    .map_or(0.0, |(x, _)| *x);
                continuation = (lead + size * 1.2).min(width * 0.5);
                let first = lines.swap_remove(0);
                let narrow = self.code_elems(&line_spans, size, width - continuation);
                lines = set(narrow, width - continuation);
                // The first line may use the full width again.
                let _ = first;
            }
            for (i, line) in lines.into_iter().enumerate() {
                let mut unit = Unit { height: lh, baseline: Some(lh * 0.76), ..Unit::default() };
                let indent = if i > 0 { continuation } else { 0.0 };
                for (fx, mut fragment) in line.fragments {
                    let glyphs = std::mem::take(&mut fragment.glyphs);
                    let x = frame.x + pad + indent + fx;
                    push_glyphs(&mut unit.items, x, lh * 0.76, &fragment, glyphs);
                }
                units.push(unit);
            }
        }
        let n = units.len();
        for (i, unit) in units.iter_mut().enumerate() {
            if i == 0 {
                unit.height += pad;
                for item in &mut unit.items {
                    item.y += pad;
                }
                unit.space_before = frame.gap + 2.0;
            }
            if i + 1 == n {
                unit.height += pad;
            }
            unit.keep_with_next = n > 1 && (i == 0 || i + 2 == n) && i + 1 < n;
            if shaded {
                unit.items.insert(
                    0,
                    Positioned {
                        x: frame.x,
                        y: 0.0,
                        item: Item::Rect {
                            width: frame.width,
                            height: unit.height,
                            fill: self.style.code_background,
                        },
                    },
                );
            }
        }
        if let Some(last) = units.last_mut() {
            last.keep_with_next = false;
        }
        out.extend(units);
    }

    /// The elements of one code line, with pieces no wider than `width`.
    fn code_elems(&mut self, spans: &[super::code::CodeSpan], size: Pt, width: Pt) -> Vec<Elem> {
        if spans.is_empty() {
            return Vec::new();
        }
        let mut style = TextStyle::plain(size, Rgb(0.1, 0.1, 0.1));
        style.font.mono = true;
        // Bold and italic tokens only when the monospace family has such faces; otherwise
        // their colour alone marks them (a synthetic or proportional face would break columns).
        let regular = self.metrics.font_for(style.font);
        let has_bold = self.metrics.font_for(FontStyle { bold: true, ..style.font }) != regular;
        let has_italic = self.metrics.font_for(FontStyle { italic: true, ..style.font }) != regular;
        let mut builder = ParagraphBuilder::new(self, width, true);
        builder.verbatim = true;
        for span in spans {
            let mut s = style.clone();
            s.color = span.color;
            s.font.bold = span.bold && has_bold;
            s.font.italic = span.italic && has_italic;
            builder.add_text(&span.text.replace('\t', "    "), &s);
        }
        builder.finish()
    }

    fn figure(
        &mut self,
        url: &str,
        title: &str,
        alt: &[Inline],
        frame: &Frame,
        out: &mut Vec<Unit>,
    ) {
        let max_height = self.style.content_height() * 0.7;
        let Some(image) = self.load_image(url) else {
            let text = walk::plain_text(alt);
            let label = if text.trim().is_empty() {
                format!("[image: {url}]")
            } else {
                format!("[image: {}]", text.trim())
            };
            let inlines = vec![Inline::Emph(Box::new([Inline::Text(label.into())]))];
            self.paragraph(&inlines, frame, Align::Center, frame.gap, out);
            return;
        };
        let (w, h) = fit(
            image.pixel_width / image.density,
            image.pixel_height / image.density,
            frame.width,
            max_height,
        );
        let x = frame.x + (frame.width - w) / 2.0;
        out.push(Unit {
            space_before: frame.gap + 4.0,
            height: h + 4.0,
            items: vec![Positioned { x, y: 2.0, item: Item::Image { image, width: w, height: h } }],
            keep_with_next: true,
            ..Unit::default()
        });
        let caption =
            if !title.trim().is_empty() { vec![Inline::Text(title.into())] } else { alt.to_vec() };
        if !walk::plain_text(&caption).trim().is_empty() {
            let caption_frame = Frame { size: frame.size * 0.9, italic: true, ..frame.clone() };
            self.paragraph(&caption, &caption_frame, Align::Center, 2.0, out);
        } else if let Some(last) = out.last_mut() {
            last.keep_with_next = false;
        }
    }

    fn load_image(&mut self, url: &str) -> Option<ImageData> {
        if let Some(found) = self.images.get(url) {
            return found.clone();
        }
        let loaded = match self.resources.load(url) {
            Ok(bytes) => {
                // SVG and GIF become PNG; PNG and JPEG are embedded as they are.
                let (bytes, density) = match super::raster::to_png(&bytes) {
                    Some(raster) => (raster.png, raster.density),
                    None => (bytes, 1),
                };
                match super::image::pixel_size(&bytes) {
                    Some((w, h)) => Some(ImageData {
                        key: url.to_string(),
                        bytes: Arc::new(bytes),
                        pixel_width: w,
                        pixel_height: h,
                        density: density.max(1),
                    }),
                    None => {
                        self.warnings.push(Warning::new(
                            WarningKind::Unsupported,
                            format!("image {url}: not a PNG, JPEG, GIF or SVG image that folio can read; showing its description instead"),
                        ));
                        None
                    }
                }
            }
            Err(error) => {
                let kind = match error {
                    crate::resources::ResourceError::OutsideRoot(_)
                    | crate::resources::ResourceError::Remote(_) => WarningKind::RefusedResource,
                    _ => WarningKind::MissingResource,
                };
                self.warnings.push(Warning::new(
                    kind,
                    format!("image {error}; showing its description instead"),
                ));
                None
            }
        };
        self.images.insert(url.to_string(), loaded.clone());
        loaded
    }

    fn table(&mut self, table: &Table, frame: &Frame, out: &mut Vec<Unit>) {
        let columns = table
            .alignments
            .len()
            .max(table.header.len())
            .max(table.rows.iter().map(Vec::len).max().unwrap_or(0));
        if columns == 0 {
            return;
        }
        let pad = self.style.cell_padding;
        let mut size = self.style.table_size;
        let mut widths = Vec::new();
        // Measure, and shrink the type once if even the narrowest layout does not fit.
        for _attempt in 0..2 {
            // Measuring builds the cells once; footnotes found then are registered again when
            // the rows are laid out for real.
            let notes_before = self.notes.len();
            let (mins, maxes) = self.measure_columns(table, columns, size);
            self.notes.truncate(notes_before);
            let available = frame.width - 2.0 * pad * columns as Pt;
            widths = column_widths(&mins, &maxes, available);
            let min_total: Pt = mins.iter().sum();
            if min_total <= available || size < self.style.table_size {
                break;
            }
            size = (size * available / min_total).max(self.style.table_size * 0.7);
        }
        let total: Pt = widths.iter().map(|w| w + 2.0 * pad).sum();
        let x0 = frame.x;
        let lh = self.line_height(size) * 0.95;
        let rule = self.style.rule_color;
        let mut header_units = Vec::new();
        if !table.header.is_empty() {
            let mut unit = self.row(&table.header, table, &widths, x0, size, lh, true);
            unit.items.push(Positioned {
                x: x0,
                y: 0.0,
                item: Item::Line { dx: total, dy: 0.0, width: 0.8, color: rule },
            });
            let h = unit.height;
            unit.items.push(Positioned {
                x: x0,
                y: h,
                item: Item::Line { dx: total, dy: 0.0, width: 0.5, color: rule },
            });
            unit.keep_with_next = true;
            header_units.push(unit);
        }
        let header = Rc::new(header_units.clone());
        let start = out.len();
        out.extend(header_units);
        let n = table.rows.len();
        for (i, row) in table.rows.iter().enumerate() {
            let notes_before = self.notes.len();
            let mut unit = self.row(row, table, &widths, x0, size, lh, false);
            if unit.height > self.style.content_height() * 0.8 {
                // A row taller than a page cannot be split across pages as a row; its cells
                // are set one after another as paragraphs instead.
                self.notes.truncate(notes_before);
                let cell_frame = Frame { size, ..frame.clone() };
                for cell in row {
                    self.paragraph(cell, &cell_frame, Align::Left, frame.gap, out);
                }
                continue;
            }
            if i + 1 < n {
                unit.items.push(Positioned {
                    x: x0,
                    y: unit.height,
                    item: Item::Line { dx: total, dy: 0.0, width: 0.25, color: Rgb(0.8, 0.8, 0.8) },
                });
            } else {
                unit.items.push(Positioned {
                    x: x0,
                    y: unit.height,
                    item: Item::Line { dx: total, dy: 0.0, width: 0.8, color: rule },
                });
            }
            if !header.is_empty() {
                unit.repeat = Some(header.clone());
            }
            out.push(unit);
        }
        if table.header.is_empty() {
            if let Some(first) = out.get_mut(start) {
                first.items.push(Positioned {
                    x: x0,
                    y: 0.0,
                    item: Item::Line { dx: total, dy: 0.0, width: 0.8, color: rule },
                });
            }
        }
        if let Some(first) = out.get_mut(start) {
            first.space_before = frame.gap + 4.0;
        }
    }

    fn cell_style(&self, size: Pt, header: bool) -> TextStyle {
        let mut style = TextStyle::plain(size, Rgb::BLACK);
        style.font.bold = header;
        style
    }

    /// Narrowest and natural content width of every column.
    fn measure_columns(&mut self, table: &Table, columns: usize, size: Pt) -> (Vec<Pt>, Vec<Pt>) {
        let mut mins = vec![size; columns];
        let mut maxes = vec![size; columns];
        let rows =
            std::iter::once((&table.header, true)).chain(table.rows.iter().map(|r| (r, false)));
        for (row, header) in rows {
            for (c, cell) in row.iter().enumerate().take(columns) {
                let style = self.cell_style(size, header);
                let elems = self.build(cell, &style, f32::MAX / 4.0, Align::Left, false);
                let (mut natural, mut run, mut widest) = (0.0f32, 0.0f32, 0.0f32);
                for e in &elems {
                    match e {
                        Elem::Box(f) => {
                            natural += f.width;
                            run += f.width;
                            widest = widest.max(run);
                        }
                        Elem::Glue { width, stretch, .. } => {
                            if *stretch < 1000.0 {
                                natural += width;
                            }
                            run = 0.0;
                        }
                        // Words are not hyphenated to make a column narrower.
                        Elem::Penalty { .. } => {}
                    }
                }
                mins[c] = mins[c].max(widest.min(size * 12.0));
                maxes[c] = maxes[c].max(natural);
            }
        }
        for c in 0..columns {
            maxes[c] = maxes[c].max(mins[c]);
        }
        (mins, maxes)
    }

    #[allow(clippy::too_many_arguments)]
    fn row(
        &mut self,
        cells: &[crate::model::Cell],
        table: &Table,
        widths: &[Pt],
        x0: Pt,
        size: Pt,
        lh: Pt,
        header: bool,
    ) -> Unit {
        let pad = self.style.cell_padding;
        let vpad = size * 0.35;
        let mut unit = Unit::default();
        let mut x = x0;
        let mut height: Pt = lh;
        let mut cell_units = Vec::new();
        for (c, width) in widths.iter().enumerate() {
            let align = match table.alignments.get(c).copied().unwrap_or_default() {
                Alignment::Center => Align::Center,
                Alignment::Right => Align::Right,
                Alignment::Default | Alignment::Left => Align::Left,
            };
            let cell: &[Inline] = cells.get(c).map_or(&[], |cell| cell);
            let style = self.cell_style(size, header);
            let elems = self.build(cell, &style, *width, align, false);
            let lines = break_lines(elems, *width, align);
            let mut y = vpad;
            let mut parts = Vec::new();
            for line in lines {
                let line_unit = self.line_unit(line, x + pad, size);
                let h = line_unit.height.min(lh.max(line_unit.height));
                parts.push((y, line_unit));
                y += h;
            }
            height = height.max(y + vpad);
            cell_units.push(parts);
            x += width + 2.0 * pad;
        }
        for parts in cell_units {
            for (dy, part) in parts {
                for mut item in part.items {
                    item.y += dy;
                    unit.items.push(item);
                }
                unit.notes.extend(part.notes);
                unit.anchors.extend(part.anchors);
            }
        }
        unit.height = height;
        unit
    }

    fn title_block(&mut self, document: &Document, frame: &Frame, out: &mut Vec<Unit>) {
        let meta = &document.meta;
        let Some(title) = meta.title.as_deref().filter(|t| !t.trim().is_empty()) else {
            return;
        };
        // A document whose first heading repeats the title shows it once, as the heading.
        let first_heading = document.blocks.iter().find_map(|b| match b {
            Block::Heading { content, .. } => Some(walk::plain_text(content)),
            _ => None,
        });
        let repeats = first_heading.as_deref().map(str::trim) == Some(title.trim());
        let start = out.len();
        if !repeats {
            let mut style =
                TextStyle::plain(self.style.heading_sizes[0] * 1.2, Rgb(0.05, 0.05, 0.08));
            style.font.bold = true;
            let elems = self.build(
                &[Inline::Text(title.into())],
                &style,
                frame.width,
                Align::Center,
                false,
            );
            let lines = break_lines(elems, frame.width, Align::Center);
            for line in lines {
                let mut unit = self.line_unit(line, frame.x, style.size);
                unit.keep_with_next = true;
                out.push(unit);
            }
            if let Some(first) = out.get_mut(start) {
                first.outline = Some((1, title.to_string()));
                first.anchors.push("folio-title".into());
            }
        }
        let mut extra: Vec<(String, Pt, bool)> = Vec::new();
        if let Some(sub) = meta.subtitle.as_deref().filter(|s| !s.trim().is_empty()) {
            extra.push((sub.to_string(), self.style.heading_sizes[1], true));
        }
        if !meta.authors.is_empty() {
            extra.push((meta.authors.join(", "), self.style.body_size * 1.15, false));
        }
        if let Some(date) = meta.date.as_deref().filter(|s| !s.trim().is_empty()) {
            extra.push((date.to_string(), self.style.body_size, false));
        }
        for (text, size, italic) in extra {
            let mut style = TextStyle::plain(size, Rgb(0.2, 0.2, 0.2));
            style.font.italic = italic;
            let elems =
                self.build(&[Inline::Text(text.into())], &style, frame.width, Align::Center, false);
            for (i, line) in break_lines(elems, frame.width, Align::Center).into_iter().enumerate()
            {
                let mut unit = self.line_unit(line, frame.x, size);
                if i == 0 {
                    unit.space_before = 6.0;
                }
                unit.keep_with_next = true;
                out.push(unit);
            }
        }
        if out.len() > start {
            if let Some(last) = out.last_mut() {
                last.height += self.style.body_size * 2.0;
                last.keep_with_next = false;
            }
        }
    }

    fn contents(&mut self, document: &Document, frame: &Frame, out: &mut Vec<Unit>) {
        let depth = self.opts.toc_depth.clamp(1, 6);
        let mut entries = Vec::new();
        let mut counters = [0u32; 6];
        let min_level = self.min_heading_level;
        walk::for_each_block(&document.blocks, &mut |b| {
            if let Block::Heading { level, attr, content } = b {
                let level = (*level).clamp(1, 6);
                let index = usize::from(level - 1);
                counters[index] += 1;
                for c in &mut counters[index + 1..] {
                    *c = 0;
                }
                if level < min_level + depth {
                    let mut title = walk::plain_text(content);
                    if self.opts.number_sections {
                        let from = usize::from(min_level - 1).min(index);
                        let n: Vec<String> =
                            counters[from..=index].iter().map(|c| c.to_string()).collect();
                        title = format!("{} {title}", n.join("."));
                    }
                    entries.push((level, title, attr.id.clone().unwrap_or_default()));
                }
            }
        });
        if entries.is_empty() {
            return;
        }
        let mut heading_style = TextStyle::plain(self.style.heading_sizes[1], Rgb(0.08, 0.08, 0.1));
        heading_style.font.bold = true;
        let elems = self.build(
            &[Inline::Text("Contents".into())],
            &heading_style,
            frame.width,
            Align::Left,
            false,
        );
        let start = out.len();
        for line in break_lines(elems, frame.width, Align::Left) {
            let mut unit = self.line_unit(line, frame.x, heading_style.size);
            unit.keep_with_next = true;
            unit.height += self.style.body_size * 0.8;
            out.push(unit);
        }
        if let Some(first) = out.get_mut(start) {
            first.outline = Some((1, "Contents".into()));
            first.anchors.push("folio-contents".into());
        }
        let number_width = self.style.body_size * 2.5;
        for (level, title, id) in entries {
            let indent = self.style.indent * Pt::from(level - min_level);
            let width = frame.width - indent - number_width;
            let mut style = TextStyle::plain(self.style.body_size, Rgb::BLACK);
            style.font.bold = level == min_level;
            style.link = Some(Rc::new(LinkTarget::Named(id.clone())));
            let elems =
                self.build(&[Inline::Text(title.into())], &style, width, Align::Left, false);
            let lines = break_lines(elems, width, Align::Left);
            let n = lines.len();
            for (i, line) in lines.into_iter().enumerate() {
                let line_width = line.width;
                let mut unit = self.line_unit(line, frame.x + indent, style.size);
                if i == 0 && level == min_level {
                    unit.space_before = 4.0;
                }
                if i + 1 == n {
                    let page = self
                        .toc_pages
                        .as_ref()
                        .and_then(|p| p.get(&id))
                        .map_or("0".to_string(), |p| (p + 1).to_string());
                    let number_style = TextStyle::plain(self.style.body_size, Rgb::BLACK);
                    let fragments = self.shape(&page, &number_style);
                    let w: Pt = fragments.iter().map(|f| f.width).sum();
                    let mut x = frame.x + frame.width - w;
                    let baseline = unit.baseline.unwrap_or(0.0);
                    // Dotted leader from the title to the number.
                    let leader_start = frame.x + indent + line_width + 6.0;
                    if x - leader_start > 12.0 {
                        unit.items.push(Positioned {
                            x: leader_start,
                            y: baseline - 1.0,
                            item: Item::Line {
                                dx: x - 4.0 - leader_start,
                                dy: 0.0,
                                width: 0.4,
                                color: Rgb(0.7, 0.7, 0.7),
                            },
                        });
                    }
                    for f in &fragments {
                        push_run(&mut unit.items, x, baseline, f);
                        x += f.width;
                    }
                    unit.items.push(Positioned {
                        x: frame.x + frame.width - w,
                        y: baseline - self.style.body_size * 0.8,
                        item: Item::Link {
                            width: w,
                            height: self.style.body_size,
                            target: LinkTarget::Named(id.clone()),
                        },
                    });
                }
                out.push(unit);
            }
        }
        out.push(Unit { break_before: true, ..Unit::default() });
    }
}

impl InlineContext for Flow<'_> {
    fn metrics(&self) -> &dyn FontMetrics {
        self.metrics
    }

    fn hyphenate(&mut self, word: &str, each: &mut dyn FnMut(usize)) {
        let Some(dictionary) = self.hyphenator else { return };
        // Words repeat: the dictionary walk is the expensive part, so remember its answers.
        if let Some(points) = self.hyphenation_cache.get(word) {
            points.iter().for_each(|&p| each(p));
            return;
        }
        let points = super::hyphen::break_points(dictionary, word);
        points.iter().for_each(|&p| each(p));
        if self.hyphenation_cache.len() > 100_000 {
            self.hyphenation_cache.clear();
        }
        self.hyphenation_cache.insert(word.to_string(), points);
    }

    fn add_note(&mut self, content: &[Block]) -> usize {
        self.notes.push(content.to_vec());
        self.notes.len()
    }

    fn image(&mut self, url: &str, max_width: Pt, line_size: Pt) -> Option<Fragment> {
        let image = self.load_image(url)?;
        let max_height = (self.style.content_height() * 0.4).max(line_size);
        let (w, h) = fit(
            image.pixel_width / image.density,
            image.pixel_height / image.density,
            max_width,
            max_height,
        );
        Some(Fragment {
            font: 0,
            size: line_size,
            color: Rgb::BLACK,
            rise: 0.0,
            glyphs: Vec::new(),
            width: w,
            ascent: h,
            descent: 0.0,
            strike: false,
            underline: false,
            link: None,
            note: None,
            anchor: None,
            image: Some(Box::new(image)),
            drawing: None,
        })
    }

    fn dropped_raw(&mut self) {
        self.raw_dropped += 1;
    }

    fn link_target(&self, url: &str) -> Option<LinkTarget> {
        if let Some(id) = url.strip_prefix('#') {
            let known = self.ids.contains(id) || id.starts_with("folio-noteref-");
            return known.then(|| LinkTarget::Named(id.to_string()));
        }
        if url.trim().is_empty() || is_script_url(url) {
            return None;
        }
        Some(LinkTarget::Uri(url.to_string()))
    }

    fn link_color(&self) -> Rgb {
        self.style.link_color
    }

    fn code_scale(&self) -> f32 {
        self.style.code_span_scale
    }

    fn warn(&mut self, warning: Warning) {
        self.warnings.push(warning);
    }
}

/// Adds a fragment's glyphs as a text run (merging with the previous run when it continues it).
fn push_run(items: &mut Vec<Positioned>, x: Pt, y: Pt, fragment: &Fragment) {
    push_glyphs(items, x, y, fragment, fragment.glyphs.clone());
}

/// [`push_run`] with the glyphs moved in rather than copied.
fn push_glyphs(
    items: &mut Vec<Positioned>,
    x: Pt,
    y: Pt,
    fragment: &Fragment,
    mut glyphs: Vec<Glyph>,
) {
    if glyphs.is_empty() {
        return;
    }
    if let Some(Positioned { x: px, y: py, item: Item::Text(run) }) = items.last_mut() {
        if *py == y
            && run.font == fragment.font
            && run.size == fragment.size
            && run.color == fragment.color
        {
            // Only pieces that touch merge (a word split by hyphenation points or styles);
            // words stay separate runs so the dump and text extraction see the spaces.
            let offset = x - *px;
            if (offset - run.width).abs() < 0.01 {
                for g in &mut glyphs {
                    g.x += offset;
                }
                run.glyphs.append(&mut glyphs);
                run.width = offset + fragment.width;
                return;
            }
        }
    }
    items.push(Positioned {
        x,
        y,
        item: Item::Text(TextRun {
            font: fragment.font,
            size: fragment.size,
            color: fragment.color,
            glyphs,
            width: fragment.width,
        }),
    });
}

/// A URL that runs code or embeds a document (`javascript:`, `vbscript:`, `data:`): a PDF
/// never links to these, whatever the safe-mode setting, since no reader should follow them.
/// Browsers ignore ASCII whitespace and control characters inside a scheme, so this does too.
fn is_script_url(url: &str) -> bool {
    let scheme: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .take_while(|c| *c != ':')
        .take(16)
        .collect::<String>()
        .to_ascii_lowercase();
    let has_colon = url.contains(':');
    has_colon && matches!(scheme.as_str(), "javascript" | "vbscript" | "data")
}

fn is_display_formula(inline: &Inline) -> bool {
    matches!(inline, Inline::Math(math) if math.display)
}

fn is_blank_inline(inline: &Inline) -> bool {
    match inline {
        Inline::Text(t) => t.trim().is_empty(),
        Inline::SoftBreak | Inline::HardBreak => true,
        _ => false,
    }
}

/// True for a paragraph that is only display math (set centred).
fn is_display_math(inlines: &[Inline]) -> bool {
    let mut found = false;
    for inline in inlines {
        match inline {
            Inline::Math(math) if math.display => found = true,
            Inline::Text(t) if t.trim().is_empty() => {}
            Inline::SoftBreak => {}
            _ => return false,
        }
    }
    found
}

/// If a paragraph is a single image (a figure), its url, title and alt text.
fn lone_image(inlines: &[Inline]) -> Option<(&str, &str, &[Inline])> {
    let mut found = None;
    for inline in inlines {
        match inline {
            Inline::Image(image) if found.is_none() => {
                found = Some((image.url.as_str(), image.title.as_str(), image.alt.as_slice()))
            }
            Inline::Text(t) if t.trim().is_empty() => {}
            Inline::SoftBreak => {}
            _ => return None,
        }
    }
    found
}

/// Scales pixels (at 96 dpi) into a box, never enlarging.
fn fit(pixel_width: u32, pixel_height: u32, max_width: Pt, max_height: Pt) -> (Pt, Pt) {
    let w = pixel_width as Pt * 0.75;
    let h = pixel_height as Pt * 0.75;
    let scale = (max_width / w).min(max_height / h).min(1.0);
    (w * scale, h * scale)
}

/// Column widths: natural widths when they fit, else the narrowest widths plus a share of the
/// remaining space in proportion to how much each column wants.
pub fn column_widths(mins: &[Pt], maxes: &[Pt], available: Pt) -> Vec<Pt> {
    let max_total: Pt = maxes.iter().sum();
    if max_total <= available {
        return maxes.to_vec();
    }
    let min_total: Pt = mins.iter().sum();
    if min_total >= available {
        let scale = available / min_total;
        return mins.iter().map(|m| m * scale).collect();
    }
    let spare = available - min_total;
    let want = max_total - min_total;
    mins.iter().zip(maxes).map(|(min, max)| min + (max - min) * spare / want).collect()
}

/// Pagination state.
struct Pager<'a> {
    style: &'a Style,
    metrics: &'a dyn FontMetrics,
    /// Outline and destinations; pages go to `sink`.
    doc: LayoutDocument,
    sink: &'a mut dyn FnMut(Page),
    /// Pages finished so far.
    page_count: usize,
    items: Vec<Positioned>,
    y: Pt,
    at_top: bool,
    notes: Vec<Unit>,
    notes_height: Pt,
    carried_notes: Vec<Unit>,
    chapter: Option<String>,
    page_chapter: Option<String>,
    /// The chapter in effect where the page begins.
    start_chapter: Option<String>,
    title: Option<&'a str>,
}

/// How many following units a keep-with-next chain may look at.
const CHAIN_LOOKAHEAD: usize = 7;

impl<'a> Pager<'a> {
    fn new(
        style: &'a Style,
        metrics: &'a dyn FontMetrics,
        title: Option<&'a str>,
        sink: &'a mut dyn FnMut(Page),
    ) -> Pager<'a> {
        Pager {
            style,
            metrics,
            doc: LayoutDocument::default(),
            sink,
            page_count: 0,
            items: Vec::new(),
            y: style.margin_top,
            at_top: true,
            notes: Vec::new(),
            notes_height: 0.0,
            carried_notes: Vec::new(),
            chapter: None,
            page_chapter: None,
            start_chapter: None,
            title,
        }
    }

    /// Places the pending units that have enough units after them to decide keep-with-next
    /// chains (all of them when `all`).
    fn feed(&mut self, pending: &mut VecDeque<Unit>, all: bool) {
        let style = self.style;
        let bottom = style.page_height - style.margin_bottom;
        while pending.len() > CHAIN_LOOKAHEAD || (all && !pending.is_empty()) {
            let Some(unit) = pending.pop_front() else { break };
            if unit.break_before && !self.at_top {
                self.new_page();
            }
            // Keep-with-next chains: move to a new page if the chain does not fit but would
            // on an empty page.
            if !self.at_top && unit.keep_with_next {
                let mut chain = unit.space_before + unit.height;
                let mut keep = unit.keep_with_next;
                for next in pending.iter().take(CHAIN_LOOKAHEAD) {
                    if !keep {
                        break;
                    }
                    chain += next.space_before + next.height;
                    keep = next.keep_with_next;
                }
                let limit = bottom - self.notes_height - self.note_reserve();
                if self.y + chain > limit && chain <= style.content_height() * 0.6 {
                    self.new_page();
                }
            }
            self.place(unit, bottom);
        }
    }

    /// Closes the last page (and any pages of footnotes carried over) and returns the outline
    /// and destinations.
    fn finish(mut self) -> LayoutDocument {
        self.finish_page();
        while !self.carried_notes.is_empty() {
            self.new_page();
            self.finish_page();
        }
        if self.page_count == 0 {
            self.finish_page();
        }
        self.doc
    }
}

impl Pager<'_> {
    fn note_reserve(&self) -> Pt {
        if self.notes.is_empty() {
            0.0
        } else {
            self.style.note_gap
        }
    }

    fn notes_total(units: &[Unit]) -> Pt {
        units.iter().map(|u| u.space_before + u.height).sum()
    }

    fn place(&mut self, unit: Unit, bottom: Pt) {
        let space = if self.at_top { 0.0 } else { unit.space_before };
        let new_notes = notes_brought_by(&unit);
        let notes_extra = Self::notes_total(&new_notes)
            + if self.notes.is_empty() && !new_notes.is_empty() {
                self.style.note_gap
            } else {
                0.0
            };
        let limit = bottom - self.notes_height - self.note_reserve();
        if !self.at_top && self.y + space + unit.height + notes_extra > limit {
            // At least the first footnote line must come along with its reference.
            self.new_page();
            return self.place(unit, bottom);
        }
        if self.at_top {
            if let Some(header) = &unit.repeat {
                if !unit.items.is_empty() {
                    for h in header.iter() {
                        let mut h = h.clone();
                        h.anchors.clear();
                        h.outline = None;
                        self.put(h, 0.0);
                    }
                }
            }
        }
        let space = if self.at_top { 0.0 } else { unit.space_before };
        for (x, width, color) in &unit.bars {
            // A negative width marks the first unit of a group: its space above is outside.
            let (top, w) = if *width < 0.0 { (self.y + space, -width) } else { (self.y, *width) };
            self.items.push(Positioned {
                x: *x,
                y: top,
                item: Item::Rect {
                    width: w,
                    height: self.y + space + unit.height - top,
                    fill: *color,
                },
            });
        }
        if let Some(chapter) = &unit.chapter {
            // A chapter that opens the page names it; one starting lower down shows from the
            // next page on (the header names what the page starts with).
            if self.at_top {
                self.page_chapter = Some(chapter.clone());
            }
            self.chapter = Some(chapter.clone());
        }
        self.put(unit, space);
        for note in new_notes {
            self.add_note(note, bottom);
        }
    }

    fn put(&mut self, unit: Unit, space: Pt) {
        let top = self.y + space;
        let page = self.page_count;
        for anchor in unit.anchors {
            self.doc.destinations.push(Destination { name: anchor, page, y: top });
        }
        if let Some((level, title)) = unit.outline {
            self.doc.outline.push(OutlineEntry { level, title, page, y: top });
        }
        for mut item in unit.items {
            item.y += top;
            self.items.push(item);
        }
        self.y = top + unit.height;
        self.at_top = false;
    }

    fn add_note(&mut self, note: Unit, bottom: Pt) {
        let extra = note.height
            + note.space_before
            + self.note_reserve().max(if self.notes.is_empty() {
                self.style.note_gap
            } else {
                0.0
            });
        if self.y + self.notes_height + extra <= bottom
            || self.notes.is_empty()
                && self.carried_notes.is_empty()
                && self.y + self.notes_height + extra <= bottom + 1.0
        {
            self.notes_height += note.height + note.space_before;
            self.notes.push(note);
        } else {
            self.carried_notes.push(note);
        }
    }

    fn new_page(&mut self) {
        self.finish_page();
        self.y = self.style.margin_top;
        self.at_top = true;
        // Footnotes that did not fit continue at the foot of this page.
        let carried = std::mem::take(&mut self.carried_notes);
        let room = self.style.content_height() * 0.5;
        for note in carried {
            if self.notes_height + note.height <= room {
                self.notes_height += note.height + note.space_before;
                self.notes.push(note);
            } else {
                self.carried_notes.push(note);
            }
        }
    }

    /// Draws footnotes, the running header and the page number, and closes the page.
    fn finish_page(&mut self) {
        let style = self.style;
        // The next page starts with room for as many items as this one has (pages are alike).
        let next = Vec::with_capacity(self.items.len());
        let mut items = std::mem::replace(&mut self.items, next);
        if !self.notes.is_empty() {
            let bottom = style.page_height - style.margin_bottom;
            let mut y = bottom - self.notes_height;
            items.push(Positioned {
                x: style.margin_left,
                y: y - style.note_gap * 0.5,
                item: Item::Line {
                    dx: style.content_width() * 0.3,
                    dy: 0.0,
                    width: 0.5,
                    color: style.rule_color,
                },
            });
            let page = self.page_count;
            for note in std::mem::take(&mut self.notes) {
                y += note.space_before;
                for anchor in note.anchors {
                    self.doc.destinations.push(Destination { name: anchor, page, y });
                }
                for mut item in note.items {
                    item.y += y;
                    items.push(item);
                }
                y += note.height;
            }
        }
        self.notes_height = 0.0;
        let number = self.page_count + 1;
        let furniture = TextStyle::plain(style.furniture_size, Rgb(0.35, 0.35, 0.35));
        let number_text = number.to_string();
        let fragments = shape_plain(self.metrics, &number_text, &furniture);
        let width: Pt = fragments.iter().map(|f| f.width).sum();
        let mut x = (style.page_width - width) / 2.0;
        let y = style.page_height - style.margin_bottom * 0.5;
        for f in &fragments {
            push_run(&mut items, x, y, f);
            x += f.width;
        }
        let header = self
            .page_chapter
            .clone()
            .or_else(|| self.start_chapter.clone())
            .or(self.title.map(str::to_string));
        if number > 1 {
            if let Some(header) = header {
                let mut s = furniture.clone();
                s.font.italic = true;
                let fragments = shape_plain(self.metrics, &header, &s);
                let total: Pt = fragments.iter().map(|f| f.width).sum();
                if total <= style.content_width() {
                    let mut x = (style.page_width - total) / 2.0;
                    let y = style.margin_top * 0.55;
                    for f in &fragments {
                        push_run(&mut items, x, y, f);
                        x += f.width;
                    }
                }
            }
        }
        self.page_chapter = None;
        self.start_chapter = self.chapter.clone();
        self.page_count += 1;
        (self.sink)(Page { width: style.page_width, height: style.page_height, items });
    }
}

/// Shapes `text` into one fragment per font segment. Each cluster's first glyph carries the
/// cluster's text, up to the next larger cluster start (so right-to-left runs, whose clusters
/// decrease, map correctly), found by binary search: linear-logarithmic even for a 1 MB word.
fn shape_plain(metrics: &dyn FontMetrics, text: &str, style: &TextStyle) -> Vec<Fragment> {
    metrics
        .shape(style.font, text)
        .iter()
        .map(|segment| {
            let mut starts: Vec<usize> = segment.glyphs.iter().map(|g| g.cluster).collect();
            starts.sort_unstable();
            starts.dedup();
            let mut x = 0.0;
            let glyphs = segment
                .glyphs
                .iter()
                .enumerate()
                .map(|(i, g)| {
                    let first = i == 0 || segment.glyphs[i - 1].cluster != g.cluster;
                    let text = if first {
                        let next = starts.partition_point(|&c| c <= g.cluster);
                        let end = starts.get(next).copied().unwrap_or(text.len());
                        GlyphText::new(text.get(g.cluster..end).unwrap_or(""))
                    } else {
                        GlyphText::None
                    };
                    let glyph = super::frame::Glyph {
                        id: g.id,
                        x: x + g.x_offset * style.size,
                        y_offset: g.y_offset * style.size,
                        text,
                    };
                    x += g.advance * style.size;
                    glyph
                })
                .collect();
            Fragment {
                font: segment.font,
                size: style.size,
                color: style.color,
                rise: 0.0,
                glyphs,
                width: x,
                ascent: metrics.ascent(segment.font) * style.size,
                descent: metrics.descent(segment.font) * style.size,
                strike: false,
                underline: false,
                link: None,
                note: None,
                anchor: None,
                image: None,
                drawing: None,
            }
        })
        .collect()
}

/// The footnote lines `unit` brings to the foot of its page: those of the notes it refers to,
/// then those of the notes those notes refer to (a note inside a note, which would otherwise be
/// marked in its note but never shown), and so on.
fn notes_brought_by(unit: &Unit) -> Vec<Unit> {
    let mut lines: Vec<Unit> = unit.notes.iter().flatten().cloned().collect();
    let mut next = 0;
    while next < lines.len() {
        let nested: Vec<Unit> = lines[next].notes.iter().flatten().cloned().collect();
        lines.extend(nested);
        next += 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NumberStyle;

    #[test]
    fn script_urls_are_never_links() {
        assert!(is_script_url("javascript:alert(1)"));
        assert!(is_script_url(" Java\tScript:x"));
        assert!(is_script_url("DATA:text/html,x"));
        assert!(!is_script_url("https://example.com/javascript:"));
        assert!(!is_script_url("notes.html"));
    }

    #[test]
    fn natural_widths_are_kept_when_they_fit() {
        assert_eq!(column_widths(&[10.0, 20.0], &[30.0, 40.0], 100.0), vec![30.0, 40.0]);
    }

    #[test]
    fn wide_tables_share_the_space_by_need() {
        let widths = column_widths(&[10.0, 10.0], &[20.0, 110.0], 60.0);
        assert!((widths.iter().sum::<Pt>() - 60.0).abs() < 0.01);
        assert!(widths[1] > widths[0]);
        assert!(widths[0] >= 10.0 && widths[1] >= 10.0);
    }

    #[test]
    fn too_narrow_tables_scale_their_minimums() {
        let widths = column_widths(&[40.0, 60.0], &[80.0, 90.0], 50.0);
        assert!((widths.iter().sum::<Pt>() - 50.0).abs() < 0.01);
    }

    #[test]
    fn list_numbers_follow_their_style() {
        assert_eq!(NumberStyle::LowerRoman.format(4), "iv");
        assert_eq!(NumberStyle::UpperAlpha.format(28), "AB");
        assert_eq!(NumberStyle::UpperRoman.format(1999), "MCMXCIX");
    }
}

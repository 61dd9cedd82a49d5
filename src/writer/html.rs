//! The HTML writer: model → HTML5 (standalone page or body fragment). Also renders the XHTML
//! chapters of the EPUB writer, so everything it emits is well-formed XML too (void elements are
//! self-closed, attributes quoted, text escaped).
//!
//! The fragment for plain CommonMark input matches the CommonMark spec's reference HTML when
//! `highlight_style` is `None` and `figures` is off (the spec has no highlighting or figures).
//!
//! Rich content comes from shared modules: code colours from [`crate::highlight`], MathML from
//! [`crate::math`], image bytes for `--self-contained` from a [`Resources`].

use std::collections::HashMap;
use std::fmt::Write as _;
use std::sync::Arc;

use super::escape::{push_escaped, push_escaped_url};
use crate::error::{Warning, WarningKind};
use crate::highlight::{self, Theme, TokenKind};
use crate::math;
use crate::model::{
    walk, Alignment, Attr, Block, Cell, DefinitionItem, Document, Image, Inline, Link, List,
    ListKind, NumberStyle, RawFormat, Table,
};
use crate::resources::{NoResources, ResourceError, Resources};

/// The built-in stylesheet of standalone pages.
pub const DEFAULT_CSS: &str = include_str!("html.css");

/// Options of the HTML writer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtmlOptions {
    /// A complete page (`<!DOCTYPE html>` … `</html>`) rather than the body fragment.
    pub standalone: bool,
    /// Extra stylesheets, embedded after the built-in one (so they override it).
    pub css: Vec<String>,
    /// Leave out the built-in stylesheet.
    pub no_default_css: bool,
    /// Untrusted input: raw HTML is escaped and `javascript:`/`data:`/`vbscript:` URLs removed.
    pub safe: bool,
    /// Add a table of contents (a `<nav>` of links to the headings).
    pub toc: bool,
    /// Deepest heading level in the table of contents.
    pub toc_depth: u8,
    /// Number section headings (1, 1.1 …).
    pub number_sections: bool,
    /// Highlighting theme for code blocks; `None` leaves code plain.
    pub highlight_style: Option<String>,
    /// Embed images as `data:` URIs.
    pub self_contained: bool,
    /// Render a paragraph holding only an image as a `<figure>` with a `<figcaption>` (from
    /// the image's title, else its alt text). Off for CommonMark spec conformance tests.
    pub figures: bool,
    /// EPUB 3 notes: note references get `epub:type="noteref"` and each note becomes an
    /// `<aside epub:type="footnote">`, which e-readers show as a pop-up.
    pub epub_notes: bool,
}

impl Default for HtmlOptions {
    fn default() -> Self {
        HtmlOptions {
            standalone: true,
            css: Vec::new(),
            no_default_css: false,
            safe: false,
            toc: false,
            toc_depth: 3,
            number_sections: false,
            highlight_style: Some("default".to_string()),
            self_contained: false,
            figures: true,
            epub_notes: false,
        }
    }
}

/// Writes a document as HTML, without access to image files (see [`write_with_resources`]).
pub fn write(document: &Document, options: &HtmlOptions) -> String {
    write_with_resources(document, options, &NoResources).0
}

/// Writes a document as HTML, reading images from `resources` for `--self-contained`, and
/// returns the problems met (images that could not be embedded, math shown as TeX source).
pub fn write_with_resources(
    document: &Document,
    options: &HtmlOptions,
    resources: &dyn Resources,
) -> (String, Vec<Warning>) {
    let head_room = if options.standalone { HEAD_ROOM } else { 0 };
    let mut out = String::with_capacity(estimate_size(document) + head_room);
    // Everything stays in `out`: nothing is ever drained.
    let Ok(warnings) = render_page(document, options, resources, &mut out, &mut |_, _| {
        Ok::<(), std::convert::Infallible>(())
    });
    (out, warnings)
}

/// Writes a document as HTML into `sink` as it is rendered, holding about [`DRAIN_AT`] bytes
/// of output at a time instead of the whole page: a book's page is larger than its model.
/// Returns the problems met, or the first error of the sink (the page is then incomplete).
pub fn write_to(
    document: &Document,
    options: &HtmlOptions,
    resources: &dyn Resources,
    sink: &mut dyn std::io::Write,
) -> std::io::Result<Vec<Warning>> {
    let mut buffer = String::with_capacity(DRAIN_AT + DRAIN_AT / 2);
    render_page(document, options, resources, &mut buffer, &mut |buffer, last| {
        if last || buffer.len() >= DRAIN_AT {
            sink.write_all(buffer.as_bytes())?;
            buffer.clear();
        }
        Ok(())
    })
}

/// Room for the `<head>` of a standalone page (its stylesheet is ~10 KB).
const HEAD_ROOM: usize = 16 * 1024;

/// How much output [`write_to`] gathers before handing it to the sink.
const DRAIN_AT: usize = 64 * 1024;

/// Renders the page in document order into `out`, calling `drain(out, last)` after each
/// top-level block (or group of them, see [`HtmlWriter::body`]) and once more at the end
/// (`last`), where whatever `out` holds is complete markup that may be moved elsewhere.
fn render_page<E>(
    document: &Document,
    options: &HtmlOptions,
    resources: &dyn Resources,
    out: &mut String,
    drain: &mut dyn FnMut(&mut String, bool) -> Result<(), E>,
) -> Result<Vec<Warning>, E> {
    let mut writer = HtmlWriter::new(options).with_resources(resources);
    if options.number_sections {
        writer.set_section_numbers(section_numbers(&document.blocks));
    }
    let colours = writer.will_colour(&document.blocks);
    if options.standalone {
        let theme = writer.theme.filter(|_| colours);
        write_head(out, document, options, theme);
        out.push_str("<body>\n");
        write_title_block(out, document);
    }
    if options.toc {
        write_toc(out, document, options, &writer.section_numbers);
    }
    if options.standalone {
        out.push_str("<main>\n");
    }
    writer.body(out, &document.blocks, drain)?;
    if options.standalone {
        out.push_str("</main>\n");
    }
    writer.footnotes(out);
    if options.standalone {
        out.push_str("</body>\n</html>\n");
    }
    // `will_colour` saw every block rendered here, so the head has the stylesheet if needed
    // (it may have one for nothing: code too long to colour, or in a note inside an image
    // description, which is not shown).
    debug_assert!(writer.highlight_theme_used().is_none() || colours);
    drain(out, true)?;
    Ok(writer.take_warnings())
}

/// Section numbers (`1`, `1.2` …) of the document's top-level headings, by heading id.
///
/// Numbering starts at the shallowest heading level present, so a document whose sections are
/// all `##` is numbered 1, 2, 3 rather than 0.1, 0.2. Headings with the class `unnumbered` (or
/// `-`) get no number. Writers that render a document in pieces (EPUB chapters) compute this
/// once for the whole document and hand it to each [`HtmlWriter`].
pub fn section_numbers(blocks: &[Block]) -> HashMap<String, String> {
    let base = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, .. } => Some((*level).clamp(1, 6)),
            _ => None,
        })
        .min()
        .unwrap_or(1);
    let mut counters = [0usize; 6];
    let mut numbers = HashMap::new();
    for block in blocks {
        let Block::Heading { level, attr, .. } = block else { continue };
        if attr.classes.iter().any(|c| c == "unnumbered" || c == "-") {
            continue;
        }
        let depth = usize::from((*level).clamp(1, 6) - base);
        counters[depth] += 1;
        counters[depth + 1..].iter_mut().for_each(|c| *c = 0);
        let number = counters[..=depth].iter().map(usize::to_string).collect::<Vec<_>>().join(".");
        if let Some(id) = &attr.id {
            numbers.insert(id.clone(), number);
        }
    }
    numbers
}

/// The table of contents: `<nav id="TOC">` with nested lists of links to the top-level headings
/// down to `options.toc_depth`. Headings with the class `unlisted` are left out.
fn write_toc(
    out: &mut String,
    document: &Document,
    options: &HtmlOptions,
    numbers: &HashMap<String, String>,
) {
    let entries: Vec<(u8, &str, &[Inline])> = document
        .blocks
        .iter()
        .filter_map(|b| match b {
            Block::Heading { level, attr, content }
                if *level <= options.toc_depth && !attr.classes.iter().any(|c| c == "unlisted") =>
            {
                attr.id.as_deref().map(|id| ((*level).clamp(1, 6), id, content.as_slice()))
            }
            _ => None,
        })
        .collect();
    if entries.is_empty() {
        return;
    }
    let title = document.meta.extra.get("toc-title").map(String::as_str).unwrap_or("Contents");
    out.push_str("<nav id=\"TOC\" role=\"doc-toc\">\n<h2 id=\"toc-title\">");
    push_escaped(out, title);
    out.push_str("</h2>\n");
    // Open lists, one per nesting step, each remembering the heading level it holds.
    let mut open: Vec<u8> = Vec::new();
    let mut scratch = HtmlWriter::new(options);
    for (level, id, content) in entries {
        while open.last().is_some_and(|&l| l > level) {
            open.pop();
            out.push_str("</li>\n</ul>\n");
        }
        match open.last() {
            Some(&l) if l == level => out.push_str("</li>\n"),
            _ => {
                open.push(level);
                out.push_str("<ul>\n");
            }
        }
        out.push_str("<li><a href=\"#");
        push_escaped_url(out, id);
        out.push_str("\">");
        if let Some(number) = numbers.get(id) {
            out.push_str("<span class=\"toc-section-number\">");
            push_escaped(out, number);
            out.push_str("</span> ");
        }
        // Links inside a link are invalid and notes would repeat their ids: drop both.
        scratch.inlines(out, &strip_links_and_notes(content));
        out.push_str("</a>");
    }
    for _ in open {
        out.push_str("</li>\n</ul>\n");
    }
    out.push_str("</nav>\n");
}

/// Heading content fit for a contents entry: links replaced by their text, notes removed.
fn strip_links_and_notes(inlines: &[Inline]) -> Vec<Inline> {
    let mut out = Vec::with_capacity(inlines.len());
    for inline in inlines {
        match inline {
            Inline::Note(_) => {}
            Inline::Link(link) => out.extend(strip_links_and_notes(&link.content)),
            Inline::Emph(c) => out.push(Inline::Emph(strip_links_and_notes(c).into())),
            Inline::Strong(c) => out.push(Inline::Strong(strip_links_and_notes(c).into())),
            Inline::Strikeout(c) => out.push(Inline::Strikeout(strip_links_and_notes(c).into())),
            Inline::Superscript(c) => {
                out.push(Inline::Superscript(strip_links_and_notes(c).into()))
            }
            Inline::Subscript(c) => out.push(Inline::Subscript(strip_links_and_notes(c).into())),
            other => out.push(other.clone()),
        }
    }
    out
}

/// The language of a code block: the first word of its info string (`rust` in `rust ignore`).
fn code_language(info: &str) -> &str {
    info.split_whitespace().next().unwrap_or("")
}

/// The markup inside `<code>` for `code` coloured in `lang`, if the language is known.
fn coloured_markup(code: &str, lang: &str, theme: &Theme) -> Option<String> {
    let lines = highlight::highlight(code, lang, theme)?;
    let mut markup = String::with_capacity(code.len() * 3);
    push_coloured_lines(&mut markup, &lines, code);
    Some(markup)
}

/// The markup inside `<code>` for `code` coloured as `lines`: a `<span>` per token, classed by
/// kind (plain text is left bare).
fn push_coloured_lines(out: &mut String, lines: &[Vec<highlight::Span>], code: &str) {
    let count = lines.len();
    for (i, line) in lines.iter().enumerate() {
        for span in line {
            if span.style.kind == TokenKind::Plain {
                push_escaped(out, &span.text);
            } else {
                let _ = write!(out, "<span class=\"{}\">", span.style.kind.class());
                push_escaped(out, &span.text);
                out.push_str("</span>");
            }
        }
        if i + 1 < count || code.ends_with('\n') {
            out.push('\n');
        }
    }
}

/// A guess of the output size, so the buffer rarely reallocates on large documents.
fn estimate_size(document: &Document) -> usize {
    4096 + document.blocks.len() * 160
}

/// The title a page or book shows: metadata title, else the first heading, else "Untitled".
pub fn document_title(document: &Document) -> String {
    if let Some(title) = &document.meta.title {
        return title.clone();
    }
    let mut found = None;
    walk::for_each_block(&document.blocks, &mut |block| {
        if let (None, Block::Heading { content, .. }) = (&found, block) {
            let text = walk::plain_text(content);
            if !text.trim().is_empty() {
                found = Some(text.trim().to_string());
            }
        }
    });
    found.unwrap_or_else(|| "Untitled".to_string())
}

fn write_head(
    out: &mut String,
    document: &Document,
    options: &HtmlOptions,
    highlight_theme: Option<&Theme>,
) {
    let meta = &document.meta;
    out.push_str("<!DOCTYPE html>\n<html lang=\"");
    push_escaped(out, meta.lang.as_deref().unwrap_or("en"));
    out.push_str("\">\n<head>\n<meta charset=\"utf-8\" />\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n");
    out.push_str("<meta name=\"generator\" content=\"folio\" />\n");
    out.push_str("<meta name=\"color-scheme\" content=\"light dark\" />\n");
    let mut meta_tag = |name: &str, content: &str| {
        out.push_str("<meta name=\"");
        out.push_str(name);
        out.push_str("\" content=\"");
        push_escaped(out, content);
        out.push_str("\" />\n");
    };
    for author in &meta.authors {
        meta_tag("author", author);
    }
    if let Some(date) = &meta.date {
        meta_tag("dcterms.date", date);
    }
    if let Some(description) = &meta.description {
        meta_tag("description", description);
    }
    if !meta.keywords.is_empty() {
        meta_tag("keywords", &meta.keywords.join(", "));
    }
    out.push_str("<title>");
    push_escaped(out, &document_title(document));
    out.push_str("</title>\n");
    if !options.no_default_css {
        out.push_str("<style>\n");
        out.push_str(DEFAULT_CSS);
        out.push_str("</style>\n");
    }
    if let Some(theme) = highlight_theme {
        out.push_str("<style>\n");
        out.push_str(&theme.css());
        out.push_str("</style>\n");
    }
    for css in &options.css {
        out.push_str("<style>\n");
        // A stylesheet cannot contain `</style` without ending the element early.
        out.push_str(&css.replace("</style", "<\\/style"));
        out.push_str("\n</style>\n");
    }
    out.push_str("</head>\n");
}

fn write_title_block(out: &mut String, document: &Document) {
    let meta = &document.meta;
    let Some(title) = &meta.title else { return };
    out.push_str("<header id=\"title-block-header\">\n<h1 class=\"title\">");
    push_escaped(out, title);
    out.push_str("</h1>\n");
    if let Some(subtitle) = &meta.subtitle {
        out.push_str("<p class=\"subtitle\">");
        push_escaped(out, subtitle);
        out.push_str("</p>\n");
    }
    for author in &meta.authors {
        out.push_str("<p class=\"author\">");
        push_escaped(out, author);
        out.push_str("</p>\n");
    }
    if let Some(date) = &meta.date {
        out.push_str("<p class=\"date\">");
        push_escaped(out, date);
        out.push_str("</p>\n");
    }
    out.push_str("</header>\n");
}

/// Bodies with fewer top-level blocks are rendered by one writer: below this, starting writers
/// on other threads costs about what it saves.
const MIN_PARALLEL_BLOCKS: usize = 512;

/// Top-level blocks per group when a body is rendered in parallel (~10–20 KB of markup).
const GROUP_BLOCKS: usize = 64;

/// Groups rendered per thread before their markup is handed on.
const GROUPS_PER_THREAD: usize = 4;

/// A group of top-level blocks rendered by [`HtmlWriter::render_group`].
struct RenderedGroup {
    html: String,
    /// The number of notes before the group's first one, as the group was rendered with.
    first_note: usize,
    notes: Vec<String>,
    warnings: Vec<Warning>,
    highlighted: bool,
}

/// Renders math in place of the built-in markup (see [`HtmlWriter::with_math_renderer`]):
/// appends the markup for `tex` (display or inline) to the output, and any warning to the list.
pub type MathRenderer = dyn Fn(&mut String, &str, bool, &mut Vec<Warning>) + Sync;

/// Renders blocks and inlines, collecting footnotes for [`HtmlWriter::footnotes`].
pub struct HtmlWriter<'a> {
    options: &'a HtmlOptions,
    /// Rendered bodies of the notes met so far, numbered in order of appearance from
    /// `first_note + 1`.
    notes: Vec<String>,
    /// How many notes precede this writer's first one: 0, except for the writers that render
    /// groups of a large body in parallel (see [`HtmlWriter::body`]).
    first_note: usize,
    /// Prefix of note ids, so several fragments can share one page or book.
    note_prefix: String,
    /// Where image bytes come from for `self_contained`.
    resources: &'a dyn Resources,
    /// The highlighting theme, when `highlight_style` names a known one.
    theme: Option<&'static Theme>,
    /// True once a code block has been coloured (its stylesheet is then needed).
    highlighted: bool,
    /// Section numbers by heading id (see [`section_numbers`]).
    section_numbers: Arc<HashMap<String, String>>,
    /// Code blocks coloured ahead of rendering by [`HtmlWriter::prehighlight`], keyed by the
    /// address of their code text (stable while the document is borrowed).
    prehighlighted: Arc<HashMap<usize, String>>,
    /// `data:` URIs of embedded images by reference (`None`: could not be embedded).
    embedded: HashMap<String, Option<String>>,
    /// Problems met while rendering.
    warnings: Vec<Warning>,
    /// Renders math instead of [`HtmlWriter::math`] when set.
    math_renderer: Option<&'a MathRenderer>,
}

impl<'a> HtmlWriter<'a> {
    /// A writer with note ids `fn1`, `fnref1` ….
    pub fn new(options: &'a HtmlOptions) -> Self {
        HtmlWriter {
            options,
            notes: Vec::new(),
            first_note: 0,
            note_prefix: String::new(),
            resources: &NoResources,
            theme: options.highlight_style.as_deref().and_then(|name| highlight::theme(name).ok()),
            highlighted: false,
            section_numbers: Arc::default(),
            prehighlighted: Arc::default(),
            embedded: HashMap::new(),
            warnings: Vec::new(),
            math_renderer: None,
        }
    }

    /// A writer whose note ids start with `prefix` (`c3-fn1`).
    pub fn with_note_prefix(options: &'a HtmlOptions, prefix: &str) -> Self {
        HtmlWriter { note_prefix: prefix.to_string(), ..HtmlWriter::new(options) }
    }

    /// Reads images from `resources` (needed for `self_contained`).
    pub fn with_resources(mut self, resources: &'a dyn Resources) -> Self {
        self.resources = resources;
        self
    }

    /// Renders math with `render` (the EPUB writer marks its MathML for the XHTML pass and
    /// writes TeX as text for EPUB 2) instead of the built-in MathML in a `span`.
    pub fn with_math_renderer(mut self, render: &'a MathRenderer) -> Self {
        self.math_renderer = Some(render);
        self
    }

    /// Numbers headings with these section numbers (by heading id; see [`section_numbers`]).
    pub fn set_section_numbers(&mut self, numbers: HashMap<String, String>) {
        self.section_numbers = Arc::new(numbers);
    }

    /// Colours the code blocks of `blocks` (those inside notes too) ahead of rendering, in
    /// parallel, so rendering them later costs nothing: highlighting is by far the slowest part
    /// of writing code-heavy HTML. The markup is kept until the next call, so a large body is
    /// coloured a wave of groups at a time (see [`HtmlWriter::body`]): a code-heavy book's
    /// coloured markup is several times its code.
    fn prehighlight(&mut self, blocks: &[Block]) {
        use rayon::prelude::*;
        self.prehighlighted = Arc::default();
        let Some(theme) = self.theme else { return };
        let mut code_blocks: Vec<(&str, &String)> = Vec::new();
        walk::for_each_block_with_notes(blocks, &mut |block| {
            if let Block::CodeBlock { info, code } = block {
                let lang = code_language(info);
                // The blocks `code_block` would colour, no more.
                if !code.is_empty() && !lang.is_empty() {
                    code_blocks.push((lang, code));
                }
            }
        });
        // Kept as markup, not spans: one string per block instead of one per token, which for
        // a code-heavy book is megabytes held while the whole body is written.
        let colour = |&(lang, code): &(&str, &String)| {
            (code.as_ptr() as usize, coloured_markup(code, lang, theme))
        };
        let coloured: Vec<(usize, Option<String>)> = match code_blocks.len() {
            0 => return,
            1 => code_blocks.iter().map(colour).collect(),
            _ => code_blocks.par_iter().map(colour).collect(),
        };
        self.prehighlighted =
            Arc::new(coloured.into_iter().filter_map(|(key, lines)| Some((key, lines?))).collect());
    }

    /// Whether rendering `blocks` may colour code, so the page needs the theme's stylesheet
    /// before a byte of the body is written: some code block (those inside notes too) is in a
    /// language the highlighter knows.
    pub fn will_colour(&self, blocks: &[Block]) -> bool {
        if self.theme.is_none() {
            return false;
        }
        let mut found = false;
        walk::for_each_block_with_notes(blocks, &mut |block| {
            if let Block::CodeBlock { info, code } = block {
                found = found || (!code.is_empty() && highlight::is_supported(code_language(info)));
            }
        });
        found
    }

    /// The highlighting theme, if any code block rendered so far was coloured with it: its
    /// [`Theme::css`] must then be added to the page or book.
    pub fn highlight_theme_used(&self) -> Option<&'static Theme> {
        self.theme.filter(|_| self.highlighted)
    }

    /// The problems met so far (images that could not be embedded, math shown as TeX).
    pub fn take_warnings(&mut self) -> Vec<Warning> {
        std::mem::take(&mut self.warnings)
    }

    /// Renders a sequence of blocks.
    pub fn blocks(&mut self, out: &mut String, blocks: &[Block]) {
        for block in blocks {
            self.block(out, block, false);
        }
    }

    /// Renders the top-level blocks of a page, calling `drain(out, false)` whenever `out` ends
    /// with complete markup. A large body is cut into groups of blocks rendered in parallel by
    /// writers of their own, a few groups per thread at a time so the output held stays small;
    /// the markup is the same as rendering in order.
    fn body<E>(
        &mut self,
        out: &mut String,
        blocks: &[Block],
        drain: &mut dyn FnMut(&mut String, bool) -> Result<(), E>,
    ) -> Result<(), E> {
        use rayon::prelude::*;
        let threads = rayon::current_num_threads();
        // Embedding images keeps a cache that also warns once per image: stay on one writer.
        if blocks.len() < MIN_PARALLEL_BLOCKS || threads < 2 || self.options.self_contained {
            self.prehighlight(blocks);
            for block in blocks {
                self.block(out, block, false);
                drain(out, false)?;
            }
            self.prehighlighted = Arc::default();
            return Ok(());
        }
        let groups: Vec<&[Block]> = blocks.chunks(GROUP_BLOCKS).collect();
        // Each group's first note number is foreseen by counting the notes of the groups before
        // it (a walk over the whole model, so it runs in parallel too).
        let note_counts: Vec<usize> =
            groups.par_iter().map(|group| walk::note_count(group)).collect();
        let wave_len = threads * GROUPS_PER_THREAD;
        let waves = blocks.chunks(wave_len * GROUP_BLOCKS);
        for ((wave, counts), wave_blocks) in
            groups.chunks(wave_len).zip(note_counts.chunks(wave_len)).zip(waves)
        {
            self.prehighlight(wave_blocks);
            let mut next = self.first_note + self.notes.len();
            let firsts: Vec<usize> = counts
                .iter()
                .map(|count| {
                    let first = next;
                    next += count;
                    first
                })
                .collect();
            let rendered: Vec<RenderedGroup> = wave
                .par_iter()
                .zip(firsts)
                .map(|(group, first_note)| self.render_group(group, first_note))
                .collect();
            for (group, mut rendered) in wave.iter().zip(rendered) {
                let first_note = self.first_note + self.notes.len();
                if rendered.first_note != first_note {
                    // The count saw a note that is not shown (one in an image description):
                    // this group's numbers are off, so render it again with the right ones.
                    rendered = self.render_group(group, first_note);
                }
                out.push_str(&rendered.html);
                self.notes.extend(rendered.notes);
                self.warnings.extend(rendered.warnings);
                self.highlighted |= rendered.highlighted;
                drain(out, false)?;
            }
        }
        self.prehighlighted = Arc::default();
        Ok(())
    }

    /// Renders `blocks` with a writer of their own whose notes are numbered from
    /// `first_note + 1` (see [`HtmlWriter::body`]).
    fn render_group(&self, blocks: &[Block], first_note: usize) -> RenderedGroup {
        let mut writer = HtmlWriter {
            options: self.options,
            notes: Vec::new(),
            first_note,
            note_prefix: self.note_prefix.clone(),
            resources: self.resources,
            theme: self.theme,
            highlighted: false,
            section_numbers: Arc::clone(&self.section_numbers),
            prehighlighted: Arc::clone(&self.prehighlighted),
            embedded: HashMap::new(),
            warnings: Vec::new(),
            math_renderer: self.math_renderer,
        };
        let mut html = String::with_capacity(blocks.len() * 256);
        writer.blocks(&mut html, blocks);
        RenderedGroup {
            html,
            first_note,
            notes: writer.notes,
            warnings: writer.warnings,
            highlighted: writer.highlighted,
        }
    }

    /// Appends the numbered list of the notes met so far (nothing if there were none).
    pub fn footnotes(&mut self, out: &mut String) {
        if self.notes.is_empty() {
            return;
        }
        if self.options.epub_notes {
            self.epub_footnotes(out);
            return;
        }
        out.push_str("<section class=\"footnotes\" role=\"doc-endnotes\">\n<hr />\n<ol>\n");
        // Notes can contain notes, which are appended while we render; index, don't iterate.
        for (i, body) in std::mem::take(&mut self.notes).into_iter().enumerate() {
            let n = self.first_note + i + 1;
            let p = &self.note_prefix;
            let _ = write!(out, "<li id=\"{p}fn{n}\">");
            out.push_str(&body);
            let _ = writeln!(
                out,
                "<p class=\"footnote-back-link\"><a href=\"#{p}fnref{n}\" class=\"footnote-back\" role=\"doc-backlink\" aria-label=\"Back to reference {n}\">↩︎</a></p></li>"
            );
        }
        out.push_str("</ol>\n</section>\n");
    }

    /// The notes as EPUB 3 footnote asides, each starting with its number linking back.
    fn epub_footnotes(&mut self, out: &mut String) {
        out.push_str("<section class=\"footnotes\" epub:type=\"footnotes\">\n<hr />\n");
        for (i, body) in std::mem::take(&mut self.notes).into_iter().enumerate() {
            let n = self.first_note + i + 1;
            let p = &self.note_prefix;
            let _ = writeln!(
                out,
                "<aside id=\"{p}fn{n}\" class=\"footnote\" epub:type=\"footnote\" role=\"doc-footnote\">\n<p class=\"footnote-label\"><a href=\"#{p}fnref{n}\" role=\"doc-backlink\" aria-label=\"Back to reference {n}\">{n}</a></p>"
            );
            out.push_str(&body);
            out.push_str("</aside>\n");
        }
        out.push_str("</section>\n");
    }

    fn block(&mut self, out: &mut String, block: &Block, tight: bool) {
        match block {
            Block::Paragraph(content) if tight => {
                self.inlines(out, content);
                out.push('\n');
            }
            Block::Paragraph(content) => {
                if self.options.figures {
                    if let Some(image) = lone_image(content) {
                        self.figure(out, image);
                        return;
                    }
                }
                out.push_str("<p>");
                self.inlines(out, content);
                out.push_str("</p>\n");
            }
            Block::Plain(content) => {
                self.inlines(out, content);
                out.push('\n');
            }
            Block::Heading { level, attr, content } => {
                let level = (*level).clamp(1, 6);
                let _ = write!(out, "<h{level}");
                push_attr(out, attr, self.options.safe);
                out.push('>');
                if let Some(number) = attr.id.as_ref().and_then(|id| self.section_numbers.get(id)) {
                    out.push_str("<span class=\"header-section-number\">");
                    push_escaped(out, number);
                    out.push_str("</span> ");
                }
                self.inlines(out, content);
                let _ = writeln!(out, "</h{level}>");
            }
            Block::BlockQuote { alert: Some(kind), content } => {
                let _ = write!(
                    out,
                    "<div class=\"markdown-alert markdown-alert-{}\" role=\"note\">\n<p class=\"markdown-alert-title\">{}</p>\n",
                    kind.name(),
                    kind.title()
                );
                self.blocks(out, content);
                out.push_str("</div>\n");
            }
            Block::BlockQuote { alert: None, content } => {
                out.push_str("<blockquote>\n");
                self.blocks(out, content);
                out.push_str("</blockquote>\n");
            }
            Block::List(list) => self.list(out, list),
            Block::CodeBlock { info, code } => self.code_block(out, info, code),
            Block::RawBlock { format: RawFormat::Html, content } => {
                if self.options.safe {
                    out.push_str("<pre class=\"raw-html\">");
                    push_escaped(out, content);
                    out.push_str("</pre>\n");
                } else {
                    out.push_str(content);
                }
            }
            Block::ThematicBreak => out.push_str("<hr />\n"),
            Block::Table(table) => self.table(out, table),
            Block::DefinitionList(items) => self.definition_list(out, items),
            Block::Preformatted(text) => {
                out.push_str("<pre class=\"preformatted\">");
                push_escaped(out, text);
                out.push_str("</pre>\n");
            }
            Block::PageBreak => out.push_str("<div class=\"page-break\"></div>\n"),
        }
    }

    fn list(&mut self, out: &mut String, list: &List) {
        let tag = match list.kind {
            ListKind::Bullet => {
                out.push_str("<ul>\n");
                "ul"
            }
            ListKind::Ordered { start, style } => {
                out.push_str("<ol");
                if start != 1 {
                    let _ = write!(out, " start=\"{start}\"");
                }
                let type_attr = match style {
                    NumberStyle::Decimal => "",
                    NumberStyle::LowerAlpha => "a",
                    NumberStyle::UpperAlpha => "A",
                    NumberStyle::LowerRoman => "i",
                    NumberStyle::UpperRoman => "I",
                };
                if !type_attr.is_empty() {
                    let _ = write!(out, " type=\"{type_attr}\"");
                }
                out.push_str(">\n");
                "ol"
            }
        };
        for item in &list.items {
            match item.task {
                Some(done) => {
                    out.push_str("<li class=\"task-list-item\"><input type=\"checkbox\" disabled=\"disabled\"");
                    if done {
                        out.push_str(" checked=\"checked\"");
                    }
                    out.push_str(" /> ");
                }
                None => out.push_str("<li>"),
            }
            if !list.tight
                && !matches!(
                    item.content.first(),
                    Some(Block::Paragraph(_)) | Some(Block::Plain(_)) | None
                )
            {
                out.push('\n');
            }
            for block in &item.content {
                self.block(out, block, list.tight);
            }
            // `<li>foo\n</li>` and `<li>foo</li>` are the same to a browser; trim for tidy output.
            if out.ends_with('\n') && list.tight {
                out.pop();
            }
            out.push_str("</li>\n");
        }
        let _ = writeln!(out, "</{tag}>");
    }

    fn table(&mut self, out: &mut String, table: &Table) {
        out.push_str("<table>\n");
        let row = |this: &mut Self, out: &mut String, cells: &[Cell], cell_tag: &str| {
            out.push_str("<tr>\n");
            for (i, cell) in cells.iter().enumerate() {
                out.push('<');
                out.push_str(cell_tag);
                match table.alignments.get(i).copied().unwrap_or_default() {
                    Alignment::Default => {}
                    Alignment::Left => out.push_str(" style=\"text-align: left\""),
                    Alignment::Center => out.push_str(" style=\"text-align: center\""),
                    Alignment::Right => out.push_str(" style=\"text-align: right\""),
                }
                out.push('>');
                this.inlines(out, cell);
                out.push_str("</");
                out.push_str(cell_tag);
                out.push_str(">\n");
            }
            out.push_str("</tr>\n");
        };
        if !table.header.is_empty() {
            out.push_str("<thead>\n");
            row(self, out, &table.header, "th");
            out.push_str("</thead>\n");
        }
        if !table.rows.is_empty() {
            out.push_str("<tbody>\n");
            for cells in &table.rows {
                row(self, out, cells, "td");
            }
            out.push_str("</tbody>\n");
        }
        out.push_str("</table>\n");
    }

    fn definition_list(&mut self, out: &mut String, items: &[DefinitionItem]) {
        out.push_str("<dl>\n");
        for item in items {
            out.push_str("<dt>");
            self.inlines(out, &item.term);
            out.push_str("</dt>\n");
            for definition in &item.definitions {
                out.push_str("<dd>");
                let tight = matches!(definition.as_slice(), [Block::Plain(_)]);
                for block in definition {
                    self.block(out, block, tight);
                }
                if out.ends_with('\n') && tight {
                    out.pop();
                }
                out.push_str("</dd>\n");
            }
        }
        out.push_str("</dl>\n");
    }

    /// Renders inline content.
    pub fn inlines(&mut self, out: &mut String, inlines: &[Inline]) {
        for inline in inlines {
            self.inline(out, inline);
        }
    }

    fn inline(&mut self, out: &mut String, inline: &Inline) {
        match inline {
            Inline::Text(text) => push_escaped(out, text),
            Inline::Emph(c) => self.wrapped(out, "em", c),
            Inline::Strong(c) => self.wrapped(out, "strong", c),
            Inline::Strikeout(c) => self.wrapped(out, "del", c),
            Inline::Superscript(c) => self.wrapped(out, "sup", c),
            Inline::Subscript(c) => self.wrapped(out, "sub", c),
            Inline::Code(code) => {
                out.push_str("<code>");
                push_escaped(out, code);
                out.push_str("</code>");
            }
            Inline::Math(math) => match self.math_renderer {
                Some(render) => render(out, &math.tex, math.display, &mut self.warnings),
                None => self.math(out, &math.tex, math.display),
            },
            Inline::Link(link) => {
                let Link { url, title, content } = &**link;
                out.push_str("<a href=\"");
                self.url(out, url);
                out.push('"');
                if !title.is_empty() {
                    out.push_str(" title=\"");
                    push_escaped(out, title);
                    out.push('"');
                }
                out.push('>');
                self.inlines(out, content);
                out.push_str("</a>");
            }
            Inline::Image(image) => {
                let Image { url, title, alt } = &**image;
                out.push_str("<img src=\"");
                self.image_source(out, url);
                out.push_str("\" alt=\"");
                push_escaped(out, &walk::plain_text(alt));
                out.push('"');
                if !title.is_empty() {
                    out.push_str(" title=\"");
                    push_escaped(out, title);
                    out.push('"');
                }
                out.push_str(" />");
            }
            Inline::Note(blocks) => {
                // The note takes its number before its body is rendered, so a note inside it
                // is numbered after it, in reading order ("two²", then note 2's own note 3).
                let slot = self.notes.len();
                self.notes.push(String::new());
                let mut body = String::new();
                self.blocks(&mut body, blocks);
                self.notes[slot] = body;
                let n = self.first_note + slot + 1;
                let p = &self.note_prefix;
                let epub_type = if self.options.epub_notes { " epub:type=\"noteref\"" } else { "" };
                let _ = write!(
                    out,
                    "<sup class=\"footnote-ref\"><a href=\"#{p}fn{n}\" id=\"{p}fnref{n}\"{epub_type} role=\"doc-noteref\">{n}</a></sup>"
                );
            }
            Inline::SoftBreak => out.push('\n'),
            Inline::HardBreak => out.push_str("<br />\n"),
            Inline::RawInline { format: RawFormat::Html, content } => {
                if self.options.safe {
                    push_escaped(out, content);
                } else {
                    out.push_str(content);
                }
            }
        }
    }

    /// A code block, coloured when its language is known and a theme is set.
    fn code_block(&mut self, out: &mut String, info: &str, code: &str) {
        let lang = code_language(info);
        let prehighlighted = Arc::clone(&self.prehighlighted);
        let coloured_now;
        let markup: Option<&str> = match self.theme {
            Some(_) if code.is_empty() => None,
            Some(theme) if !lang.is_empty() => {
                match prehighlighted.get(&(code.as_ptr() as usize)) {
                    Some(markup) => Some(markup),
                    None => {
                        coloured_now = coloured_markup(code, lang, theme);
                        coloured_now.as_deref()
                    }
                }
            }
            _ => None,
        };
        out.push_str(if markup.is_some() {
            "<pre class=\"highlight\"><code"
        } else {
            "<pre><code"
        });
        if !lang.is_empty() {
            out.push_str(" class=\"language-");
            push_escaped(out, lang);
            out.push('"');
        }
        out.push('>');
        match markup {
            None => push_escaped(out, code),
            Some(markup) => {
                self.highlighted = true;
                out.push_str(markup);
            }
        }
        out.push_str("</code></pre>\n");
    }

    /// Math as MathML, or its TeX source in monospace (with a warning) when unsupported.
    fn math(&mut self, out: &mut String, tex: &str, display: bool) {
        let class = if display { "display" } else { "inline" };
        let _ = write!(out, "<span class=\"math {class}\">");
        match math::to_mathml(tex, display) {
            Ok(mathml) => out.push_str(&mathml),
            Err(error) => {
                self.warnings.push(math::fallback_warning(tex, &error));
                let delimiter = if display { "$$" } else { "$" };
                out.push_str("<code class=\"tex\">");
                out.push_str(delimiter);
                push_escaped(out, tex);
                out.push_str(delimiter);
                out.push_str("</code>");
            }
        }
        out.push_str("</span>");
    }

    /// A paragraph holding only an image: a figure captioned by the title, else the alt text.
    fn figure(&mut self, out: &mut String, image: &Inline) {
        let Inline::Image(parts) = image else { return };
        let (title, alt) = (&parts.title, &parts.alt);
        out.push_str("<figure>\n");
        self.inline(out, image);
        out.push('\n');
        if !title.is_empty() {
            out.push_str("<figcaption>");
            push_escaped(out, title);
            out.push_str("</figcaption>\n");
        } else if !walk::plain_text(alt).trim().is_empty() {
            out.push_str("<figcaption>");
            self.inlines(out, alt);
            out.push_str("</figcaption>\n");
        }
        out.push_str("</figure>\n");
    }

    /// The `src` of an image: a `data:` URI when self-contained and the bytes can be had,
    /// otherwise the reference as written.
    fn image_source(&mut self, out: &mut String, url: &str) {
        if self.options.self_contained && !url.trim_start().starts_with("data:") {
            if let Some(data) = self.embed(url) {
                out.push_str(&data);
                return;
            }
        }
        self.url(out, url);
    }

    fn embed(&mut self, url: &str) -> Option<String> {
        if let Some(cached) = self.embedded.get(url) {
            return cached.clone();
        }
        // Never ask for remote files: folio does not fetch, whatever the resource source.
        let loaded = if crate::resources::is_remote(url) {
            Err(ResourceError::Remote(url.to_string()))
        } else {
            self.resources.load(url)
        };
        let data = match loaded {
            Ok(bytes) => {
                match image_mime_type(&bytes) {
                    Some(mime) => Some(format!("data:{mime};base64,{}", base64(&bytes))),
                    None => {
                        self.warnings.push(Warning::new(
                        WarningKind::Unsupported,
                        format!("{url}: not a PNG, JPEG, GIF, WebP or SVG image; linked, not embedded"),
                    ));
                        None
                    }
                }
            }
            Err(error) => {
                let kind = match error {
                    ResourceError::NotFound(_) | ResourceError::Unreadable(..) => {
                        WarningKind::MissingResource
                    }
                    ResourceError::OutsideRoot(_) | ResourceError::Remote(_) => {
                        WarningKind::RefusedResource
                    }
                };
                self.warnings.push(Warning::new(
                    kind,
                    format!("{error}; the image is linked, not embedded"),
                ));
                None
            }
        };
        self.embedded.insert(url.to_string(), data.clone());
        data
    }

    fn wrapped(&mut self, out: &mut String, tag: &str, content: &[Inline]) {
        out.push('<');
        out.push_str(tag);
        out.push('>');
        self.inlines(out, content);
        out.push_str("</");
        out.push_str(tag);
        out.push('>');
    }

    fn url(&self, out: &mut String, url: &str) {
        if self.options.safe && is_dangerous_url(url) {
            return;
        }
        push_escaped_url(out, url);
    }
}

/// The image of a paragraph that holds one image and nothing else but spaces.
fn lone_image(content: &[Inline]) -> Option<&Inline> {
    let mut image = None;
    for inline in content {
        match inline {
            Inline::Image(_) if image.is_none() => image = Some(inline),
            Inline::Text(text) if text.trim().is_empty() => {}
            Inline::SoftBreak => {}
            _ => return None,
        }
    }
    image
}

/// The MIME type of image bytes, from their signature (SVG from its first tag).
fn image_mime_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("image/webp")
    } else {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(1024)]).to_ascii_lowercase();
        head.contains("<svg").then_some("image/svg+xml")
    }
}

/// Standard base64 with padding (RFC 4648), for `data:` URIs.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// URLs that run code or smuggle content when followed: `javascript:`, `vbscript:`, `data:`
/// (images in `data:image/…` are allowed; they cannot run script in an `<img>`).
pub fn is_dangerous_url(url: &str) -> bool {
    let cleaned: String =
        url.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).collect();
    let lower = cleaned.to_ascii_lowercase();
    lower.starts_with("javascript:")
        || lower.starts_with("vbscript:")
        || (lower.starts_with("data:")
            && !lower.starts_with("data:image/png")
            && !lower.starts_with("data:image/jpeg")
            && !lower.starts_with("data:image/gif")
            && !lower.starts_with("data:image/webp"))
}

fn push_attr(out: &mut String, attr: &Attr, safe: bool) {
    if let Some(id) = &attr.id {
        out.push_str(" id=\"");
        push_escaped(out, id);
        out.push('"');
    }
    if !attr.classes.is_empty() {
        out.push_str(" class=\"");
        push_escaped(out, &attr.classes.join(" "));
        out.push('"');
    }
    let mut written: Vec<String> = Vec::new();
    for (key, value) in &attr.attributes {
        // Only plain attribute names that start with a letter; anything else could break out of
        // the tag, or is not a valid XML name in EPUB's XHTML.
        if !key.starts_with(|c: char| c.is_ascii_alphabetic())
            || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            continue;
        }
        let lower = key.to_ascii_lowercase();
        // Event handlers run script; `style` can restyle the page or load remote images in
        // untrusted input.
        if lower.starts_with("on") || (safe && lower == "style") {
            continue;
        }
        // A repeated attribute (`{#a id=b}`, `{x=1 x=2}`) makes the XHTML of EPUB malformed.
        let taken = (lower == "id" && attr.id.is_some())
            || (lower == "class" && !attr.classes.is_empty())
            || written.contains(&lower);
        if taken {
            continue;
        }
        written.push(lower);
        let _ = write!(out, " {key}=\"");
        push_escaped(out, value);
        out.push('"');
    }
}

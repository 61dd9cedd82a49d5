//! The HTML writer: model → HTML5 (standalone page or body fragment). Also renders the XHTML
//! chapters of the EPUB writer, so everything it emits is well-formed XML too (void elements are
//! self-closed, attributes quoted, text escaped).
//!
//! The fragment for plain CommonMark input matches the CommonMark spec's reference HTML.

use std::fmt::Write as _;

use super::escape::{push_escaped, push_escaped_url};
use crate::model::{
    walk, Alignment, Attr, Block, DefinitionItem, Document, Inline, List, ListKind, NumberStyle,
    RawFormat, Table,
};

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
        }
    }
}

/// Writes a document as HTML.
pub fn write(document: &Document, options: &HtmlOptions) -> String {
    let mut out = String::with_capacity(estimate_size(document));
    let mut writer = HtmlWriter::new(options);
    if options.standalone {
        write_head(&mut out, document, options);
        out.push_str("<body>\n");
        write_title_block(&mut out, document);
        out.push_str("<main>\n");
        writer.blocks(&mut out, &document.blocks);
        out.push_str("</main>\n");
        writer.footnotes(&mut out);
        out.push_str("</body>\n</html>\n");
    } else {
        writer.blocks(&mut out, &document.blocks);
        writer.footnotes(&mut out);
    }
    out
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

fn write_head(out: &mut String, document: &Document, options: &HtmlOptions) {
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

/// Renders blocks and inlines, collecting footnotes for [`HtmlWriter::footnotes`].
pub struct HtmlWriter<'a> {
    options: &'a HtmlOptions,
    /// Rendered bodies of the notes met so far, numbered from 1 in order of appearance.
    notes: Vec<String>,
    /// Prefix of note ids, so several fragments can share one page or book.
    note_prefix: String,
}

impl<'a> HtmlWriter<'a> {
    /// A writer with note ids `fn1`, `fnref1` ….
    pub fn new(options: &'a HtmlOptions) -> Self {
        HtmlWriter { options, notes: Vec::new(), note_prefix: String::new() }
    }

    /// A writer whose note ids start with `prefix` (`c3-fn1`).
    pub fn with_note_prefix(options: &'a HtmlOptions, prefix: &str) -> Self {
        HtmlWriter { options, notes: Vec::new(), note_prefix: prefix.to_string() }
    }

    /// Renders a sequence of blocks.
    pub fn blocks(&mut self, out: &mut String, blocks: &[Block]) {
        for block in blocks {
            self.block(out, block, false);
        }
    }

    /// Appends the numbered list of the notes met so far (nothing if there were none).
    pub fn footnotes(&mut self, out: &mut String) {
        if self.notes.is_empty() {
            return;
        }
        out.push_str("<section class=\"footnotes\" role=\"doc-endnotes\">\n<hr />\n<ol>\n");
        // Notes can contain notes, which are appended while we render; index, don't iterate.
        for (i, body) in std::mem::take(&mut self.notes).into_iter().enumerate() {
            let n = i + 1;
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

    fn block(&mut self, out: &mut String, block: &Block, tight: bool) {
        match block {
            Block::Paragraph(content) if tight => {
                self.inlines(out, content);
                out.push('\n');
            }
            Block::Paragraph(content) => {
                out.push_str("<p>");
                self.inlines(out, content);
                out.push_str("</p>\n");
            }
            Block::Plain(content) => {
                self.inlines(out, content);
                out.push('\n');
            }
            Block::Heading { level, attr, content } => {
                let level = char::from(b'0' + (*level).clamp(1, 6));
                out.push_str("<h");
                out.push(level);
                push_attr(out, attr);
                out.push('>');
                self.inlines(out, content);
                out.push_str("</h");
                out.push(level);
                out.push_str(">\n");
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
            Block::CodeBlock { info, code } => {
                let lang = info.split_whitespace().next().unwrap_or("");
                if lang.is_empty() {
                    out.push_str("<pre><code>");
                } else {
                    out.push_str("<pre><code class=\"language-");
                    push_escaped(out, lang);
                    out.push_str("\">");
                }
                push_escaped(out, code);
                out.push_str("</code></pre>\n");
            }
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
        let row = |this: &mut Self, out: &mut String, cells: &[Vec<Inline>], cell_tag: &str| {
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
            Inline::Math { display, tex } => {
                let (class, open, close) =
                    if *display { ("display", "\\[", "\\]") } else { ("inline", "\\(", "\\)") };
                out.push_str("<span class=\"math ");
                out.push_str(class);
                out.push_str("\">");
                out.push_str(open);
                push_escaped(out, tex);
                out.push_str(close);
                out.push_str("</span>");
            }
            Inline::Link { url, title, content } => {
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
            Inline::Image { url, title, alt } => {
                out.push_str("<img src=\"");
                self.url(out, url);
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
                let mut body = String::new();
                self.blocks(&mut body, blocks);
                self.notes.push(body);
                let n = self.notes.len();
                let p = &self.note_prefix;
                let _ = write!(
                    out,
                    "<sup class=\"footnote-ref\"><a href=\"#{p}fn{n}\" id=\"{p}fnref{n}\" role=\"doc-noteref\">{n}</a></sup>"
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

fn push_attr(out: &mut String, attr: &Attr) {
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
    for (key, value) in &attr.attributes {
        // Only plain attribute names; anything else could break out of the tag.
        if key.is_empty() || !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        {
            continue;
        }
        if key.to_ascii_lowercase().starts_with("on") {
            continue;
        }
        let _ = write!(out, " {key}=\"");
        push_escaped(out, value);
        out.push('"');
    }
}

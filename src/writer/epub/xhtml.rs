//! HTML → EPUB XHTML: parses a chapter's HTML (the HTML writer's output together with any raw
//! HTML the document carries) into the tree html5ever builds — by [`strict`] when the markup is
//! well-formed, by html5ever otherwise — and re-serializes it as well-formed XHTML that is valid
//! in an EPUB 3 (HTML5) or EPUB 2 (XHTML 1.1) content document. The only module importing
//! html5ever.
//!
//! Validity comes from construction, not from hoping the input is clean: every element is
//! checked against a whitelist and the content model of the place it appears in (a block inside a
//! paragraph is unwrapped, text directly in a list gets its own item, an EPUB 2 `<section>`
//! becomes a `<div>` …), attributes are kept only when their value is valid, ids become unique
//! XML names, images are embedded through [`ImageStore`] or replaced by their alt text, and links
//! either resolve inside the book, point to the web, or lose their `href`.
//!
//! Fragment links (`#id`) can point into chapters that have not been serialized yet, so the
//! output is a [`Fragment`]: text plus the places where an `href` is decided once every chapter's
//! ids are known ([`Fragment::resolve`]).

use std::borrow::Cow;
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use html5ever::interface::{ElemName, ElementFlags, NodeOrText, QuirksMode, TreeSink};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::{ns, LocalName, Namespace, ParseOpts, QualName};

use super::images::ImageStore;
use super::Version;
use crate::error::{Warning, WarningKind};

mod strict;

/// Elements nested deeper than this are flattened to their text, so hostile input cannot
/// exhaust the stack.
const MAX_DEPTH: usize = 120;

/// The XHTML of one chapter body, with fragment links still to be resolved.
#[derive(Debug, Default)]
pub struct Fragment {
    text: String,
    /// Byte offsets into `text` where an ` href="…"` belongs, with the fragment id linked to.
    links: Vec<(usize, String)>,
    /// True when the fragment contains MathML (the manifest item needs `properties="mathml"`).
    pub has_mathml: bool,
}

impl Fragment {
    /// The final XHTML: each fragment link becomes ` href="file#id"` when `ids` knows the target;
    /// otherwise the `<a>` keeps no `href` (a valid placeholder link) and a warning is recorded.
    pub fn resolve(
        self,
        ids: &IdRegistry,
        file_of: &dyn Fn(usize) -> String,
        warnings: &mut Vec<Warning>,
        warned: &mut BTreeSet<String>,
    ) -> String {
        let mut out = String::with_capacity(self.text.len() + self.links.len() * 32);
        let mut last = 0;
        for (offset, fragment) in &self.links {
            out.push_str(&self.text[last..*offset]);
            last = *offset;
            match ids.lookup(fragment) {
                Some((chapter, id)) => {
                    out.push_str(" href=\"");
                    push_attr_escaped(&mut out, &file_of(chapter));
                    out.push('#');
                    push_attr_escaped(&mut out, id);
                    out.push('"');
                }
                None => {
                    if warned.insert(format!("#{fragment}")) {
                        warnings.push(Warning::new(
                            WarningKind::Unsupported,
                            format!(
                                "link to #{fragment} has no target in the document; kept as plain text"
                            ),
                        ));
                    }
                }
            }
        }
        out.push_str(&self.text[last..]);
        out
    }
}

/// Every id used in the book, so ids stay unique and fragment links can find their chapter.
#[derive(Debug, Default)]
pub struct IdRegistry {
    used: BTreeSet<String>,
    /// Id as written in the source (and its sanitized form) → (chapter, id in the output).
    targets: BTreeMap<String, (usize, String)>,
}

impl IdRegistry {
    /// Reserves `raw` (made a valid XML name) for `chapter`; `None` when it is empty or taken.
    pub fn register(&mut self, raw: &str, chapter: usize) -> Option<String> {
        let id = xml_name(raw)?;
        if !self.used.insert(id.clone()) {
            return None;
        }
        self.targets.entry(raw.to_string()).or_insert_with(|| (chapter, id.clone()));
        self.targets.entry(id.clone()).or_insert_with(|| (chapter, id.clone()));
        Some(id)
    }

    /// Where `#fragment` leads: its chapter and output id.
    pub fn lookup(&self, fragment: &str) -> Option<(usize, &str)> {
        let found = self.targets.get(fragment).or_else(|| {
            let decoded = percent_decode(fragment);
            self.targets.get(decoded.as_str())
        });
        found.map(|(chapter, id)| (*chapter, id.as_str()))
    }
}

/// Makes `raw` a valid XML name without colons (what EPUBCheck requires of ids): invalid
/// characters become `-`, and a name that cannot start as it is gets an `id-` prefix.
pub fn xml_name(raw: &str) -> Option<String> {
    let raw = raw.trim();
    if raw.is_empty() {
        return None;
    }
    let mut id: String =
        raw.chars().map(|c| if is_name_char(c) && c != ':' { c } else { '-' }).collect();
    if !id.chars().next().is_some_and(is_name_start_char) {
        id.insert_str(0, "id-");
    }
    Some(id)
}

fn is_name_start_char(c: char) -> bool {
    matches!(c,
        'A'..='Z' | '_' | 'a'..='z' | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c, '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// What the HTML → XHTML conversion needs to know and record besides the markup.
pub struct Context<'a, 'r> {
    /// Target EPUB version.
    pub version: Version,
    /// The chapter being converted (its index in reading order).
    pub chapter: usize,
    /// Ids of the whole book.
    pub ids: &'a mut IdRegistry,
    /// Embedded images.
    pub images: &'a mut ImageStore<'r>,
    /// Problems found.
    pub warnings: &'a mut Vec<Warning>,
    /// Messages already reported, so each problem is reported once per book.
    pub warned: &'a mut BTreeSet<String>,
}

/// Converts the HTML of a chapter body into EPUB XHTML (in one go; the writer splits the steps).
#[cfg(test)]
pub fn convert(html: &str, context: &mut Context<'_, '_>) -> Fragment {
    convert_parsed(parse_chapter(html), context)
}

/// A chapter body parsed, not yet converted. Parsing needs no shared state, so
/// chapters are parsed in parallel (it is most of the XHTML pass); converting them assigns
/// book-wide ids and images and runs in reading order.
pub struct Parsed {
    nodes: Vec<Node>,
    /// The text of [`NodeData::SharedText`] nodes.
    text: String,
}

/// Parses the HTML of a chapter body (see [`Parsed`]): well-formed markup by the strict
/// parser, which builds the same tree as html5ever in a fraction of the time, anything else by
/// html5ever.
pub fn parse_chapter(html: &str) -> Parsed {
    strict::parse(html).unwrap_or_else(|| Parsed { nodes: parse(html), text: String::new() })
}

/// Converts a parsed chapter body into EPUB XHTML.
pub fn convert_parsed(parsed: Parsed, context: &mut Context<'_, '_>) -> Fragment {
    let nodes = Tree { nodes: &parsed.nodes, text: &parsed.text };
    let mut converter = Converter {
        cx: context,
        out: Fragment::default(),
        counts: Counts::default(),
        dl_last: None,
    };
    let body = find_body(&nodes);
    let state = State {
        ctx: if converter.v2() { Ctx::BlockOnly } else { Ctx::Flow },
        depth: 0,
        in_link: false,
        in_pre: false,
        in_th: false,
        in_header: false,
    };
    if let Some(body) = body {
        converter.children(&nodes, body, state);
    }
    converter.out
}

// ---------------------------------------------------------------------------------------------
// A minimal arena DOM for html5ever's tree builder.

/// A parsed chapter as the conversion reads it: `tree[id]` is a node.
#[derive(Clone, Copy)]
struct Tree<'p> {
    nodes: &'p [Node],
    /// The text of [`NodeData::SharedText`] nodes.
    text: &'p str,
}

impl std::ops::Index<usize> for Tree<'_> {
    type Output = Node;

    fn index(&self, id: usize) -> &Node {
        &self.nodes[id]
    }
}

impl<'p> Tree<'p> {
    fn first(&self) -> Option<&'p Node> {
        self.nodes.first()
    }

    /// The text of a text node (`None` for other nodes).
    fn text(&self, id: usize) -> Option<&'p str> {
        match &self.nodes[id].data {
            NodeData::Text(text) => Some(text),
            NodeData::SharedText(range) => self.text.get(range.clone()),
            _ => None,
        }
    }
}

/// An attribute as the tree keeps it: html5ever's own holds a `StrTendril`, which cannot move
/// to another thread, and parsed chapters do (see [`Parsed`]).
#[derive(Debug)]
struct Attribute {
    name: QualName,
    value: String,
}

impl Attribute {
    fn from_parsed(attribute: html5ever::Attribute) -> Self {
        Attribute { name: attribute.name, value: String::from(&*attribute.value) }
    }
}

#[derive(Debug)]
enum NodeData {
    Document,
    Element {
        name: QualName,
        attrs: Vec<Attribute>,
    },
    Text(String),
    /// Text kept in the tree's shared buffer ([`Parsed::text`]), what the strict parser makes:
    /// one buffer instead of an allocation per text node.
    SharedText(std::ops::Range<usize>),
    /// Comments, processing instructions, template contents: never serialized.
    Ignored,
}

#[derive(Debug)]
struct Node {
    parent: Option<usize>,
    children: Vec<usize>,
    data: NodeData,
}

#[derive(Default)]
struct Arena {
    nodes: RefCell<Vec<Node>>,
}

impl Arena {
    fn push(&self, data: NodeData) -> usize {
        let mut nodes = self.nodes.borrow_mut();
        nodes.push(Node { parent: None, children: Vec::new(), data });
        nodes.len() - 1
    }

    fn detach(nodes: &mut [Node], child: usize) {
        if let Some(parent) = nodes[child].parent.take() {
            nodes[parent].children.retain(|&c| c != child);
        }
    }

    fn insert(&self, parent: usize, position: Option<usize>, child: NodeOrText<usize>) {
        let mut nodes = self.nodes.borrow_mut();
        let index = position.unwrap_or(nodes[parent].children.len());
        match child {
            NodeOrText::AppendText(text) => {
                // Merge with the preceding text node, as browsers do.
                if index > 0 {
                    let previous = nodes[parent].children[index - 1];
                    if let NodeData::Text(existing) = &mut nodes[previous].data {
                        existing.push_str(&text);
                        return;
                    }
                }
                nodes.push(Node {
                    parent: Some(parent),
                    children: Vec::new(),
                    data: NodeData::Text(text.to_string()),
                });
                let id = nodes.len() - 1;
                nodes[parent].children.insert(index, id);
            }
            NodeOrText::AppendNode(node) => {
                Self::detach(&mut nodes, node);
                let index = index.min(nodes[parent].children.len());
                nodes[node].parent = Some(parent);
                nodes[parent].children.insert(index, node);
            }
        }
    }
}

/// An element name handed to the tree builder.
#[derive(Debug)]
struct OwnedName(QualName);

impl ElemName for OwnedName {
    fn ns(&self) -> &Namespace {
        &self.0.ns
    }
    fn local_name(&self) -> &LocalName {
        &self.0.local
    }
}

impl TreeSink for Arena {
    type Handle = usize;
    type Output = Vec<Node>;
    type ElemName<'a> = OwnedName;

    fn finish(self) -> Vec<Node> {
        self.nodes.into_inner()
    }

    fn parse_error(&self, _msg: Cow<'static, str>) {}

    fn get_document(&self) -> usize {
        0
    }

    fn elem_name<'a>(&'a self, target: &'a usize) -> OwnedName {
        match &self.nodes.borrow()[*target].data {
            NodeData::Element { name, .. } => OwnedName(name.clone()),
            _ => OwnedName(QualName::new(None, ns!(), LocalName::from(""))),
        }
    }

    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<html5ever::Attribute>,
        flags: ElementFlags,
    ) -> usize {
        let attrs = attrs.into_iter().map(Attribute::from_parsed).collect();
        let id = self.push(NodeData::Element { name, attrs });
        if flags.template {
            // Template contents live in a detached node that is never serialized.
            let contents = self.push(NodeData::Ignored);
            self.nodes.borrow_mut()[contents].parent = None;
        }
        id
    }

    fn create_comment(&self, _text: StrTendril) -> usize {
        self.push(NodeData::Ignored)
    }

    fn create_pi(&self, _target: StrTendril, _data: StrTendril) -> usize {
        self.push(NodeData::Ignored)
    }

    fn append(&self, parent: &usize, child: NodeOrText<usize>) {
        self.insert(*parent, None, child);
    }

    fn append_based_on_parent_node(
        &self,
        element: &usize,
        prev_element: &usize,
        child: NodeOrText<usize>,
    ) {
        let has_parent = self.nodes.borrow()[*element].parent.is_some();
        if has_parent {
            self.append_before_sibling(element, child);
        } else {
            self.append(prev_element, child);
        }
    }

    fn append_doctype_to_document(&self, _: StrTendril, _: StrTendril, _: StrTendril) {}

    fn get_template_contents(&self, target: &usize) -> usize {
        // The contents node is created right after its template element.
        *target + 1
    }

    fn same_node(&self, x: &usize, y: &usize) -> bool {
        x == y
    }

    fn set_quirks_mode(&self, _mode: QuirksMode) {}

    fn append_before_sibling(&self, sibling: &usize, new_node: NodeOrText<usize>) {
        let (parent, index) = {
            let nodes = self.nodes.borrow();
            let Some(parent) = nodes[*sibling].parent else { return };
            let index = nodes[parent].children.iter().position(|c| c == sibling).unwrap_or(0);
            (parent, index)
        };
        self.insert(parent, Some(index), new_node);
    }

    fn add_attrs_if_missing(&self, target: &usize, attrs: Vec<html5ever::Attribute>) {
        if let NodeData::Element { attrs: existing, .. } =
            &mut self.nodes.borrow_mut()[*target].data
        {
            for attr in attrs {
                if !existing.iter().any(|a| a.name == attr.name) {
                    existing.push(Attribute::from_parsed(attr));
                }
            }
        }
    }

    fn remove_from_parent(&self, target: &usize) {
        Arena::detach(&mut self.nodes.borrow_mut(), *target);
    }

    fn reparent_children(&self, node: &usize, new_parent: &usize) {
        let mut nodes = self.nodes.borrow_mut();
        let children = std::mem::take(&mut nodes[*node].children);
        for &child in &children {
            nodes[child].parent = Some(*new_parent);
        }
        nodes[*new_parent].children.extend(children);
    }
}

fn parse(html: &str) -> Vec<Node> {
    let arena = Arena::default();
    arena.push(NodeData::Document);
    let mut document = String::with_capacity(html.len() + 64);
    document.push_str("<!DOCTYPE html><html><head></head><body>");
    document.push_str(html);
    html5ever::parse_document(arena, ParseOpts::default()).one(StrTendril::from(document))
}

fn find_body(nodes: &Tree<'_>) -> Option<usize> {
    let html =
        nodes.first()?.children.iter().copied().find(|&c| is_html_element(nodes, c, "html"))?;
    nodes[html].children.iter().copied().find(|&c| is_html_element(nodes, c, "body"))
}

fn is_html_element(nodes: &Tree<'_>, id: usize, local: &str) -> bool {
    matches!(&nodes[id].data, NodeData::Element { name, .. } if name.ns == ns!(html) && &*name.local == local)
}

// ---------------------------------------------------------------------------------------------
// Serialization with content-model repair.

/// What content the current parent accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    /// Blocks and text.
    Flow,
    /// Blocks only (EPUB 2 `<body>`, `<blockquote>`): text is wrapped in a `<div>`.
    BlockOnly,
    /// Text and inline elements only.
    Phrasing,
    /// `<ul>`/`<ol>`: list items only.
    List,
    /// `<dl>`: terms and definitions only.
    DefList,
    /// `<thead>`/`<tbody>`: rows only.
    Rows,
    /// `<tr>`: cells only.
    Cells,
    /// `<colgroup>`: columns only.
    Columns,
    /// `<ruby>` (EPUB 3): text plus `<rt>`/`<rp>`.
    Ruby,
}

#[derive(Debug, Clone, Copy)]
struct State {
    ctx: Ctx,
    depth: usize,
    in_link: bool,
    in_pre: bool,
    in_th: bool,
    in_header: bool,
}

impl State {
    fn with(self, ctx: Ctx) -> State {
        State { ctx, depth: self.depth + 1, ..self }
    }
}

/// How many structural children were written, to drop containers left empty.
#[derive(Debug, Default, Clone, Copy)]
struct Counts {
    items: usize,
    rows: usize,
    cells: usize,
}

/// What an element becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Removed with its content (scripts, forms, media): reported.
    Drop,
    /// Removed with its content silently (metadata that has no place in a body).
    DropSilently,
    /// Replaced by its content.
    Unwrap,
    /// An inline element, written under the given name.
    Inline(&'static str),
    /// A block element whose content is of the given kind.
    Block(&'static str, Ctx),
    /// `<br>`, `<wbr>`.
    InlineVoid(&'static str),
    /// `<hr>`.
    Rule,
    Anchor,
    Image,
    Input,
    List(&'static str),
    ListItem,
    DefList,
    Term,
    Definition,
    Table,
    Caption,
    ColGroup,
    Col,
    RowGroup(&'static str),
    Row,
    Cell(&'static str),
    Figure,
    FigCaption,
    Details,
    Summary,
    Ruby,
    RubyPart(&'static str),
    Math,
}

impl Kind {
    fn is_inline(self) -> bool {
        matches!(
            self,
            Kind::Inline(_)
                | Kind::InlineVoid(_)
                | Kind::Anchor
                | Kind::Image
                | Kind::Input
                | Kind::Ruby
                | Kind::Math
        )
    }
}

fn classify(local: &str, v2: bool) -> Kind {
    let v3 = |name: &'static str, fallback: &'static str| if v2 { fallback } else { name };
    match local {
        "a" => Kind::Anchor,
        "img" => Kind::Image,
        "input" => Kind::Input,
        "abbr" | "b" | "cite" | "code" | "dfn" | "em" | "i" | "kbd" | "q" | "samp" | "small"
        | "span" | "strong" | "sub" | "sup" | "var" | "del" | "ins" | "bdo" => {
            Kind::Inline(static_name(local))
        }
        "acronym" => Kind::Inline("abbr"),
        "tt" => Kind::Inline("code"),
        "strike" => Kind::Inline("del"),
        "s" => Kind::Inline(v3("s", "del")),
        "u" => Kind::Inline(v3("u", "span")),
        "mark" => Kind::Inline(v3("mark", "span")),
        "bdi" => Kind::Inline(v3("bdi", "span")),
        "big" | "time" | "data" | "meter" | "progress" | "output" | "label" | "font" | "nobr"
        | "blink" | "marquee" | "legend" => Kind::Inline("span"),
        "br" => Kind::InlineVoid("br"),
        "wbr" => {
            if v2 {
                Kind::DropSilently
            } else {
                Kind::InlineVoid("wbr")
            }
        }
        "ruby" if !v2 => Kind::Ruby,
        "ruby" => Kind::Inline("span"),
        "rt" | "rp" if !v2 => Kind::RubyPart(static_name(local)),
        "rt" | "rp" => Kind::Inline("span"),
        "p" => Kind::Block("p", Ctx::Phrasing),
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Kind::Block(static_name(local), Ctx::Phrasing),
        "pre" | "listing" | "xmp" | "plaintext" => Kind::Block("pre", Ctx::Phrasing),
        "address" => Kind::Block("address", Ctx::Phrasing),
        "div" | "main" | "nav" | "center" | "hgroup" | "fieldset" | "form" | "search"
        | "dialog" => Kind::Block("div", Ctx::Flow),
        "menu" => Kind::List("ul"),
        "blockquote" => Kind::Block("blockquote", if v2 { Ctx::BlockOnly } else { Ctx::Flow }),
        "section" | "article" | "aside" => Kind::Block(v3(static_name(local), "div"), Ctx::Flow),
        "header" | "footer" => Kind::Block(v3(static_name(local), "div"), Ctx::Flow),
        "hr" => Kind::Rule,
        "ul" | "ol" => Kind::List(static_name(local)),
        "dir" => Kind::List("ul"),
        "li" => Kind::ListItem,
        "dl" => Kind::DefList,
        "dt" => Kind::Term,
        "dd" => Kind::Definition,
        "table" => Kind::Table,
        "caption" => Kind::Caption,
        "colgroup" => Kind::ColGroup,
        "col" => Kind::Col,
        "thead" | "tbody" | "tfoot" => Kind::RowGroup(static_name(local)),
        "tr" => Kind::Row,
        "td" | "th" => Kind::Cell(static_name(local)),
        "figure" => Kind::Figure,
        "figcaption" => Kind::FigCaption,
        "details" => Kind::Details,
        "summary" => Kind::Summary,
        "html" | "body" | "picture" | "slot" | "noembed" | "noframes" => Kind::Unwrap,
        "head" | "title" | "meta" | "link" | "base" | "source" | "track" | "param" | "area" => {
            Kind::DropSilently
        }
        "script" | "style" | "template" | "noscript" | "iframe" | "object" | "embed" | "applet"
        | "frame" | "frameset" | "video" | "audio" | "canvas" | "map" | "button" | "select"
        | "textarea" | "datalist" | "option" | "optgroup" | "image" | "svg" | "portal" => {
            Kind::Drop
        }
        _ => Kind::Unwrap,
    }
}

/// The `&'static str` for element names we write under their own name.
fn static_name(local: &str) -> &'static str {
    const NAMES: &[&str] = &[
        "abbr", "b", "cite", "code", "dfn", "em", "i", "kbd", "q", "samp", "small", "span",
        "strong", "sub", "sup", "var", "del", "ins", "bdo", "h1", "h2", "h3", "h4", "h5", "h6",
        "section", "article", "aside", "header", "footer", "ul", "ol", "thead", "tbody", "tfoot",
        "td", "th", "rt", "rp", "s", "u", "mark", "bdi",
    ];
    NAMES.iter().find(|n| **n == local).copied().unwrap_or("span")
}

/// Roles the HTML writer uses that are valid on these elements in EPUB 3.
const ROLES: &[(&str, &str)] = &[
    ("a", "doc-noteref"),
    ("a", "doc-backlink"),
    ("section", "doc-endnotes"),
    ("aside", "doc-footnote"),
    ("div", "note"),
];

/// `epub:type` values (EPUB 3 Structural Semantics) kept on these elements.
const EPUB_TYPES: &[(&str, &str)] = &[
    ("a", "noteref"),
    ("aside", "footnote"),
    ("aside", "endnote"),
    ("section", "footnotes"),
    ("section", "endnotes"),
];

struct Converter<'c, 'a, 'r> {
    cx: &'c mut Context<'a, 'r>,
    out: Fragment,
    counts: Counts,
    /// The last item written in the innermost open `<dl>`.
    dl_last: Option<DlItem>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DlItem {
    Term,
    Definition,
}

impl Converter<'_, '_, '_> {
    fn v2(&self) -> bool {
        self.cx.version == Version::V2
    }

    fn warn_once(&mut self, key: String, message: String) {
        if self.cx.warned.insert(key) {
            self.cx.warnings.push(Warning::new(WarningKind::Unsupported, message));
        }
    }

    fn children(&mut self, nodes: &Tree<'_>, parent: usize, state: State) {
        let mut wrapper: Option<&'static str> = None;
        for &child in &nodes[parent].children {
            let fits = self.fits(nodes, child, state.ctx);
            let blank = nodes.text(child).is_some_and(|t| t.trim().is_empty());
            let needs_wrapper = match state.ctx {
                Ctx::List | Ctx::DefList | Ctx::BlockOnly => !fits && !blank,
                _ => false,
            };
            if needs_wrapper {
                if wrapper.is_none() {
                    let tag = match state.ctx {
                        Ctx::List => {
                            self.counts.items += 1;
                            "li"
                        }
                        Ctx::DefList => {
                            self.counts.items += 1;
                            self.before_definition_item(false);
                            "dd"
                        }
                        _ => "div",
                    };
                    self.open(tag);
                    wrapper = Some(tag);
                }
                self.node(nodes, child, state.with(Ctx::Flow));
                continue;
            }
            if let Some(tag) = wrapper {
                if !blank {
                    self.close(tag);
                    wrapper = None;
                }
            }
            if blank
                && wrapper.is_none()
                && !matches!(state.ctx, Ctx::Flow | Ctx::Phrasing | Ctx::Ruby)
            {
                // Whitespace between structural elements carries nothing; leave it out.
                continue;
            }
            self.node(nodes, child, state);
        }
        if let Some(tag) = wrapper {
            self.close(tag);
        }
    }

    /// Whether `child` may appear directly in `ctx` (blank text always may).
    fn fits(&self, nodes: &Tree<'_>, child: usize, ctx: Ctx) -> bool {
        let kind = match &nodes[child].data {
            NodeData::Text(_) | NodeData::SharedText(_) => {
                return !matches!(ctx, Ctx::List | Ctx::DefList | Ctx::BlockOnly)
            }
            NodeData::Element { name, .. } if name.ns == ns!(html) => {
                classify(&name.local, self.v2())
            }
            NodeData::Element { name, .. } if name.ns == ns!(mathml) => Kind::Math,
            _ => return true,
        };
        match kind {
            Kind::Drop | Kind::DropSilently | Kind::Unwrap => true,
            _ => match ctx {
                Ctx::List => kind == Kind::ListItem,
                Ctx::DefList => matches!(kind, Kind::Term | Kind::Definition),
                Ctx::BlockOnly => !kind.is_inline(),
                _ => true,
            },
        }
    }

    fn node(&mut self, nodes: &Tree<'_>, id: usize, state: State) {
        match &nodes[id].data {
            NodeData::Text(_) | NodeData::SharedText(_) => {
                if matches!(state.ctx, Ctx::Flow | Ctx::Phrasing | Ctx::Ruby | Ctx::BlockOnly) {
                    push_text_escaped(&mut self.out.text, nodes.text(id).unwrap_or_default());
                }
            }
            NodeData::Element { name, attrs } => {
                if state.depth > MAX_DEPTH {
                    if matches!(state.ctx, Ctx::Flow | Ctx::Phrasing | Ctx::Ruby) {
                        self.text_content(nodes, id);
                    }
                    return;
                }
                if name.ns == ns!(html) {
                    let kind = classify(&name.local, self.v2());
                    self.element(nodes, id, &name.local, attrs, kind, state);
                } else if name.ns == ns!(mathml) && &*name.local == "math" {
                    self.math(nodes, id, attrs, state);
                } else {
                    let what = name.local.to_string();
                    self.warn_once(
                        format!("element {what}"),
                        format!("embedded <{what}> markup is not supported in EPUB output and was dropped"),
                    );
                }
            }
            NodeData::Document | NodeData::Ignored => {}
        }
    }

    /// Writes only the text inside `id`, without recursion.
    fn text_content(&mut self, nodes: &Tree<'_>, id: usize) {
        let mut stack = vec![id];
        while let Some(node) = stack.pop() {
            match &nodes[node].data {
                NodeData::Text(_) | NodeData::SharedText(_) => {
                    push_text_escaped(&mut self.out.text, nodes.text(node).unwrap_or_default());
                }
                NodeData::Element { name, .. }
                    if matches!(&*name.local, "script" | "style" | "template") => {}
                _ => stack.extend(nodes[node].children.iter().rev()),
            }
        }
    }

    fn element(
        &mut self,
        nodes: &Tree<'_>,
        id: usize,
        local: &str,
        attrs: &[Attribute],
        kind: Kind,
        state: State,
    ) {
        let v2 = self.v2();
        let ctx = state.ctx;
        let phrasing = matches!(ctx, Ctx::Phrasing | Ctx::Ruby);
        let structural_fit = match ctx {
            Ctx::Rows => matches!(kind, Kind::Row),
            Ctx::Cells => matches!(kind, Kind::Cell(_)),
            Ctx::Columns => matches!(kind, Kind::Col),
            _ => true,
        };
        if !structural_fit {
            if kind == Kind::Unwrap {
                self.children(nodes, id, state.with(ctx));
            }
            return;
        }
        match kind {
            Kind::Drop => {
                self.warn_once(
                    format!("element {local}"),
                    format!("raw HTML <{local}> cannot be shown in an EPUB and was dropped"),
                );
            }
            Kind::DropSilently => {}
            Kind::Unwrap => self.children(nodes, id, state.with(ctx)),
            Kind::Inline(_) | Kind::Anchor if !phrasing && self.contains_block(nodes, id, 0) => {
                // An inline element around blocks (`<b>` left open before a heading, which the
                // HTML parser carries into the following blocks): keep the blocks, lose the
                // inline element.
                self.children(nodes, id, state.with(ctx));
            }
            Kind::Inline(tag) => {
                let tag = if tag == "bdo" && !attrs.iter().any(|a| attr_is(a, "dir")) {
                    "span"
                } else {
                    tag
                };
                let unwrap_in_pre = v2 && state.in_pre && matches!(tag, "small" | "sub" | "sup");
                if unwrap_in_pre {
                    self.children(nodes, id, state.with(Ctx::Phrasing));
                    return;
                }
                self.open_with(tag, attrs, id);
                self.children(nodes, id, state.with(Ctx::Phrasing));
                self.close(tag);
            }
            Kind::InlineVoid(tag) => {
                self.out.text.push('<');
                self.out.text.push_str(tag);
                self.out.text.push_str(" />");
            }
            Kind::Anchor => self.anchor(nodes, id, attrs, state),
            Kind::Image => self.image(attrs, state),
            Kind::Input => self.input(attrs, state),
            Kind::Math => self.math(nodes, id, attrs, state),
            Kind::Ruby => {
                if phrasing || matches!(ctx, Ctx::Flow) {
                    self.open_with("ruby", attrs, id);
                    self.children(nodes, id, state.with(Ctx::Ruby));
                    self.close("ruby");
                } else {
                    self.children(nodes, id, state.with(Ctx::Phrasing));
                }
            }
            Kind::RubyPart(tag) => {
                let tag = if ctx == Ctx::Ruby { tag } else { "span" };
                self.open_with(tag, attrs, id);
                self.children(nodes, id, state.with(Ctx::Phrasing));
                self.close(tag);
            }
            _ if phrasing => {
                // A block where only inline content may go: keep its content, lose the box.
                if matches!(kind, Kind::Rule | Kind::ColGroup | Kind::Col) {
                    return;
                }
                self.children(nodes, id, state.with(ctx));
            }
            Kind::Block(tag, inner) => {
                let heading = tag.len() == 2 && tag.starts_with('h');
                // HTML5 allows no headings or sectioning in `<th>`, and no `<header>`/`<footer>`
                // inside another.
                let sectioning =
                    heading || matches!(tag, "section" | "article" | "aside" | "header" | "footer");
                let nested_header = matches!(tag, "header" | "footer") && state.in_header;
                let tag = if (sectioning && state.in_th) || nested_header { "div" } else { tag };
                let inner_state = State {
                    in_pre: state.in_pre || tag == "pre",
                    in_header: state.in_header || matches!(tag, "header" | "footer" | "address"),
                    ..state.with(inner)
                };
                let inner = if heading && state.in_th { Ctx::Flow } else { inner };
                self.open_with(tag, attrs, id);
                self.children(nodes, id, State { ctx: inner, ..inner_state });
                self.close(tag);
            }
            Kind::Rule => self.out.text.push_str("<hr />"),
            Kind::List(tag) => {
                let start = self.out.text.len();
                let links = self.out.links.len();
                let saved = std::mem::take(&mut self.counts);
                self.open_with(tag, attrs, id);
                self.children(nodes, id, state.with(Ctx::List));
                self.close(tag);
                if self.counts.items == 0 {
                    self.truncate(start, links);
                }
                self.counts = saved;
            }
            Kind::ListItem => {
                if ctx == Ctx::List {
                    self.counts.items += 1;
                    self.open_with("li", attrs, id);
                } else {
                    self.open_with("div", attrs, id);
                }
                self.children(nodes, id, state.with(Ctx::Flow));
                self.close(if ctx == Ctx::List { "li" } else { "div" });
            }
            Kind::DefList => self.definition_list(nodes, id, attrs, state),
            Kind::Term | Kind::Definition => {
                let (tag, inner) = match (kind, ctx == Ctx::DefList) {
                    (Kind::Term, true) => ("dt", Ctx::Phrasing),
                    (_, true) => ("dd", Ctx::Flow),
                    (Kind::Term, false) => ("p", Ctx::Phrasing),
                    _ => ("div", Ctx::Flow),
                };
                if ctx == Ctx::DefList {
                    self.counts.items += 1;
                    self.before_definition_item(kind == Kind::Term);
                }
                self.open_with(tag, attrs, id);
                self.children(nodes, id, state.with(inner));
                self.close(tag);
            }
            Kind::Table => self.table(nodes, id, attrs, state),
            Kind::Caption
            | Kind::ColGroup
            | Kind::Col
            | Kind::RowGroup(_)
            | Kind::Row
            | Kind::Cell(_)
                if !matches!(ctx, Ctx::Rows | Ctx::Cells | Ctx::Columns) =>
            {
                // Table parts outside a table: keep the content.
                self.children(nodes, id, state.with(ctx));
            }
            Kind::Caption | Kind::ColGroup | Kind::RowGroup(_) => {
                // Handled in order by `table`; reaching here means a misplaced part.
            }
            Kind::Col => {
                if ctx == Ctx::Columns {
                    self.out.text.push_str("<col");
                    push_span_attr(&mut self.out.text, attrs, "span");
                    self.out.text.push_str(" />");
                }
            }
            Kind::Row => {
                if ctx != Ctx::Rows {
                    return;
                }
                let start = self.out.text.len();
                let links = self.out.links.len();
                let cells = self.counts.cells;
                self.open_with("tr", attrs, id);
                self.children(nodes, id, state.with(Ctx::Cells));
                self.close("tr");
                if self.counts.cells == cells {
                    self.truncate(start, links);
                } else {
                    self.counts.rows += 1;
                }
            }
            Kind::Cell(tag) => {
                if ctx != Ctx::Cells {
                    return;
                }
                self.counts.cells += 1;
                self.out.text.push('<');
                self.out.text.push_str(tag);
                self.common_attrs(attrs, tag, id);
                push_span_attr(&mut self.out.text, attrs, "colspan");
                push_span_attr(&mut self.out.text, attrs, "rowspan");
                if tag == "th" {
                    if let Some(scope) = attr_value(attrs, "scope") {
                        let scope = scope.trim().to_ascii_lowercase();
                        if matches!(scope.as_str(), "row" | "col" | "rowgroup" | "colgroup") {
                            self.out.text.push_str(" scope=\"");
                            self.out.text.push_str(&scope);
                            self.out.text.push('"');
                        }
                    }
                }
                self.out.text.push('>');
                let inner = State { in_th: state.in_th || tag == "th", ..state.with(Ctx::Flow) };
                self.children(nodes, id, inner);
                self.close(tag);
            }
            Kind::Figure => {
                let tag = if v2 { "div" } else { "figure" };
                self.open_with(tag, attrs, id);
                self.children(nodes, id, state.with(Ctx::Flow));
                self.close(tag);
            }
            Kind::FigCaption => {
                let parent_is_figure =
                    nodes[id].parent.is_some_and(|p| is_html_element(nodes, p, "figure"));
                let (first, last) = edge_element_children(nodes, id);
                let edge = first == Some(id) || last == Some(id);
                let tag = if !v2 && parent_is_figure && edge && ctx == Ctx::Flow {
                    "figcaption"
                } else {
                    "div"
                };
                self.open_with(tag, attrs, id);
                self.children(nodes, id, state.with(Ctx::Flow));
                self.close(tag);
            }
            Kind::Details => {
                let tag = if v2 { "div" } else { "details" };
                self.out.text.push('<');
                self.out.text.push_str(tag);
                self.common_attrs(attrs, tag, id);
                if !v2 && attrs.iter().any(|a| attr_is(a, "open")) {
                    self.out.text.push_str(" open=\"open\"");
                }
                self.out.text.push('>');
                self.children(nodes, id, state.with(Ctx::Flow));
                self.close(tag);
            }
            Kind::Summary => {
                let first_in_details =
                    nodes[id].parent.is_some_and(|p| is_html_element(nodes, p, "details"))
                        && edge_element_children(nodes, id).0 == Some(id);
                let tag = if !v2 && first_in_details { "summary" } else { "p" };
                self.open_with(tag, attrs, id);
                self.children(nodes, id, state.with(Ctx::Phrasing));
                self.close(tag);
            }
        }
    }

    /// True when a child of `id` (looking through unwrapped elements) is a block.
    fn contains_block(&self, nodes: &Tree<'_>, id: usize, depth: usize) -> bool {
        if depth > 8 {
            return false;
        }
        nodes[id].children.iter().any(|&child| match &nodes[child].data {
            NodeData::Element { name, .. } if name.ns == ns!(html) => {
                match classify(&name.local, self.v2()) {
                    Kind::Drop | Kind::DropSilently => false,
                    Kind::Unwrap => self.contains_block(nodes, child, depth + 1),
                    kind => !kind.is_inline(),
                }
            }
            _ => false,
        })
    }

    fn anchor(&mut self, nodes: &Tree<'_>, id: usize, attrs: &[Attribute], state: State) {
        if state.in_link {
            // Links cannot nest: keep the inner link's text.
            self.children(nodes, id, state.with(Ctx::Phrasing));
            return;
        }
        self.out.text.push_str("<a");
        match attr_value(attrs, "href").map(|href| self.classify_href(href)) {
            Some(Href::Fragment(fragment)) => {
                let offset = self.out.text.len();
                self.out.links.push((offset, fragment));
            }
            Some(Href::External(url)) => {
                self.out.text.push_str(" href=\"");
                push_attr_escaped(&mut self.out.text, &url);
                self.out.text.push('"');
            }
            Some(Href::Dropped) | None => {}
        }
        // `<a name="x">` is how old HTML sets anchors; it becomes an id.
        let named = attr_value(attrs, "name").filter(|_| attr_value(attrs, "id").is_none());
        if let Some(name) = named {
            if let Some(final_id) = self.cx.ids.register(name, self.cx.chapter) {
                self.out.text.push_str(" id=\"");
                push_attr_escaped(&mut self.out.text, &final_id);
                self.out.text.push('"');
            }
        }
        self.common_attrs(attrs, "a", id);
        if let Some(title) = attr_value(attrs, "title") {
            self.out.text.push_str(" title=\"");
            push_attr_escaped(&mut self.out.text, title);
            self.out.text.push('"');
        }
        if !self.v2() {
            if let Some(label) = attr_value(attrs, "aria-label") {
                self.out.text.push_str(" aria-label=\"");
                push_attr_escaped(&mut self.out.text, label);
                self.out.text.push('"');
            }
        }
        self.out.text.push('>');
        self.children(nodes, id, State { in_link: true, ..state.with(Ctx::Phrasing) });
        self.close("a");
    }

    fn classify_href(&mut self, href: &str) -> Href {
        let href = href.trim();
        if let Some(fragment) = href.strip_prefix('#') {
            return if fragment.is_empty() {
                Href::Dropped
            } else {
                Href::Fragment(fragment.to_string())
            };
        }
        match url_scheme(href) {
            Some(scheme) if matches!(scheme.as_str(), "http" | "https" | "ftp" | "ftps") => {
                let rest = &href[scheme.len() + 1..];
                let host =
                    rest.strip_prefix("//").map(|r| r.split(['/', '?', '#']).next().unwrap_or(""));
                match host {
                    Some(authority) if is_valid_authority(authority) => {
                        Href::External(encode_url(href))
                    }
                    _ => {
                        self.warn_once(
                            format!("href {href}"),
                            format!("link to '{href}' is not a valid URL; kept as plain text"),
                        );
                        Href::Dropped
                    }
                }
            }
            Some(scheme)
                if matches!(scheme.as_str(), "mailto" | "tel") && href.len() > scheme.len() + 1 =>
            {
                Href::External(encode_url(href))
            }
            Some(_) => {
                self.warn_once(
                    format!("href {href}"),
                    format!("link to '{href}' uses a scheme e-readers cannot follow; kept as plain text"),
                );
                Href::Dropped
            }
            None => {
                self.warn_once(
                    format!("href {href}"),
                    format!(
                        "link to '{href}' points to a file outside the book; kept as plain text"
                    ),
                );
                Href::Dropped
            }
        }
    }

    fn image(&mut self, attrs: &[Attribute], state: State) {
        let alt = attr_value(attrs, "alt").unwrap_or("").trim().to_string();
        let src = attr_value(attrs, "src").unwrap_or("").trim().to_string();
        let path = if src.is_empty() { None } else { self.cx.images.resolve(&src) };
        let placeholder = || -> String {
            if alt.is_empty() {
                if src.is_empty() {
                    "[image]".to_string()
                } else {
                    format!("[image: {src}]")
                }
            } else {
                format!("[{alt}]")
            }
        };
        match path {
            Some(path) if !(self.v2() && state.in_pre) => {
                self.out.text.push_str("<img src=\"");
                push_attr_escaped(&mut self.out.text, &encode_url(&path));
                self.out.text.push_str("\" alt=\"");
                push_attr_escaped(&mut self.out.text, &alt);
                self.out.text.push('"');
                if let Some(title) = attr_value(attrs, "title") {
                    self.out.text.push_str(" title=\"");
                    push_attr_escaped(&mut self.out.text, title);
                    self.out.text.push('"');
                }
                for dimension in ["width", "height"] {
                    if let Some(value) = attr_value(attrs, dimension) {
                        let value = value.trim();
                        if !value.is_empty()
                            && value.len() < 6
                            && value.bytes().all(|b| b.is_ascii_digit())
                        {
                            self.out.text.push_str(&format!(" {dimension}=\"{value}\""));
                        }
                    }
                }
                self.out.text.push_str(" />");
            }
            _ => {
                self.out.text.push_str("<span class=\"image-missing\">");
                push_text_escaped(&mut self.out.text, &placeholder());
                self.out.text.push_str("</span>");
            }
        }
    }

    fn input(&mut self, attrs: &[Attribute], state: State) {
        let checkbox =
            attr_value(attrs, "type").is_some_and(|t| t.trim().eq_ignore_ascii_case("checkbox"));
        if !checkbox {
            self.warn_once(
                "element input".to_string(),
                "raw HTML form fields cannot be shown in an EPUB and were dropped".to_string(),
            );
            return;
        }
        let checked = attrs.iter().any(|a| attr_is(a, "checked"));
        if self.v2() || state.in_link {
            self.out.text.push_str(if checked { "☑" } else { "☐" });
            return;
        }
        self.out.text.push_str("<input type=\"checkbox\" disabled=\"disabled\"");
        if checked {
            self.out.text.push_str(" checked=\"checked\"");
        }
        self.out.text.push_str(" />");
    }

    /// MathML is kept only when folio generated it (marked `data-folio-math`), in EPUB 3; other
    /// MathML cannot be trusted to be valid and is reduced to its text.
    fn math(&mut self, nodes: &Tree<'_>, id: usize, attrs: &[Attribute], state: State) {
        let ours = attrs.iter().any(|a| attr_is(a, "data-folio-math"));
        if !ours || self.v2() {
            if !ours {
                self.warn_once(
                    "element math".to_string(),
                    "raw MathML in the input was reduced to its text".to_string(),
                );
            }
            if matches!(state.ctx, Ctx::Flow | Ctx::Phrasing | Ctx::Ruby) {
                self.text_content(nodes, id);
            }
            return;
        }
        self.out.has_mathml = true;
        self.out.text.push_str("<math xmlns=\"http://www.w3.org/1998/Math/MathML\"");
        for attr in attrs {
            if &*attr.name.local == "display" {
                let value = if attr.value.trim() == "block" { "block" } else { "inline" };
                self.out.text.push_str(&format!(" display=\"{value}\""));
            }
        }
        self.out.text.push('>');
        self.mathml_children(nodes, id, state.depth + 1);
        self.out.text.push_str("</math>");
    }

    fn mathml_children(&mut self, nodes: &Tree<'_>, id: usize, depth: usize) {
        for &child in &nodes[id].children {
            match &nodes[child].data {
                NodeData::Text(_) | NodeData::SharedText(_) => {
                    push_text_escaped(&mut self.out.text, nodes.text(child).unwrap_or_default());
                }
                NodeData::Element { name, attrs }
                    if name.ns == ns!(mathml) && depth < MAX_DEPTH =>
                {
                    let local: &str = &name.local;
                    if local.is_empty()
                        || !local.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                    {
                        continue;
                    }
                    self.out.text.push('<');
                    self.out.text.push_str(local);
                    for attr in attrs {
                        let key: &str = &attr.name.local;
                        if attr.name.ns == ns!()
                            && !key.is_empty()
                            && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
                            && !key.starts_with("on")
                        {
                            self.out.text.push(' ');
                            self.out.text.push_str(key);
                            self.out.text.push_str("=\"");
                            push_attr_escaped(&mut self.out.text, &attr.value);
                            self.out.text.push('"');
                        }
                    }
                    self.out.text.push('>');
                    self.mathml_children(nodes, child, depth + 1);
                    self.out.text.push_str("</");
                    self.out.text.push_str(local);
                    self.out.text.push('>');
                }
                _ => {}
            }
        }
    }

    fn definition_list(&mut self, nodes: &Tree<'_>, id: usize, attrs: &[Attribute], state: State) {
        let start = self.out.text.len();
        let links = self.out.links.len();
        let saved = std::mem::take(&mut self.counts);
        let saved_last = self.dl_last.take();
        self.open_with("dl", attrs, id);
        self.children(nodes, id, state.with(Ctx::DefList));
        if self.counts.items == 0 {
            self.truncate(start, links);
            self.counts = saved;
            self.dl_last = saved_last;
            return;
        }
        if self.dl_last == Some(DlItem::Term) {
            self.out.text.push_str("<dd></dd>");
        }
        self.close("dl");
        self.counts = saved;
        self.dl_last = saved_last;
    }

    /// HTML5 wants each definition group as terms followed by definitions: a definition with
    /// no term before it gets an empty one.
    fn before_definition_item(&mut self, term: bool) {
        if !term && self.dl_last.is_none() && !self.v2() {
            self.out.text.push_str("<dt></dt>");
        }
        self.dl_last = Some(if term { DlItem::Term } else { DlItem::Definition });
    }

    fn table(&mut self, nodes: &Tree<'_>, id: usize, attrs: &[Attribute], state: State) {
        let start = self.out.text.len();
        let links = self.out.links.len();
        let rows_before = self.counts.rows;
        self.open_with("table", attrs, id);
        let mut stage = 0; // 0: caption allowed, 1: colgroups, 2: thead, 3: bodies
                           // XHTML 1.1 needs a body group: a header-only table's header becomes its body.
        let has_body = nodes[id]
            .children
            .iter()
            .any(|&c| is_html_element(nodes, c, "tbody") || is_html_element(nodes, c, "tfoot"));
        let head_tag = if self.v2() && !has_body { "tbody" } else { "thead" };
        for &child in &nodes[id].children {
            let NodeData::Element { name, attrs: child_attrs } = &nodes[child].data else {
                continue;
            };
            if name.ns != ns!(html) {
                continue;
            }
            match &*name.local {
                "caption" if stage == 0 => {
                    stage = 1;
                    self.open_with("caption", child_attrs, child);
                    self.children(nodes, child, state.with(Ctx::Phrasing));
                    self.close("caption");
                }
                "colgroup" if stage <= 1 => {
                    stage = 1;
                    self.out.text.push_str("<colgroup");
                    push_span_attr(&mut self.out.text, child_attrs, "span");
                    self.out.text.push('>');
                    self.children(nodes, child, state.with(Ctx::Columns));
                    self.close("colgroup");
                }
                "thead" if stage <= 2 => {
                    stage = 3;
                    self.row_group(nodes, child, head_tag, child_attrs, state);
                }
                "thead" | "tbody" | "tfoot" => {
                    stage = 3;
                    self.row_group(nodes, child, "tbody", child_attrs, state);
                }
                "tr" => {
                    // Not produced by the HTML parser, which always adds a row group.
                    stage = 3;
                }
                _ => {}
            }
        }
        self.close("table");
        if self.counts.rows == rows_before {
            self.truncate(start, links);
        }
    }

    fn row_group(
        &mut self,
        nodes: &Tree<'_>,
        id: usize,
        tag: &str,
        attrs: &[Attribute],
        state: State,
    ) {
        let start = self.out.text.len();
        let links = self.out.links.len();
        let rows = self.counts.rows;
        self.open_with(tag, attrs, id);
        self.children(nodes, id, state.with(Ctx::Rows));
        self.close(tag);
        if self.counts.rows == rows {
            self.truncate(start, links);
        }
    }

    fn truncate(&mut self, text_len: usize, links_len: usize) {
        self.out.text.truncate(text_len);
        self.out.links.truncate(links_len);
    }

    fn open(&mut self, tag: &str) {
        self.out.text.push('<');
        self.out.text.push_str(tag);
        self.out.text.push('>');
    }

    fn close(&mut self, tag: &str) {
        self.out.text.push_str("</");
        self.out.text.push_str(tag);
        self.out.text.push('>');
    }

    /// Opens `tag` with the attributes it may keep; returns the offset of the tag.
    fn open_with(&mut self, tag: &str, attrs: &[Attribute], node: usize) -> usize {
        let start = self.out.text.len();
        self.out.text.push('<');
        self.out.text.push_str(tag);
        self.common_attrs(attrs, tag, node);
        match tag {
            "ol" if !self.v2() => {
                if let Some(start) =
                    attr_value(attrs, "start").and_then(|s| s.trim().parse::<i64>().ok())
                {
                    self.out.text.push_str(&format!(" start=\"{start}\""));
                }
                if let Some(kind) = attr_value(attrs, "type").map(str::trim) {
                    if matches!(kind, "1" | "a" | "A" | "i" | "I") {
                        self.out.text.push_str(&format!(" type=\"{kind}\""));
                    }
                }
                if attrs.iter().any(|a| attr_is(a, "reversed")) {
                    self.out.text.push_str(" reversed=\"reversed\"");
                }
            }
            "li" if !self.v2() => {
                if let Some(value) =
                    attr_value(attrs, "value").and_then(|s| s.trim().parse::<i64>().ok())
                {
                    self.out.text.push_str(&format!(" value=\"{value}\""));
                }
            }
            "abbr" => {
                if let Some(title) = attr_value(attrs, "title") {
                    self.out.text.push_str(" title=\"");
                    push_attr_escaped(&mut self.out.text, title);
                    self.out.text.push('"');
                }
            }
            _ => {}
        }
        self.out.text.push('>');
        start
    }

    /// id, class, lang, dir, text alignment, and (EPUB 3) the roles and `epub:type`s folio uses.
    fn common_attrs(&mut self, attrs: &[Attribute], tag: &str, _node: usize) {
        let v2 = self.v2();
        let out_id =
            attr_value(attrs, "id").and_then(|raw| self.cx.ids.register(raw, self.cx.chapter));
        let out = &mut self.out.text;
        if let Some(id) = out_id {
            out.push_str(" id=\"");
            push_attr_escaped(out, &id);
            out.push('"');
        }
        if let Some(class) = attr_value(attrs, "class") {
            let class = class.split_whitespace().collect::<Vec<_>>().join(" ");
            if !class.is_empty() {
                out.push_str(" class=\"");
                push_attr_escaped(out, &class);
                out.push('"');
            }
        }
        if let Some(lang) = attr_value(attrs, "lang").filter(|l| is_language_tag(l.trim())) {
            let lang = lang.trim();
            if v2 {
                out.push_str(&format!(" xml:lang=\"{lang}\""));
            } else {
                out.push_str(&format!(" lang=\"{lang}\" xml:lang=\"{lang}\""));
            }
        }
        let dir = attr_value(attrs, "dir").map(|d| d.trim().to_ascii_lowercase());
        match dir.as_deref() {
            Some(d @ ("ltr" | "rtl")) => out.push_str(&format!(" dir=\"{d}\"")),
            Some("auto") if !v2 => out.push_str(" dir=\"auto\""),
            _ => {}
        }
        let align = attr_value(attrs, "style")
            .and_then(text_align_of_style)
            .or_else(|| attr_value(attrs, "align").and_then(|a| text_align_value(a.trim())));
        if let Some(align) = align.filter(|_| tag != "a" && tag != "img") {
            out.push_str(&format!(" style=\"text-align: {align}\""));
        }
        if !v2 {
            if let Some(role) = attr_value(attrs, "role").map(str::trim) {
                if ROLES.iter().any(|(t, r)| *t == tag && *r == role) {
                    out.push_str(&format!(" role=\"{role}\""));
                }
            }
            if let Some(kind) = attr_value(attrs, "epub:type").map(str::trim) {
                if EPUB_TYPES.iter().any(|(t, k)| *t == tag && *k == kind) {
                    out.push_str(&format!(" epub:type=\"{kind}\""));
                }
            }
        }
    }
}

enum Href {
    Fragment(String),
    External(String),
    Dropped,
}

/// The first and last element children of `id`'s parent.
fn edge_element_children(nodes: &Tree<'_>, id: usize) -> (Option<usize>, Option<usize>) {
    let Some(parent) = nodes[id].parent else { return (None, None) };
    let siblings = &nodes[parent].children;
    let is_element = |c: &&usize| matches!(nodes[**c].data, NodeData::Element { .. });
    (siblings.iter().find(is_element).copied(), siblings.iter().rev().find(is_element).copied())
}

fn attr_is(attr: &Attribute, local: &str) -> bool {
    attr.name.ns == ns!() && &*attr.name.local == local
}

fn attr_value<'a>(attrs: &'a [Attribute], local: &str) -> Option<&'a str> {
    attrs.iter().find(|a| attr_is(a, local)).map(|a| &*a.value)
}

fn push_span_attr(out: &mut String, attrs: &[Attribute], name: &str) {
    if let Some(value) = attr_value(attrs, name).and_then(|v| v.trim().parse::<u32>().ok()) {
        if (2..=1000).contains(&value) {
            out.push_str(&format!(" {name}=\"{value}\""));
        }
    }
}

fn text_align_value(value: &str) -> Option<&'static str> {
    match value.to_ascii_lowercase().as_str() {
        "left" => Some("left"),
        "right" => Some("right"),
        "center" | "middle" => Some("center"),
        "justify" => Some("justify"),
        _ => None,
    }
}

/// The `text-align` of a `style` attribute; every other declaration is dropped, since arbitrary
/// CSS in attributes is where validators find errors.
fn text_align_of_style(style: &str) -> Option<&'static str> {
    style.split(';').find_map(|declaration| {
        let (property, value) = declaration.split_once(':')?;
        if property.trim().eq_ignore_ascii_case("text-align") {
            text_align_value(value.trim())
        } else {
            None
        }
    })
}

/// A well-formed BCP 47 tag, loosely: alphanumeric subtags of 1–8 characters, the first
/// alphabetic.
pub fn is_language_tag(tag: &str) -> bool {
    let mut subtags = tag.split('-');
    let Some(first) = subtags.next() else { return false };
    (1..=8).contains(&first.len())
        && first.chars().all(|c| c.is_ascii_alphabetic())
        && subtags
            .all(|s| (1..=8).contains(&s.len()) && s.chars().all(|c| c.is_ascii_alphanumeric()))
}

fn url_scheme(url: &str) -> Option<String> {
    let colon = url.find(':')?;
    let scheme = &url[..colon];
    let mut chars = scheme.chars();
    let valid = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    // `C:\path` is a Windows drive, not a scheme.
    (valid && scheme.len() > 1).then(|| scheme.to_ascii_lowercase())
}

/// `user@host:port` of a URL: a bracketed IPv6 literal or a registered name, and digits for
/// the port.
fn is_valid_authority(authority: &str) -> bool {
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, rest)| rest);
    let (host, port) = if let Some(rest) = host_port.strip_prefix('[') {
        let Some((inside, after)) = rest.split_once(']') else { return false };
        if inside.is_empty()
            || !inside.chars().all(|c| c.is_ascii_hexdigit() || c == ':' || c == '.')
        {
            return false;
        }
        ("ipv6", after.strip_prefix(':').unwrap_or(if after.is_empty() { "" } else { "x" }))
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, port),
            None => (host_port, ""),
        }
    };
    !host.is_empty()
        && host.chars().all(is_host_char)
        && port.chars().all(|c| c.is_ascii_digit())
        && port.len() <= 5
}

fn is_host_char(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            '.' | '-'
                | '%'
                | '_'
                | '~'
                | '!'
                | '$'
                | '&'
                | '\''
                | '('
                | ')'
                | '*'
                | '+'
                | ','
                | ';'
                | '='
        )
        || (!c.is_ascii() && !c.is_whitespace() && !c.is_control())
}

/// Percent-encodes what may not appear literally in a URL (RFC 3986): spaces, quotes,
/// non-ASCII, a stray `%`, a second `#`, and brackets outside the host.
pub fn encode_url(url: &str) -> String {
    let bytes = url.as_bytes();
    // Brackets are allowed only in the authority (`//[::1]/`).
    let authority = url.find("//").map(|start| {
        let end = url[start + 2..].find(['/', '?', '#']).map_or(url.len(), |e| start + 2 + e);
        start + 2..end
    });
    let fragment_start = url.find('#');
    let mut out = String::with_capacity(url.len());
    for (i, &b) in bytes.iter().enumerate() {
        let in_authority = authority.as_ref().is_some_and(|r| r.contains(&i));
        let keep = b.is_ascii_alphanumeric()
            || b"-._~:/?@!$&'()*+,;=".contains(&b)
            || (b == b'#' && fragment_start == Some(i))
            || (matches!(b, b'[' | b']') && in_authority)
            || (b == b'%'
                && bytes.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && bytes.get(i + 2).is_some_and(u8::is_ascii_hexdigit));
        if keep {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && bytes[i + 1].is_ascii_hexdigit()
            && bytes[i + 2].is_ascii_hexdigit()
        {
            let hex = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            out.push(hex(bytes[i + 1]) * 16 + hex(bytes[i + 2]));
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// True for characters XML 1.0 allows in content (minus the C1 controls, which are never text).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{7E}' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

/// Escapes text content for XML, dropping characters XML cannot carry.
pub fn push_text_escaped(out: &mut String, text: &str) {
    push_escaped::<false>(out, text);
}

/// Escapes an attribute value for XML (double-quoted), dropping characters XML cannot carry.
pub fn push_attr_escaped(out: &mut String, text: &str) {
    push_escaped::<true>(out, text);
}

/// Escapes `text` (as an attribute value when `ATTR`), copying runs of plain bytes at once:
/// this is most of the XHTML written, and pushing it a character at a time was the
/// conversion's largest cost. Only the characters [`is_xml_char`] rejects are dropped: ASCII
/// controls, U+007F–U+009F (`C2 80`–`C2 9F` in UTF-8) and U+FFFE, U+FFFF (`EF BF BE`/`BF`).
fn push_escaped<const ATTR: bool>(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(text.len());
    let (mut start, mut at) = (0, 0);
    while at < bytes.len() {
        let (replacement, width) = match bytes[at] {
            b'&' => ("&amp;", 1),
            b'<' => ("&lt;", 1),
            b'>' => ("&gt;", 1),
            b'"' if ATTR => ("&quot;", 1),
            b'\n' | b'\t' | b'\r' if ATTR => (" ", 1),
            b'\n' | b'\t' | b'\r' | 0x20..=0x7E => {
                at += 1;
                continue;
            }
            0xC2 if bytes.get(at + 1).is_some_and(|b| (0x80..=0x9F).contains(b)) => ("", 2),
            0xEF if bytes.get(at + 1) == Some(&0xBF)
                && bytes.get(at + 2).is_some_and(|b| matches!(b, 0xBE | 0xBF)) =>
            {
                ("", 3)
            }
            0x80..=0xFF => {
                at += 1;
                continue;
            }
            // The other ASCII controls and DEL.
            _ => ("", 1),
        };
        out.push_str(&text[start..at]);
        out.push_str(replacement);
        at += width;
        start = at;
    }
    out.push_str(&text[start..]);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resources::NoResources;

    fn xhtml(html: &str, version: Version) -> String {
        let resources = NoResources;
        let mut images = ImageStore::new(&resources);
        let mut ids = IdRegistry::default();
        let (mut warnings, mut warned) = (Vec::new(), BTreeSet::new());
        let mut context = Context {
            version,
            chapter: 0,
            ids: &mut ids,
            images: &mut images,
            warnings: &mut warnings,
            warned: &mut warned,
        };
        let fragment = convert(html, &mut context);
        fragment.resolve(&ids, &|_| "c.xhtml".to_string(), &mut Vec::new(), &mut BTreeSet::new())
    }

    #[test]
    fn escaping_matches_the_character_rules() {
        // Every Unicode scalar value, in text and in attributes, against a per-character
        // reference built from `is_xml_char`.
        let sample: String = (0..=0x10_FFFF).filter_map(char::from_u32).collect();
        let reference = |attr: bool| {
            let mut out = String::new();
            for c in sample.chars() {
                match c {
                    '&' => out.push_str("&amp;"),
                    '<' => out.push_str("&lt;"),
                    '>' => out.push_str("&gt;"),
                    '"' if attr => out.push_str("&quot;"),
                    '\n' | '\t' | '\r' if attr => out.push(' '),
                    c if is_xml_char(c) => out.push(c),
                    _ => {}
                }
            }
            out
        };
        let (mut text, mut attr) = (String::new(), String::new());
        push_text_escaped(&mut text, &sample);
        push_attr_escaped(&mut attr, &sample);
        assert_eq!(text, reference(false));
        assert_eq!(attr, reference(true));
        assert!(text.contains('\u{A0}') && !text.contains('\u{9F}') && !text.contains('\u{FFFE}'));
    }

    #[test]
    fn content_models_are_repaired() {
        let v3 = |html| xhtml(html, Version::V3);
        assert_eq!(v3("<ul>text<li>x</li></ul>"), "<ul><li>text</li><li>x</li></ul>");
        assert_eq!(v3("<span><p>a</p></span>"), "<p>a</p>");
        assert_eq!(v3("<h1><div>a</div><p>b</p></h1>"), "<h1>ab</h1>");
        assert_eq!(
            v3("<dl><dd>d</dd><dt>t</dt></dl>"),
            "<dl><dt></dt><dd>d</dd><dt>t</dt><dd></dd></dl>"
        );
        assert_eq!(v3("<header><header>h</header></header>"), "<header><div>h</div></header>");
        assert_eq!(v3("<ul></ul><table></table>x"), "x");
        assert_eq!(v3("a<script>alert(1)</script>b<!-- c -->"), "ab");
        assert_eq!(v3("<b><h2>t</h2></b>"), "<h2>t</h2>");
        assert_eq!(
            v3("<a href='#'><a href='https://e.org'>n</a></a>"),
            "<a></a><a href=\"https://e.org\">n</a>"
        );
        assert_eq!(
            v3("<p align=center style='color:red'>c</p>"),
            "<p style=\"text-align: center\">c</p>"
        );
    }

    #[test]
    fn ids_are_unique_names_and_links_find_them() {
        let out = xhtml(
            "<p id='1 a'>x</p><p id='1 a'>y</p><a href='#1 a'>l</a><a href='#nope'>n</a>",
            Version::V3,
        );
        assert_eq!(out, "<p id=\"id-1-a\">x</p><p>y</p><a href=\"c.xhtml#id-1-a\">l</a><a>n</a>");
    }

    #[test]
    fn epub2_gets_xhtml11() {
        let v2 = |html| xhtml(html, Version::V2);
        assert_eq!(v2("text <b>b</b><p>p</p>"), "<div>text <b>b</b></div><p>p</p>");
        assert_eq!(v2("<section><u>u</u></section>"), "<div><span>u</span></div>");
        assert_eq!(
            v2("<ol start='3'><li><input type=checkbox checked> t</li></ol>"),
            "<ol><li>☑ t</li></ol>"
        );
        assert_eq!(v2("<blockquote>q</blockquote>"), "<blockquote><div>q</div></blockquote>");
    }

    #[test]
    fn ids_become_xml_names() {
        assert_eq!(xml_name("1-intro").as_deref(), Some("id-1-intro"));
        assert_eq!(xml_name("a:b c").as_deref(), Some("a-b-c"));
        assert_eq!(xml_name("été").as_deref(), Some("été"));
        assert_eq!(xml_name("  "), None);
    }

    #[test]
    fn urls_are_encoded() {
        assert_eq!(
            encode_url("https://x.org/a b?q=\"1\"&r=%zz"),
            "https://x.org/a%20b?q=%221%22&r=%25zz"
        );
        assert_eq!(encode_url("https://x.org/%41"), "https://x.org/%41");
        assert_eq!(encode_url("https://[::1]/a[1]#b#c"), "https://[::1]/a%5B1%5D#b%23c");
    }

    #[test]
    fn authorities() {
        assert!(is_valid_authority("example.com"));
        assert!(is_valid_authority("user@example.com:8080"));
        assert!(is_valid_authority("[::1]:80"));
        assert!(is_valid_authority("bücher.de"));
        assert!(!is_valid_authority("[bad"));
        assert!(!is_valid_authority("host:port"));
        assert!(!is_valid_authority(""));
        assert!(!is_valid_authority("a b"));
    }

    #[test]
    fn language_tags() {
        assert!(is_language_tag("en"));
        assert!(is_language_tag("de-CH"));
        assert!(is_language_tag("zh-Hant-TW"));
        assert!(!is_language_tag("english language"));
        assert!(!is_language_tag(""));
        assert!(!is_language_tag("en_US"));
    }
}

//! A strict parser for well-formed HTML (what folio's HTML writer emits, and raw HTML written the
//! same way): it builds exactly the tree html5ever builds for a chapter, or declines (`None`)
//! and the chapter takes the html5ever path.
//!
//! Why: the full HTML5 algorithm (tokenizer states, insertion modes, tendrils, atoms) was nearly
//! half of the EPUB writer's time, yet for properly nested markup the tree it builds is simply
//! the nesting of the tags. This parser accepts only markup where that is provably so: a known
//! set of elements, every end tag closing the current element, no start tag that html5ever would
//! use to close an element implicitly (a block inside an open `<p>`, a `<li>` inside an open
//! `<li>` …), table parts only directly inside their table parent, text in tables only
//! whitespace, the few character references whose decoding is unambiguous, and MathML only with
//! its own element names. Anything else — `<script>`, an unknown element, `&foo;`, a stray `</p>`,
//! a carriage return — declines the whole chapter. The differential tests in `tests` below check
//! the trees against html5ever's on the samples, generated books and random markup.

use std::borrow::Cow;

use html5ever::{ns, LocalName, Prefix, QualName};

use super::{Attribute, Node, NodeData, Parsed};

/// How an HTML element behaves in html5ever's "in body" insertion mode, for the elements this
/// parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// Closes a `<p>` in button scope before opening (`div`, `ul`, `section` …).
    Block,
    /// `h1`–`h6`: like `Block`, and closes a heading that is the current element.
    Heading,
    /// `pre`: like `Block`, and drops a newline right after its start tag.
    Pre,
    /// `li`: closes an open `li` found before a special element.
    ListItem,
    /// `dd`, `dt`: the same with `dd`/`dt`.
    DefinitionItem,
    /// `a`: may not open inside another `a`.
    Anchor,
    /// `b`, `em`, `code` …: entries of the list of active formatting elements.
    Formatting,
    /// `span`, `sup` …: ordinary elements.
    Phrasing,
    /// `br`, `img`, `input`, `wbr`: inserted and closed at once.
    Void,
    /// `hr`: closes a `<p>`, inserted and closed at once.
    Rule,
    /// `table`: closes a `<p>`; its content follows the table insertion modes.
    Table,
    /// `caption`, `colgroup`, `thead`, `tbody`, `tfoot`, `tr`, `td`, `th`: only directly in
    /// their parent.
    TablePart,
    /// `col`: only in `colgroup`, void.
    Column,
    /// `math`: enters MathML.
    Math,
}

impl Role {
    /// html5ever's "special" category, which stops the search for an open `li`/`dd`/`dt`.
    fn is_special(self) -> bool {
        !matches!(self, Role::Anchor | Role::Formatting | Role::Phrasing | Role::Math)
    }
}

/// The HTML elements accepted and their role (`None`: the chapter is declined). A `match`,
/// which the compiler turns into comparisons by length and bytes: a table search was a visible
/// share of the parse.
fn html_element(name: &str) -> Option<(&'static str, Role)> {
    let role = match name {
        "a" => Role::Anchor,
        "abbr" | "acronym" | "bdi" | "bdo" | "cite" | "data" | "del" | "dfn" | "ins" | "kbd"
        | "mark" | "q" | "samp" | "span" | "sub" | "sup" | "time" | "var" => Role::Phrasing,
        "address" | "article" | "aside" | "blockquote" | "center" | "details" | "div" | "dl"
        | "fieldset" | "figcaption" | "figure" | "footer" | "header" | "hgroup" | "main"
        | "nav" | "ol" | "p" | "section" | "summary" | "ul" => Role::Block,
        "b" | "big" | "code" | "em" | "i" | "s" | "small" | "strike" | "strong" | "tt" | "u" => {
            Role::Formatting
        }
        "br" | "img" | "input" => Role::Void,
        "caption" | "colgroup" | "tbody" | "td" | "tfoot" | "th" | "thead" | "tr" => {
            Role::TablePart
        }
        "col" => Role::Column,
        "dd" | "dt" => Role::DefinitionItem,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" => Role::Heading,
        "hr" => Role::Rule,
        "li" => Role::ListItem,
        "math" => Role::Math,
        "pre" => Role::Pre,
        "table" => Role::Table,
        _ => return None,
    };
    // The accepted names are few and short: the `&'static str` comes from the same match.
    Some((static_html_name(name)?, role))
}

/// The `&'static str` of an accepted HTML element name.
fn static_html_name(name: &str) -> Option<&'static str> {
    Some(match name {
        "a" => "a",
        "abbr" => "abbr",
        "acronym" => "acronym",
        "address" => "address",
        "article" => "article",
        "aside" => "aside",
        "b" => "b",
        "bdi" => "bdi",
        "bdo" => "bdo",
        "big" => "big",
        "blockquote" => "blockquote",
        "br" => "br",
        "caption" => "caption",
        "center" => "center",
        "cite" => "cite",
        "code" => "code",
        "col" => "col",
        "colgroup" => "colgroup",
        "data" => "data",
        "dd" => "dd",
        "del" => "del",
        "details" => "details",
        "dfn" => "dfn",
        "div" => "div",
        "dl" => "dl",
        "dt" => "dt",
        "em" => "em",
        "fieldset" => "fieldset",
        "figcaption" => "figcaption",
        "figure" => "figure",
        "footer" => "footer",
        "h1" => "h1",
        "h2" => "h2",
        "h3" => "h3",
        "h4" => "h4",
        "h5" => "h5",
        "h6" => "h6",
        "header" => "header",
        "hgroup" => "hgroup",
        "hr" => "hr",
        "i" => "i",
        "img" => "img",
        "input" => "input",
        "ins" => "ins",
        "kbd" => "kbd",
        "li" => "li",
        "main" => "main",
        "mark" => "mark",
        "math" => "math",
        "nav" => "nav",
        "ol" => "ol",
        "p" => "p",
        "pre" => "pre",
        "q" => "q",
        "s" => "s",
        "samp" => "samp",
        "section" => "section",
        "small" => "small",
        "span" => "span",
        "strike" => "strike",
        "strong" => "strong",
        "sub" => "sub",
        "summary" => "summary",
        "sup" => "sup",
        "table" => "table",
        "tbody" => "tbody",
        "td" => "td",
        "tfoot" => "tfoot",
        "th" => "th",
        "thead" => "thead",
        "time" => "time",
        "tr" => "tr",
        "tt" => "tt",
        "u" => "u",
        "ul" => "ul",
        "var" => "var",
        _ => return None,
    })
}

/// The MathML elements accepted (folio's math module uses a subset); none shares its name with
/// an HTML element that would break out of MathML.
fn mathml_element(name: &str) -> Option<&'static str> {
    Some(match name {
        "annotation" => "annotation",
        "math" => "math",
        "menclose" => "menclose",
        "merror" => "merror",
        "mfrac" => "mfrac",
        "mi" => "mi",
        "mmultiscripts" => "mmultiscripts",
        "mn" => "mn",
        "mo" => "mo",
        "mover" => "mover",
        "mpadded" => "mpadded",
        "mphantom" => "mphantom",
        "mprescripts" => "mprescripts",
        "mroot" => "mroot",
        "mrow" => "mrow",
        "ms" => "ms",
        "mspace" => "mspace",
        "msqrt" => "msqrt",
        "mstyle" => "mstyle",
        "msub" => "msub",
        "msubsup" => "msubsup",
        "msup" => "msup",
        "mtable" => "mtable",
        "mtd" => "mtd",
        "mtext" => "mtext",
        "mtr" => "mtr",
        "munder" => "munder",
        "munderover" => "munderover",
        "none" => "none",
        "semantics" => "semantics",
        _ => return None,
    })
}

/// Named character references decoded here (with their `;`); any other `&name` declines.
const ENTITIES: &[(&str, &str)] = &[
    ("amp", "&"),
    ("apos", "'"),
    ("bull", "\u{2022}"),
    ("copy", "\u{A9}"),
    ("deg", "\u{B0}"),
    ("gt", ">"),
    ("hellip", "\u{2026}"),
    ("laquo", "\u{AB}"),
    ("ldquo", "\u{201C}"),
    ("lsquo", "\u{2018}"),
    ("lt", "<"),
    ("mdash", "\u{2014}"),
    ("middot", "\u{B7}"),
    ("nbsp", "\u{A0}"),
    ("ndash", "\u{2013}"),
    ("quot", "\""),
    ("raquo", "\u{BB}"),
    ("rdquo", "\u{201D}"),
    ("reg", "\u{AE}"),
    ("rsquo", "\u{2019}"),
    ("times", "\u{D7}"),
    ("trade", "\u{2122}"),
];

/// An open element: its node, name and what it is, and what the searches html5ever makes down
/// the stack of open elements would find from here (kept per entry, so each start tag costs
/// O(1) however deep the nesting: a scan per tag would be quadratic on hostile input).
#[derive(Debug, Clone, Copy)]
struct Open {
    node: usize,
    name: &'static str,
    /// `None` for MathML elements and for `html`/`body`.
    role: Option<Role>,
    mathml: bool,
    /// A `p` is open in button scope.
    p_in_button_scope: bool,
    /// The search for an `li` to close (at an `li` start tag) would find one.
    closes_list_item: bool,
    /// The same for a `dd`/`dt` (at a `dd` or `dt` start tag).
    closes_definition_item: bool,
}

impl Open {
    /// The bottom of the stack: `html` or `body`.
    fn root(node: usize, name: &'static str) -> Open {
        Open {
            node,
            name,
            role: None,
            mathml: false,
            p_in_button_scope: false,
            closes_list_item: false,
            closes_definition_item: false,
        }
    }

    /// The entry for a new element opened inside `self`.
    fn child(&self, node: usize, name: &'static str, role: Option<Role>, mathml: bool) -> Open {
        let is_html = |wanted: &str| !mathml && name == wanted;
        let scope_boundary = if mathml {
            matches!(name, "mi" | "mo" | "mn" | "ms" | "mtext")
        } else {
            matches!(name, "table" | "td" | "th" | "caption")
        };
        // html5ever's "special" elements stop the list item search, except address, div, p.
        let special = if mathml {
            matches!(name, "mi" | "mo" | "mn" | "ms" | "mtext")
        } else {
            role.is_some_and(Role::is_special) && !matches!(name, "address" | "div" | "p")
        };
        Open {
            node,
            name,
            role,
            mathml,
            p_in_button_scope: is_html("p") || !scope_boundary && self.p_in_button_scope,
            closes_list_item: is_html("li") || !special && self.closes_list_item,
            closes_definition_item: is_html("dd")
                || is_html("dt")
                || !special && self.closes_definition_item,
        }
    }

    fn is_html(&self, name: &str) -> bool {
        !self.mathml && self.name == name
    }

    /// The table insertion modes apply (text must be whitespace, only table parts open).
    fn is_table_context(&self) -> bool {
        !self.mathml
            && matches!(self.name, "table" | "thead" | "tbody" | "tfoot" | "tr" | "colgroup")
    }
}

/// Declines: the chapter goes through html5ever.
struct Decline;

type Step<T = ()> = Result<T, Decline>;

/// Parses a chapter body as html5ever would after `<!DOCTYPE html><html><head></head><body>`,
/// or `None` when the markup is outside the strict subset.
pub(super) fn parse(html: &str) -> Option<Parsed> {
    // html5ever turns CR and CR LF into LF and drops NUL in body text; declined rather than
    // imitated.
    if memchr::memchr2(b'\r', b'\0', html.as_bytes()).is_some() {
        return None;
    }
    let mut parser = Parser::new(html.len());
    parser.run(html).ok()?;
    Some(Parsed { nodes: parser.nodes, text: parser.text })
}

struct Parser {
    nodes: Vec<Node>,
    open: Vec<Open>,
    /// The text of every text node ([`NodeData::SharedText`]).
    text: String,
    /// Where the text read since the last tag starts in `text` (it goes to the current element
    /// at the next tag).
    pending: usize,
    /// A newline right after a `<pre>` start tag is dropped.
    ignore_newline: bool,
    /// How many `a` elements are open.
    open_anchors: usize,
}

impl Parser {
    fn new(capacity: usize) -> Parser {
        // About one node per 16 bytes of the writer's HTML.
        let mut nodes = Vec::with_capacity(capacity / 16 + 8);
        let element = |local: &str, parent| Node {
            parent: Some(parent),
            children: Vec::new(),
            data: NodeData::Element {
                name: QualName::new(None, ns!(html), LocalName::from(local)),
                attrs: Vec::new(),
            },
        };
        nodes.push(Node { parent: None, children: vec![1], data: NodeData::Document });
        nodes.push(Node { children: vec![2, 3], ..element("html", 0) });
        nodes.push(element("head", 1));
        nodes.push(element("body", 1));
        let open = vec![Open::root(1, "html"), Open::root(3, "body")];
        Parser {
            nodes,
            open,
            text: String::with_capacity(capacity),
            pending: 0,
            ignore_newline: false,
            open_anchors: 0,
        }
    }

    fn current(&self) -> Open {
        // `html` and `body` are never popped.
        self.open[self.open.len() - 1]
    }

    fn run(&mut self, html: &str) -> Step {
        let bytes = html.as_bytes();
        let mut at = 0;
        while at < bytes.len() {
            let Some(offset) = memchr::memchr2(b'<', b'&', &bytes[at..]) else {
                self.text.push_str(&html[at..]);
                break;
            };
            self.text.push_str(&html[at..at + offset]);
            at += offset;
            if bytes[at] == b'&' {
                at = decode_reference(html, at, &mut self.text)?;
                continue;
            }
            match bytes.get(at + 1) {
                Some(b'!') => {
                    let end = comment_end(html, at)?;
                    self.flush_text()?;
                    self.append(NodeData::Ignored);
                    at = end;
                }
                Some(b'/') => {
                    let (name, end) = end_tag(html, at)?;
                    self.flush_text()?;
                    self.end_tag(&name)?;
                    at = end;
                }
                Some(c) if c.is_ascii_alphabetic() => {
                    let tag = start_tag(html, at)?;
                    self.flush_text()?;
                    at = tag.end;
                    self.start_tag(tag)?;
                }
                Some(b'?') => return Err(Decline),
                // `<` not starting a tag is text.
                _ => {
                    self.text.push('<');
                    at += 1;
                }
            }
        }
        self.flush_text()
    }

    /// Appends the pending text to the current element, merged with a text node before it.
    fn flush_text(&mut self) -> Step {
        let ignore_newline = std::mem::take(&mut self.ignore_newline);
        let end = self.text.len();
        let mut start = std::mem::replace(&mut self.pending, end);
        if ignore_newline && self.text[start..].starts_with('\n') {
            start += 1;
        }
        if start == end {
            return Ok(());
        }
        let current = self.current();
        if current.is_table_context()
            && !self.text[start..].bytes().all(|b| b.is_ascii_whitespace())
        {
            // Text in a table is moved before it ("foster parenting").
            return Err(Decline);
        }
        let parent = current.node;
        if let Some(&last) = self.nodes[parent].children.last() {
            if let NodeData::SharedText(range) = &mut self.nodes[last].data {
                if range.end != start {
                    // Not adjacent in the buffer: both parts are copied to its end.
                    let earlier = self.text[range.clone()].to_owned();
                    let later = self.text[start..].to_owned();
                    *range = self.text.len()..self.text.len() + earlier.len() + later.len();
                    self.text.push_str(&earlier);
                    self.text.push_str(&later);
                    self.pending = self.text.len();
                } else {
                    range.end = end;
                }
                return Ok(());
            }
        }
        self.append(NodeData::SharedText(start..end));
        Ok(())
    }

    /// Appends a node to the current element; returns its index.
    fn append(&mut self, data: NodeData) -> usize {
        let parent = self.current().node;
        let index = self.nodes.len();
        self.nodes.push(Node { parent: Some(parent), children: Vec::new(), data });
        self.nodes[parent].children.push(index);
        index
    }

    fn start_tag(&mut self, tag: Tag) -> Step {
        let current = self.current();
        if current.mathml {
            return self.mathml_start_tag(tag, current);
        }
        let (name, role) = html_element(&tag.name).ok_or(Decline)?;
        let void = matches!(role, Role::Void | Role::Rule | Role::Column);
        if tag.self_closing && !void && role != Role::Math {
            // html5ever ignores `/>` on HTML elements that are not void.
            return Err(Decline);
        }
        if current.is_table_context() {
            let fits = match current.name {
                "table" => matches!(name, "caption" | "colgroup" | "thead" | "tbody" | "tfoot"),
                "colgroup" => name == "col",
                "tr" => matches!(name, "td" | "th"),
                _ => name == "tr",
            };
            if !fits {
                return Err(Decline);
            }
        } else {
            match role {
                Role::TablePart | Role::Column => return Err(Decline),
                // Each of these would close an open element first.
                Role::Block | Role::Pre | Role::Rule | Role::Table if current.p_in_button_scope => {
                    return Err(Decline)
                }
                Role::Heading
                    if current.p_in_button_scope || current.role == Some(Role::Heading) =>
                {
                    return Err(Decline)
                }
                Role::ListItem if current.closes_list_item || current.p_in_button_scope => {
                    return Err(Decline)
                }
                Role::DefinitionItem
                    if current.closes_definition_item || current.p_in_button_scope =>
                {
                    return Err(Decline)
                }
                Role::Anchor if self.open_anchors > 0 => return Err(Decline),
                _ => {}
            }
        }
        if role == Role::Math {
            let attrs = mathml_attributes(tag.attrs)?;
            return self.open_mathml("math", attrs, tag.self_closing);
        }
        let attrs = tag
            .attrs
            .into_iter()
            .map(|(key, value)| Attribute {
                name: QualName::new(None, ns!(), LocalName::from(key)),
                value,
            })
            .collect();
        let node = self.append(NodeData::Element {
            name: QualName::new(None, ns!(html), LocalName::from(name)),
            attrs,
        });
        if !void {
            self.open.push(current.child(node, name, Some(role), false));
            self.open_anchors += usize::from(role == Role::Anchor);
        }
        self.ignore_newline = role == Role::Pre;
        Ok(())
    }

    fn mathml_start_tag(&mut self, tag: Tag, current: Open) -> Step {
        // Start tags in these go back to the HTML rules (and HTML elements break out of MathML).
        if matches!(current.name, "mi" | "mo" | "mn" | "ms" | "mtext") {
            return Err(Decline);
        }
        let name = mathml_element(&tag.name).ok_or(Decline)?;
        let attrs = mathml_attributes(tag.attrs)?;
        self.open_mathml(name, attrs, tag.self_closing)
    }

    fn open_mathml(&mut self, name: &'static str, attrs: Vec<Attribute>, closed: bool) -> Step {
        let node = self.append(NodeData::Element {
            name: QualName::new(None, ns!(mathml), LocalName::from(name)),
            attrs,
        });
        if !closed {
            let entry = self.current().child(node, name, None, true);
            self.open.push(entry);
        }
        Ok(())
    }

    /// Only an end tag that closes the current element is accepted.
    fn end_tag(&mut self, name: &str) -> Step {
        let current = self.current();
        if self.open.len() <= 2 || current.name != name {
            return Err(Decline);
        }
        self.open.pop();
        self.open_anchors -= usize::from(current.is_html("a"));
        Ok(())
    }
}

/// MathML attributes as html5ever adjusts them: `xmlns` gets its namespace; other prefixed
/// names and `definitionURL` (renamed by html5ever) decline.
fn mathml_attributes(attrs: Vec<(Cow<'_, str>, String)>) -> Step<Vec<Attribute>> {
    attrs
        .into_iter()
        .map(|(key, value)| {
            let name = if key == "xmlns" {
                QualName::new(Some(Prefix::from("")), ns!(xmlns), LocalName::from("xmlns"))
            } else if key.contains(':') || key == "definitionurl" {
                return Err(Decline);
            } else {
                QualName::new(None, ns!(), LocalName::from(key))
            };
            Ok(Attribute { name, value })
        })
        .collect()
}

/// More distinct attributes on one tag decline the chapter: the duplicate check is a scan, which
/// must stay short (the HTML writer uses at most a handful).
const MAX_ATTRIBUTES: usize = 32;

/// A start tag as read: lowercased name, attributes in order (later duplicates dropped, as
/// html5ever does), and where the tag ends.
struct Tag<'a> {
    name: Cow<'a, str>,
    attrs: Vec<(Cow<'a, str>, String)>,
    self_closing: bool,
    end: usize,
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b'\t' | b'\n' | b'\x0C' | b' ')
}

fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(|&b| is_space(b)) {
        at += 1;
    }
    at
}

/// A tag or attribute name from `at` made of bytes `allowed` accepts, lowercased (borrowed
/// from the markup when it already is).
fn name_at(html: &str, at: usize, allowed: fn(u8) -> bool) -> Step<(Cow<'_, str>, usize)> {
    let bytes = html.as_bytes();
    let mut end = at;
    while bytes.get(end).is_some_and(|&b| allowed(b)) {
        end += 1;
    }
    match bytes.get(end) {
        Some(&b) if end > at && (is_space(b) || b == b'/' || b == b'>' || b == b'=') => {}
        _ => return Err(Decline),
    }
    // The allowed bytes are ASCII, so the range is on character boundaries.
    let name = &html[at..end];
    if name.bytes().any(|b| b.is_ascii_uppercase()) {
        Ok((Cow::Owned(name.to_ascii_lowercase()), end))
    } else {
        Ok((Cow::Borrowed(name), end))
    }
}

fn tag_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric()
}

fn attribute_name_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b':' | b'.')
}

/// Reads the start tag at `at` (`<` followed by a letter).
fn start_tag(html: &str, at: usize) -> Step<Tag<'_>> {
    let bytes = html.as_bytes();
    let (name, mut at) = name_at(html, at + 1, tag_name_byte)?;
    if bytes.get(at) == Some(&b'=') {
        return Err(Decline);
    }
    let mut attrs: Vec<(Cow<'_, str>, String)> = Vec::new();
    loop {
        at = skip_spaces(bytes, at);
        match bytes.get(at) {
            Some(b'>') => return Ok(Tag { name, attrs, self_closing: false, end: at + 1 }),
            Some(b'/') if bytes.get(at + 1) == Some(&b'>') => {
                return Ok(Tag { name, attrs, self_closing: true, end: at + 2 })
            }
            Some(_) => {}
            None => return Err(Decline),
        }
        let (key, after_name) = name_at(html, at, attribute_name_byte)?;
        at = skip_spaces(bytes, after_name);
        let mut value = String::new();
        if bytes.get(at) == Some(&b'=') {
            at = skip_spaces(bytes, at + 1);
            at = match bytes.get(at) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let close = memchr::memchr(quote, &bytes[at + 1..]).ok_or(Decline)?;
                    let end = at + 1 + close;
                    decode_text(&html[at + 1..end], &mut value)?;
                    // Another attribute must be separated by whitespace.
                    match bytes.get(end + 1) {
                        Some(&b) if is_space(b) || b == b'/' || b == b'>' => end + 1,
                        _ => return Err(Decline),
                    }
                }
                Some(_) => {
                    let mut end = at;
                    while bytes.get(end).is_some_and(|&b| !is_space(b) && b != b'>') {
                        if matches!(bytes[end], b'"' | b'\'' | b'<' | b'=' | b'`') {
                            return Err(Decline);
                        }
                        end += 1;
                    }
                    if end == at {
                        return Err(Decline);
                    }
                    decode_text(&html[at..end], &mut value)?;
                    end
                }
                None => return Err(Decline),
            };
        }
        if !attrs.iter().any(|(existing, _)| *existing == key) {
            if attrs.len() == MAX_ATTRIBUTES {
                return Err(Decline);
            }
            attrs.push((key, value));
        }
    }
}

/// Reads the end tag at `at` (`</`); returns its lowercased name and where it ends.
fn end_tag(html: &str, at: usize) -> Step<(Cow<'_, str>, usize)> {
    let bytes = html.as_bytes();
    if !bytes.get(at + 2).is_some_and(u8::is_ascii_alphabetic) {
        return Err(Decline);
    }
    let (name, end) = name_at(html, at + 2, tag_name_byte)?;
    let end = skip_spaces(bytes, end);
    if bytes.get(end) != Some(&b'>') {
        return Err(Decline);
    }
    Ok((name, end + 1))
}

/// The end of the comment at `at` (`<!`): only a plain `<!--` … `-->` is accepted.
fn comment_end(html: &str, at: usize) -> Step<usize> {
    let rest = html[at..].strip_prefix("<!--").ok_or(Decline)?;
    if rest.starts_with('>') || rest.starts_with("->") {
        return Err(Decline);
    }
    let close = rest.find("-->").ok_or(Decline)?;
    if rest[..close].contains("--!") {
        return Err(Decline);
    }
    Ok(at + 4 + close + 3)
}

/// Decodes the character reference at `at` (`&`) into `out`; returns the offset after it. A
/// `&` followed by neither a letter, a digit nor `#` is a literal `&`.
fn decode_reference(html: &str, at: usize, out: &mut String) -> Step<usize> {
    let bytes = html.as_bytes();
    let start = at + 1;
    match bytes.get(start) {
        Some(b'#') => {
            let (digits, radix) = match bytes.get(start + 1) {
                Some(b'x' | b'X') => (start + 2, 16),
                _ => (start + 1, 10),
            };
            let mut end = digits;
            while bytes.get(end).is_some_and(|b| (*b as char).is_digit(radix)) && end - digits < 8 {
                end += 1;
            }
            if end == digits || bytes.get(end) != Some(&b';') {
                return Err(Decline);
            }
            let value = u32::from_str_radix(&html[digits..end], radix).map_err(|_| Decline)?;
            // The values html5ever replaces or reports are declined.
            let plain = match value {
                0x09 | 0x0A | 0x0C | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFDCF => true,
                0xFDF0..=0x10FFFF => value & 0xFFFE != 0xFFFE,
                _ => false,
            };
            if !plain {
                return Err(Decline);
            }
            out.push(char::from_u32(value).ok_or(Decline)?);
            Ok(end + 1)
        }
        Some(b) if b.is_ascii_alphanumeric() => {
            let mut end = start;
            while bytes.get(end).is_some_and(u8::is_ascii_alphanumeric) {
                end += 1;
            }
            if bytes.get(end) != Some(&b';') {
                return Err(Decline);
            }
            let name = &html[start..end];
            let found = ENTITIES.binary_search_by(|(entity, _)| (*entity).cmp(name));
            let Ok(found) = found else { return Err(Decline) };
            out.push_str(ENTITIES[found].1);
            Ok(end + 1)
        }
        _ => {
            out.push('&');
            Ok(start)
        }
    }
}

/// Decodes the character references in an attribute value.
fn decode_text(raw: &str, out: &mut String) -> Step {
    let bytes = raw.as_bytes();
    let mut at = 0;
    while let Some(offset) = memchr::memchr(b'&', &bytes[at..]) {
        out.push_str(&raw[at..at + offset]);
        at = decode_reference(raw, at + offset, out)?;
    }
    out.push_str(&raw[at..]);
    Ok(())
}

/// The benchmark corpus generator, for the differential tests on generated books.
#[cfg(test)]
#[path = "../../../../benches/gen/mod.rs"]
mod gen;

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::super::parse as html5ever_parse;
    use super::*;
    use crate::format::{InputFormat, MarkdownFlavor};
    use crate::model::{walk, Block, Inline, RawFormat};
    use crate::reader::ReadOptions;
    use crate::transform::chapters;
    use crate::writer::epub::{ChapterRendering, EpubOptions, Version};
    use crate::writer::WriteOptions;

    /// The tree as the conversion reads it, from the document node down: names with their
    /// namespaces, attributes with namespace and prefix, text, ignored nodes. Checks on the way
    /// that every child points back to its parent (the conversion follows `parent`).
    fn dump(parsed: &Parsed) -> String {
        let nodes = &parsed.nodes;
        let mut out = String::new();
        let mut stack = vec![(0usize, false)];
        while let Some((id, closing)) = stack.pop() {
            if closing {
                out.push_str("</>");
                continue;
            }
            let node = &nodes[id];
            match &node.data {
                NodeData::Document => out.push_str("#document"),
                NodeData::Element { name, attrs } => {
                    let _ = write!(out, "<{}|{}", &*name.ns, &*name.local);
                    for attr in attrs {
                        let prefix = attr.name.prefix.as_deref().unwrap_or("-");
                        let (ns, local) = (&*attr.name.ns, &*attr.name.local);
                        let _ = write!(out, " {prefix}|{ns}|{local}={:?}", attr.value);
                    }
                    out.push('>');
                }
                NodeData::Text(text) => {
                    let _ = write!(out, "{text:?}");
                }
                NodeData::SharedText(range) => {
                    let _ = write!(out, "{:?}", &parsed.text[range.clone()]);
                }
                NodeData::Ignored => out.push_str("<!>"),
            }
            stack.push((id, true));
            for &child in node.children.iter().rev() {
                assert_eq!(nodes[child].parent, Some(id), "parent link of node {child}");
                stack.push((child, false));
            }
        }
        out
    }

    /// Parses `html` both ways; when the strict parser accepts it, both trees must be the same.
    /// Returns whether it was accepted.
    fn check(html: &str) -> bool {
        let Some(strict) = parse(html) else { return false };
        let reference = dump(&Parsed { nodes: html5ever_parse(html), text: String::new() });
        let got = dump(&strict);
        assert!(
            got == reference,
            "trees differ for {html:?}\nstrict:    {got}\nhtml5ever: {reference}"
        );
        true
    }

    #[test]
    fn writer_like_markup_is_accepted_and_parsed_as_html5ever_does() {
        let accepted = [
            "<h1 id=\"intro\">Intro</h1>\n<p>Some <em>text</em> &amp; <a href=\"https://e.org/?a=1&amp;b=2\">a link</a>.</p>\n",
            "<ul>\n<li>one</li>\n<li><p>two</p>\n<ul>\n<li>nested</li>\n</ul>\n</li>\n</ul>\n",
            "<ol start=\"3\" type=\"a\"><li value=\"4\">x</li></ol><dl><dt>term</dt><dd>def</dd></dl>",
            "<pre><code class=\"language-rust\">\nfn main() {}\n&lt;T&gt;\n</code></pre>",
            "<pre>\n\nkeeps the second newline</pre>",
            "<table>\n<thead>\n<tr>\n<th style=\"text-align: left\">a</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n<td>b</td>\n</tr>\n</tbody>\n</table>\n",
            "<table><caption>c</caption><colgroup><col span=\"2\"/></colgroup><tbody><tr><td><table><tbody><tr><td>inner</td></tr></tbody></table></td></tr></tbody></table>",
            "<blockquote>\n<p>q</p>\n</blockquote>\n<hr />\n<p>a<br />\nb<img src=\"x.png\" alt=\"&quot;x&quot;\" /></p>",
            "<p><span class=\"math inline\"><math data-folio-math=\"\" xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"inline\"><mrow><mi>x</mi><mo>=</mo><mfrac><mn>1</mn><mn>2</mn></mfrac></mrow></math></span></p>",
            "<math><semantics><mrow><msup><mi>e</mi><mn>2</mn></msup></mrow><annotation encoding=\"application/x-tex\">e^2</annotation></semantics></math>",
            "<section class=\"footnotes\" epub:type=\"footnotes\"><ol><li id=\"c1-fn1\"><p>n <a href=\"#c1-fnref1\" role=\"doc-backlink\">\u{21a9}\u{fe0e}</a></p></li></ol></section>",
            "<div class=\"alert\"><p>x</p></div><figure><img src=\"a.png\" alt=\"\" /><figcaption>cap</figcaption></figure>",
            "<p>5 &lt; 6 and 7 > 3, a &amp; b, &#169; &#x2014; &nbsp;&hellip;</p><!-- a comment --><p>after</p>",
            "<details><summary>More</summary><p>hidden</p></details><p><input type=\"checkbox\" disabled=\"\" checked=\"\" /> task</p>",
            "<p><b><i><u><s><code>deep</code></s></u></i></b><b>1</b><b>2</b><b>3</b><b>4</b><b>5</b></p>",
            "<P CLASS=Upper>unquoted <A HREF=x/>slash</A></P><p>unclosed at the end",
        ];
        for html in accepted {
            assert!(check(html), "declined {html:?}");
        }
    }

    #[test]
    fn markup_html5ever_would_restructure_is_declined() {
        let declined = [
            "<p>a<div>b</div></p>",
            "<p>a<p>b",
            "<li>a<li>b",
            "<dl><dt>a<dd>b</dl>",
            "<h1>a<h2>b</h2></h1>",
            "<a href=x>a<a href=y>b</a></a>",
            "<table>text<tr><td>x</td></tr></table>",
            "<table><tr><td>x</td></tr></table>",
            "<table><td>x</td></table>",
            "<em>a<p>b</em></p>",
            "a</p>",
            "<p>a</em></p>",
            "<font color=red>x</font>",
            "<script>if (a < b) {}</script>",
            "<textarea>&lt;</textarea>",
            "<p>&foo; &ampx; &#128; &#0; &#xD800; &#1114112;</p>",
            "<p>a\r\nb</p>",
            "<p>a\0b</p>",
            "<![CDATA[x]]>",
            "<?php echo 1 ?>",
            "</ p>",
            "<!-->",
            "<div/>",
            "<math><mi><b>x</b></mi></math>",
            "<math><p>x</p></math>",
            "<math definitionURL=\"u\"><mi>x</mi></math>",
            "<math><mi xlink:href=\"u\">x</mi></math>",
            "<svg><rect/></svg>",
            "<p a=\"1\"b=\"2\">x</p>",
            "<p a=b\"c>x</p>",
            "<body>x</body>",
        ];
        let many_attributes: String = (0..40).map(|i| format!(" a{i}=\"{i}\"")).collect::<String>();
        let declined =
            declined.into_iter().map(String::from).chain([format!("<p{many_attributes}>x</p>")]);
        for html in declined {
            assert!(!check(&html), "accepted {html:?}");
            // The html5ever path still handles it.
            assert!(!html5ever_parse(&html).is_empty());
        }
    }

    #[test]
    fn hostile_shapes_stay_linear_and_never_panic() {
        // Deep nesting: no recursion, O(1) per tag.
        let deep = "<div><span>".repeat(100_000);
        let parsed = parse(&deep).expect("nested divs are well-formed");
        assert_eq!(parsed.nodes.len(), 4 + 200_000);
        // Unterminated constructs decline instead of reading past the end.
        for tail in ["<!-- open", "<a href=\"x", "<a href=x", "&#x41", "<p", "</p", "<", "&"] {
            let html = format!("<p>text</p>{tail}");
            let _ = check(&html);
        }
    }

    /// Random markup, mostly well nested but with misnesting, stray end tags, table text,
    /// unusual characters and references mixed in: whatever the strict parser accepts must
    /// parse exactly as html5ever parses it.
    #[test]
    fn random_markup_parses_as_html5ever_does_whenever_accepted() {
        // Tame documents use only elements and text the strict parser knows.
        const KNOWN_NAMES: &[&str] = &[
            "p",
            "div",
            "span",
            "em",
            "strong",
            "a",
            "b",
            "i",
            "code",
            "ul",
            "ol",
            "li",
            "dl",
            "dt",
            "dd",
            "h1",
            "h3",
            "pre",
            "blockquote",
            "table",
            "thead",
            "tbody",
            "tr",
            "td",
            "th",
            "caption",
            "colgroup",
            "col",
            "br",
            "hr",
            "img",
            "sup",
            "section",
            "figure",
            "figcaption",
            "details",
            "summary",
            "math",
            "mrow",
            "mi",
            "mo",
            "mfrac",
            "msup",
            "mtext",
            "semantics",
            "annotation",
            "input",
            "center",
            "address",
            "small",
            "s",
            "q",
            "abbr",
            "tt",
            "u",
            "nav",
            "header",
            "main",
        ];
        const OTHER_NAMES: &[&str] = &[
            "font", "script", "nobr", "button", "svg", "body", "template", "ruby", "rt", "select",
            "option", "textarea",
        ];
        const ATTRS: &[&str] = &[
            " class=\"c\"",
            " id='x'",
            " data-n=3",
            " href=\"#a&amp;b\"",
            " title=\"&lt;&#65;&quot;\"",
            " xmlns=\"http://www.w3.org/1998/Math/MathML\"",
            " definitionURL=\"u\"",
            " xlink:href=\"u\"",
            " DISABLED",
            " class=\"d\"",
            " style=\"text-align: right\"",
            " a = \"spaced\"",
        ];
        const KNOWN_TEXTS: &[&str] = &[
            "word",
            " ",
            "\n",
            "\n\n",
            "\t",
            "&amp;",
            "&lt;",
            "&nbsp;",
            "&#65;",
            "&#x1F600;",
            "<!-- c -->",
            "a < b",
            "&",
            "é",
            "&hellip;",
            "&#10;",
            "<",
            "-->",
        ];
        const OTHER_TEXTS: &[&str] = &[
            "&#128;",
            "&bogus;",
            "&amp",
            "<!-->",
            "<?pi?>",
            "<![CDATA[x]]>",
            "</>",
            "\r\n",
            "x\u{0}y",
        ];
        let mut rng = gen::Rng::new(0x0057_15c7);
        let (mut accepted, mut declined) = (0, 0);
        for _ in 0..20000 {
            let mut html = String::new();
            let mut open: Vec<&str> = Vec::new();
            let tame = rng.percent(60);
            // Short tame documents, so that many are accepted.
            let tokens = if tame { rng.between(1, 14) } else { rng.between(1, 40) };
            for _ in 0..tokens {
                match rng.below(100) {
                    0..=34 => {
                        let name = if tame || rng.percent(70) {
                            rng.pick(KNOWN_NAMES)
                        } else {
                            rng.pick(OTHER_NAMES)
                        };
                        html.push('<');
                        if rng.percent(5) {
                            html.push_str(&name.to_ascii_uppercase());
                        } else {
                            html.push_str(name);
                        }
                        for _ in 0..rng.below(3) {
                            html.push_str(rng.pick(ATTRS));
                        }
                        let self_closing = rng.percent(8);
                        html.push_str(if self_closing { "/>" } else { ">" });
                        if !self_closing && !matches!(name, "br" | "hr" | "img" | "col" | "input") {
                            open.push(name);
                        }
                    }
                    35..=64 => {
                        if let Some(name) = open.pop() {
                            let _ = write!(html, "</{name}>");
                        }
                    }
                    65..=69 if !tame => {
                        let _ = write!(html, "</{}>", rng.pick(KNOWN_NAMES));
                    }
                    _ if tame || rng.percent(70) => html.push_str(rng.pick(KNOWN_TEXTS)),
                    _ => html.push_str(rng.pick(OTHER_TEXTS)),
                }
            }
            if rng.percent(70) {
                while let Some(name) = open.pop() {
                    let _ = write!(html, "</{name}>");
                }
            }
            if check(&html) {
                accepted += 1;
            } else {
                declined += 1;
            }
        }
        // Both paths must have been exercised for the comparison to mean something.
        eprintln!("random markup: {accepted} accepted, {declined} declined");
        assert!(accepted > 4000 && declined > 4000, "accepted {accepted}, declined {declined}");
    }

    /// Whether a chapter carries raw HTML.
    fn has_raw_html(blocks: &[Block]) -> bool {
        let mut found = false;
        walk::for_each_block(blocks, &mut |block| {
            found |= matches!(block, Block::RawBlock { format: RawFormat::Html, .. });
        });
        // The walk over every inline sequence exists only for mutable models.
        walk::for_each_inlines_mut(&mut blocks.to_vec(), &mut |inlines| {
            found |= inlines
                .iter()
                .any(|inline| matches!(inline, Inline::RawInline { format: RawFormat::Html, .. }));
        });
        found
    }

    /// Renders every chapter of `source` as the EPUB writer does (EPUB 3 and 2) and checks the
    /// strict parser on it: chapters without raw HTML must be accepted, and every accepted
    /// chapter must give html5ever's tree. Returns (chapters, accepted).
    fn check_document(name: &str, source: &str, format: InputFormat) -> (usize, usize) {
        let (document, _) = crate::reader::read(source.as_bytes(), format, &ReadOptions::default())
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        let (mut chapters_seen, mut accepted) = (0, 0);
        for version in [Version::V3, Version::V2] {
            for split_level in [1, 2] {
                let options = WriteOptions {
                    epub: EpubOptions { split_level, ..EpubOptions::default() },
                    ..WriteOptions::default()
                };
                let split_level = chapters::effective_split_level(&document.blocks, split_level);
                let chapters = chapters::split_large(
                    chapters::split(&document.blocks, split_level),
                    crate::writer::epub::MAX_PART_TEXT,
                );
                let rendering = ChapterRendering::new(&options, version);
                for (index, chapter) in chapters.iter().enumerate() {
                    let (html, _) = rendering.chapter(index, chapter);
                    chapters_seen += 1;
                    if check(&html) {
                        accepted += 1;
                    } else {
                        // html5ever drops or replaces NUL and rewrites CR; both are declined.
                        assert!(
                            has_raw_html(chapter.blocks) || html.contains(['\0', '\r']),
                            "{name}: chapter {index} has no raw HTML but was declined"
                        );
                    }
                }
            }
        }
        (chapters_seen, accepted)
    }

    #[test]
    fn every_sample_chapter_parses_as_html5ever_does() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        for folder in ["samples", "tests/golden/markdown", "tests/regression"] {
            for entry in std::fs::read_dir(root.join(folder)).expect("folder") {
                files.push(entry.expect("entry").path());
            }
        }
        files.sort();
        let (mut chapters, mut accepted) = (0, 0);
        for path in files {
            let format = match path.extension().and_then(|e| e.to_str()) {
                Some("md") => InputFormat::Markdown(MarkdownFlavor::Markdown),
                Some("txt") => InputFormat::Text,
                _ => continue,
            };
            let source = std::fs::read_to_string(&path).expect("sample");
            let (seen, ok) = check_document(&path.display().to_string(), &source, format);
            chapters += seen;
            accepted += ok;
        }
        assert!(chapters > 50, "only {chapters} chapters");
        // Only hostile raw HTML (the EPUB stress sample) is declined.
        assert!(accepted * 4 >= chapters * 3, "{accepted} of {chapters} chapters accepted");
    }

    #[test]
    fn generated_book_chapters_parse_as_html5ever_does() {
        let (mut chapters, mut accepted) = (0, 0);
        for seed in [gen::SEED, 7] {
            let markdown = gen::markdown(250_000, seed);
            let (seen, ok) = check_document(
                "generated book",
                &markdown,
                InputFormat::Markdown(MarkdownFlavor::Markdown),
            );
            chapters += seen;
            accepted += ok;
            let text = gen::text(100_000, seed);
            let (seen, ok) = check_document("generated e-text", &text, InputFormat::Text);
            chapters += seen;
            accepted += ok;
        }
        assert_eq!(accepted, chapters, "the generator writes only well-formed raw HTML");
    }
}

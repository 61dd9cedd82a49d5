//! Helpers shared by the integration tests: fetching spec files, HTML normalisation, and
//! locating external validators.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder where downloaded test data is cached between runs (git-ignored).
pub fn cache_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/.cache");
    std::fs::create_dir_all(&dir).expect("create tests/.cache");
    dir
}

/// The CommonMark 0.31.2 spec text, from the npm package `commonmark-spec@0.31.2` (cached).
/// Fails loudly rather than skipping: CI must really run the spec.
pub fn commonmark_spec() -> String {
    let cached = cache_dir().join("commonmark-spec-0.31.2.txt");
    if !cached.exists() {
        let work = tempfile::tempdir().expect("temp dir");
        let status = Command::new("npm")
            .args(["pack", "commonmark-spec@0.31.2", "--silent"])
            .current_dir(work.path())
            .status()
            .expect("npm must be installed to fetch the CommonMark spec (npm pack commonmark-spec@0.31.2)");
        assert!(status.success(), "npm pack commonmark-spec@0.31.2 failed");
        let status = Command::new("tar")
            .args(["xzf", "commonmark-spec-0.31.2.tgz", "package/spec.txt"])
            .current_dir(work.path())
            .status()
            .expect("tar");
        assert!(status.success(), "could not unpack the commonmark-spec package");
        std::fs::copy(work.path().join("package/spec.txt"), &cached).expect("cache spec.txt");
    }
    std::fs::read_to_string(cached).expect("read cached spec")
}

/// One example of a spec file in the CommonMark format (input `.` expected HTML).
#[derive(Debug, Clone)]
pub struct SpecExample {
    /// 1-based number in the file.
    pub number: usize,
    /// The section heading it sits under.
    pub section: String,
    /// Markdown input.
    pub markdown: String,
    /// Expected HTML.
    pub html: String,
}

/// Parses the examples of a spec file (` ```````` example` blocks; `→` stands for a tab).
pub fn spec_examples(spec: &str) -> Vec<SpecExample> {
    let fence = "````````````````````````````````";
    let mut examples = Vec::new();
    let mut section = String::new();
    let mut lines = spec.lines();
    while let Some(line) = lines.next() {
        if let Some(heading) = line.strip_prefix('#') {
            section = heading.trim_start_matches('#').trim().to_string();
            continue;
        }
        if !(line.starts_with(fence) && line.trim_end().ends_with("example")) {
            continue;
        }
        let (mut markdown, mut html, mut in_html) = (String::new(), String::new(), false);
        for line in lines.by_ref() {
            if line.starts_with(fence) {
                break;
            }
            if line == "." && !in_html {
                in_html = true;
                continue;
            }
            let target = if in_html { &mut html } else { &mut markdown };
            target.push_str(&line.replace('→', "\t"));
            target.push('\n');
        }
        examples.push(SpecExample {
            number: examples.len() + 1,
            section: section.clone(),
            markdown,
            html,
        });
    }
    examples
}

const BLOCK_TAGS: &[&str] = &[
    "article",
    "header",
    "aside",
    "hgroup",
    "blockquote",
    "hr",
    "iframe",
    "body",
    "li",
    "map",
    "button",
    "object",
    "canvas",
    "ol",
    "caption",
    "output",
    "col",
    "p",
    "colgroup",
    "pre",
    "dd",
    "progress",
    "div",
    "section",
    "dl",
    "table",
    "td",
    "dt",
    "tbody",
    "embed",
    "textarea",
    "fieldset",
    "tfoot",
    "figcaption",
    "th",
    "figure",
    "thead",
    "footer",
    "tr",
    "form",
    "ul",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "video",
    "script",
    "style",
    "html",
    "head",
    "title",
    "meta",
];

#[derive(Debug)]
enum Token {
    Text(String),
    Tag { name: String, closing: bool, rendered: String },
    Other(String),
}

/// Normalises HTML the way the CommonMark spec's test harness does, so that insignificant
/// differences (attribute order, whitespace around block tags, `<br />` vs `<br>`, equivalent
/// character references) do not count.
pub fn normalize_html(html: &str) -> String {
    let tokens = tokenize(html);
    let mut out = String::new();
    let mut in_pre = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match token {
            Token::Tag { name, closing, rendered } => {
                if name == "pre" {
                    if *closing {
                        in_pre = in_pre.saturating_sub(1);
                    } else {
                        in_pre += 1;
                    }
                }
                out.push_str(rendered);
            }
            Token::Other(s) => out.push_str(s),
            Token::Text(text) => {
                let decoded = escape_text(&decode_entities(text));
                if in_pre > 0 {
                    out.push_str(&decoded);
                    continue;
                }
                let mut collapsed = String::new();
                for c in decoded.chars() {
                    if c.is_ascii_whitespace() {
                        if !collapsed.ends_with(' ') {
                            collapsed.push(' ');
                        }
                    } else {
                        collapsed.push(c);
                    }
                }
                let is_block = |t: Option<&Token>| matches!(t, Some(Token::Tag { name, .. }) if BLOCK_TAGS.contains(&name.as_str()));
                let prev_block = i == 0 || is_block(tokens.get(i.wrapping_sub(1)));
                let next_block = i + 1 == tokens.len() || is_block(tokens.get(i + 1));
                let mut s = collapsed.as_str();
                if prev_block {
                    s = s.trim_start();
                }
                if next_block {
                    s = s.trim_end();
                }
                out.push_str(s);
            }
        }
    }
    out
}

fn tokenize(html: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<!--") {
            let end = after.find("-->").map_or(rest.len(), |i| i + 7);
            tokens.push(Token::Other(rest[..end.min(rest.len())].to_string()));
            rest = &rest[end.min(rest.len())..];
            continue;
        }
        if rest.starts_with('<') {
            if let Some((token, len)) = parse_tag(rest) {
                tokens.push(token);
                rest = &rest[len..];
                continue;
            }
        }
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let next = rest[first..].find('<').map_or(rest.len(), |i| i + first);
        match tokens.last_mut() {
            Some(Token::Text(t)) => t.push_str(&rest[..next]),
            _ => tokens.push(Token::Text(rest[..next].to_string())),
        }
        rest = &rest[next..];
    }
    tokens
}

/// Parses `<name attr="v" …>` or `</name>`; returns None for anything that is not a clean tag.
fn parse_tag(s: &str) -> Option<(Token, usize)> {
    let bytes = s.as_bytes();
    let mut i = 1;
    let closing = bytes.get(i) == Some(&b'/');
    if closing {
        i += 1;
    }
    let name_start = i;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'-') {
        i += 1;
    }
    if i == name_start || !bytes[name_start].is_ascii_alphabetic() {
        return None;
    }
    let name = s[name_start..i].to_ascii_lowercase();
    let mut attrs: Vec<(String, Option<String>)> = Vec::new();
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        match bytes.get(i)? {
            b'>' => {
                i += 1;
                break;
            }
            b'/' if bytes.get(i + 1) == Some(&b'>') => {
                i += 2;
                break;
            }
            _ => {}
        }
        let attr_start = i;
        while i < bytes.len()
            && !bytes[i].is_ascii_whitespace()
            && !matches!(bytes[i], b'=' | b'>' | b'/' | b'"' | b'\'')
        {
            i += 1;
        }
        if i == attr_start {
            return None;
        }
        let attr = s[attr_start..i].to_ascii_lowercase();
        let mut value = None;
        let mut j = i;
        while j < bytes.len() && bytes[j].is_ascii_whitespace() {
            j += 1;
        }
        if bytes.get(j) == Some(&b'=') {
            j += 1;
            while j < bytes.len() && bytes[j].is_ascii_whitespace() {
                j += 1;
            }
            match bytes.get(j)? {
                q @ (b'"' | b'\'') => {
                    let end = s[j + 1..].find(*q as char)? + j + 1;
                    value = Some(s[j + 1..end].to_string());
                    i = end + 1;
                }
                _ => {
                    let start = j;
                    while j < bytes.len() && !bytes[j].is_ascii_whitespace() && bytes[j] != b'>' {
                        j += 1;
                    }
                    value = Some(s[start..j].to_string());
                    i = j;
                }
            }
        }
        attrs.push((attr, value));
    }
    attrs.sort();
    let mut rendered = String::from("<");
    if closing {
        rendered.push('/');
    }
    rendered.push_str(&name);
    for (attr, value) in attrs {
        rendered.push(' ');
        rendered.push_str(&attr);
        if let Some(value) = value {
            rendered.push_str("=\"");
            rendered.push_str(&escape_text(&decode_entities(&value)));
            rendered.push('"');
        }
    }
    rendered.push('>');
    Some((Token::Tag { name, closing, rendered }, i))
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Decodes numeric references and the few named ones the writers produce.
fn decode_entities(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let Some(end) = rest[..rest.len().min(40)].find(';') else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..end];
        let decoded =
            if let Some(num) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                u32::from_str_radix(num, 16).ok().and_then(char::from_u32)
            } else if let Some(num) = entity.strip_prefix('#') {
                num.parse().ok().and_then(char::from_u32)
            } else {
                match entity {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    "nbsp" => Some('\u{a0}'),
                    "copy" => Some('©'),
                    _ => None,
                }
            };
        match decoded {
            Some(c) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// True when CI=true (validators are then required, not optional).
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "0" && v != "false")
}

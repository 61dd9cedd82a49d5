//! What each fuzz target checks. One file shared by the cargo-fuzz targets
//! (`fuzz/fuzz_targets/*.rs`) and by the replay of saved findings (`tests/regression.rs`), so a
//! regression test runs exactly the code the fuzzer ran. Only folio's public API is used, so the
//! targets cover every reader and writer behind it as they land.
//!
//! Every check must hold for *any* input: no panic, no stack overflow, bounded output, and the
//! invariants below. A clean `Err` is an acceptable outcome of a conversion.

#![allow(dead_code)]

use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};
use folio::model::{walk, Document};
use folio::reader::{self, ReadOptions, MAX_MODEL_DEPTH};
use folio::resources::NoResources;
use folio::writer::{self, html, WriteOptions};
use folio::{Error, Options};

/// Inputs above this size are skipped: the targets hunt for crashes and blow-ups, and large
/// inputs only slow the search down (growth is tested in `tests/pathological.rs`).
pub const MAX_INPUT: usize = 64 * 1024;

/// Every output format, so new writers are fuzzed as soon as they exist.
pub const ALL_OUTPUTS: [OutputFormat; 4] =
    [OutputFormat::Html, OutputFormat::Json, OutputFormat::Epub, OutputFormat::Pdf];

/// Runs the check of the target called `target` (the fuzz target's name) on `data`.
pub fn run(target: &str, data: &[u8]) {
    match target {
        "markdown_to_model" => markdown_to_model(data),
        "text_to_model" => text_to_model(data),
        "json_to_model" => json_to_model(data),
        "markdown_to_html" => markdown_to_html(data),
        "model_to_epub" => model_to_epub(data),
        "model_to_pdf" => model_to_pdf(data),
        other => panic!("unknown fuzz target {other}"),
    }
}

/// The first byte chooses the options, the rest is the document: the fuzzer explores both.
fn split_selector(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((&selector, rest)) => (selector, rest),
        None => (0, data),
    }
}

fn markdown_format(selector: u8) -> InputFormat {
    InputFormat::Markdown(match selector % 3 {
        0 => MarkdownFlavor::Markdown,
        1 => MarkdownFlavor::Gfm,
        _ => MarkdownFlavor::CommonMark,
    })
}

fn read_options(selector: u8) -> ReadOptions {
    ReadOptions { smart: Some(selector & 4 != 0), encoding: None }
}

/// Markdown → model: the model is within the depth limit, its size is linear in the input,
/// and it survives a JSON round trip unchanged (what `-t json` writes, `-f json` reads).
pub fn markdown_to_model(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let (selector, input) = split_selector(data);
    match reader::read(input, markdown_format(selector), &read_options(selector)) {
        Ok((document, _)) => check_model(&document, input.len()),
        // Malformed front matter is the Markdown reader's only error.
        Err(Error::FrontMatter { .. }) => {}
        Err(other) => panic!("unexpected Markdown error: {other}"),
    }
    check_pieces(selector, input);
}

/// Large Markdown is cut into pieces parsed in parallel (`reader/markdown/chunks.rs`); the model
/// must not depend on the cut. Small pieces (7 to 100 bytes, chosen by the selector) make every
/// fuzz input a multi-piece one.
fn check_pieces(selector: u8, input: &[u8]) {
    use folio::reader::markdown::{read_in_pieces, MarkdownOptions};
    let Ok(source) = std::str::from_utf8(input) else { return };
    let InputFormat::Markdown(flavor) = markdown_format(selector) else { unreachable!() };
    let options = MarkdownOptions { flavor, smart: selector & 4 != 0 };
    let piece_len = 7 + usize::from(selector >> 3) * 3;
    let whole = read_in_pieces(source, &options, Some(usize::MAX));
    let pieces = read_in_pieces(source, &options, Some(piece_len));
    match (whole, pieces) {
        (Ok((whole, whole_warnings, _, _)), Ok((pieces, piece_warnings, _, _))) => {
            assert!(whole == pieces, "the model depends on the cut into {piece_len}-byte pieces");
            assert_eq!(whole_warnings, piece_warnings);
        }
        (Err(_), Err(_)) => {}
        (whole, pieces) => panic!(
            "whole read ok: {}, read in pieces ok: {}",
            whole.is_ok(),
            pieces.is_ok()
        ),
    }
}

/// Plain text → model: same invariants as Markdown; the text reader has no fatal errors
/// without a forced encoding.
pub fn text_to_model(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let (selector, input) = split_selector(data);
    match reader::read(input, InputFormat::Text, &read_options(selector)) {
        Ok((document, _)) => check_model(&document, input.len()),
        Err(error) => panic!("the text reader failed: {error}"),
    }
}

/// JSON → model: anything the JSON reader accepts must be writable in every format (a clean
/// error is fine) and round-trip unchanged; anything it refuses must be a clean error.
pub fn json_to_model(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let read = ReadOptions::default();
    let Ok((document, _)) = reader::read(data, InputFormat::Json, &read) else { return };
    assert!(walk::depth(&document.blocks) <= MAX_MODEL_DEPTH);
    assert_json_round_trip(&document);
    for safe in [false, true] {
        let mut options = Options::default();
        options.write.html.safe = safe;
        for to in ALL_OUTPUTS {
            let _ = folio::convert(data, InputFormat::Json, to, &options, &NoResources);
        }
    }
}

/// Markdown → HTML with every option combination the selector reaches; in safe mode the
/// output contains only the writer's own tags, no event handlers, and no dangerous URLs.
pub fn markdown_to_html(data: &[u8]) {
    if data.len() > MAX_INPUT {
        return;
    }
    let (selector, input) = split_selector(data);
    let mut options = Options { read: read_options(selector), ..Options::default() };
    options.write.html.safe = selector & 8 != 0;
    options.write.html.standalone = selector & 16 != 0;
    match folio::convert(
        input,
        markdown_format(selector),
        OutputFormat::Html,
        &options,
        &NoResources,
    ) {
        Ok(converted) => {
            let html = String::from_utf8(converted.bytes).expect("HTML output is UTF-8");
            if options.write.html.safe {
                if let Err(problem) = check_safe_html(&html) {
                    panic!("unsafe HTML in safe mode: {problem}\n{html}");
                }
            }
        }
        Err(Error::FrontMatter { .. }) => {}
        Err(other) => panic!("unexpected error: {other}"),
    }
}

/// Markdown (as the generator of models) → EPUB. Errors are fine; output must be deterministic.
pub fn model_to_epub(data: &[u8]) {
    model_to_binary(data, OutputFormat::Epub);
}

/// Markdown (as the generator of models) → PDF. Errors are fine; output must be deterministic.
pub fn model_to_pdf(data: &[u8]) {
    model_to_binary(data, OutputFormat::Pdf);
}

fn model_to_binary(data: &[u8], to: OutputFormat) {
    if data.len() > MAX_INPUT {
        return;
    }
    let (selector, input) = split_selector(data);
    let options = Options { read: read_options(selector), ..Options::default() };
    let Ok((document, _)) = folio::load(input, markdown_format(selector), &options) else {
        return;
    };
    let write = WriteOptions { timestamp: Some(1_700_000_000), ..options.write };
    let first = writer::write(&document, to, &write, &NoResources);
    if let Ok((bytes, _)) = first {
        assert!(!bytes.is_empty(), "{to} writer returned no bytes");
        let (again, _) = writer::write(&document, to, &write, &NoResources)
            .expect("a second identical write failed");
        assert!(bytes == again, "{to} output differs between two identical runs");
    }
}

/// Invariants of every model a text reader returns for `input_len` bytes.
fn check_model(document: &Document, input_len: usize) {
    let depth = walk::depth(&document.blocks);
    assert!(depth <= MAX_MODEL_DEPTH, "model depth {depth} exceeds {MAX_MODEL_DEPTH}");
    // Linear size: a few nodes per input byte, plus the footnote copying allowance.
    let nodes = walk::node_count(&document.blocks);
    let bound = 100_000 + 8 * input_len;
    assert!(nodes <= bound, "{nodes} model nodes from {input_len} bytes");
    assert_json_round_trip(document);
}

fn assert_json_round_trip(document: &Document) {
    let json = writer::json::write(document);
    match reader::read(json.as_bytes(), InputFormat::Json, &ReadOptions::default()) {
        Ok((back, _)) => assert!(back == *document, "JSON round trip changed the model"),
        Err(error) => panic!("folio cannot read back its own JSON: {error}"),
    }
}

/// The element names the HTML writer itself emits; in safe mode nothing else may appear.
const WRITER_TAGS: &[&str] = &[
    "!DOCTYPE",
    "html",
    "head",
    "meta",
    "title",
    "style",
    "body",
    "header",
    "main",
    "nav",
    "section",
    "p",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "div",
    "ul",
    "ol",
    "li",
    "input",
    "pre",
    "code",
    "hr",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "dl",
    "dt",
    "dd",
    "em",
    "strong",
    "del",
    "sup",
    "sub",
    "span",
    "a",
    "img",
    "br",
    "figure",
    "figcaption",
    "aside",
    // MathML written by `math::to_mathml` (its text is always escaped).
    "math",
    "semantics",
    "annotation",
    "mrow",
    "mi",
    "mn",
    "mo",
    "mtext",
    "mspace",
    "mstyle",
    "mfrac",
    "msqrt",
    "mroot",
    "msub",
    "msup",
    "msubsup",
    "munder",
    "mover",
    "munderover",
    "mtable",
    "mtr",
    "mtd",
];

/// Checks HTML written in safe mode: every tag is one of the writer's, no attribute is an event
/// handler, and no `href`/`src` is a script or data URL (after entity decoding, as a browser
/// would read it). Text `<` is always escaped, so every `<` starts a tag.
pub fn check_safe_html(html: &str) -> Result<(), String> {
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        let tag_and_after = &rest[start + 1..];
        let end = tag_and_after.find('>').ok_or("unterminated tag")?;
        let tag = &tag_and_after[..end];
        rest = &tag_and_after[end + 1..];
        let body = tag.strip_prefix('/').unwrap_or(tag);
        let name: String = body.chars().take_while(|c| !c.is_whitespace() && *c != '/').collect();
        if !WRITER_TAGS.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
            return Err(format!("unexpected element <{tag}>"));
        }
        if name.eq_ignore_ascii_case("style") && !tag.starts_with('/') {
            // Skip the stylesheet's text; it is the writer's own CSS.
            let close = rest.find("</style>").ok_or("unterminated <style>")?;
            rest = &rest[close..];
        }
        for (attribute, value) in attributes(&body[name.len()..])? {
            let lower = attribute.to_ascii_lowercase();
            // The writer's own `style` attributes: column alignment of table cells and of
            // MathML table cells (constant values, never taken from the input).
            let own_style = matches!(name.as_str(), "th" | "td" | "mtd");
            if lower.starts_with("on") || (lower == "style" && !own_style) {
                return Err(format!("attribute {attribute} in <{tag}>"));
            }
            if (lower == "href" || lower == "src")
                && html::is_dangerous_url(&decode_entities(&value))
            {
                return Err(format!("dangerous URL in <{tag}>"));
            }
        }
    }
    Ok(())
}

/// Parses `name="value"` pairs (the writer always double-quotes); bare names have no value.
fn attributes(mut s: &str) -> Result<Vec<(String, String)>, String> {
    let mut found = Vec::new();
    loop {
        s = s.trim_start();
        if s.is_empty() || s == "/" {
            return Ok(found);
        }
        let name_end = s.find(|c: char| c == '=' || c.is_whitespace()).unwrap_or(s.len());
        let name = s[..name_end].to_string();
        s = &s[name_end..];
        let Some(after_eq) = s.strip_prefix('=') else {
            found.push((name, String::new()));
            continue;
        };
        let quoted =
            after_eq.strip_prefix('"').ok_or_else(|| format!("unquoted value of {name}"))?;
        let close = quoted.find('"').ok_or_else(|| format!("unterminated value of {name}"))?;
        found.push((name, quoted[..close].to_string()));
        s = &quoted[close + 1..];
    }
}

/// Decodes the character references a browser would decode in an attribute value.
fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let semi = after.find(';').filter(|&i| i <= 10);
        let decoded = semi.and_then(|i| {
            let entity = &after[..i];
            let code = if let Some(hex) =
                entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X"))
            {
                u32::from_str_radix(hex, 16).ok()
            } else if let Some(dec) = entity.strip_prefix('#') {
                dec.parse().ok()
            } else {
                match entity {
                    "amp" => Some('&' as u32),
                    "lt" => Some('<' as u32),
                    "gt" => Some('>' as u32),
                    "quot" => Some('"' as u32),
                    "colon" => Some(':' as u32),
                    "Tab" => Some('\t' as u32),
                    "NewLine" => Some('\n' as u32),
                    _ => None,
                }
            };
            code.and_then(char::from_u32).map(|c| (c, i))
        });
        match decoded {
            Some((c, i)) => {
                out.push(c);
                rest = &after[i + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

//! Hostile content (issue 7): safe mode for untrusted input, attribute and URL injection, and
//! confinement of local resources to the allowed folders. Output is checked with the same
//! safe-HTML oracle the fuzz target `markdown_to_html` uses (`fuzz/checks.rs`).

#[path = "../fuzz/checks.rs"]
mod checks;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::Command;

use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};
use folio::model::{Attr, Block, Document, Image, Inline, Link, Math, Metadata};
use folio::resources::{FsResources, NoResources, ResourceError, Resources};
use folio::writer::html::{self, HtmlOptions};
use folio::{Options, WarningKind};

const MARKDOWN: InputFormat = InputFormat::Markdown(MarkdownFlavor::Markdown);

fn html_of(markdown: &str, safe: bool) -> String {
    let mut options = Options::default();
    options.write.html.safe = safe;
    options.write.html.standalone = false;
    let converted =
        folio::convert(markdown.as_bytes(), MARKDOWN, OutputFormat::Html, &options, &NoResources)
            .expect("converts");
    String::from_utf8(converted.bytes).expect("UTF-8")
}

fn assert_safe(html: &str) {
    if let Err(problem) = checks::check_safe_html(html) {
        panic!("{problem}\n--- output ---\n{html}");
    }
}

/// The `href`/`src` values of `html`, in order.
fn urls(html: &str) -> Vec<String> {
    let mut found = Vec::new();
    for attribute in ["href=\"", "src=\""] {
        let mut rest = html;
        while let Some(i) = rest.find(attribute) {
            rest = &rest[i + attribute.len()..];
            let end = rest.find('"').expect("closing quote");
            found.push(rest[..end].to_string());
        }
    }
    found
}

// ---------------------------------------------------------------------------------------------
// Safe mode

#[test]
fn safe_mode_escapes_raw_html() {
    let markdown = "<script>alert(1)</script>\n\n<div onclick=\"steal()\">block</div>\n\n\
                    Text <img src=x onerror=alert(1)> and <a href=\"javascript:x\">link</a>.\n\n\
                    <iframe src=\"https://evil.example\"></iframe>\n\n<!-- <script> -->\n";
    let safe = html_of(markdown, true);
    assert_safe(&safe);
    assert!(safe.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), "{safe}");
    assert!(safe.contains("&lt;img src=x onerror=alert(1)&gt;"), "{safe}");
    // Without --safe, raw HTML passes through (trusted input is the default, like pandoc).
    let trusted = html_of(markdown, false);
    assert!(trusted.contains("<script>alert(1)</script>"));
}

#[test]
fn safe_mode_removes_script_and_data_urls_however_they_are_written() {
    let hostile = [
        "[a](javascript:alert(1))",
        "[a](JaVaScRiPt:alert(1))",
        "[a](<java\tscript:alert(1)>)",
        "[a](java&#09;script:alert(1))",
        "[a](java&#10;script:alert(1))",
        "[a](javascript&#58;alert(1))",
        "[a](javascript&colon;alert(1))",
        "[a](&#106;avascript:alert(1))",
        "[a](&#x6A;avascript:alert(1))",
        "[a](&#1;javascript:alert(1))",
        "[a](< javascript:alert(1)>)",
        "[a](vbscript:msgbox(1))",
        "[a](VBScript:msgbox(1))",
        "[a](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "[a](DATA:text/html,<script>alert(1)</script>)",
        "![a](data:image/svg+xml;base64,PHN2Zz48c2NyaXB0Pg==)",
        "![a](javascript:alert(1))",
        "<javascript:alert(1)>",
        "<JAVASCRIPT:alert(1)>",
        "[a][r]\n\n[r]: javascript:alert(1)",
        "[a][r]\n\n[r]: <java\tscript:alert(1)>",
    ];
    for markdown in hostile {
        let safe = html_of(markdown, true);
        assert_safe(&safe);
        let found = urls(&safe);
        assert!(found.iter().all(String::is_empty), "{markdown:?} kept a URL: {safe}");
        assert!(!found.is_empty(), "{markdown:?} should still be a link or image: {safe}");
    }
}

#[test]
fn safe_mode_keeps_ordinary_urls() {
    let ordinary = [
        ("[a](https://example.org/x?q=1&r=2)", "https://example.org/x?q=1&amp;r=2"),
        ("[a](mailto:me@example.org)", "mailto:me@example.org"),
        ("[a](#section)", "#section"),
        ("[a](docs/javascript.html)", "docs/javascript.html"),
        ("[a](%6Aavascript:alert(1))", "%6Aavascript:alert(1)"),
        ("![a](data:image/png;base64,iVBORw0KGgo=)", "data:image/png;base64,iVBORw0KGgo="),
    ];
    for (markdown, url) in ordinary {
        let safe = html_of(markdown, true);
        assert_eq!(urls(&safe), vec![url.to_string()], "{markdown}");
    }
}

#[test]
fn heading_attributes_never_become_event_handlers() {
    let markdown =
        "# Title {#top .big onclick=alert(1) ONMOUSEOVER=x onfocus=y data-x=1 lang=en}\n";
    for safe in [false, true] {
        let html = html_of(markdown, safe);
        assert_safe(&html);
        assert!(
            html.starts_with("<h1 id=\"top\" class=\"big\" data-x=\"1\" lang=\"en\">"),
            "{html}"
        );
    }
    // In safe mode `style` goes too: it can restyle the page or load remote images.
    let styled = "# Title {style=position:fixed}\n";
    assert!(html_of(styled, false).contains("style=\"position:fixed\""));
    assert!(!html_of(styled, true).contains("style"));
}

/// A model with injection attempts everywhere a string reaches the HTML, as a JSON model could
/// carry them.
fn injection_model() -> Document {
    let evil = "\"><script>alert(1)</script><x y=\"";
    let attr = Attr {
        id: Some(evil.to_string()),
        classes: vec![evil.to_string(), "a\" onclick=\"b".to_string()],
        attributes: vec![
            ("title".to_string(), evil.to_string()),
            ("x\" onclick=\"y".to_string(), "v".to_string()),
            ("onload".to_string(), "alert(1)".to_string()),
            ("1bad".to_string(), "v".to_string()),
            ("id".to_string(), "second-id".to_string()),
            ("title".to_string(), "second title".to_string()),
        ],
    };
    Document {
        meta: Metadata {
            title: Some(format!("</title>{evil}")),
            lang: Some(evil.to_string()),
            authors: vec![evil.to_string()],
            description: Some(evil.to_string()),
            ..Metadata::default()
        },
        blocks: vec![
            Block::Heading {
                level: 2,
                attr: Box::new(attr),
                content: vec![Inline::Text(evil.into())].into(),
            },
            Block::CodeBlock { info: format!("rust{evil}"), code: evil.to_string() },
            Block::Paragraph(
                vec![
                    Inline::Link(Box::new(Link {
                        url: format!("https://x/{evil}"),
                        title: evil.to_string(),
                        content: vec![Inline::Code(evil.into())],
                    })),
                    Inline::Image(Box::new(Image {
                        url: evil.to_string(),
                        title: evil.to_string(),
                        alt: vec![Inline::Text(evil.into())],
                    })),
                    Inline::Math(Box::new(Math { display: false, tex: evil.to_string() })),
                ]
                .into(),
            ),
        ],
    }
}

#[test]
fn attribute_values_cannot_break_out_of_their_quotes() {
    let document = injection_model();
    for safe in [false, true] {
        for standalone in [false, true] {
            let options = HtmlOptions { safe, standalone, ..HtmlOptions::default() };
            let html = html::write(&document, &options);
            assert_safe(&html);
            assert!(!html.contains("<script"), "{html}");
            // Repeated attributes would make EPUB's XHTML malformed.
            let heading = html.lines().find(|l| l.starts_with("<h2")).expect("heading");
            assert_eq!(heading.matches(" id=\"").count(), 1, "{heading}");
            assert_eq!(heading.matches(" title=\"").count(), 1, "{heading}");
        }
    }
}

/// Every output format in safe mode for `markdown`, skipping (with a note) writers that return
/// an error (EPUB and PDF until they land).
fn safe_outputs(markdown: &str) -> Vec<(OutputFormat, Vec<u8>)> {
    let mut options = Options::default();
    options.write.html.safe = true;
    let mut outputs = Vec::new();
    for to in checks::ALL_OUTPUTS {
        match folio::convert(markdown.as_bytes(), MARKDOWN, to, &options, &NoResources) {
            Ok(converted) => outputs.push((to, converted.bytes)),
            Err(error) => println!("{to}: skipped, the writer returned an error: {error}"),
        }
    }
    outputs
}

/// Checks the XHTML documents inside an EPUB for active content. EPUB chapters come from the
/// HTML writer, so safe mode must hold there too. Extend this when the EPUB writer lands
/// (e.g. with the XHTML allow-list of the EPUB writer's own templates).
fn assert_epub_has_no_active_content(epub: &[u8]) {
    let Some(files) = unzip_text_files(epub) else { return };
    for (name, text) in files {
        if !(name.ends_with(".xhtml") || name.ends_with(".html") || name.ends_with(".htm")) {
            continue;
        }
        let lower = text.to_ascii_lowercase();
        assert!(!lower.contains("<script"), "{name} has a script element");
        assert!(!lower.contains("javascript:"), "{name} has a javascript: URL");
        assert!(!lower.contains(" onclick=") && !lower.contains(" onerror="), "{name}: handler");
    }
}

/// The text files of a ZIP archive, through the `unzip` program (no ZIP crate is a dependency
/// of the tests). `None`, with a note, when `unzip` is missing outside CI.
fn unzip_text_files(archive: &[u8]) -> Option<BTreeMap<String, String>> {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("archive.zip");
    std::fs::write(&path, archive).expect("write archive");
    let out = dir.path().join("x");
    match Command::new("unzip").arg("-q").arg(&path).arg("-d").arg(&out).status() {
        Ok(status) => assert!(status.success(), "unzip failed on the EPUB"),
        Err(_) if std::env::var_os("CI").is_none() => {
            println!("unzip is not installed: EPUB contents not checked");
            return None;
        }
        Err(error) => panic!("unzip is required in CI: {error}"),
    }
    let mut files = BTreeMap::new();
    let mut pending = vec![out.clone()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                pending.push(path);
            } else if let Ok(text) = std::fs::read_to_string(&path) {
                let name = path.strip_prefix(&out).expect("inside").display().to_string();
                files.insert(name, text);
            }
        }
    }
    Some(files)
}

#[test]
fn safe_mode_holds_in_every_output_format() {
    let markdown = "# T {onclick=x}\n\n<script>alert(1)</script>\n\n[a](javascript:alert(1)) \
                    <span onmouseover=\"x\">s</span> ![i](data:text/html,<script>x</script>)\n";
    for (format, bytes) in safe_outputs(markdown) {
        match format {
            OutputFormat::Html => assert_safe(std::str::from_utf8(&bytes).expect("UTF-8")),
            OutputFormat::Epub => assert_epub_has_no_active_content(&bytes),
            // The JSON model keeps the input as it is (safe mode is a writer setting); PDF has
            // no scripting of folio's making: only links, which safe mode must not emit.
            OutputFormat::Json => {}
            OutputFormat::Pdf => {
                let text = String::from_utf8_lossy(&bytes).to_ascii_lowercase();
                assert!(!text.contains("/javascript") && !text.contains("javascript:"));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Local resources

/// A folder tree: `root/` (the allowed root, with an image, a sub-folder and symlinks) and
/// `outside/` (a secret the document must not reach).
struct Tree {
    _dir: tempfile::TempDir,
    root: PathBuf,
    outside: PathBuf,
}

const IMAGE: &[u8] = b"\x89PNG\r\n\x1a\n inside";
const SECRET: &[u8] = b"secret bytes";

fn tree() -> Tree {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().join("root");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(root.join("sub")).expect("mkdir");
    std::fs::create_dir_all(&outside).expect("mkdir");
    std::fs::write(root.join("image.png"), IMAGE).expect("write");
    std::fs::write(outside.join("secret.png"), SECRET).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::symlink;
        symlink(outside.join("secret.png"), root.join("escape.png")).expect("symlink");
        symlink(&outside, root.join("escape-dir")).expect("symlink");
        symlink(root.join("image.png"), root.join("sub/alias.png")).expect("symlink");
    }
    let root = root.canonicalize().expect("canonical");
    let outside = outside.canonicalize().expect("canonical");
    Tree { _dir: dir, root, outside }
}

fn resources(tree: &Tree) -> FsResources {
    FsResources::new(vec![tree.root.clone()], Some(tree.root.clone()))
}

fn assert_refused(resources: &dyn Resources, reference: &str) {
    match resources.load(reference) {
        Err(error @ ResourceError::OutsideRoot(_)) => {
            let message = error.to_string();
            assert!(message.starts_with(reference), "names the path: {message}");
            assert!(message.contains("outside the allowed folders"), "{message}");
        }
        Ok(bytes) => panic!("{reference}: read {} bytes from outside the root", bytes.len()),
        Err(other) => panic!("{reference}: expected a refusal, got {other}"),
    }
}

#[test]
fn paths_leading_outside_the_root_are_refused() {
    let tree = tree();
    let resources = resources(&tree);
    let secret = tree.outside.join("secret.png").display().to_string();
    let refused = [
        "../outside/secret.png".to_string(),
        "sub/../../outside/secret.png".to_string(),
        "../../../../../../../../etc/passwd".to_string(),
        "/etc/passwd".to_string(),
        secret.clone(),
        format!("file://{secret}"),
        "file:///etc/passwd".to_string(),
        "..%2foutside%2fsecret.png".to_string(),
        "%2e%2e/outside/secret.png".to_string(),
        "%2E%2E%2Foutside%2Fsecret.png".to_string(),
        // Missing files outside are refused too, so a document cannot probe what exists.
        "../outside/missing.png".to_string(),
        "/nonexistent/folder/file.png".to_string(),
    ];
    for reference in &refused {
        assert_refused(&resources, reference);
    }
}

#[cfg(unix)]
#[test]
fn symlinks_leading_outside_the_root_are_refused() {
    let tree = tree();
    let resources = resources(&tree);
    assert_refused(&resources, "escape.png");
    assert_refused(&resources, "escape-dir/secret.png");
    // A symlink that stays inside is fine.
    assert_eq!(resources.load("sub/alias.png").expect("inside"), IMAGE);
}

#[test]
fn paths_inside_the_root_are_read() {
    let tree = tree();
    let resources = resources(&tree);
    let absolute = tree.root.join("image.png").display().to_string();
    for reference in ["image.png", "./image.png", "sub/../image.png", "image%2Epng", &absolute] {
        assert_eq!(resources.load(reference).expect(reference), IMAGE, "{reference}");
    }
    assert!(matches!(resources.load("missing.png"), Err(ResourceError::NotFound(_))));
}

#[cfg(unix)]
#[test]
fn special_files_inside_the_root_are_not_read() {
    // A named pipe would block the conversion forever; a folder is not an image.
    let tree = tree();
    let fifo = tree.root.join("pipe.png");
    let made = Command::new("mkfifo").arg(&fifo).status().map(|s| s.success()).unwrap_or(false);
    let resources = resources(&tree);
    if made {
        match resources.load("pipe.png") {
            Err(ResourceError::Unreadable(name, reason)) => {
                assert_eq!(name, "pipe.png");
                assert!(reason.contains("not a regular file"), "{reason}");
            }
            other => panic!("expected a refusal of the pipe, got {other:?}"),
        }
    } else {
        println!("mkfifo unavailable: named pipe case not checked");
    }
    assert!(matches!(resources.load("sub"), Err(ResourceError::Unreadable(..))));
}

#[test]
fn remote_resources_are_never_fetched() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.set_nonblocking(true).expect("nonblocking");
    let port = listener.local_addr().expect("addr").port();
    let tree = tree();
    let fs = resources(&tree);
    let memory = folio::resources::MemResources::default();
    let sources: [&dyn Resources; 2] = [&fs, &NoResources];
    for reference in [
        format!("http://127.0.0.1:{port}/image.png"),
        format!("HTTPS://127.0.0.1:{port}/image.png"),
        format!("//127.0.0.1:{port}/image.png"),
        format!("ftp://127.0.0.1:{port}/image.png"),
    ] {
        for resources in sources {
            match resources.load(&reference) {
                Err(error @ ResourceError::Remote(_)) => {
                    assert!(error.to_string().starts_with(&reference))
                }
                other => panic!("{reference}: expected Remote, got {other:?}"),
            }
        }
        assert!(memory.load(&reference).is_err());
    }
    match listener.accept() {
        Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {}
        Ok((_, peer)) => panic!("folio connected to the network from {peer}"),
        Err(error) => panic!("accept: {error}"),
    }
}

/// Converts a document whose image lies outside the root into every format that embeds
/// resources; where the writer exists, the image must be refused with a warning naming it.
#[test]
fn writers_report_refused_resources_as_warnings() {
    let tree = tree();
    let resources = resources(&tree);
    let markdown = "![secret](../outside/secret.png)\n\n![fine](image.png)\n";
    for to in [OutputFormat::Epub, OutputFormat::Pdf] {
        let options = Options::default();
        match folio::convert(markdown.as_bytes(), MARKDOWN, to, &options, &resources) {
            Ok(converted) => {
                let refusal = converted.warnings.iter().find(|w| {
                    w.kind == WarningKind::RefusedResource
                        && w.message.contains("../outside/secret.png")
                });
                assert!(refusal.is_some(), "{to}: {:?}", converted.warnings);
            }
            Err(error) => println!("{to}: skipped, the writer returned an error: {error}"),
        }
    }
}

#[test]
fn resource_roots_are_the_canonical_folders() {
    // A root given through `..` or a symlinked path still confines correctly.
    let tree = tree();
    let indirect = tree.root.join("sub").join("..");
    let resources = FsResources::new(vec![indirect.clone()], Some(indirect));
    assert_eq!(resources.load("image.png").expect("inside"), IMAGE);
    assert_refused(&resources, "../outside/secret.png");
}

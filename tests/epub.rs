//! EPUB writer tests: every sample and a set of hostile documents must pass EPUBCheck with no
//! errors and no warnings, as EPUB 3 and as EPUB 2; plus structural checks on the package
//! (mimetype entry, OPF metadata, chapter split, cross-chapter links, determinism).
//!
//! EPUBCheck runs for real (`java -jar /usr/share/java/epubcheck.jar`, or `$EPUBCHECK_JAR`).
//! Without it the validation tests are skipped with a message, except when `CI` is set, where
//! they fail.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use folio::format::{InputFormat, OutputFormat};
use folio::resources::{FsResources, MemResources, NoResources, Resources};
use folio::{convert, Options, Warning};

fn samples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

fn options(version: u8) -> Options {
    let mut options = Options::default();
    options.write.epub.version = version;
    options
}

fn epub_from(
    input: &str,
    from: &str,
    options: &Options,
    resources: &dyn Resources,
) -> (Vec<u8>, Vec<Warning>) {
    let from: InputFormat = from.parse().expect("known input format");
    let converted = convert(input.as_bytes(), from, OutputFormat::Epub, options, resources)
        .unwrap_or_else(|e| panic!("conversion failed: {e}"));
    (converted.bytes, converted.warnings)
}

fn epub(markdown: &str, version: u8) -> Vec<u8> {
    epub_from(markdown, "markdown", &options(version), &NoResources).0
}

// ---------------------------------------------------------------------------------------------
// EPUBCheck

fn epubcheck_jar() -> Option<PathBuf> {
    let jar = std::env::var_os("EPUBCHECK_JAR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/usr/share/java/epubcheck.jar"));
    let java = Command::new("java").arg("-version").output().is_ok();
    if jar.exists() && java {
        Some(jar)
    } else if std::env::var_os("CI").is_some() {
        panic!(
            "EPUBCheck is required in CI: install java and epubcheck ({} missing)",
            jar.display()
        );
    } else {
        eprintln!("skipping EPUBCheck: {} or java not found", jar.display());
        None
    }
}

/// Runs EPUBCheck on each (name, bytes) and returns the failures with EPUBCheck's messages.
fn epubcheck_all(books: Vec<(String, Vec<u8>)>) -> Vec<String> {
    let Some(jar) = epubcheck_jar() else { return Vec::new() };
    let dir = tempfile::tempdir().expect("temp dir");
    let paths: Vec<(String, PathBuf)> = books
        .into_iter()
        .enumerate()
        .map(|(i, (name, bytes))| {
            let path = dir.path().join(format!("book-{i}.epub"));
            std::fs::write(&path, bytes).expect("write epub");
            (name, path)
        })
        .collect();
    // Two at a time: each run starts a JVM.
    let mut failures = Vec::new();
    for pair in paths.chunks(2) {
        let results: Vec<Option<String>> = std::thread::scope(|scope| {
            let handles: Vec<_> = pair
                .iter()
                .map(|(name, path)| scope.spawn(|| epubcheck_one(&jar, name, path)))
                .collect();
            handles.into_iter().map(|h| h.join().expect("epubcheck thread")).collect()
        });
        failures.extend(results.into_iter().flatten());
    }
    failures
}

fn epubcheck_one(jar: &Path, name: &str, path: &Path) -> Option<String> {
    let output = Command::new("java").arg("-jar").arg(jar).arg(path).output().expect("run java");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let clean = text.contains("0 fatals / 0 errors / 0 warnings")
        || text.contains("No errors or warnings detected");
    let flagged = text
        .lines()
        .any(|l| l.starts_with("ERROR") || l.starts_with("WARNING") || l.starts_with("FATAL"));
    if output.status.success() && clean && !flagged {
        None
    } else {
        Some(format!("{name}:\n{text}"))
    }
}

fn assert_valid(books: Vec<(String, Vec<u8>)>) {
    let failures = epubcheck_all(books);
    assert!(failures.is_empty(), "EPUBCheck failures:\n{}", failures.join("\n"));
}

#[test]
fn every_sample_is_valid_epub3_and_epub2() {
    let mut books = Vec::new();
    let mut entries: Vec<PathBuf> = std::fs::read_dir(samples_dir())
        .expect("samples folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("md" | "txt")))
        .collect();
    entries.sort();
    assert!(!entries.is_empty(), "no samples found");
    let resources = FsResources::new(vec![samples_dir()], None);
    for path in &entries {
        let input = std::fs::read_to_string(path).expect("read sample");
        let from = if path.extension().is_some_and(|e| e == "txt") { "text" } else { "markdown" };
        for version in [3, 2] {
            let (bytes, _) = epub_from(&input, from, &options(version), &resources);
            books.push((format!("{} (EPUB {version})", path.display()), bytes));
        }
    }
    assert_valid(books);
}

/// Documents at the edges: empty, headings only, no headings, no title, deep nesting, hostile
/// raw HTML, odd metadata.
fn edge_documents() -> Vec<(&'static str, String)> {
    let mut deep_list = String::new();
    for depth in 0..40 {
        deep_list.push_str(&"  ".repeat(depth));
        deep_list.push_str(&format!("- level {depth} with a note[^d{depth}]\n"));
    }
    for depth in 0..40 {
        deep_list.push_str(&format!("\n[^d{depth}]: Note {depth}.\n"));
    }
    let deep_quote = format!("{}deep quote\n", "> ".repeat(60));
    let deep_html = format!("{}deep{}", "<div><span>".repeat(300), "</span></div>".repeat(300));
    let tag_soup = "<p><b><i>a</b>c</i></p><table><tr><td><table><td>x</table></table>\
        <ul><li><ul></ul></li><dl><dt></dl></ul><h1><h2>x</h1></h2><a href='#'><a href='https://e.com'>n</a></a>\
        <form><input type=checkbox checked><button>b</button></form><p>&bogus; &#0; &#xD800; &#1114112;</p>\
        <x:y>ns</x:y><svg:rect/><o:p></o:p><p style=\"position:fixed\">s</p><center>c</center>\
        <marquee>m</marquee><noscript><p>ns</p></noscript><object data='x'>fallback</object>\
        <template><p>t</p></template><caption>stray</caption><tr><td>stray cell</td></tr><col>\
        <summary>stray summary</summary><figcaption>stray</figcaption><rt>r</rt><optgroup>o</optgroup>\
        <a href=\"data:text/html,x\">d</a><a href=\"file:///etc/passwd\">f</a><a href=\"http://[bad\">b</a>\
        <img><img src=\"\"><img src=\"data:image/png;base64,AAAA\"><p id=\"\">e</p><p id=\"a b\">s</p><p id=\"a-b\">t</p>"
        .to_string();
    vec![
        ("empty", String::new()),
        ("whitespace", "   \n\n  \n".to_string()),
        ("headings only", "# One\n## Two\n### Three\n# Four\n".to_string()),
        ("no headings", "Just a paragraph.\n\nAnd another with a note.[^1]\n\n[^1]: The note.\n".to_string()),
        ("no title, h2 top", "## Setup\n\nText.\n\n## Use\n\nMore [back](#setup).\n".to_string()),
        ("unicode title", "---\ntitle: \"日本語のタイトル — Ελληνικά ✓\"\nauthor: \"Zoë <Z> & Co\"\nlang: ja\n---\n\n# 第一章\n\n本文。\n".to_string()),
        ("rtl", "---\ntitle: كتاب\nlang: ar\n---\n\n# الفصل\n\nنص.\n".to_string()),
        ("odd metadata", "---\ntitle: \"  \"\nlang: \"not a language\"\ndate: \"sometime\"\nidentifier: \"isbn:978-3-16-148410-0 & <x>\"\nkeywords: [\"\"]\ndescription: \"a \\\"quoted\\\" <b>desc</b>\"\n---\n\nBody.\n".to_string()),
        // The first chapter is the EPUB 2 guide's "text" reference, which shares its href
        // with the manifest item: the MathML property once landed on both (invalid OPF).
        ("math in the first chapter", "# Sums\n\nInline $x^2$ and\n\n$$\\frac{a}{b}$$\n\n# Next\n\nPlain.\n".to_string()),
        ("only raw html", "<div>\n<h1 id=\"x\">Raw heading</h1>\n<a href=\"#x\">self</a>\n</div>\n".to_string()),
        // Content-level hostility shares one book (each EPUBCheck run starts a JVM).
        (
            "hostile content",
            [
                deep_list,
                deep_quote,
                deep_html,
                tag_soup,
                "Text with \u{1}\u{8}\u{b}\u{c}\u{7f}\u{85}\u{fffe} controls.\n\n# Head\u{1}ing\n".to_string(),
                "# Same\n\n# Same\n\n[first](#same) [second](#same-1)\n".to_string(),
                "Inline $a<b$ and $$\\sum_{i=0}^n i$$ display.\n".to_string(),
            ]
            .join("\n\n"),
        ),
    ]
}

#[test]
fn edge_documents_are_valid_epub3_and_epub2() {
    let mut books = Vec::new();
    for (name, markdown) in edge_documents() {
        for version in [3, 2] {
            books.push((format!("{name} (EPUB {version})"), epub(&markdown, version)));
        }
    }
    // Plain text input too.
    for version in [3, 2] {
        let text =
            "TITLE OF A PLAIN TEXT\n\nA paragraph of plain text.\n\n\u{c}\nAfter a form feed.\n";
        books.push((
            format!("plain text (EPUB {version})"),
            epub_from(text, "text", &options(version), &NoResources).0,
        ));
    }
    assert_valid(books);
}

#[test]
fn cover_image_and_split_levels_are_valid() {
    let resources = FsResources::new(vec![samples_dir()], None);
    let input =
        std::fs::read_to_string(samples_dir().join("epub-stress.md")).expect("stress sample");
    let mut books = Vec::new();
    for version in [3, 2] {
        let mut opts = options(version);
        opts.write.epub.cover_image = Some("epub-images/cover.png".to_string());
        opts.write.epub.split_level = 2;
        opts.write.html.toc = true;
        books.push((
            format!("cover, split 2, contents page (EPUB {version})"),
            epub_from(&input, "markdown", &opts, &resources).0,
        ));
        let mut opts = options(version);
        opts.write.epub.cover_image = Some("epub-images/missing-cover.png".to_string());
        opts.write.epub.split_level = 6;
        opts.write.html.css.push("p { color: #333; }".to_string());
        books.push((
            format!("missing cover, split 6 (EPUB {version})"),
            epub_from(&input, "markdown", &opts, &resources).0,
        ));
    }
    assert_valid(books);
}

// ---------------------------------------------------------------------------------------------
// Structure

fn entries(bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("entry");
            let mut data = Vec::new();
            file.read_to_end(&mut data).expect("read entry");
            (file.name().to_string(), data)
        })
        .collect()
}

fn entry(bytes: &[u8], name: &str) -> String {
    let found = entries(bytes).into_iter().find(|(n, _)| n == name);
    String::from_utf8(found.unwrap_or_else(|| panic!("no entry {name}")).1).expect("utf-8")
}

#[test]
fn mimetype_is_the_first_stored_entry() {
    for version in [3, 2] {
        let bytes = epub("# Title\n\nText.\n", version);
        // The local file header: signature, then compression method 0 (stored) at offset 8.
        assert_eq!(&bytes[0..4], b"PK\x03\x04");
        assert_eq!(u16::from_le_bytes([bytes[8], bytes[9]]), 0, "mimetype must be stored");
        let name_len = u16::from_le_bytes([bytes[26], bytes[27]]) as usize;
        let extra_len = u16::from_le_bytes([bytes[28], bytes[29]]) as usize;
        assert_eq!(&bytes[30..30 + name_len], b"mimetype");
        let data = 30 + name_len + extra_len;
        assert_eq!(&bytes[data..data + 20], b"application/epub+zip");
    }
}

#[test]
fn opf_carries_the_metadata() {
    let markdown = "---\ntitle: The Book\nauthor: [Ann Author, Bob Writer]\nlang: de-CH\ndate: 2023-04-05\ndescription: About it.\nkeywords: [one, two]\n---\n\n# A\n\n![pic](p.png)\n";
    let mut resources = MemResources::default();
    resources.0.insert("p.png".to_string(), png_bytes());
    let mut opts = options(3);
    opts.write.timestamp = Some(1_700_000_000);
    let (bytes, warnings) = epub_from(markdown, "markdown", &opts, &resources);
    assert!(warnings.is_empty(), "{warnings:?}");
    let opf = entry(&bytes, "OEBPS/content.opf");
    for needle in [
        "<dc:title>The Book</dc:title>",
        ">Ann Author</dc:creator>",
        ">Bob Writer</dc:creator>",
        "<dc:language>de-CH</dc:language>",
        "<dc:description>About it.</dc:description>",
        "<dc:subject>two</dc:subject>",
        "<dc:date>2023-04-05T00:00:00Z</dc:date>",
        "<meta property=\"dcterms:modified\">2023-11-14T22:13:20Z</meta>",
        "<meta property=\"schema:accessMode\">textual</meta>",
        "<meta property=\"schema:accessMode\">visual</meta>",
        "<meta property=\"schema:accessibilityFeature\">alternativeText</meta>",
        "<meta property=\"schema:accessibilitySummary\">",
        "<meta property=\"schema:accessibilityHazard\">none</meta>",
        "media-type=\"image/png\"",
        ">urn:uuid:",
    ] {
        assert!(opf.contains(needle), "OPF lacks {needle}:\n{opf}");
    }
    // Each id once (the epub-builder template gives language and creator the same id).
    let ids: Vec<&str> =
        opf.split(" id=\"").skip(1).map(|s| s.split('"').next().unwrap_or("")).collect();
    let mut unique = ids.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(ids.len(), unique.len(), "duplicate ids in OPF: {ids:?}");
    let ncx = entry(&bytes, "OEBPS/toc.ncx");
    let identifier = opf
        .split("<dc:identifier id=\"epub-id-1\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("identifier");
    assert!(ncx.contains(&format!("<meta name=\"dtb:uid\" content=\"{identifier}\" />")), "{ncx}");
}

fn png_bytes() -> Vec<u8> {
    std::fs::read(samples_dir().join("epub-images/square.png")).expect("sample png")
}

#[test]
fn identifier_from_metadata_and_from_content() {
    let opf_of = |md: &str| entry(&epub(md, 3), "OEBPS/content.opf");
    let given = opf_of("---\nidentifier: isbn-123\n---\n\nx\n");
    assert!(given.contains("<dc:identifier id=\"epub-id-1\">isbn-123</dc:identifier>"), "{given}");
    let a = opf_of("Text A.\n");
    let b = opf_of("Text B.\n");
    let id = |opf: &str| opf.split("<dc:identifier").nth(1).map(str::to_string);
    assert_eq!(id(&a), id(&opf_of("Text A.\n")), "same content, same identifier");
    assert_ne!(id(&a), id(&b), "different content, different identifier");
}

#[test]
fn output_is_byte_identical_for_identical_input() {
    let input =
        std::fs::read_to_string(samples_dir().join("epub-stress.md")).expect("stress sample");
    let resources = FsResources::new(vec![samples_dir()], None);
    for version in [3, 2] {
        let first = epub_from(&input, "markdown", &options(version), &resources).0;
        let second = epub_from(&input, "markdown", &options(version), &resources).0;
        assert!(first == second, "EPUB {version} output differs between runs");
    }
}

#[test]
fn chapters_split_at_headings_and_links_cross_them() {
    let markdown = "Intro [to three](#three).\n\n# One\n\nText[^n].\n\n[^n]: A note.\n\n## One point one\n\n# Two\n\n# Three\n\nBack to [one](#one) and [sub](#one-point-one).\n";
    let bytes = epub(markdown, 3);
    let names: Vec<String> = entries(&bytes).into_iter().map(|(n, _)| n).collect();
    let chapters: Vec<&String> = names.iter().filter(|n| n.contains("chapter-")).collect();
    assert_eq!(chapters.len(), 4, "intro + three chapters: {names:?}");
    let intro = entry(&bytes, "OEBPS/chapter-1.xhtml");
    assert!(intro.contains("href=\"chapter-4.xhtml#three\""), "{intro}");
    let three = entry(&bytes, "OEBPS/chapter-4.xhtml");
    assert!(three.contains("href=\"chapter-2.xhtml#one\""), "{three}");
    assert!(three.contains("href=\"chapter-2.xhtml#one-point-one\""), "{three}");
    let one = entry(&bytes, "OEBPS/chapter-2.xhtml");
    assert!(one.contains("epub:type=\"noteref\""), "{one}");
    assert!(one.contains("<aside id=\"c2-fn1\""), "{one}");
    assert!(one.contains("epub:type=\"footnote\""), "{one}");
    assert!(one.contains("href=\"chapter-2.xhtml#c2-fnref1\""), "{one}");
    let nav = entry(&bytes, "OEBPS/nav.xhtml");
    assert!(nav.contains("href=\"chapter-2.xhtml#one-point-one\""), "nested TOC entry: {nav}");
    assert!(nav.contains("epub:type=\"bodymatter\""), "{nav}");

    // Split level 2 makes `## One point one` a chapter of its own.
    let mut opts = options(3);
    opts.write.epub.split_level = 2;
    let (bytes, _) = epub_from(markdown, "markdown", &opts, &NoResources);
    let count = entries(&bytes).iter().filter(|(n, _)| n.contains("chapter-")).count();
    assert_eq!(count, 5);

    // No headings: one chapter.
    let bytes = epub("Just text.\n\nMore text.\n", 3);
    let count = entries(&bytes).iter().filter(|(n, _)| n.contains("chapter-")).count();
    assert_eq!(count, 1);
}

#[test]
fn toc_adds_an_inline_contents_page_linking_every_chapter_and_heading() {
    let markdown = "# One\n\ntext\n\n## One A\n\ntext\n\n# Two\n\n#### Deep\n\ntext\n";
    let mut opts = options(3);
    opts.write.html.toc = true;
    opts.write.html.toc_depth = 2;
    let bytes = epub_from(markdown, "markdown", &opts, &NoResources).0;
    let contents = entry(&bytes, "OEBPS/contents.xhtml");
    for link in ["chapter-1.xhtml\">One", "chapter-1.xhtml#one-a\">One A", "chapter-2.xhtml\">Two"]
    {
        assert!(contents.contains(link), "{link} missing from:\n{contents}");
    }
    assert!(!contents.contains("Deep"), "a level-4 heading is deeper than --toc-depth 2");
    assert_eq!(contents.matches("<ol>").count(), contents.matches("</ol>").count());
    // In reading order right after the title page.
    let opf = entry(&bytes, "OEBPS/content.opf");
    let spine = &opf[opf.find("<spine").expect("spine")..];
    let title = spine.find("title").expect("title page in spine");
    let toc = spine.find("contents").expect("contents page in spine");
    let first = spine.find("chapter-1").expect("chapter in spine");
    assert!(title < toc && toc < first, "{spine}");
    // Without --toc there is none.
    assert!(!entries(&epub(markdown, 3)).iter().any(|(name, _)| name.ends_with("contents.xhtml")));
}

#[test]
fn epub2_content_uses_xhtml11_only() {
    let markdown = "# T\n\n- [x] done\n- [ ] open\n\n3. three\n4. four\n\nNote[^1].\n\n[^1]: n\n\n> [!NOTE]\n> alert\n";
    let bytes = epub(markdown, 2);
    let chapter = entry(&bytes, "OEBPS/chapter-1.xhtml");
    assert!(chapter.contains("XHTML 1.1"), "{chapter}");
    for forbidden in ["<section", "<aside", "epub:type", "role=", "<input", "start=\""] {
        assert!(!chapter.contains(forbidden), "EPUB 2 chapter contains {forbidden}:\n{chapter}");
    }
    assert!(chapter.contains('☑') && chapter.contains('☐'), "{chapter}");
}

#[test]
fn missing_and_remote_images_become_placeholders_with_warnings() {
    let markdown = "![the alt](missing.png) ![remote](https://example.com/x.png) ![ok](p.png) ![again](p.png)\n";
    let mut resources = MemResources::default();
    resources.0.insert("p.png".to_string(), png_bytes());
    let (bytes, warnings) = epub_from(markdown, "markdown", &options(3), &resources);
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings.iter().any(|w| w.message.contains("missing.png")));
    assert!(warnings.iter().any(|w| w.message.contains("https://example.com/x.png")));
    let chapter = entry(&bytes, "OEBPS/chapter-1.xhtml");
    assert!(chapter.contains("<span class=\"image-missing\">[the alt]</span>"), "{chapter}");
    let images: Vec<String> =
        entries(&bytes).into_iter().map(|(n, _)| n).filter(|n| n.contains("images/")).collect();
    assert_eq!(
        images,
        vec!["OEBPS/images/image-1.png".to_string()],
        "one file for a repeated image"
    );
}

#[test]
fn raw_html_is_repaired_not_passed_through() {
    let markdown = "<div align=\"center\">\n\n**Centered** <b>open bold\n\n</div>\n\n<script>alert(1)</script>\n\n<p id=\"9lives\">x</p>\n\n[to it](#9lives)\n";
    let (bytes, warnings) = epub_from(markdown, "markdown", &options(3), &NoResources);
    let chapter = entry(&bytes, "OEBPS/chapter-1.xhtml");
    assert!(chapter.contains("<div style=\"text-align: center\">"), "{chapter}");
    assert!(!chapter.contains("script"), "{chapter}");
    assert!(chapter.contains("id=\"id-9lives\""), "{chapter}");
    assert!(chapter.contains("href=\"chapter-1.xhtml#id-9lives\""), "{chapter}");
    assert!(warnings.iter().any(|w| w.message.contains("<script>")), "{warnings:?}");
}

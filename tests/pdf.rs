//! PDF output checked from the outside: every sample, a stress document using every model
//! feature and a hostile one (deep nesting, huge tables, unbreakable words) go through the real
//! CLI, then `qpdf --check` (structure), `pdffonts` (every font embedded and subset) and
//! `pdftotext -raw` (the document's words come back in reading order; `-raw` keeps the content
//! stream's order, which copying and assistive tools use, rather than pdftotext's column
//! guessing, which splits code lines with aligned comments). Layout invariants (nothing outside
//! the page or in the margins) are checked on the layout itself. When `CI` is set a missing tool
//! fails the test; otherwise it is skipped with a note.

use std::path::{Path, PathBuf};
use std::process::Command;

use folio::layout::font::FontSet;
use folio::layout::frame::Item;
use folio::model::{Block, Document, Inline};
use folio::resources::FsResources;
use folio::writer::pdf::{layout_document, PdfOptions};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether an external tool can run; panics under CI when it cannot.
fn have(tool: &str) -> bool {
    let ok = Command::new(tool).arg("-v").output().is_ok();
    if !ok {
        if std::env::var_os("CI").is_some() {
            panic!("{tool} is required when CI is set but is not installed");
        }
        eprintln!("skipping the {tool} check: {tool} is not installed");
    }
    ok
}

/// The documents every check runs on: the samples plus the stress document.
fn inputs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    if let Ok(entries) = std::fs::read_dir(root().join("samples")) {
        for entry in entries.flatten() {
            let path = entry.path();
            if matches!(path.extension().and_then(|e| e.to_str()), Some("md" | "txt")) {
                files.push(path);
            }
        }
    }
    files.sort();
    files.push(root().join("tests/fixtures/pdf/stress.md"));
    files.push(root().join("tests/fixtures/pdf/hostile.md"));
    files
}

fn convert(input: &Path, out: &Path, extra: &[&str]) -> String {
    let status = Command::new(env!("CARGO_BIN_EXE_folio"))
        .arg(input)
        .arg("-o")
        .arg(out)
        .args(extra)
        .env("SOURCE_DATE_EPOCH", "1700000000")
        .output()
        .expect("folio runs");
    assert!(
        status.status.success(),
        "folio failed on {}: {}",
        input.display(),
        String::from_utf8_lossy(&status.stderr)
    );
    String::from_utf8_lossy(&status.stderr).into_owned()
}

/// The characters a missing-glyph warning names (`日 (U+65E5)`): no installed font can draw
/// them, so pdftotext cannot give them back; the warning is what the user gets instead.
fn undrawable_chars(stderr: &str) -> Vec<char> {
    stderr
        .split("(U+")
        .skip(1)
        .filter_map(|rest| rest.split(')').next())
        .filter_map(|hex| u32::from_str_radix(hex, 16).ok())
        .filter_map(char::from_u32)
        .collect()
}

fn load(input: &Path) -> Document {
    let bytes = std::fs::read(input).expect("input readable");
    let from = folio::format::InputFormat::from_path(input).unwrap_or("markdown".parse().unwrap());
    folio::load(&bytes, from, &folio::Options::default()).expect("input loads").0
}

/// Words (letters and digits, lower-cased) of a text.
fn words(text: &str) -> Vec<String> {
    // Soft hyphens are invisible: the PDF shows the word whole (or hyphenated at a line end).
    // So are zero-width joiners and spaces, which text extractors drop.
    text.replace(['\u{AD}', '\u{200B}', '\u{200C}', '\u{200D}', '\u{2060}', '\u{FEFF}'], "")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// The running text the PDF must show in order: paragraphs, headings, list and quote content
/// and code. Math (rewritten), notes (moved to the page foot), images and tables are left out.
fn expected_text(document: &Document) -> String {
    fn inlines(content: &[Inline], out: &mut String) {
        for inline in content {
            match inline {
                Inline::Text(t) => out.push_str(t),
                Inline::Code(t) => out.push_str(t),
                Inline::Emph(c)
                | Inline::Strong(c)
                | Inline::Strikeout(c)
                | Inline::Superscript(c)
                | Inline::Subscript(c) => inlines(c, out),
                Inline::Link(link) => inlines(&link.content, out),
                Inline::SoftBreak | Inline::HardBreak => out.push(' '),
                Inline::Math(_) | Inline::Image(_) | Inline::Note(_) | Inline::RawInline { .. } => {
                    out.push(' ')
                }
            }
        }
    }
    let mut out = String::new();
    folio::model::walk::for_each_block(&document.blocks, &mut |block| match block {
        Block::Paragraph(c) | Block::Plain(c) | Block::Heading { content: c, .. } => {
            inlines(c, &mut out);
            out.push('\n');
        }
        Block::CodeBlock { code, .. } | Block::Preformatted(code) => {
            out.push_str(code);
            out.push('\n');
        }
        _ => {}
    });
    out
}

/// Checks that `expected` appears in `actual` in order, allowing extra words in `actual` (page
/// numbers, running headers, list numbers), words split at line ends (hyphenation, long URLs
/// and code broken into pieces) and footnote marks glued to words.
fn assert_in_order(expected: &[String], actual: &[String], name: &str) {
    let mut j = 0;
    for (i, word) in expected.iter().enumerate() {
        let start = j;
        let mut found = false;
        while j < actual.len() {
            let mut joined = String::new();
            for k in 0..word.len() {
                let Some(part) = actual.get(j + k) else { break };
                joined.push_str(part);
                // A footnote mark sticks to the word it follows ("word1").
                let with_mark = joined.strip_prefix(word.as_str()).is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
                });
                if joined == *word || with_mark {
                    j += k + 1;
                    found = true;
                    break;
                }
                if !word.starts_with(joined.as_str()) {
                    break;
                }
            }
            if found {
                break;
            }
            j += 1;
        }
        assert!(
            found,
            "{name}: word {i} {word:?} not found in reading order after {:?}\n(context: {:?})",
            &actual[start.saturating_sub(5)..start.min(actual.len())],
            &expected[i.saturating_sub(5)..(i + 5).min(expected.len())]
        );
    }
}

#[test]
fn every_input_passes_qpdf_pdffonts_and_pdftotext() {
    let tmp = tempfile::tempdir().unwrap();
    let (qpdf, pdffonts, pdftotext) = (have("qpdf"), have("pdffonts"), have("pdftotext"));
    for input in inputs() {
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let out = tmp.path().join(format!("{name}.pdf"));
        let undrawable = undrawable_chars(&convert(&input, &out, &[]));
        let bytes = std::fs::read(&out).unwrap();
        assert!(bytes.starts_with(b"%PDF-"), "{name}: not a PDF");
        if qpdf {
            let check = Command::new("qpdf").arg("--check").arg(&out).output().unwrap();
            assert!(
                check.status.success(),
                "{name}: qpdf --check failed:\n{}",
                String::from_utf8_lossy(&check.stdout)
            );
        }
        if pdffonts {
            let fonts = Command::new("pdffonts").arg(&out).output().unwrap();
            assert!(fonts.status.success());
            let listing = String::from_utf8_lossy(&fonts.stdout);
            let rows: Vec<&str> =
                listing.lines().skip(2).filter(|l| !l.trim().is_empty()).collect();
            let document = load(&input);
            if !expected_text(&document).trim().is_empty() {
                assert!(!rows.is_empty(), "{name}: no fonts in a PDF with text");
            }
            for row in rows {
                let columns: Vec<&str> = row.split_whitespace().collect();
                // name type... encoding emb sub uni object-id generation
                let n = columns.len();
                assert!(n >= 7, "{name}: unexpected pdffonts row {row:?}");
                assert_eq!(
                    &columns[n - 5..n - 2],
                    ["yes", "yes", "yes"],
                    "{name}: font not embedded+subset+unicode: {row}"
                );
                assert!(
                    columns[0].len() > 7 && columns[0].as_bytes()[6] == b'+',
                    "{name}: no subset tag: {row}"
                );
            }
        }
        if pdftotext {
            let text = Command::new("pdftotext")
                .args(["-raw", "-enc", "UTF-8"])
                .arg(&out)
                .arg("-")
                .output()
                .unwrap();
            assert!(text.status.success());
            let actual = words(&String::from_utf8_lossy(&text.stdout));
            let mut expected = words(&expected_text(&load(&input)));
            expected.retain(|word| !word.chars().any(|c| undrawable.contains(&c)));
            assert_in_order(&expected, &actual, &name);
        }
    }
}

#[test]
fn layout_keeps_everything_inside_the_page_and_out_of_the_margins() {
    for input in inputs() {
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let document = load(&input);
        let resources = FsResources::new(vec![input.parent().unwrap().to_path_buf()], None);
        for options in [
            PdfOptions::default(),
            PdfOptions {
                paper: Some("letter".into()),
                ragged: true,
                toc: true,
                number_sections: true,
                ..PdfOptions::default()
            },
        ] {
            let fonts = FontSet::new(None, None).unwrap();
            let (layout, _) = layout_document(&document, &options, &fonts, &resources).unwrap();
            assert!(!layout.pages.is_empty());
            let style = folio::layout::style::Style::new(options.paper().unwrap(), !options.ragged);
            for (p, page) in layout.pages.iter().enumerate() {
                for placed in &page.items {
                    let (left, right) = match &placed.item {
                        Item::Text(run) => (placed.x, placed.x + run.width),
                        Item::Rect { width, .. }
                        | Item::StrokeRect { width, .. }
                        | Item::Image { width, .. }
                        | Item::Link { width, .. } => (placed.x, placed.x + width),
                        Item::Line { dx, .. } => {
                            (placed.x.min(placed.x + dx), placed.x.max(placed.x + dx))
                        }
                    };
                    assert!(
                        left >= style.margin_left - 0.5 && right <= page.width - style.margin_right + 0.5,
                        "{name} page {}: item at x {left:.1}..{right:.1} runs into the margin: {:?}",
                        p + 1,
                        placed.item
                    );
                    assert!(
                        placed.y >= 0.0 && placed.y <= page.height,
                        "{name} page {}: item outside the page",
                        p + 1
                    );
                }
            }
        }
    }
}

#[test]
fn stress_document_has_navigation_and_metadata() {
    if !have("qpdf") {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("stress.pdf");
    convert(&root().join("tests/fixtures/pdf/stress.md"), &out, &["--toc", "--number-sections"]);
    let qdf = tmp.path().join("stress.qdf");
    let status = Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(&out)
        .arg(&qdf)
        .status()
        .unwrap();
    assert!(status.success());
    let text = String::from_utf8_lossy(&std::fs::read(&qdf).unwrap()).to_string();
    for needle in [
        "/Outlines",
        "/Lang (en)",
        "/Subtype /Link",
        "/S /URI",
        "/Dests",
        "/Title (Every Feature at Once)",
        "/Author (Ada Example, Brian Sample)",
        "/CreationDate (D:20231114221320Z)",
        "/Keywords (typesetting, pdf, stress)",
    ] {
        assert!(text.contains(needle), "stress PDF lacks {needle}");
    }
    // Nested outline: some entry has children.
    assert!(text.contains("/First"), "outline is flat");
    // Images stay lossless (Flate, never DCT re-encoding) at full size.
    assert!(text.contains("/Width 480") && text.contains("/Height 240"), "figure resized");
}

#[test]
fn output_is_reproducible() {
    let tmp = tempfile::tempdir().unwrap();
    let input = root().join("tests/fixtures/pdf/stress.md");
    let (a, b) = (tmp.path().join("a.pdf"), tmp.path().join("b.pdf"));
    convert(&input, &a, &[]);
    convert(&input, &b, &[]);
    assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
}

#[test]
fn missing_glyphs_are_reported_by_name() {
    // Private-use characters exist in no font.
    let document = folio::load(
        "Text with \u{F8FF}\u{10FFFD} inside.".as_bytes(),
        "markdown".parse().unwrap(),
        &folio::Options::default(),
    )
    .unwrap()
    .0;
    let (_, warnings) = folio::writer::pdf::write(
        &document,
        &folio::writer::WriteOptions::default(),
        &folio::resources::NoResources,
    )
    .unwrap();
    let missing: Vec<_> =
        warnings.iter().filter(|w| w.kind == folio::WarningKind::MissingGlyphs).collect();
    assert_eq!(missing.len(), 1, "{warnings:?}");
    assert!(missing[0].message.contains("U+10FFFD"), "{}", missing[0].message);
}

#[test]
fn bad_font_files_are_errors() {
    let options =
        PdfOptions { font: Some("/nonexistent/font.ttf".into()), ..PdfOptions::default() };
    let write = folio::writer::WriteOptions { pdf: options, ..Default::default() };
    let document = Document::default();
    let error =
        folio::writer::pdf::write(&document, &write, &folio::resources::NoResources).unwrap_err();
    assert!(error.to_string().contains("font"), "{error}");
}

#[test]
#[should_panic(expected = "not found in reading order")]
fn reading_order_check_rejects_swapped_paragraphs() {
    let expected = words("first paragraph here. second paragraph there.");
    let actual = words("second paragraph there. first paragraph here.");
    assert_in_order(&expected, &actual, "swapped");
}

#[test]
fn reading_order_check_accepts_hyphenation_and_furniture() {
    let expected = words("a hyphenation example, then more");
    let actual = words("1 a hy-\nphen-\nation example, Header then 2 more");
    assert_in_order(&expected, &actual, "hyphenated");
}

#[test]
fn output_is_reproducible_within_one_process() {
    // Batch mode converts many files in one process: nothing may depend on global counters.
    let input = std::fs::read(root().join("tests/fixtures/pdf/stress.md")).unwrap();
    let resources = FsResources::new(vec![root().join("tests/fixtures/pdf")], None);
    let mut options = folio::Options::default();
    options.write.timestamp = Some(1_700_000_000);
    let run = || {
        folio::convert(
            &input,
            "markdown".parse().unwrap(),
            folio::format::OutputFormat::Pdf,
            &options,
            &resources,
        )
        .unwrap()
        .bytes
    };
    let first = run();
    let second = run();
    assert_eq!(first, second);
}

#[test]
fn parallel_conversions_share_fonts_and_agree() {
    // Batch mode converts files on several threads; fonts and dictionaries are shared caches.
    let input = std::fs::read(root().join("tests/fixtures/pdf/stress.md")).unwrap();
    let mut options = folio::Options::default();
    options.write.timestamp = Some(1_700_000_000);
    let outputs: Vec<Vec<u8>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| {
                scope.spawn(|| {
                    let resources = FsResources::new(vec![root().join("tests/fixtures/pdf")], None);
                    folio::convert(
                        &input,
                        "markdown".parse().unwrap(),
                        folio::format::OutputFormat::Pdf,
                        &options,
                        &resources,
                    )
                    .unwrap()
                    .bytes
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(outputs.windows(2).all(|w| w[0] == w[1]));
}

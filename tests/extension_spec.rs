//! folio's own spec files for the GFM and Markdown extensions (`tests/spec/*.txt`), in the
//! CommonMark example format, compared after the same normalisation as the CommonMark spec.

mod support;

use folio::format::InputFormat;
use folio::writer::html::{self, HtmlOptions};

fn check_spec_file(file: &str, from: &str) {
    let path = format!("{}/tests/spec/{file}", env!("CARGO_MANIFEST_DIR"));
    let spec = std::fs::read_to_string(&path).expect("spec file");
    let examples = support::spec_examples(&spec);
    assert!(!examples.is_empty(), "{file} has no examples");
    let format: InputFormat = from.parse().unwrap();
    let mut failures = Vec::new();
    for example in &examples {
        let (document, _) = folio::load(example.markdown.as_bytes(), format, &Default::default())
            .unwrap_or_else(|e| panic!("{file} example {}: {e}", example.number));
        let options = HtmlOptions {
            standalone: false,
            highlight_style: None,
            figures: false,
            ..HtmlOptions::default()
        };
        let actual = html::write(&document, &options);
        if support::normalize_html(&actual) != support::normalize_html(&example.html) {
            failures.push(format!(
                "{file} example {} ({}):\n--- markdown\n{}--- expected\n{}--- actual\n{}",
                example.number, example.section, example.markdown, example.html, actual
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn gfm_extensions() {
    check_spec_file("gfm.txt", "gfm");
}

#[test]
fn markdown_extensions() {
    check_spec_file("markdown.txt", "markdown");
}

//! CommonMark 0.31.2 conformance: every spec example, read with `-f commonmark` into the model
//! and written as an HTML fragment, must match the spec's expected HTML after normalisation.

mod support;

use folio::format::MarkdownFlavor;
use folio::reader::markdown::{self, MarkdownOptions};
use folio::writer::html::{self, HtmlOptions};

fn render(markdown_text: &str) -> String {
    let options = MarkdownOptions { flavor: MarkdownFlavor::CommonMark, smart: false };
    let (document, _) = markdown::read(markdown_text, &options).expect("Markdown never fails");
    let html_options = HtmlOptions { standalone: false, ..spec_html_options() };
    html::write(&document, &html_options)
}

/// Plain CommonMark HTML: no highlighting or other presentation extras.
fn spec_html_options() -> HtmlOptions {
    HtmlOptions { highlight_style: None, figures: false, ..HtmlOptions::default() }
}

#[test]
fn commonmark_spec_0_31_2_all_examples() {
    let spec = support::commonmark_spec();
    let examples = support::spec_examples(&spec);
    assert_eq!(examples.len(), 652, "the 0.31.2 spec has 652 examples");
    let mut failures = Vec::new();
    for example in &examples {
        let actual = render(&example.markdown);
        if support::normalize_html(&actual) != support::normalize_html(&example.html) {
            failures.push(format!(
                "example {} ({}):\n--- markdown\n{}--- expected\n{}--- actual\n{}",
                example.number, example.section, example.markdown, example.html, actual
            ));
        }
    }
    let passed = examples.len() - failures.len();
    println!("CommonMark 0.31.2: {passed}/{} examples pass", examples.len());
    assert!(failures.is_empty(), "{} failures:\n\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn normalizer_is_not_trivially_permissive() {
    assert_ne!(support::normalize_html("<p>a</p>"), support::normalize_html("<p>b</p>"));
    assert_ne!(
        support::normalize_html("<em>a</em>"),
        support::normalize_html("<strong>a</strong>")
    );
    assert_eq!(
        support::normalize_html("<p>a</p>\n<hr />"),
        support::normalize_html("<p>a</p><hr>")
    );
    assert_eq!(
        support::normalize_html("<a title=\"t\" href=\"u\">x</a>"),
        support::normalize_html("<a href=\"u\" title=\"t\">x</a>")
    );
}

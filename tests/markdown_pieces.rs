//! Large Markdown bodies are read in pieces (src/reader/markdown/chunks.rs); the model must be
//! exactly the one a single parse of the whole body gives, warnings included. Every test here
//! reads the same text both ways and compares: CommonMark spec examples glued in pairs around a
//! cut, folio's own extension examples, the samples, a generated book, hand-picked cases where a
//! cut could go wrong, and random documents built from tricky lines.

mod support;

#[path = "../benches/gen/mod.rs"]
mod gen;

use folio::format::MarkdownFlavor;
use folio::reader::markdown::{read_in_pieces, MarkdownOptions};
use proptest::prelude::*;

const FLAVORS: [MarkdownFlavor; 3] =
    [MarkdownFlavor::Markdown, MarkdownFlavor::Gfm, MarkdownFlavor::CommonMark];

/// Reads `source` whole and in pieces of at least `piece_len` bytes, asserts both give the same
/// document and warnings, and returns how many pieces were parsed (1: read whole after all).
fn same_both_ways(source: &str, flavor: MarkdownFlavor, piece_len: usize) -> usize {
    let options = MarkdownOptions { flavor, smart: flavor != MarkdownFlavor::CommonMark };
    let whole = read_in_pieces(source, &options, Some(usize::MAX));
    let cut = read_in_pieces(source, &options, Some(piece_len));
    let (whole, whole_warnings, _, whole_pieces) = match (whole, cut.as_ref()) {
        (Ok(whole), _) => whole,
        // Only a bad front matter fails, before any cutting.
        (Err(whole), Err(cut)) => {
            assert_eq!(whole.to_string(), cut.to_string());
            return 1;
        }
        (Err(e), Ok(_)) => panic!("only the whole read failed: {e}"),
    };
    assert_eq!(whole_pieces, 1);
    let (cut, cut_warnings, _, pieces) = cut.expect("the whole read succeeded");
    assert_eq!(whole, cut, "{flavor:?}, pieces of {piece_len} ({pieces} pieces), input:\n{source}");
    assert_eq!(whole_warnings, cut_warnings, "{flavor:?}, input:\n{source}");
    pieces
}

#[test]
fn spec_examples_glued_around_a_cut_read_the_same() {
    let spec = support::commonmark_spec();
    let examples = support::spec_examples(&spec);
    let mut cut_pairs = 0;
    for pair in examples.windows(2) {
        let glued = format!("{}\n\n# cut\n\n{}", pair[0].markdown, pair[1].markdown);
        for flavor in FLAVORS {
            if same_both_ways(&glued, flavor, 1) > 1 {
                cut_pairs += 1;
            }
        }
    }
    // Most examples end cleanly; the cut must really happen for them, or the test proves nothing.
    assert!(cut_pairs > examples.len() * 2, "only {cut_pairs} glued pairs were cut");
}

#[test]
fn whole_spec_and_extension_examples_read_the_same_in_small_pieces() {
    let spec = support::commonmark_spec();
    let mut all = String::new();
    for example in support::spec_examples(&spec) {
        all.push_str(&example.markdown);
        all.push_str("\n\n");
    }
    for file in ["tests/spec/gfm.txt", "tests/spec/markdown.txt"] {
        let text = std::fs::read_to_string(file).expect("extension spec present");
        for example in support::spec_examples(&text) {
            all.push_str(&example.markdown);
            all.push_str("\n\n# next\n\n");
        }
    }
    for flavor in FLAVORS {
        for piece_len in [1, 300, 4000] {
            same_both_ways(&all, flavor, piece_len);
        }
    }
}

#[test]
fn samples_and_a_generated_book_read_the_same_in_pieces() {
    let mut sources: Vec<String> = std::fs::read_dir("samples")
        .expect("samples folder")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "md"))
        .map(|path| std::fs::read_to_string(path).expect("sample readable"))
        .collect();
    sources.push(gen::markdown(400_000, 7));
    for source in &sources {
        for piece_len in [1, 2_000, 64 * 1024] {
            let pieces = same_both_ways(source, MarkdownFlavor::Markdown, piece_len);
            if piece_len == 1 {
                assert!(pieces > 3, "a sample with headings is cut: {pieces} pieces");
            }
        }
    }
    // The generated book holds footnotes referenced across pieces and is still cut.
    let pieces = same_both_ways(&sources[sources.len() - 1], MarkdownFlavor::Markdown, 64 * 1024);
    assert!(pieces >= 5, "{pieces} pieces");
}

/// `(text, whether it must be cut)`: texts where a careless cut would change the model.
const CASES: &[(&str, Option<bool>)] = &[
    // Link reference definitions after and before their use, in another piece.
    ("See [the site] and [Docs][].\n\n# Links\n\n[the site]: https://example.org \"Home\"\n[docs]: /docs\n", Some(true)),
    ("[x]: /early\n\n# Use\n\nA [x] and [X][] and [y].\n", Some(true)),
    // The same label defined in two pieces: the first wins, which only a whole read knows.
    ("[a]: /first\n\n# Two\n\n[a]\n\n[a]: /second\n", Some(false)),
    // Footnotes referenced before and after their piece, case-insensitively.
    ("Text[^1] and[^Late].\n\n[^1]: One.\n\n# Next\n\nMore[^1].\n\n[^late]: Later.\n", Some(true)),
    // A note inside a note defined in another piece.
    ("A[^outer].\n\n# B\n\n[^outer]: Outer[^inner].\n\n# C\n\n[^inner]: Inner.\n", Some(true)),
    // `[^x]:` inside code is not a definition: the reference stays text.
    ("Ref [^x] here.\n\n# Code\n\n`[^x]: not a definition`\n", None),
    // Unterminated fence before a heading: the heading is code.
    ("```\ncode\n\n# not a heading\n\nstill code\n", None),
    ("~~~~\n```\n\n# inside\n\n~~~\n\n# still inside\n\n~~~~\n\n# out\n\ntext\n", None),
    // A fence opened in a list item and closed at column 0: the closer opens a new fence.
    ("- item\n  ```\n  code\n```\n\n# h\n\ntext\n\n```\n\n# h2\n\nend\n", None),
    // HTML comment and raw blocks spanning blank lines and headings.
    ("<!--\n\n# hidden\n\n-->\n\n# shown\n\ntext\n", None),
    ("<pre>\n\n# pre\n\n</pre>\n\n# after\n\ntext\n", None),
    ("<script>\nlet a = 1;\n\n# x\n</script>\n\nb\n\n# c\n", None),
    // A definition list continued after a blank line.
    ("Apple\n: a fruit\n\nOrange\n: another fruit\n\nPlain paragraph.\n\n# End\n", None),
    // Lists across blank lines and headings; tight and loose.
    ("- a\n- b\n\n- c\n\n# h\n\n1. one\n\n2. two\n\n# h\n\n3) three\n", Some(true)),
    // Setext headings and tables after a cut.
    ("Intro\n\nTitle\n=====\n\nA | B\n--|--\n1 | 2\n\nNext para\n---\n", None),
    // Indented code that a column-0 line ends.
    ("    code\n\n    more\n\nText\n\n# H\n", Some(true)),
    // Block quote and alert separated by a blank line.
    ("> [!NOTE]\n> one\n\n> two\n\n# h\n\n> three\n", Some(true)),
    // Front matter is not part of the body.
    ("---\ntitle: T\n---\n\n# A\n\ntext\n\n# B\n\nmore\n", Some(true)),
    // Deep nesting warns once, with the line of the first place.
    (">>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>> a\n\n# h\n\n>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>>> b\n", Some(true)),
    // A label spanning lines and labels a stub could not repeat.
    ("[foo\nbar]: /url\n\n# h\n\n[Foo bar]\n", Some(true)),
    ("Ref[^a b].\n\n# h\n\n[^a b]: spaced\n", Some(false)),
    // CRLF line ends.
    ("# A\r\n\r\ntext[^n]\r\n\r\n# B\r\n\r\n[^n]: note\r\n", Some(true)),
];

#[test]
fn hand_picked_cases_read_the_same_in_pieces() {
    for &(text, must_cut) in CASES {
        for flavor in FLAVORS {
            let pieces = same_both_ways(text, flavor, 1);
            if flavor == MarkdownFlavor::Markdown {
                match must_cut {
                    Some(true) => assert!(pieces > 1, "expected a cut in:\n{text}"),
                    Some(false) => assert_eq!(pieces, 1, "expected a whole read of:\n{text}"),
                    None => {}
                }
            }
        }
    }
}

#[test]
fn reference_expansion_limit_forces_a_whole_read() {
    // pulldown-cmark stops expanding references after about the input's length in bytes; in
    // pieces that budget would differ, so such input is read whole.
    let url = format!("https://example.org/{}", "x".repeat(200));
    let mut text = format!("[r]: {url}\n\n");
    for _ in 0..800 {
        text.push_str("# s\n\n[r] [r] [r]\n\n");
    }
    assert_eq!(same_both_ways(&text, MarkdownFlavor::Markdown, 1), 1);
}

/// Lines that open, close or continue blocks in ways a cut must respect.
const LINES: &[&str] = &[
    "# Heading",
    "## Sub {#id}",
    "Paragraph text with *emphasis* and `code`.",
    "",
    "",
    "",
    "```",
    "```rust",
    "~~~",
    "````",
    "    indented code",
    "- item",
    "  - nested",
    "1. first",
    "  ```",
    "> quote",
    "> ```",
    "<!--",
    "-->",
    "<pre>",
    "</pre>",
    "<div>",
    "</div>",
    "<script>",
    "</script>",
    "[^a]: note a",
    "[^b]: note b",
    "Ref[^a] and[^b] and[^c].",
    "[l]: /link",
    "[L]: /other",
    "A [l] link and [m].",
    "[m]: /m \"title\"",
    "Term",
    ": definition",
    "A | B",
    "--|--",
    "1 | 2",
    "===",
    "---",
    "$$x^2$$",
    "Text with $a$ math",
    "\t# tabbed",
    "   # indented heading",
    "#no-space",
    "[foo",
    "bar]: /spanning",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 600, ..ProptestConfig::default() })]

    #[test]
    fn random_documents_read_the_same_in_pieces(
        picks in prop::collection::vec(0..LINES.len(), 1..60),
        piece_len in prop::sample::select(vec![1usize, 8, 40]),
        flavor in prop::sample::select(FLAVORS.to_vec()),
    ) {
        let text: String = picks.iter().map(|&i| format!("{}\n", LINES[i])).collect();
        same_both_ways(&text, flavor, piece_len);
    }
}

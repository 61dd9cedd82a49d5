//! Saved fuzzer findings and hand-found hostile inputs, replayed through the same checks the fuzz
//! targets run (`fuzz/checks.rs`). Each file in `tests/regression/` is named
//! `<fuzz target>-<what it is>.<ext>` and has a named test below saying what went wrong.
//!
//! Turning a crash artifact into a test (see `scripts/fuzz.sh`):
//! 1. `cp fuzz/artifacts/<target>/crash-<hash> tests/regression/<target>-<short-name>.bin`
//! 2. add `#[test] fn <what_went_wrong>() { replay("<target>-<short-name>.bin"); }` here,
//! 3. watch it fail, fix the reader or writer, watch it pass.
//!
//! `every_saved_input_replays` also runs files that have no named test yet.

#[path = "../fuzz/checks.rs"]
mod checks;

use std::path::{Path, PathBuf};

use folio::format::{InputFormat, MarkdownFlavor};
use folio::model::walk;
use folio::{Options, WarningKind};

fn regression_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/regression")
}

fn load(name: &str) -> Vec<u8> {
    let path = regression_dir().join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs the fuzz target named by the file's prefix on the file's bytes; panics as the fuzzer
/// would have crashed.
fn replay(name: &str) -> Vec<u8> {
    let target = name.split_once('-').map(|(target, _)| target).expect("<target>-<name>");
    let data = load(name);
    checks::run(target, &data);
    data
}

fn markdown(data: &[u8]) -> (folio::model::Document, Vec<folio::Warning>) {
    // The first byte is the fuzz targets' option selector; 0 means folio's Markdown, no smart.
    let (_, input) = data.split_first().expect("non-empty");
    let options = Options::default();
    folio::load(input, InputFormat::Markdown(MarkdownFlavor::Markdown), &options).expect("reads")
}

/// `![![![…](u)](u)](u)`: images nest inside image descriptions, and the reader did not count
/// them toward its nesting limit, so 5,000 of them overflowed the stack of the HTML writer and
/// of `Drop`. Now they are flattened past the limit like other containers.
#[test]
fn nested_images_overflowed_the_stack() {
    let data = replay("markdown_to_html-nested-images.md");
    let (document, warnings) = markdown(&data);
    assert!(walk::depth(&document.blocks) <= folio::reader::MAX_MODEL_DEPTH);
    assert!(warnings.iter().any(|w| w.kind == WarningKind::Limit), "{warnings:?}");
}

/// Three footnotes, each referencing the next 300 times: every reference copies its note, so
/// 3.6 KB of input became 27 million model nodes (minutes and gigabytes). Copies now come out
/// of a budget linear in the input size; the rest are shown as `[^label]`, with a warning.
#[test]
fn footnote_copies_multiplied() {
    let data = replay("markdown_to_model-footnote-bomb.md");
    let (document, warnings) = markdown(&data);
    let nodes = walk::node_count(&document.blocks);
    assert!(nodes < 200_000, "{nodes} nodes");
    assert!(warnings.iter().any(|w| w.message.contains("referenced so often")), "{warnings:?}");
}

/// A footnote holding 50 nested quotes, referenced from inside 40 quotes and 20 emphases:
/// the resolved model nested about 110 levels deep, beyond what the writers are built for, and
/// its `-t json` output was too deep for `-f json` to read back. The note is now reduced to its
/// text, with a warning, when it would exceed the model depth limit.
#[test]
fn deep_note_broke_the_json_round_trip() {
    let data = replay("markdown_to_model-deep-note-json-round-trip.md");
    let (document, warnings) = markdown(&data);
    let text = walk::blocks_plain_text(&document.blocks);
    assert!(!text.is_empty());
    assert!(warnings.iter().any(|w| w.message.contains("reduced to their text")), "{warnings:?}");
    let json = folio::writer::json::write(&document);
    assert!(json.contains("deep"), "the note's text is kept");
}

#[test]
fn every_saved_input_replays() {
    let mut names: Vec<String> = std::fs::read_dir(regression_dir())
        .expect("tests/regression exists")
        .map(|entry| entry.expect("dir entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(!names.is_empty());
    for name in names {
        replay(&name);
    }
}

/// A sample with a matrix, converted in safe mode: the safe-HTML check rejected the `style` the
/// MathML writer puts on `<mtd>` (its own column alignment, like `<td>`'s), a false alarm of
/// the check rather than unsafe output. Found by the fuzzer on one of its seeds.
#[test]
fn math_table_cells_keep_their_own_style_in_safe_mode() {
    let data = replay("markdown_to_html-math-table-style.bin");
    let (document, _) = markdown(&data);
    assert!(!document.blocks.is_empty());
}

/// `inli[^m]: Neste` mid-line is a reference to `[^m]` followed by a colon, but the scan that
/// finds which footnote labels a Markdown piece needs from other pieces took every `[^x]:` for a
/// definition, so the piece got no stub for `m` and read the reference as text when the input
/// was cut into pieces (found by the fuzz target's pieces-versus-whole comparison).
#[test]
fn note_reference_before_a_colon_lost_in_pieces() {
    let data = replay("markdown_to_model-note-reference-before-colon.bin");
    let source = std::str::from_utf8(&data[1..]).unwrap();
    let options = folio::reader::markdown::MarkdownOptions::default();
    let (document, ..) =
        folio::reader::markdown::read_in_pieces(source, &options, Some(37)).unwrap();
    let notes = folio::model::walk::note_count(&document.blocks);
    assert_eq!(notes, 1, "{document:?}");
}

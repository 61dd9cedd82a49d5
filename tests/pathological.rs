//! Pathological inputs (issue 7): deep nesting, long lines, huge tables, many footnotes, deep
//! JSON. Each must convert — or fail with a clean error — without a panic or a stack overflow,
//! and its cost must grow linearly.
//!
//! Growth is checked without clocks: a counting allocator records, for the converting thread,
//! the bytes allocated (a proxy for work: quadratic algorithms copy quadratically) and the peak
//! of live bytes (memory). Each input is converted at size n and 2n, and both measures may grow
//! by at most [`MAX_GROWTH`]. Sizes are chosen so the file runs in seconds in a debug build;
//! the issue's full sizes (10 MB line, 100,000 levels …) run in the ignored test at the end:
//!
//! ```text
//! cargo test --release --test pathological -- --ignored --nocapture
//! ```
//!
//! Tests run on the test harness's 2 MB threads, the same stack size rayon gives the batch
//! mode's worker threads, so passing here means the batch mode will not overflow either.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};
use folio::model::walk;
use folio::reader::{self, MAX_MODEL_DEPTH};
use folio::resources::NoResources;
use folio::{Error, Options};

/// How much work and memory may grow when the input doubles: linear is 2, quadratic 4.
const MAX_GROWTH: f64 = 2.5;

/// Every output format: writers that do not exist yet return a clean error, which is fine.
const ALL_OUTPUTS: [OutputFormat; 4] =
    [OutputFormat::Html, OutputFormat::Json, OutputFormat::Epub, OutputFormat::Pdf];

const MARKDOWN: InputFormat = InputFormat::Markdown(MarkdownFlavor::Markdown);

// ---------------------------------------------------------------------------------------------
// Counting allocator: per-thread totals, so tests running in parallel do not mix.

struct CountingAllocator;

thread_local! {
    static ALLOCATED: Cell<usize> = const { Cell::new(0) };
    static LIVE: Cell<isize> = const { Cell::new(0) };
    static PEAK: Cell<isize> = const { Cell::new(0) };
}

fn record(delta: isize) {
    // `try_with`: the allocator also runs while thread-locals are torn down.
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
    if delta > 0 {
        let _ = ALLOCATED.try_with(|total| total.set(total.get() + delta as usize));
    }
}

// SAFETY: defers every allocation to `System` unchanged and only updates thread-local counters,
// which neither allocate nor panic.
unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        record(layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        record(-(layout.size() as isize));
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        record(new_size as isize - layout.size() as isize);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

/// What one conversion cost on this thread.
#[derive(Debug, Clone, Copy)]
struct Cost {
    /// Bytes allocated in total (work).
    allocated: usize,
    /// Highest number of bytes live at once, above the starting point (memory).
    peak: usize,
}

fn measure(f: impl FnOnce()) -> Cost {
    let start_allocated = ALLOCATED.with(Cell::get);
    let start_live = LIVE.with(Cell::get);
    PEAK.with(|peak| peak.set(start_live));
    f();
    Cost {
        allocated: ALLOCATED.with(Cell::get) - start_allocated,
        peak: (PEAK.with(Cell::get) - start_live).max(0) as usize,
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// Converts `input` to every output format; only a clean error is allowed besides success.
/// Returns the HTML and JSON outputs' total size.
fn convert_all(input: &[u8], from: InputFormat) -> usize {
    let mut options = Options::default();
    options.write.timestamp = Some(0);
    let mut size = 0;
    for to in ALL_OUTPUTS {
        match folio::convert(input, from, to, &options, &NoResources) {
            Ok(converted) => {
                if matches!(to, OutputFormat::Html | OutputFormat::Json) {
                    size += converted.bytes.len();
                }
            }
            // Writers still being built say so; limits are clean errors too.
            Err(Error::Epub(_) | Error::Pdf(_) | Error::Limit { .. } | Error::Json { .. }) => {}
            Err(other) => panic!("{to}: unexpected error {other}"),
        }
    }
    size
}

/// Converts Markdown to HTML and JSON, checks the model's bounds, and returns the cost.
fn markdown_cost(input: &[u8]) -> Cost {
    measure(|| {
        let (document, _) = folio::load(input, MARKDOWN, &Options::default()).expect("reads");
        assert!(walk::depth(&document.blocks) <= MAX_MODEL_DEPTH);
        let options = folio::writer::WriteOptions::default();
        for to in [OutputFormat::Html, OutputFormat::Json] {
            let (bytes, _) = folio::writer::write(&document, to, &options, &NoResources)
                .expect("HTML and JSON always write");
            assert!(!bytes.is_empty());
        }
    })
}

/// Checks that converting `make(2n)` costs at most [`MAX_GROWTH`] times `make(n)`, in work and
/// in memory, and that the n-sized input goes through every output format cleanly.
fn assert_linear(
    name: &str,
    n: usize,
    make: impl Fn(usize) -> Vec<u8>,
    cost: impl Fn(&[u8]) -> Cost,
) {
    let small = make(n);
    let large = make(2 * n);
    let (a, b) = (cost(&small), cost(&large));
    let work = b.allocated as f64 / a.allocated.max(1) as f64;
    let memory = b.peak as f64 / a.peak.max(1) as f64;
    println!(
        "{name}: n={n} ({} bytes): allocated {} → {} (×{work:.2}), peak {} → {} (×{memory:.2})",
        small.len(),
        a.allocated,
        b.allocated,
        a.peak,
        b.peak
    );
    assert!(work <= MAX_GROWTH, "{name}: work grew ×{work:.2} when the input doubled");
    assert!(memory <= MAX_GROWTH, "{name}: memory grew ×{memory:.2} when the input doubled");
    // Bounded memory in absolute terms too: a generous constant per input byte.
    let limit = 400 * large.len() + (8 << 20);
    assert!(b.peak <= limit, "{name}: {} bytes live for {} bytes of input", b.peak, large.len());
}

fn repeat(piece: &str, n: usize) -> Vec<u8> {
    piece.repeat(n).into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Markdown

fn nested_quotes(n: usize) -> Vec<u8> {
    format!("{}deep\n", "> ".repeat(n)).into_bytes()
}

fn nested_lists(n: usize) -> Vec<u8> {
    // `- - - x` opens a list inside a list item on one line, so depth costs no indentation.
    format!("{}deep\n", "- ".repeat(n)).into_bytes()
}

fn nested_ordered_lists(n: usize) -> Vec<u8> {
    format!("{}deep\n", "1. ".repeat(n)).into_bytes()
}

fn nested_emphasis(n: usize) -> Vec<u8> {
    format!("{}x{}\n", "*a _b ".repeat(n), " c_ d*".repeat(n)).into_bytes()
}

fn nested_links(n: usize) -> Vec<u8> {
    format!("{}x{}\n", "[".repeat(n), "](u)".repeat(n)).into_bytes()
}

fn nested_images(n: usize) -> Vec<u8> {
    format!("{}x{}\n", "![".repeat(n), "](u)".repeat(n)).into_bytes()
}

fn long_line(n: usize) -> Vec<u8> {
    repeat("word ", n / 5)
}

fn long_word(n: usize) -> Vec<u8> {
    repeat("a", n)
}

fn wide_table(columns: usize) -> Vec<u8> {
    let mut s = format!("|{}\n|{}\n", "h|".repeat(columns), "-|".repeat(columns));
    for row in 0..3 {
        s.push_str(&format!("|{}\n", format!("c{row}|").repeat(columns)));
    }
    // A short row is padded to the full width: the classic amplification.
    s.push_str(&"x\n".repeat(columns));
    s.into_bytes()
}

fn many_footnotes(n: usize) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!("Text[^{i}] "));
    }
    s.push_str("\n\n");
    for i in 0..n {
        s.push_str(&format!("[^{i}]: Note {i}.\n"));
    }
    s.into_bytes()
}

fn footnote_references_to_one_note(n: usize) -> Vec<u8> {
    format!("{}\n\n[^a]: One *note* with [a link](u).\n", "[^a] ".repeat(n)).into_bytes()
}

fn backtick_runs(n: usize) -> Vec<u8> {
    // Code spans of every length up to k: cmark's classic quadratic case.
    let k = (n as f64).sqrt() as usize;
    (1..=k).map(|i| format!("{}a", "`".repeat(i))).collect::<String>().into_bytes()
}

fn many_link_reference_definitions(n: usize) -> Vec<u8> {
    let mut s = String::new();
    for i in 0..n {
        s.push_str(&format!("[l{i}]: /u{i}\n"));
    }
    for i in 0..n {
        s.push_str(&format!("[l{i}] "));
    }
    s.into_bytes()
}

#[test]
fn nested_block_quotes_are_linear() {
    assert_linear("quotes", 20_000, nested_quotes, markdown_cost);
}

#[test]
fn nested_lists_are_linear() {
    assert_linear("lists", 20_000, nested_lists, markdown_cost);
    assert_linear("ordered lists", 10_000, nested_ordered_lists, markdown_cost);
}

#[test]
fn open_brackets_are_linear() {
    assert_linear("[", 50_000, |n| repeat("[", n), markdown_cost);
    assert_linear("[a]", 20_000, |n| repeat("[a]", n), markdown_cost);
    assert_linear("![", 50_000, |n| repeat("![", n), markdown_cost);
}

#[test]
fn stars_are_linear() {
    assert_linear("*", 50_000, |n| repeat("*", n), markdown_cost);
    assert_linear("*a", 20_000, |n| repeat("*a **b ", n), markdown_cost);
    assert_linear("_", 50_000, |n| repeat("_", n), markdown_cost);
}

#[test]
fn nested_inlines_are_linear() {
    assert_linear("emphasis", 5_000, nested_emphasis, markdown_cost);
    assert_linear("links", 5_000, nested_links, markdown_cost);
    assert_linear("images", 5_000, nested_images, markdown_cost);
}

#[test]
fn long_lines_and_words_are_linear() {
    assert_linear("line", 1_000_000, long_line, markdown_cost);
    assert_linear("word", 500_000, long_word, markdown_cost);
}

#[test]
fn wide_tables_are_linear() {
    assert_linear("table", 5_000, wide_table, markdown_cost);
}

#[test]
fn footnotes_are_linear() {
    assert_linear("footnotes", 10_000, many_footnotes, markdown_cost);
    assert_linear(
        "one note, many references",
        10_000,
        footnote_references_to_one_note,
        markdown_cost,
    );
}

#[test]
fn other_known_quadratic_cases_are_linear() {
    assert_linear("backticks", 200_000, backtick_runs, markdown_cost);
    assert_linear("link references", 5_000, many_link_reference_definitions, markdown_cost);
    assert_linear("html", 20_000, |n| repeat("<a ", n), markdown_cost);
    assert_linear("blank lines", 100_000, |n| repeat("\n", n), markdown_cost);
}

#[test]
fn repeated_headings_are_linear() {
    // Every heading needs a unique id: `a`, `a-1`, `a-2` …
    assert_linear("same headings", 5_000, |n| repeat("# a\n", n), markdown_cost);
    assert_linear("empty headings", 5_000, |n| repeat("#\n", n), markdown_cost);
}

#[test]
fn deep_markdown_goes_through_every_format() {
    // Links cannot contain links in CommonMark, so nested brackets nest nothing: no warning.
    assert!(convert_all(&nested_links(2_000), MARKDOWN) > 0);
    for input in
        [nested_quotes(2_000), nested_lists(2_000), nested_images(2_000), nested_emphasis(200)]
    {
        assert!(convert_all(&input, MARKDOWN) > 0);
        let (_, warnings) = folio::load(&input, MARKDOWN, &Options::default()).expect("reads");
        assert!(
            warnings.iter().any(|w| w.kind == folio::WarningKind::Limit),
            "flattening is reported: {warnings:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Plain text

fn text_cost(input: &[u8]) -> Cost {
    measure(|| {
        let (document, _) =
            reader::read(input, InputFormat::Text, &Default::default()).expect("reads");
        assert!(walk::depth(&document.blocks) <= MAX_MODEL_DEPTH);
        let _ = folio::writer::html::write(&document, &Default::default());
    })
}

/// Shapes the plain-text reader's heuristics look at: lists, underlined titles, ASCII tables,
/// indentation, page breaks, all-capitals headings, whitespace runs.
fn text_shapes(n: usize) -> Vec<(&'static str, Vec<u8>)> {
    vec![
        ("bullets", repeat("- item\n", n)),
        ("numbers", (0..n).map(|i| format!("{}. item\n", i + 1)).collect::<String>().into_bytes()),
        (
            "nested bullets",
            (0..n)
                .map(|i| format!("{}* x\n", "  ".repeat(i % 30)))
                .collect::<String>()
                .into_bytes(),
        ),
        ("underlines", repeat("Title\n=====\n\n", n)),
        ("ascii table", repeat("| a | b | c |\n+---+---+---+\n", n)),
        ("wide ascii table", format!("{}\n", "| a ".repeat(n)).into_bytes()),
        ("capitals", repeat("CHAPTER ONE\n\ntext\n\n", n)),
        ("form feeds", repeat("page\x0c", n)),
        ("spaces", repeat(" ", 8 * n)),
        ("urls", repeat("see https://example.org/a_b and ", n)),
        ("quotes", repeat("> quoted line\n", n)),
    ]
}

fn text_shape(name: &'static str) -> impl Fn(usize) -> Vec<u8> {
    move |n| text_shapes(n).into_iter().find(|(shape, _)| *shape == name).expect("known shape").1
}

#[test]
fn plain_text_shapes_are_linear() {
    for (name, _) in text_shapes(0) {
        assert_linear(name, 5_000, text_shape(name), text_cost);
    }
}

#[test]
fn plain_text_is_linear() {
    assert_linear("text line", 1_000_000, long_line, text_cost);
    assert_linear("text word", 500_000, long_word, text_cost);
    assert_linear("text paragraphs", 50_000, |n| repeat("a line\n\n", n), text_cost);
    assert_linear(
        "text indents",
        20_000,
        |n| (0..n).map(|i| format!("{}x\n", " ".repeat(i % 40))).collect::<String>().into_bytes(),
        text_cost,
    );
}

// ---------------------------------------------------------------------------------------------
// JSON

fn json_cost(input: &[u8]) -> Cost {
    measure(|| {
        let _ = reader::read(input, InputFormat::Json, &Default::default());
    })
}

/// A valid model nesting `levels` emphases inside a paragraph.
fn nested_model_json(levels: usize) -> String {
    format!(
        "{{\"blocks\":[{{\"Paragraph\":[{}{{\"Text\":\"deep\"}}{}]}}]}}",
        "{\"Emph\":[".repeat(levels),
        "]}".repeat(levels)
    )
}

/// A valid model nesting `levels` block quotes.
fn nested_quote_model_json(levels: usize) -> String {
    format!(
        "{{\"blocks\":[{}{{\"Plain\":[{{\"Text\":\"deep\"}}]}}{}]}}",
        "{\"BlockQuote\":{\"content\":[".repeat(levels),
        "]}}".repeat(levels)
    )
}

#[test]
fn deeply_nested_json_is_a_clean_error() {
    for input in ["[".repeat(100_000), "{\"a\":".repeat(100_000), "{\"blocks\":[".repeat(100_000)] {
        match reader::read(input.as_bytes(), InputFormat::Json, &Default::default()) {
            Err(Error::Json { line, column, message }) => {
                assert_eq!(line, 1);
                assert!(column > 1 && message.contains("nesting"), "{column} {message}");
            }
            other => panic!("expected a JSON error, got {other:?}"),
        }
    }
    assert_linear("json [", 100_000, |n| repeat("[", n), json_cost);
}

#[test]
fn deep_valid_json_models_are_refused_past_the_depth_limit() {
    // Within the JSON reader's own nesting limit, but deeper than writers are built for.
    for json in [nested_model_json(120), nested_quote_model_json(82)] {
        match reader::read(json.as_bytes(), InputFormat::Json, &Default::default()) {
            Err(error @ Error::Limit { .. }) => {
                let message = error.to_string();
                assert!(message.contains("nesting depth") && message.contains("80"), "{message}");
            }
            other => panic!("expected a depth limit error, got {other:?}"),
        }
        // And the whole pipeline reports the same error for every format.
        for to in ALL_OUTPUTS {
            let result = folio::convert(
                json.as_bytes(),
                InputFormat::Json,
                to,
                &Options::default(),
                &NoResources,
            );
            assert!(matches!(result, Err(Error::Limit { .. })), "{to}");
        }
    }
}

#[test]
fn json_models_at_the_depth_limit_go_through_every_format() {
    // A paragraph (1) of emphases (78) around text (1) is exactly at the limit.
    let json = nested_model_json(MAX_MODEL_DEPTH - 2);
    let (document, _) = reader::read(json.as_bytes(), InputFormat::Json, &Default::default())
        .expect("at the limit is accepted");
    assert_eq!(walk::depth(&document.blocks), MAX_MODEL_DEPTH);
    assert!(convert_all(json.as_bytes(), InputFormat::Json) > 0);
    let json = nested_quote_model_json(MAX_MODEL_DEPTH - 2);
    assert!(convert_all(json.as_bytes(), InputFormat::Json) > 0);
}

#[test]
fn markdown_at_the_nesting_limit_round_trips_through_json() {
    // The deepest models the Markdown reader makes must be readable back from `-t json`.
    for input in [nested_quotes(200), nested_lists(200), nested_emphasis(200), nested_links(200)] {
        let (document, _) = folio::load(&input, MARKDOWN, &Options::default()).expect("reads");
        let json = folio::writer::json::write(&document);
        let (back, _) = reader::read(json.as_bytes(), InputFormat::Json, &Default::default())
            .expect("-f json reads what -t json wrote");
        assert_eq!(back, document);
    }
}

// ---------------------------------------------------------------------------------------------
// The issue's full sizes, once each (slow in a debug build; see the file's header).

#[test]
#[ignore = "full sizes from issue 7; run with --release -- --ignored"]
fn full_size_inputs_from_the_issue() {
    let cases: Vec<(&str, Vec<u8>, InputFormat)> = vec![
        ("100,000 nested block quotes", nested_quotes(100_000), MARKDOWN),
        ("100,000 nested list levels", nested_lists(100_000), MARKDOWN),
        ("100,000 [", repeat("[", 100_000), MARKDOWN),
        ("100,000 *", repeat("*", 100_000), MARKDOWN),
        ("10 MB single line", long_line(10 << 20), MARKDOWN),
        ("10 MB single line as text", long_line(10 << 20), InputFormat::Text),
        ("1 MB word", long_word(1 << 20), MARKDOWN),
        ("1 MB word as text", long_word(1 << 20), InputFormat::Text),
        ("10,000-column table", wide_table(10_000), MARKDOWN),
        ("100,000 footnotes", many_footnotes(100_000), MARKDOWN),
        ("100,000-deep JSON", "[".repeat(100_000).into_bytes(), InputFormat::Json),
    ];
    for (name, input, from) in cases {
        let cost = measure(|| {
            convert_all(&input, from);
        });
        println!(
            "{name}: {} input bytes, {} allocated, peak {} live",
            input.len(),
            cost.allocated,
            cost.peak
        );
        assert!(cost.peak <= 400 * input.len() + (8 << 20), "{name}: memory");
    }
}

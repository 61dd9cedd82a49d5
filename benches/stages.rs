//! Criterion benchmarks of folio's library stages on generated inputs of three sizes (a ~1 KB
//! note, a ~100 KB article, a ~2 MB book with every kind of block): Markdown → model, text →
//! model, model → HTML, model → EPUB, model → PDF (layout + PDF bytes), and Markdown → HTML
//! through the model next to pulldown-cmark's own `push_html` on the same input (issue 2's
//! target: at least half its throughput).
//!
//! Throughput is always counted in bytes of the *source* document (decimal MB/s), so the figures
//! of different stages add up per megabyte of input and their growth with size is visible.
//!
//! A stage that returns an error (or panics) on an input is reported as "not available" and
//! skipped, so the suite runs before every writer exists and picks each one up once it lands.
//!
//! ```text
//! cargo bench --bench stages                 # everything
//! cargo bench --bench stages -- md_to_html   # one group (criterion filter)
//! cargo bench --bench stages -- --quick      # fewer samples, rough figures
//! ```

mod gen;

use std::hint::black_box;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};
use folio::model::Document;
use folio::resources::NoResources;
use folio::Options;

/// One generated input in both source formats, plus its model (read once, outside timing).
struct Input {
    name: &'static str,
    markdown: String,
    text: String,
    /// The Markdown input's model, or why it could not be read.
    document: Result<Document, String>,
}

fn inputs() -> Vec<Input> {
    gen::SIZES
        .iter()
        .map(|&(name, bytes)| {
            let markdown = gen::markdown(bytes, gen::SEED);
            let text = gen::text(bytes, gen::SEED);
            let document = probe(|| folio::load(markdown.as_bytes(), MARKDOWN, &options()))
                .map(|(document, _)| document);
            Input { name, markdown, text, document }
        })
        .collect()
}

const MARKDOWN: InputFormat = InputFormat::Markdown(MarkdownFlavor::Markdown);

/// The CLI's defaults, with a fixed timestamp so EPUB/PDF output does not depend on the clock.
fn options() -> Options {
    let mut options = Options::default();
    options.write.timestamp = Some(0);
    options
}

/// Options for body-only HTML, the fair comparison with `push_html` (no page, no stylesheet).
fn fragment_options() -> Options {
    let mut options = options();
    options.write.html.standalone = false;
    options
}

/// pulldown-cmark with the same extensions folio's default `markdown` flavour enables.
fn pulldown_options() -> pulldown_cmark::Options {
    use pulldown_cmark::Options as O;
    O::ENABLE_TABLES
        | O::ENABLE_STRIKETHROUGH
        | O::ENABLE_TASKLISTS
        | O::ENABLE_FOOTNOTES
        | O::ENABLE_GFM
        | O::ENABLE_HEADING_ATTRIBUTES
        | O::ENABLE_DEFINITION_LIST
        | O::ENABLE_MATH
        | O::ENABLE_SUPERSCRIPT
        | O::ENABLE_SUBSCRIPT
        | O::ENABLE_SMART_PUNCTUATION
}

/// Runs a stage once; an error or a panic makes it "not available" (with the reason).
fn probe<T>(stage: impl FnOnce() -> folio::Result<T>) -> Result<T, String> {
    match catch_unwind(AssertUnwindSafe(stage)) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(error)) => Err(error.to_string()),
        Err(panic) => Err(match panic.downcast_ref::<&str>() {
            Some(message) => format!("panicked: {message}"),
            None => match panic.downcast_ref::<String>() {
                Some(message) => format!("panicked: {message}"),
                None => "panicked".to_string(),
            },
        }),
    }
}

/// Stages that could not be measured, reported again after criterion's summary.
struct Unavailable(Vec<String>);

impl Unavailable {
    fn note(&mut self, stage: &str, input: &str, reason: &str) {
        let line = format!("{stage}/{input}: not available ({reason})");
        eprintln!("{line}");
        self.0.push(line);
    }
}

/// Sample counts and times per input size: many quick samples for the note, few long ones for
/// the book (a shared 2-core machine should get through the whole suite in a few minutes).
fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, input: &Input) {
    group.throughput(Throughput::BytesDecimal(input.markdown.len() as u64));
    if input.markdown.len() >= 1_000_000 {
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(8));
    } else {
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(if input.markdown.len() >= 50_000 { 30 } else { 100 });
        group.measurement_time(Duration::from_secs(3));
    }
}

/// Markdown → HTML body: pulldown-cmark's `push_html` (reference) and folio through the model.
fn md_to_html(c: &mut Criterion, inputs: &[Input], unavailable: &mut Unavailable) {
    let mut group = c.benchmark_group("md_to_html");
    let options = fragment_options();
    let mut plain_options = fragment_options();
    plain_options.write.html.highlight_style = None;
    for input in inputs {
        configure(&mut group, input);
        let source = input.markdown.as_str();
        group.bench_with_input(
            BenchmarkId::new("pulldown-cmark push_html", input.name),
            source,
            |b, source| {
                b.iter(|| {
                    let mut html = String::with_capacity(source.len() * 3 / 2);
                    let parser = pulldown_cmark::Parser::new_ext(source, pulldown_options());
                    pulldown_cmark::html::push_html(&mut html, parser);
                    black_box(html)
                })
            },
        );
        // Two runs of folio: the CLI's defaults (code blocks highlighted), and like-for-like with
        // push_html, which does not highlight (issue 2's ratio is measured on the latter).
        for (label, options) in [("folio", &options), ("folio, no highlighting", &plain_options)] {
            let convert = |source: &str| {
                folio::convert(
                    source.as_bytes(),
                    MARKDOWN,
                    OutputFormat::Html,
                    options,
                    &NoResources,
                )
            };
            match probe(|| convert(source)) {
                Ok(_) => {
                    group.bench_with_input(
                        BenchmarkId::new(label, input.name),
                        source,
                        |b, source| b.iter(|| convert(source)),
                    );
                }
                Err(reason) => {
                    unavailable.note(&format!("md_to_html/{label}"), input.name, &reason)
                }
            }
        }
    }
    group.finish();
}

/// Source → model (`folio::load`: reader plus the standard transforms).
fn to_model(c: &mut Criterion, inputs: &[Input], unavailable: &mut Unavailable) {
    let options = options();
    for (group_name, format) in [("md_to_model", MARKDOWN), ("text_to_model", InputFormat::Text)] {
        let mut group = c.benchmark_group(group_name);
        for input in inputs {
            configure(&mut group, input);
            let source = match format {
                InputFormat::Text => input.text.as_bytes(),
                _ => input.markdown.as_bytes(),
            };
            // Text and Markdown inputs differ in length; count each one's own bytes.
            group.throughput(Throughput::BytesDecimal(source.len() as u64));
            match probe(|| folio::load(source, format, &options)) {
                Ok(_) => {
                    group.bench_with_input(
                        BenchmarkId::new("load", input.name),
                        source,
                        |b, source| b.iter(|| folio::load(source, format, &options)),
                    );
                }
                Err(reason) => unavailable.note(group_name, input.name, &reason),
            }
        }
        group.finish();
    }
}

/// Model → output bytes for each writer (HTML standalone page, EPUB, PDF = layout + bytes).
fn writers(c: &mut Criterion, inputs: &[Input], unavailable: &mut Unavailable) {
    let options = options();
    let stages = [
        ("model_to_html", OutputFormat::Html),
        ("model_to_epub", OutputFormat::Epub),
        // No separate public layout API yet: layout is measured as part of model → PDF.
        ("model_to_pdf", OutputFormat::Pdf),
    ];
    for (group_name, format) in stages {
        let mut group = c.benchmark_group(group_name);
        for input in inputs {
            let document = match &input.document {
                Ok(document) => document,
                Err(reason) => {
                    unavailable.note(group_name, input.name, &format!("no model: {reason}"));
                    continue;
                }
            };
            configure(&mut group, input);
            let write = || folio::writer::write(document, format, &options.write, &NoResources);
            match probe(write) {
                Ok(_) => {
                    group.bench_with_input(
                        BenchmarkId::new("write", input.name),
                        document,
                        |b, document| {
                            b.iter(|| {
                                folio::writer::write(document, format, &options.write, &NoResources)
                            })
                        },
                    );
                }
                Err(reason) => unavailable.note(group_name, input.name, &reason),
            }
        }
        group.finish();
    }
}

fn main() {
    let inputs = inputs();
    for input in &inputs {
        eprintln!(
            "input {}: {} bytes of Markdown, {} bytes of text",
            input.name,
            input.markdown.len(),
            input.text.len()
        );
    }
    let mut unavailable = Unavailable(Vec::new());
    let mut criterion =
        Criterion::default().warm_up_time(Duration::from_secs(1)).configure_from_args();
    md_to_html(&mut criterion, &inputs, &mut unavailable);
    to_model(&mut criterion, &inputs, &mut unavailable);
    writers(&mut criterion, &inputs, &mut unavailable);
    criterion.final_summary();
    if !unavailable.0.is_empty() {
        eprintln!("\nstages not measured:");
        for line in &unavailable.0 {
            eprintln!("  {line}");
        }
    }
}

//! Criterion benchmarks of the PDF path on generated inputs: layout alone (model → positioned
//! pages: shaping, hyphenation, Knuth–Plass, pagination) and the whole writer (model → PDF
//! bytes: layout streamed page by page into content streams, font subsets, navigation). The
//! difference between the two is the cost of PDF encoding.
//!
//! Inputs come from the shared generator (`benches/gen`): the ~1 KB note (one page; issue 9
//! asks for under 20 ms of process time), the ~100 KB article, a ~250 KB book (the size the
//! markdown2pdf comparison uses) and the ~2 MB book (to see that time grows linearly).
//! Throughput is in decimal MB/s of the Markdown source, as in `benches/stages.rs`. Code is not
//! highlighted (the library default), so the figures are about layout and PDF alone.
//!
//! ```text
//! cargo bench --bench pdf                  # everything
//! cargo bench --bench pdf -- layout        # one group (criterion filter)
//! cargo bench --bench pdf -- --quick       # rough figures
//! ```

mod gen;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkGroup, BenchmarkId, Criterion, SamplingMode, Throughput};
use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};
use folio::layout::font::FontSet;
use folio::model::Document;
use folio::resources::NoResources;
use folio::writer::pdf::{layout_document, PdfOptions};
use folio::Options;

/// The inputs: name, Markdown size in bytes.
const INPUTS: &[(&str, usize)] = &[
    ("note", gen::NOTE_BYTES),
    ("article", gen::ARTICLE_BYTES),
    ("book-250k", 250_000),
    ("book", gen::BOOK_BYTES),
];

/// One generated input and its model (read once, outside timing).
struct Input {
    name: &'static str,
    bytes: usize,
    document: Document,
}

/// The library defaults with a fixed timestamp, so output does not depend on the clock.
fn options() -> Options {
    let mut options = Options::default();
    options.write.timestamp = Some(0);
    options
}

fn inputs() -> Vec<Input> {
    let format = InputFormat::Markdown(MarkdownFlavor::Markdown);
    INPUTS
        .iter()
        .map(|&(name, bytes)| {
            let markdown = gen::markdown(bytes, gen::SEED);
            let (document, _) = folio::load(markdown.as_bytes(), format, &options())
                .unwrap_or_else(|e| panic!("the generated {name} must read: {e}"));
            Input { name, bytes: markdown.len(), document }
        })
        .collect()
}

/// Many quick samples for small inputs, a few long ones for the 2 MB book (a shared 2-core
/// machine should get through the suite in a couple of minutes).
fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, input: &Input) {
    group.throughput(Throughput::BytesDecimal(input.bytes as u64));
    if input.bytes >= 1_000_000 {
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.measurement_time(Duration::from_secs(8));
    } else {
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(if input.bytes >= 50_000 { 20 } else { 100 });
        group.measurement_time(Duration::from_secs(3));
    }
}

/// Model → positioned pages, all held in memory (fonts and their shape caches start empty each
/// time, as in a fresh conversion).
fn layout(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("pdf_layout");
    let options = PdfOptions::default();
    for input in inputs {
        configure(&mut group, input);
        group.bench_with_input(BenchmarkId::new("layout", input.name), input, |b, input| {
            b.iter(|| {
                let fonts = FontSet::new(None, None).expect("bundled fonts load");
                let laid_out = layout_document(&input.document, &options, &fonts, &NoResources)
                    .expect("layout succeeds");
                black_box(laid_out.0.pages.len())
            })
        });
    }
    group.finish();
}

/// Model → PDF bytes (layout streamed into the PDF writer).
fn pdf_bytes(c: &mut Criterion, inputs: &[Input]) {
    let mut group = c.benchmark_group("pdf_bytes");
    let options = options();
    for input in inputs {
        configure(&mut group, input);
        group.bench_with_input(BenchmarkId::new("write", input.name), input, |b, input| {
            b.iter(|| {
                let (bytes, _) = folio::writer::write(
                    &input.document,
                    OutputFormat::Pdf,
                    &options.write,
                    &NoResources,
                )
                .expect("PDF is written");
                black_box(bytes.len())
            })
        });
    }
    group.finish();
}

fn main() {
    let inputs = inputs();
    let mut criterion = Criterion::default().configure_from_args();
    layout(&mut criterion, &inputs);
    pdf_bytes(&mut criterion, &inputs);
    criterion.final_summary();
}

//! Criterion benchmark of code highlighting: the built-in lexers next to syntect (the fallback
//! engine, which highlighted every language before) on the same code, a few hundred lines per
//! language, in lines per second. The first call of each engine in the process (word tables
//! vs. grammar loading and compilation) is timed once and printed before the runs.
//!
//! ```text
//! cargo bench --bench highlight
//! cargo bench --bench highlight -- --quick
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use folio::highlight;

/// (fence word, sample): the golden samples, repeated to a few hundred lines.
const SAMPLES: &[(&str, &str)] = &[
    ("rust", include_str!("../tests/highlight_golden/rust.src")),
    ("python", include_str!("../tests/highlight_golden/python.src")),
    ("javascript", include_str!("../tests/highlight_golden/javascript.src")),
    ("c", include_str!("../tests/highlight_golden/c.src")),
    ("sh", include_str!("../tests/highlight_golden/sh.src")),
    ("yaml", include_str!("../tests/highlight_golden/yaml.src")),
    ("html", include_str!("../tests/highlight_golden/html.src")),
];

const LINES: usize = 300;

fn code_of(sample: &str) -> String {
    // The samples end on deliberately unterminated constructs; repeated, those would turn the
    // rest into one comment.
    let lines: Vec<&str> = sample.lines().filter(|l| !l.contains("unterminated")).collect();
    let mut code = String::new();
    for line in lines.iter().cycle().take(LINES) {
        code.push_str(line);
        code.push('\n');
    }
    code
}

fn first_use(theme: &highlight::Theme) {
    let started = Instant::now();
    black_box(highlight::highlight("fn main() {}\n", "rust", theme));
    let built_in = started.elapsed();
    let started = Instant::now();
    black_box(highlight::highlight_with_syntect("fn main() {}\n", "rust", theme));
    let syntect = started.elapsed();
    eprintln!(
        "first use (rust, one line): built-in {:.1} µs, syntect {:.1} µs",
        built_in.as_secs_f64() * 1e6,
        syntect.as_secs_f64() * 1e6
    );
}

fn bench(c: &mut Criterion) {
    let theme = highlight::theme("default").expect("default theme");
    first_use(theme);
    let mut group = c.benchmark_group("highlight");
    group.warm_up_time(Duration::from_millis(500));
    group.measurement_time(Duration::from_secs(2));
    group.sample_size(20);
    for (lang, sample) in SAMPLES {
        let code = code_of(sample);
        group.throughput(Throughput::Elements(LINES as u64));
        group.bench_with_input(BenchmarkId::new("built_in", lang), &code, |b, code| {
            b.iter(|| highlight::highlight(black_box(code), lang, theme))
        });
        group.bench_with_input(BenchmarkId::new("syntect", lang), &code, |b, code| {
            b.iter(|| highlight::highlight_with_syntect(black_box(code), lang, theme))
        });
    }
    group.finish();
}

criterion::criterion_group!(benches, bench);
criterion::criterion_main!(benches);

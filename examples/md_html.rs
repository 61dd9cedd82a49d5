//! Markdown → HTML body of one file, by folio (through the model) or by pulldown-cmark's own
//! `push_html`, for profilers: callgrind instruction counts of the two are repeatable on a busy
//! machine where wall times are not.
//!
//! ```text
//! cargo build --release --example md_html
//! valgrind --tool=callgrind target/release/examples/md_html folio book.md
//! valgrind --tool=callgrind target/release/examples/md_html pulldown book.md
//! ```
//!
//! Engines: `folio` (the CLI's defaults, code highlighted), `folio-plain` (no highlighting: the
//! like-for-like comparison with `push_html`) and `pulldown`. An optional third argument repeats
//! the conversion N times in the process and prints the fastest run, a quick A/B check between
//! criterion runs:
//!
//! ```text
//! target/release/examples/md_html folio-plain book.md 20
//! ```
//!
//! Prints the output size, so the work cannot be optimised away.

use std::process::ExitCode;

use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};
use folio::resources::NoResources;
use folio::Options;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (engine, path, repeats) = match args.as_slice() {
        [engine, path] => (engine.as_str(), path.as_str(), 1),
        [engine, path, repeats] if repeats.parse::<u32>().is_ok_and(|n| n > 0) => {
            (engine.as_str(), path.as_str(), repeats.parse().unwrap_or(1))
        }
        _ => {
            eprintln!("usage: md_html folio|folio-plain|pulldown FILE [REPEATS]");
            return ExitCode::from(2);
        }
    };
    let source = match std::fs::read_to_string(path) {
        Ok(source) => source,
        Err(e) => {
            eprintln!("md_html: {path}: {e}");
            return ExitCode::from(1);
        }
    };
    let mut fastest = std::time::Duration::MAX;
    let mut html = 0;
    for _ in 0..repeats {
        let started = std::time::Instant::now();
        html = match engine {
            "folio" | "folio-plain" => {
                let mut options = Options::default();
                options.write.html.standalone = false;
                if engine == "folio-plain" {
                    options.write.html.highlight_style = None;
                }
                let markdown = InputFormat::Markdown(MarkdownFlavor::Markdown);
                match folio::convert(
                    source.as_bytes(),
                    markdown,
                    OutputFormat::Html,
                    &options,
                    &NoResources,
                ) {
                    Ok(converted) => converted.bytes.len(),
                    Err(e) => {
                        eprintln!("md_html: {path}: {e}");
                        return ExitCode::from(1);
                    }
                }
            }
            "pulldown" => {
                use pulldown_cmark::Options as O;
                // The extensions folio's default `markdown` flavour enables.
                let options = O::ENABLE_TABLES
                    | O::ENABLE_STRIKETHROUGH
                    | O::ENABLE_TASKLISTS
                    | O::ENABLE_FOOTNOTES
                    | O::ENABLE_GFM
                    | O::ENABLE_HEADING_ATTRIBUTES
                    | O::ENABLE_DEFINITION_LIST
                    | O::ENABLE_MATH
                    | O::ENABLE_SUPERSCRIPT
                    | O::ENABLE_SUBSCRIPT
                    | O::ENABLE_SMART_PUNCTUATION;
                let mut html = String::with_capacity(source.len() * 3 / 2);
                pulldown_cmark::html::push_html(
                    &mut html,
                    pulldown_cmark::Parser::new_ext(&source, options),
                );
                html.len()
            }
            other => {
                eprintln!("md_html: unknown engine '{other}' (folio, folio-plain or pulldown)");
                return ExitCode::from(2);
            }
        };
        fastest = fastest.min(started.elapsed());
    }
    if repeats > 1 {
        println!("fastest of {repeats}: {:.2} ms", fastest.as_secs_f64() * 1000.0);
    }
    println!("{html} bytes of HTML");
    ExitCode::SUCCESS
}

//! Determinism (issue 7): the same input and options give byte-identical output in every
//! format — across repeated runs, threads and processes — and EPUB/PDF dates come from
//! `SOURCE_DATE_EPOCH` (`WriteOptions::timestamp`), never from the clock.
//!
//! Formats whose writer still returns an error are skipped with a note; once every writer has
//! landed, `every_format_is_available` should be made to require all four.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};
use folio::resources::MemResources;
use folio::Options;

const ALL_OUTPUTS: [OutputFormat; 4] =
    [OutputFormat::Html, OutputFormat::Json, OutputFormat::Epub, OutputFormat::Pdf];
const MARKDOWN: InputFormat = InputFormat::Markdown(MarkdownFlavor::Markdown);

/// A tiny valid PNG (1×1, transparent).
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

/// A document touching every part of the model: metadata, headings with ids (generated from
/// duplicates too), lists, tasks, tables, notes, code, math, images, raw HTML, definitions.
const DOCUMENT: &str = r#"---
title: Determinism
author: [Ann, Bo]
lang: en
keywords: [a, b]
---

# Intro

Text with *emphasis*, **strong**, `code`, $x^2$, a link[^n] and ![dot](dot.png "Dot").

# Intro

- [ ] open
- [x] done
  1. nested
  2. items

| a | b | c |
|:--|:-:|--:|
| 1 | 2 | 3 |

> [!NOTE]
> An alert with a note[^m].

Term
: Definition.

```rust
fn main() { println!("hi"); }
```

<div class="raw">raw</div>

$$
\int_0^1 x\,dx
$$

[^n]: The first note.
[^m]: The second note, with *emphasis*.
"#;

fn resources() -> MemResources {
    let mut map = BTreeMap::new();
    map.insert("dot.png".to_string(), PNG.to_vec());
    MemResources(map)
}

fn options(timestamp: i64) -> Options {
    let mut options = Options::default();
    options.write.timestamp = Some(timestamp);
    options.write.html.toc = true;
    options
}

/// The output in `to`, or `None` (with a note) when that writer does not exist yet.
fn convert(to: OutputFormat, timestamp: i64) -> Option<Vec<u8>> {
    match folio::convert(DOCUMENT.as_bytes(), MARKDOWN, to, &options(timestamp), &resources()) {
        Ok(converted) => Some(converted.bytes),
        Err(error) => {
            println!("{to}: skipped, the writer returned an error: {error}");
            None
        }
    }
}

#[test]
fn repeated_conversions_are_byte_identical() {
    for to in ALL_OUTPUTS {
        let Some(first) = convert(to, 1_700_000_000) else { continue };
        assert!(!first.is_empty());
        for _ in 0..3 {
            assert!(convert(to, 1_700_000_000).as_ref() == Some(&first), "{to} output changed");
        }
    }
}

#[test]
fn conversions_on_other_threads_are_byte_identical() {
    for to in ALL_OUTPUTS {
        let Some(here) = convert(to, 1_700_000_000) else { continue };
        let others: Vec<Option<Vec<u8>>> = std::thread::scope(|scope| {
            let handles: Vec<_> =
                (0..4).map(|_| scope.spawn(move || convert(to, 1_700_000_000))).collect();
            handles.into_iter().map(|h| h.join().expect("thread")).collect()
        });
        for other in others {
            assert!(other.as_ref() == Some(&here), "{to} differs on another thread");
        }
    }
}

#[test]
fn the_timestamp_decides_dates_and_nothing_else_does() {
    for to in ALL_OUTPUTS {
        let (Some(early), Some(late)) = (convert(to, 0), convert(to, 1_700_000_000)) else {
            continue;
        };
        match to {
            // No dates in HTML or the model.
            OutputFormat::Html | OutputFormat::Json => assert!(early == late, "{to}"),
            // EPUB (dcterms:modified) and PDF (/CreationDate) carry the timestamp.
            OutputFormat::Epub | OutputFormat::Pdf => {
                assert!(early != late, "{to} ignores WriteOptions::timestamp")
            }
        }
    }
}

fn cli(dir: &Path, to: &str, epoch: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
    command.current_dir(dir).args(["doc.md", "-t", to, "-o", &format!("out.{to}")]);
    match epoch {
        Some(epoch) => command.env("SOURCE_DATE_EPOCH", epoch),
        None => command.env_remove("SOURCE_DATE_EPOCH"),
    };
    command.output().expect("run folio")
}

#[test]
fn separate_processes_give_identical_files_with_source_date_epoch() {
    // Separate processes also vary hash seeds and addresses, which one process cannot.
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("doc.md"), DOCUMENT).expect("write");
    std::fs::write(dir.path().join("dot.png"), PNG).expect("write");
    for to in ["html", "json", "epub", "pdf"] {
        let mut outputs = Vec::new();
        for _ in 0..2 {
            let run = cli(dir.path(), to, Some("1700000000"));
            if !run.status.success() {
                println!("{to}: skipped: {}", String::from_utf8_lossy(&run.stderr));
                break;
            }
            outputs.push(std::fs::read(dir.path().join(format!("out.{to}"))).expect("output"));
        }
        if let [first, second] = outputs.as_slice() {
            assert!(first == second, "{to}: two runs with the same SOURCE_DATE_EPOCH differ");
        }
    }
}

#[test]
fn invalid_source_date_epoch_is_a_usage_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("doc.md"), "# Hi\n").expect("write");
    let run = cli(dir.path(), "html", Some("yesterday"));
    let message = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(2), "{message}");
    assert!(message.contains("SOURCE_DATE_EPOCH=yesterday"), "{message}");
    assert!(!dir.path().join("out.html").exists());
}

#[test]
fn every_format_is_available() {
    // Every writer exists, so the determinism tests above checked all four formats.
    let available: Vec<OutputFormat> =
        ALL_OUTPUTS.into_iter().filter(|&to| convert(to, 0).is_some()).collect();
    assert_eq!(available, ALL_OUTPUTS.to_vec(), "a writer failed on the determinism input");
}

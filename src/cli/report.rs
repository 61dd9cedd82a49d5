//! What a run tells its user: one [`Outcome`] per input and format, the human messages on
//! stderr (through the progress bar, so lines never tear it), the summary line, and the
//! machine-readable `--report` JSON.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use folio::format::OutputFormat;
use folio::Warning;

use super::output::{bytes, write_atomically};

/// How one conversion ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Written.
    Ok,
    /// Not written; `error` says why.
    Failed,
    /// Not attempted because `--fail-fast` stopped the run.
    Skipped,
}

/// The result of one (input, format) conversion.
#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    /// The input (or `first (+n more)` with `--concat`).
    pub input: String,
    /// The output format.
    #[serde(serialize_with = "as_text")]
    pub format: OutputFormat,
    /// The output path (`<stdout>` for standard output); `null` when nothing was written.
    pub output: Option<String>,
    /// How it ended.
    pub status: Status,
    /// Reading warnings followed by this format's writing warnings.
    pub warnings: Vec<Warning>,
    /// Why it failed.
    pub error: Option<String>,
    /// Reading plus writing time, in milliseconds.
    pub duration_ms: u64,
}

fn as_text<S: serde::Serializer>(format: &OutputFormat, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(format)
}

/// Totals of a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Summary {
    /// Documents (inputs, or 1 with `--concat`).
    pub inputs: usize,
    /// Conversions attempted or planned (inputs × formats).
    pub conversions: usize,
    /// Written.
    pub ok: usize,
    /// Failed.
    pub failed: usize,
    /// Skipped after `--fail-fast`.
    pub skipped: usize,
    /// Conversions written but with warnings.
    pub with_warnings: usize,
    /// Wall time of the whole run, in milliseconds.
    pub duration_ms: u64,
}

impl Summary {
    /// Counts `outcomes`.
    pub fn of(inputs: usize, outcomes: &[Outcome], elapsed: Duration) -> Summary {
        let count = |status| outcomes.iter().filter(|o| o.status == status).count();
        Summary {
            inputs,
            conversions: outcomes.len(),
            ok: count(Status::Ok),
            failed: count(Status::Failed),
            skipped: count(Status::Skipped),
            with_warnings: outcomes
                .iter()
                .filter(|o| o.status == Status::Ok && !o.warnings.is_empty())
                .count(),
            duration_ms: millis(elapsed),
        }
    }
}

/// The `--report` document.
#[derive(Debug, Serialize)]
struct Report<'a> {
    folio: &'static str,
    exit_code: u8,
    summary: &'a Summary,
    conversions: &'a [Outcome],
}

/// Where the `--report` goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportTarget {
    /// Standard error, which then carries nothing else.
    Stderr,
    /// A file, written atomically.
    File(PathBuf),
}

impl ReportTarget {
    /// `json` means stderr; anything else is a file name.
    pub fn parse(value: &str) -> ReportTarget {
        if value.eq_ignore_ascii_case("json") {
            ReportTarget::Stderr
        } else {
            ReportTarget::File(PathBuf::from(value))
        }
    }
}

/// Writes the JSON report.
pub fn write_report(
    target: &ReportTarget,
    summary: &Summary,
    outcomes: &[Outcome],
    exit_code: u8,
) -> anyhow::Result<()> {
    let report =
        Report { folio: env!("CARGO_PKG_VERSION"), exit_code, summary, conversions: outcomes };
    let mut json = serde_json::to_vec_pretty(&report)?;
    json.push(b'\n');
    match target {
        ReportTarget::Stderr => {
            let mut stderr = std::io::stderr().lock();
            stderr.write_all(&json)?;
            Ok(())
        }
        ReportTarget::File(path) => write_atomically(path, bytes(&json)).map(drop),
    }
}

/// Milliseconds, saturating.
pub fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// The stderr side of a run: messages, the progress bar, and what to leave out.
pub struct Ui {
    bar: Option<ProgressBar>,
    /// Human messages at all (off when the JSON report owns stderr).
    human: bool,
    /// Warnings and the summary (off with --quiet).
    chatty: bool,
    /// One line per conversion (-v).
    verbose: bool,
}

impl Ui {
    /// Sets up stderr for a run over `files` documents.
    pub fn new(files: usize, quiet: bool, verbose: bool, human: bool, single: bool) -> Ui {
        let show_bar = human && !quiet && !single && files > 1 && std::io::stderr().is_terminal();
        let bar = show_bar.then(|| {
            let bar =
                ProgressBar::with_draw_target(Some(files as u64), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template(
                "{elapsed_precise} [{bar:30}] {pos}/{len} files, ETA {eta} {wide_msg}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> ");
            bar.set_style(style);
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        Ui { bar, human, chatty: human && !quiet, verbose: human && verbose }
    }

    /// Whether warnings and summaries are printed.
    pub fn chatty(&self) -> bool {
        self.chatty
    }

    /// Whether each conversion is listed.
    pub fn verbose(&self) -> bool {
        self.verbose
    }

    /// Prints a line on stderr without tearing the progress bar.
    pub fn line(&self, text: &str) {
        if !self.human {
            return;
        }
        let print = || {
            let mut stderr = std::io::stderr().lock();
            let _ = writeln!(stderr, "{text}");
        };
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// Prints an error (always, unless the JSON report owns stderr).
    pub fn error(&self, text: &str) {
        self.line(&format!("folio: error: {text}"));
    }

    /// Prints a warning (not with --quiet).
    pub fn warning(&self, source: &str, warning: &Warning) {
        if self.chatty {
            self.line(&format!("folio: warning: {source}: {warning}"));
        }
    }

    /// Shows which file is being worked on.
    pub fn started(&self, name: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(name.to_string());
        }
    }

    /// Counts one document as done.
    pub fn finished_document(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// Removes the progress bar.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

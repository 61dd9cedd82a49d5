//! The command line: turns arguments into a plan of conversions, runs it, tells the user, and
//! maps the outcome to an exit status.
//!
//! Everything that converts lives in the library; this module only decides what to read, where
//! to write, and how to report. Submodules: [`args`] (clap definitions), [`config`] (the settings
//! cascade and `folio.toml`), [`plan`] (inputs × formats → outputs), [`batch`] (the parallel
//! run), [`report`] (messages, progress, `--report` JSON), [`output`] (atomic writes, refusals).

mod args;
mod batch;
mod config;
mod output;
mod plan;
mod report;

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use anyhow::{anyhow, Context};
use clap::Parser;

use args::{Args, Invocation};
use config::Settings;
use report::{ReportTarget, Status, Summary, Ui};

/// Exit status when every conversion succeeded.
const EXIT_OK: u8 = 0;
/// Exit status when a conversion failed (or warnings with --strict).
const EXIT_FAILED: u8 = 1;
/// Exit status for usage errors.
const EXIT_USAGE: u8 = 2;

/// Parses the command line, runs it, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let argv: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let result = match args::invocation(&argv) {
        Invocation::Completions => completions(&argv),
        Invocation::Man => man_page(&argv),
        Invocation::Convert => run(&Args::parse_from(&argv)),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(Failure::Usage(error)) => {
            eprintln!("folio: error: {error:#}");
            eprintln!("Try 'folio --help' for more information.");
            ExitCode::from(EXIT_USAGE)
        }
        Err(Failure::Conversion(error)) => {
            eprintln!("folio: error: {error:#}");
            ExitCode::from(EXIT_FAILED)
        }
    }
}

/// Why a run failed before or outside the conversions: the user's command line, or an I/O
/// problem of the run itself (conversion failures are outcomes, not `Failure`s).
enum Failure {
    Usage(anyhow::Error),
    Conversion(anyhow::Error),
}

fn completions(argv: &[std::ffi::OsString]) -> Result<u8, Failure> {
    let shell = args::parse_completions(argv).unwrap_or_else(|e| e.exit());
    let shell = match shell.as_str() {
        "bash" => clap_complete::Shell::Bash,
        "zsh" => clap_complete::Shell::Zsh,
        "fish" => clap_complete::Shell::Fish,
        "powershell" => clap_complete::Shell::PowerShell,
        _ => clap_complete::Shell::Elvish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut args::full_command(), "folio", &mut script);
    print_stdout(&script)
}

fn man_page(argv: &[std::ffi::OsString]) -> Result<u8, Failure> {
    args::parse_man(argv).unwrap_or_else(|e| e.exit());
    let mut page = Vec::new();
    args::write_man_page(&mut page)
        .map_err(|e| Failure::Conversion(anyhow!("cannot render the man page: {e}")))?;
    print_stdout(&page)
}

fn print_stdout(bytes: &[u8]) -> Result<u8, Failure> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(Failure::Conversion(anyhow!("cannot write to standard output: {e}")))
        }
        _ => Ok(EXIT_OK),
    }
}

fn run(args: &Args) -> Result<u8, Failure> {
    let started = Instant::now();
    let settings = Settings::resolve(args).map_err(Failure::Usage)?;
    if args.print_config {
        return print_config(args, &settings);
    }
    let stdout_is_terminal = std::io::stdout().is_terminal();
    let plan = plan::plan(args, &settings, stdout_is_terminal).map_err(Failure::Usage)?;
    let report_target = args.report.as_deref().map(ReportTarget::parse);
    if let Some(ReportTarget::File(path)) = &report_target {
        let id = output::identity(path);
        let clash = plan.jobs.iter().any(|job| {
            job.targets
                .iter()
                .any(|t| matches!(&t.sink, output::Sink::File(p) if output::identity(p) == id))
                || job.parts.iter().any(
                    |p| matches!(&p.source, plan::Source::File(f) if output::identity(f) == id),
                )
        });
        if clash {
            return Err(Failure::Usage(anyhow!(
                "--report {}: that file is also an input or an output of this run; choose another name",
                path.display()
            )));
        }
    }
    let options = settings.options().map_err(Failure::Usage)?;
    let quiet = args.quiet;
    let human = report_target != Some(ReportTarget::Stderr);
    let ui = Ui::new(plan.jobs.len(), quiet, args.verbose, human, plan.single);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let batch = batch::Batch {
        settings: &settings,
        base: &options,
        resource_path: settings.merged.resource_path.iter().flatten().map(PathBuf::from).collect(),
        root: settings.merged.root.clone().unwrap_or(cwd),
        explain: args.explain,
        ui: &ui,
        stop: AtomicBool::new(false),
        fail_fast: settings.merged.fail_fast.unwrap_or(false),
        strict: settings.merged.strict.unwrap_or(false),
        threads: args.jobs.map(usize::from),
    };
    let outcomes = batch.run(&plan).map_err(Failure::Conversion)?;
    ui.finish();

    let summary = Summary::of(plan.jobs.len(), &outcomes, started.elapsed());
    let strict = settings.merged.strict.unwrap_or(false);
    let strict_failures = if strict { summary.with_warnings } else { 0 };
    let exit_code =
        if summary.failed + summary.skipped + strict_failures > 0 { EXIT_FAILED } else { EXIT_OK };
    if strict_failures > 0 {
        for outcome in outcomes.iter().filter(|o| o.status == Status::Ok && !o.warnings.is_empty())
        {
            ui.error(&format!("{}: warnings are errors with --strict", outcome.input));
        }
    }
    if !plan.single && ui.chatty() {
        ui.line(&summary_line(&summary));
    }
    if let Some(target) = &report_target {
        report::write_report(target, &summary, &outcomes, exit_code)
            .with_context(|| "cannot write the --report".to_string())
            .map_err(Failure::Conversion)?;
    }
    Ok(exit_code)
}

/// `folio: 198 of 200 conversions done (2 failed) in 1.4 s`.
fn summary_line(summary: &Summary) -> String {
    let mut problems = Vec::new();
    if summary.failed > 0 {
        problems.push(format!("{} failed", summary.failed));
    }
    if summary.skipped > 0 {
        problems.push(format!("{} skipped", summary.skipped));
    }
    if summary.with_warnings > 0 {
        problems.push(format!("{} with warnings", summary.with_warnings));
    }
    let problems =
        if problems.is_empty() { String::new() } else { format!(" ({})", problems.join(", ")) };
    format!(
        "folio: {} of {} conversions done from {} input{}{problems} in {:.1} s",
        summary.ok,
        summary.conversions,
        summary.inputs,
        if summary.inputs == 1 { "" } else { "s" },
        summary.duration_ms as f64 / 1000.0
    )
}

/// `--print-config`: the effective settings; with exactly one input file, its front matter too.
fn print_config(args: &Args, settings: &Settings) -> Result<u8, Failure> {
    let text = match args.inputs.as_slice() {
        [one] if one.as_os_str() != "-" => {
            let bytes = std::fs::read(one)
                .with_context(|| format!("{}: cannot read the input file", one.display()))
                .map_err(Failure::Conversion)?;
            let format = settings
                .input_format()
                .map_err(Failure::Usage)?
                .or_else(|| folio::format::InputFormat::from_path(one))
                .unwrap_or(folio::format::InputFormat::Markdown(Default::default()));
            let (document, _) =
                folio::load(&bytes, format, &settings.options().map_err(Failure::Usage)?)
                    .with_context(|| one.display().to_string())
                    .map_err(Failure::Conversion)?;
            settings.render(Some((&one.display().to_string(), &document.meta)))
        }
        _ => settings.render(None),
    };
    print_stdout(text.as_bytes())
}

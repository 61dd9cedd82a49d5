//! The command line: clap arguments, file and stdin/stdout I/O, messages and exit codes.
//!
//! Everything that converts lives in the library; this module only decides what to read, where
//! to write, and how to tell the user. Outputs are written to a temporary file beside the target
//! and renamed into place, so a failed conversion never leaves a half-written file.

use std::io::{IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{anyhow, bail, Context};
use clap::Parser;

use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};
use folio::resources::FsResources;
use folio::{Options, Warning};

/// Exit status when every conversion succeeded.
const EXIT_OK: u8 = 0;
/// Exit status when a conversion failed (or warnings with --strict).
const EXIT_FAILED: u8 = 1;
/// Exit status for usage errors.
const EXIT_USAGE: u8 = 2;

/// Convert plain text and Markdown to HTML, EPUB and PDF.
///
/// Formats are inferred from file extensions (.md .markdown .txt .json → .html .epub .pdf .json);
/// `-` or no input reads stdin, no `-o` (or `-o -`) writes stdout.
///
/// Exit status: 0 success, 1 a conversion failed, 2 usage error.
#[derive(Debug, Parser)]
#[command(name = "folio", version, about, long_about, max_term_width = 100)]
pub struct Args {
    /// Input files (`-` for standard input; none reads standard input).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output file (`-` for standard output, the default).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Input format: markdown, gfm, commonmark, text, json (default: from the extension, else markdown).
    #[arg(short, long, value_name = "FORMAT")]
    pub from: Option<String>,

    /// Output format: html, epub, pdf, json (default: from the output extension, else html).
    #[arg(short, long, value_name = "FORMAT")]
    pub to: Option<String>,

    /// HTML: write only the body, without <html>, <head> and the stylesheet.
    #[arg(long)]
    pub fragment: bool,

    /// Set a metadata field, overriding the document's own (repeatable): -M title="My book".
    #[arg(short = 'M', long = "metadata", value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,

    /// Add a stylesheet to HTML and EPUB output (repeatable); it overrides the built-in one.
    #[arg(long, value_name = "FILE")]
    pub css: Vec<PathBuf>,

    /// Keep straight quotes, dashes and dots as typed (no typographic punctuation).
    #[arg(long)]
    pub no_smart: bool,

    /// Text encoding of the input (utf-8, utf-16le, windows-1252, latin1 …) instead of detecting it.
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,

    /// Untrusted input: escape raw HTML and drop javascript:/data: links.
    #[arg(long)]
    pub safe: bool,

    /// Also look for images and other resources in DIR (repeatable).
    #[arg(long, value_name = "DIR")]
    pub resource_path: Vec<PathBuf>,

    /// Only read resources inside DIR (and the input's and --resource-path folders); default: the current folder.
    #[arg(long, value_name = "DIR")]
    pub root: Option<PathBuf>,

    /// EPUB version: 3 (default) or 2.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u8).range(2..=3))]
    pub epub_version: u8,

    /// EPUB: start a new chapter file at headings of level N and above.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=6))]
    pub split_level: u8,

    /// EPUB: use this image as the cover (otherwise a title page is generated).
    #[arg(long, value_name = "FILE")]
    pub epub_cover_image: Option<PathBuf>,

    /// PDF paper size: a4 or letter.
    #[arg(long, value_name = "SIZE")]
    pub paper: Option<String>,

    /// PDF: ragged-right paragraphs instead of justified.
    #[arg(long)]
    pub ragged: bool,

    /// PDF: body font file (TTF/OTF) instead of the bundled serif.
    #[arg(long, value_name = "FILE")]
    pub font: Option<PathBuf>,

    /// PDF: monospace font file instead of the bundled one.
    #[arg(long, value_name = "FILE")]
    pub mono_font: Option<PathBuf>,

    /// Plain text: print on stderr, for each block, what was detected and which rule decided it.
    #[arg(long)]
    pub explain: bool,

    /// Add a table of contents (HTML nav block, EPUB contents page, PDF contents page).
    #[arg(long)]
    pub toc: bool,

    /// Deepest heading level listed in the table of contents.
    #[arg(long, value_name = "N", default_value_t = 3, value_parser = clap::value_parser!(u8).range(1..=6))]
    pub toc_depth: u8,

    /// Number section headings (1, 1.1, 1.2 …).
    #[arg(long)]
    pub number_sections: bool,

    /// Colour theme for code highlighting.
    #[arg(long, value_name = "NAME")]
    pub highlight_style: Option<String>,

    /// Do not highlight code blocks.
    #[arg(long)]
    pub no_highlight: bool,

    /// HTML: embed images as data: URIs so the page stands alone.
    #[arg(long)]
    pub self_contained: bool,

    /// Treat warnings as errors (exit status 1).
    #[arg(long)]
    pub strict: bool,

    /// Print no warnings.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Parses the command line, runs it, and maps the outcome to an exit code.
pub fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
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

/// Why a run failed: the user's command line, or the conversion itself.
enum Failure {
    Usage(anyhow::Error),
    Conversion(anyhow::Error),
}

/// Where a conversion reads from.
#[derive(Debug, Clone)]
enum Source {
    Stdin,
    File(PathBuf),
}

impl Source {
    fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(path) => path.display().to_string(),
        }
    }
}

/// Where a conversion writes to.
#[derive(Debug, Clone)]
enum Sink {
    Stdout,
    File(PathBuf),
}

fn run(args: &Args) -> Result<u8, Failure> {
    let source = match args.inputs.as_slice() {
        [] => Source::Stdin,
        [one] if one.as_os_str() == "-" => Source::Stdin,
        [one] => Source::File(one.clone()),
        [..] => {
            return Err(Failure::Usage(anyhow!(
                "several inputs were given but folio converts one input per call here; convert them one at a time"
            )))
        }
    };
    let sink = match &args.output {
        None => Sink::Stdout,
        Some(path) if path.as_os_str() == "-" => Sink::Stdout,
        Some(path) => Sink::File(path.clone()),
    };
    let from = input_format(args, &source).map_err(Failure::Usage)?;
    let to = output_format(args, &sink).map_err(Failure::Usage)?;
    let options = options(args, to).map_err(Failure::Usage)?;
    if let Sink::Stdout = sink {
        if to.is_binary() && std::io::stdout().is_terminal() {
            return Err(Failure::Usage(anyhow!(
                "refusing to write binary {to} output to a terminal; use -o FILE.{to} or redirect: folio … -t {to} > out.{to}"
            )));
        }
    }
    if let (Source::File(input), Sink::File(output)) = (&source, &sink) {
        if same_file(input, output) {
            return Err(Failure::Usage(anyhow!(
                "{}: the output would overwrite the input; choose another -o",
                output.display()
            )));
        }
    }

    let input = read_source(&source).map_err(Failure::Conversion)?;
    if args.explain {
        if from != InputFormat::Text {
            return Err(Failure::Usage(anyhow!(
                "--explain describes the plain-text reader's decisions; add -f text"
            )));
        }
        let text_options = folio::reader::text::TextOptions::from_read_options(&options.read);
        let explanation = folio::reader::text::explain(&input, &text_options)
            .with_context(|| source.name())
            .map_err(Failure::Conversion)?;
        eprint!("{explanation}");
    }
    let resources = resources_for(args, &source);
    let converted = folio::convert(&input, from, to, &options, &resources)
        .with_context(|| source.name())
        .map_err(Failure::Conversion)?;
    report_warnings(args, &source, &converted.warnings);
    write_sink(&sink, &converted.bytes).map_err(Failure::Conversion)?;
    if args.strict && !converted.warnings.is_empty() {
        eprintln!("folio: error: {}: warnings are errors with --strict", source.name());
        return Ok(EXIT_FAILED);
    }
    Ok(EXIT_OK)
}

fn input_format(args: &Args, source: &Source) -> anyhow::Result<InputFormat> {
    if let Some(name) = &args.from {
        return Ok(name.parse()?);
    }
    Ok(match source {
        Source::File(path) => {
            InputFormat::from_path(path).unwrap_or(InputFormat::Markdown(MarkdownFlavor::Markdown))
        }
        Source::Stdin => InputFormat::Markdown(MarkdownFlavor::Markdown),
    })
}

fn output_format(args: &Args, sink: &Sink) -> anyhow::Result<OutputFormat> {
    if let Some(name) = &args.to {
        return Ok(name.parse()?);
    }
    match sink {
        Sink::Stdout => Ok(OutputFormat::Html),
        Sink::File(path) => OutputFormat::from_path(path).ok_or_else(|| {
            anyhow!(
                "cannot tell the output format from '{}'; name it .html, .epub, .pdf or .json, or give -t FORMAT",
                path.display()
            )
        }),
    }
}

fn options(args: &Args, to: OutputFormat) -> anyhow::Result<Options> {
    let mut options = Options::default();
    options.read.smart = args.no_smart.then_some(false);
    options.read.encoding = args.encoding.clone();
    for pair in &args.metadata {
        let (key, value) = pair
            .split_once('=')
            .or_else(|| pair.split_once(':'))
            .ok_or_else(|| anyhow!("-M {pair}: expected KEY=VALUE, e.g. -M title=\"My title\""))?;
        options.metadata.push((key.trim().to_string(), value.trim().to_string()));
    }
    let html = &mut options.write.html;
    html.standalone = !args.fragment;
    html.safe = args.safe;
    html.toc = args.toc;
    html.toc_depth = args.toc_depth;
    html.number_sections = args.number_sections;
    html.highlight_style = highlight_style(args);
    html.self_contained = args.self_contained;
    for path in &args.css {
        let css = std::fs::read_to_string(path)
            .with_context(|| format!("--css {}: cannot read the stylesheet", path.display()))?;
        html.css.push(css);
    }
    let epub = &mut options.write.epub;
    epub.version = args.epub_version;
    epub.split_level = args.split_level;
    epub.cover_image = args.epub_cover_image.as_ref().map(|p| p.display().to_string());
    let pdf = &mut options.write.pdf;
    if let Some(paper) = &args.paper {
        match paper.to_ascii_lowercase().as_str() {
            "a4" | "letter" => pdf.paper = Some(paper.to_ascii_lowercase()),
            _ => bail!("--paper {paper}: unknown paper size; choose a4 or letter"),
        }
    }
    pdf.ragged = args.ragged;
    pdf.toc = args.toc;
    pdf.toc_depth = args.toc_depth;
    pdf.number_sections = args.number_sections;
    pdf.highlight_style = highlight_style(args);
    pdf.font = args.font.as_ref().map(|p| p.display().to_string());
    pdf.mono_font = args.mono_font.as_ref().map(|p| p.display().to_string());
    options.write.timestamp = source_date_epoch()?;
    let _ = to;
    Ok(options)
}

/// The highlighting theme, or `None` with --no-highlight.
fn highlight_style(args: &Args) -> Option<String> {
    if args.no_highlight {
        return None;
    }
    Some(args.highlight_style.clone().unwrap_or_else(|| "default".to_string()))
}

/// `SOURCE_DATE_EPOCH` (reproducible builds): seconds since 1970 to stamp into outputs.
fn source_date_epoch() -> anyhow::Result<Option<i64>> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(value) if !value.trim().is_empty() => value.trim().parse().map(Some).map_err(|_| {
            anyhow!("SOURCE_DATE_EPOCH={value}: expected a whole number of seconds since 1970")
        }),
        _ => Ok(None),
    }
}

fn resources_for(args: &Args, source: &Source) -> FsResources {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let input_dir = match source {
        Source::File(path) => path
            .parent()
            .map(|p| if p.as_os_str().is_empty() { Path::new(".") } else { p })
            .unwrap_or(Path::new("."))
            .to_path_buf(),
        Source::Stdin => cwd.clone(),
    };
    let mut search_dirs = vec![input_dir];
    search_dirs.extend(args.resource_path.iter().cloned());
    FsResources::new(search_dirs, Some(args.root.clone().unwrap_or(cwd)))
}

fn read_source(source: &Source) -> anyhow::Result<Vec<u8>> {
    match source {
        Source::Stdin => {
            let mut buffer = Vec::new();
            std::io::stdin().read_to_end(&mut buffer).context("cannot read standard input")?;
            Ok(buffer)
        }
        Source::File(path) => std::fs::read(path)
            .with_context(|| format!("{}: cannot read the input file", path.display())),
    }
}

fn report_warnings(args: &Args, source: &Source, warnings: &[Warning]) {
    if args.quiet {
        return;
    }
    let stderr = std::io::stderr();
    let mut stderr = stderr.lock();
    for warning in warnings {
        let _ = writeln!(stderr, "folio: warning: {}: {warning}", source.name());
    }
}

fn write_sink(sink: &Sink, bytes: &[u8]) -> anyhow::Result<()> {
    match sink {
        Sink::Stdout => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                // The reader of a pipe went away (`folio … | head`): not our error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
            }
        }
        Sink::File(path) => write_atomically(path, bytes),
    }
}

/// Writes `bytes` to a temporary file in the target's folder, then renames it over `path`.
fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut temp =
        tempfile::Builder::new().prefix(".folio-").suffix(".tmp").tempfile_in(dir).with_context(
            || {
                format!(
                    "{}: cannot create the output file (does the folder exist and is it writable?)",
                    path.display()
                )
            },
        )?;
    temp.write_all(bytes).and_then(|()| temp.as_file().sync_all()).with_context(|| {
        format!("{}: cannot write the output file (is the disk full?)", path.display())
    })?;
    temp.persist(path).map_err(|e| {
        anyhow!("{}: cannot move the finished output into place: {}", path.display(), e.error)
    })?;
    Ok(())
}

/// True when both paths name the same existing file (also through links).
fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

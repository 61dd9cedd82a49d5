//! The clap definitions: every flag of `folio`, and the `completions`/`man` commands that are
//! generated from them. No behaviour lives here, only what the user can type and its help text.

use std::path::PathBuf;

use clap::{Arg, Command, CommandFactory, Parser};

/// A section shown after the options, in `--help` and in the man page (one text, two renderings).
struct Section {
    title: &'static str,
    text: &'static str,
    items: &'static [(&'static str, &'static str)],
}

const SECTIONS: &[Section] = &[
    Section {
        title: "Batch mode",
        text: "Several inputs, several formats (-t html,epub,pdf) or -r DIR convert every input \
            to every format in one call, in parallel. Outputs are named after their input \
            (a.md -> a.html) and written beside it, or under --output-dir keeping the folders \
            below the inputs' common folder. A failed file never stops the others (unless \
            --fail-fast); each failure is named on stderr. -j N (or RAYON_NUM_THREADS) limits the threads.",
        items: &[],
    },
    Section {
        title: "Configuration",
        text: "Lowest to highest priority: built-in defaults < folio.toml (current folder, or \
            --config FILE) < the document's front matter (toc, toc-depth, number-sections, \
            paper, ragged, highlight-style, epub-version, split-level) < command-line flags. \
            folio.toml keys are the long flag names, plus a [metadata] table. --print-config \
            shows the result.",
        items: &[],
    },
    Section {
        title: "Commands",
        text: "Only as the first argument; write ./completions or ./man for files of those names.",
        items: &[
            (
                "folio completions bash|zsh|fish|powershell|elvish",
                "print a shell completion script",
            ),
            ("folio man", "print the man page (roff)"),
        ],
    },
    Section {
        title: "Exit status",
        text: "",
        items: &[
            ("0", "every conversion succeeded"),
            ("1", "at least one conversion failed (or had warnings, with --strict)"),
            ("2", "usage error: bad flags, unknown format, bad folio.toml, refused output"),
        ],
    },
];

/// The sections as `--help` text.
fn after_help() -> String {
    let mut out = String::new();
    for (i, section) in SECTIONS.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(section.title);
        out.push_str(":\n");
        if !section.text.is_empty() {
            out.push_str(&wrap(section.text, 96, "  "));
        }
        let width = section.items.iter().map(|(term, _)| term.len()).max().unwrap_or(0);
        for (term, description) in section.items {
            out.push_str(&format!("  {term:<width$}  {description}\n"));
        }
    }
    out.trim_end().to_string()
}

/// Fills `text` into lines of at most `width` characters, each starting with `indent`.
fn wrap(text: &str, width: usize, indent: &str) -> String {
    let mut out = String::new();
    let mut line = String::from(indent);
    for word in text.split_whitespace() {
        if line.len() > indent.len() && line.len() + 1 + word.len() > width {
            out.push_str(&line);
            out.push('\n');
            line = String::from(indent);
        }
        if line.len() > indent.len() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if line.len() > indent.len() {
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The sections as roff, for the man page.
fn sections_roff() -> String {
    let mut out = String::new();
    for section in SECTIONS {
        out.push_str(&format!(".SH \"{}\"\n", section.title.to_uppercase()));
        if !section.text.is_empty() {
            out.push_str(&format!(".PP\n{}\n", roff_escape(section.text)));
        }
        for (term, description) in section.items {
            out.push_str(&format!(
                ".TP\n\\fB{}\\fR\n{}\n",
                roff_escape(term),
                roff_escape(description)
            ));
        }
    }
    out
}

/// Escapes text for roff: backslashes, hyphens (so they are not hyphenation points) and control
/// characters at the start of a line.
fn roff_escape(text: &str) -> String {
    let escaped = text.replace('\\', "\\\\").replace('-', "\\-");
    match escaped.chars().next() {
        Some('.') | Some('\'') => format!("\\&{escaped}"),
        _ => escaped,
    }
}

/// Writes the man page: clap_mangen's sections from the clap definitions, then [`SECTIONS`].
pub fn write_man_page(out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let man = clap_mangen::Man::new(Args::command().after_help(""));
    man.render_title(out)?;
    man.render_name_section(out)?;
    man.render_synopsis_section(out)?;
    man.render_description_section(out)?;
    man.render_options_section(out)?;
    out.write_all(sections_roff().as_bytes())?;
    man.render_version_section(out)
}

/// Convert plain text and Markdown to HTML, EPUB and PDF.
///
/// Formats are inferred from file extensions (.md .markdown .txt .json → .html .epub .pdf .json);
/// `-` or no input reads stdin, no `-o` (or `-o -`) writes stdout.
#[derive(Debug, Parser)]
#[command(
    name = "folio",
    version,
    about,
    long_about,
    max_term_width = 100,
    after_help = after_help(),
    override_usage = "folio [OPTIONS] [INPUT]...\n       folio completions <SHELL>\n       folio man"
)]
pub struct Args {
    /// Input files (`-` for standard input; none reads standard input).
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,

    /// Output file (`-` for standard output, the default for one input and one format).
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write outputs into DIR (created if needed), keeping the inputs' folder structure.
    #[arg(long, value_name = "DIR")]
    pub output_dir: Option<PathBuf>,

    /// Convert every .md, .markdown and .txt file below DIR (repeatable).
    #[arg(short, long, value_name = "DIR")]
    pub recursive: Vec<PathBuf>,

    /// Join all inputs into one document (in the order given) instead of converting each.
    #[arg(long)]
    pub concat: bool,

    /// Input format: markdown, gfm, commonmark, text, json (default: from the extension, else markdown).
    #[arg(short, long, value_name = "FORMAT")]
    pub from: Option<String>,

    /// Output formats, comma-separated: html, epub, pdf, json (default: from the -o extension, else html).
    #[arg(short, long, value_name = "FORMAT[,FORMAT…]")]
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
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(2..=3))]
    pub epub_version: Option<u8>,

    /// EPUB: start a new chapter file at headings of level N and above (default 1).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=6))]
    pub split_level: Option<u8>,

    /// EPUB: use this image as the cover (otherwise a title page is generated).
    #[arg(long, value_name = "FILE")]
    pub epub_cover_image: Option<PathBuf>,

    /// PDF paper size: a4 (default) or letter.
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

    /// Deepest heading level listed in the table of contents (default 3).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=6))]
    pub toc_depth: Option<u8>,

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

    /// Convert at most N files at a time (default: one per core, or RAYON_NUM_THREADS).
    #[arg(short, long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Stop at the first failed conversion; conversions not yet started are skipped.
    #[arg(long)]
    pub fail_fast: bool,

    /// Write a JSON summary (per input and format: status, output, warnings, error, time):
    /// `json` for stderr (which then carries nothing else), or a file name.
    #[arg(long, alias = "diagnostics", value_name = "json|FILE")]
    pub report: Option<String>,

    /// Read settings from FILE instead of ./folio.toml.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Ignore ./folio.toml.
    #[arg(long, conflicts_with = "config")]
    pub no_config: bool,

    /// Print the effective settings (defaults < folio.toml < front matter < flags) as folio.toml
    /// text and exit; with one input its front matter is included.
    #[arg(long)]
    pub print_config: bool,

    /// List each conversion on stderr as it finishes.
    #[arg(short, long, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Print no warnings, no progress bar and no summary (errors are still printed).
    #[arg(short, long)]
    pub quiet: bool,
}

/// The shells `folio completions` knows.
pub const SHELLS: &[&str] = &["bash", "zsh", "fish", "powershell", "elvish"];

/// The `folio completions SHELL` command.
fn completions_command() -> Command {
    Command::new("completions").about("Print a shell completion script").arg(
        Arg::new("shell")
            .value_name("SHELL")
            .required(true)
            .value_parser(clap::builder::PossibleValuesParser::new(SHELLS)),
    )
}

/// The `folio man` command.
fn man_command() -> Command {
    Command::new("man").about("Print the man page (roff) on standard output")
}

/// The whole command line, including the commands, as completions and the man page describe it.
/// Parsing uses [`Args`] alone, so a file named like a command is only a command in first place.
pub fn full_command() -> Command {
    Args::command()
        .subcommand(completions_command())
        .subcommand(man_command())
        .disable_help_subcommand(true)
}

/// Which command the first argument selects.
pub enum Invocation {
    /// Convert files (the usual case).
    Convert,
    /// `folio completions SHELL`.
    Completions,
    /// `folio man`.
    Man,
}

/// Looks only at the first argument: `folio completions …` and `folio man` are commands, any
/// other position (and `./completions`) is an input file.
pub fn invocation(args: &[std::ffi::OsString]) -> Invocation {
    match args.get(1).and_then(|a| a.to_str()) {
        Some("completions") => Invocation::Completions,
        Some("man") => Invocation::Man,
        _ => Invocation::Convert,
    }
}

/// Parses `folio completions SHELL` (the arguments after the program name).
pub fn parse_completions(args: &[std::ffi::OsString]) -> Result<String, clap::Error> {
    let matches = completions_command()
        .bin_name("folio completions")
        .try_get_matches_from(args.iter().skip(1))?;
    Ok(matches.get_one::<String>("shell").cloned().unwrap_or_default())
}

/// Parses `folio man` (it takes no arguments).
pub fn parse_man(args: &[std::ffi::OsString]) -> Result<(), clap::Error> {
    man_command().bin_name("folio man").try_get_matches_from(args.iter().skip(1)).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definitions_are_consistent() {
        full_command().debug_assert();
    }

    #[test]
    fn help_text_is_wrapped_and_aligned() {
        let text = after_help();
        assert!(text.lines().all(|l| l.chars().count() <= 96), "{text}");
        assert!(text.contains("\n  0  every conversion succeeded\n"), "{text}");
        assert_eq!(wrap("a b c", 3, " "), " a\n b\n c\n");
    }

    #[test]
    fn roff_escaping() {
        assert_eq!(roff_escape("--toc a\\b"), "\\-\\-toc a\\\\b");
        assert_eq!(roff_escape(".hidden"), "\\&.hidden");
        assert!(sections_roff().contains(".SH \"EXIT STATUS\"\n"));
    }

    #[test]
    fn commands_only_in_first_place() {
        let args = |v: &[&str]| v.iter().map(std::ffi::OsString::from).collect::<Vec<_>>();
        assert!(matches!(
            invocation(&args(&["folio", "completions", "bash"])),
            Invocation::Completions
        ));
        assert!(matches!(invocation(&args(&["folio", "man"])), Invocation::Man));
        assert!(matches!(
            invocation(&args(&["folio", "a.md", "completions"])),
            Invocation::Convert
        ));
        assert!(matches!(invocation(&args(&["folio", "./completions"])), Invocation::Convert));
    }
}

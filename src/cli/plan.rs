//! Planning a run: which documents to read (explicit inputs, `-r` folder walks, stdin), which
//! formats to write, and the output path of each (input × format). Every usage problem is found
//! here, before anything is converted or written.

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail};

use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};

use super::args::Args;
use super::config::Settings;
use super::output::{binary_to_terminal_refusal, identity, lexically_normal, Sink};

/// Folders deeper than this below a `-r` root are not walked (a guard against pathological trees).
const MAX_WALK_DEPTH: usize = 64;

/// Where a document is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Standard input.
    Stdin,
    /// A file (or something named like one that may turn out unreadable).
    File(PathBuf),
}

impl Source {
    /// The name used in messages and the report.
    pub fn name(&self) -> String {
        match self {
            Source::Stdin => "<stdin>".to_string(),
            Source::File(path) => path.display().to_string(),
        }
    }
}

/// One input file with its format.
#[derive(Debug, Clone)]
pub struct Part {
    /// Where to read.
    pub source: Source,
    /// How to read it.
    pub format: InputFormat,
}

/// One output of a job.
#[derive(Debug, Clone)]
pub struct Target {
    /// The format to write.
    pub format: OutputFormat,
    /// Where to write it.
    pub sink: Sink,
    /// Why this output must not be written (it would overwrite an input).
    pub refusal: Option<String>,
}

/// One document (one input, or all inputs with `--concat`) and the outputs made from it.
#[derive(Debug, Clone)]
pub struct Job {
    /// The inputs, in order (several only with `--concat`).
    pub parts: Vec<Part>,
    /// The outputs.
    pub targets: Vec<Target>,
    /// Why the input cannot be used at all (e.g. a folder that could not be listed).
    pub problem: Option<String>,
}

impl Job {
    /// The name shown for the job: its input, or `a.md (+2 more)` for a concatenation.
    pub fn name(&self) -> String {
        match self.parts.as_slice() {
            [one] => one.source.name(),
            [first, rest @ ..] => format!("{} (+{} more)", first.source.name(), rest.len()),
            [] => String::from("<none>"),
        }
    }
}

/// Everything a run will do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The documents to convert, in input order.
    pub jobs: Vec<Job>,
    /// One input to one output, named by `-o` or standard output: messages stay as terse as a
    /// single conversion's, and no progress or summary is shown.
    pub single: bool,
    /// Output folders may need creating (under `--output-dir`).
    pub create_dirs: bool,
}

/// A source found on the command line or by a walk, with the folder its output path is
/// relative to (for `--output-dir`).
struct Found {
    source: Source,
    /// `-r` root the file was found under; `None` for inputs named on the command line.
    walk_root: Option<PathBuf>,
    problem: Option<String>,
}

/// Builds the plan. Errors are usage errors (exit status 2).
pub fn plan(args: &Args, settings: &Settings, stdout_is_terminal: bool) -> anyhow::Result<Plan> {
    let found = collect_sources(args)?;
    let stdin_count = found.iter().filter(|f| f.source == Source::Stdin).count();
    if stdin_count > 1 {
        bail!("standard input (-) can be read only once");
    }
    if stdin_count == 1 && found.len() > 1 && !args.concat {
        bail!("standard input (-) has no name to name its outputs after; give it alone, or join all inputs with --concat");
    }
    let output = args.output.as_ref().map(|path| {
        if path.as_os_str() == "-" {
            Sink::Stdout
        } else {
            Sink::File(path.clone())
        }
    });
    let output_dir = settings.merged.output_dir.clone();
    if output.is_some() && args.output_dir.is_some() {
        bail!("give either -o FILE or --output-dir DIR, not both");
    }
    let mut formats = settings.output_formats()?;
    // `-o book.epub` says the format as plainly as `-t epub` does, so it wins over `to` from
    // folio.toml (but not over an explicit -t).
    if let (Some(Sink::File(path)), None) = (&output, &settings.command_line.to) {
        if let Some(format) = OutputFormat::from_path(path) {
            formats = vec![format];
        }
    }
    if formats.is_empty() {
        formats.push(match &output {
            Some(Sink::File(path)) => OutputFormat::from_path(path).ok_or_else(|| {
                anyhow!(
                    "cannot tell the output format from '{}'; name it .html, .epub, .pdf or .json, or give -t FORMAT",
                    path.display()
                )
            })?,
            _ => OutputFormat::Html,
        });
    }
    let forced_from = settings.input_format()?;
    let format_of = |source: &Source| match (forced_from, source) {
        (Some(format), _) => format,
        (None, Source::File(path)) => {
            InputFormat::from_path(path).unwrap_or(InputFormat::Markdown(MarkdownFlavor::Markdown))
        }
        (None, Source::Stdin) => InputFormat::Markdown(MarkdownFlavor::Markdown),
    };
    if args.explain {
        if let Some(other) =
            found.iter().map(|f| format_of(&f.source)).find(|f| *f != InputFormat::Text)
        {
            bail!("--explain describes the plain-text reader's decisions, but an input is read as {other}; add -f text");
        }
    }

    let documents = if args.concat { 1 } else { found.len() };
    let single_output =
        documents == 1 && formats.len() == 1 && output_dir.is_none() && args.recursive.is_empty();
    if let Some(sink) = &output {
        if documents > 1 {
            bail!(
                "-o {} names one output, but {} inputs were given; use --output-dir DIR to convert each of them, or --concat to join them into one document",
                sink.name(),
                documents
            );
        }
        if formats.len() > 1 {
            bail!(
                "-o {} names one output, but {} formats were asked for; use --output-dir DIR (outputs are named after the input)",
                sink.name(),
                formats.len()
            );
        }
    }

    let input_ids: HashSet<PathBuf> = found
        .iter()
        .filter_map(|f| match &f.source {
            Source::File(path) => path.canonicalize().ok(),
            Source::Stdin => None,
        })
        .collect();
    let explicit_base = common_folder(found.iter().filter(|f| f.walk_root.is_none()).filter_map(
        |f| match &f.source {
            Source::File(path) => Some(path.as_path()),
            Source::Stdin => None,
        },
    ));

    let groups: Vec<Vec<&Found>> = if args.concat {
        vec![found.iter().collect()]
    } else {
        found.iter().map(|f| vec![f]).collect()
    };
    let mut jobs = Vec::with_capacity(groups.len());
    let mut claimed: BTreeMap<PathBuf, String> = BTreeMap::new();
    for group in groups {
        let Some(first) = group.first() else { continue };
        let parts: Vec<Part> = group
            .iter()
            .map(|f| Part { source: f.source.clone(), format: format_of(&f.source) })
            .collect();
        let problem = group.iter().find_map(|f| f.problem.clone());
        let mut targets = Vec::with_capacity(formats.len());
        for &format in &formats {
            let sink = match (&output, single_output) {
                (Some(sink), _) => sink.clone(),
                (None, true) => Sink::Stdout,
                (None, false) => {
                    let Source::File(path) = &first.source else {
                        bail!("standard input has no name to name outputs after; give -o FILE and one format");
                    };
                    Sink::File(output_path(
                        path,
                        first.walk_root.as_deref(),
                        &explicit_base,
                        output_dir.as_deref(),
                        format,
                    ))
                }
            };
            let refusal = match &sink {
                Sink::Stdout => {
                    if let Some(message) = binary_to_terminal_refusal(format, stdout_is_terminal) {
                        bail!(message);
                    }
                    None
                }
                Sink::File(path) => {
                    let id = identity(path);
                    if input_ids.contains(&id) {
                        // Refused below, so it claims no output path.
                        Some(format!(
                            "{}: the output would overwrite an input; choose another -o or an --output-dir",
                            path.display()
                        ))
                    } else {
                        if let Some(other) = claimed.insert(id, first.source.name()) {
                            bail!(
                                "{} and {} would both be written to {}; convert them in separate calls or to separate --output-dir folders",
                                other,
                                first.source.name(),
                                path.display()
                            );
                        }
                        None
                    }
                }
            };
            targets.push(Target { format, sink, refusal });
        }
        jobs.push(Job { parts, targets, problem });
    }
    let single = jobs.len() == 1 && formats.len() == 1 && (output.is_some() || single_output);
    if single {
        // One explicit conversion whose output is an input is a usage error, as it always was.
        if let Some(refusal) = jobs.iter().flat_map(|j| &j.targets).find_map(|t| t.refusal.clone())
        {
            bail!(refusal);
        }
    }
    Ok(Plan { jobs, single, create_dirs: output_dir.is_some() })
}

/// The output path of `input` in `format`.
fn output_path(
    input: &Path,
    walk_root: Option<&Path>,
    explicit_base: &Path,
    output_dir: Option<&Path>,
    format: OutputFormat,
) -> PathBuf {
    let Some(output_dir) = output_dir else {
        return input.with_extension(format.extension());
    };
    let relative = match walk_root {
        Some(root) => {
            input.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| file_name(input))
        }
        None => absolute(input)
            .strip_prefix(explicit_base)
            .map(Path::to_path_buf)
            .unwrap_or_else(|_| file_name(input)),
    };
    output_dir.join(relative).with_extension(format.extension())
}

fn file_name(path: &Path) -> PathBuf {
    path.file_name().map(PathBuf::from).unwrap_or_else(|| PathBuf::from("output"))
}

fn absolute(path: &Path) -> PathBuf {
    lexically_normal(&std::env::current_dir().unwrap_or_default().join(path))
}

/// The deepest folder containing every file of `paths` (absolute, lexically normalised).
fn common_folder<'a>(paths: impl Iterator<Item = &'a Path>) -> PathBuf {
    let mut common: Option<PathBuf> = None;
    for path in paths {
        let folder = absolute(path).parent().map(Path::to_path_buf).unwrap_or_default();
        common = Some(match common {
            None => folder,
            Some(current) => {
                let mut shared = PathBuf::new();
                for (a, b) in current.components().zip(folder.components()) {
                    if a != b {
                        break;
                    }
                    shared.push(a.as_os_str());
                }
                shared
            }
        });
    }
    common.unwrap_or_default()
}

/// The inputs named on the command line, then the files found by each `-r` walk.
fn collect_sources(args: &Args) -> anyhow::Result<Vec<Found>> {
    let mut found: Vec<Found> = args
        .inputs
        .iter()
        .map(|path| Found {
            source: if path.as_os_str() == "-" {
                Source::Stdin
            } else {
                Source::File(path.clone())
            },
            walk_root: None,
            problem: None,
        })
        .collect();
    for root in &args.recursive {
        if !root.is_dir() {
            bail!(
                "-r {}: not a folder; -r walks a folder for .md, .markdown and .txt files",
                root.display()
            );
        }
        let before = found.len();
        walk(root, &mut found);
        if found.len() == before {
            bail!("-r {}: no .md, .markdown or .txt files below this folder", root.display());
        }
    }
    if found.is_empty() {
        found.push(Found { source: Source::Stdin, walk_root: None, problem: None });
    }
    // A file named twice (or found by two walks) is converted once.
    let mut seen = HashSet::new();
    found.retain(|f| match &f.source {
        Source::File(path) => seen.insert(path.canonicalize().unwrap_or_else(|_| absolute(path))),
        Source::Stdin => true,
    });
    Ok(found)
}

/// Walks `root` depth-first in name order, skipping hidden entries and not following folder
/// links (so a link loop cannot trap the walk). Unlistable folders become failed inputs.
fn walk(root: &Path, found: &mut Vec<Found>) {
    let mut stack = vec![(root.to_path_buf(), 0usize)];
    while let Some((dir, depth)) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) => {
                found.push(Found {
                    source: Source::File(dir.clone()),
                    walk_root: Some(root.to_path_buf()),
                    problem: Some(format!("cannot list this folder: {e}")),
                });
                continue;
            }
        };
        let mut entries: Vec<_> = entries.filter_map(Result::ok).collect();
        entries.sort_by_key(|e| e.file_name());
        let mut subfolders = Vec::new();
        for entry in entries {
            if entry.file_name().to_string_lossy().starts_with('.') {
                continue;
            }
            let path = entry.path();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if depth < MAX_WALK_DEPTH {
                    subfolders.push(path);
                }
            } else if is_walked_input(&path) {
                found.push(Found {
                    source: Source::File(path),
                    walk_root: Some(root.to_path_buf()),
                    problem: None,
                });
            }
        }
        // Reversed so the stack pops them in name order.
        stack.extend(subfolders.into_iter().rev().map(|p| (p, depth + 1)));
    }
}

/// Files `-r` converts: Markdown and plain text (JSON files in a folder are rarely folio models).
fn is_walked_input(path: &Path) -> bool {
    matches!(InputFormat::from_path(path), Some(InputFormat::Markdown(_) | InputFormat::Text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_paths_keep_structure_below_the_common_folder() {
        let cwd = std::env::current_dir().unwrap();
        let base = cwd.join("docs");
        let out = Path::new("out");
        let html = OutputFormat::Html;
        assert_eq!(
            output_path(Path::new("docs/a/x.md"), None, &base, Some(out), html),
            PathBuf::from("out/a/x.html")
        );
        assert_eq!(
            output_path(Path::new("docs/x.md"), Some(Path::new("docs")), &base, Some(out), html),
            PathBuf::from("out/x.html")
        );
        assert_eq!(
            output_path(Path::new("docs/x.txt"), None, &base, None, OutputFormat::Pdf),
            PathBuf::from("docs/x.pdf")
        );
    }

    #[test]
    fn common_folder_of_siblings_and_cousins() {
        let cwd = std::env::current_dir().unwrap();
        let paths = [Path::new("docs/a/x.md"), Path::new("docs/b/y.md")];
        assert_eq!(common_folder(paths.into_iter()), cwd.join("docs"));
        let one = [Path::new("docs/a/x.md")];
        assert_eq!(common_folder(one.into_iter()), cwd.join("docs/a"));
    }
}

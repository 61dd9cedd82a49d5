//! Running a plan: every document is read and normalised once, then written in each format, in
//! parallel across documents (and formats) on a rayon pool. A failure is recorded and reported,
//! never allowed to stop the other conversions (unless `--fail-fast`).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use folio::model::Document;
use folio::resources::FsResources;
use folio::{Options, Warning};

use super::config::Settings;
use super::output::write_sink;
use super::plan::{Job, Part, Plan, Source, Target};
use super::report::{millis, Outcome, Status, Ui};

/// Stack size of the worker threads. Writers recurse into nested blocks (bounded by the model's
/// depth limit), which needs more than rayon's default 2 MiB on deeply nested documents.
const WORKER_STACK_BYTES: usize = 16 * 1024 * 1024;

/// Everything shared by all conversions of a run (read-only, so threads share it freely).
pub struct Batch<'a> {
    /// The resolved settings.
    pub settings: &'a Settings,
    /// Options with the configuration and flags applied; stylesheets already read.
    pub base: &'a Options,
    /// Extra resource folders.
    pub resource_path: Vec<PathBuf>,
    /// The folder outside which no resource is read.
    pub root: PathBuf,
    /// `--explain`.
    pub explain: bool,
    /// Messages and progress.
    pub ui: &'a Ui,
    /// Set by the first failure under `--fail-fast`.
    pub stop: AtomicBool,
    /// `--fail-fast`.
    pub fail_fast: bool,
    /// `--strict`: warnings count as failures (for `--fail-fast`).
    pub strict: bool,
    /// `-j N`; `None` lets rayon decide (one per core, or `RAYON_NUM_THREADS`).
    pub threads: Option<usize>,
}

/// A document read and normalised, with the options that apply to it.
struct Loaded {
    document: Document,
    options: Options,
    warnings: Vec<Warning>,
    resources: FsResources,
}

impl Batch<'_> {
    /// Runs every job of `plan`; outcomes come back in plan order (input order, then format).
    pub fn run(&self, plan: &Plan) -> anyhow::Result<Vec<Outcome>> {
        let pool = rayon::ThreadPoolBuilder::new()
            .stack_size(WORKER_STACK_BYTES)
            .thread_name(|i| format!("folio-worker-{i}"))
            .num_threads(self.threads.unwrap_or(0))
            .build()?;
        let per_job: Vec<Vec<Outcome>> =
            pool.install(|| plan.jobs.par_iter().map(|job| self.run_job(job, plan)).collect());
        Ok(per_job.into_iter().flatten().collect())
    }

    fn stopped(&self) -> bool {
        self.fail_fast && self.stop.load(Ordering::Relaxed)
    }

    fn failed(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }

    fn run_job(&self, job: &Job, plan: &Plan) -> Vec<Outcome> {
        let name = job.name();
        if self.stopped() {
            self.ui.finished_document();
            return job.targets.iter().map(|t| skipped(&name, t)).collect();
        }
        self.ui.started(&name);
        let started = Instant::now();
        let loaded = self.load(job, plan.single);
        let load_time = started.elapsed();
        let outcomes = match loaded {
            Err(reason) => {
                self.ui.error(&format!("{name}: {reason}"));
                self.failed();
                job.targets
                    .iter()
                    .map(|target| Outcome {
                        input: name.clone(),
                        format: target.format,
                        output: None,
                        status: Status::Failed,
                        warnings: Vec::new(),
                        error: Some(reason.clone()),
                        duration_ms: millis(load_time),
                    })
                    .collect()
            }
            Ok(loaded) => {
                for warning in &loaded.warnings {
                    self.ui.warning(&name, warning);
                }
                let outcomes = job
                    .targets
                    .par_iter()
                    .map(|target| self.write_target(&name, target, &loaded, load_time, plan))
                    .collect();
                if plan.single {
                    // The process exits right after a single document: freeing its model node by
                    // node would cost a tenth of a Markdown → HTML run for nothing. In a batch
                    // each model is freed, so memory stays bounded by the documents in flight.
                    std::mem::forget(loaded);
                }
                outcomes
            }
        };
        self.ui.finished_document();
        outcomes
    }

    /// Reads every part of the job and builds the document and its options.
    fn load(&self, job: &Job, single: bool) -> Result<Loaded, String> {
        if let Some(problem) = &job.problem {
            return Err(problem.clone());
        }
        let mut inputs = Vec::with_capacity(job.parts.len());
        for part in &job.parts {
            let bytes = read_source(&part.source).map_err(|reason| match job.parts.len() {
                1 => reason,
                _ => format!("{}: {reason}", part.source.name()),
            })?;
            if self.explain {
                self.explain_part(part, &bytes, single)?;
            }
            inputs.push(bytes);
        }
        let (mut document, mut warnings) = match (job.parts.as_slice(), inputs.as_slice()) {
            ([part], [bytes]) => {
                folio::load(bytes, part.format, self.base).map_err(|e| e.to_string())?
            }
            _ => self.load_concatenated(&job.parts, &inputs)?,
        };
        self.settings.apply_metadata_defaults(&mut document.meta);
        let (options, more) = self.settings.options_for_document(self.base, &document.meta);
        warnings.extend(more);
        let resources = self.resources_for(&job.parts);
        Ok(Loaded { document, options, warnings, resources })
    }

    /// `--concat`: reads each part in its own format, then joins them into one document whose
    /// metadata is taken field by field from the first part that has it.
    fn load_concatenated(
        &self,
        parts: &[Part],
        inputs: &[Vec<u8>],
    ) -> Result<(Document, Vec<Warning>), String> {
        let mut joined = Document::default();
        let mut warnings = Vec::new();
        for (part, bytes) in parts.iter().zip(inputs) {
            let (document, more) = folio::reader::read(bytes, part.format, &self.base.read)
                .map_err(|e| format!("{}: {e}", part.source.name()))?;
            warnings.extend(more.into_iter().map(|mut w| {
                w.message = format!("{}: {}", part.source.name(), w.message);
                w
            }));
            merge_metadata(&mut joined.meta, document.meta);
            joined.blocks.extend(document.blocks);
        }
        for (key, value) in &self.base.metadata {
            folio::reader::front_matter::set_key(&mut joined.meta, key, value);
        }
        folio::transform::normalize(&mut joined);
        Ok((joined, warnings))
    }

    fn explain_part(&self, part: &Part, bytes: &[u8], single: bool) -> Result<(), String> {
        let options = folio::reader::text::TextOptions::from_read_options(&self.base.read);
        let explanation =
            folio::reader::text::explain(bytes, &options).map_err(|e| e.to_string())?;
        let text = explanation.trim_end();
        if single {
            self.ui.line(text);
        } else {
            self.ui.line(&format!("{}:\n{text}", part.source.name()));
        }
        Ok(())
    }

    /// Images are looked up beside each input, then in `--resource-path` folders.
    fn resources_for(&self, parts: &[Part]) -> FsResources {
        let mut search_dirs: Vec<PathBuf> = Vec::new();
        for part in parts {
            let dir = match &part.source {
                Source::File(path) => match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
                    _ => PathBuf::from("."),
                },
                Source::Stdin => self.root.clone(),
            };
            if !search_dirs.contains(&dir) {
                search_dirs.push(dir);
            }
        }
        search_dirs.extend(self.resource_path.iter().cloned());
        FsResources::new(search_dirs, Some(self.root.clone()))
    }

    fn write_target(
        &self,
        name: &str,
        target: &Target,
        loaded: &Loaded,
        load_time: Duration,
        plan: &Plan,
    ) -> Outcome {
        if self.stopped() {
            return skipped(name, target);
        }
        let started = Instant::now();
        let where_to = if plan.single {
            name.to_string()
        } else {
            format!("{name} → {}", target.sink.name())
        };
        let mut warnings = loaded.warnings.clone();
        let result = match &target.refusal {
            Some(refusal) => Err(refusal.clone()),
            None => write_sink(
                &target.sink,
                plan.create_dirs,
                Box::new(|sink| {
                    folio::writer::write_to(
                        &loaded.document,
                        target.format,
                        &loaded.options.write,
                        &loaded.resources,
                        sink,
                    )
                }),
            )
            .map(|more| {
                for warning in &more {
                    self.ui.warning(&where_to, warning);
                }
                warnings.extend(more);
            })
            .map_err(|e| format!("{e:#}")),
        };
        let duration_ms = millis(load_time + started.elapsed());
        match result {
            Ok(()) => {
                if self.strict && !warnings.is_empty() {
                    self.failed();
                }
                if self.ui.verbose() {
                    self.ui.line(&format!(
                        "folio: {name} → {} ({duration_ms} ms{})",
                        target.sink.name(),
                        match warnings.len() {
                            0 => String::new(),
                            1 => ", 1 warning".to_string(),
                            n => format!(", {n} warnings"),
                        }
                    ));
                }
                Outcome {
                    input: name.to_string(),
                    format: target.format,
                    output: Some(target.sink.name()),
                    status: Status::Ok,
                    warnings,
                    error: None,
                    duration_ms,
                }
            }
            Err(reason) => {
                self.ui.error(&format!("{where_to}: {reason}"));
                self.failed();
                Outcome {
                    input: name.to_string(),
                    format: target.format,
                    output: None,
                    status: Status::Failed,
                    warnings,
                    error: Some(reason),
                    duration_ms,
                }
            }
        }
    }
}

fn skipped(name: &str, target: &Target) -> Outcome {
    Outcome {
        input: name.to_string(),
        format: target.format,
        output: None,
        status: Status::Skipped,
        warnings: Vec::new(),
        error: Some("not attempted: --fail-fast stopped the run after a failure".to_string()),
        duration_ms: 0,
    }
}

/// Fills the fields `into` lacks from `from`.
fn merge_metadata(into: &mut folio::model::Metadata, from: folio::model::Metadata) {
    into.title = into.title.take().or(from.title);
    into.subtitle = into.subtitle.take().or(from.subtitle);
    into.date = into.date.take().or(from.date);
    into.lang = into.lang.take().or(from.lang);
    into.description = into.description.take().or(from.description);
    if into.authors.is_empty() {
        into.authors = from.authors;
    }
    if into.keywords.is_empty() {
        into.keywords = from.keywords;
    }
    for (key, value) in from.extra {
        into.extra.entry(key).or_insert(value);
    }
}

/// Reads an input; the message says what to do when it cannot be read.
fn read_source(source: &Source) -> Result<Vec<u8>, String> {
    match source {
        Source::Stdin => {
            let mut buffer = Vec::new();
            std::io::stdin()
                .read_to_end(&mut buffer)
                .map_err(|e| format!("cannot read standard input: {e}"))?;
            Ok(buffer)
        }
        Source::File(path) => {
            if path.is_dir() {
                return Err(format!(
                    "is a folder, not a file; use -r {} to convert the files below it",
                    path.display()
                ));
            }
            std::fs::read(path).map_err(|e| describe_read_error(path, &e))
        }
    }
}

fn describe_read_error(path: &Path, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::NotFound if path.symlink_metadata().is_ok() => {
            "cannot read the input file: it is a link to a file that does not exist".to_string()
        }
        std::io::ErrorKind::NotFound => "cannot read the input file: no such file".to_string(),
        std::io::ErrorKind::PermissionDenied => {
            "cannot read the input file: permission denied".to_string()
        }
        _ => format!("cannot read the input file: {error}"),
    }
}

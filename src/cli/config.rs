//! Settings and their cascade: built-in defaults < `folio.toml` < front matter < command line.
//!
//! Every layer is a [`Layer`] (all fields optional, the shape of `folio.toml`); [`Settings`] is
//! the resolved result with the origin of each value, which `--print-config` shows. Front matter
//! may only set presentation keys ([`FRONT_MATTER_KEYS`]): a document must not be able to turn off
//! `safe`, widen `root` or pull in files the person running folio did not choose.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context};
use serde::Deserialize;

use folio::format::{InputFormat, OutputFormat};
use folio::model::Metadata;
use folio::{Options, Warning, WarningKind};

use super::args::Args;

/// The file looked for in the current folder.
pub const CONFIG_FILE_NAME: &str = "folio.toml";

/// Front matter keys that set presentation settings of that one document.
pub const FRONT_MATTER_KEYS: &[&str] = &[
    "toc",
    "toc-depth",
    "number-sections",
    "paper",
    "papersize",
    "ragged",
    "highlight-style",
    "epub-version",
    "split-level",
];

/// One layer of settings: every field optional. This is also the schema of `folio.toml`, whose
/// keys are the long flag names (`toc-depth = 2`) plus a `[metadata]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Layer {
    /// Output formats.
    #[serde(default, deserialize_with = "one_or_many")]
    pub to: Option<Vec<String>>,
    /// Input format.
    pub from: Option<String>,
    /// Folder for outputs.
    pub output_dir: Option<PathBuf>,
    /// HTML body only.
    pub fragment: Option<bool>,
    /// Stylesheet files.
    #[serde(default, deserialize_with = "one_or_many")]
    pub css: Option<Vec<String>>,
    /// Typographic punctuation (`--no-smart` sets false).
    pub smart: Option<bool>,
    /// Forced input encoding.
    pub encoding: Option<String>,
    /// Untrusted input mode.
    pub safe: Option<bool>,
    /// Extra resource folders.
    #[serde(default, deserialize_with = "one_or_many")]
    pub resource_path: Option<Vec<String>>,
    /// Folder outside which no resource is read.
    pub root: Option<PathBuf>,
    /// EPUB 2 or 3.
    pub epub_version: Option<u8>,
    /// EPUB chapter split level.
    pub split_level: Option<u8>,
    /// EPUB cover image file.
    pub epub_cover_image: Option<PathBuf>,
    /// PDF paper size.
    pub paper: Option<String>,
    /// PDF ragged right.
    pub ragged: Option<bool>,
    /// PDF body font file.
    pub font: Option<PathBuf>,
    /// PDF monospace font file.
    pub mono_font: Option<PathBuf>,
    /// Table of contents.
    pub toc: Option<bool>,
    /// Deepest heading level in the contents.
    pub toc_depth: Option<u8>,
    /// Numbered headings.
    pub number_sections: Option<bool>,
    /// Code highlighting theme.
    pub highlight_style: Option<String>,
    /// Code highlighting on or off (`--no-highlight` sets false).
    pub highlight: Option<bool>,
    /// HTML with images embedded.
    pub self_contained: Option<bool>,
    /// Warnings count as failures.
    pub strict: Option<bool>,
    /// Stop at the first failure.
    pub fail_fast: Option<bool>,
    /// Metadata: defaults under the document's own in `folio.toml`, overrides (`-M`) on the
    /// command line.
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Accepts `key = "one"` as well as `key = ["one", "two"]`.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(Some(match OneOrMany::deserialize(d)? {
        OneOrMany::One(one) => vec![one],
        OneOrMany::Many(many) => many,
    }))
}

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// folio's built-in default.
    Default,
    /// A configuration file.
    ConfigFile(PathBuf),
    /// A document's front matter.
    FrontMatter(String),
    /// A command-line flag.
    CommandLine,
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Default => f.write_str("default"),
            Origin::ConfigFile(path) => write!(f, "{}", path.display()),
            Origin::FrontMatter(name) => write!(f, "front matter of {name}"),
            Origin::CommandLine => f.write_str("command line"),
        }
    }
}

/// Copies every field `higher` sets onto `lower`, recording where it came from.
macro_rules! overlay_fields {
    ($lower:expr, $higher:expr, $origin:expr, $origins:expr; $($field:ident),*) => {
        $(
            if $higher.$field.is_some() {
                $lower.$field = $higher.$field.clone();
                $origins.insert(stringify!($field).replace('_', "-"), $origin.clone());
            }
        )*
    };
}

impl Layer {
    /// Reads a `folio.toml`. Relative paths in it are taken from the file's folder, so the same
    /// file works whichever folder folio runs in.
    pub fn from_file(path: &Path) -> anyhow::Result<Layer> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("{}: cannot read the configuration file", path.display()))?;
        let mut layer =
            Layer::from_toml(&text).map_err(|message| anyhow!("{}: {message}", path.display()))?;
        let base = path.parent().filter(|p| !p.as_os_str().is_empty());
        if let Some(base) = base {
            layer.rebase_paths(base);
        }
        Ok(layer)
    }

    /// Parses `folio.toml` text; an error names the line and, for unknown keys, the key.
    pub fn from_toml(text: &str) -> Result<Layer, String> {
        let mut layer = toml::from_str::<Layer>(text).map_err(|e| {
            let line = e
                .span()
                .map_or(1, |span| text[..span.start.min(text.len())].matches('\n').count() + 1);
            let message = e.message().trim();
            match message.strip_prefix("unknown field `").and_then(|m| m.split_once('`')) {
                Some((key, _)) => format!(
                    "line {line}: unknown key '{key}'; known keys: {}, [metadata]",
                    KNOWN_KEYS.join(", ")
                ),
                None => format!("line {line}: {message}"),
            }
        })?;
        if let Some(metadata) = &mut layer.metadata {
            metadata.values_mut().for_each(unwrap_toml_dates);
        }
        Ok(layer)
    }

    fn rebase_paths(&mut self, base: &Path) {
        let join = |p: &PathBuf| if p.is_absolute() { p.clone() } else { base.join(p) };
        let join_str = |s: &String| join(&PathBuf::from(s)).display().to_string();
        self.output_dir = self.output_dir.as_ref().map(join);
        self.root = self.root.as_ref().map(join);
        self.epub_cover_image = self.epub_cover_image.as_ref().map(join);
        self.font = self.font.as_ref().map(join);
        self.mono_font = self.mono_font.as_ref().map(join);
        self.css = self.css.as_ref().map(|v| v.iter().map(join_str).collect());
        self.resource_path = self.resource_path.as_ref().map(|v| v.iter().map(join_str).collect());
    }

    /// The command-line layer: only what was actually typed.
    pub fn from_args(args: &Args) -> anyhow::Result<Layer> {
        let flag = |on: bool| on.then_some(true);
        let mut metadata = serde_json::Map::new();
        for pair in &args.metadata {
            let (key, value) =
                pair.split_once('=').or_else(|| pair.split_once(':')).ok_or_else(|| {
                    anyhow!("-M {pair}: expected KEY=VALUE, e.g. -M title=\"My title\"")
                })?;
            metadata.insert(key.trim().to_string(), value.trim().to_string().into());
        }
        let paths = |v: &[PathBuf]| {
            (!v.is_empty()).then(|| v.iter().map(|p| p.display().to_string()).collect())
        };
        Ok(Layer {
            to: args
                .to
                .as_ref()
                .map(|list| list.split(',').map(|s| s.trim().to_string()).collect()),
            from: args.from.clone(),
            output_dir: args.output_dir.clone(),
            fragment: flag(args.fragment),
            css: paths(&args.css),
            smart: args.no_smart.then_some(false),
            encoding: args.encoding.clone(),
            safe: flag(args.safe),
            resource_path: paths(&args.resource_path),
            root: args.root.clone(),
            epub_version: args.epub_version,
            split_level: args.split_level,
            epub_cover_image: args.epub_cover_image.clone(),
            paper: args.paper.clone(),
            ragged: flag(args.ragged),
            font: args.font.clone(),
            mono_font: args.mono_font.clone(),
            toc: flag(args.toc),
            toc_depth: args.toc_depth,
            number_sections: flag(args.number_sections),
            highlight_style: args.highlight_style.clone(),
            highlight: args.no_highlight.then_some(false),
            self_contained: flag(args.self_contained),
            strict: flag(args.strict),
            fail_fast: flag(args.fail_fast),
            metadata: (!metadata.is_empty()).then_some(metadata),
        })
    }

    /// The presentation settings a document's front matter asks for. Values that make no sense
    /// are ignored with a warning rather than failing the document.
    pub fn from_front_matter(meta: &Metadata) -> (Layer, Vec<Warning>) {
        let mut layer = Layer::default();
        let mut warnings = Vec::new();
        let mut complain = |key: &str, value: &str, expected: &str| {
            warnings.push(Warning::new(
                WarningKind::Unsupported,
                format!(
                    "front matter {key}: {value}: expected {expected}; the setting was ignored"
                ),
            ));
        };
        for (key, value) in &meta.extra {
            let normal = key.to_ascii_lowercase().replace('_', "-");
            let value = value.trim();
            if !FRONT_MATTER_KEYS.contains(&normal.as_str()) {
                continue;
            }
            match normal.as_str() {
                "toc" | "number-sections" | "ragged" => match parse_bool(value) {
                    Some(b) => match normal.as_str() {
                        "toc" => layer.toc = Some(b),
                        "number-sections" => layer.number_sections = Some(b),
                        _ => layer.ragged = Some(b),
                    },
                    None => complain(key, value, "true or false"),
                },
                "toc-depth" | "split-level" => match value.parse::<u8>() {
                    Ok(n @ 1..=6) if normal == "toc-depth" => layer.toc_depth = Some(n),
                    Ok(n @ 1..=6) => layer.split_level = Some(n),
                    _ => complain(key, value, "a heading level from 1 to 6"),
                },
                "epub-version" => match value {
                    "2" | "3" => layer.epub_version = value.parse().ok(),
                    _ => complain(key, value, "2 or 3"),
                },
                "paper" | "papersize" => match paper_name(value) {
                    Some(paper) => layer.paper = Some(paper.to_string()),
                    None => complain(key, value, "a4 or letter"),
                },
                "highlight-style" => layer.highlight_style = Some(value.to_string()),
                _ => {}
            }
        }
        (layer, warnings)
    }

    /// Overlays `higher` on `self`.
    fn overlay(&mut self, higher: &Layer, origin: &Origin, origins: &mut BTreeMap<String, Origin>) {
        overlay_fields!(self, higher, origin, origins;
            to, from, output_dir, fragment, css, smart, encoding, safe, resource_path, root,
            epub_version, split_level, epub_cover_image, paper, ragged, font, mono_font, toc,
            toc_depth, number_sections, highlight_style, highlight, self_contained, strict,
            fail_fast);
    }
}

/// TOML dates (`date = 2024-05-01`) reach serde_json as a private one-key object; metadata
/// wants the date as written.
fn unwrap_toml_dates(value: &mut serde_json::Value) {
    const DATETIME_KEY: &str = "$__toml_private_datetime";
    match value {
        serde_json::Value::Object(map) => {
            if map.len() == 1 {
                if let Some(serde_json::Value::String(date)) = map.get(DATETIME_KEY) {
                    *value = serde_json::Value::String(date.clone());
                    return;
                }
            }
            map.values_mut().for_each(unwrap_toml_dates);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(unwrap_toml_dates),
        _ => {}
    }
}

/// Every key `folio.toml` accepts, in the order `--print-config` shows them.
pub const KNOWN_KEYS: &[&str] = &[
    "to",
    "from",
    "output-dir",
    "fragment",
    "css",
    "smart",
    "encoding",
    "safe",
    "resource-path",
    "root",
    "epub-version",
    "split-level",
    "epub-cover-image",
    "paper",
    "ragged",
    "font",
    "mono-font",
    "toc",
    "toc-depth",
    "number-sections",
    "highlight-style",
    "highlight",
    "self-contained",
    "strict",
    "fail-fast",
];

fn parse_bool(value: &str) -> Option<bool> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "on" => Some(true),
        "false" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn paper_name(value: &str) -> Option<&'static str> {
    match value.to_ascii_lowercase().as_str() {
        "a4" => Some("a4"),
        "letter" | "us-letter" | "usletter" => Some("letter"),
        _ => None,
    }
}

/// The settings of a run after the cascade, each with its origin.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The merged layers (every field that any layer set).
    pub merged: Layer,
    /// Metadata defaults from the configuration file (below the document's own).
    pub metadata_defaults: serde_json::Map<String, serde_json::Value>,
    /// `-M` overrides (above the document's own).
    pub metadata_overrides: Vec<(String, String)>,
    /// Where each set key came from; keys missing here are defaults.
    pub origins: BTreeMap<String, Origin>,
    /// The command-line layer, kept so front matter never overrides a flag.
    pub command_line: Layer,
    /// The configuration file that was read, if any.
    pub config_file: Option<PathBuf>,
}

impl Settings {
    /// Resolves the configuration file and the command line (front matter comes per document).
    pub fn resolve(args: &Args) -> anyhow::Result<Settings> {
        let config_file = match (&args.config, args.no_config) {
            (Some(path), _) => {
                if !path.is_file() {
                    bail!("--config {}: no such file", path.display());
                }
                Some(path.clone())
            }
            (None, true) => None,
            (None, false) => {
                let here = PathBuf::from(CONFIG_FILE_NAME);
                here.is_file().then_some(here)
            }
        };
        let file_layer = match &config_file {
            Some(path) => Layer::from_file(path)?,
            None => Layer::default(),
        };
        let command_line = Layer::from_args(args)?;
        let mut merged = Layer::default();
        let mut origins = BTreeMap::new();
        if let Some(path) = &config_file {
            merged.overlay(&file_layer, &Origin::ConfigFile(path.clone()), &mut origins);
        }
        merged.overlay(&command_line, &Origin::CommandLine, &mut origins);
        let metadata_overrides = command_line
            .metadata
            .iter()
            .flatten()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
            .collect();
        let settings = Settings {
            merged,
            metadata_defaults: file_layer.metadata.clone().unwrap_or_default(),
            metadata_overrides,
            origins,
            command_line,
            config_file,
        };
        settings.validate()?;
        Ok(settings)
    }

    fn origin(&self, key: &str) -> Origin {
        self.origins.get(key).cloned().unwrap_or(Origin::Default)
    }

    /// Checks the values a configuration file could get wrong (clap checks the flags).
    fn validate(&self) -> anyhow::Result<()> {
        let m = &self.merged;
        let range = |key: &str, value: Option<u8>, low: u8, high: u8| -> anyhow::Result<()> {
            match value {
                Some(n) if !(low..=high).contains(&n) => {
                    bail!("{}: {key} = {n}: expected {low} to {high}", self.origin(key))
                }
                _ => Ok(()),
            }
        };
        range("toc-depth", m.toc_depth, 1, 6)?;
        range("split-level", m.split_level, 1, 6)?;
        range("epub-version", m.epub_version, 2, 3)?;
        if let Some(paper) = &m.paper {
            if paper_name(paper).is_none() {
                let origin = self.origin("paper");
                if origin == Origin::CommandLine {
                    bail!("--paper {paper}: unknown paper size; choose a4 or letter");
                }
                bail!("{origin}: paper = \"{paper}\": unknown paper size; choose a4 or letter");
            }
        }
        self.input_format()?;
        self.output_formats()?;
        Ok(())
    }

    /// The input format forced by `-f`/`from`, if any.
    pub fn input_format(&self) -> anyhow::Result<Option<InputFormat>> {
        match &self.merged.from {
            None => Ok(None),
            Some(name) => Ok(Some(name.parse().map_err(|e| self.with_origin("from", e))?)),
        }
    }

    /// The output formats asked for (`-t html,epub`), without duplicates; empty means "infer".
    pub fn output_formats(&self) -> anyhow::Result<Vec<OutputFormat>> {
        let mut formats = Vec::new();
        for name in self.merged.to.iter().flatten() {
            if name.is_empty() {
                continue;
            }
            let format: OutputFormat = name.parse().map_err(|e| self.with_origin("to", e))?;
            if !formats.contains(&format) {
                formats.push(format);
            }
        }
        Ok(formats)
    }

    fn with_origin(&self, key: &str, error: impl std::fmt::Display) -> anyhow::Error {
        match self.origin(key) {
            Origin::CommandLine | Origin::Default => anyhow!("{error}"),
            origin => anyhow!("{origin}: {key}: {error}"),
        }
    }

    /// Builds the library options once for the whole run (stylesheets are read here, once).
    pub fn options(&self) -> anyhow::Result<Options> {
        let m = &self.merged;
        let mut options = Options::default();
        options.read.smart = m.smart;
        options.read.encoding = m.encoding.clone();
        options.metadata = self.metadata_overrides.clone();
        let html = &mut options.write.html;
        html.standalone = !m.fragment.unwrap_or(false);
        html.safe = m.safe.unwrap_or(false);
        html.self_contained = m.self_contained.unwrap_or(false);
        for path in m.css.iter().flatten() {
            let css = std::fs::read_to_string(path)
                .with_context(|| format!("--css {path}: cannot read the stylesheet"))?;
            html.css.push(css);
        }
        let epub = &mut options.write.epub;
        // A cover named on the command line is relative to the current folder, not to the
        // input's folder where document images are looked up; an absolute path says so.
        epub.cover_image = m
            .epub_cover_image
            .as_ref()
            .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()).display().to_string());
        let pdf = &mut options.write.pdf;
        pdf.font = m.font.as_ref().map(|p| p.display().to_string());
        pdf.mono_font = m.mono_font.as_ref().map(|p| p.display().to_string());
        options.write.timestamp = source_date_epoch()?;
        apply_presentation(&mut options, m);
        Ok(options)
    }

    /// The options for one document: `base` with its front matter applied wherever no flag was
    /// given. Returns the warnings about unusable front matter values.
    pub fn options_for_document(&self, base: &Options, meta: &Metadata) -> (Options, Vec<Warning>) {
        let (front, warnings) = Layer::from_front_matter(meta);
        let mut options = base.clone();
        let mut merged = self.merged.clone();
        let mut unused = BTreeMap::new();
        merged.overlay(&front, &Origin::Default, &mut unused);
        merged.overlay(&self.command_line, &Origin::CommandLine, &mut unused);
        apply_presentation(&mut options, &merged);
        (options, warnings)
    }

    /// Fills the document's missing metadata from the configuration file's `[metadata]`.
    pub fn apply_metadata_defaults(&self, meta: &mut Metadata) {
        if self.metadata_defaults.is_empty() {
            return;
        }
        let defaults =
            folio::reader::front_matter::metadata_from_map(self.metadata_defaults.clone());
        let overridden =
            |key: &str| self.metadata_overrides.iter().any(|(k, _)| k.eq_ignore_ascii_case(key));
        fill(&mut meta.title, defaults.title, overridden("title"));
        fill(&mut meta.subtitle, defaults.subtitle, overridden("subtitle"));
        fill(&mut meta.date, defaults.date, overridden("date"));
        fill(&mut meta.lang, defaults.lang, overridden("lang"));
        fill(&mut meta.description, defaults.description, overridden("description"));
        if meta.authors.is_empty() {
            meta.authors = defaults.authors;
        }
        if meta.keywords.is_empty() {
            meta.keywords = defaults.keywords;
        }
        for (key, value) in defaults.extra {
            meta.extra.entry(key).or_insert(value);
        }
    }

    /// The effective settings as `folio.toml` text, each line commented with its origin.
    pub fn render(&self, front: Option<(&str, &Metadata)>) -> String {
        let mut merged = self.merged.clone();
        let mut origins = self.origins.clone();
        let mut out = String::new();
        let layers = match &self.config_file {
            Some(path) => format!("defaults < {} < front matter < command line", path.display()),
            None => "defaults < (no folio.toml) < front matter < command line".to_string(),
        };
        let _ = writeln!(out, "# folio settings: {layers}");
        if let Some((name, meta)) = front {
            let (layer, _) = Layer::from_front_matter(meta);
            merged.overlay(&layer, &Origin::FrontMatter(name.to_string()), &mut origins);
            merged.overlay(&self.command_line, &Origin::CommandLine, &mut origins);
        } else {
            let _ =
                writeln!(out, "# (front matter applies per document; give one input to see it)");
        }
        let defaults = Layer {
            fragment: Some(false),
            smart: Some(true),
            safe: Some(false),
            epub_version: Some(3),
            split_level: Some(1),
            paper: Some("a4".into()),
            ragged: Some(false),
            toc: Some(false),
            toc_depth: Some(3),
            number_sections: Some(false),
            highlight_style: Some("default".into()),
            highlight: Some(true),
            self_contained: Some(false),
            strict: Some(false),
            fail_fast: Some(false),
            ..Layer::default()
        };
        let mut effective = defaults;
        let mut ignored = BTreeMap::new();
        effective.overlay(&merged, &Origin::Default, &mut ignored);
        let e = &effective;
        let strings = |v: &Option<Vec<String>>| v.as_ref().map(|v| toml_array(v));
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| toml_string(&p.display().to_string()));
        let text = |s: &Option<String>| s.as_ref().map(|s| toml_string(s));
        let boolean = |b: &Option<bool>| b.map(|b| b.to_string());
        let number = |n: &Option<u8>| n.map(|n| n.to_string());
        let values: Vec<(&str, Option<String>)> = vec![
            ("to", strings(&e.to)),
            ("from", text(&e.from)),
            ("output-dir", path(&e.output_dir)),
            ("fragment", boolean(&e.fragment)),
            ("css", strings(&e.css)),
            ("smart", boolean(&e.smart)),
            ("encoding", text(&e.encoding)),
            ("safe", boolean(&e.safe)),
            ("resource-path", strings(&e.resource_path)),
            ("root", path(&e.root)),
            ("epub-version", number(&e.epub_version)),
            ("split-level", number(&e.split_level)),
            ("epub-cover-image", path(&e.epub_cover_image)),
            ("paper", text(&e.paper)),
            ("ragged", boolean(&e.ragged)),
            ("font", path(&e.font)),
            ("mono-font", path(&e.mono_font)),
            ("toc", boolean(&e.toc)),
            ("toc-depth", number(&e.toc_depth)),
            ("number-sections", boolean(&e.number_sections)),
            ("highlight-style", text(&e.highlight_style)),
            ("highlight", boolean(&e.highlight)),
            ("self-contained", boolean(&e.self_contained)),
            ("strict", boolean(&e.strict)),
            ("fail-fast", boolean(&e.fail_fast)),
        ];
        for (key, value) in values {
            let origin = origins.get(key).cloned().unwrap_or(Origin::Default);
            match value {
                Some(value) => {
                    let line = format!("{key} = {value}");
                    let _ = writeln!(out, "{line:<40} # {origin}");
                }
                None => {
                    let note = match key {
                        "to" => "from the -o extension, else html",
                        "from" => "from each input's extension, else markdown",
                        "output-dir" => "beside each input",
                        "encoding" => "detected",
                        "root" => "the current folder",
                        _ => "not set",
                    };
                    let _ = writeln!(out, "# {key}: {note}");
                }
            }
        }
        let mut metadata: BTreeMap<String, (String, Origin)> = BTreeMap::new();
        let config_origin =
            self.config_file.clone().map(Origin::ConfigFile).unwrap_or(Origin::Default);
        for (key, value) in &self.metadata_defaults {
            metadata.insert(key.clone(), (toml_value(value), config_origin.clone()));
        }
        for (key, value) in &self.metadata_overrides {
            metadata.insert(key.clone(), (toml_string(value), Origin::CommandLine));
        }
        if !metadata.is_empty() {
            let _ = writeln!(out, "\n[metadata]");
            for (key, (value, origin)) in metadata {
                let line = format!("{} = {value}", toml_key(&key));
                let _ = writeln!(out, "{line:<40} # {origin}");
            }
        }
        out
    }
}

/// Copies the presentation settings (those front matter may also set) into `options`.
fn apply_presentation(options: &mut Options, m: &Layer) {
    let highlight = match m.highlight {
        Some(false) => None,
        _ => Some(m.highlight_style.clone().unwrap_or_else(|| "default".to_string())),
    };
    let toc = m.toc.unwrap_or(false);
    let toc_depth = m.toc_depth.unwrap_or(3);
    let number_sections = m.number_sections.unwrap_or(false);
    let html = &mut options.write.html;
    html.toc = toc;
    html.toc_depth = toc_depth;
    html.number_sections = number_sections;
    html.highlight_style = highlight.clone();
    let epub = &mut options.write.epub;
    epub.version = m.epub_version.unwrap_or(3);
    epub.split_level = m.split_level.unwrap_or(1);
    let pdf = &mut options.write.pdf;
    pdf.paper = m.paper.as_deref().and_then(paper_name).map(str::to_string);
    pdf.ragged = m.ragged.unwrap_or(false);
    pdf.toc = toc;
    pdf.toc_depth = toc_depth;
    pdf.number_sections = number_sections;
    pdf.highlight_style = highlight;
}

fn fill(slot: &mut Option<String>, default: Option<String>, overridden: bool) {
    if slot.is_none() && !overridden {
        *slot = default;
    }
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

/// A TOML basic string.
fn toml_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn toml_array(items: &[String]) -> String {
    format!("[{}]", items.iter().map(|s| toml_string(s)).collect::<Vec<_>>().join(", "))
}

/// A bare key when it can be one, else a quoted key.
fn toml_key(key: &str) -> String {
    let bare =
        !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if bare {
        key.to_string()
    } else {
        toml_string(key)
    }
}

fn toml_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => toml_string(s),
        serde_json::Value::Bool(b) => b.to_string(),
        serde_json::Value::Number(n) => n.to_string(),
        serde_json::Value::Array(items) => {
            format!("[{}]", items.iter().map(toml_value).collect::<Vec<_>>().join(", "))
        }
        serde_json::Value::Object(map) => format!(
            "{{ {} }}",
            map.iter()
                .map(|(k, v)| format!("{} = {}", toml_key(k), toml_value(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        serde_json::Value::Null => "\"\"".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_key_is_named_with_its_line() {
        let err = Layer::from_toml("toc = true\n\ntocdepth = 2\n").unwrap_err();
        assert!(err.starts_with("line 3: unknown key 'tocdepth'"), "{err}");
        assert!(err.contains("toc-depth"), "{err}");
    }

    #[test]
    fn wrong_type_names_the_line() {
        let err = Layer::from_toml("paper = \"a4\"\ntoc = \"yes\"\n").unwrap_err();
        assert!(err.starts_with("line 2:"), "{err}");
    }

    #[test]
    fn every_known_key_parses() {
        let text =
            "to = [\"html\", \"pdf\"]\nfrom = \"gfm\"\noutput-dir = \"out\"\nfragment = true\n\
            css = \"a.css\"\nsmart = false\nencoding = \"latin1\"\nsafe = true\n\
            resource-path = [\"img\"]\nroot = \".\"\nepub-version = 2\nsplit-level = 2\n\
            epub-cover-image = \"c.png\"\npaper = \"letter\"\nragged = true\nfont = \"f.ttf\"\n\
            mono-font = \"m.ttf\"\ntoc = true\ntoc-depth = 2\nnumber-sections = true\n\
            highlight-style = \"x\"\nhighlight = false\nself-contained = true\nstrict = true\n\
            fail-fast = true\n[metadata]\ntitle = \"T\"\nauthor = [\"A\", \"B\"]\n";
        let layer = Layer::from_toml(text).unwrap();
        assert_eq!(layer.to, Some(vec!["html".to_string(), "pdf".to_string()]));
        assert_eq!(layer.css, Some(vec!["a.css".to_string()]));
        assert_eq!(layer.toc_depth, Some(2));
        assert_eq!(layer.metadata.unwrap().len(), 2);
        // KNOWN_KEYS lists exactly the keys the schema has.
        for key in KNOWN_KEYS {
            assert!(
                text.contains(&format!("\n{key} =")) || text.starts_with(&format!("{key} =")),
                "{key}"
            );
        }
    }

    #[test]
    fn front_matter_sets_presentation_only() {
        let mut meta = Metadata::default();
        meta.extra.insert("toc".into(), "true".into());
        meta.extra.insert("papersize".into(), "Letter".into());
        meta.extra.insert("toc-depth".into(), "9".into());
        meta.extra.insert("safe".into(), "false".into());
        let (layer, warnings) = Layer::from_front_matter(&meta);
        assert_eq!(layer.toc, Some(true));
        assert_eq!(layer.paper.as_deref(), Some("letter"));
        assert_eq!(layer.toc_depth, None);
        assert_eq!(layer.safe, None);
        assert_eq!(warnings.len(), 1, "{warnings:?}");
    }

    #[test]
    fn toml_dates_in_metadata_stay_dates() {
        let layer = Layer::from_toml("[metadata]\ndate = 2024-01-02\n").unwrap();
        assert_eq!(layer.metadata.unwrap()["date"], "2024-01-02");
    }

    #[test]
    fn toml_strings_are_escaped() {
        assert_eq!(toml_string("a\"b\\c\n"), "\"a\\\"b\\\\c\\n\"");
        assert_eq!(toml_key("a b"), "\"a b\"");
        assert_eq!(toml_key("dc-title"), "dc-title");
    }
}

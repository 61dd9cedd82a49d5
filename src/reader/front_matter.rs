//! Front matter: the YAML (`---`) or TOML (`+++`) metadata block at the very top of a Markdown
//! file, split off the body and mapped onto [`Metadata`].
//!
//! Only a block on the first line counts. pulldown-cmark can recognise metadata blocks anywhere,
//! which would swallow a document's text between two `---` lines, so we find the block ourselves.

use crate::error::{Error, Result};
use crate::model::Metadata;

/// A front matter block found at the top of a file.
pub struct FrontMatter<'a> {
    /// The metadata text between the delimiters.
    pub text: &'a str,
    /// `YAML` or `TOML`.
    pub kind: &'static str,
    /// 1-based line of the first metadata line (the line after the opening delimiter).
    pub first_line: usize,
    /// Byte offset where the Markdown body starts.
    pub body_start: usize,
}

/// Finds a front matter block at the start of `source` (after an optional BOM).
pub fn split(source: &str) -> Option<FrontMatter<'_>> {
    let start = if source.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &source[start..];
    let (first, after_first) = next_line(rest)?;
    let (kind, closers): (&'static str, &[&str]) = match first.trim_end() {
        "---" => ("YAML", &["---", "..."]),
        "+++" => ("TOML", &["+++"]),
        _ => return None,
    };
    // `---` followed by a blank line is a thematic break, not front matter.
    let mut offset = start + after_first;
    let text_start = offset;
    if source[offset..].lines().next().is_none_or(|l| l.trim().is_empty()) {
        return None;
    }
    loop {
        let (line, len) = next_line(&source[offset..])?;
        if closers.contains(&line.trim_end()) {
            return Some(FrontMatter {
                text: &source[text_start..offset],
                kind,
                first_line: 2,
                body_start: offset + len,
            });
        }
        offset += len;
    }
}

/// The next line of `s` without its terminator, and the byte length including the terminator.
fn next_line(s: &str) -> Option<(&str, usize)> {
    if s.is_empty() {
        return None;
    }
    match s.find('\n') {
        Some(i) => Some((s[..i].trim_end_matches('\r'), i + 1)),
        None => Some((s, s.len())),
    }
}

/// Parses the front matter into metadata.
pub fn parse(front: &FrontMatter<'_>) -> Result<Metadata> {
    let value: serde_json::Value = match front.kind {
        "YAML" => {
            let yaml: serde_norway::Value =
                serde_norway::from_str(front.text).map_err(|e| Error::FrontMatter {
                    line: front.first_line + e.location().map_or(0, |l| l.line().saturating_sub(1)),
                    kind: "YAML",
                    message: first_sentence(&e.to_string()),
                })?;
            yaml_to_json(yaml)
        }
        _ => {
            let table: toml::Table =
                toml::from_str(front.text).map_err(|e| Error::FrontMatter {
                    line: front.first_line
                        + e.span().map_or(0, |s| {
                            front.text[..s.start.min(front.text.len())].matches('\n').count()
                        }),
                    kind: "TOML",
                    message: first_sentence(e.message()),
                })?;
            toml_to_json(toml::Value::Table(table))
        }
    };
    match value {
        serde_json::Value::Null => Ok(Metadata::default()),
        serde_json::Value::Object(map) => Ok(metadata_from_map(map)),
        _ => Err(Error::FrontMatter {
            line: front.first_line,
            kind: front.kind,
            message: "expected key: value pairs (a mapping), found a single value".into(),
        }),
    }
}

fn first_sentence(message: &str) -> String {
    message.lines().next().unwrap_or(message).trim().to_string()
}

fn yaml_to_json(value: serde_norway::Value) -> serde_json::Value {
    use serde_norway::Value as Y;
    match value {
        Y::Null => serde_json::Value::Null,
        Y::Bool(b) => b.into(),
        Y::Number(n) => serde_json::from_str(&n.to_string()).unwrap_or(serde_json::Value::Null),
        Y::String(s) => s.into(),
        Y::Sequence(items) => items.into_iter().map(yaml_to_json).collect(),
        Y::Mapping(map) => serde_json::Value::Object(
            map.into_iter()
                .map(|(k, v)| (scalar_text(&yaml_to_json(k)), yaml_to_json(v)))
                .collect(),
        ),
        Y::Tagged(tagged) => yaml_to_json(tagged.value),
    }
}

fn toml_to_json(value: toml::Value) -> serde_json::Value {
    use toml::Value as T;
    match value {
        T::String(s) => s.into(),
        T::Integer(i) => i.into(),
        T::Float(f) => serde_json::Number::from_f64(f).map_or(serde_json::Value::Null, Into::into),
        T::Boolean(b) => b.into(),
        // Dates keep the author's spelling (`2024-01-02`), not a serde wrapper.
        T::Datetime(d) => d.to_string().into(),
        T::Array(items) => items.into_iter().map(toml_to_json).collect(),
        T::Table(table) => serde_json::Value::Object(
            table.into_iter().map(|(k, v)| (k, toml_to_json(v))).collect(),
        ),
    }
}

/// Maps well-known keys (and their usual synonyms) to typed fields; everything else goes to
/// `extra` as text.
pub fn metadata_from_map(map: serde_json::Map<String, serde_json::Value>) -> Metadata {
    let mut meta = Metadata::default();
    for (key, value) in map {
        match key.to_ascii_lowercase().as_str() {
            "title" => meta.title = non_empty(scalar_text(&value)),
            "subtitle" => meta.subtitle = non_empty(scalar_text(&value)),
            "author" | "authors" | "creator" => meta.authors = people(&value),
            "date" => meta.date = non_empty(scalar_text(&value)),
            "lang" | "language" => meta.lang = non_empty(scalar_text(&value)),
            "description" | "abstract" | "summary" => {
                meta.description = non_empty(scalar_text(&value))
            }
            "keywords" | "tags" | "subject" => meta.keywords = list(&value),
            _ => {
                meta.extra.insert(key, scalar_text(&value));
            }
        }
    }
    meta
}

/// Sets one metadata key from a `-M KEY=VALUE` option, with the same key names as front matter.
pub fn set_key(meta: &mut Metadata, key: &str, value: &str) {
    let mut map = serde_json::Map::new();
    map.insert(key.to_string(), serde_json::Value::String(value.to_string()));
    let one = metadata_from_map(map);
    match key.to_ascii_lowercase().as_str() {
        "title" => meta.title = one.title,
        "subtitle" => meta.subtitle = one.subtitle,
        "author" | "authors" | "creator" => meta.authors = one.authors,
        "date" => meta.date = one.date,
        "lang" | "language" => meta.lang = one.lang,
        "description" | "abstract" | "summary" => meta.description = one.description,
        "keywords" | "tags" | "subject" => meta.keywords = one.keywords,
        _ => meta.extra.extend(one.extra),
    }
}

fn non_empty(s: String) -> Option<String> {
    let s = s.trim().to_string();
    (!s.is_empty()).then_some(s)
}

/// Text of a scalar; lists are joined with ", "; mappings are written as JSON.
fn scalar_text(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Array(items) => {
            items.iter().map(scalar_text).collect::<Vec<_>>().join(", ")
        }
        other => other.to_string(),
    }
}

/// Authors: a string ("A and B" stays one name), a list of strings, or a list of `{name: …}`.
fn people(value: &serde_json::Value) -> Vec<String> {
    let name_of = |v: &serde_json::Value| match v {
        serde_json::Value::Object(m) => m.get("name").map(scalar_text).unwrap_or_default(),
        other => scalar_text(other),
    };
    match value {
        serde_json::Value::Array(items) => {
            items.iter().map(name_of).filter_map(non_empty).collect()
        }
        other => non_empty(name_of(other)).into_iter().collect(),
    }
}

/// Keywords: a list, or a comma-separated string.
fn list(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::Array(items) => {
            items.iter().map(scalar_text).filter_map(non_empty).collect()
        }
        other => scalar_text(other).split(',').map(str::to_string).filter_map(non_empty).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaml_block_is_split_and_mapped() {
        let src = "---\ntitle: Hello\nauthor: [Ann, Bob]\nkeywords: a, b\nseries: X\n---\n# Body\n";
        let front = split(src).unwrap();
        assert_eq!(&src[front.body_start..], "# Body\n");
        let meta = parse(&front).unwrap();
        assert_eq!(meta.title.as_deref(), Some("Hello"));
        assert_eq!(meta.authors, vec!["Ann", "Bob"]);
        assert_eq!(meta.keywords, vec!["a", "b"]);
        assert_eq!(meta.extra["series"], "X");
    }

    #[test]
    fn thematic_break_at_top_is_not_front_matter() {
        assert!(split("---\n\ntext\n---\n").is_none());
        assert!(split("---\ntext without end\n").is_none());
    }

    #[test]
    fn yaml_error_names_the_file_line() {
        let src = "---\ntitle: ok\nauthor: [unclosed\n---\n";
        let err = parse(&split(src).unwrap()).unwrap_err().to_string();
        assert!(err.starts_with("line "), "{err}");
        assert!(err.contains("YAML"), "{err}");
    }

    #[test]
    fn toml_block() {
        let src = "+++\ntitle = \"T\"\ndate = 2024-01-02\n+++\nbody\n";
        let meta = parse(&split(src).unwrap()).unwrap();
        assert_eq!(meta.title.as_deref(), Some("T"));
        assert_eq!(meta.date.as_deref(), Some("2024-01-02"));
        let bad = "+++\ntitle = \n+++\n";
        let err = parse(&split(bad).unwrap()).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}

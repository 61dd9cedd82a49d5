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
        "YAML" if simple_yaml(front.text).is_some() => {
            simple_yaml(front.text).map(serde_json::Value::Object).unwrap_or_default()
        }
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

/// Reads the common shape of front matter without a YAML parser: one `key: value` per line,
/// where a value is a plain or simply quoted string, or a flow list of them (`[a, "b"]`).
/// `None` for anything else (block lists, escapes, comments after values, numbers, booleans,
/// nulls, repeated keys …), which then goes to serde_norway. Parsing five lines of YAML with
/// serde_norway took a third of the conversion of a 1 KB note; the test
/// `simple_yaml_agrees_with_serde_norway` holds both readings equal on every shape accepted.
fn simple_yaml(text: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut map = serde_json::Map::new();
    for line in text.lines() {
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let (key, value) = line.split_once(": ")?;
        let key_ok = key.starts_with(|c: char| c.is_ascii_alphabetic())
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !key_ok || map.contains_key(key) {
            return None;
        }
        let value = value.trim_end();
        let parsed = match value.strip_prefix('[') {
            Some(rest) => {
                let inner = rest.strip_suffix(']')?;
                let items: Option<Vec<serde_json::Value>> = if inner.trim().is_empty() {
                    Some(Vec::new())
                } else {
                    inner.split(',').map(|item| simple_scalar(item.trim(), true)).collect()
                };
                serde_json::Value::Array(items?)
            }
            None => simple_scalar(value, false)?,
        };
        map.insert(key.to_string(), parsed);
    }
    Some(map)
}

/// A string scalar in the subset [`simple_yaml`] reads; `None` for anything YAML could read as
/// another type or with escapes. `in_list`: also refuses flow indicators.
fn simple_scalar(value: &str, in_list: bool) -> Option<serde_json::Value> {
    let quoted = |quote: char| {
        let inner = value.strip_prefix(quote)?.strip_suffix(quote)?;
        let plain = !inner.contains(quote) && !inner.contains('\\') && !inner.contains('\n');
        (plain && !(in_list && inner.contains(','))).then(|| inner.to_string().into())
    };
    if value.starts_with('"') {
        return quoted('"');
    }
    if value.starts_with('\'') {
        return quoted('\'');
    }
    // ISO dates are the one common value starting with a digit; YAML 1.2 reads them as strings.
    let is_date = value.len() == 10
        && value.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    if is_date {
        return Some(value.to_string().into());
    }
    let first = value.chars().next()?;
    // Indicators, and the first characters of numbers, `.inf`/`.nan` and `~` (null).
    const NOT_FIRST: &str = "-?:,[]{}#&*!|>'\"%@`+.~0123456789";
    let flow_indicator = |c: char| in_list && "[]{},".contains(c);
    let special_word = matches!(
        value.to_ascii_lowercase().as_str(),
        "null" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n"
    );
    let clean = !NOT_FIRST.contains(first)
        && !value.contains(": ")
        && !value.contains(" #")
        && !value.ends_with(':')
        && !value.contains('\t')
        && !value.chars().any(flow_indicator)
        && !special_word;
    clean.then(|| value.to_string().into())
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

    /// Every front matter the fast path accepts must read exactly as serde_norway reads it;
    /// the rest must be left to serde_norway.
    #[test]
    fn simple_yaml_agrees_with_serde_norway() {
        let accepted = [
            "title: Hello\nauthor: [Ann, Bob]\nkeywords: a, b\nseries: X\n",
            "title: \"Quoted: with colon\"\nsubtitle: 'single quoted'\n",
            "title: Émile Zola — Œuvres\nlang: fr-CA\n# a comment line\n\nauthor: Zoë\n",
            "title: C# in depth\nurl: https://example.com/a?b=c\n",
            "keywords: []\ntags: [\"a\", 'b', c d]\n",
            "title: ends with spaces   \r\nauthor: x\r\n",
            "date: 2025-01-01\nupdated: [2024-12-31, 2025-02-28]\n",
        ];
        for text in accepted {
            let fast = simple_yaml(text).unwrap_or_else(|| panic!("fast path refused {text:?}"));
            let yaml: serde_norway::Value = serde_norway::from_str(text).unwrap();
            assert_eq!(serde_json::Value::Object(fast), yaml_to_json(yaml), "{text:?}");
        }
        let refused = [
            "date: 2025-01-01T10:00:00\n",
            "date: 2025-1-1\n",
            "draft: true\n",
            "draft: no\n",
            "weight: 10\n",
            "ratio: .5\n",
            "empty:\n",
            "nothing: ~\n",
            "n: null\n",
            "authors:\n  - Ann\n  - Bob\n",
            "title: a # comment\n",
            "title: \"esc\\\"aped\"\n",
            "title: 'it''s'\n",
            "title: *alias\n",
            "title: !tag x\n",
            "title: |\n  block\n",
            "title: a: b\n",
            "title: x\ntitle: y\n",
            "  indented: x\n",
            "list: [a, [b]]\n",
            "tags: [\"a, still\", b]\n",
            "list: [1, 2]\n",
            "list: [a, b\n",
            "- not a mapping\n",
        ];
        for text in refused {
            assert!(simple_yaml(text).is_none(), "fast path accepted {text:?}");
        }
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

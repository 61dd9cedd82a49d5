//! The JSON reader: folio's own model as written by `-t json`, read back unchanged.
//!
//! Nesting is checked with a linear scan before parsing, so a hostile file with a million `[`
//! gets a clear error instead of exhausting the stack.

use crate::error::{Error, Result};
use crate::model::Document;

/// How deeply JSON arrays and objects may nest. A model at the Markdown reader's nesting limit
/// needs about three JSON levels per model level, so this leaves ample room.
pub const MAX_JSON_DEPTH: usize = 256;

/// Parses a JSON model.
pub fn read(source: &str) -> Result<Document> {
    check_depth(source)?;
    let mut deserializer = serde_json::Deserializer::from_str(source);
    deserializer.disable_recursion_limit();
    let document = serde::Deserialize::deserialize(&mut deserializer)
        .and_then(|doc| deserializer.end().map(|()| doc))
        .map_err(|e| Error::Json {
            line: e.line(),
            column: e.column(),
            message: strip_position(&e),
        })?;
    Ok(document)
}

/// serde_json appends " at line L column C" to its messages; we report those as fields.
fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn check_depth(source: &str) -> Result<()> {
    let (mut depth, mut in_string, mut escaped) = (0usize, false, false);
    let mut line = 1;
    let mut line_start = 0;
    for (i, b) in source.bytes().enumerate() {
        if b == b'\n' {
            line += 1;
            line_start = i + 1;
        }
        if in_string {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'[' | b'{' => {
                depth += 1;
                if depth > MAX_JSON_DEPTH {
                    return Err(Error::Json {
                        line,
                        column: i - line_start + 1,
                        message: format!("nesting deeper than {MAX_JSON_DEPTH} levels"),
                    });
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrong_type_names_line_and_column() {
        let err = read("{\"blocks\": [\n {\"Paragraph\": 5}]}").unwrap_err().to_string();
        assert!(err.starts_with("line 2, column"), "{err}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let deep = "[".repeat(100_000);
        let err = read(&deep).unwrap_err().to_string();
        assert!(err.contains("nesting deeper"), "{err}");
    }
}

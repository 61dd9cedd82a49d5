//! The JSON writer: the model as pretty-printed JSON (the inverse of [`crate::reader::json`]).

use crate::model::Document;

/// Serializes the model; `reader::json::read` gives back an equal document.
pub fn write(document: &Document) -> String {
    let mut json = serde_json::to_string_pretty(document)
        .expect("the model has only string keys and finite values, so it always serializes");
    json.push('\n');
    json
}

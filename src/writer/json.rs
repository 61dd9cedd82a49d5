//! The JSON writer: the model as pretty-printed JSON (the inverse of [`crate::reader::json`]).

use crate::model::Document;
use std::io::Write as _;

/// Serializes the model; `reader::json::read` gives back an equal document.
pub fn write(document: &Document) -> String {
    let mut json = serde_json::to_string_pretty(document)
        .expect("the model has only string keys and finite values, so it always serializes");
    json.push('\n');
    json
}

/// Writes the same JSON as [`write`] into `sink` as it is produced, through a buffer, instead
/// of holding it whole (a model's JSON is several times the size of its Markdown).
pub fn write_to(document: &Document, sink: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut buffered = std::io::BufWriter::with_capacity(64 * 1024, sink);
    // Serialization itself cannot fail (see `write`), so an error is the sink's.
    serde_json::to_writer_pretty(&mut buffered, document).map_err(std::io::Error::from)?;
    buffered.write_all(b"\n")?;
    buffered.flush()
}

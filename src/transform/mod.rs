//! Transforms: model → model passes that run between reading and writing.
//!
//! [`normalize`] is the fixed, ordered list of passes every conversion applies; writers may rely
//! on what it guarantees (every heading has a unique id).

pub mod chapters;
pub mod ids;

use crate::model::Document;

/// Runs the standard passes: heading ids.
pub fn normalize(document: &mut Document) {
    ids::assign_heading_ids(document);
}

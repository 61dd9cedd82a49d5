//! Fuzz target `markdown_to_html`: the checks live in `fuzz/checks.rs`, shared with `tests/regression.rs`.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::markdown_to_html(data));

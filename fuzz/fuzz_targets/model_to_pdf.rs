//! Fuzz target `model_to_pdf`: the checks live in `fuzz/checks.rs`, shared with `tests/regression.rs`.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::model_to_pdf(data));

//! Fuzz target `json_to_model`: the checks live in `fuzz/checks.rs`, shared with `tests/regression.rs`.

#![no_main]

#[path = "../checks.rs"]
mod checks;

libfuzzer_sys::fuzz_target!(|data: &[u8]| checks::json_to_model(data));

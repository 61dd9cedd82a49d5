//! Bad input at the library level (issue 7): invalid UTF-8, binary and truncated files, and JSON
//! models with the wrong shape. Each gives a clear warning or error naming the position, never
//! a panic. (The command-line side, exit codes and I/O faults, is in `io_faults.rs`.)

use folio::format::{InputFormat, MarkdownFlavor, OutputFormat};
use folio::resources::NoResources;
use folio::{Error, Options, Warning, WarningKind};

const MARKDOWN: InputFormat = InputFormat::Markdown(MarkdownFlavor::Markdown);
const ALL_INPUTS: [InputFormat; 3] = [MARKDOWN, InputFormat::Text, InputFormat::Json];
const ALL_OUTPUTS: [OutputFormat; 4] =
    [OutputFormat::Html, OutputFormat::Json, OutputFormat::Epub, OutputFormat::Pdf];

/// The start of a real PNG file: signature, IHDR chunk, and the beginning of IDAT.
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00\x00\x00IEND\xaeB`\x82";

fn encoding_warnings(warnings: &[Warning]) -> Vec<&Warning> {
    warnings.iter().filter(|w| w.kind == WarningKind::Encoding).collect()
}

/// Converts `input` to every format; a clean error is allowed, a panic fails the test.
fn convert_everywhere(input: &[u8], from: InputFormat) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for to in ALL_OUTPUTS {
        match folio::convert(input, from, to, &Options::default(), &NoResources) {
            Ok(converted) => warnings = converted.warnings,
            Err(error) => assert!(!error.to_string().is_empty()),
        }
    }
    warnings
}

#[test]
fn invalid_utf8_is_a_warning_naming_the_byte_offset() {
    let input = b"# Title\n\nCaf\xe9 au lait.\n";
    // The text reader detects a legacy encoding instead (tests/text_reader.rs covers that).
    #[allow(clippy::single_element_loop)]
    for from in [MARKDOWN] {
        let converted =
            folio::convert(input, from, OutputFormat::Html, &Options::default(), &NoResources)
                .expect("invalid bytes do not stop the conversion");
        let warnings = encoding_warnings(&converted.warnings);
        assert_eq!(warnings.len(), 1, "{from}: {:?}", converted.warnings);
        assert!(warnings[0].message.contains("byte 12"), "{from}: {}", warnings[0]);
        assert_eq!(warnings[0].line, Some(3));
        let html = String::from_utf8(converted.bytes).expect("UTF-8 out");
        assert!(html.contains("Caf\u{fffd} au lait"), "replacement character shown");
    }
}

#[test]
fn offsets_count_the_byte_order_mark() {
    let (_, warnings) = folio::reader::decode_utf8(b"\xEF\xBB\xBFab\xff");
    assert!(warnings[0].message.starts_with("byte 5:"), "{}", warnings[0]);
}

#[test]
fn a_png_fed_as_text_is_reported_as_binary() {
    for from in ALL_INPUTS {
        let warnings = convert_everywhere(PNG, from);
        if from == InputFormat::Json {
            // Not JSON at all: an error, checked below.
            continue;
        }
        let messages: Vec<String> = warnings.iter().map(ToString::to_string).collect();
        assert!(
            messages.iter().any(|m| m.contains("binary")),
            "{from}: a clear 'binary file' warning: {messages:?}"
        );
        assert!(messages.iter().any(|m| m.contains("byte 0")), "{from}: {messages:?}");
    }
    match folio::reader::read(PNG, InputFormat::Json, &Default::default()) {
        Err(Error::Json { line: 1, column: 1, .. }) => {}
        other => panic!("expected a JSON error at 1:1, got {other:?}"),
    }
}

#[test]
fn truncated_and_random_binary_inputs_never_panic() {
    // Every prefix of a PNG, and bytes of every value, through every reader and writer.
    for end in 0..PNG.len() {
        for from in ALL_INPUTS {
            convert_everywhere(&PNG[..end], from);
        }
    }
    let all_bytes: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
    for from in ALL_INPUTS {
        convert_everywhere(&all_bytes, from);
    }
    // A multi-byte character cut in half at the end of the file.
    let (_, warnings) = folio::reader::read(
        "naïve €".as_bytes().split_last().expect("x").1,
        MARKDOWN,
        &Default::default(),
    )
    .expect("reads");
    assert!(warnings.iter().any(|w| w.message.contains("byte 7")), "{warnings:?}");
}

#[test]
fn truncated_json_names_the_position() {
    let json = "{\"blocks\": [\n  {\"Paragraph\": [{\"Text\": \"cut off";
    match folio::reader::read(json.as_bytes(), InputFormat::Json, &Default::default()) {
        Err(error @ Error::Json { line: 2, .. }) => {
            assert!(error.to_string().starts_with("line 2, column"), "{error}");
        }
        other => panic!("expected a JSON error on line 2, got {other:?}"),
    }
}

#[test]
fn json_models_with_wrong_types_name_line_and_column() {
    // (model, line, column of the end of the offending value, as serde_json reports it)
    let cases: [(&str, usize, usize); 6] = [
        ("{\"blocks\": [\n  {\"Paragraph\": 5}\n]}", 2, 17),
        ("{\"blocks\": [\n  {\"Heading\": {\"level\": \"one\", \"content\": []}}\n]}", 2, 29),
        ("{\"blocks\": [\n  {\"Heading\": {\"level\": 300, \"content\": []}}\n]}", 2, 27),
        ("{\n \"meta\": {\"title\": [\"a\"]},\n \"blocks\": []}", 2, 19),
        ("{\"blocks\": [{\"NoSuchBlock\": []}]}", 1, 26),
        ("{\"blocks\": [{\"List\": {\"kind\": \"Bullet\", \"tight\": true}}]}", 1, 54),
    ];
    for (json, line, column) in cases {
        match folio::reader::read(json.as_bytes(), InputFormat::Json, &Default::default()) {
            Err(error @ Error::Json { .. }) => {
                let Error::Json { line: l, column: c, ref message } = error else { unreachable!() };
                assert_eq!((l, c), (line, column), "{json}: {message}");
                let text = error.to_string();
                assert!(text.starts_with(&format!("line {line}, column {column}: ")), "{text}");
                assert!(text.contains("folio -t json"), "says how to fix it: {text}");
            }
            other => panic!("{json}: expected a JSON error, got {other:?}"),
        }
    }
}

#[test]
fn json_that_is_not_a_model_is_an_error_not_a_panic() {
    for json in
        ["", "null", "[]", "\"text\"", "{\"blocks\": null}", "{\"blocks\": [1, 2]}", "\u{feff}{}x"]
    {
        let result = folio::reader::read(json.as_bytes(), InputFormat::Json, &Default::default());
        if let Err(error) = result {
            assert!(matches!(error, Error::Json { .. }), "{json}: {error}");
        }
    }
}

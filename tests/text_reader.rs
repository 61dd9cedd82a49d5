//! Tests of the plain-text reader: golden model JSON for every rule (`tests/golden/text/*.txt`,
//! `samples/text-*.txt`, and byte-level cases for encodings and line endings), the
//! nothing-is-lost property on all of them and on generated inputs, and the seed article.
//!
//! `BLESS=1 cargo test --test text_reader` rewrites the golden files.

use folio::model::walk::push_plain_text;
use folio::model::{Block, Document, Inline, ListKind, NumberStyle};
use folio::reader::text::{explain, read, TextOptions};
use folio::writer::json;
use folio::WarningKind;
use std::path::{Path, PathBuf};

fn smart() -> TextOptions {
    TextOptions { smart: true, encoding: None }
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn golden_dir() -> PathBuf {
    root().join("tests/golden/text")
}

/// Compares the model JSON of `input` with `tests/golden/text/<name>.json` (or rewrites it).
fn check_golden(name: &str, input: &[u8], options: &TextOptions) -> Option<String> {
    let (document, _) = read(input, options).expect("the text reader does not fail on this input");
    let actual = json::write(&document);
    let path = golden_dir().join(format!("{name}.json"));
    if std::env::var_os("BLESS").is_some() {
        std::fs::write(&path, &actual).expect("golden directory is writable");
        return None;
    }
    match std::fs::read_to_string(&path) {
        Ok(expected) if expected == actual => None,
        Ok(expected) => Some(format!(
            "{name}: model differs from {}\n--- expected\n{expected}\n--- actual\n{actual}\n(run BLESS=1 cargo test --test text_reader if the change is intended)",
            path.display()
        )),
        Err(_) => Some(format!("{name}: {} is missing; run BLESS=1 cargo test --test text_reader", path.display())),
    }
}

fn text_files(dir: &Path, prefix: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.retain(|p| {
        p.extension().is_some_and(|e| e == "txt")
            && p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with(prefix))
    });
    files.sort();
    files
}

fn stem(path: &Path) -> String {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("unnamed").to_string()
}

/// Inputs given as bytes: encodings, line endings, degenerate files.
fn byte_cases() -> Vec<(&'static str, Vec<u8>, TextOptions)> {
    let utf16 = |text: &str, little: bool| -> Vec<u8> {
        let mut bytes = if little { vec![0xFF, 0xFE] } else { vec![0xFE, 0xFF] };
        for unit in text.encode_utf16() {
            bytes.extend(if little { unit.to_le_bytes() } else { unit.to_be_bytes() });
        }
        bytes
    };
    let sample = "Caf\u{e9} Notes\n\nThe na\u{ef}ve waiter said \"bonjour\" twice.\n";
    vec![
        ("bytes-empty", Vec::new(), smart()),
        ("bytes-whitespace-only", b"  \n\t\n   \r\n\n".to_vec(), smart()),
        (
            "bytes-crlf",
            b"Windows Notes\r\n\r\nThese lines end with carriage returns and line\r\nfeeds, and they are wrapped at a fixed width so\r\nthe reader joins them.\r\n\r\n- one\r\n- two\r\n".to_vec(),
            smart(),
        ),
        ("bytes-cr-only", b"Old Mac File\r\rA paragraph from an old Macintosh.\rAnother line.\r".to_vec(), smart()),
        ("bytes-utf8-bom", [b"\xEF\xBB\xBF".as_slice(), sample.as_bytes()].concat(), smart()),
        ("bytes-utf16le-bom", utf16(sample, true), smart()),
        ("bytes-utf16be-bom", utf16(sample, false), smart()),
        (
            "bytes-windows-1252",
            b"Caf\xE9 Notes\n\nThe na\xEFve waiter said \x93bonjour\x94 twice \x96 and smiled.\n".to_vec(),
            smart(),
        ),
        ("bytes-mixed-encodings", b"Mixed Bytes\n\nUTF-8 caf\xC3\xA9 and a stray Latin-1 caf\xE9.\n".to_vec(), smart()),
        (
            "bytes-forced-latin1",
            b"Gr\xFC\xDFe\n\nStra\xDFe und Gr\xF6\xDFe.\n".to_vec(),
            TextOptions { smart: true, encoding: Some("latin1".into()) },
        ),
        (
            "bytes-no-smart",
            b"Plain Quotes\n\n\"Keep\" these 'straight' -- and these... too.\n".to_vec(),
            TextOptions { smart: false, encoding: None },
        ),
    ]
}

#[test]
fn golden_models() {
    let mut failures = Vec::new();
    for path in text_files(&golden_dir(), "") {
        let input = std::fs::read(&path).expect("golden input is readable");
        failures.extend(check_golden(&stem(&path), &input, &smart()));
    }
    for path in text_files(&root().join("samples"), "text-") {
        let input = std::fs::read(&path).expect("sample is readable");
        failures.extend(check_golden(&format!("sample-{}", stem(&path)), &input, &smart()));
    }
    for (name, input, options) in byte_cases() {
        failures.extend(check_golden(name, &input, &options));
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// The alphanumeric characters of the model's body in reading order, with each ordered item's
/// number written out as the input had it.
fn body_letters(document: &Document) -> String {
    let mut text = String::new();
    push_blocks(&document.blocks, &mut text);
    letters(&text)
}

fn letters(text: &str) -> String {
    text.chars().filter(|c| c.is_alphanumeric()).collect()
}

/// The input's letters as the model should hold them in its body: the title and subtitle lines
/// were moved to the metadata (a `Title:` field title is also still in the body).
fn expected_body_letters(input: &str, document: &Document) -> String {
    let mut expected = letters(input);
    for moved in [&document.meta.title, &document.meta.subtitle].into_iter().flatten() {
        let moved = letters(moved);
        if moved.is_empty() {
            continue;
        }
        // The title sits at the start, or after navigation residue, or stays (field title).
        if expected.starts_with(&moved) {
            expected.drain(..moved.len());
        } else if let Some(at) = expected.find(&moved) {
            let without = format!("{}{}", &expected[..at], &expected[at + moved.len()..]);
            if without == body_letters(document) {
                expected = without;
            }
        }
    }
    expected
}

fn push_blocks(blocks: &[Block], out: &mut String) {
    for block in blocks {
        match block {
            Block::Paragraph(inlines)
            | Block::Plain(inlines)
            | Block::Heading { content: inlines, .. } => push_inlines(inlines, out),
            Block::Preformatted(text) | Block::CodeBlock { code: text, .. } => out.push_str(text),
            Block::BlockQuote { content, .. } => push_blocks(content, out),
            Block::List(list) => {
                for (index, item) in list.items.iter().enumerate() {
                    if let ListKind::Ordered { start, style } = list.kind {
                        out.push_str(&marker(start + index as u64, style));
                        out.push(' ');
                    }
                    push_blocks(&item.content, out);
                }
            }
            Block::ThematicBreak | Block::PageBreak => {}
            other => panic!("the text reader does not produce {other:?}"),
        }
        out.push(' ');
    }
}

fn push_inlines(inlines: &[Inline], out: &mut String) {
    push_plain_text(inlines, out);
}

fn marker(value: u64, style: NumberStyle) -> String {
    match style {
        NumberStyle::Decimal => value.to_string(),
        NumberStyle::LowerAlpha => char::from(b'a' + (value - 1) as u8).to_string(),
        NumberStyle::UpperAlpha => char::from(b'A' + (value - 1) as u8).to_string(),
        NumberStyle::LowerRoman => roman(value),
        NumberStyle::UpperRoman => roman(value).to_uppercase(),
    }
}

fn roman(mut value: u64) -> String {
    let table = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (amount, numeral) in table {
        while value >= amount {
            out.push_str(numeral);
            value -= amount;
        }
    }
    out
}

fn assert_nothing_lost(name: &str, input: &str, options: &TextOptions) {
    let (document, _) = read(input.as_bytes(), options).expect("reading never fails");
    let expected = expected_body_letters(input, &document);
    let actual = body_letters(&document);
    if expected != actual {
        let common = expected.chars().zip(actual.chars()).take_while(|(a, b)| a == b).count();
        let dump = std::env::temp_dir().join("folio-text-lost-input.txt");
        let _ = std::fs::write(&dump, input);
        let context =
            |s: &str| s.chars().skip(common.saturating_sub(20)).take(60).collect::<String>();
        panic!(
            "{name}: words lost or reordered after {common} letters (input saved to {})\n input: …{}\n model: …{}\n--- input\n{input}",
            dump.display(),
            context(&expected),
            context(&actual)
        );
    }
}

#[test]
fn nothing_is_lost_in_the_corpus() {
    let mut files = text_files(&golden_dir(), "");
    files.extend(text_files(&root().join("samples"), "text-"));
    for path in files {
        let input = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
        for smart in [true, false] {
            assert_nothing_lost(&stem(&path), &input, &TextOptions { smart, encoding: None });
        }
    }
}

/// A small deterministic generator (xorshift), so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

/// Line fragments that exercise every rule, including the ones that look alike.
const PREFIXES: &[&str] = &[
    "> ",
    ">> ",
    "> - ",
    "## ",
    "",
    "",
    "",
    "",
    "  ",
    "    ",
    "\t",
    "- ",
    "* ",
    "• ",
    "1. ",
    "2. ",
    "a) ",
    "b) ",
    "i. ",
    "ii. ",
    "(1) ",
    "A. ",
    "IV. ",
    "Chapter 3 ",
    "CHAPTER IV. ",
    "1.2 ",
    "  - ",
    "    1) ",
    "> ",
    "\u{c}",
];
const WORDS: &[&str] = &[
    "the",
    "harbour",
    "Wall",
    "boats",
    "don't",
    "\"quoted\"",
    "'single'",
    "--",
    "---",
    "well-",
    "being",
    "wellbeing",
    "self-",
    "governing",
    "https://example.com/a_(b).",
    "me@example.org",
    "www.example.net",
    "...",
    "5'10\"",
    "THE",
    "END",
    "Of",
    "and",
    "x",
    "1990-",
    "2000",
    "|",
    "+---+",
    "{",
    "}",
    ";",
    "=====",
    "-----",
    "* * *",
    "é",
    "日本",
    "naïve",
    "—",
    "“curly”",
    "A.",
    "Lincoln",
    "Nancy",
    "Sherman",
    "By",
    "Photo",
    "of",
    "author",
    "\u{2028}",
    "i.",
    "a)",
];

fn generated_document(rng: &mut Rng) -> String {
    let mut out = String::new();
    let lines = 1 + rng.next() % 30;
    for _ in 0..lines {
        match rng.next() % 6 {
            0 => out.push('\n'),
            1 => out.push_str("\r\n"),
            _ => {
                out.push_str(rng.pick(PREFIXES));
                let words = rng.next() % 14;
                for index in 0..words {
                    if index > 0 {
                        out.push_str(if rng.next().is_multiple_of(9) { "  " } else { " " });
                    }
                    out.push_str(rng.pick(WORDS));
                }
                out.push('\n');
            }
        }
    }
    out
}

#[test]
fn nothing_is_lost_in_generated_documents() {
    // FOLIO_GENERATED_CASES=20000 for a longer hunt; the seed changes with the count.
    let cases: u64 =
        std::env::var("FOLIO_GENERATED_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(400);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15 ^ cases);
    for case in 0..cases {
        let input = generated_document(&mut rng);
        for smart in [true, false] {
            assert_nothing_lost(
                &format!("generated case {case}"),
                &input,
                &TextOptions { smart, encoding: None },
            );
        }
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let cases: u64 =
        std::env::var("FOLIO_GENERATED_CASES").ok().and_then(|n| n.parse().ok()).unwrap_or(300);
    let mut rng = Rng(0xD1B5_4A32_D192_ED03 ^ cases);
    for _ in 0..cases {
        let length = (rng.next() % 400) as usize;
        let bytes: Vec<u8> = (0..length)
            .map(|_| {
                let b = rng.next() as u8;
                // Bias towards structure-bearing bytes.
                match b % 8 {
                    0 => b'\n',
                    1 => b' ',
                    2 => b'-',
                    _ => b,
                }
            })
            .collect();
        let (_, _) = read(&bytes, &smart()).expect("no input makes the reader fail");
        explain(&bytes, &smart()).expect("no input makes explain fail");
    }
}

fn paragraphs_text(document: &Document) -> Vec<String> {
    document
        .blocks
        .iter()
        .filter_map(|block| match block {
            Block::Paragraph(inlines) => {
                let mut text = String::new();
                push_plain_text(inlines, &mut text);
                Some(text)
            }
            _ => None,
        })
        .collect()
}

#[test]
fn seed_article() {
    let path = Path::new("/work/shared/seed-article.txt");
    let Ok(input) = std::fs::read(path) else {
        assert!(std::env::var_os("CI").is_none(), "{} is missing", path.display());
        eprintln!("skipped: {} is not on this machine", path.display());
        return;
    };
    let (document, warnings) = read(&input, &smart()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let title = "How Do You Massage Your Breasts To Induce Lactation?";
    assert_eq!(document.meta.title.as_deref(), Some(title));
    assert_eq!(document.meta.authors, ["Nancy Sherman"]);
    // The title is not repeated as a heading.
    assert!(!document.blocks.iter().any(|b| matches!(b, Block::Heading { .. })));
    // Every source paragraph is one model paragraph, intact, curly quotes included.
    let source = String::from_utf8(input.clone()).unwrap();
    let expected: Vec<&str> =
        source.split("\n\n").map(str::trim).filter(|p| !p.is_empty()).skip(1).collect();
    assert_eq!(paragraphs_text(&document), expected);
    assert!(paragraphs_text(&document)[0].contains("It’s essential"));
    // The page residue is set apart from the article by a break.
    let residue = document.blocks.iter().position(|b| matches!(b, Block::ThematicBreak)).unwrap();
    assert!(
        matches!(&document.blocks[residue + 1], Block::Paragraph(p) if p[..] == [Inline::Text(title.into())])
    );
    assert_nothing_lost("seed", &source, &smart());
}

#[test]
fn one_megabyte_line_is_one_paragraph() {
    let line = "lorem ipsum dolor sit amet ".repeat(40_000);
    let (document, _) = read(line.as_bytes(), &smart()).unwrap();
    assert_eq!(document.blocks.len(), 1);
    let Block::Paragraph(inlines) = &document.blocks[0] else { panic!("{:?}", document.blocks[0]) };
    let mut text = String::new();
    push_plain_text(inlines, &mut text);
    assert_eq!(text, line.trim_end());
}

#[test]
fn ten_megabyte_line_of_hostile_tokens_completes() {
    // Quotes, dashes, brackets and a URL-like token: every inline rule runs on every byte.
    let line = "\"a\"--'b' (http://x.y/((((( ... -- ".repeat(300_000);
    let (document, _) = read(line.as_bytes(), &smart()).unwrap();
    assert_eq!(document.blocks.len(), 1);
}

#[test]
fn legacy_and_invalid_bytes_warn_with_offsets() {
    let (document, warnings) = read(b"Good start\n\nthen \xFF\xFE\xFD bad", &smart()).unwrap();
    assert!(!document.blocks.is_empty());
    assert_eq!(warnings[0].kind, WarningKind::Encoding);
    let (_, warnings) =
        read(b"ok \xFF", &TextOptions { smart: true, encoding: Some("utf-8".into()) }).unwrap();
    assert!(warnings[0].message.starts_with("byte 3:"), "{warnings:?}");
    assert!(read(b"x", &TextOptions { smart: true, encoding: Some("klingon".into()) }).is_err());
    // Mixed encodings: one warning naming the first foreign byte and how many there were.
    let (_, warnings) = read(b"caf\xC3\xA9 \xE9t\xE9", &smart()).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.starts_with("byte 6: invalid UTF-8 (2 bad bytes"), "{warnings:?}");
    // A legacy file says which encoding was guessed.
    let (_, warnings) =
        read(b"Le gar\xE7on a mang\xE9 la cr\xE8me br\xFBl\xE9e.", &smart()).unwrap();
    assert!(warnings[0].message.contains("windows-1252"), "{warnings:?}");
    // UTF-8, with or without BOM, and UTF-16 with BOM are silent.
    for (name, input, options) in byte_cases() {
        let (_, warnings) = read(&input, &options).unwrap();
        let legacy = matches!(name, "bytes-windows-1252" | "bytes-mixed-encodings");
        assert_eq!(warnings.is_empty(), !legacy, "{name}: {warnings:?}");
    }
}

#[test]
fn explain_names_every_block_and_rule() {
    let input = std::fs::read(root().join("tests/golden/text/headings-numbered.txt")).unwrap();
    let report = explain(&input, &smart()).unwrap();
    let lines: Vec<&str> = report.lines().collect();
    assert!(lines[0].starts_with("encoding    UTF-8"), "{report}");
    assert!(lines[1].starts_with("layout"), "{report}");
    assert!(lines.contains(&"line 1      title        rule: title: short first line without sentence punctuation, followed by a blank line"), "{report}");
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("line 3      heading 1    rule: numbered, depth 1, level 1")),
        "{report}"
    );
    let (document, _) = read(&input, &smart()).unwrap();
    let block_lines =
        lines.iter().filter(|l| l.starts_with("line ") && !l.contains(" title ")).count();
    assert_eq!(block_lines, document.blocks.len(), "{report}");
}

/// Runs the real binary with `args`, feeding `stdin`; returns (exit code, stdout, stderr).
fn folio(args: &[&str], stdin: &[u8]) -> (i32, String, String) {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_folio"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the folio binary runs");
    child.stdin.take().expect("stdin is piped").write_all(stdin).expect("stdin accepts input");
    let output = child.wait_with_output().expect("folio finishes");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn cli_explain_encoding_and_no_smart() {
    let input = b"Caf\xE9 Notes\n\nIt's \"fine\".\n";
    let (code, stdout, stderr) =
        folio(&["-f", "text", "--explain", "--encoding", "latin1", "-t", "json", "-o", "-"], input);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("encoding    windows-1252 (forced with --encoding)"), "{stderr}");
    assert!(
        stderr.contains("line 3      paragraph    rule: blank-line separated, one line"),
        "{stderr}"
    );
    assert!(stdout.contains("\"title\": \"Café Notes\""), "{stdout}");
    assert!(stdout.contains("It’s “fine”."), "{stdout}");
    let (code, stdout, _) = folio(&["-f", "text", "--no-smart", "-t", "json", "-o", "-"], input);
    assert_eq!(code, 0);
    assert!(stdout.contains(r#"It's \"fine\"."#), "{stdout}");
}

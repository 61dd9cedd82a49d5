//! Golden token tests of the built-in lexers: each `tests/highlight_golden/NAME.src` is
//! highlighted as the language NAME (its fence word) and its tokens compared with `NAME.tokens`
//! beside it: one token per line, `Kind<TAB>text` (tabs in the text shown as `\t`, blank
//! plain runs left out), an empty line between source lines. `BLESS=1 cargo test --test
//! highlight_golden` rewrites the goldens after a deliberate change.

use std::fmt::Write as _;
use std::path::Path;

use folio::highlight::{languages, lexer};

fn render(lines: &[Vec<(&str, folio::highlight::TokenKind)>]) -> String {
    let mut out = String::new();
    for (index, line) in lines.iter().enumerate() {
        if index > 0 {
            out.push('\n');
        }
        for (text, kind) in line {
            if *kind == folio::highlight::TokenKind::Plain && text.trim().is_empty() {
                continue;
            }
            let _ = writeln!(out, "{kind:?}\t{}", text.replace('\t', "\\t"));
        }
    }
    out
}

#[test]
fn token_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/highlight_golden");
    let bless = std::env::var_os("BLESS").is_some();
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "src"))
        .collect();
    inputs.sort();
    assert!(inputs.len() >= 20, "expected a sample per language");
    let mut mismatches = Vec::new();
    for input in inputs {
        let name = input.file_stem().and_then(|s| s.to_str()).expect("name");
        let language = languages::find(name).unwrap_or_else(|| panic!("{name}: no such language"));
        let code = std::fs::read_to_string(&input).expect("sample");
        let lines = lexer::tokenize(&code, language);
        let rejoined: Vec<String> =
            lines.iter().map(|l| l.iter().map(|(t, _)| *t).collect()).collect();
        let expected_lines: Vec<&str> = code.lines().collect();
        assert_eq!(rejoined, expected_lines, "{name}: text changed");
        let actual = render(&lines);
        let golden = input.with_extension("tokens");
        if bless {
            std::fs::write(&golden, &actual).expect("write golden");
            continue;
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} is missing; run BLESS=1", golden.display()));
        if expected != actual {
            let diff: Vec<String> = expected
                .lines()
                .zip(actual.lines())
                .filter(|(e, a)| e != a)
                .take(5)
                .map(|(e, a)| format!("  expected {e:?}\n  actual   {a:?}"))
                .collect();
            mismatches.push(format!("{}:\n{}", golden.display(), diff.join("\n")));
        }
    }
    assert!(
        mismatches.is_empty(),
        "tokens changed (BLESS=1 to accept):\n{}",
        mismatches.join("\n")
    );
}

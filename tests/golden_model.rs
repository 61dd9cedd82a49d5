//! Golden tests of the document model: each `tests/golden/markdown/*.md` is read and its model
//! JSON compared with the `.json` beside it. `BLESS=1 cargo test` rewrites the goldens.

use std::path::Path;

use folio::format::InputFormat;

#[test]
fn markdown_model_goldens() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/markdown");
    let bless = std::env::var_os("BLESS").is_some();
    let mut inputs: Vec<_> = std::fs::read_dir(&dir)
        .expect("golden folder")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    inputs.sort();
    assert!(!inputs.is_empty());
    let mut mismatches = Vec::new();
    for input in inputs {
        let source = std::fs::read(&input).unwrap();
        let (document, _) =
            folio::load(&source, InputFormat::Markdown(Default::default()), &Default::default())
                .unwrap();
        let actual = folio::writer::json::write(&document);
        let golden = input.with_extension("json");
        if bless {
            std::fs::write(&golden, &actual).unwrap();
            continue;
        }
        let expected = std::fs::read_to_string(&golden)
            .unwrap_or_else(|_| panic!("{} is missing; run BLESS=1 cargo test", golden.display()));
        if expected != actual {
            mismatches.push(format!("{}:\n{actual}", golden.display()));
        }
        // The golden JSON reads back to the same model.
        let reread = folio::reader::json::read(&expected).unwrap();
        assert_eq!(reread, document, "{} does not round-trip", golden.display());
    }
    assert!(mismatches.is_empty(), "model changed (BLESS=1 to accept):\n{}", mismatches.join("\n"));
}

//! Writes the benchmark corpus to a folder (used by `scripts/compare.sh`): the same generated
//! documents the criterion benches measure, plus a folder of small notes for batch runs.
//!
//! ```text
//! cargo run --release --example gen_corpus -- OUT_DIR [--book-bytes N] [--notes N]
//! ```
//!
//! Writes `OUT_DIR/note.md` (~1 KB, one page), `article.md` (~100 KB), `book.md` (default
//! ~2 MB, every kind of block), `book.txt` (the plain-text counterpart) and
//! `notes/note-NNN.md` (default 500 small notes, each from its own seed).

#[path = "../benches/gen/mod.rs"]
mod gen;

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("gen_corpus: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut args = std::env::args().skip(1);
    let mut out_dir: Option<PathBuf> = None;
    let mut book_bytes = gen::BOOK_BYTES;
    let mut notes = 500usize;
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--book-bytes" => book_bytes = number(args.next(), "--book-bytes")?,
            "--notes" => notes = number(args.next(), "--notes")?,
            "-h" | "--help" => {
                println!("usage: gen_corpus OUT_DIR [--book-bytes N] [--notes N]");
                return Ok(());
            }
            _ if arg.starts_with('-') => return Err(format!("unknown option {arg}")),
            _ => out_dir = Some(PathBuf::from(arg)),
        }
    }
    let out_dir = out_dir
        .ok_or("missing OUT_DIR (usage: gen_corpus OUT_DIR [--book-bytes N] [--notes N])")?;
    let notes_dir = out_dir.join("notes");
    std::fs::create_dir_all(&notes_dir)
        .map_err(|e| format!("{}: cannot create: {e}", notes_dir.display()))?;
    let write = |name: &str, text: &str| {
        let path = out_dir.join(name);
        std::fs::write(&path, text).map_err(|e| format!("{}: cannot write: {e}", path.display()))
    };
    write("note.md", &gen::markdown(gen::NOTE_BYTES, gen::SEED))?;
    write("article.md", &gen::markdown(gen::ARTICLE_BYTES, gen::SEED))?;
    write("book.md", &gen::markdown(book_bytes, gen::SEED))?;
    write("book.txt", &gen::text(book_bytes, gen::SEED))?;
    for i in 0..notes {
        let path = notes_dir.join(format!("note-{i:03}.md"));
        let note = gen::markdown(gen::NOTE_BYTES, gen::SEED.wrapping_add(i as u64 + 1));
        std::fs::write(&path, note)
            .map_err(|e| format!("{}: cannot write: {e}", path.display()))?;
    }
    Ok(())
}

fn number(value: Option<String>, flag: &str) -> Result<usize, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a number"))?;
    value.replace('_', "").parse().map_err(|_| format!("{flag}: '{value}' is not a number"))
}

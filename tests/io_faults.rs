//! I/O faults and bad input at the command line (issue 7): a clear message naming the file,
//! a non-zero exit status, and no partial output — the CLI writes to a temporary file and
//! renames it into place only once the conversion has succeeded.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const FOLIO: &str = env!("CARGO_BIN_EXE_folio");

fn folio(dir: &Path, args: &[&str]) -> Output {
    Command::new(FOLIO)
        .args(args)
        .current_dir(dir)
        .env_remove("SOURCE_DATE_EPOCH")
        .stdin(Stdio::null())
        .output()
        .expect("run folio")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The names in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("read dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A Markdown file whose HTML is about `kib` KiB.
fn large_markdown(dir: &Path, kib: usize) -> PathBuf {
    let path = dir.join("large.md");
    let paragraph = "A paragraph of ordinary prose that fills the output file.\n\n";
    std::fs::write(&path, paragraph.repeat(kib * 1024 / paragraph.len())).expect("write input");
    path
}

/// A small tmpfs mounted on a fresh folder, unmounted when dropped. Needs root (or
/// CAP_SYS_ADMIN); `None` when mounting is not allowed here.
struct SmallDisk {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl SmallDisk {
    fn mount(kib: usize) -> Option<SmallDisk> {
        let dir = tempfile::tempdir().ok()?;
        let path = dir.path().join("disk");
        std::fs::create_dir(&path).ok()?;
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={kib}k"), "tmpfs"])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .ok()?;
        status.success().then_some(SmallDisk { _dir: dir, path })
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

#[test]
fn full_disk_leaves_no_partial_output_and_keeps_the_old_file() {
    let Some(disk) = SmallDisk::mount(64) else {
        assert!(std::env::var_os("CI").is_none(), "CI must be able to mount a tmpfs (run as root)");
        println!("skipped: cannot mount a tmpfs here (not root); the /dev/full test still runs");
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    let input = large_markdown(work.path(), 256);
    let target = disk.path.join("out.html");
    std::fs::write(&target, "the previous version").expect("old output");

    let output = folio(
        work.path(),
        &[input.to_str().expect("utf-8"), "-o", target.to_str().expect("utf-8")],
    );
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains(&target.display().to_string()), "names the file: {message}");
    assert!(message.contains("cannot write the output file"), "{message}");
    assert!(message.contains("No space left on device"), "says why: {message}");
    // Nothing half-written, no temporary file left, and the old output untouched.
    assert_eq!(listing(&disk.path), vec!["out.html".to_string()]);
    assert_eq!(std::fs::read_to_string(&target).expect("old output"), "the previous version");
}

#[test]
fn full_disk_on_standard_output_is_an_error() {
    let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
        println!("skipped: no /dev/full on this system");
        return;
    };
    let work = tempfile::tempdir().expect("temp dir");
    let input = large_markdown(work.path(), 256);
    let output = Command::new(FOLIO)
        .arg(&input)
        .stdout(full)
        .stderr(Stdio::piped())
        .output()
        .expect("run folio");
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("cannot write to standard output"), "{message}");
}

#[test]
fn missing_output_folder_names_the_path() {
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::write(work.path().join("in.md"), "# Hi\n").expect("write");
    let output = folio(work.path(), &["in.md", "-o", "no/such/folder/out.html"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(message.contains("no/such/folder/out.html"), "{message}");
    assert!(message.contains("does the folder exist"), "{message}");
    assert_eq!(listing(work.path()), vec!["in.md".to_string()]);
}

#[test]
fn missing_and_unreadable_inputs_name_the_file() {
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir(work.path().join("folder.md")).expect("mkdir");
    for (input, reason) in [
        ("missing.md", "cannot read the input file: no such file"),
        ("folder.md", "is a folder, not a file; use -r"),
    ] {
        let output = folio(work.path(), &[input, "-o", "out.html"]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(1), "{message}");
        assert!(message.contains(&format!("{input}: ")), "{message}");
        assert!(message.to_lowercase().contains(reason), "{message}");
        assert!(!work.path().join("out.html").exists());
    }
}

#[test]
fn a_failed_conversion_writes_nothing() {
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::write(work.path().join("model.json"), "{\"blocks\": [\n  {\"Paragraph\": 5}\n]}")
        .expect("write");
    let output = folio(work.path(), &["model.json", "-o", "out.html"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("model.json: line 2, column 17: invalid folio JSON model"),
        "names file, line and column: {message}"
    );
    assert_eq!(listing(work.path()), vec!["model.json".to_string()], "no output, no temp file");
}

#[test]
fn too_deep_json_is_a_limit_error() {
    let work = tempfile::tempdir().expect("temp dir");
    let deep = format!(
        "{{\"blocks\":[{{\"Paragraph\":[{}{{\"Text\":\"x\"}}{}]}}]}}",
        "{\"Emph\":[".repeat(100),
        "]}".repeat(100)
    );
    std::fs::write(work.path().join("deep.json"), deep).expect("write");
    let output = folio(work.path(), &["deep.json", "-o", "out.html"]);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    assert!(
        message.contains("deep.json") && message.contains("exceeds folio's limit of 80"),
        "{message}"
    );
    assert!(!work.path().join("out.html").exists());
}

#[test]
fn invalid_utf8_and_binary_input_are_warnings_naming_file_and_byte() {
    let work = tempfile::tempdir().expect("temp dir");
    std::fs::write(work.path().join("latin1.md"), b"# Caf\xe9\n").expect("write");
    std::fs::write(work.path().join("image.md"), b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
        .expect("write");
    for (input, expected) in [
        ("latin1.md", "latin1.md: line 1: byte 5: invalid UTF-8"),
        ("image.md", "image.md: line 3: byte 8: NUL byte; the input looks like a binary file"),
    ] {
        let output = folio(work.path(), &[input, "-o", "out.html"]);
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(0), "a warning, not an error: {message}");
        assert!(message.contains(&format!("folio: warning: {expected}")), "{message}");
        // --strict turns the warning into a failure.
        let strict = folio(work.path(), &[input, "-o", "strict.html", "--strict"]);
        assert_eq!(strict.status.code(), Some(1), "{}", stderr(&strict));
    }
}

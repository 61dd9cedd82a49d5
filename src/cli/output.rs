//! Where bytes go: atomic file writes, standard output, and the refusals that protect the user
//! (binary output to a terminal, an output that would overwrite an input).

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, Context};

use folio::format::OutputFormat;
use folio::Error::Output;
use folio::Warning;

/// Where a conversion writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// Standard output.
    Stdout,
    /// A file, replaced atomically.
    File(PathBuf),
}

impl Sink {
    /// The name shown to the user and in the report.
    pub fn name(&self) -> String {
        match self {
            Sink::Stdout => "<stdout>".to_string(),
            Sink::File(path) => path.display().to_string(),
        }
    }
}

/// Why binary output to standard output is refused, if it is. Decided from the format and
/// whether stdout is a terminal, so tests can check the rule without a terminal.
pub fn binary_to_terminal_refusal(
    format: OutputFormat,
    stdout_is_terminal: bool,
) -> Option<String> {
    (format.is_binary() && stdout_is_terminal).then(|| {
        format!(
            "refusing to write binary {format} output to a terminal; use -o FILE.{format} or redirect: folio … -t {format} > out.{format}"
        )
    })
}

/// What writes a conversion's output: given the destination, it streams the bytes into it and
/// returns the conversion's warnings (see [`folio::writer::write_to`]).
pub type Produce<'a> = dyn FnOnce(&mut dyn Write) -> folio::Result<Vec<Warning>> + 'a;

/// Streams a conversion's output into the sink. A file is only replaced once the conversion
/// has finished and all its bytes are written; if it fails, the previous file is left as it was
/// and the temporary one is removed.
pub fn write_sink(
    sink: &Sink,
    create_dirs: bool,
    produce: Box<Produce<'_>>,
) -> anyhow::Result<Vec<Warning>> {
    match sink {
        Sink::Stdout => {
            let mut stdout = std::io::stdout().lock();
            match produce(&mut stdout).and_then(|w| stdout.flush().map(|()| w).map_err(Output)) {
                // The reader of a pipe went away (`folio … | head`): not our error.
                Err(Output(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Vec::new()),
                other => with_output_context(other, || "cannot write to standard output".into()),
            }
        }
        Sink::File(path) => {
            if create_dirs {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).with_context(|| {
                        format!("{}: cannot create the output folder", dir.display())
                    })?;
                }
            }
            write_atomically(path, produce)
        }
    }
}

/// Output that is just `bytes`, already made.
pub fn bytes(bytes: &[u8]) -> Box<Produce<'_>> {
    Box::new(move |sink| sink.write_all(bytes).map(|()| Vec::new()).map_err(Output))
}

/// A conversion error as it is, an output error with `what` failed in front of it.
fn with_output_context(
    result: folio::Result<Vec<Warning>>,
    what: impl FnOnce() -> String,
) -> anyhow::Result<Vec<Warning>> {
    match result {
        Ok(warnings) => Ok(warnings),
        Err(Output(e)) => Err(anyhow::Error::new(e).context(what())),
        Err(e) => Err(e.into()),
    }
}

/// Streams the output into a temporary file in the target's folder, then renames it over
/// `path`, so a failed or interrupted conversion never leaves a partial file nor destroys the
/// previous output.
pub fn write_atomically(path: &Path, produce: Box<Produce<'_>>) -> anyhow::Result<Vec<Warning>> {
    let write_failed =
        || format!("{}: cannot write the output file (is the disk full?)", path.display());
    // A device, FIFO or socket (`-o /dev/null`, `-o /dev/stdout`, a named pipe) is written in
    // place: renaming a temporary file over it would replace the device with a regular file.
    if let Ok(existing) = std::fs::metadata(path) {
        if !existing.is_file() && !existing.is_dir() {
            let mut special =
                std::fs::OpenOptions::new().write(true).open(path).with_context(|| {
                    format!("{}: cannot open the output for writing", path.display())
                })?;
            return with_output_context(produce(&mut special), write_failed);
        }
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".folio-").suffix(".tmp");
    // Temporary files are private (0600); an output is an ordinary file, so ask for 0666 and
    // let the umask decide, as any program creating the file directly would.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut temp = builder.tempfile_in(dir).with_context(|| {
        format!(
            "{}: cannot create the output file (does the folder exist and is it writable?)",
            path.display()
        )
    })?;
    // Replacing an output keeps the permissions the user gave it.
    if let Ok(existing) = std::fs::metadata(path) {
        let _ = temp.as_file().set_permissions(existing.permissions());
    }
    // No fsync before the rename: it made a 500-file batch wait ~4 s on the disk for < 0.1 s of
    // work. The rename alone already guarantees that readers see the old or the new file, never
    // a partial one; surviving a power cut mid-batch is not worth a 10× slower batch (pandoc,
    // rustc and cargo do not sync their outputs either). On an error `temp` is dropped, which
    // deletes it.
    let warnings = with_output_context(produce(&mut temp), write_failed)?;
    temp.persist(path).map_err(|e| {
        anyhow!("{}: cannot move the finished output into place: {}", path.display(), e.error)
    })?;
    Ok(warnings)
}

/// The identity of a path for "is this the same file" checks: the canonical path when the file
/// exists, else its canonical folder joined with the name (a file that does not exist yet cannot
/// be an input, but two spellings of one new output must still compare equal).
pub fn identity(path: &Path) -> PathBuf {
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    let name = path.file_name().map(PathBuf::from).unwrap_or_default();
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    match parent.canonicalize() {
        Ok(dir) => dir.join(name),
        Err(_) => lexically_normal(&std::env::current_dir().unwrap_or_default().join(path)),
    }
}

/// Removes `.` and resolves `..` without touching the file system.
pub fn lexically_normal(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_formats_are_refused_only_on_a_terminal() {
        assert!(binary_to_terminal_refusal(OutputFormat::Pdf, true).is_some());
        assert!(binary_to_terminal_refusal(OutputFormat::Epub, true).is_some());
        assert!(binary_to_terminal_refusal(OutputFormat::Pdf, false).is_none());
        assert!(binary_to_terminal_refusal(OutputFormat::Html, true).is_none());
        assert!(binary_to_terminal_refusal(OutputFormat::Json, true).is_none());
    }

    #[test]
    fn identities_of_new_files_compare_by_folder() {
        let dir = tempfile::tempdir().unwrap();
        let a = dir.path().join("x.html");
        let b = dir.path().join(".").join("x.html");
        assert_eq!(identity(&a), identity(&b));
        assert_eq!(lexically_normal(Path::new("a/./b/../c")), PathBuf::from("a/c"));
    }

    #[test]
    fn atomic_write_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.html");
        std::fs::write(&target, "old").unwrap();
        write_atomically(&target, bytes(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn a_failed_conversion_keeps_the_old_output_and_leaves_no_temp() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out.html");
        std::fs::write(&target, "old").unwrap();
        let failing: Box<Produce> = Box::new(|sink| {
            sink.write_all(b"half a page").map_err(Output)?;
            Err(folio::Error::Option("the conversion failed half-way".into()))
        });
        let error = write_atomically(&target, failing).unwrap_err();
        assert_eq!(format!("{error:#}"), "the conversion failed half-way");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_not_private_and_keep_existing_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.html");
        write_atomically(&fresh, bytes(b"x")).unwrap();
        let plain = dir.path().join("plain.html");
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // The same mode as a file created directly under the same umask, not the 0600 of a
        // temporary file.
        assert_eq!(mode(&fresh), mode(&plain));
        let kept = dir.path().join("kept.html");
        std::fs::write(&kept, "old").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&kept, bytes(b"new")).unwrap();
        assert_eq!(std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o640);
    }
}

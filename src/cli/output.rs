//! Where bytes go: atomic file writes, standard output, and the refusals that protect the user
//! (binary output to a terminal, an output that would overwrite an input).

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use anyhow::{anyhow, Context};

use folio::format::OutputFormat;

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

/// Writes `bytes` to the sink. A file is only replaced once all bytes are safely on disk.
pub fn write_sink(sink: &Sink, bytes: &[u8], create_dirs: bool) -> anyhow::Result<()> {
    match sink {
        Sink::Stdout => {
            let mut stdout = std::io::stdout().lock();
            match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
                // The reader of a pipe went away (`folio … | head`): not our error.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
                other => other.context("cannot write to standard output"),
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
            write_atomically(path, bytes)
        }
    }
}

/// Writes `bytes` to a temporary file in the target's folder, then renames it over `path`, so a
/// failed or interrupted write never leaves a partial file nor destroys the previous output.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    // A device, FIFO or socket (`-o /dev/null`, `-o /dev/stdout`, a named pipe) is written in
    // place: renaming a temporary file over it would replace the device with a regular file.
    if let Ok(existing) = std::fs::metadata(path) {
        if !existing.is_file() && !existing.is_dir() {
            let mut special =
                std::fs::OpenOptions::new().write(true).open(path).with_context(|| {
                    format!("{}: cannot open the output for writing", path.display())
                })?;
            return special
                .write_all(bytes)
                .and_then(|()| special.flush())
                .with_context(|| format!("{}: cannot write the output", path.display()));
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
    // rustc and cargo do not sync their outputs either).
    temp.write_all(bytes).with_context(|| {
        format!("{}: cannot write the output file (is the disk full?)", path.display())
    })?;
    temp.persist(path).map_err(|e| {
        anyhow!("{}: cannot move the finished output into place: {}", path.display(), e.error)
    })?;
    Ok(())
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
        write_atomically(&target, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[cfg(unix)]
    #[test]
    fn outputs_are_not_private_and_keep_existing_permissions() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let fresh = dir.path().join("fresh.html");
        write_atomically(&fresh, b"x").unwrap();
        let plain = dir.path().join("plain.html");
        std::fs::write(&plain, b"x").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        // The same mode as a file created directly under the same umask, not the 0600 of a
        // temporary file.
        assert_eq!(mode(&fresh), mode(&plain));
        let kept = dir.path().join("kept.html");
        std::fs::write(&kept, "old").unwrap();
        std::fs::set_permissions(&kept, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&kept, b"new").unwrap();
        assert_eq!(std::fs::metadata(&kept).unwrap().permissions().mode() & 0o777, 0o640);
    }
}

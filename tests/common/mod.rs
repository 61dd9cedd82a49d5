//! Helpers shared by the CLI tests: a scratch folder and the `folio` binary run inside it.

#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A temporary folder the binary runs in; files are created relative to it.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    pub fn new() -> Scratch {
        Scratch { dir: tempfile::tempdir().expect("temporary folder") }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn join(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `relative` (creating its folders).
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.join(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("create folder");
        }
        std::fs::write(&path, contents).expect("write file");
        path
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
    }

    pub fn exists(&self, relative: &str) -> bool {
        self.join(relative).exists()
    }

    /// A `folio` command running in this folder, with an environment that cannot leak settings
    /// from the machine running the tests.
    pub fn folio(&self, args: &[&str]) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_folio"));
        command
            .args(args)
            .current_dir(self.path())
            .env_remove("RAYON_NUM_THREADS")
            .env_remove("SOURCE_DATE_EPOCH")
            .stdin(Stdio::null());
        command
    }

    /// Runs `folio args…` with no standard input.
    pub fn run(&self, args: &[&str]) -> Run {
        Run::from(self.folio(args).output().expect("run folio"))
    }

    /// Runs `folio args…` with `input` on standard input.
    pub fn run_with_stdin(&self, args: &[&str], input: &[u8]) -> Run {
        let mut child = self
            .folio(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn folio");
        // folio may exit (a usage error) before reading its input: a broken pipe is fine.
        let written = child.stdin.take().expect("stdin").write_all(input);
        if let Err(e) = written {
            assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "write stdin: {e}");
        }
        Run::from(child.wait_with_output().expect("wait for folio"))
    }

    /// Every file below the folder (relative paths, sorted).
    pub fn files(&self, relative: &str) -> Vec<String> {
        let mut out = Vec::new();
        let root = self.join(relative);
        let mut stack = vec![root.clone()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("list folder").flatten() {
                let path = entry.path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    out.push(path.strip_prefix(&root).unwrap().display().to_string());
                }
            }
        }
        out.sort();
        out
    }
}

/// What a run of the binary did.
pub struct Run {
    pub code: i32,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl From<Output> for Run {
    fn from(output: Output) -> Run {
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: output.stdout,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }
}

impl Run {
    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }

    /// Asserts the exit status, showing stderr when it differs.
    #[track_caller]
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(self.code, code, "exit status; stderr:\n{}", self.stderr);
        self
    }
}

/// `script` runs a command on a pseudo-terminal; tests that need a terminal use it. Missing, it
/// fails the test under CI and skips it elsewhere.
pub fn script_available() -> bool {
    let found = Command::new("script")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(std::env::var_os("CI").is_none(), "`script` (util-linux) is needed under CI");
        eprintln!(
            "skipped: `script` (util-linux) is not installed, no pseudo-terminal to test with"
        );
    }
    found
}

/// Runs a shell command line on a pseudo-terminal (stdin, stdout and stderr all a terminal).
/// Returns the exit status and everything the terminal showed.
pub fn run_on_terminal(dir: &Path, command_line: &str) -> (i32, String) {
    let output = Command::new("script")
        .args(["-qec", command_line, "/dev/null"])
        .current_dir(dir)
        .env_remove("RAYON_NUM_THREADS")
        .stdin(Stdio::null())
        .output()
        .expect("run script");
    (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
}

/// Quotes a path for a POSIX shell.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "'\\''"))
}

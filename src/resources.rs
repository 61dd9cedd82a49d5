//! Resources: how writers get the bytes of images and other files a document refers to.
//!
//! Writers never touch the file system themselves; they ask a [`Resources`]. The CLI uses
//! [`FsResources`], which only reads inside allowed folders (typst's `--root` rule); tests use
//! [`NoResources`] or an in-memory map.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

/// Why a resource could not be had.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResourceError {
    /// No file of that name in any allowed folder.
    #[error("{0}: not found (looked in the input's folder and the --resource-path folders)")]
    NotFound(String),
    /// The path leads outside the allowed folders.
    #[error("{0}: refused, it lies outside the allowed folders (use --root or --resource-path to allow it)")]
    OutsideRoot(String),
    /// A remote URL (folio never fetches over the network).
    #[error("{0}: remote resources are not fetched (download it and refer to the local file)")]
    Remote(String),
    /// The file exists but could not be read.
    #[error("{0}: {1}")]
    Unreadable(String, String),
}

/// A source of resource bytes, shared across threads in batch mode.
pub trait Resources: Sync {
    /// The bytes of the resource at `reference` (a relative path or URL as written in the
    /// document).
    fn load(&self, reference: &str) -> Result<Vec<u8>, ResourceError>;
}

/// No resources at all (input from stdin with no folder, or tests).
pub struct NoResources;

impl Resources for NoResources {
    fn load(&self, reference: &str) -> Result<Vec<u8>, ResourceError> {
        if is_remote(reference) {
            return Err(ResourceError::Remote(reference.to_string()));
        }
        Err(ResourceError::NotFound(reference.to_string()))
    }
}

/// Resources held in memory, by reference.
#[derive(Default)]
pub struct MemResources(pub BTreeMap<String, Vec<u8>>);

impl Resources for MemResources {
    fn load(&self, reference: &str) -> Result<Vec<u8>, ResourceError> {
        self.0.get(reference).cloned().ok_or_else(|| ResourceError::NotFound(reference.to_string()))
    }
}

/// Files on disk, looked up in `search_dirs` in order, and only when they resolve (symlinks
/// included) to a place inside one of `allowed_roots`.
#[derive(Debug, Clone)]
pub struct FsResources {
    /// Folders to look in: the input file's folder first, then `--resource-path` folders.
    pub search_dirs: Vec<PathBuf>,
    /// Folders that may be read; a path resolving elsewhere is refused.
    pub allowed_roots: Vec<PathBuf>,
}

impl FsResources {
    /// Looks in `search_dirs`, allowing reads inside them and inside `root`.
    pub fn new(search_dirs: Vec<PathBuf>, root: Option<PathBuf>) -> Self {
        let mut allowed_roots: Vec<PathBuf> =
            search_dirs.iter().filter_map(|d| d.canonicalize().ok()).collect();
        if let Some(root) = root.and_then(|r| r.canonicalize().ok()) {
            allowed_roots.push(root);
        }
        FsResources { search_dirs, allowed_roots }
    }
}

impl Resources for FsResources {
    fn load(&self, reference: &str) -> Result<Vec<u8>, ResourceError> {
        if is_remote(reference) {
            return Err(ResourceError::Remote(reference.to_string()));
        }
        let decoded = percent_decode(reference.strip_prefix("file://").unwrap_or(reference));
        let relative = Path::new(&decoded);
        let candidates: Vec<PathBuf> = if relative.is_absolute() {
            vec![relative.to_path_buf()]
        } else {
            // Canonical folders, so the lexical check below compares like with like.
            self.search_dirs
                .iter()
                .map(|dir| dir.canonicalize().unwrap_or_else(|_| dir.clone()).join(relative))
                .collect()
        };
        let inside = |path: &Path| self.allowed_roots.iter().any(|root| path.starts_with(root));
        let mut refused = false;
        for candidate in candidates {
            let Ok(real) = candidate.canonicalize() else {
                // A missing file outside the roots is refused too, not "not found": a document
                // must not be able to probe which files exist elsewhere on the machine.
                refused |= candidate.is_absolute() && !inside(&normalize_lexically(&candidate));
                continue;
            };
            // Decided on the resolved path, so symlinks leading outside are refused.
            if !inside(&real) {
                refused = true;
                continue;
            }
            return read_regular_file(&real)
                .map_err(|reason| ResourceError::Unreadable(reference.to_string(), reason));
        }
        if refused {
            Err(ResourceError::OutsideRoot(reference.to_string()))
        } else {
            Err(ResourceError::NotFound(reference.to_string()))
        }
    }
}

/// The largest resource folio reads (an image for EPUB or PDF is far smaller).
pub const MAX_RESOURCE_BYTES: u64 = 100 << 20;

/// Reads a regular file of at most [`MAX_RESOURCE_BYTES`]. A named pipe would block forever
/// and a device such as `/dev/zero` never ends, so only regular files are read, and the size is
/// capped while reading (a file can grow after it was measured).
fn read_regular_file(path: &Path) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let metadata = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !metadata.is_file() {
        return Err("not a regular file".to_string());
    }
    let too_large = || format!("larger than folio's limit of {} MB", MAX_RESOURCE_BYTES >> 20);
    if metadata.len() > MAX_RESOURCE_BYTES {
        return Err(too_large());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(metadata.len() as usize);
    file.take(MAX_RESOURCE_BYTES + 1).read_to_end(&mut bytes).map_err(|e| e.to_string())?;
    if bytes.len() as u64 > MAX_RESOURCE_BYTES {
        return Err(too_large());
    }
    Ok(bytes)
}

/// True for references with a network scheme (`http:`, `https:`, `ftp:`, `//host`).
pub fn is_remote(reference: &str) -> bool {
    let lower = reference.trim_start().to_ascii_lowercase();
    lower.starts_with("http://")
        || lower.starts_with("https://")
        || lower.starts_with("ftp://")
        || lower.starts_with("//")
}

/// Resolves `.` and `..` in an absolute path without touching the file system.
fn normalize_lexically(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                out.pop();
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

/// Decodes `%XX` escapes (Markdown image paths with spaces are often written `my%20pic.png`).
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(hi), Some(lo)) = (hex_value(bytes[i + 1]), hex_value(bytes[i + 2])) {
                out.push(hi * 16 + lo);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex_value(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// True when a relative path stays inside its base (no `..` escaping it).
pub fn stays_inside(path: &Path) -> bool {
    let mut depth: i64 = 0;
    for component in path.components() {
        match component {
            Component::ParentDir => depth -= 1,
            Component::Normal(_) => depth += 1,
            Component::CurDir => {}
            Component::RootDir | Component::Prefix(_) => return false,
        }
        if depth < 0 {
            return false;
        }
    }
    true
}

//! Images of an EPUB: loading them through [`Resources`], recognising their format from their
//! bytes (never trusting the file name), and giving each a safe, unique name inside the book.
//!
//! Only the EPUB core image types are embedded (PNG, JPEG, GIF and SVG without scripts or
//! external references), so the book never needs fallbacks. Anything else is reported once and
//! the caller shows the alt text instead.

use std::collections::BTreeMap;

use crate::error::{Warning, WarningKind};
use crate::resources::{is_remote, ResourceError, Resources};

/// An image file stored in the book.
#[derive(Debug, Clone)]
pub struct EmbeddedImage {
    /// Path inside the book's content folder (`images/image-1.png`).
    pub path: String,
    /// The file's bytes.
    pub bytes: Vec<u8>,
    /// Its media type (`image/png`).
    pub media_type: &'static str,
}

/// The images of a book, loaded on first reference.
pub struct ImageStore<'r> {
    resources: &'r dyn Resources,
    /// Reference as written in the document → path in the book, or `None` when it failed.
    by_reference: BTreeMap<String, Option<String>>,
    /// Embedded files, in order of first reference.
    pub files: Vec<EmbeddedImage>,
    /// Problems met while loading.
    pub warnings: Vec<Warning>,
}

impl<'r> ImageStore<'r> {
    /// An empty store reading through `resources`.
    pub fn new(resources: &'r dyn Resources) -> Self {
        ImageStore {
            resources,
            by_reference: BTreeMap::new(),
            files: Vec::new(),
            warnings: Vec::new(),
        }
    }

    /// The in-book path of the image `reference` points to, loading it the first time; `None`
    /// (with a warning, once) when it cannot be embedded.
    pub fn resolve(&mut self, reference: &str) -> Option<String> {
        if let Some(known) = self.by_reference.get(reference) {
            return known.clone();
        }
        if self.files.iter().any(|f| f.path == reference) {
            return Some(reference.to_string());
        }
        let result = self.load(reference, "image");
        let path = match result {
            Ok((bytes, media_type)) => {
                let path =
                    format!("images/image-{}.{}", self.files.len() + 1, extension(media_type));
                self.files.push(EmbeddedImage { path: path.clone(), bytes, media_type });
                Some(path)
            }
            Err(warning) => {
                self.warnings.push(warning);
                None
            }
        };
        self.by_reference.insert(reference.to_string(), path.clone());
        path
    }

    /// Loads and checks an image without adding it to the book (the cover).
    pub fn load(&self, reference: &str, what: &str) -> Result<(Vec<u8>, &'static str), Warning> {
        if let Some(data) = reference.strip_prefix("data:") {
            return decode_data_url(data)
                .and_then(|bytes| sniff(&bytes).map(|media_type| (bytes, media_type)))
                .ok_or_else(|| {
                    Warning::new(
                        WarningKind::Unsupported,
                        format!("{what} given as a data: URL is not a PNG, JPEG, GIF or safe SVG image; its alt text is shown instead"),
                    )
                });
        }
        if is_remote(reference) {
            return Err(Warning::new(
                WarningKind::RefusedResource,
                format!("{what} {reference}: remote images are not fetched; its alt text is shown instead (download it and refer to the local file)"),
            ));
        }
        let bytes = self.resources.load(reference).map_err(|error| {
            let kind = match error {
                ResourceError::NotFound(_) | ResourceError::Unreadable(..) => {
                    WarningKind::MissingResource
                }
                ResourceError::OutsideRoot(_) | ResourceError::Remote(_) => {
                    WarningKind::RefusedResource
                }
            };
            Warning::new(kind, format!("{what} {error}; its alt text is shown instead"))
        })?;
        match sniff(&bytes) {
            Some(media_type) => Ok((bytes, media_type)),
            None => Err(Warning::new(
                WarningKind::Unsupported,
                format!("{what} {reference}: not a PNG, JPEG, GIF or SVG image (or an SVG with scripts or external references), which EPUB readers need; its alt text is shown instead"),
            )),
        }
    }
}

/// The file extension for a media type from [`sniff`].
pub fn extension(media_type: &str) -> &'static str {
    match media_type {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        _ => "svg",
    }
}

/// The media type of an EPUB core image format, from the file's first bytes.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() > 33 {
        return Some("image/png");
    }
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) && bytes.len() > 4 {
        return Some("image/jpeg");
    }
    if (bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a")) && bytes.len() > 13 {
        return Some("image/gif");
    }
    if is_safe_svg(bytes) {
        return Some("image/svg+xml");
    }
    None
}

/// An SVG document that a reading system can show on its own: UTF-8, rooted at `<svg`, with no
/// scripts, embedded HTML, entity declarations or references to other files.
fn is_safe_svg(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else { return false };
    let text = text.trim_start_matches('\u{feff}').trim_start();
    let lower = text.to_ascii_lowercase();
    let root = lower.find("<svg");
    let Some(root) = root else { return false };
    // Only an XML declaration, comments and whitespace may come before the root element.
    let prologue = &lower[..root];
    if prologue.contains("<!doctype") || prologue.contains("<!entity") {
        return false;
    }
    let forbidden = [
        "<script",
        "<foreignobject",
        "<!entity",
        "javascript:",
        "href=\"http",
        "href='http",
        "url(http",
        "@import",
        "<image",
        "<use",
    ];
    !forbidden.iter().any(|f| lower.contains(f)) && lower.trim_end().ends_with("</svg>")
}

/// Decodes the part after `data:` of a base64 data URL.
fn decode_data_url(data: &str) -> Option<Vec<u8>> {
    let (header, payload) = data.split_once(',')?;
    if !header.to_ascii_lowercase().ends_with(";base64") {
        return None;
    }
    decode_base64(payload)
}

fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let mut buffer: u32 = 0;
    let mut bits = 0;
    for byte in text.bytes() {
        let value = match byte {
            b'A'..=b'Z' => byte - b'A',
            b'a'..=b'z' => byte - b'a' + 26,
            b'0'..=b'9' => byte - b'0' + 52,
            b'+' | b'-' => 62,
            b'/' | b'_' => 63,
            b'=' | b' ' | b'\n' | b'\r' | b'\t' => continue,
            b'%' => return None,
            _ => return None,
        };
        buffer = (buffer << 6) | u32::from(value);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_decodes() {
        assert_eq!(decode_base64("aGVsbG8=").as_deref(), Some(&b"hello"[..]));
        assert_eq!(decode_base64("aGk").as_deref(), Some(&b"hi"[..]));
        assert_eq!(decode_base64("a*b"), None);
    }

    #[test]
    fn sniffs_formats() {
        assert_eq!(
            sniff(b"<svg xmlns=\"http://www.w3.org/2000/svg\"></svg>"),
            Some("image/svg+xml")
        );
        assert_eq!(sniff(b"<svg><script>x</script></svg>"), None);
        assert_eq!(sniff(b"GIF89a\x01\x00\x01\x00\x00\x00\x00\x00"), Some("image/gif"));
        assert_eq!(sniff(b"not an image"), None);
    }
}

//! HTML/XML escaping of text, attribute values and URLs. Shared by the HTML and EPUB writers.

/// Appends `text` with `&`, `<`, `>` and `"` escaped, safe in element content and in
/// double-quoted attributes, for HTML and XML alike.
pub fn push_escaped(out: &mut String, text: &str) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let replacement = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(replacement);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// `text` escaped as a new string (see [`push_escaped`]).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_escaped(&mut out, text);
    out
}

/// Appends a URL for an `href`/`src` attribute: characters outside the URL-safe ASCII set are
/// percent-encoded as UTF-8 (existing `%XX` escapes are kept), and `&` is written `&amp;`.
pub fn push_escaped_url(out: &mut String, url: &str) {
    let bytes = url.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'&' => out.push_str("&amp;"),
            b'%' if is_percent_escape(&bytes[i..]) => out.push('%'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' => out.push(b as char),
            b';' | b'/' | b'?' | b':' | b'@' | b'=' | b'+' | b'$' | b',' | b'-' | b'_' | b'.'
            | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' | b'#' => out.push(b as char),
            _ => {
                const HEX: &[u8; 16] = b"0123456789ABCDEF";
                out.push('%');
                out.push(HEX[(b >> 4) as usize] as char);
                out.push(HEX[(b & 15) as usize] as char);
            }
        }
    }
}

fn is_percent_escape(bytes: &[u8]) -> bool {
    bytes.len() >= 3 && bytes[1].is_ascii_hexdigit() && bytes[2].is_ascii_hexdigit()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_escapes() {
        assert_eq!(escape(r#"a<b>&"c'"#), "a&lt;b&gt;&amp;&quot;c'");
        assert_eq!(escape("plain ünïcode"), "plain ünïcode");
    }

    #[test]
    fn url_escapes() {
        let mut out = String::new();
        push_escaped_url(&mut out, "foo%20bä\\[\"x&y%zz");
        assert_eq!(out, "foo%20b%C3%A4%5C%5B%22x&amp;y%25zz");
    }
}

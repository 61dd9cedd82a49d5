//! HTML/XML escaping of text, attribute values and URLs. Shared by the HTML and EPUB writers.

/// Appends `text` with `&`, `<`, `>` and `"` escaped, safe in element content and in
/// double-quoted attributes, for HTML and XML alike.
pub fn push_escaped(out: &mut String, text: &str) {
    let bytes = text.as_bytes();
    let mut last = 0;
    let mut i = 0;
    while i < bytes.len() {
        // Most text has nothing to escape: skip it eight bytes at a time.
        let chunk_end = (i + 8).min(bytes.len());
        if let Ok(chunk) = <[u8; 8]>::try_from(&bytes[i..chunk_end]) {
            if !has_markup_byte(u64::from_le_bytes(chunk)) {
                i = chunk_end;
                continue;
            }
        }
        for j in i..chunk_end {
            let replacement = match bytes[j] {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&quot;",
                _ => continue,
            };
            out.push_str(&text[last..j]);
            out.push_str(replacement);
            last = j + 1;
        }
        i = chunk_end;
    }
    out.push_str(&text[last..]);
}

/// Whether any of the eight bytes of `word` is `&`, `<`, `>` or `"`.
///
/// `<` (0x3C) and `>` (0x3E) differ only in bit 1, `"` (0x22) and `&` (0x26) only in bit 2, so
/// setting that bit maps each pair onto one value (and no other byte onto it); a byte equal to
/// `v` is then found with the classic "has a zero byte" test on `word ^ v`.
fn has_markup_byte(word: u64) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGHS: u64 = 0x8080_8080_8080_8080;
    let has_zero = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS != 0;
    has_zero((word | (ONES * 0x02)) ^ (ONES * 0x3E))
        || has_zero((word | (ONES * 0x04)) ^ (ONES * 0x26))
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
    fn escapes_every_markup_byte_at_every_position() {
        // Each special byte at each offset of a chunk, and their neighbours in the byte table
        // (which share all but one bit with them) left alone.
        for special in ['&', '<', '>', '"', '=', '?', '$', '\'', ';', '.', '\u{a6}'] {
            for position in 0..20 {
                let mut text: String = "abcdefghijklmnopqrst".into();
                text.replace_range(position..position + 1, &special.to_string());
                let expected: String = text
                    .chars()
                    .map(|c| match c {
                        '&' => "&amp;".to_string(),
                        '<' => "&lt;".to_string(),
                        '>' => "&gt;".to_string(),
                        '"' => "&quot;".to_string(),
                        c => c.to_string(),
                    })
                    .collect();
                assert_eq!(escape(&text), expected, "{special:?} at {position}");
            }
        }
        assert_eq!(escape("<<>>&&\"\"x"), "&lt;&lt;&gt;&gt;&amp;&amp;&quot;&quot;x");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn markup_byte_test_is_exact() {
        let special = |b: u8| matches!(b, b'&' | b'<' | b'>' | b'"');
        for position in 0..8 {
            for b in 0..=255u8 {
                let mut word = [b'a'; 8];
                word[position] = b;
                assert_eq!(
                    has_markup_byte(u64::from_le_bytes(word)),
                    special(b),
                    "{b} at {position}"
                );
            }
        }
        // Neighbouring bytes (a borrow in the subtraction could in principle spill over).
        for (first, second) in [(0, 1), (3, 4), (6, 7)] {
            for a in 0..=255u8 {
                for b in 0..=255u8 {
                    let mut word = [0x20; 8];
                    word[first] = a;
                    word[second] = b;
                    let expected = special(a) || special(b);
                    assert_eq!(has_markup_byte(u64::from_le_bytes(word)), expected, "{a} {b}");
                }
            }
        }
    }

    #[test]
    fn url_escapes() {
        let mut out = String::new();
        push_escaped_url(&mut out, "foo%20bä\\[\"x&y%zz");
        assert_eq!(out, "foo%20b%C3%A4%5C%5B%22x&amp;y%25zz");
    }
}

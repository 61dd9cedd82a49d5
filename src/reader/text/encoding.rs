//! Bytes → text for the plain-text reader: BOM sniffing, UTF-8 validation, UTF-16 without a BOM,
//! legacy 8-bit detection (chardetng), `--encoding` overrides, and the clean-up of characters no
//! output format can carry (stray control characters). The only module importing `encoding_rs`
//! and `chardetng`. It does not touch line structure beyond that.

use crate::error::{Error, Result, Warning, WarningKind};
use chardetng::{EncodingDetector, Iso2022JpDetection, Utf8Detection};
use encoding_rs::{DecoderResult, Encoding, UTF_16BE, UTF_16LE, UTF_8, WINDOWS_1252};

/// The decoded text and how it was obtained.
#[derive(Debug, Clone)]
pub struct Decoded {
    /// The text, with control characters other than tab, line feed, carriage return and form
    /// feed removed.
    pub text: String,
    /// The encoding's canonical name (`UTF-8`, `windows-1252` …).
    pub encoding: String,
    /// Why this encoding was used, for `--explain`.
    pub reason: String,
    /// Bad bytes and dropped characters.
    pub warnings: Vec<Warning>,
}

/// Decodes `input`, honouring a forced encoding label (`--encoding`).
pub fn decode(input: &[u8], forced: Option<&str>) -> Result<Decoded> {
    let mut decoded = match forced {
        Some(label) => decode_forced(input, label)?,
        None => decode_detected(input),
    };
    drop_control_characters(&mut decoded);
    Ok(decoded)
}

fn decode_forced(input: &[u8], label: &str) -> Result<Decoded> {
    let encoding = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
        Error::Option(format!(
            "unknown encoding {label:?}; use a WHATWG label such as utf-8, utf-16le, utf-16be, windows-1252, latin1, iso-8859-15, koi8-r, shift_jis, gbk"
        ))
    })?;
    // A BOM of the forced encoding is a signature, not text.
    let body = strip_own_bom(input, encoding);
    let (text, warnings) = decode_with(encoding, body, input.len() - body.len());
    Ok(Decoded {
        text,
        encoding: encoding.name().to_string(),
        reason: "forced with --encoding".to_string(),
        warnings,
    })
}

fn strip_own_bom<'a>(input: &'a [u8], encoding: &'static Encoding) -> &'a [u8] {
    match Encoding::for_bom(input) {
        Some((bom_encoding, length)) if bom_encoding == encoding => &input[length..],
        _ => input,
    }
}

fn decode_detected(input: &[u8]) -> Decoded {
    if let Some((encoding, bom_length)) = Encoding::for_bom(input) {
        let (text, warnings) = decode_with(encoding, &input[bom_length..], bom_length);
        return Decoded {
            text,
            encoding: encoding.name().to_string(),
            reason: "byte order mark".to_string(),
            warnings,
        };
    }
    // Checked before UTF-8: ASCII text in UTF-16 is also valid UTF-8 (full of NULs).
    if let Some(encoding) = utf16_without_bom(input) {
        let (text, warnings) = decode_with(encoding, input, 0);
        return Decoded {
            text,
            encoding: encoding.name().to_string(),
            reason: "no byte order mark, but every other byte is zero".to_string(),
            warnings,
        };
    }
    if let Ok(text) = std::str::from_utf8(input) {
        return Decoded {
            text: text.to_string(),
            encoding: "UTF-8".to_string(),
            reason: "valid UTF-8".to_string(),
            warnings: Vec::new(),
        };
    }
    if has_utf8_multibyte_sequence(input) {
        return decode_mixed(input);
    }
    let mut detector = EncodingDetector::new(Iso2022JpDetection::Deny);
    detector.feed(input, true);
    let encoding = detector.guess(None, Utf8Detection::Deny);
    let (text, mut warnings) = decode_with(encoding, input, 0);
    warnings.insert(
        0,
        Warning::new(
            WarningKind::Encoding,
            format!(
                "the input is not UTF-8; decoded it as {} (detected); if the text looks wrong, name the encoding with --encoding",
                encoding.name()
            ),
        ),
    );
    Decoded {
        text,
        encoding: encoding.name().to_string(),
        reason: "not UTF-8; legacy encoding detected from byte statistics".to_string(),
        warnings,
    }
}

/// UTF-16 without a BOM: at least 8 code units, and in at least 90% of them one of the two bytes
/// is zero on the same side (ASCII-range text) while the other side almost never is.
fn utf16_without_bom(input: &[u8]) -> Option<&'static Encoding> {
    if input.len() < 16 || !input.len().is_multiple_of(2) {
        return None;
    }
    let units = input.len() / 2;
    let (mut zero_even, mut zero_odd) = (0usize, 0usize);
    for pair in input.chunks_exact(2) {
        zero_even += usize::from(pair[0] == 0);
        zero_odd += usize::from(pair[1] == 0);
    }
    if zero_odd * 10 >= units * 9 && zero_even * 10 < units {
        Some(UTF_16LE)
    } else if zero_even * 10 >= units * 9 && zero_odd * 10 < units {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// True when the input holds at least one well-formed multi-byte UTF-8 sequence, the sign of a
/// UTF-8 file with a few foreign bytes pasted in (rather than a legacy 8-bit file).
fn has_utf8_multibyte_sequence(input: &[u8]) -> bool {
    let mut rest = input;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => return !valid.is_ascii(),
            Err(error) => {
                let valid_up_to = error.valid_up_to();
                if !rest[..valid_up_to].is_ascii() {
                    return true;
                }
                let skip = error.error_len().unwrap_or(rest.len() - valid_up_to);
                rest = &rest[valid_up_to + skip..];
            }
        }
    }
}

/// UTF-8 with foreign bytes: valid sequences decode as UTF-8, each invalid byte as
/// windows-1252 (the usual culprit), with one warning naming the first offset.
fn decode_mixed(input: &[u8]) -> Decoded {
    let mut text = String::with_capacity(input.len() + 16);
    let mut rest = input;
    let mut offset = 0;
    let mut first_bad = None;
    let mut bad_count = 0usize;
    loop {
        match std::str::from_utf8(rest) {
            Ok(valid) => {
                text.push_str(valid);
                break;
            }
            Err(error) => {
                let valid_up_to = error.valid_up_to();
                // The prefix is valid UTF-8 by the error's own report.
                text.push_str(&String::from_utf8_lossy(&rest[..valid_up_to]));
                let bad_length = error.error_len().unwrap_or(rest.len() - valid_up_to);
                let bad = &rest[valid_up_to..valid_up_to + bad_length];
                first_bad.get_or_insert(offset + valid_up_to);
                bad_count += bad.len();
                let (as_legacy, _, _) = WINDOWS_1252.decode(bad);
                text.push_str(&as_legacy);
                offset += valid_up_to + bad_length;
                rest = &rest[valid_up_to + bad_length..];
            }
        }
    }
    let mut warnings = Vec::new();
    if let Some(first) = first_bad {
        let line = input[..first].iter().filter(|&&b| b == b'\n').count() + 1;
        warnings.push(Warning::at_line(
            WarningKind::Encoding,
            line,
            format!(
                "byte {first}: invalid UTF-8 ({bad_count} bad byte{} in all); read them as windows-1252 (mixed encodings); convert the file to UTF-8 or name its encoding with --encoding",
                if bad_count == 1 { "" } else { "s" }
            ),
        ));
    }
    Decoded {
        text,
        encoding: "UTF-8".to_string(),
        reason: "mostly UTF-8; invalid bytes read as windows-1252".to_string(),
        warnings,
    }
}

/// Decodes `input` with `encoding`; malformed sequences become U+FFFD and the first one is
/// reported by byte offset (`base` is the offset of `input` in the original bytes).
fn decode_with(encoding: &'static Encoding, input: &[u8], base: usize) -> (String, Vec<Warning>) {
    if encoding == UTF_8 {
        if let Ok(text) = std::str::from_utf8(input) {
            return (text.to_string(), Vec::new());
        }
    }
    let mut decoder = encoding.new_decoder_without_bom_handling();
    let capacity =
        decoder.max_utf8_buffer_length_without_replacement(input.len()).unwrap_or(input.len());
    let mut text = String::with_capacity(capacity.saturating_add(16));
    let mut read_total = 0;
    let mut first_bad = None;
    let mut bad_count = 0usize;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&input[read_total..], &mut text, true);
        read_total += read;
        match result {
            DecoderResult::InputEmpty => break,
            DecoderResult::OutputFull => text.reserve(input.len() - read_total + 64),
            DecoderResult::Malformed(bad, after) => {
                let start = read_total.saturating_sub(usize::from(bad) + usize::from(after));
                first_bad.get_or_insert(start);
                bad_count += 1;
                text.push('\u{FFFD}');
            }
        }
    }
    let mut warnings = Vec::new();
    if let Some(first) = first_bad {
        let offset = base + first;
        let line = input[..first].iter().filter(|&&b| b == b'\n').count() + 1;
        warnings.push(Warning::at_line(
            WarningKind::Encoding,
            line,
            format!(
                "byte {offset}: invalid {} ({bad_count} bad sequence{} in all, replaced by U+FFFD); check the file or name its encoding with --encoding",
                encoding.name(),
                if bad_count == 1 { "" } else { "s" }
            ),
        ));
    }
    (text, warnings)
}

/// Removes C0 and C1 control characters other than tab, line feed, carriage return and form
/// feed: they carry no text, and XML-based outputs cannot contain them.
fn drop_control_characters(decoded: &mut Decoded) {
    let is_dropped =
        |c: char| (c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\x0C')) || c == '\u{FEFF}';
    let Some(first) = decoded.text.find(is_dropped) else { return };
    let count = decoded.text.chars().filter(|&c| is_dropped(c)).count();
    let line = decoded.text[..first].matches('\n').count() + 1;
    decoded.text.retain(|c| !is_dropped(c));
    decoded.warnings.push(Warning::at_line(
        WarningKind::Encoding,
        line,
        format!(
            "removed {count} control character{} (NUL, escape …) that no output format can show",
            if count == 1 { "" } else { "s" }
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_with_and_without_bom() {
        assert_eq!(decode(b"caf\xC3\xA9", None).unwrap().text, "café");
        let with_bom = decode(b"\xEF\xBB\xBFcaf\xC3\xA9", None).unwrap();
        assert_eq!(with_bom.text, "café");
        assert!(with_bom.warnings.is_empty());
    }

    #[test]
    fn utf16_with_bom_both_orders() {
        assert_eq!(decode(b"\xFF\xFEh\0i\0", None).unwrap().text, "hi");
        assert_eq!(decode(b"\xFE\xFF\0h\0i", None).unwrap().text, "hi");
    }

    #[test]
    fn utf16_without_bom_is_recognised() {
        let bytes: Vec<u8> = "hello, world!\n".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let decoded = decode(&bytes, None).unwrap();
        assert_eq!(decoded.text, "hello, world!\n");
        assert_eq!(decoded.encoding, "UTF-16LE");
    }

    #[test]
    fn legacy_latin_text_is_detected() {
        let decoded =
            decode(b"Le gar\xE7on a mang\xE9 la cr\xE8me br\xFBl\xE9e \xE0 la fen\xEAtre.", None)
                .unwrap();
        assert_eq!(decoded.text, "Le garçon a mangé la crème brûlée à la fenêtre.");
        assert_eq!(decoded.warnings.len(), 1);
    }

    #[test]
    fn mixed_encodings_keep_utf8_and_read_stray_bytes_as_windows_1252() {
        let decoded = decode(b"na\xC3\xAFve caf\xE9", None).unwrap();
        assert_eq!(decoded.text, "naïve café");
        assert!(decoded.warnings[0].message.starts_with("byte 10:"), "{:?}", decoded.warnings);
    }

    #[test]
    fn forced_encoding_and_bad_label() {
        assert_eq!(decode(b"\xA4", Some("iso-8859-15")).unwrap().text, "€");
        assert!(decode(b"x", Some("no-such-encoding")).is_err());
    }

    #[test]
    fn malformed_bytes_in_forced_utf8_name_their_offset() {
        let decoded = decode(b"ok\n\xFFbad", Some("utf-8")).unwrap();
        assert_eq!(decoded.text, "ok\n\u{FFFD}bad");
        assert_eq!(decoded.warnings[0].line, Some(2));
        assert!(decoded.warnings[0].message.starts_with("byte 3:"));
    }

    #[test]
    fn control_characters_are_dropped_with_a_warning() {
        let decoded = decode(b"a\0b\x1Bc\x0Cd", None).unwrap();
        assert_eq!(decoded.text, "abc\x0Cd");
        assert_eq!(decoded.warnings.len(), 1);
    }
}

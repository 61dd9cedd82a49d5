//! How list numbers are written in each [`NumberStyle`]: `3`, `c`, `iii` … — shared by the
//! plain-text reader (recognising markers) and the PDF layout (drawing them).

use super::NumberStyle;

impl NumberStyle {
    /// The number `n` written in this style (`LowerRoman`, 4 → `iv`).
    pub fn format(self, n: u64) -> String {
        match self {
            NumberStyle::Decimal => n.to_string(),
            NumberStyle::LowerAlpha => alpha(n),
            NumberStyle::UpperAlpha => alpha(n).to_uppercase(),
            NumberStyle::LowerRoman => roman(n),
            NumberStyle::UpperRoman => roman(n).to_uppercase(),
        }
    }
}

/// Bijective base 26: 1 → `a`, 26 → `z`, 27 → `aa` (0 stays `0`).
pub fn alpha(mut n: u64) -> String {
    if n == 0 {
        return "0".into();
    }
    let mut out = Vec::new();
    while n > 0 {
        n -= 1;
        out.push(b'a' + (n % 26) as u8);
        n /= 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// Lower-case Roman numerals for 1 to 3999; other numbers are written in decimal.
pub fn roman(n: u64) -> String {
    if n == 0 || n >= 4000 {
        return n.to_string();
    }
    const TABLE: &[(u64, &str)] = &[
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut rest = n;
    let mut out = String::new();
    for &(value, letters) in TABLE {
        while rest >= value {
            out.push_str(letters);
            rest -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn styles() {
        assert_eq!(NumberStyle::LowerRoman.format(1994), "mcmxciv");
        assert_eq!(NumberStyle::UpperRoman.format(4), "IV");
        assert_eq!(NumberStyle::LowerAlpha.format(28), "ab");
        assert_eq!(NumberStyle::UpperAlpha.format(26), "Z");
        assert_eq!(NumberStyle::Decimal.format(7), "7");
        assert_eq!(roman(4000), "4000");
    }
}

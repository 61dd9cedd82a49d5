//! The colour themes as data: one background and one style per token kind for each theme name.
//!
//! The colours were sampled once from syntect's bundled themes (InspiredGitHub, Solarized,
//! base16 ocean/eighties/mocha), so themes need neither syntect nor any loading at run time.

use super::{Rgb, Theme, TokenKind, TokenStyle};

const fn rgb(r: u8, g: u8, b: u8) -> Rgb {
    Rgb { r, g, b }
}

/// One theme from its background and its (colour, bold, italic) per kind, in [`TokenKind::ALL`] order.
const fn theme(
    name: &'static str,
    background: Rgb,
    dark: bool,
    looks: [(Rgb, bool, bool); TokenKind::ALL.len()],
) -> Theme {
    let mut styles =
        [TokenStyle { kind: TokenKind::Plain, color: background, bold: false, italic: false };
            TokenKind::ALL.len()];
    let mut i = 0;
    while i < styles.len() {
        let (color, bold, italic) = looks[i];
        styles[i] = TokenStyle { kind: TokenKind::ALL[i], color, bold, italic };
        i += 1;
    }
    Theme { name, background, dark, styles }
}

/// Every theme, `default` first; [`super::theme_names`] lists them in this order.
pub(super) static THEMES: [Theme; 8] = [
    theme(
        "default",
        rgb(0xff, 0xff, 0xff),
        false,
        [
            (rgb(0x32, 0x32, 0x32), false, false), // Plain
            (rgb(0xa7, 0x1d, 0x5d), true, false),  // Keyword
            (rgb(0xa7, 0x1d, 0x5d), true, false),  // Type
            (rgb(0x18, 0x36, 0x91), false, false), // String
            (rgb(0x00, 0x86, 0xb3), false, false), // Escape
            (rgb(0x00, 0x86, 0xb3), false, false), // Number
            (rgb(0x00, 0x86, 0xb3), false, false), // Constant
            (rgb(0x96, 0x98, 0x96), false, true),  // Comment
            (rgb(0x79, 0x5d, 0xa3), true, false),  // Function
            (rgb(0xa7, 0x1d, 0x5d), true, false),  // Operator
            (rgb(0x63, 0xa3, 0x5c), false, false), // Tag
            (rgb(0x79, 0x5d, 0xa3), false, false), // Attribute
            (rgb(0xa7, 0x1d, 0x5d), true, false),  // Preprocessor
        ],
    ),
    theme(
        "github",
        rgb(0xff, 0xff, 0xff),
        false,
        [
            (rgb(0x32, 0x32, 0x32), false, false), // Plain
            (rgb(0xa7, 0x1d, 0x5d), true, false),  // Keyword
            (rgb(0xa7, 0x1d, 0x5d), true, false),  // Type
            (rgb(0x18, 0x36, 0x91), false, false), // String
            (rgb(0x00, 0x86, 0xb3), false, false), // Escape
            (rgb(0x00, 0x86, 0xb3), false, false), // Number
            (rgb(0x00, 0x86, 0xb3), false, false), // Constant
            (rgb(0x96, 0x98, 0x96), false, true),  // Comment
            (rgb(0x79, 0x5d, 0xa3), true, false),  // Function
            (rgb(0xa7, 0x1d, 0x5d), true, false),  // Operator
            (rgb(0x63, 0xa3, 0x5c), false, false), // Tag
            (rgb(0x79, 0x5d, 0xa3), false, false), // Attribute
            (rgb(0xa7, 0x1d, 0x5d), true, false),  // Preprocessor
        ],
    ),
    theme(
        "solarized-light",
        rgb(0xfd, 0xf6, 0xe3),
        false,
        [
            (rgb(0x65, 0x7b, 0x83), false, false), // Plain
            (rgb(0x85, 0x99, 0x00), false, false), // Keyword
            (rgb(0xb5, 0x89, 0x00), false, false), // Type
            (rgb(0x2a, 0xa1, 0x98), false, false), // String
            (rgb(0xdc, 0x32, 0x2f), false, false), // Escape
            (rgb(0x6c, 0x71, 0xc4), false, false), // Number
            (rgb(0xb5, 0x89, 0x00), false, false), // Constant
            (rgb(0x93, 0xa1, 0xa1), false, false), // Comment
            (rgb(0xb5, 0x89, 0x00), false, false), // Function
            (rgb(0x85, 0x99, 0x00), false, false), // Operator
            (rgb(0x26, 0x8b, 0xd2), false, false), // Tag
            (rgb(0xb5, 0x89, 0x00), false, false), // Attribute
            (rgb(0xb5, 0x89, 0x00), false, false), // Preprocessor
        ],
    ),
    theme(
        "solarized-dark",
        rgb(0x00, 0x2b, 0x36),
        true,
        [
            (rgb(0x83, 0x94, 0x96), false, false), // Plain
            (rgb(0x85, 0x99, 0x00), false, false), // Keyword
            (rgb(0xb5, 0x89, 0x00), false, false), // Type
            (rgb(0x2a, 0xa1, 0x98), false, false), // String
            (rgb(0xdc, 0x32, 0x2f), false, false), // Escape
            (rgb(0x6c, 0x71, 0xc4), false, false), // Number
            (rgb(0xb5, 0x89, 0x00), false, false), // Constant
            (rgb(0x58, 0x6e, 0x75), false, false), // Comment
            (rgb(0xb5, 0x89, 0x00), false, false), // Function
            (rgb(0x85, 0x99, 0x00), false, false), // Operator
            (rgb(0x26, 0x8b, 0xd2), false, false), // Tag
            (rgb(0xb5, 0x89, 0x00), false, false), // Attribute
            (rgb(0xb5, 0x89, 0x00), false, false), // Preprocessor
        ],
    ),
    theme(
        "ocean-light",
        rgb(0xef, 0xf1, 0xf5),
        false,
        [
            (rgb(0x4f, 0x5b, 0x66), false, false), // Plain
            (rgb(0xb4, 0x8e, 0xad), false, false), // Keyword
            (rgb(0xb4, 0x8e, 0xad), false, false), // Type
            (rgb(0xa3, 0xbe, 0x8c), false, false), // String
            (rgb(0x96, 0xb5, 0xb4), false, false), // Escape
            (rgb(0xd0, 0x87, 0x70), false, false), // Number
            (rgb(0xd0, 0x87, 0x70), false, false), // Constant
            (rgb(0xa7, 0xad, 0xba), false, false), // Comment
            (rgb(0x8f, 0xa1, 0xb3), false, false), // Function
            (rgb(0x4f, 0x5b, 0x66), false, false), // Operator
            (rgb(0xbf, 0x61, 0x6a), false, false), // Tag
            (rgb(0xd0, 0x87, 0x70), false, false), // Attribute
            (rgb(0xb4, 0x8e, 0xad), false, false), // Preprocessor
        ],
    ),
    theme(
        "ocean-dark",
        rgb(0x2b, 0x30, 0x3b),
        true,
        [
            (rgb(0xc0, 0xc5, 0xce), false, false), // Plain
            (rgb(0xb4, 0x8e, 0xad), false, false), // Keyword
            (rgb(0xb4, 0x8e, 0xad), false, false), // Type
            (rgb(0xa3, 0xbe, 0x8c), false, false), // String
            (rgb(0x96, 0xb5, 0xb4), false, false), // Escape
            (rgb(0xd0, 0x87, 0x70), false, false), // Number
            (rgb(0xd0, 0x87, 0x70), false, false), // Constant
            (rgb(0x65, 0x73, 0x7e), false, false), // Comment
            (rgb(0x8f, 0xa1, 0xb3), false, false), // Function
            (rgb(0xc0, 0xc5, 0xce), false, false), // Operator
            (rgb(0xbf, 0x61, 0x6a), false, false), // Tag
            (rgb(0xd0, 0x87, 0x70), false, false), // Attribute
            (rgb(0xb4, 0x8e, 0xad), false, false), // Preprocessor
        ],
    ),
    theme(
        "eighties-dark",
        rgb(0x2d, 0x2d, 0x2d),
        true,
        [
            (rgb(0xd3, 0xd0, 0xc8), false, false), // Plain
            (rgb(0xcc, 0x99, 0xcc), false, false), // Keyword
            (rgb(0xcc, 0x99, 0xcc), false, false), // Type
            (rgb(0x99, 0xcc, 0x99), false, false), // String
            (rgb(0x66, 0xcc, 0xcc), false, false), // Escape
            (rgb(0xf9, 0x91, 0x57), false, false), // Number
            (rgb(0xf9, 0x91, 0x57), false, false), // Constant
            (rgb(0x74, 0x73, 0x69), false, false), // Comment
            (rgb(0x66, 0x99, 0xcc), false, false), // Function
            (rgb(0xd3, 0xd0, 0xc8), false, false), // Operator
            (rgb(0xf2, 0x77, 0x7a), false, false), // Tag
            (rgb(0xf9, 0x91, 0x57), false, false), // Attribute
            (rgb(0xcc, 0x99, 0xcc), false, false), // Preprocessor
        ],
    ),
    theme(
        "mocha-dark",
        rgb(0x3b, 0x32, 0x28),
        true,
        [
            (rgb(0xd0, 0xc8, 0xc6), false, false), // Plain
            (rgb(0xa8, 0x9b, 0xb9), false, false), // Keyword
            (rgb(0xa8, 0x9b, 0xb9), false, false), // Type
            (rgb(0xbe, 0xb5, 0x5b), false, false), // String
            (rgb(0x7b, 0xbd, 0xa4), false, false), // Escape
            (rgb(0xd2, 0x8b, 0x71), false, false), // Number
            (rgb(0xd2, 0x8b, 0x71), false, false), // Constant
            (rgb(0x7e, 0x70, 0x5a), false, false), // Comment
            (rgb(0x8a, 0xb3, 0xb5), false, false), // Function
            (rgb(0xd0, 0xc8, 0xc6), false, false), // Operator
            (rgb(0xcb, 0x60, 0x77), false, false), // Tag
            (rgb(0xd2, 0x8b, 0x71), false, false), // Attribute
            (rgb(0xa8, 0x9b, 0xb9), false, false), // Preprocessor
        ],
    ),
];

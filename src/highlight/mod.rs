//! Syntax highlighting of code blocks: splits code into lines of [`Span`]s, each tagged with a
//! small, format-independent [`TokenKind`] (keyword, string, comment …).
//!
//! Common languages (shell, Rust, Python, JavaScript/TypeScript, JSON, YAML, TOML, C/C++, C#,
//! Go, Java, Kotlin, Swift, Ruby, PHP, Lua, SQL, HTML/XML, CSS, diff, Dockerfile, Makefile, INI
//! and a few more; see [`languages`]) are scanned by built-in, table-driven lexers
//! ([`lexer`]): one pass over the bytes, no regular expressions, linear time on any input, no
//! start-up cost. They are always compiled in. Only languages they do not know fall back to
//! syntect's grammars ([`fallback`]), behind the default cargo feature `highlight`; without the
//! feature those languages stay plain.
//!
//! A [`Theme`] gives every kind one colour, so the HTML writer (CSS classes plus
//! [`Theme::css`]) and the PDF layout (the colour in each span's [`TokenStyle`]) show the same
//! colours. The themes are static tables ([`themes`]).

use crate::error::{Error, Result};

#[cfg(feature = "highlight")]
mod fallback;
pub mod languages;
pub mod lexer;
mod themes;

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgb {
    /// Red, 0–255.
    pub r: u8,
    /// Green, 0–255.
    pub g: u8,
    /// Blue, 0–255.
    pub b: u8,
}

impl Rgb {
    /// The colour as CSS hex (`#1f2328`).
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.r, self.g, self.b)
    }
}

/// What a token is, independent of language and theme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// Anything not classified: identifiers, whitespace, punctuation.
    Plain,
    /// `fn`, `if`, `return`, `pub`, `def`.
    Keyword,
    /// Type names: `String`, `int`, `MyStruct`.
    Type,
    /// String and character literals.
    String,
    /// Escapes inside strings: `\n`.
    Escape,
    /// Numeric literals.
    Number,
    /// Language constants: `true`, `None`, `nullptr`, `self`.
    Constant,
    /// Comments.
    Comment,
    /// Function and macro names at definitions and calls.
    Function,
    /// Operators: `+`, `&&`, `=>`.
    Operator,
    /// Markup tags: `<div>`.
    Tag,
    /// Markup attributes and annotations: `class=`, `#[derive]`.
    Attribute,
    /// Preprocessor lines and directives: `#include`, `import`.
    Preprocessor,
}

impl TokenKind {
    /// Every kind, in a fixed order (stylesheet order).
    pub const ALL: [TokenKind; 13] = [
        TokenKind::Plain,
        TokenKind::Keyword,
        TokenKind::Type,
        TokenKind::String,
        TokenKind::Escape,
        TokenKind::Number,
        TokenKind::Constant,
        TokenKind::Comment,
        TokenKind::Function,
        TokenKind::Operator,
        TokenKind::Tag,
        TokenKind::Attribute,
        TokenKind::Preprocessor,
    ];

    /// The CSS class of the kind (pandoc's short names, so pandoc stylesheets partly apply);
    /// empty for [`TokenKind::Plain`], which gets no `<span>`.
    pub fn class(self) -> &'static str {
        match self {
            TokenKind::Plain => "",
            TokenKind::Keyword => "kw",
            TokenKind::Type => "dt",
            TokenKind::String => "st",
            TokenKind::Escape => "sc",
            TokenKind::Number => "dv",
            TokenKind::Constant => "cn",
            TokenKind::Comment => "co",
            TokenKind::Function => "fu",
            TokenKind::Operator => "op",
            TokenKind::Tag => "tg",
            TokenKind::Attribute => "at",
            TokenKind::Preprocessor => "pp",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How one token looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenStyle {
    /// What the token is (its CSS class).
    pub kind: TokenKind,
    /// Text colour.
    pub color: Rgb,
    /// Bold face.
    pub bold: bool,
    /// Italic face.
    pub italic: bool,
}

/// A run of code text with one style. Never contains a newline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span {
    /// The text, verbatim.
    pub text: String,
    /// Its style.
    pub style: TokenStyle,
}

/// A colour theme: a background, and one style per [`TokenKind`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// The name it is selected by (`--highlight-style NAME`).
    pub name: &'static str,
    /// Background of code blocks.
    pub background: Rgb,
    /// True for light-on-dark themes.
    pub dark: bool,
    styles: [TokenStyle; TokenKind::ALL.len()],
}

impl Theme {
    /// The style of a token kind.
    pub fn style(&self, kind: TokenKind) -> TokenStyle {
        self.styles[kind.index()]
    }

    /// Colour of plain code text.
    pub fn foreground(&self) -> Rgb {
        self.style(TokenKind::Plain).color
    }

    /// A stylesheet for highlighted blocks: `pre.highlight` gets the theme's colours, and each
    /// token class (`.kw`, `.st` …) inside it its colour and face.
    pub fn css(&self) -> String {
        let mut css = format!(
            "/* code highlighting: {} */\npre.highlight {{ background: {}; color: {}; }}\n",
            self.name,
            self.background.hex(),
            self.foreground().hex()
        );
        for kind in TokenKind::ALL.into_iter().filter(|k| *k != TokenKind::Plain) {
            let style = self.style(kind);
            css.push_str(&format!(".highlight .{} {{ color: {};", kind.class(), style.color.hex()));
            if style.bold {
                css.push_str(" font-weight: bold;");
            }
            if style.italic {
                css.push_str(" font-style: italic;");
            }
            css.push_str(" }\n");
        }
        css
    }
}

/// The names [`theme`] accepts, `default` first.
pub fn theme_names() -> Vec<&'static str> {
    themes::THEMES.iter().map(|theme| theme.name).collect()
}

/// The theme called `name` (case-insensitive), or an [`Error::Option`] listing the choices.
pub fn theme(name: &str) -> Result<&'static Theme> {
    let wanted = name.trim().to_ascii_lowercase();
    themes::THEMES.iter().find(|theme| theme.name == wanted).ok_or_else(|| {
        Error::Option(format!(
            "--highlight-style {name}: unknown highlighting theme; choose one of: {}",
            theme_names().join(", ")
        ))
    })
}

/// Code larger than this stays plain: highlighting it would dominate the conversion.
pub const MAX_CODE_BYTES: usize = 1 << 20;
/// A code block with a line longer than this stays plain (minified code, data dumps) when it
/// would go to the syntect fallback, because regex-based grammars can take quadratic time on
/// very long lines. The built-in lexers are linear and take any line length.
pub const MAX_LINE_BYTES: usize = 8 * 1024;

/// Highlights `code` written in `lang` (a fence info word such as `rust`, `py`, `c++`,
/// `{.python}`, `rust,ignore`). Returns one entry per line (a final newline does not start a new
/// line; a `\r` before a line break is dropped), or `None` when the language is unknown, or the
/// code is too large to highlight quickly; the caller then shows the code plain.
pub fn highlight(code: &str, lang: &str, theme: &Theme) -> Option<Vec<Vec<Span>>> {
    if code.len() > MAX_CODE_BYTES {
        return None;
    }
    let word = language_word(lang)?;
    if let Some(language) = languages::find(&word) {
        return Some(lexer::highlight(code, language, theme));
    }
    fallback_highlight(code, &word, theme)
}

/// True when [`highlight`] knows `lang`.
pub fn is_supported(lang: &str) -> bool {
    language_word(lang)
        .is_some_and(|word| languages::find(&word).is_some() || fallback_supports(&word))
}

/// Highlights with the syntect grammars even when a built-in lexer knows the language: only
/// for benchmarks and comparisons (same classifier, same spans as the fallback).
#[cfg(feature = "highlight")]
#[doc(hidden)]
pub fn highlight_with_syntect(code: &str, lang: &str, theme: &Theme) -> Option<Vec<Vec<Span>>> {
    fallback::highlight(code, &fallback_token(&language_word(lang)?), theme)
}

#[cfg(feature = "highlight")]
fn fallback_highlight(code: &str, word: &str, theme: &Theme) -> Option<Vec<Vec<Span>>> {
    if code.split('\n').any(|line| line.len() > MAX_LINE_BYTES) {
        return None;
    }
    fallback::highlight(code, &fallback_token(word), theme)
}

#[cfg(feature = "highlight")]
fn fallback_supports(word: &str) -> bool {
    fallback::supports(&fallback_token(word))
}

#[cfg(not(feature = "highlight"))]
fn fallback_highlight(_code: &str, _word: &str, _theme: &Theme) -> Option<Vec<Vec<Span>>> {
    None
}

#[cfg(not(feature = "highlight"))]
fn fallback_supports(_word: &str) -> bool {
    false
}

/// The language word of a fence info string, lower-cased, with pandoc's `{.lang}`, rustdoc's
/// `lang,attr` and `language-lang` forms reduced; `None` for the words that mean plain text.
fn language_word(info: &str) -> Option<String> {
    let word = info.split_whitespace().next()?;
    let word = word.trim_start_matches('{').trim_start_matches('.');
    let word = word.split([',', '}']).next()?.trim();
    let lower = word.to_ascii_lowercase();
    let lower = lower.strip_prefix("language-").unwrap_or(&lower);
    match lower {
        "" | "text" | "txt" | "plain" | "plaintext" | "none" | "output" => None,
        other => Some(other.to_string()),
    }
}

/// A language word mapped to the extension or token syntect's bundled grammar set knows.
#[cfg(feature = "highlight")]
fn fallback_token(word: &str) -> String {
    let mapped = match word {
        "objc" | "objective-c" | "objectivec" => "m",
        "pl" | "perl" => "pl",
        "md" | "markdown" => "md",
        "tex" | "latex" => "tex",
        "bat" | "batch" | "cmd" => "bat",
        "hs" | "haskell" => "hs",
        "ml" | "ocaml" => "ml",
        "clj" | "clojure" => "clj",
        "erl" | "erlang" => "erl",
        "scala" | "sbt" => "scala",
        other => other,
    };
    mapped.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_words() {
        assert_eq!(language_word("rust,ignore").as_deref(), Some("rust"));
        assert_eq!(language_word("{.python .numberLines}").as_deref(), Some("python"));
        assert_eq!(language_word("C++").as_deref(), Some("c++"));
        assert_eq!(language_word("language-Go").as_deref(), Some("go"));
        assert_eq!(language_word("text"), None);
        assert_eq!(language_word("  "), None);
    }

    #[test]
    fn unknown_theme_lists_choices() {
        let message = theme("nope").unwrap_err().to_string();
        assert!(message.contains("solarized-dark"), "{message}");
        assert_eq!(theme("Default").unwrap().name, "default");
    }
}

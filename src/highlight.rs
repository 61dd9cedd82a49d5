//! Syntax highlighting of code blocks: the only module that imports the highlighter (syntect).
//!
//! Code is split into lines of [`Span`]s, each tagged with a small, format-independent
//! [`TokenKind`] (keyword, string, comment …). A [`Theme`] gives every kind one colour, so the
//! HTML writer (CSS classes plus [`Theme::css`]) and the PDF layout (the colour in each span's
//! [`TokenStyle`]) show the same colours. Colours are sampled from syntect's bundled themes.
//!
//! Highlighting is behind the default cargo feature `highlight`. Without it the API stays the
//! same, theme names are still checked, and [`highlight`] always returns `None` (plain code).
//!
//! Syntax and theme sets are loaded once, on first use, and shared by all threads.

use std::sync::OnceLock;

use crate::error::{Error, Result};

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

/// Theme names accepted by [`theme`], with the syntect theme each is sampled from.
const THEMES: [(&str, &str); 8] = [
    ("default", "InspiredGitHub"),
    ("github", "InspiredGitHub"),
    ("solarized-light", "Solarized (light)"),
    ("solarized-dark", "Solarized (dark)"),
    ("ocean-light", "base16-ocean.light"),
    ("ocean-dark", "base16-ocean.dark"),
    ("eighties-dark", "base16-eighties.dark"),
    ("mocha-dark", "base16-mocha.dark"),
];

/// The names [`theme`] accepts, `default` first.
pub fn theme_names() -> Vec<&'static str> {
    THEMES.iter().map(|(name, _)| *name).collect()
}

/// The theme called `name` (case-insensitive), or an [`Error::Option`] listing the choices.
pub fn theme(name: &str) -> Result<&'static Theme> {
    static LOADED: OnceLock<Vec<Theme>> = OnceLock::new();
    let wanted = name.trim().to_ascii_lowercase();
    let index = THEMES.iter().position(|(n, _)| *n == wanted).ok_or_else(|| {
        Error::Option(format!(
            "--highlight-style {name}: unknown highlighting theme; choose one of: {}",
            theme_names().join(", ")
        ))
    })?;
    let themes = LOADED.get_or_init(|| {
        THEMES.iter().map(|(name, source)| engine::load_theme(name, source)).collect()
    });
    Ok(&themes[index])
}

/// Code larger than this stays plain: highlighting it would dominate the conversion.
pub const MAX_CODE_BYTES: usize = 1 << 20;
/// A code block with a line longer than this stays plain (minified code, data dumps), because
/// regex-based grammars can take quadratic time on very long lines.
pub const MAX_LINE_BYTES: usize = 8 * 1024;

/// Highlights `code` written in `lang` (a fence info word such as `rust`, `py`, `c++`,
/// `{.python}`, `rust,ignore`). Returns one entry per line (a final newline does not start a new
/// line), or `None` when the language is unknown, the feature is off, or the code is too large
/// to highlight quickly; the caller then shows the code plain.
pub fn highlight(code: &str, lang: &str, theme: &Theme) -> Option<Vec<Vec<Span>>> {
    if code.len() > MAX_CODE_BYTES || code.split('\n').any(|line| line.len() > MAX_LINE_BYTES) {
        return None;
    }
    let lang = language_token(lang)?;
    engine::highlight(code, &lang, theme)
}

/// True when [`highlight`] knows `lang`.
pub fn is_supported(lang: &str) -> bool {
    language_token(lang).is_some_and(|token| engine::supports(&token))
}

/// The language word of a fence info string, lower-cased, with pandoc's `{.lang}` and rustdoc's
/// `lang,attr` forms reduced, and common aliases mapped to what the grammar set knows.
fn language_token(info: &str) -> Option<String> {
    let word = info.split_whitespace().next()?;
    let word = word.trim_start_matches('{').trim_start_matches('.');
    let word = word.split([',', '}']).next()?.trim();
    let lower = word.to_ascii_lowercase();
    let lower = lower.strip_prefix("language-").unwrap_or(&lower);
    let mapped = match lower {
        "" | "text" | "txt" | "plain" | "plaintext" | "none" | "output" => return None,
        "rs" | "rust" => "rs",
        "py" | "py3" | "python" | "python3" | "gyp" => "py",
        "js" | "javascript" | "node" | "mjs" | "cjs" | "jsx" => "js",
        // No TypeScript grammar in the bundled set; its syntax is close enough to JavaScript's.
        "ts" | "typescript" | "tsx" | "mts" => "js",
        "sh" | "bash" | "shell" | "zsh" | "ksh" | "console" | "shell-session" | "sh-session" => {
            "sh"
        }
        "yml" | "yaml" => "yaml",
        "c++" | "cpp" | "cxx" | "cc" | "hpp" | "hxx" => "cpp",
        "c" | "h" => "c",
        "cs" | "c#" | "csharp" => "cs",
        "objc" | "objective-c" | "objectivec" => "m",
        "golang" | "go" => "go",
        "rb" | "ruby" => "rb",
        "pl" | "perl" => "pl",
        "html" | "htm" | "xhtml" => "html",
        "xml" | "svg" | "xsd" | "xsl" | "rss" | "atom" | "plist" => "xml",
        "md" | "markdown" => "md",
        "tex" | "latex" => "tex",
        "diff" | "patch" => "diff",
        "make" | "makefile" | "mk" => "makefile",
        "bat" | "batch" | "cmd" => "bat",
        "hs" | "haskell" => "hs",
        "ml" | "ocaml" => "ml",
        "clj" | "clojure" => "clj",
        "erl" | "erlang" => "erl",
        "scala" | "sbt" => "scala",
        "json" | "jsonc" | "json5" | "geojson" => "json",
        other => other,
    };
    Some(mapped.to_string())
}

#[cfg(feature = "highlight")]
mod engine {
    //! The syntect side: grammar lookup, parsing lines into scopes, scopes into token kinds.

    use std::collections::HashMap;
    use std::sync::OnceLock;

    use syntect::highlighting::{FontStyle, Highlighter, ThemeSet};
    use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

    use super::{Rgb, Span, Theme, TokenKind, TokenStyle};

    fn syntaxes() -> &'static SyntaxSet {
        static SET: OnceLock<SyntaxSet> = OnceLock::new();
        SET.get_or_init(SyntaxSet::load_defaults_newlines)
    }

    fn find(token: &str) -> Option<&'static SyntaxReference> {
        let set = syntaxes();
        set.find_syntax_by_extension(token)
            .or_else(|| set.find_syntax_by_token(token))
            .filter(|syntax| syntax.name != "Plain Text")
    }

    pub(super) fn supports(token: &str) -> bool {
        find(token).is_some()
    }

    /// Scope prefixes and the kind they mean. String and comment scopes win wherever they are
    /// on the stack (a quote mark is punctuation inside a string); for the rest the innermost
    /// classified scope decides.
    struct Classifier {
        comment: Scope,
        string: Scope,
        escape: Scope,
        rules: Vec<(Scope, TokenKind)>,
        cache: HashMap<Scope, Option<TokenKind>>,
    }

    impl Classifier {
        fn new() -> Self {
            const RULES: &[(&str, TokenKind)] = &[
                ("keyword.operator.word", TokenKind::Keyword),
                ("keyword.operator", TokenKind::Operator),
                ("keyword.control.import", TokenKind::Preprocessor),
                ("keyword.control.directive", TokenKind::Preprocessor),
                ("keyword", TokenKind::Keyword),
                ("storage.type.function", TokenKind::Keyword),
                ("storage.type.class", TokenKind::Keyword),
                ("storage.type.struct", TokenKind::Keyword),
                ("storage.type.enum", TokenKind::Keyword),
                ("storage.type.trait", TokenKind::Keyword),
                ("storage.type.impl", TokenKind::Keyword),
                ("storage.type.module", TokenKind::Keyword),
                ("storage.type", TokenKind::Type),
                ("storage", TokenKind::Keyword),
                ("constant.numeric", TokenKind::Number),
                ("constant.character.escape", TokenKind::Escape),
                ("constant", TokenKind::Constant),
                ("variable.language", TokenKind::Constant),
                ("support.constant", TokenKind::Constant),
                ("entity.name.function", TokenKind::Function),
                ("support.function", TokenKind::Function),
                ("variable.function", TokenKind::Function),
                ("support.macro", TokenKind::Function),
                ("entity.name.macro", TokenKind::Function),
                ("entity.name.tag", TokenKind::Tag),
                ("entity.other.attribute-name", TokenKind::Attribute),
                ("meta.annotation", TokenKind::Attribute),
                ("meta.attribute", TokenKind::Attribute),
                ("meta.preprocessor", TokenKind::Preprocessor),
                ("entity.name.type", TokenKind::Type),
                ("entity.name.class", TokenKind::Type),
                ("entity.name.struct", TokenKind::Type),
                ("entity.name.enum", TokenKind::Type),
                ("entity.name.trait", TokenKind::Type),
                ("entity.name.impl", TokenKind::Type),
                ("entity.other.inherited-class", TokenKind::Type),
                ("support.type", TokenKind::Type),
                ("support.class", TokenKind::Type),
                ("markup.heading", TokenKind::Keyword),
                ("markup.inserted", TokenKind::String),
                ("markup.deleted", TokenKind::Escape),
                ("meta.diff.range", TokenKind::Preprocessor),
                ("meta.diff.header", TokenKind::Comment),
            ];
            let scope = |s: &str| Scope::new(s).unwrap_or_default();
            Classifier {
                comment: scope("comment"),
                string: scope("string"),
                escape: scope("constant.character.escape"),
                rules: RULES.iter().map(|(s, kind)| (scope(s), *kind)).collect(),
                cache: HashMap::new(),
            }
        }

        fn classify(&mut self, stack: &[Scope]) -> TokenKind {
            if stack.iter().any(|s| self.comment.is_prefix_of(*s)) {
                return TokenKind::Comment;
            }
            if stack.iter().any(|s| self.string.is_prefix_of(*s)) {
                return if stack.iter().any(|s| self.escape.is_prefix_of(*s)) {
                    TokenKind::Escape
                } else {
                    TokenKind::String
                };
            }
            for scope in stack.iter().rev() {
                let rules = &self.rules;
                let kind = *self.cache.entry(*scope).or_insert_with(|| {
                    rules.iter().find(|(prefix, _)| prefix.is_prefix_of(*scope)).map(|r| r.1)
                });
                if let Some(kind) = kind {
                    return kind;
                }
            }
            TokenKind::Plain
        }
    }

    pub(super) fn highlight(code: &str, token: &str, theme: &Theme) -> Option<Vec<Vec<Span>>> {
        let syntax = find(token)?;
        let set = syntaxes();
        let mut state = ParseState::new(syntax);
        let mut stack = ScopeStack::new();
        let mut classifier = Classifier::new();
        let mut lines = Vec::new();
        for line in code.split_inclusive('\n') {
            let ops = state.parse_line(line, set).ok()?;
            let mut spans: Vec<Span> = Vec::new();
            let mut push = |text: &str, kind: TokenKind| {
                let text = text.trim_end_matches(['\n', '\r']);
                if text.is_empty() {
                    return;
                }
                let kind = if kind == TokenKind::Type && is_declaration_word(text) {
                    TokenKind::Keyword
                } else {
                    kind
                };
                match spans.last_mut() {
                    Some(last) if last.style.kind == kind => last.text.push_str(text),
                    _ => spans.push(Span { text: text.to_string(), style: theme.style(kind) }),
                }
            };
            let mut start = 0;
            for (offset, op) in ops {
                let offset = offset.min(line.len());
                if offset > start {
                    push(line.get(start..offset)?, classifier.classify(stack.as_slice()));
                    start = offset;
                }
                stack.apply(&op).ok()?;
            }
            if start < line.len() {
                push(line.get(start..)?, classifier.classify(stack.as_slice()));
            }
            lines.push(spans);
        }
        Some(lines)
    }

    /// Words that grammars scope as `storage.type` like type names (Rust `let`, JavaScript
    /// `const`, Go `func`) but that readers see as keywords.
    fn is_declaration_word(text: &str) -> bool {
        matches!(
            text,
            "let"
                | "const"
                | "var"
                | "fn"
                | "func"
                | "function"
                | "def"
                | "class"
                | "struct"
                | "enum"
                | "union"
                | "type"
                | "typedef"
                | "interface"
                | "trait"
                | "impl"
                | "mod"
                | "module"
                | "namespace"
                | "package"
                | "static"
                | "extern"
                | "async"
        )
    }

    /// Samples a syntect theme: one representative scope per token kind.
    pub(super) fn load_theme(name: &'static str, source: &str) -> Theme {
        static SET: OnceLock<ThemeSet> = OnceLock::new();
        let set = SET.get_or_init(ThemeSet::load_defaults);
        let fallback = syntect::highlighting::Theme::default();
        let source = set.themes.get(source).unwrap_or(&fallback);
        let highlighter = Highlighter::new(source);
        let rgb = |c: syntect::highlighting::Color| Rgb { r: c.r, g: c.g, b: c.b };
        let default = highlighter.get_default();
        let background =
            source.settings.background.map(rgb).unwrap_or(Rgb { r: 255, g: 255, b: 255 });
        let style_of = |kind: TokenKind| {
            let probes: &[&str] = match kind {
                TokenKind::Plain => &[],
                TokenKind::Keyword => &["keyword.control", "keyword", "storage"],
                TokenKind::Type => &["entity.name.type", "storage.type", "support.type"],
                TokenKind::String => &["string.quoted.double", "string"],
                TokenKind::Escape => &["constant.character.escape", "constant.character"],
                TokenKind::Number => &["constant.numeric"],
                TokenKind::Constant => &["constant.language", "support.constant"],
                TokenKind::Comment => &["comment.line", "comment"],
                TokenKind::Function => &["entity.name.function", "support.function"],
                TokenKind::Operator => &["keyword.operator"],
                TokenKind::Tag => &["entity.name.tag"],
                TokenKind::Attribute => &["entity.other.attribute-name"],
                TokenKind::Preprocessor => &["meta.preprocessor", "keyword.control.import"],
            };
            let mut style = default;
            for probe in probes {
                let Ok(scope) = Scope::new(probe) else { continue };
                let candidate = highlighter.style_for_stack(&[scope]);
                style = candidate;
                if candidate.foreground != default.foreground {
                    break;
                }
            }
            TokenStyle {
                kind,
                color: rgb(style.foreground),
                bold: style.font_style.contains(FontStyle::BOLD),
                italic: style.font_style.contains(FontStyle::ITALIC),
            }
        };
        let luminance = u32::from(background.r) * 299
            + u32::from(background.g) * 587
            + u32::from(background.b) * 114;
        Theme { name, background, dark: luminance < 128_000, styles: TokenKind::ALL.map(style_of) }
    }
}

#[cfg(not(feature = "highlight"))]
mod engine {
    //! Highlighting compiled out: every language is unknown, themes are plain black on white.

    use super::{Rgb, Span, Theme, TokenKind, TokenStyle};

    pub(super) fn supports(_token: &str) -> bool {
        false
    }

    pub(super) fn highlight(_code: &str, _token: &str, _theme: &Theme) -> Option<Vec<Vec<Span>>> {
        None
    }

    pub(super) fn load_theme(name: &'static str, _source: &str) -> Theme {
        let black = Rgb { r: 0, g: 0, b: 0 };
        Theme {
            name,
            background: Rgb { r: 255, g: 255, b: 255 },
            dark: false,
            styles: TokenKind::ALL.map(|kind| TokenStyle {
                kind,
                color: black,
                bold: false,
                italic: false,
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_words() {
        assert_eq!(language_token("rust,ignore").as_deref(), Some("rs"));
        assert_eq!(language_token("{.python .numberLines}").as_deref(), Some("py"));
        assert_eq!(language_token("C++").as_deref(), Some("cpp"));
        assert_eq!(language_token("text"), None);
        assert_eq!(language_token("  "), None);
    }

    #[test]
    fn unknown_theme_lists_choices() {
        let message = theme("nope").unwrap_err().to_string();
        assert!(message.contains("solarized-dark"), "{message}");
        assert_eq!(theme("Default").unwrap().name, "default");
    }
}

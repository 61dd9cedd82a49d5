//! The built-in languages as data: fence names, word lists, comment and string syntax, and the
//! few switches the lexer engine ([`super::lexer`]) reads. Adding a language is adding a table.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::TokenKind;

/// Which scanner the engine runs for a language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Programming languages: words, strings, comments, numbers, operators.
    Code,
    /// Shell-like: words are command words, `$` variables, heredocs, `#` comments at word start.
    Shell,
    /// HTML, XML, SVG: tags, attributes, entities, comments.
    Markup,
    /// YAML: keys, scalars, anchors, block scalars.
    Yaml,
    /// TOML and INI: `[sections]`, `key =` lines, code-like values.
    KeyValue,
    /// Unified and context diffs.
    Diff,
    /// CSS, SCSS, Less: selectors, properties, at-rules.
    Css,
}

/// How a string literal escapes its own quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Escapes {
    /// `\"`, `\n`, `\x41` …
    Backslash,
    /// SQL and verbatim strings: the quote doubled (`''`).
    Doubled,
    /// Raw strings: nothing is special but the closing delimiter.
    None,
}

/// Code embedded in a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interp {
    /// Nothing.
    None,
    /// `${expr}` (JavaScript template strings).
    DollarBrace,
    /// `${expr}` and `$name` (Kotlin, Groovy, PHP, Dart).
    Dollar,
    /// `{expr}` with `{{` as an escaped brace (Python f-strings, C# `$"…"`).
    Brace,
    /// `#{expr}` (Ruby).
    HashBrace,
    /// `\(expr)` (Swift).
    BackslashParen,
    /// Shell double quotes: `$name` and `${name}` variables, `$(command)`.
    Shell,
}

/// A quote character that opens a string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quote {
    /// The opening (and closing) byte.
    pub open: u8,
    /// How the quote is escaped inside.
    pub escapes: Escapes,
    /// True when the string may run over several lines.
    pub multiline: bool,
    /// Code embedded in it.
    pub interp: Interp,
}

/// What a prefix word (`r`, `f`, `R`, `@`) before a quote makes of the string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// Same string, other encoding (`b"…"`, `u8"…"`, `L"…"`).
    Plain,
    /// No escapes (Python `r"…"`).
    Raw,
    /// `{expr}` embedded (Python `f"…"`, C# `$"…"`).
    Interpolated,
    /// Raw and interpolated (Python `rf"…"`).
    RawInterpolated,
    /// Rust `r"…"`, `r#"…"#`: no escapes, closed by the quote and as many `#`.
    RustRaw,
    /// C++ `R"delim(…)delim"`.
    CppRaw,
    /// C# `@"…"`: quotes doubled, no backslash escapes, several lines.
    Verbatim,
}

/// Per-line behaviour on top of the mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineHook {
    /// Nothing special.
    None,
    /// Dockerfile: the first word of a line is an instruction.
    Dockerfile,
    /// Makefile: targets, variable assignments, tab-indented recipes.
    Makefile,
}

/// One language, all data.
#[derive(Debug)]
pub struct Language {
    /// Canonical name; also the key of its word table.
    pub name: &'static str,
    /// Fence words, aliases and file extensions it answers to (lower case).
    pub names: &'static [&'static str],
    /// Scanner.
    pub mode: Mode,
    /// Reserved words.
    pub keywords: &'static [&'static str],
    /// Built-in type names.
    pub types: &'static [&'static str],
    /// Built-in constants (`true`, `None`, `nullptr`).
    pub constants: &'static [&'static str],
    /// Built-in functions and commands shown as functions.
    pub builtins: &'static [&'static str],
    /// Words shown as preprocessor/import directives (`import`, `#include`'s `include`).
    pub directives: &'static [&'static str],
    /// Keywords after which the next identifier is a function name (`fn`, `def`).
    pub declare_function: &'static [&'static str],
    /// Keywords after which the next identifier is a type name (`struct`, `class`).
    pub declare_type: &'static [&'static str],
    /// Line comment openers.
    pub line_comments: &'static [&'static str],
    /// Block comment delimiters.
    pub block_comment: Option<(&'static str, &'static str)>,
    /// True when block comments nest (Rust, Swift, Kotlin).
    pub nested_comments: bool,
    /// String quotes.
    pub quotes: &'static [Quote],
    /// True when a tripled quote opens a multi-line string (Python, Kotlin, TOML).
    pub triple_quotes: bool,
    /// String prefixes (`r`, `b`, `f`, `R`, `@`) and what they mean.
    pub prefixes: &'static [(&'static str, Flavor)],
    /// True when string prefixes are case-insensitive (Python `R"…"`).
    pub prefixes_ignore_case: bool,
    /// Extra identifier bytes besides letters, digits, `_` and non-ASCII (`$`, `-`).
    pub ident_extra: &'static [u8],
    /// True when keywords are matched ignoring ASCII case (SQL).
    pub ignore_case: bool,
    /// Rust `'a'` char literals vs `'a` lifetimes.
    pub char_or_lifetime: bool,
    /// C preprocessor lines (`#include`, `#define`).
    pub hash_preprocessor: bool,
    /// Rust attributes `#[…]` and `#![…]`.
    pub hash_attributes: bool,
    /// Annotations and decorators `@name`.
    pub at_annotations: bool,
    /// Capitalized identifiers are types, ALL_CAPS ones constants.
    pub capitalized_types: bool,
    /// Rust macros `name!`.
    pub macro_bang: bool,
    /// JSON: a string followed by `:` is a key.
    pub string_keys: bool,
    /// Lua long brackets `[[…]]`, `--[==[…]==]`.
    pub long_brackets: bool,
    /// Shell heredocs `<<EOF`.
    pub heredocs: bool,
    /// INI-style values (key/value mode): plain text rather than code.
    pub text_values: bool,
    /// Per-line extras.
    pub hook: LineHook,
}

/// Defaults every table starts from (`..BASE`).
const BASE: Language = Language {
    name: "",
    names: &[],
    mode: Mode::Code,
    keywords: &[],
    types: &[],
    constants: &[],
    builtins: &[],
    directives: &[],
    declare_function: &[],
    declare_type: &[],
    line_comments: &[],
    block_comment: None,
    nested_comments: false,
    quotes: &[DOUBLE, SINGLE],
    triple_quotes: false,
    prefixes: &[],
    prefixes_ignore_case: false,
    ident_extra: &[],
    ignore_case: false,
    char_or_lifetime: false,
    hash_preprocessor: false,
    hash_attributes: false,
    at_annotations: false,
    capitalized_types: false,
    macro_bang: false,
    string_keys: false,
    long_brackets: false,
    heredocs: false,
    text_values: false,
    hook: LineHook::None,
};

const fn quote(open: u8, escapes: Escapes, multiline: bool, interp: Interp) -> Quote {
    Quote { open, escapes, multiline, interp }
}

const DOUBLE: Quote = quote(b'"', Escapes::Backslash, false, Interp::None);
const SINGLE: Quote = quote(b'\'', Escapes::Backslash, false, Interp::None);
const C_COMMENT: Option<(&str, &str)> = Some(("/*", "*/"));

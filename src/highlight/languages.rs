//! The built-in languages as data: fence names, word lists, comment and string syntax, and the
//! few switches the lexer engine ([`super::lexer`]) reads. Adding a language is adding a table.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
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
    /// Shell session: lines after a prompt (`$ `) are commands, the others output.
    Console,
}

/// One language, all data. Word lists are single strings of words separated by blanks.
#[derive(Debug)]
pub struct Language {
    /// Canonical name; also the key of its word table.
    pub name: &'static str,
    /// Fence words, aliases and file extensions it answers to (lower case).
    pub names: &'static str,
    /// Scanner.
    pub mode: Mode,
    /// Reserved words.
    pub keywords: &'static str,
    /// Built-in type names.
    pub types: &'static str,
    /// Built-in constants (`true`, `None`, `nullptr`).
    pub constants: &'static str,
    /// Built-in functions and commands shown as functions.
    pub builtins: &'static str,
    /// Words shown as preprocessor/import directives (`import`, `#include`'s `include`).
    pub directives: &'static str,
    /// Keywords after which the next identifier is a function name (`fn`, `def`).
    pub declare_function: &'static str,
    /// Keywords after which the next identifier is a type name (`struct`, `class`).
    pub declare_type: &'static str,
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
    names: "",
    mode: Mode::Code,
    keywords: "",
    types: "",
    constants: "",
    builtins: "",
    directives: "",
    declare_function: "",
    declare_type: "",
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

const C_KEYWORDS: &str = "\
    auto break case const continue default do else enum extern for goto if \
    inline register restrict return sizeof static struct switch typedef union volatile while \
    _Alignas _Alignof _Atomic _Generic _Noreturn _Static_assert _Thread_local";
const C_TYPES: &str = "\
    bool char double float int long short signed unsigned void size_t ssize_t ptrdiff_t \
    intptr_t uintptr_t int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t \
    wchar_t FILE";
const C_CONSTANTS: &str = "NULL true false EOF stdin stdout stderr";
const CPP_KEYWORDS: &str = "\
    alignas alignof and asm auto break case catch class co_await co_return \
    co_yield concept const consteval constexpr constinit const_cast continue decltype \
    default delete do dynamic_cast else enum explicit export extern final for friend goto if \
    inline mutable namespace new noexcept not operator or override private protected public \
    register reinterpret_cast requires return sizeof static static_assert static_cast struct \
    switch template throw try typedef typeid typename union using virtual volatile while";
const CPP_TYPES: &str = "\
    bool char char8_t char16_t char32_t double float int long short signed unsigned void \
    wchar_t size_t int8_t int16_t int32_t int64_t uint8_t uint16_t uint32_t uint64_t string \
    vector map set unordered_map unique_ptr shared_ptr string_view optional array";
const CPP_CONSTANTS: &str = "true false nullptr this NULL";
const TYPE_DECLARERS: &str = "class struct enum union interface trait type record object";

const RUST: Language = Language {
    name: "rust",
    names: "rust rs",
    keywords: "\
    as async await break const continue crate dyn else enum extern fn for if impl in let \
    loop match mod move mut pub ref return static struct super trait type unsafe use where \
    while yield union macro_rules",
    types: "\
    i8 i16 i32 i64 i128 isize u8 u16 u32 u64 u128 usize f32 f64 bool char str Self",
    constants: "true false self None Some Ok Err",
    declare_function: "fn",
    declare_type: "struct enum trait type union",
    line_comments: &["//"],
    block_comment: C_COMMENT,
    nested_comments: true,
    quotes: &[quote(b'"', Escapes::Backslash, true, Interp::None)],
    prefixes: &[
        ("r", Flavor::RustRaw),
        ("br", Flavor::RustRaw),
        ("cr", Flavor::RustRaw),
        ("b", Flavor::Plain),
        ("c", Flavor::Plain),
    ],
    char_or_lifetime: true,
    hash_attributes: true,
    capitalized_types: true,
    macro_bang: true,
    ..BASE
};

const C: Language = Language {
    name: "c",
    names: "c h",
    keywords: C_KEYWORDS,
    types: C_TYPES,
    constants: C_CONSTANTS,
    declare_type: "struct enum union",
    line_comments: &["//"],
    block_comment: C_COMMENT,
    prefixes: &[
        ("L", Flavor::Plain),
        ("u8", Flavor::Plain),
        ("u", Flavor::Plain),
        ("U", Flavor::Plain),
    ],
    hash_preprocessor: true,
    ..BASE
};

const CPP: Language = Language {
    name: "cpp",
    names: "cpp c++ cc cxx hpp hh hxx h++ cplusplus",
    keywords: CPP_KEYWORDS,
    types: CPP_TYPES,
    constants: CPP_CONSTANTS,
    declare_type: "class struct enum union namespace concept",
    prefixes: &[
        ("R", Flavor::CppRaw),
        ("LR", Flavor::CppRaw),
        ("u8R", Flavor::CppRaw),
        ("L", Flavor::Plain),
        ("u8", Flavor::Plain),
        ("u", Flavor::Plain),
        ("U", Flavor::Plain),
    ],
    capitalized_types: true,
    ..C
};

const CSHARP: Language = Language {
    name: "csharp",
    names: "csharp cs c#",
    keywords: "\
    abstract as async await base break case catch checked class const continue default \
    delegate do else enum event explicit extern finally fixed for foreach get goto if \
    implicit in init interface internal is lock namespace new operator out override params \
    partial private protected public readonly record ref return sealed set sizeof stackalloc \
    static struct switch throw try typeof unchecked unsafe using var virtual volatile when \
    where while yield",
    types: "\
    bool byte char decimal double dynamic float int long object sbyte short string uint \
    ulong ushort void nint nuint",
    constants: "true false null this",
    declare_type: TYPE_DECLARERS,
    line_comments: &["//"],
    block_comment: C_COMMENT,
    prefixes: &[
        ("$@", Flavor::Verbatim),
        ("@$", Flavor::Verbatim),
        ("@", Flavor::Verbatim),
        ("$", Flavor::Interpolated),
    ],
    hash_preprocessor: true,
    capitalized_types: true,
    ..BASE
};

const JAVA: Language = Language {
    name: "java",
    names: "java",
    keywords: "\
    abstract assert break case catch class const continue default do else enum extends final \
    finally for goto if implements instanceof interface native new permits private protected \
    public record return sealed static strictfp super switch synchronized throw throws \
    transient try var volatile while yield",
    types: "boolean byte char double float int long short void",
    constants: "true false null this",
    directives: "import package",
    declare_type: TYPE_DECLARERS,
    line_comments: &["//"],
    block_comment: C_COMMENT,
    triple_quotes: true,
    at_annotations: true,
    capitalized_types: true,
    ..BASE
};

const KOTLIN: Language = Language {
    name: "kotlin",
    names: "kotlin kt kts",
    keywords: "\
    abstract actual annotation as break by catch class companion const constructor continue \
    crossinline data do else enum expect external final finally for fun get if in infix init \
    inline inner interface internal is lateinit noinline object open operator out override \
    private protected public reified return sealed set super suspend tailrec throw try \
    typealias val var vararg when where while",
    types: "Any Boolean Byte Char Double Float Int Long Nothing Short String Unit",
    constants: "true false null this it",
    directives: "import package",
    declare_function: "fun",
    declare_type: TYPE_DECLARERS,
    line_comments: &["//"],
    block_comment: C_COMMENT,
    nested_comments: true,
    quotes: &[quote(b'"', Escapes::Backslash, false, Interp::Dollar), SINGLE],
    triple_quotes: true,
    at_annotations: true,
    capitalized_types: true,
    ..BASE
};

const SWIFT: Language = Language {
    name: "swift",
    names: "swift",
    keywords: "\
    actor associatedtype async await break case catch class continue default defer deinit do \
    else enum extension fallthrough fileprivate final for func guard if in init inout \
    internal is lazy let mutating open operator override private protocol public repeat \
    required rethrows return some static struct subscript switch throw throws try typealias \
    var weak where while as any",
    types: "\
    Any Bool Character Double Float Int Int8 Int16 Int32 Int64 Self String UInt UInt8 Void \
    Array Dictionary Optional Set",
    constants: "true false nil self super",
    directives: "import",
    declare_function: "func",
    declare_type: "class struct enum protocol extension actor typealias",
    line_comments: &["//"],
    block_comment: C_COMMENT,
    nested_comments: true,
    quotes: &[quote(b'"', Escapes::Backslash, false, Interp::BackslashParen)],
    triple_quotes: true,
    at_annotations: true,
    capitalized_types: true,
    ..BASE
};

const GO: Language = Language {
    name: "go",
    names: "go golang",
    keywords: "\
    break case chan const continue default defer else fallthrough for func go goto if \
    interface map package range return select struct switch type var",
    types: "\
    bool byte complex64 complex128 error float32 float64 int int8 int16 int32 int64 rune \
    string uint uint8 uint16 uint32 uint64 uintptr any",
    constants: "true false nil iota",
    builtins: "append cap close copy delete len make new panic print println recover",
    directives: "import",
    declare_function: "func",
    declare_type: "type",
    line_comments: &["//"],
    block_comment: C_COMMENT,
    quotes: &[DOUBLE, SINGLE, quote(b'`', Escapes::None, true, Interp::None)],
    ..BASE
};

const JS_KEYWORDS: &str = "\
    async await break case catch class const continue debugger default \
    delete do else export extends finally for from function get if import in instanceof let \
    new of return set static super switch throw try typeof var void while with yield";
const JS_CONSTANTS: &str = "true false null undefined this NaN Infinity arguments";
const JS_QUOTES: &[Quote] =
    &[DOUBLE, SINGLE, quote(b'`', Escapes::Backslash, true, Interp::DollarBrace)];

const JAVASCRIPT: Language = Language {
    name: "javascript",
    names: "javascript js jsx mjs cjs node ecmascript",
    keywords: JS_KEYWORDS,
    constants: JS_CONSTANTS,
    builtins: "console document window require module globalThis",
    declare_function: "function",
    declare_type: "class",
    line_comments: &["//"],
    block_comment: C_COMMENT,
    quotes: JS_QUOTES,
    ident_extra: b"$",
    at_annotations: true,
    capitalized_types: true,
    ..BASE
};

const TYPESCRIPT: Language = Language {
    name: "typescript",
    names: "typescript ts tsx mts cts",
    keywords: "\
    abstract as async await break case catch class const continue declare default delete do \
    else enum export extends finally for from function get if implements import in infer \
    instanceof interface is keyof let namespace new of private protected public readonly \
    return satisfies set static super switch throw try type typeof var void while yield",
    types: "any bigint boolean never number object string symbol unknown void",
    declare_type: "class interface type enum namespace",
    ..JAVASCRIPT
};

const PYTHON: Language = Language {
    name: "python",
    names: "python py python3 py3 pyw pyi gyp sage",
    keywords: "\
    and as assert async await break case class continue def del elif else except finally for \
    global if in is lambda match nonlocal not or pass raise return try while with yield",
    types: "\
    bool bytearray bytes complex dict float frozenset int list object set str tuple type",
    constants: "True False None self cls NotImplemented Ellipsis",
    builtins: "\
    abs all any enumerate filter getattr hasattr isinstance iter len map max min next open \
    print range repr reversed round setattr sorted sum super zip",
    directives: "import from",
    declare_function: "def",
    declare_type: "class",
    line_comments: &["#"],
    triple_quotes: true,
    prefixes: &[
        ("r", Flavor::Raw),
        ("u", Flavor::Plain),
        ("b", Flavor::Plain),
        ("br", Flavor::Raw),
        ("rb", Flavor::Raw),
        ("f", Flavor::Interpolated),
        ("rf", Flavor::RawInterpolated),
        ("fr", Flavor::RawInterpolated),
    ],
    prefixes_ignore_case: true,
    at_annotations: true,
    capitalized_types: true,
    ..BASE
};

const RUBY: Language = Language {
    name: "ruby",
    names: "ruby rb gemspec rake podspec",
    keywords: "\
    BEGIN END alias and begin break case class def defined do else elsif end ensure for if \
    in module next not or redo rescue retry return then undef unless until when while yield \
    private protected public attr_accessor attr_reader attr_writer",
    constants: "true false nil self super __FILE__ __LINE__",
    builtins: "puts print p raise lambda proc loop",
    directives: "require require_relative include extend",
    declare_function: "def",
    declare_type: "class module",
    line_comments: &["#"],
    quotes: &[
        quote(b'"', Escapes::Backslash, true, Interp::HashBrace),
        quote(b'\'', Escapes::Backslash, true, Interp::None),
        quote(b'`', Escapes::Backslash, false, Interp::HashBrace),
    ],
    ident_extra: b"@",
    capitalized_types: true,
    ..BASE
};

const PHP: Language = Language {
    name: "php",
    names: "php php3 php4 php5 php7 php8 phtml",
    keywords: "\
    abstract and as break case catch class clone const continue declare default do echo else \
    elseif enddeclare endfor endforeach endif endswitch endwhile enum extends final finally \
    fn for foreach function global goto if implements instanceof insteadof interface match \
    namespace new or print private protected public readonly return static switch throw \
    trait try use var while xor yield",
    types: "array bool callable float int iterable mixed object string void",
    constants: "true false null TRUE FALSE NULL $this self parent",
    directives: "php require require_once include include_once",
    declare_function: "function fn",
    declare_type: "class interface trait enum",
    line_comments: &["//", "#"],
    block_comment: C_COMMENT,
    quotes: &[
        quote(b'"', Escapes::Backslash, true, Interp::Dollar),
        quote(b'\'', Escapes::Backslash, true, Interp::None),
    ],
    ident_extra: b"$",
    capitalized_types: true,
    ..BASE
};

const LUA: Language = Language {
    name: "lua",
    names: "lua luau",
    keywords: "\
    and break do else elseif end for function goto if in local not or repeat return then \
    until while",
    constants: "true false nil self",
    builtins: "\
    assert error ipairs pairs pcall print require select tonumber tostring type setmetatable \
    getmetatable",
    declare_function: "function",
    line_comments: &["--"],
    long_brackets: true,
    ..BASE
};

const SQL: Language = Language {
    name: "sql",
    names: "sql mysql postgresql postgres psql sqlite plsql tsql",
    keywords: "\
    add all alter and as asc begin between by cascade case check column commit constraint \
    create cross database default delete desc distinct drop else end except exists explain \
    foreign from full function grant group having if in index inner insert intersect into is \
    join key left like limit not offset on or order outer over partition primary procedure \
    references replace returning returns revoke right rollback select set table then to \
    transaction trigger truncate union unique update using values view when where with",
    types: "\
    bigint binary bit blob boolean char date datetime decimal double float int integer \
    interval json jsonb numeric real serial smallint text time timestamp tinyint uuid \
    varchar",
    constants: "null true false",
    builtins: "count sum avg min max coalesce now lower upper",
    line_comments: &["--"],
    block_comment: C_COMMENT,
    quotes: &[
        quote(b'\'', Escapes::Doubled, true, Interp::None),
        quote(b'"', Escapes::Doubled, false, Interp::None),
        quote(b'`', Escapes::Doubled, false, Interp::None),
    ],
    ignore_case: true,
    ..BASE
};

const SHELL: Language = Language {
    name: "shell",
    names: "sh bash shell zsh ksh fish bats ash dash",
    mode: Mode::Shell,
    keywords: "\
    case coproc do done elif else esac fi for function if in select then time until while !",
    builtins: "\
    alias cd declare echo eval exec exit export local printf read readonly return set shift \
    source test trap unset",
    declare_function: "function",
    line_comments: &["#"],
    quotes: &[
        quote(b'"', Escapes::Backslash, true, Interp::Shell),
        quote(b'\'', Escapes::None, true, Interp::None),
        quote(b'`', Escapes::Backslash, false, Interp::None),
    ],
    heredocs: true,
    ..BASE
};

const CONSOLE: Language = Language {
    name: "console",
    names: "console shellsession shell-session sh-session terminal",
    hook: LineHook::Console,
    ..SHELL
};

const DOCKERFILE: Language = Language {
    name: "dockerfile",
    names: "dockerfile docker containerfile",
    keywords: "\
    ADD ARG CMD COPY ENTRYPOINT ENV EXPOSE FROM HEALTHCHECK LABEL MAINTAINER ONBUILD RUN \
    SHELL STOPSIGNAL USER VOLUME WORKDIR AS",
    hook: LineHook::Dockerfile,
    ..SHELL
};

const MAKEFILE: Language = Language {
    name: "makefile",
    names: "makefile make mk mak gnumakefile bsdmakefile",
    keywords: "",
    builtins: "",
    directives: "\
    include -include sinclude ifeq ifneq ifdef ifndef else endif define endef export \
    unexport override vpath",
    hook: LineHook::Makefile,
    ..SHELL
};

const JSON: Language = Language {
    name: "json",
    names: "json jsonc json5 jsonl ndjson geojson webmanifest",
    constants: "true false null",
    line_comments: &["//"],
    block_comment: C_COMMENT,
    string_keys: true,
    ..BASE
};

const YAML: Language = Language {
    name: "yaml",
    names: "yaml yml",
    mode: Mode::Yaml,
    constants: "true false null yes no on off ~",
    line_comments: &["#"],
    ignore_case: true,
    ..BASE
};

const TOML: Language = Language {
    name: "toml",
    names: "toml",
    mode: Mode::KeyValue,
    constants: "true false inf nan",
    line_comments: &["#"],
    quotes: &[DOUBLE, quote(b'\'', Escapes::None, false, Interp::None)],
    triple_quotes: true,
    ..BASE
};

const INI: Language = Language {
    name: "ini",
    names: "ini cfg conf config properties desktop editorconfig gitconfig dosini",
    mode: Mode::KeyValue,
    constants: "true false yes no on off none",
    line_comments: &[";", "#"],
    ignore_case: true,
    text_values: true,
    ..BASE
};

const MARKUP: Language = Language {
    name: "html",
    names: "\
    html htm xhtml xml svg xsl xslt xsd rss atom plist vue svelte jsp aspx mathml opf ncx \
    wsdl csproj pom",
    mode: Mode::Markup,
    ..BASE
};

const CSS: Language = Language {
    name: "css",
    names: "css scss sass less postcss",
    mode: Mode::Css,
    keywords: "and not only from to through if else each in",
    constants: "\
    auto none inherit initial unset normal bold italic solid dashed block inline flex grid \
    absolute relative fixed sticky hidden visible center left right top bottom transparent \
    currentColor white black red green blue",
    line_comments: &["//"],
    block_comment: C_COMMENT,
    ident_extra: b"-",
    ..BASE
};

const DIFF: Language =
    Language { name: "diff", names: "diff patch udiff", mode: Mode::Diff, ..BASE };

/// Every built-in language.
pub static LANGUAGES: &[Language] = &[
    SHELL, RUST, PYTHON, JAVASCRIPT, TYPESCRIPT, JSON, YAML, TOML, C, CPP, CSHARP, GO, JAVA,
    KOTLIN, SWIFT, RUBY, PHP, LUA, SQL, MARKUP, CSS, DIFF, DOCKERFILE, MAKEFILE, INI, CONSOLE,
];

/// The built-in language a (lower-case) fence word names.
pub fn find(word: &str) -> Option<&'static Language> {
    LANGUAGES.iter().find(|language| has_word(language.names, word))
}

/// True when the blank-separated `list` holds `word`.
pub fn has_word(list: &str, word: &str) -> bool {
    list.split_ascii_whitespace().any(|w| w == word)
}

/// Word → kind, with a cheap hash (keys are short, known words; no untrusted key flooding
/// matters for a table that is only read).
pub(super) type WordTable = HashMap<&'static str, TokenKind, BuildHasherDefault<WordHasher>>;

/// FNV-1a: a few instructions per byte for the short words looked up once per identifier.
pub(super) struct WordHasher(u64);

impl Default for WordHasher {
    fn default() -> Self {
        WordHasher(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for WordHasher {
    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

/// Word → kind for a language, built on its first use (a few microseconds).
pub(super) fn words(language: &Language) -> &'static WordTable {
    const MAX_LANGUAGES: usize = 32;
    static TABLES: [OnceLock<WordTable>; MAX_LANGUAGES] =
        [const { OnceLock::new() }; MAX_LANGUAGES];
    static EMPTY: OnceLock<WordTable> = OnceLock::new();
    let index = LANGUAGES.iter().position(|known| std::ptr::eq(known, language));
    match index.and_then(|index| TABLES.get(index)) {
        Some(table) => table.get_or_init(|| word_table(language)),
        None => EMPTY.get_or_init(WordTable::default),
    }
}

fn word_table(language: &Language) -> WordTable {
    // Later lists win: a word that is both a builtin and a keyword is a keyword.
    let lists: [(&'static str, TokenKind); 5] = [
        (language.builtins, TokenKind::Function),
        (language.types, TokenKind::Type),
        (language.constants, TokenKind::Constant),
        (language.keywords, TokenKind::Keyword),
        (language.directives, TokenKind::Preprocessor),
    ];
    let mut table = WordTable::default();
    for (list, kind) in lists {
        for word in list.split_ascii_whitespace() {
            table.insert(word, kind);
        }
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_lower_case() {
        let mut seen = std::collections::HashSet::new();
        for language in LANGUAGES {
            for name in language.names.split_ascii_whitespace() {
                assert_eq!(name, name.to_ascii_lowercase(), "{name}");
                assert!(seen.insert(name), "{name} named twice");
            }
        }
    }

    #[test]
    fn every_language_has_its_own_word_table() {
        assert!(LANGUAGES.len() <= 32, "raise MAX_LANGUAGES in words()");
        for language in LANGUAGES {
            let table = words(language);
            let first = language.keywords.split_ascii_whitespace().next();
            if let Some(word) = first {
                assert_eq!(table.get(word), Some(&TokenKind::Keyword), "{}", language.name);
            }
        }
    }

    #[test]
    fn case_insensitive_word_lists_are_lower_case() {
        for language in LANGUAGES.iter().filter(|l| l.ignore_case) {
            for word in words(language).keys() {
                assert_eq!(*word, word.to_ascii_lowercase(), "{}: {word}", language.name);
            }
        }
    }
}

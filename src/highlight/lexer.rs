//! The built-in lexer engine: one pass over each line's bytes, driven by a [`Language`] table,
//! with the little state that crosses lines (open block comments, multi-line strings, heredocs,
//! YAML block scalars, open markup tags). No regular expressions and no backtracking: every
//! step consumes input, so time is linear in the code size whatever the input.
//!
//! Tokens are cut only at ASCII bytes or at the ends of runs of non-ASCII bytes, so every cut is
//! a UTF-8 character boundary (checked again when the spans are made).

use std::borrow::Cow;

use super::languages::{self, Escapes, Flavor, Interp, Language, LineHook, Mode, Quote};
use super::{Span, Theme, TokenKind};

/// Highlights `code` with a built-in language: one entry per line (a final newline does not
/// start a line; a `\r` before a newline is dropped), each a list of styled spans whose texts
/// concatenate to the line.
pub fn highlight(code: &str, language: &Language, theme: &Theme) -> Vec<Vec<Span>> {
    tokenize(code, language)
        .into_iter()
        .map(|line| {
            line.into_iter()
                .map(|(text, kind)| Span { text: text.to_string(), style: theme.style(kind) })
                .collect()
        })
        .collect()
}

/// The tokens of `code`, line by line, as borrowed text and kind; neighbours of one kind are
/// merged, empty lines have no tokens.
pub fn tokenize<'a>(code: &'a str, language: &Language) -> Vec<Vec<(&'a str, TokenKind)>> {
    let mut lexer = Lexer::new(language);
    code.split_inclusive('\n')
        .map(|raw| {
            let line = raw.strip_suffix('\n').unwrap_or(raw);
            let line = line.strip_suffix('\r').unwrap_or(line);
            lexer.line(line)
        })
        .collect()
}

/// An open string: what closes it and what is special inside.
#[derive(Debug, Clone)]
struct StrState {
    close: Cow<'static, str>,
    escapes: Escapes,
    interp: Interp,
    multiline: bool,
    kind: TokenKind,
}

/// What the previous line left open.
#[derive(Debug, Clone)]
enum State {
    Code,
    /// A block comment, with its nesting depth.
    Comment(u32),
    Str(StrState),
    /// Shell heredoc body up to the line holding only `word`.
    Heredoc {
        word: String,
        strip_tabs: bool,
    },
    /// YAML block scalar: lines indented deeper than `indent`.
    YamlBlock {
        indent: usize,
    },
    /// Inside a markup tag, after its name.
    Tag,
    /// A quoted markup attribute value.
    TagValue(u8),
    /// A markup construct up to `close`: comment, CDATA, doctype, processing instruction.
    Sgml {
        close: &'static str,
        kind: TokenKind,
    },
    /// Content of `<script>` or `<style>`, up to its end tag.
    RawText {
        end: &'static str,
    },
}

/// A string interrupted by embedded code, resumed at `close` when brackets are back at `depth`.
#[derive(Debug)]
struct Resume {
    string: StrState,
    depth: u32,
    close: u8,
}

/// What the previous word announced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Nothing,
    Function,
    Type,
    /// Markup: the next attribute token is a value (`=` seen).
    Value,
}

/// Deepest string-in-code-in-string nesting followed; deeper interpolations stay string text.
const MAX_RESUME: usize = 16;

struct Lexer<'l> {
    lang: &'l Language,
    words: &'static languages::WordTable,
    ident_start: [bool; 256],
    ident_continue: [bool; 256],
    state: State,
    resume: Vec<Resume>,
    depth: u32,
    expect: Expect,
    /// Shell: a heredoc announced on this line, starting on the next.
    heredoc: Option<(String, bool)>,
    /// Shell: the next word is a command name.
    command: bool,
    /// Shell: inside the value of a `NAME=value` assignment before a command.
    assigning: bool,
    /// JSON: index of the first token of the string being scanned, to retag it as a key.
    key_mark: Option<usize>,
    /// Markup: the open tag is `<script>` or `<style>`, whose content is not markup.
    raw_text_after: Option<&'static str>,
    /// Markup: the lexer of the script or style content being scanned.
    embedded: Option<Box<Lexer<'static>>>,
    /// Tokens of the current line: byte range and kind.
    tokens: Vec<(usize, usize, TokenKind)>,
}

const SHELL_SPECIAL: &[u8] = b";|&<>()\"'`$\\={}";

impl<'l> Lexer<'l> {
    fn new(lang: &'l Language) -> Self {
        let shell = lang.mode == Mode::Shell;
        let mut ident_start = [false; 256];
        for (byte, start) in (0..=255u8).zip(ident_start.iter_mut()) {
            *start = if shell {
                byte > b' ' && byte != 0x7f
            } else {
                byte.is_ascii_alphabetic() || byte == b'_' || byte >= 0x80
            };
        }
        if shell {
            for &special in SHELL_SPECIAL {
                ident_start[usize::from(special)] = false;
            }
        }
        for &extra in lang.ident_extra {
            ident_start[usize::from(extra)] = true;
        }
        let mut ident_continue = ident_start;
        for digit in b'0'..=b'9' {
            ident_continue[usize::from(digit)] = true;
            if shell {
                ident_start[usize::from(digit)] = false;
            }
        }
        // `#` continues shell words (`a#b`) but never starts one (a comment).
        ident_start[usize::from(b'#')] = false;
        Lexer {
            lang,
            words: languages::words(lang),
            ident_start,
            ident_continue,
            state: State::Code,
            resume: Vec::new(),
            depth: 0,
            expect: Expect::Nothing,
            heredoc: None,
            command: true,
            assigning: false,
            key_mark: None,
            raw_text_after: None,
            embedded: None,
            tokens: Vec::new(),
        }
    }

    fn emit(&mut self, start: usize, end: usize, kind: TokenKind) {
        if end > start {
            self.tokens.push((start, end, kind));
        }
    }

    fn line<'a>(&mut self, line: &'a str) -> Vec<(&'a str, TokenKind)> {
        self.tokens.clear();
        self.key_mark = None;
        let bytes = line.as_bytes();
        match self.lang.mode {
            Mode::Diff => self.diff(bytes),
            Mode::Yaml => self.yaml(bytes),
            Mode::Markup => self.markup(bytes),
            _ => self.code_line(bytes),
        }
        self.end_of_line();
        if let Some(embedded) = self.embedded.as_mut() {
            embedded.end_of_line();
        }
        spans_of(line, &self.tokens)
    }

    fn end_of_line(&mut self) {
        if let State::Str(string) = &self.state {
            if !string.multiline {
                self.state = State::Code;
            }
        }
        if self.resume.iter().any(|r| !r.string.multiline) {
            self.resume.clear();
        }
        if let Some((word, strip_tabs)) = self.heredoc.take() {
            if matches!(self.state, State::Code) {
                self.state = State::Heredoc { word, strip_tabs };
            }
        }
        self.command = true;
        self.assigning = false;
        self.expect = Expect::Nothing;
    }
}

/// Byte ranges to merged text slices; a range edge inside a character moves forward to the
/// next boundary and gaps stay plain, so no text is ever lost or split.
fn spans_of<'a>(line: &'a str, tokens: &[(usize, usize, TokenKind)]) -> Vec<(&'a str, TokenKind)> {
    let boundary = |at: usize| {
        let mut at = at.min(line.len());
        while !line.is_char_boundary(at) {
            at += 1;
        }
        at
    };
    let mut ranges: Vec<(usize, usize, TokenKind)> = Vec::with_capacity(tokens.len() + 1);
    let mut covered = 0;
    for &(start, end, kind) in tokens {
        let start = boundary(start.max(covered));
        let end = boundary(end);
        if start > covered {
            push_range(&mut ranges, covered, start, TokenKind::Plain);
        }
        if end > start {
            push_range(&mut ranges, start, end, kind);
            covered = end;
        }
    }
    if covered < line.len() {
        push_range(&mut ranges, covered, line.len(), TokenKind::Plain);
    }
    ranges
        .into_iter()
        .filter_map(|(start, end, kind)| line.get(start..end).map(|text| (text, kind)))
        .collect()
}

fn push_range(
    ranges: &mut Vec<(usize, usize, TokenKind)>,
    start: usize,
    end: usize,
    kind: TokenKind,
) {
    match ranges.last_mut() {
        Some(last) if last.2 == kind && last.1 == start => last.1 = end,
        _ => ranges.push((start, end, kind)),
    }
}

/// The index after the character starting at `at`.
fn next_char(bytes: &[u8], at: usize) -> usize {
    let mut next = at + 1;
    while next < bytes.len() && bytes[next] & 0xc0 == 0x80 {
        next += 1;
    }
    next
}

fn is_space(byte: u8) -> bool {
    byte == b' ' || byte == b'\t' || byte == b'\r' || byte == 0x0c
}

/// The index of the first non-blank byte at or after `at`.
fn skip_spaces(bytes: &[u8], mut at: usize) -> usize {
    while at < bytes.len() && is_space(bytes[at]) {
        at += 1;
    }
    at
}

fn starts(bytes: &[u8], at: usize, prefix: &str) -> bool {
    bytes.get(at..).is_some_and(|rest| rest.starts_with(prefix.as_bytes()))
}

const OPERATORS: &[u8] = b"+-*/%=<>!&|^~?:";

/// Punctuation among operator characters stays plain, as readers see it: path and type
/// separators (`::`, `:`, `->`) and the angle brackets of generics (`Vec<u8>`: attached to
/// the word before, unlike `a < b`).
fn operator_kind(bytes: &[u8], start: usize, end: usize) -> TokenKind {
    let attached = start > 0 && !is_space(bytes[start - 1]);
    match &bytes[start..end] {
        b":" | b"::" | b"->" => TokenKind::Plain,
        b"<" | b">" | b">>" if attached => TokenKind::Plain,
        _ => TokenKind::Operator,
    }
}

/// The end of an escape sequence starting at the backslash `at`.
fn escape_end(bytes: &[u8], at: usize) -> usize {
    let n = bytes.len();
    if at + 1 >= n {
        return n;
    }
    let hex_run = |from: usize, max: usize| {
        let mut end = from;
        while end < n && end - from < max && bytes[end].is_ascii_hexdigit() {
            end += 1;
        }
        end
    };
    match bytes[at + 1] {
        b'x' => hex_run(at + 2, 2),
        b'u' if bytes.get(at + 2) == Some(&b'{') => {
            let close = bytes[at + 2..].iter().take(12).position(|&b| b == b'}');
            close.map_or(at + 2, |offset| at + 3 + offset)
        }
        b'u' => hex_run(at + 2, 4),
        b'U' => hex_run(at + 2, 8),
        b'0'..=b'7' => {
            let mut end = at + 2;
            while end < n && end - at < 4 && (b'0'..=b'7').contains(&bytes[end]) {
                end += 1;
            }
            end
        }
        _ => next_char(bytes, at + 1),
    }
}

/// The end of a number literal starting at `at` (a digit, or `.` before a digit).
fn number_end(bytes: &[u8], at: usize, percent: bool) -> usize {
    let n = bytes.len();
    let digits = |mut end: usize, hex: bool| {
        while end < n
            && (bytes[end] == b'_'
                || if hex { bytes[end].is_ascii_hexdigit() } else { bytes[end].is_ascii_digit() })
        {
            end += 1;
        }
        end
    };
    let mut end;
    if bytes[at] == b'0'
        && matches!(bytes.get(at + 1), Some(b'x' | b'X' | b'b' | b'B' | b'o' | b'O'))
        && bytes.get(at + 2).is_some_and(u8::is_ascii_hexdigit)
    {
        end = digits(at + 2, true);
    } else {
        end = digits(at, false);
        if end + 1 < n && bytes[end] == b'.' && bytes[end + 1].is_ascii_digit() {
            end = digits(end + 1, false);
        }
        if end < n && (bytes[end] == b'e' || bytes[end] == b'E') {
            let mut exponent = end + 1;
            if exponent < n && (bytes[exponent] == b'+' || bytes[exponent] == b'-') {
                exponent += 1;
            }
            if exponent < n && bytes[exponent].is_ascii_digit() {
                end = digits(exponent, false);
            }
        }
    }
    while end < n && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
        end += 1;
    }
    if percent && end < n && bytes[end] == b'%' {
        end += 1;
    }
    end
}

/// Code-like modes: programming languages, shell, CSS, key/value files.
impl Lexer<'_> {
    fn code_line(&mut self, bytes: &[u8]) {
        let mut at = 0;
        if let State::Heredoc { word, strip_tabs } = &self.state {
            let body = if *strip_tabs { trim_tabs(bytes) } else { bytes };
            if body == word.as_bytes() {
                self.state = State::Code;
            }
            self.emit(0, bytes.len(), TokenKind::String);
            return;
        }
        if matches!(self.state, State::Code) && self.resume.is_empty() {
            at = self.line_start(bytes);
        }
        self.code_from(bytes, at);
    }

    /// Code tokens from `at` to the end of `bytes`.
    fn code_from(&mut self, bytes: &[u8], mut at: usize) {
        while at < bytes.len() {
            let next = match self.state {
                State::Comment(_) => self.block_comment(bytes, at),
                State::Str(_) => self.string_body(bytes, at),
                _ => self.token(bytes, at),
            };
            at = if next > at {
                next
            } else {
                // Never expected: keep going whatever a rule returned.
                let next = next_char(bytes, at);
                self.emit(at, next, TokenKind::Plain);
                next
            };
        }
    }

    /// Line-start rules (preprocessor lines, section headers, keys, instructions); returns
    /// where ordinary tokens start.
    fn line_start(&mut self, bytes: &[u8]) -> usize {
        let indent = skip_spaces(bytes, 0);
        self.emit(0, indent, TokenKind::Plain);
        let lang = self.lang;
        if indent >= bytes.len() {
            return indent;
        }
        if lang.hash_preprocessor && bytes[indent] == b'#' {
            return self.preprocessor(bytes, indent);
        }
        if lang.mode == Mode::KeyValue {
            return self.key_value_start(bytes, indent);
        }
        match lang.hook {
            LineHook::Dockerfile => {
                let end = word_end(bytes, indent, |b| b.is_ascii_alphabetic());
                let word = std::str::from_utf8(&bytes[indent..end]).unwrap_or("");
                if lang.keywords.split_ascii_whitespace().any(|k| k.eq_ignore_ascii_case(word)) {
                    self.emit(indent, end, TokenKind::Keyword);
                    // Only these take a shell command (the exec form `["a", "b"]` is data).
                    let shell = ["RUN", "CMD", "ENTRYPOINT", "SHELL", "ONBUILD"];
                    self.command = shell.iter().any(|k| k.eq_ignore_ascii_case(word))
                        && bytes.get(skip_spaces(bytes, end)) != Some(&b'[');
                    return end;
                }
            }
            LineHook::Makefile => return self.make_line_start(bytes, indent),
            LineHook::Console => {
                // A prompt starts a command; other lines are the commands' output.
                let prompt = bytes[indent..]
                    .iter()
                    .take(64)
                    .position(|&b| b == b'$' || b == b'#' || b == b'%' || b == b'>');
                match prompt.map(|offset| indent + offset) {
                    Some(p)
                        if bytes.get(p + 1).is_none_or(|&b| b == b' ')
                            && (p == indent || bytes[p - 1] != b' ') =>
                    {
                        self.emit(indent, p + 1, TokenKind::Preprocessor);
                        return p + 1;
                    }
                    _ => {
                        self.emit(indent, bytes.len(), TokenKind::Plain);
                        return bytes.len();
                    }
                }
            }
            LineHook::None => {}
        }
        indent
    }

    fn preprocessor(&mut self, bytes: &[u8], hash: usize) -> usize {
        let name_start = skip_spaces(bytes, hash + 1);
        let name_end = word_end(bytes, name_start, |b| b.is_ascii_alphanumeric() || b == b'_');
        self.emit(hash, name_end, TokenKind::Preprocessor);
        let name = &bytes[name_start..name_end];
        let after = skip_spaces(bytes, name_end);
        self.emit(name_end, after, TokenKind::Plain);
        if (name == b"include" || name == b"import") && bytes.get(after) == Some(&b'<') {
            let close = bytes[after..].iter().position(|&b| b == b'>');
            let end = close.map_or(bytes.len(), |offset| after + offset + 1);
            self.emit(after, end, TokenKind::String);
            return end;
        }
        after
    }

    fn key_value_start(&mut self, bytes: &[u8], at: usize) -> usize {
        let n = bytes.len();
        if bytes[at] == b'[' {
            let close = bytes.iter().rposition(|&b| b == b']').filter(|&c| c > at);
            let end = close.map_or(n, |c| c + 1);
            self.emit(at, end, TokenKind::Tag);
            return end;
        }
        if self.lang.line_comments.iter().any(|c| starts(bytes, at, c)) {
            self.emit(at, n, TokenKind::Comment);
            return n;
        }
        // A key runs up to `=` (or `:` in INI files); TOML keys may be quoted.
        let mut end = at;
        let mut quote = None;
        while end < n {
            let byte = bytes[end];
            match quote {
                Some(q) if byte == q => quote = None,
                Some(_) => {}
                None if byte == b'"' || byte == b'\'' => quote = Some(byte),
                None if byte == b'=' || (self.lang.text_values && byte == b':') => break,
                None if !(self.lang.text_values
                    || byte.is_ascii_alphanumeric()
                    || b"_-. \t".contains(&byte)) =>
                {
                    return at
                }
                None => {}
            }
            end += 1;
        }
        if end >= n || end == at {
            return at;
        }
        let mut key_end = end;
        while key_end > at && is_space(bytes[key_end - 1]) {
            key_end -= 1;
        }
        self.emit(at, key_end, TokenKind::Attribute);
        self.emit(key_end, end, TokenKind::Plain);
        self.emit(end, end + 1, TokenKind::Operator);
        if self.lang.text_values {
            return self.text_value(bytes, end + 1);
        }
        end + 1
    }

    /// An INI value: a number, a constant or text, up to the end of the line.
    fn text_value(&mut self, bytes: &[u8], at: usize) -> usize {
        let n = bytes.len();
        let start = skip_spaces(bytes, at);
        self.emit(at, start, TokenKind::Plain);
        let mut end = n;
        while end > start && is_space(bytes[end - 1]) {
            end -= 1;
        }
        let value = &bytes[start..end];
        let kind = if !value.is_empty()
            && (value[0].is_ascii_digit() || (value[0] == b'-' && value.len() > 1))
            && number_end(value, usize::from(value[0] == b'-'), true) == value.len()
        {
            TokenKind::Number
        } else if std::str::from_utf8(value)
            .is_ok_and(|v| self.lookup(v) == Some(TokenKind::Constant))
        {
            TokenKind::Constant
        } else {
            TokenKind::String
        };
        self.emit(start, end, kind);
        self.emit(end, n, TokenKind::Plain);
        n
    }

    fn make_line_start(&mut self, bytes: &[u8], indent: usize) -> usize {
        if bytes.first() == Some(&b'\t') {
            // A recipe: shell.
            return indent;
        }
        self.command = false;
        let word = word_end(bytes, indent, |b| b.is_ascii_alphanumeric() || b"_-.".contains(&b));
        if self.lookup(std::str::from_utf8(&bytes[indent..word]).unwrap_or(""))
            == Some(TokenKind::Preprocessor)
        {
            self.emit(indent, word, TokenKind::Preprocessor);
            return word;
        }
        // `NAME = value`, `NAME := value`, `NAME ?= value`, `NAME += value`.
        let after = skip_spaces(bytes, word);
        let assign =
            [":=", "::=", "?=", "+=", "!=", "="].iter().find(|op| starts(bytes, after, op));
        if let Some(op) = assign.filter(|_| word > indent) {
            self.emit(indent, word, TokenKind::Attribute);
            self.emit(word, after, TokenKind::Plain);
            self.emit(after, after + op.len(), TokenKind::Operator);
            return after + op.len();
        }
        // `targets: prerequisites`.
        let colon = bytes.iter().position(|&b| b == b':' || b == b'=' || b == b'#');
        if let Some(colon) = colon.filter(|&c| bytes[c] == b':' && c > indent) {
            if bytes.get(colon + 1) != Some(&b'=') {
                self.emit(indent, colon, TokenKind::Function);
                self.emit(colon, colon + 1, TokenKind::Operator);
                return colon + 1;
            }
        }
        indent
    }
}

fn trim_tabs(bytes: &[u8]) -> &[u8] {
    let start = bytes.iter().position(|&b| b != b'\t').unwrap_or(bytes.len());
    &bytes[start..]
}

fn word_end(bytes: &[u8], mut at: usize, accept: impl Fn(u8) -> bool) -> usize {
    while at < bytes.len() && accept(bytes[at]) {
        at += 1;
    }
    at
}

/// One token in code.
impl Lexer<'_> {
    fn lookup(&self, word: &str) -> Option<TokenKind> {
        if self.lang.ignore_case && word.bytes().any(|b| b.is_ascii_uppercase()) {
            if word.len() > 32 {
                return None;
            }
            let mut buffer = [0u8; 32];
            let lower = &mut buffer[..word.len()];
            lower.copy_from_slice(word.as_bytes());
            lower.make_ascii_lowercase();
            return std::str::from_utf8(lower).ok().and_then(|w| self.words.get(w).copied());
        }
        self.words.get(word).copied()
    }

    fn token(&mut self, bytes: &[u8], at: usize) -> usize {
        let n = bytes.len();
        let byte = bytes[at];
        let lang = self.lang;
        if is_space(byte) {
            let end = skip_spaces(bytes, at);
            self.emit(at, end, TokenKind::Plain);
            self.assigning = false;
            return end;
        }
        let expect = std::mem::replace(&mut self.expect, Expect::Nothing);
        let shell = lang.mode == Mode::Shell;
        for comment in lang.line_comments {
            if starts(bytes, at, comment) && (!shell || at == 0 || is_word_break(bytes[at - 1])) {
                if lang.long_brackets {
                    if let Some(end) =
                        self.long_bracket(bytes, at + comment.len(), at, TokenKind::Comment)
                    {
                        return end;
                    }
                }
                self.emit(at, n, TokenKind::Comment);
                return n;
            }
        }
        if let Some((open, _)) = lang.block_comment {
            if starts(bytes, at, open) {
                self.emit(at, at + open.len(), TokenKind::Comment);
                self.state = State::Comment(1);
                return at + open.len();
            }
        }
        if lang.mode == Mode::Css {
            if let Some(end) = self.css_token(bytes, at) {
                return end;
            }
        }
        if lang.long_brackets && byte == b'[' {
            if let Some(end) = self.long_bracket(bytes, at, at, TokenKind::String) {
                return end;
            }
        }
        if lang.hash_attributes && byte == b'#' {
            let open = if bytes.get(at + 1) == Some(&b'!') { at + 2 } else { at + 1 };
            if bytes.get(open) == Some(&b'[') {
                let end = bracket_end(bytes, open);
                self.emit(at, end, TokenKind::Attribute);
                return end;
            }
        }
        if lang.at_annotations
            && byte == b'@'
            && bytes.get(at + 1).is_some_and(|&b| self.ident_start[usize::from(b)])
        {
            let end = word_end(bytes, at + 1, |b| self.ident_continue[usize::from(b)] || b == b'.');
            self.emit(at, end, TokenKind::Attribute);
            return end;
        }
        if byte.is_ascii_digit()
            || (byte == b'.'
                && bytes.get(at + 1).is_some_and(u8::is_ascii_digit)
                && (at == 0 || !self.ident_continue[usize::from(bytes[at - 1])]))
        {
            let start = if byte == b'.' { at + 1 } else { at };
            let end = number_end(bytes, start, lang.mode == Mode::Css);
            let end = match lang.mode {
                Mode::Shell => word_end(bytes, end, |b| self.ident_continue[usize::from(b)]),
                // TOML dates and times: 1979-05-27T07:32:00Z.
                Mode::KeyValue => {
                    word_end(bytes, end, |b| b.is_ascii_alphanumeric() || b"-:.+_".contains(&b))
                }
                _ => end,
            };
            self.emit(at, end, TokenKind::Number);
            self.command = false;
            return end;
        }
        if shell && byte == b'$' {
            return self.dollar(bytes, at);
        }
        if lang.heredocs && starts(bytes, at, "<<") && !starts(bytes, at, "<<<") {
            if let Some(end) = self.heredoc_start(bytes, at) {
                return end;
            }
        }
        if let Some(quote) = lang.quotes.iter().find(|q| q.open == byte) {
            return self.string_start(bytes, at, at, *quote, Flavor::Plain);
        }
        if lang.char_or_lifetime && byte == b'\'' {
            return self.char_or_lifetime(bytes, at);
        }
        if !self.ident_start[usize::from(byte)] {
            // Prefixes made of punctuation (C# `@"`, `$"`).
            for (prefix, flavor) in lang.prefixes {
                if starts(bytes, at, prefix) && bytes.get(at + prefix.len()) == Some(&b'"') {
                    let quote = Quote {
                        open: b'"',
                        escapes: Escapes::Backslash,
                        multiline: false,
                        interp: Interp::None,
                    };
                    return self.string_start(bytes, at, at + prefix.len(), quote, *flavor);
                }
            }
        }
        if self.ident_start[usize::from(byte)] {
            return self.word(bytes, at, expect);
        }
        match byte {
            b'(' | b'[' | b'{' => {
                self.depth = self.depth.saturating_add(1);
                self.emit(at, at + 1, TokenKind::Plain);
                if shell && byte != b'[' {
                    self.command = true;
                }
                at + 1
            }
            b')' | b']' | b'}' => self.close_bracket(at, byte),
            _ if OPERATORS.contains(&byte) => {
                let mut end = at + 1;
                while end < n
                    && OPERATORS.contains(&bytes[end])
                    && !lang.line_comments.iter().any(|c| starts(bytes, end, c))
                    && !lang.block_comment.is_some_and(|(open, _)| starts(bytes, end, open))
                {
                    end += 1;
                }
                if shell && matches!(byte, b'|' | b'&' | b';') {
                    self.command = true;
                }
                self.emit(at, end, operator_kind(bytes, at, end));
                end
            }
            _ => {
                if shell && byte == b';' {
                    self.command = true;
                }
                let end = next_char(bytes, at);
                self.emit(at, end, TokenKind::Plain);
                end
            }
        }
    }

    fn close_bracket(&mut self, at: usize, byte: u8) -> usize {
        if let Some(top) = self.resume.last() {
            if top.depth == self.depth && top.close == byte {
                let resume = self.resume.pop().map(|r| r.string);
                self.emit(at, at + 1, TokenKind::Escape);
                if let Some(string) = resume {
                    self.state = State::Str(string);
                }
                return at + 1;
            }
        }
        self.depth = self.depth.saturating_sub(1);
        self.emit(at, at + 1, TokenKind::Plain);
        at + 1
    }

    fn word(&mut self, bytes: &[u8], at: usize, expect: Expect) -> usize {
        let n = bytes.len();
        let lang = self.lang;
        let end = word_end(bytes, at, |b| self.ident_continue[usize::from(b)]);
        let word = std::str::from_utf8(&bytes[at..end]).unwrap_or("");
        if end < n && !lang.prefixes.is_empty() {
            if let Some(flavor) = self.string_prefix(word, bytes, end) {
                let quote =
                    lang.quotes.iter().find(|q| q.open == bytes[end]).copied().unwrap_or(Quote {
                        open: bytes[end],
                        escapes: Escapes::Backslash,
                        multiline: false,
                        interp: Interp::None,
                    });
                return self.string_start(bytes, at, end, quote, flavor);
            }
        }
        if lang.macro_bang && bytes.get(end) == Some(&b'!') && bytes.get(end + 1) != Some(&b'=') {
            self.emit(at, end + 1, TokenKind::Function);
            return end + 1;
        }
        let next = bytes.get(end).copied();
        let kind = if lang.mode == Mode::Shell {
            self.shell_word_kind(word, next)
        } else {
            let member = at > 0 && bytes[at - 1] == b'.' && (at < 2 || bytes[at - 2] != b'.');
            self.word_kind(word, next, expect, member)
        };
        self.emit(at, end, kind);
        end
    }

    fn word_kind(
        &mut self,
        word: &str,
        next: Option<u8>,
        expect: Expect,
        member: bool,
    ) -> TokenKind {
        let lang = self.lang;
        // After `.` a word is a field or method (`items.get(…)`), whatever else it could be.
        let found = if member && word != "await" { None } else { self.lookup(word) };
        // A declared name is a name even when it is a contextual keyword (`function get()`).
        let found = match (expect, found) {
            (Expect::Function, Some(TokenKind::Keyword | TokenKind::Function)) => None,
            _ => found,
        };
        if let Some(kind) = found {
            if kind == TokenKind::Keyword {
                if languages::has_word(lang.declare_function, word) {
                    self.expect = Expect::Function;
                } else if languages::has_word(lang.declare_type, word) {
                    self.expect = Expect::Type;
                }
            }
            return kind;
        }
        match expect {
            Expect::Function => return TokenKind::Function,
            Expect::Type => return TokenKind::Type,
            _ => {}
        }
        if next == Some(b'(') {
            return TokenKind::Function;
        }
        if lang.capitalized_types && word.as_bytes()[0].is_ascii_uppercase() {
            let all_caps = word.bytes().all(|b| !b.is_ascii_lowercase());
            return if all_caps && word.len() > 1 { TokenKind::Constant } else { TokenKind::Type };
        }
        TokenKind::Plain
    }

    fn shell_word_kind(&mut self, word: &str, next: Option<u8>) -> TokenKind {
        let found = self.lookup(word);
        if found == Some(TokenKind::Keyword) {
            if languages::has_word(self.lang.declare_function, word) {
                self.expect = Expect::Function;
            }
            self.command = !matches!(word, "in" | "for" | "case" | "select" | "function")
                && self.lang.hook != LineHook::Dockerfile;
            return TokenKind::Keyword;
        }
        if self.assigning {
            return TokenKind::Plain;
        }
        if next == Some(b'=') && self.command {
            // `NAME=value` before a command: the command comes after.
            self.assigning = true;
            return TokenKind::Plain;
        }
        if self.expect == Expect::Function || next == Some(b'(') && self.command {
            self.expect = Expect::Nothing;
            self.command = false;
            return TokenKind::Function;
        }
        if std::mem::replace(&mut self.command, false) {
            return TokenKind::Function;
        }
        found.unwrap_or(TokenKind::Plain)
    }

    /// What a word directly before a quote makes of the string, if it is a string prefix.
    fn string_prefix(&self, word: &str, bytes: &[u8], end: usize) -> Option<Flavor> {
        let lang = self.lang;
        let (_, flavor) = lang.prefixes.iter().find(|(prefix, _)| {
            if lang.prefixes_ignore_case {
                prefix.eq_ignore_ascii_case(word)
            } else {
                *prefix == word
            }
        })?;
        let next = bytes[end];
        match flavor {
            Flavor::RustRaw => {
                let quote = word_end(bytes, end, |b| b == b'#');
                (bytes.get(quote) == Some(&b'"')).then_some(*flavor)
            }
            Flavor::CppRaw => (next == b'"').then_some(*flavor),
            _ if next == b'"' || lang.quotes.iter().any(|q| q.open == next) => Some(*flavor),
            _ if next == b'\'' && lang.char_or_lifetime => Some(*flavor),
            _ => None,
        }
    }
}

/// Shell: characters after which `#` starts a comment.
fn is_word_break(byte: u8) -> bool {
    is_space(byte) || b";|&()".contains(&byte)
}

/// The end of a bracketed group opened at `open`, on this line (or the line's end).
fn bracket_end(bytes: &[u8], open: usize) -> usize {
    let mut depth = 0u32;
    let mut at = open;
    while at < bytes.len() {
        match bytes[at] {
            b'[' => depth += 1,
            b']' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    return at + 1;
                }
            }
            _ => {}
        }
        at += 1;
    }
    bytes.len()
}

/// Strings and comments.
impl Lexer<'_> {
    /// Opens a string whose prefix starts at `start` and whose quote (or `#`s) is at `quote_at`.
    fn string_start(
        &mut self,
        bytes: &[u8],
        start: usize,
        quote_at: usize,
        quote: Quote,
        flavor: Flavor,
    ) -> usize {
        let n = bytes.len();
        let open = quote.open;
        let mut string = StrState {
            close: quote_text(open),
            escapes: quote.escapes,
            interp: quote.interp,
            multiline: quote.multiline,
            kind: TokenKind::String,
        };
        let mut body = quote_at + 1;
        match flavor {
            Flavor::RustRaw => {
                let quote_pos = word_end(bytes, quote_at, |b| b == b'#');
                let hashes = quote_pos - quote_at;
                string.close = Cow::Owned(format!("\"{}", "#".repeat(hashes)));
                string.escapes = Escapes::None;
                string.multiline = true;
                body = quote_pos + 1;
            }
            Flavor::CppRaw => {
                let paren = bytes[quote_at + 1..].iter().take(17).position(|&b| {
                    b == b'(' || b == b')' || b == b'\\' || is_space(b) || b == b'"'
                });
                match paren.map(|offset| quote_at + 1 + offset) {
                    Some(paren) if bytes[paren] == b'(' => {
                        let delimiter = String::from_utf8_lossy(&bytes[quote_at + 1..paren]);
                        string.close = Cow::Owned(format!("){delimiter}\""));
                        string.escapes = Escapes::None;
                        string.multiline = true;
                        body = paren + 1;
                    }
                    _ => {}
                }
            }
            Flavor::Verbatim => {
                string.escapes = Escapes::Doubled;
                string.multiline = true;
                if bytes[start] == b'$' || bytes.get(start + 1) == Some(&b'$') {
                    string.interp = Interp::Brace;
                }
            }
            Flavor::Raw => string.escapes = Escapes::None,
            Flavor::Interpolated => string.interp = Interp::Brace,
            Flavor::RawInterpolated => {
                string.escapes = Escapes::None;
                string.interp = Interp::Brace;
            }
            Flavor::Plain => {}
        }
        if self.lang.triple_quotes
            && !matches!(flavor, Flavor::RustRaw | Flavor::CppRaw)
            && quote_at + 2 < n
            && bytes[quote_at + 1] == open
            && bytes[quote_at + 2] == open
        {
            string.close = match open {
                b'"' => Cow::Borrowed("\"\"\""),
                b'\'' => Cow::Borrowed("'''"),
                b'`' => Cow::Borrowed("```"),
                _ => Cow::Owned(String::from_utf8_lossy(&[open; 3]).into_owned()),
            };
            string.multiline = true;
            body = quote_at + 3;
        }
        if self.lang.string_keys {
            self.key_mark = Some(self.tokens.len());
        }
        self.command &= self.assigning;
        self.emit(start, body.min(n), TokenKind::String);
        self.state = State::Str(string);
        body.min(n)
    }

    fn string_body(&mut self, bytes: &[u8], at: usize) -> usize {
        let State::Str(string) = &self.state else { return at };
        let n = bytes.len();
        let close_text = string.close.clone();
        let close = close_text.as_bytes();
        let (kind, escapes, interp) = (string.kind, string.escapes, string.interp);
        let mut end = at;
        while end < n {
            let byte = bytes[end];
            if byte == close[0] && bytes[end..].starts_with(close) {
                if escapes == Escapes::Doubled
                    && close.len() == 1
                    && bytes.get(end + 1) == Some(&byte)
                {
                    self.emit(at, end, kind);
                    self.emit(end, end + 2, TokenKind::Escape);
                    return end + 2;
                }
                let after = end + close.len();
                self.emit(at, after, kind);
                self.state = State::Code;
                self.string_closed(bytes, after);
                return after;
            }
            if byte == b'\\'
                && interp == Interp::BackslashParen
                && bytes.get(end + 1) == Some(&b'(')
            {
                return self.interpolate(at, end, 2, b')');
            }
            if byte == b'\\' && escapes == Escapes::Backslash {
                self.emit(at, end, kind);
                let escape = escape_end(bytes, end);
                self.emit(end, escape, TokenKind::Escape);
                return escape;
            }
            let next = bytes.get(end + 1).copied();
            match (interp, byte, next) {
                (Interp::DollarBrace | Interp::Dollar, b'$', Some(b'{'))
                | (Interp::HashBrace, b'#', Some(b'{')) => {
                    return self.interpolate(at, end, 2, b'}');
                }
                (Interp::Shell, b'$', Some(b'(')) => return self.interpolate(at, end, 2, b')'),
                (Interp::Dollar | Interp::Shell, b'$', Some(next))
                    if next.is_ascii_alphabetic()
                        || next == b'_'
                        || (interp == Interp::Shell && next == b'{') =>
                {
                    self.emit(at, end, kind);
                    let variable = variable_end(bytes, end);
                    let var_kind = if interp == Interp::Shell {
                        TokenKind::Constant
                    } else {
                        TokenKind::Escape
                    };
                    self.emit(end, variable, var_kind);
                    return variable;
                }
                (Interp::Brace, b'{', Some(b'{')) | (Interp::Brace, b'}', Some(b'}')) => {
                    self.emit(at, end, kind);
                    self.emit(end, end + 2, TokenKind::Escape);
                    return end + 2;
                }
                (Interp::Brace, b'{', _) => return self.interpolate(at, end, 1, b'}'),
                _ => {}
            }
            end += 1;
        }
        self.emit(at, n, kind);
        n
    }

    /// Embedded code starts at `open` (`open_len` bytes of delimiter): the string pauses until
    /// the bracket `close` at the current depth.
    fn interpolate(&mut self, at: usize, open: usize, open_len: usize, close: u8) -> usize {
        let State::Str(string) = &self.state else { return at };
        let string = string.clone();
        let kind = string.kind;
        if self.resume.len() >= MAX_RESUME {
            self.emit(at, open + open_len, kind);
            return open + open_len;
        }
        self.emit(at, open, kind);
        self.emit(open, open + open_len, TokenKind::Escape);
        self.command = true;
        self.resume.push(Resume { string, depth: self.depth, close });
        self.state = State::Code;
        open + open_len
    }

    /// JSON: a string followed by `:` was a key.
    fn string_closed(&mut self, bytes: &[u8], after: usize) {
        if let Some(mark) = self.key_mark.take() {
            if bytes.get(skip_spaces(bytes, after)) == Some(&b':') {
                for token in self.tokens.iter_mut().skip(mark) {
                    token.2 = TokenKind::Attribute;
                }
            }
        }
    }

    fn block_comment(&mut self, bytes: &[u8], at: usize) -> usize {
        let State::Comment(mut depth) = self.state else { return at };
        let Some((open, close)) = self.lang.block_comment else {
            self.state = State::Code;
            return at;
        };
        let nested = self.lang.nested_comments;
        let mut end = at;
        while end < bytes.len() {
            if starts(bytes, end, close) {
                end += close.len();
                depth -= 1;
                if depth == 0 {
                    self.emit(at, end, TokenKind::Comment);
                    self.state = State::Code;
                    return end;
                }
            } else if nested && starts(bytes, end, open) {
                end += open.len();
                depth = depth.saturating_add(1);
            } else {
                end += 1;
            }
        }
        self.state = State::Comment(depth);
        self.emit(at, bytes.len(), TokenKind::Comment);
        bytes.len()
    }

    /// Lua long brackets `[[`, `[==[` at `open` (a comment when `start` is before them).
    fn long_bracket(
        &mut self,
        bytes: &[u8],
        open: usize,
        start: usize,
        kind: TokenKind,
    ) -> Option<usize> {
        if bytes.get(open) != Some(&b'[') {
            return None;
        }
        let equals = word_end(bytes, open + 1, |b| b == b'=');
        if bytes.get(equals) != Some(&b'[') {
            return None;
        }
        let level = equals - open - 1;
        let string = StrState {
            close: Cow::Owned(format!("]{}]", "=".repeat(level))),
            escapes: Escapes::None,
            interp: Interp::None,
            multiline: true,
            kind,
        };
        self.emit(start, equals + 1, kind);
        self.state = State::Str(string);
        Some(equals + 1)
    }

    /// Rust: `'a'` and `'\n'` are characters, `'a` a lifetime or label.
    fn char_or_lifetime(&mut self, bytes: &[u8], at: usize) -> usize {
        let n = bytes.len();
        if bytes.get(at + 1) == Some(&b'\\') {
            let escape = escape_end(bytes, at + 1);
            if bytes.get(escape) == Some(&b'\'') {
                self.emit(at, at + 1, TokenKind::String);
                self.emit(at + 1, escape, TokenKind::Escape);
                self.emit(escape, escape + 1, TokenKind::String);
                return escape + 1;
            }
        }
        if at + 1 < n && bytes[at + 1] != b'\'' {
            let after = next_char(bytes, at + 1);
            if bytes.get(after) == Some(&b'\'') {
                self.emit(at, after + 1, TokenKind::String);
                return after + 1;
            }
            if self.ident_start[usize::from(bytes[at + 1])] {
                let end = word_end(bytes, at + 1, |b| self.ident_continue[usize::from(b)]);
                self.emit(at, end, TokenKind::Keyword);
                return end;
            }
        }
        self.emit(at, at + 1, TokenKind::Plain);
        at + 1
    }
}

fn quote_text(quote: u8) -> Cow<'static, str> {
    match quote {
        b'"' => Cow::Borrowed("\""),
        b'\'' => Cow::Borrowed("'"),
        b'`' => Cow::Borrowed("`"),
        other => Cow::Owned(char::from(other).to_string()),
    }
}

/// The end of a `$name`, `${…}`, `$1` or `$@` variable reference at `at`.
fn variable_end(bytes: &[u8], at: usize) -> usize {
    let n = bytes.len();
    match bytes.get(at + 1) {
        Some(b'{') => {
            bytes[at..].iter().position(|&b| b == b'}').map_or(n, |offset| at + offset + 1)
        }
        Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {
            word_end(bytes, at + 1, |b| b.is_ascii_alphanumeric() || b == b'_')
        }
        Some(b) if b.is_ascii_digit() || b"@*#?$!-^<+%".contains(b) => at + 2,
        _ => at + 1,
    }
}

/// Shell and CSS specifics.
impl Lexer<'_> {
    /// `$name`, `${name}`, `$(command)`, `$'…'` in shell code (and `$(VAR)` in makefiles).
    fn dollar(&mut self, bytes: &[u8], at: usize) -> usize {
        match bytes.get(at + 1) {
            Some(b'(') if self.lang.hook == LineHook::Makefile => {
                let end =
                    bytes[at..].iter().position(|&b| b == b')').map_or(bytes.len(), |o| at + o + 1);
                self.emit(at, end, TokenKind::Constant);
                self.command = false;
                end
            }
            Some(b'(') => {
                self.depth = self.depth.saturating_add(1);
                self.emit(at, at + 2, TokenKind::Operator);
                self.command = true;
                at + 2
            }
            Some(b'\'') => {
                let quote = Quote {
                    open: b'\'',
                    escapes: Escapes::Backslash,
                    multiline: true,
                    interp: Interp::None,
                };
                self.string_start(bytes, at, at + 1, quote, Flavor::Plain)
            }
            _ => {
                let end = variable_end(bytes, at);
                if end > at + 1 {
                    self.emit(at, end, TokenKind::Constant);
                    self.command &= self.assigning;
                } else {
                    self.emit(at, end, TokenKind::Operator);
                }
                end
            }
        }
    }

    /// `<<WORD`, `<<-'WORD'`, `<< "WORD"`: the body starts on the next line.
    fn heredoc_start(&mut self, bytes: &[u8], at: usize) -> Option<usize> {
        let mut word_start = at + 2;
        let strip_tabs = bytes.get(word_start) == Some(&b'-');
        if strip_tabs {
            word_start += 1;
        }
        let operator_end = word_start;
        word_start = skip_spaces(bytes, word_start);
        let quote = bytes.get(word_start).copied().filter(|&b| b == b'\'' || b == b'"');
        let name_start = word_start + usize::from(quote.is_some());
        let name_end = word_end(bytes, name_start, |b| b.is_ascii_alphanumeric() || b == b'_');
        if name_end == name_start {
            return None;
        }
        let mut end = name_end;
        if quote.is_some() && bytes.get(end).copied() == quote {
            end += 1;
        }
        let word = String::from_utf8_lossy(&bytes[name_start..name_end]).into_owned();
        self.emit(at, operator_end, TokenKind::Operator);
        self.emit(operator_end, word_start, TokenKind::Plain);
        self.emit(word_start, end, TokenKind::String);
        self.heredoc = Some((word, strip_tabs));
        Some(end)
    }

    /// CSS: at-rules, selectors, properties, colours, units; `None` for the generic rules.
    fn css_token(&mut self, bytes: &[u8], at: usize) -> Option<usize> {
        let byte = bytes[at];
        let next = bytes.get(at + 1).copied();
        let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b >= 0x80;
        let in_block = self.depth > 0;
        let (end, kind) = match byte {
            b'@' if next.is_some_and(ident) => (word_end(bytes, at + 1, ident), TokenKind::Keyword),
            b'$' if next.is_some_and(ident) => {
                (word_end(bytes, at + 1, ident), TokenKind::Constant)
            }
            b'#' if next.is_some_and(ident) => {
                let before = bytes[..at].iter().rposition(|&b| !is_space(b)).map(|i| bytes[i]);
                let value = in_block || matches!(before, Some(b':' | b',' | b'('));
                let kind = if value { TokenKind::Number } else { TokenKind::Attribute };
                (word_end(bytes, at + 1, ident), kind)
            }
            b'.' if next.is_some_and(|b| ident(b) && !b.is_ascii_digit() && b != b'-') => {
                (word_end(bytes, at + 1, ident), TokenKind::Attribute)
            }
            b'!' if starts(bytes, at + 1, "important") => (at + 10, TokenKind::Keyword),
            b'-' if next.is_some_and(|b| b.is_ascii_digit() || b == b'.') => {
                let start = if next == Some(b'.') { at + 2 } else { at + 1 };
                (number_end(bytes, start, true), TokenKind::Number)
            }
            _ if byte.is_ascii_alphabetic() || byte == b'-' || byte == b'_' || byte >= 0x80 => {
                let end = word_end(bytes, at, ident);
                let word = std::str::from_utf8(&bytes[at..end]).unwrap_or("");
                let after = skip_spaces(bytes, end);
                let kind = if bytes.get(end) == Some(&b'(') {
                    TokenKind::Function
                } else if in_block && bytes.get(after) == Some(&b':') && !starts(bytes, after, "::")
                {
                    TokenKind::Attribute
                } else if !in_block {
                    TokenKind::Tag
                } else {
                    self.lookup(word).unwrap_or(TokenKind::Plain)
                };
                (end, kind)
            }
            _ => return None,
        };
        self.emit(at, end, kind);
        Some(end)
    }
}

/// Line-oriented formats: diff and YAML.
impl Lexer<'_> {
    fn diff(&mut self, bytes: &[u8]) {
        let header = [
            "+++",
            "---",
            "diff ",
            "index ",
            "*** ",
            "Index: ",
            "Only in ",
            "new file",
            "deleted file",
            "similarity",
            "rename ",
        ];
        let kind = if header.iter().any(|h| starts(bytes, 0, h)) {
            TokenKind::Comment
        } else {
            match bytes.first() {
                Some(b'@') if starts(bytes, 0, "@@") => TokenKind::Preprocessor,
                Some(b'+' | b'>') => TokenKind::String,
                Some(b'-' | b'<') => TokenKind::Escape,
                Some(b'!') => TokenKind::Keyword,
                _ => TokenKind::Plain,
            }
        };
        self.emit(0, bytes.len(), kind);
    }

    fn yaml(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let indent = word_end(bytes, 0, |b| b == b' ');
        if let State::YamlBlock { indent: parent } = self.state {
            if skip_spaces(bytes, 0) == n || indent > parent {
                self.emit(0, n, TokenKind::String);
                return;
            }
            self.state = State::Code;
        }
        let mut at = skip_spaces(bytes, 0);
        self.emit(0, at, TokenKind::Plain);
        if at == 0 && (starts(bytes, 0, "---") || starts(bytes, 0, "...")) {
            self.emit(0, 3, TokenKind::Preprocessor);
            at = 3;
        } else if at == 0 && starts(bytes, 0, "%") {
            self.emit(0, n, TokenKind::Preprocessor);
            return;
        }
        // List markers, then perhaps a key.
        loop {
            at = skip_spaces(bytes, at);
            if at < n && bytes[at] == b'-' && bytes.get(at + 1).is_none_or(|&b| is_space(b)) {
                self.emit(at, at + 1, TokenKind::Operator);
                at += 1;
            } else {
                break;
            }
        }
        if let Some(colon) = yaml_key_end(bytes, at) {
            let mut key_end = colon;
            while key_end > at && is_space(bytes[key_end - 1]) {
                key_end -= 1;
            }
            self.emit(at, key_end, TokenKind::Attribute);
            self.emit(colon, colon + 1, TokenKind::Plain);
            at = colon + 1;
        }
        self.yaml_value(bytes, at, indent);
    }

    fn yaml_value(&mut self, bytes: &[u8], mut at: usize, indent: usize) {
        let n = bytes.len();
        let mut flow = 0u32;
        while at < n {
            let byte = bytes[at];
            let start = at;
            if is_space(byte) {
                at = skip_spaces(bytes, at);
                self.emit(start, at, TokenKind::Plain);
                continue;
            }
            if byte == b'#' && (at == 0 || is_space(bytes[at - 1])) {
                self.emit(at, n, TokenKind::Comment);
                return;
            }
            match byte {
                b'"' | b'\'' => {
                    let escapes = if byte == b'"' { Escapes::Backslash } else { Escapes::Doubled };
                    let quote =
                        Quote { open: byte, escapes, multiline: false, interp: Interp::None };
                    at = self.string_start(bytes, at, at, quote, Flavor::Plain);
                    while at < n && matches!(self.state, State::Str(_)) {
                        at = self.string_body(bytes, at).max(at + 1);
                    }
                    self.state = State::Code;
                }
                b'&' | b'*' | b'!' if bytes.get(at + 1).is_some_and(|&b| !is_space(b)) => {
                    at = word_end(bytes, at + 1, |b| !is_space(b) && !b",[]{}".contains(&b));
                    self.emit(start, at, TokenKind::Type);
                }
                b'|' | b'>' if flow == 0 => {
                    at = word_end(bytes, at + 1, |b| b == b'-' || b == b'+' || b.is_ascii_digit());
                    self.emit(start, at, TokenKind::Operator);
                    let rest = skip_spaces(bytes, at);
                    if rest == n || bytes[rest] == b'#' {
                        self.state = State::YamlBlock { indent };
                    }
                }
                b'{' | b'[' => {
                    flow += 1;
                    at += 1;
                    self.emit(start, at, TokenKind::Plain);
                }
                b'}' | b']' | b',' => {
                    if byte != b',' {
                        flow = flow.saturating_sub(1);
                    }
                    at += 1;
                    self.emit(start, at, TokenKind::Plain);
                }
                _ => {
                    // A plain scalar up to a comment, or a flow separator inside brackets.
                    let mut end = at;
                    let flow_key = |i: usize| {
                        flow > 0
                            && bytes[i] == b':'
                            && bytes.get(i + 1).is_none_or(|&b| is_space(b))
                    };
                    while end < n
                        && !(bytes[end] == b'#' && is_space(bytes[end - 1]))
                        && !(flow > 0 && b",[]{}".contains(&bytes[end]))
                        && !(end > at && flow_key(end))
                    {
                        end += 1;
                    }
                    let mut trimmed = end;
                    while trimmed > at && is_space(bytes[trimmed - 1]) {
                        trimmed -= 1;
                    }
                    let key = end < n && flow_key(end);
                    let kind = if key {
                        TokenKind::Attribute
                    } else {
                        self.yaml_scalar_kind(&bytes[at..trimmed])
                    };
                    self.emit(at, trimmed, kind);
                    self.emit(trimmed, end, TokenKind::Plain);
                    at = end;
                    if key {
                        self.emit(end, end + 1, TokenKind::Plain);
                        at = end + 1;
                    }
                }
            }
        }
    }

    fn yaml_scalar_kind(&self, scalar: &[u8]) -> TokenKind {
        let digits_from = usize::from(matches!(scalar.first(), Some(b'-' | b'+')));
        if scalar.len() > digits_from
            && (scalar[digits_from].is_ascii_digit() || scalar[digits_from] == b'.')
            && number_end(scalar, digits_from, false) == scalar.len()
        {
            return TokenKind::Number;
        }
        let text = std::str::from_utf8(scalar).unwrap_or("");
        if self.lookup(text) == Some(TokenKind::Constant)
            || matches!(text, ".inf" | "-.inf" | ".nan" | ".NaN")
        {
            return TokenKind::Constant;
        }
        TokenKind::String
    }
}

/// The colon ending a YAML mapping key that starts at `at`, if the line has one.
fn yaml_key_end(bytes: &[u8], at: usize) -> Option<usize> {
    let n = bytes.len();
    let is_colon = |i: usize| bytes[i] == b':' && (i + 1 == n || is_space(bytes[i + 1]));
    let first = *bytes.get(at)?;
    if first == b'"' || first == b'\'' {
        let close = bytes[at + 1..].iter().position(|&b| b == first)? + at + 1;
        let colon = skip_spaces(bytes, close + 1);
        return (colon < n && is_colon(colon)).then_some(colon);
    }
    if b"[{&*!|>#%@`".contains(&first) {
        return None;
    }
    let mut i = at;
    while i < n {
        if bytes[i] == b'#' && i > at && is_space(bytes[i - 1]) {
            return None;
        }
        if is_colon(i) {
            return Some(i);
        }
        i += 1;
    }
    None
}

/// Markup: HTML, XML, SVG.
impl Lexer<'_> {
    fn markup(&mut self, bytes: &[u8]) {
        let n = bytes.len();
        let mut at = 0;
        while at < n {
            let next = match self.state.clone() {
                State::Tag => self.markup_tag(bytes, at),
                State::TagValue(quote) => {
                    let close = bytes[at..].iter().position(|&b| b == quote);
                    let end = close.map_or(n, |offset| {
                        self.state = State::Tag;
                        at + offset + 1
                    });
                    self.emit(at, end, TokenKind::String);
                    end
                }
                State::Sgml { close, kind } => {
                    let found = find(bytes, at, close.as_bytes());
                    let end = found.map_or(n, |offset| {
                        self.state = State::Code;
                        offset + close.len()
                    });
                    self.emit(at, end, kind);
                    end
                }
                State::RawText { end: end_tag } => {
                    let found = find_ignore_case(bytes, at, end_tag.as_bytes());
                    let end = found.unwrap_or(n);
                    match self.embedded.as_mut() {
                        Some(embedded) => {
                            embedded.tokens.clear();
                            embedded.code_from(&bytes[..end], at);
                            self.tokens.append(&mut embedded.tokens);
                        }
                        None => self.emit(at, end, TokenKind::Plain),
                    }
                    match found {
                        Some(end) => {
                            self.state = State::Code;
                            self.embedded = None;
                            self.markup_text(bytes, end)
                        }
                        None => end,
                    }
                }
                _ => self.markup_text(bytes, at),
            };
            at = next.max(at + 1).min(n.max(at + 1));
        }
    }

    fn markup_text(&mut self, bytes: &[u8], at: usize) -> usize {
        let n = bytes.len();
        let end = word_end(bytes, at, |b| b != b'<' && b != b'&');
        if end > at {
            self.emit(at, end, TokenKind::Plain);
            return end;
        }
        if bytes[at] == b'&' {
            let name_end = word_end(bytes, at + 1, |b| b.is_ascii_alphanumeric() || b == b'#');
            if name_end > at + 1 && name_end - at < 32 && bytes.get(name_end) == Some(&b';') {
                self.emit(at, name_end + 1, TokenKind::Escape);
                return name_end + 1;
            }
            self.emit(at, at + 1, TokenKind::Plain);
            return at + 1;
        }
        let sgml: [(&str, &'static str, TokenKind); 4] = [
            ("<!--", "-->", TokenKind::Comment),
            ("<![CDATA[", "]]>", TokenKind::String),
            ("<!", ">", TokenKind::Preprocessor),
            ("<?", "?>", TokenKind::Preprocessor),
        ];
        for (open, close, kind) in sgml {
            if starts(bytes, at, open) {
                self.state = State::Sgml { close, kind };
                self.emit(at, at + open.len(), kind);
                return at + open.len();
            }
        }
        let closing = bytes.get(at + 1) == Some(&b'/');
        let name_start = at + 1 + usize::from(closing);
        let is_name = |b: u8| b.is_ascii_alphanumeric() || b"-_:.".contains(&b) || b >= 0x80;
        if bytes.get(name_start).is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b >= 0x80)
        {
            let name_end = word_end(bytes, name_start, is_name);
            self.emit(at, name_start, TokenKind::Plain);
            self.emit(name_start, name_end, TokenKind::Tag);
            let name = &bytes[name_start..name_end];
            self.raw_text_after = if closing {
                None
            } else if name.eq_ignore_ascii_case(b"script") {
                Some("</script")
            } else if name.eq_ignore_ascii_case(b"style") {
                Some("</style")
            } else {
                None
            };
            self.state = State::Tag;
            self.expect = Expect::Nothing;
            let _ = n;
            return name_end;
        }
        self.emit(at, at + 1, TokenKind::Plain);
        at + 1
    }

    fn markup_tag(&mut self, bytes: &[u8], at: usize) -> usize {
        let byte = bytes[at];
        if is_space(byte) {
            let end = skip_spaces(bytes, at);
            self.emit(at, end, TokenKind::Plain);
            return end;
        }
        if byte == b'>' || starts(bytes, at, "/>") {
            let end = if byte == b'>' { at + 1 } else { at + 2 };
            self.emit(at, end, TokenKind::Plain);
            self.state = match self.raw_text_after.take() {
                Some(end_tag) if byte == b'>' => {
                    // Script and style content in their own language.
                    let language = if end_tag == "</style" { "css" } else { "javascript" };
                    self.embedded = languages::find(language).map(|l| Box::new(Lexer::new(l)));
                    State::RawText { end: end_tag }
                }
                _ => State::Code,
            };
            return end;
        }
        if byte == b'=' {
            self.emit(at, at + 1, TokenKind::Plain);
            self.expect = Expect::Value;
            return at + 1;
        }
        let value = std::mem::replace(&mut self.expect, Expect::Nothing) == Expect::Value;
        if byte == b'"' || byte == b'\'' {
            self.emit(at, at + 1, TokenKind::String);
            self.state = State::TagValue(byte);
            return at + 1;
        }
        let end = word_end(bytes, at, |b| !is_space(b) && !b"=>\"'".contains(&b) && b != b'/')
            .max(next_char(bytes, at));
        self.emit(at, end, if value { TokenKind::String } else { TokenKind::Attribute });
        end
    }
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut at = from;
    while at < bytes.len() {
        let offset = bytes[at..].iter().position(|&b| b == first)?;
        at += offset;
        if bytes[at..].starts_with(needle) {
            return Some(at);
        }
        at += 1;
    }
    None
}

fn find_ignore_case(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let mut at = from;
    while at + needle.len() <= bytes.len() {
        let offset = bytes[at..].iter().position(|&b| b == b'<')?;
        at += offset;
        if bytes.get(at..at + needle.len()).is_some_and(|w| w.eq_ignore_ascii_case(needle)) {
            return Some(at);
        }
        at += 1;
    }
    None
}

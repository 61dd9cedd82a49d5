//! The syntect fallback for languages without a built-in lexer: grammar lookup, parsing lines
//! into scopes, scopes into token kinds. The only file that imports syntect.

use std::collections::HashMap;
use std::sync::OnceLock;

use syntect::parsing::{ParseState, Scope, ScopeStack, SyntaxReference, SyntaxSet};

use super::{Span, Theme, TokenKind};

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

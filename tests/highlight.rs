//! Code highlighting: token kinds per language, lossless spans, aliases, themes, threads.

use folio::highlight;

#[cfg(feature = "highlight")]
mod with_feature {
    use super::*;
    use folio::highlight::TokenKind;

    /// The code back from its spans: highlighting must never add, drop or reorder text.
    fn joined(lines: &[Vec<highlight::Span>]) -> String {
        lines
            .iter()
            .map(|line| line.iter().map(|s| s.text.as_str()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The kind of the span holding `text` exactly (or starting with it).
    fn kind_of(lines: &[Vec<highlight::Span>], text: &str) -> Option<TokenKind> {
        lines
            .iter()
            .flatten()
            .find(|s| s.text.trim() == text || s.text.starts_with(text))
            .map(|s| s.style.kind)
    }

    /// Tokens of a sample and the kinds they must get.
    type Expected = &'static [(&'static str, TokenKind)];

    /// (language word, code, expected tokens).
    const CASES: &[(&str, &str, Expected)] = &[
        (
            "rust",
            "// add\nfn add(a: u32) -> u32 {\n    let s = \"hi\\n\";\n    a + 42\n}\n",
            &[
                ("// add", TokenKind::Comment),
                ("fn", TokenKind::Keyword),
                ("add", TokenKind::Function),
                ("42", TokenKind::Number),
                ("\"hi", TokenKind::String),
                ("\\n", TokenKind::Escape),
            ],
        ),
        ("rs", "let x = true;\n", &[("let", TokenKind::Keyword), ("true", TokenKind::Constant)]),
        (
            "python",
            "def f(x):\n    return None  # nothing\n",
            &[
                ("def", TokenKind::Keyword),
                ("f", TokenKind::Function),
                ("return", TokenKind::Keyword),
                ("None", TokenKind::Constant),
                ("# nothing", TokenKind::Comment),
            ],
        ),
        ("py", "import os\n", &[("import", TokenKind::Preprocessor)]),
        (
            "js",
            "const n = 3; // x\n",
            &[
                ("const", TokenKind::Keyword),
                ("3", TokenKind::Number),
                ("// x", TokenKind::Comment),
            ],
        ),
        (
            "typescript",
            "let s = 'a';\n",
            &[("let", TokenKind::Keyword), ("'a'", TokenKind::String)],
        ),
        (
            "bash",
            "echo \"$HOME\" # hi\n",
            &[("echo", TokenKind::Function), ("# hi", TokenKind::Comment)],
        ),
        (
            "yml",
            "port: 7070\nname: kestrel # x\n",
            &[("7070", TokenKind::Number), ("# x", TokenKind::Comment)],
        ),
        (
            "c++",
            "#include <vector>\nint main() { return 0; }\n",
            &[("int", TokenKind::Type), ("return", TokenKind::Keyword), ("0", TokenKind::Number)],
        ),
        ("c", "/* c */ int x = 1;\n", &[("/* c */", TokenKind::Comment), ("int", TokenKind::Type)]),
        (
            "json",
            "{\"a\": [1, true, null]}\n",
            &[("1", TokenKind::Number), ("true", TokenKind::Constant)],
        ),
        (
            "html",
            "<p class=\"x\">hi</p>\n",
            &[("p", TokenKind::Tag), ("class", TokenKind::Attribute)],
        ),
        (
            "go",
            "package main\nfunc main() {}\n",
            &[("package", TokenKind::Keyword), ("func", TokenKind::Keyword)],
        ),
        ("{.ruby}", "def x; end\n", &[("def", TokenKind::Keyword)]),
    ];

    #[test]
    fn token_kinds_by_language() {
        let theme = highlight::theme("default").unwrap();
        let mut failures = Vec::new();
        for (lang, code, expected) in CASES {
            let Some(lines) = highlight::highlight(code, lang, theme) else {
                failures.push(format!("{lang}: not highlighted"));
                continue;
            };
            assert_eq!(joined(&lines), code.trim_end_matches('\n'), "{lang}: text changed");
            for (text, kind) in *expected {
                let found = kind_of(&lines, text);
                if found != Some(*kind) {
                    failures.push(format!(
                        "{lang}: {text:?} is {found:?}, expected {kind:?}\n  {lines:?}"
                    ));
                }
            }
        }
        assert!(failures.is_empty(), "{}", failures.join("\n"));
    }

    #[test]
    fn lines_and_newlines() {
        let theme = highlight::theme("default").unwrap();
        let lines = highlight::highlight("a\n\nb", "rust", theme).unwrap();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].is_empty());
        let lines = highlight::highlight("a\r\nb\r\n", "rust", theme).unwrap();
        assert_eq!(joined(&lines), "a\nb");
    }

    #[test]
    fn spans_carry_theme_colours() {
        for name in highlight::theme_names() {
            let theme = highlight::theme(name).unwrap();
            let lines = highlight::highlight("fn main() {} // x\n", "rust", theme).unwrap();
            let keyword = lines[0].iter().find(|s| s.text == "fn").unwrap();
            assert_eq!(keyword.style, theme.style(TokenKind::Keyword), "{name}");
            assert_ne!(
                theme.style(TokenKind::Keyword).color,
                theme.foreground(),
                "{name}: keywords not coloured"
            );
            assert_ne!(
                theme.style(TokenKind::Comment).color,
                theme.background,
                "{name}: comments invisible"
            );
        }
        assert!(highlight::theme("solarized-dark").unwrap().dark);
        assert!(!highlight::theme("default").unwrap().dark);
    }

    #[test]
    fn shared_across_threads() {
        let handles: Vec<_> = (0..4)
            .map(|i| {
                std::thread::spawn(move || {
                    let theme = highlight::theme("github").unwrap();
                    let code = format!("fn f{i}() {{ {i} }}\n");
                    joined(&highlight::highlight(&code, "rust", theme).unwrap())
                })
            })
            .collect();
        for (i, handle) in handles.into_iter().enumerate() {
            assert_eq!(handle.join().unwrap(), format!("fn f{i}() {{ {i} }}"));
        }
    }

    #[test]
    fn pathological_input_stays_plain() {
        let theme = highlight::theme("default").unwrap();
        let long_line = "x".repeat(highlight::MAX_LINE_BYTES + 1);
        assert!(highlight::highlight(&long_line, "rust", theme).is_none());
        // An unterminated string across many lines still returns every line.
        let code = "\"".to_string() + &"abc\n".repeat(2000);
        let lines = highlight::highlight(&code, "python", theme).unwrap();
        assert_eq!(lines.len(), 2000);
    }
}

#[test]
fn unknown_languages_stay_plain() {
    let theme = highlight::theme("default").unwrap();
    for lang in ["", "text", "plaintext", "nosuchlang", "output"] {
        assert!(highlight::highlight("fn x() {}\n", lang, theme).is_none(), "{lang}");
        assert!(!highlight::is_supported(lang), "{lang}");
    }
}

#[test]
fn themes_by_name() {
    let names = highlight::theme_names();
    assert_eq!(names[0], "default");
    for name in &names {
        let theme = highlight::theme(name).unwrap();
        let css = theme.css();
        assert!(css.contains("pre.highlight {"), "{name}: {css}");
        assert!(css.contains(".highlight .kw {"), "{name}: {css}");
    }
    let error = highlight::theme("neon").unwrap_err();
    assert!(matches!(error, folio::Error::Option(_)));
    let message = error.to_string();
    for name in names {
        assert!(message.contains(name), "{message}");
    }
}

#[cfg(not(feature = "highlight"))]
#[test]
fn without_the_feature_nothing_is_highlighted() {
    let theme = highlight::theme("default").unwrap();
    assert!(highlight::highlight("fn main() {}\n", "rust", theme).is_none());
    assert!(!highlight::is_supported("rust"));
}

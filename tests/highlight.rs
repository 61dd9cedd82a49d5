//! Code highlighting: token kinds per language, lossless spans, aliases, themes, threads,
//! hostile input (random text in every built-in language), the syntect fallback.

use folio::highlight;

/// The built-in lexers: always compiled, with or without the `highlight` feature.
mod built_in {
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
    fn long_lines_and_open_constructs() {
        let theme = highlight::theme("default").unwrap();
        // Built-in lexers are linear: a long minified line is highlighted, not refused.
        let long_line = "x = 1; ".repeat(highlight::MAX_LINE_BYTES);
        let lines = highlight::highlight(&long_line, "js", theme).unwrap();
        assert_eq!(joined(&lines), long_line);
        // An unterminated string across many lines still returns every line.
        let code = "\"\"\"".to_string() + &"abc\n".repeat(2000);
        let lines = highlight::highlight(&code, "python", theme).unwrap();
        assert_eq!(lines.len(), 2000);
        assert!(lines.iter().skip(1).all(|l| l[0].style.kind == TokenKind::String));
        // Open comments, strings and tags at the end of the block.
        for (lang, code) in [
            ("rust", "/* open /* nested"),
            ("c", "char *s = \"open\\"),
            ("rust", "let c = '"),
            ("js", "`${ {"),
            ("sh", "cat <<EOF\nbody"),
            ("html", "<a href=\"x"),
            ("yaml", "key: |"),
            ("lua", "--[==["),
            ("cpp", "R\"x("),
            ("html", "<script>if (a < `${"),
            ("html", "<style>p { color: "),
            ("php", "\"{$a"),
            ("json", "{\"k\\"),
        ] {
            let lines = highlight::highlight(code, lang, theme).unwrap();
            assert_eq!(joined(&lines), code, "{lang}");
        }
        assert_eq!(highlight::highlight("", "rust", theme).unwrap().len(), 0);
    }

    #[test]
    fn state_crosses_lines() {
        let theme = highlight::theme("default").unwrap();
        let kinds = |code: &str, lang: &str| -> Vec<Vec<TokenKind>> {
            highlight::highlight(code, lang, theme)
                .unwrap()
                .iter()
                .map(|line| line.iter().map(|s| s.style.kind).collect())
                .collect()
        };
        assert_eq!(kinds("/* a\nb */ x", "c")[1][0], TokenKind::Comment);
        assert_eq!(kinds("/* a /* b */\nc */ x", "rust")[1][0], TokenKind::Comment);
        assert_eq!(kinds("/* a /* b */\nc */ x", "c")[1][0], TokenKind::Plain);
        assert_eq!(kinds("s = '''a\nb''' + x", "python")[1][0], TokenKind::String);
        assert_eq!(kinds("cat <<EOF\n$x\nEOF\necho", "sh")[3][0], TokenKind::Function);
        assert_eq!(kinds("<p\n  class=\"a\">", "html")[1][1], TokenKind::Attribute);
        // A single-line string does not leak into the next line.
        assert_eq!(kinds("x = \"open\ny = 1", "js")[1][0], TokenKind::Plain);
    }
}

/// Random text in every built-in language comes back unchanged: no panic, no lost, added or
/// reordered byte, whatever the input (CRLF, tabs, non-ASCII, stray quotes and brackets).
mod round_trip {
    use folio::highlight::{languages, lexer};
    use proptest::prelude::*;

    fn check(code: &str) {
        let expected: Vec<&str> = code.lines().collect();
        for language in languages::LANGUAGES {
            let lines = lexer::tokenize(code, language);
            let rejoined: Vec<String> =
                lines.iter().map(|l| l.iter().map(|(text, _)| *text).collect()).collect();
            assert_eq!(rejoined, expected, "{}", language.name);
            assert!(lines.iter().flatten().all(|(text, _)| !text.is_empty()), "{}", language.name);
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]

        #[test]
        fn any_text(code in "\\PC{0,120}") {
            check(&code);
        }

        #[test]
        fn code_like_text(code in r#"([a-z_$#@'"`\\/*{}()\[\]<>=!&|;:.,%^~?+-]|[0-9]|[ \t]|\r?\n|é|→|r#|"""|<<|\$\{|#\{|\\\(|<!--|-->|\[=*\[){0,80}"#) {
            check(&code);
        }
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

#[cfg(feature = "highlight")]
#[test]
fn long_tail_languages_fall_back_to_syntect() {
    let theme = highlight::theme("default").unwrap();
    assert!(highlight::languages::find("haskell").is_none());
    let lines = highlight::highlight("main = putStrLn \"hi\" -- x\n", "haskell", theme).unwrap();
    let kinds: Vec<_> = lines[0].iter().map(|s| s.style.kind).collect();
    assert!(kinds.contains(&highlight::TokenKind::String), "{lines:?}");
    assert!(highlight::is_supported("hs"));
    // The fallback keeps refusing lines that regex grammars could take quadratic time on.
    let long_line = "x".repeat(highlight::MAX_LINE_BYTES + 1);
    assert!(highlight::highlight(&long_line, "haskell", theme).is_none());
}

#[cfg(not(feature = "highlight"))]
#[test]
fn without_the_feature_only_built_in_languages_are_highlighted() {
    let theme = highlight::theme("default").unwrap();
    assert!(highlight::highlight("fn main() {}\n", "rust", theme).is_some());
    assert!(highlight::is_supported("rust"));
    assert!(highlight::highlight("main = 1\n", "haskell", theme).is_none());
    assert!(!highlight::is_supported("haskell"));
}

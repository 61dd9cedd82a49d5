//! The `folio` command as a user meets it with one document: exit codes, stdin/stdout, format
//! inference, refusals, atomic outputs, configuration, completions and the man page.

mod common;

use common::{run_on_terminal, script_available, shell_quote, Run, Scratch};

const DOC: &str = "# Title\n\nSome *text*.\n";

#[test]
fn converts_a_file_to_stdout_by_default() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    let run = s.run(&["a.md"]);
    run.expect_code(0);
    let html = run.stdout_text();
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(html.contains("<em>text</em>"), "{html}");
    assert!(run.stderr.is_empty(), "{}", run.stderr);
}

#[test]
fn dash_o_dash_writes_stdout() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    let run = s.run(&["a.md", "-o", "-", "-t", "json"]);
    run.expect_code(0);
    let model: serde_json::Value = serde_json::from_slice(&run.stdout).expect("JSON model");
    assert!(model.get("blocks").is_some(), "{model}");
    assert_eq!(s.files("."), vec!["a.md"]);
}

#[test]
fn reads_standard_input_piped_in() {
    let s = Scratch::new();
    let run = s.run_with_stdin(&["-t", "html", "--fragment"], DOC.as_bytes());
    run.expect_code(0);
    assert_eq!(run.stdout_text(), "<h1 id=\"title\">Title</h1>\n<p>Some <em>text</em>.</p>\n");
    let run = s.run_with_stdin(&["-", "-t", "html", "--fragment"], b"plain");
    run.expect_code(0);
    assert_eq!(run.stdout_text(), "<p>plain</p>\n");
}

#[test]
fn output_format_is_inferred_from_the_extension() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    s.run(&["a.md", "-o", "a.json"]).expect_code(0);
    let model: serde_json::Value = serde_json::from_str(&s.read("a.json")).expect("JSON model");
    assert!(model.get("blocks").is_some());
    s.run(&["a.md", "-o", "page.htm"]).expect_code(0);
    assert!(s.read("page.htm").starts_with("<!DOCTYPE html>"));
    let run = s.run(&["a.md", "-o", "a.docx"]);
    run.expect_code(2);
    assert!(run.stderr.contains("cannot tell the output format from 'a.docx'"), "{}", run.stderr);
}

#[test]
fn input_format_is_inferred_from_the_extension() {
    let s = Scratch::new();
    // In Markdown `[a](…)` is a link; plain text keeps it as typed.
    s.write("n.txt", "see [a](https://example.org/)\n");
    let run = s.run(&["n.txt", "--fragment"]);
    run.expect_code(0);
    assert!(run.stdout_text().contains("[a](https://example.org/)"), "{}", run.stdout_text());
    s.write("n.md", "see [a](https://example.org/)\n");
    let run = s.run(&["n.md", "--fragment"]);
    assert!(
        run.stdout_text().contains("<a href=\"https://example.org/\">a</a>"),
        "{}",
        run.stdout_text()
    );
}

#[test]
fn unknown_format_exits_2_and_lists_the_known_ones() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    let run = s.run(&["a.md", "-t", "docx"]);
    run.expect_code(2);
    assert!(run.stderr.contains("unknown format 'docx'"), "{}", run.stderr);
    assert!(run.stderr.contains("html, epub, pdf, json"), "{}", run.stderr);
    let run = s.run(&["a.md", "-f", "rst"]);
    run.expect_code(2);
    assert!(run.stderr.contains("markdown"), "{}", run.stderr);
    let run = s.run(&["a.md", "-t", "html,odt"]);
    run.expect_code(2);
    assert!(run.stderr.contains("unknown format 'odt'"), "{}", run.stderr);
}

#[test]
fn binary_output_to_a_terminal_is_refused() {
    if !script_available() {
        return;
    }
    let s = Scratch::new();
    s.write("a.md", DOC);
    let folio = shell_quote(env!("CARGO_BIN_EXE_folio"));
    for format in ["pdf", "epub"] {
        let (code, screen) = run_on_terminal(s.path(), &format!("{folio} a.md -t {format}"));
        assert_eq!(code, 2, "{screen}");
        assert!(screen.contains("refusing to write binary"), "{screen}");
    }
    // Text formats go to the terminal as usual.
    let (code, screen) = run_on_terminal(s.path(), &format!("{folio} a.md -t html --fragment"));
    assert_eq!(code, 0, "{screen}");
    assert!(screen.contains("<h1"), "{screen}");
}

#[test]
fn output_equal_to_input_is_refused() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    let run = s.run(&["a.md", "-t", "html", "-o", "a.md"]);
    run.expect_code(2);
    assert!(run.stderr.contains("overwrite"), "{}", run.stderr);
    assert_eq!(s.read("a.md"), DOC);
    // Also through another spelling of the same path.
    let run = s.run(&["a.md", "-t", "html", "-o", "./a.md"]);
    run.expect_code(2);
    assert_eq!(s.read("a.md"), DOC);
}

#[test]
fn missing_input_exits_1_naming_the_file() {
    let s = Scratch::new();
    let run = s.run(&["no-such-file.md"]);
    run.expect_code(1);
    assert!(run.stderr.contains("no-such-file.md"), "{}", run.stderr);
    assert!(run.stderr.contains("no such file"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

#[test]
fn bad_front_matter_exits_1_naming_the_file_and_line() {
    let s = Scratch::new();
    s.write("bad.md", "---\ntitle: fine\nauthor: [unclosed\n---\n\n# Body\n");
    let run = s.run(&["bad.md"]);
    run.expect_code(1);
    assert!(run.stderr.contains("bad.md: line "), "{}", run.stderr);
    assert!(run.stderr.contains("front matter"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "nothing is written on failure");
}

#[test]
fn failed_conversion_leaves_no_output_file() {
    let s = Scratch::new();
    s.write("bad.md", "---\ntitle: [x\n---\n");
    s.run(&["bad.md", "-o", "out.html"]).expect_code(1);
    assert_eq!(s.files("."), vec!["bad.md"], "no output and no temporary file");
}

#[test]
fn existing_output_is_replaced_only_by_a_successful_conversion() {
    let s = Scratch::new();
    s.write("out.html", "previous");
    s.write("bad.md", "---\ntitle: [x\n---\n");
    s.run(&["bad.md", "-o", "out.html"]).expect_code(1);
    assert_eq!(s.read("out.html"), "previous");
    s.write("good.md", DOC);
    s.run(&["good.md", "-o", "out.html"]).expect_code(0);
    assert!(s.read("out.html").contains("<h1"));
    assert_eq!(s.files(".").len(), 3, "no temporary files left: {:?}", s.files("."));
}

#[test]
fn several_inputs_with_one_output_file_is_a_usage_error_with_a_hint() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    s.write("b.md", DOC);
    let run = s.run(&["a.md", "b.md", "-o", "both.html"]);
    run.expect_code(2);
    assert!(run.stderr.contains("--output-dir"), "{}", run.stderr);
    assert!(run.stderr.contains("--concat"), "{}", run.stderr);
    assert!(!s.exists("both.html"));
    let run = s.run(&["a.md", "-t", "html,json", "-o", "x.html"]);
    run.expect_code(2);
    assert!(run.stderr.contains("2 formats"), "{}", run.stderr);
}

#[test]
fn concat_joins_inputs_into_one_document() {
    let s = Scratch::new();
    s.write("one.md", "---\ntitle: First\n---\n# Intro\n\nOne.\n");
    s.write("two.md", "---\ntitle: Second\nauthor: Ann\n---\n# Intro\n\nTwo.\n");
    s.write("three.txt", "Plain [three](https://example.org/).\n");
    let run = s.run(&["one.md", "two.md", "three.txt", "--concat", "-o", "all.json"]);
    run.expect_code(0);
    let model: serde_json::Value = serde_json::from_str(&s.read("all.json")).unwrap();
    assert_eq!(model["meta"]["title"], "First", "the first title wins");
    assert_eq!(model["meta"]["authors"][0], "Ann", "missing fields come from later inputs");
    let text = model.to_string();
    let (one, two, three) =
        (text.find("One.").unwrap(), text.find("Two.").unwrap(), text.find("Plain").unwrap());
    assert!(one < two && two < three, "inputs in the order given");
    assert!(
        text.contains("[three](https://example.org/)"),
        "each part is read in its own format: {text}"
    );
    s.run(&["one.md", "two.md", "--concat", "-o", "all.html"]).expect_code(0);
    let html = s.read("all.html");
    assert!(html.contains("id=\"intro\"") && html.contains("id=\"intro-1\""), "{html}");
}

#[test]
fn invalid_utf8_is_a_warning_and_strict_makes_it_a_failure() {
    let s = Scratch::new();
    s.write("latin.md", b"caf\xe9 au lait\n");
    let run = s.run(&["latin.md", "-o", "out.html"]);
    run.expect_code(0);
    assert!(run.stderr.contains("warning: latin.md: line 1"), "{}", run.stderr);
    let run = s.run(&["latin.md", "-o", "out.html", "--quiet"]);
    run.expect_code(0);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let run = s.run(&["latin.md", "-o", "strict.html", "--strict"]);
    run.expect_code(1);
    assert!(run.stderr.contains("--strict"), "{}", run.stderr);
}

#[test]
fn bad_source_date_epoch_is_a_usage_error() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    let run = Run::from(s.folio(&["a.md"]).env("SOURCE_DATE_EPOCH", "yesterday").output().unwrap());
    run.expect_code(2);
    assert!(run.stderr.contains("SOURCE_DATE_EPOCH"), "{}", run.stderr);
}

#[test]
fn help_documents_exit_codes_and_commands() {
    let s = Scratch::new();
    let run = s.run(&["--help"]);
    run.expect_code(0);
    let help = run.stdout_text();
    for needle in [
        "Exit status",
        "0  every conversion succeeded",
        "2  usage error",
        "--output-dir",
        "--report",
        "folio completions",
        "./completions",
        "folio.toml",
    ] {
        assert!(help.contains(needle), "--help lacks {needle:?}:\n{help}");
    }
    let run = s.run(&["--no-such-flag"]);
    run.expect_code(2);
}

// ---- configuration ----------------------------------------------------------------------

#[test]
fn folio_toml_in_the_current_folder_applies_and_flags_win() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    s.write("folio.toml", "to = \"json\"\n");
    let run = s.run(&["a.md"]);
    run.expect_code(0);
    assert!(run.stdout_text().trim_start().starts_with('{'), "{}", run.stdout_text());
    let run = s.run(&["a.md", "-t", "html"]);
    assert!(run.stdout_text().starts_with("<!DOCTYPE html>"));
    let run = s.run(&["a.md", "--no-config"]);
    assert!(run.stdout_text().starts_with("<!DOCTYPE html>"));
    // An -o extension names the format as plainly as -t does.
    s.write("folio.toml", "to = [\"json\", \"epub\"]\n");
    s.run(&["a.md", "-o", "a.html"]).expect_code(0);
    assert!(s.read("a.html").starts_with("<!DOCTYPE html>"));
}

#[test]
fn config_paths_are_relative_to_the_config_file() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    s.write("conf/style.css", "body { color: rebeccapurple }");
    s.write("conf/folio.toml", "css = \"style.css\"\n");
    let run = s.run(&["a.md", "--config", "conf/folio.toml"]);
    run.expect_code(0);
    assert!(run.stdout_text().contains("rebeccapurple"), "{}", run.stdout_text());
}

#[test]
fn config_unknown_key_is_an_error_naming_key_and_line() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    s.write("folio.toml", "toc = true\n\n# comment\ntoc_depth = 2\n");
    let run = s.run(&["a.md"]);
    run.expect_code(2);
    assert!(run.stderr.contains("folio.toml: line 4: unknown key 'toc_depth'"), "{}", run.stderr);
    assert!(run.stderr.contains("toc-depth"), "the known keys are listed: {}", run.stderr);
}

#[test]
fn config_bad_values_are_usage_errors() {
    let s = Scratch::new();
    s.write("a.md", DOC);
    for (text, needle) in [
        ("toc-depth = 9\n", "toc-depth = 9: expected 1 to 6"),
        ("paper = \"a5\"\n", "unknown paper size"),
        ("to = [\"html\", \"docx\"]\n", "unknown format 'docx'"),
        ("toc = \"yes\"\n", "line 1"),
        ("not toml at all\n", "line 1"),
    ] {
        s.write("folio.toml", text);
        let run = s.run(&["a.md"]);
        run.expect_code(2);
        assert!(run.stderr.contains(needle), "{text:?}: {}", run.stderr);
    }
    let run = s.run(&["a.md", "--config", "missing.toml"]);
    run.expect_code(2);
    assert!(run.stderr.contains("missing.toml"), "{}", run.stderr);
}

#[test]
fn print_config_shows_the_cascade_with_origins() {
    let s = Scratch::new();
    s.write("folio.toml", "toc = true\ntoc-depth = 4\npaper = \"letter\"\nepub-version = 2\n[metadata]\nauthor = \"Config Author\"\n");
    s.write("doc.md", "---\ntitle: T\ntoc-depth: 2\npaper: a4\nsafe: false\n---\n# x\n");
    let run = s.run(&["doc.md", "--print-config", "--paper", "letter", "-M", "lang=de"]);
    run.expect_code(0);
    let text = run.stdout_text();
    let line = |key: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{key} =")))
            .unwrap_or_else(|| panic!("no {key} in:\n{text}"))
            .to_string()
    };
    assert!(line("toc").contains("true") && line("toc").contains("folio.toml"), "{text}");
    assert!(
        line("toc-depth").contains("2") && line("toc-depth").contains("front matter of doc.md"),
        "{text}"
    );
    assert!(line("paper").contains("letter") && line("paper").contains("command line"), "{text}");
    assert!(line("epub-version").contains("2"), "{text}");
    assert!(
        line("safe").contains("false") && line("safe").contains("default"),
        "front matter cannot set safe: {text}"
    );
    assert!(line("author").contains("Config Author"), "{text}");
    assert!(line("lang").contains("de") && line("lang").contains("command line"), "{text}");
    // What it prints is itself a valid folio.toml.
    s.write("printed.toml", &text);
    s.run(&["doc.md", "--config", "printed.toml", "-o", "doc.html"]).expect_code(0);
}

#[test]
fn metadata_cascade_config_below_front_matter_below_flags() {
    let s = Scratch::new();
    s.write("folio.toml", "[metadata]\ntitle = \"From config\"\nauthor = [\"A\", \"B\"]\n");
    s.write("untitled.md", "Just text.\n");
    s.write("titled.md", "---\ntitle: From front matter\n---\nText.\n");
    let title = |args: &[&str]| -> serde_json::Value {
        let run = s.run(args);
        run.expect_code(0);
        let model: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        model["meta"].clone()
    };
    let meta = title(&["untitled.md", "-t", "json"]);
    assert_eq!(meta["title"], "From config");
    assert_eq!(meta["authors"], serde_json::json!(["A", "B"]));
    assert_eq!(title(&["titled.md", "-t", "json"])["title"], "From front matter");
    assert_eq!(title(&["titled.md", "-t", "json", "-M", "title=From flag"])["title"], "From flag");
}

#[test]
fn front_matter_settings_apply_unless_a_flag_says_otherwise() {
    // The writers' handling of each setting is tested with the writers; here, which value wins.
    let s = Scratch::new();
    s.write("doc.md", "---\ntoc-depth: 2\nnumber-sections: yes\n---\n# One\n");
    let effective = |args: &[&str]| {
        let run = s.run(args);
        run.expect_code(0);
        run.stdout_text()
    };
    let text = effective(&["doc.md", "--print-config"]);
    assert!(text.contains("toc-depth = 2"), "{text}");
    assert!(text.contains("number-sections = true"), "{text}");
    let text = effective(&["doc.md", "--print-config", "--toc-depth", "5"]);
    assert!(
        text.lines().any(|l| l.starts_with("toc-depth = 5") && l.ends_with("# command line")),
        "{text}"
    );
    s.write("bad.md", "---\ntoc: sometimes\n---\n# One\n");
    let run = s.run(&["bad.md"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("front matter toc: sometimes: expected true or false"),
        "{}",
        run.stderr
    );
}

// ---- completions and man page -----------------------------------------------------------

#[test]
fn completions_for_every_shell_come_from_the_same_definitions() {
    let s = Scratch::new();
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let run = s.run(&["completions", shell]);
        run.expect_code(0);
        let script = run.stdout_text();
        assert!(script.contains("output-dir"), "{shell}: {script}");
        assert!(script.contains("fail-fast"), "{shell}");
        assert!(script.contains("completions"), "{shell}: the commands are completed too");
    }
    let run = s.run(&["completions", "tcsh"]);
    run.expect_code(2);
    assert!(run.stderr.contains("bash"), "{}", run.stderr);
}

#[test]
fn a_file_named_like_a_command_is_converted_when_not_first_or_written_with_a_path() {
    let s = Scratch::new();
    s.write("completions", "# Not a command\n");
    s.write("man", "# Me neither\n");
    let run = s.run(&["./completions", "-t", "html", "--fragment"]);
    run.expect_code(0);
    assert!(run.stdout_text().contains("Not a command"), "{}", run.stdout_text());
    let run = s.run(&["-t", "html", "--fragment", "man"]);
    run.expect_code(0);
    assert!(run.stdout_text().contains("Me neither"), "{}", run.stdout_text());
}

#[test]
fn man_page_is_roff_with_every_flag() {
    let s = Scratch::new();
    let run = s.run(&["man"]);
    run.expect_code(0);
    let page = run.stdout_text();
    assert!(page.contains(".TH folio 1"), "{page}");
    assert!(page.contains("output\\-dir"), "{page}");
    assert!(page.contains(".SH \"EXIT STATUS\""), "{page}");
    assert!(page.contains(".SH \"CONFIGURATION\""), "{page}");
    assert!(page.contains("completions"), "{page}");
    s.run(&["man", "extra"]).expect_code(2);
}

/// `-o` naming a FIFO (or a device such as `/dev/null`) writes into it; renaming the finished
/// temporary file over it would replace the special file with a regular one. (Found when a
/// benchmark's `-o /dev/null` turned the machine's /dev/null into a regular file.)
#[cfg(unix)]
#[test]
fn output_to_a_fifo_writes_into_it_and_keeps_it_a_fifo() {
    use std::os::unix::fs::FileTypeExt;
    let scratch = Scratch::new();
    scratch.write("a.md", "# Piped\n\nThrough a FIFO.\n");
    let fifo = scratch.join("out.html");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status().expect("mkfifo");
    assert!(made.success());
    let reader_path = fifo.clone();
    let reader =
        std::thread::spawn(move || std::fs::read_to_string(reader_path).expect("read fifo"));
    scratch.run(&["a.md", "-o", "out.html"]).expect_code(0);
    let received = reader.join().expect("reader thread");
    assert!(received.contains("Through a FIFO."), "{received}");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO was replaced");
}

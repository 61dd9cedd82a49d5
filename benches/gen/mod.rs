//! Deterministic benchmark corpus: Markdown and plain-text documents of any size, made from a
//! seeded generator, so every run (criterion benches, `examples/gen_corpus.rs`, the comparison
//! script) measures exactly the same bytes.
//!
//! The Markdown covers every kind of block folio models: headings (some with `{#id}`
//! attributes), paragraphs with emphasis, strong, strikethrough, links, autolinks, code spans,
//! inline math and footnote references, bullet/ordered/task lists nested up to three levels
//! (tight and loose), pipe tables with alignments, fenced code, block quotes and GFM alerts,
//! footnote definitions, definition lists, display math, raw HTML blocks and thematic breaks.
//! The plain text looks like an e-text: a title block, chapter headings in capitals, wrapped
//! paragraphs, indented quotations, simple lists and `* * *` separators.
//!
//! Shared by `benches/stages.rs` and `examples/gen_corpus.rs` through `#[path]`, so it uses only
//! `std`; not every item is used by both, hence the `dead_code` allowance.
#![allow(dead_code)]

/// Size of the "small note" input, in bytes (approximate).
pub const NOTE_BYTES: usize = 1_000;
/// Size of the "article" input, in bytes (approximate).
pub const ARTICLE_BYTES: usize = 100_000;
/// Size of the "book" input, in bytes (approximate).
pub const BOOK_BYTES: usize = 2_000_000;

/// The seed every standard input uses; changing it changes every published figure.
pub const SEED: u64 = 0x5eed_f011_0b00_c0de;

/// A small, fast, well-mixed generator (SplitMix64); good enough to pick words.
pub struct Rng(u64);

impl Rng {
    /// A generator starting from `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// A number in `low..=high`.
    pub fn between(&mut self, low: usize, high: usize) -> usize {
        low + self.below(high - low + 1)
    }

    /// True with probability `percent` / 100.
    pub fn percent(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    /// One element of a non-empty slice.
    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// Ordinary prose words, plus a few with accents, so text is not all ASCII.
const WORDS: &[&str] = &[
    "the",
    "of",
    "and",
    "a",
    "to",
    "in",
    "is",
    "that",
    "it",
    "was",
    "for",
    "on",
    "are",
    "with",
    "as",
    "be",
    "at",
    "by",
    "this",
    "from",
    "or",
    "which",
    "one",
    "had",
    "not",
    "but",
    "all",
    "were",
    "when",
    "there",
    "can",
    "an",
    "your",
    "their",
    "if",
    "will",
    "each",
    "about",
    "how",
    "up",
    "out",
    "them",
    "then",
    "many",
    "some",
    "so",
    "these",
    "would",
    "other",
    "into",
    "has",
    "more",
    "two",
    "like",
    "time",
    "very",
    "after",
    "words",
    "first",
    "where",
    "did",
    "through",
    "water",
    "long",
    "little",
    "world",
    "house",
    "garden",
    "river",
    "morning",
    "evening",
    "letter",
    "window",
    "harbour",
    "station",
    "winter",
    "summer",
    "mountain",
    "village",
    "road",
    "table",
    "lamp",
    "paper",
    "record",
    "signal",
    "engine",
    "bridge",
    "market",
    "island",
    "weather",
    "measure",
    "balance",
    "pattern",
    "figure",
    "surface",
    "quiet",
    "bright",
    "narrow",
    "careful",
    "heavy",
    "simple",
    "common",
    "distant",
    "early",
    "late",
    "small",
    "large",
    "old",
    "new",
    "green",
    "grey",
    "silver",
    "wooden",
    "open",
    "closed",
    "patient",
    "steady",
    "sudden",
    "gentle",
    "practical",
    "written",
    "printed",
    "counted",
    "described",
    "remembered",
    "carried",
    "noticed",
    "followed",
    "returned",
    "arranged",
    "compared",
    "explained",
    "finished",
    "started",
    "repeated",
    "answered",
    "walked",
    "waited",
    "opened",
    "crossed",
    "gathered",
    "measured",
    "travelled",
    "planted",
    "copied",
    "because",
    "although",
    "before",
    "during",
    "without",
    "between",
    "under",
    "above",
    "beside",
    "across",
    "towards",
    "again",
    "almost",
    "already",
    "always",
    "never",
    "often",
    "perhaps",
    "rather",
    "still",
    "together",
    "yesterday",
    "tomorrow",
    "everything",
    "nothing",
    "someone",
    "anyone",
    "people",
    "question",
    "answer",
    "reason",
    "method",
    "chapter",
    "section",
    "margin",
    "column",
    "index",
    "footnote",
    "café",
    "naïve",
    "façade",
    "Zürich",
    "smörgåsbord",
    "déjà",
    "über",
    "coöperate",
];

const CAPITALISED: &[&str] = &[
    "Anna", "Bruno", "Clara", "Dmitri", "Elif", "Farid", "Greta", "Hugo", "Ines", "Jonas", "Kenji",
    "Lena", "Marta", "Nils", "Oskar", "Priya", "Quentin", "Rosa", "Sven", "Tomás",
];

const LANGUAGES: &[&str] = &["rust", "python", "sh", "json", "c", "toml", ""];

const IDENTIFIERS: &[&str] = &[
    "count", "total", "buffer", "reader", "line", "offset", "items", "width", "height", "index",
    "result", "config", "path", "name", "value", "cache", "limit", "depth", "stack", "queue",
];

/// A capitalised run of `words` words (a heading or a title).
fn title(rng: &mut Rng, (low, high): (usize, usize)) -> String {
    let words = rng.between(low, high);
    let mut out = String::new();
    for i in 0..words {
        if i > 0 {
            out.push(' ');
        }
        let word = rng.pick(WORDS);
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.extend(first.to_uppercase());
            out.push_str(chars.as_str());
        }
    }
    out
}

/// Appends one word, occasionally dressed in Markdown inline syntax.
fn push_inline_word(out: &mut String, rng: &mut Rng, notes: &mut Notes) {
    let word = rng.pick(WORDS);
    match rng.below(200) {
        0..=5 => {
            out.push('*');
            out.push_str(word);
            out.push(' ');
            out.push_str(rng.pick(WORDS));
            out.push('*');
        }
        6..=9 => {
            out.push_str("**");
            out.push_str(word);
            out.push_str("**");
        }
        10..=12 => {
            out.push('`');
            out.push_str(rng.pick(IDENTIFIERS));
            out.push_str("()`");
        }
        13..=15 => {
            out.push('[');
            out.push_str(word);
            out.push(' ');
            out.push_str(rng.pick(WORDS));
            out.push_str("](https://example.org/");
            out.push_str(rng.pick(IDENTIFIERS));
            out.push_str("?q=");
            out.push_str(&rng.below(1000).to_string());
            out.push_str("&lang=en");
            if rng.percent(30) {
                out.push_str(" \"A title\"");
            }
            out.push(')');
        }
        16 => {
            out.push_str("~~");
            out.push_str(word);
            out.push_str("~~");
        }
        17 => {
            out.push_str("$x_");
            out.push_str(&rng.below(10).to_string());
            out.push_str("^2 + \\alpha$");
        }
        18 => {
            out.push_str(word);
            notes.reference(out);
        }
        19 => {
            out.push('"');
            out.push_str(word);
            out.push('"');
        }
        20 => {
            out.push_str(word);
            out.push_str(" -- ");
            out.push_str(rng.pick(WORDS));
        }
        21 => {
            out.push_str(word);
            out.push_str(" & ");
            out.push_str(rng.pick(WORDS));
        }
        22 => {
            out.push_str("<https://example.com/");
            out.push_str(word);
            out.push('>');
        }
        23 => {
            out.push_str(rng.pick(IDENTIFIERS));
            out.push_str(" < ");
            out.push_str(&rng.below(100).to_string());
        }
        24 => out.push_str(rng.pick(CAPITALISED)),
        25 => {
            out.push_str(word);
            out.push_str("'s");
        }
        _ => out.push_str(word),
    }
}

/// A sentence of 6–20 words, capitalised, ending with a full stop (sometimes `?` or `…`).
fn push_sentence(out: &mut String, rng: &mut Rng, notes: &mut Notes) {
    let start = out.len();
    let words = rng.between(6, 20);
    for i in 0..words {
        if i > 0 {
            out.push(if rng.percent(6) { ',' } else { ' ' });
            if out.ends_with(',') {
                out.push(' ');
            }
        }
        push_inline_word(out, rng, notes);
    }
    // Capitalise the first letter if the sentence starts with a plain word.
    if let Some(first) = out[start..].chars().next() {
        if first.is_ascii_lowercase() {
            let upper = first.to_ascii_uppercase();
            out.replace_range(start..start + 1, upper.encode_utf8(&mut [0; 4]));
        }
    }
    out.push_str(match rng.below(20) {
        0 => "?",
        1 => "...",
        _ => ".",
    });
}

/// A paragraph of `sentences` sentences wrapped at about 80 columns (soft line breaks).
fn push_paragraph(out: &mut String, rng: &mut Rng, notes: &mut Notes, sentences: usize) {
    let mut text = String::new();
    for i in 0..sentences {
        if i > 0 {
            text.push(' ');
        }
        push_sentence(&mut text, rng, notes);
    }
    if rng.percent(3) {
        // A hard line break (two trailing spaces) in the middle of the paragraph.
        let middle = (text.len() / 2..).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
        if let Some(space) = text[middle..].find(". ") {
            let at = middle + space + 1;
            text.replace_range(at..at + 1, "  \n");
        }
    }
    wrap(out, &text, 80, "");
}

/// Appends `text` broken at spaces so lines stay under `width` (never inside a link or code
/// span, which would only change how they look, not what they mean), each line after `indent`.
fn wrap(out: &mut String, text: &str, width: usize, indent: &str) {
    let mut line_len = 0;
    let mut depth = 0i32; // inside `[...](...)`, `<...>` or backticks: don't break
    let mut in_code = false;
    out.push_str(indent);
    for word in text.split(' ') {
        if line_len > 0 {
            if line_len + 1 + word.len() > width && depth == 0 && !in_code {
                out.push('\n');
                out.push_str(indent);
                line_len = 0;
            } else {
                out.push(' ');
                line_len += 1;
            }
        }
        out.push_str(word);
        line_len += word.len();
        if let Some(newline) = word.rfind('\n') {
            // A hard break already ended the line.
            out.push_str(indent);
            line_len = word.len() - newline - 1;
        }
        for c in word.chars() {
            match c {
                '[' | '(' => depth += 1,
                ']' | ')' => depth -= 1,
                '`' => in_code = !in_code,
                _ => {}
            }
        }
        depth = depth.max(0);
    }
    out.push('\n');
}

/// Footnotes referenced in the current section, defined at its end; labels are unique in the
/// whole document.
struct Notes {
    next: usize,
    pending: Vec<usize>,
}

impl Notes {
    fn reference(&mut self, out: &mut String) {
        self.next += 1;
        self.pending.push(self.next);
        out.push_str("[^n");
        out.push_str(&self.next.to_string());
        out.push(']');
    }

    fn flush(&mut self, out: &mut String, rng: &mut Rng) {
        let pending = std::mem::take(&mut self.pending);
        for label in pending {
            out.push_str("[^n");
            out.push_str(&label.to_string());
            out.push_str("]: ");
            let mut sentence = String::new();
            // A note's own text has no further references (keeps the count bounded).
            let mut inner = Notes { next: 0, pending: Vec::new() };
            push_sentence(&mut sentence, rng, &mut inner);
            out.push_str(&sentence.replace("[^n", "[n"));
            out.push('\n');
            if rng.percent(20) {
                out.push('\n');
                let mut more = String::new();
                push_sentence(&mut more, rng, &mut inner);
                wrap(out, &more.replace("[^n", "[n"), 76, "    ");
            }
            out.push('\n');
        }
    }
}

fn push_list(out: &mut String, rng: &mut Rng, notes: &mut Notes, depth: usize, indent: &str) {
    let ordered = rng.percent(35);
    let task = !ordered && rng.percent(20);
    let loose = rng.percent(15);
    let items = rng.between(2, 6);
    let start = if ordered && rng.percent(20) { rng.between(2, 9) } else { 1 };
    for i in 0..items {
        let marker = if ordered { format!("{}. ", start + i) } else { "- ".to_string() };
        let marker = if task {
            format!("{marker}[{}] ", if rng.percent(40) { 'x' } else { ' ' })
        } else {
            marker
        };
        let child_indent = format!("{indent}{}", " ".repeat(if ordered { 3 } else { 2 }));
        let mut text = String::new();
        push_sentence(&mut text, rng, notes);
        out.push_str(indent);
        out.push_str(&marker);
        let mut wrapped = String::new();
        wrap(&mut wrapped, &text, 72, &child_indent);
        out.push_str(wrapped.trim_start());
        if loose {
            out.push('\n');
            if rng.percent(50) {
                let mut more = String::new();
                push_sentence(&mut more, rng, notes);
                wrap(out, &more, 72, &child_indent);
                out.push('\n');
            }
        }
        if depth < 3 && rng.percent(30) {
            push_list(out, rng, notes, depth + 1, &child_indent);
            if loose {
                out.push('\n');
            }
        }
    }
    if depth == 1 {
        out.push('\n');
    }
}

fn push_table(out: &mut String, rng: &mut Rng, notes: &mut Notes) {
    let columns = rng.between(2, 5);
    let rows = rng.between(3, 12);
    out.push('|');
    for _ in 0..columns {
        out.push(' ');
        out.push_str(&title(rng, (1, 2)));
        out.push_str(" |");
    }
    out.push_str("\n|");
    for _ in 0..columns {
        out.push_str(match rng.below(4) {
            0 => ":---|",
            1 => "---:|",
            2 => ":---:|",
            _ => "---|",
        });
    }
    out.push('\n');
    for _ in 0..rows {
        out.push('|');
        for column in 0..columns {
            out.push(' ');
            if column > 0 && rng.percent(50) {
                out.push_str(&rng.below(100_000).to_string());
            } else {
                for w in 0..rng.between(1, 4) {
                    if w > 0 {
                        out.push(' ');
                    }
                    push_inline_word(out, rng, notes);
                }
            }
            out.push_str(" |");
        }
        out.push('\n');
    }
    out.push('\n');
}

fn push_code_block(out: &mut String, rng: &mut Rng) {
    let lang = rng.pick(LANGUAGES);
    out.push_str("```");
    out.push_str(lang);
    out.push('\n');
    for line in 0..rng.between(4, 24) {
        let depth = 1 + (line % 3);
        out.push_str(&"    ".repeat(depth));
        let a = rng.pick(IDENTIFIERS);
        let b = rng.pick(IDENTIFIERS);
        match rng.below(5) {
            0 => out.push_str(&format!("if {a} < {b} && {a} > 0 {{")),
            1 => out.push_str(&format!("let {a} = {b}.get(\"{}\");", rng.pick(WORDS))),
            2 => out.push_str(&format!("// {} {} <{}>", rng.pick(WORDS), rng.pick(WORDS), b)),
            3 => out.push_str(&format!("{a} += {};", rng.below(1000))),
            _ => out.push_str(&format!("return {a}({b}, {});", rng.below(64))),
        }
        out.push('\n');
    }
    out.push_str("```\n\n");
}

fn push_quote(out: &mut String, rng: &mut Rng, notes: &mut Notes) {
    if rng.percent(25) {
        let kind = rng.pick(&["NOTE", "TIP", "IMPORTANT", "WARNING", "CAUTION"]);
        out.push_str("> [!");
        out.push_str(kind);
        out.push_str("]\n");
    }
    let paragraphs = rng.between(1, 3);
    for p in 0..paragraphs {
        if p > 0 {
            out.push_str(">\n");
        }
        let mut text = String::new();
        for s in 0..rng.between(1, 4) {
            if s > 0 {
                text.push(' ');
            }
            push_sentence(&mut text, rng, notes);
        }
        wrap(out, &text, 78, "> ");
    }
    if rng.percent(20) {
        out.push_str(">\n");
        let mut list = String::new();
        push_list(&mut list, rng, notes, 2, "");
        for line in list.lines() {
            out.push_str("> ");
            out.push_str(line);
            out.push('\n');
        }
    }
    if rng.percent(15) {
        out.push_str(">\n> > ");
        let mut inner = String::new();
        push_sentence(&mut inner, rng, notes);
        out.push_str(&inner);
        out.push('\n');
    }
    out.push('\n');
}

fn push_definition_list(out: &mut String, rng: &mut Rng, notes: &mut Notes) {
    for _ in 0..rng.between(2, 5) {
        out.push_str(&title(rng, (1, 3)));
        out.push('\n');
        for _ in 0..rng.between(1, 2) {
            let mut text = String::new();
            push_sentence(&mut text, rng, notes);
            let mut wrapped = String::new();
            wrap(&mut wrapped, &text, 76, "  ");
            out.push(':');
            out.push_str(&wrapped[1..]);
        }
        out.push('\n');
    }
}

fn push_display_math(out: &mut String, rng: &mut Rng) {
    let n = rng.between(2, 9);
    out.push_str(&format!(
        "$$\n\\sum_{{i=1}}^{{{n}}} \\frac{{a_i}}{{b_i + {n}}} = \\int_0^1 f(x)\\,dx\n$$\n\n"
    ));
}

fn push_html_block(out: &mut String, rng: &mut Rng) {
    out.push_str("<div class=\"aside\">\n<p>");
    out.push_str(&title(rng, (4, 4)));
    out.push_str(" &amp; more</p>\n</div>\n\n");
}

/// One section: a heading of `level`, then a random mix of blocks until about `bytes` long.
fn push_section(out: &mut String, rng: &mut Rng, notes: &mut Notes, level: usize, bytes: usize) {
    let start = out.len();
    out.push_str(&"#".repeat(level));
    out.push(' ');
    out.push_str(&title(rng, (2, 6)));
    if rng.percent(10) {
        out.push_str(&format!(" {{#sec-{} .special}}", rng.below(1_000_000)));
    }
    out.push_str("\n\n");
    // Every block kind shows up early in every section, then the mix is random.
    let mut kind = 0;
    while out.len() - start < bytes {
        let choice = if kind < 10 { kind } else { rng.below(40) };
        kind += 1;
        match choice {
            0 | 10..=29 => {
                let sentences = rng.between(2, 7);
                push_paragraph(out, rng, notes, sentences);
                out.push('\n');
            }
            1 | 30..=32 => push_list(out, rng, notes, 1, ""),
            2 | 33 => push_table(out, rng, notes),
            3 | 34 | 35 => push_code_block(out, rng),
            4 | 36 => push_quote(out, rng, notes),
            5 | 37 => push_definition_list(out, rng, notes),
            6 | 38 => push_display_math(out, rng),
            7 => out.push_str("---\n\n"),
            8 | 39 => {
                if level < 4 {
                    out.push_str(&"#".repeat(level + 1));
                    out.push(' ');
                    out.push_str(&title(rng, (2, 5)));
                    out.push_str("\n\n");
                }
            }
            _ => push_html_block(out, rng),
        }
    }
    notes.flush(out, rng);
}

/// A Markdown document of about `target_bytes` bytes (never much less), with YAML front matter,
/// chapters (`#`) of about 40 KB split into sections (`##`, `###`).
pub fn markdown(target_bytes: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed);
    let mut notes = Notes { next: 0, pending: Vec::new() };
    let mut out = String::with_capacity(target_bytes + 4096);
    out.push_str("---\ntitle: ");
    out.push_str(&title(&mut rng, (4, 4)));
    out.push_str("\nauthor: [");
    out.push_str(rng.pick(CAPITALISED));
    out.push_str(" Example, ");
    out.push_str(rng.pick(CAPITALISED));
    out.push_str(" Sample]\ndate: 2025-01-01\nlang: en\n---\n\n");
    if target_bytes <= 4_000 {
        return note_body(out, &mut rng, &mut notes, target_bytes);
    }
    let mut chapter = 0;
    while out.len() < target_bytes {
        chapter += 1;
        out.push_str(&format!("# Chapter {chapter}: {}\n\n", title(&mut rng, (3, 3))));
        push_paragraph(&mut out, &mut rng, &mut notes, 4);
        out.push('\n');
        let chapter_end = (out.len() + 40_000).min(target_bytes.max(out.len() + 2_000));
        while out.len() < chapter_end {
            let level = if rng.percent(70) { 2 } else { 3 };
            let bytes = rng.between(2_000, 8_000).min(chapter_end - out.len() + 200);
            push_section(&mut out, &mut rng, &mut notes, level, bytes);
        }
    }
    out
}

/// What a short note looks like: a heading, a few paragraphs, a list, maybe a link or code.
fn note_body(mut out: String, rng: &mut Rng, notes: &mut Notes, target_bytes: usize) -> String {
    out.push_str("# ");
    out.push_str(&title(rng, (3, 3)));
    out.push_str("\n\n");
    let mut step = 0;
    while out.len() < target_bytes {
        match step % 3 {
            1 => push_list(&mut out, rng, notes, 1, ""),
            _ => {
                let sentences = rng.between(2, 4);
                push_paragraph(&mut out, rng, notes, sentences);
                out.push('\n');
            }
        }
        step += 1;
    }
    notes.flush(&mut out, rng);
    out
}

/// A plain-text e-text of about `target_bytes` bytes: title block, `CHAPTER` headings,
/// paragraphs wrapped at 70 columns, indented quotations, lists and separators.
pub fn text(target_bytes: usize, seed: u64) -> String {
    let mut rng = Rng::new(seed ^ 0x7e47);
    let mut out = String::with_capacity(target_bytes + 4096);
    let heading = title(&mut rng, (4, 4)).to_uppercase();
    out.push_str(&format!("{heading}\n\nby {} Example\n\n\n", rng.pick(CAPITALISED)));
    let mut chapter = 0;
    while out.len() < target_bytes {
        chapter += 1;
        if target_bytes > 4_000 {
            out.push_str(&format!(
                "CHAPTER {}\n\n{}\n\n\n",
                roman(chapter),
                title(&mut rng, (3, 3))
            ));
        }
        let chapter_end = out.len() + 30_000.min(target_bytes);
        while out.len() < chapter_end && out.len() < target_bytes {
            match rng.below(20) {
                0 => {
                    let mut text = String::new();
                    plain_sentences(&mut text, &mut rng, 2);
                    wrap(&mut out, &text, 64, "    ");
                    out.push('\n');
                }
                1 => {
                    for i in 0..rng.between(2, 5) {
                        let mut text = String::new();
                        plain_sentences(&mut text, &mut rng, 1);
                        let mut wrapped = String::new();
                        wrap(&mut wrapped, &text, 66, "     ");
                        out.push_str(&format!("  {}. ", i + 1));
                        out.push_str(wrapped.trim_start());
                    }
                    out.push('\n');
                }
                2 => out.push_str("                              * * *\n\n"),
                _ => {
                    let mut text = String::new();
                    let sentences = rng.between(2, 8);
                    plain_sentences(&mut text, &mut rng, sentences);
                    wrap(&mut out, &text, 70, "");
                    out.push('\n');
                }
            }
        }
        out.push('\n');
    }
    out
}

/// Sentences without Markdown syntax.
fn plain_sentences(out: &mut String, rng: &mut Rng, sentences: usize) {
    for s in 0..sentences {
        if s > 0 {
            out.push(' ');
        }
        let words = rng.between(6, 22);
        for i in 0..words {
            if i > 0 {
                out.push_str(if rng.percent(6) { ", " } else { " " });
            }
            let word = if rng.percent(3) { rng.pick(CAPITALISED) } else { rng.pick(WORDS) };
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
            } else if rng.percent(2) {
                out.push('"');
                out.push_str(word);
                out.push('"');
            } else {
                out.push_str(word);
            }
        }
        out.push_str(if rng.percent(8) { "?" } else { "." });
    }
}

fn roman(mut n: usize) -> String {
    const NUMERALS: &[(usize, &str)] = &[
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ];
    let mut out = String::new();
    for &(value, numeral) in NUMERALS {
        while n >= value {
            out.push_str(numeral);
            n -= value;
        }
    }
    out
}

/// The standard inputs, smallest first: (name, bytes).
pub const SIZES: &[(&str, usize)] =
    &[("note", NOTE_BYTES), ("article", ARTICLE_BYTES), ("book", BOOK_BYTES)];

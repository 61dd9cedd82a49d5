//! Inline content → Knuth–Plass elements: styled text split into words, shaped, hyphenated,
//! with break opportunities inside long URLs and code, footnote marks, inline images and links.

use std::rc::Rc;

use super::font::{FontMetrics, FontStyle, ShapedSegment};
use super::frame::{Glyph, GlyphText, LinkTarget, Pt, Rgb};
use super::line::{Elem, Fragment, FILL, FORCED};
use super::math;
use crate::model::Inline;

/// The look of a stretch of text.
#[derive(Debug, Clone, PartialEq)]
pub struct TextStyle {
    /// Face.
    pub font: FontStyle,
    /// Size.
    pub size: Pt,
    /// Colour.
    pub color: Rgb,
    /// Baseline shift.
    pub rise: Pt,
    /// Struck through.
    pub strike: bool,
    /// Link target of the text.
    pub link: Option<Rc<LinkTarget>>,
}

impl TextStyle {
    /// Plain text in a face at a size.
    pub fn plain(size: Pt, color: Rgb) -> TextStyle {
        TextStyle { font: FontStyle::default(), size, color, rise: 0.0, strike: false, link: None }
    }
}

/// What the paragraph builder needs from the surrounding layout.
pub trait InlineContext {
    /// Fonts.
    fn metrics(&self) -> &dyn FontMetrics;
    /// Calls `each` with the hyphenation break points of a word (byte offsets, in order);
    /// none when not hyphenating. (A callback, so a cached answer is not copied per word.)
    fn hyphenate(&mut self, word: &str, each: &mut dyn FnMut(usize));
    /// Registers a footnote and returns its number (1-based).
    fn add_note(&mut self, content: &[crate::model::Block]) -> usize;
    /// An inline image as a fragment (scaled), or `None` when it could not be loaded (the
    /// context records the warning).
    fn image(&mut self, url: &str, max_width: Pt, line_size: Pt) -> Option<Fragment>;
    /// Records raw markup that the PDF cannot show.
    fn dropped_raw(&mut self);
    /// Where a link URL leads (`#id` → a named destination).
    fn link_target(&self, url: &str) -> Option<LinkTarget>;
    /// Colour of links.
    fn link_color(&self) -> Rgb;
    /// Size of code spans relative to the text.
    fn code_scale(&self) -> f32;
    /// Records a problem that did not stop layout (a formula shown as TeX source).
    fn warn(&mut self, warning: crate::error::Warning);
}

/// Builds the elements of one paragraph.
pub struct ParagraphBuilder<'a> {
    ctx: &'a mut dyn InlineContext,
    elems: Vec<Elem>,
    /// The pending word's text: its pieces, one per style, follow each other here.
    word_text: String,
    /// The pending word's pieces: a byte range of `word_text` and its style.
    word: Vec<(std::ops::Range<usize>, TextStyle)>,
    /// Break points of the piece being flushed (kept to reuse its allocation).
    points: Vec<(usize, BreakKind)>,
    line_width: Pt,
    ragged: bool,
    /// Keep spaces and line breaks as written (code, preformatted text).
    pub verbatim: bool,
    /// The advance of a space (em) in the last face asked for: a paragraph asks once per word.
    space_em: Option<(FontStyle, f32)>,
    /// The hyphen drawn at hyphenation points in the last style asked for (its width and
    /// fragment): most words of a paragraph share a style, so they share one hyphen.
    hyphen: Option<(TextStyle, Pt, Option<Rc<Fragment>>)>,
    /// A verbatim space shaped in the last style asked for (code has runs of them).
    verbatim_space: Option<(TextStyle, Vec<Fragment>)>,
}

impl<'a> ParagraphBuilder<'a> {
    /// A builder for lines `line_width` wide.
    pub fn new(ctx: &'a mut dyn InlineContext, line_width: Pt, ragged: bool) -> Self {
        Self::with_buffer(ctx, Vec::new(), line_width, ragged)
    }

    /// A builder that appends its elements to `elems` (an emptied buffer from an earlier
    /// paragraph, so paragraphs reuse one allocation).
    pub fn with_buffer(
        ctx: &'a mut dyn InlineContext,
        mut elems: Vec<Elem>,
        line_width: Pt,
        ragged: bool,
    ) -> Self {
        elems.clear();
        ParagraphBuilder {
            ctx,
            elems,
            word_text: String::new(),
            word: Vec::new(),
            points: Vec::new(),
            line_width,
            ragged,
            verbatim: false,
            space_em: None,
            hyphen: None,
            verbatim_space: None,
        }
    }

    /// Adds inline content in a base style.
    pub fn add_inlines(&mut self, inlines: &[Inline], style: &TextStyle, depth: usize) {
        for inline in inlines {
            self.add_inline(inline, style, depth);
        }
    }

    fn add_inline(&mut self, inline: &Inline, style: &TextStyle, depth: usize) {
        if depth > 64 {
            // Nesting this deep only comes from hostile input; keep the text, drop the styling.
            let text = crate::model::walk::plain_text(std::slice::from_ref(inline));
            self.add_text(&text, style);
            return;
        }
        match inline {
            Inline::Text(text) => self.add_text(text, style),
            Inline::Emph(content) => {
                let mut s = style.clone();
                s.font.italic = !s.font.italic;
                self.add_inlines(content, &s, depth + 1);
            }
            Inline::Strong(content) => {
                let mut s = style.clone();
                s.font.bold = true;
                self.add_inlines(content, &s, depth + 1);
            }
            Inline::Strikeout(content) => {
                let mut s = style.clone();
                s.strike = true;
                self.add_inlines(content, &s, depth + 1);
            }
            Inline::Superscript(content) => {
                let mut s = style.clone();
                s.rise += style.size * 0.33;
                s.size *= 0.7;
                self.add_inlines(content, &s, depth + 1);
            }
            Inline::Subscript(content) => {
                let mut s = style.clone();
                s.rise -= style.size * 0.15;
                s.size *= 0.7;
                self.add_inlines(content, &s, depth + 1);
            }
            Inline::Code(code) => {
                let mut s = style.clone();
                s.font.mono = true;
                s.size *= self.ctx.code_scale();
                // Code keeps its spaces but may still break at them.
                self.add_text(code, &s);
            }
            Inline::Math(math) => self.add_math(&math.tex, math.display, style),
            Inline::Link(link) => {
                let (url, content) = (&link.url, &link.content);
                let mut s = style.clone();
                if let Some(target) = self.ctx.link_target(url) {
                    s.link = Some(Rc::new(target));
                    s.color = self.ctx.link_color();
                }
                self.add_inlines(content, &s, depth + 1);
            }
            Inline::Image(image) => {
                let (url, alt) = (&image.url, &image.alt);
                match self.ctx.image(url, self.line_width, style.size) {
                    Some(mut fragment) => {
                        fragment.link = style.link.clone();
                        self.flush_word();
                        self.elems.push(Elem::Box(fragment));
                    }
                    None => {
                        // The context has warned; show the alt text in its place.
                        let mut s = style.clone();
                        s.font.italic = !s.font.italic;
                        let alt_text = crate::model::walk::plain_text(alt);
                        let label = if alt_text.trim().is_empty() {
                            format!("[image: {url}]")
                        } else {
                            format!("[{}]", alt_text.trim())
                        };
                        self.add_text(&label, &s);
                    }
                }
            }
            Inline::Note(blocks) => {
                let number = self.ctx.add_note(blocks);
                let mut s = style.clone();
                s.rise += style.size * 0.35;
                s.size *= 0.68;
                s.font = FontStyle::default();
                s.strike = false;
                s.link = Some(Rc::new(LinkTarget::Named(format!("folio-note-{number}"))));
                self.flush_word();
                let mut fragments = self.shape_piece(&number.to_string(), &s);
                for f in &mut fragments {
                    f.note = Some(number);
                    f.anchor = Some(format!("folio-noteref-{number}"));
                }
                for f in fragments {
                    self.elems.push(Elem::Box(f));
                }
            }
            Inline::SoftBreak => {
                if self.verbatim {
                    self.hard_break();
                } else {
                    self.add_text(" ", style);
                }
            }
            Inline::HardBreak => self.hard_break(),
            Inline::RawInline { content, .. } => {
                let tag = content.trim().to_ascii_lowercase();
                if tag.starts_with("<br") {
                    self.hard_break();
                } else {
                    self.ctx.dropped_raw();
                }
            }
        }
    }

    /// A formula as one unbreakable box with its own height and depth (so lines grow around
    /// tall fractions). Display math inside a paragraph gets a line of its own, centred; a
    /// formula the parser refuses is shown as its TeX source in monospace, with a warning.
    fn add_math(&mut self, tex: &str, display: bool, style: &TextStyle) {
        let outcome = math::typeset(self.ctx.metrics(), tex, display, style.size, style.color);
        let formula = match outcome {
            math::MathOutcome::Typeset(formula) => formula,
            math::MathOutcome::Source(warning) => {
                self.ctx.warn(warning);
                let mut s = style.clone();
                s.font = FontStyle { mono: true, ..FontStyle::default() };
                s.size *= self.ctx.code_scale();
                let source =
                    if display { format!("$${}$$", tex.trim()) } else { format!("${tex}$") };
                self.add_text(&source, &s);
                return;
            }
        };
        let formula = if formula.width > self.line_width && formula.width > 0.0 {
            let factor = self.line_width / formula.width;
            formula.scaled(factor)
        } else {
            formula
        };
        self.flush_word();
        let fragment = Fragment {
            width: formula.width,
            ascent: formula.ascent,
            descent: formula.descent,
            rise: style.rise,
            link: style.link.clone(),
            drawing: Some(Rc::new(formula.items)),
            ..blank_fragment(style)
        };
        if !display {
            self.elems.push(Elem::Box(fragment));
            return;
        }
        // Own line: break before (unless the paragraph starts here), fill both sides equally so
        // the formula is centred whatever the paragraph's alignment, and break after.
        if !self.elems.is_empty() {
            self.hard_break();
        }
        let fill = Elem::Glue { width: 0.0, stretch: FILL, shrink: 0.0 };
        self.elems.push(Elem::Box(blank_fragment(style)));
        self.elems.push(fill.clone());
        self.elems.push(Elem::Box(fragment));
        self.elems.push(fill);
        self.elems.push(Elem::Penalty {
            width: 0.0,
            penalty: FORCED,
            flagged: false,
            hyphen: None,
        });
    }

    /// Forces a line break.
    pub fn hard_break(&mut self) {
        self.flush_word();
        self.elems.push(Elem::Glue { width: 0.0, stretch: FILL, shrink: 0.0 });
        self.elems.push(Elem::Penalty {
            width: 0.0,
            penalty: FORCED,
            flagged: false,
            hyphen: None,
        });
    }

    /// Adds text in a style, splitting it into words at spaces.
    pub fn add_text(&mut self, text: &str, style: &TextStyle) {
        let mut rest = text;
        while !rest.is_empty() {
            match rest.find([' ', '\t', '\n', '\r']) {
                Some(0) => {
                    let c = rest.as_bytes()[0];
                    rest = &rest[1..];
                    if c == b'\n' && self.verbatim {
                        self.hard_break();
                    } else if c == b'\r' {
                        continue;
                    } else {
                        self.flush_word();
                        self.space(style, c == b'\t');
                    }
                }
                Some(at) => {
                    self.push_word_piece(&rest[..at], style);
                    rest = &rest[at..];
                }
                None => {
                    self.push_word_piece(rest, style);
                    rest = "";
                }
            }
        }
    }

    /// Appends a piece of the pending word in a style.
    fn push_word_piece(&mut self, text: &str, style: &TextStyle) {
        let start = self.word_text.len();
        self.word_text.push_str(text);
        self.word.push((start..self.word_text.len(), style.clone()));
    }

    fn space(&mut self, style: &TextStyle, tab: bool) {
        let em = match self.space_em {
            Some((font, em)) if font == style.font => em,
            _ => {
                let shaped = self.ctx.metrics().shape(style.font, " ");
                let em: f32 = shaped.iter().flat_map(|s| &s.glyphs).map(|g| g.advance).sum();
                self.space_em = Some((style.font, em));
                em
            }
        };
        let width = em.max(0.2) * style.size;
        if self.verbatim {
            // Spaces in code keep their width, even at the start of a line (indentation), so
            // they are boxes: real space glyphs, so text extraction sees spaces rather than
            // gaps that look like columns. A wrapped line may still break after them.
            let count = if tab { 4 } else { 1 };
            for _ in 0..count {
                let mut fragments = match &self.verbatim_space {
                    Some((shaped_style, fragments)) if shaped_style == style => fragments.clone(),
                    _ => {
                        let fragments = self.shape_piece(" ", style);
                        self.verbatim_space = Some((style.clone(), fragments.clone()));
                        fragments
                    }
                };
                if fragments.is_empty() {
                    fragments
                        .push(Fragment { width: width / count as Pt, ..blank_fragment(style) });
                }
                for f in fragments {
                    self.elems.push(Elem::Box(f));
                }
                self.elems.push(Elem::Penalty {
                    width: 0.0,
                    penalty: 0.0,
                    flagged: false,
                    hyphen: None,
                });
            }
            return;
        }
        // Collapse runs of spaces.
        if matches!(self.elems.last(), Some(Elem::Glue { .. })) || self.elems.is_empty() {
            return;
        }
        if self.ragged {
            let slack = style.size * 3.0;
            self.elems.push(Elem::Glue { width: 0.0, stretch: slack, shrink: 0.0 });
            self.elems.push(Elem::Penalty {
                width: 0.0,
                penalty: 0.0,
                flagged: false,
                hyphen: None,
            });
            self.elems.push(Elem::Glue { width, stretch: -slack, shrink: 0.0 });
        } else {
            self.elems.push(Elem::Glue { width, stretch: width * 0.5, shrink: width * 0.33 });
        }
    }

    /// Shapes one single-style piece of text into fragments (one per face used).
    fn shape_piece(&self, text: &str, style: &TextStyle) -> Vec<Fragment> {
        let metrics = self.ctx.metrics();
        let segments = metrics.shape(style.font, text);
        segments
            .iter()
            .map(|segment| segment_fragment(metrics, segment, text, style, 0..text.len(), 0))
            .collect()
    }

    /// Turns the pending word into boxes, with hyphenation and long-word break points.
    fn flush_word(&mut self) {
        if self.word.is_empty() {
            return;
        }
        // The word's buffers go back to `self` afterwards, so words reuse their allocations.
        let mut parts = std::mem::take(&mut self.word);
        let mut word_text = std::mem::take(&mut self.word_text);
        let mut points = std::mem::take(&mut self.points);
        let single = parts.len() == 1;
        // Soft hyphens are the author's own hyphenation points: they replace the dictionary's
        // and are never drawn.
        let mut soft_points = Vec::new();
        if single && word_text.contains('\u{AD}') {
            let mut clean = String::with_capacity(word_text.len());
            for c in word_text.chars() {
                if c == '\u{AD}' {
                    soft_points.push(clean.len());
                } else {
                    clean.push(c);
                }
            }
            parts[0].0 = 0..clean.len();
            word_text = clean;
        }
        for (range, style) in &parts {
            let text = &word_text[range.clone()];
            // Where this piece may break: hyphenation points of a plain word, between
            // ideographs, and after slashes, dots and dashes inside long tokens such as URLs.
            points.clear();
            self.break_points(text, style, single, &soft_points, &mut points);
            self.push_piece(text, style, &points);
        }
        parts.clear();
        word_text.clear();
        self.word = parts;
        self.word_text = word_text;
        self.points = points;
    }

    /// The break opportunities inside one piece of a word, sorted, one per position.
    fn break_points(
        &mut self,
        text: &str,
        style: &TextStyle,
        single: bool,
        soft_points: &[usize],
        points: &mut Vec<(usize, BreakKind)>,
    ) {
        if !soft_points.is_empty() {
            points.extend(
                soft_points
                    .iter()
                    .filter(|&&p| p > 0 && p < text.len())
                    .map(|&p| (p, BreakKind::Hyphen)),
            );
        } else if single && !style.font.mono {
            // Hyphenate the letters of the word, not the punctuation around it.
            let core_start =
                text.len() - text.trim_start_matches(|c: char| !c.is_alphabetic()).len();
            let core = text[core_start..].trim_end_matches(|c: char| !c.is_alphabetic());
            self.ctx.hyphenate(core, &mut |p| points.push((core_start + p, BreakKind::Hyphen)));
        }
        // Most words are ASCII: no ideographs, and a character per byte.
        let ascii = text.is_ascii();
        if !ascii {
            points.extend(ideograph_breaks(text).into_iter().map(|p| (p, BreakKind::Ideograph)));
        }
        let long = if ascii { text.len() > 12 } else { text.chars().count() > 12 };
        for (i, c) in text.char_indices() {
            let after = i + c.len_utf8();
            let token_break = long
                && matches!(c, '/' | '.' | '-' | '_' | '?' | '&' | '=' | ',' | ':' | '\\' | '|');
            let dash_break = matches!(c, '-' | '\u{2013}' | '\u{2014}' | '/') && i > 0;
            if (token_break || dash_break) && after < text.len() {
                points.push((after, BreakKind::Token));
            }
        }
        if points.len() > 1 {
            points.sort_by_key(|p| (p.0, p.1));
            points.dedup_by_key(|p| p.0);
        }
    }

    /// Shapes one piece of a word into boxes, cut at the break `points` that fall on cluster
    /// boundaries, each cut followed by its penalty or glue.
    fn push_piece(&mut self, text: &str, style: &TextStyle, points: &[(usize, BreakKind)]) {
        // The hyphen a break at a hyphenation point draws: shaped once per style, shared.
        let (hyphen_width, hyphen) = if points.iter().any(|p| p.1 == BreakKind::Hyphen) {
            match &self.hyphen {
                Some((shaped_style, width, fragment)) if shaped_style == style => {
                    (*width, fragment.clone())
                }
                _ => {
                    let pieces = self.shape_piece("-", style);
                    let width = pieces.iter().map(|f| f.width).sum::<Pt>();
                    let fragment = pieces.into_iter().next().map(Rc::new);
                    self.hyphen = Some((style.clone(), width, fragment.clone()));
                    (width, fragment)
                }
            }
        } else {
            (0.0, None)
        };
        let metrics = self.ctx.metrics();
        let segments = metrics.shape(style.font, text);
        for segment in segments.iter() {
            let seg_end = segment_end(segment, text.len(), &segments);
            let mut cut = segment.start;
            let monotonic = segment.glyphs.windows(2).all(|w| w[0].cluster <= w[1].cluster);
            // Only break where a cluster starts: never inside a ligature.
            let inner = points.iter().copied().filter(|&(p, _)| {
                monotonic
                    && p > segment.start
                    && p < seg_end
                    && segment.glyphs.binary_search_by_key(&p, |g| g.cluster).is_ok()
            });
            for (point, kind) in inner {
                // The first piece has room for the whole segment: when the word stays on one
                // line its pieces are joined again into one run, without growing.
                let room = if cut == segment.start { segment.glyphs.len() } else { 0 };
                let fragment = segment_fragment(metrics, segment, text, style, cut..point, room);
                if fragment.glyphs.is_empty() {
                    continue;
                }
                self.elems.push(Elem::Box(fragment));
                match kind {
                    BreakKind::Hyphen => self.elems.push(Elem::Penalty {
                        width: hyphen_width,
                        penalty: 50.0,
                        flagged: true,
                        hyphen: hyphen.clone(),
                    }),
                    // Ideographic text breaks between characters and justifies by
                    // spreading them a little.
                    BreakKind::Ideograph => self.elems.push(Elem::Glue {
                        width: 0.0,
                        stretch: style.size * 0.12,
                        shrink: 0.0,
                    }),
                    BreakKind::Token => self.elems.push(Elem::Penalty {
                        width: 0.0,
                        penalty: 80.0,
                        flagged: false,
                        hyphen: None,
                    }),
                }
                cut = point;
            }
            let fragment = segment_fragment(metrics, segment, text, style, cut..seg_end, 0);
            if !fragment.glyphs.is_empty() {
                self.elems.push(Elem::Box(fragment));
            }
        }
    }

    /// The finished elements, with every box narrower than the line.
    pub fn finish(mut self) -> Vec<Elem> {
        self.flush_word();
        let too_wide = |e: &Elem| {
            matches!(e, Elem::Box(f)
                if f.width > self.line_width && f.image.is_none() && f.glyphs.len() > 1)
        };
        if !self.elems.iter().any(too_wide) {
            let mut out = std::mem::take(&mut self.elems);
            super::line::finish(&mut out);
            return out;
        }
        let mut out = Vec::with_capacity(self.elems.len());
        for elem in std::mem::take(&mut self.elems) {
            match elem {
                Elem::Box(f)
                    if f.width > self.line_width && f.image.is_none() && f.glyphs.len() > 1 =>
                {
                    split_fragment(f, self.line_width, &mut out);
                }
                e => out.push(e),
            }
        }
        super::line::finish(&mut out);
        out
    }
}

/// Kinds of break opportunity inside a word, in order of preference when two coincide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum BreakKind {
    /// A hyphenation point: the line ends with a hyphen.
    Hyphen,
    /// Between ideographs (Chinese, Japanese, Korean): no hyphen.
    Ideograph,
    /// After a slash, dot or dash inside a long token: no hyphen, a small cost.
    Token,
}

/// True for characters of scripts written without spaces, between which lines may break.
fn is_ideographic(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x2FFF | 0x3000..=0x30FF | 0x3100..=0x31FF | 0x3400..=0x4DBF | 0x4E00..=0x9FFF
        | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x3FFFF)
}

/// Characters a line must not start with (closing punctuation, small kana) or end with
/// (opening brackets): the basic Japanese and Chinese line-breaking rules.
fn no_break_before(c: char) -> bool {
    matches!(
        c,
        '、' | '。'
            | '，'
            | '．'
            | '：'
            | '；'
            | '？'
            | '！'
            | '）'
            | '」'
            | '』'
            | '】'
            | '〕'
            | '〉'
            | '》'
            | '’'
            | '”'
            | 'ー'
            | 'ぁ'
            | 'ぃ'
            | 'ぅ'
            | 'ぇ'
            | 'ぉ'
            | 'っ'
            | 'ゃ'
            | 'ゅ'
            | 'ょ'
            | 'ァ'
            | 'ィ'
            | 'ゥ'
            | 'ェ'
            | 'ォ'
            | 'ッ'
            | 'ャ'
            | 'ュ'
            | 'ョ'
            | '・'
            | ')'
            | ']'
            | '}'
            | ','
            | '.'
            | ':'
            | ';'
            | '!'
            | '?'
    )
}

fn no_break_after(c: char) -> bool {
    matches!(c, '（' | '「' | '『' | '【' | '〔' | '〈' | '《' | '‘' | '“' | '(' | '[' | '{')
}

/// Break opportunities (byte offsets) next to ideographs in `text`.
fn ideograph_breaks(text: &str) -> Vec<usize> {
    let mut out = Vec::new();
    let mut previous: Option<char> = None;
    for (i, c) in text.char_indices() {
        if let Some(p) = previous {
            if (is_ideographic(p) || is_ideographic(c)) && !no_break_before(c) && !no_break_after(p)
            {
                out.push(i);
            }
        }
        previous = Some(c);
    }
    out
}

/// An empty fragment in a style (for spaces that must keep their width).
fn blank_fragment(style: &TextStyle) -> Fragment {
    Fragment {
        font: 0,
        size: style.size,
        color: style.color,
        rise: 0.0,
        glyphs: Vec::new(),
        width: 0.0,
        ascent: 0.0,
        descent: 0.0,
        strike: false,
        underline: false,
        link: None,
        note: None,
        anchor: None,
        image: None,
        drawing: None,
    }
}

/// The end byte of a segment: the start of the next one, or the end of the text.
fn segment_end(segment: &ShapedSegment, text_len: usize, all: &[ShapedSegment]) -> usize {
    all.iter().map(|s| s.start).filter(|&s| s > segment.start).min().unwrap_or(text_len)
}

/// A segment's cluster starts, sorted and unique (to give each glyph the text it stands for).
fn cluster_starts(segment: &ShapedSegment) -> Vec<usize> {
    let mut clusters: Vec<usize> = segment.glyphs.iter().map(|g| g.cluster).collect();
    clusters.sort_unstable();
    clusters.dedup();
    clusters
}

/// A fragment from the glyphs of `segment` whose clusters lie in `from..to`. For left-to-right
/// segments (clusters never decrease) the glyphs in range are found by binary search and each
/// glyph's text ends where the next cluster starts, so cutting a long word into many pieces
/// stays linear and allocates nothing but the glyphs (with room for at least `room`).
fn segment_fragment(
    metrics: &dyn FontMetrics,
    segment: &ShapedSegment,
    text: &str,
    style: &TextStyle,
    std::ops::Range { start: from, end: to }: std::ops::Range<usize>,
    room: usize,
) -> Fragment {
    let glyphs_all = &segment.glyphs;
    let monotonic = glyphs_all.windows(2).all(|w| w[0].cluster <= w[1].cluster);
    // For other segments (right-to-left), cluster boundaries come from a sorted list.
    let sorted = if monotonic { Vec::new() } else { cluster_starts(segment) };
    let range = if monotonic {
        let lo = glyphs_all.partition_point(|g| g.cluster < from);
        let hi = glyphs_all.partition_point(|g| g.cluster < to);
        lo..hi.max(lo)
    } else {
        0..glyphs_all.len()
    };
    let mut glyphs = Vec::with_capacity(range.len().max(room));
    let mut x = 0.0;
    let mut last_cluster = None;
    for k in range {
        let g = &glyphs_all[k];
        if g.cluster < from || g.cluster >= to {
            continue;
        }
        let glyph_text = if last_cluster == Some(g.cluster) {
            GlyphText::None
        } else {
            let next = if monotonic {
                glyphs_all[k + 1..].iter().map(|n| n.cluster).find(|&c| c > g.cluster)
            } else {
                match sorted.binary_search(&g.cluster) {
                    Ok(i) => sorted.get(i + 1).copied(),
                    Err(_) => None,
                }
            };
            let end = next.unwrap_or(to).min(to).min(text.len()).max(g.cluster);
            GlyphText::new(text.get(g.cluster..end).unwrap_or(""))
        };
        last_cluster = Some(g.cluster);
        glyphs.push(Glyph {
            id: g.id,
            x: x + g.x_offset * style.size,
            y_offset: g.y_offset * style.size,
            text: glyph_text,
        });
        x += g.advance * style.size;
    }
    Fragment {
        font: segment.font,
        size: style.size,
        color: style.color,
        rise: style.rise,
        glyphs,
        width: x,
        ascent: metrics.ascent(segment.font) * style.size,
        descent: metrics.descent(segment.font) * style.size,
        strike: style.strike,
        underline: false,
        link: style.link.clone(),
        note: None,
        anchor: None,
        image: None,
        drawing: None,
    }
}

/// Splits an over-wide fragment into pieces that fit, with free breaks between them: the last
/// resort for long words, URLs and code lines that would otherwise run into the margin.
fn split_fragment(fragment: Fragment, width: Pt, out: &mut Vec<Elem>) {
    let glyphs = fragment.glyphs.clone();
    let total_width = fragment.width;
    let fragment = Fragment { glyphs: Vec::new(), width: 0.0, ..fragment };
    let mut piece = fragment.clone();
    let mut start_x = 0.0;
    for (i, g) in glyphs.iter().enumerate() {
        let advance = glyphs.get(i + 1).map_or(total_width, |n| n.x) - g.x;
        // Only split where a new cluster starts (a glyph that carries text).
        if piece.width + advance > width && !piece.glyphs.is_empty() && !g.text.is_empty() {
            let done = std::mem::replace(&mut piece, fragment.clone());
            out.push(Elem::Box(done));
            out.push(Elem::Penalty { width: 0.0, penalty: 100.0, flagged: false, hyphen: None });
            start_x = g.x;
        }
        piece.glyphs.push(Glyph { x: g.x - start_x, ..g.clone() });
        piece.width += advance;
    }
    if !piece.glyphs.is_empty() {
        out.push(Elem::Box(piece));
    }
}

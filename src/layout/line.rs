//! Line breaking: a paragraph as boxes, glue and penalties → lines, by Knuth–Plass total fit
//! (the breaks that minimise the badness of the whole paragraph), with a first-fit fallback when
//! no set of breaks fits, and line setting (justified, ragged, centred or right-aligned).

use std::rc::Rc;

use super::frame::{FontId, Glyph, ImageData, LinkTarget, Positioned, Pt, Rgb};

/// Something drawable that sits on a line: shaped glyphs in one face, or an inline image.
#[derive(Debug, Clone, PartialEq)]
pub struct Fragment {
    /// The face.
    pub font: FontId,
    /// Font size.
    pub size: Pt,
    /// Colour.
    pub color: Rgb,
    /// Baseline shift (positive = up) for superscripts and subscripts.
    pub rise: Pt,
    /// The glyphs, positioned from the fragment's origin.
    pub glyphs: Vec<Glyph>,
    /// Advance width.
    pub width: Pt,
    /// Height above the baseline.
    pub ascent: Pt,
    /// Depth below the baseline.
    pub descent: Pt,
    /// Struck through.
    pub strike: bool,
    /// Underlined (links are coloured instead; this is for explicit underline).
    pub underline: bool,
    /// The link this text belongs to.
    pub link: Option<Rc<LinkTarget>>,
    /// Index of the footnote whose reference mark this is.
    pub note: Option<usize>,
    /// A named destination placed at this fragment (a footnote's back-reference target).
    pub anchor: Option<String>,
    /// An inline image drawn instead of glyphs (boxed: rare, and every word is a fragment).
    pub image: Option<Box<ImageData>>,
    /// Drawn items instead of glyphs (a typeset formula), positioned from the fragment's origin
    /// on the baseline (y down positive, text runs at their baselines).
    pub drawing: Option<Rc<Vec<Positioned>>>,
}

/// An element of a paragraph in Knuth–Plass terms.
#[derive(Debug, Clone, PartialEq)]
pub enum Elem {
    /// Something that is drawn and never stretches.
    Box(Fragment),
    /// Space between words: natural width plus how far it may stretch and shrink.
    Glue {
        /// Natural width.
        width: Pt,
        /// Stretchability.
        stretch: Pt,
        /// Shrinkability.
        shrink: Pt,
    },
    /// A possible break with a cost; `hyphen` is drawn at the line end if it is taken.
    Penalty {
        /// Width added at the end of the line if the break is taken.
        width: Pt,
        /// Cost: `FORCED` forces a break, `FORBIDDEN` prevents one.
        penalty: f32,
        /// A hyphen break (two in a row cost extra).
        flagged: bool,
        /// The hyphen drawn when the break is taken (one per word, shared by its points).
        hyphen: Option<Rc<Fragment>>,
    },
}

/// A penalty that forces a break.
pub const FORCED: f32 = -10_000.0;
/// A penalty that forbids a break.
pub const FORBIDDEN: f32 = 10_000.0;
/// Stretch that absorbs anything (the end of a paragraph).
pub const FILL: Pt = 100_000.0;

/// How lines are set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Both edges straight (the last line ragged).
    Justify,
    /// Ragged right.
    Left,
    /// Centred.
    Center,
    /// Ragged left.
    Right,
}

/// A set line: fragments at x offsets from the line start.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Line {
    /// Fragments and their x offsets.
    pub fragments: Vec<(Pt, Fragment)>,
    /// Width actually used.
    pub width: Pt,
    /// Largest ascent on the line.
    pub ascent: Pt,
    /// Largest descent on the line.
    pub descent: Pt,
    /// The line ends inside a word (at a hyphen or inside a long token), so a page should not
    /// break after it (TeX's broken penalty).
    pub ends_inside_word: bool,
}

/// Parameters of the breaker.
#[derive(Debug, Clone, Copy)]
pub struct BreakParams {
    /// Allowed adjustment ratio in the first pass (no hyphenation needed).
    pub tolerance: f32,
    /// Extra demerits for a break at a hyphen.
    pub line_penalty: f32,
    /// Extra demerits for two consecutive hyphenated lines.
    pub double_hyphen_demerits: f32,
    /// Extra demerits for adjacent lines of very different tightness.
    pub fitness_demerits: f32,
}

impl Default for BreakParams {
    fn default() -> Self {
        BreakParams {
            tolerance: 2.0,
            line_penalty: 10.0,
            double_hyphen_demerits: 3000.0,
            fitness_demerits: 3000.0,
        }
    }
}

#[derive(Clone, Copy)]
struct Sums {
    width: Pt,
    stretch: Pt,
    shrink: Pt,
}

struct Node {
    position: usize,
    fitness: u8,
    totals: Sums,
    demerits: f32,
    flagged: bool,
    prev: Option<usize>,
}

/// Whether element `i` is a legal break point.
fn is_break(elems: &[Elem], i: usize) -> bool {
    match &elems[i] {
        Elem::Penalty { penalty, .. } => *penalty < FORBIDDEN,
        Elem::Glue { .. } => i > 0 && matches!(elems[i - 1], Elem::Box(_)),
        Elem::Box(_) => false,
    }
}

fn fitness_class(ratio: f32) -> u8 {
    if ratio < -0.5 {
        0
    } else if ratio <= 0.5 {
        1
    } else if ratio <= 1.0 {
        2
    } else {
        3
    }
}

/// Knuth–Plass: the break positions (indices into `elems`) that minimise total demerits, or
/// `None` when no breaks keep every line within `tolerance`.
pub fn total_fit(elems: &[Elem], line_width: Pt, params: &BreakParams) -> Option<Vec<usize>> {
    let mut prefix = Vec::with_capacity(elems.len() + 1);
    let mut sum = Sums { width: 0.0, stretch: 0.0, shrink: 0.0 };
    for e in elems {
        prefix.push(sum);
        match e {
            Elem::Box(f) => sum.width += f.width,
            Elem::Glue { width, stretch, shrink } => {
                sum.width += width;
                sum.stretch += stretch;
                sum.shrink += shrink;
            }
            Elem::Penalty { .. } => {}
        }
    }
    prefix.push(sum);

    let mut nodes: Vec<Node> = vec![Node {
        position: 0,
        fitness: 1,
        totals: Sums { width: 0.0, stretch: 0.0, shrink: 0.0 },
        demerits: 0.0,
        flagged: false,
        prev: None,
    }];
    let mut active: Vec<usize> = vec![0];
    // The nodes still active after each break point; swapped with `active` (no allocation per
    // break point).
    let mut still_active: Vec<usize> = Vec::new();

    for b in 0..elems.len() {
        if !is_break(elems, b) {
            continue;
        }
        let (penalty, flagged, penalty_width) = match &elems[b] {
            Elem::Penalty { penalty, flagged, width, .. } => (*penalty, *flagged, *width),
            _ => (0.0, false, 0.0),
        };
        let mut best: [Option<(f32, usize, f32)>; 4] = [None; 4];
        still_active.clear();
        for &a in &active {
            let node = &nodes[a];
            let width = prefix[b].width - node.totals.width + penalty_width;
            let ratio = if width < line_width {
                let stretch = prefix[b].stretch - node.totals.stretch;
                if stretch > 0.0 {
                    (line_width - width) / stretch
                } else {
                    f32::INFINITY
                }
            } else if width > line_width {
                let shrink = prefix[b].shrink - node.totals.shrink;
                if shrink > 0.0 {
                    (line_width - width) / shrink
                } else {
                    f32::NEG_INFINITY
                }
            } else {
                0.0
            };
            if ratio < -1.0 || penalty <= FORCED {
                // This node can no longer start a line that reaches past b.
            } else {
                still_active.push(a);
            }
            if ratio >= -1.0 && ratio <= params.tolerance {
                let badness = 100.0 * ratio.abs().powi(3);
                let base = (params.line_penalty + badness).powi(2);
                let mut demerits = if penalty >= 0.0 {
                    base + penalty * penalty
                } else if penalty > FORCED {
                    base - penalty * penalty
                } else {
                    base
                };
                if flagged && node.flagged {
                    demerits += params.double_hyphen_demerits;
                }
                let fitness = fitness_class(ratio);
                if fitness.abs_diff(node.fitness) > 1 {
                    demerits += params.fitness_demerits;
                }
                let total = node.demerits + demerits;
                let slot = &mut best[fitness as usize];
                if slot.is_none_or(|(d, _, _)| total < d) {
                    *slot = Some((total, a, ratio));
                }
            }
        }
        std::mem::swap(&mut active, &mut still_active);
        // The totals a line starting after b begins with: skip glue and penalties up to the
        // next box (they vanish at a break).
        let mut after = prefix[b];
        let mut i = b;
        while i < elems.len() {
            match &elems[i] {
                Elem::Box(_) => break,
                Elem::Penalty { penalty, .. } if i > b && *penalty <= FORCED => break,
                e => {
                    if let Elem::Glue { width, stretch, shrink } = e {
                        after.width += width;
                        after.stretch += stretch;
                        after.shrink += shrink;
                    }
                }
            }
            i += 1;
        }
        for (fitness, slot) in best.iter().enumerate() {
            if let Some((demerits, prev, _)) = slot {
                nodes.push(Node {
                    position: b,
                    fitness: fitness as u8,
                    totals: after,
                    demerits: *demerits,
                    flagged,
                    prev: Some(*prev),
                });
                active.push(nodes.len() - 1);
            }
        }
        if active.is_empty() {
            return None;
        }
    }
    let last = elems.len().checked_sub(1)?;
    let end = active
        .iter()
        .copied()
        .filter(|&a| nodes[a].position == last)
        .min_by(|&x, &y| nodes[x].demerits.total_cmp(&nodes[y].demerits))?;
    let mut breaks = Vec::new();
    let mut at = Some(end);
    while let Some(n) = at {
        if nodes[n].prev.is_some() {
            breaks.push(nodes[n].position);
        }
        at = nodes[n].prev;
    }
    breaks.reverse();
    Some(breaks)
}

/// First fit: each line takes as much as fits (using shrink), breaking at the last legal break
/// that fits, or at the first legal break when nothing fits. Used for code and when no
/// total-fit solution exists.
pub fn first_fit(elems: &[Elem], line_width: Pt) -> Vec<usize> {
    let mut breaks = Vec::new();
    let (mut width, mut shrink) = (0.0, 0.0);
    let mut candidate: Option<usize> = None;
    let mut line_start = 0;
    let mut i = 0;
    while i < elems.len() {
        if matches!(&elems[i], Elem::Penalty { penalty, .. } if *penalty <= FORCED) {
            breaks.push(i);
            (width, shrink, candidate) = (0.0, 0.0, None);
            i += 1;
            line_start = i;
            continue;
        }
        if i > line_start && is_break(elems, i) {
            let penalty_width = match &elems[i] {
                Elem::Penalty { width, .. } => *width,
                _ => 0.0,
            };
            if width + penalty_width - shrink <= line_width {
                candidate = Some(i);
            } else {
                let b = candidate.unwrap_or(i);
                breaks.push(b);
                (width, shrink, candidate) = (0.0, 0.0, None);
                i = b + 1;
                // What vanishes at a break does not start the next line.
                while i < elems.len() && !matches!(elems[i], Elem::Box(_)) {
                    if matches!(&elems[i], Elem::Penalty { penalty, .. } if *penalty <= FORCED) {
                        break;
                    }
                    i += 1;
                }
                line_start = i;
                continue;
            }
        }
        match &elems[i] {
            Elem::Box(f) => width += f.width,
            Elem::Glue { width: w, shrink: s, .. } => {
                width += w;
                shrink += s;
            }
            Elem::Penalty { .. } => {}
        }
        i += 1;
    }
    if !elems.is_empty() && breaks.last() != Some(&(elems.len() - 1)) {
        breaks.push(elems.len() - 1);
    }
    breaks
}

/// Breaks and sets a paragraph. `elems` must end with the usual finishing glue and forced
/// penalty (see [`finish`]).
pub fn break_lines(mut elems: Vec<Elem>, line_width: Pt, align: Align) -> Vec<Line> {
    break_lines_in(&mut elems, line_width, align)
}

/// [`break_lines`] on borrowed elements, so the caller can reuse their buffer: the boxes are
/// moved out into the lines, the glue and penalties stay.
pub fn break_lines_in(elems: &mut [Elem], line_width: Pt, align: Align) -> Vec<Line> {
    if elems.is_empty() {
        return Vec::new();
    }
    let params = BreakParams::default();
    let breaks = total_fit(elems, line_width, &BreakParams { tolerance: 1.0, ..params })
        .or_else(|| total_fit(elems, line_width, &params))
        .or_else(|| total_fit(elems, line_width, &BreakParams { tolerance: 6.0, ..params }))
        .unwrap_or_else(|| first_fit(elems, line_width));
    set_lines_in(elems, &breaks, line_width, align)
}

/// Appends the end of a paragraph: infinite glue and a forced break.
pub fn finish(elems: &mut Vec<Elem>) {
    // A trailing hard break or space would only add an empty line.
    while matches!(elems.last(), Some(Elem::Glue { .. } | Elem::Penalty { .. })) {
        elems.pop();
    }
    elems.push(Elem::Glue { width: 0.0, stretch: FILL, shrink: 0.0 });
    elems.push(Elem::Penalty { width: 0.0, penalty: FORCED, flagged: false, hyphen: None });
}

/// Positions the elements of each line between consecutive breaks (moving the fragments out of
/// `elems`).
pub fn set_lines(
    mut elems: Vec<Elem>,
    breaks: &[usize],
    line_width: Pt,
    align: Align,
) -> Vec<Line> {
    set_lines_in(&mut elems, breaks, line_width, align)
}

/// [`set_lines`] on borrowed elements (their boxes are moved out, the rest stays).
fn set_lines_in(elems: &mut [Elem], breaks: &[usize], line_width: Pt, align: Align) -> Vec<Line> {
    let mut lines = Vec::with_capacity(breaks.len());
    let mut start = 0;
    for &b in breaks {
        if b < start || b >= elems.len() {
            continue;
        }
        // Skip what vanishes at the start of a line.
        while start < b && !matches!(elems[start], Elem::Box(_)) {
            start += 1;
        }
        let hyphen = match elems.get_mut(b) {
            Some(Elem::Penalty { hyphen, .. }) => hyphen.take().map(Rc::unwrap_or_clone),
            _ => None,
        };
        let slice = &mut elems[start..b];
        // Glue at the end of a line vanishes too.
        let mut end = slice.len();
        while end > 0 && !matches!(slice[end - 1], Elem::Box(_)) {
            end -= 1;
        }
        let slice = &mut slice[..end];
        let (mut natural, mut stretch, mut shrink) = (0.0, 0.0, 0.0);
        let mut boxes = 0;
        for e in slice.iter() {
            match e {
                Elem::Box(f) => {
                    natural += f.width;
                    boxes += 1;
                }
                Elem::Glue { width, stretch: st, shrink: sh } => {
                    natural += width;
                    stretch += st;
                    shrink += sh;
                }
                Elem::Penalty { .. } => {}
            }
        }
        if let Some(h) = &hyphen {
            natural += h.width;
        }
        let break_penalty = match &elems[b] {
            Elem::Penalty { penalty, .. } => Some(*penalty),
            _ => None,
        };
        let ends_paragraph = break_penalty.is_some_and(|p| p <= FORCED);
        let ends_inside_word = break_penalty.is_some_and(|p| p > FORCED);
        let slice = &mut elems[start..start + end];
        let ratio = if align != Align::Justify || ends_paragraph {
            0.0
        } else if natural < line_width {
            if stretch > 0.0 {
                ((line_width - natural) / stretch).min(3.0)
            } else {
                0.0
            }
        } else if shrink > 0.0 {
            ((line_width - natural) / shrink).max(-1.0)
        } else {
            0.0
        };
        let mut line = Line {
            ends_inside_word,
            fragments: Vec::with_capacity(boxes + usize::from(hyphen.is_some())),
            ..Line::default()
        };
        let mut x = 0.0;
        for e in slice.iter_mut() {
            match e {
                Elem::Box(_) => {
                    // Each element belongs to one line: move the fragment out.
                    let empty = Elem::Glue { width: 0.0, stretch: 0.0, shrink: 0.0 };
                    if let Elem::Box(f) = std::mem::replace(e, empty) {
                        line.ascent = line.ascent.max(f.ascent + f.rise);
                        line.descent = line.descent.max(f.descent - f.rise);
                        let width = f.width;
                        line.fragments.push((x, f));
                        x += width;
                    }
                }
                Elem::Glue { width, stretch: st, shrink: sh } => {
                    // Ragged-right glue carries negative stretch pairs; only real space counts.
                    let adjust = if ratio >= 0.0 { ratio * *st } else { ratio * *sh };
                    x += (*width + adjust).max(0.0);
                }
                Elem::Penalty { .. } => {}
            }
        }
        if let Some(h) = hyphen {
            line.ascent = line.ascent.max(h.ascent);
            line.descent = line.descent.max(h.descent);
            let width = h.width;
            line.fragments.push((x, h));
            x += width;
        }
        line.width = x;
        let offset = match align {
            Align::Center => ((line_width - x) / 2.0).max(0.0),
            Align::Right => (line_width - x).max(0.0),
            Align::Justify | Align::Left => 0.0,
        };
        if offset > 0.0 {
            for (fx, _) in &mut line.fragments {
                *fx += offset;
            }
        }
        lines.push(line);
        start = b + 1;
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    fn word(w: Pt) -> Elem {
        Elem::Box(Fragment {
            font: 0,
            size: 10.0,
            color: Rgb::BLACK,
            rise: 0.0,
            glyphs: Vec::new(),
            width: w,
            ascent: 8.0,
            descent: 2.0,
            strike: false,
            underline: false,
            link: None,
            note: None,
            anchor: None,
            image: None,
            drawing: None,
        })
    }

    fn space() -> Elem {
        Elem::Glue { width: 3.0, stretch: 1.5, shrink: 1.0 }
    }

    /// A paragraph of words with the given widths.
    fn paragraph(widths: &[Pt]) -> Vec<Elem> {
        let mut elems = Vec::new();
        for (i, w) in widths.iter().enumerate() {
            if i > 0 {
                elems.push(space());
            }
            elems.push(word(*w));
        }
        finish(&mut elems);
        elems
    }

    fn ratios(elems: &[Elem], breaks: &[usize], width: Pt) -> Vec<f32> {
        let lines = set_lines(elems.to_vec(), breaks, width, Align::Left);
        let mut out = Vec::new();
        let mut start = 0;
        for (line, &b) in lines.iter().zip(breaks) {
            let stretch: Pt = elems[start..b]
                .iter()
                .map(|e| if let Elem::Glue { stretch, .. } = e { *stretch } else { 0.0 })
                .sum();
            let shrink: Pt = elems[start..b]
                .iter()
                .map(|e| if let Elem::Glue { shrink, .. } = e { *shrink } else { 0.0 })
                .sum();
            let slack = width - line.width;
            out.push(if slack >= 0.0 {
                slack / stretch.max(0.001)
            } else {
                slack / shrink.max(0.001)
            });
            start = b + 1;
        }
        out
    }

    #[test]
    fn total_fit_beats_first_fit_on_a_known_paragraph() {
        // First fit fills line one greedily and leaves a nearly empty second line that has to
        // stretch badly; total fit balances the two.
        let widths =
            [26.0, 10.0, 23.0, 16.0, 22.0, 11.0, 39.0, 37.0, 20.0, 21.0, 11.0, 24.0, 24.0, 12.0];
        let elems = paragraph(&widths);
        let width = 120.0;
        let greedy = first_fit(&elems, width);
        let best = total_fit(&elems, width, &BreakParams::default()).unwrap();
        assert_ne!(greedy, best);
        let worst = |breaks: &[usize]| {
            let r = ratios(&elems, breaks, width);
            r[..r.len() - 1].iter().fold(0.0f32, |m, x| m.max(x.abs()))
        };
        // Greedy leaves a line stretched six times its stretchability; total fit spreads it.
        assert!(worst(&greedy) > 5.0, "{}", worst(&greedy));
        assert!(worst(&best) < 2.0, "{}", worst(&best));
    }

    #[test]
    fn no_line_is_overfull() {
        let widths: Vec<Pt> = (0..200).map(|i| 10.0 + ((i * 37) % 23) as Pt).collect();
        let elems = paragraph(&widths);
        for width in [80.0, 120.0, 200.0, 333.0] {
            for line in break_lines(elems.clone(), width, Align::Justify) {
                assert!(line.width <= width + 0.01, "line {} wider than {width}", line.width);
            }
        }
    }

    #[test]
    fn justified_lines_fill_the_measure_except_the_last() {
        let widths: Vec<Pt> = (0..60).map(|i| 12.0 + ((i * 7) % 13) as Pt).collect();
        let elems = paragraph(&widths);
        let lines = break_lines(elems, 150.0, Align::Justify);
        assert!(lines.len() > 3);
        for line in &lines[..lines.len() - 1] {
            assert!((line.width - 150.0).abs() < 0.05, "{}", line.width);
        }
        assert!(lines.last().unwrap().width < 150.0);
    }

    #[test]
    fn forced_breaks_end_lines() {
        let mut elems = vec![word(10.0), space(), word(10.0)];
        elems.push(Elem::Glue { width: 0.0, stretch: FILL, shrink: 0.0 });
        elems.push(Elem::Penalty { width: 0.0, penalty: FORCED, flagged: false, hyphen: None });
        elems.push(word(10.0));
        finish(&mut elems);
        let lines = break_lines(elems, 500.0, Align::Justify);
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].fragments.len(), 2);
    }

    #[test]
    fn impossible_paragraphs_fall_back_to_first_fit() {
        // Words without glue between them wider than the line: no feasible total fit.
        let mut elems = vec![
            word(60.0),
            word(60.0),
            Elem::Penalty { width: 0.0, penalty: 0.0, flagged: false, hyphen: None },
            word(60.0),
        ];
        finish(&mut elems);
        let lines = break_lines(elems, 100.0, Align::Justify);
        assert!(lines.len() >= 2);
    }
}

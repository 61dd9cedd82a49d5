//! The format-independent math tree: what a TeX formula means, for MathML output and PDF layout.
//!
//! The shape follows MathML presentation markup, because both consumers think in those terms:
//! a formula is a [`MathNode::Row`] of atoms (identifiers, numbers, operators, text, space) and
//! layout schemata (fractions, roots, scripts, under/over, fences, tables). Letters keep their
//! ASCII text plus a [`MathVariant`]; the MathML writer maps them to Unicode math alphanumerics
//! and a PDF layout can pick a font face instead. Operators carry their TeX atom class, which
//! decides the spacing around them.
//!
//! Trees built by [`super::parse`] are at most [`super::MAX_DEPTH`] levels deep, so recursive
//! walks over them cannot overflow the stack.

/// One node of a formula.
#[derive(Debug, Clone, PartialEq)]
pub enum MathNode {
    /// A horizontal sequence: the whole formula, a `{…}` group, a table cell.
    Row(Vec<MathNode>),
    /// A variable or function name: `x`, `\alpha`, `\sin`, `\mathbf{v}`, `\operatorname{rank}`.
    Identifier {
        /// The name as typed (ASCII letters stay ASCII; Greek is Unicode: `α`).
        text: String,
        /// The face: italic for single letters, upright for names and capital Greek.
        variant: MathVariant,
    },
    /// A number: `42`, `3.14`.
    Number(String),
    /// An operator, relation, delimiter or punctuation: `+`, `\le`, `(`, `\sum`, `\lim`.
    Operator {
        /// The character(s), in Unicode: `−`, `≤`, `∑`, `lim`.
        text: String,
        /// The TeX atom class, which decides spacing and limit placement.
        class: OperatorClass,
        /// Grows to the height of what it encloses (`\left(`, `\middle|`).
        stretchy: bool,
        /// Explicit size from `\big` (1) … `\Bigg` (4); 0 is the natural size.
        size: u8,
    },
    /// Upright text: `\text{if }`. Spaces are significant.
    Text(String),
    /// Horizontal space in mu (1/18 em); negative for `\!`. `\,` = 3, `\quad` = 18.
    Space(i32),
    /// A fraction `\frac{a}{b}`, or a stack without a rule (`\binom`'s inside).
    Frac {
        /// Numerator.
        num: Box<MathNode>,
        /// Denominator.
        den: Box<MathNode>,
        /// Draw the fraction bar (false inside `\binom`).
        line: bool,
        /// `Some(true)` for `\dfrac` (display size), `Some(false)` for `\tfrac`, `None` by
        /// context.
        display: Option<bool>,
    },
    /// A square root: `\sqrt{x}`.
    Sqrt(Box<MathNode>),
    /// An n-th root: `\sqrt[n]{x}`.
    Root {
        /// Under the radical.
        radicand: Box<MathNode>,
        /// The small index (`n`).
        index: Box<MathNode>,
    },
    /// Sub- and/or superscripts beside a base: `x_i`, `x^2`, `x_i^2`, inline `\sum_i`.
    Scripts {
        /// What the scripts attach to (an empty [`MathNode::Row`] for `{}^{14}C`).
        base: Box<MathNode>,
        /// Subscript, if any.
        sub: Option<Box<MathNode>>,
        /// Superscript, if any.
        sup: Option<Box<MathNode>>,
    },
    /// Limits set under and/or over a base: display `\sum_{i=1}^n`, `\lim_{x\to0}`,
    /// `\overset{!}{=}`, `\underbrace{…}_{n}`.
    UnderOver {
        /// The operator or expression.
        base: Box<MathNode>,
        /// Below, if any.
        under: Option<Box<MathNode>>,
        /// Above, if any.
        over: Option<Box<MathNode>>,
    },
    /// An accent or line over or under its base: `\hat{x}`, `\vec{v}`, `\overline{AB}`,
    /// `\underline{x}`, `\overbrace{…}`.
    Accent {
        /// The accented expression.
        base: Box<MathNode>,
        /// The accent character (`^`, `→`, `¯`, `⏞`).
        accent: char,
        /// True to set it below the base (`\underline`, `\underbrace`).
        under: bool,
        /// Stretches over the whole base (`\widehat`, `\overline`) rather than sitting centred.
        stretchy: bool,
    },
    /// Delimiters that grow with their content: `\left( … \right)`, and the parentheses of
    /// `pmatrix` or the brace of `cases`.
    Fenced {
        /// Opening delimiter; empty for `\left.`.
        open: String,
        /// Closing delimiter; empty for `\right.`.
        close: String,
        /// The content, with any `\middle` delimiters as stretchy operators inside it.
        body: Box<MathNode>,
    },
    /// A grid: the inside of `matrix`, `cases`, `aligned`, `array`.
    Table {
        /// Rows of cells; rows may have fewer cells than there are columns.
        rows: Vec<Vec<MathNode>>,
        /// Alignment of each column (cells beyond the list are centred).
        columns: Vec<ColumnAlign>,
        /// What kind of grid it is, which decides spacing.
        kind: TableKind,
    },
}

/// The face of an identifier (`\mathbf`, `\mathbb` …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MathVariant {
    /// Upright roman: `\mathrm`, function names, capital Greek.
    Normal,
    /// Italic: single Latin letters and lower-case Greek by default, `\mathit`.
    Italic,
    /// `\mathbf`.
    Bold,
    /// `\boldsymbol`, `\bm`.
    BoldItalic,
    /// `\mathcal`, `\mathscr`.
    Script,
    /// `\mathbb`.
    DoubleStruck,
    /// `\mathfrak`.
    Fraktur,
    /// `\mathsf`.
    SansSerif,
    /// `\mathtt`.
    Monospace,
}

/// TeX's atom classes for operators; spacing in a row depends on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OperatorClass {
    /// No extra space: `/`, `|`, `…`.
    Ordinary,
    /// Medium space both sides: `+`, `−`, `\times`.
    Binary,
    /// Thick space both sides: `=`, `\le`, `\to`.
    Relation,
    /// An opening delimiter: `(`, `[`, `\langle`.
    Open,
    /// A closing delimiter: `)`, `]`, `!`.
    Close,
    /// Thin space after: `,`, `;`.
    Punctuation,
    /// A large operator drawn bigger in display math: `\sum`, `\int`, `\bigcup`.
    Large,
    /// A named operator taking limits: `\lim`, `\max`, `\det`.
    Limits,
}

/// Horizontal alignment of a table column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnAlign {
    /// `l`
    Left,
    /// `c`
    Center,
    /// `r`
    Right,
}

/// What a [`MathNode::Table`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableKind {
    /// `matrix`, `pmatrix`, `array` …: centred cells, a quad between columns.
    Matrix,
    /// `cases`: left-aligned value and condition columns.
    Cases,
    /// `aligned`, `align`, `split`, `gathered`: right/left pairs joined without space, in
    /// display style.
    Aligned,
}

impl MathNode {
    /// An empty row (the base of `{}^{14}C`, an empty group).
    pub fn empty() -> MathNode {
        MathNode::Row(Vec::new())
    }

    /// True for an empty row.
    pub fn is_empty(&self) -> bool {
        matches!(self, MathNode::Row(children) if children.is_empty())
    }
}

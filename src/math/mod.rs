//! Math: TeX formulas (`$…$`, `$$…$$`) → a format-independent [`MathNode`] tree → MathML.
//!
//! [`parse`] reads the common LaTeX/amsmath subset (fractions, scripts, Greek, operators with
//! limits, roots, `\left…\right`, accents, font commands, `\text`, matrices, `cases`,
//! `aligned`, the usual symbols). The HTML and EPUB writers call [`to_mathml`]; the PDF layout
//! typesets the [`tree`] itself. Anything outside the subset is a [`MathError`] naming the
//! construct, and writers then show the TeX source in monospace with a warning (see
//! [`fallback_warning`]).
//!
//! Parsing is one linear pass, and nesting deeper than [`MAX_DEPTH`] is refused, so hostile
//! input (thousands of nested braces) gives an error rather than a stack overflow.

mod mathml;
mod parse;
pub mod symbols;
pub mod tree;

pub use mathml::{styled_char, NAMESPACE};
pub use parse::parse;
pub use tree::{ColumnAlign, MathNode, MathVariant, OperatorClass, TableKind};

use crate::error::{Warning, WarningKind};

/// How deeply groups, arguments, `\left` pairs and environments may nest.
pub const MAX_DEPTH: usize = 48;

/// Why a formula could not be turned into a tree.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MathError {
    /// A command or environment outside the supported subset (`\color`, `\begin{CD}`).
    #[error("unsupported TeX construct {0}")]
    Unsupported(String),
    /// Malformed TeX: unbalanced braces, `\left` without `\right`, a missing argument.
    #[error("malformed TeX: {0}")]
    Syntax(String),
    /// Nesting beyond [`MAX_DEPTH`].
    #[error("TeX nested more than {MAX_DEPTH} levels deep")]
    TooDeep,
}

impl MathError {
    pub(crate) fn unsupported(construct: &str) -> MathError {
        MathError::Unsupported(construct.to_string())
    }

    pub(crate) fn syntax(message: String) -> MathError {
        MathError::Syntax(message)
    }

    pub(crate) fn unexpected(token: &str) -> MathError {
        MathError::Syntax(format!("unexpected `{token}`"))
    }

    pub(crate) fn too_deep() -> MathError {
        MathError::TooDeep
    }
}

/// A complete MathML `<math>` element for `tex` (display math gets `display="block"`), with the
/// TeX in `alttext` and in an `application/x-tex` annotation, valid for HTML5 and EPUB 3.
pub fn to_mathml(tex: &str, display: bool) -> Result<String, MathError> {
    let tree = parse(tex, display)?;
    Ok(mathml::math_element(&tree, tex, display))
}

/// The warning writers return when they fall back to showing `tex` as source.
pub fn fallback_warning(tex: &str, error: &MathError) -> Warning {
    const SHOWN: usize = 60;
    let mut excerpt: String = tex.trim().chars().take(SHOWN).collect();
    if tex.trim().chars().count() > SHOWN {
        excerpt.push('…');
    }
    Warning::new(
        WarningKind::Unsupported,
        format!("math `{excerpt}`: {error}; shown as TeX source"),
    )
}

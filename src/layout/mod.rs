//! Layout: the document model → positioned pages ([`frame::LayoutDocument`]), for the PDF writer.
//!
//! Layout never touches PDF bytes (that is [`crate::writer::pdf`]'s job). It measures text
//! through [`font::FontMetrics`], so the same code runs against real fonts in production and
//! fixed advances in golden tests. The stages:
//!
//! - [`font`]: bundled, user and system fallback faces, shaping (rustybuzz), [`font::FontMetrics`];
//! - [`hyphen`]: Liang hyphenation dictionaries by document language;
//! - [`inline`]: inline content → boxes, glue and penalties (shaped words, hyphenation points,
//!   breaks between ideographs and inside long URLs);
//! - [`line`]: Knuth–Plass line breaking (first fit as the fallback) and line setting;
//! - [`flow`]: blocks → units → pages (spacing, page breaks, footnotes, tables, furniture);
//! - [`code`]: code blocks as highlighted spans; [`math`]: formulas typeset as boxes of runs and rules;
//! - [`image`]: image sizes from PNG/JPEG headers;
//! - [`style`]: every number of the design; [`frame`]: the output types and their text dump.

pub mod code;
pub mod flow;
pub mod font;
pub mod frame;
pub mod hyphen;
pub mod image;
pub mod inline;
pub mod line;
pub mod math;
pub mod raster;
pub mod style;

pub use flow::{layout, layout_pages, LayoutOptions};

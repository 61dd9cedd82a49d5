//! Chapters: splitting a document's top-level blocks at headings into chapters (EPUB files, and
//! later chunked HTML), and the outline of headings each chapter contributes to a table of
//! contents.
//!
//! Only top-level headings split: a heading inside a quote or list item stays where it is. The
//! split level is relative to the highest heading level the document uses, so a README whose
//! sections all start at `##` still gets one chapter per section. Link targets are not rewritten
//! here: the EPUB writer resolves `#id` links against every id it actually writes (including ids
//! in raw HTML), which a model-level pass could not see.

use crate::model::{walk, Block, Inline};

/// A run of blocks that starts at a splitting heading (or at the start of the document),
/// borrowed from the document (copying a book's model to split it was a large part of the
/// EPUB writer's time).
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter<'a> {
    /// The level of the heading that opens the chapter; 0 for text before the first heading or
    /// a document without headings.
    pub level: u8,
    /// The opening heading's text (empty when `level` is 0).
    pub title: &'a [Inline],
    /// The opening heading's id.
    pub id: Option<&'a str>,
    /// The chapter's blocks, its opening heading included.
    pub blocks: &'a [Block],
    /// True for the second and later parts of a chapter cut by [`split_large`].
    pub continued: bool,
}

/// A heading within a chapter, for the table of contents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutlineEntry {
    /// Heading level, 1 to 6.
    pub level: u8,
    /// The heading's id.
    pub id: Option<String>,
    /// The heading as plain text.
    pub title: String,
}

/// The level to split at: `requested` counted from the highest heading level in use (so
/// `requested == 1` splits at `##` in a document whose top headings are `##`), capped at 6.
pub fn effective_split_level(blocks: &[Block], requested: u8) -> u8 {
    let top = blocks
        .iter()
        .filter_map(|block| match block {
            Block::Heading { level, .. } => Some((*level).clamp(1, 6)),
            _ => None,
        })
        .min()
        .unwrap_or(1);
    (top + requested.max(1) - 1).min(6)
}

/// Splits `blocks` before every top-level heading of level `split_level` or higher (numerically
/// lower). Leading blocks before the first such heading form a chapter of level 0, left out
/// when they are empty. An empty input gives no chapters.
pub fn split(blocks: &[Block], split_level: u8) -> Vec<Chapter<'_>> {
    let mut chapters: Vec<Chapter<'_>> = Vec::new();
    let mut current = Chapter { level: 0, title: &[], id: None, blocks: &[], continued: false };
    let mut start = 0;
    for (index, block) in blocks.iter().enumerate() {
        if let Block::Heading { level, attr, content } = block {
            if *level <= split_level {
                if current.level > 0 || index > start {
                    chapters.push(Chapter { blocks: &blocks[start..index], ..current });
                }
                current = Chapter {
                    level: (*level).clamp(1, 6),
                    title: content,
                    id: attr.id.as_deref(),
                    blocks: &[],
                    continued: false,
                };
                start = index;
            }
        }
    }
    if current.level > 0 || blocks.len() > start {
        chapters.push(Chapter { blocks: &blocks[start..], ..current });
    }
    chapters
}

/// Cuts chapters holding more than about `max_bytes` of text into parts at top-level block
/// boundaries (a block is never cut), so no single file is too large for a reading system. Parts
/// after the first keep the chapter's level and title and are marked `continued`.
pub fn split_large(chapters: Vec<Chapter<'_>>, max_bytes: usize) -> Vec<Chapter<'_>> {
    let mut out = Vec::with_capacity(chapters.len());
    for chapter in chapters {
        let sizes: Vec<usize> = chapter
            .blocks
            .iter()
            .map(|b| walk::blocks_plain_text(std::slice::from_ref(b)).len())
            .collect();
        if sizes.iter().sum::<usize>() <= max_bytes {
            out.push(chapter);
            continue;
        }
        let mut part = Chapter { blocks: &[], ..chapter };
        let (mut start, mut size) = (0, 0);
        for (index, block_size) in sizes.into_iter().enumerate() {
            if size > 0 && size + block_size > max_bytes {
                out.push(Chapter { blocks: &chapter.blocks[start..index], ..part });
                part = Chapter { id: None, continued: true, ..part };
                (start, size) = (index, 0);
            }
            size += block_size;
        }
        out.push(Chapter { blocks: &chapter.blocks[start..], ..part });
    }
    out
}

/// The top-level headings of a chapter deeper than its own heading, down to `max_level`.
pub fn outline(chapter: &Chapter<'_>, max_level: u8) -> Vec<OutlineEntry> {
    let skip = usize::from(chapter.level > 0 && !chapter.continued);
    chapter
        .blocks
        .iter()
        .skip(skip)
        .filter_map(|block| match block {
            Block::Heading { level, attr, content } if *level <= max_level => Some(OutlineEntry {
                level: *level,
                id: attr.id.clone(),
                title: walk::plain_text(content).trim().to_string(),
            }),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::build::{heading, para, text};

    fn titles(chapters: &[Chapter<'_>]) -> Vec<(u8, String, usize)> {
        chapters.iter().map(|c| (c.level, walk::plain_text(c.title), c.blocks.len())).collect()
    }

    #[test]
    fn splits_at_top_level_headings() {
        let blocks = vec![
            para(vec![text("intro")]),
            heading(1, vec![text("One")]),
            para(vec![text("a")]),
            heading(2, vec![text("One.1")]),
            heading(1, vec![text("Two")]),
        ];
        let chapters = split(&blocks, 1);
        assert_eq!(
            titles(&chapters),
            vec![(0, String::new(), 1), (1, "One".into(), 3), (1, "Two".into(), 1)]
        );
        assert_eq!(outline(&chapters[1], 3).len(), 1);
    }

    #[test]
    fn no_headings_is_one_chapter_and_empty_is_none() {
        assert_eq!(split(&[para(vec![text("x")])], 1).len(), 1);
        assert!(split(&[], 1).is_empty());
    }

    #[test]
    fn large_chapters_are_cut_between_blocks() {
        let blocks: Vec<Block> =
            (0..10).map(|i| para(vec![text(format!("paragraph {i:02} text"))])).collect();
        let parts = split_large(split(&blocks, 1), 40);
        assert_eq!(parts.len(), 5);
        assert!(!parts[0].continued && parts[1..].iter().all(|p| p.continued));
        assert_eq!(parts.iter().map(|p| p.blocks.len()).sum::<usize>(), 10);
    }

    #[test]
    fn split_level_follows_the_top_heading() {
        let blocks = vec![heading(2, vec![text("a")]), heading(3, vec![text("b")])];
        assert_eq!(effective_split_level(&blocks, 1), 2);
        assert_eq!(effective_split_level(&blocks, 2), 3);
        assert_eq!(effective_split_level(&[], 9), 6);
    }
}

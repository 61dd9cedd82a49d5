//! Heading ids: every heading gets a unique, stable anchor id (GitHub-style slugs), explicit ids
//! (`{#id}`) win and are never renamed.

use std::collections::{HashMap, HashSet};

use crate::model::{walk, Block, Document};

/// Gives every heading without an id a unique slug of its text.
pub fn assign_heading_ids(document: &mut Document) {
    let mut ids = UniqueIds::default();
    walk::for_each_block(&document.blocks, &mut |block| {
        if let Block::Heading { attr, .. } = block {
            if let Some(id) = &attr.id {
                ids.used.insert(id.clone());
            }
        }
    });
    walk::for_each_block_mut(&mut document.blocks, &mut |block| {
        if let Block::Heading { attr, content, .. } = block {
            if attr.id.is_none() {
                let base = slug(&walk::plain_text(content));
                attr.id = Some(ids.reserve(&base));
            }
        }
    });
}

/// A set of ids that hands out the same ids as [`unique`], but remembers per base where the
/// search for a free suffix stopped. Without that, n headings with the same text cost n²/2
/// lookups (100,000 empty headings took minutes; test `pathological::repeated_headings_are_linear`).
#[derive(Debug, Default)]
pub struct UniqueIds {
    /// Every id taken so far.
    pub used: HashSet<String>,
    /// Per base, the lowest suffix that may still be free.
    next_suffix: HashMap<String, u64>,
}

impl UniqueIds {
    /// Reserves a unique id derived from `base` (`base`, `base-1`, `base-2` …).
    pub fn reserve(&mut self, base: &str) -> String {
        let base = if base.is_empty() { "section" } else { base };
        if self.used.insert(base.to_string()) {
            return base.to_string();
        }
        let next = self.next_suffix.entry(base.to_string()).or_insert(1);
        // Suffixes below `next` are all taken and the set only grows, so the first free one
        // from here is the first free one overall.
        loop {
            let candidate = format!("{base}-{next}");
            *next += 1;
            if self.used.insert(candidate.clone()) {
                return candidate;
            }
        }
    }
}

/// Reserves a unique id derived from `base` (`base`, `base-1`, `base-2` …).
pub fn unique(base: &str, used: &mut HashSet<String>) -> String {
    let base = if base.is_empty() { "section" } else { base };
    if used.insert(base.to_string()) {
        return base.to_string();
    }
    (1..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| used.insert(candidate.clone()))
        .expect("an unused suffix always exists")
}

/// A GitHub-style slug: lower case, letters/digits/`-`/`_` kept, spaces to `-`, the rest dropped.
/// Ids must start with a letter for EPUB 2's XHTML 1.1, so a leading digit gets `h-`.
pub fn slug(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.trim().chars() {
        if c.is_alphanumeric() || c == '_' || c == '-' {
            out.extend(c.to_lowercase());
        } else if c.is_whitespace() && !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').to_string();
    match out.chars().next() {
        Some(c) if c.is_alphabetic() => out,
        Some(_) => format!("h-{out}"),
        None => out,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert_eq!(slug("Hello, World!"), "hello-world");
        assert_eq!(slug("  Déjà  vu  "), "déjà-vu");
        assert_eq!(slug("1. Intro"), "h-1-intro");
        assert_eq!(slug("???"), "");
    }

    #[test]
    fn duplicates_get_suffixes() {
        let mut used = HashSet::new();
        assert_eq!(unique("a", &mut used), "a");
        assert_eq!(unique("a", &mut used), "a-1");
        assert_eq!(unique("", &mut used), "section");
    }

    #[test]
    fn unique_ids_match_unique() {
        let mut used = HashSet::new();
        let mut ids = UniqueIds::default();
        for taken in ["a-2", "b", "a-4"] {
            used.insert(taken.to_string());
            ids.used.insert(taken.to_string());
        }
        for base in ["a", "a", "a", "b", "a", "b", "", "", "a"] {
            assert_eq!(ids.reserve(base), unique(base, &mut used), "{base}");
        }
    }
}

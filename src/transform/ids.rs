//! Heading ids: every heading gets a unique, stable anchor id (GitHub-style slugs), explicit ids
//! (`{#id}`) win and are never renamed.

use std::collections::HashSet;

use crate::model::{walk, Block, Document};

/// Gives every heading without an id a unique slug of its text.
pub fn assign_heading_ids(document: &mut Document) {
    let mut used: HashSet<String> = HashSet::new();
    walk::for_each_block(&document.blocks, &mut |block| {
        if let Block::Heading { attr, .. } = block {
            if let Some(id) = &attr.id {
                used.insert(id.clone());
            }
        }
    });
    walk::for_each_block_mut(&mut document.blocks, &mut |block| {
        if let Block::Heading { attr, content, .. } = block {
            if attr.id.is_none() {
                let base = slug(&walk::plain_text(content));
                attr.id = Some(unique(&base, &mut used));
            }
        }
    });
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
}

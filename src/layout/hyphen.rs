//! Hyphenation: the embedded Liang pattern dictionary for the document language, loaded once per
//! process and shared across threads, and the break points it allows in a word.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use hyphenation::{Hyphenator, Language, Load, Standard};

/// The dictionary language for a BCP 47 tag (`en`, `de-CH`, `pt-BR`); English when the tag is
/// missing, `None` for languages without a bundled dictionary.
pub fn language_for(tag: Option<&str>) -> Option<Language> {
    let tag = tag.unwrap_or("en").to_ascii_lowercase();
    let mut parts = tag.split(['-', '_']);
    let primary = parts.next().unwrap_or("");
    let region = parts.next().unwrap_or("");
    Some(match primary {
        "en" => match region {
            "gb" | "uk" | "au" | "nz" | "ie" | "za" | "in" => Language::EnglishGB,
            _ => Language::EnglishUS,
        },
        "de" => match region {
            "ch" => Language::GermanSwiss,
            _ => Language::German1996,
        },
        "fr" => Language::French,
        "es" => Language::Spanish,
        "it" => Language::Italian,
        "pt" => Language::Portuguese,
        "nl" => Language::Dutch,
        "ca" => Language::Catalan,
        "cs" => Language::Czech,
        "da" => Language::Danish,
        "fi" => Language::Finnish,
        "pl" => Language::Polish,
        "ru" => Language::Russian,
        "sv" => Language::Swedish,
        "nb" | "no" => Language::NorwegianBokmal,
        "nn" => Language::NorwegianNynorsk,
        "hu" => Language::Hungarian,
        "tr" => Language::Turkish,
        "uk" => Language::Ukrainian,
        "el" => Language::GreekMono,
        "la" => Language::Latin,
        _ => return None,
    })
}

/// The dictionary for a language, deserialized on first use.
pub fn dictionary(language: Language) -> Option<&'static Standard> {
    static CACHE: OnceLock<Mutex<HashMap<Language, Option<&'static Standard>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    *map.entry(language)
        .or_insert_with(|| Standard::from_embedded(language).ok().map(|d| &*Box::leak(Box::new(d))))
}

/// Byte offsets inside `word` where it may be hyphenated. Only plain alphabetic words of five
/// letters or more are hyphenated: names with digits, URLs and code are left alone.
pub fn break_points(dictionary: &Standard, word: &str) -> Vec<usize> {
    // No real word is longer than this; longer runs of letters are broken as emergencies.
    let letters = word.chars().count();
    if !(5..=64).contains(&letters) || !word.chars().all(char::is_alphabetic) {
        return Vec::new();
    }
    // Words in capitals are usually acronyms or emphasis; TeX leaves them alone too.
    if word.chars().filter(|c| c.is_uppercase()).count() > 1 {
        return Vec::new();
    }
    dictionary.hyphenate(word).breaks.into_iter().filter(|&b| b > 0 && b < word.len()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn english_words_get_the_usual_breaks() {
        let dict = dictionary(Language::EnglishUS).unwrap();
        let word = "hyphenation";
        let parts: Vec<&str> = {
            let points = break_points(dict, word);
            let mut last = 0;
            let mut out = Vec::new();
            for p in points {
                out.push(&word[last..p]);
                last = p;
            }
            out.push(&word[last..]);
            out
        };
        assert_eq!(parts.concat(), word);
        assert_eq!(&parts[..2], ["hy", "phen"]);
        assert!(parts.iter().all(|p| !p.is_empty()));
    }

    #[test]
    fn german_dictionary_follows_the_language_tag() {
        let lang = language_for(Some("de-DE")).unwrap();
        let dict = dictionary(lang).unwrap();
        assert!(!break_points(dict, "Silbentrennung").is_empty());
        assert!(break_points(dict, "ABCDEFG").is_empty());
        assert!(break_points(dict, "x86_64abc").is_empty());
    }

    #[test]
    fn unknown_languages_have_no_dictionary() {
        assert_eq!(language_for(Some("zz")), None);
        assert_eq!(language_for(None), Some(Language::EnglishUS));
    }
}

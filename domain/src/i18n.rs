//! Vietnamese-first text: a pair of strings for every message a person reads, and diacritic-free
//! folding for search and sorting ("ho tich" finds "Hộ tịch").

use serde::{Deserialize, Serialize};

/// The two languages of the product; Vietnamese is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Vi,
    En,
}

/// A text in Vietnamese and English.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Localized {
    pub vi: String,
    pub en: String,
}

impl Localized {
    pub fn new(vi: impl Into<String>, en: impl Into<String>) -> Self {
        Localized { vi: vi.into(), en: en.into() }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Vi => &self.vi,
            Lang::En => &self.en,
        }
    }
}

/// Unicode NFC: what every stored or compared text is normalised to (a keyboard or a pasted text may
/// give NFD, where "ệ" is three code points).
pub fn nfc(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    text.nfc().collect()
}

/// Lower-cases and strips Vietnamese diacritics (including đ → d), for search and for a sort key
/// that groups "Hộ tịch" with "Ho tich".
pub fn fold(text: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    // Composed first, so NFD input ("ệ" as e + U+0323 + U+0302) folds like NFC; marks left over (no
    // precomposed letter holds them) are dropped.
    text.nfc()
        .map(fold_char)
        .filter(|c| !unicode_normalization::char::is_combining_mark(*c))
        .collect::<String>()
        .to_lowercase()
}

fn fold_char(c: char) -> char {
    const GROUPS: &[(&str, char)] = &[
        ("àáảãạăằắẳẵặâầấẩẫậ", 'a'),
        ("ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬ", 'A'),
        ("èéẻẽẹêềếểễệ", 'e'),
        ("ÈÉẺẼẸÊỀẾỂỄỆ", 'E'),
        ("ìíỉĩị", 'i'),
        ("ÌÍỈĨỊ", 'I'),
        ("òóỏõọôồốổỗộơờớởỡợ", 'o'),
        ("ÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢ", 'O'),
        ("ùúủũụưừứửữự", 'u'),
        ("ÙÚỦŨỤƯỪỨỬỮỰ", 'U'),
        ("ỳýỷỹỵ", 'y'),
        ("ỲÝỶỸỴ", 'Y'),
        ("đ", 'd'),
        ("Đ", 'D'),
    ];
    if c.is_ascii() {
        return c;
    }
    for (set, base) in GROUPS {
        if set.contains(c) {
            return *base;
        }
    }
    c
}

/// Whether `haystack` matches a query typed with or without diacritics: every query word must be a
/// prefix of some word... or appear anywhere, folded.
pub fn matches_query(haystack: &str, query: &str) -> bool {
    let hay = fold(haystack);
    fold(query).split_whitespace().all(|word| hay.contains(word))
}

/// A sort key for Vietnamese names: folded text first, then the original so that "Ho" < "Hồ" stays stable.
pub fn sort_key(text: &str) -> (String, String) {
    (fold(text), text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_vietnamese() {
        assert_eq!(fold("Hộ tịch"), "ho tich");
        // The same words typed in NFD (o + U+0323 + U+0302), and a mark on a letter with no precomposed form.
        assert_eq!(fold("Ho\u{323}\u{302} ti\u{323}ch"), "ho tich");
        assert_eq!(fold("q\u{301}"), "q");
        assert!(matches_query("Chứng thực bản sao", "chu\u{301}ng thu\u{31b}\u{323}c"));
        assert_eq!(fold("Đất đai"), "dat dai");
        assert_eq!(fold("Trả kết quả"), "tra ket qua");
        assert_eq!(fold("Người có công"), "nguoi co cong");
    }

    #[test]
    fn search_ignores_diacritics_and_case() {
        assert!(matches_query("Hộ tịch", "ho tich"));
        assert!(matches_query("Hộ tịch", "HỘ"));
        assert!(matches_query("Đăng ký kinh doanh", "kinh dang"));
        assert!(!matches_query("Hộ tịch", "dat"));
    }

    #[test]
    fn sorting_groups_accented_names() {
        let mut names = vec!["Xây dựng", "Đất đai", "Hộ tịch", "Bảo trợ", "Chứng thực"];
        names.sort_by_key(|n| sort_key(n));
        assert_eq!(names, vec!["Bảo trợ", "Chứng thực", "Đất đai", "Hộ tịch", "Xây dựng"]);
    }
}

//! Vietnamese typing on a touch keyboard: letters are typed as they are and "mark" keys (the five
//! tones, removing the tone, â ê ô, ă, ơ ư, đ) change the last word of the text.
//!
//! A word is kept as its letters (base letter, case, modifier) plus one tone for the whole syllable;
//! the tone is drawn on the vowel standard orthography asks for, recomputed after every key. So a tone
//! typed early moves when a later letter or modifier changes its place ("hòa" + n → "hoàn",
//! "thủo" + horn → "thuở"), and the citizen may press marks in any order. Placement is the classic one
//! (Unikey's default): "hòa", "thủy", "hòe"; a modified vowel (â ă ê ô ơ ư) always carries the tone,
//! the second of "ươ"; "qu" and "gi" before a vowel are consonants ("quyền", "già", "giường").
//!
//! Output is always NFC, so a comment compares, folds ([`crate::i18n::fold`]) and prints the same
//! whatever order its marks were typed in.

use unicode_normalization::UnicodeNormalization;

/// The five marked tones; the level tone (thanh ngang) is no mark at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tone {
    /// Dấu sắc, acute: á.
    Sac,
    /// Dấu huyền, grave: à.
    Huyen,
    /// Dấu hỏi, hook above: ả.
    Hoi,
    /// Dấu ngã, tilde: ã.
    Nga,
    /// Dấu nặng, dot below: ạ.
    Nang,
}

impl Tone {
    pub const ALL: [Tone; 5] = [Tone::Sac, Tone::Huyen, Tone::Hoi, Tone::Nga, Tone::Nang];

    fn combining(self) -> char {
        match self {
            Tone::Sac => '\u{301}',
            Tone::Huyen => '\u{300}',
            Tone::Hoi => '\u{309}',
            Tone::Nga => '\u{303}',
            Tone::Nang => '\u{323}',
        }
    }

    fn from_combining(c: char) -> Option<Tone> {
        Tone::ALL.into_iter().find(|t| t.combining() == c)
    }
}

/// What a mark key does to the last word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Mark {
    /// Puts this tone on the word; pressed again, removes it.
    Tone(Tone),
    /// Removes the word's tone.
    NoTone,
    /// a e o → â ê ô (again: back).
    Circumflex,
    /// a → ă (again: back).
    Breve,
    /// o u → ơ ư, and "uo" → "ươ" (again: back).
    Horn,
    /// d → đ at the start of the word (again: back).
    Stroke,
}

impl Mark {
    pub const ALL: [Mark; 10] = [
        Mark::Tone(Tone::Sac),
        Mark::Tone(Tone::Huyen),
        Mark::Tone(Tone::Hoi),
        Mark::Tone(Tone::Nga),
        Mark::Tone(Tone::Nang),
        Mark::NoTone,
        Mark::Circumflex,
        Mark::Breve,
        Mark::Horn,
        Mark::Stroke,
    ];

    /// The key name an on-screen keyboard sends for this mark.
    pub fn name(self) -> &'static str {
        match self {
            Mark::Tone(Tone::Sac) => "sac",
            Mark::Tone(Tone::Huyen) => "huyen",
            Mark::Tone(Tone::Hoi) => "hoi",
            Mark::Tone(Tone::Nga) => "nga",
            Mark::Tone(Tone::Nang) => "nang",
            Mark::NoTone => "no-tone",
            Mark::Circumflex => "circumflex",
            Mark::Breve => "breve",
            Mark::Horn => "horn",
            Mark::Stroke => "stroke",
        }
    }
}

/// One key of the keyboard: a character typed as it is, or a mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Key {
    Char(char),
    Mark(Mark),
}

impl Key {
    /// A key from its name: a single character, or a [`Mark::name`].
    pub fn from_name(name: &str) -> Option<Key> {
        let mut chars = name.chars();
        match (chars.next(), chars.next()) {
            (Some(c), None) => Some(Key::Char(c)),
            _ => Mark::ALL.into_iter().find(|m| m.name() == name).map(Key::Mark),
        }
    }
}

/// The text after pressing `key`: a character is appended, a mark changes the last word (and does
/// nothing when the text does not end in a word the mark applies to). The result is NFC.
pub fn apply(text: &str, key: Key) -> String {
    let mut text = text.to_owned();
    if let Key::Char(c) = key {
        text.push(c);
    }
    let (mut out, mut word) = split_last_word(&text);
    if let Key::Mark(mark) = key {
        word.apply(mark);
    }
    word.render_into(&mut out);
    out.nfc().collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Modifier {
    Circumflex,
    Breve,
    Horn,
    Stroke,
}

impl Modifier {
    fn from_combining(c: char) -> Option<Modifier> {
        match c {
            '\u{302}' => Some(Modifier::Circumflex),
            '\u{306}' => Some(Modifier::Breve),
            '\u{31b}' => Some(Modifier::Horn),
            _ => None,
        }
    }

    fn fits(self, base: char) -> bool {
        match self {
            Modifier::Circumflex => matches!(base, 'a' | 'e' | 'o'),
            Modifier::Breve => base == 'a',
            Modifier::Horn => matches!(base, 'o' | 'u'),
            Modifier::Stroke => base == 'd',
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Letter {
    /// Lower-case ASCII letter.
    base: char,
    upper: bool,
    modifier: Option<Modifier>,
}

impl Letter {
    fn is_vowel(&self) -> bool {
        matches!(self.base, 'a' | 'e' | 'i' | 'o' | 'u' | 'y')
    }

    fn is(&self, base: char, modifier: Option<Modifier>) -> bool {
        self.base == base && self.modifier == modifier
    }

    /// A letter from an NFD base character and the combining marks after it, with its tone if any;
    /// `None` when it is not a Vietnamese letter (or carries marks no Vietnamese letter has).
    fn parse(base: char, marks: &[char]) -> Option<(Letter, Option<Tone>)> {
        let mut letter = match base {
            'đ' | 'Đ' => Letter { base: 'd', upper: base == 'Đ', modifier: Some(Modifier::Stroke) },
            c if c.is_ascii_alphabetic() => {
                Letter { base: c.to_ascii_lowercase(), upper: c.is_ascii_uppercase(), modifier: None }
            }
            _ => return None,
        };
        let mut tone = None;
        for &mark in marks {
            if let Some(t) = Tone::from_combining(mark) {
                if tone.replace(t).is_some() || !letter.is_vowel() {
                    return None;
                }
            } else {
                let modifier = Modifier::from_combining(mark)?;
                if letter.modifier.replace(modifier).is_some() || !modifier.fits(letter.base) {
                    return None;
                }
            }
        }
        Some((letter, tone))
    }
}

fn is_vietnamese_mark(c: char) -> bool {
    Tone::from_combining(c).is_some() || Modifier::from_combining(c).is_some()
}

/// Splits `text` into what comes before its last word (NFD) and that word.
fn split_last_word(text: &str) -> (String, Word) {
    let chars: Vec<char> = text.nfd().collect();
    let mut start = chars.len();
    let mut letters = Vec::new();
    let mut tone = None;
    loop {
        let marks_start = start - chars[..start].iter().rev().take_while(|c| is_vietnamese_mark(**c)).count();
        let Some(base_at) = marks_start.checked_sub(1) else { break };
        let Some((letter, letter_tone)) = Letter::parse(chars[base_at], &chars[marks_start..start]) else { break };
        letters.push(letter);
        // Walking backwards: keep the last tone of a word that (typed elsewhere) had two.
        tone = tone.or(letter_tone);
        start = base_at;
    }
    letters.reverse();
    (chars[..start].iter().collect(), Word { letters, tone })
}

/// The last word being typed: letters and one tone for the syllable.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Word {
    letters: Vec<Letter>,
    tone: Option<Tone>,
}

impl Word {
    /// The vowel nucleus as a range of letter indices (after the initial consonants, "qu" and "gi"
    /// included), `None` without a vowel.
    fn nucleus(&self) -> Option<(usize, usize)> {
        let l = &self.letters;
        let mut start = l.iter().position(Letter::is_vowel)?;
        let glide = (start >= 1 && l[start - 1].base == 'q' && l[start].is('u', None))
            || (start == 1 && l[0].base == 'g' && l[1].is('i', None));
        if glide && l.get(start + 1).is_some_and(Letter::is_vowel) {
            start += 1;
        }
        let len = l[start..].iter().take_while(|x| x.is_vowel()).count();
        Some((start, start + len))
    }

    /// Which letter carries the tone.
    fn tone_slot(&self) -> Option<usize> {
        let (start, end) = self.nucleus()?;
        let nucleus = &self.letters[start..end];
        let has_final = end < self.letters.len();
        let offset = match nucleus.iter().rposition(|x| x.modifier.is_some()) {
            // â ă ê ô ơ ư take the tone; in "ươ" the second: người, được.
            Some(i) => i,
            None => match nucleus.len() {
                1 => 0,
                // Closed: toán, huỳnh. Open, classic placement: hòa, thủy, mùa, tài.
                2 => usize::from(has_final),
                // The middle one: ngoài, khuỷu, ngoẹo.
                _ => 1,
            },
        };
        Some(start + offset)
    }

    fn apply(&mut self, mark: Mark) {
        match mark {
            Mark::Tone(tone) => {
                if self.tone_slot().is_some() {
                    self.tone = if self.tone == Some(tone) { None } else { Some(tone) };
                }
            }
            Mark::NoTone => self.tone = None,
            Mark::Circumflex => {
                let Some((start, end)) = self.nucleus() else { return };
                let Some(i) = (start..end).rev().find(|&i| matches!(self.letters[i].base, 'a' | 'e' | 'o')) else {
                    return;
                };
                self.toggle(i, Modifier::Circumflex);
                // "ươ" with ô is no syllable: the u loses its horn (ươ → uô).
                if i > start && self.letters[i].is('o', Some(Modifier::Circumflex)) {
                    let before = &mut self.letters[i - 1];
                    if before.is('u', Some(Modifier::Horn)) {
                        before.modifier = None;
                    }
                }
            }
            Mark::Breve => {
                let Some((start, end)) = self.nucleus() else { return };
                if let Some(i) = (start..end).rev().find(|&i| self.letters[i].base == 'a') {
                    self.toggle(i, Modifier::Breve);
                }
            }
            Mark::Horn => self.horn(),
            Mark::Stroke => {
                if self.letters.first().is_some_and(|l| l.base == 'd') {
                    self.toggle(0, Modifier::Stroke);
                }
            }
        }
    }

    fn toggle(&mut self, i: usize, modifier: Modifier) {
        let letter = &mut self.letters[i];
        letter.modifier = if letter.modifier == Some(modifier) { None } else { Some(modifier) };
    }

    fn horn(&mut self) {
        let Some((start, end)) = self.nucleus() else { return };
        let horned = |l: &Letter| l.modifier == Some(Modifier::Horn);
        if let Some(u) =
            (start..end.saturating_sub(1)).find(|&i| self.letters[i].base == 'u' && self.letters[i + 1].base == 'o')
        {
            let o = u + 1;
            // "uơ" only ends a word (thuở, huơ); before a letter it is "ươ" (người, được), and an ư
            // typed already stays.
            let want = (o + 1 < self.letters.len() || horned(&self.letters[u]), true);
            let now = (horned(&self.letters[u]), horned(&self.letters[o]));
            let (horn_u, horn_o) = if now == want { (false, false) } else { want };
            self.letters[u].modifier = horn_u.then_some(Modifier::Horn);
            self.letters[o].modifier = horn_o.then_some(Modifier::Horn);
        } else if let Some(i) = (start..end).find(|&i| matches!(self.letters[i].base, 'o' | 'u')) {
            // The first one: mưa, cứu, gửi.
            self.toggle(i, Modifier::Horn);
        }
    }

    /// A letter typed after "uơ" makes it "ươ": "nguơ" + i → "ngươi".
    fn complete_uo(&mut self) {
        let Some((start, end)) = self.nucleus() else { return };
        for u in start..end.saturating_sub(1) {
            let o = u + 1;
            if self.letters[u].is('u', None)
                && self.letters[o].is('o', Some(Modifier::Horn))
                && o + 1 < self.letters.len()
            {
                self.letters[u].modifier = Some(Modifier::Horn);
            }
        }
    }

    fn render_into(mut self, out: &mut String) {
        self.complete_uo();
        let slot = self.tone_slot();
        for (i, letter) in self.letters.iter().enumerate() {
            let base = match letter.modifier {
                Some(Modifier::Stroke) => 'đ',
                _ => letter.base,
            };
            if letter.upper {
                out.extend(base.to_uppercase());
            } else {
                out.push(base);
            }
            match letter.modifier {
                Some(Modifier::Circumflex) => out.push('\u{302}'),
                Some(Modifier::Breve) => out.push('\u{306}'),
                Some(Modifier::Horn) => out.push('\u{31b}'),
                Some(Modifier::Stroke) | None => {}
            }
            if slot == Some(i) {
                if let Some(tone) = self.tone {
                    out.push(tone.combining());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::fold;
    use proptest::prelude::*;

    /// Types `keys`: characters as they are, marks as `{name}` ("duoc{stroke}{horn}{nang}").
    fn typed(keys: &str) -> String {
        let mut text = String::new();
        let mut rest = keys;
        while let Some(c) = rest.chars().next() {
            let key = if c == '{' {
                let end = rest.find('}').expect("closed mark");
                let name = &rest[1..end];
                rest = &rest[end + 1..];
                match Key::from_name(name) {
                    Some(key @ Key::Mark(_)) => key,
                    _ => panic!("no mark named {name:?}"),
                }
            } else {
                rest = &rest[c.len_utf8()..];
                Key::Char(c)
            };
            text = apply(&text, key);
        }
        text
    }

    #[track_caller]
    fn check(cases: &[(&str, &str)]) {
        for (keys, want) in cases {
            assert_eq!(typed(keys), *want, "typing {keys:?}");
            assert!(unicode_normalization::is_nfc(want), "test expectation {want:?} is not NFC");
        }
    }

    #[test]
    fn tones_go_on_the_right_vowel() {
        check(&[
            ("toan{sac}", "toán"),
            ("hoa{huyen}", "hòa"),
            ("thuy{hoi}", "thủy"),
            ("hoe{huyen}", "hòe"),
            ("mua{huyen}", "mùa"),
            ("tai{huyen}", "tài"),
            ("thai{sac}", "thái"),
            ("kia{huyen}", "kìa"),
            ("huynh{huyen}", "huỳnh"),
            ("ngoai{huyen}", "ngoài"),
            ("khuyu{hoi}", "khuỷu"),
            ("xoay{sac}", "xoáy"),
            ("phuc{nang}", "phục"),
            ("vu{nang}", "vụ"),
            ("tinh{huyen}", "tình"),
            ("khuya", "khuya"),
        ]);
    }

    #[test]
    fn qu_and_gi_are_consonants_before_a_vowel() {
        check(&[
            ("quyen{circumflex}{huyen}", "quyền"),
            ("quyen{huyen}{circumflex}", "quyền"),
            ("qua{sac}", "quá"),
            ("quy{sac}", "quý"),
            ("quynh{huyen}", "quỳnh"),
            ("quoc{circumflex}{sac}", "quốc"),
            ("gia{huyen}", "già"),
            ("giu{horn}{nga}", "giữ"),
            ("gin{huyen}", "gìn"),
            ("gi{huyen}", "gì"),
            ("giuong{horn}{huyen}", "giường"),
            ("gieng{circumflex}{sac}", "giếng"),
        ]);
    }

    #[test]
    fn modified_vowels_take_the_tone() {
        check(&[
            ("nguoi{horn}{huyen}", "người"),
            ("nguoi{huyen}{horn}", "người"),
            ("duoc{stroke}{horn}{nang}", "được"),
            ("duoc{nang}{horn}{stroke}", "được"),
            ("huong{horn}{sac}", "hướng"),
            ("Truong{horn}{huyen}", "Trường"),
            ("Nguyen{circumflex}{nga}", "Nguyễn"),
            ("tiep{circumflex}{sac}", "tiếp"),
            ("dung{stroke}{sac}", "đúng"),
            ("do{stroke}{circumflex}{nang}", "độ"),
            ("tan{circumflex}{nang}", "tận"),
            ("cuu{horn}{sac}", "cứu"),
            ("mua{horn}", "mưa"),
            ("cua{hoi}{horn}", "cửa"),
            ("gui{horn}{hoi}", "gửi"),
            ("ruou{horn}{nang}", "rượu"),
            ("muon{circumflex}{sac}", "muốn"),
            ("hoac{breve}{nang}", "hoặc"),
            ("tuan{circumflex}{huyen}", "tuần"),
            ("khuyen{circumflex}{sac}", "khuyến"),
            ("cay{circumflex}{sac}", "cấy"),
            ("moi{horn}{sac}", "mới"),
        ]);
    }

    #[test]
    fn a_placed_tone_moves_when_the_word_changes() {
        // A modifier moves it: the hook was on u (open "uo") and goes to ơ.
        check(&[("thuo{hoi}{horn}", "thuở"), ("hoa{sac}{breve}", "hoắ")]);
        // A letter typed after the tone moves it: "hòa" + n.
        check(&[("hoa{huyen}n", "hoàn"), ("toa{sac}n", "toán"), ("hoa{sac}i", "hoái")]);
        // "uơ" ends a word, "ươ" goes on: "nguơ" + i.
        check(&[("nguo{horn}i{huyen}", "người"), ("du{horn}o{horn}c{stroke}{nang}", "được")]);
    }

    #[test]
    fn pressing_a_mark_again_takes_it_back() {
        check(&[
            ("toan{sac}{sac}", "toan"),
            ("toan{sac}{huyen}", "toàn"),
            ("toan{sac}{no-tone}", "toan"),
            ("tan{circumflex}{circumflex}", "tan"),
            ("nguoi{horn}{horn}", "nguoi"),
            ("thuo{horn}{horn}", "thuo"),
            ("hoa{breve}{breve}", "hoa"),
            ("do{stroke}{stroke}", "do"),
            // One modifier replaces another: ă → â, ô → ơ, ươ → uô.
            ("an{breve}{circumflex}", "ân"),
            ("to{circumflex}{horn}", "tơ"),
            ("muon{horn}{circumflex}", "muôn"),
        ]);
    }

    #[test]
    fn capitals_keep_their_case() {
        check(&[
            ("DUOC{stroke}{horn}{nang}", "ĐƯỢC"),
            ("Duong{stroke}{horn}", "Đương"),
            ("HOA{huyen}", "HÒA"),
            ("Quyen{circumflex}{huyen}", "Quyền"),
        ]);
    }

    #[test]
    fn marks_change_only_the_last_word() {
        check(&[
            ("duoc{stroke}{horn}{nang} phuc{nang} vu{nang} tan{circumflex}{nang} tinh{huyen}", "được phục vụ tận tình"),
            ("thai{sac} do{stroke}{circumflex}{nang}", "thái độ"),
            ("tot {sac}", "tot "),
            ("tot.{sac}", "tot."),
            ("123{sac}", "123"),
            ("{sac}{horn}{stroke}", ""),
            ("nh{sac}", "nh"),
            ("xyz{horn}", "xyz"),
        ]);
    }

    #[test]
    fn words_typed_elsewhere_are_read_in_any_normal_form() {
        // Decomposed text (NFD) from another source is read letter by letter and comes back NFC.
        let nfd: String = "hoà".nfd().collect();
        assert_eq!(apply(&nfd, Key::Char('n')), "hoàn");
        assert_eq!(apply("hoà", Key::Mark(Mark::Tone(Tone::Huyen))), "hoa");
        // A letter no Vietnamese word has ends the word the marks look at.
        assert_eq!(apply("señor", Key::Mark(Mark::Tone(Tone::Sac))), "señór");
        assert_eq!(apply("ñ", Key::Mark(Mark::Tone(Tone::Sac))), "ñ");
    }

    #[test]
    fn key_names_round_trip() {
        for mark in Mark::ALL {
            assert_eq!(Key::from_name(mark.name()), Some(Key::Mark(mark)));
        }
        assert_eq!(Key::from_name("ư"), Some(Key::Char('ư')));
        assert_eq!(Key::from_name(" "), Some(Key::Char(' ')));
        assert_eq!(Key::from_name(""), None);
        assert_eq!(Key::from_name("backspace"), None);
    }

    fn keyboard_key() -> impl Strategy<Value = Key> {
        let typed: Vec<char> = "aeiouydqgnhtcAEIOUYDQGmrbkx0. ,?-".chars().collect();
        prop_oneof![
            3 => proptest::sample::select(typed).prop_map(Key::Char),
            2 => proptest::sample::select(Mark::ALL.to_vec()).prop_map(Key::Mark),
        ]
    }

    proptest! {
        #[test]
        fn any_keys_give_nfc_text_of_the_typed_letters(keys in proptest::collection::vec(keyboard_key(), 0..40)) {
            let mut text = String::new();
            let mut letters = String::new();
            for key in keys {
                let before = text.chars().count();
                text = apply(&text, key);
                match key {
                    Key::Char(c) => {
                        letters.push(c);
                        prop_assert_eq!(text.chars().count(), before + 1);
                    }
                    Key::Mark(_) => prop_assert_eq!(text.chars().count(), before, "a mark never adds a character"),
                }
                prop_assert!(unicode_normalization::is_nfc(&text), "{:?} is not NFC", text);
                prop_assert_eq!(fold(&text), fold(&letters));
            }
            // At most one tone per word.
            for word in text.split(|c: char| !c.is_alphabetic()) {
                let tones = word.nfd().filter(|c| Tone::from_combining(*c).is_some()).count();
                prop_assert!(tones <= 1, "{:?} has {} tones", word, tones);
            }
        }
    }
}

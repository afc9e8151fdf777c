//! Keyboard-wedge (USB HID) scanners: telling a scan from a person typing.
//!
//! A wedge scanner "types" its payload as key presses, typically 2–20 ms apart, and ends
//! with Enter. A person types at best ~60–150 ms per key, irregularly. [`WedgeDetector`] is
//! fed the kiosk UI's key events with their time (any monotonic clock as a `Duration`) and
//! says, at Enter, whether the keys since the last pause were a scan. It is pure: no clock,
//! no IO, so the UI can call it from its key handler and tests can replay exact timings.
//!
//! A scanner types capitals the way a person does: it holds Shift (or, in some modes,
//! toggles Caps Lock; AltGr for some characters on some layouts). The UI toolkit sends those
//! modifier keys as key events of their own (Slint: `"\u{10}"` for Shift, `"\u{13}"` for
//! AltGr, `"\u{14}"` for Caps Lock…) and applies them to the characters itself, through the
//! keyboard layout: the character events already carry the case Shift and Caps Lock give
//! them. So a modifier event ([`Key::Modifier`], pressed or released) is transparent here:
//! it is not a character, does not break a burst and is not a point in time between two
//! characters (a gap is measured from character to character).

use std::time::Duration;

/// A key event as the UI sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character, as the keyboard layout produced it (Shift, AltGr and Caps Lock
    /// already applied by the UI toolkit).
    Char(char),
    /// Enter / Return (the usual scanner suffix; Tab is configurable via `tab_ends`).
    Enter,
    /// Tab.
    Tab,
    /// A modifier key went down or up (Shift, Control, Alt, AltGr, Caps Lock, Meta): neither
    /// a character nor a break.
    Modifier(Modifier),
    /// Anything else (arrows, Backspace, Escape, …): breaks a burst.
    Other,
}

/// The modifier keys a UI toolkit reports as key events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Modifier {
    /// Left or right Shift.
    Shift,
    /// Left or right Control.
    Control,
    /// Alt.
    Alt,
    /// AltGr (Alt Graph, ISO Level 3 Shift).
    AltGr,
    /// Caps Lock.
    CapsLock,
    /// Left or right Meta (Super, Windows key).
    Meta,
}

impl Key {
    /// Maps the text of a UI key event (as Slint's `KeyEvent.text` gives it: `"\n"` for
    /// Return, `"\t"` for Tab, the character for printable keys, U+0010–U+0018 for the
    /// modifier keys, private-use code points for arrows and function keys) to a [`Key`].
    pub fn from_event_text(text: &str) -> Key {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some('\n' | '\r'), None) => Key::Enter,
            (Some('\t'), None) => Key::Tab,
            // Slint's key codes (`slint::platform::Key`): Shift, Control, Alt, AltGr, CapsLock,
            // ShiftR, ControlR, Meta, MetaR.
            (Some('\u{10}' | '\u{15}'), None) => Key::Modifier(Modifier::Shift),
            (Some('\u{11}' | '\u{16}'), None) => Key::Modifier(Modifier::Control),
            (Some('\u{12}'), None) => Key::Modifier(Modifier::Alt),
            (Some('\u{13}'), None) => Key::Modifier(Modifier::AltGr),
            (Some('\u{14}'), None) => Key::Modifier(Modifier::CapsLock),
            (Some('\u{17}' | '\u{18}'), None) => Key::Modifier(Modifier::Meta),
            (Some(c), None) if !c.is_control() && !('\u{e000}'..='\u{f8ff}').contains(&c) => Key::Char(c),
            _ => Key::Other,
        }
    }
}

/// Timing rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WedgeConfig {
    /// Fewest characters in a scan.
    pub min_len: usize,
    /// Largest gap between two keys of one scan (including the gap before Enter).
    pub max_gap: Duration,
    /// Largest mean gap over the burst.
    pub max_mean_gap: Duration,
    /// A gap longer than this starts a new burst (earlier keys were typed).
    pub reset_gap: Duration,
    /// Treat Tab as a terminator too.
    pub tab_ends: bool,
}

impl Default for WedgeConfig {
    fn default() -> Self {
        Self {
            min_len: 4,
            max_gap: Duration::from_millis(50),
            max_mean_gap: Duration::from_millis(30),
            reset_gap: Duration::from_millis(300),
            tab_ends: false,
        }
    }
}

/// What a key event means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Nothing decided yet (keep going; the UI handles the key as usual).
    Pending,
    /// A scan ended: the UI should discard the characters it received since the burst began
    /// (`len` of them) and handle `text` as a scan.
    Scan {
        /// The scanned text.
        text: String,
        /// How many characters the UI had already received for it.
        len: usize,
    },
    /// Enter ended keys that were typed by a person: the UI submits its field as usual.
    Typed(String),
}

/// Classifies bursts of key events.
#[derive(Debug, Clone, Default)]
pub struct WedgeDetector {
    config: WedgeConfig,
    chars: String,
    count: usize,
    first: Option<Duration>,
    last: Option<Duration>,
    max_gap_seen: Duration,
}

impl WedgeDetector {
    /// A detector with these rules.
    pub fn new(config: WedgeConfig) -> Self {
        Self { config, ..Default::default() }
    }

    /// Feeds one key event at time `at`.
    pub fn key(&mut self, key: Key, at: Duration) -> Verdict {
        let gap = self.last.map(|l| at.saturating_sub(l));
        match key {
            Key::Char(c) => {
                if gap.is_some_and(|g| g > self.config.reset_gap) {
                    self.reset();
                }
                if let Some(g) = gap.filter(|_| self.count > 0) {
                    self.max_gap_seen = self.max_gap_seen.max(g);
                }
                self.chars.push(c);
                self.count += 1;
                self.first.get_or_insert(at);
                self.last = Some(at);
                Verdict::Pending
            }
            // Transparent: the time of a modifier is not a key time of the burst.
            Key::Modifier(_) => Verdict::Pending,
            Key::Enter => self.finish(gap),
            Key::Tab if self.config.tab_ends => self.finish(gap),
            Key::Tab | Key::Other => {
                self.reset();
                Verdict::Pending
            }
        }
    }

    fn finish(&mut self, gap: Option<Duration>) -> Verdict {
        let text = std::mem::take(&mut self.chars);
        let len = self.count;
        let max_gap = gap.filter(|_| len > 0).map_or(self.max_gap_seen, |g| g.max(self.max_gap_seen));
        let span = match (self.first, self.last) {
            (Some(f), Some(l)) => l.saturating_sub(f),
            _ => Duration::ZERO,
        };
        let mean = if len > 1 { span / (len as u32 - 1) } else { Duration::MAX };
        self.reset();
        if len >= self.config.min_len && max_gap <= self.config.max_gap && mean <= self.config.max_mean_gap {
            Verdict::Scan { text, len }
        } else {
            Verdict::Typed(text)
        }
    }

    /// Forgets the current burst.
    pub fn reset(&mut self) {
        self.chars.clear();
        self.count = 0;
        self.first = None;
        self.last = None;
        self.max_gap_seen = Duration::ZERO;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed(d: &mut WedgeDetector, text: &str, start_ms: u64, gaps_ms: &[u64]) -> Verdict {
        let mut t = start_ms;
        for (i, c) in text.chars().enumerate() {
            d.key(Key::Char(c), Duration::from_millis(t));
            t += gaps_ms[i % gaps_ms.len()];
        }
        d.key(Key::Enter, Duration::from_millis(t))
    }

    #[test]
    fn ui_event_texts() {
        assert_eq!(Key::from_event_text("\n"), Key::Enter);
        assert_eq!(Key::from_event_text("\r"), Key::Enter);
        assert_eq!(Key::from_event_text("\t"), Key::Tab);
        assert_eq!(Key::from_event_text("ơ"), Key::Char('ơ'));
        assert_eq!(Key::from_event_text("\u{f700}"), Key::Other);
        assert_eq!(Key::from_event_text("\u{8}"), Key::Other);
        assert_eq!(Key::from_event_text(""), Key::Other);
        assert_eq!(Key::from_event_text("\u{1b}"), Key::Other, "Escape");
        assert_eq!(Key::from_event_text("\u{10}"), Key::Modifier(Modifier::Shift));
        assert_eq!(Key::from_event_text("\u{15}"), Key::Modifier(Modifier::Shift), "right Shift");
        assert_eq!(Key::from_event_text("\u{11}"), Key::Modifier(Modifier::Control));
        assert_eq!(Key::from_event_text("\u{16}"), Key::Modifier(Modifier::Control), "right Control");
        assert_eq!(Key::from_event_text("\u{12}"), Key::Modifier(Modifier::Alt));
        assert_eq!(Key::from_event_text("\u{13}"), Key::Modifier(Modifier::AltGr));
        assert_eq!(Key::from_event_text("\u{14}"), Key::Modifier(Modifier::CapsLock));
        assert_eq!(Key::from_event_text("\u{17}"), Key::Modifier(Modifier::Meta));
        assert_eq!(Key::from_event_text("\u{18}"), Key::Modifier(Modifier::Meta), "right Meta");
    }

    #[test]
    fn fast_burst_is_a_scan() {
        let mut d = WedgeDetector::default();
        let v = feed(&mut d, "000.00.01.H29-260310-0420", 1000, &[8, 12, 9, 15]);
        assert_eq!(v, Verdict::Scan { text: "000.00.01.H29-260310-0420".into(), len: 25 });
    }

    #[test]
    fn human_typing_is_typed() {
        let mut d = WedgeDetector::default();
        let v = feed(&mut d, "H56.14-240823-0001", 0, &[140, 95, 210, 120]);
        assert_eq!(v, Verdict::Typed("H56.14-240823-0001".into()));
    }

    #[test]
    fn fast_typist_with_one_pause_is_typed() {
        let mut d = WedgeDetector::default();
        // bursts of rolled keys at 25 ms with a 120 ms pause
        let v = feed(&mut d, "abcdefgh", 0, &[25, 25, 25, 120]);
        assert!(matches!(v, Verdict::Typed(_)));
    }

    #[test]
    fn typed_prefix_then_scan_is_only_the_scan() {
        let mut d = WedgeDetector::default();
        d.key(Key::Char('x'), Duration::from_millis(0));
        d.key(Key::Char('y'), Duration::from_millis(150));
        // a pause longer than reset_gap, then the scanner fires
        let v = feed(&mut d, "1234567890", 2000, &[10]);
        assert_eq!(v, Verdict::Scan { text: "1234567890".into(), len: 10 });
    }

    #[test]
    fn too_short_or_slow_enter() {
        let mut d = WedgeDetector::default();
        assert!(matches!(feed(&mut d, "12", 0, &[5]), Verdict::Typed(_)));
        // fast characters, but Enter pressed by hand much later
        for (i, c) in "123456".chars().enumerate() {
            d.key(Key::Char(c), Duration::from_millis(10 * i as u64));
        }
        assert!(matches!(d.key(Key::Enter, Duration::from_millis(250)), Verdict::Typed(_)));
    }

    #[test]
    fn other_keys_break_bursts_and_tab_can_end() {
        let mut d = WedgeDetector::new(WedgeConfig { tab_ends: true, ..Default::default() });
        d.key(Key::Char('a'), Duration::ZERO);
        d.key(Key::Other, Duration::from_millis(5));
        let mut t = 10;
        for c in "ABCDEF".chars() {
            d.key(Key::Char(c), Duration::from_millis(t));
            t += 5;
        }
        assert_eq!(d.key(Key::Tab, Duration::from_millis(t)), Verdict::Scan { text: "ABCDEF".into(), len: 6 });
    }

    /// How a wedge scanner produces the characters of its payload on the host.
    #[derive(Clone, Copy)]
    enum Caps {
        /// Holds Shift for each capital (the usual setting).
        Shift,
        /// Toggles Caps Lock around runs of capitals and presses the letter keys unshifted.
        CapsLock,
    }

    /// A scanner on a host keyboard layout: the key events the UI gets for `payload`, one
    /// event every `step_ms` (modifiers take their own events, as in a HID report stream),
    /// then `suffix`. The layout applies Shift and Caps Lock to letters the way an OS keymap
    /// does (Caps Lock toggles the case, Shift undoes it), so `caps_on` models a kiosk where
    /// Caps Lock was left on. `altgr` lists characters the layout types with AltGr (e.g. `{`
    /// and `@` on a German layout).
    struct Scanner {
        mode: Caps,
        caps_on: bool,
        altgr: &'static str,
        shifted: &'static str,
        step_ms: u64,
    }

    impl Scanner {
        fn us(mode: Caps) -> Scanner {
            Scanner { mode, caps_on: false, altgr: "", shifted: ":?_{}\"@&", step_ms: 4 }
        }

        fn events(&self, payload: &str, suffix: &[Key]) -> Vec<Key> {
            let mut out = Vec::new();
            let mut caps = self.caps_on;
            for c in payload.chars() {
                let wants_upper = c.is_ascii_uppercase();
                let letter = c.is_ascii_alphabetic();
                if letter && matches!(self.mode, Caps::CapsLock) && wants_upper != caps {
                    out.push(Key::Modifier(Modifier::CapsLock));
                    out.push(Key::Modifier(Modifier::CapsLock));
                    caps = !caps;
                }
                let shift = (letter && matches!(self.mode, Caps::Shift) && wants_upper) || self.shifted.contains(c);
                let altgr = self.altgr.contains(c);
                if shift {
                    out.push(Key::Modifier(Modifier::Shift));
                }
                if altgr {
                    out.push(Key::Modifier(Modifier::AltGr));
                }
                // What the layout makes of the key with the modifiers now in force.
                let produced = if letter {
                    if shift != caps {
                        c.to_ascii_uppercase()
                    } else {
                        c.to_ascii_lowercase()
                    }
                } else {
                    c
                };
                out.push(Key::Char(produced));
                if altgr {
                    out.push(Key::Modifier(Modifier::AltGr));
                }
                if shift {
                    out.push(Key::Modifier(Modifier::Shift));
                }
            }
            out.extend_from_slice(suffix);
            out
        }

        /// Feeds the events from `start_ms`; the verdicts that are not `Pending`.
        fn scan(&self, d: &mut WedgeDetector, payload: &str, suffix: &[Key], start_ms: u64) -> Vec<Verdict> {
            let mut t = start_ms;
            let mut verdicts = Vec::new();
            for key in self.events(payload, suffix) {
                let v = d.key(key, Duration::from_millis(t));
                if v != Verdict::Pending {
                    verdicts.push(v);
                }
                t += self.step_ms;
            }
            verdicts
        }
    }

    fn scan_of(text: &str) -> Verdict {
        Verdict::Scan { text: text.into(), len: text.chars().count() }
    }

    const CAPITALS: &str = "000.00.01.H29-261004-0105";

    /// The reported bug: Shift before the `H` reset the burst and only `H29-261004-0105` came out.
    #[test]
    fn shift_for_capitals_keeps_the_whole_scan() {
        let mut d = WedgeDetector::default();
        let v = Scanner::us(Caps::Shift).scan(&mut d, CAPITALS, &[Key::Enter], 1000);
        assert_eq!(v, vec![scan_of(CAPITALS)]);
        // Lower case needs no Shift and worked before; it still does.
        let v = Scanner::us(Caps::Shift).scan(&mut d, "000.00.01.h29-261004-0105", &[Key::Enter], 5000);
        assert_eq!(v, vec![scan_of("000.00.01.h29-261004-0105")]);
        // All capitals, several in a row: Shift pressed and released around each.
        let v = Scanner::us(Caps::Shift).scan(&mut d, "HCM-ABCDEF-XYZ", &[Key::Enter], 9000);
        assert_eq!(v, vec![scan_of("HCM-ABCDEF-XYZ")]);
    }

    /// The kiosk's path: Slint's key texts (Shift is U+0010, right Shift U+0015) through
    /// [`Key::from_event_text`], Shift's release included.
    #[test]
    fn slint_event_texts_with_shift() {
        let mut d = WedgeDetector::default();
        let mut t = 0;
        let mut last = Verdict::Pending;
        for (i, c) in CAPITALS.chars().chain(['\n']).enumerate() {
            let shift = if i % 2 == 0 { "\u{10}" } else { "\u{15}" };
            let texts: Vec<String> = if c.is_ascii_uppercase() {
                vec![shift.into(), c.to_string(), shift.into()]
            } else {
                vec![c.to_string()]
            };
            for text in texts {
                last = d.key(Key::from_event_text(&text), Duration::from_millis(t));
                t += 5;
            }
        }
        assert_eq!(last, scan_of(CAPITALS));
    }

    #[test]
    fn caps_lock_toggles_case_and_does_not_break_the_burst() {
        let mut d = WedgeDetector::default();
        // A scanner set to use Caps Lock for capitals: Caps Lock on before `H`, off after it.
        let v = Scanner::us(Caps::CapsLock).scan(&mut d, CAPITALS, &[Key::Enter], 0);
        assert_eq!(v, vec![scan_of(CAPITALS)]);
        // Caps Lock left on at the kiosk: letters come out toggled (`h` for Shift+H), the
        // burst is still one scan, and the dossier parser upper-cases it.
        let on = Scanner { caps_on: true, ..Scanner::us(Caps::Shift) };
        let v = on.scan(&mut d, CAPITALS, &[Key::Enter], 5000);
        assert_eq!(v, vec![scan_of("000.00.01.h29-261004-0105")]);
        let v = on.scan(&mut d, "000.00.01.h29-261004-0105", &[Key::Enter], 9000);
        assert_eq!(v, vec![scan_of(CAPITALS)], "Caps Lock on, no Shift: capitals");
    }

    #[test]
    fn altgr_characters_on_a_german_layout() {
        let mut d = WedgeDetector::default();
        let de = Scanner { altgr: "{}@", shifted: ":\"/?=&", ..Scanner::us(Caps::Shift) };
        let json = r#"{"maHoSo":"000.00.01.H29-261004-0105"}"#;
        assert_eq!(de.scan(&mut d, json, &[Key::Enter], 0), vec![scan_of(json)]);
        let url = "https://dvc.example.vn/#/tra-cuu?maHoSo=000.00.01.H29-261004-0105&x=@";
        assert_eq!(de.scan(&mut d, url, &[Key::Enter], 5000), vec![scan_of(url)]);
    }

    #[test]
    fn scanner_suffixes() {
        // Tab as the suffix (when configured), CR LF as two Enters: one scan, then nothing typed.
        let mut d = WedgeDetector::new(WedgeConfig { tab_ends: true, ..Default::default() });
        let s = Scanner::us(Caps::Shift);
        assert_eq!(s.scan(&mut d, CAPITALS, &[Key::Tab], 0), vec![scan_of(CAPITALS)]);
        assert_eq!(
            s.scan(&mut d, CAPITALS, &[Key::Enter, Key::Enter], 5000),
            vec![scan_of(CAPITALS), Verdict::Typed(String::new())]
        );
        // Tab not configured as a suffix breaks the burst: the Enter after it ends nothing.
        let mut d = WedgeDetector::default();
        assert_eq!(s.scan(&mut d, CAPITALS, &[Key::Tab, Key::Enter], 0), vec![Verdict::Typed(String::new())]);
    }

    /// A modifier is not a key time: not the start of a burst, not the point a gap is measured from.
    #[test]
    fn modifier_times_are_not_gaps() {
        let ms = Duration::from_millis;
        let mut d = WedgeDetector::default();
        // Shift held 200 ms before the scanner's first character (a person's hand on Shift),
        // and a Caps Lock 40 ms into a 10 ms-per-key burst: still a scan of exactly the characters.
        d.key(Key::Modifier(Modifier::Shift), ms(0));
        let mut t = 200;
        for (i, c) in "H56.14-240823-0001".chars().enumerate() {
            if i == 4 {
                d.key(Key::Modifier(Modifier::CapsLock), ms(t - 5));
            }
            d.key(Key::Char(c), ms(t));
            t += 10;
        }
        assert_eq!(d.key(Key::Enter, ms(t)), scan_of("H56.14-240823-0001"));
        // Modifiers in the middle of slow typing do not make it fast: 120 ms between characters,
        // with a Shift press 5 ms before each.
        let mut t = 10_000;
        for c in "ABCDEFGH".chars() {
            d.key(Key::Modifier(Modifier::Shift), ms(t - 5));
            d.key(Key::Char(c), ms(t));
            d.key(Key::Modifier(Modifier::Shift), ms(t + 3));
            t += 120;
        }
        assert_eq!(d.key(Key::Enter, ms(t - 100)), Verdict::Typed("ABCDEFGH".into()));
        // Nor does a modifier refresh a burst: typed keys, a long pause with only a Shift
        // in it, then a scan: the typed keys are not part of the scan.
        d.key(Key::Char('x'), ms(20_000));
        d.key(Key::Char('y'), ms(20_150));
        d.key(Key::Modifier(Modifier::Shift), ms(20_400));
        let v = Scanner::us(Caps::Shift).scan(&mut d, CAPITALS, &[Key::Enter], 20_700);
        assert_eq!(v, vec![scan_of(CAPITALS)]);
    }
}

//! Keyboard-wedge (USB HID) scanners: telling a scan from a person typing.
//!
//! A wedge scanner "types" its payload as key presses, typically 2–20 ms apart, and ends
//! with Enter. A person types at best ~60–150 ms per key, irregularly. [`WedgeDetector`] is
//! fed the kiosk UI's key events with their time (any monotonic clock as a `Duration`) and
//! says, at Enter, whether the keys since the last pause were a scan. It is pure: no clock,
//! no IO, so the UI can call it from its key handler and tests can replay exact timings.

use std::time::Duration;

/// A key event as the UI sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    /// A printable character.
    Char(char),
    /// Enter / Return (the usual scanner suffix; Tab is configurable via `tab_ends`).
    Enter,
    /// Tab.
    Tab,
    /// Anything else (arrows, Backspace, …): breaks a burst.
    Other,
}

impl Key {
    /// Maps the text of a UI key event (as Slint's `KeyEvent.text` gives it: `"\n"` for
    /// Return, `"\t"` for Tab, the character for printable keys, private-use code points
    /// for arrows and function keys) to a [`Key`].
    pub fn from_event_text(text: &str) -> Key {
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some('\n' | '\r'), None) => Key::Enter,
            (Some('\t'), None) => Key::Tab,
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
}

//! Properties of the two wire profiles: the ASCII line parser takes any bytes without panicking and
//! reads back what was encoded; keypad polls in either profile hand over every press exactly once, in
//! order, across counter wrap-arounds, and count what a keypad no longer held.

use counter_devices::ascii::{self, Line};
use counter_devices::modbus::{self, KEYPAD_RING_LEN};
use counter_devices::Key;
use proptest::prelude::*;

fn key() -> impl Strategy<Value = Key> {
    prop_oneof![
        Just(Key::CallNext),
        Just(Key::Recall),
        Just(Key::Start),
        Just(Key::Finish),
        Just(Key::NoShow),
        Just(Key::Pause),
        Just(Key::Transfer),
        Just(Key::Clear),
        (0u8..10).prop_map(Key::Digit),
    ]
}

/// The registers a keypad shows after `presses` more presses from `start`.
fn keypad_registers(start: u16, presses: &[Key]) -> (u16, Vec<u16>) {
    let mut ring = vec![0u16; 1 + usize::from(KEYPAD_RING_LEN)];
    let mut counter = start;
    for key in presses {
        counter = counter.wrapping_add(1);
        ring[1 + usize::from(counter.wrapping_sub(1) % KEYPAD_RING_LEN)] = key.code();
    }
    ring[0] = counter;
    (counter, ring)
}

proptest! {
    #[test]
    fn the_line_parser_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..120)) {
        if let Ok(line) = Line::parse(&bytes) {
            let again = Line::parse(&line.encode()).unwrap();
            prop_assert_eq!(again, line);
        }
    }

    #[test]
    fn lines_read_back_as_encoded(
        address in 0u8..=99,
        from_board in any::<bool>(),
        fields in proptest::collection::vec("[A-Z0-9 -]{0,8}", 0..4),
    ) {
        let fields: Vec<&str> = fields.iter().map(String::as_str).collect();
        let line = if from_board { Line::reply(address, &fields) } else { Line::request(address, &fields) };
        prop_assert_eq!(Line::parse(&line.encode()), Ok(line));
    }

    #[test]
    fn modbus_polls_hand_over_every_press_once(
        start in any::<u16>(),
        batches in proptest::collection::vec(proptest::collection::vec(key(), 0..12), 1..8),
    ) {
        let (mut seen, mut all) = (start, Vec::new());
        let mut pressed = Vec::new();
        for batch in &batches {
            pressed.extend_from_slice(batch);
            let (_, registers) = keypad_registers(start, &pressed);
            let poll = modbus::presses_since(seen, &registers);
            let held = batch.len().min(usize::from(KEYPAD_RING_LEN));
            prop_assert_eq!(poll.lost as usize, batch.len() - held);
            prop_assert_eq!(&poll.keys[..], &batch[batch.len() - held..]);
            all.extend(poll.keys);
            seen = registers[0];
        }
        prop_assert!(all.len() <= pressed.len());
    }

    #[test]
    fn ascii_polls_hand_over_every_press_once(
        start in 0u32..1000,
        batches in proptest::collection::vec(proptest::collection::vec(key(), 0..20), 1..8),
    ) {
        let (mut seen, mut total, mut history) = (start, start, Vec::new());
        for batch in &batches {
            total = (total + batch.len() as u32) % ascii::COUNTER_MODULUS;
            history.extend_from_slice(batch);
            let held = batch.len().min(ascii::KEYS_HELD);
            // The keypad repeats its last 16 presses, older ones included.
            let kept = &history[history.len().saturating_sub(ascii::KEYS_HELD)..];
            let letters: String = kept.iter().map(|k| k.letter()).collect();
            let fields = vec!["KEYS".to_string(), format!("{total:03}"), letters];
            let (counter, poll) = ascii::presses_since(seen, &fields).unwrap();
            prop_assert_eq!(counter, total);
            prop_assert_eq!(poll.lost as usize, batch.len() - held);
            prop_assert_eq!(&poll.keys[..], &batch[batch.len() - held..]);
            seen = counter;
        }
    }
}

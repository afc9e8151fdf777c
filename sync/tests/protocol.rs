//! The protocol as both ends use it: a log cut into signed batches, delivered duplicated, reordered
//! and replayed, ends up held exactly once in order; a changed byte, another office's key or a broken
//! chain is refused; a log that went another way after a restore is a fork, and nothing held changes.

use std::collections::BTreeMap;

use proptest::prelude::*;
use sync::batch::{public_key_hex, signing_key, verifying_key, MAX_BODY_BYTES, MAX_EVENTS};
use sync::{chain_hash, judge, Batch, BatchError, EventRecord, Held, SignedBatch, Verdict, GENESIS_HASH};
use uuid::Uuid;

const OFFICE: Uuid = Uuid::from_u128(0x1234);

/// `n` events from `first` after `prev`; `branch` changes their content (another history).
fn log(first: u64, n: u64, prev: &str, branch: &str) -> Vec<EventRecord> {
    let mut prev = prev.to_string();
    (first..first + n)
        .map(|seq| {
            let body = format!("{{\"type\":\"ticket_issued\",\"number\":{seq},\"branch\":\"{branch}\"}}");
            let id = Uuid::from_u128(u128::from(seq) << 8 | u128::from(branch.len() as u8)).to_string();
            let (at, actor) = (format!("2026-12-04T08:00:{:02}Z", seq % 60), "{\"device\":\"k1\"}".to_string());
            let hash = chain_hash(&prev, seq, &id, &at, &actor, &body);
            prev = hash.clone();
            EventRecord { seq, id, at, actor, kind: "ticket_issued".into(), body, hash }
        })
        .collect()
}

/// The central's store for one office.
#[derive(Default)]
struct Central {
    events: BTreeMap<u64, EventRecord>,
}

impl Held for Central {
    fn last_seq(&self) -> u64 {
        self.events.keys().next_back().copied().unwrap_or(0)
    }
    fn hash_at(&self, seq: u64) -> Option<String> {
        self.events.get(&seq).map(|e| e.hash.clone())
    }
}

impl Central {
    /// What the central does with a body: verify, judge, apply.
    fn receive(
        &mut self,
        body: &[u8],
        compressed: bool,
        key: &ed25519_dalek::VerifyingKey,
    ) -> Result<Verdict, BatchError> {
        let signed = SignedBatch::from_body(body, compressed)?;
        let batch = signed.verify(key)?;
        let verdict = judge(self, batch);
        if let Verdict::Append { from_index } = verdict {
            for e in &batch.events[from_index..] {
                self.events.insert(e.seq, e.clone());
            }
        }
        Ok(verdict)
    }
}

fn batch(events: &[EventRecord], prev: &str) -> Batch {
    Batch::new(OFFICE, prev, events.to_vec(), "2026-12-04T09:00:00Z").unwrap()
}

fn prev_of(log: &[EventRecord], from: usize) -> String {
    if from == 0 {
        GENESIS_HASH.to_string()
    } else {
        log[from - 1].hash.clone()
    }
}

#[test]
fn a_batch_is_signed_over_every_byte() {
    let key = signing_key(&[7; 32]);
    let public = verifying_key(&public_key_hex(&key)).unwrap();
    let events = log(1, 5, GENESIS_HASH, "a");
    let signed = batch(&events, GENESIS_HASH).sign(&key);
    assert!(signed.verify(&public).is_ok());
    // Any field changed after signing: refused.
    let mut tampered = signed.clone();
    tampered.batch.events[2].body =
        tampered.batch.events[2].body.replace("08:00", "08:01").replace("ticket", "ticket ");
    assert_eq!(tampered.verify(&public), Err(BatchError::Signature));
    let mut tampered = signed.clone();
    tampered.batch.sent_at.push('0');
    assert_eq!(tampered.verify(&public), Err(BatchError::Signature));
    // Another office's key.
    let other = verifying_key(&public_key_hex(&signing_key(&[8; 32]))).unwrap();
    assert_eq!(signed.verify(&other), Err(BatchError::Signature));
    // A broken chain is refused even when signed by the right key.
    let mut broken = batch(&events, GENESIS_HASH);
    broken.events[3].body.push(' ');
    assert!(matches!(broken.sign(&key).verify(&public), Err(BatchError::Chain(_))));
    // Bounds.
    assert_eq!(Batch::new(OFFICE, GENESIS_HASH, vec![], "x"), Err(BatchError::Count(0)));
    assert_eq!(Batch::new(OFFICE, "abc", events.clone(), "x"), Err(BatchError::Genesis));
    let many = log(1, MAX_EVENTS as u64 + 1, GENESIS_HASH, "a");
    assert_eq!(Batch::new(OFFICE, GENESIS_HASH, many, "x"), Err(BatchError::Count(MAX_EVENTS + 1)));
    let mut version = batch(&events, GENESIS_HASH);
    version.version = 2;
    assert_eq!(version.sign(&key).verify(&public), Err(BatchError::Version(2)));
    for error in [BatchError::Signature, BatchError::Count(0), BatchError::TooLarge] {
        let m = error.message();
        assert!(!m.vi.is_empty() && m.vi != m.en);
    }
}

#[test]
fn bodies_are_compressed_above_the_threshold_and_bounded_when_inflated() {
    let key = signing_key(&[7; 32]);
    let public = key.verifying_key();
    let small = batch(&log(1, 2, GENESIS_HASH, "a"), GENESIS_HASH).sign(&key);
    let (body, compressed) = small.to_body();
    assert!(!compressed);
    assert_eq!(SignedBatch::from_body(&body, false).unwrap(), small);
    let large = batch(&log(1, 500, GENESIS_HASH, "a"), GENESIS_HASH).sign(&key);
    let (body, compressed) = large.to_body();
    assert!(compressed && body.len() < serde_json::to_vec(&large).unwrap().len() / 3);
    let back = SignedBatch::from_body(&body, true).unwrap();
    assert!(back.verify(&public).is_ok());
    // A small body that inflates past the bound is refused without inflating it all.
    let bomb = zstd::bulk::compress(&vec![b' '; MAX_BODY_BYTES + 1], 3).unwrap();
    assert!(bomb.len() < 4096);
    assert_eq!(SignedBatch::from_body(&bomb, true), Err(BatchError::TooLarge));
    assert!(matches!(SignedBatch::from_body(b"{\"batch\":1}", false), Err(BatchError::Malformed(_))));
    let unknown = String::from_utf8(small.to_body().0).unwrap().replacen("{", "{\"extra\":1,", 1);
    assert!(matches!(SignedBatch::from_body(unknown.as_bytes(), false), Err(BatchError::Malformed(_))));
}

#[test]
fn a_restored_office_that_went_on_is_a_fork_and_changes_nothing() {
    let key = signing_key(&[7; 32]);
    let public = key.verifying_key();
    let mut central = Central::default();
    let original = log(1, 10, GENESIS_HASH, "a");
    let (body, c) = batch(&original, GENESIS_HASH).sign(&key).to_body();
    assert_eq!(central.receive(&body, c, &public), Ok(Verdict::Append { from_index: 0 }));
    // Restored from a backup after event 6, then issued other tickets as 7, 8, …
    let mut restored = original[..6].to_vec();
    restored.extend(log(7, 6, &original[5].hash, "restored"));
    for from in [0usize, 4, 6, 9] {
        let (body, c) = batch(&restored[from..], &prev_of(&restored, from)).sign(&key).to_body();
        let verdict = central.receive(&body, c, &public).unwrap();
        if from < 6 {
            assert!(matches!(verdict, Verdict::Fork { seq: 10, .. }), "from {from}: {verdict:?}");
        } else {
            // Continuing from event 6 or 9 of the other history: the boundary already disagrees.
            assert!(matches!(verdict, Verdict::Fork { .. }), "from {from}: {verdict:?}");
        }
    }
    assert_eq!(central.events.values().cloned().collect::<Vec<_>>(), original, "nothing overwritten");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// The office sends batches from its acknowledged cursor; the network duplicates, reorders and
    /// replays them. Whatever arrives, the central ends holding the log exactly, once, in order.
    #[test]
    fn duplicated_reordered_replayed_batches_converge_to_the_log(
        n in 1u64..300,
        cuts in proptest::collection::vec(1usize..60, 1..40),
        order in proptest::collection::vec(any::<u16>(), 0..80),
    ) {
        let key = signing_key(&[9; 32]);
        let public = key.verifying_key();
        let office_log = log(1, n, GENESIS_HASH, "a");
        // Every batch the office ever sent: runs of the log from several cursors.
        let mut sent = Vec::new();
        let mut from = 0usize;
        for cut in cuts.iter().cycle().take(200) {
            if from >= office_log.len() { break; }
            let to = (from + cut).min(office_log.len());
            sent.push(batch(&office_log[from..to], &prev_of(&office_log, from)).sign(&key).to_body());
            // Now and then the office resends from an earlier cursor (a lost acknowledgement).
            from = if cut % 7 == 0 { from.saturating_sub(*cut) } else { to };
        }
        let mut central = Central::default();
        // The network: some batches arrive out of order, some twice.
        for i in &order {
            let (body, c) = &sent[*i as usize % sent.len()];
            let verdict = central.receive(body, *c, &public).unwrap();
            prop_assert!(!matches!(verdict, Verdict::Fork { .. }), "a fork among the office's own batches: {:?}", verdict);
        }
        // Then the office catches up from what the central says it holds.
        loop {
            let held = central.last_seq() as usize;
            if held == office_log.len() { break; }
            let to = (held + 50).min(office_log.len());
            let (body, c) = batch(&office_log[held..to], &prev_of(&office_log, held)).sign(&key).to_body();
            let verdict = central.receive(&body, c, &public).unwrap();
            prop_assert_eq!(verdict, Verdict::Append { from_index: 0 });
        }
        prop_assert_eq!(central.events.values().cloned().collect::<Vec<_>>(), office_log);
        // Every batch replayed once more changes nothing.
        for (body, c) in &sent {
            let verdict = central.receive(body, *c, &public).unwrap();
            prop_assert_eq!(verdict, Verdict::Duplicate);
        }
        prop_assert_eq!(central.last_seq(), n);
    }
}

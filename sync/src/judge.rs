//! What the central does with a verified batch, given what it already holds for the office.
//!
//! The central stores events keyed by (office, seq). A batch it holds whole is acknowledged again and
//! changes nothing; one that overlaps is appended from its first new event; one that starts past the
//! end is a gap (the answer names the seq needed); and one that disagrees with what is held at any
//! seq — an office restored from an old backup, a tampered log — is a fork: refused, nothing changed.
//!
//! Because every hash covers the whole chain before it, agreement at one seq means agreement at every
//! seq before it; so a batch is compared at two places only: the event just before it (its
//! `prev_hash`), and its last event that is already held.

use crate::batch::Batch;

/// What the central holds for one office.
pub trait Held {
    /// The highest contiguous seq held (0: nothing yet).
    fn last_seq(&self) -> u64;
    /// The chain hash held at `seq`, for `1 ..= last_seq()`.
    fn hash_at(&self, seq: u64) -> Option<String>;
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every event is held already: acknowledge `last_seq` again.
    Duplicate,
    /// Append `batch.events[from_index..]`.
    Append { from_index: usize },
    /// The batch starts after a hole: send from `need`.
    Gap { need: u64 },
    /// At `seq` the batch says `sent`, the central holds `held`: refuse, raise a fork alarm.
    Fork { seq: u64, held: String, sent: String },
}

/// Judges a batch that has passed [`crate::SignedBatch::verify`].
pub fn judge(held: &impl Held, batch: &Batch) -> Verdict {
    let last = held.last_seq();
    if batch.from_seq > last + 1 {
        return Verdict::Gap { need: last + 1 };
    }
    let fork = |seq: u64, held: String, sent: &str| Verdict::Fork { seq, held, sent: sent.to_string() };
    if batch.from_seq > 1 {
        let before = batch.from_seq - 1;
        match held.hash_at(before) {
            Some(h) if h != batch.prev_hash => return fork(before, h, &batch.prev_hash),
            Some(_) => {}
            None => return Verdict::Gap { need: last + 1 },
        }
    }
    let last_shared = batch.to_seq.min(last);
    if last_shared >= batch.from_seq {
        let event = &batch.events[(last_shared - batch.from_seq) as usize];
        match held.hash_at(last_shared) {
            Some(h) if h != event.hash => return fork(last_shared, h, &event.hash),
            Some(_) => {}
            None => return Verdict::Gap { need: last + 1 },
        }
    }
    if batch.to_seq <= last {
        Verdict::Duplicate
    } else {
        Verdict::Append { from_index: (last + 1 - batch.from_seq) as usize }
    }
}

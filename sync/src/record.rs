//! Events as the office stores them, and the hash chain that links them.
//!
//! The chain hash of an event is SHA-256 over the previous event's hash and the event's stored row —
//! sequence number, id, time, actor and body, each prefixed by its length as 8 little-endian bytes —
//! in hex. The first event continues from [`GENESIS_HASH`]. Changing any byte of any event, or
//! dropping or reordering events, breaks every hash after it.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// What the first event of a log continues from (the empty text: logs written since the first
/// version start so, and they must go on verifying).
pub const GENESIS_HASH: &str = "";

/// One stored event: the columns of the office's `events` table, as text exactly as stored (the
/// hash is over these bytes, so nothing is re-serialised on the way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventRecord {
    pub seq: u64,
    /// The event's UUID.
    pub id: String,
    /// RFC 3339, as stored.
    pub at: String,
    /// The actor as stored (JSON).
    pub actor: String,
    /// The event kind (the `type` column; also inside `body`, which the hash covers).
    pub kind: String,
    /// The payload as stored (JSON).
    pub body: String,
    /// This event's chain hash (hex).
    pub hash: String,
}

/// The chain hash of the event `(seq, id, at, actor, body)` after `prev`.
pub fn chain_hash(prev: &str, seq: u64, id: &str, at: &str, actor: &str, body: &str) -> String {
    let mut h = Sha256::new();
    for part in [prev, &seq.to_string(), id, at, actor, body] {
        h.update((part.len() as u64).to_le_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

impl EventRecord {
    /// The record in a row whose columns are, from `first`: seq, id, at, actor, type, body, hash.
    #[cfg(feature = "rusqlite")]
    pub fn from_row(row: &rusqlite::Row<'_>, first: usize) -> rusqlite::Result<EventRecord> {
        Ok(EventRecord {
            seq: row.get::<_, i64>(first)? as u64,
            id: row.get(first + 1)?,
            at: row.get(first + 2)?,
            actor: row.get(first + 3)?,
            kind: row.get(first + 4)?,
            body: row.get(first + 5)?,
            hash: row.get(first + 6)?,
        })
    }

    /// The hash this record should carry after `prev`.
    pub fn expected_hash(&self, prev: &str) -> String {
        chain_hash(prev, self.seq, &self.id, &self.at, &self.actor, &self.body)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainError {
    #[error("event {seq} follows {previous}: sequence numbers must go up by one")]
    NotContiguous { previous: u64, seq: u64 },
    #[error("event {seq} does not continue the hash chain")]
    Broken { seq: u64 },
}

/// Checks that `records` are contiguous and each hash continues from the one before, the first from
/// `prev` (its own sequence number minus one is `prev`'s).
pub fn verify_chain(prev: &str, records: &[EventRecord]) -> Result<(), ChainError> {
    let mut prev = prev;
    for (i, r) in records.iter().enumerate() {
        if i > 0 && r.seq != records[i - 1].seq + 1 {
            return Err(ChainError::NotContiguous { previous: records[i - 1].seq, seq: r.seq });
        }
        if r.expected_hash(prev) != r.hash {
            return Err(ChainError::Broken { seq: r.seq });
        }
        prev = &r.hash;
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A log of `n` events from `first`, chained from `prev`.
    pub(crate) fn log(first: u64, n: u64, prev: &str, salt: &str) -> Vec<EventRecord> {
        let mut prev = prev.to_string();
        (first..first + n)
            .map(|seq| {
                let body = format!("{{\"type\":\"ticket_issued\",\"n\":{seq},\"salt\":\"{salt}\"}}");
                let (id, at, actor) = (
                    format!("id-{seq}-{salt}"),
                    format!("2026-12-04T08:{:02}:00Z", seq % 60),
                    "\"system\"".to_string(),
                );
                let hash = chain_hash(&prev, seq, &id, &at, &actor, &body);
                prev = hash.clone();
                EventRecord { seq, id, at, actor, kind: "ticket_issued".into(), body, hash }
            })
            .collect()
    }

    #[test]
    fn the_hash_is_over_length_prefixed_fields() {
        // Computed independently with Python: hashlib.sha256 over len(part).to_bytes(8, "little") + part
        // for part in ["", "1", "e1", "2026-12-04T08:00:00Z", "\"system\"", "{}"].
        assert_eq!(chain_hash(GENESIS_HASH, 1, "e1", "2026-12-04T08:00:00Z", "\"system\"", "{}"), PYTHON_VECTOR);
    }

    const PYTHON_VECTOR: &str = "2804a9de0bb240574f0d0e5017d0dc3fce3b6fb8cc3f25c8068458bca8b92850";

    #[test]
    fn a_changed_dropped_or_swapped_event_breaks_the_chain() {
        let good = log(1, 5, GENESIS_HASH, "a");
        assert_eq!(verify_chain(GENESIS_HASH, &good), Ok(()));
        let mut changed = good.clone();
        changed[2].body.push(' ');
        assert_eq!(verify_chain(GENESIS_HASH, &changed), Err(ChainError::Broken { seq: 3 }));
        let mut dropped = good.clone();
        dropped.remove(1);
        assert_eq!(verify_chain(GENESIS_HASH, &dropped), Err(ChainError::NotContiguous { previous: 1, seq: 3 }));
        let mut swapped = good.clone();
        swapped.swap(3, 4);
        assert!(verify_chain(GENESIS_HASH, &swapped).is_err());
        assert_eq!(verify_chain(&good[1].hash, &good[2..]), Ok(()));
        assert_eq!(verify_chain(&good[0].hash, &good[2..]), Err(ChainError::Broken { seq: 3 }));
    }
}

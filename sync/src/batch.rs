//! A batch: a run of one office's log, what it continues from, and the office's signature.
//!
//! The signature is ed25519 over [`Batch::canonical_bytes`]: a tag naming this version of the
//! protocol, then every field (and every event's every column), each prefixed by its length as 8
//! little-endian bytes — the same framing as the chain hash, so no serialiser's choices (key order,
//! escapes, number forms) can change what was signed. On the wire a batch is JSON, zstd-compressed
//! above [`COMPRESS_ABOVE`] bytes; a compressed body is inflated into at most [`MAX_BODY_BYTES`].

use domain::Localized;
use ed25519_dalek::{Signature, Signer, Verifier};
pub use ed25519_dalek::{SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::record::{verify_chain, ChainError, EventRecord, GENESIS_HASH};

/// The protocol version this crate writes and reads.
pub const PROTOCOL_VERSION: u16 = 1;
/// Events in one batch at most.
pub const MAX_EVENTS: usize = 2000;
/// A batch's JSON body at most, inflated.
pub const MAX_BODY_BYTES: usize = 8 << 20;
/// Bodies longer than this go compressed.
pub const COMPRESS_ABOVE: usize = 16 << 10;

const TAG: &str = "motcua-sync-batch-v1";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Batch {
    pub version: u16,
    /// The office's id at the central (given at enrolment).
    pub office: Uuid,
    pub from_seq: u64,
    pub to_seq: u64,
    /// The chain hash of event `from_seq − 1` ([`GENESIS_HASH`] before the first).
    pub prev_hash: String,
    pub events: Vec<EventRecord>,
    /// When the office sent it (RFC 3339; informative, never trusted for order).
    pub sent_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignedBatch {
    pub batch: Batch,
    /// ed25519 over the batch's canonical bytes, hex.
    pub signature: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BatchError {
    #[error("protocol version {0} is not understood (this side speaks {PROTOCOL_VERSION})")]
    Version(u16),
    #[error("a batch holds 1 to {MAX_EVENTS} events (this one {0})")]
    Count(usize),
    #[error("from_seq/to_seq do not match the events")]
    Bounds,
    #[error("the first event must continue from the empty hash")]
    Genesis,
    #[error(transparent)]
    Chain(#[from] ChainError),
    #[error("the signature does not match the office's key")]
    Signature,
    #[error("the body is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("the body cannot be read: {0}")]
    Malformed(String),
}

impl BatchError {
    /// Said to a person (the central's page, the office's sync status), in both languages.
    pub fn message(&self) -> Localized {
        match self {
            BatchError::Version(_) => Localized::new(
                "Phiên bản giao thức đồng bộ không tương thích; cần cập nhật phần mềm.",
                format!("{self}; update the software."),
            ),
            BatchError::Signature => Localized::new(
                "Chữ ký của gói dữ liệu không khớp với khóa của đơn vị: gói bị từ chối.",
                "The batch's signature does not match the office's key: refused.",
            ),
            BatchError::Chain(_) | BatchError::Bounds | BatchError::Genesis => Localized::new(
                "Chuỗi sự kiện trong gói dữ liệu không liền mạch: gói bị từ chối.",
                format!("The batch's events do not form an unbroken chain ({self}): refused."),
            ),
            BatchError::Count(_) | BatchError::TooLarge => Localized::new(
                format!("Gói dữ liệu quá lớn hoặc rỗng (tối đa {MAX_EVENTS} sự kiện)."),
                format!("The batch is empty or too large: {self}."),
            ),
            BatchError::Malformed(_) => {
                Localized::new("Không đọc được gói dữ liệu.", format!("The batch cannot be read: {self}."))
            }
        }
    }
}

fn put(out: &mut Vec<u8>, part: &[u8]) {
    out.extend_from_slice(&(part.len() as u64).to_le_bytes());
    out.extend_from_slice(part);
}

impl Batch {
    /// A batch of `events` (contiguous, from the office's log) continuing from `prev_hash`.
    pub fn new(office: Uuid, prev_hash: &str, events: Vec<EventRecord>, sent_at: &str) -> Result<Batch, BatchError> {
        let (from_seq, to_seq) = match (events.first(), events.last()) {
            (Some(first), Some(last)) => (first.seq, last.seq),
            _ => return Err(BatchError::Count(0)),
        };
        let batch = Batch {
            version: PROTOCOL_VERSION,
            office,
            from_seq,
            to_seq,
            prev_hash: prev_hash.to_string(),
            events,
            sent_at: sent_at.to_string(),
        };
        batch.check()?;
        Ok(batch)
    }

    /// The bytes the signature covers.
    pub fn canonical_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256 + self.events.len() * 512);
        put(&mut out, TAG.as_bytes());
        put(&mut out, self.version.to_string().as_bytes());
        put(&mut out, self.office.to_string().as_bytes());
        put(&mut out, self.from_seq.to_string().as_bytes());
        put(&mut out, self.to_seq.to_string().as_bytes());
        put(&mut out, self.prev_hash.as_bytes());
        put(&mut out, self.sent_at.as_bytes());
        put(&mut out, self.events.len().to_string().as_bytes());
        for e in &self.events {
            for part in [&e.seq.to_string(), &e.id, &e.at, &e.actor, &e.kind, &e.body, &e.hash] {
                put(&mut out, part.as_bytes());
            }
        }
        out
    }

    /// Everything a batch must be whatever its signature: this version, 1 to [`MAX_EVENTS`] events
    /// from `from_seq` to `to_seq` one by one, each continuing the chain from `prev_hash`.
    pub fn check(&self) -> Result<(), BatchError> {
        if self.version != PROTOCOL_VERSION {
            return Err(BatchError::Version(self.version));
        }
        if self.events.is_empty() || self.events.len() > MAX_EVENTS {
            return Err(BatchError::Count(self.events.len()));
        }
        let (first, last) = (&self.events[0], &self.events[self.events.len() - 1]);
        if first.seq != self.from_seq || last.seq != self.to_seq || self.from_seq == 0 {
            return Err(BatchError::Bounds);
        }
        if self.from_seq == 1 && self.prev_hash != GENESIS_HASH {
            return Err(BatchError::Genesis);
        }
        verify_chain(&self.prev_hash, &self.events)?;
        Ok(())
    }

    /// Signs with the office's key.
    pub fn sign(self, key: &SigningKey) -> SignedBatch {
        let signature = hex::encode(key.sign(&self.canonical_bytes()).to_bytes());
        SignedBatch { batch: self, signature }
    }
}

impl SignedBatch {
    /// The batch, if `key` signed exactly these bytes and the batch is well formed.
    pub fn verify(&self, key: &VerifyingKey) -> Result<&Batch, BatchError> {
        let bytes: [u8; 64] =
            hex::decode(&self.signature).ok().and_then(|b| b.try_into().ok()).ok_or(BatchError::Signature)?;
        key.verify(&self.batch.canonical_bytes(), &Signature::from_bytes(&bytes)).map_err(|_| BatchError::Signature)?;
        self.batch.check()?;
        Ok(&self.batch)
    }

    /// The body to send, and whether it is zstd-compressed.
    pub fn to_body(&self) -> (Vec<u8>, bool) {
        let json = serde_json::to_vec(self).unwrap_or_default();
        if json.len() > COMPRESS_ABOVE {
            if let Ok(packed) = zstd::bulk::compress(&json, 3) {
                return (packed, true);
            }
        }
        (json, false)
    }

    /// Reads a body sent by [`SignedBatch::to_body`]; never inflates past [`MAX_BODY_BYTES`].
    pub fn from_body(body: &[u8], compressed: bool) -> Result<SignedBatch, BatchError> {
        let inflated;
        let json = if compressed {
            inflated = zstd::bulk::decompress(body, MAX_BODY_BYTES).map_err(|_| BatchError::TooLarge)?;
            &inflated[..]
        } else if body.len() > MAX_BODY_BYTES {
            return Err(BatchError::TooLarge);
        } else {
            body
        };
        serde_json::from_slice(json).map_err(|e| BatchError::Malformed(e.to_string()))
    }
}

/// The office's signing key from its 32 secret bytes (drawn by the caller at enrolment, kept 0600).
pub fn signing_key(secret: &[u8; 32]) -> SigningKey {
    SigningKey::from_bytes(secret)
}

/// A public key as the central registers it (hex of 32 bytes).
pub fn public_key_hex(key: &SigningKey) -> String {
    hex::encode(key.verifying_key().to_bytes())
}

/// A registered public key, if the text is one.
pub fn verifying_key(hex_text: &str) -> Option<VerifyingKey> {
    let bytes: [u8; 32] = hex::decode(hex_text.trim()).ok()?.try_into().ok()?;
    VerifyingKey::from_bytes(&bytes).ok()
}

//! The office → city sync protocol, shared by both ends: no IO, no clock, no randomness (keys, times
//! and bytes are passed in).
//!
//! Layout:
//! - [`record`]: an event exactly as the office stores it ([`EventRecord`]) and the hash chain over
//!   the log ([`chain_hash`], [`verify_chain`]) — the office's store appends with the same function.
//! - [`batch`]: a run of the office's own log with the hash it continues from ([`Batch`]), bounded in
//!   count and bytes, its canonical bytes, an ed25519 signature over them ([`SignedBatch`]), and the
//!   body on the wire (JSON, zstd above [`batch::COMPRESS_ABOVE`], bounded when inflated).
//! - [`judge`]: what the central does with a verified batch given what it holds for that office —
//!   acknowledge again, append from the first new event, ask for the gap, or refuse a fork.
//!
//! Architecture invariants: a batch is checked whole (signature, bounds, contiguity, chain) before
//! anything of it is judged; a different event at a sequence number already held is never accepted,
//! whatever else the batch holds.

pub mod batch;
pub mod judge;
pub mod record;

pub use batch::{Batch, BatchError, SignedBatch};
pub use judge::{judge, Held, Verdict};
pub use record::{chain_hash, verify_chain, ChainError, EventRecord, GENESIS_HASH};

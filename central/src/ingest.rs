//! One batch from an office, start to end: the office's key, the batch's signature, bounds and chain
//! (`sync`), the judgement against what is held, and what is stored — all in one transaction, so two
//! central processes given the same batch store it once.

use domain::Localized;
use sync::batch::verifying_key;
use sync::{judge, BatchError, Held, SignedBatch, Verdict};
use uuid::Uuid;

use crate::store::{SqliteStore, StoreError};

/// What the office is told after a stored or already-held batch.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Ack {
    /// The highest contiguous seq the central holds for the office: send from the next one.
    pub acked_seq: u64,
    /// Events of this batch stored now (0 for a batch held already).
    pub stored: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    #[error("no office has this id")]
    UnknownOffice,
    #[error("this office has not enrolled")]
    NotEnrolled,
    #[error("this office's key was revoked")]
    Revoked,
    #[error("the batch names another office")]
    OtherOffice,
    #[error(transparent)]
    Batch(#[from] BatchError),
    #[error("the batch starts after a gap: send from {need}")]
    Gap { need: u64 },
    #[error("event {seq} differs from the one held: fork alarm raised, nothing stored")]
    Fork { seq: u64 },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl IngestError {
    pub fn code(&self) -> &'static str {
        match self {
            IngestError::UnknownOffice => "unknown_office",
            IngestError::NotEnrolled => "office_not_enrolled",
            IngestError::Revoked => "office_revoked",
            IngestError::OtherOffice => "batch_for_another_office",
            IngestError::Batch(BatchError::Signature) => "bad_signature",
            IngestError::Batch(BatchError::TooLarge) => "batch_too_large",
            IngestError::Batch(BatchError::Version(_)) => "protocol_version",
            IngestError::Batch(_) => "invalid_batch",
            IngestError::Gap { .. } => "gap",
            IngestError::Fork { .. } => "fork",
            IngestError::Store(_) => "storage",
        }
    }

    /// What a person reads (the office's sync status, the central's page).
    pub fn message(&self) -> Localized {
        match self {
            IngestError::UnknownOffice => Localized::new("Không có đơn vị với mã này.", "No office has this id."),
            IngestError::NotEnrolled => Localized::new(
                "Đơn vị chưa đăng ký với máy chủ trung tâm: dùng mã đăng ký một lần.",
                "The office has not enrolled with the central server: use its one-time code.",
            ),
            IngestError::Revoked => Localized::new(
                "Khóa của đơn vị đã bị thu hồi; liên hệ quản trị thành phố.",
                "The office's key was revoked; contact the city's administrators.",
            ),
            IngestError::OtherOffice => {
                Localized::new("Gói dữ liệu ghi tên đơn vị khác.", "The batch names another office.")
            }
            IngestError::Batch(e) => e.message(),
            IngestError::Gap { need } => Localized::new(
                format!("Thiếu dữ liệu: hãy gửi từ sự kiện số {need}."),
                format!("Events are missing: send from event {need}."),
            ),
            IngestError::Fork { seq } => Localized::new(
                format!("Sự kiện số {seq} khác với bản máy chủ đang giữ (có thể do khôi phục bản sao lưu cũ). Máy chủ giữ nguyên dữ liệu và đã báo động; cần xử lý theo hướng dẫn khôi phục."),
                format!("Event {seq} differs from the one the central holds (an old backup restored?). Nothing was overwritten and a fork alarm is raised; follow the recovery procedure."),
            ),
            IngestError::Store(_) => Localized::new(
                "Máy chủ trung tâm tạm thời không lưu được dữ liệu; gói sẽ được gửi lại.",
                "The central server cannot store data right now; the batch will be sent again.",
            ),
        }
    }
}

/// Takes one batch body from `office`.
pub fn receive(store: &mut SqliteStore, office: Uuid, body: &[u8], compressed: bool) -> Result<Ack, IngestError> {
    let row = store.office(office)?.ok_or(IngestError::UnknownOffice)?;
    if row.revoked {
        return Err(IngestError::Revoked);
    }
    let key = row.public_key.as_deref().and_then(verifying_key).ok_or(IngestError::NotEnrolled)?;
    let signed = SignedBatch::from_body(body, compressed)?;
    let batch = signed.verify(&key)?;
    if batch.office != office {
        return Err(IngestError::OtherOffice);
    }
    let outcome = store.with_office(office, |tx| {
        Ok(match judge(tx, batch) {
            Verdict::Duplicate => Ok(Ack { acked_seq: tx.last_seq(), stored: 0 }),
            Verdict::Append { from_index } => {
                let new = &batch.events[from_index..];
                tx.append(new)?;
                Ok(Ack { acked_seq: batch.to_seq, stored: new.len() })
            }
            Verdict::Gap { need } => Err(IngestError::Gap { need }),
            Verdict::Fork { seq, held, sent } => {
                tx.raise_fork(seq, &format!("held {held}, sent {sent}"))?;
                Err(IngestError::Fork { seq })
            }
        })
    })?;
    if let Err(IngestError::Fork { seq }) = &outcome {
        tracing::error!("office {office}: fork at event {seq}");
    }
    outcome
}

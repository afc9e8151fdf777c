//! The routes offices call. Every body is bounded (a batch's compressed body at
//! `sync::batch::MAX_BODY_BYTES`, inflated at the same), every error is `{code, message: {vi, en}}`.
//! A batch is authenticated by its signature (the office's enrolled key); enrolment by its one-time
//! code.

use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use domain::api::ApiError;
use domain::Localized;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::ingest::{receive, IngestError};
use crate::store::{sha256_hex, SqliteStore};

pub type Shared = Arc<Mutex<SqliteStore>>;

#[derive(Debug, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EnrolRequest {
    pub code: String,
    /// The office's ed25519 public key, hex.
    pub public_key: String,
}

#[derive(Debug, Deserialize, Serialize)]
pub struct EnrolResponse {
    pub office_id: Uuid,
}

pub fn router(store: Shared) -> Router {
    Router::new()
        .route("/api/v1/enrol", post(enrol).layer(DefaultBodyLimit::max(4096)))
        .route(
            "/api/v1/offices/{office}/batches",
            post(batch).layer(DefaultBodyLimit::max(sync::batch::MAX_BODY_BYTES)),
        )
        .with_state(store)
}

fn error(status: StatusCode, code: &str, message: Localized) -> Response {
    (status, Json(ApiError { code: code.to_string(), message })).into_response()
}

async fn blocking<T: Send + 'static>(store: &Shared, f: impl FnOnce(&mut SqliteStore) -> T + Send + 'static) -> T {
    let store = store.clone();
    tokio::task::spawn_blocking(move || f(&mut store.lock().unwrap_or_else(|e| e.into_inner())))
        .await
        .expect("a store call panicked")
}

async fn enrol(State(store): State<Shared>, body: Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<EnrolRequest>(&body) else {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_request",
            Localized::new("Yêu cầu đăng ký không đúng dạng.", "The enrolment request is malformed."),
        );
    };
    if sync::batch::verifying_key(&req.public_key).is_none() {
        return error(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_key",
            Localized::new("Khóa công khai không hợp lệ.", "The public key is not valid."),
        );
    }
    let now =
        time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
    let code_hash = sha256_hex(req.code.trim());
    let key = req.public_key.trim().to_lowercase();
    match blocking(&store, move |s| s.enrol(&code_hash, &key, &now)).await {
        Ok(Some(office_id)) => (StatusCode::CREATED, Json(EnrolResponse { office_id })).into_response(),
        Ok(None) => error(
            StatusCode::NOT_FOUND,
            "unknown_code",
            Localized::new(
                "Mã đăng ký không đúng, đã dùng hoặc đã hết hạn.",
                "The enrolment code is wrong, used or expired.",
            ),
        ),
        Err(_) => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "storage",
            Localized::new(
                "Máy chủ trung tâm tạm thời không lưu được dữ liệu.",
                "The central server cannot store data right now.",
            ),
        ),
    }
}

async fn batch(State(store): State<Shared>, Path(office): Path<Uuid>, headers: HeaderMap, body: Bytes) -> Response {
    let compressed =
        headers.get("content-encoding").and_then(|v| v.to_str().ok()).is_some_and(|v| v.eq_ignore_ascii_case("zstd"));
    match blocking(&store, move |s| receive(s, office, &body, compressed)).await {
        Ok(ack) => (StatusCode::OK, Json(ack)).into_response(),
        Err(e) => {
            let status = match &e {
                IngestError::UnknownOffice => StatusCode::NOT_FOUND,
                IngestError::NotEnrolled | IngestError::Revoked | IngestError::OtherOffice => StatusCode::FORBIDDEN,
                IngestError::Batch(sync::BatchError::Signature) => StatusCode::UNAUTHORIZED,
                IngestError::Batch(sync::BatchError::TooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
                IngestError::Batch(_) => StatusCode::UNPROCESSABLE_ENTITY,
                IngestError::Gap { .. } | IngestError::Fork { .. } => StatusCode::CONFLICT,
                IngestError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            };
            let mut response = error(status, e.code(), e.message());
            if let IngestError::Gap { need } = e {
                if let Ok(v) = need.to_string().parse() {
                    response.headers_mut().insert("x-motcua-need-seq", v);
                }
            }
            response
        }
    }
}

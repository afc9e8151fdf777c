//! Errors of the HTTP API: each has an HTTP status, a stable `code`, and a message in Vietnamese and
//! English. Nothing a client sent can change state when one of these is returned.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::api::ApiError;
use domain::{Localized, QueueError};

use crate::store::StoreError;

#[derive(Debug, Clone, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Queue(#[from] QueueError),
    #[error("missing or invalid token")]
    Unauthenticated,
    #[error("role not allowed")]
    Forbidden,
    #[error("not found: {0}")]
    NotFound(&'static str),
    #[error("bad request: {code}: {detail}")]
    BadRequest { code: &'static str, detail: String, message: Localized },
    #[error("storage: {0}")]
    Store(Arc<StoreError>),
    #[error("unavailable: {0}")]
    Unavailable(String),
    #[error("login failed")]
    LoginFailed,
    #[error("login locked for {retry_after_s} s")]
    LoginLocked { retry_after_s: u64 },
    #[error("too many {what} requests; retry in {retry_after_s} s")]
    TooManyRequests { what: &'static str, retry_after_s: u64 },
    /// A receipt was not printed (no printer configured, printer not ready or unreachable…).
    #[error(transparent)]
    Printer(#[from] crate::receipts::PrintError),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        AppError::Store(Arc::new(e))
    }
}

impl AppError {
    pub fn from_sqlite(e: rusqlite::Error) -> AppError {
        AppError::Store(Arc::new(StoreError::classify(e, std::path::Path::new("(data directory)"))))
    }

    pub fn bad(
        code: &'static str,
        detail: impl Into<String>,
        vi: impl Into<String>,
        en: impl Into<String>,
    ) -> AppError {
        AppError::BadRequest { code, detail: detail.into(), message: Localized::new(vi, en) }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Queue(q) if q.is_not_found() => StatusCode::NOT_FOUND,
            AppError::Queue(q) if q.is_forbidden() => StatusCode::FORBIDDEN,
            AppError::Queue(q) if q.is_invalid_input() => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Queue(_) => StatusCode::CONFLICT,
            AppError::Unauthenticated | AppError::LoginFailed => StatusCode::UNAUTHORIZED,
            AppError::LoginLocked { .. } | AppError::TooManyRequests { .. } => StatusCode::TOO_MANY_REQUESTS,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest { code, .. } if code.ends_with("not_found") => StatusCode::NOT_FOUND,
            AppError::BadRequest { code: "not_your_counter" | "device_not_bound", .. } => StatusCode::FORBIDDEN,
            AppError::BadRequest { code, .. } if code.starts_with("invalid") => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::BadRequest { code: "payload_too_large", .. } => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::BadRequest { code: "follow_expired", .. } => StatusCode::GONE,
            AppError::BadRequest { code: "receipt_not_recorded", .. } => StatusCode::SERVICE_UNAVAILABLE,
            AppError::BadRequest { code: "reminders_off" | "reminders_full", .. } => StatusCode::CONFLICT,
            AppError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            AppError::Store(_) | AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Printer(e) if e.is_configuration() => StatusCode::CONFLICT,
            AppError::Printer(_) => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    pub fn body(&self) -> ApiError {
        let (code, message) = match self {
            AppError::Queue(q) => (q.code(), q.localized()),
            AppError::Printer(e) => (e.code(), e.localized()),
            AppError::Unauthenticated => (
                "unauthenticated",
                Localized::new("Cần đăng nhập hoặc mã thiết bị hợp lệ.", "A valid login or device token is required."),
            ),
            AppError::LoginFailed => (
                "login_failed",
                Localized::new("Tên đăng nhập hoặc mật khẩu không đúng.", "Wrong username or password."),
            ),
            AppError::LoginLocked { retry_after_s } => (
                "login_locked",
                Localized::new(
                    format!(
                        "Đăng nhập tạm khoá vì nhập sai mật khẩu nhiều lần. Vui lòng thử lại sau {} phút.",
                        retry_after_s.div_ceil(60)
                    ),
                    format!(
                        "Logins are locked for a while after too many wrong passwords. Try again in {} min.",
                        retry_after_s.div_ceil(60)
                    ),
                ),
            ),
            AppError::TooManyRequests { retry_after_s, .. } => (
                "too_many_requests",
                Localized::new(
                    format!("Thao tác quá nhiều lần. Vui lòng thử lại sau {retry_after_s} giây."),
                    format!("Too many requests. Please try again in {retry_after_s} s."),
                ),
            ),
            AppError::Forbidden => (
                "forbidden",
                Localized::new("Bạn không có quyền thực hiện thao tác này.", "You are not allowed to do this."),
            ),
            AppError::NotFound(what) => ("not_found", not_found(what)),
            AppError::BadRequest { code, message, .. } => (*code, message.clone()),
            AppError::Store(e) => match e.as_ref() {
                StoreError::DiskFull(_) => (
                    "disk_full",
                    Localized::new(
                        "Máy chủ hết dung lượng lưu trữ; yêu cầu chưa được ghi nhận. Vui lòng báo kỹ thuật viên.",
                        "The server's disk is full; the request was not recorded. Please call a technician.",
                    ),
                ),
                StoreError::ReadOnly(_) => (
                    "storage_read_only",
                    Localized::new(
                        "Không ghi được dữ liệu (thư mục chỉ đọc); yêu cầu chưa được ghi nhận.",
                        "The data directory is not writable; the request was not recorded.",
                    ),
                ),
                _ => (
                    "storage_error",
                    Localized::new(
                        "Lỗi lưu trữ; yêu cầu chưa được ghi nhận.",
                        "Storage error; the request was not recorded.",
                    ),
                ),
            },
            AppError::Unavailable(_) => (
                "unavailable",
                Localized::new(
                    "Máy chủ tạm thời không sẵn sàng, vui lòng thử lại.",
                    "The server is busy; please try again.",
                ),
            ),
        };
        ApiError { code: code.to_owned(), message }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        if matches!(self, AppError::Store(_)) {
            tracing::error!("{self}");
        }
        let retry_after = match &self {
            AppError::LoginLocked { retry_after_s } | AppError::TooManyRequests { retry_after_s, .. } => {
                Some(*retry_after_s)
            }
            _ => None,
        };
        let mut response = (self.status(), Json(self.body())).into_response();
        if let Some(s) = retry_after {
            response.headers_mut().insert(axum::http::header::RETRY_AFTER, s.into());
        }
        response
    }
}

/// "Not found" in the words of what was looked for (the `&'static str` stays in logs only).
fn not_found(what: &str) -> Localized {
    match what {
        "route" => Localized::new("Không có đường dẫn này.", "There is no such address."),
        "page" => Localized::new("Không có trang này.", "There is no such page."),
        "counter" => Localized::new("Không có quầy này.", "There is no such counter."),
        "announcement" => Localized::new("Không có thông báo này.", "There is no such announcement."),
        _ => Localized::new("Không tìm thấy nội dung yêu cầu.", "What was asked for was not found."),
    }
}

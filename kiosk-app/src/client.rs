//! The queue-server client: blocking HTTP/JSON with the payload types of `domain::api`.

use std::time::Duration;

use domain::api::{
    ApiError, DossierView, EnrolRequest, EnrolResponse, Health, IssueTicketRequest, LeaseRequest, LeaseView,
    LeasedTicketUpload, ProcedureList, QuestionsView, RatingRequest, RatingResponse, RatingStatusView, ServiceView,
    TicketView,
};
use domain::event::LeaseId;
use domain::office::Priority;
use domain::office::Stage;
use reqwest::blocking::{Client as Http, RequestBuilder, Response};
use serde::de::DeserializeOwned;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// No answer: the server is down, the network is cut or the request timed out. Work offline.
    #[error("queue server unreachable: {0}")]
    Unreachable(String),
    /// The request may have reached the server, but no answer came back in time. Work offline too, but
    /// a request that changes something may have been done: retry it with the same idempotency key.
    #[error("no answer from the queue server: {0}")]
    NoAnswer(String),
    /// The server answered with an error body (stable code, vi/en message).
    #[error("queue server refused ({status}): {} — {}", .error.code, .error.message.vi)]
    Refused { status: u16, error: ApiError },
    /// The server answered with something that is not the expected JSON.
    #[error("unexpected answer from the queue server: {0}")]
    Protocol(String),
}

impl ClientError {
    /// Whether the kiosk should carry on offline (no answer, or the server says it cannot serve now).
    pub fn is_offline(&self) -> bool {
        match self {
            ClientError::Unreachable(_) | ClientError::NoAnswer(_) => true,
            ClientError::Refused { status, .. } => *status >= 500,
            ClientError::Protocol(_) => false,
        }
    }

    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Refused { error, .. } => Some(&error.code),
            _ => None,
        }
    }
}

pub type Result<T> = std::result::Result<T, ClientError>;

/// An announcement WAV as the server served it.
#[derive(Debug, Clone)]
pub struct ServedAnnouncement {
    pub wav: Vec<u8>,
    /// The server's clock when it answered; the device's own clock may be far off (no RTC, no NTP).
    pub server_time: Option<time::OffsetDateTime>,
}

/// An HTTP `Date` (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`).
pub fn parse_http_date(text: &str) -> Option<time::OffsetDateTime> {
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    time::PrimitiveDateTime::parse(text.trim(), &format).ok().map(|t| t.assume_utc())
}

/// A stage as the API's query strings spell it.
fn stage_param(stage: Stage) -> &'static str {
    match stage {
        Stage::Reception => "reception",
        Stage::Processing => "processing",
        Stage::ResultReturn => "result_return",
    }
}

#[derive(Clone)]
pub struct Client {
    base: String,
    token: Option<String>,
    http: Http,
    /// The only root trusted for `https://` (the office server's own certificate), if pinned.
    ca: Option<reqwest::Certificate>,
}

impl Client {
    pub fn new(base: &str, timeout: Duration) -> Client {
        Client::pinned(base, timeout, None)
    }

    /// A client that trusts only `ca_pem` (a PEM certificate) for TLS; an unreadable one trusts nothing.
    pub fn pinned(base: &str, timeout: Duration, ca_pem: Option<&[u8]>) -> Client {
        let ca = ca_pem.and_then(|pem| reqwest::Certificate::from_pem(pem).ok());
        let http = Self::builder(ca.as_ref())
            .timeout(timeout)
            .connect_timeout(timeout)
            .pool_idle_timeout(Duration::from_secs(30))
            .build()
            .expect("HTTP client builds");
        Client { base: base.trim_end_matches('/').to_owned(), token: None, http, ca }
    }

    fn builder(ca: Option<&reqwest::Certificate>) -> reqwest::blocking::ClientBuilder {
        let builder = Http::builder().use_rustls_tls().tls_built_in_root_certs(false);
        match ca {
            Some(ca) => builder.add_root_certificate(ca.clone()),
            None => builder,
        }
    }

    pub fn with_token(mut self, token: impl Into<String>) -> Client {
        self.token = Some(token.into());
        self
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn auth(&self, rb: RequestBuilder) -> RequestBuilder {
        match &self.token {
            Some(t) => rb.bearer_auth(t),
            None => rb,
        }
    }

    fn send(rb: RequestBuilder) -> Result<Response> {
        let response = rb.send().map_err(|e| {
            if e.is_connect() {
                ClientError::Unreachable(e.to_string())
            } else {
                ClientError::NoAnswer(e.to_string())
            }
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        let code = status.as_u16();
        let text = response.text().map_err(|e| ClientError::NoAnswer(e.to_string()))?;
        match serde_json::from_str::<ApiError>(&text) {
            Ok(error) => Err(ClientError::Refused { status: code, error }),
            Err(_) => Err(ClientError::Refused {
                status: code,
                error: ApiError {
                    code: format!("http_{code}"),
                    message: domain::i18n::Localized::new(text.clone(), text.clone()),
                },
            }),
        }
    }

    fn json<T: DeserializeOwned>(rb: RequestBuilder) -> Result<T> {
        let response = Self::send(rb)?;
        let bytes = response.bytes().map_err(|e| ClientError::NoAnswer(e.to_string()))?;
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Protocol(e.to_string()))
    }

    pub fn health(&self) -> Result<Health> {
        Self::json(self.http.get(self.url("/healthz")))
    }

    pub fn enrol(&self, code: &str, name: &str) -> Result<EnrolResponse> {
        let body = EnrolRequest { code: code.trim().to_owned(), name: name.to_owned() };
        Self::json(self.http.post(self.url("/api/v1/devices/enrol")).json(&body))
    }

    pub fn services(&self) -> Result<Vec<ServiceView>> {
        Self::json(self.auth(self.http.get(self.url("/api/v1/services"))))
    }

    /// `POST /api/v1/tickets`, for a catalogue procedure when one was chosen; the same key always yields
    /// the same ticket.
    pub fn issue_ticket(
        &self,
        service: &str,
        priority: Priority,
        procedure: Option<&str>,
        key: &str,
    ) -> Result<TicketView> {
        let body =
            IssueTicketRequest { service: service.to_owned(), priority, procedure: procedure.map(str::to_owned) };
        Self::json(self.auth(self.http.post(self.url("/api/v1/tickets"))).header("Idempotency-Key", key).json(&body))
    }

    /// `GET /api/v1/procedures`: the catalogue's procedures matching `query` (words, with or without
    /// diacritics) in `field` (a field's Vietnamese name), at most `limit`.
    pub fn procedures(&self, query: &str, field: Option<&str>, limit: usize) -> Result<ProcedureList> {
        let mut params = vec![("limit", limit.to_string())];
        if !query.trim().is_empty() {
            params.push(("q", query.trim().to_owned()));
        }
        if let Some(f) = field {
            params.push(("field", f.to_owned()));
        }
        Self::json(self.auth(self.http.get(self.url("/api/v1/procedures")).query(&params)))
    }

    /// `GET /api/v1/rating/questions`: the active indicator set's questions at `stage`.
    pub fn rating_questions(&self, stage: Option<Stage>) -> Result<QuestionsView> {
        let mut rb = self.http.get(self.url("/api/v1/rating/questions"));
        if let Some(s) = stage {
            rb = rb.query(&[("stage", stage_param(s))]);
        }
        Self::json(self.auth(rb))
    }

    /// `GET /api/v1/rating/status`: whether a ticket can still be rated at `stage` (records nothing).
    /// Whether a ticket, or a dossier with its proof, can be rated now (records nothing).
    pub fn rating_status(&self, query: &domain::api::RatingStatusQuery) -> Result<RatingStatusView> {
        let mut params: Vec<(&str, String)> = Vec::new();
        if let Some(t) = query.ticket {
            params.push(("ticket", t.to_string()));
        }
        if let Some(d) = &query.dossier {
            params.push(("dossier", d.clone()));
        }
        if let Some(token) = &query.rating_token {
            params.push(("rating_token", token.clone()));
        }
        if let Some(t) = query.served_ticket {
            params.push(("served_ticket", t.to_string()));
        }
        if let Some(s) = query.stage {
            params.push(("stage", stage_param(s).to_owned()));
        }
        Self::json(self.auth(self.http.get(self.url("/api/v1/rating/status")).query(&params)))
    }

    pub fn ticket(&self, id: uuid::Uuid) -> Result<TicketView> {
        Self::json(self.auth(self.http.get(self.url(&format!("/api/v1/tickets/{id}")))))
    }

    /// Today's ticket with this printed number (`A025`).
    pub fn ticket_by_number(&self, number: &str) -> Result<TicketView> {
        Self::json(self.auth(self.http.get(self.url(&format!("/api/v1/tickets/{number}")))))
    }

    /// A ticket as its follow page shows it (`token`: the part of its QR's URL after `/t/`).
    pub fn follow(&self, token: &str) -> Result<domain::api::FollowView> {
        Self::json(self.http.get(self.url(&format!("/api/v1/follow/{token}"))))
    }

    pub fn lease(&self, service: &str, size: u32) -> Result<LeaseView> {
        let body = LeaseRequest { service: service.to_owned(), size };
        Self::json(self.auth(self.http.post(self.url("/api/v1/leases"))).json(&body))
    }

    pub fn upload_leased(&self, lease: LeaseId, upload: &LeasedTicketUpload, key: &str) -> Result<TicketView> {
        let rb = self.http.post(self.url(&format!("/api/v1/leases/{lease}/tickets")));
        Self::json(self.auth(rb).header("Idempotency-Key", key).json(upload))
    }

    /// `POST /api/v1/tickets/{id}/reminder`: a message when few are ahead and when called.
    pub fn reminder(&self, ticket: uuid::Uuid, phone: &str) -> Result<domain::api::ReminderView> {
        let body = domain::api::ReminderRequest { phone: phone.to_owned() };
        Self::json(self.auth(self.http.post(self.url(&format!("/api/v1/tickets/{ticket}/reminder")))).json(&body))
    }

    pub fn rate(&self, rating: &RatingRequest) -> Result<RatingResponse> {
        Self::json(self.auth(self.http.post(self.url("/api/v1/ratings"))).json(rating))
    }

    /// Opens the live event stream (`text/event-stream`), resuming after `last_id`. The response has no
    /// overall timeout; read it line by line.
    pub fn event_stream(&self, last_id: Option<u64>) -> Result<Response> {
        let http = Self::builder(self.ca.as_ref())
            .connect_timeout(Duration::from_secs(3))
            .timeout(None)
            // A stream has no overall timeout; keep-alive probes let a dead link end it eventually.
            .tcp_keepalive(Duration::from_secs(15))
            .build()
            .map_err(|e| ClientError::Protocol(e.to_string()))?;
        let mut rb = self.auth(http.get(self.url("/api/v1/events")));
        if let Some(id) = last_id {
            rb = rb.header("Last-Event-ID", id.to_string());
        }
        Self::send(rb)
    }

    /// `GET /api/v1/announcements/{seq}.wav`: the voice announcement of a call or recall event, with the
    /// server's clock (the `Date` header) at the time it answered.
    pub fn announcement(&self, seq: u64) -> Result<ServedAnnouncement> {
        let response = Self::send(self.auth(self.http.get(self.url(&format!("/api/v1/announcements/{seq}.wav")))))?;
        let server_time =
            response.headers().get(reqwest::header::DATE).and_then(|v| v.to_str().ok()).and_then(parse_http_date);
        let wav = response.bytes().map_err(|e| ClientError::NoAnswer(e.to_string()))?.to_vec();
        Ok(ServedAnnouncement { wav, server_time })
    }

    /// Reports device health (printer state, pending uploads); staff see it in the admin device list.
    pub fn heartbeat(&self, health: &serde_json::Value) -> Result<()> {
        let body = serde_json::json!({ "health": health });
        Self::send(self.auth(self.http.post(self.url("/api/v1/devices/heartbeat"))).json(&body)).map(|_| ())
    }

    /// Any GET as raw JSON (the display board, whose type lives in the server).
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        Self::json(self.auth(self.http.get(self.url(path))))
    }

    pub fn dossier(&self, code: &str) -> Result<DossierView> {
        let mut path = String::from("/api/v1/dossiers/");
        for b in code.trim().bytes() {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                path.push(b as char);
            } else {
                path.push_str(&format!("%{b:02X}"));
            }
        }
        Self::json(self.auth(self.http.get(self.url(&path))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_parse_as_utc() {
        assert_eq!(
            parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(time::macros::datetime!(1994-11-06 08:49:37 UTC))
        );
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(parse_http_date(""), None);
    }
}

//! Following a ticket from a phone: the ticket's QR opens `/t/{token}` on the office Wi-Fi, a page
//! that shows the citizen's number, its status, the people ahead, the estimated wait and the counter
//! when called, live, with no login.
//!
//! - **The token** names the ticket (its id, or a lease and a number for a number handed out while the
//!   kiosk was offline) and carries an HMAC-SHA-256 tag under the office's follow key (drawn once and
//!   kept in the database, so a backup restores it): it cannot be made from the number, and ticket
//!   ids that displays see in events are not enough to make one either. Nothing is stored per token.
//! - **Valid for its day only**: a token of a ticket from another day, or of a ticket or lease the
//!   projection no longer holds, answers 410.
//! - **No personal data**: the view holds the number, the service, the status, the counter and the
//!   queue position — not the dossiers linked to it, not the procedure chosen.
//! - **Bounded**: at most `[server] follow_streams` live streams at once (beyond it 503, and the page
//!   falls back to fetching every half minute); each stream is one task that recomputes the view when
//!   the published head moves and sends only a changed view, into a channel of a few messages; a
//!   phone that stops reading for `stream_stall_timeout_s` is cut. A stream ends when its ticket has.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::Json;
use domain::api::FollowView;
use domain::event::{LeaseId, TicketId};
use domain::queue::{OfficeState, Ticket, TicketStatus};
use domain::Localized;
use futures_util::stream::Stream;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use time::OffsetDateTime;
use tokio::sync::{mpsc, Semaphore};
use tokio_stream::wrappers::ReceiverStream;
use tokio_stream::StreamExt;

use crate::error::AppError;
use crate::http::{AppState, Path};

/// Bytes of the HMAC tag kept in a token (80 bits: far beyond guessing over a rate-limited LAN).
const TAG_BYTES: usize = 10;
/// A stream re-reads its ticket at least this often, so estimates and day changes show without events.
const REFRESH: Duration = Duration::from_secs(30);

/// The office's key for follow tokens (32 random bytes, kept in the database's `secrets` table).
#[derive(Clone)]
pub struct FollowKey([u8; 32]);

/// What a token names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FollowSubject {
    Ticket(TicketId),
    /// A number of a lease, printed while the kiosk was offline: a ticket once the kiosk uploads it.
    Leased {
        lease: LeaseId,
        number: u32,
    },
}

impl FollowKey {
    pub fn new(bytes: [u8; 32]) -> FollowKey {
        FollowKey(bytes)
    }

    /// A random key (tests and servers built without a database).
    pub fn random() -> FollowKey {
        FollowKey(rand::random())
    }

    fn tag(&self, subject: &FollowSubject) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.0).expect("HMAC takes any key length");
        match subject {
            FollowSubject::Ticket(id) => {
                mac.update(b"motcua follow v1 ticket\0");
                mac.update(id.as_bytes());
            }
            FollowSubject::Leased { lease, number } => {
                mac.update(b"motcua follow v1 leased\0");
                mac.update(lease.as_bytes());
                mac.update(&number.to_be_bytes());
            }
        }
        mac
    }

    /// The token of a subject: its id in hex (and for a leased number the number, 8 hex digits), then
    /// the tag in hex.
    pub fn token(&self, subject: &FollowSubject) -> String {
        let tag = self.tag(subject).finalize().into_bytes();
        let tag = hex::encode(&tag[..TAG_BYTES]);
        match subject {
            FollowSubject::Ticket(id) => format!("{}{tag}", id.simple()),
            FollowSubject::Leased { lease, number } => format!("{}{number:08x}{tag}", lease.simple()),
        }
    }

    /// The page's path for a subject (`/t/{token}`), as tickets and leases carry it.
    pub fn path(&self, subject: &FollowSubject) -> String {
        format!("/t/{}", self.token(subject))
    }

    /// What a token names, when its tag is right (compared in constant time).
    pub fn read(&self, token: &str) -> Option<FollowSubject> {
        let token = token.trim();
        if !token.is_ascii() {
            return None;
        }
        let (subject, tag) = match token.len() {
            n if n == 32 + 2 * TAG_BYTES => {
                (FollowSubject::Ticket(uuid::Uuid::try_parse(&token[..32]).ok()?), &token[32..])
            }
            n if n == 40 + 2 * TAG_BYTES => {
                let lease = uuid::Uuid::try_parse(&token[..32]).ok()?;
                let number = u32::from_str_radix(&token[32..40], 16).ok()?;
                (FollowSubject::Leased { lease, number }, &token[40..])
            }
            _ => return None,
        };
        let tag = hex::decode(tag).ok()?;
        self.tag(&subject).verify_truncated_left(&tag).ok()?;
        Some(subject)
    }
}

/// Live streams of follow pages at once (`[server] follow_streams`).
pub struct FollowStreams(Arc<Semaphore>);

impl FollowStreams {
    pub fn new(at_once: usize) -> FollowStreams {
        FollowStreams(Arc::new(Semaphore::new(at_once)))
    }
}

fn unknown() -> AppError {
    AppError::bad(
        "follow_not_found",
        "no ticket has this follow token",
        "Không tìm thấy số thứ tự này. Vui lòng quét lại mã QR trên phiếu.",
        "No ticket matches this link. Please scan the QR code on your ticket again.",
    )
}

fn expired() -> AppError {
    AppError::bad(
        "follow_expired",
        "the ticket is not of today",
        "Phiếu này chỉ dùng được trong ngày lấy số và đã hết hiệu lực.",
        "This ticket was valid only on the day it was taken and has expired.",
    )
}

/// The view of a subject now, or why there is none.
pub fn view(state: &OfficeState, subject: &FollowSubject, now: OffsetDateTime) -> Result<FollowView, AppError> {
    let today = domain::clock::local_day(now, state.settings.offset());
    let ticket = match subject {
        FollowSubject::Ticket(id) => Some(state.ticket(*id).ok_or_else(expired)?),
        FollowSubject::Leased { lease, number } => {
            let l = state.leases.get(lease).ok_or_else(expired)?;
            if l.day != today {
                return Err(expired());
            }
            if *number < l.first || *number > l.last {
                return Err(unknown());
            }
            let label = state
                .services
                .get(&l.service)
                .map(|s| state.settings.numbering.format(s.letter, *number))
                .unwrap_or_else(|| number.to_string());
            // By the day's label index, not a scan of every ticket: streams recompute on every commit.
            let uploaded = state
                .find_ticket(&domain::queue::TicketRef::Label(label.clone()), l.day)
                .filter(|t| t.lease == Some(*lease) && t.number == *number);
            if uploaded.is_none() {
                return Ok(pending_view(state, label, &l.service));
            }
            uploaded
        }
    };
    let ticket = ticket.ok_or_else(unknown)?;
    if ticket.day != today {
        return Err(expired());
    }
    Ok(ticket_view(state, ticket))
}

fn office_fields(state: &OfficeState) -> (Localized, String, i32) {
    (state.settings.name.clone(), state.settings.parent_agency.clone(), state.settings.utc_offset_s)
}

fn service_name(state: &OfficeState, service: &domain::office::ServiceCode) -> Localized {
    state
        .services
        .get(service)
        .map(|s| s.name.clone())
        .unwrap_or_else(|| Localized::new(service.as_str(), service.as_str()))
}

fn pending_view(state: &OfficeState, number: String, service: &domain::office::ServiceCode) -> FollowView {
    let (office, agency, utc_offset_s) = office_fields(state);
    FollowView {
        number,
        office,
        agency,
        service_name: service_name(state, service),
        status: "not_received".into(),
        headline: Localized::new(
            "Số dự phòng, cấp khi máy lấy số mất kết nối. Số sẽ vào hàng chờ ngay khi máy kết nối lại; quý khách được gọi theo thứ tự lấy số.",
            "A reserve number, issued while the kiosk was offline. It joins the queue as soon as the kiosk reconnects; you are called in the order tickets were taken.",
        ),
        counter: None,
        ahead: None,
        estimated_wait_s: None,
        issued_at: None,
        utc_offset_s,
        ended: false,
    }
}

fn ticket_view(state: &OfficeState, t: &Ticket) -> FollowView {
    let (office, agency, utc_offset_s) = office_fields(state);
    let waiting = t.status == TicketStatus::Waiting;
    let ahead = state.ahead_of(t);
    let counter = match &t.status {
        TicketStatus::Called { counter, .. }
        | TicketStatus::Serving { counter, .. }
        | TicketStatus::Parked { counter, .. }
        | TicketStatus::Missed { counter, .. }
        | TicketStatus::Served { counter, .. } => Some(*counter),
        TicketStatus::Waiting | TicketStatus::Cancelled { .. } => t.target_counter,
    };
    FollowView {
        number: t.label.clone(),
        office,
        agency,
        service_name: service_name(state, &t.service),
        status: t.status.name().into(),
        headline: headline(&t.status, ahead, counter),
        counter,
        ahead: waiting.then_some(ahead),
        estimated_wait_s: waiting.then(|| state.estimated_wait_s(&t.service, ahead)),
        issued_at: Some(t.issued_at),
        utc_offset_s,
        ended: matches!(t.status, TicketStatus::Served { .. } | TicketStatus::Cancelled { .. }),
    }
}

/// What the citizen should do now, in the words of the kiosk and the display («quầy số N»).
fn headline(status: &TicketStatus, ahead: usize, counter: Option<u16>) -> Localized {
    let at = |vi: &str, en: &str| match counter {
        Some(n) => (format!("{vi} quầy số {n}"), format!("{en} counter {n}")),
        None => (format!("{vi} quầy"), format!("{en} the counter")),
    };
    let (vi, en) = match status {
        TicketStatus::Waiting if ahead == 0 => (
            "Quý khách sắp được gọi. Vui lòng chú ý màn hình và loa gọi số.".to_owned(),
            "You are next. Please watch the screen and listen for your number.".to_owned(),
        ),
        TicketStatus::Waiting => (
            "Đang chờ đến lượt. Quý khách có thể theo dõi tại đây.".to_owned(),
            "Waiting for your turn. You can follow it here.".to_owned(),
        ),
        TicketStatus::Called { .. } => {
            let (vi, en) = at("Mời quý khách đến", "Please go to");
            (format!("{vi}."), format!("{en} now."))
        }
        TicketStatus::Serving { .. } => {
            let (vi, en) = at("Quý khách đang được phục vụ tại", "You are being served at");
            (format!("{vi}."), format!("{en}."))
        }
        TicketStatus::Parked { .. } => (
            "Hồ sơ của quý khách đang tạm hoãn; cán bộ sẽ gọi lại số này.".to_owned(),
            "Your ticket is on hold; the officer will call this number again.".to_owned(),
        ),
        TicketStatus::Missed { .. } => {
            let (vi, en) = at(
                "Quý khách đã được gọi nhưng vắng mặt. Vui lòng đến",
                "You were called but not present. Please go to",
            );
            (format!("{vi} hoặc bàn hướng dẫn."), format!("{en} or the help desk."))
        }
        TicketStatus::Served { .. } => {
            ("Đã phục vụ xong. Cảm ơn quý khách!".to_owned(), "Served. Thank you!".to_owned())
        }
        TicketStatus::Cancelled { .. } => (
            "Số này đã bị hủy. Nếu quý khách vẫn cần giải quyết, vui lòng lấy số mới.".to_owned(),
            "This ticket was cancelled. If you still need service, please take a new number.".to_owned(),
        ),
    };
    Localized::new(vi, en)
}

fn subject_of(app: &AppState, token: &str) -> Result<FollowSubject, AppError> {
    app.follow.read(token).ok_or_else(unknown)
}

/// `GET /api/v1/follow/{token}`.
pub(crate) async fn get(
    State(app): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Result<Json<FollowView>, AppError> {
    let subject = subject_of(&app, &token)?;
    app.office.read(|s| view(s, &subject, OffsetDateTime::now_utc())).map(Json)
}

/// `GET /api/v1/follow/{token}/events`: the view as an SSE `ticket` event whenever it changes, a
/// `gone` event (with the error) when the ticket is of another day, and the stream ends after a ticket
/// that has ended.
pub(crate) async fn stream(
    State(app): State<Arc<AppState>>,
    Path(token): Path<String>,
) -> Result<Sse<impl Stream<Item = Result<SseEvent, Infallible>>>, AppError> {
    let subject = subject_of(&app, &token)?;
    app.office.read(|s| view(s, &subject, OffsetDateTime::now_utc()))?;
    let permit = app
        .follow_streams
        .0
        .clone()
        .try_acquire_owned()
        .map_err(|_| AppError::Unavailable(format!("more than {} follow streams", app.server.follow_streams)))?;
    let (tx, rx) = mpsc::channel(4);
    let stall = Duration::from_secs(app.server.stream_stall_timeout_s);
    let feed = app.clone();
    tokio::spawn(async move {
        let _permit = permit;
        let mut published = feed.office.published();
        let mut sent: Option<FollowView> = None;
        loop {
            let event = match feed.office.read(|s| view(s, &subject, OffsetDateTime::now_utc())) {
                Ok(v) if sent.as_ref() == Some(&v) => None,
                Ok(v) => {
                    let event = SseEvent::default().event("ticket").json_data(&v).ok();
                    let ended = v.ended;
                    sent = Some(v);
                    match event {
                        Some(e) if ended => {
                            let _ = tokio::time::timeout(stall, tx.send(e)).await;
                            break;
                        }
                        e => e,
                    }
                }
                Err(e) => {
                    if let Ok(gone) = SseEvent::default().event("gone").json_data(e.body()) {
                        let _ = tokio::time::timeout(stall, tx.send(gone)).await;
                    }
                    break;
                }
            };
            if let Some(event) = event {
                match tokio::time::timeout(stall, tx.send(event)).await {
                    Ok(Ok(())) => {}
                    _ => break, // gone, or not reading
                }
            }
            tokio::select! {
                changed = published.changed() => if changed.is_err() { break },
                _ = tokio::time::sleep(REFRESH) => {}
                _ = tx.closed() => break,
            }
        }
    });
    let every = Duration::from_secs((app.server.idle_timeout_s / 2).clamp(1, 15));
    Ok(Sse::new(ReceiverStream::new(rx).map(Ok)).keep_alive(KeepAlive::new().interval(every)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_read_back_and_refuse_any_change() {
        let key = FollowKey::new([7; 32]);
        let ticket = FollowSubject::Ticket(uuid::Uuid::from_u128(0x1234));
        let leased = FollowSubject::Leased { lease: uuid::Uuid::from_u128(0x99), number: 900 };
        for subject in [ticket, leased] {
            let token = key.token(&subject);
            assert_eq!(key.read(&token), Some(subject));
            assert!(token.chars().all(|c| c.is_ascii_hexdigit()), "{token}");
            // Every single-character change is refused.
            for i in 0..token.len() {
                let mut bytes = token.clone().into_bytes();
                bytes[i] = if bytes[i] == b'0' { b'1' } else { b'0' };
                assert_eq!(key.read(std::str::from_utf8(&bytes).unwrap()), None, "changed at {i}");
            }
            assert_eq!(FollowKey::new([8; 32]).read(&token), None, "another office's key");
            assert_eq!(key.read(&token[..token.len() - 1]), None);
        }
        assert_eq!(key.read(""), None);
        assert_eq!(key.read("ẞ".repeat(26).as_str()), None);
        assert_eq!(key.path(&ticket), format!("/t/{}", key.token(&ticket)));
    }

    /// A one-service, one-counter office driven through the real engine at `now`.
    struct Desk {
        state: OfficeState,
        seq: u64,
        now: OffsetDateTime,
    }

    impl Desk {
        fn new(now: OffsetDateTime) -> Desk {
            use domain::office::{Counter, OfficeSettings, Service, ServiceCode, Stage};
            let mut desk = Desk { state: OfficeState::default(), seq: 0, now };
            desk.run(domain::queue::Command::ChangeSettings { settings: OfficeSettings::default() });
            let code = ServiceCode::new("ho-tich").unwrap();
            let service = Service {
                code: code.clone(),
                letter: 'A',
                name: Localized::new("Hộ tịch", "Civil status"),
                field: Localized::new("Hộ tịch", "Civil status"),
                procedures: vec![],
                stage: Stage::Reception,
                service_level_target_s: 1200,
                default_service_time_s: 300,
                open: true,
            };
            desk.run(domain::queue::Command::SaveService { service });
            let counter = Counter {
                id: 1,
                name: Localized::new("Quầy 1", "Counter 1"),
                services: vec![code],
                open: true,
                receipt_printer: None,
            };
            desk.run(domain::queue::Command::SaveCounter { counter });
            desk
        }

        fn run(&mut self, command: domain::queue::Command) -> domain::queue::Decision {
            let decision = domain::queue::decide(&self.state, &command, self.now, &mut uuid::Uuid::new_v4).unwrap();
            for kind in &decision.events {
                self.seq += 1;
                let event = domain::event::Event {
                    seq: self.seq,
                    id: uuid::Uuid::new_v4(),
                    at: self.now,
                    actor: domain::event::Actor::System,
                    kind: kind.clone(),
                };
                self.state.apply(&event);
            }
            decision
        }

        fn issue(&mut self) -> TicketId {
            let service = domain::office::ServiceCode::new("ho-tich").unwrap();
            let command = domain::queue::Command::IssueTicket {
                service,
                priority: Default::default(),
                idempotency_key: None,
                device: None,
                procedure: None,
            };
            self.run(command).ticket.unwrap()
        }
    }

    #[test]
    fn a_ticket_is_followed_on_its_day_only() {
        let morning = time::macros::datetime!(2026-12-03 01:30 UTC); // 08:30 at UTC+7
        let mut desk = Desk::new(morning);
        let first = desk.issue();
        let second = desk.issue();
        let v = view(&desk.state, &FollowSubject::Ticket(second), morning).unwrap();
        assert_eq!((v.status.as_str(), v.ahead, v.counter), ("waiting", Some(1), None));
        assert!(v.estimated_wait_s.unwrap() > 0);
        desk.run(domain::queue::Command::CallNext { counter: 1, officer: None });
        let v = view(&desk.state, &FollowSubject::Ticket(first), morning).unwrap();
        assert_eq!((v.status.as_str(), v.ahead, v.counter), ("called", None, Some(1)));
        assert_eq!(v.headline.vi, "Mời quý khách đến quầy số 1.");
        let next_day = morning + time::Duration::days(1);
        let refused = view(&desk.state, &FollowSubject::Ticket(second), next_day).unwrap_err();
        assert_eq!((refused.status().as_u16(), refused.body().code.as_str()), (410, "follow_expired"));
        let unknown = view(&desk.state, &FollowSubject::Ticket(uuid::Uuid::new_v4()), morning).unwrap_err();
        assert_eq!(unknown.status().as_u16(), 410, "a tagged token of a ticket no longer held");
    }

    #[test]
    fn a_leased_number_shows_until_uploaded_then_the_ticket() {
        let morning = time::macros::datetime!(2026-12-03 01:30 UTC);
        let mut desk = Desk::new(morning);
        let device = uuid::Uuid::new_v4();
        let service = domain::office::ServiceCode::new("ho-tich").unwrap();
        desk.run(domain::queue::Command::GrantLease { device, service, size: 5, ttl_s: 3600 });
        let lease = desk.state.leases.values().next().unwrap().clone();
        let subject = FollowSubject::Leased { lease: lease.id, number: lease.first };
        let v = view(&desk.state, &subject, morning).unwrap();
        assert_eq!((v.status.as_str(), v.number.as_str()), ("not_received", format!("A{}", lease.first).as_str()));
        let outside = FollowSubject::Leased { lease: lease.id, number: lease.last + 1 };
        assert_eq!(view(&desk.state, &outside, morning).unwrap_err().status().as_u16(), 404);
        desk.run(domain::queue::Command::UploadLeased {
            lease: lease.id,
            device,
            number: lease.first,
            priority: Default::default(),
            issued_at: morning,
            idempotency_key: "k1".into(),
            procedure: None,
        });
        let v = view(&desk.state, &subject, morning).unwrap();
        assert_eq!((v.status.as_str(), v.ahead), ("waiting", Some(0)));
        let next_day = morning + time::Duration::days(1);
        assert_eq!(view(&desk.state, &subject, next_day).unwrap_err().status().as_u16(), 410);
    }

    #[test]
    fn headlines_name_the_counter_in_both_languages() {
        let at = OffsetDateTime::UNIX_EPOCH;
        let called = headline(&TicketStatus::Called { counter: 3, officer: None, at }, 0, Some(3));
        assert_eq!(called.vi, "Mời quý khách đến quầy số 3.");
        assert_eq!(called.en, "Please go to counter 3 now.");
        let missed = headline(&TicketStatus::Missed { counter: 2, at }, 0, Some(2));
        assert!(missed.vi.contains("quầy số 2") && missed.en.contains("counter 2"), "{missed:?}");
        assert_ne!(headline(&TicketStatus::Waiting, 0, None), headline(&TicketStatus::Waiting, 4, None));
    }
}

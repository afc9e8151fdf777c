//! Satisfaction ratings from kiosks and rating terminals (the questions of the active indicator set,
//! ratings checked against it, dossier ratings tied to the receipt's token or the served ticket), and
//! the number leases kiosks issue from while the server is unreachable.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::api::*;
use domain::office::Role;
use domain::queue::{Command, DossierProof, RatingSubjectRef};
use domain::rating::{rating_token_in, IndicatorSet};
use domain::QueueError;
use time::OffsetDateTime;

use super::{idempotency_key, parse_service, ticket_view, AppState, Body, Path, Query};
use crate::auth::{Caller, Who};
use crate::dossiers;
use crate::error::AppError;

/// A rating request turned into the engine's command, with what the caller may rate.
struct Prepared {
    command: Command,
    subject: RatingSubjectRef,
    /// A rating terminal's own counter.
    bound_counter: Option<domain::office::CounterId>,
    counter: Option<domain::office::CounterId>,
}

/// Checks what the request and the caller alone say, and reads the dossier's records when one is rated.
async fn prepare(app: &AppState, caller: &Caller, req: RatingRequest) -> Result<Prepared, AppError> {
    let mut proof = None;
    let subject = match (req.ticket, &req.dossier) {
        (Some(t), None) => RatingSubjectRef::Ticket(t),
        (None, Some(code)) => {
            // The token as sent, or inside the scanned receipt QR sent whole.
            let token = req.rating_token.clone().or_else(|| rating_token_in(code));
            proof = match (token, req.served_ticket) {
                (Some(token), _) => Some(DossierProof::TokenSha256(crate::store::sha256_hex(token.trim()))),
                (None, Some(ticket)) => Some(DossierProof::Ticket(ticket)),
                (None, None) => None,
            };
            RatingSubjectRef::Dossier(dossiers::parse_code(code)?)
        }
        _ => {
            return Err(AppError::bad(
                "invalid",
                "give either a ticket or a dossier code",
                "Vui lòng chọn một số thứ tự hoặc một mã hồ sơ để đánh giá.",
                "Please give either a ticket or a dossier code to rate.",
            ));
        }
    };
    // A rating terminal rates only for its own counter, and only what was served there.
    let bound_counter = if caller.role == Role::RatingTerminal { caller.counters.first().copied() } else { None };
    if caller.role == Role::RatingTerminal && bound_counter.is_none() {
        return Err(AppError::bad(
            "device_not_bound",
            "rating terminal without a counter",
            "Máy đánh giá chưa được gắn với quầy nào; hãy báo quản trị viên.",
            "This rating terminal belongs to no counter; ask an administrator.",
        ));
    }
    if let (Some(asked), Some(bound)) = (req.counter, bound_counter) {
        if asked != bound {
            return Err(AppError::bad(
                "not_your_counter",
                format!("counter {asked}, terminal of counter {bound}"),
                format!("Máy đánh giá của quầy {bound} không đánh giá cho quầy {asked}."),
                format!("The rating terminal of counter {bound} cannot rate counter {asked}."),
            ));
        }
    }
    let counter = req.counter.or(bound_counter);
    // A dossier's status and timeliness from its records: the stage it reached, indicators 1–2.
    let records = match (&subject, &proof) {
        (RatingSubjectRef::Dossier(code), Some(_)) => {
            let offset = app.office.read(|s| s.settings.offset());
            let due_soon = time::Duration::hours(i64::from(app.server.dossier_due_soon_hours));
            let code = code.clone();
            app.office
                .query(move |conn| dossiers::lookup(conn, &code, offset, OffsetDateTime::now_utc(), true, due_soon))
                .await?
                .map(|v| (v.status, v.timeliness))
        }
        _ => None,
    };
    let command = Command::Rate {
        subject: subject.clone(),
        counter,
        stage: req.stage,
        level: req.level,
        answers: req.answers,
        comment: req.comment.map(|c| c.trim().to_owned()).filter(|c| !c.is_empty()),
        set: app.indicator_set.clone(),
        choices: req.choices.into_iter().map(|c| (c.indicator, c.option)).collect(),
        proof,
        records,
    };
    Ok(Prepared { command, subject, bound_counter, counter })
}

/// What needs the office's state besides the engine's rules: the counter exists, and a rating terminal
/// rates only what was served at its counter.
fn check_in(state: &domain::queue::OfficeState, p: &Prepared) -> Result<(), AppError> {
    if let Some(c) = p.counter {
        if !state.counters.contains_key(&c) {
            return Err(QueueError::UnknownCounter(c).into());
        }
    }
    if let (Some(bound), RatingSubjectRef::Ticket(id)) = (p.bound_counter, &p.subject) {
        let served_here = state.ticket(*id).is_some_and(|t| {
            t.segments.last().is_some_and(|s| s.counter == bound)
                || matches!(t.status, domain::queue::TicketStatus::Called { counter, .. } | domain::queue::TicketStatus::Serving { counter, .. } if counter == bound)
        });
        if !served_here {
            return Err(AppError::Forbidden);
        }
    }
    Ok(())
}

pub(super) async fn rate(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<RatingRequest>,
) -> Result<Response, AppError> {
    let prepared = prepare(&app, &caller, req).await?;
    let response = app
        .office
        .run(caller.actor(), move |ctx| {
            check_in(ctx.state, &prepared)?;
            ctx.command(&prepared.command)?;
            match ctx.state_last_rating() {
                Some(r) => Ok(r),
                None => Err(AppError::Unavailable("rating not recorded".into())),
            }
        })
        .await?;
    Ok((StatusCode::CREATED, Json(response)).into_response())
}

/// Whether a rating of this ticket or dossier would be taken now: the same checks as a rating, run on
/// the current state without recording anything (an empty rating stands for the citizen's answers).
pub(super) async fn status(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<RatingStatusQuery>,
) -> Result<Json<RatingStatusView>, AppError> {
    let asked_stage = q.stage;
    let req = RatingRequest {
        ticket: q.ticket,
        dossier: q.dossier,
        counter: None,
        stage: q.stage,
        level: domain::rating::RatingLevel::Satisfied,
        answers: vec![],
        comment: None,
        choices: vec![],
        rating_token: q.rating_token,
        served_ticket: q.served_ticket,
    };
    let prepared = prepare(&app, &caller, req).await?;
    let now = OffsetDateTime::now_utc();
    let outcome = app.office.read(|state| {
        check_in(state, &prepared)?;
        Ok::<_, AppError>(domain::queue::decide(state, &prepared.command, now, &mut uuid::Uuid::new_v4)?)
    });
    Ok(Json(match outcome {
        Ok(decision) => {
            let recorded = decision.events.iter().find_map(|e| match e {
                domain::event::EventKind::RatingRecorded { stage, counter, .. } => Some((*stage, *counter)),
                _ => None,
            });
            RatingStatusView {
                can_rate: true,
                stage: recorded.map(|r| r.0).or(asked_stage),
                counter: recorded.and_then(|r| r.1),
                refusal: None,
            }
        }
        Err(e) => RatingStatusView { can_rate: false, stage: asked_stage, counter: None, refusal: Some(e.body()) },
    }))
}

/// The questions of the active indicator set a citizen answers at a stage, each with its own answers.
pub(super) async fn questions(
    State(app): State<Arc<AppState>>,
    Query(query): Query<QuestionsQuery>,
) -> Json<QuestionsView> {
    Json(QuestionsView::of(&app.indicator_set, query.stage))
}

/// The file in the office's data directory that replaces the built-in indicator set.
pub const INDICATOR_SET_FILE: &str = "indicator-set.json";

/// The office's indicator set: `indicator-set.json` in its data directory when there is one (a
/// province's newer set), else the built-in one. A file that is not a valid set is an error, never
/// silently replaced by the built-in set.
pub fn load_indicator_set(dir: &std::path::Path) -> anyhow::Result<IndicatorSet> {
    let path = dir.join(INDICATOR_SET_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => IndicatorSet::parse(&text)
            .map_err(|e| anyhow::anyhow!("{}: not a usable indicator set: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(IndicatorSet::builtin()),
        Err(e) => Err(anyhow::anyhow!("cannot read {}: {e}", path.display())),
    }
}

impl crate::office::TxCtx<'_> {
    fn state_last_rating(&self) -> Option<RatingResponse> {
        self.last_emitted().and_then(|e| match &e.kind {
            domain::event::EventKind::RatingRecorded { rating, stage, counter, .. } => {
                Some(RatingResponse { id: *rating, stage: *stage, counter: *counter })
            }
            _ => None,
        })
    }
}

fn device_of(caller: &Caller) -> Result<uuid::Uuid, AppError> {
    match caller.who {
        Who::Device { device_id } => Ok(device_id),
        Who::Staff { .. } => Err(AppError::Forbidden),
    }
}

pub(super) async fn grant_lease(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(req): Body<LeaseRequest>,
) -> Result<Response, AppError> {
    let device = device_of(&caller)?;
    let service = parse_service(&req.service)?;
    let command = Command::GrantLease { device, service, size: req.size, ttl_s: 4 * 3600 };
    let follow = app.follow.clone();
    let view = app
        .office
        .run(caller.actor(), move |ctx| {
            ctx.command(&command)?;
            match ctx.last_emitted().map(|e| e.kind.clone()) {
                Some(domain::event::EventKind::LeaseGranted {
                    lease, service, day, first, last, expires_at, ..
                }) => {
                    let letter = ctx.state.services.get(&service).map(|s| s.letter).unwrap_or('?');
                    let follow_urls = (first..=last)
                        .map(|number| follow.path(&crate::follow::FollowSubject::Leased { lease, number }))
                        .collect();
                    Ok(LeaseView { id: lease, service, letter, day, first, last, expires_at, follow_urls })
                }
                _ => Err(AppError::Unavailable("lease not granted".into())),
            }
        })
        .await?;
    Ok((StatusCode::CREATED, Json(view)).into_response())
}

pub(super) async fn upload_leased(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(lease): Path<uuid::Uuid>,
    headers: HeaderMap,
    Body(req): Body<LeasedTicketUpload>,
) -> Result<Response, AppError> {
    let device = device_of(&caller)?;
    let key = idempotency_key(&headers, &caller)?.ok_or_else(|| {
        AppError::bad(
            "invalid",
            "an Idempotency-Key header is required for leased tickets",
            "Số lấy từ dải số đã cấp phải kèm mã chống gửi trùng (Idempotency-Key).",
            "A ticket from a number lease needs an Idempotency-Key header.",
        )
    })?;
    let command = Command::UploadLeased {
        lease,
        device,
        number: req.number,
        priority: req.priority,
        issued_at: req.issued_at,
        idempotency_key: key,
        procedure: req.procedure,
    };
    let (view, created) = app
        .office
        .run(caller.actor(), move |ctx| {
            let d = ctx.command(&command)?;
            let t = ctx.state.ticket(d.ticket.ok_or(QueueError::UnknownTicket)?).ok_or(QueueError::UnknownTicket)?;
            Ok((ticket_view(ctx.state, t), !d.events.is_empty()))
        })
        .await?;
    let view = super::ticket_resource(&app, view);
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(view)).into_response())
}

pub(super) async fn return_lease(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(lease): Path<uuid::Uuid>,
    Body(req): Body<ReturnLeaseRequest>,
) -> Result<StatusCode, AppError> {
    let device = device_of(&caller)?;
    app.office.command(caller.actor(), Command::ReturnLease { lease, device, unused: req.unused }).await?;
    Ok(StatusCode::NO_CONTENT)
}

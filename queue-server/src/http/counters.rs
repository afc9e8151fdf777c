//! Counters and what an officer does at one: call next, call a number, recall, start, no-show, park,
//! invite a rating, finish, transfer, link a dossier. Every route checks the officer's own counters.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use domain::api::*;
use domain::office::CounterId;
use domain::queue::Command;

use super::scope::Action;
use super::{parse_service, run_scoped_command, run_ticket_command, ticket_ref, ticket_view_for, AppState, Body, Path};
use crate::auth::Caller;
use crate::dossiers;
use crate::error::AppError;

pub(super) async fn counters(State(app): State<Arc<AppState>>, caller: Caller) -> Json<Vec<CounterView>> {
    let device = caller.role.is_device();
    Json(app.office.read(|s| {
        s.counters
            .values()
            .map(|c| CounterView {
                id: c.counter.id,
                name: c.counter.name.clone(),
                open: c.counter.open,
                services: c.counter.services.clone(),
                current: c.current.and_then(|id| s.ticket(id)).map(|t| ticket_view_for(s, t, device)),
                waiting: c.counter.services.iter().map(|svc| s.waiting(svc)).sum::<usize>()
                    + s.counter_waiting_list(c.counter.id).len(),
            })
            .collect()
    }))
}

fn counter_caller(caller: &Caller, counter: CounterId) -> Result<(), AppError> {
    caller.require_counter(counter)
}

pub(super) async fn call_next(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    run_ticket_command(&app, &caller, Command::CallNext { counter, officer: caller.username() }).await
}

pub(super) async fn call_ticket(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Body(req): Body<CallTicketRequest>,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    let ticket = ticket_ref(&req.ticket);
    let command = Command::CallTicket { counter, officer: caller.username(), ticket: ticket.clone() };
    run_scoped_command(&app, &caller, command, Some((ticket, Action::CallTo(counter)))).await
}

/// recall, start, no-show, park and invite-rating take no body.
pub(super) async fn counter_simple(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    uri: axum::http::Uri,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    let command = match uri.path().rsplit('/').next() {
        Some("recall") => Command::Recall { counter },
        Some("start") => Command::Start { counter },
        Some("no-show") => Command::NoShow { counter },
        Some("park") => Command::Park { counter },
        Some("invite-rating") => Command::InviteRating { counter },
        _ => return Err(AppError::NotFound("route")),
    };
    run_ticket_command(&app, &caller, command).await
}

pub(super) async fn finish(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Body(req): Body<FinishRequest>,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    let next_services = req.next_services.iter().map(|s| parse_service(s)).collect::<Result<Vec<_>, _>>()?;
    run_ticket_command(&app, &caller, Command::Finish { counter, outcome: req.outcome, next_services }).await
}

pub(super) async fn transfer(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Body(req): Body<TransferRequest>,
) -> Result<Json<TicketView>, AppError> {
    counter_caller(&caller, counter)?;
    let to_service = req.to_service.as_deref().map(parse_service).transpose()?;
    let command = Command::Transfer { counter, to_service, to_counter: req.to_counter, placement: req.placement };
    run_ticket_command(&app, &caller, command).await
}

/// Links a dossier to the counter's ticket and mints the link's rating token: drawn here (the engine
/// takes values, never randomness), logged only as its SHA-256, returned once for the receipt's QR.
pub(super) async fn link_dossier(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(counter): Path<CounterId>,
    Body(req): Body<LinkDossierRequest>,
) -> Result<Json<LinkDossierResponse>, AppError> {
    counter_caller(&caller, counter)?;
    let code = dossiers::parse_code(&req.code)?;
    let token = hex::encode(rand::random::<[u8; 16]>());
    let command = Command::LinkDossier {
        counter,
        code: code.clone(),
        rating_token_sha256: Some(crate::store::sha256_hex(&token)),
    };
    let Json(ticket) = run_ticket_command(&app, &caller, command).await?;
    Ok(Json(LinkDossierResponse { ticket, dossier: code, rating_token: token }))
}

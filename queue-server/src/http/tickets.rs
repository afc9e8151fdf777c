//! Services open now, ticket issue, lookup, waiting lists, cancel and unpark.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use domain::api::schema::SERVICE_CODE;
use domain::api::*;
use domain::event::Placement;
use domain::office::{CounterId, ServiceCode};
use domain::queue::Command;
use domain::QueueError;
use schemars::JsonSchema;
use serde::Deserialize;
use time::OffsetDateTime;

use super::scope::Action;
use super::{
    idempotency_key, parse_service, run_scoped_command, service_view, ticket_ref, ticket_resource, ticket_view,
    ticket_view_for, AppState, Body, Path, Query,
};
use crate::auth::{Caller, Who};
use crate::error::AppError;

/// The services open now: all open services while the office is open, none outside its hours.
pub(super) async fn services(State(app): State<Arc<AppState>>, caller: Caller) -> Json<Vec<ServiceView>> {
    let now = OffsetDateTime::now_utc();
    let show_closed = caller.role.is_staff();
    Json(app.office.read(|s| {
        let office_open = s.settings.is_open_at(now);
        let mut list: Vec<ServiceView> = s
            .services
            .values()
            .filter(|svc| show_closed || (svc.open && office_open))
            .map(|svc| service_view(s, svc))
            .collect();
        list.sort_by_key(|v| (domain::i18n::sort_key(&v.field.vi), v.letter));
        list
    }))
}

pub(super) async fn issue_ticket(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    headers: HeaderMap,
    Body(req): Body<IssueTicketRequest>,
) -> Result<Response, AppError> {
    let service = parse_service(&req.service)?;
    let key = idempotency_key(&headers, &caller)?;
    let device = match caller.who {
        Who::Device { device_id } => Some(device_id),
        _ => None,
    };
    let procedure = req.procedure.map(|p| p.trim().to_owned());
    let command = Command::IssueTicket { service, priority: req.priority, idempotency_key: key, device, procedure };
    let (view, created) = app
        .office
        .run(caller.actor(), move |ctx| {
            let d = ctx.command(&command)?;
            let t = ctx.state.ticket(d.ticket.expect("issue returns a ticket")).expect("issued ticket exists");
            Ok((ticket_view(ctx.state, t), !d.events.is_empty()))
        })
        .await?;
    let status = if created { StatusCode::CREATED } else { StatusCode::OK };
    Ok((status, Json(ticket_resource(&app, view))).into_response())
}

pub(super) async fn get_ticket(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, AppError> {
    // By id, or by the number printed on it today (a citizen rating at the kiosk types "A025").
    let wanted = ticket_ref(&id);
    let now = OffsetDateTime::now_utc();
    app.office
        .read(|s| {
            let today = domain::clock::local_day(now, s.settings.offset());
            s.find_ticket(&wanted, today).map(|t| ticket_view_for(s, t, caller.role.is_device()))
        })
        .map(|view| Json(ticket_resource(&app, view)))
        .ok_or(QueueError::UnknownTicket.into())
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct TicketQuery {
    #[schemars(regex(pattern = SERVICE_CODE))]
    service: Option<String>,
    #[schemars(range(min = 1))]
    counter: Option<CounterId>,
}

/// Waiting lists for staff screens.
pub(super) async fn list_tickets(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<TicketQuery>,
) -> Result<Json<Vec<TicketView>>, AppError> {
    let device = caller.role.is_device();
    let service = q.service.as_deref().map(parse_service).transpose()?;
    Ok(Json(app.office.read(|s| {
        let mut out = Vec::new();
        if let Some(c) = q.counter {
            out.extend(s.counter_waiting_list(c).into_iter().map(|t| ticket_view_for(s, t, device)));
        }
        let services: Vec<ServiceCode> = match &service {
            Some(code) => vec![code.clone()],
            None if q.counter.is_some() => {
                s.counters.get(&q.counter.unwrap_or(0)).map(|c| c.counter.services.clone()).unwrap_or_default()
            }
            None => s.services.keys().cloned().collect(),
        };
        for code in services {
            out.extend(s.waiting_list(&code).into_iter().map(|t| ticket_view_for(s, t, device)));
        }
        out
    })))
}

pub(super) async fn cancel_ticket(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
) -> Result<Json<TicketView>, AppError> {
    let ticket = ticket_ref(&id);
    run_scoped_command(&app, &caller, Command::Cancel { ticket: ticket.clone() }, Some((ticket, Action::Cancel))).await
}

pub(super) async fn unpark_ticket(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(id): Path<String>,
    body: Result<Option<Json<PlacementBody>>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<TicketView>, AppError> {
    let placement = body.map_err(super::json_error)?.map(|b| b.0.placement).unwrap_or(Placement::Front);
    let ticket = ticket_ref(&id);
    let command = Command::Unpark { ticket: ticket.clone(), placement };
    run_scoped_command(&app, &caller, command, Some((ticket, Action::Unpark))).await
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct PlacementBody {
    #[serde(default)]
    placement: Placement,
}

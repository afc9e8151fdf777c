//! The route table: one row per operation. [`router`] mounts every row, `auth::authorize` enforces
//! its roles before a handler or body parser runs, and `openapi::build` documents it — one
//! declaration, so the three cannot drift. A row names the Rust types of its request body, query and
//! JSON reply (`.body::<T>()`, `.query::<T>()`, `.reply::<T>()`); the document's schemas are derived
//! from them (schemars).
//!
//! Architecture invariant: a route not in this table does not exist (the fallback answers a JSON
//! 404), and a row with no roles is public on purpose.

use std::sync::Arc;

use axum::routing::{get, post, put, MethodRouter};
use axum::Router;
use domain::api::*;
use domain::office::{Counter, OfficeSettings, Role, Service};
use schemars::{JsonSchema, Schema, SchemaGenerator};

use super::{access, admin, counters, procedures, ratings, receipts, tickets, AppState};
use crate::{dossiers, events, explain, follow, metrics, openapi, pages};

type Handler = fn() -> MethodRouter<Arc<AppState>>;

/// The JSON Schema of a Rust type ([`schema_of`]), registering what it refers to with the generator.
pub type SchemaOf = fn(&mut SchemaGenerator) -> Schema;

/// `T`'s schema as the document refers to it: a `$ref` for a named type, inline for a list.
pub fn schema_of<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    generator.subschema_for::<T>()
}

/// `T`'s own schema, never a `$ref` (a query struct becomes one parameter per property).
pub fn schema_inline<T: JsonSchema>(generator: &mut SchemaGenerator) -> Schema {
    T::json_schema(generator)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Put,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "get",
            Method::Post => "post",
            Method::Put => "put",
        }
    }
}

pub struct Route {
    pub method: Method,
    /// The full path, `{name}` for a parameter, `{*name}` for the rest of the path.
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it; empty means public.
    pub roles: &'static [Role],
    /// The request body's type, as its JSON Schema (a `$ref` into the document's components).
    pub request: Option<SchemaOf>,
    /// A client may leave the request body out.
    pub request_optional: bool,
    /// The type of the query string, when it has one (its schema inline, see [`schema_inline`]).
    pub query: Option<SchemaOf>,
    /// The success response's type, when it is JSON.
    pub response: Option<SchemaOf>,
    pub status: u16,
    /// A token may come as `?access_token=` (only where a browser cannot send a header: EventSource).
    pub query_token: bool,
    /// A page or asset, not an API operation (left out of the OpenAPI document).
    pub page: bool,
    handler: Handler,
}

const fn op(
    method: Method,
    path: &'static str,
    roles: &'static [Role],
    status: u16,
    summary: &'static str,
    handler: Handler,
) -> Route {
    Route {
        method,
        path,
        summary,
        roles,
        request: None,
        request_optional: false,
        query: None,
        response: None,
        status,
        query_token: false,
        page: false,
        handler,
    }
}

impl Route {
    const fn body<T: JsonSchema>(mut self) -> Route {
        self.request = Some(schema_of::<T>);
        self
    }
    const fn optional_body<T: JsonSchema>(mut self) -> Route {
        self.request = Some(schema_of::<T>);
        self.request_optional = true;
        self
    }
    const fn query<T: JsonSchema>(mut self) -> Route {
        self.query = Some(schema_inline::<T>);
        self
    }
    const fn reply<T: JsonSchema>(mut self) -> Route {
        self.response = Some(schema_of::<T>);
        self
    }
    const fn token_in_query(mut self) -> Route {
        self.query_token = true;
        self
    }
    const fn page(mut self) -> Route {
        self.page = true;
        self
    }
}

use Method::{Get, Post, Put};
use Role::{Admin, Display, Officer, RatingTerminal, Supervisor, TicketKiosk};

const PUBLIC: &[Role] = &[];
const ALL: &[Role] = &[Admin, Supervisor, Officer, TicketKiosk, RatingTerminal, Display];
const STAFF: &[Role] = super::STAFF;
const MANAGERS: &[Role] = &[Admin, Supervisor];
const ADMIN: &[Role] = &[Admin];
const DEVICES: &[Role] = &[TicketKiosk, RatingTerminal, Display];

pub static ROUTES: &[Route] = &[
    op(Get, "/", PUBLIC, 200, "Start page", || get(|| async { pages::asset("index.html") })).page(),
    op(Get, "/counter", PUBLIC, 200, "Counter page", || get(|| async { pages::asset("counter.html") })).page(),
    op(Get, "/display", PUBLIC, 200, "Waiting-room display page", || get(|| async { pages::asset("display.html") }))
        .page(),
    op(Get, "/admin", PUBLIC, 200, "Admin page", || get(|| async { pages::asset("admin.html") })).page(),
    op(Get, "/web/{*path}", PUBLIC, 200, "Page assets", || get(pages::web_asset)).page(),
    op(Get, "/t/{token}", PUBLIC, 200, "Follow a ticket from a phone (the ticket's QR opens it)", || {
        get(|| async { pages::asset("follow.html") })
    })
    .page(),
    op(Get, "/healthz", PUBLIC, 200, "Liveness and last event sequence", || get(super::health)).reply::<Health>(),
    op(Get, "/metrics", MANAGERS, 200, "Prometheus metrics", || get(metrics::handler)),
    op(Get, "/api/v1/openapi.json", PUBLIC, 200, "This document", || get(openapi::document)),
    op(Post, "/api/v1/devices/enrol", PUBLIC, 201, "Enrol a device with a one-time code", || post(access::enrol))
        .body::<EnrolRequest>()
        .reply::<EnrolResponse>(),
    op(Post, "/api/v1/devices/heartbeat", DEVICES, 204, "Report device health", || post(access::heartbeat))
        .body::<access::HeartbeatRequest>(),
    op(Post, "/api/v1/auth/login", PUBLIC, 200, "Staff login (throttled per user and address)", || post(access::login))
        .body::<LoginRequest>()
        .reply::<LoginResponse>(),
    op(Post, "/api/v1/auth/logout", STAFF, 204, "End a staff session", || post(access::logout)),
    op(Get, "/api/v1/me", ALL, 200, "Who am I", || get(access::me)).reply::<access::Me>(),
    op(Get, "/api/v1/services", ALL, 200, "Services open now with waiting counts and estimated waits", || {
        get(tickets::services)
    })
    .reply::<Vec<ServiceView>>(),
    op(
        Post,
        "/api/v1/tickets",
        &[TicketKiosk, Admin, Supervisor, Officer],
        201,
        "Issue a ticket (Idempotency-Key makes retries safe)",
        || post(tickets::issue_ticket),
    )
    .body::<IssueTicketRequest>()
    .reply::<TicketView>(),
    op(Get, "/api/v1/tickets", &[Admin, Supervisor, Officer, Display], 200, "Waiting lists", || {
        get(tickets::list_tickets)
    })
    .query::<tickets::TicketQuery>()
    .reply::<Vec<TicketView>>(),
    op(Get, "/api/v1/tickets/{id}", ALL, 200, "One ticket, by id or by today's printed number (A025)", || {
        get(tickets::get_ticket)
    })
    .reply::<TicketView>(),
    op(Post, "/api/v1/tickets/{id}/cancel", STAFF, 200, "Cancel a ticket (officers: only at their counters)", || {
        post(tickets::cancel_ticket)
    })
    .reply::<TicketView>(),
    op(
        Post,
        "/api/v1/tickets/{id}/unpark",
        STAFF,
        200,
        "Return a parked ticket to its queue (officers: only parked at their counters)",
        || post(tickets::unpark_ticket),
    )
    .optional_body::<tickets::PlacementBody>()
    .reply::<TicketView>(),
    op(
        Get,
        "/api/v1/procedures",
        ALL,
        200,
        "Search the procedure catalogue (without diacritics too), each with the service that takes it",
        || get(procedures::list),
    )
    .query::<procedures::ProcedureQuery>()
    .reply::<ProcedureList>(),
    op(Get, "/api/v1/counters", ALL, 200, "Counters and what they serve", || get(counters::counters))
        .reply::<Vec<CounterView>>(),
    op(
        Get,
        "/api/v1/sync",
        MANAGERS,
        200,
        "The office's link to the city's central server: acknowledged seq, backlog, last error, alarm",
        || get(crate::uplink::handler),
    )
    .reply::<SyncView>(),
    op(
        Get,
        "/api/v1/devices",
        MANAGERS,
        200,
        "Counter LED displays and keypads: each serial bus, whether its port is open, how each board last answered",
        || get(crate::devices::handler),
    )
    .reply::<Vec<DeviceBusView>>(),
    op(Post, "/api/v1/counters/{counter}/call-next", STAFF, 200, "Call the next ticket", || post(counters::call_next))
        .reply::<TicketView>(),
    op(
        Post,
        "/api/v1/counters/{counter}/call",
        STAFF,
        200,
        "Call a specific ticket (also after no-show or from park)",
        || post(counters::call_ticket),
    )
    .body::<CallTicketRequest>()
    .reply::<TicketView>(),
    op(Post, "/api/v1/counters/{counter}/recall", STAFF, 200, "Announce the current ticket again", || {
        post(counters::counter_simple)
    })
    .reply::<TicketView>(),
    op(Post, "/api/v1/counters/{counter}/start", STAFF, 200, "Start serving the called ticket", || {
        post(counters::counter_simple)
    })
    .reply::<TicketView>(),
    op(Post, "/api/v1/counters/{counter}/no-show", STAFF, 200, "Mark the called ticket missed", || {
        post(counters::counter_simple)
    })
    .reply::<TicketView>(),
    op(Post, "/api/v1/counters/{counter}/park", STAFF, 200, "Park the current ticket", || {
        post(counters::counter_simple)
    })
    .reply::<TicketView>(),
    op(Post, "/api/v1/counters/{counter}/invite-rating", STAFF, 200, "Wake the counter's rating terminal", || {
        post(counters::counter_simple)
    })
    .reply::<TicketView>(),
    op(
        Post,
        "/api/v1/counters/{counter}/finish",
        STAFF,
        200,
        "Finish with an outcome, optionally continuing to more services",
        || post(counters::finish),
    )
    .body::<FinishRequest>()
    .reply::<TicketView>(),
    op(
        Post,
        "/api/v1/counters/{counter}/transfer",
        STAFF,
        200,
        "Transfer to a service or counter, front or back",
        || post(counters::transfer),
    )
    .body::<TransferRequest>()
    .reply::<TicketView>(),
    op(
        Post,
        "/api/v1/counters/{counter}/link-dossier",
        STAFF,
        200,
        "Link a dossier code to the current ticket; returns the rating token for the receipt",
        || post(counters::link_dossier),
    )
    .body::<LinkDossierRequest>()
    .reply::<LinkDossierResponse>(),
    op(
        Post,
        "/api/v1/counters/{counter}/receipt",
        STAFF,
        200,
        "Print the receipt and appointment of a dossier linked here (token from link-dossier) on the counter's printer",
        || post(receipts::print_receipt),
    )
    .body::<domain::receipt::ReceiptRequest>()
    .reply::<domain::receipt::ReceiptResponse>(),
    op(
        Get,
        "/api/v1/counters/{counter}/appointment",
        STAFF,
        200,
        "The appointment a receipt printed now would carry (the procedure's time limit through the office calendar)",
        || get(receipts::preview_appointment),
    )
    .query::<receipts::AppointmentQuery>()
    .reply::<receipts::AppointmentView>(),
    op(
        Get,
        "/api/v1/rating/questions",
        &[TicketKiosk, RatingTerminal, Admin, Supervisor, Officer],
        200,
        "The active indicator set's questions a citizen answers at a stage, each with its own answers",
        || get(ratings::questions),
    )
    .query::<QuestionsQuery>()
    .reply::<QuestionsView>(),
    op(
        Get,
        "/api/v1/rating/status",
        &[RatingTerminal, TicketKiosk],
        200,
        "Whether a ticket or dossier can still be rated at a stage (asked before the questions; records nothing)",
        || get(ratings::status),
    )
    .query::<RatingStatusQuery>()
    .reply::<RatingStatusView>(),
    op(
        Post,
        "/api/v1/ratings",
        &[RatingTerminal, TicketKiosk],
        201,
        "Record a satisfaction rating (a rating terminal only for its own counter)",
        || post(ratings::rate),
    )
    .body::<RatingRequest>()
    .reply::<RatingResponse>(),
    op(Post, "/api/v1/leases", &[TicketKiosk], 201, "Lease a block of numbers for offline issuing", || {
        post(ratings::grant_lease)
    })
    .body::<LeaseRequest>()
    .reply::<LeaseView>(),
    op(Post, "/api/v1/leases/{id}/tickets", &[TicketKiosk], 201, "Upload a ticket issued from a lease", || {
        post(ratings::upload_leased)
    })
    .body::<LeasedTicketUpload>()
    .reply::<TicketView>(),
    op(Post, "/api/v1/leases/{id}/return", &[TicketKiosk], 204, "Return a lease's unused numbers", || {
        post(ratings::return_lease)
    })
    .body::<ReturnLeaseRequest>(),
    op(Post, "/api/v1/dossiers/import", MANAGERS, 200, "Import DongBoHoSoMC / CapNhatTienDoHoSoMC messages", || {
        post(dossiers::import_handler)
    })
    .body::<openapi::PortalMessage>()
    .reply::<ImportResult>(),
    op(
        Get,
        "/api/v1/dossiers/{code}",
        &[TicketKiosk, Admin, Supervisor, Officer],
        200,
        "Dossier status as scanned (lenient code; kiosks are rate-limited and see masked names)",
        || get(dossiers::lookup_handler),
    )
    .reply::<DossierView>(),
    op(
        Post,
        "/api/v1/tickets/{id}/reminder",
        &[TicketKiosk, Admin, Supervisor, Officer],
        201,
        "Remind the ticket's holder by message when few are ahead and when called (kiosks: their own tickets; the number is kept for the day only)",
        || post(crate::reminders::request),
    )
    .body::<ReminderRequest>()
    .reply::<ReminderView>(),
    op(
        Get,
        "/api/v1/explain",
        STAFF,
        200,
        "Why today's ticket was called when it was: the tickets called first at its counters, each with the rule",
        || get(explain::handler),
    )
    .query::<explain::ExplainQuery>()
    .reply::<domain::explain::Explanation>(),
    op(
        Get,
        "/api/v1/follow/{token}",
        PUBLIC,
        200,
        "A ticket as its holder follows it (token from the ticket's follow_url; today's tickets only)",
        || get(follow::get),
    )
    .reply::<FollowView>(),
    op(
        Get,
        "/api/v1/follow/{token}/events",
        PUBLIC,
        200,
        "The followed ticket live (Server-Sent Events: `ticket` on each change, `gone` when no longer valid)",
        || get(follow::stream),
    ),
    op(
        Get,
        "/api/v1/events",
        ALL,
        200,
        "Live events (Server-Sent Events; resume with Last-Event-ID; filtered per role)",
        || get(events::stream),
    )
    .token_in_query(),
    op(Get, "/api/v1/admin/settings", MANAGERS, 200, "Office settings", || get(admin::get_settings))
        .reply::<OfficeSettings>(),
    op(Put, "/api/v1/admin/settings", ADMIN, 200, "Change office settings", || put(admin::put_settings))
        .body::<OfficeSettings>()
        .reply::<OfficeSettings>(),
    op(Put, "/api/v1/admin/services/{code}", ADMIN, 200, "Create or change a service", || put(admin::put_service))
        .body::<Service>()
        .reply::<ServiceView>(),
    op(Put, "/api/v1/admin/counters/{id}", ADMIN, 200, "Create or change a counter", || put(admin::put_counter))
        .body::<Counter>()
        .reply::<Counter>(),
    op(Get, "/api/v1/admin/staff", ADMIN, 200, "Staff accounts", || get(admin::list_staff))
        .reply::<Vec<crate::auth::StaffRow>>(),
    op(Put, "/api/v1/admin/staff/{username}", ADMIN, 204, "Create or change a staff account", || put(admin::put_staff))
        .body::<admin::StaffRequest>(),
    op(
        Post,
        "/api/v1/admin/staff/{username}/disable",
        ADMIN,
        204,
        "Disable a staff account and end its sessions",
        || post(admin::disable_staff),
    ),
    op(Get, "/api/v1/admin/devices", MANAGERS, 200, "Enrolled devices and their health", || get(admin::list_devices))
        .reply::<Vec<crate::auth::DeviceRow>>(),
    op(
        Put,
        "/api/v1/admin/devices/{id}",
        ADMIN,
        200,
        "Rename a device, or bind a rating terminal to another counter",
        || put(admin::update_device),
    )
    .body::<admin::DeviceUpdate>()
    .reply::<crate::auth::DeviceRow>(),
    op(
        Post,
        "/api/v1/admin/devices/{id}/revoke",
        ADMIN,
        204,
        "Revoke a device: its token stops working at once, open streams end",
        || post(admin::revoke_device),
    ),
    op(Post, "/api/v1/admin/enrolment-codes", ADMIN, 201, "Create a one-time device enrolment code", || {
        post(admin::create_code)
    })
    .body::<admin::CodeRequest>()
    .reply::<admin::EnrolmentCode>(),
    op(Get, "/api/v1/admin/calendar/statutory", MANAGERS, 200, "The statutory holidays of a year", || {
        get(admin::statutory_calendar)
    })
    .query::<admin::StatutoryQuery>()
    .reply::<Vec<domain::calendar::CalendarDay>>(),
    op(Put, "/api/v1/admin/procedures/{code}", ADMIN, 200, "Add, change or withdraw a catalogue procedure", || {
        put(procedures::put)
    })
    .body::<domain::procedure::ProcedureRecord>()
    .reply::<ProcedureView>(),
    op(
        Post,
        "/api/v1/admin/procedures/import",
        ADMIN,
        200,
        "Import a procedure catalogue file (CSV or JSON), all entries or none",
        || post(procedures::import),
    )
    .body::<CatalogueImport>()
    .reply::<CatalogueImportResult>(),
    op(Get, "/api/v1/admin/security", MANAGERS, 200, "Recent login lockouts", || get(admin::security))
        .reply::<admin::SecurityView>(),
    op(
        Get,
        "/api/v1/board",
        ALL,
        200,
        "What a waiting-room display shows: counters, last calls, waits, notice",
        || get(pages::board),
    )
    .reply::<pages::Board>(),
    op(
        Get,
        "/api/v1/counters/{counter}/desk",
        STAFF,
        200,
        "An officer's desk: current ticket, waiting lists, parked and missed tickets",
        || get(pages::desk),
    )
    .reply::<pages::Desk>(),
    op(
        Get,
        "/api/v1/announcements/{file}",
        ALL,
        200,
        "Voice announcement of a call or recall event as one WAV file ({seq}.wav)",
        || get(pages::announcement),
    ),
    op(
        Get,
        "/api/v1/admin/dashboard",
        MANAGERS,
        200,
        "Live dashboard: waiting, serving, average wait today, per-counter state",
        || get(pages::dashboard),
    )
    .reply::<pages::Dashboard>(),
    op(Get, "/api/v1/admin/services", MANAGERS, 200, "Services with every field, for editing", || {
        get(pages::admin_services)
    })
    .reply::<Vec<Service>>(),
    op(Get, "/api/v1/admin/counters", MANAGERS, 200, "Counters with every field, for editing", || {
        get(pages::admin_counters)
    })
    .reply::<Vec<Counter>>(),
    op(
        Get,
        "/api/v1/admin/announcement-preview",
        MANAGERS,
        200,
        "Hear an announcement (?number=A025&counter=3&lang=vi,en&reading=as_number) before saving settings",
        || get(pages::preview),
    ),
];

/// Every row of the table, mounted (rows on one path share its method router).
pub(super) fn router() -> Router<Arc<AppState>> {
    let mut by_path: Vec<(&'static str, MethodRouter<Arc<AppState>>)> = Vec::new();
    for route in ROUTES {
        match by_path.iter_mut().find(|(p, _)| *p == route.path) {
            Some((_, methods)) => *methods = std::mem::take(methods).merge((route.handler)()),
            None => by_path.push((route.path, (route.handler)())),
        }
    }
    by_path.into_iter().fold(Router::new(), |router, (path, methods)| router.route(path, methods))
}

/// The row matching a request, `None` when no route matches.
pub fn find(method: &str, path: &str) -> Option<&'static Route> {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    let segments = if segments.is_empty() { vec![""] } else { segments };
    ROUTES.iter().find(|r| {
        r.method.as_str().eq_ignore_ascii_case(method) && {
            let pattern: Vec<&str> = r.path.trim_end_matches('/').split('/').collect();
            match pattern.last() {
                Some(last) if last.starts_with("{*") => {
                    segments.len() >= pattern.len()
                        && pattern[..pattern.len() - 1].iter().zip(&segments).all(|(p, s)| p == s)
                }
                _ => {
                    pattern.len() == segments.len()
                        && pattern.iter().zip(&segments).all(|(p, s)| (p.starts_with('{') && !s.is_empty()) || p == s)
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_find_their_row() {
        assert_eq!(find("POST", "/api/v1/tickets").map(|r| r.status), Some(201));
        assert_eq!(find("GET", "/api/v1/tickets/A025").map(|r| r.path), Some("/api/v1/tickets/{id}"));
        assert_eq!(find("GET", "/web/fonts/x.woff2").map(|r| r.path), Some("/web/{*path}"));
        assert_eq!(find("GET", "/").map(|r| r.path), Some("/"));
        assert!(find("DELETE", "/api/v1/tickets").is_none());
        assert!(find("GET", "/api/v1/nothing").is_none());
        assert!(find("GET", "/api/v1/tickets//cancel").is_none());
    }

    #[test]
    fn only_the_event_stream_takes_a_token_in_the_query() {
        let rows: Vec<&str> = ROUTES.iter().filter(|r| r.query_token).map(|r| r.path).collect();
        assert_eq!(rows, ["/api/v1/events"]);
    }

    #[test]
    fn each_method_and_path_is_declared_once() {
        for (i, a) in ROUTES.iter().enumerate() {
            for b in &ROUTES[i + 1..] {
                assert!(!(a.method == b.method && a.path == b.path), "{:?} {} twice", a.method, a.path);
            }
        }
    }
}

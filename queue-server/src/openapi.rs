//! The OpenAPI 3.1 document served at `GET /api/v1/openapi.json`. The route table below is the single
//! list of operations: it lists each route's roles (`x-roles`), and the integration tests walk it to
//! prove that every protected route refuses a missing token (401) and a wrong role (403).

use axum::Json;
use serde_json::{json, Map, Value};

/// (method, path, summary, roles allowed; empty = public, request body schema, success status)
pub type RouteRow = (&'static str, &'static str, &'static str, &'static [&'static str], Option<&'static str>, u16);

pub const ROUTES: &[RouteRow] = &[
    ("get", "/healthz", "Liveness and last event sequence", &[], None, 200),
    ("get", "/metrics", "Prometheus metrics", &["admin", "supervisor"], None, 200),
    ("get", "/api/v1/openapi.json", "This document", &[], None, 200),
    ("post", "/api/v1/devices/enrol", "Enrol a device with a one-time code", &[], Some("EnrolRequest"), 201),
    (
        "post",
        "/api/v1/devices/heartbeat",
        "Report device health",
        &["ticket-kiosk", "rating-terminal", "display"],
        Some("Heartbeat"),
        204,
    ),
    ("post", "/api/v1/auth/login", "Staff login", &[], Some("LoginRequest"), 200),
    ("post", "/api/v1/auth/logout", "End a staff session", &["admin", "supervisor", "officer"], None, 204),
    ("get", "/api/v1/me", "Who am I", ALL, None, 200),
    ("get", "/api/v1/services", "Services open now with waiting counts and estimated waits", ALL, None, 200),
    (
        "post",
        "/api/v1/tickets",
        "Issue a ticket (Idempotency-Key makes retries safe)",
        &["ticket-kiosk", "admin", "supervisor", "officer"],
        Some("IssueTicketRequest"),
        201,
    ),
    ("get", "/api/v1/tickets", "Waiting lists", &["admin", "supervisor", "officer", "display"], None, 200),
    ("get", "/api/v1/tickets/{id}", "One ticket, by id or by today's printed number (A025)", ALL, None, 200),
    ("post", "/api/v1/tickets/{id}/cancel", "Cancel a ticket", STAFF, None, 200),
    ("post", "/api/v1/tickets/{id}/unpark", "Return a parked ticket to its queue", STAFF, None, 200),
    ("get", "/api/v1/counters", "Counters and what they serve", ALL, None, 200),
    ("post", "/api/v1/counters/{counter}/call-next", "Call the next ticket", STAFF, None, 200),
    (
        "post",
        "/api/v1/counters/{counter}/call",
        "Call a specific ticket (also after no-show or from park)",
        STAFF,
        Some("CallTicketRequest"),
        200,
    ),
    ("post", "/api/v1/counters/{counter}/recall", "Announce the current ticket again", STAFF, None, 200),
    ("post", "/api/v1/counters/{counter}/start", "Start serving the called ticket", STAFF, None, 200),
    ("post", "/api/v1/counters/{counter}/no-show", "Mark the called ticket missed", STAFF, None, 200),
    ("post", "/api/v1/counters/{counter}/park", "Park the current ticket", STAFF, None, 200),
    ("post", "/api/v1/counters/{counter}/invite-rating", "Wake the counter's rating terminal", STAFF, None, 200),
    (
        "post",
        "/api/v1/counters/{counter}/finish",
        "Finish with an outcome, optionally continuing to more services",
        STAFF,
        Some("FinishRequest"),
        200,
    ),
    (
        "post",
        "/api/v1/counters/{counter}/transfer",
        "Transfer to a service or counter, front or back",
        STAFF,
        Some("TransferRequest"),
        200,
    ),
    (
        "post",
        "/api/v1/counters/{counter}/link-dossier",
        "Link a dossier code to the current ticket",
        STAFF,
        Some("LinkDossierRequest"),
        200,
    ),
    (
        "post",
        "/api/v1/ratings",
        "Record a satisfaction rating",
        &["rating-terminal", "ticket-kiosk"],
        Some("RatingRequest"),
        201,
    ),
    (
        "post",
        "/api/v1/leases",
        "Lease a block of numbers for offline issuing",
        &["ticket-kiosk"],
        Some("LeaseRequest"),
        201,
    ),
    (
        "post",
        "/api/v1/leases/{id}/tickets",
        "Upload a ticket issued from a lease",
        &["ticket-kiosk"],
        Some("LeasedTicketUpload"),
        201,
    ),
    (
        "post",
        "/api/v1/leases/{id}/return",
        "Return a lease's unused numbers",
        &["ticket-kiosk"],
        Some("ReturnLeaseRequest"),
        204,
    ),
    (
        "post",
        "/api/v1/dossiers/import",
        "Import DongBoHoSoMC / CapNhatTienDoHoSoMC messages",
        &["admin", "supervisor"],
        Some("PortalMessage"),
        200,
    ),
    (
        "get",
        "/api/v1/dossiers/{code}",
        "Dossier status as scanned (lenient code)",
        &["ticket-kiosk", "admin", "supervisor", "officer"],
        None,
        200,
    ),
    ("get", "/api/v1/events", "Live events (Server-Sent Events; resume with Last-Event-ID)", ALL, None, 200),
    ("get", "/api/v1/admin/settings", "Office settings", &["admin", "supervisor"], None, 200),
    ("put", "/api/v1/admin/settings", "Change office settings", &["admin"], Some("OfficeSettings"), 200),
    ("put", "/api/v1/admin/services/{code}", "Create or change a service", &["admin"], Some("Service"), 200),
    ("put", "/api/v1/admin/counters/{id}", "Create or change a counter", &["admin"], Some("Counter"), 200),
    ("get", "/api/v1/admin/staff", "Staff accounts", &["admin"], None, 200),
    (
        "put",
        "/api/v1/admin/staff/{username}",
        "Create or change a staff account",
        &["admin"],
        Some("StaffRequest"),
        204,
    ),
    ("get", "/api/v1/admin/devices", "Enrolled devices and their health", &["admin", "supervisor"], None, 200),
    (
        "post",
        "/api/v1/admin/enrolment-codes",
        "Create a one-time device enrolment code",
        &["admin"],
        Some("EnrolmentCodeRequest"),
        201,
    ),
    ("get", "/api/v1/board", "What a waiting-room display shows: counters, last calls, waits, notice", ALL, None, 200),
    (
        "get",
        "/api/v1/counters/{counter}/desk",
        "An officer's desk: current ticket, waiting lists, parked and missed tickets",
        STAFF,
        None,
        200,
    ),
    (
        "get",
        "/api/v1/announcements/{file}",
        "Voice announcement of a call or recall event as one WAV file ({seq}.wav)",
        ALL,
        None,
        200,
    ),
    (
        "get",
        "/api/v1/admin/dashboard",
        "Live dashboard: waiting, serving, average wait today, per-counter state",
        &["admin", "supervisor"],
        None,
        200,
    ),
    ("get", "/api/v1/admin/services", "Services with every field, for editing", &["admin", "supervisor"], None, 200),
    ("get", "/api/v1/admin/counters", "Counters with every field, for editing", &["admin", "supervisor"], None, 200),
    (
        "get",
        "/api/v1/admin/announcement-preview",
        "Hear an announcement (?number=A025&counter=3&lang=vi,en&reading=as_number) before saving settings",
        &["admin", "supervisor"],
        None,
        200,
    ),
];

const ALL: &[&str] = &["admin", "supervisor", "officer", "ticket-kiosk", "rating-terminal", "display"];
const STAFF: &[&str] = &["admin", "supervisor", "officer"];

/// The roles of the route matching a request, `None` when no route matches.
pub fn roles_for(method: &str, path: &str) -> Option<&'static [&'static str]> {
    let method = method.to_ascii_lowercase();
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    ROUTES
        .iter()
        .find(|(m, pattern, ..)| {
            *m == method && {
                let pat: Vec<&str> = pattern.split('/').collect();
                pat.len() == segments.len() && pat.iter().zip(&segments).all(|(p, s)| p.starts_with('{') || p == s)
            }
        })
        .map(|r| r.3)
}

pub fn build() -> Value {
    let mut paths = Map::new();
    for (method, path, summary, roles, body, status) in ROUTES {
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let mut op = json!({
            "summary": summary,
            "x-roles": roles,
            "responses": {
                status.to_string(): { "description": "success" },
                "400": { "$ref": "#/components/responses/Error" },
                "401": { "$ref": "#/components/responses/Error" },
                "403": { "$ref": "#/components/responses/Error" },
                "404": { "$ref": "#/components/responses/Error" },
                "409": { "$ref": "#/components/responses/Error" },
                "422": { "$ref": "#/components/responses/Error" },
                "503": { "$ref": "#/components/responses/Error" },
            }
        });
        if roles.is_empty() {
            op["security"] = json!([]);
        }
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(schema) = body {
            op["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
            });
        }
        entry[*method] = op;
    }
    let schemas: Map<String, Value> = ROUTES
        .iter()
        .filter_map(|r| r.4)
        .map(|name| (name.to_owned(), schema_of(name)))
        .chain(std::iter::once(("Error".to_owned(), schema_of("Error"))))
        .collect();
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Office queue server API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Queue tickets, counters, ratings, number leases, dossier lookup and live events of one one-stop office. Errors are {code, message:{vi,en}}.",
            "license": { "name": "GPL-3.0-or-later", "identifier": "GPL-3.0-or-later" }
        },
        "servers": [{ "url": "/" }],
        "security": [{ "bearer": [] }],
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer" } },
            "responses": { "Error": { "description": "error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } },
            "schemas": schemas
        }
    })
}

fn schema_of(name: &str) -> Value {
    let obj = |required: &[&str], props: Value| json!({ "type": "object", "required": required, "properties": props });
    match name {
        "Error" => obj(
            &["code", "message"],
            json!({ "code": { "type": "string" }, "message": { "type": "object", "properties": { "vi": { "type": "string" }, "en": { "type": "string" } } } }),
        ),
        "EnrolRequest" => obj(
            &["code", "name"],
            json!({ "code": { "type": "string" }, "name": { "type": "string", "maxLength": 100 } }),
        ),
        "LoginRequest" => obj(
            &["username", "password"],
            json!({ "username": { "type": "string" }, "password": { "type": "string" } }),
        ),
        "IssueTicketRequest" => obj(
            &["service"],
            json!({ "service": { "type": "string", "maxLength": 32 }, "priority": { "enum": ["none", "elderly", "disabled", "pregnant", "merit", "child"] } }),
        ),
        "CallTicketRequest" => obj(
            &["ticket"],
            json!({ "ticket": { "type": "string", "description": "id or printed number such as A025" } }),
        ),
        "FinishRequest" => obj(
            &[],
            json!({ "outcome": { "type": "string" }, "next_services": { "type": "array", "items": { "type": "string" } } }),
        ),
        "TransferRequest" => obj(
            &[],
            json!({ "to_service": { "type": "string" }, "to_counter": { "type": "integer" }, "placement": { "enum": ["front", "back"] } }),
        ),
        "LinkDossierRequest" => obj(&["code"], json!({ "code": { "type": "string" } })),
        "RatingRequest" => obj(
            &["level"],
            json!({ "ticket": { "type": "string", "format": "uuid" }, "dossier": { "type": "string" }, "counter": { "type": "integer" }, "stage": { "enum": ["reception", "processing", "result_return"] }, "level": { "enum": ["very_satisfied", "satisfied", "not_satisfied"] }, "comment": { "type": "string", "maxLength": 1000 } }),
        ),
        "LeaseRequest" => obj(
            &["service", "size"],
            json!({ "service": { "type": "string" }, "size": { "type": "integer", "minimum": 1, "maximum": 100 } }),
        ),
        "LeasedTicketUpload" => obj(
            &["number", "issued_at"],
            json!({ "number": { "type": "integer" }, "priority": { "type": "string" }, "issued_at": { "type": "string", "format": "date-time" } }),
        ),
        "ReturnLeaseRequest" => {
            obj(&["unused"], json!({ "unused": { "type": "array", "items": { "type": "integer" } } }))
        }
        _ => json!({ "type": "object" }),
    }
}

pub async fn document() -> Json<Value> {
    Json(build())
}

//! The OpenAPI 3.1 document served at `GET /api/v1/openapi.json`, made from the route table
//! (`http::routes::ROUTES`) that also mounts the router and drives the role check. Each operation lists
//! its roles (`x-roles`); the integration tests walk it to prove that every protected route refuses a
//! missing token (401) and a wrong role (403).

use axum::Json;
use serde_json::{json, Map, Value};

use crate::http::routes::ROUTES;

/// Patterns shared by several schemas (anchored: a schema-valid value is one the server takes).
const SERVICE_CODE: &str = "^[a-z0-9-]{1,32}$";
/// What `DossierCode::parse_lenient` surely accepts: agency `000.00.01.H29`, date `yymmdd`, sequence.
const DOSSIER_CODE: &str =
    "^[0-9]{3}\\.[0-9]{2}\\.[0-9]{2}\\.[A-Z][0-9]{2}-[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|[12][0-9]|3[01])-[0-9]{4,7}$";
const USERNAME: &str = "^[a-z0-9._-]{2,64}$";
/// A name of 1–100 characters, not blank, without control characters.
const NAME: &str =
    "^[^\\u0000-\\u001f\\u007f-\\u009f]*[^\\s\\u0000-\\u001f\\u007f-\\u009f][^\\u0000-\\u001f\\u007f-\\u009f]*$";
const IDEMPOTENCY_KEY: &str = "^[!-~]{1,128}$";
const LANGS: &str = "^(vi|en)(,(vi|en))?$";

fn counter_id() -> Value {
    json!({ "type": "integer", "minimum": 1, "maximum": 65535 })
}

fn path_param_schema(path: &str, name: &str) -> Value {
    match name {
        "counter" => counter_id(),
        "id" if path.starts_with("/api/v1/admin/counters/") => counter_id(),
        "id" if path.starts_with("/api/v1/leases/") || path.starts_with("/api/v1/admin/devices/") => {
            json!({ "type": "string", "format": "uuid" })
        }
        "id" => {
            json!({ "type": "string", "pattern": "^[A-Za-z0-9-]{1,40}$", "description": "ticket id or today's printed number (A025)" })
        }
        "code" if path.starts_with("/api/v1/dossiers/") => json!({ "type": "string", "pattern": DOSSIER_CODE }),
        "code" => json!({ "type": "string", "pattern": SERVICE_CODE }),
        "username" => json!({ "type": "string", "pattern": USERNAME }),
        "file" => {
            json!({ "type": "string", "pattern": "^[0-9]{1,18}\\.wav$", "description": "{seq}.wav of a call or recall event" })
        }
        _ => json!({ "type": "string" }),
    }
}

/// Query parameters and headers of an operation, as (in, name, required, schema).
fn extra_params(method: &str, path: &str) -> Vec<(&'static str, &'static str, bool, Value)> {
    let reading = json!({ "enum": ["digit_by_digit", "as_number"] });
    match (method, path) {
        ("get", "/api/v1/tickets") => vec![
            ("query", "service", false, json!({ "type": "string", "pattern": SERVICE_CODE })),
            ("query", "counter", false, counter_id()),
        ],
        ("get", "/api/v1/board") => {
            vec![("query", "recent", false, json!({ "type": "integer", "minimum": 1, "maximum": 50 }))]
        }
        ("get", "/api/v1/announcements/{file}") => {
            vec![("query", "lang", false, json!({ "type": "string", "pattern": LANGS }))]
        }
        ("get", "/api/v1/admin/announcement-preview") => vec![
            ("query", "number", true, json!({ "type": "string", "pattern": "^[A-Z]{1,3}[0-9]{1,6}$" })),
            ("query", "counter", true, counter_id()),
            ("query", "lang", false, json!({ "type": "string", "pattern": LANGS })),
            ("query", "reading", false, reading),
        ],
        ("post", "/api/v1/tickets") => {
            vec![("header", "Idempotency-Key", false, json!({ "type": "string", "pattern": IDEMPOTENCY_KEY }))]
        }
        ("post", "/api/v1/leases/{id}/tickets") => {
            vec![("header", "Idempotency-Key", true, json!({ "type": "string", "pattern": IDEMPOTENCY_KEY }))]
        }
        _ => Vec::new(),
    }
}

/// The success body of an operation that does not answer JSON (or answers nothing).
fn success_content(method: &str, path: &str, status: u16, response: Option<&str>) -> Option<Value> {
    if status == 204 {
        return None;
    }
    let body = |media: &str, schema: Value| Some(json!({ media: { "schema": schema } }));
    match (method, path, response) {
        (_, _, Some(name)) => body("application/json", json!({ "$ref": format!("#/components/schemas/{name}") })),
        ("get", "/metrics", _) => body("text/plain", json!({ "type": "string" })),
        ("get", "/api/v1/events", _) => body("text/event-stream", json!({ "type": "string" })),
        ("get", "/api/v1/announcements/{file}" | "/api/v1/admin/announcement-preview", _) => {
            body("audio/wav", json!({ "type": "string", "format": "binary" }))
        }
        _ => body("application/json", json!({ "type": "object" })),
    }
}

/// Request bodies a client may leave out.
fn body_optional(schema: &str) -> bool {
    schema == "PlacementBody"
}

pub fn build() -> Value {
    let mut paths = Map::new();
    for route in ROUTES.iter().filter(|r| !r.page) {
        let (method, path, summary, status) = (route.method.as_str(), route.path, route.summary, route.status);
        let roles: Vec<&str> = route.roles.iter().map(|r| r.as_str()).collect();
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        let mut params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .map(
                |name| json!({ "name": name, "in": "path", "required": true, "schema": path_param_schema(path, name) }),
            )
            .collect();
        let extra = extra_params(method, path);
        let has_query = extra.iter().any(|(location, ..)| *location == "query");
        params.extend(
            extra
                .into_iter()
                .map(|(location, name, required, schema)| json!({ "name": name, "in": location, "required": required, "schema": schema })),
        );
        // The error statuses this operation can really answer (see `AppError::status`).
        let mut errors: Vec<u16> = Vec::new();
        let takes_input = route.request.is_some() || !params.is_empty() || has_query;
        if takes_input {
            errors.push(400); // malformed JSON, or a refusal such as "cannot disable yourself"
        }
        if !roles.is_empty() || path == "/api/v1/auth/login" {
            errors.push(401);
        }
        if !roles.is_empty() {
            errors.push(403);
        }
        errors.push(404);
        if method != "get" {
            errors.push(409); // the queue's state does not allow it now
        }
        if route.request.is_some() {
            errors.extend([413, 415]);
        }
        if takes_input {
            errors.push(422);
        }
        if matches!(path, "/api/v1/auth/login" | "/api/v1/dossiers/{code}") {
            errors.push(429);
        }
        errors.push(503);
        let mut responses = Map::new();
        let mut success = json!({ "description": "success" });
        if let Some(content) = success_content(method, path, status, route.response) {
            success["content"] = content;
        }
        if method == "post" && path == "/api/v1/tickets" {
            // A retry with the same Idempotency-Key answers the ticket issued the first time.
            let mut again = success.clone();
            again["description"] = json!("already issued under this Idempotency-Key");
            responses.insert("200".into(), again);
        }
        responses.insert(status.to_string(), success);
        for code in errors {
            responses.insert(code.to_string(), json!({ "$ref": "#/components/responses/Error" }));
        }
        let mut op = json!({ "summary": summary, "x-roles": roles, "responses": responses });
        if roles.is_empty() {
            op["security"] = json!([]);
        }
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        if let Some(schema) = route.request {
            op["requestBody"] = json!({
                "required": !body_optional(schema),
                "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
            });
        }
        entry[method] = op;
    }
    let schemas: Map<String, Value> = ROUTES
        .iter()
        .flat_map(|r| r.request.into_iter().chain(r.response))
        .chain(["Error", "Localized", "TicketView"])
        .map(|name| (name.to_owned(), schema_of(name)))
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

/// `HH:MM` opening intervals that close after they open: one alternative per opening hour.
fn opening_interval() -> Value {
    let variants: Vec<Value> = (0..23)
        .map(|h: u32| {
            let later: Vec<String> = (h + 1..24).map(|c| format!("{c:02}")).collect();
            json!({
                "properties": {
                    "open": { "type": "string", "pattern": format!("^{h:02}:[0-5][0-9]$") },
                    "close": { "type": "string", "pattern": format!("^({}):[0-5][0-9]$", later.join("|")) }
                }
            })
        })
        .collect();
    json!({
        "type": "object",
        "description": "open and close are HH:MM, office-local; an interval closes after it opens",
        "required": ["weekdays", "open", "close"],
        "properties": {
            "weekdays": { "type": "array", "minItems": 1, "items": { "type": "integer", "minimum": 1, "maximum": 7 }, "description": "1 = Monday … 7 = Sunday" },
            "open": { "type": "string" },
            "close": { "type": "string" }
        },
        "anyOf": variants
    })
}

fn schema_of(name: &str) -> Value {
    let obj = |required: &[&str], props: Value| json!({ "type": "object", "required": required, "properties": props });
    // `#[serde(deny_unknown_fields)]`: an unknown field is refused (422).
    let strict = |required: &[&str], props: Value| json!({ "type": "object", "required": required, "properties": props, "additionalProperties": false });
    let u32_ = || json!({ "type": "integer", "minimum": 0, "maximum": 4294967295u64 });
    let localized = || json!({ "$ref": "#/components/schemas/Localized" });
    let named = || {
        json!({ "type": "object", "required": ["vi", "en"], "properties": {
            "vi": { "type": "string", "pattern": "\\S", "maxLength": 200 }, "en": { "type": "string", "pattern": "\\S" } } })
    };
    let service_code = || json!({ "type": "string", "pattern": SERVICE_CODE });
    let dossier_code = || json!({ "type": "string", "pattern": DOSSIER_CODE });
    let device_name = || json!({ "type": "string", "pattern": NAME, "minLength": 1, "maxLength": 100 });
    let priority = || json!({ "enum": ["none", "elderly", "disabled", "pregnant", "merit", "child"] });
    let placement = || json!({ "enum": ["front", "back"] });
    let roles = || json!({ "enum": ["admin", "supervisor", "officer", "ticket-kiosk", "rating-terminal", "display"] });
    let date_time = || {
        json!({ "type": "string", "description": "RFC 3339",
            "pattern": "^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9])$" })
    };
    match name {
        "Error" => obj(&["code", "message"], json!({ "code": { "type": "string" }, "message": localized() })),
        "Localized" => obj(&["vi", "en"], json!({ "vi": { "type": "string" }, "en": { "type": "string" } })),
        "EnrolRequest" => strict(
            &["code", "name"],
            json!({ "code": { "type": "string", "maxLength": 64, "description": "the one-time code, as printed" }, "name": device_name() }),
        ),
        "Heartbeat" => strict(
            &["health"],
            json!({ "health": { "type": "object", "maxProperties": 10, "description": "free-form device health, at most 8 KiB as JSON",
                "propertyNames": { "maxLength": 32 },
                "additionalProperties": { "type": ["string", "number", "boolean", "null"], "maxLength": 64 } } }),
        ),
        "LoginRequest" => strict(
            &["username", "password"],
            json!({ "username": { "type": "string", "maxLength": 64 }, "password": { "type": "string", "maxLength": 256 } }),
        ),
        "IssueTicketRequest" => strict(&["service"], json!({ "service": service_code(), "priority": priority() })),
        "CallTicketRequest" => strict(
            &["ticket"],
            json!({ "ticket": { "type": "string", "maxLength": 64, "description": "id or printed number such as A025" } }),
        ),
        "PlacementBody" => strict(&[], json!({ "placement": placement() })),
        "FinishRequest" => strict(
            &[],
            json!({
                "outcome": { "enum": domain::queue::OUTCOMES.iter().map(|o| o.0).collect::<Vec<_>>() },
                "next_services": { "type": "array", "maxItems": 10, "items": service_code() }
            }),
        ),
        "TransferRequest" => json!({
            "type": "object",
            "additionalProperties": false,
            "description": "to a service, a counter, or both",
            "properties": { "to_service": service_code(), "to_counter": counter_id(), "placement": placement() },
            "anyOf": [{ "required": ["to_service"] }, { "required": ["to_counter"] }]
        }),
        "LinkDossierRequest" => strict(&["code"], json!({ "code": dossier_code() })),
        "RatingRequest" => json!({
            "type": "object",
            "additionalProperties": false,
            "required": ["level"],
            "description": "rates either a served ticket or a dossier",
            "properties": {
                "ticket": { "type": "string", "format": "uuid" },
                "dossier": dossier_code(),
                "counter": counter_id(),
                "stage": { "enum": ["reception", "processing", "result_return"] },
                "level": { "enum": ["very_satisfied", "satisfied", "not_satisfied"] },
                "answers": { "type": "array", "items": { "type": "array", "prefixItems": [
                    { "enum": ["total_processing_time", "time_per_agency", "contacts_to_complete", "agencies_contacted", "one_stop_handling", "public_disclosure", "staff_attitude", "feedback_handling", "online_services"] },
                    { "type": "integer", "minimum": 0, "maximum": 2 } ], "minItems": 2, "maxItems": 2 } },
                "comment": { "type": "string", "maxLength": 1000 }
            },
            "oneOf": [
                { "required": ["ticket"], "not": { "required": ["dossier"] } },
                { "required": ["dossier"], "not": { "required": ["ticket"] } }
            ]
        }),
        "LeaseRequest" => strict(
            &["service", "size"],
            json!({ "service": service_code(), "size": { "type": "integer", "minimum": 1, "maximum": domain::queue::MAX_LEASE } }),
        ),
        "LeasedTicketUpload" => strict(
            &["number", "issued_at"],
            json!({ "number": u32_(), "priority": priority(), "issued_at": date_time() }),
        ),
        "ReturnLeaseRequest" => strict(&["unused"], json!({ "unused": { "type": "array", "items": u32_() } })),
        "PortalMessage" => obj(
            &["service", "data"],
            json!({ "service": { "enum": ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"] },
                "data": { "type": "array", "maxItems": 5000, "items": { "type": "object" }, "description": "the portal's records; a record it cannot use is listed in `rejected`" } }),
        ),
        "OfficeSettings" => {
            let numbering: Vec<Value> = (1..=6u32)
                .map(|w| {
                    json!({ "properties": { "width": { "const": w }, "first": { "type": "integer", "minimum": 0, "maximum": 10u32.pow(w) - 1 } } })
                })
                .collect();
            obj(
                &[
                    "name",
                    "agency_code",
                    "utc_offset_s",
                    "opening_hours",
                    "numbering",
                    "priority_rule",
                    "no_show_grace_s",
                    "rating_window_s",
                    "keep_queue_overnight",
                    "announcement_langs",
                    "number_reading",
                    "notice",
                ],
                json!({
                    "name": obj(&["vi", "en"], json!({ "vi": { "type": "string", "pattern": "\\S" }, "en": { "type": "string" } })),
                    "agency_code": { "type": "string" },
                    "utc_offset_s": { "type": "integer", "minimum": -43200, "maximum": 50400 },
                    "opening_hours": { "type": "array", "items": opening_interval(), "description": "empty: open around the clock" },
                    "numbering": {
                        "type": "object",
                        "required": ["width", "separator", "first"],
                        "properties": { "width": { "type": "integer", "minimum": 1, "maximum": 6 }, "separator": { "type": "boolean" }, "first": u32_() },
                        "anyOf": numbering,
                        "description": "first must fit in width digits"
                    },
                    "priority_rule": { "oneOf": [
                        obj(&["mode", "ageing_cap_s"], json!({ "mode": { "const": "strict" }, "ageing_cap_s": u32_() })),
                        obj(&["mode", "regular_per_priority", "ageing_cap_s"], json!({ "mode": { "const": "ratio" }, "regular_per_priority": { "type": "integer", "minimum": 1, "maximum": 4294967295u64 }, "ageing_cap_s": u32_() }))
                    ] },
                    "no_show_grace_s": u32_(),
                    "rating_window_s": u32_(),
                    "keep_queue_overnight": { "type": "boolean" },
                    "announcement_langs": { "type": "array", "items": { "enum": ["vi", "en"] } },
                    "number_reading": { "enum": ["digit_by_digit", "as_number"] },
                    "notice": localized()
                }),
            )
        }
        "Service" => obj(
            &["code", "letter", "name", "field", "stage", "service_level_target_s", "default_service_time_s", "open"],
            json!({
                "code": { "type": "string", "pattern": SERVICE_CODE, "description": "the same code as in the path" },
                "letter": { "type": "string", "pattern": "^[A-Z]$" },
                "name": named(),
                "field": obj(&["vi", "en"], json!({ "vi": { "type": "string", "maxLength": 200 }, "en": { "type": "string" } })),
                "procedures": { "type": "array", "items": obj(&["code", "name"], json!({ "code": { "type": "string" }, "name": localized() })) },
                "stage": { "enum": ["reception", "processing", "result_return"] },
                "service_level_target_s": u32_(),
                "default_service_time_s": u32_(),
                "open": { "type": "boolean" }
            }),
        ),
        "Counter" => obj(
            &["id", "name", "services", "open"],
            json!({
                "id": { "type": "integer", "minimum": 1, "maximum": 65535, "description": "the same number as in the path" },
                "name": localized(),
                "services": { "type": "array", "items": service_code(), "description": "existing services, in order of preference" },
                "open": { "type": "boolean" }
            }),
        ),
        "StaffRequest" => strict(
            &["display_name", "role"],
            json!({
                "display_name": { "type": "string", "pattern": "\\S", "maxLength": 100 },
                "role": { "enum": ["admin", "supervisor", "officer"] },
                "counters": { "type": "array", "items": counter_id() },
                "password": { "type": "string", "minLength": 8, "maxLength": 64 }
            }),
        ),
        "DeviceUpdate" => strict(
            &[],
            json!({ "name": device_name(), "counter": { "type": ["integer", "null"], "minimum": 1, "maximum": 65535, "description": "a rating terminal's counter" } }),
        ),
        "EnrolmentCodeRequest" => strict(
            &["role", "name"],
            json!({
                "role": { "enum": ["ticket-kiosk", "rating-terminal", "display"] },
                "name": device_name(),
                "counter": counter_id(),
                "valid_hours": { "type": "integer", "minimum": 1, "maximum": 720 }
            }),
        ),
        "TicketView" => obj(
            &[
                "id",
                "number",
                "service",
                "service_name",
                "field",
                "priority",
                "status",
                "counter",
                "counters",
                "ahead",
                "estimated_wait_s",
                "issued_at",
                "day",
                "dossiers",
                "recalls",
            ],
            json!({
                "id": { "type": "string", "format": "uuid" },
                "number": { "type": "string" },
                "service": { "type": "string" },
                "service_name": localized(),
                "field": localized(),
                "priority": priority(),
                "status": { "type": "string" },
                "counter": { "type": ["integer", "null"] },
                "counters": { "type": "array", "items": { "type": "integer" } },
                "ahead": { "type": "integer", "minimum": 0 },
                "estimated_wait_s": { "type": "integer", "minimum": 0 },
                "issued_at": { "type": "string" },
                "day": { "type": "string" },
                "dossiers": { "type": "array", "items": { "type": "string" } },
                "recalls": { "type": "integer", "minimum": 0 }
            }),
        ),
        "EnrolResponse" => obj(
            &["device_id", "token", "role", "counter"],
            json!({ "device_id": { "type": "string", "format": "uuid" }, "token": { "type": "string" }, "role": roles(), "counter": { "type": ["integer", "null"] } }),
        ),
        "Me" => obj(
            &["role", "counters"],
            json!({ "role": roles(), "username": { "type": ["string", "null"] }, "device_id": { "type": ["string", "null"] }, "counters": { "type": "array", "items": { "type": "integer" } } }),
        ),
        "Health" => obj(
            &["status", "office", "last_seq", "version"],
            json!({ "status": { "const": "ok" }, "office": { "type": "string" }, "last_seq": { "type": "integer" }, "version": { "type": "string" } }),
        ),
        "ServiceList" | "CounterList" | "StaffList" | "DeviceList" => {
            json!({ "type": "array", "items": { "type": "object" } })
        }
        "TicketList" => json!({ "type": "array", "items": { "$ref": "#/components/schemas/TicketView" } }),
        "EnrolmentCode" => obj(
            &["code", "role", "valid_hours"],
            json!({ "code": { "type": "string" }, "role": roles(), "valid_hours": { "type": "integer" } }),
        ),
        _ => json!({ "type": "object" }),
    }
}

pub async fn document() -> Json<Value> {
    Json(build())
}

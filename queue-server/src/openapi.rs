//! The OpenAPI 3.1 document served at `GET /api/v1/openapi.json`, made from the route table
//! (`http::routes::ROUTES`) that also mounts the router and drives the role check. Each operation lists
//! its roles (`x-roles`); the integration tests walk it to prove that every protected route refuses a
//! missing token (401) and a wrong role (403).
//!
//! Request, query and response schemas are derived from the Rust types the table names (schemars, JSON
//! Schema 2020-12, into `components/schemas`). Written here by hand: path parameters and headers (no
//! struct holds them), the query strings of handlers whose struct lives outside `http`, the non-JSON
//! bodies (WAV, SSE, text), the error statuses per operation, and the schemas of the few types whose
//! modules do not derive `JsonSchema` yet (below, named after them).

use std::borrow::Cow;

use axum::Json;
use domain::api::schema::{DOSSIER_CODE, SERVICE_CODE, USERNAME};
use domain::api::ApiError;
use schemars::generate::SchemaSettings;
use schemars::transform::{RecursiveTransform, Transform};
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use crate::http::routes::{schema_of, ROUTES};

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

/// Query parameters and headers an operation takes without a struct in `http` to derive them from, as
/// (in, name, required, schema).
fn extra_params(method: &str, path: &str) -> Vec<(&'static str, &'static str, bool, Value)> {
    let reading = json!({ "enum": ["digit_by_digit", "as_number"] });
    match (method, path) {
        // pages::BoardQuery, AnnounceQuery and PreviewQuery: pages.rs does not derive schemas (yet).
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

/// The query parameters of a query struct's schema: one per property, without `null` (a query string
/// cannot say it; a parameter left out is `None`).
fn query_params(schema: Value) -> Vec<(&'static str, String, bool, Value)> {
    let required: Vec<&str> = schema["required"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
    let mut out = Vec::new();
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        let mut property = property.clone();
        if let Some(types) = property.get_mut("type").and_then(Value::as_array_mut) {
            types.retain(|t| t != "null");
            if types.len() == 1 {
                property["type"] = types[0].clone();
            }
        }
        out.push(("query", name.clone(), required.contains(&name.as_str()), property));
    }
    out
}

/// The success body of an operation, JSON from its reply type or one of the others.
fn success_content(method: &str, path: &str, status: u16, response: Option<Value>) -> Option<Value> {
    if status == 204 {
        return None;
    }
    let body = |media: &str, schema: Value| Some(json!({ media: { "schema": schema } }));
    match (method, path, response) {
        (_, _, Some(schema)) => body("application/json", schema),
        ("get", "/metrics", _) => body("text/plain", json!({ "type": "string" })),
        ("get", "/api/v1/events" | "/api/v1/follow/{token}/events", _) => {
            body("text/event-stream", json!({ "type": "string" }))
        }
        ("get", "/api/v1/announcements/{file}" | "/api/v1/admin/announcement-preview", _) => {
            body("audio/wav", json!({ "type": "string", "format": "binary" }))
        }
        _ => body("application/json", json!({ "type": "object" })),
    }
}

/// Where the document's schemas go: JSON Schema 2020-12 (OpenAPI 3.1) under `components/schemas`.
pub fn generator() -> SchemaGenerator {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
            s.transforms.push(Box::new(RecursiveTransform(unsigned_bounds)));
        })
        .into_generator()
}

/// schemars marks an unsigned integer with a format (`uint32`…) that neither OpenAPI nor JSON Schema
/// knows, and gives it no maximum: the bound serde enforces is written instead.
fn unsigned_bounds(schema: &mut Schema) {
    let max = match schema.get("format").and_then(Value::as_str) {
        Some("uint8") => u64::from(u8::MAX),
        Some("uint16") => u64::from(u16::MAX),
        Some("uint32") => u64::from(u32::MAX),
        Some("uint64" | "uint") => u64::MAX,
        _ => return,
    };
    schema.remove("format");
    if schema.get("maximum").is_none() {
        schema.insert("maximum".into(), max.into());
    }
}

/// A schema as the document holds it, with the generator's transforms applied (they run on the
/// components by themselves, not on what an operation holds inline).
fn inline(mut schema: Schema) -> Value {
    RecursiveTransform(unsigned_bounds).transform(&mut schema);
    Value::from(schema)
}

pub fn build() -> Value {
    let mut generator = generator();
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
        let mut extra: Vec<(&str, String, bool, Value)> = extra_params(method, path)
            .into_iter()
            .map(|(at, name, req, schema)| (at, name.to_owned(), req, schema))
            .collect();
        if let Some(query) = route.query {
            extra.extend(query_params(inline(query(&mut generator))));
        }
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
        if method != "get" || path == "/api/v1/counters/{counter}/appointment" {
            // the queue's state does not allow it now (the preview: no procedure, no time limit to count)
            errors.push(409);
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
        if path.starts_with("/api/v1/follow/") {
            errors.push(410); // a ticket of another day
        }
        errors.push(503);
        let mut responses = Map::new();
        let mut success = json!({ "description": "success" });
        let response = route.response.map(|reply| inline(reply(&mut generator)));
        if let Some(content) = success_content(method, path, status, response) {
            success["content"] = content;
        }
        if method == "post" && matches!(path, "/api/v1/tickets" | "/api/v1/leases/{id}/tickets") {
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
        if let Some(request) = route.request {
            let body = inline(request(&mut generator));
            op["requestBody"] = json!({
                "required": !route.request_optional,
                "content": { "application/json": { "schema": body } }
            });
        }
        entry[method] = op;
    }
    let error = inline(schema_of::<ApiError>(&mut generator));
    let schemas = generator.take_definitions(true);
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
            "responses": { "Error": { "description": "error", "content": { "application/json": { "schema": error } } } },
            "schemas": schemas
        }
    })
}

/// A schema written here, named after its type, for a body whose type has none to derive from.
macro_rules! by_hand {
    ($ty:ty, $name:literal, $schema:expr) => {
        impl JsonSchema for $ty {
            fn schema_name() -> Cow<'static, str> {
                $name.into()
            }
            fn json_schema(_: &mut SchemaGenerator) -> Schema {
                $schema
            }
        }
    };
}

/// The body of `POST /api/v1/dossiers/import`: the portal's message, read as JSON (`dossiers::import`
/// takes a `serde_json::Value` and reports each record it cannot use), so there is no type to derive.
pub enum PortalMessage {}

by_hand!(
    PortalMessage,
    "PortalMessage",
    json_schema!({ "type": "object", "required": ["service", "data"], "properties": {
        "service": { "enum": ["DongBoHoSoMC", "CapNhatTienDoHoSoMC"] },
        "data": { "type": "array", "maxItems": 5000, "items": { "type": "object" },
            "description": "the portal's records; a record it cannot use is listed in `rejected`" } } })
);

pub async fn document() -> Json<Value> {
    Json(build())
}

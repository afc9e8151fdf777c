//! The OpenAPI 3.1 document served at `GET /api/v1/openapi.json`, made from the route table
//! (`http::routes::ROUTES`) that also mounts the router and drives the role check. Each operation lists
//! its roles (`x-roles`); the integration tests walk it to prove that every protected route refuses a
//! missing token (401) and a wrong role (403).

use axum::Json;
use serde_json::{json, Map, Value};

use crate::http::routes::ROUTES;

pub fn build() -> Value {
    let mut paths = Map::new();
    for route in ROUTES.iter().filter(|r| !r.page) {
        let (method, path, summary, status) = (route.method.as_str(), route.path, route.summary, route.status);
        let roles: Vec<&str> = route.roles.iter().map(|r| r.as_str()).collect();
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
        if let Some(schema) = route.request {
            op["requestBody"] = json!({
                "required": true,
                "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } }
            });
        }
        entry[method] = op;
    }
    let schemas: Map<String, Value> = ROUTES
        .iter()
        .filter_map(|r| r.request)
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

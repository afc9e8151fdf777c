//! The OpenAPI document's request schemas are those of the types the handlers really read: the route
//! table names a type per route (`.body::<T>()`) and the handler extracts its own, so here every
//! documented request body is sent to its real handler with a field no type has, and the fields the
//! server says it expected must be the documented schema's properties (or, for a type that takes
//! unknown fields, the field it says is missing must be a documented required one).

mod common;

use std::collections::BTreeSet;

use common::*;
use serde_json::{json, Value};

fn fill(path: &str) -> String {
    path.replace("{id}", "1").replace("{counter}", "1").replace("{code}", "ho-tich").replace("{username}", "someone")
}

/// Lease and device paths take a UUID.
fn fill_for(path: &str) -> String {
    if path.starts_with("/api/v1/leases/") || path.starts_with("/api/v1/admin/devices/") {
        path.replace("{id}", "00000000-0000-0000-0000-000000000001")
    } else {
        fill(path)
    }
}

/// The names between backticks after `marker` in a serde message: "expected one of `a`, `b`".
fn quoted_after(text: &str, marker: &str) -> BTreeSet<String> {
    let Some(start) = text.find(marker) else { return BTreeSet::new() };
    let rest = &text[start + marker.len()..];
    let rest = rest.split(" at line ").next().unwrap_or(rest);
    rest.split('`').skip(1).step_by(2).map(str::to_owned).collect()
}

#[tokio::test]
async fn documented_request_bodies_are_the_types_the_handlers_read() {
    let dir = temp_dir("openapi-types");
    let s = Server::demo(&dir);
    let doc: Value = client().get(s.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let tokens = [
        ("admin", login(&s, "admin").await),
        ("ticket-kiosk", device(&s, "ticket-kiosk", None).await),
        ("rating-terminal", device(&s, "rating-terminal", Some(1)).await),
    ];
    let mut strict = 0;
    let mut lenient = 0;
    for (path, ops) in doc["paths"].as_object().unwrap() {
        for (method, op) in ops.as_object().unwrap() {
            let Some(schema) = op["requestBody"]["content"]["application/json"]["schema"].as_object() else {
                continue;
            };
            let name = schema["$ref"].as_str().unwrap().trim_start_matches("#/components/schemas/");
            let component = &schemas[name];
            if name == "PortalMessage" {
                continue; // read as a JSON value: no Rust type, written by hand in openapi.rs
            }
            let roles: Vec<&str> = op["x-roles"].as_array().unwrap().iter().filter_map(Value::as_str).collect();
            let token = tokens.iter().find(|(role, _)| roles.is_empty() || roles.contains(role));
            let m = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let documented: BTreeSet<String> = component["properties"].as_object().unwrap().keys().cloned().collect();
            let is_strict = component["additionalProperties"] == json!(false);
            let body = if is_strict { json!({ "zz_not_a_field": 0 }) } else { json!({}) };
            let mut request = client().request(m, s.url(&fill_for(path))).json(&body);
            if let Some((_, token)) = token {
                request = request.bearer_auth(token);
            }
            if path.ends_with("/tickets") && method == "post" {
                request = request.header("Idempotency-Key", "openapi-types");
            }
            let r = request.send().await.unwrap();
            let status = r.status().as_u16();
            let answer: Value = r.json().await.unwrap();
            assert_eq!((status, answer["code"].as_str()), (422, Some("invalid_fields")), "{method} {path}: {answer}");
            let message = answer["message"]["en"].as_str().unwrap();
            if is_strict {
                assert!(message.contains("unknown field `zz_not_a_field`"), "{method} {path}: {message}");
                let expected = if message.contains("there are no fields") {
                    BTreeSet::new()
                } else {
                    quoted_after(message, "expected")
                };
                assert_eq!(
                    expected, documented,
                    "{method} {path}: {name} documents other fields than the handler reads"
                );
                strict += 1;
            } else {
                let missing = quoted_after(message, "missing field");
                let required: BTreeSet<String> = component["required"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect();
                assert!(
                    missing.len() == 1 && missing.is_subset(&required),
                    "{method} {path}: the handler misses {missing:?}, {name} requires {required:?}"
                );
                lenient += 1;
            }
        }
    }
    assert!(strict >= 15 && lenient >= 3, "only {strict} strict and {lenient} lenient bodies checked");
}

/// Every `$ref` in the document resolves to one of its components, and no unsigned integer is left
/// with schemars' own format and no maximum (serde refuses what is past it).
#[tokio::test]
async fn every_reference_resolves_and_integers_are_bounded() {
    let dir = temp_dir("openapi-refs");
    let s = Server::demo(&dir);
    let doc: Value = client().get(s.url("/api/v1/openapi.json")).send().await.unwrap().json().await.unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap().clone();
    fn walk(v: &Value, schemas: &serde_json::Map<String, Value>, refs: &mut usize) {
        match v {
            Value::Object(map) => {
                if let Some(r) = map.get("$ref").and_then(Value::as_str) {
                    if let Some(name) = r.strip_prefix("#/components/schemas/") {
                        assert!(schemas.contains_key(name), "dangling {r}");
                        *refs += 1;
                    }
                }
                if let Some(f) = map.get("format").and_then(Value::as_str) {
                    assert!(!f.starts_with("uint"), "non-standard format {f} in {v}");
                }
                if map.get("type") == Some(&json!("integer")) && map.get("minimum") == Some(&json!(0)) {
                    assert!(map.contains_key("maximum"), "an unsigned integer without its maximum: {v}");
                }
                map.values().for_each(|v| walk(v, schemas, refs));
            }
            Value::Array(items) => items.iter().for_each(|v| walk(v, schemas, refs)),
            _ => {}
        }
    }
    let mut refs = 0;
    walk(&doc, &schemas, &mut refs);
    assert!(refs > 50, "only {refs} references");
}

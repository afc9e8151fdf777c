//! The procedure catalogue over HTTP: search for kiosks, counter pages and staff; editing and file
//! import for the admin. Parsing, views and search live in `crate::catalogue`, the rules in the engine.

use std::sync::Arc;

use axum::extract::State;
use axum::Json;
use domain::api::{CatalogueImport, CatalogueImportResult, ProcedureList, ProcedureView};
use domain::procedure::ProcedureRecord;
use domain::queue::Command;
use schemars::JsonSchema;
use serde::Deserialize;

use super::{parse_service, AppState, Body, Path, Query};
use crate::auth::Caller;
use crate::catalogue::{self, Search};
use crate::error::AppError;

/// Most procedures one answer lists.
pub const MAX_LIMIT: usize = 200;

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(super) struct ProcedureQuery {
    /// Words of the code, name or field, with or without diacritics.
    #[schemars(length(max = 100))]
    q: Option<String>,
    /// A field (lĩnh vực) by its Vietnamese name, as `fields` lists it.
    #[schemars(length(max = 150))]
    field: Option<String>,
    /// Only the procedures of one service.
    #[schemars(regex(pattern = domain::api::schema::SERVICE_CODE))]
    service: Option<String>,
    /// At most this many (default 50, at most 200).
    #[schemars(range(min = 1, max = 200))]
    limit: Option<usize>,
    /// Withdrawn procedures too (staff only).
    include_withdrawn: Option<bool>,
}

fn too_long(what: &str, max: usize) -> AppError {
    AppError::bad(
        "invalid",
        format!("{what} longer than {max}"),
        format!("Nội dung tìm kiếm dài quá {max} ký tự."),
        format!("The search is longer than {max} characters."),
    )
}

pub(super) async fn list(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Query(q): Query<ProcedureQuery>,
) -> Result<Json<ProcedureList>, AppError> {
    let query = domain::i18n::nfc(q.q.as_deref().unwrap_or(""));
    if query.chars().count() > 100 {
        return Err(too_long("q", 100));
    }
    if q.field.as_deref().is_some_and(|f| f.chars().count() > 150) {
        return Err(too_long("field", 150));
    }
    let service = q.service.as_deref().map(parse_service).transpose()?;
    let limit = q.limit.unwrap_or(50);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(AppError::bad(
            "invalid",
            "limit",
            format!("Mỗi lần chỉ liệt kê được từ 1 đến {MAX_LIMIT} thủ tục."),
            format!("A list holds 1 to {MAX_LIMIT} procedures."),
        ));
    }
    let search = Search {
        query: &query,
        field: q.field.as_deref(),
        service: service.as_ref(),
        include_withdrawn: q.include_withdrawn.unwrap_or(false) && caller.role.is_staff(),
        limit,
    };
    Ok(Json(app.office.read(|s| catalogue::search(s, &search))))
}

pub(super) async fn put(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Path(code): Path<String>,
    Body(record): Body<ProcedureRecord>,
) -> Result<Json<ProcedureView>, AppError> {
    if record.code.trim() != code {
        return Err(AppError::bad(
            "invalid",
            "the code in the path and the body differ",
            "Mã thủ tục trong đường dẫn và trong dữ liệu gửi lên khác nhau.",
            "The procedure code in the path and in the body differ.",
        ));
    }
    let view = app
        .office
        .run(caller.actor(), move |ctx| {
            ctx.command(&Command::SaveProcedures { procedures: vec![record] })?;
            let saved = ctx.state.procedures.get(&code).ok_or_else(|| AppError::Unavailable("not saved".into()))?;
            Ok(catalogue::view(ctx.state, saved))
        })
        .await?;
    Ok(Json(view))
}

pub(super) async fn import(
    State(app): State<Arc<AppState>>,
    caller: Caller,
    Body(file): Body<CatalogueImport>,
) -> Result<Json<CatalogueImportResult>, AppError> {
    let records = catalogue::parse(file.format, &file.content)?;
    let read = records.len();
    let saved = app
        .office
        .run(caller.actor(), move |ctx| Ok(ctx.command(&Command::SaveProcedures { procedures: records })?.events.len()))
        .await?;
    Ok(Json(CatalogueImportResult { read, saved }))
}

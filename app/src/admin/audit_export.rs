//! `GET /api/audit/export.csv?<filters>`: every event the viewer's filters
//! match, oldest first, as CSV for a reviewer's spreadsheet or a SIEM. A
//! plain axum handler (a server function answers JSON). Streamed in pages of
//! [`PAGE`] events read by id, so a year of events never sits in memory.
//! The export is itself audited (`audit.export`, with the filters). Here
//! beside the viewer's server function (`api::search_audit`): the audit
//! module below stays free of who may read it.

use axum::body::{Body, Bytes};
use axum::extract::RawQuery;
use axum::response::{IntoResponse, Response};
use http::header;
use sea_orm::{ColumnTrait, DatabaseConnection, QueryFilter, QueryOrder, QuerySelect, Select};
use shared::audit::AuditQuery;
use shared::{AppError, Permission};

use crate::audit::service::{filtered, mrns_of};
use crate::entity::audit_events;
use crate::state::ServerContext;

/// Events read per query.
const PAGE: u64 = 1_000;

const HEADER: [&str; 15] = [
    "seq",
    "at_utc",
    "at_hospital",
    "actor_email",
    "actor_role",
    "action",
    "patient_mrn",
    "patient_id",
    "entity",
    "entity_id",
    "outcome",
    "client_addr",
    "detail",
    "prev_hash",
    "row_id",
];

pub async fn export_csv(
    RawQuery(raw): RawQuery,
    axum::Extension(ctx): axum::Extension<ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> Response {
    match prepare(raw, ctx, session, &parts).await {
        Ok((select, db, tz)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    "attachment; filename=\"audit-trail.csv\"".to_string(),
                ),
            ],
            // Fused: the compression layer polls a body once more after its
            // end, which an unfold must never see.
            Body::from_stream(futures_util::StreamExt::fuse(pages(select, db, tz))),
        )
            .into_response(),
        Err(e) => crate::context::error_response(&e),
    }
}

/// Who asks and what for: signed in (401), allowed (403, audited), a query
/// that can be read (400) with valid filters (422); the export is audited.
async fn prepare(
    raw: Option<String>,
    ctx: ServerContext,
    session: tower_sessions::Session,
    parts: &http::request::Parts,
) -> Result<
    (
        Select<audit_events::Entity>,
        DatabaseConnection,
        chrono_tz::Tz,
    ),
    AppError,
> {
    let caller = crate::auth::guard::authenticate_download(ctx, session, parts).await?;
    if !caller.can(Permission::ViewAudit) {
        crate::auth::guard::deny(&caller, "audit.export").await?;
        return Err(AppError::Forbidden);
    }
    let raw = raw.unwrap_or_default();
    let query: AuditQuery = serde_urlencoded::from_str(&raw).map_err(|e| {
        AppError::BadRequest(format!("The export's filters could not be read: {e}"))
    })?;
    let select = filtered(&caller.ctx.db, &query, &caller).await?;
    caller
        .record_read(caller.event("audit.export").detail(raw))
        .await?;
    Ok((select, caller.ctx.db.clone(), caller.ctx.timezone))
}

/// The CSV: the header, then each page of events as it is read.
fn pages(
    select: Select<audit_events::Entity>,
    db: DatabaseConnection,
    tz: chrono_tz::Tz,
) -> impl futures_util::Stream<Item = Result<Bytes, std::io::Error>> {
    // The state: the last id written, or None before the header.
    futures_util::stream::unfold(Some(None::<i64>), move |state| {
        let (select, db) = (select.clone(), db.clone());
        async move {
            let after = state?;
            let Some(after) = after else {
                return Some((
                    csv_lines(std::iter::once(HEADER.map(str::to_string))),
                    Some(Some(0)),
                ));
            };
            let rows = select
                .filter(audit_events::Column::Id.gt(after))
                .order_by_asc(audit_events::Column::Id)
                .limit(PAGE)
                .all(&db)
                .await;
            let rows = match rows {
                Ok(rows) if rows.is_empty() => return None,
                Ok(rows) => rows,
                Err(e) => {
                    tracing::error!(error = %e, "the audit export stopped");
                    return Some((Err(std::io::Error::other(e.to_string())), None));
                }
            };
            let mrns = match mrns_of(&db, &rows).await {
                Ok(m) => m,
                Err(e) => return Some((Err(std::io::Error::other(e.to_string())), None)),
            };
            let last = rows.last().map(|r| r.id);
            let more = rows.len() as u64 == PAGE;
            let lines = csv_lines(rows.into_iter().map(|r| {
                [
                    r.seq.map(|s| s.to_string()).unwrap_or_default(),
                    r.at.to_rfc3339_opts(chrono::SecondsFormat::Micros, true),
                    r.at.with_timezone(&tz)
                        .format("%Y-%m-%d %H:%M:%S %Z")
                        .to_string(),
                    r.actor_email.unwrap_or_default(),
                    r.actor_role
                        .map(|x| x.as_str().to_string())
                        .unwrap_or_default(),
                    r.action,
                    r.patient_id
                        .and_then(|id| mrns.get(&id).cloned())
                        .unwrap_or_default(),
                    r.patient_id.map(|id| id.to_string()).unwrap_or_default(),
                    r.entity.unwrap_or_default(),
                    r.entity_id.unwrap_or_default(),
                    r.outcome.as_str().to_string(),
                    r.client_addr.unwrap_or_default(),
                    r.detail.unwrap_or_default(),
                    r.prev_hash.unwrap_or_default(),
                    r.id.to_string(),
                ]
            }));
            Some((lines, more.then_some(last)))
        }
    })
}

/// Records as CSV lines (RFC 4180, by the csv crate). A cell a spreadsheet
/// would run as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return) gets a leading `'`: e-mail addresses and details come
/// from users (OWASP "CSV injection").
fn csv_lines(records: impl Iterator<Item = [String; 15]>) -> Result<Bytes, std::io::Error> {
    let mut out = csv::Writer::from_writer(Vec::new());
    for record in records {
        out.write_record(record.iter().map(|cell| defuse(cell).into_owned()))
            .map_err(std::io::Error::other)?;
    }
    out.into_inner()
        .map(Bytes::from)
        .map_err(|e| std::io::Error::other(e.to_string()))
}

pub(crate) fn defuse(cell: &str) -> std::borrow::Cow<'_, str> {
    match cell.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{cell}").into(),
        _ => cell.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_defused_and_quotes_escaped() {
        assert_eq!(defuse("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(defuse("-1"), "'-1");
        assert_eq!(defuse("nurse@x"), "nurse@x");
        let mut row: [String; 15] = Default::default();
        row[0] = "1".into();
        row[12] = "say \"hi\", Мария".into();
        let line = csv_lines(std::iter::once(row)).unwrap();
        assert_eq!(
            std::str::from_utf8(&line).unwrap(),
            "1,,,,,,,,,,,,\"say \"\"hi\"\", Мария\",,\n"
        );
    }
}

//! The reports as CSV (`GET /api/reports/{revenue,aging,claims}.csv`, and
//! the care report's `{occupancy,movements,ed_waits}.csv`): the
//! same figures as the pages, for a spreadsheet. Amounts are in major units
//! with a point (`1234.50`), with the currency in its own column; names a
//! spreadsheet would run as formulas are defused (`audit_export::defuse`).
//! Each download is audited.

use axum::extract::RawQuery;
use axum::response::{IntoResponse, Response};
use http::header;
use shared::money::Currency;
use shared::reports::{DaysForm, RevenueQuery};
use shared::{AppError, Permission};

use crate::admin::audit_export::defuse;
use crate::auth::guard::Caller;
use crate::state::ServerContext;

/// The caller, allowed to read the financial reports (401, 403 audited).
async fn reader(
    ctx: ServerContext,
    session: tower_sessions::Session,
    parts: &http::request::Parts,
    action: &'static str,
) -> Result<Caller, AppError> {
    reader_of(
        ctx,
        session,
        parts,
        action,
        Permission::ViewFinancialReports,
    )
    .await
}

/// The caller, allowed `permission` (401, 403 audited).
async fn reader_of(
    ctx: ServerContext,
    session: tower_sessions::Session,
    parts: &http::request::Parts,
    action: &'static str,
    permission: Permission,
) -> Result<Caller, AppError> {
    let caller = crate::auth::guard::authenticate_download(ctx, session, parts).await?;
    if !caller.can(permission) {
        crate::auth::guard::deny(&caller, action).await?;
        return Err(AppError::Forbidden);
    }
    Ok(caller)
}

/// A query string that cannot be read is the client's error (400).
fn query<T: serde::de::DeserializeOwned>(raw: Option<String>) -> Result<T, AppError> {
    serde_urlencoded::from_str(&raw.unwrap_or_default())
        .map_err(|e| AppError::BadRequest(format!("The report's query could not be read: {e}")))
}

/// `rows` under `header` as a CSV file named `name`.
fn csv_file(name: &str, header: &[&str], rows: Vec<Vec<String>>) -> Result<Response, AppError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(header).map_err(crate::context::internal)?;
    for row in rows {
        out.write_record(row).map_err(crate::context::internal)?;
    }
    let bytes = out.into_inner().map_err(crate::context::internal)?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response())
}

fn answer(result: Result<Response, AppError>) -> Response {
    result.unwrap_or_else(|e| crate::context::error_response(&e))
}

fn amount(currency: Currency, minor: i64) -> String {
    currency.decimal(minor)
}

/// `GET /api/reports/revenue.csv?from=…&to=…&period=…&by=…`: one row per
/// period and department, doctor or payer.
pub async fn revenue_csv(
    RawQuery(raw): RawQuery,
    axum::Extension(ctx): axum::Extension<ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> Response {
    answer(
        async {
            let caller = reader(ctx, session, &parts, "reports.revenue_csv").await?;
            let q: RevenueQuery = query(raw)?;
            q.check()?;
            let r = crate::billing::revenue::report(&caller.ctx.db, q, caller.ctx.currency).await?;
            let mut rows = Vec::new();
            for s in &r.series {
                for (i, start) in r.periods.iter().enumerate() {
                    rows.push(vec![
                        start.to_string(),
                        q.period.name_of(*start),
                        defuse(&s.name).into_owned(),
                        amount(r.currency, s.amounts[i]),
                        r.currency.to_string(),
                    ]);
                }
            }
            caller
                .record_read(caller.event("reports.revenue_csv").detail(q.csv_path()))
                .await?;
            csv_file(
                &format!("revenue-{}-{}.csv", q.from, q.to),
                &[
                    "period_start",
                    "period",
                    q.by.as_str(),
                    "amount",
                    "currency",
                ],
                rows,
            )
        }
        .await,
    )
}

/// `GET /api/reports/aging.csv`: what patients and insurers owe, by age.
pub async fn aging_csv(
    axum::Extension(ctx): axum::Extension<ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> Response {
    answer(
        async {
            let caller = reader(ctx, session, &parts, "reports.aging_csv").await?;
            let r = crate::billing::revenue::aging(
                &caller.ctx.db,
                caller.ctx.currency,
                caller.ctx.timezone,
                &caller,
            )
            .await?;
            let rows = r
                .rows
                .iter()
                .map(|row| {
                    vec![
                        row.bucket.as_str().to_string(),
                        row.invoices.to_string(),
                        amount(r.currency, row.patients_owe),
                        row.claims.to_string(),
                        amount(r.currency, row.insurers_owe),
                        r.currency.to_string(),
                    ]
                })
                .collect();
            caller
                .record_read(caller.event("reports.aging_csv"))
                .await?;
            csv_file(
                &format!("aging-{}.csv", r.on),
                &[
                    "days",
                    "invoices",
                    "patients_owe",
                    "claims",
                    "insurers_owe",
                    "currency",
                ],
                rows,
            )
        }
        .await,
    )
}

/// `GET /api/reports/claims.csv?from=…&to=…`: claims decided, by payer.
pub async fn claims_csv(
    RawQuery(raw): RawQuery,
    axum::Extension(ctx): axum::Extension<ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> Response {
    answer(
        async {
            let caller = reader(ctx, session, &parts, "reports.claims_csv").await?;
            let form: DaysForm = query(raw)?;
            let (from, to) = form.parse()?;
            let r = crate::billing::revenue::claim_rates(
                &caller.ctx.db,
                from,
                to,
                caller.ctx.currency,
                &caller,
            )
            .await?;
            let rows = r
                .rows
                .iter()
                .chain(std::iter::once(&r.all))
                .map(|row| {
                    vec![
                        defuse(&row.payer).into_owned(),
                        row.decided.to_string(),
                        row.approved.to_string(),
                        row.partly_approved.to_string(),
                        row.denied.to_string(),
                        row.rate(row.approved + row.partly_approved).label(),
                        row.rate(row.denied).label(),
                        amount(r.currency, row.claimed),
                        amount(r.currency, row.granted),
                        r.currency.to_string(),
                    ]
                })
                .collect();
            caller
                .record_read(
                    caller
                        .event("reports.claims_csv")
                        .detail(format!("{from} to {to}")),
                )
                .await?;
            csv_file(
                &format!("claims-{from}-{to}.csv"),
                &[
                    "payer",
                    "decided",
                    "approved",
                    "partly_approved",
                    "denied",
                    "approval_rate",
                    "denial_rate",
                    "claimed",
                    "granted",
                    "currency",
                ],
                rows,
            )
        }
        .await,
    )
}

/// The care report's CSV downloads: `occupancy` (day, ward, beds,
/// occupied, per cent), `movements` (day, admissions, discharges) and
/// `ed_waits` (level, visits, seen, median and 90th-percentile minutes,
/// over target).
#[derive(Clone, Copy)]
pub enum CareCsv {
    Occupancy,
    Movements,
    EdWaits,
}

impl CareCsv {
    fn name(self) -> &'static str {
        match self {
            CareCsv::Occupancy => "occupancy",
            CareCsv::Movements => "movements",
            CareCsv::EdWaits => "ed_waits",
        }
    }

    fn rows(self, r: &shared::care_reports::CareReport) -> (Vec<&'static str>, Vec<Vec<String>>) {
        let opt = |v: Option<i64>| v.map(|m| m.to_string()).unwrap_or_default();
        match self {
            CareCsv::Occupancy => {
                let mut rows = Vec::new();
                for (i, day) in r.days.iter().enumerate() {
                    for w in &r.wards {
                        rows.push(vec![
                            day.to_string(),
                            defuse(&w.ward).into_owned(),
                            w.beds.to_string(),
                            w.occupied[i].to_string(),
                            w.percent(i).map(|p| format!("{p:.1}")).unwrap_or_default(),
                        ]);
                    }
                }
                (
                    vec!["day", "ward", "beds", "occupied", "occupancy_percent"],
                    rows,
                )
            }
            CareCsv::Movements => (
                vec!["day", "admissions", "discharges"],
                r.days
                    .iter()
                    .enumerate()
                    .map(|(i, d)| {
                        vec![
                            d.to_string(),
                            r.admissions[i].to_string(),
                            r.discharges[i].to_string(),
                        ]
                    })
                    .collect(),
            ),
            CareCsv::EdWaits => (
                vec![
                    "level",
                    "visits",
                    "seen",
                    "median_minutes",
                    "p90_minutes",
                    "target_minutes",
                    "over_target",
                ],
                r.ed.iter()
                    .map(|l| {
                        vec![
                            l.level
                                .map(|x| x.as_str().to_string())
                                .unwrap_or_else(|| "untriaged".into()),
                            l.visits.to_string(),
                            l.seen.to_string(),
                            opt(l.median_minutes),
                            opt(l.p90_minutes),
                            l.target_minutes().to_string(),
                            l.over_target.to_string(),
                        ]
                    })
                    .collect(),
            ),
        }
    }

    /// `GET /api/reports/{occupancy,movements,ed_waits}.csv?from=…&to=…`.
    pub async fn download(
        self,
        raw: Option<String>,
        ctx: ServerContext,
        session: tower_sessions::Session,
        parts: http::request::Parts,
    ) -> Response {
        answer(
            async {
                let action = match self {
                    CareCsv::Occupancy => "reports.occupancy_csv",
                    CareCsv::Movements => "reports.movements_csv",
                    CareCsv::EdWaits => "reports.ed_waits_csv",
                };
                let caller =
                    reader_of(ctx, session, &parts, action, Permission::ViewCareReports).await?;
                let form: DaysForm = query(raw)?;
                let (from, to) = form.parse()?;
                let r = super::care::care_report(
                    &caller.ctx.db,
                    from,
                    to,
                    caller.ctx.timezone,
                    &caller,
                )
                .await?;
                let (header, rows) = self.rows(&r);
                caller
                    .record_read(caller.event(action).detail(format!("{from} to {to}")))
                    .await?;
                csv_file(&format!("{}-{from}-{to}.csv", self.name()), &header, rows)
            }
            .await,
        )
    }
}

pub async fn occupancy_csv(
    RawQuery(raw): RawQuery,
    axum::Extension(ctx): axum::Extension<ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> Response {
    CareCsv::Occupancy.download(raw, ctx, session, parts).await
}

pub async fn movements_csv(
    RawQuery(raw): RawQuery,
    axum::Extension(ctx): axum::Extension<ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> Response {
    CareCsv::Movements.download(raw, ctx, session, parts).await
}

pub async fn ed_waits_csv(
    RawQuery(raw): RawQuery,
    axum::Extension(ctx): axum::Extension<ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> Response {
    CareCsv::EdWaits.download(raw, ctx, session, parts).await
}

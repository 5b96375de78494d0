//! Server functions of the financial reports (administrators).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::reports::{AgingReport, ClaimRates, DaysForm, RevenueForm, RevenueReport};
use shared::AppError;

/// Revenue billed on the form's service days, by its period and breakdown.
#[server(endpoint = "reports/revenue", input = Json)]
pub async fn revenue(form: RevenueForm) -> Result<RevenueReport, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewFinancialReports),
        async |caller| {
            let query = form.parse()?;
            let report =
                crate::billing::revenue::report(&caller.ctx.db, query, caller.ctx.currency).await?;
            let event = caller.event("reports.revenue").detail(format!(
                "{} to {} by {} and {}",
                query.from,
                query.to,
                query.period.as_str(),
                query.by.as_str()
            ));
            Ok((report, event))
        },
    )
    .await
}
crate::access!(
    "reports/revenue",
    AnyOf(&[ViewFinancialReports]),
    no_patient_data
);

/// What patients and insurers owe, by age.
#[server(endpoint = "reports/aging", input = Json)]
pub async fn aging() -> Result<AgingReport, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewFinancialReports),
        async |caller| {
            let report = crate::billing::revenue::aging(
                &caller.ctx.db,
                caller.ctx.currency,
                caller.ctx.timezone,
                caller,
            )
            .await?;
            Ok((report, caller.event("reports.aging")))
        },
    )
    .await
}
crate::access!(
    "reports/aging",
    AnyOf(&[ViewFinancialReports]),
    no_patient_data
);

/// Claims decided on the form's days, by payer: approved in full, in part, denied.
#[server(endpoint = "reports/claims_decided", input = Json)]
pub async fn claims_decided(form: DaysForm) -> Result<ClaimRates, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewFinancialReports),
        async |caller| {
            let (from, to) = form.parse()?;
            let report = crate::billing::revenue::claim_rates(
                &caller.ctx.db,
                from,
                to,
                caller.ctx.currency,
                caller,
            )
            .await?;
            let event = caller
                .event("reports.claims_decided")
                .detail(format!("{from} to {to}"));
            Ok((report, event))
        },
    )
    .await
}
crate::access!(
    "reports/claims_decided",
    AnyOf(&[ViewFinancialReports]),
    no_patient_data
);

/// Beds and the emergency department on the form's days: occupancy by
/// ward, admissions and discharges, length of stay, waits by level.
#[server(endpoint = "reports/care", input = Json)]
pub async fn care(form: DaysForm) -> Result<shared::care_reports::CareReport, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewCareReports),
        async |caller| {
            let (from, to) = form.parse()?;
            let report =
                super::care::care_report(&caller.ctx.db, from, to, caller.ctx.timezone, caller)
                    .await?;
            let event = caller
                .event("reports.care")
                .detail(format!("{from} to {to}"));
            Ok((report, event))
        },
    )
    .await
}
crate::access!("reports/care", AnyOf(&[ViewCareReports]), no_patient_data);

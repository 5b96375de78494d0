//! Server functions of insurance: the payers (administrators), claims and
//! the claims board (billing clerks), and the patient's own claims.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::ids::{ClaimId, InvoiceId};
use shared::insurance::{
    AdjudicationForm, ClaimBoard, ClaimCursor, ClaimStatus, ClaimView, PayerForm, PayerView,
};
use shared::AppError;

/// The payers the hospital bills, for the administrator and the desk.
#[server(endpoint = "billing/payers", input = Json)]
pub async fn payers() -> Result<Vec<PayerView>, AppError> {
    use shared::Permission::{ManageBilling, ManagePrices};
    crate::audited::plain(
        || crate::auth::guard::require_any(&[ManagePrices, ManageBilling]),
        async |caller| super::insurance::payers(&caller.ctx.db).await,
    )
    .await
}
crate::access!(
    "billing/payers",
    AnyOf(&[ManagePrices, ManageBilling]),
    no_patient_data
);

/// Adds a payer or changes one (its name, its share, whether it is billed).
#[server(endpoint = "billing/save_payer", input = Json)]
pub async fn save_payer(form: PayerForm) -> Result<PayerView, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManagePrices),
        async |caller, txn| {
            let payer = form.parse()?;
            let saved = super::insurance::save_payer(
                txn,
                form.id,
                payer,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("billing.save_payer")
                .entity("payer", saved.id)
                .detail(format!(
                    "{}: {}{}",
                    saved.name,
                    saved.share.label(),
                    if saved.active { "" } else { " (not billed)" }
                ));
            Ok((saved, event))
        },
    )
    .await
}
crate::access!(
    "billing/save_payer",
    AnyOf(&[ManagePrices]),
    no_patient_data
);

/// Opens the claim of an issued invoice's insurer's portion: by a billing
/// clerk, or by the patient from the phone. Answers the claim it has when
/// there is one already.
#[server(endpoint = "billing/open_claim", input = Json)]
pub async fn open_claim(invoice_id: InvoiceId) -> Result<ClaimId, AppError> {
    use crate::audited::Outcome;
    use shared::Permission::{ManageBilling, ViewOwnRecord};
    crate::audited::write(
        || crate::auth::guard::require_any(&[ManageBilling, ViewOwnRecord]),
        async |caller, txn| {
            let found = super::api::ssr::invoice_for(caller, invoice_id).await?;
            let invoice = super::invoices::find_for_update(txn, InvoiceId(found.id)).await?;
            let by_patient = !caller.can(ManageBilling);
            let (claim, new) = super::insurance::open(
                txn,
                &invoice,
                by_patient,
                caller.ctx.timezone,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            if !new {
                return Ok(Outcome::Nothing(ClaimId(claim.id)));
            }
            let event = caller
                .event("billing.open_claim")
                .patient(claim.patient_id)
                .entity("claim", claim.id)
                .detail(format!(
                    "{} of {} on {}",
                    claim.number,
                    claim.currency.format(claim.claimed),
                    invoice.number.clone().unwrap_or_default()
                ));
            Ok(Outcome::Done(ClaimId(claim.id), vec![event]))
        },
    )
    .await
}
crate::access!(
    "billing/open_claim",
    AnyOf(&[ManageBilling, ViewOwnRecord]),
    patient_data
);

/// A claim, whole: for billing staff, or the patient it is for.
#[server(endpoint = "billing/claim", input = Json)]
pub async fn claim(claim_id: ClaimId) -> Result<ClaimView, AppError> {
    use shared::Permission::{ManageBilling, ViewOwnRecord};
    crate::audited::read(
        || crate::auth::guard::require_any(&[ManageBilling, ViewOwnRecord]),
        async |caller| {
            let claim = super::insurance::find(&caller.ctx.db, claim_id).await?;
            super::claim_documents::may_handle(caller, &claim, "billing.claim").await?;
            let view = super::insurance::view(&caller.ctx.db, &claim).await?;
            let event = caller
                .event("billing.claim")
                .patient(claim.patient_id)
                .entity("claim", claim.id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!(
    "billing/claim",
    AnyOf(&[ManageBilling, ViewOwnRecord]),
    patient_data
);

/// Sends a draft claim to the insurer: the clerk, or the patient their own.
#[server(endpoint = "billing/submit_claim", input = Json)]
pub async fn submit_claim(claim_id: ClaimId) -> Result<ClaimView, AppError> {
    use shared::Permission::{ManageBilling, ViewOwnRecord};
    crate::audited::write(
        || crate::auth::guard::require_any(&[ManageBilling, ViewOwnRecord]),
        async |caller, txn| {
            let claim = super::insurance::find_for_update(txn, claim_id).await?;
            super::claim_documents::may_handle(caller, &claim, "billing.submit_claim").await?;
            let claim = super::insurance::submit(txn, claim, caller.now()).await?;
            let view = super::insurance::view(txn, &claim).await?;
            let event = caller
                .event("billing.submit_claim")
                .patient(claim.patient_id)
                .entity("claim", claim.id)
                .detail(claim.number.clone());
            Ok((view, event))
        },
    )
    .await
}
crate::access!(
    "billing/submit_claim",
    AnyOf(&[ManageBilling, ViewOwnRecord]),
    patient_data
);

/// Audits and answers an adjudicated claim.
#[cfg(feature = "ssr")]
async fn decided(
    caller: &crate::auth::guard::Caller,
    txn: &impl sea_orm::ConnectionTrait,
    claim: crate::entity::claims::Model,
    action: &'static str,
) -> Result<(ClaimView, crate::audit::service::AuditEvent), AppError> {
    let view = super::insurance::view(txn, &claim).await?;
    let event = caller
        .event(action)
        .patient(claim.patient_id)
        .entity("claim", claim.id)
        .detail(format!(
            "{} {}: {} of {}{}",
            claim.number,
            claim.status.as_str(),
            claim.currency.format(claim.approved.unwrap_or(0)),
            claim.currency.format(claim.claimed),
            claim
                .reason
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ));
    Ok((view, event))
}

/// Records the insurer's decision as the clerk reads it from its letter:
/// what it approved (all, part, or nothing) and why.
#[server(endpoint = "billing/adjudicate", input = Json)]
pub async fn adjudicate(claim_id: ClaimId, form: AdjudicationForm) -> Result<ClaimView, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let claim = super::insurance::find_for_update(txn, claim_id).await?;
            let (approved, reason) = form.parse(claim.claimed, claim.currency)?;
            let claim =
                super::insurance::adjudicate(txn, claim, approved, reason, caller.now()).await?;
            decided(caller, txn, claim, "billing.adjudicate").await
        },
    )
    .await
}
crate::access!("billing/adjudicate", AnyOf(&[ManageBilling]), patient_data);

/// Records the insurer's decision from its FHIR R4 `ClaimResponse` (JSON).
#[server(endpoint = "billing/claim_response", input = Json)]
pub async fn claim_response(claim_id: ClaimId, response: String) -> Result<ClaimView, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            if response.len() > 1_000_000 {
                return Err(AppError::field(
                    "response",
                    "A claim response is at most 1 MB.",
                ));
            }
            let claim = super::insurance::find_for_update(txn, claim_id).await?;
            let (approved, reason) = super::insurance::read_claim_response(&response, &claim)?;
            let claim =
                super::insurance::adjudicate(txn, claim, approved, reason, caller.now()).await?;
            decided(caller, txn, claim, "billing.claim_response").await
        },
    )
    .await
}
crate::access!(
    "billing/claim_response",
    AnyOf(&[ManageBilling]),
    patient_data
);

/// Records that the insurer paid what it approved, with its reference.
#[server(endpoint = "billing/claim_paid", input = Json)]
pub async fn claim_paid(claim_id: ClaimId, reference: String) -> Result<ClaimView, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let reference = shared::insurance::parse_payment_ref(&reference)?;
            let claim = super::insurance::find_for_update(txn, claim_id).await?;
            let claim = super::insurance::paid(txn, claim, reference, caller.now()).await?;
            decided(caller, txn, claim, "billing.claim_paid").await
        },
    )
    .await
}
crate::access!("billing/claim_paid", AnyOf(&[ManageBilling]), patient_data);

/// The claims board: one page of claims (of one status, or all), newest
/// first, with the counts per status and the aging of what the insurers owe.
#[server(endpoint = "billing/claims", input = Json)]
pub async fn claims(
    status: Option<ClaimStatus>,
    cursor: Option<ClaimCursor>,
) -> Result<ClaimBoard, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller| {
            let board = super::insurance::board(
                &caller.ctx.db,
                status,
                cursor,
                caller.ctx.currency,
                caller.now(),
            )
            .await?;
            let event = caller.event("billing.claims").detail(format!(
                "{} claims{}",
                board.rows.len(),
                status
                    .map(|s| format!(" {}", s.as_str()))
                    .unwrap_or_default()
            ));
            Ok((board, event))
        },
    )
    .await
}
crate::access!("billing/claims", AnyOf(&[ManageBilling]), patient_data);

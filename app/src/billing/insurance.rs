//! Insurance: the payers and their share, the coverage eligible on an
//! invoice's service dates, claims of the insurer's portion through their
//! states, the claims board with its aging, and FHIR R4 `Claim` export and
//! `ClaimResponse` import. Server-only.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::{json, Value};
use shared::billing::{InvoiceKind, InvoiceStatus, Series};
use shared::ids::{ClaimId, InvoiceId, PatientId, PayerId};
use shared::insurance::{
    adjudicated, eligible, AgingBucket, ClaimBoard, ClaimCursor, ClaimRef, ClaimRow, ClaimStatus,
    ClaimView, InsuranceView, NewPayer, PayerView, CLAIMS_PAGE,
};
use shared::money::{Currency, Money, Rate};
use shared::AppError;
use uuid::Uuid;

use crate::context::{internal, is_unique_violation, OrInternal};
use crate::entity::{claims, insurance_coverages as coverages, invoices, payers};

// ---------------------------------------------------------------- payers

fn payer_view(p: &payers::Model) -> PayerView {
    PayerView {
        id: PayerId(p.id),
        name: p.name.clone(),
        share: Rate::stored(p.share),
        active: p.active,
        updated_at: p.updated_at,
    }
}

/// The folded name a coverage's payer is matched by.
fn name_key(name: &str) -> String {
    shared::text::fold_name(name)
}

/// Every payer, by name.
pub async fn payers(db: &impl ConnectionTrait) -> Result<Vec<PayerView>, AppError> {
    Ok(payers::Entity::find()
        .order_by_asc(payers::Column::NameKey)
        .all(db)
        .await
        .or_internal()?
        .iter()
        .map(payer_view)
        .collect())
}

/// Adds a payer (`id` none) or changes one. Two payers never share a
/// folded name.
pub async fn save_payer(
    db: &impl ConnectionTrait,
    id: Option<PayerId>,
    payer: NewPayer,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<PayerView, AppError> {
    let key = name_key(&payer.name);
    let row = match id {
        Some(id) => {
            let mut row = payers::Entity::find_by_id(id.uuid())
                .one(db)
                .await
                .or_internal()?
                .ok_or_else(|| AppError::NotFound("The payer".into()))?
                .into_active_model();
            row.name = Set(payer.name);
            row.name_key = Set(key);
            row.share = Set(payer.share.0 as i32);
            row.active = Set(payer.active);
            row.updated_by = Set(by);
            row.updated_at = Set(now);
            row.update(db).await
        }
        None => {
            payers::ActiveModel {
                id: Set(Uuid::new_v4()),
                name: Set(payer.name),
                name_key: Set(key),
                share: Set(payer.share.0 as i32),
                active: Set(payer.active),
                updated_by: Set(by),
                updated_at: Set(now),
            }
            .insert(db)
            .await
        }
    };
    match row {
        Ok(row) => Ok(payer_view(&row)),
        Err(e) if is_unique_violation(&e) => Err(AppError::field(
            "name",
            "A payer of that name is on the list already.",
        )),
        Err(e) => Err(internal(e)),
    }
}

// ---------------------------------------------------------- eligibility

/// A coverage whose payer the hospital bills.
pub struct Eligible {
    pub payer: payers::Model,
    pub member_id: String,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

impl Eligible {
    /// The coverage was valid on `on`.
    pub fn covers(&self, on: NaiveDate) -> bool {
        eligible(self.from, self.to, on)
    }
}

/// The coverage of the patient's that bills their services of `dates`: the
/// primary one before the secondary, the first valid on any of the dates
/// whose payer is an active payer of the hospital's. `None`: self-pay.
pub async fn eligible_coverage(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    dates: &[NaiveDate],
) -> Result<Option<Eligible>, AppError> {
    let mut list = coverages::Entity::find()
        .filter(coverages::Column::PatientId.eq(patient_id))
        .all(db)
        .await
        .or_internal()?;
    // Primary first.
    list.sort_by_key(|c| c.rank != shared::demographics::CoverageRank::Primary);
    for c in list {
        if !dates.iter().any(|d| eligible(c.valid_from, c.valid_to, *d)) {
            continue;
        }
        let payer = payers::Entity::find()
            .filter(payers::Column::NameKey.eq(name_key(&c.payer)))
            .filter(payers::Column::Active.eq(true))
            .one(db)
            .await
            .or_internal()?;
        if let Some(payer) = payer {
            return Ok(Some(Eligible {
                payer,
                member_id: c.member_id,
                from: c.valid_from,
                to: c.valid_to,
            }));
        }
    }
    Ok(None)
}

// --------------------------------------------------------------- claims

/// The claims of `invoice_ids`, by invoice (one each at most).
pub async fn claims_of(
    db: &impl ConnectionTrait,
    invoice_ids: &[Uuid],
) -> Result<HashMap<Uuid, claims::Model>, AppError> {
    if invoice_ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(claims::Entity::find()
        .filter(claims::Column::InvoiceId.is_in(invoice_ids.iter().copied()))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|c| (c.invoice_id, c))
        .collect())
}

/// Refuses a credit note while the insurer holds a claim of the invoice
/// (submitted, approved or paid): the insurer's answer would name an
/// invoice that no longer stands.
pub async fn creditable(
    db: &impl ConnectionTrait,
    invoice: &invoices::Model,
) -> Result<(), AppError> {
    match claims_of(db, &[invoice.id]).await?.remove(&invoice.id) {
        Some(c) if !matches!(c.status, ClaimStatus::Draft | ClaimStatus::Denied) => {
            Err(AppError::Conflict(format!(
                "Claim {} of this invoice is {} with the insurer: an invoice under a claim is not credited.",
                c.number,
                c.status.label().to_lowercase()
            )))
        }
        _ => Ok(()),
    }
}

/// The insurer's part of an invoice, when a coverage was eligible.
pub async fn insurance_view(
    db: &impl ConnectionTrait,
    invoice: &invoices::Model,
    cover: i64,
) -> Result<Option<InsuranceView>, AppError> {
    let (Some(payer_id), InvoiceKind::Invoice) = (invoice.payer_id, invoice.kind) else {
        return Ok(None);
    };
    let payer = payers::Entity::find_by_id(payer_id)
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| internal("an invoice names a missing payer"))?;
    let claim = claims_of(db, &[invoice.id])
        .await?
        .remove(&invoice.id)
        .map(|c| ClaimRef {
            id: ClaimId(c.id),
            number: c.number,
            status: c.status,
        });
    Ok(Some(InsuranceView {
        payer: payer.name,
        member_id: invoice.member_id.clone().unwrap_or_default(),
        share: Rate::stored(invoice.insurer_share),
        insurer_portion: invoice.insurer_portion,
        patient_portion: invoice.total - invoice.insurer_portion,
        cover,
        claim,
    }))
}

/// A claim by id.
pub async fn find(db: &impl ConnectionTrait, id: ClaimId) -> Result<claims::Model, AppError> {
    claims::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The claim".into()))
}

/// A claim by id, locked until the caller's transaction ends.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    id: ClaimId,
) -> Result<claims::Model, AppError> {
    claims::Entity::find_by_id(id.uuid())
        .lock_exclusive()
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The claim".into()))
}

/// Opens the claim of an issued invoice's insurer's portion (a draft), or
/// answers the one it has (`false`: nothing was created). The invoice is
/// locked by the caller.
pub async fn open(
    db: &impl ConnectionTrait,
    invoice: &invoices::Model,
    filed_by_patient: bool,
    tz: chrono_tz::Tz,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(claims::Model, bool), AppError> {
    if let Some(claim) = claims_of(db, &[invoice.id]).await?.remove(&invoice.id) {
        return Ok((claim, false));
    }
    if invoice.kind != InvoiceKind::Invoice || invoice.status != InvoiceStatus::Issued {
        return Err(AppError::Conflict(
            "A claim is made for an issued invoice.".into(),
        ));
    }
    let (Some(payer_id), true) = (invoice.payer_id, invoice.insurer_portion > 0) else {
        return Err(AppError::Conflict(
            "No coverage was eligible on this invoice's service dates: there is nothing to claim."
                .into(),
        ));
    };
    if super::invoices::credited(db, invoice.id).await? {
        return Err(AppError::Conflict(
            "This invoice was credited: there is nothing to claim.".into(),
        ));
    }
    let year = now.with_timezone(&tz).year();
    let number = super::invoices::next_number(db, Series::Claim, year).await?;
    let claim = claims::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(invoice.patient_id),
        invoice_id: Set(invoice.id),
        payer_id: Set(payer_id),
        number: Set(number),
        status: Set(ClaimStatus::Draft),
        member_id: Set(invoice.member_id.clone().unwrap_or_default()),
        currency: Set(invoice.currency),
        claimed: Set(invoice.insurer_portion),
        approved: Set(None),
        paid: Set(None),
        reason: Set(None),
        payment_ref: Set(None),
        filed_by_patient: Set(filed_by_patient),
        created_by: Set(by),
        created_at: Set(now),
        submitted_at: Set(None),
        decided_at: Set(None),
        paid_at: Set(None),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok((claim, true))
}

/// Sends a draft claim to the insurer.
pub async fn submit(
    db: &impl ConnectionTrait,
    claim: claims::Model,
    now: DateTime<Utc>,
) -> Result<claims::Model, AppError> {
    claim.status.check(ClaimStatus::Submitted)?;
    if super::invoices::credited(db, claim.invoice_id).await? {
        return Err(AppError::Conflict(
            "The invoice was credited: the claim cannot be submitted.".into(),
        ));
    }
    let mut row = claim.into_active_model();
    row.status = Set(ClaimStatus::Submitted);
    row.submitted_at = Set(Some(now));
    row.update(db).await.or_internal()
}

/// Records the insurer's decision: `approved` of what was claimed (all,
/// part, or nothing), with its reason. What the patient owes follows
/// (`shared::insurance::insurer_cover`).
pub async fn adjudicate(
    db: &impl ConnectionTrait,
    claim: claims::Model,
    approved: i64,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> Result<claims::Model, AppError> {
    let to = adjudicated(claim.claimed, approved);
    claim.status.check(to)?;
    let mut row = claim.into_active_model();
    row.status = Set(to);
    row.approved = Set(Some(approved));
    row.reason = Set(reason);
    row.decided_at = Set(Some(now));
    row.update(db).await.or_internal()
}

/// Records the insurer's payment of what it approved.
pub async fn paid(
    db: &impl ConnectionTrait,
    claim: claims::Model,
    reference: String,
    now: DateTime<Utc>,
) -> Result<claims::Model, AppError> {
    claim.status.check(ClaimStatus::Paid)?;
    let approved = claim.approved;
    let mut row = claim.into_active_model();
    row.status = Set(ClaimStatus::Paid);
    row.paid = Set(approved);
    row.payment_ref = Set(Some(reference));
    row.paid_at = Set(Some(now));
    row.update(db).await.or_internal()
}

fn payer_names<'a>(rows: impl IntoIterator<Item = &'a payers::Model>) -> HashMap<Uuid, String> {
    rows.into_iter().map(|p| (p.id, p.name.clone())).collect()
}

async fn payers_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, String>, AppError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let rows = payers::Entity::find()
        .filter(payers::Column::Id.is_in(ids))
        .all(db)
        .await
        .or_internal()?;
    Ok(payer_names(&rows))
}

/// A claim, whole, with its documents.
pub async fn view(db: &impl ConnectionTrait, claim: &claims::Model) -> Result<ClaimView, AppError> {
    let invoice = super::invoices::find(db, InvoiceId(claim.invoice_id), None).await?;
    let names = crate::lab::work::filing_names(db, [claim.patient_id]).await?;
    let (patient_name, mrn) = names.get(&claim.patient_id).cloned().unwrap_or_default();
    let payer = payers_by_id(db, [claim.payer_id])
        .await?
        .remove(&claim.payer_id)
        .unwrap_or_default();
    let money = |m: i64| Money::new(m, claim.currency);
    Ok(ClaimView {
        id: ClaimId(claim.id),
        number: claim.number.clone(),
        status: claim.status,
        invoice_id: InvoiceId(claim.invoice_id),
        invoice_number: invoice.number.unwrap_or_default(),
        patient_id: PatientId(claim.patient_id),
        patient_name,
        mrn,
        payer,
        member_id: claim.member_id.clone(),
        claimed: money(claim.claimed),
        approved: claim.approved.map(money),
        paid: claim.paid.map(money),
        reason: claim.reason.clone(),
        payment_ref: claim.payment_ref.clone(),
        filed_by_patient: claim.filed_by_patient,
        created_at: claim.created_at,
        submitted_at: claim.submitted_at,
        decided_at: claim.decided_at,
        paid_at: claim.paid_at,
        documents: super::claim_documents::of_claim(db, claim.id).await?,
    })
}

/// Whole days from `since` to `now`.
fn age_days(since: DateTime<Utc>, now: DateTime<Utc>) -> i64 {
    Ord::max((now - since).num_days(), 0)
}

/// The claims board: claims of `status` (all when `None`), newest first,
/// one page after `cursor`; the counts per status; and the claims still
/// awaiting the insurer's money by age since submission.
pub async fn board(
    db: &impl ConnectionTrait,
    status: Option<ClaimStatus>,
    cursor: Option<ClaimCursor>,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<ClaimBoard, AppError> {
    let mut q = claims::Entity::find();
    if let Some(s) = status {
        q = q.filter(claims::Column::Status.eq(s));
    }
    if let Some(c) = &cursor {
        q = q.filter(
            Expr::col(claims::Column::CreatedAt)
                .lt(c.created_at)
                .or(Expr::col(claims::Column::CreatedAt)
                    .eq(c.created_at)
                    .and(Expr::col(claims::Column::Id).lt(c.id.uuid()))),
        );
    }
    let mut rows = q
        .order_by_desc(claims::Column::CreatedAt)
        .order_by_desc(claims::Column::Id)
        .limit(CLAIMS_PAGE + 1)
        .all(db)
        .await
        .or_internal()?;
    let next = if rows.len() as u64 > CLAIMS_PAGE {
        rows.truncate(CLAIMS_PAGE as usize);
        rows.last().map(|c| ClaimCursor {
            created_at: c.created_at,
            id: ClaimId(c.id),
        })
    } else {
        None
    };
    let names = crate::lab::work::filing_names(db, rows.iter().map(|c| c.patient_id)).await?;
    let payers = payers_by_id(db, rows.iter().map(|c| c.payer_id)).await?;
    let rows = rows
        .into_iter()
        .map(|c| {
            let (patient_name, mrn) = names.get(&c.patient_id).cloned().unwrap_or_default();
            ClaimRow {
                id: ClaimId(c.id),
                number: c.number,
                status: c.status,
                patient_name,
                mrn,
                payer: payers.get(&c.payer_id).cloned().unwrap_or_default(),
                claimed: Money::new(c.claimed, c.currency),
                approved: c.approved.map(|a| Money::new(a, c.currency)),
                created_at: c.created_at,
                submitted_at: c.submitted_at,
                age_days: c
                    .submitted_at
                    .filter(|_| c.status.open())
                    .map(|s| age_days(s, now)),
            }
        })
        .collect();
    let counts: Vec<(ClaimStatus, i64)> = claims::Entity::find()
        .select_only()
        .column(claims::Column::Status)
        .column_as(Expr::col(claims::Column::Id).count(), "n")
        .group_by(claims::Column::Status)
        .into_tuple()
        .all(db)
        .await
        .or_internal()?;
    Ok(ClaimBoard {
        rows,
        next,
        counts: counts
            .into_iter()
            .map(|(s, n)| (s, Ord::max(n, 0) as u64))
            .collect(),
        aging: aging(db, currency, now).await?,
    })
}

/// The claims awaiting the insurer's money (submitted, approved but not
/// paid) in [`AgingBucket`]s by whole days since submission, with what is
/// expected of them (what was approved, else what was claimed).
async fn aging(
    db: &impl ConnectionTrait,
    currency: Currency,
    now: DateTime<Utc>,
) -> Result<Vec<(AgingBucket, u64, Money)>, AppError> {
    let day = chrono::Duration::days(1);
    let mut out = Vec::new();
    for bucket in AgingBucket::ALL {
        // Whole days d are in [lo, hi]: submitted in (now − (hi+1)d, now − lo d].
        let (lo, hi) = match bucket {
            AgingBucket::Current => (0, Some(30)),
            AgingBucket::Days31 => (31, Some(60)),
            AgingBucket::Days61 => (61, Some(90)),
            AgingBucket::Over90 => (91, None),
        };
        let mut q = claims::Entity::find()
            .filter(claims::Column::Status.is_in([
                ClaimStatus::Submitted,
                ClaimStatus::Approved,
                ClaimStatus::PartlyApproved,
            ]))
            .filter(claims::Column::Currency.eq(currency))
            .filter(claims::Column::SubmittedAt.lte(now - day * lo));
        if let Some(hi) = hi {
            q = q.filter(claims::Column::SubmittedAt.gt(now - day * (hi + 1)));
        }
        let (n, amount): (i64, i64) = q
            .select_only()
            .column_as(Expr::col(claims::Column::Id).count(), "n")
            .column_as(
                Expr::cust("CAST(COALESCE(SUM(COALESCE(approved, claimed)), 0) AS BIGINT)"),
                "amount",
            )
            .into_tuple()
            .one(db)
            .await
            .or_internal()?
            .unwrap_or((0, 0));
        out.push((bucket, Ord::max(n, 0) as u64, Money::new(amount, currency)));
    }
    Ok(out)
}

// ----------------------------------------------------------------- FHIR

/// Where our claim numbers are named in FHIR resources.
pub const CLAIM_SYSTEM: &str = "urn:hms:claim";

fn fhir_money(minor: i64, currency: Currency) -> Value {
    let value = minor as f64 / currency.scale() as f64;
    json!({ "value": value, "currency": currency.as_str() })
}

/// The claim as a FHIR R4 `Claim`: the covered lines of its invoice, each
/// with the insurer's portion as its net, and what is claimed as its total.
pub fn fhir_claim(
    claim: &ClaimView,
    invoice: &shared::billing::InvoiceView,
    hospital: &str,
) -> Value {
    let currency = claim.claimed.currency;
    let items: Vec<Value> = invoice
        .lines
        .iter()
        .filter(|l| l.insurer_portion > 0)
        .enumerate()
        .map(|(i, l)| {
            json!({
                "sequence": i + 1,
                "productOrService": { "text": l.description },
                "servicedDate": l.service_date.to_string(),
                "quantity": { "value": l.quantity },
                "unitPrice": fhir_money(l.unit_price, currency),
                "net": fhir_money(l.insurer_portion, currency),
            })
        })
        .collect();
    json!({
        "resourceType": "Claim",
        "id": claim.id.to_string(),
        "identifier": [{ "system": CLAIM_SYSTEM, "value": claim.number }],
        "status": if claim.status == ClaimStatus::Draft { "draft" } else { "active" },
        "type": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/claim-type",
            "code": "institutional",
        }] },
        "use": "claim",
        "patient": {
            "reference": format!("Patient/{}", claim.patient_id),
            "identifier": { "system": crate::chart::export::MRN_SYSTEM, "value": claim.mrn },
            "display": claim.patient_name,
        },
        "created": claim.created_at.to_rfc3339(),
        "insurer": { "display": claim.payer },
        "provider": { "display": hospital },
        "priority": { "coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/processpriority",
            "code": "normal",
        }] },
        "insurance": [{
            "sequence": 1,
            "focal": true,
            "coverage": {
                "identifier": { "value": claim.member_id },
                "display": format!("{} {}", claim.payer, claim.member_id),
            },
        }],
        "item": items,
        "total": fhir_money(claim.claimed.minor, currency),
    })
}

fn response_error(message: impl Into<String>) -> AppError {
    AppError::field("response", message)
}

/// Reads an insurer's FHIR R4 `ClaimResponse` to `claim`: what it approved
/// (its `benefit` total; nothing when its outcome is `error`) and its
/// reason (`disposition`, or the first error's text).
pub fn read_claim_response(
    text: &str,
    claim: &claims::Model,
) -> Result<(i64, Option<String>), AppError> {
    let r: Value = serde_json::from_str(text)
        .map_err(|e| response_error(format!("This is not JSON: {e}.")))?;
    if r["resourceType"] != "ClaimResponse" {
        return Err(response_error("This is not a FHIR ClaimResponse."));
    }
    let names_claim = r["request"]["reference"]
        .as_str()
        .is_some_and(|s| s.rsplit('/').next() == Some(claim.id.to_string().as_str()))
        || r["request"]["identifier"]["value"].as_str() == Some(claim.number.as_str());
    if !names_claim {
        return Err(response_error(format!(
            "This response answers another claim, not {}.",
            claim.number
        )));
    }
    let text_of = |v: &Value| {
        v["text"]
            .as_str()
            .or_else(|| v["coding"][0]["display"].as_str())
            .or_else(|| v["coding"][0]["code"].as_str())
            .map(str::to_string)
    };
    let disposition = r["disposition"]
        .as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.chars().take(500).collect::<String>());
    match r["outcome"].as_str() {
        Some("queued") => Err(response_error(
            "The insurer has not decided yet (outcome \"queued\").",
        )),
        Some("error") => {
            let reason = disposition
                .or_else(|| text_of(&r["error"][0]["code"]))
                .unwrap_or_else(|| "Refused by the insurer (no reason given).".into());
            Ok((0, Some(reason)))
        }
        Some("complete" | "partial") => {
            let benefit = r["total"].as_array().and_then(|totals| {
                totals.iter().find(|t| {
                    t["category"]["coding"]
                        .as_array()
                        .is_some_and(|c| c.iter().any(|c| c["code"] == "benefit"))
                })
            });
            let Some(benefit) = benefit else {
                return Err(response_error(
                    "The response has no \"benefit\" total: what did the insurer approve?",
                ));
            };
            let amount = &benefit["amount"];
            if amount["currency"].as_str() != Some(claim.currency.as_str()) {
                return Err(response_error(format!(
                    "The response is in {}, the claim in {}.",
                    amount["currency"].as_str().unwrap_or("no currency"),
                    claim.currency
                )));
            }
            let value = amount["value"]
                .as_f64()
                .ok_or_else(|| response_error("The benefit total has no value."))?;
            let approved = (value * claim.currency.scale() as f64).round() as i64;
            if !(0..=claim.claimed).contains(&approved) {
                return Err(response_error(format!(
                    "The insurer approved {}, more than the {} claimed.",
                    claim.currency.format(approved),
                    claim.currency.format(claim.claimed)
                )));
            }
            let reason = if approved < claim.claimed {
                Some(
                    disposition
                        .unwrap_or_else(|| "Reduced by the insurer (no reason given).".into()),
                )
            } else {
                disposition
            };
            Ok((approved, reason))
        }
        _ => Err(response_error(
            "The response's outcome is not one of queued, complete, error or partial.",
        )),
    }
}

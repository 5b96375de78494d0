//! Refill requests: the patient asks, the prescriber's queue answers.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use shared::ids::{PrescriptionId, RefillRequestId};
use shared::pharmacy::FillStatus;
use shared::prescribing::{PrescriptionStatus, RefillRequestView, RefillStatus};
use shared::AppError;
use uuid::Uuid;

use crate::context::{is_unique_violation, OrInternal};
use crate::entity::{prescriptions, refill_requests};
use crate::patients::care::{name_of, user_names};

/// The most requests one queue or list answers, newest first.
pub const REFILL_LIST_LIMIT: u64 = 200;

fn refills_left(p: &prescriptions::Model) -> u8 {
    (p.refills - p.refills_used).clamp(0, 255) as u8
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<refill_requests::Model>,
) -> Result<Vec<RefillRequestView>, AppError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.prescription_id).collect();
    let rx: std::collections::HashMap<Uuid, prescriptions::Model> = prescriptions::Entity::find()
        .filter(prescriptions::Column::Id.is_in(ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let people = crate::patients::service::names(db, rows.iter().map(|r| r.patient_id)).await?;
    let names = user_names(db, rows.iter().filter_map(|r| r.decided_by)).await?;
    rows.into_iter()
        .map(|r| {
            let p = rx.get(&r.prescription_id).ok_or(AppError::Internal)?;
            Ok(RefillRequestView {
                id: r.id.into(),
                prescription_id: r.prescription_id.into(),
                patient_id: r.patient_id.into(),
                patient_name: people.get(&r.patient_id).cloned().unwrap_or_default(),
                drug_label: p.drug_label.clone(),
                directions: super::service::sig_of(p).directions(),
                status: r.status,
                note: r.note,
                requested_at: r.requested_at,
                decided_at: r.decided_at,
                decided_by: r.decided_by.map(|id| name_of(&names, id)),
                decline_reason: r.decline_reason,
                refills_left: refills_left(p),
            })
        })
        .collect()
}

/// A patient's request for another fill of their prescription: it must be
/// active with refills left and have no request pending.
pub async fn request(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    prescription_id: PrescriptionId,
    note: &str,
    now: DateTime<Utc>,
) -> Result<RefillRequestView, AppError> {
    let p = super::service::find(db, patient_id, prescription_id).await?;
    if p.status != PrescriptionStatus::Active {
        return Err(AppError::Conflict(
            "This prescription is no longer active: ask your doctor for a new one.".into(),
        ));
    }
    if refills_left(&p) == 0 {
        return Err(AppError::Conflict(
            "No refills are left on this prescription: ask your doctor for a new one.".into(),
        ));
    }
    let note = shared::validate::bounded_text(note, 300, "note")
        .map_err(|m| AppError::field("note", m))?;
    let row = refill_requests::ActiveModel {
        id: Set(Uuid::new_v4()),
        prescription_id: Set(p.id),
        patient_id: Set(patient_id),
        status: Set(RefillStatus::Pending),
        note: Set((!note.is_empty()).then_some(note)),
        requested_at: Set(now),
        decided_by: Set(None),
        decided_at: Set(None),
        decline_reason: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict(
                "A refill of this prescription is already waiting for the doctor.".into(),
            )
        } else {
            crate::context::internal(e)
        }
    })?;
    views(db, vec![row]).await?.pop().ok_or(AppError::Internal)
}

/// The patient's requests, newest first.
pub async fn mine(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<RefillRequestView>, AppError> {
    let rows = refill_requests::Entity::find()
        .filter(refill_requests::Column::PatientId.eq(patient_id))
        .order_by_desc(refill_requests::Column::RequestedAt)
        .limit(REFILL_LIST_LIMIT)
        .all(db)
        .await
        .or_internal()?;
    views(db, rows).await
}

/// Pending requests for the prescriptions `prescriber` signed, oldest first.
pub async fn queue(
    db: &impl ConnectionTrait,
    prescriber: Uuid,
) -> Result<Vec<RefillRequestView>, AppError> {
    let mine: Vec<Uuid> = prescriptions::Entity::find()
        .filter(prescriptions::Column::PrescriberId.eq(prescriber))
        .filter(prescriptions::Column::Status.eq(PrescriptionStatus::Active))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let rows = refill_requests::Entity::find()
        .filter(refill_requests::Column::Status.eq(RefillStatus::Pending))
        .filter(refill_requests::Column::PrescriptionId.is_in(mine))
        .order_by_asc(refill_requests::Column::RequestedAt)
        .limit(REFILL_LIST_LIMIT)
        .all(db)
        .await
        .or_internal()?;
    views(db, rows).await
}

/// The pending request, with its patient.
pub async fn pending(
    db: &impl ConnectionTrait,
    id: RefillRequestId,
) -> Result<refill_requests::Model, AppError> {
    let r = refill_requests::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The refill request".into()))?;
    if r.status != RefillStatus::Pending {
        return Err(AppError::Conflict(format!(
            "This request has been {} already.",
            r.status.label().to_lowercase()
        )));
    }
    Ok(r)
}

/// Approves (counting a refill and sending the prescription back to the
/// pharmacy's queue as a new fill) or declines with a reason.
pub async fn decide(
    db: &impl ConnectionTrait,
    r: refill_requests::Model,
    approve: bool,
    reason: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<RefillRequestView, AppError> {
    let reason = shared::validate::bounded_text(reason, 500, "reason")
        .map_err(|m| AppError::field("reason", m))?;
    if !approve && reason.is_empty() {
        return Err(AppError::field("reason", "Say why, for the patient."));
    }
    if approve {
        let p = prescriptions::Entity::find_by_id(r.prescription_id)
            .one(db)
            .await
            .or_internal()?
            .ok_or(AppError::Internal)?;
        super::service::require_active(&p)?;
        if refills_left(&p) == 0 {
            return Err(AppError::Conflict(
                "No refills are left on this prescription.".into(),
            ));
        }
        let used = p.refills_used + 1;
        let mut row = p.into_active_model();
        row.refills_used = Set(used);
        row.fill_status = Set(FillStatus::New);
        row.dispensed_quantity = Set(0);
        row.updated_at = Set(now);
        row.update(db).await.or_internal()?;
    }
    let mut row = r.into_active_model();
    row.status = Set(if approve {
        RefillStatus::Approved
    } else {
        RefillStatus::Declined
    });
    row.decided_by = Set(Some(by));
    row.decided_at = Set(Some(now));
    row.decline_reason = Set((!approve).then_some(reason));
    let row = row.update(db).await.or_internal()?;
    views(db, vec![row]).await?.pop().ok_or(AppError::Internal)
}

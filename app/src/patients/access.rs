//! Who may open which patient's record. Server-only; every server function
//! that touches one patient's data goes through here.
//!
//! - A patient opens their own record.
//! - A clinician (a role with `ReadCharts`) opens the chart of a patient in
//!   their care: a registration they did, an assignment to the care team, and
//!   later an appointment or admission. Anyone else's chart needs break-glass:
//!   a stated reason, time-limited access, audited and reported.
//! - Front-desk roles (`ManageDemographics`) open the administrative record of
//!   any patient, never the chart.
//!
//! Everything else is refused, and the refusal is audited.

use chrono::{Duration, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use shared::access::{AccessBasis, CareRelationshipKind, BREAK_GLASS_MINUTES};
use shared::ids::PatientId;
use shared::{AppError, Permission};
use uuid::Uuid;

use crate::auth::guard::{deny_patient, Caller};
use crate::context::OrInternal;
use crate::entity::{break_glass_grants, care_relationships, patients};

/// Why the caller may open this patient's chart, if they may.
pub async fn chart_access(
    caller: &Caller,
    patient_id: Uuid,
) -> Result<Option<AccessBasis>, AppError> {
    if caller.user.patient_id == Some(patient_id.into()) {
        return Ok(Some(AccessBasis::OwnRecord));
    }
    if !caller.can(Permission::ReadCharts) {
        return Ok(None);
    }
    let db = &caller.ctx.db;
    let now = caller.now();
    let relationship = care_relationships::Entity::find()
        .filter(care_relationships::Column::UserId.eq(caller.user.id))
        .filter(care_relationships::Column::PatientId.eq(patient_id))
        .filter(
            Condition::any()
                .add(care_relationships::Column::EndsAt.is_null())
                .add(care_relationships::Column::EndsAt.gt(now)),
        )
        .order_by_asc(care_relationships::Column::CreatedAt)
        .one(db)
        .await
        .or_internal()?;
    if let Some(r) = relationship {
        let kind = r.kind;
        return Ok(Some(AccessBasis::CareRelationship(kind)));
    }
    if let Some(ward) =
        crate::beds::service::ward_of_staff(db, caller.user.id.uuid(), patient_id).await?
    {
        return Ok(Some(AccessBasis::Ward(ward)));
    }
    let grant = break_glass_grants::Entity::find()
        .filter(break_glass_grants::Column::UserId.eq(caller.user.id))
        .filter(break_glass_grants::Column::PatientId.eq(patient_id))
        .filter(break_glass_grants::Column::ExpiresAt.gt(now))
        .order_by_desc(break_glass_grants::Column::ExpiresAt)
        .one(db)
        .await
        .or_internal()?;
    Ok(grant.map(|g| AccessBasis::BreakGlass {
        expires_at: g.expires_at,
    }))
}

/// The patient row, refusing merged records (their data lives in the target).
pub async fn live_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<patients::Model, AppError> {
    let p = crate::patients::service::find(db, patient_id).await?;
    if p.merged_into.is_some() {
        return Err(AppError::Conflict(
            "This record was merged into another record; search for the patient again.".into(),
        ));
    }
    Ok(p)
}

/// The caller's access to the chart, or `Forbidden` (audited as `action`).
/// The patient must exist: a missing record is `NotFound`, whoever asks.
pub async fn require_chart(
    caller: &Caller,
    patient_id: PatientId,
    action: &'static str,
) -> Result<AccessBasis, AppError> {
    open_chart(caller, patient_id, action)
        .await
        .map(|(basis, _)| basis)
}

/// [`require_chart`], with the patient's row it read.
pub async fn open_chart(
    caller: &Caller,
    patient_id: PatientId,
    action: &'static str,
) -> Result<(AccessBasis, patients::Model), AppError> {
    let patient_id = patient_id.uuid();
    let patient = live_patient(&caller.ctx.db, patient_id).await?;
    match chart_access(caller, patient_id).await? {
        Some(basis) => Ok((basis, patient)),
        None => {
            deny_patient(caller, action, patient_id).await?;
            Err(AppError::Forbidden)
        }
    }
}

/// Access for documenting care: `DocumentCare` (or `Diagnose`) and the chart.
pub async fn require_documenting(
    caller: &Caller,
    patient_id: Uuid,
    permission: Permission,
    action: &'static str,
) -> Result<AccessBasis, AppError> {
    if !caller.can(permission) {
        deny_patient(caller, action, patient_id).await?;
        return Err(AppError::Forbidden);
    }
    let basis = require_chart(caller, patient_id.into(), action).await?;
    if basis == AccessBasis::OwnRecord {
        // A clinician who is also a patient does not chart their own care.
        deny_patient(caller, action, patient_id).await?;
        return Err(AppError::Forbidden);
    }
    Ok(basis)
}

/// May the caller see (and, with `write`, change) the administrative record?
/// Front-desk roles see any; clinicians see those whose chart they may open;
/// patients see their own (and change their own contact part elsewhere).
pub async fn require_demographics(
    caller: &Caller,
    patient_id: Uuid,
    write: bool,
    action: &'static str,
) -> Result<(), AppError> {
    live_patient(&caller.ctx.db, patient_id).await?;
    if caller.can(Permission::ManageDemographics) {
        return Ok(());
    }
    let allowed = match chart_access(caller, patient_id).await? {
        Some(AccessBasis::OwnRecord) => !write,
        Some(_) => !write || caller.can(Permission::DocumentCare),
        None => false,
    };
    if allowed {
        Ok(())
    } else {
        deny_patient(caller, action, patient_id).await?;
        Err(AppError::Forbidden)
    }
}

/// Adds a care relationship unless the same one exists already.
pub async fn add_relationship(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    user_id: Uuid,
    kind: CareRelationshipKind,
    created_by: Option<Uuid>,
) -> Result<bool, AppError> {
    let existing = care_relationships::Entity::find()
        .filter(care_relationships::Column::UserId.eq(user_id))
        .filter(care_relationships::Column::PatientId.eq(patient_id))
        .filter(care_relationships::Column::Kind.eq(kind))
        .filter(care_relationships::Column::EndsAt.is_null())
        .one(db)
        .await
        .or_internal()?;
    if existing.is_some() {
        return Ok(false);
    }
    care_relationships::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(patient_id),
        user_id: Set(user_id),
        kind: Set(kind),
        created_by: Set(created_by),
        created_at: Set(Utc::now()),
        ends_at: Set(None),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(true)
}

/// Grants the caller time-limited access to one chart, in `txn`; answers
/// the access and the audit event. The reason is kept with the grant and in
/// the audit trail; administrators review both.
pub async fn break_glass(
    caller: &Caller,
    txn: &sea_orm::DatabaseTransaction,
    patient_id: Uuid,
    reason: String,
) -> Result<(AccessBasis, crate::audit::service::AuditEvent), AppError> {
    let now = caller.now();
    let expires_at = now + Duration::minutes(BREAK_GLASS_MINUTES);
    let id = Uuid::new_v4();
    break_glass_grants::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        user_id: Set(caller.user.id.into()),
        reason: Set(reason.clone()),
        granted_at: Set(now),
        expires_at: Set(expires_at),
    }
    .insert(txn)
    .await
    .or_internal()?;
    let event = caller
        .event("patients.break_glass")
        .patient(patient_id)
        .entity("break_glass_grant", id)
        .detail(reason);
    Ok((AccessBasis::BreakGlass { expires_at }, event))
}

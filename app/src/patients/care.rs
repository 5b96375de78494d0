//! Care teams: who looks after a patient, and adding someone to the team.

use std::collections::HashMap;

use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use shared::access::{CareRelationshipKind, CareTeamMember, ClinicianOption};
use shared::{AppError, Permission, Role};
use uuid::Uuid;

use crate::auth::guard::Caller;
use crate::context::OrInternal;
use crate::entity::{care_relationships, users};

/// Display names of the given users, for "recorded by" and similar.
pub async fn user_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, users::Model>, AppError> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|u| (u.id, u))
        .collect())
}

/// The name of a user for display, or a placeholder for a missing account.
pub fn name_of(names: &HashMap<Uuid, users::Model>, id: Uuid) -> String {
    names
        .get(&id)
        .map(|u| u.display_name.clone())
        .unwrap_or_else(|| "Unknown user".into())
}

pub async fn team(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<CareTeamMember>, AppError> {
    let now = chrono::Utc::now();
    let rows = care_relationships::Entity::find()
        .filter(care_relationships::Column::PatientId.eq(patient_id))
        .filter(
            Condition::any()
                .add(care_relationships::Column::EndsAt.is_null())
                .add(care_relationships::Column::EndsAt.gt(now)),
        )
        .order_by_asc(care_relationships::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()?;
    let names = user_names(db, rows.iter().map(|r| r.user_id)).await?;
    let mut team = Vec::new();
    for r in rows {
        let Some(user) = names.get(&r.user_id) else {
            continue;
        };
        // Only people who can open charts belong on the team list.
        let role = user.role;
        if !role.can(Permission::ReadCharts) || !user.active {
            continue;
        }
        team.push(CareTeamMember {
            user_id: r.user_id.into(),
            name: user.display_name.clone(),
            role: role.label().to_string(),
            kind: r.kind,
            since: r.created_at,
        });
    }
    Ok(team)
}

pub async fn clinicians(db: &impl ConnectionTrait) -> Result<Vec<ClinicianOption>, AppError> {
    let roles: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| r.can(Permission::ReadCharts))
        .collect();
    users::Entity::find()
        .filter(users::Column::Role.is_in(roles))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::DisplayName)
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|u| {
            Ok(ClinicianOption {
                user_id: u.id.into(),
                name: u.display_name,
                role: u.role.label().to_string(),
            })
        })
        .collect()
}

/// A clinician who may join a care team: active, in a role that reads charts.
pub async fn joinable(db: &impl ConnectionTrait, user_id: Uuid) -> Result<users::Model, AppError> {
    let user = users::Entity::find_by_id(user_id)
        .one(db)
        .await
        .or_internal()?
        .filter(|u| u.active)
        .ok_or_else(|| AppError::field("user_id", "Choose an active clinician."))?;
    let role = user.role;
    if !role.can(Permission::ReadCharts) {
        return Err(AppError::field(
            "user_id",
            format!("A {} cannot join a care team.", role.label().to_lowercase()),
        ));
    }
    Ok(user)
}

/// Adds `user` to the patient's care team; answers the audit event, or
/// nothing when they were on it already.
pub async fn assign(
    caller: &Caller,
    txn: &sea_orm::DatabaseTransaction,
    patient_id: Uuid,
    user: users::Model,
) -> Result<Option<crate::audit::service::AuditEvent>, AppError> {
    let added = super::access::add_relationship(
        txn,
        patient_id,
        user.id,
        CareRelationshipKind::Assigned,
        Some(caller.user.id.into()),
    )
    .await?;
    let role = user.role;
    Ok(added.then(|| {
        caller
            .event("patients.assign")
            .patient(patient_id)
            .entity("user", user.id)
            .detail(format!("assigned {} ({})", user.display_name, role.label()))
    }))
}

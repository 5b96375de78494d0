//! The local decision-support rules (`drug_rules` rows marked `local`).

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use shared::decision::{NewRule, RuleView};
use shared::ids::DrugRuleId;
use shared::AppError;
use uuid::Uuid;

use crate::context::OrInternal;
use crate::entity::drug_rules;
use crate::patients::care::{name_of, user_names};

/// What alerts name as the source of a local rule.
pub const LOCAL_SOURCE: &str = "Local rule";

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<drug_rules::Model>,
) -> Result<Vec<RuleView>, AppError> {
    let names = user_names(db, rows.iter().filter_map(|r| r.added_by)).await?;
    Ok(rows
        .into_iter()
        .map(|r| RuleView {
            added_by: r.added_by.map(|id| name_of(&names, id)),
            reason: r.reason.clone(),
            created_at: r.created_at,
            retired: r.retired_at.is_some(),
            rule: super::service::rule_of(r),
        })
        .collect())
}

pub async fn local_rules(db: &impl ConnectionTrait) -> Result<Vec<RuleView>, AppError> {
    let mut rows = drug_rules::Entity::find()
        .filter(drug_rules::Column::Local.eq(true))
        .order_by_desc(drug_rules::Column::CreatedAt)
        .order_by_asc(drug_rules::Column::Id)
        .all(db)
        .await
        .or_internal()?;
    rows.sort_by_key(|r| r.retired_at.is_some());
    views(db, rows).await
}

pub async fn add(
    db: &impl ConnectionTrait,
    r: &NewRule,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<RuleView, AppError> {
    let row = drug_rules::ActiveModel {
        id: Set(Uuid::new_v4()),
        kind: Set(r.kind),
        a_kind: Set(r.a.kind),
        a_value: Set(r.a.value.clone()),
        b_kind: Set(r.b.kind),
        b_value: Set(r.b.value.clone()),
        severity: Set(r.severity),
        description: Set(r.text.clone()),
        source: Set(LOCAL_SOURCE.into()),
        local: Set(true),
        added_by: Set(Some(by)),
        reason: Set(Some(r.reason.clone())),
        created_at: Set(now),
        retired_at: Set(None),
    }
    .insert(db)
    .await
    .or_internal()?;
    views(db, vec![row]).await?.pop().ok_or(AppError::Internal)
}

/// Retires a local rule; shipped rules are not the pharmacy's to retire.
pub async fn retire(
    db: &impl ConnectionTrait,
    id: DrugRuleId,
    now: DateTime<Utc>,
) -> Result<RuleView, AppError> {
    let row = drug_rules::Entity::find_by_id(id.uuid())
        .filter(drug_rules::Column::Local.eq(true))
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The local rule".into()))?;
    let row = if row.retired_at.is_none() {
        let mut active = row.into_active_model();
        active.retired_at = Set(Some(now));
        active.update(db).await.or_internal()?
    } else {
        row
    };
    views(db, vec![row]).await?.pop().ok_or(AppError::Internal)
}

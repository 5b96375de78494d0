//! The break-glass report for administrators.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use shared::access::BreakGlassReportRow;
use shared::patients::Mrn;
use shared::AppError;

use crate::context::OrInternal;
use crate::entity::{audit_events, break_glass_grants};
use crate::patients::care::user_names;

/// The most grants the report lists.
pub const REPORT_LIMIT: u64 = 200;

pub async fn break_glass(
    db: &impl ConnectionTrait,
    days: u32,
    now: DateTime<Utc>,
) -> Result<Vec<BreakGlassReportRow>, AppError> {
    let since = now - Duration::days(i64::from(days));
    let grants = break_glass_grants::Entity::find()
        .filter(break_glass_grants::Column::GrantedAt.gte(since))
        .order_by_desc(break_glass_grants::Column::GrantedAt)
        .limit(REPORT_LIMIT)
        .all(db)
        .await
        .or_internal()?;
    let users = user_names(db, grants.iter().map(|g| g.user_id)).await?;
    let patients = crate::patients::service::by_id(db, grants.iter().map(|g| g.patient_id)).await?;
    let mut rows = Vec::with_capacity(grants.len());
    for g in grants {
        let reads = audit_events::Entity::find()
            .filter(audit_events::Column::ActorId.eq(g.user_id))
            .filter(audit_events::Column::PatientId.eq(g.patient_id))
            .filter(audit_events::Column::Action.eq("chart.read"))
            .filter(audit_events::Column::At.gte(g.granted_at))
            .filter(audit_events::Column::At.lte(g.expires_at))
            .count(db)
            .await
            .or_internal()?;
        let user = users.get(&g.user_id);
        let patient = patients.get(&g.patient_id);
        rows.push(BreakGlassReportRow {
            id: g.id,
            granted_at: g.granted_at,
            expires_at: g.expires_at,
            user_name: user.map(|u| u.display_name.clone()).unwrap_or_default(),
            user_email: user.map(|u| u.email.clone()).unwrap_or_default(),
            user_role: user.map(|u| u.role.label().to_string()).unwrap_or_default(),
            patient_id: g.patient_id.into(),
            patient_name: patient
                .map(|p| shared::patients::filing_name(&p.family_name, &p.given_name))
                .unwrap_or_default(),
            patient_mrn: patient
                .and_then(|p| Mrn::parse(&p.mrn).ok())
                .map(|m| m.display())
                .unwrap_or_default(),
            reason: g.reason,
            reads,
        });
    }
    Ok(rows)
}

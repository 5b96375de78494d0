//! Writing and reading the audit trail. Writing takes any connection, so the
//! event goes into the same transaction as the change it describes.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Order;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use shared::audit::{
    parse_audit_dates, AuditEventView, AuditPage, AuditQuery, AuditSortColumn, Outcome,
};
use shared::patients::Mrn;
use shared::time::HospitalTime;
use shared::AppError;
use uuid::Uuid;

use crate::context::{OrInternal, RequestMeta};
use crate::entity::{audit_events, patients};

/// Who did something, for the audit trail.
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub id: Option<Uuid>,
    pub email: Option<String>,
    pub role: Option<shared::Role>,
}

/// One event about to be appended.
#[derive(Clone, Debug)]
pub struct AuditEvent {
    pub actor: Actor,
    /// Dotted name: `auth.login`, `users.create`, `patients.read` …
    pub action: &'static str,
    pub patient_id: Option<Uuid>,
    pub entity: Option<&'static str>,
    pub entity_id: Option<String>,
    pub outcome: Outcome,
    pub detail: Option<String>,
    /// When it happened, from the server's clock; appended without one, the
    /// event is stamped when its row is made.
    pub at: Option<DateTime<Utc>>,
}

impl AuditEvent {
    pub fn new(actor: Actor, action: &'static str, outcome: Outcome) -> Self {
        Self {
            actor,
            action,
            patient_id: None,
            entity: None,
            entity_id: None,
            outcome,
            detail: None,
            at: None,
        }
    }

    pub fn at(mut self, at: DateTime<Utc>) -> Self {
        self.at = Some(at);
        self
    }

    pub fn entity(mut self, entity: &'static str, id: impl ToString) -> Self {
        self.entity = Some(entity);
        self.entity_id = Some(id.to_string());
        self
    }

    pub fn patient(mut self, patient_id: impl Into<Uuid>) -> Self {
        self.patient_id = Some(patient_id.into());
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }
}

/// Appends one event. With [`super::writer`], the only writes ever made to the table.
pub async fn append(
    db: &impl ConnectionTrait,
    event: AuditEvent,
    meta: &RequestMeta,
) -> Result<(), DbErr> {
    row(event, meta).insert(db).await?;
    Ok(())
}

/// The row for `event`, stamped with its time (or now).
pub fn row(event: AuditEvent, meta: &RequestMeta) -> audit_events::ActiveModel {
    audit_events::ActiveModel {
        at: Set(event.at.unwrap_or_else(Utc::now)),
        actor_id: Set(event.actor.id),
        actor_email: Set(event.actor.email),
        actor_role: Set(event.actor.role),
        action: Set(event.action.to_string()),
        patient_id: Set(event.patient_id),
        entity: Set(event.entity.map(str::to_string)),
        entity_id: Set(event.entity_id),
        outcome: Set(event.outcome),
        client_addr: Set(Some(meta.client_addr.clone()).filter(|a| !a.is_empty())),
        detail: Set(event.detail),
        ..Default::default()
    }
}

pub const AUDIT_PAGE_SIZE: u32 = 50;

/// One page of the audit trail, filtered and sorted as the viewer asks.
/// The dates are the hospital's days (`at` knows its zone).
pub async fn search(
    db: &impl ConnectionTrait,
    query: &AuditQuery,
    at: &impl HospitalTime,
) -> Result<AuditPage, AppError> {
    let (from, to) = parse_audit_dates(query)?;
    let mut select = audit_events::Entity::find();
    let user = query.user.trim().to_lowercase();
    if !user.is_empty() {
        select = select.filter(audit_events::Column::ActorEmail.contains(&user));
    }
    let patient = query.patient.trim();
    if !patient.is_empty() {
        let mrn = Mrn::parse(patient).map_err(|m| AppError::field("patient", m))?;
        let found = patients::Entity::find()
            .filter(patients::Column::Mrn.eq(mrn.as_str()))
            .one(db)
            .await
            .or_internal()?;
        // An MRN nobody has matches no events rather than every event.
        let id = found.map(|p| p.id).unwrap_or_else(Uuid::nil);
        select = select.filter(audit_events::Column::PatientId.eq(id));
    }
    let action = query.action.trim();
    if !action.is_empty() {
        select = select.filter(audit_events::Column::Action.starts_with(action));
    }
    if let Some(from) = from {
        select = select.filter(audit_events::Column::At.gte(at.start_of_day(from)));
    }
    if let Some(to) = to {
        let end = at.start_of_day(to + Duration::days(1));
        select = select.filter(audit_events::Column::At.lt(end));
    }
    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    let column = match query.sort {
        AuditSortColumn::At => audit_events::Column::At,
        AuditSortColumn::Actor => audit_events::Column::ActorEmail,
        AuditSortColumn::Action => audit_events::Column::Action,
        AuditSortColumn::Outcome => audit_events::Column::Outcome,
    };
    // The id breaks ties, so pages never overlap or skip rows.
    select = select
        .order_by(column, order.clone())
        .order_by(audit_events::Column::Id, order);
    let rows = select
        .offset(u64::from(query.page) * u64::from(AUDIT_PAGE_SIZE))
        .limit(u64::from(AUDIT_PAGE_SIZE) + 1)
        .all(db)
        .await
        .or_internal()?;
    let has_more = rows.len() > AUDIT_PAGE_SIZE as usize;
    let rows: Vec<_> = rows.into_iter().take(AUDIT_PAGE_SIZE as usize).collect();

    let patient_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.patient_id).collect();
    let mrns: std::collections::HashMap<Uuid, String> = if patient_ids.is_empty() {
        Default::default()
    } else {
        patients::Entity::find()
            .filter(patients::Column::Id.is_in(patient_ids))
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|p| (p.id, p.mrn))
            .collect()
    };
    let events = rows
        .into_iter()
        .map(|r| AuditEventView {
            patient_mrn: r.patient_id.and_then(|id| mrns.get(&id).cloned()),
            id: r.id,
            at: r.at,
            actor_id: r.actor_id.map(Into::into),
            actor_email: r.actor_email,
            actor_role: r.actor_role,
            action: r.action,
            patient_id: r.patient_id.map(Into::into),
            entity: r.entity,
            entity_id: r.entity_id,
            outcome: r.outcome,
            client_addr: r.client_addr,
            detail: r.detail,
        })
        .collect();
    Ok(AuditPage {
        events,
        page: query.page,
        page_size: AUDIT_PAGE_SIZE,
        has_more,
    })
}

/// Counts events matching an action and outcome since a moment (for the admin overview).
pub async fn count_since(
    db: &impl ConnectionTrait,
    action: &str,
    outcome: Outcome,
    since: chrono::DateTime<Utc>,
) -> Result<i64, AppError> {
    use sea_orm::PaginatorTrait;
    let n = audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq(action))
        .filter(audit_events::Column::Outcome.eq(outcome))
        .filter(audit_events::Column::At.gte(since))
        .count(db)
        .await
        .or_internal()?;
    Ok(n as i64)
}

//! Writing and reading the audit trail. Writing takes any connection, so the
//! event goes into the same transaction as the change it describes.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Order;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Select,
    TransactionSession, TransactionTrait,
};
use shared::audit::{
    parse_audit_dates, AuditCursor, AuditEventView, AuditPage, AuditQuery, AuditSortColumn, Outcome,
};
use shared::audit_chain::chain_time;
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

/// Appends one event to the chain. Pass the transaction of the change it
/// describes (the event is then a savepoint of it, appended last, before the
/// commit); given a connection, the event is a write transaction of its own.
/// With [`super::writer`], the only writes ever made to the table.
pub async fn append(
    db: &(impl ConnectionTrait + TransactionTrait),
    event: AuditEvent,
    meta: &RequestMeta,
) -> Result<(), DbErr> {
    let txn = crate::context::begin_write_raw(db).await?;
    super::chain::append(&txn, vec![row(event, meta)]).await?;
    txn.commit().await
}

/// The row for `event`, stamped with its time (or now) as the chain keeps
/// it; its id and place in the chain are given when it is appended.
pub fn row(event: AuditEvent, meta: &RequestMeta) -> audit_events::Model {
    audit_events::Model {
        id: 0,
        at: chain_time(event.at.unwrap_or_else(Utc::now)),
        actor_id: event.actor.id,
        actor_email: event.actor.email,
        actor_role: event.actor.role,
        action: event.action.to_string(),
        patient_id: event.patient_id,
        entity: event.entity.map(str::to_string),
        entity_id: event.entity_id,
        outcome: event.outcome,
        client_addr: Some(meta.client_addr.clone()).filter(|a| !a.is_empty()),
        detail: event.detail,
        seq: None,
        prev_hash: None,
    }
}

pub const AUDIT_PAGE_SIZE: u32 = 50;

/// The events `query`'s filters match, unordered. The dates are the
/// hospital's days (`at` knows its zone).
pub async fn filtered(
    db: &impl ConnectionTrait,
    query: &AuditQuery,
    at: &impl HospitalTime,
) -> Result<Select<audit_events::Entity>, AppError> {
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
    if let Some(outcome) = query.outcome {
        select = select.filter(audit_events::Column::Outcome.eq(outcome));
    }
    Ok(select)
}

/// One page of the audit trail, filtered and sorted as the viewer asks.
pub async fn search(
    db: &impl ConnectionTrait,
    query: &AuditQuery,
    at: &impl HospitalTime,
) -> Result<AuditPage, AppError> {
    use sea_orm::sea_query::{Condition, Expr, ExprTrait, Func};
    let mut select = filtered(db, query, at).await?;
    let order = if query.descending {
        Order::Desc
    } else {
        Order::Asc
    };
    // The sort key; an event without an actor sorts as the empty address on
    // both databases (they put NULLs at opposite ends).
    let key: Expr = match query.sort {
        AuditSortColumn::At => Expr::col(audit_events::Column::At),
        AuditSortColumn::Actor => {
            Func::coalesce([Expr::col(audit_events::Column::ActorEmail), Expr::val("")]).into()
        }
        AuditSortColumn::Action => Expr::col(audit_events::Column::Action),
        AuditSortColumn::Outcome => Expr::col(audit_events::Column::Outcome),
    };
    // Keyset paging: the events after the last one shown, in the same
    // order; the id breaks ties, so pages never overlap or skip an event.
    if let Some(after) = &query.after {
        let value: sea_orm::Value = match query.sort {
            AuditSortColumn::At => chrono::DateTime::parse_from_rfc3339(&after.key)
                .map_err(|_| {
                    AppError::BadRequest("That page of the audit trail is not known.".into())
                })?
                .with_timezone(&Utc)
                .into(),
            _ => after.key.clone().into(),
        };
        let id = Expr::col(audit_events::Column::Id);
        let (beyond, id_beyond) = if query.descending {
            (key.clone().lt(value.clone()), id.lt(after.id))
        } else {
            (key.clone().gt(value.clone()), id.gt(after.id))
        };
        select = select.filter(
            Condition::any()
                .add(beyond)
                .add(Condition::all().add(key.clone().eq(value)).add(id_beyond)),
        );
    }
    select = select
        .order_by(key, order.clone())
        .order_by(audit_events::Column::Id, order);
    let rows = select
        .limit(u64::from(AUDIT_PAGE_SIZE) + 1)
        .all(db)
        .await
        .or_internal()?;
    let has_more = rows.len() > AUDIT_PAGE_SIZE as usize;
    let rows: Vec<_> = rows.into_iter().take(AUDIT_PAGE_SIZE as usize).collect();
    let next = rows.last().filter(|_| has_more).map(|r| AuditCursor {
        key: match query.sort {
            AuditSortColumn::At => r.at.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true),
            AuditSortColumn::Actor => r.actor_email.clone().unwrap_or_default(),
            AuditSortColumn::Action => r.action.clone(),
            AuditSortColumn::Outcome => r.outcome.as_str().to_string(),
        },
        id: r.id,
    });
    let mrns = mrns_of(db, &rows).await?;
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
        page_size: AUDIT_PAGE_SIZE,
        next,
    })
}

/// The MRNs of the patients `rows` name.
pub async fn mrns_of(
    db: &impl ConnectionTrait,
    rows: &[audit_events::Model],
) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
    let patient_ids: Vec<Uuid> = rows.iter().filter_map(|r| r.patient_id).collect();
    if patient_ids.is_empty() {
        return Ok(Default::default());
    }
    Ok(patients::Entity::find()
        .filter(patients::Column::Id.is_in(patient_ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| (p.id, p.mrn))
        .collect())
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

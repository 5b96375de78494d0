//! The audit trail's hash chain: appending events to it, and walking it to
//! find the first broken link (`hms audit verify`). The encoding and hash
//! are `shared::audit_chain`'s; migration 17 made the head row and chained
//! the events stored before it.
//!
//! Appending locks the head row in the appender's transaction (`FOR UPDATE`
//! on PostgreSQL; on SQLite the transaction already holds the database's one
//! write lock), gives the events the next places, and moves the head. Every
//! write transaction appends its events last, just before it commits, so the
//! lock is held for the shortest time and never taken before another row
//! lock (no deadlock between two appenders). The group-commit writer
//! (`writer.rs`) takes it once per batch.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::NotSet, ColumnTrait, ConnectionTrait, DbErr, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use shared::audit_chain::{Link, GENESIS};

use crate::entity::{audit_chain_head, audit_events};

const HEAD: i32 = 1;

/// The chain's link for a stored (or about to be stored) event.
pub fn link(row: &audit_events::Model) -> Link<'_> {
    Link {
        seq: row.seq.unwrap_or(0),
        at: row.at,
        actor_id: row.actor_id,
        actor_email: row.actor_email.as_deref(),
        actor_role: row.actor_role.map(|r| r.as_str()),
        action: &row.action,
        patient_id: row.patient_id,
        entity: row.entity.as_deref(),
        entity_id: row.entity_id.as_deref(),
        outcome: row.outcome.as_str(),
        client_addr: row.client_addr.as_deref(),
        detail: row.detail.as_deref(),
        prev_hash: row.prev_hash.as_deref().unwrap_or(""),
    }
}

/// Appends `rows` (ids, `seq` and `prev_hash` not yet set) to the chain, in
/// order, within `txn`. The caller commits.
pub async fn append(
    txn: &impl ConnectionTrait,
    rows: Vec<audit_events::Model>,
) -> Result<(), DbErr> {
    if rows.is_empty() {
        return Ok(());
    }
    let head = audit_chain_head::Entity::find_by_id(HEAD)
        .lock_exclusive()
        .one(txn)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the audit chain's head row".into()))?;
    let (mut seq, mut prev) = (head.seq, head.hash);
    let mut active = Vec::with_capacity(rows.len());
    for mut row in rows {
        seq += 1;
        row.seq = Some(seq);
        row.prev_hash = Some(prev);
        prev = link(&row).hash();
        let mut model = row.into_active_model().reset_all();
        model.id = NotSet;
        active.push(model);
    }
    audit_events::Entity::insert_many(active)
        .exec_without_returning(txn)
        .await?;
    audit_chain_head::Entity::update_many()
        .col_expr(audit_chain_head::Column::Seq, Expr::value(seq))
        .col_expr(audit_chain_head::Column::Hash, Expr::value(prev))
        .filter(audit_chain_head::Column::Id.eq(HEAD))
        .exec(txn)
        .await?;
    Ok(())
}

/// What walking the chain found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainReport {
    /// Events whose links were checked and held, from the first on.
    pub verified: i64,
    /// The head row: the last place and its hash.
    pub head_seq: i64,
    pub head_hash: String,
    /// The first thing wrong, if anything is.
    pub broken: Option<BrokenLink>,
}

/// The first place the chain does not hold.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BrokenLink {
    /// The place in the chain where it breaks (the event expected there).
    pub seq: i64,
    /// The row id found there, if a row was.
    pub row_id: Option<i64>,
    pub problem: String,
}

impl ChainReport {
    pub fn holds(&self) -> bool {
        self.broken.is_none()
    }
}

impl std::fmt::Display for ChainReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.broken {
            None => write!(
                f,
                "audit chain verified: {} events; head seq {} hash {}",
                self.verified, self.head_seq, self.head_hash
            ),
            Some(b) => write!(
                f,
                "audit chain BROKEN at seq {}{}: {} ({} events before it verified; head seq {} hash {})",
                b.seq,
                b.row_id.map(|id| format!(" (row id {id})")).unwrap_or_default(),
                b.problem,
                self.verified,
                self.head_seq,
                self.head_hash
            ),
        }
    }
}

/// Events read per query while walking.
const PAGE: u64 = 1_000;

/// Walks the whole chain in `seq` order (keyset pages) and reports the first
/// broken link: an event whose `prev_hash` is not the hash of the one before
/// it (that one was changed, or removed), a gap or repeat in `seq`, a row
/// outside the chain (no `seq`), or a head that the chain does not end at
/// (events removed from the end, or added after it by hand).
pub async fn verify(db: &impl ConnectionTrait) -> Result<ChainReport, DbErr> {
    let head = audit_chain_head::Entity::find_by_id(HEAD)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("the audit chain's head row".into()))?;
    let mut report = ChainReport {
        verified: 0,
        head_seq: head.seq,
        head_hash: head.hash.clone(),
        broken: None,
    };
    let outside = audit_events::Entity::find()
        .filter(audit_events::Column::Seq.is_null())
        .order_by_asc(audit_events::Column::Id)
        .one(db)
        .await?;
    let mut expected_seq = 1i64;
    let mut expected_prev = GENESIS.to_string();
    let mut after = 0i64;
    let broken = 'walk: loop {
        let rows = audit_events::Entity::find()
            .filter(audit_events::Column::Seq.gt(after))
            .order_by_asc(audit_events::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        for row in &rows {
            let seq = row.seq.unwrap_or_default();
            if seq != expected_seq {
                break 'walk Some(BrokenLink {
                    seq: expected_seq,
                    row_id: None,
                    problem: format!(
                        "no event has this place: the next one found is seq {seq} (events removed)"
                    ),
                });
            }
            if row.prev_hash.as_deref() != Some(expected_prev.as_str()) {
                break 'walk Some(BrokenLink {
                    seq,
                    row_id: Some(row.id),
                    problem: "its prev_hash is not the hash of the event before it \
                              (that event was changed, removed or replaced, or this one forged)"
                        .into(),
                });
            }
            expected_prev = link(row).hash();
            expected_seq += 1;
            report.verified += 1;
        }
        match rows.last() {
            Some(last) if rows.len() as u64 == PAGE => after = last.seq.unwrap_or_default(),
            _ => break None,
        }
    };
    report.broken = broken.or_else(|| {
        let last = expected_seq - 1;
        if let Some(row) = outside {
            Some(BrokenLink {
                seq: last + 1,
                row_id: Some(row.id),
                problem: "a row has no place in the chain (inserted outside the application)"
                    .into(),
            })
        } else if last != head.seq {
            Some(BrokenLink {
                seq: last.min(head.seq) + 1,
                row_id: None,
                problem: format!(
                    "the chain ends at seq {last} but its head says {} \
                     (events removed from the end, or added after it by hand)",
                    head.seq
                ),
            })
        } else if expected_prev != head.hash {
            Some(BrokenLink {
                seq: last,
                row_id: None,
                problem: "the last event's hash is not the head's (the last event was changed)"
                    .into(),
            })
        } else {
            None
        }
    });
    Ok(report)
}

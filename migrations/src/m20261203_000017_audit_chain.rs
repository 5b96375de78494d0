//! The audit trail becomes a hash chain (`shared::audit_chain`).
//!
//! - `audit_events.seq`: the event's place in the chain (1, 2, 3 …, unique);
//!   `audit_events.prev_hash`: the SHA-256 of the event before it, in hex.
//!   A trigger refuses a new row without them, so no code path can append
//!   an event outside the chain.
//! - `audit_chain_head`: one row (`id` 1) with the last `seq` and that
//!   event's hash. Every append locks it (`SELECT … FOR UPDATE` on
//!   PostgreSQL; SQLite's write lock does the same), so processes sharing one
//!   database extend one chain. Triggers refuse deleting it, adding a second
//!   row, or moving it backwards.
//! - The events stored before this migration are chained here, in the order
//!   of their ids, [`BATCH`] per statement. The append-only trigger is set
//!   aside for that and put back before the migration's transaction ends.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::prelude::{DateTimeUtc, Uuid};
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, QueryResult, Statement, Value};
use shared::audit_chain::{Link, GENESIS};

use crate::util::{add_columns, drop_columns, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Events chained per statement.
const BATCH: usize = 500;

const SQLITE_NO_UPDATE: &str =
    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events \
     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;";

const SQLITE_TRIGGERS: [&str; 4] = [
    "CREATE TRIGGER audit_events_chained BEFORE INSERT ON audit_events \
     WHEN NEW.seq IS NULL OR NEW.prev_hash IS NULL \
     BEGIN SELECT RAISE(ABORT, 'an audit event must be appended to the chain'); END;",
    "CREATE TRIGGER audit_chain_head_no_delete BEFORE DELETE ON audit_chain_head \
     BEGIN SELECT RAISE(ABORT, 'the audit chain head cannot be removed'); END;",
    "CREATE TRIGGER audit_chain_head_one BEFORE INSERT ON audit_chain_head \
     WHEN (SELECT count(*) FROM audit_chain_head) > 0 \
     BEGIN SELECT RAISE(ABORT, 'the audit chain has one head'); END;",
    "CREATE TRIGGER audit_chain_head_forward BEFORE UPDATE ON audit_chain_head \
     WHEN NEW.seq < OLD.seq OR NEW.id <> OLD.id \
     BEGIN SELECT RAISE(ABORT, 'the audit chain head only moves forward'); END;",
];

const POSTGRES_TRIGGERS: [&str; 4] = [
    "CREATE FUNCTION audit_events_chained() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN IF NEW.seq IS NULL OR NEW.prev_hash IS NULL THEN \
     RAISE EXCEPTION 'an audit event must be appended to the chain'; END IF; RETURN NEW; END $$; \
     CREATE TRIGGER audit_events_chained BEFORE INSERT ON audit_events \
     FOR EACH ROW EXECUTE FUNCTION audit_events_chained();",
    "CREATE FUNCTION audit_chain_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$ \
     BEGIN \
     IF TG_OP = 'DELETE' THEN RAISE EXCEPTION 'the audit chain head cannot be removed'; END IF; \
     IF TG_OP = 'INSERT' AND EXISTS (SELECT 1 FROM audit_chain_head) THEN \
     RAISE EXCEPTION 'the audit chain has one head'; END IF; \
     IF TG_OP = 'UPDATE' AND (NEW.seq < OLD.seq OR NEW.id <> OLD.id) THEN \
     RAISE EXCEPTION 'the audit chain head only moves forward'; END IF; \
     RETURN NEW; END $$;",
    "CREATE TRIGGER audit_chain_head_guard BEFORE INSERT OR UPDATE OR DELETE ON audit_chain_head \
     FOR EACH ROW EXECUTE FUNCTION audit_chain_head_guard();",
    "CREATE TRIGGER audit_chain_head_no_truncate BEFORE TRUNCATE ON audit_chain_head \
     FOR EACH STATEMENT EXECUTE FUNCTION audit_chain_head_guard();",
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// One transaction on SQLite too: the trigger set aside is back before
    /// anyone else can write, and every statement runs on one connection
    /// (another pooled connection could still read an older schema).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            "audit_events",
            [big_integer_null("seq"), string_len_null("prev_hash", 64)],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("audit_chain_head")
                    .col(integer("id").primary_key())
                    .col(big_integer("seq"))
                    .col(string_len("hash", 64))
                    .to_owned(),
            )
            .await?;

        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        // Chain what is there, with the append-only trigger set aside.
        match backend {
            DbBackend::Sqlite => {
                db.execute_unprepared("DROP TRIGGER audit_events_no_update")
                    .await?;
            }
            _ => {
                db.execute_unprepared(
                    "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
                )
                .await?;
            }
        }
        let (seq, hash) = chain_existing(db, backend).await?;
        match backend {
            DbBackend::Sqlite => {
                db.execute_unprepared(SQLITE_NO_UPDATE).await?;
            }
            _ => {
                db.execute_unprepared(
                    "ALTER TABLE audit_events ENABLE TRIGGER audit_events_no_change",
                )
                .await?;
            }
        }
        db.execute_raw(Statement::from_sql_and_values(
            backend,
            match backend {
                DbBackend::Postgres => {
                    "INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, $1, $2)"
                }
                _ => "INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, ?, ?)",
            },
            [Value::from(seq), Value::from(hash)],
        ))
        .await?;
        index(
            manager,
            "ux_audit_events_seq",
            "audit_events",
            &["seq"],
            true,
        )
        .await?;
        let triggers: &[&str] = match backend {
            DbBackend::Sqlite => &SQLITE_TRIGGERS,
            _ => &POSTGRES_TRIGGERS,
        };
        for sql in triggers {
            db.execute_unprepared(sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                for t in [
                    "audit_events_chained",
                    "audit_chain_head_no_delete",
                    "audit_chain_head_one",
                    "audit_chain_head_forward",
                ] {
                    db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS {t}"))
                        .await?;
                }
            }
            _ => {
                db.execute_unprepared(
                    "DROP TRIGGER IF EXISTS audit_events_chained ON audit_events; \
                     DROP FUNCTION IF EXISTS audit_events_chained(); \
                     DROP TABLE IF EXISTS audit_chain_head; \
                     DROP FUNCTION IF EXISTS audit_chain_head_guard();",
                )
                .await?;
            }
        }
        manager
            .drop_table(
                Table::drop()
                    .table("audit_chain_head")
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("ux_audit_events_seq")
                    .table("audit_events")
                    .to_owned(),
            )
            .await?;
        drop_columns(manager, "audit_events", &["prev_hash", "seq"]).await?;
        Ok(())
    }
}

/// Chains the stored events in id order; answers the head (last seq, its hash).
async fn chain_existing(
    db: &impl ConnectionTrait,
    backend: DbBackend,
) -> Result<(i64, String), DbErr> {
    let mut seq: i64 = 0;
    let mut prev = GENESIS.to_string();
    let mut after: i64 = 0;
    loop {
        let select =
            Statement::from_sql_and_values(
                backend,
                format!(
                "SELECT id, at, actor_id, actor_email, actor_role, action, patient_id, entity, \
                 entity_id, outcome, client_addr, detail FROM audit_events WHERE id > {} \
                 ORDER BY id LIMIT {BATCH}",
                if backend == DbBackend::Postgres { "$1" } else { "?" }
            ),
                [Value::from(after)],
            );
        let rows = db.query_all_raw(select).await?;
        let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 3);
        let mut tuples = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: i64 = row.try_get("", "id")?;
            seq += 1;
            let hash = link_hash(row, seq, &prev)?;
            let n = values.len();
            tuples.push(match backend {
                DbBackend::Postgres => format!(
                    "(CAST(${} AS bigint), CAST(${} AS bigint), ${})",
                    n + 1,
                    n + 2,
                    n + 3
                ),
                _ => "(?, ?, ?)".to_string(),
            });
            values.extend([Value::from(id), Value::from(seq), Value::from(prev)]);
            prev = hash;
            after = id;
        }
        if !tuples.is_empty() {
            let sql = format!(
                "WITH v (id, seq, prev_hash) AS (VALUES {}) \
                 UPDATE audit_events SET seq = v.seq, prev_hash = v.prev_hash \
                 FROM v WHERE audit_events.id = v.id",
                tuples.join(", ")
            );
            db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await?;
        }
        if rows.len() < BATCH {
            return Ok((seq, prev));
        }
    }
}

/// The hash of one stored event placed at `seq` after `prev`.
fn link_hash(row: &QueryResult, seq: i64, prev: &str) -> Result<String, DbErr> {
    let at: DateTimeUtc = row.try_get("", "at")?;
    let actor_id: Option<Uuid> = row.try_get("", "actor_id")?;
    let text = |column: &str| -> Result<Option<String>, DbErr> { row.try_get("", column) };
    let (email, role, entity, entity_id, addr, detail) = (
        text("actor_email")?,
        text("actor_role")?,
        text("entity")?,
        text("entity_id")?,
        text("client_addr")?,
        text("detail")?,
    );
    let action: String = row.try_get("", "action")?;
    let outcome: String = row.try_get("", "outcome")?;
    let patient_id: Option<Uuid> = row.try_get("", "patient_id")?;
    Ok(Link {
        seq,
        at,
        actor_id,
        actor_email: email.as_deref(),
        actor_role: role.as_deref(),
        action: &action,
        patient_id,
        entity: entity.as_deref(),
        entity_id: entity_id.as_deref(),
        outcome: &outcome,
        client_addr: addr.as_deref(),
        detail: detail.as_deref(),
        prev_hash: prev,
    }
    .hash())
}

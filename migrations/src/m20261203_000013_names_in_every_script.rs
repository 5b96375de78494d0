//! Names in every script. Until now the search columns held only the Latin
//! letters of a name, so "王伟" or "Мария" folded to nothing: they could not
//! be found, and any two such patients born on the same day looked like
//! duplicates.
//!
//! - `family_folded`/`given_folded` now hold the name transliterated to
//!   lower-case ASCII ("王伟" → "wang wei", "Мария" → "mariia"); Latin names
//!   fold as before. Transliteration can be longer than the name (a Han
//!   character gives up to six letters), so on PostgreSQL they become `text`
//!   (still `COLLATE "C"`, which the prefix ranges need).
//! - New `family_native`/`given_native` hold the name in its own script,
//!   NFKC-normalised and case-folded ("мария"), for searches typed in that
//!   script and for duplicate detection. Byte order too (`COLLATE "C"` on
//!   PostgreSQL, SQLite's BINARY): prefix ranges end at the prefix with its
//!   last character raised by one.
//! - Two indexes on the native columns, (family, given, id) and (given,
//!   family, id), carry the search hit columns like the ASCII ones (migration
//!   11), so a page of native names is read from the index alone.
//!
//! Every existing row is recomputed, [`BATCH`] rows per statement, with the
//! frozen folding of `crate::fold_names`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::prelude::Uuid;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};

use crate::fold_names::{fold_name, fold_native};
use crate::SEARCH_HIT_COLUMNS;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Rows recomputed per statement.
pub const BATCH: usize = 500;

/// The new indexes: (name, key columns).
const INDEXES: [(&str, &str); 2] = [
    (
        "ix_patients_family_native_hits",
        "family_native, given_native, id",
    ),
    (
        "ix_patients_given_native_hits",
        "given_native, family_native, id",
    ),
];

/// Recomputes the four search columns of every patient row, in batches in
/// id order.
async fn recompute(db: &impl ConnectionTrait) -> Result<(), DbErr> {
    let backend = db.get_database_backend();
    let mut after: Option<Uuid> = None;
    loop {
        let select = match (backend, after) {
            (_, None) => Statement::from_string(
                backend,
                format!(
                    "SELECT id, family_name, given_name FROM patients ORDER BY id LIMIT {BATCH}"
                ),
            ),
            (DbBackend::Postgres, Some(id)) => Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id, family_name, given_name FROM patients WHERE id > $1 \
                     ORDER BY id LIMIT {BATCH}"
                ),
                [Value::from(id)],
            ),
            (_, Some(id)) => Statement::from_sql_and_values(
                backend,
                format!(
                    "SELECT id, family_name, given_name FROM patients WHERE id > ? \
                     ORDER BY id LIMIT {BATCH}"
                ),
                [Value::from(id)],
            ),
        };
        let rows = db.query_all_raw(select).await?;
        let Some(last) = rows.last() else {
            return Ok(());
        };
        after = Some(last.try_get("", "id")?);
        let mut values: Vec<Value> = Vec::with_capacity(rows.len() * 5);
        let mut tuples = Vec::with_capacity(rows.len());
        for row in &rows {
            let id: Uuid = row.try_get("", "id")?;
            let family: String = row.try_get("", "family_name")?;
            let given: String = row.try_get("", "given_name")?;
            let n = values.len();
            tuples.push(match backend {
                DbBackend::Postgres => format!(
                    "(CAST(${} AS uuid), ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5
                ),
                _ => "(?, ?, ?, ?, ?)".to_string(),
            });
            values.extend([
                Value::from(id),
                Value::from(fold_name(&family)),
                Value::from(fold_name(&given)),
                Value::from(fold_native(&family)),
                Value::from(fold_native(&given)),
            ]);
        }
        let sql = format!(
            "WITH v (id, family_folded, given_folded, family_native, given_native) AS \
             (VALUES {}) \
             UPDATE patients SET family_folded = v.family_folded, \
             given_folded = v.given_folded, family_native = v.family_native, \
             given_native = v.given_native FROM v WHERE patients.id = v.id",
            tuples.join(", ")
        );
        db.execute_raw(Statement::from_sql_and_values(backend, sql, values))
            .await?;
        if rows.len() < BATCH {
            return Ok(());
        }
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let statements: &[&str] = match backend {
            DbBackend::Postgres => &["ALTER TABLE patients \
                 ALTER COLUMN family_folded TYPE text COLLATE \"C\", \
                 ALTER COLUMN given_folded TYPE text COLLATE \"C\", \
                 ADD COLUMN family_native text COLLATE \"C\" NOT NULL DEFAULT '', \
                 ADD COLUMN given_native text COLLATE \"C\" NOT NULL DEFAULT ''"],
            _ => &[
                "ALTER TABLE patients ADD COLUMN family_native text NOT NULL DEFAULT ''",
                "ALTER TABLE patients ADD COLUMN given_native text NOT NULL DEFAULT ''",
            ],
        };
        for sql in statements {
            db.execute_unprepared(sql).await?;
        }
        recompute(db).await?;
        for (name, key) in INDEXES {
            let sql = match backend {
                DbBackend::Postgres => format!(
                    "CREATE INDEX {name} ON patients ({key}) INCLUDE ({SEARCH_HIT_COLUMNS})"
                ),
                _ => format!("CREATE INDEX {name} ON patients ({key}, {SEARCH_HIT_COLUMNS})"),
            };
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    /// Leaves the ASCII columns as they are (recomputed, and on PostgreSQL
    /// `text`): names folded to more than 100 letters would not fit back.
    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (name, _) in INDEXES {
            db.execute_unprepared(&format!("DROP INDEX {name}")).await?;
        }
        for column in ["family_native", "given_native"] {
            db.execute_unprepared(&format!("ALTER TABLE patients DROP COLUMN {column}"))
                .await?;
        }
        Ok(())
    }
}

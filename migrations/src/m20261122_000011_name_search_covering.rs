//! Name searches read their page from the index alone. The two name-order
//! indexes, (family, given, id) and (given, family, id), also carry the
//! columns a search hit shows (`HitRow::COLUMNS` in the app; a test in
//! `server/src/db.rs` keeps the two equal), so the twenty-one rows of a page come from one or two index
//! pages instead of twenty-one lookups scattered over the whole table.
//! PostgreSQL keeps the extra columns out of the key (`INCLUDE`); SQLite has
//! no such clause, so they follow the key columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// The indexes: (old name, new name, key columns).
const INDEXES: [(&str, &str, &str); 2] = [
    (
        "ix_patients_family_folded",
        "ix_patients_family_hits",
        "family_folded, given_folded, id",
    ),
    (
        "ix_patients_given_folded",
        "ix_patients_given_hits",
        "given_folded, family_folded, id",
    ),
];

/// What a search hit shows, besides the id that is part of every key.
pub const HIT_COLUMNS: &str = "mrn, given_name, family_name, date_of_birth, sex, phone, status";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (old, new, key) in INDEXES {
            let sql = match manager.get_database_backend() {
                DbBackend::Postgres => {
                    format!("CREATE INDEX {new} ON patients ({key}) INCLUDE ({HIT_COLUMNS})")
                }
                _ => format!("CREATE INDEX {new} ON patients ({key}, {HIT_COLUMNS})"),
            };
            db.execute_unprepared(&sql).await?;
            db.execute_unprepared(&format!("DROP INDEX {old}")).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        for (old, new, key) in INDEXES {
            db.execute_unprepared(&format!("CREATE INDEX {old} ON patients ({key})"))
                .await?;
            db.execute_unprepared(&format!("DROP INDEX {new}")).await?;
        }
        Ok(())
    }
}

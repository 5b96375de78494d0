//! Birth-date searches read their page from the index alone, as name searches
//! do since migration 11. The birth-date index, (date of birth, family, given,
//! id), also carries the other columns a search hit shows, so a page of the
//! thirty-odd patients born on a day comes from one or two index pages
//! instead of twenty-one lookups scattered over the whole table. PostgreSQL
//! keeps the extra columns out of the key (`INCLUDE`); SQLite has no such
//! clause, so they follow the key columns.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::SEARCH_HIT_COLUMNS;

#[derive(DeriveMigrationName)]
pub struct Migration;

const OLD: &str = "ix_patients_birth_date_names";
const NEW: &str = "ix_patients_birth_date_hits";
const KEY: &str = "date_of_birth, family_folded, given_folded, id";

/// The hit columns that are not already part of the key.
fn carried() -> String {
    SEARCH_HIT_COLUMNS
        .split(", ")
        .filter(|c| *c != "date_of_birth")
        .collect::<Vec<_>>()
        .join(", ")
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        let carried = carried();
        let sql = match manager.get_database_backend() {
            DbBackend::Postgres => {
                format!("CREATE INDEX {NEW} ON patients ({KEY}) INCLUDE ({carried})")
            }
            _ => format!("CREATE INDEX {NEW} ON patients ({KEY}, {carried})"),
        };
        db.execute_unprepared(&sql).await?;
        db.execute_unprepared(&format!("DROP INDEX {OLD}")).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(&format!("CREATE INDEX {OLD} ON patients ({KEY})"))
            .await?;
        db.execute_unprepared(&format!("DROP INDEX {NEW}")).await?;
        Ok(())
    }
}

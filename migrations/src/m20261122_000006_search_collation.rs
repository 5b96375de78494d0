//! On PostgreSQL, the folded search columns compare byte by byte (`COLLATE
//! "C"`). Prefix searches are range scans (`>= 'mul' AND < 'mul{'`) that need
//! `{` to sort after every letter, which linguistic collations (en-US, ICU)
//! do not guarantee: they skip punctuation at the first level. SQLite compares
//! bytes already. The indexes on these columns are rebuilt by the change.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE patients \
                     ALTER COLUMN family_folded TYPE varchar(100) COLLATE \"C\", \
                     ALTER COLUMN given_folded TYPE varchar(100) COLLATE \"C\"",
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "ALTER TABLE patients \
                     ALTER COLUMN family_folded TYPE varchar(100) COLLATE \"default\", \
                     ALTER COLUMN given_folded TYPE varchar(100) COLLATE \"default\"",
                )
                .await?;
        }
        Ok(())
    }
}

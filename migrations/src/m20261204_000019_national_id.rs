//! A patient's national identifier (social security, national insurance,
//! Aadhaar, Emirates ID, …).
//!
//! - `patients.national_id`: the identifier, encrypted by the application
//!   (`enc:v<key version>:…`, AES-256-GCM, bound to the row): neither a copy
//!   of the database nor a PostgreSQL administrator reads it.
//! - `patients.national_id_index`: its keyed hash (HMAC-SHA-256 of the
//!   canonical form, 64 hex digits), the blind index that the search box and
//!   the duplicate check look a number up by. Not unique: two records of one
//!   person may hold it until they are merged, and the duplicate check is
//!   what points that out.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{add_columns, drop_columns, index};

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEX: &str = "ix_patients_national_id_index";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            "patients",
            [
                text_null("national_id"),
                string_len_null("national_id_index", 64),
            ],
        )
        .await?;
        index(manager, INDEX, "patients", &["national_id_index"], false).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(Index::drop().name(INDEX).table("patients").to_owned())
            .await?;
        drop_columns(manager, "patients", &["national_id_index", "national_id"]).await
    }
}

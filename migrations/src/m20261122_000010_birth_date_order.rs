//! Birth-date searches list their patients in name order. With the index on
//! the birth date alone, the database read every patient born that day (about
//! thirty in a million) and sorted them; with the names in the index it reads
//! the first page in order and stops.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const TABLE: &str = "patients";

async fn replace(
    manager: &SchemaManager<'_>,
    old: &'static str,
    new: &'static str,
    columns: &[&'static str],
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(new).table(TABLE);
    for column in columns {
        index.col(*column);
    }
    manager.create_index(index.to_owned()).await?;
    manager
        .drop_index(Index::drop().name(old).table(TABLE).to_owned())
        .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(
            manager,
            "ix_patients_birth_date",
            "ix_patients_birth_date_names",
            &["date_of_birth", "family_folded", "given_folded", "id"],
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        replace(
            manager,
            "ix_patients_birth_date_names",
            "ix_patients_birth_date",
            &["date_of_birth"],
        )
        .await
    }
}

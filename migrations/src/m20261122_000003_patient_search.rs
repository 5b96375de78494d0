//! Search columns for the patient index: folded family and given names with
//! indexes that serve prefix searches as range scans (portable between SQLite
//! and PostgreSQL, unlike `LIKE` index support), plus indexes on birth date and
//! phone.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, Statement};

use crate::fold::fold;
use crate::util::drop_columns;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["family_folded", "given_folded"] {
            manager
                .alter_table(
                    Table::alter()
                        .table("patients")
                        .add_column(string_len(column, 100).default(""))
                        .to_owned(),
                )
                .await?;
        }
        // Fill the new columns for patients registered before this migration.
        let db = manager.get_connection();
        let backend = manager.get_database_backend();
        let rows = db
            .query_all_raw(Statement::from_string(
                backend,
                "SELECT id, family_name, given_name FROM patients",
            ))
            .await?;
        for row in rows {
            let id: sea_orm_migration::sea_orm::prelude::Uuid = row.try_get("", "id")?;
            let family: String = row.try_get("", "family_name")?;
            let given: String = row.try_get("", "given_name")?;
            let update = Query::update()
                .table("patients")
                .value("family_folded", fold(&family).trim().to_string())
                .value("given_folded", fold(&given).trim().to_string())
                .and_where(Expr::col("id").eq(id))
                .to_owned();
            manager.exec_stmt(update).await?;
        }
        for (name, columns) in [
            (
                "ix_patients_family_folded",
                &["family_folded", "given_folded", "id"][..],
            ),
            (
                "ix_patients_given_folded",
                &["given_folded", "family_folded", "id"][..],
            ),
            ("ix_patients_birth_date", &["date_of_birth"][..]),
            ("ix_patients_phone", &["phone"][..]),
        ] {
            let mut index = Index::create();
            index.name(name).table("patients");
            for column in columns {
                index.col(*column);
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for name in [
            "ix_patients_family_folded",
            "ix_patients_given_folded",
            "ix_patients_birth_date",
            "ix_patients_phone",
        ] {
            manager
                .drop_index(Index::drop().name(name).table("patients").to_owned())
                .await?;
        }
        drop_columns(manager, "patients", &["family_folded", "given_folded"]).await?;
        Ok(())
    }
}

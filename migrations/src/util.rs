//! Small helpers the migrations share.

use sea_orm_migration::prelude::*;

/// A foreign key from `table.patient_id` to `patients.id`.
pub fn patient_fk(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_patient"))
        .from(table, "patient_id")
        .to("patients", "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// A foreign key from `table.column` to `users.id`.
pub fn user_fk(table: &'static str, column: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to("users", "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

pub async fn index(
    manager: &SchemaManager<'_>,
    name: &str,
    table: &'static str,
    columns: &[&'static str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut index = Index::create();
    index.name(name).table(table);
    for column in columns {
        index.col(*column);
    }
    if unique {
        index.unique();
    }
    manager.create_index(index.to_owned()).await
}

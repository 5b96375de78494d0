//! Small helpers the migrations share.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

/// A foreign key from `table.patient_id` to `patients.id`.
pub fn patient_fk(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_patient"))
        .from(table, "patient_id")
        .to("patients", "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

/// A foreign key from `table.column` to `to.id`, refusing to delete what it
/// points at.
pub fn fk(
    table: &'static str,
    column: &'static str,
    to: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(to, "id")
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

/// Adds `columns` to `table`, one statement each (SQLite adds one column
/// per `ALTER TABLE`).
pub async fn add_columns(
    manager: &SchemaManager<'_>,
    table: &'static str,
    columns: impl IntoIterator<Item = ColumnDef>,
) -> Result<(), DbErr> {
    for column in columns {
        manager
            .alter_table(Table::alter().table(table).add_column(column).to_owned())
            .await?;
    }
    Ok(())
}

/// Drops `columns` of `table`, one statement each (the indexes on them
/// first: SQLite refuses to drop an indexed column).
pub async fn drop_columns(
    manager: &SchemaManager<'_>,
    table: &'static str,
    columns: &[&'static str],
) -> Result<(), DbErr> {
    for column in columns {
        manager
            .alter_table(Table::alter().table(table).drop_column(*column).to_owned())
            .await?;
    }
    Ok(())
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

/// The database's own check that `table.column` holds one of `codes` (or
/// NULL): a coded enum's column (`shared::coded`). On PostgreSQL it is a CHECK
/// constraint named `ck_<table>_<column>`. SQLite cannot add a constraint to an
/// existing table without copying it, and copying a table that others point to
/// means turning foreign keys off, which a migration's transaction cannot do;
/// there it is a pair of triggers, `ck_<table>_<column>_insert` and `_update`,
/// that abort the statement the same way. Rows already present must comply:
/// the migration fails, naming the first bad value, if one does not.
///
/// Changing a column's codes later: a new migration calls
/// [`drop_check_codes`] and then this with the new list.
pub async fn check_codes(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
    codes: &[&str],
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let list = codes
        .iter()
        .map(|c| {
            assert!(
                c.chars()
                    .all(|ch| ch.is_ascii_alphanumeric() || "_/.+-".contains(ch)),
                "codes are plain words (or media types): {c:?}"
            );
            format!("'{c}'")
        })
        .collect::<Vec<_>>()
        .join(", ");
    let name = format!("ck_{table}_{column}");
    let bad = db
        .query_one_raw(Statement::from_string(
            manager.get_database_backend(),
            format!(
                "SELECT \"{column}\" AS bad FROM \"{table}\" \
                 WHERE \"{column}\" IS NOT NULL AND \"{column}\" NOT IN ({list}) LIMIT 1"
            ),
        ))
        .await?;
    if let Some(row) = bad {
        let value: String = row.try_get("", "bad")?;
        return Err(DbErr::Migration(format!(
            "{table}.{column} holds {value:?}, which is not one of {list}"
        )));
    }
    match manager.get_database_backend() {
        DbBackend::Sqlite => {
            let update = format!("UPDATE OF \"{column}\"");
            for (event, when) in [("insert", "INSERT"), ("update", update.as_str())] {
                db.execute_unprepared(&format!(
                    "CREATE TRIGGER \"{name}_{event}\" BEFORE {when} ON \"{table}\" \
                     WHEN NEW.\"{column}\" IS NOT NULL AND NEW.\"{column}\" NOT IN ({list}) \
                     BEGIN SELECT RAISE(ABORT, 'CHECK constraint failed: {name}'); END"
                ))
                .await?;
            }
        }
        _ => {
            db.execute_unprepared(&format!(
                "ALTER TABLE \"{table}\" ADD CONSTRAINT \"{name}\" CHECK (\"{column}\" IN ({list}))"
            ))
            .await?;
        }
    }
    Ok(())
}

/// Undoes [`check_codes`].
pub async fn drop_check_codes(
    manager: &SchemaManager<'_>,
    table: &str,
    column: &str,
) -> Result<(), DbErr> {
    let db = manager.get_connection();
    let name = format!("ck_{table}_{column}");
    match manager.get_database_backend() {
        DbBackend::Sqlite => {
            for event in ["insert", "update"] {
                db.execute_unprepared(&format!("DROP TRIGGER IF EXISTS \"{name}_{event}\""))
                    .await?;
            }
        }
        _ => {
            db.execute_unprepared(&format!(
                "ALTER TABLE \"{table}\" DROP CONSTRAINT IF EXISTS \"{name}\""
            ))
            .await?;
        }
    }
    Ok(())
}

//! Cross-process notice of sign-outs and account changes (PostgreSQL).
//!
//! Each server process keeps recently used sessions and accounts in memory
//! (`app::auth::cache`). When several processes share one PostgreSQL, these
//! triggers tell all of them, through `NOTIFY hms_auth`, the moment a session
//! row is deleted (sign-out, ended session, deactivation, password change) or
//! an account row changes; every process drops what it remembered of it.
//! The notice is sent when the deleting or changing transaction commits.
//!
//! SQLite is embedded in one process, which sees its own changes: nothing here.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE FUNCTION hms_auth_session_gone() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN PERFORM pg_notify('hms_auth', 'session:' || OLD.id); RETURN NULL; END $$;",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER sessions_notify_delete AFTER DELETE ON sessions \
             FOR EACH ROW EXECUTE FUNCTION hms_auth_session_gone();",
        )
        .await?;
        db.execute_unprepared(
            "CREATE FUNCTION hms_auth_user_changed() RETURNS trigger LANGUAGE plpgsql AS $$ \
             BEGIN PERFORM pg_notify('hms_auth', 'user:' || NEW.id::text); RETURN NULL; END $$;",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER users_notify_update AFTER UPDATE ON users \
             FOR EACH ROW EXECUTE FUNCTION hms_auth_user_changed();",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "DROP TRIGGER IF EXISTS sessions_notify_delete ON sessions; \
                 DROP TRIGGER IF EXISTS users_notify_update ON users; \
                 DROP FUNCTION IF EXISTS hms_auth_session_gone(); \
                 DROP FUNCTION IF EXISTS hms_auth_user_changed();",
            )
            .await?;
        Ok(())
    }
}

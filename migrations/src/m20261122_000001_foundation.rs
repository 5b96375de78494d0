//! Accounts, patients (the part registration needs), sessions, sign-in
//! attempts and the append-only audit trail.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("patients")
                    .col(pk_uuid("id"))
                    // Eight digits and a Luhn check digit; the constraint keeps MRNs unique
                    // even when two server processes register at the same moment.
                    .col(string_len_uniq("mrn", 9))
                    .col(string_len("given_name", 100))
                    .col(string_len("family_name", 100))
                    .col(date_null("date_of_birth"))
                    .col(string_len("sex", 16))
                    .col(string_len_null("phone", 20))
                    .col(string_len_null("email", 254))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_patients_family_given")
                    .table("patients")
                    .col("family_name")
                    .col("given_name")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("users")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("email", 254))
                    .col(string_len("display_name", 200))
                    .col(string_len("password_hash", 255))
                    .col(string_len("role", 32))
                    .col(boolean("active"))
                    .col(boolean("must_change_password"))
                    .col(uuid_null("patient_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("last_login_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_users_patient")
                            .from("users", "patient_id")
                            .to("patients", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ux_users_patient")
                    .table("users")
                    .col("patient_id")
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("sessions")
                    // The secret session id from the cookie.
                    .col(string_len("id", 64).primary_key())
                    // What the user sees and uses to end a session; never the secret id.
                    .col(uuid_uniq("handle"))
                    .col(uuid_null("user_id"))
                    .col(text("data"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("last_seen_at"))
                    .col(string_len("user_agent", 300))
                    .col(string_len("client_addr", 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_user")
                    .table("sessions")
                    .col("user_id")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_sessions_expires")
                    .table("sessions")
                    .col("expires_at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("login_attempts")
                    .col(big_pk_auto("id"))
                    .col(string_len("email", 254))
                    .col(string_len("client_addr", 64))
                    .col(boolean("success"))
                    .col(timestamp_with_time_zone("at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_attempts_email_at")
                    .table("login_attempts")
                    .col("email")
                    .col("at")
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ix_login_attempts_addr_at")
                    .table("login_attempts")
                    .col("client_addr")
                    .col("at")
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("audit_events")
                    .col(big_pk_auto("id"))
                    .col(timestamp_with_time_zone("at"))
                    .col(uuid_null("actor_id"))
                    .col(string_len_null("actor_email", 254))
                    .col(string_len_null("actor_role", 32))
                    .col(string_len("action", 64))
                    .col(uuid_null("patient_id"))
                    .col(string_len_null("entity", 64))
                    .col(string_len_null("entity_id", 64))
                    .col(string_len("outcome", 16))
                    .col(string_len_null("client_addr", 64))
                    .col(text_null("detail"))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("ix_audit_at", "at"),
            ("ix_audit_actor", "actor_id"),
            ("ix_audit_patient", "patient_id"),
            ("ix_audit_action", "action"),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table("audit_events")
                        .col(col)
                        .to_owned(),
                )
                .await?;
        }

        // The audit trail is append-only: the database itself refuses changes,
        // so no code path (or hand-typed SQL) can rewrite history unnoticed.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Sqlite => {
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events \
                     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events \
                     BEGIN SELECT RAISE(ABORT, 'audit_events is append-only'); END;",
                )
                .await?;
            }
            DbBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION audit_events_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ \
                     BEGIN RAISE EXCEPTION 'audit_events is append-only'; END $$;",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_change BEFORE UPDATE OR DELETE ON audit_events \
                     FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events \
                     FOR EACH STATEMENT EXECUTE FUNCTION audit_events_append_only();",
                )
                .await?;
            }
            other => {
                return Err(DbErr::Migration(format!(
                    "unsupported database backend {other:?}"
                )))
            }
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        if manager.get_database_backend() == DbBackend::Postgres {
            db.execute_unprepared("DROP TABLE IF EXISTS audit_events; DROP FUNCTION IF EXISTS audit_events_append_only();")
                .await?;
        } else {
            manager
                .drop_table(Table::drop().table("audit_events").if_exists().to_owned())
                .await?;
        }
        for table in ["login_attempts", "sessions", "users", "patients"] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

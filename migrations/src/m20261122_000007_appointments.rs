//! Scheduling: departments and specialties, doctors' profiles, weekly
//! availability templates and their exceptions, the hospital's holidays, and
//! appointments.
//!
//! No double booking is decided by the database, not by check-then-insert:
//! on PostgreSQL by exclusion constraints over time ranges (a doctor's active
//! appointments never overlap, unless one is an emergency override; a
//! patient's never overlap), on SQLite, where writers are serialised, by
//! triggers that abort an overlapping insert or update. The messages name the
//! rule (`appointment_overlap_doctor`, `appointment_overlap_patient`) so the
//! service can tell the caller which one.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::DbBackend;

use crate::util::{index, patient_fk, user_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("departments")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("name", 100))
                    .col(timestamp_with_time_zone("created_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("specialties")
                    .col(pk_uuid("id"))
                    .col(string_len_uniq("name", 100))
                    .col(uuid("department_id"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_specialties_department")
                            .from("specialties", "department_id")
                            .to("departments", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("doctor_profiles")
                    .col(uuid("user_id").primary_key())
                    .col(uuid_null("department_id"))
                    .col(uuid_null("specialty_id"))
                    .col(string_len_null("languages", 200))
                    .col(string_len_null("contact_phone", 20))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut user_fk("doctor_profiles", "user_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("availability_templates")
                    .col(pk_uuid("id"))
                    .col(uuid("doctor_id"))
                    // ISO weekday, 1 = Monday … 7 = Sunday
                    .col(small_integer("weekday"))
                    // Local times of the hospital's time zone, `HH:MM`.
                    .col(string_len("start_time", 5))
                    .col(string_len("end_time", 5))
                    .col(integer("slot_minutes"))
                    .foreign_key(&mut user_fk("availability_templates", "doctor_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_availability_templates_doctor",
            "availability_templates",
            &["doctor_id", "weekday"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("availability_exceptions")
                    .col(pk_uuid("id"))
                    .col(uuid("doctor_id"))
                    // unavailable | extra
                    .col(string_len("kind", 16))
                    // Local date-times of the hospital's time zone, `YYYY-MM-DDTHH:MM`.
                    .col(string_len("starts_local", 16))
                    .col(string_len("ends_local", 16))
                    .col(integer_null("slot_minutes"))
                    .col(string_len_null("reason", 200))
                    .foreign_key(&mut user_fk("availability_exceptions", "doctor_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_availability_exceptions_doctor",
            "availability_exceptions",
            &["doctor_id", "starts_local"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("holidays")
                    .col(date("day").primary_key())
                    .col(string_len("name", 100))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("appointments")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("doctor_id"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    // booked | checked_in | in_progress | completed | no_show | cancelled
                    .col(string_len("status", 16))
                    .col(string_len_null("reason", 500))
                    .col(boolean("emergency_override").default(false))
                    .col(string_len_null("override_reason", 500))
                    .col(uuid_null("booked_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("cancelled_at"))
                    .foreign_key(&mut patient_fk("appointments"))
                    .foreign_key(&mut user_fk("appointments", "doctor_id"))
                    .check(Expr::cust("ends_at > starts_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_appointments_doctor_start",
            "appointments",
            &["doctor_id", "starts_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_appointments_patient_start",
            "appointments",
            &["patient_id", "starts_at"],
            false,
        )
        .await?;

        let db = manager.get_connection();
        match manager.get_database_backend() {
            DbBackend::Postgres => {
                // btree_gist lets `=` on the ids share a GiST index with `&&` on ranges.
                db.execute_unprepared("CREATE EXTENSION IF NOT EXISTS btree_gist")
                    .await?;
                db.execute_unprepared(
                    "ALTER TABLE appointments ADD CONSTRAINT appointment_overlap_doctor \
                     EXCLUDE USING gist (doctor_id WITH =, tstzrange(starts_at, ends_at) WITH &&) \
                     WHERE (status <> 'cancelled' AND NOT emergency_override)",
                )
                .await?;
                db.execute_unprepared(
                    "ALTER TABLE appointments ADD CONSTRAINT appointment_overlap_patient \
                     EXCLUDE USING gist (patient_id WITH =, tstzrange(starts_at, ends_at) WITH &&) \
                     WHERE (status <> 'cancelled')",
                )
                .await?;
            }
            DbBackend::Sqlite => {
                for (event, when) in [
                    ("insert", "BEFORE INSERT ON appointments"),
                    ("update", "BEFORE UPDATE OF starts_at, ends_at, status, doctor_id, patient_id, emergency_override ON appointments"),
                ] {
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER appointments_no_doctor_overlap_{event} {when} \
                         WHEN NEW.status <> 'cancelled' AND NOT NEW.emergency_override BEGIN \
                         SELECT RAISE(ABORT, 'appointment_overlap_doctor') FROM appointments a \
                         WHERE a.doctor_id = NEW.doctor_id AND a.id <> NEW.id \
                         AND a.status <> 'cancelled' AND NOT a.emergency_override \
                         AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at; END;"
                    ))
                    .await?;
                    db.execute_unprepared(&format!(
                        "CREATE TRIGGER appointments_no_patient_overlap_{event} {when} \
                         WHEN NEW.status <> 'cancelled' BEGIN \
                         SELECT RAISE(ABORT, 'appointment_overlap_patient') FROM appointments a \
                         WHERE a.patient_id = NEW.patient_id AND a.id <> NEW.id \
                         AND a.status <> 'cancelled' \
                         AND a.starts_at < NEW.ends_at AND NEW.starts_at < a.ends_at; END;"
                    ))
                    .await?;
                }
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
        for table in [
            "appointments",
            "holidays",
            "availability_exceptions",
            "availability_templates",
            "doctor_profiles",
            "specialties",
            "departments",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

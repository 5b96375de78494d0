//! Beds and inpatients.
//!
//! - `wards`: wards and units, each of a kind (bed days are priced by it)
//!   and open to anyone, women or men.
//! - `beds`: a ward's beds by room and label, with a kind and a status
//!   (free, occupied, being cleaned, blocked with a reason). `version`
//!   counts the bed's changes, so the board can tell a stale view.
//! - `admissions`: a patient's stay from admission (from the emergency
//!   department, a clinic visit or a referral; by a doctor, with an
//!   ICD-10-CM diagnosis and an expected length of stay) to discharge or
//!   transfer to another hospital, with the signed discharge summary.
//! - `bed_stays`: where the patient lay, one row per bed, in order. **A bed
//!   holds one patient**: the database refuses a second open stay of a bed
//!   (`ux_bed_stays_bed_open`, a partial unique index on `bed_id` where
//!   `ended_at` is NULL; the same SQL on SQLite and PostgreSQL), and a
//!   second open stay of an admission; and a second open admission of a
//!   patient (`ux_admissions_patient_open`).
//! - `charge_items` and `price_list` accept the kind `bed_day`: each night
//!   an admitted patient is in a bed at midnight is charged once (the
//!   charge's source is the admission's night, unique like every source).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{check_codes, drop_check_codes, fk, index, patient_fk, user_fk};

pub const WARD_KINDS: &[&str] = &[
    "general",
    "surgical",
    "icu",
    "maternity",
    "paediatrics",
    "isolation",
];
pub const SEX_RESTRICTIONS: &[&str] = &["any", "female", "male"];
pub const BED_TYPES: &[&str] = &["standard", "icu", "cot", "bariatric", "isolation"];
pub const BED_STATUSES: &[&str] = &["free", "occupied", "cleaning", "blocked"];
pub const ADMISSION_SOURCES: &[&str] = &["emergency", "clinic", "referral"];
pub const ADMISSION_STATUSES: &[&str] = &["admitted", "discharged", "transferred_out"];
pub const CHARGE_KINDS: &[&str] = &[
    "drug",
    "lab",
    "imaging",
    "consultation",
    "procedure",
    "service",
    "bed_day",
];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("wards", "kind", WARD_KINDS),
    ("wards", "sex_restriction", SEX_RESTRICTIONS),
    ("beds", "bed_type", BED_TYPES),
    ("beds", "status", BED_STATUSES),
    ("admissions", "source", ADMISSION_SOURCES),
    ("admissions", "status", ADMISSION_STATUSES),
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("wards")
                    .col(pk_uuid("id"))
                    .col(string_len("name", 100))
                    .col(string_len("name_key", 100))
                    .col(string_len("kind", 16))
                    .col(string_len("sex_restriction", 8))
                    .col(boolean("active"))
                    .col(uuid("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut user_fk("wards", "updated_by"))
                    .to_owned(),
            )
            .await?;
        index(manager, "ux_wards_name_key", "wards", &["name_key"], true).await?;

        manager
            .create_table(
                Table::create()
                    .table("beds")
                    .col(pk_uuid("id"))
                    .col(uuid("ward_id"))
                    .col(string_len("room", 40))
                    .col(string_len("label", 20))
                    .col(string_len("bed_type", 16))
                    .col(string_len("status", 16))
                    .col(string_len_null("reason", 300))
                    .col(big_integer("version"))
                    .col(uuid("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut fk("beds", "ward_id", "wards"))
                    .foreign_key(&mut user_fk("beds", "updated_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_beds_ward_room_label",
            "beds",
            &["ward_id", "room", "label"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("admissions")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("source", 16))
                    .col(string_len("status", 16))
                    .col(uuid("doctor_id"))
                    .col(string_len("diagnosis", 10))
                    .col(integer("expected_days"))
                    .col(string_len_null("note", 1000))
                    .col(timestamp_with_time_zone("admitted_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(string_len_null("destination", 200))
                    // The discharge summary, signed by `signed_by`.
                    .col(string_len_null("discharge_diagnoses", 200))
                    .col(text_null("procedures"))
                    .col(text_null("medications"))
                    .col(text_null("follow_up"))
                    .col(text_null("summary"))
                    .col(uuid_null("signed_by"))
                    .col(timestamp_with_time_zone_null("signed_at"))
                    .col(uuid("created_by"))
                    .foreign_key(&mut patient_fk("admissions"))
                    .foreign_key(&mut user_fk("admissions", "doctor_id"))
                    .foreign_key(&mut user_fk("admissions", "signed_by"))
                    .foreign_key(&mut user_fk("admissions", "created_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_admissions_patient",
            "admissions",
            &["patient_id", "admitted_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_admissions_status",
            "admissions",
            &["status", "admitted_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("bed_stays")
                    .col(pk_uuid("id"))
                    .col(uuid("admission_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("bed_id"))
                    .col(uuid("ward_id"))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(string_len_null("reason", 500))
                    .col(uuid("moved_by"))
                    .foreign_key(&mut fk("bed_stays", "admission_id", "admissions"))
                    .foreign_key(&mut patient_fk("bed_stays"))
                    .foreign_key(&mut fk("bed_stays", "bed_id", "beds"))
                    .foreign_key(&mut fk("bed_stays", "ward_id", "wards"))
                    .foreign_key(&mut user_fk("bed_stays", "moved_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_bed_stays_admission",
            "bed_stays",
            &["admission_id", "started_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_bed_stays_patient",
            "bed_stays",
            &["patient_id"],
            false,
        )
        .await?;
        // One patient per bed, one bed per admission: partial unique
        // indexes, written the same on both databases.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_bed_stays_bed_open ON bed_stays (bed_id) \
             WHERE ended_at IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_bed_stays_admission_open ON bed_stays (admission_id) \
             WHERE ended_at IS NULL",
        )
        .await?;
        // A patient is admitted once at a time.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_admissions_patient_open ON admissions (patient_id) \
             WHERE status = 'admitted'",
        )
        .await?;

        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        for table in ["charge_items", "price_list"] {
            drop_check_codes(manager, table, "kind").await?;
            check_codes(manager, table, "kind", CHARGE_KINDS).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM charge_items WHERE kind = 'bed_day'")
            .await?;
        db.execute_unprepared("DELETE FROM price_list WHERE kind = 'bed_day'")
            .await?;
        for table in ["charge_items", "price_list"] {
            drop_check_codes(manager, table, "kind").await?;
            check_codes(
                manager,
                table,
                "kind",
                crate::m20261207_000028_billing::CHARGE_KINDS,
            )
            .await?;
        }
        for table in ["bed_stays", "admissions", "beds", "wards"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

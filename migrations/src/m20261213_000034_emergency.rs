//! The emergency department and the patient portal's emergency page.
//!
//! - `ed_bays`: the department's treatment bays, named by the
//!   administrator; one open visit per bay (`ux_ed_visits_bay_open`).
//! - `ed_visits`: a patient's visit from arrival to disposition (admitted,
//!   home, transferred, left without being seen): the current triage level
//!   and chief complaint (sealed, like the chart's text), the bay, the
//!   responsible clinician and when they took the patient on, the
//!   emergency encounter the chart documents it in, and the admission it
//!   led to. One open visit per patient (`ux_ed_visits_patient_open`).
//! - `ed_triages`: every triage of a visit, kept: level, chief complaint
//!   and note (sealed), the vital signs recorded into the chart with it.
//! - `emergency_services`: the emergency numbers and nearby places the
//!   patient portal shows, kept by the administrator.
//! - `care_relationships.kind` accepts `emergency`: the nurse who triages a
//!   patient and the clinician who takes them on join the care team.
//! - `ward_staff`: the nurses and doctors who work on a ward; they open the
//!   charts of the patients lying in its beds.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{check_codes, drop_check_codes, fk, index, patient_fk, user_fk};

pub const ESI_LEVELS: &[&str] = &["1", "2", "3", "4", "5"];
pub const DISPOSITIONS: &[&str] = &["admitted", "home", "transferred", "left_unseen"];
pub const CARE_KINDS: &[&str] = &[
    "registered",
    "assigned",
    "appointment",
    "admission",
    "emergency",
];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("ed_visits", "level", ESI_LEVELS),
    ("ed_visits", "disposition", DISPOSITIONS),
    ("ed_triages", "level", ESI_LEVELS),
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
                    .table("ed_bays")
                    .col(pk_uuid("id"))
                    .col(string_len("name", 40))
                    .col(string_len("name_key", 40))
                    .col(boolean("active"))
                    .col(uuid("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut user_fk("ed_bays", "updated_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_ed_bays_name_key",
            "ed_bays",
            &["name_key"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("ed_visits")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(timestamp_with_time_zone("arrived_at"))
                    .col(string_len_null("level", 1))
                    .col(text_null("chief_complaint"))
                    .col(timestamp_with_time_zone_null("triaged_at"))
                    .col(uuid_null("bay_id"))
                    .col(uuid_null("clinician_id"))
                    .col(timestamp_with_time_zone_null("seen_at"))
                    .col(uuid_null("encounter_id"))
                    .col(string_len_null("disposition", 16))
                    .col(string_len_null("destination", 200))
                    .col(text_null("note"))
                    .col(uuid_null("admission_id"))
                    .col(timestamp_with_time_zone_null("closed_at"))
                    .col(uuid_null("closed_by"))
                    .col(uuid("created_by"))
                    .foreign_key(&mut patient_fk("ed_visits"))
                    .foreign_key(&mut fk("ed_visits", "bay_id", "ed_bays"))
                    .foreign_key(&mut user_fk("ed_visits", "clinician_id"))
                    .foreign_key(&mut fk("ed_visits", "encounter_id", "encounters"))
                    .foreign_key(&mut fk("ed_visits", "admission_id", "admissions"))
                    .foreign_key(&mut user_fk("ed_visits", "closed_by"))
                    .foreign_key(&mut user_fk("ed_visits", "created_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_ed_visits_patient",
            "ed_visits",
            &["patient_id", "arrived_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_ed_visits_arrived",
            "ed_visits",
            &["arrived_at"],
            false,
        )
        .await?;
        let db = manager.get_connection();
        // The board reads the open visits; a patient is in the department
        // once at a time, and a bay holds one patient.
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_ed_visits_patient_open ON ed_visits (patient_id) \
             WHERE closed_at IS NULL",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_ed_visits_bay_open ON ed_visits (bay_id) \
             WHERE closed_at IS NULL AND bay_id IS NOT NULL",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("ed_triages")
                    .col(pk_uuid("id"))
                    .col(uuid("visit_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("level", 1))
                    .col(text("chief_complaint"))
                    .col(text_null("note"))
                    .col(uuid_null("vital_signs_id"))
                    .col(uuid("triaged_by"))
                    .col(timestamp_with_time_zone("triaged_at"))
                    .foreign_key(&mut fk("ed_triages", "visit_id", "ed_visits"))
                    .foreign_key(&mut patient_fk("ed_triages"))
                    .foreign_key(&mut fk("ed_triages", "vital_signs_id", "vital_signs"))
                    .foreign_key(&mut user_fk("ed_triages", "triaged_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_ed_triages_visit",
            "ed_triages",
            &["visit_id", "triaged_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_ed_triages_patient",
            "ed_triages",
            &["patient_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("emergency_services")
                    .col(pk_uuid("id"))
                    .col(string_len("name", 120))
                    .col(string_len_null("phone", 30))
                    .col(string_len_null("address", 300))
                    .col(double_null("latitude"))
                    .col(double_null("longitude"))
                    .col(string_len_null("note", 300))
                    .col(integer("position"))
                    .col(boolean("active"))
                    .col(uuid("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut user_fk("emergency_services", "updated_by"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("ward_staff")
                    .col(uuid("ward_id"))
                    .col(uuid("user_id"))
                    .col(uuid("added_by"))
                    .col(timestamp_with_time_zone("added_at"))
                    .primary_key(Index::create().col("ward_id").col("user_id"))
                    .foreign_key(&mut fk("ward_staff", "ward_id", "wards"))
                    .foreign_key(&mut user_fk("ward_staff", "user_id"))
                    .foreign_key(&mut user_fk("ward_staff", "added_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_ward_staff_user",
            "ward_staff",
            &["user_id"],
            false,
        )
        .await?;

        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        drop_check_codes(manager, "care_relationships", "kind").await?;
        check_codes(manager, "care_relationships", "kind", CARE_KINDS).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM care_relationships WHERE kind = 'emergency'")
            .await?;
        drop_check_codes(manager, "care_relationships", "kind").await?;
        check_codes(
            manager,
            "care_relationships",
            "kind",
            &["registered", "assigned", "appointment", "admission"],
        )
        .await?;
        for table in [
            "ward_staff",
            "emergency_services",
            "ed_triages",
            "ed_visits",
            "ed_bays",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

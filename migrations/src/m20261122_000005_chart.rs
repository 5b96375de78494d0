//! The clinical chart: encounters with SOAP notes and their amendments, vital
//! signs, coded problems, allergies, immunizations, histories and the current
//! medication list. Every row names its patient, so a merge moves a record by
//! changing one column per table.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{index, patient_fk, user_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Chart tables, children first (the order `down` drops them in).
const TABLES: [&str; 9] = [
    "note_amendments",
    "clinical_notes",
    "vital_signs",
    "problems",
    "allergies",
    "immunizations",
    "history_entries",
    "medications",
    "encounters",
];

fn encounter_fk(table: &'static str) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_encounter"))
        .from(table, "encounter_id")
        .to("encounters", "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("encounters")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    // outpatient | emergency | inpatient | telehealth
                    .col(string_len("kind", 16))
                    // in_progress | finished
                    .col(string_len("status", 16))
                    .col(string_len("reason", 200))
                    .col(string_len_null("location", 100))
                    .col(timestamp_with_time_zone("started_at"))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(uuid("clinician_id"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("encounters"))
                    .foreign_key(&mut user_fk("encounters", "clinician_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_encounters_patient_started",
            "encounters",
            &["patient_id", "started_at", "id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("clinical_notes")
                    .col(pk_uuid("id"))
                    .col(uuid("encounter_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("author_id"))
                    .col(text("subjective"))
                    .col(text("objective"))
                    .col(text("assessment"))
                    .col(text("plan"))
                    // draft | signed; a signed note never changes, amendments follow it
                    .col(string_len("status", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("signed_at"))
                    .foreign_key(&mut encounter_fk("clinical_notes"))
                    .foreign_key(&mut patient_fk("clinical_notes"))
                    .foreign_key(&mut user_fk("clinical_notes", "author_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_clinical_notes_encounter",
            "clinical_notes",
            &["encounter_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_clinical_notes_patient",
            "clinical_notes",
            &["patient_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("note_amendments")
                    .col(pk_uuid("id"))
                    .col(uuid("note_id"))
                    .col(uuid("author_id"))
                    .col(text("reason"))
                    .col(text("subjective"))
                    .col(text("objective"))
                    .col(text("assessment"))
                    .col(text("plan"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_note_amendments_note")
                            .from("note_amendments", "note_id")
                            .to("clinical_notes", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(&mut user_fk("note_amendments", "author_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_note_amendments_note",
            "note_amendments",
            &["note_id", "created_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("vital_signs")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid_null("encounter_id"))
                    .col(timestamp_with_time_zone("recorded_at"))
                    .col(uuid("recorded_by"))
                    .col(integer_null("systolic"))
                    .col(integer_null("diastolic"))
                    .col(integer_null("heart_rate"))
                    .col(integer_null("respiratory_rate"))
                    .col(double_null("temperature_c"))
                    .col(integer_null("spo2"))
                    .col(double_null("weight_kg"))
                    .col(double_null("height_cm"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("vital_signs"))
                    .foreign_key(&mut encounter_fk("vital_signs"))
                    .foreign_key(&mut user_fk("vital_signs", "recorded_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_vital_signs_patient_at",
            "vital_signs",
            &["patient_id", "recorded_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("problems")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid_null("encounter_id"))
                    .col(string_len("icd10_code", 8))
                    .col(string_len("description", 300))
                    // active | resolved
                    .col(string_len("status", 16))
                    .col(date_null("onset_date"))
                    .col(date_null("resolved_date"))
                    .col(text_null("note"))
                    .col(uuid("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut patient_fk("problems"))
                    .foreign_key(&mut encounter_fk("problems"))
                    .foreign_key(&mut user_fk("problems", "recorded_by"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("allergies")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("substance", 200))
                    .col(string_len_null("reaction", 200))
                    // mild | moderate | severe | unknown
                    .col(string_len("severity", 16))
                    // active | inactive | resolved
                    .col(string_len("status", 16))
                    .col(uuid("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut patient_fk("allergies"))
                    .foreign_key(&mut user_fk("allergies", "recorded_by"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("immunizations")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("vaccine", 200))
                    .col(date("administered_on"))
                    .col(string_len_null("dose", 64))
                    .col(string_len_null("lot_number", 64))
                    .col(string_len_null("site", 64))
                    .col(uuid("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("immunizations"))
                    .foreign_key(&mut user_fk("immunizations", "recorded_by"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("history_entries")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    // surgical | family | social
                    .col(string_len("kind", 16))
                    .col(text("description"))
                    .col(string_len_null("period", 64))
                    .col(uuid("recorded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("history_entries"))
                    .foreign_key(&mut user_fk("history_entries", "recorded_by"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("medications")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("name", 200))
                    .col(string_len_null("dose", 100))
                    .col(string_len_null("route", 64))
                    .col(string_len_null("frequency", 100))
                    // active | stopped
                    .col(string_len("status", 16))
                    .col(date_null("started_on"))
                    // reported (by the patient) | prescribed
                    .col(string_len("source", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("medications"))
                    .to_owned(),
            )
            .await?;

        for table in [
            "problems",
            "allergies",
            "immunizations",
            "history_entries",
            "medications",
        ] {
            index(
                manager,
                &format!("ix_{table}_patient"),
                table,
                &["patient_id"],
                false,
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in TABLES {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

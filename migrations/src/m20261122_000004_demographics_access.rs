//! Full demographics (preferred name, gender identity, estimated birth dates,
//! address, language, consents), emergency contacts, insurance coverages,
//! temporary (emergency) identities and merges with MRN aliases, and the two
//! things record access is decided by: care relationships and break-glass grants.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{drop_columns, index, patient_fk, user_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        let columns = [
            string_len_null("preferred_name", 100),
            string_len_null("gender_identity", 64),
            boolean("birth_date_estimated").default(false).to_owned(),
            string_len_null("address_line", 200),
            string_len_null("city", 100),
            string_len_null("postal_code", 20),
            string_len_null("country", 100),
            string_len_null("language", 64),
            boolean("consent_sms").default(false).to_owned(),
            boolean("consent_email").default(false).to_owned(),
            boolean("consent_research").default(false).to_owned(),
            // active | temporary (emergency fast-track) | merged (into `merged_into`)
            string_len("status", 16).default("active").to_owned(),
            string_len_null("temporary_description", 200),
            timestamp_with_time_zone_null("arrived_at"),
            uuid_null("merged_into"),
            timestamp_with_time_zone_null("merged_at"),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table("patients")
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }
        index(
            manager,
            "ix_patients_status",
            "patients",
            &["status"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("emergency_contacts")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("name", 200))
                    .col(string_len("relationship", 64))
                    .col(string_len("phone", 20))
                    .col(string_len_null("email", 254))
                    .col(integer("position"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("emergency_contacts"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_emergency_contacts_patient",
            "emergency_contacts",
            &["patient_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("insurance_coverages")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("payer", 200))
                    .col(string_len("member_id", 64))
                    .col(string_len_null("group_number", 64))
                    .col(date_null("valid_from"))
                    .col(date_null("valid_to"))
                    // primary | secondary
                    .col(string_len("rank", 16))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("insurance_coverages"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_insurance_coverages_patient",
            "insurance_coverages",
            &["patient_id"],
            false,
        )
        .await?;

        // An MRN that now points at another record: a temporary identity merged
        // into a known patient keeps working on wristbands and paper.
        manager
            .create_table(
                Table::create()
                    .table("mrn_aliases")
                    .col(string_len("mrn", 9).primary_key())
                    .col(uuid("patient_id"))
                    .col(uuid("merged_from"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("mrn_aliases"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_mrn_aliases_patient",
            "mrn_aliases",
            &["patient_id"],
            false,
        )
        .await?;

        // Who looks after whom: a registration, an assignment, and later an
        // appointment or an admission.
        manager
            .create_table(
                Table::create()
                    .table("care_relationships")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("user_id"))
                    .col(string_len("kind", 16))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("ends_at"))
                    .foreign_key(&mut patient_fk("care_relationships"))
                    .foreign_key(&mut user_fk("care_relationships", "user_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_care_relationships_user_patient",
            "care_relationships",
            &["user_id", "patient_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_care_relationships_patient",
            "care_relationships",
            &["patient_id"],
            false,
        )
        .await?;

        // Emergency access outside a care relationship: reason, time limit, audited.
        manager
            .create_table(
                Table::create()
                    .table("break_glass_grants")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("user_id"))
                    .col(text("reason"))
                    .col(timestamp_with_time_zone("granted_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .foreign_key(&mut patient_fk("break_glass_grants"))
                    .foreign_key(&mut user_fk("break_glass_grants", "user_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_break_glass_user_patient",
            "break_glass_grants",
            &["user_id", "patient_id", "expires_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_break_glass_granted",
            "break_glass_grants",
            &["granted_at"],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "break_glass_grants",
            "care_relationships",
            "mrn_aliases",
            "insurance_coverages",
            "emergency_contacts",
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("ix_patients_status")
                    .table("patients")
                    .to_owned(),
            )
            .await?;
        drop_columns(
            manager,
            "patients",
            &[
                "preferred_name",
                "gender_identity",
                "birth_date_estimated",
                "address_line",
                "city",
                "postal_code",
                "country",
                "language",
                "consent_sms",
                "consent_email",
                "consent_research",
                "status",
                "temporary_description",
                "arrived_at",
                "merged_into",
                "merged_at",
            ],
        )
        .await?;
        Ok(())
    }
}

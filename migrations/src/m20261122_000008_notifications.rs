//! Notifications to patients: the outbox that booking, rescheduling and
//! cancelling write to in their own transaction, and each patient's preferred
//! channel.
//!
//! A background worker in every server process claims due rows (on PostgreSQL
//! with `FOR UPDATE SKIP LOCKED`; SQLite serialises writers), delivers them and
//! marks them sent, so each row is delivered once however many processes run.
//! `dedupe_key` makes enqueuing idempotent too: one confirmation per
//! appointment and channel, one reminder per appointment, lead time and channel.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{index, patient_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("patients")
                    // sms | email; none means "whichever the patient consented to"
                    .add_column(string_len_null("preferred_channel", 8))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("notification_outbox")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid_null("appointment_id"))
                    // booked | rescheduled | cancelled | reminder
                    .col(string_len("kind", 16))
                    // email | sms
                    .col(string_len("channel", 8))
                    .col(string_len("recipient", 254))
                    .col(string_len("subject", 200))
                    .col(text("body"))
                    .col(string_len_uniq("dedupe_key", 200))
                    // pending | sending | sent | failed | skipped | cancelled
                    .col(string_len("status", 12))
                    .col(integer("attempts").default(0))
                    .col(timestamp_with_time_zone("next_attempt_at"))
                    .col(timestamp_with_time_zone_null("lease_until"))
                    .col(string_len_null("worker", 64))
                    .col(string_len_null("last_error", 500))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("sent_at"))
                    .foreign_key(&mut patient_fk("notification_outbox"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_notification_outbox_due",
            "notification_outbox",
            &["status", "next_attempt_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_notification_outbox_appointment",
            "notification_outbox",
            &["appointment_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_notification_outbox_patient",
            "notification_outbox",
            &["patient_id"],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("notification_outbox").to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table("patients")
                    .drop_column("preferred_channel")
                    .to_owned(),
            )
            .await
    }
}

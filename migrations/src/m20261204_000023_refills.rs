//! Refill requests: a patient asks for another fill of an active
//! prescription with refills left; the prescriber (or a doctor in the care
//! team) approves it, which counts a refill and sends the prescription back
//! to the pharmacy's queue, or declines it with a reason. At most one
//! request per prescription is pending, enforced by a partial unique index
//! (the same SQL on SQLite and PostgreSQL).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::util::{check_codes, index, patient_fk, user_fk};

pub const REFILL_STATUSES: &[&str] = &["pending", "approved", "declined"];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[("refill_requests", "status", REFILL_STATUSES)];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("refill_requests")
                    .col(pk_uuid("id"))
                    .col(uuid("prescription_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("status", 16))
                    .col(string_len_null("note", 300))
                    .col(timestamp_with_time_zone("requested_at"))
                    .col(uuid_null("decided_by"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(string_len_null("decline_reason", 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_refill_requests_prescription")
                            .from("refill_requests", "prescription_id")
                            .to("prescriptions", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(&mut patient_fk("refill_requests"))
                    .foreign_key(&mut user_fk("refill_requests", "decided_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_refill_requests_status",
            "refill_requests",
            &["status", "requested_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_refill_requests_patient",
            "refill_requests",
            &["patient_id", "requested_at"],
            false,
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_refill_requests_pending ON refill_requests (prescription_id) \
                 WHERE status = 'pending'",
            )
            .await?;
        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("refill_requests").to_owned())
            .await
    }
}

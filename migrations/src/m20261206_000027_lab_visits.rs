//! Sample collection visits and imaging attachments.
//!
//! - `lab_collection_hours`: the laboratory's own weekly hours for sample
//!   collection, in the hospital's local time like a doctor's template
//!   (`availability_templates`), with how many people one slot takes
//!   (`capacity`: the collection chairs).
//! - `lab_collection_visits`: a patient's booked visit to have the samples
//!   of an order taken. A booked visit holds a `seat` of its slot; the
//!   partial unique index on `(starts_at, seat)` for booked visits is what
//!   stops two bookings taking the last chair at once, on both databases.
//!   One booked visit per order (`ux_lab_collection_visits_order`).
//!   Collecting the order's specimens marks it attended.
//! - `lab_attachments`: an image or a PDF attached to an imaging report.
//!   The file itself is stored outside the database, under the data
//!   directory, named by `storage_key`; the row holds its type, size and
//!   SHA-256 digest (checked when served).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::util::{check_codes, fk, index, patient_fk, user_fk};

pub const VISIT_STATUSES: &[&str] = &["booked", "attended", "cancelled"];
pub const ATTACHMENT_TYPES: &[&str] = &["image/jpeg", "image/png", "application/pdf"];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("lab_collection_visits", "status", VISIT_STATUSES),
    ("lab_attachments", "content_type", ATTACHMENT_TYPES),
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
                    .table("lab_collection_hours")
                    .col(pk_uuid("id"))
                    .col(small_integer("weekday"))
                    .col(string_len("start_time", 5))
                    .col(string_len("end_time", 5))
                    .col(integer("slot_minutes"))
                    .col(integer("capacity"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("lab_collection_visits")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("order_id"))
                    .col(timestamp_with_time_zone("starts_at"))
                    .col(timestamp_with_time_zone("ends_at"))
                    .col(integer("seat"))
                    .col(string_len("status", 10))
                    .col(uuid("booked_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("cancelled_at"))
                    .foreign_key(&mut patient_fk("lab_collection_visits"))
                    .foreign_key(&mut fk("lab_collection_visits", "order_id", "lab_orders"))
                    .foreign_key(&mut user_fk("lab_collection_visits", "booked_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_lab_collection_visits_starts",
            "lab_collection_visits",
            &["starts_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_lab_collection_visits_patient",
            "lab_collection_visits",
            &["patient_id"],
            false,
        )
        .await?;
        // Partial indexes: the same statement on SQLite and PostgreSQL.
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_lab_collection_visits_seat \
             ON lab_collection_visits (starts_at, seat) WHERE status = 'booked'",
        )
        .await?;
        db.execute_unprepared(
            "CREATE UNIQUE INDEX ux_lab_collection_visits_order \
             ON lab_collection_visits (order_id) WHERE status = 'booked'",
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("lab_attachments")
                    .col(pk_uuid("id"))
                    .col(uuid("result_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("file_name", 200))
                    .col(string_len("content_type", 20))
                    .col(big_integer("size_bytes"))
                    .col(string_len("sha256", 64))
                    .col(string_len("storage_key", 80))
                    .col(uuid("uploaded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("lab_attachments"))
                    .foreign_key(&mut fk("lab_attachments", "result_id", "lab_results"))
                    .foreign_key(&mut user_fk("lab_attachments", "uploaded_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_lab_attachments_result",
            "lab_attachments",
            &["result_id"],
            false,
        )
        .await?;
        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            "lab_attachments",
            "lab_collection_visits",
            "lab_collection_hours",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

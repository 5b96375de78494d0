//! Online pharmacy orders: a patient orders the fill of an active
//! prescription that is in the pharmacy's queue, to collect or to have
//! delivered. The order follows the fill (placed, being prepared, ready for
//! pickup or dispatched, collected or delivered) and each step sends the
//! patient a message through the outbox, without the drug's name.
//!
//! - `pharmacy_orders`: one row per order; at most one open order per
//!   prescription, enforced by a partial unique index (the same SQL on
//!   SQLite and PostgreSQL).
//! - `notification_outbox.kind` takes `pharmacy_order`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::util::{check_codes, drop_check_codes, index, patient_fk, user_fk};

pub const FULFILMENTS: &[&str] = &["collect", "delivery"];
pub const ORDER_STATUSES: &[&str] = &[
    "placed",
    "preparing",
    "ready",
    "dispatched",
    "collected",
    "delivered",
    "cancelled",
];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("pharmacy_orders", "fulfilment", FULFILMENTS),
    ("pharmacy_orders", "status", ORDER_STATUSES),
];

/// `NoticeKind`'s codes from this migration on.
pub const NOTICE_KINDS: &[&str] = &[
    "booked",
    "rescheduled",
    "cancelled",
    "reminder",
    "password_reset",
    "pharmacy_order",
];

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction, for the outbox check's replacement (see
    /// migration 18).
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("pharmacy_orders")
                    .col(pk_uuid("id"))
                    .col(uuid("prescription_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("fulfilment", 16))
                    .col(string_len("status", 16))
                    .col(string_len_null("address", 300))
                    .col(timestamp_with_time_zone("placed_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(uuid_null("updated_by"))
                    .col(string_len_null("cancel_reason", 500))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_pharmacy_orders_prescription")
                            .from("pharmacy_orders", "prescription_id")
                            .to("prescriptions", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(&mut patient_fk("pharmacy_orders"))
                    .foreign_key(&mut user_fk("pharmacy_orders", "updated_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_pharmacy_orders_patient",
            "pharmacy_orders",
            &["patient_id", "placed_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_pharmacy_orders_status",
            "pharmacy_orders",
            &["status", "updated_at"],
            false,
        )
        .await?;
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE UNIQUE INDEX ux_pharmacy_orders_open ON pharmacy_orders (prescription_id) \
                 WHERE status IN ('placed', 'preparing', 'ready', 'dispatched')",
            )
            .await?;
        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        drop_check_codes(manager, "notification_outbox", "kind").await?;
        check_codes(manager, "notification_outbox", "kind", NOTICE_KINDS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM notification_outbox WHERE kind = 'pharmacy_order'")
            .await?;
        drop_check_codes(manager, "notification_outbox", "kind").await?;
        check_codes(
            manager,
            "notification_outbox",
            "kind",
            crate::m20261204_000018_password_resets::NOTICE_KINDS,
        )
        .await?;
        manager
            .drop_table(Table::drop().table("pharmacy_orders").to_owned())
            .await
    }
}

//! Laboratory and imaging orders, from the doctor's order to the released
//! result.
//!
//! - `lab_orders`: one row per order (a doctor, a patient, an encounter
//!   when ordered from one), with its priority and clinical note.
//! - `lab_order_items`: one row per ordered test; a panel ordered is its
//!   member tests, each an item naming the panel. The item's status moves
//!   ordered → collected → resulted (awaiting verification) → released, or
//!   to cancelled; `due_at` (ordered plus the turnaround the priority
//!   allows) marks it overdue on the worklist, whose index is
//!   `(status, due_at, id)`. The order's priority and time are copied in,
//!   so the worklist filters on one table.
//! - `lab_specimens`: one row per specimen collected, with its accession
//!   number (unique; the label's barcode) and who collected it when.
//! - `lab_results`: one row per result entered. The limits it was judged
//!   against are copied in (the catalogue may change later) with its flag.
//!   Verification by another person releases it; a correction after release
//!   is a new row that `corrects` the old one, which stays, superseded, with
//!   its value. A critical result names who acknowledged it and when.
//! - `lab_technician_shifts`: who is on collection or analysis on a day.
//! - `notification_outbox.kind` takes `lab_critical` (to the ordering
//!   doctor) and `lab_results` (to the patient): neither names a test or a
//!   value.
//! - `charge_items.kind` takes `lab` and `imaging`: a released test or a
//!   reported study is charged once (the item is the charge's source).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::ConnectionTrait;

use crate::util::{check_codes, drop_check_codes, fk, index, patient_fk, user_fk};

pub const PRIORITIES: &[&str] = &["routine", "urgent", "stat"];
pub const ITEM_STATUSES: &[&str] = &["ordered", "collected", "resulted", "released", "cancelled"];
pub const RESULT_STATUSES: &[&str] = &["entered", "released", "superseded", "rejected"];
pub const FLAGS: &[&str] = &["N", "L", "H", "LL", "HH"];
pub const SHIFTS: &[&str] = &["collection", "analysis"];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("lab_orders", "priority", PRIORITIES),
    ("lab_order_items", "priority", PRIORITIES),
    ("lab_order_items", "status", ITEM_STATUSES),
    ("lab_results", "status", RESULT_STATUSES),
    ("lab_results", "flag", FLAGS),
    ("lab_technician_shifts", "shift", SHIFTS),
];

/// `ChargeKind`'s codes from this migration on: released tests and reported
/// studies are charged.
pub const CHARGE_KINDS: &[&str] = &["drug", "lab", "imaging"];

/// `NoticeKind`'s codes from this migration on.
pub const NOTICE_KINDS: &[&str] = &[
    "booked",
    "rescheduled",
    "cancelled",
    "reminder",
    "password_reset",
    "pharmacy_order",
    "lab_critical",
    "lab_results",
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
                    .table("lab_orders")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid_null("encounter_id"))
                    .col(uuid("ordered_by"))
                    .col(string_len("priority", 8))
                    .col(string_len_null("note", 1000))
                    .col(timestamp_with_time_zone("ordered_at"))
                    .foreign_key(&mut patient_fk("lab_orders"))
                    .foreign_key(&mut fk("lab_orders", "encounter_id", "encounters"))
                    .foreign_key(&mut user_fk("lab_orders", "ordered_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_lab_orders_patient",
            "lab_orders",
            &["patient_id", "ordered_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_lab_orders_ordered_by",
            "lab_orders",
            &["ordered_by"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("lab_specimens")
                    .col(pk_uuid("id"))
                    .col(string_len("accession", 20))
                    .col(uuid("patient_id"))
                    .col(uuid("order_id"))
                    .col(string_len("specimen", 40))
                    .col(timestamp_with_time_zone("collected_at"))
                    .col(uuid("collected_by"))
                    .foreign_key(&mut patient_fk("lab_specimens"))
                    .foreign_key(&mut fk("lab_specimens", "order_id", "lab_orders"))
                    .foreign_key(&mut user_fk("lab_specimens", "collected_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_lab_specimens_accession",
            "lab_specimens",
            &["accession"],
            true,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("lab_order_items")
                    .col(pk_uuid("id"))
                    .col(uuid("order_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("test_id"))
                    .col(string_len_null("panel", 40))
                    .col(string_len("priority", 8))
                    .col(timestamp_with_time_zone("ordered_at"))
                    .col(string_len("status", 12))
                    .col(uuid_null("specimen_id"))
                    .col(timestamp_with_time_zone("due_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(uuid_null("updated_by"))
                    .col(string_len_null("cancel_reason", 500))
                    .foreign_key(&mut fk("lab_order_items", "order_id", "lab_orders"))
                    .foreign_key(&mut patient_fk("lab_order_items"))
                    .foreign_key(&mut fk("lab_order_items", "test_id", "lab_tests"))
                    .foreign_key(&mut fk("lab_order_items", "specimen_id", "lab_specimens"))
                    .foreign_key(&mut user_fk("lab_order_items", "updated_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_lab_order_items_work",
            "lab_order_items",
            &["status", "due_at", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_lab_order_items_order",
            "lab_order_items",
            &["order_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_lab_order_items_patient",
            "lab_order_items",
            &["patient_id", "test_id", "status"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("lab_results")
                    .col(pk_uuid("id"))
                    .col(uuid("item_id"))
                    .col(uuid("patient_id"))
                    .col(uuid("test_id"))
                    .col(string_len("status", 12))
                    .col(big_integer_null("value"))
                    .col(text_null("value_text"))
                    .col(text_null("impression"))
                    .col(string_len_null("unit", 32))
                    .col(big_integer_null("low"))
                    .col(big_integer_null("high"))
                    .col(big_integer_null("critical_low"))
                    .col(big_integer_null("critical_high"))
                    .col(string_len_null("flag", 2))
                    .col(timestamp_with_time_zone("observed_at"))
                    .col(uuid("entered_by"))
                    .col(timestamp_with_time_zone("entered_at"))
                    .col(uuid_null("verified_by"))
                    .col(timestamp_with_time_zone_null("released_at"))
                    .col(uuid_null("corrects"))
                    .col(string_len_null("correction_reason", 500))
                    .col(uuid_null("acknowledged_by"))
                    .col(timestamp_with_time_zone_null("acknowledged_at"))
                    .foreign_key(&mut fk("lab_results", "item_id", "lab_order_items"))
                    .foreign_key(&mut patient_fk("lab_results"))
                    .foreign_key(&mut fk("lab_results", "test_id", "lab_tests"))
                    .foreign_key(&mut fk("lab_results", "corrects", "lab_results"))
                    .foreign_key(&mut user_fk("lab_results", "entered_by"))
                    .foreign_key(&mut user_fk("lab_results", "verified_by"))
                    .foreign_key(&mut user_fk("lab_results", "acknowledged_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_lab_results_patient",
            "lab_results",
            &["patient_id", "test_id", "observed_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_lab_results_item",
            "lab_results",
            &["item_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_lab_results_status",
            "lab_results",
            &["status", "flag"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("lab_technician_shifts")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(date("day"))
                    .col(string_len("shift", 12))
                    .col(uuid("assigned_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut user_fk("lab_technician_shifts", "user_id"))
                    .foreign_key(&mut user_fk("lab_technician_shifts", "assigned_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_lab_technician_shifts",
            "lab_technician_shifts",
            &["day", "shift", "user_id"],
            true,
        )
        .await?;
        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        drop_check_codes(manager, "charge_items", "kind").await?;
        check_codes(manager, "charge_items", "kind", CHARGE_KINDS).await?;
        drop_check_codes(manager, "notification_outbox", "kind").await?;
        check_codes(manager, "notification_outbox", "kind", NOTICE_KINDS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared(
            "DELETE FROM notification_outbox WHERE kind IN ('lab_critical', 'lab_results')",
        )
        .await?;
        db.execute_unprepared("DELETE FROM charge_items WHERE kind IN ('lab', 'imaging')")
            .await?;
        drop_check_codes(manager, "charge_items", "kind").await?;
        check_codes(
            manager,
            "charge_items",
            "kind",
            crate::m20261204_000022_pharmacy::CHARGE_KINDS,
        )
        .await?;
        drop_check_codes(manager, "notification_outbox", "kind").await?;
        check_codes(
            manager,
            "notification_outbox",
            "kind",
            crate::m20261204_000024_pharmacy_orders::NOTICE_KINDS,
        )
        .await?;
        for table in [
            "lab_technician_shifts",
            "lab_results",
            "lab_order_items",
            "lab_specimens",
            "lab_orders",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

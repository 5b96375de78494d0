//! Online payments, refunds and payment plans.
//!
//! - `payment_checkouts`: a patient paying an invoice on the provider's
//!   hosted page. `idempotency_key` (the patient's form's) is unique, so a
//!   retried request opens one checkout; `provider_id` (the provider's
//!   `cs_…`) is unique too. Once the provider says it is paid, the payment is
//!   recorded with the idempotency key `checkout:<provider id>`, so the
//!   webhook and the patient's return page, whichever comes first, record
//!   it once (`payments.idempotency_key` is unique, migration 28).
//! - `payment_events`: the provider's webhook events acted on, by their id
//!   (with the provider's own event type, free text): a duplicated delivery
//!   finds its id and changes nothing.
//! - `refunds`: money given back from a payment, never more than is left
//!   of it (checked under the invoice's row lock, counting the refunds still
//!   pending). An online payment's refund is `pending` while the provider is
//!   asked (under the refund's own idempotency key, so asking again after a
//!   failure refunds once), then `succeeded` with its `RFD` number, or
//!   `failed`; desk refunds succeed at once.
//! - `payment_plans` and `plan_instalments`: an invoice's balance agreed in
//!   monthly instalments (one live plan per invoice, checked under the
//!   invoice's row lock). What was paid since covers the instalments in
//!   order; one past its due date and not covered is overdue, and the
//!   patient is reminded once through the outbox (notice kind
//!   `payment_overdue`, no clinical content; the outbox's dedupe key makes it
//!   once per instalment and channel).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{check_codes, drop_check_codes, fk, index, patient_fk, user_fk};

pub const CHECKOUT_STATUSES: &[&str] = &["open", "paid", "expired"];
pub const REFUND_STATUSES: &[&str] = &["pending", "succeeded", "failed"];
/// The outbox's message kinds from this migration on.
pub const NOTICE_KINDS: &[&str] = &[
    "booked",
    "rescheduled",
    "cancelled",
    "reminder",
    "password_reset",
    "pharmacy_order",
    "lab_critical",
    "lab_results",
    "payment_overdue",
];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("payment_checkouts", "status", CHECKOUT_STATUSES),
    (
        "refunds",
        "method",
        crate::m20261207_000028_billing::PAYMENT_METHODS,
    ),
    ("refunds", "status", REFUND_STATUSES),
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
                    .table("payment_checkouts")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("invoice_id"))
                    .col(big_integer("amount"))
                    .col(string_len("currency", 3))
                    .col(string_len("status", 8))
                    .col(string_len_null("provider_id", 100))
                    .col(string_len_null("url", 1000))
                    .col(string_len("idempotency_key", 100))
                    .col(uuid_null("payment_id"))
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("completed_at"))
                    .foreign_key(&mut patient_fk("payment_checkouts"))
                    .foreign_key(&mut fk("payment_checkouts", "invoice_id", "invoices"))
                    .foreign_key(&mut fk("payment_checkouts", "payment_id", "payments"))
                    .foreign_key(&mut user_fk("payment_checkouts", "created_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_payment_checkouts_key",
            "payment_checkouts",
            &["idempotency_key"],
            true,
        )
        .await?;
        index(
            manager,
            "ux_payment_checkouts_provider",
            "payment_checkouts",
            &["provider_id"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_payment_checkouts_invoice",
            "payment_checkouts",
            &["invoice_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("payment_events")
                    .col(string_len("id", 100).primary_key())
                    .col(string_len("event_type", 80))
                    .col(timestamp_with_time_zone("received_at"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("refunds")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("invoice_id"))
                    .col(uuid("payment_id"))
                    .col(string_len("method", 8))
                    .col(big_integer("amount"))
                    .col(string_len("currency", 3))
                    .col(string_len("status", 10))
                    .col(string_len("reason", 500))
                    .col(string_len_null("provider_ref", 100))
                    .col(string_len("idempotency_key", 100))
                    .col(string_len_null("number", 20))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut patient_fk("refunds"))
                    .foreign_key(&mut fk("refunds", "invoice_id", "invoices"))
                    .foreign_key(&mut fk("refunds", "payment_id", "payments"))
                    .foreign_key(&mut user_fk("refunds", "created_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_refunds_key",
            "refunds",
            &["idempotency_key"],
            true,
        )
        .await?;
        index(manager, "ux_refunds_number", "refunds", &["number"], true).await?;
        index(
            manager,
            "ix_refunds_payment",
            "refunds",
            &["payment_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("payment_plans")
                    .col(pk_uuid("id"))
                    .col(uuid("invoice_id"))
                    .col(uuid("patient_id"))
                    .col(big_integer("amount"))
                    .col(string_len("currency", 3))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(uuid_null("cancelled_by"))
                    .col(timestamp_with_time_zone_null("cancelled_at"))
                    .col(string_len_null("cancel_reason", 500))
                    .foreign_key(&mut fk("payment_plans", "invoice_id", "invoices"))
                    .foreign_key(&mut patient_fk("payment_plans"))
                    .foreign_key(&mut user_fk("payment_plans", "created_by"))
                    .foreign_key(&mut user_fk("payment_plans", "cancelled_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_payment_plans_invoice",
            "payment_plans",
            &["invoice_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("plan_instalments")
                    .col(pk_uuid("id"))
                    .col(uuid("plan_id"))
                    .col(uuid("patient_id"))
                    .col(integer("seq"))
                    .col(date("due_date"))
                    .col(big_integer("amount"))
                    .foreign_key(&mut fk("plan_instalments", "plan_id", "payment_plans"))
                    .foreign_key(&mut patient_fk("plan_instalments"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_plan_instalments_seq",
            "plan_instalments",
            &["plan_id", "seq"],
            true,
        )
        .await?;
        // The overdue reminders' scan: instalments by due date.
        index(
            manager,
            "ix_plan_instalments_due",
            "plan_instalments",
            &["due_date"],
            false,
        )
        .await?;

        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        drop_check_codes(manager, "notification_outbox", "kind").await?;
        check_codes(manager, "notification_outbox", "kind", NOTICE_KINDS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DELETE FROM notification_outbox WHERE kind = 'payment_overdue'")
            .await?;
        drop_check_codes(manager, "notification_outbox", "kind").await?;
        check_codes(
            manager,
            "notification_outbox",
            "kind",
            crate::m20261205_000026_lab_orders::NOTICE_KINDS,
        )
        .await?;
        for table in [
            "plan_instalments",
            "payment_plans",
            "refunds",
            "payment_events",
            "payment_checkouts",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

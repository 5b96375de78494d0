//! Billing: prices, charges, invoices and desk payments.
//!
//! - `price_list`: what an item costs from a date on, in integer minor units
//!   of a currency, with its tax rate (hundredths of a percent). The price of
//!   an item on a day is the row with the latest `valid_from` not after it;
//!   `(kind, item_key, valid_from)` is unique, so two prices never overlap.
//!   `item_key` names the item within its kind: a laboratory test's code, a
//!   drug's id, `doctor:<id>` or `department:<id>` (or `any`) for
//!   consultations, and a code the administrator chooses for procedures and
//!   other services.
//!   The laboratory catalogue's prices (`lab_tests.price_minor`,
//!   `currency`) move here: they become each test's first price, and the
//!   columns go.
//! - `charge_items` (migration 22) gains its price key, manual charges (who
//!   added them) and voiding (who, when, why). Completed appointments are
//!   charged too (kind `consultation`), and the billing clerk adds
//!   `procedure` and `service` charges by hand.
//! - `invoices` and `invoice_lines`: a draft takes a patient's unbilled
//!   charges at the prices of their service dates; issuing numbers it. A
//!   line's charge is unique (`ux_invoice_lines_charge`), so two drafts never
//!   bill one charge. Issued invoices are never edited: a credit note
//!   (`kind = credit_note`, `credit_of`) corrects one.
//! - `invoice_counters`: the last number issued per series (`INV`, `CRN`,
//!   `RCP`) and year. Issuing increments it in the issuing transaction
//!   (`UPDATE … SET last = last + 1`), so numbers have no gaps: a rolled-back
//!   issue rolls its number back too, and concurrent issues wait for the
//!   row (PostgreSQL's row lock, SQLite's single writer).
//! - `payments`: money received against an invoice, at the desk (cash, card)
//!   or online; `idempotency_key` is unique, so a retried request records
//!   one payment. Each has a receipt number from the `RCP` series.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, Statement};

use crate::util::{
    add_columns, check_codes, drop_check_codes, drop_columns, fk, index, patient_fk, user_fk,
};

/// `ChargeKind`'s codes from this migration on.
pub const CHARGE_KINDS: &[&str] = &[
    "drug",
    "lab",
    "imaging",
    "consultation",
    "procedure",
    "service",
];
pub const INVOICE_KINDS: &[&str] = &["invoice", "credit_note"];
pub const INVOICE_STATUSES: &[&str] = &["draft", "issued"];
pub const PAYMENT_METHODS: &[&str] = &["cash", "card", "online"];
pub const PAYMENT_STATUSES: &[&str] = &["pending", "succeeded", "failed"];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("price_list", "kind", CHARGE_KINDS),
    ("invoices", "kind", INVOICE_KINDS),
    ("invoices", "status", INVOICE_STATUSES),
    ("payments", "method", PAYMENT_METHODS),
    ("payments", "status", PAYMENT_STATUSES),
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
                    .table("price_list")
                    .col(pk_uuid("id"))
                    .col(string_len("kind", 16))
                    .col(string_len("item_key", 64))
                    .col(string_len("name", 200))
                    .col(big_integer("unit_price"))
                    .col(string_len("currency", 3))
                    .col(integer("tax_rate"))
                    .col(date("valid_from"))
                    // NULL: carried over from the laboratory catalogue.
                    .col(uuid_null("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut user_fk("price_list", "created_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_price_list_item",
            "price_list",
            &["kind", "item_key", "valid_from"],
            true,
        )
        .await?;

        // The laboratory catalogue's prices so far become the list's first
        // prices of its tests (a price row takes its test's id).
        let db = manager.get_connection();
        let placeholder = match manager.get_database_backend() {
            DbBackend::Postgres => "$1",
            _ => "?",
        };
        db.execute_raw(Statement::from_sql_and_values(
            manager.get_database_backend(),
            format!(
                "INSERT INTO price_list (id, kind, item_key, name, unit_price, currency, tax_rate, \
                 valid_from, created_by, created_at) \
                 SELECT id, kind, code, name, price_minor, currency, 0, {placeholder}, NULL, created_at \
                 FROM lab_tests WHERE price_minor IS NOT NULL AND currency IS NOT NULL"
            ),
            [Value::ChronoDate(Some(chrono::NaiveDate::from_ymd_opt(2000, 1, 1).expect("a date")))],
        ))
        .await?;

        // From here on prices are the list's only.
        drop_columns(manager, "lab_tests", &["currency", "price_minor"]).await?;

        add_columns(
            manager,
            "charge_items",
            [
                string_len_null("price_key", 64),
                uuid_null("added_by"),
                timestamp_with_time_zone_null("voided_at"),
                uuid_null("voided_by"),
                string_len_null("void_reason", 500),
            ],
        )
        .await?;
        // The laboratory's charges so far: their test's code.
        db.execute_unprepared(
            "UPDATE charge_items SET price_key = (SELECT t.code FROM lab_order_items i \
             JOIN lab_tests t ON t.id = i.test_id WHERE i.id = charge_items.source_id) \
             WHERE kind IN ('lab', 'imaging')",
        )
        .await?;
        drop_check_codes(manager, "charge_items", "kind").await?;
        check_codes(manager, "charge_items", "kind", CHARGE_KINDS).await?;

        manager
            .create_table(
                Table::create()
                    .table("invoices")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("kind", 12))
                    .col(string_len("status", 8))
                    .col(uuid_null("credit_of"))
                    .col(string_len_null("number", 20))
                    .col(string_len("currency", 3))
                    .col(big_integer("subtotal"))
                    .col(big_integer("discount"))
                    .col(big_integer("tax"))
                    .col(big_integer("total"))
                    .col(string_len_null("note", 500))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(uuid_null("issued_by"))
                    .col(timestamp_with_time_zone_null("issued_at"))
                    .foreign_key(&mut patient_fk("invoices"))
                    .foreign_key(&mut fk("invoices", "credit_of", "invoices"))
                    .foreign_key(&mut user_fk("invoices", "created_by"))
                    .foreign_key(&mut user_fk("invoices", "issued_by"))
                    .to_owned(),
            )
            .await?;
        index(manager, "ux_invoices_number", "invoices", &["number"], true).await?;
        index(
            manager,
            "ix_invoices_patient",
            "invoices",
            &["patient_id", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_invoices_issued",
            "invoices",
            &["issued_at"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("invoice_lines")
                    .col(pk_uuid("id"))
                    .col(uuid("invoice_id"))
                    .col(uuid("patient_id"))
                    .col(uuid_null("charge_id"))
                    .col(integer("position"))
                    .col(string_len("description", 300))
                    .col(date("service_date"))
                    .col(integer("quantity"))
                    .col(big_integer("unit_price"))
                    .col(big_integer("discount"))
                    .col(string_len_null("discount_reason", 500))
                    .col(integer("tax_rate"))
                    .col(big_integer("gross"))
                    .col(big_integer("tax"))
                    .col(big_integer("total"))
                    .foreign_key(&mut fk("invoice_lines", "invoice_id", "invoices"))
                    .foreign_key(&mut patient_fk("invoice_lines"))
                    .foreign_key(&mut fk("invoice_lines", "charge_id", "charge_items"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_invoice_lines_invoice",
            "invoice_lines",
            &["invoice_id", "position"],
            false,
        )
        .await?;
        index(
            manager,
            "ux_invoice_lines_charge",
            "invoice_lines",
            &["charge_id"],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("invoice_counters")
                    .col(string_len("series", 3))
                    .col(integer("year"))
                    .col(big_integer("last"))
                    .primary_key(Index::create().col("series").col("year"))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table("payments")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("invoice_id"))
                    .col(string_len("method", 8))
                    .col(string_len("status", 10))
                    .col(big_integer("amount"))
                    .col(string_len("currency", 3))
                    .col(string_len_null("reference", 100))
                    .col(string_len("idempotency_key", 100))
                    .col(string_len_null("receipt_number", 20))
                    .col(uuid_null("received_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("received_at"))
                    .foreign_key(&mut patient_fk("payments"))
                    .foreign_key(&mut fk("payments", "invoice_id", "invoices"))
                    .foreign_key(&mut user_fk("payments", "received_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_payments_idempotency",
            "payments",
            &["idempotency_key"],
            true,
        )
        .await?;
        index(
            manager,
            "ux_payments_receipt",
            "payments",
            &["receipt_number"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_payments_invoice",
            "payments",
            &["invoice_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_payments_patient",
            "payments",
            &["patient_id", "created_at"],
            false,
        )
        .await?;

        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            "lab_tests",
            [
                big_integer_null("price_minor"),
                string_len_null("currency", 3),
            ],
        )
        .await?;
        for table in [
            "payments",
            "invoice_counters",
            "invoice_lines",
            "invoices",
            "price_list",
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "DELETE FROM charge_items WHERE kind IN ('consultation', 'procedure', 'service')",
        )
        .await?;
        drop_check_codes(manager, "charge_items", "kind").await?;
        check_codes(
            manager,
            "charge_items",
            "kind",
            crate::m20261205_000026_lab_orders::CHARGE_KINDS,
        )
        .await?;
        drop_columns(
            manager,
            "charge_items",
            &[
                "void_reason",
                "voided_by",
                "voided_at",
                "added_by",
                "price_key",
            ],
        )
        .await
    }
}

//! The pharmacy: stock batches, every movement of stock, the fill status
//! of prescriptions, and the charge items dispensing creates for billing.
//!
//! - `stock_batches`: one delivery of one drug: lot, expiry date, location,
//!   the quantity received and the quantity left. `quantity >= 0` is a
//!   database check, so stock can never go negative whatever the
//!   application does; dispensing decrements with a conditional update
//!   (`quantity >= n`, not expired), first expiry first.
//! - `stock_movements`: every change of a batch: `receive`, `dispense` (with
//!   the prescription and patient), `return` (back into the batch it came
//!   from) and `write_off` (with a reason), who and when.
//! - `formulary_drugs.reorder_level`: the stock at or below which the
//!   pharmacy reorders (0: not watched).
//! - `prescriptions.fill_status` (`new`, `preparing`, `ready`, `partial`,
//!   `dispensed`) and `dispensed_quantity`: where the pharmacy's queue has
//!   it; a refill starts a new fill.
//! - `charge_items`: what billing will invoice. A dispense creates one row
//!   (`source` `dispense`, `source_id` its movement), unique per source so a
//!   retried event never charges twice. Prices come with the billing issue.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{
    add_columns, check_codes, drop_check_codes, drop_columns, index, patient_fk, user_fk,
};

pub const MOVEMENT_KINDS: &[&str] = &["receive", "dispense", "return", "write_off"];
pub const FILL_STATUSES: &[&str] = &["new", "preparing", "ready", "partial", "dispensed"];
pub const CHARGE_KINDS: &[&str] = &["drug"];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("stock_movements", "kind", MOVEMENT_KINDS),
    ("prescriptions", "fill_status", FILL_STATUSES),
    ("charge_items", "kind", CHARGE_KINDS),
];

fn fk(
    name: &str,
    from: (&'static str, &'static str),
    to: &'static str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to, "id")
        .on_delete(ForeignKeyAction::Restrict)
        .to_owned()
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("stock_batches")
                    .col(pk_uuid("id"))
                    .col(uuid("drug_id"))
                    .col(string_len("lot_number", 40))
                    .col(date("expires_on"))
                    .col(string_len("location", 80))
                    .col(integer("received_quantity"))
                    .col(integer("quantity"))
                    .col(timestamp_with_time_zone("received_at"))
                    .col(uuid("received_by"))
                    .foreign_key(&mut fk(
                        "fk_stock_batches_drug",
                        ("stock_batches", "drug_id"),
                        "formulary_drugs",
                    ))
                    .foreign_key(&mut user_fk("stock_batches", "received_by"))
                    .check(Expr::col("quantity").gte(0))
                    .check(Expr::col("received_quantity").gt(0))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_stock_batches_drug",
            "stock_batches",
            &["drug_id", "expires_on"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_stock_batches_expiry",
            "stock_batches",
            &["expires_on"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("stock_movements")
                    .col(pk_uuid("id"))
                    .col(uuid("batch_id"))
                    .col(uuid("drug_id"))
                    .col(string_len("kind", 16))
                    .col(integer("quantity"))
                    .col(uuid_null("prescription_id"))
                    .col(uuid_null("patient_id"))
                    .col(string_len_null("reason", 500))
                    .col(uuid("by_user"))
                    .col(timestamp_with_time_zone("at"))
                    .foreign_key(&mut fk(
                        "fk_stock_movements_batch",
                        ("stock_movements", "batch_id"),
                        "stock_batches",
                    ))
                    .foreign_key(&mut fk(
                        "fk_stock_movements_prescription",
                        ("stock_movements", "prescription_id"),
                        "prescriptions",
                    ))
                    .foreign_key(&mut patient_fk("stock_movements"))
                    .foreign_key(&mut user_fk("stock_movements", "by_user"))
                    .check(Expr::col("quantity").gt(0))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_stock_movements_batch",
            "stock_movements",
            &["batch_id", "at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_stock_movements_prescription",
            "stock_movements",
            &["prescription_id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_stock_movements_patient",
            "stock_movements",
            &["patient_id"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("charge_items")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(string_len("kind", 16))
                    .col(string_len("source", 32))
                    .col(uuid("source_id"))
                    .col(uuid_null("drug_id"))
                    .col(string_len("description", 300))
                    .col(integer("quantity"))
                    .col(date("service_date"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("invoiced_at"))
                    .foreign_key(&mut patient_fk("charge_items"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_charge_items_source",
            "charge_items",
            &["source", "source_id"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_charge_items_patient",
            "charge_items",
            &["patient_id", "invoiced_at"],
            false,
        )
        .await?;
        add_columns(
            manager,
            "formulary_drugs",
            [integer("reorder_level").default(0).to_owned()],
        )
        .await?;
        add_columns(
            manager,
            "prescriptions",
            [
                string_len("fill_status", 16).default("new").to_owned(),
                integer("dispensed_quantity").default(0).to_owned(),
            ],
        )
        .await?;
        index(
            manager,
            "ix_prescriptions_fill",
            "prescriptions",
            &["fill_status", "signed_at"],
            false,
        )
        .await?;
        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_prescriptions_fill")
                    .table("prescriptions")
                    .to_owned(),
            )
            .await?;
        drop_check_codes(manager, "prescriptions", "fill_status").await?;
        drop_columns(
            manager,
            "prescriptions",
            &["fill_status", "dispensed_quantity"],
        )
        .await?;
        drop_columns(manager, "formulary_drugs", &["reorder_level"]).await?;
        for table in ["charge_items", "stock_movements", "stock_batches"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

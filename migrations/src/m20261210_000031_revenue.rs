//! Revenue for the reports.
//!
//! - `charge_items.doctor_id`: the doctor a charge is for (the consultation's,
//!   the ordering doctor's, the prescriber's), when there is one;
//!   `invoice_lines` copy it with the doctor's department when drafted.
//! - `revenue_days`: what issued invoices and credit notes billed, summed per
//!   service day, department, doctor, payer and currency, kept in the same
//!   transaction as the issue (a credit note subtracts). The reports read
//!   this table, never the lines: a year of a large hospital's charges is
//!   a few hundred thousand rows here instead of millions. "None" of a
//!   department, doctor or payer is the nil UUID, so every key column is
//!   NOT NULL and the upsert's conflict target always matches.
//!   The rows of invoices issued before this migration are summed into it
//!   here (without doctor or department: their lines never named them).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;
use sea_orm_migration::sea_orm::sea_query::{Func, Query};

use crate::util::{add_columns, drop_columns};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        add_columns(
            manager,
            "charge_items",
            [ColumnDef::new("doctor_id").uuid().null().to_owned()],
        )
        .await?;
        add_columns(
            manager,
            "invoice_lines",
            [
                ColumnDef::new("doctor_id").uuid().null().to_owned(),
                ColumnDef::new("department_id").uuid().null().to_owned(),
            ],
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("revenue_days")
                    .col(date("day"))
                    .col(uuid("department_id"))
                    .col(uuid("doctor_id"))
                    .col(uuid("payer_id"))
                    .col(string_len("currency", 3))
                    .col(big_integer("amount"))
                    .col(big_integer("lines"))
                    .primary_key(
                        Index::create()
                            .col("day")
                            .col("department_id")
                            .col("doctor_id")
                            .col("payer_id")
                            .col("currency"),
                    )
                    .to_owned(),
            )
            .await?;

        // What was issued so far.
        let nil = Expr::value(uuid::Uuid::nil());
        let sign = "CASE WHEN i.kind = 'credit_note' THEN -1 ELSE 1 END";
        let select = Query::select()
            .expr(Expr::col(("l", "service_date")))
            .expr(nil.clone())
            .expr(nil.clone())
            .expr(Func::coalesce([Expr::col(("i", "payer_id")), nil]))
            .expr(Expr::col(("i", "currency")))
            .expr(Expr::cust(format!("SUM(({sign}) * l.total)")))
            .expr(Expr::cust(format!("SUM({sign})")))
            .from_as("invoice_lines", "l")
            .join_as(
                JoinType::InnerJoin,
                "invoices",
                "i",
                Expr::col(("i", "id")).equals(("l", "invoice_id")),
            )
            .and_where(Expr::col(("i", "status")).eq("issued"))
            .group_by_col(("l", "service_date"))
            .group_by_col(("i", "payer_id"))
            .group_by_col(("i", "currency"))
            .to_owned();
        let insert = Query::insert()
            .into_table("revenue_days")
            .columns([
                "day",
                "department_id",
                "doctor_id",
                "payer_id",
                "currency",
                "amount",
                "lines",
            ])
            .select_from(select)
            .map_err(|e| DbErr::Custom(e.to_string()))?
            .to_owned();
        manager.get_connection().execute(&insert).await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("revenue_days").to_owned())
            .await?;
        drop_columns(manager, "invoice_lines", &["doctor_id", "department_id"]).await?;
        drop_columns(manager, "charge_items", &["doctor_id"]).await
    }
}

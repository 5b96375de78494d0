//! The revenue report reads `revenue_days` through an index that holds
//! every column it needs, in its order: the hospital's currency, then the
//! days of the report, then the breakdowns and the amount.
//!
//! Through the primary key alone each of a year's ~650,000 daily sums was a
//! lookup of its table row, scattered through the file: on the encrypted
//! SQLite file, with the page cache far smaller than the table, each was a
//! page read and decrypted, 8.5 s for one report (docs/benchmarks.md,
//! "Revenue report"). With this index the report reads the index alone, in
//! order.

use sea_orm_migration::prelude::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        index(
            manager,
            "ix_revenue_days_report",
            "revenue_days",
            &[
                "currency",
                "day",
                "department_id",
                "doctor_id",
                "payer_id",
                "amount",
            ],
            false,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("ix_revenue_days_report")
                    .table("revenue_days")
                    .to_owned(),
            )
            .await
    }
}

//! Insurance: payers, the insurer's portion of invoices, claims.
//!
//! - `payers`: the insurers the hospital bills, with the share of covered
//!   services each pays (basis points of a line's total). A registration's
//!   coverage names its payer as typed; it is matched to a payer by the
//!   folded name (`name_key`, unique), so "AOK Bayern" and "aok bayern" are
//!   one payer. Payers are deactivated, never deleted.
//! - `invoices` gain the coverage a draft found eligible on its lines'
//!   service dates (`payer_id`, `member_id`, `insurer_share`) and the
//!   insurer's portion (`insurer_portion`, the sum of its lines'); each line
//!   says whether it was `covered` and its `insurer_portion`. The patient's
//!   portion is the rest. `payer_id` has no foreign key: SQLite cannot add
//!   one to an existing table, and payers are never deleted.
//! - `claims`: the insurer's portion of one issued invoice (one claim per
//!   invoice), numbered in the `CLM` series, through draft → submitted →
//!   approved, partly approved or denied → paid. What the insurer approved
//!   decides what the patient owes.
//! - `claim_documents`: files the patient or the clerk attach to a claim
//!   (PDF, JPEG, PNG), stored encrypted outside the database like imaging
//!   attachments.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{add_columns, check_codes, drop_columns, fk, index, patient_fk, user_fk};

pub const CLAIM_STATUSES: &[&str] = &[
    "draft",
    "submitted",
    "approved",
    "partly_approved",
    "denied",
    "paid",
];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("claims", "status", CLAIM_STATUSES),
    (
        "claim_documents",
        "content_type",
        crate::m20261206_000027_lab_visits::ATTACHMENT_TYPES,
    ),
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
                    .table("payers")
                    .col(pk_uuid("id"))
                    .col(string_len("name", 200))
                    .col(string_len("name_key", 200))
                    .col(integer("share"))
                    .col(boolean("active"))
                    .col(uuid("updated_by"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut user_fk("payers", "updated_by"))
                    .to_owned(),
            )
            .await?;
        index(manager, "ux_payers_name_key", "payers", &["name_key"], true).await?;

        add_columns(
            manager,
            "invoices",
            [
                ColumnDef::new("payer_id").uuid().null().to_owned(),
                ColumnDef::new("member_id").string_len(64).null().to_owned(),
                ColumnDef::new("insurer_share")
                    .integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
                ColumnDef::new("insurer_portion")
                    .big_integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
            ],
        )
        .await?;
        add_columns(
            manager,
            "invoice_lines",
            [
                ColumnDef::new("covered")
                    .boolean()
                    .not_null()
                    .default(false)
                    .to_owned(),
                ColumnDef::new("insurer_portion")
                    .big_integer()
                    .not_null()
                    .default(0)
                    .to_owned(),
            ],
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("claims")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid("invoice_id"))
                    .col(uuid("payer_id"))
                    .col(string_len("number", 20))
                    .col(string_len("status", 16))
                    .col(string_len("member_id", 64))
                    .col(string_len("currency", 3))
                    .col(big_integer("claimed"))
                    .col(big_integer_null("approved"))
                    .col(big_integer_null("paid"))
                    .col(string_len_null("reason", 500))
                    .col(string_len_null("payment_ref", 100))
                    .col(boolean("filed_by_patient"))
                    .col(uuid("created_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("submitted_at"))
                    .col(timestamp_with_time_zone_null("decided_at"))
                    .col(timestamp_with_time_zone_null("paid_at"))
                    .foreign_key(&mut patient_fk("claims"))
                    .foreign_key(&mut fk("claims", "invoice_id", "invoices"))
                    .foreign_key(&mut fk("claims", "payer_id", "payers"))
                    .foreign_key(&mut user_fk("claims", "created_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_claims_invoice",
            "claims",
            &["invoice_id"],
            true,
        )
        .await?;
        index(manager, "ux_claims_number", "claims", &["number"], true).await?;
        // The claims board: by status, newest first, paged by (created_at, id).
        index(
            manager,
            "ix_claims_board",
            "claims",
            &["status", "created_at", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_claims_created",
            "claims",
            &["created_at", "id"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_claims_patient",
            "claims",
            &["patient_id"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("claim_documents")
                    .col(pk_uuid("id"))
                    .col(uuid("claim_id"))
                    .col(uuid("patient_id"))
                    .col(string_len("file_name", 200))
                    .col(string_len("content_type", 20))
                    .col(big_integer("size_bytes"))
                    .col(string_len("sha256", 64))
                    .col(string_len("storage_key", 80))
                    .col(uuid("uploaded_by"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut fk("claim_documents", "claim_id", "claims"))
                    .foreign_key(&mut patient_fk("claim_documents"))
                    .foreign_key(&mut user_fk("claim_documents", "uploaded_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_claim_documents_claim",
            "claim_documents",
            &["claim_id"],
            false,
        )
        .await?;
        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["claim_documents", "claims"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        drop_columns(manager, "invoice_lines", &["covered", "insurer_portion"]).await?;
        drop_columns(
            manager,
            "invoices",
            &["payer_id", "member_id", "insurer_share", "insurer_portion"],
        )
        .await?;
        manager
            .drop_table(Table::drop().table("payers").to_owned())
            .await
    }
}

//! Patients reset a forgotten password through a link sent by e-mail.
//!
//! - `password_resets`: one row per link sent. The link's token is random
//!   (256 bits) and only its keyed hash (`Cipher::mac`) is stored, so a copy
//!   of the database cannot be turned into working links. A link works once
//!   (`used_at`) and for 30 minutes (`expires_at`). `client_addr` is who asked,
//!   for the per-address limit.
//! - `notification_outbox.kind` takes `password_reset`: the e-mail goes
//!   through the outbox like every message, its body encrypted by the
//!   application since it holds the link.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{check_codes, drop_check_codes, index, user_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// `NoticeKind`'s codes from this migration on.
pub const NOTICE_KINDS: &[&str] = &[
    "booked",
    "rescheduled",
    "cancelled",
    "reminder",
    "password_reset",
];

/// The notice kinds before it (migration 15).
const NOTICE_KINDS_BEFORE: &[&str] = &["booked", "rescheduled", "cancelled", "reminder"];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    /// In one transaction: every statement runs on one connection, so the
    /// check is replaced where it was dropped (on SQLite another pooled
    /// connection could still see the old triggers), and never missing.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }

    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("password_resets")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len("token_hash", 96))
                    .col(string_len("client_addr", 64))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("expires_at"))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .foreign_key(&mut user_fk("password_resets", "user_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_password_resets_token_hash",
            "password_resets",
            &["token_hash"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_password_resets_user_created",
            "password_resets",
            &["user_id", "created_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_password_resets_addr_created",
            "password_resets",
            &["client_addr", "created_at"],
            false,
        )
        .await?;
        drop_check_codes(manager, "notification_outbox", "kind").await?;
        check_codes(manager, "notification_outbox", "kind", NOTICE_KINDS).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .get_connection()
            .execute_unprepared("DELETE FROM notification_outbox WHERE kind = 'password_reset'")
            .await?;
        drop_check_codes(manager, "notification_outbox", "kind").await?;
        check_codes(manager, "notification_outbox", "kind", NOTICE_KINDS_BEFORE).await?;
        manager
            .drop_table(Table::drop().table("password_resets").to_owned())
            .await
    }
}

//! Two-step sign-in (TOTP, RFC 6238) and its recovery codes.
//!
//! - `users.mfa_enrolled_at`: when the account confirmed its authenticator;
//!   NULL for none. On the account row, so that the sign-in gate and the
//!   account cache see it (and PostgreSQL's `hms_auth` notice reaches every
//!   process when it changes, migration 9).
//! - `user_mfa`: the account's TOTP secret, encrypted by the application
//!   (AES-256-GCM, `enc:v<key version>:…`), while enrolment is pending
//!   (`confirmed_at` NULL) and once confirmed; `last_step` is the newest
//!   30-second step whose code was accepted, so a code is never taken twice,
//!   even by another process: the acceptance is a conditional UPDATE.
//! - `mfa_recovery_codes`: ten single-use codes per account, stored as a
//!   keyed hash (HMAC-SHA-256), never in clear.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{index, user_fk};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .add_column(timestamp_with_time_zone_null("mfa_enrolled_at"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("user_mfa")
                    .col(pk_uuid("user_id"))
                    .col(text("secret"))
                    .col(timestamp_with_time_zone_null("confirmed_at"))
                    .col(big_integer_null("last_step"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut user_fk("user_mfa", "user_id"))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table("mfa_recovery_codes")
                    .col(pk_uuid("id"))
                    .col(uuid("user_id"))
                    .col(string_len("code_hash", 96))
                    .col(timestamp_with_time_zone_null("used_at"))
                    .col(timestamp_with_time_zone("created_at"))
                    .foreign_key(&mut user_fk("mfa_recovery_codes", "user_id"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_mfa_recovery_codes_user_hash",
            "mfa_recovery_codes",
            &["user_id", "code_hash"],
            true,
        )
        .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["mfa_recovery_codes", "user_mfa"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table("users")
                    .drop_column("mfa_enrolled_at")
                    .to_owned(),
            )
            .await
    }
}

//! A patient who forgot their password asks for a link by e-mail
//! (`/forgot-password`) and chooses a new password with it
//! (`/reset-password?token=…`).
//!
//! - The request answers the same whether or not an account has the address,
//!   so the form cannot be used to learn who is a patient here. Staff accounts
//!   get no link: an administrator resets them (and their second step).
//! - The token is 256 random bits; only its keyed hash is stored
//!   (`password_resets`, migration 18). The e-mail goes through the outbox
//!   like every message, its body encrypted by the application (it holds the
//!   link) and decrypted by the worker just before sending.
//! - A link works once and for [`PASSWORD_RESET_MINUTES`]; a new password
//!   spends it and every other link of the account, ends every session of
//!   the account, and lifts a lock from failed sign-ins (whoever holds the
//!   mailbox owns the account). Two-step sign-in, when set up, still asks
//!   for its code at the next sign-in.
//! - Limits: three links per account and ten per network address an hour.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::auth::PasswordResetForm;
#[cfg(feature = "ssr")]
use shared::auth::PASSWORD_RESET_MINUTES;
use shared::AppError;

/// Asks for a password-reset link for `email`. Succeeds whether or not an
/// account has the address.
#[server(endpoint = "auth/password_reset/request", input = Json)]
pub async fn request_password_reset(email: String) -> Result<(), AppError> {
    crate::audited::public(async || {
        let ctx = crate::state::server_context()?;
        let meta = crate::context::request_meta();
        service::request(&ctx, &email, &meta, ctx.clock.now()).await
    })
    .await
}
crate::access!("auth/password_reset/request", Public, no_patient_data);

/// Sets a new password with the token of a reset link.
#[server(endpoint = "auth/password_reset/complete", input = Json)]
pub async fn complete_password_reset(form: PasswordResetForm) -> Result<(), AppError> {
    crate::audited::public(async || {
        let ctx = crate::state::server_context()?;
        let meta = crate::context::request_meta();
        service::complete(&ctx, form, &meta, ctx.clock.now()).await
    })
    .await
}
crate::access!("auth/password_reset/complete", Public, no_patient_data);

#[cfg(feature = "ssr")]
pub mod service {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine;
    use chrono::{DateTime, Duration, Utc};
    use rand::Rng;
    use sea_orm::sea_query::Expr;
    use sea_orm::{
        ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
        Set,
    };
    use shared::audit::Outcome;
    use shared::auth::{PasswordResetForm, PASSWORD_RESET_PATH};
    use shared::notify::{password_reset_notice, Channel, NoticeKind};
    use shared::validate::Email;
    use shared::{AppError, Role};
    use uuid::Uuid;

    use super::PASSWORD_RESET_MINUTES;
    use crate::audit::service::{append, AuditEvent};
    use crate::auth::password;
    use crate::auth::service::{actor_of, anonymous};
    use crate::context::{begin_write, OrInternal, RequestMeta};
    use crate::entity::{
        login_attempts, notification_outbox as outbox, password_resets, sessions, users,
    };
    use crate::state::ServerContext;

    /// The purpose of the tokens' keyed hashes (`Cipher::mac`).
    const TOKEN_LABEL: &str = "password_reset";
    /// Links one account is sent in an hour, at most.
    pub const PER_ACCOUNT_PER_HOUR: u64 = 3;
    /// Links asked for from one network address in an hour, at most.
    pub const PER_ADDRESS_PER_HOUR: u64 = 10;

    const REQUESTED: &str = "auth.password_reset_request";
    const RESET: &str = "auth.password_reset";

    /// A new token: 256 random bits, URL-safe.
    fn new_token() -> String {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill(&mut bytes[..]);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Links sent since `since`, of one account or from one address.
    async fn sent_since(
        db: &impl ConnectionTrait,
        filter: impl sea_orm::sea_query::IntoCondition,
        since: DateTime<Utc>,
    ) -> Result<u64, AppError> {
        password_resets::Entity::find()
            .filter(filter)
            .filter(password_resets::Column::CreatedAt.gt(since))
            .count(db)
            .await
            .or_internal()
    }

    /// Queues a link for the patient account with this address, if there is
    /// one and it is under its limit. The same `Ok(())` otherwise (audited
    /// with the reason): only the mailbox learns whether the account exists.
    pub async fn request(
        ctx: &ServerContext,
        email_input: &str,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        let email = Email::parse(email_input).map_err(|m| AppError::field("email", m))?;
        let email = email.as_str();
        let hour_ago = now - Duration::hours(1);
        let quietly = async |detail: &'static str| {
            let event = AuditEvent::new(anonymous(email), REQUESTED, Outcome::Denied)
                .at(now)
                .detail(detail);
            append(&ctx.db, event, meta).await.or_internal()
        };
        let from_address = sent_since(
            &ctx.db,
            password_resets::Column::ClientAddr.eq(meta.client_addr.clone()),
            hour_ago,
        )
        .await?;
        if from_address >= PER_ADDRESS_PER_HOUR {
            quietly("client address throttled").await?;
            return Err(AppError::RateLimited(
                "Too many password resets were asked for from your network. Wait an hour and try again."
                    .into(),
            ));
        }
        let user = users::Entity::find()
            .filter(users::Column::Email.eq(email))
            .one(&ctx.db)
            .await
            .or_internal()?;
        let Some(user) = user else {
            return quietly("unknown account").await;
        };
        let Some(patient_id) = user.patient_id.filter(|_| user.role == Role::Patient) else {
            return quietly("staff account: an administrator resets it").await;
        };
        if !user.active {
            return quietly("account deactivated").await;
        }
        let recent = sent_since(
            &ctx.db,
            password_resets::Column::UserId.eq(user.id),
            hour_ago,
        )
        .await?;
        if recent >= PER_ACCOUNT_PER_HOUR {
            return quietly("account throttled").await;
        }

        let token = new_token();
        let (reset_id, message_id) = (Uuid::new_v4(), Uuid::new_v4());
        let link = format!("{}{PASSWORD_RESET_PATH}?token={token}", ctx.public_url);
        let notice = password_reset_notice(&link, &ctx.hospital_name, PASSWORD_RESET_MINUTES);
        let txn = begin_write(&ctx.db).await?;
        password_resets::ActiveModel {
            id: Set(reset_id),
            user_id: Set(user.id),
            token_hash: Set(ctx.cipher.mac(TOKEN_LABEL, token.as_bytes())),
            client_addr: Set(meta.client_addr.chars().take(64).collect()),
            created_at: Set(now),
            expires_at: Set(now + Duration::minutes(PASSWORD_RESET_MINUTES)),
            used_at: Set(None),
        }
        .insert(&txn)
        .await
        .or_internal()?;
        outbox::Queued {
            id: message_id,
            patient_id,
            appointment_id: None,
            kind: NoticeKind::PasswordReset,
            channel: Channel::Email,
            recipient: user.email.clone(),
            subject: notice.subject,
            body: ctx
                .cipher
                .encrypt(notice.body.as_bytes(), &outbox::body_context(message_id)),
            dedupe_key: format!("password_reset:{reset_id}"),
            due: now,
        }
        .row(now)
        .insert(&txn)
        .await
        .or_internal()?;
        let event = AuditEvent::new(actor_of(&user), REQUESTED, Outcome::Success)
            .at(now)
            .entity("user", user.id);
        append(&txn, event, meta).await.or_internal()?;
        txn.commit().await.or_internal()
    }

    /// What the form says about a link that cannot be used.
    fn link_refused() -> AppError {
        AppError::field(
            "token",
            "This link has expired or has been used already. Ask for a new one.",
        )
    }

    /// Sets the new password if the token is live, spends it (and the
    /// account's other links), ends every session of the account and lifts
    /// a sign-in lock. The token is spent by a conditional UPDATE, so two
    /// uses at once cannot both succeed.
    pub async fn complete(
        ctx: &ServerContext,
        form: PasswordResetForm,
        meta: &RequestMeta,
        now: DateTime<Utc>,
    ) -> Result<(), AppError> {
        // The form's own checks first, without the address (unknown yet).
        form.parse(None)?;
        let token_hash = ctx.cipher.mac(TOKEN_LABEL, form.token.trim().as_bytes());
        let reset = password_resets::Entity::find()
            .filter(password_resets::Column::TokenHash.eq(token_hash))
            .one(&ctx.db)
            .await
            .or_internal()?;
        let refuse = async |actor, detail: &'static str| {
            let event = AuditEvent::new(actor, RESET, Outcome::Failure)
                .at(now)
                .detail(detail);
            append(&ctx.db, event, meta).await.or_internal()?;
            Err::<(), AppError>(link_refused())
        };
        let Some(reset) = reset else {
            return refuse(anonymous("unknown"), "unknown token").await;
        };
        let user = crate::auth::service::account(&ctx.db, reset.user_id).await?;
        if reset.used_at.is_some() {
            return refuse(actor_of(&user), "link already used").await;
        }
        if reset.expires_at <= now {
            return refuse(actor_of(&user), "link expired").await;
        }
        if !user.active {
            return refuse(actor_of(&user), "account deactivated").await;
        }
        // Now with the address: a password may not contain it.
        let new = form.parse(Some(&user.email))?;
        let hash = password::hash(new.expose().to_string()).await?;

        let txn = begin_write(&ctx.db).await?;
        let spent = password_resets::Entity::update_many()
            .col_expr(password_resets::Column::UsedAt, Expr::value(now))
            .filter(password_resets::Column::Id.eq(reset.id))
            .filter(password_resets::Column::UsedAt.is_null())
            .exec(&txn)
            .await
            .or_internal()?;
        if spent.rows_affected == 0 {
            txn.rollback().await.or_internal()?;
            return refuse(actor_of(&user), "link already used").await;
        }
        password_resets::Entity::update_many()
            .col_expr(password_resets::Column::UsedAt, Expr::value(now))
            .filter(password_resets::Column::UserId.eq(user.id))
            .filter(password_resets::Column::UsedAt.is_null())
            .exec(&txn)
            .await
            .or_internal()?;
        let mut account: users::ActiveModel = user.clone().into();
        account.password_hash = Set(hash);
        account.must_change_password = Set(false);
        account.updated_at = Set(now);
        account.update(&txn).await.or_internal()?;
        let ended = sessions::Entity::delete_many()
            .filter(sessions::Column::UserId.eq(user.id))
            .exec(&txn)
            .await
            .or_internal()?;
        // Failed sign-ins before this one no longer count (as after a
        // successful sign-in or an administrator's unlock).
        login_attempts::ActiveModel {
            email: Set(user.email.clone()),
            client_addr: Set(meta.client_addr.clone()),
            success: Set(true),
            at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .or_internal()?;
        let event = AuditEvent::new(actor_of(&user), RESET, Outcome::Success)
            .at(now)
            .entity("user", user.id)
            .detail(format!("{} session(s) ended", ended.rows_affected));
        append(&txn, event, meta).await.or_internal()?;
        txn.commit().await.or_internal()?;
        // This process's cache too (others hear the database's notice).
        ctx.auth_cache.forget_user(user.id);
        Ok(())
    }
}

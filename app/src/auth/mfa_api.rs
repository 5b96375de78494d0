//! Server functions for the caller's own two-step sign-in: its status,
//! setting up an authenticator, recovery codes, turning it off (patients).
//! The sign-in's code step is `api::login_code`.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::auth::{MfaEnrolment, MfaStatus, RecoveryCodes};
use shared::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    pub use crate::audited::{plain, write, write_prepared};
    pub use crate::auth::guard::{require, Caller};
    pub use crate::auth::mfa;
    pub use crate::context::OrInternal;
    pub use crate::entity::users;
    pub use shared::{AppError, Permission};

    /// The caller's account row.
    pub async fn account(
        db: &impl sea_orm::ConnectionTrait,
        caller: &Caller,
    ) -> Result<users::Model, AppError> {
        crate::auth::service::account(db, caller.user.id.into()).await
    }

    /// The caller proves who they are again: password and a code (from the
    /// app or a recovery code). Off the write lock (the password hash is
    /// slow); failures count toward the account's lock.
    pub async fn confirm(caller: &Caller, password: String, code: &str) -> Result<(), AppError> {
        crate::auth::service::confirm_identity(
            &caller.ctx.db,
            &caller.ctx.policy,
            &caller.ctx.cipher,
            caller.user.id.into(),
            password,
            code,
            &caller.meta,
            caller.now(),
        )
        .await
    }

    /// The account changed in a way every process must see on its next request.
    pub fn forget(caller: &Caller) {
        caller.ctx.auth_cache.forget_user(caller.user.id.into());
    }
}

/// Two-step sign-in on the caller's account.
#[server(endpoint = "account/mfa", input = Json)]
pub async fn my_mfa() -> Result<MfaStatus, AppError> {
    use ssr::*;
    plain(
        || require(Permission::ManageOwnAccount),
        async |caller| mfa::status(&caller.ctx.db, &account(&caller.ctx.db, caller).await?).await,
    )
    .await
}
crate::access!("account/mfa", AnyOf(&[ManageOwnAccount]), no_patient_data);

/// Starts setting up an authenticator app: a new secret, shown once as a QR
/// code and as text, pending until [`confirm_mfa`].
#[server(endpoint = "account/mfa/begin", input = Json)]
pub async fn begin_mfa() -> Result<MfaEnrolment, AppError> {
    use ssr::*;
    write(
        || require(Permission::ManageOwnAccount),
        async |caller, txn| {
            let user = account(txn, caller).await?;
            let enrolment = mfa::begin(txn, &caller.ctx.cipher, &user, caller.now()).await?;
            Ok((
                enrolment,
                caller.event("auth.mfa_begin").entity("user", user.id),
            ))
        },
    )
    .await
}
crate::access!(
    "account/mfa/begin",
    AnyOf(&[ManageOwnAccount]),
    no_patient_data
);

/// Confirms the new authenticator with the code it shows: two-step sign-in
/// is on. Answers the ten recovery codes, shown this once.
#[server(endpoint = "account/mfa/confirm", input = Json)]
pub async fn confirm_mfa(code: String) -> Result<RecoveryCodes, AppError> {
    use ssr::*;
    let confirmed = write(
        || require(Permission::ManageOwnAccount),
        async |caller, txn| {
            let user = account(txn, caller).await?;
            let codes = mfa::confirm(txn, &caller.ctx.cipher, &user, &code, caller.now()).await?;
            Ok((
                codes,
                caller.event("auth.mfa_enrol").entity("user", user.id),
            ))
        },
    )
    .await;
    if confirmed.is_ok() {
        forget(&crate::auth::guard::authenticate().await?);
    }
    confirmed
}
crate::access!(
    "account/mfa/confirm",
    AnyOf(&[ManageOwnAccount]),
    no_patient_data
);

/// Ten new recovery codes in place of the old ones, after the password and
/// a code (one of the old recovery codes will do).
#[server(endpoint = "account/mfa/recovery-codes", input = Json)]
pub async fn new_recovery_codes(password: String, code: String) -> Result<RecoveryCodes, AppError> {
    use ssr::*;
    write_prepared(
        || require(Permission::ManageOwnAccount),
        async |caller| confirm(caller, password, &code).await,
        async |caller, (), txn| {
            let user = account(txn, caller).await?;
            if user.mfa_enrolled_at.is_none() {
                return Err(AppError::Conflict(
                    "Two-step sign-in is not on for this account.".into(),
                ));
            }
            let codes =
                mfa::replace_recovery_codes(txn, &caller.ctx.cipher, user.id, caller.now()).await?;
            Ok((
                codes,
                caller
                    .event("auth.mfa_recovery_codes")
                    .entity("user", user.id),
            ))
        },
    )
    .await
}
crate::access!(
    "account/mfa/recovery-codes",
    AnyOf(&[ManageOwnAccount]),
    no_patient_data
);

/// Turns two-step sign-in off, after the password and a current code.
/// Patients only: staff accounts must keep it (an administrator can reset it).
#[server(endpoint = "account/mfa/disable", input = Json)]
pub async fn disable_mfa(password: String, code: String) -> Result<(), AppError> {
    use ssr::*;
    let disabled = write_prepared(
        || require(Permission::ManageOwnAccount),
        async |caller| {
            if caller.user.role.is_staff() {
                return Err(AppError::BadRequest(
                    "Staff accounts must keep two-step sign-in. An administrator can reset it if you lost your phone.".into(),
                ));
            }
            confirm(caller, password, &code).await
        },
        async |caller, (), txn| {
            let user = account(txn, caller).await?;
            mfa::forget(txn, user.id).await?;
            let mut active: users::ActiveModel = user.clone().into();
            active.mfa_enrolled_at = sea_orm::Set(None);
            active.updated_at = sea_orm::Set(caller.now());
            sea_orm::ActiveModelTrait::update(active, txn)
                .await
                .or_internal()?;
            Ok(((), caller.event("auth.mfa_disable").entity("user", user.id)))
        },
    )
    .await;
    if disabled.is_ok() {
        forget(&crate::auth::guard::authenticate().await?);
    }
    disabled
}
crate::access!(
    "account/mfa/disable",
    AnyOf(&[ManageOwnAccount]),
    no_patient_data
);

//! Server functions for signing in and out, registering, and the caller's own account.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::auth::{
    CurrentUser, LoginOutcome, LoginStep, PasswordChangeForm, SelfRegistrationForm, SessionView,
};
use shared::ids::SessionHandle;
use shared::AppError;

/// Where the portals' Sign out form posts (`auth::sign_out`).
pub const SIGN_OUT_PATH: &str = "/sign-out";

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    pub use crate::audit::service::append;
    pub use crate::auth::guard::{authenticate, current_session, current_user_from, require};
    pub use crate::auth::service;
    pub use crate::auth::session_keys as keys;
    pub use crate::context::{request_meta, OrInternal, RequestMeta};
    pub use crate::entity::users;
    pub use crate::state::server_context;
    pub use shared::Permission;
    pub use tower_sessions::{Expiry, Session};

    /// Starts a fresh session for a user who just proved who they are. The id
    /// is rotated so a session fixed before sign-in is worthless after it.
    pub async fn start_session(
        session: &Session,
        user: &users::Model,
        meta: &RequestMeta,
        ctx: &crate::state::ServerContext,
    ) -> Result<(), shared::AppError> {
        let (now, lifetime) = (ctx.clock.now(), ctx.policy.absolute_lifetime);
        session.clear().await;
        session.cycle_id().await.or_internal()?;
        session.insert(keys::USER_ID, user.id).await.or_internal()?;
        session
            .insert(keys::HANDLE, uuid::Uuid::new_v4())
            .await
            .or_internal()?;
        session
            .insert(keys::LOGIN_AT, now.timestamp())
            .await
            .or_internal()?;
        session
            .insert(keys::LAST_SEEN, now.timestamp())
            .await
            .or_internal()?;
        session
            .insert(keys::REAUTH_AT, now.timestamp())
            .await
            .or_internal()?;
        session
            .insert(keys::USER_AGENT, meta.user_agent.clone())
            .await
            .or_internal()?;
        session
            .insert(keys::CLIENT_ADDR, meta.client_addr.clone())
            .await
            .or_internal()?;
        let end =
            time::OffsetDateTime::from_unix_timestamp(now.timestamp()).or_internal()? + lifetime;
        session.set_expiry(Some(Expiry::AtDateTime(end)));
        Ok(())
    }

    /// Ends the session a request carries: audited (`auth.logout`) when
    /// someone was signed in, destroyed on the server either way. Used by the
    /// `auth/logout` server function and by the Sign out form's `POST /sign-out`.
    pub async fn end_session(
        signed_in: Result<crate::auth::guard::Caller, shared::AppError>,
        session: &Session,
    ) -> Result<(), shared::AppError> {
        match signed_in {
            Ok(caller) => {
                append(&caller.ctx.db, caller.event("auth.logout"), &caller.meta)
                    .await
                    .or_internal()?;
                caller.session.flush().await.or_internal()
            }
            // Already signed out (or timed out): nothing left to end.
            Err(shared::AppError::Unauthorized) => session.flush().await.or_internal(),
            Err(e) => Err(e),
        }
    }

    /// A finished sign-in: who, and their portal.
    pub fn outcome(user: &users::Model) -> Result<shared::auth::LoginOutcome, shared::AppError> {
        let user = current_user_from(user)?;
        Ok(shared::auth::LoginOutcome {
            redirect_to: user.role.portal().path().to_string(),
            user,
        })
    }
}

/// Signs in with e-mail and password; answers where the user's portal is,
/// or that the account's code is needed next ([`login_code`]).
#[server(endpoint = "auth/login", input = Json)]
pub async fn login(email: String, password: String) -> Result<LoginStep, AppError> {
    use ssr::*;
    crate::audited::public(async || {
        let ctx = server_context()?;
        let meta = request_meta();
        let session = current_session().await?;
        let checked = service::login(
            &ctx.db,
            &ctx.policy,
            &email,
            password,
            &meta,
            ctx.clock.now(),
        )
        .await?;
        match checked {
            service::PasswordChecked::SignedIn(signed_in) => {
                start_session(&session, &signed_in.user, &meta, &ctx).await?;
                Ok(LoginStep::SignedIn(outcome(&signed_in.user)?))
            }
            service::PasswordChecked::CodeRequired(user) => {
                // A session of its own for the half-done sign-in, holding
                // nobody: nothing but the code step reads it.
                session.clear().await;
                session.cycle_id().await.or_internal()?;
                session
                    .insert(keys::PENDING_USER, user.id)
                    .await
                    .or_internal()?;
                session
                    .insert(keys::PENDING_AT, ctx.clock.now().timestamp())
                    .await
                    .or_internal()?;
                Ok(LoginStep::CodeRequired)
            }
        }
    })
    .await
}
crate::access!("auth/login", Public, no_patient_data);

/// How long the code may follow the password.
#[cfg(feature = "ssr")]
const CODE_STEP_WINDOW_SECONDS: i64 = 5 * 60;

/// The second step of signing in: the code from the authenticator app (or
/// a recovery code) of the account whose password was just given.
#[server(endpoint = "auth/login/code", input = Json)]
pub async fn login_code(code: String) -> Result<LoginOutcome, AppError> {
    use ssr::*;
    crate::audited::public(async || {
        let ctx = server_context()?;
        let meta = request_meta();
        let session = current_session().await?;
        let pending = session
            .get::<uuid::Uuid>(keys::PENDING_USER)
            .await
            .or_internal()?;
        let at = session
            .get::<i64>(keys::PENDING_AT)
            .await
            .or_internal()?
            .unwrap_or(0);
        let Some(user_id) =
            pending.filter(|_| ctx.clock.now().timestamp() - at <= CODE_STEP_WINDOW_SECONDS)
        else {
            session.clear().await;
            return Err(AppError::BadRequest(
                "Your sign-in took too long. Enter your e-mail and password again.".into(),
            ));
        };
        let signed_in = service::login_code(
            &ctx.db,
            &ctx.policy,
            &ctx.cipher,
            user_id,
            &code,
            &meta,
            ctx.clock.now(),
        )
        .await;
        match signed_in {
            Ok(signed_in) => {
                start_session(&session, &signed_in.user, &meta, &ctx).await?;
                outcome(&signed_in.user)
            }
            Err(e) => {
                if !matches!(e, AppError::Validation(_)) {
                    // Locked, deactivated: the half-done sign-in ends.
                    session.clear().await;
                }
                Err(e)
            }
        }
    })
    .await
}
crate::access!("auth/login/code", Public, no_patient_data);

/// Signs out: the session is destroyed on the server, not just forgotten by the browser.
#[server(endpoint = "auth/logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use ssr::*;
    crate::audited::public(async || {
        end_session(authenticate().await, &current_session().await?).await
    })
    .await
}
crate::access!("auth/logout", Public, no_patient_data);

/// The signed-in user, or `None`. Used by every page to decide what to show.
#[server(endpoint = "auth/me", input = Json)]
pub async fn me() -> Result<Option<CurrentUser>, AppError> {
    use ssr::*;
    crate::audited::public(async || match authenticate().await {
        Ok(caller) => Ok(Some(caller.user)),
        Err(AppError::Unauthorized) => Ok(None),
        Err(e) => Err(e),
    })
    .await
}
crate::access!("auth/me", Public, no_patient_data);

/// A patient creates their account and patient record, and is signed in.
#[server(endpoint = "auth/register", input = Json)]
pub async fn register_patient(form: SelfRegistrationForm) -> Result<LoginOutcome, AppError> {
    use ssr::*;
    crate::audited::public(async || {
        let ctx = server_context()?;
        let meta = request_meta();
        let registration = form.parse(ctx.clock.now().date_naive())?;
        let user =
            service::register_patient(&ctx.db, &ctx.cipher, registration, &meta, ctx.clock.now())
                .await?;
        let session = current_session().await?;
        start_session(&session, &user, &meta, &ctx).await?;
        outcome(&user)
    })
    .await
}
crate::access!("auth/register", Public, no_patient_data);

/// Changes the caller's password; their other sessions end.
#[server(endpoint = "account/password", input = Json)]
pub async fn change_password(form: PasswordChangeForm) -> Result<(), AppError> {
    use ssr::*;
    crate::audited::plain(
        || require(Permission::ManageOwnAccount),
        async |caller| {
            let new = form.parse(&caller.user.email)?;
            let handle = caller
                .session
                .get::<uuid::Uuid>(keys::HANDLE)
                .await
                .or_internal()?;
            let changed = service::change_password(
                &caller.ctx.db,
                caller.user.id.into(),
                form.current_password,
                new,
                handle,
                &caller.meta,
                caller.now(),
            )
            .await;
            caller.ctx.auth_cache.forget_user(caller.user.id.into());
            changed
        },
    )
    .await
}
crate::access!(
    "account/password",
    AnyOf(&[ManageOwnAccount]),
    no_patient_data,
    reauth
);

/// The caller proves again who they are (password, and a code when they
/// have two-step sign-in) before a sensitive action; for the next few
/// minutes such actions go ahead without asking.
#[server(endpoint = "account/confirm", input = Json)]
pub async fn confirm_identity(password: String, code: String) -> Result<(), AppError> {
    use ssr::*;
    crate::audited::plain(
        || require(Permission::ManageOwnAccount),
        async |caller| {
            crate::auth::mfa_api::ssr::confirm(caller, password, &code).await?;
            caller
                .session
                .insert(keys::REAUTH_AT, caller.now().timestamp())
                .await
                .or_internal()
        },
    )
    .await
}
crate::access!(
    "account/confirm",
    AnyOf(&[ManageOwnAccount]),
    no_patient_data
);

/// The caller's live sessions.
#[server(endpoint = "account/sessions", input = Json)]
pub async fn my_sessions() -> Result<Vec<SessionView>, AppError> {
    use ssr::*;
    crate::audited::plain(
        || require(Permission::ManageOwnAccount),
        async |caller| {
            let handle = caller
                .session
                .get::<uuid::Uuid>(keys::HANDLE)
                .await
                .or_internal()?;
            service::list_sessions(&caller.ctx.db, caller.user.id.into(), handle, caller.now())
                .await
        },
    )
    .await
}
crate::access!(
    "account/sessions",
    AnyOf(&[ManageOwnAccount]),
    no_patient_data
);

/// Ends one of the caller's own sessions (e.g. a forgotten one on a shared computer).
#[server(endpoint = "account/sessions/end", input = Json)]
pub async fn end_my_session(handle: SessionHandle) -> Result<(), AppError> {
    use ssr::*;
    crate::audited::plain(
        || require(Permission::ManageOwnAccount),
        async |caller| {
            let ended = service::end_session(
                &caller.ctx.db,
                caller.actor(),
                caller.user.id.into(),
                handle.into(),
                &caller.meta,
            )
            .await;
            caller.ctx.auth_cache.forget_user(caller.user.id.into());
            ended
        },
    )
    .await
}
crate::access!(
    "account/sessions/end",
    AnyOf(&[ManageOwnAccount]),
    no_patient_data
);

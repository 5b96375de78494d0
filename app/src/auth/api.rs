//! Server functions for signing in and out, registering, and the caller's own account.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::auth::{
    CurrentUser, LoginOutcome, PasswordChangeForm, SelfRegistrationForm, SessionView,
};
use shared::ids::SessionHandle;
use shared::AppError;

#[cfg(feature = "ssr")]
mod ssr {
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
}

/// Signs in with e-mail and password; answers where the user's portal is.
#[server(endpoint = "auth/login", input = Json)]
pub async fn login(email: String, password: String) -> Result<LoginOutcome, AppError> {
    use ssr::*;
    crate::audited::public(async || {
        let ctx = server_context()?;
        let meta = request_meta();
        let session = current_session().await?;
        let signed_in = service::login(
            &ctx.db,
            &ctx.policy,
            &email,
            password,
            &meta,
            ctx.clock.now(),
        )
        .await?;
        start_session(&session, &signed_in.user, &meta, &ctx).await?;
        let user = current_user_from(&signed_in.user)?;
        Ok(LoginOutcome {
            redirect_to: user.role.portal().path().to_string(),
            user,
        })
    })
    .await
}
crate::access!("auth/login", Public, no_patient_data);

/// Signs out: the session is destroyed on the server, not just forgotten by the browser.
#[server(endpoint = "auth/logout", input = Json)]
pub async fn logout() -> Result<(), AppError> {
    use ssr::*;
    crate::audited::public(async || {
        match authenticate().await {
            Ok(caller) => {
                append(&caller.ctx.db, caller.event("auth.logout"), &caller.meta)
                    .await
                    .or_internal()?;
                caller.session.flush().await.or_internal()?;
            }
            // Already signed out (or timed out): nothing left to end.
            Err(AppError::Unauthorized) => current_session().await?.flush().await.or_internal()?,
            Err(e) => return Err(e),
        }
        Ok(())
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
        let user = service::register_patient(&ctx.db, registration, &meta, ctx.clock.now()).await?;
        let session = current_session().await?;
        start_session(&session, &user, &meta, &ctx).await?;
        let user = current_user_from(&user)?;
        Ok(LoginOutcome {
            redirect_to: user.role.portal().path().to_string(),
            user,
        })
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

//! The one place a server function learns who is calling and whether they may.
//! Every server function calls [`require`] (or [`authenticate`] for things any
//! signed-in user may do) before touching data. Deny by default.

use chrono::Utc;
use leptos::prelude::use_context;
use sea_orm::EntityTrait;
use shared::audit::Outcome;
use shared::auth::{CurrentUser, SessionRemaining};
use shared::{AppError, Permission};
use tower_sessions::Session;
use uuid::Uuid;

use super::session_keys as keys;
use crate::audit::service::{append, Actor, AuditEvent};
use crate::context::{request_meta, OrInternal, RequestMeta};
use crate::entity::users;
use crate::state::{server_context, ServerContext};

/// An authenticated caller, with what a server function needs to act for them.
pub struct Caller {
    pub user: CurrentUser,
    pub meta: RequestMeta,
    pub ctx: ServerContext,
    pub session: Session,
}

impl Caller {
    pub fn actor(&self) -> Actor {
        Actor {
            id: Some(self.user.id.into()),
            email: Some(self.user.email.clone()),
            role: Some(self.user.role),
        }
    }

    /// A successful event by this caller, to fill in and [`Caller::record`].
    pub fn event(&self, action: &'static str) -> AuditEvent {
        AuditEvent::new(self.actor(), action, Outcome::Success).at(self.now())
    }

    /// A refusal of this caller, to fill in and append.
    pub fn refusal(&self, action: &'static str) -> AuditEvent {
        AuditEvent::new(self.actor(), action, Outcome::Denied).at(self.now())
    }

    /// Appends an event on `db` (pass the transaction of the change it describes).
    pub async fn record(
        &self,
        db: &(impl sea_orm::ConnectionTrait + sea_orm::TransactionTrait),
        event: AuditEvent,
    ) -> Result<(), AppError> {
        append(db, event, &self.meta).await.or_internal()
    }

    /// Appends an event that describes a read rather than a change (a
    /// search, opening a record): stored together with other requests' events
    /// in one commit. Returns once it is stored.
    pub async fn record_read(&self, event: AuditEvent) -> Result<(), AppError> {
        self.ctx.audit.append(event, &self.meta).await
    }

    /// The current time, from the server's clock.
    pub fn now(&self) -> chrono::DateTime<Utc> {
        self.ctx.clock.now()
    }

    pub fn can(&self, permission: Permission) -> bool {
        self.user.role.can(permission)
    }

    /// The caller's own patient record, for patient-portal calls.
    pub fn own_patient_id(&self) -> Result<shared::ids::PatientId, AppError> {
        self.user
            .patient_id
            .ok_or_else(|| AppError::NotFound("Your patient record".into()))
    }
}

/// The hospital's wall clock as the caller's forms read it.
impl shared::time::HospitalTime for Caller {
    fn now(&self) -> chrono::DateTime<Utc> {
        Caller::now(self)
    }
    fn to_utc(&self, local: chrono::NaiveDateTime) -> Option<chrono::DateTime<Utc>> {
        crate::appointments::slots::to_utc(self.ctx.timezone, local)
    }
    fn today(&self) -> chrono::NaiveDate {
        Caller::now(self)
            .with_timezone(&self.ctx.timezone)
            .date_naive()
    }
}

/// The session of the request being served.
pub async fn current_session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.or_internal()
}

pub fn current_user_from(model: &users::Model) -> Result<CurrentUser, AppError> {
    Ok(CurrentUser {
        id: model.id.into(),
        email: model.email.clone(),
        display_name: model.display_name.clone(),
        role: model.role,
        patient_id: model.patient_id.map(Into::into),
        must_change_password: model.must_change_password,
        mfa_enrolled: model.mfa_enrolled_at.is_some(),
    })
}

/// Who is calling. Fails with `Unauthorized` when nobody is signed in, the
/// account was deactivated, or the session passed its idle or absolute limit
/// (the session is then destroyed server-side).
pub async fn authenticate() -> Result<Caller, AppError> {
    let ctx = server_context()?;
    let meta = request_meta();
    let session = current_session().await?;
    // The server-function gate has authenticated this request already.
    let admitted = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Admitted>().cloned());
    if let Some(Admitted(user)) = admitted {
        return Ok(Caller {
            user,
            meta,
            ctx,
            session,
        });
    }
    authenticate_with(ctx, meta, session).await
}

/// The user the server-function gate authenticated for this request, put
/// into the request's extensions so the function does not do it again.
#[derive(Clone, Debug)]
pub struct Admitted(pub CurrentUser);

/// [`authenticate`] for plain axum handlers (downloads), which have no Leptos context.
pub async fn authenticate_with(
    ctx: ServerContext,
    meta: RequestMeta,
    session: Session,
) -> Result<Caller, AppError> {
    let Some(user_id) = session.get::<Uuid>(keys::USER_ID).await.or_internal()? else {
        return Err(AppError::Unauthorized);
    };
    let Some(model) = active_account(&ctx, user_id).await? else {
        session.flush().await.or_internal()?;
        return Err(AppError::Unauthorized);
    };
    let user = current_user_from(&model)?;

    let now = ctx.clock.now().timestamp();
    let (left, last_seen) = time_left(&ctx, &session, user.role).await?;
    let idle = idle_limit(&ctx.policy, user.role);
    let expired = if left.idle_secs < 0 {
        Some("idle timeout")
    } else if left.absolute_secs < 0 {
        Some("absolute session lifetime reached")
    } else {
        None
    };
    let caller = Caller {
        user,
        meta,
        ctx,
        session,
    };
    if let Some(reason) = expired {
        append(
            &caller.ctx.db,
            caller.event("auth.session_expired").detail(reason),
            &caller.meta,
        )
        .await
        .or_internal()?;
        caller.session.flush().await.or_internal()?;
        return Err(AppError::Unauthorized);
    }
    // Refresh "last seen" at most every 15 s (or a quarter of the idle limit),
    // so an active user stays signed in without a database write per request.
    let refresh = (idle.as_secs() as i64 / 4).clamp(1, 15);
    if now - last_seen >= refresh {
        caller
            .session
            .insert(keys::LAST_SEEN, now)
            .await
            .or_internal()?;
    }
    Ok(caller)
}

/// The account of `user_id` if it is active: from the auth cache, or read
/// (and cached).
async fn active_account(
    ctx: &ServerContext,
    user_id: Uuid,
) -> Result<Option<users::Model>, AppError> {
    let model = match ctx.auth_cache.user(user_id) {
        Some(cached) => Some(cached),
        None => {
            let epoch = ctx.auth_cache.epoch();
            let found = users::Entity::find_by_id(user_id)
                .one(&ctx.db)
                .await
                .or_internal()?;
            if let Some(found) = &found {
                ctx.auth_cache.put_user(found, epoch);
            }
            found
        }
    };
    Ok(model.filter(|m| m.active))
}

/// How long a session of `role` may stay idle.
pub fn idle_limit(
    policy: &crate::context::SecurityPolicy,
    role: shared::Role,
) -> std::time::Duration {
    if role.is_staff() {
        policy.staff_idle
    } else {
        policy.patient_idle
    }
}

/// What the session has left before its idle limit and its absolute
/// lifetime (negative: past it), and when it was last seen active.
async fn time_left(
    ctx: &ServerContext,
    session: &Session,
    role: shared::Role,
) -> Result<(SessionRemaining, i64), AppError> {
    let now = ctx.clock.now().timestamp();
    let login_at = session
        .get::<i64>(keys::LOGIN_AT)
        .await
        .or_internal()?
        .unwrap_or(0);
    let last_seen = session
        .get::<i64>(keys::LAST_SEEN)
        .await
        .or_internal()?
        .unwrap_or(0);
    let idle = idle_limit(&ctx.policy, role).as_secs() as i64;
    let lifetime = ctx.policy.absolute_lifetime.as_secs() as i64;
    let left = SessionRemaining {
        idle_secs: idle - (now - last_seen),
        absolute_secs: lifetime - (now - login_at),
        idle_limit_secs: idle,
    };
    Ok((left, last_seen))
}

/// What the session of this request has left, without counting the request
/// as activity (the idle warning asks it). `None` when nobody is signed in,
/// or the session is past a limit (the next request ends it).
pub async fn session_left(
    ctx: &ServerContext,
    session: &Session,
) -> Result<Option<SessionRemaining>, AppError> {
    let Some(user_id) = session.get::<Uuid>(keys::USER_ID).await.or_internal()? else {
        return Ok(None);
    };
    let Some(model) = active_account(ctx, user_id).await? else {
        return Ok(None);
    };
    let (left, _) = time_left(ctx, session, model.role).await?;
    Ok((left.idle_secs >= 0 && left.absolute_secs >= 0).then_some(left))
}

/// Counts now as the caller's activity, whenever it was last counted.
pub async fn keep_alive(caller: &Caller) -> Result<SessionRemaining, AppError> {
    caller
        .session
        .insert(keys::LAST_SEEN, caller.now().timestamp())
        .await
        .or_internal()?;
    let (left, _) = time_left(&caller.ctx, &caller.session, caller.user.role).await?;
    Ok(left)
}

/// [`authenticate_active`] for a plain axum handler (a file download), from
/// the request's parts and session.
pub async fn authenticate_download(
    ctx: ServerContext,
    session: Session,
    parts: &http::request::Parts,
) -> Result<Caller, AppError> {
    let caller = authenticate_with(ctx, RequestMeta::from_parts(parts), session).await?;
    first_steps_done(&caller.user)?;
    Ok(caller)
}

/// Refuses a user who still has a first step to take before anything else:
/// replacing a temporary password, then (staff) setting up two-step sign-in.
pub fn first_steps_done(user: &CurrentUser) -> Result<(), AppError> {
    if user.must_change_password {
        return Err(AppError::PasswordChangeRequired);
    }
    if user.must_enrol_mfa() {
        return Err(AppError::MfaEnrolmentRequired);
    }
    Ok(())
}

/// Refuses a sensitive action (`access!(…, reauth)`) unless the caller
/// proved who they are within the policy's grace: at sign-in, or through
/// `account/confirm`.
pub async fn recently_confirmed(caller: &Caller) -> Result<(), AppError> {
    let at = caller
        .session
        .get::<i64>(keys::REAUTH_AT)
        .await
        .or_internal()?
        .unwrap_or(0);
    let grace = caller.ctx.policy.reauth_grace.as_secs() as i64;
    if caller.now().timestamp() - at > grace {
        return Err(AppError::ReauthRequired);
    }
    Ok(())
}

/// Who is calling, once they have taken their first steps (a temporary
/// password replaced, two-step sign-in set up for staff). For server
/// functions whose access rule depends on the record asked for rather than on a
/// permission alone; they must check access themselves.
pub async fn authenticate_active() -> Result<Caller, AppError> {
    let caller = authenticate().await?;
    first_steps_done(&caller.user)?;
    Ok(caller)
}

/// Who is calling, provided their role grants `permission`. A refusal is audited.
pub async fn require(permission: Permission) -> Result<Caller, AppError> {
    let caller = if permission == Permission::ManageOwnAccount {
        authenticate().await?
    } else {
        authenticate_active().await?
    };
    if !caller.user.role.can(permission) {
        deny(&caller, &format!("{permission:?}")).await?;
        return Err(AppError::Forbidden);
    }
    Ok(caller)
}

/// [`require`] for a call that any of `permissions` allows.
pub async fn require_any(permissions: &[Permission]) -> Result<Caller, AppError> {
    let caller = authenticate_active().await?;
    if !permissions.iter().any(|p| caller.user.role.can(*p)) {
        deny(&caller, &format!("{permissions:?}")).await?;
        return Err(AppError::Forbidden);
    }
    Ok(caller)
}

/// Records a refused access to one patient's data in the audit trail.
/// Whose download this is, for a document of one patient: `Ok(true)` for
/// the patient's own, `Ok(false)` for staff (who still need access to the
/// patient, which the caller checks), and a refusal, audited, for a patient
/// naming another patient's document.
pub async fn own_or_staff(
    caller: &Caller,
    patient_id: Uuid,
    action: &'static str,
) -> Result<bool, AppError> {
    if caller.user.patient_id == Some(patient_id.into()) {
        return Ok(true);
    }
    if !caller.user.role.is_staff() {
        deny_patient(caller, action, patient_id).await?;
        return Err(AppError::Forbidden);
    }
    Ok(false)
}

pub async fn deny_patient(
    caller: &Caller,
    action: &'static str,
    patient_id: Uuid,
) -> Result<(), AppError> {
    append(
        &caller.ctx.db,
        caller
            .refusal(action)
            .patient(patient_id)
            .entity("patient", patient_id),
        &caller.meta,
    )
    .await
    .or_internal()
}

/// Records a refused access (`access.denied`): what was refused (the
/// server-function gate passes the function's path), and the patient the
/// request named, when it named one.
pub async fn deny_call(
    caller: &Caller,
    path: &str,
    patient_id: Option<Uuid>,
) -> Result<(), AppError> {
    let mut event = caller.refusal("access.denied").detail(path.to_string());
    if let Some(id) = patient_id {
        event = event.patient(id).entity("patient", id);
    }
    append(&caller.ctx.db, event, &caller.meta)
        .await
        .or_internal()
}

/// Records a refused access in the audit trail.
pub async fn deny(caller: &Caller, what: &str) -> Result<(), AppError> {
    deny_call(caller, what, None).await
}

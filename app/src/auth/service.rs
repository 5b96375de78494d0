//! Sign-in, registration, passwords and sessions, against the database.
//! Functions take a connection so tests and the CLI can call them directly.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use shared::audit::Outcome;
use shared::auth::{SelfRegistration, SessionView};
use shared::validate::{Email, Password};
use shared::{AppError, Role};
use uuid::Uuid;

use super::password;
use crate::audit::service::{append, Actor, AuditEvent};
use crate::context::{internal, is_unique_violation, OrInternal, RequestMeta, SecurityPolicy};
use crate::entity::{login_attempts, sessions, users};
use crate::patients::service::{insert_patient, NewPatient};

/// What a successful sign-in yields.
pub struct SignedIn {
    pub user: users::Model,
}

pub(crate) fn actor_of(user: &users::Model) -> Actor {
    Actor {
        id: Some(user.id),
        email: Some(user.email.clone()),
        role: Some(user.role),
    }
}

pub(crate) fn anonymous(email: &str) -> Actor {
    Actor {
        id: None,
        email: Some(email.to_string()),
        role: None,
    }
}

async fn record_attempt(
    db: &impl ConnectionTrait,
    email: &str,
    addr: &str,
    success: bool,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    login_attempts::ActiveModel {
        email: Set(email.to_string()),
        client_addr: Set(addr.to_string()),
        success: Set(success),
        at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(())
}

/// Failed attempts on `email` inside the lockout window and after the last reset
/// (a successful sign-in or an administrator's unlock), newest first.
async fn recent_failures(
    db: &impl ConnectionTrait,
    email: &str,
    policy: &SecurityPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<DateTime<Utc>>, AppError> {
    let since = now - Duration::from_std(policy.lockout_window).or_internal()?;
    let last_reset = login_attempts::Entity::find()
        .filter(login_attempts::Column::Email.eq(email))
        .filter(login_attempts::Column::Success.eq(true))
        .order_by_desc(login_attempts::Column::At)
        .one(db)
        .await
        .or_internal()?
        .map(|a| a.at);
    let since = last_reset.map_or(since, |r| r.max(since));
    let rows = login_attempts::Entity::find()
        .filter(login_attempts::Column::Email.eq(email))
        .filter(login_attempts::Column::Success.eq(false))
        .filter(login_attempts::Column::At.gt(since))
        .order_by_desc(login_attempts::Column::At)
        .limit(policy.lockout_threshold)
        .all(db)
        .await
        .or_internal()?;
    Ok(rows.into_iter().map(|r| r.at).collect())
}

/// Minutes left on an account's lock, or `None` when it is not locked.
pub async fn lock_remaining(
    db: &impl ConnectionTrait,
    email: &str,
    policy: &SecurityPolicy,
    now: DateTime<Utc>,
) -> Result<Option<i64>, AppError> {
    let failures = recent_failures(db, email, policy, now).await?;
    if (failures.len() as u64) < policy.lockout_threshold {
        return Ok(None);
    }
    // Locked from the failure that reached the threshold (the newest: attempts
    // made while locked are refused before they count).
    let until = failures[0] + Duration::from_std(policy.lockout_duration).or_internal()?;
    let left = until - now;
    if left <= Duration::zero() {
        return Ok(None);
    }
    Ok(Some((left.num_seconds() + 59) / 60))
}

async fn address_throttled(
    db: &impl ConnectionTrait,
    addr: &str,
    policy: &SecurityPolicy,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let since = now - Duration::from_std(policy.lockout_window).or_internal()?;
    let n = login_attempts::Entity::find()
        .filter(login_attempts::Column::ClientAddr.eq(addr))
        .filter(login_attempts::Column::Success.eq(false))
        .filter(login_attempts::Column::At.gt(since))
        .count(db)
        .await
        .or_internal()?;
    Ok(n >= policy.address_threshold)
}

/// Checks an e-mail and password. Every failure is counted and audited; an
/// account is locked after too many failures, and an address is throttled.
/// An account with two-step sign-in is not signed in yet: [`login_code`]
/// finishes it.
pub async fn login(
    db: &(impl ConnectionTrait + TransactionTrait),
    policy: &SecurityPolicy,
    email_input: &str,
    password_input: String,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<PasswordChecked, AppError> {
    let email = Email::parse(email_input).map_err(|m| AppError::field("email", m))?;
    let email = email.as_str();
    if password_input.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    let fail = |detail: &'static str| {
        AuditEvent::new(anonymous(email), "auth.login", Outcome::Failure)
            .at(now)
            .detail(detail)
    };

    if address_throttled(db, &meta.client_addr, policy, now).await? {
        append(db, fail("client address throttled"), meta)
            .await
            .or_internal()?;
        return Err(AppError::RateLimited(
            "Too many failed sign-in attempts from your network. Wait 15 minutes and try again."
                .into(),
        ));
    }
    if let Some(minutes) = lock_remaining(db, email, policy, now).await? {
        append(db, fail("account locked"), meta)
            .await
            .or_internal()?;
        return Err(AppError::AccountLocked { minutes });
    }

    let user = users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(db)
        .await
        .or_internal()?;
    let Some(user) = user else {
        password::verify_dummy(password_input).await?;
        record_attempt(db, email, &meta.client_addr, false, now).await?;
        append(db, fail("unknown account"), meta)
            .await
            .or_internal()?;
        return Err(AppError::InvalidCredentials);
    };
    if !password::verify(password_input, user.password_hash.clone()).await? {
        let wrong = AppError::InvalidCredentials;
        return Err(refuse(db, policy, &user, "wrong password", meta, now, wrong).await?);
    }
    if !user.active {
        let refused = AuditEvent::new(actor_of(&user), "auth.login", Outcome::Denied)
            .at(now)
            .detail("account deactivated");
        append(db, refused, meta).await.or_internal()?;
        return Err(AppError::BadRequest(
            "This account has been deactivated. Contact the hospital's administrator.".into(),
        ));
    }

    if user.mfa_enrolled_at.is_some() {
        // The password is right; the sign-in is not done until a code is.
        // Nothing is recorded yet: the failures before it still count.
        return Ok(PasswordChecked::CodeRequired(user));
    }
    finish_login(db, user, meta, now, None)
        .await
        .map(PasswordChecked::SignedIn)
}

/// The second step of signing in, for an account with two-step sign-in:
/// `user_id` gave the right password moments ago (the session says so);
/// `code` comes from the authenticator app, or is a recovery code. A wrong
/// or reused code counts toward the account's lock like a wrong password.
#[allow(clippy::too_many_arguments)]
pub async fn login_code(
    db: &(impl ConnectionTrait + TransactionTrait),
    policy: &SecurityPolicy,
    cipher: &crate::crypto::Cipher,
    user_id: Uuid,
    code: &str,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<SignedIn, AppError> {
    let user = account(db, user_id).await?;
    if !user.active {
        return Err(AppError::Unauthorized);
    }
    let fail = |detail: &'static str| {
        AuditEvent::new(actor_of(&user), "auth.login", Outcome::Failure)
            .at(now)
            .entity("user", user.id)
            .detail(detail)
    };
    if let Some(minutes) = lock_remaining(db, &user.email, policy, now).await? {
        append(db, fail("account locked"), meta)
            .await
            .or_internal()?;
        return Err(AppError::AccountLocked { minutes });
    }
    let check = spend_code(db, policy, cipher, &user, code, meta, now).await?;
    let how = match check {
        super::mfa::CodeCheck::RecoveryCodeUsed => "with a recovery code",
        _ => "with an authenticator code",
    };
    finish_login(db, user, meta, now, Some(how)).await
}

/// Takes `user`'s code (from the app, or a recovery code) and spends it. A
/// wrong or reused one is counted and audited like a wrong password; the
/// error then is the account's lock if this failure locked it, otherwise
/// what was wrong with the code.
#[allow(clippy::too_many_arguments)]
async fn spend_code(
    db: &(impl ConnectionTrait + TransactionTrait),
    policy: &SecurityPolicy,
    cipher: &crate::crypto::Cipher,
    user: &users::Model,
    code: &str,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<super::mfa::CodeCheck, AppError> {
    if code.trim().is_empty() {
        return Err(AppError::field(
            "code",
            "Enter the code from your authenticator app.",
        ));
    }
    let check = super::mfa::check_code(db, cipher, user.id, code, now).await?;
    if check.accepted() {
        return Ok(check);
    }
    let (detail, message) = if check == super::mfa::CodeCheck::Reused {
        (
            "code already used",
            "That code was used already. Wait for the next one in your app.",
        )
    } else {
        (
            "wrong code",
            "That code is not right. Type the code your app shows now, or a recovery code.",
        )
    };
    let wrong = AppError::field("code", message);
    Err(refuse(db, policy, user, detail, meta, now, wrong).await?)
}

/// Counts a failed proof of identity toward the account's lock and audits
/// it (`auth.login`, failure, `detail`); answers the lock if it is now
/// locked, otherwise `error`.
async fn refuse(
    db: &(impl ConnectionTrait + TransactionTrait),
    policy: &SecurityPolicy,
    user: &users::Model,
    detail: &'static str,
    meta: &RequestMeta,
    now: DateTime<Utc>,
    error: AppError,
) -> Result<AppError, AppError> {
    record_attempt(db, &user.email, &meta.client_addr, false, now).await?;
    let failed = AuditEvent::new(actor_of(user), "auth.login", Outcome::Failure)
        .at(now)
        .entity("user", user.id)
        .detail(detail);
    append(db, failed, meta).await.or_internal()?;
    if let Some(minutes) = lock_remaining(db, &user.email, policy, now).await? {
        let locked = AuditEvent::new(actor_of(user), "auth.lockout", Outcome::Success)
            .at(now)
            .entity("user", user.id)
            .detail(format!("{} failed sign-ins", policy.lockout_threshold));
        append(db, locked, meta).await.or_internal()?;
        return Ok(AppError::AccountLocked { minutes });
    }
    Ok(error)
}

/// A signed-in user proves again who they are before a sensitive action:
/// their password, and a code when they have two-step sign-in. Failures
/// count toward the account's lock like failed sign-ins.
#[allow(clippy::too_many_arguments)]
pub async fn confirm_identity(
    db: &(impl ConnectionTrait + TransactionTrait),
    policy: &SecurityPolicy,
    cipher: &crate::crypto::Cipher,
    user_id: Uuid,
    password_input: String,
    code: &str,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let user = account(db, user_id).await?;
    if let Some(minutes) = lock_remaining(db, &user.email, policy, now).await? {
        return Err(AppError::AccountLocked { minutes });
    }
    if password_input.is_empty() {
        return Err(AppError::field("password", "Enter your password."));
    }
    if !password::verify(password_input, user.password_hash.clone()).await? {
        let wrong = AppError::field("password", "Your password is not correct.");
        return Err(refuse(
            db,
            policy,
            &user,
            "wrong password (confirming)",
            meta,
            now,
            wrong,
        )
        .await?);
    }
    if user.mfa_enrolled_at.is_some() {
        spend_code(db, policy, cipher, &user, code, meta, now).await?;
    }
    let confirmed = AuditEvent::new(actor_of(&user), "auth.reauth", Outcome::Success)
        .at(now)
        .entity("user", user.id);
    append(db, confirmed, meta).await.or_internal()?;
    Ok(())
}

/// What the password step of signing in found.
pub enum PasswordChecked {
    SignedIn(SignedIn),
    /// Right password; the account's second step is still to come.
    CodeRequired(users::Model),
}

/// Records a successful sign-in: the attempt (which resets the count of
/// failures), the time, the audit event.
async fn finish_login(
    db: &(impl ConnectionTrait + TransactionTrait),
    user: users::Model,
    meta: &RequestMeta,
    now: DateTime<Utc>,
    how: Option<&'static str>,
) -> Result<SignedIn, AppError> {
    let txn = crate::context::begin_write(db).await?;
    record_attempt(&txn, &user.email, &meta.client_addr, true, now).await?;
    let mut active: users::ActiveModel = user.into();
    active.last_login_at = Set(Some(now));
    let user = active.update(&txn).await.or_internal()?;
    let mut event = AuditEvent::new(actor_of(&user), "auth.login", Outcome::Success)
        .at(now)
        .entity("user", user.id);
    if let Some(how) = how {
        event = event.detail(how);
    }
    append(&txn, event, meta).await.or_internal()?;
    txn.commit().await.or_internal()?;
    Ok(SignedIn { user })
}

/// The account `user_id`; `Unauthorized` when it no longer exists.
pub async fn account(db: &impl ConnectionTrait, user_id: Uuid) -> Result<users::Model, AppError> {
    users::Entity::find_by_id(user_id)
        .one(db)
        .await
        .or_internal()?
        .ok_or(AppError::Unauthorized)
}

/// A taken e-mail address, as a field error on the form.
pub fn email_taken() -> AppError {
    AppError::Validation(vec![shared::FieldError::new(
        "email",
        "An account with this e-mail address already exists. Sign in instead, or use another address.",
    )])
}

/// Creates a patient's account and their patient record together, in one transaction.
pub async fn register_patient(
    db: &(impl ConnectionTrait + TransactionTrait),
    cipher: &crate::crypto::Cipher,
    registration: SelfRegistration,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<users::Model, AppError> {
    let email = registration.email.as_str().to_string();
    if users::Entity::find()
        .filter(users::Column::Email.eq(&email))
        .one(db)
        .await
        .or_internal()?
        .is_some()
    {
        return Err(email_taken());
    }
    let hash = password::hash(registration.password.expose().to_string()).await?;
    let txn = crate::context::begin_write(db).await?;
    let patient = insert_patient(
        &txn,
        cipher,
        NewPatient::basic(
            registration.given_name.into_inner(),
            registration.family_name.into_inner(),
            Some(registration.date_of_birth),
            registration.sex,
            registration.phone.map(|p| p.into_inner()),
            Some(email.clone()),
        ),
    )
    .await?;
    let user = users::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(email.clone()),
        display_name: Set(format!("{} {}", patient.given_name, patient.family_name)),
        password_hash: Set(hash),
        role: Set(Role::Patient),
        active: Set(true),
        must_change_password: Set(false),
        patient_id: Set(Some(patient.id)),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        mfa_enrolled_at: Set(None),
    }
    .insert(&txn)
    .await;
    let user = match user {
        Ok(user) => user,
        // Two registrations racing for one address: the unique index decides.
        Err(e) if is_unique_violation(&e) => return Err(email_taken()),
        Err(e) => return Err(internal(e)),
    };
    append(
        &txn,
        AuditEvent::new(actor_of(&user), "patients.self_register", Outcome::Success)
            .at(now)
            .patient(patient.id)
            .entity("patient", patient.id),
        meta,
    )
    .await
    .or_internal()?;
    txn.commit().await.or_internal()?;
    Ok(user)
}

/// Changes a user's own password after checking the current one. Every other
/// session of the user is ended, since a password change often follows a
/// suspected compromise.
pub async fn change_password(
    db: &(impl ConnectionTrait + TransactionTrait),
    user_id: Uuid,
    current: String,
    new: Password,
    keep_session_handle: Option<Uuid>,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let user = account(db, user_id).await?;
    if !password::verify(current, user.password_hash.clone()).await? {
        append(
            db,
            AuditEvent::new(actor_of(&user), "auth.password_change", Outcome::Failure)
                .at(now)
                .detail("wrong current password"),
            meta,
        )
        .await
        .or_internal()?;
        return Err(AppError::field(
            "current_password",
            "Your current password is not correct.",
        ));
    }
    let hash = password::hash(new.expose().to_string()).await?;
    let txn = crate::context::begin_write(db).await?;
    let mut active: users::ActiveModel = user.clone().into();
    active.password_hash = Set(hash);
    active.must_change_password = Set(false);
    active.updated_at = Set(now);
    active.update(&txn).await.or_internal()?;
    let mut others = sessions::Entity::delete_many().filter(sessions::Column::UserId.eq(user_id));
    if let Some(handle) = keep_session_handle {
        others = others.filter(sessions::Column::Handle.ne(handle));
    }
    others.exec(&txn).await.or_internal()?;
    append(
        &txn,
        AuditEvent::new(actor_of(&user), "auth.password_change", Outcome::Success)
            .at(now)
            .entity("user", user.id),
        meta,
    )
    .await
    .or_internal()?;
    txn.commit().await.or_internal()?;
    Ok(())
}

/// The user's live sessions, newest activity first.
pub async fn list_sessions(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    current_handle: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<Vec<SessionView>, AppError> {
    let rows = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::ExpiresAt.gt(now))
        .order_by_desc(sessions::Column::LastSeenAt)
        .all(db)
        .await
        .or_internal()?;
    Ok(rows
        .into_iter()
        .map(|s| SessionView {
            current: Some(s.handle) == current_handle,
            handle: s.handle.into(),
            created_at: s.created_at,
            last_seen_at: s.last_seen_at,
            user_agent: s.user_agent,
            client_addr: s.client_addr,
        })
        .collect())
}

/// Ends one of the user's own sessions. Another user's handle is "not found".
pub async fn end_session(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: Actor,
    user_id: Uuid,
    handle: Uuid,
    meta: &RequestMeta,
) -> Result<(), AppError> {
    let deleted = sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::Handle.eq(handle))
        .exec(db)
        .await
        .or_internal()?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound("That session".into()));
    }
    append(
        db,
        AuditEvent::new(actor, "auth.session_end", Outcome::Success).entity("session", handle),
        meta,
    )
    .await
    .or_internal()?;
    Ok(())
}

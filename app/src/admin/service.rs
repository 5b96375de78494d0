//! Account administration: staff accounts, roles, deactivation, unlocking.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use shared::audit::Outcome;
use shared::auth::{AdminStats, NewStaff, StaffAccountChange, UserSummary};
use shared::{AppError, Role};
use uuid::Uuid;

use crate::audit::service::{append, count_since, Actor, AuditEvent};
use crate::auth::password;
use crate::auth::service::{email_taken, lock_remaining};
use crate::context::{internal, is_unique_violation, OrInternal, RequestMeta, SecurityPolicy};
use crate::entity::{login_attempts, patients, sessions, users};

pub async fn summary(
    db: &impl ConnectionTrait,
    u: users::Model,
    policy: &SecurityPolicy,
    now: DateTime<Utc>,
) -> Result<UserSummary, AppError> {
    Ok(UserSummary {
        locked_minutes: lock_remaining(db, &u.email, policy, now).await?,
        role: u.role,
        id: u.id.into(),
        email: u.email,
        display_name: u.display_name,
        active: u.active,
        must_change_password: u.must_change_password,
        mfa_enrolled: u.mfa_enrolled_at.is_some(),
        created_at: u.created_at,
        last_login_at: u.last_login_at,
    })
}

/// Staff accounts (patients are managed through their records), by name.
pub async fn list_staff(
    db: &impl ConnectionTrait,
    policy: &SecurityPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<UserSummary>, AppError> {
    let rows = users::Entity::find()
        .filter(users::Column::Role.ne(Role::Patient))
        .order_by_asc(users::Column::DisplayName)
        .all(db)
        .await
        .or_internal()?;
    let mut out = Vec::with_capacity(rows.len());
    for u in rows {
        out.push(summary(db, u, policy, now).await?);
    }
    Ok(out)
}

/// Inserts a staff account with a password already hashed; answers the row
/// and its audit event (`users.create`) for the caller's transaction.
pub async fn insert_staff(
    txn: &impl ConnectionTrait,
    actor: Actor,
    new: &NewStaff,
    password_hash: String,
    must_change_password: bool,
) -> Result<(users::Model, AuditEvent), AppError> {
    let now = Utc::now();
    let inserted = users::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(new.email.as_str().to_string()),
        display_name: Set(new.display_name.as_str().to_string()),
        password_hash: Set(password_hash),
        role: Set(new.role),
        active: Set(true),
        must_change_password: Set(must_change_password),
        patient_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        mfa_enrolled_at: Set(None),
    }
    .insert(txn)
    .await;
    let user = match inserted {
        Ok(u) => u,
        Err(e) if is_unique_violation(&e) => return Err(email_taken()),
        Err(e) => return Err(internal(e)),
    };
    let event = AuditEvent::new(actor, "users.create", Outcome::Success)
        .entity("user", user.id)
        .detail(format!("{} as {}", user.email, user.role));
    Ok((user, event))
}

/// Inserts and audits a staff account with the given password, outside any
/// server function (`hms create-admin`, the demo seed, tests).
pub async fn create_user(
    db: &(impl ConnectionTrait + TransactionTrait),
    actor: Actor,
    new: &NewStaff,
    password_plain: String,
    must_change_password: bool,
    meta: &RequestMeta,
) -> Result<users::Model, AppError> {
    let hash = password::hash(password_plain).await?;
    let txn = crate::context::begin_write(db).await?;
    let (user, event) = insert_staff(&txn, actor, new, hash, must_change_password).await?;
    append(&txn, event, meta).await.or_internal()?;
    txn.commit().await.or_internal()?;
    Ok(user)
}

/// Applies one change to a staff account in `txn`, and ends its sessions
/// where the change calls for it; answers the audit event. `new_hash` is
/// the hash of the one-time password of a reset (hashed before the
/// transaction, so the write lock is not held while it is computed).
pub async fn change_account(
    txn: &impl ConnectionTrait,
    actor: Actor,
    user_id: Uuid,
    change: &StaffAccountChange,
    new_hash: Option<String>,
    now: DateTime<Utc>,
) -> Result<AuditEvent, AppError> {
    let user = users::Entity::find_by_id(user_id)
        .one(txn)
        .await
        .or_internal()?
        .filter(|u| u.role != Role::Patient)
        .ok_or_else(|| AppError::NotFound("That staff account".into()))?;
    if actor.id == Some(user.id)
        && matches!(
            change,
            StaffAccountChange::Role(_) | StaffAccountChange::Deactivate
        )
    {
        return Err(AppError::Conflict(
            "You cannot change your own role or deactivate yourself; ask another administrator."
                .into(),
        ));
    }
    if let StaffAccountChange::Role(Role::Patient) = change {
        return Err(AppError::field(
            "role",
            "A staff account cannot be turned into a patient account.",
        ));
    }

    let mut active: users::ActiveModel = user.clone().into();
    active.updated_at = Set(now);
    let (action, detail, end_sessions) = match change {
        StaffAccountChange::Role(role) => {
            active.role = Set(*role);
            (
                "users.role_change",
                format!("{} → {}", user.role, role.as_str()),
                true,
            )
        }
        StaffAccountChange::Activate => {
            active.active = Set(true);
            ("users.activate", String::new(), false)
        }
        StaffAccountChange::Deactivate => {
            active.active = Set(false);
            ("users.deactivate", String::new(), true)
        }
        StaffAccountChange::Unlock => {
            // A reset marker: failures before it no longer count towards the lock.
            login_attempts::ActiveModel {
                email: Set(user.email.clone()),
                client_addr: Set(format!(
                    "unlock by {}",
                    actor.email.clone().unwrap_or_default()
                )),
                success: Set(true),
                at: Set(now),
                ..Default::default()
            }
            .insert(txn)
            .await
            .or_internal()?;
            ("users.unlock", String::new(), false)
        }
        StaffAccountChange::ResetPassword => {
            let hash = new_hash.ok_or_else(|| internal("a reset without its hash"))?;
            active.password_hash = Set(hash);
            active.must_change_password = Set(true);
            ("users.password_reset", String::new(), true)
        }
        StaffAccountChange::ResetMfa => {
            crate::auth::mfa::forget(txn, user.id).await?;
            active.mfa_enrolled_at = Set(None);
            ("users.mfa_reset", String::new(), true)
        }
    };
    active.update(txn).await.or_internal()?;
    if end_sessions {
        sessions::Entity::delete_many()
            .filter(sessions::Column::UserId.eq(user.id))
            .exec(txn)
            .await
            .or_internal()?;
    }
    let mut event = AuditEvent::new(actor, action, Outcome::Success)
        .at(now)
        .entity("user", user.id);
    if !detail.is_empty() {
        event = event.detail(detail);
    }
    Ok(event)
}

/// Figures for the admin dashboard.
pub async fn overview(
    db: &impl ConnectionTrait,
    policy: &SecurityPolicy,
    now: DateTime<Utc>,
) -> Result<AdminStats, AppError> {
    let mut users_by_role = Vec::new();
    for role in Role::ALL {
        let n = users::Entity::find()
            .filter(users::Column::Role.eq(role))
            .count(db)
            .await
            .or_internal()?;
        users_by_role.push((role, n as i64));
    }
    let active_sessions = sessions::Entity::find()
        .filter(sessions::Column::UserId.is_not_null())
        .filter(sessions::Column::ExpiresAt.gt(now))
        .count(db)
        .await
        .or_internal()? as i64;
    let failed_logins_24h = count_since(
        db,
        "auth.login",
        Outcome::Failure,
        now - Duration::hours(24),
    )
    .await?;
    let since = now - Duration::from_std(policy.lockout_window).or_internal()?;
    let candidates: Vec<String> = login_attempts::Entity::find()
        .select_only()
        .column(login_attempts::Column::Email)
        .filter(login_attempts::Column::Success.eq(false))
        .filter(login_attempts::Column::At.gt(since))
        .distinct()
        .into_tuple()
        .all(db)
        .await
        .or_internal()?;
    let mut locked_accounts = 0;
    for email in candidates {
        if lock_remaining(db, &email, policy, now).await?.is_some() {
            locked_accounts += 1;
        }
    }
    let patients = patients::Entity::find().count(db).await.or_internal()? as i64;
    Ok(AdminStats {
        users_by_role,
        active_sessions,
        failed_logins_24h,
        locked_accounts,
        patients,
    })
}

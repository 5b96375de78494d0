//! Server functions of the admin portal: accounts, overview, audit trail.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::audit::{AuditPage, AuditQuery};
use shared::auth::{AdminStats, CreatedAccount, NewStaffForm, StaffAccountChange, UserSummary};
use shared::ids::UserId;
use shared::AppError;

#[cfg(feature = "ssr")]
use {
    super::service,
    crate::audited::{plain, read, write_prepared},
    crate::auth::guard::require,
    shared::Permission,
};

/// Counts for the admin dashboard.
#[server(endpoint = "admin/overview", input = Json)]
pub async fn admin_overview() -> Result<AdminStats, AppError> {
    plain(
        || require(Permission::ManageUsers),
        async |caller| service::overview(&caller.ctx.db, &caller.ctx.policy, caller.now()).await,
    )
    .await
}
crate::access!("admin/overview", AnyOf(&[ManageUsers]), no_patient_data);

/// Every staff account.
#[server(endpoint = "admin/users", input = Json)]
pub async fn list_staff() -> Result<Vec<UserSummary>, AppError> {
    plain(
        || require(Permission::ManageUsers),
        async |caller| service::list_staff(&caller.ctx.db, &caller.ctx.policy, caller.now()).await,
    )
    .await
}
crate::access!("admin/users", AnyOf(&[ManageUsers]), no_patient_data);

/// Creates a staff account; answers with its one-time password.
#[server(endpoint = "admin/users/create", input = Json)]
pub async fn create_staff(form: NewStaffForm) -> Result<CreatedAccount, AppError> {
    use crate::auth::password;
    write_prepared(
        || require(Permission::ManageUsers),
        async |_| {
            let new = form.parse()?;
            let temporary = password::generate_temporary();
            let hash = password::hash(temporary.clone()).await?;
            Ok((new, temporary, hash))
        },
        async |caller, (new, temporary_password, hash), txn| {
            let (user, event) =
                service::insert_staff(txn, caller.actor(), &new, hash, true).await?;
            let user = service::summary(txn, user, &caller.ctx.policy, caller.now()).await?;
            let created = CreatedAccount {
                user,
                temporary_password,
            };
            Ok((created, event))
        },
    )
    .await
}
crate::access!(
    "admin/users/create",
    AnyOf(&[ManageUsers]),
    no_patient_data,
    reauth
);

/// Changes one thing on a staff account. A password reset answers the
/// one-time password.
#[server(endpoint = "admin/users/change", input = Json)]
pub async fn change_staff_account(
    user_id: UserId,
    change: StaffAccountChange,
) -> Result<Option<String>, AppError> {
    use crate::auth::password;
    let changed = write_prepared(
        || require(Permission::ManageUsers),
        async |_| {
            if change != StaffAccountChange::ResetPassword {
                return Ok(None);
            }
            let temporary = password::generate_temporary();
            Ok(Some((password::hash(temporary.clone()).await?, temporary)))
        },
        async |caller, reset, txn| {
            let (hash, temporary) = reset.unzip();
            let event = service::change_account(
                txn,
                caller.actor(),
                user_id.into(),
                &change,
                hash,
                caller.now(),
            )
            .await?;
            Ok((temporary, event))
        },
    )
    .await;
    // Role, activation and password take effect on the next request: the
    // cache forgets the account once the change is committed.
    if changed.is_ok() {
        crate::state::server_context()?
            .auth_cache
            .forget_user(user_id.into());
    }
    changed
}
crate::access!(
    "admin/users/change",
    AnyOf(&[ManageUsers]),
    no_patient_data,
    reauth
);

/// One page of the audit trail.
#[server(endpoint = "admin/audit", input = Json)]
pub async fn search_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    plain(
        || require(Permission::ViewAudit),
        async |caller| crate::audit::service::search(&caller.ctx.db, &query, caller).await,
    )
    .await
}
crate::access!("admin/audit", AnyOf(&[ViewAudit]), no_patient_data);

/// Break-glass accesses, newest first, for review: who, which patient, why,
/// until when, and how often they opened the chart while it lasted.
#[server(endpoint = "admin/break_glass", input = Json)]
pub async fn break_glass_report(
    days: u32,
) -> Result<Vec<shared::access::BreakGlassReportRow>, AppError> {
    read(
        || require(Permission::ViewAudit),
        async |caller| {
            if !(1..=366).contains(&days) {
                return Err(AppError::field("days", "Choose between 1 and 366 days."));
            }
            let rows = super::report::break_glass(&caller.ctx.db, days, caller.now()).await?;
            let event = caller
                .event("audit.break_glass_report")
                .detail(format!("last {days} day(s): {} grant(s)", rows.len()));
            Ok((rows, event))
        },
    )
    .await
}
crate::access!("admin/break_glass", AnyOf(&[ViewAudit]), patient_data);

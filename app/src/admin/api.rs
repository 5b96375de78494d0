//! Server functions of the admin portal: accounts, overview, audit trail.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::audit::{AuditPage, AuditQuery};
use shared::auth::{AdminStats, CreatedAccount, NewStaffForm, UserSummary};
use shared::AppError;
use uuid::Uuid;

#[cfg(feature = "ssr")]
use {
    super::service,
    crate::auth::guard::require,
    crate::context::reply,
    shared::{Permission, Role},
};

/// Counts for the admin dashboard.
#[server(endpoint = "admin/overview", input = Json)]
pub async fn admin_overview() -> Result<AdminStats, AppError> {
    reply(
        async {
            let caller = require(Permission::ManageUsers).await?;
            service::overview(&caller.ctx.db, &caller.ctx.policy).await
        }
        .await,
    )
}
crate::access!("admin/overview", AnyOf(&[ManageUsers]), no_patient_data);

/// Every staff account.
#[server(endpoint = "admin/users", input = Json)]
pub async fn list_staff() -> Result<Vec<UserSummary>, AppError> {
    reply(
        async {
            let caller = require(Permission::ManageUsers).await?;
            service::list_staff(&caller.ctx.db, &caller.ctx.policy).await
        }
        .await,
    )
}
crate::access!("admin/users", AnyOf(&[ManageUsers]), no_patient_data);

/// Creates a staff account; answers with its one-time password.
#[server(endpoint = "admin/users/create", input = Json)]
pub async fn create_staff(form: NewStaffForm) -> Result<CreatedAccount, AppError> {
    reply(
        async {
            let caller = require(Permission::ManageUsers).await?;
            let new = form.parse()?;
            service::create_staff(
                &caller.ctx.db,
                caller.actor(),
                new,
                &caller.ctx.policy,
                &caller.meta,
            )
            .await
        }
        .await,
    )
}
crate::access!("admin/users/create", AnyOf(&[ManageUsers]), no_patient_data);

/// Changes one thing on a staff account: `role` (with `role`), `activate`,
/// `deactivate`, `unlock` or `reset_password`. A reset answers the one-time password.
#[server(endpoint = "admin/users/change", input = Json)]
pub async fn change_staff_account(
    user_id: Uuid,
    change: String,
    role: Option<String>,
) -> Result<Option<String>, AppError> {
    reply(
        async {
            let caller = require(Permission::ManageUsers).await?;
            let change = match change.as_str() {
                "role" => {
                    let role = Role::parse(role.as_deref().unwrap_or_default())
                        .map_err(|m| AppError::field("role", m))?;
                    service::AccountChange::Role(role)
                }
                "activate" => service::AccountChange::Active(true),
                "deactivate" => service::AccountChange::Active(false),
                "unlock" => service::AccountChange::Unlock,
                "reset_password" => service::AccountChange::ResetPassword,
                other => {
                    return Err(AppError::BadRequest(format!(
                        "'{other}' is not a change this server knows."
                    )))
                }
            };
            let changed = service::change_account(
                &caller.ctx.db,
                caller.actor(),
                user_id,
                change,
                &caller.meta,
            )
            .await;
            // Role, activation and password take effect on the next request.
            caller.ctx.auth_cache.forget_user(user_id);
            changed
        }
        .await,
    )
}
crate::access!("admin/users/change", AnyOf(&[ManageUsers]), no_patient_data);

/// One page of the audit trail.
#[server(endpoint = "admin/audit", input = Json)]
pub async fn search_audit(query: AuditQuery) -> Result<AuditPage, AppError> {
    reply(
        async {
            let caller = require(Permission::ViewAudit).await?;
            crate::audit::service::search(&caller.ctx.db, &query).await
        }
        .await,
    )
}
crate::access!("admin/audit", AnyOf(&[ViewAudit]), no_patient_data);

/// Break-glass accesses, newest first, for review: who, which patient, why,
/// until when, and how often they opened the chart while it lasted.
#[server(endpoint = "admin/break_glass", input = Json)]
pub async fn break_glass_report(
    days: u32,
) -> Result<Vec<shared::access::BreakGlassReportRow>, AppError> {
    reply(
        async {
            let caller = require(Permission::ViewAudit).await?;
            if !(1..=366).contains(&days) {
                return Err(AppError::field("days", "Choose between 1 and 366 days."));
            }
            let rows = super::report::break_glass(&caller.ctx.db, days).await?;
            let event = caller
                .event("audit.break_glass_report")
                .detail(format!("last {days} day(s): {} grant(s)", rows.len()));
            caller.record_read(event).await?;
            Ok(rows)
        }
        .await,
    )
}
crate::access!("admin/break_glass", AnyOf(&[ViewAudit]), patient_data);

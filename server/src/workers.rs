//! Background work inside the server process. Safe to run in every process:
//! each job is an idempotent statement against the shared database.

use std::time::Duration;

use app::context::SecurityPolicy;
use app::entity::sessions;
use chrono::Utc;
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Deletes sessions past their absolute expiry or idle longer than any role allows.
pub async fn purge_sessions(
    db: &DatabaseConnection,
    policy: &SecurityPolicy,
) -> Result<u64, sea_orm::DbErr> {
    let max_idle = policy.staff_idle.max(policy.patient_idle);
    let idle_cutoff =
        Utc::now() - chrono::Duration::from_std(max_idle).unwrap_or(chrono::Duration::hours(1));
    let result = sessions::Entity::delete_many()
        .filter(
            Condition::any()
                .add(sessions::Column::ExpiresAt.lte(Utc::now()))
                .add(sessions::Column::LastSeenAt.lt(idle_cutoff)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Runs [`purge_sessions`] every five minutes, for as long as the server runs.
pub fn spawn_session_purger(db: DatabaseConnection, policy: SecurityPolicy) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            match purge_sessions(&db, &policy).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "purged ended sessions"),
                Err(e) => tracing::warn!(error = %e, "session purge failed; will retry"),
            }
        }
    });
}

//! Background work inside the server process. Safe to run in every process:
//! each job is an idempotent statement against the shared database.

use std::sync::Arc;
use std::time::Duration;

use app::auth::cache::AuthCache;
use app::clock::SharedClock;
use app::context::SecurityPolicy;
use app::entity::sessions;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};

/// Deletes sessions past their absolute expiry or idle longer than any role allows.
pub async fn purge_sessions(
    db: &DatabaseConnection,
    policy: &SecurityPolicy,
    now: DateTime<Utc>,
) -> Result<u64, sea_orm::DbErr> {
    let max_idle = policy.staff_idle.max(policy.patient_idle);
    let idle_cutoff =
        now - chrono::Duration::from_std(max_idle).unwrap_or(chrono::Duration::hours(1));
    let result = sessions::Entity::delete_many()
        .filter(
            Condition::any()
                .add(sessions::Column::ExpiresAt.lte(now))
                .add(sessions::Column::LastSeenAt.lt(idle_cutoff)),
        )
        .exec(db)
        .await?;
    Ok(result.rows_affected)
}

/// Runs [`purge_sessions`] every five minutes, for as long as the server runs.
pub fn spawn_session_purger(db: DatabaseConnection, policy: SecurityPolicy, clock: SharedClock) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(300));
        loop {
            tick.tick().await;
            match purge_sessions(&db, &policy, clock.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(removed = n, "purged ended sessions"),
                Err(e) => tracing::warn!(error = %e, "session purge failed; will retry"),
            }
        }
    });
}

/// Runs `job` now and then every `period` for as long as the server runs,
/// logging what it did (`done`: how many things) or why it failed (it is
/// tried again at the next tick).
fn every<F, Fut>(period: Duration, what: &'static str, mut job: F)
where
    F: FnMut() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = Result<usize, shared::AppError>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        loop {
            tick.tick().await;
            match job().await {
                Ok(0) => {}
                Ok(done) => tracing::info!(done, "{what}"),
                Err(e) => tracing::warn!(error = %e, "{what} failed; will retry"),
            }
        }
    });
}

/// Reminds patients of overdue payment-plan instalments
/// (`app::billing::plans::remind_overdue`) now and then every hour: each
/// instalment once per channel, whichever process finds it first (the
/// outbox's dedupe key).
pub fn spawn_plan_reminders(
    db: DatabaseConnection,
    hospital: String,
    timezone: chrono_tz::Tz,
    clock: SharedClock,
) {
    every(
        Duration::from_secs(3600),
        "payment-plan reminders queued",
        move || {
            let (db, hospital, clock) = (db.clone(), hospital.clone(), clock.clone());
            async move {
                let now = clock.now();
                let today = now.with_timezone(&timezone).date_naive();
                app::billing::plans::remind_overdue(&db, &hospital, today, now).await
            }
        },
    );
}

/// Charges the nights admitted patients spent in a bed
/// (`app::beds::service::charge_all_nights`) now and then every hour:
/// each night once, whichever process charges it first (the charge's
/// source is unique).
pub fn spawn_bed_days(db: DatabaseConnection, timezone: chrono_tz::Tz, clock: SharedClock) {
    every(Duration::from_secs(3600), "bed days charged", move || {
        let (db, clock) = (db.clone(), clock.clone());
        async move { app::beds::service::charge_all_nights(&db, timezone, clock.now()).await }
    });
}

/// Refreshes SQLite's query-planner statistics now (in the background, so
/// start-up does not wait for it) and then once a day; see
/// [`crate::db::refresh_statistics`]. Nothing to do on PostgreSQL.
pub fn spawn_statistics_refresher(db: DatabaseConnection) {
    if db.get_database_backend() != sea_orm::DbBackend::Sqlite {
        return;
    }
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(24 * 3600));
        loop {
            tick.tick().await;
            if let Err(e) = crate::db::refresh_statistics(&db).await {
                tracing::warn!(error = %format!("{e:#}"), "statistics refresh failed; will retry tomorrow");
            }
        }
    });
}

/// On SQLite, copies the write-ahead log back into the database file every
/// `period` on `db`, a connection of its own, so that no request pays for
/// the copy and its fsync (see [`crate::db::FOREGROUND_CHECKPOINT_PAGES`]).
/// `None` (PostgreSQL) starts nothing.
pub fn spawn_wal_checkpointer(db: Option<DatabaseConnection>, period: Duration) {
    let Some(db) = db else { return };
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = crate::db::checkpoint_wal(&db).await {
                tracing::warn!(error = %format!("{e:#}"), "WAL checkpoint failed; will retry");
            }
        }
    });
}

/// How often a serving process looks for encryption keys added by `hms
/// keys rotate` ([`spawn_key_reloader`]). The rotation waits twice this
/// long between its steps (`server::keys`).
pub const KEY_RELOAD_PERIOD: Duration = Duration::from_secs(5);

/// Every `period`, loads encryption key versions added to the secrets
/// directory since, and the version new values use: a rotation reaches
/// every process on the shared keys without a restart.
pub fn spawn_key_reloader(secrets: crate::secrets::Secrets, period: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match secrets.reload() {
                Ok(true) => tracing::info!(
                    current = secrets.cipher().current_version(),
                    "loaded new encryption keys"
                ),
                Ok(false) => {}
                Err(e) => {
                    tracing::warn!(error = %format!("{e:#}"), "reading the encryption keys failed; will retry")
                }
            }
        }
    });
}

/// On PostgreSQL, listens on `channel` for as long as the server runs:
/// `notice` gets each notice's payload, `gap` is called while not listening
/// (at start, after a lost connection), when notices may have been missed.
/// On SQLite there is one process, which sees its own changes: nothing to do.
fn spawn_listener(
    db: &DatabaseConnection,
    channel: &'static str,
    notice: impl Fn(&str) + Send + 'static,
    gap: impl Fn() + Send + 'static,
) {
    if db.get_database_backend() != sea_orm::DbBackend::Postgres {
        return;
    }
    let pool = db.get_postgres_connection_pool().clone();
    tokio::spawn(async move {
        use sea_orm::sqlx::postgres::PgListener;
        loop {
            match PgListener::connect_with(&pool).await {
                Ok(mut listener) => match listener.listen(channel).await {
                    Ok(()) => {
                        gap();
                        loop {
                            match listener.try_recv().await {
                                Ok(Some(n)) => notice(n.payload()),
                                // The connection was lost and is being re-established.
                                Ok(None) => gap(),
                                Err(e) => {
                                    tracing::warn!(error = %e, channel, "notices: listening failed");
                                    break;
                                }
                            }
                        }
                    }
                    Err(e) => tracing::warn!(error = %e, channel, "notices: LISTEN failed"),
                },
                Err(e) => tracing::warn!(error = %e, channel, "notices: cannot connect"),
            }
            gap();
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    });
}

/// On PostgreSQL, listens for the database's notices of deleted sessions and
/// changed accounts (`NOTIFY hms_auth`, migration 9) and drops them from this
/// process's [`AuthCache`], so a sign-out or deactivation made through any
/// process takes effect in all of them at once. While not listening (at start,
/// after a lost connection) the cache is emptied, since notices may have been
/// missed.
pub fn spawn_auth_listener(db: &DatabaseConnection, cache: Arc<AuthCache>) {
    let gap = cache.clone();
    spawn_listener(
        db,
        "hms_auth",
        move |n| cache.notice(n),
        move || gap.clear(),
    );
}

/// On PostgreSQL, listens for changes of beds made by any process
/// (`NOTIFY hms_beds`, `app::beds::live`) and tells this process's open bed
/// boards; after a gap in listening too, since changes may have been missed.
pub fn spawn_bed_listener(db: &DatabaseConnection, events: Arc<app::beds::live::BedEvents>) {
    let gap = events.clone();
    spawn_listener(
        db,
        app::beds::live::CHANNEL,
        move |_| events.changed(),
        move || gap.changed(),
    );
}

//! The outbox worker: delivers the messages that booking, rescheduling and
//! cancelling queued (see `app::appointments::notices`), and password-reset
//! links (`app::auth::reset`), whose bodies it decrypts just before sending.
//!
//! Every server process runs one. A worker *claims* due rows in one statement
//! (`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED) RETURNING *` on
//! PostgreSQL; SQLite serialises writers), marking them `sending` under a lease
//! with its own name. Only the claimer delivers a row, and it records the
//! outcome only while it still holds the lease. So with any number of
//! processes a row is delivered once; only a process dying between sending and
//! recording could repeat it after the lease (five minutes) ends, and then the
//! e-mail's Message-ID and the SMS idempotency key (the row's id) let the
//! receiver drop the repeat.
//!
//! Failures are retried with exponential backoff (30 s, 1 min, 2 min, … at
//! most an hour) up to `max_attempts`; permanent failures stop at once. Just
//! before sending, the worker checks again that the patient still consents to
//! the channel and that a reminder's appointment still stands and lies ahead;
//! a reset link is sent whatever the consents, unless it has expired.

pub mod transport;

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use app::appointments::notices::reachability;
use app::clock::SharedClock;
use app::crypto::Cipher;
use app::entity::{appointments, notification_outbox as outbox, patients};
use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait, LockBehavior, LockType, Order, Query};
use sea_orm::{ColumnTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, QueryFilter};
use shared::appointments::AppointmentStatus;
use shared::auth::PASSWORD_RESET_MINUTES;
use shared::notify::{Channel, NoticeKind, OutboxStatus};

use crate::config::ServeConfig;
use transport::{HttpSmsGateway, Mailer, Outgoing, SendError, SmsFiles, Transport};

/// How the worker behaves.
#[derive(Clone, Debug)]
pub struct WorkerPolicy {
    /// This worker's name in claimed rows (host, process, random suffix).
    pub name: String,
    pub max_attempts: i32,
    /// How long a claim holds before another worker may take the row over.
    pub lease: chrono::Duration,
    /// Rows claimed per round.
    pub batch: u64,
}

impl WorkerPolicy {
    pub fn new(max_attempts: i32) -> Self {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "hms".into());
        let suffix: u32 = rand::random();
        Self {
            name: format!("{host}-{}-{suffix:08x}", std::process::id()),
            max_attempts: Ord::max(max_attempts, 1),
            lease: chrono::Duration::minutes(5),
            batch: 20,
        }
    }
}

/// The transports of both channels.
#[derive(Clone)]
pub struct Transports {
    pub email: Arc<dyn Transport>,
    pub sms: Arc<dyn Transport>,
}

impl Transports {
    /// From the serve settings: real SMTP and SMS gateway when configured,
    /// otherwise files under `<data_dir>/outbox`.
    pub fn from_config(config: &ServeConfig, data_dir: &Path) -> anyhow::Result<Transports> {
        let email: Arc<dyn Transport> = match &config.smtp_url {
            Some(url) => Arc::new(Mailer::smtp(url, &config.mail_from)?),
            None => Arc::new(Mailer::files(
                data_dir.join("outbox").join("mail"),
                &config.mail_from,
            )?),
        };
        let sms: Arc<dyn Transport> = match &config.sms_url {
            Some(url) => Arc::new(HttpSmsGateway::new(
                url,
                config.sms_token.clone(),
                &config.sms_sender,
            )?),
            None => Arc::new(SmsFiles::new(
                data_dir.join("outbox").join("sms"),
                &config.sms_sender,
            )?),
        };
        Ok(Transports { email, sms })
    }

    fn of(&self, channel: Channel) -> &dyn Transport {
        match channel {
            Channel::Email => self.email.as_ref(),
            Channel::Sms => self.sms.as_ref(),
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    pub sent: usize,
    pub retrying: usize,
    pub failed: usize,
    pub skipped: usize,
}

/// The wait before attempt `attempts + 1`: 30 s doubling, at most an hour.
pub fn backoff(attempts: i32) -> chrono::Duration {
    let exp = attempts.clamp(1, 8) - 1;
    chrono::Duration::seconds(Ord::min(30i64 << exp, 3600))
}

/// Claims up to `policy.batch` due rows for this worker.
pub async fn claim(
    db: &DatabaseConnection,
    policy: &WorkerPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<outbox::Model>, DbErr> {
    use outbox::Column as C;
    let due = Condition::any()
        .add(
            Condition::all()
                .add(Expr::col(C::Status).eq(OutboxStatus::Pending))
                .add(Expr::col(C::NextAttemptAt).lte(now)),
        )
        .add(
            Condition::all()
                .add(Expr::col(C::Status).eq(OutboxStatus::Sending))
                .add(Expr::col(C::LeaseUntil).lt(now)),
        );
    let backend = db.get_database_backend();
    let mut pick = Query::select()
        .column(C::Id)
        .from(outbox::Entity)
        .cond_where(due.clone())
        .order_by(C::NextAttemptAt, Order::Asc)
        .limit(policy.batch)
        .to_owned();
    if backend == DbBackend::Postgres {
        pick.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let update = Query::update()
        .table(outbox::Entity)
        .value(C::Status, OutboxStatus::Sending)
        .value(C::LeaseUntil, now + policy.lease)
        .value(C::Worker, policy.name.clone())
        .value(C::Attempts, Expr::col(C::Attempts).add(1))
        .and_where(Expr::col(C::Id).in_subquery(pick))
        .cond_where(due)
        .returning_all()
        .to_owned();
    outbox::Entity::find()
        .from_raw_sql(backend.build(&update))
        .all(db)
        .await
}

/// Records the outcome of a row this worker claimed (and still holds).
async fn settle(
    db: &DatabaseConnection,
    policy: &WorkerPolicy,
    row: &outbox::Model,
    status: OutboxStatus,
    next_attempt_at: Option<DateTime<Utc>>,
    error: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    use outbox::Column as C;
    let mut update = outbox::Entity::update_many()
        .col_expr(C::Status, Expr::value(status))
        .col_expr(C::LeaseUntil, Expr::value(Option::<DateTime<Utc>>::None))
        .col_expr(
            C::LastError,
            Expr::value(error.map(|e| e.chars().take(500).collect::<String>())),
        );
    if status == OutboxStatus::Sent {
        update = update.col_expr(C::SentAt, Expr::value(now));
    }
    if let Some(at) = next_attempt_at {
        update = update.col_expr(C::NextAttemptAt, Expr::value(at));
    }
    update
        .filter(C::Id.eq(row.id))
        .filter(C::Worker.eq(policy.name.clone()))
        .filter(C::Status.eq(OutboxStatus::Sending))
        .exec(db)
        .await?;
    Ok(())
}

/// Why a claimed row should not be sent any more, if it should not.
async fn stale(
    db: &DatabaseConnection,
    row: &outbox::Model,
    now: DateTime<Utc>,
) -> Result<Option<String>, DbErr> {
    if row.kind == NoticeKind::PasswordReset {
        // To the account's address, asked for just now: no consent applies.
        let expires = row.created_at + chrono::Duration::minutes(PASSWORD_RESET_MINUTES);
        return Ok((expires <= now).then(|| "the link expired before it could be sent".into()));
    }
    if row.kind == NoticeKind::LabCritical {
        // To the ordering doctor's staff address, about their patient: the
        // patient's consents are about messages to the patient.
        return Ok(None);
    }
    let channel = row.channel;
    let patient = patients::Entity::find_by_id(row.patient_id).one(db).await?;
    let allowed = patient
        .as_ref()
        .and_then(|p| reachability(p).allows(channel).map(str::to_string));
    if allowed.is_none() {
        return Ok(Some(
            "the patient no longer consents to this channel".into(),
        ));
    }
    if row.kind == NoticeKind::Reminder {
        let appointment = match row.appointment_id {
            Some(id) => appointments::Entity::find_by_id(id).one(db).await?,
            None => None,
        };
        match appointment {
            Some(a) if a.status == AppointmentStatus::Booked && a.starts_at > now => {}
            Some(a) if a.status == AppointmentStatus::Booked => {
                // A worker that was down must not remind after the fact.
                return Ok(Some("the appointment has already started".into()));
            }
            _ => return Ok(Some("the appointment no longer stands".into())),
        }
    }
    Ok(None)
}

/// One round: claims what is due at `now` and delivers it.
pub async fn deliver_due(
    db: &DatabaseConnection,
    cipher: &Cipher,
    transports: &Transports,
    policy: &WorkerPolicy,
    now: DateTime<Utc>,
) -> Result<Round, DbErr> {
    let mut round = Round::default();
    for row in claim(db, policy, now).await? {
        if let Some(why) = stale(db, &row, now).await? {
            settle(
                db,
                policy,
                &row,
                OutboxStatus::Skipped,
                None,
                Some(why),
                now,
            )
            .await?;
            round.skipped += 1;
            continue;
        }
        let channel = row.channel;
        let body = match row.body_to_send(cipher) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(id = %row.id, error = %e, "a message's body does not decrypt");
                let why = format!("the body does not decrypt: {e}");
                settle(db, policy, &row, OutboxStatus::Failed, None, Some(why), now).await?;
                round.failed += 1;
                continue;
            }
        };
        let message = Outgoing {
            id: row.id,
            recipient: row.recipient.clone(),
            subject: row.subject.clone(),
            body,
        };
        match transports.of(channel).send(&message).await {
            Ok(()) => {
                settle(db, policy, &row, OutboxStatus::Sent, None, None, now).await?;
                round.sent += 1;
            }
            Err(SendError::Transient(e)) if row.attempts < policy.max_attempts => {
                let at = now + backoff(row.attempts);
                tracing::warn!(id = %row.id, attempts = row.attempts, error = %e, "delivery failed; will retry");
                settle(
                    db,
                    policy,
                    &row,
                    OutboxStatus::Pending,
                    Some(at),
                    Some(e),
                    now,
                )
                .await?;
                round.retrying += 1;
            }
            Err(e) => {
                tracing::error!(id = %row.id, attempts = row.attempts, error = %e, "delivery failed for good");
                settle(
                    db,
                    policy,
                    &row,
                    OutboxStatus::Failed,
                    None,
                    Some(e.to_string()),
                    now,
                )
                .await?;
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

/// Runs [`deliver_due`] every `poll`, for as long as the server runs.
pub fn spawn_worker(
    db: DatabaseConnection,
    cipher: Arc<Cipher>,
    transports: Transports,
    policy: WorkerPolicy,
    poll: Duration,
    clock: SharedClock,
) {
    tracing::info!(
        worker = %policy.name,
        email = %transports.email.describe(),
        sms = %transports.sms.describe(),
        "outbox worker started"
    );
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(poll.max(Duration::from_millis(200)));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match deliver_due(&db, &cipher, &transports, &policy, clock.now()).await {
                Ok(r) if r == Round::default() => {}
                Ok(r) => tracing::info!(?r, "outbox round"),
                Err(e) => tracing::warn!(error = %e, "outbox round failed; will retry"),
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_an_hour() {
        assert_eq!(backoff(1), chrono::Duration::seconds(30));
        assert_eq!(backoff(2), chrono::Duration::seconds(60));
        assert_eq!(backoff(3), chrono::Duration::seconds(120));
        assert_eq!(backoff(20), chrono::Duration::seconds(3600));
    }
}

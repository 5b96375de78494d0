//! Writing messages about an appointment to the outbox, in the caller's
//! transaction: the booking and its confirmation (and reminders) commit
//! together or not at all. `server::notify` delivers them.

use chrono::Duration;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::notify::{compose, AppointmentFacts, NoticeKind, OutboxStatus, Reachability};
use shared::AppError;
use uuid::Uuid;

use crate::context::OrInternal;
use crate::entity::{appointments, notification_outbox as outbox, patients, users};
use crate::state::ServerContext;

/// What the patient allows, read from their record.
pub fn reachability(p: &patients::Model) -> Reachability {
    Reachability {
        email: p.email.clone(),
        phone: p.phone.clone(),
        consent_email: p.consent_email,
        consent_sms: p.consent_sms,
        preferred: p.preferred_channel,
    }
}

/// Queues the message for `kind` about `a`, and for bookings and moves the
/// reminders at the configured lead times that are still ahead. Nothing is
/// queued for a patient who consented to no channel.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    a: &appointments::Model,
    kind: NoticeKind,
) -> Result<usize, AppError> {
    let patient = patients::Entity::find_by_id(a.patient_id)
        .one(db)
        .await
        .or_internal()?
        .ok_or(AppError::Internal)?;
    let Some((channel, recipient)) = reachability(&patient).pick() else {
        return Ok(0);
    };
    let doctor = users::Entity::find_by_id(a.doctor_id)
        .one(db)
        .await
        .or_internal()?
        .map(|u| u.display_name)
        .unwrap_or_else(|| "your doctor".into());
    let local = a.starts_at.with_timezone(&ctx.timezone).naive_local();
    let facts = AppointmentFacts::new(local, ctx.timezone.name(), &doctor, &ctx.hospital_name);
    let now = ctx.clock.now();
    let row = |kind: NoticeKind, lead: Option<Duration>| -> Result<outbox::ActiveModel, AppError> {
        let notice =
            compose(kind, channel, &facts, lead.map(|l| l.num_minutes())).ok_or_else(|| {
                crate::context::internal(format!("{kind:?} is not about an appointment"))
            })?;
        let key = match lead {
            Some(l) => format!("reminder:{}:{}:{}", l.num_minutes(), a.id, channel.as_str()),
            None => format!("{}:{}:{}", kind.as_str(), a.id, channel.as_str()),
        };
        Ok(outbox::Queued {
            id: Uuid::new_v4(),
            patient_id: a.patient_id,
            appointment_id: Some(a.id),
            kind,
            channel,
            recipient: recipient.clone(),
            subject: notice.subject,
            body: notice.body,
            dedupe_key: key,
            due: lead.map_or(now, |l| a.starts_at - l),
        }
        .row(now))
    };
    let mut rows = vec![row(kind, None)?];
    if matches!(kind, NoticeKind::Booked | NoticeKind::Rescheduled) {
        for lead in &ctx.reminder_leads {
            if a.starts_at - *lead > now {
                rows.push(row(NoticeKind::Reminder, Some(*lead))?);
            }
        }
    }
    let n = rows.len();
    outbox::queue(db, rows).await.or_internal()?;
    Ok(n)
}

/// Withdraws the reminders of an appointment that was cancelled or moved.
pub async fn withdraw_reminders(
    db: &impl ConnectionTrait,
    appointment_id: Uuid,
) -> Result<u64, AppError> {
    let done = outbox::Entity::update_many()
        .col_expr(
            outbox::Column::Status,
            sea_orm::sea_query::Expr::value(OutboxStatus::Cancelled),
        )
        .filter(outbox::Column::AppointmentId.eq(appointment_id))
        .filter(outbox::Column::Kind.eq(NoticeKind::Reminder))
        .filter(outbox::Column::Status.eq(OutboxStatus::Pending))
        .exec(db)
        .await
        .or_internal()?;
    Ok(done.rows_affected)
}

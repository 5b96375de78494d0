//! Server functions for appointments: free slots and booking.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::appointments::{BookingOutcome, FreeSlot};
use shared::AppError;
use uuid::Uuid;

#[cfg(feature = "ssr")]
async fn a_doctor(db: &sea_orm::DatabaseConnection, doctor_id: Uuid) -> Result<(), AppError> {
    use crate::context::OrInternal;
    use sea_orm::EntityTrait;
    let user = crate::entity::users::Entity::find_by_id(doctor_id)
        .one(db)
        .await
        .or_internal()?
        .filter(|u| u.active && u.role == shared::Role::Doctor.as_str());
    user.map(|_| ())
        .ok_or_else(|| AppError::field("doctor_id", "Choose a doctor from the list."))
}

/// A doctor's free slots on `days` local days from `from` (at most 31).
#[server(endpoint = "appointments/free_slots", input = Json)]
pub async fn free_slots(
    doctor_id: Uuid,
    from: chrono::NaiveDate,
    days: u32,
) -> Result<Vec<FreeSlot>, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::context::reply;
    use shared::appointments::MAX_SLOT_DAYS;
    reply(
        async {
            let caller = authenticate_active().await?;
            if !(1..=MAX_SLOT_DAYS).contains(&days) {
                return Err(AppError::field(
                    "days",
                    format!("Search between 1 and {MAX_SLOT_DAYS} days."),
                ));
            }
            a_doctor(&caller.ctx.db, doctor_id).await?;
            let to = from + chrono::Duration::days(i64::from(days) - 1);
            let now = chrono::Utc::now();
            let slots = super::service::doctor_free_slots(
                &caller.ctx.db,
                caller.ctx.timezone,
                doctor_id,
                from,
                to,
            )
            .await?;
            Ok(slots.into_iter().filter(|s| s.start > now).collect())
        }
        .await,
    )
}

/// Books a free slot: patients for themselves, the front desk for any
/// patient. When the slot was taken a moment earlier the answer lists the
/// next free slots of the same doctor instead.
#[server(endpoint = "appointments/book", input = Json)]
pub async fn book(
    doctor_id: Uuid,
    start: chrono::DateTime<chrono::Utc>,
    patient_id: Option<Uuid>,
    reason: String,
) -> Result<BookingOutcome, AppError> {
    use crate::appointments::booking::{insert_appointment, NewAppointment, SLOT_TAKEN};
    use crate::auth::guard::{authenticate_active, deny};
    use crate::context::{reply, OrInternal};
    use sea_orm::TransactionTrait;
    use shared::access::CareRelationshipKind;
    use shared::Permission;
    reply(
        async {
            let caller = authenticate_active().await?;
            let patient_id = if caller.can(Permission::BookAppointments) {
                patient_id.ok_or_else(|| AppError::field("patient_id", "Choose the patient."))?
            } else if caller.can(Permission::BookOwnAppointments) {
                let own = caller
                    .user
                    .patient_id
                    .ok_or_else(|| AppError::NotFound("Your patient record".into()))?;
                if patient_id.is_some_and(|p| p != own) {
                    deny(&caller, "appointments.book for another patient").await?;
                    return Err(AppError::Forbidden);
                }
                own
            } else {
                deny(&caller, "BookAppointments").await?;
                return Err(AppError::Forbidden);
            };
            let reason = shared::validate::bounded_text(&reason, 500, "reason")
                .map_err(|m| AppError::field("reason", m))?;
            crate::patients::access::live_patient(&caller.ctx.db, patient_id).await?;
            a_doctor(&caller.ctx.db, doctor_id).await?;
            let tz = caller.ctx.timezone;
            let day = start.with_timezone(&tz).date_naive();
            let alternatives = |db| async move {
                let now = chrono::Utc::now();
                let slots = super::service::doctor_free_slots(
                    db,
                    tz,
                    doctor_id,
                    day,
                    day + chrono::Duration::days(13),
                )
                .await?;
                Ok::<_, AppError>(
                    slots
                        .into_iter()
                        .filter(|s| s.start > now)
                        .take(6)
                        .collect(),
                )
            };
            let free =
                super::service::doctor_free_slots(&caller.ctx.db, tz, doctor_id, day, day).await?;
            let Some(slot) = free.into_iter().find(|s| s.start == start) else {
                return Ok(BookingOutcome::SlotTaken {
                    message: "That time is not free. Choose one of these instead.".into(),
                    alternatives: alternatives(&caller.ctx.db).await?,
                });
            };
            if slot.start <= chrono::Utc::now() {
                return Err(AppError::field("start", "That time has passed."));
            }
            let txn = caller.ctx.db.begin().await.or_internal()?;
            let booked = insert_appointment(
                &txn,
                NewAppointment {
                    patient_id,
                    doctor_id,
                    starts_at: slot.start,
                    ends_at: slot.end,
                    reason: (!reason.is_empty()).then_some(reason),
                    booked_by: Some(caller.user.id),
                    emergency_override: None,
                },
            )
            .await;
            let appointment = match booked {
                Ok(a) => a,
                Err(AppError::Conflict(message)) if message == SLOT_TAKEN => {
                    txn.rollback().await.or_internal()?;
                    return Ok(BookingOutcome::SlotTaken {
                        message,
                        alternatives: alternatives(&caller.ctx.db).await?,
                    });
                }
                Err(e) => return Err(e),
            };
            // The appointment puts the patient in the doctor's care (chart access).
            crate::patients::access::add_relationship(
                &txn,
                patient_id,
                doctor_id,
                CareRelationshipKind::Appointment,
                Some(caller.user.id),
            )
            .await?;
            let event = caller
                .event("appointments.book")
                .patient(patient_id)
                .entity("appointment", appointment.id)
                .detail(format!("{} with doctor {doctor_id}", appointment.starts_at));
            caller.record(&txn, event).await?;
            txn.commit().await.or_internal()?;
            Ok(BookingOutcome::Booked {
                id: appointment.id,
                start: appointment.starts_at,
                end: appointment.ends_at,
            })
        }
        .await,
    )
}

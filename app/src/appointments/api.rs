//! Server functions for appointments: free slots and booking.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::appointments::{AppointmentStatus, BookingOutcome, FreeSlot};
use shared::ids::{AppointmentId, PatientId, UserId};
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
        .filter(|u| u.active && u.role == shared::Role::Doctor);
    user.map(|_| ())
        .ok_or_else(|| AppError::field("doctor_id", "Choose a doctor from the list."))
}

/// Where a booking or a move stands after checking the requested time.
#[cfg(feature = "ssr")]
enum Requested {
    Free(FreeSlot),
    /// Not a free slot (taken, past, or outside the doctor's hours): the answer to give.
    Refused(BookingOutcome),
}

/// The next free slots of a doctor from `day` on, for someone whose choice was taken.
#[cfg(feature = "ssr")]
async fn slot_taken(
    ctx: &crate::state::ServerContext,
    doctor_id: Uuid,
    day: chrono::NaiveDate,
    message: String,
) -> Result<BookingOutcome, AppError> {
    let (db, tz, now) = (&ctx.db, ctx.timezone, ctx.clock.now());
    let slots =
        super::service::doctor_free_slots(db, tz, doctor_id, day, day + chrono::Duration::days(13))
            .await?;
    Ok(BookingOutcome::SlotTaken {
        message,
        alternatives: slots
            .into_iter()
            .filter(|s| s.start > now)
            .take(6)
            .collect(),
    })
}

/// Whether `start` is one of the doctor's free slots (in the future).
#[cfg(feature = "ssr")]
async fn requested(
    ctx: &crate::state::ServerContext,
    doctor_id: Uuid,
    start: chrono::DateTime<chrono::Utc>,
) -> Result<Requested, AppError> {
    let (db, tz, now) = (&ctx.db, ctx.timezone, ctx.clock.now());
    let day = start.with_timezone(&tz).date_naive();
    let free = super::service::doctor_free_slots(db, tz, doctor_id, day, day).await?;
    match free.into_iter().find(|s| s.start == start && s.start > now) {
        Some(slot) => Ok(Requested::Free(slot)),
        None => Ok(Requested::Refused(
            slot_taken(
                ctx,
                doctor_id,
                day,
                "That time is not free. Choose one of these instead.".into(),
            )
            .await?,
        )),
    }
}

/// What a booking's transaction answers: the outcome, or that the slot was
/// lost to a concurrent booking (rolled back). The other free slots are
/// looked up after the rollback: a transaction waiting for a second
/// connection could exhaust the pool when many race for one slot.
#[cfg(feature = "ssr")]
enum Answer {
    Final(BookingOutcome),
    Lost {
        doctor_id: Uuid,
        day: chrono::NaiveDate,
    },
}

/// Turns a booking transaction's answer into the outcome for the client.
#[cfg(feature = "ssr")]
async fn offer_if_lost(answer: Result<Answer, AppError>) -> Result<BookingOutcome, AppError> {
    use shared::appointments::BookingConflict;
    crate::context::reply(
        async {
            match answer? {
                Answer::Final(outcome) => Ok(outcome),
                Answer::Lost { doctor_id, day } => {
                    let ctx = crate::state::server_context()?;
                    let message = BookingConflict::SlotTaken.to_string();
                    slot_taken(&ctx, doctor_id, day, message).await
                }
            }
        }
        .await,
    )
}

/// Inserts the appointment inside `txn` with what every new appointment
/// brings: the patient comes into the doctor's care (chart access). A slot
/// lost to a concurrent booking is answered as [`Answer::Lost`], for the
/// caller to roll back.
#[cfg(feature = "ssr")]
async fn insert_booked(
    caller: &crate::auth::guard::Caller,
    txn: &sea_orm::DatabaseTransaction,
    new: crate::appointments::booking::NewAppointment,
) -> Result<Result<crate::entity::appointments::Model, Answer>, AppError> {
    use crate::appointments::booking::insert_appointment;
    use shared::appointments::BookingConflict;
    let tz = caller.ctx.timezone;
    let (doctor_id, day) = (new.doctor_id, new.starts_at.with_timezone(&tz).date_naive());
    let appointment = match insert_appointment(txn, new).await {
        Ok(a) => a,
        Err(AppError::Booking(BookingConflict::SlotTaken)) => {
            return Ok(Err(Answer::Lost { doctor_id, day }))
        }
        Err(e) => return Err(e),
    };
    into_care(caller, txn, &appointment).await?;
    Ok(Ok(appointment))
}

/// What every new appointment brings: the patient comes into the doctor's
/// care (chart access), in the booking's transaction.
#[cfg(feature = "ssr")]
async fn into_care(
    caller: &crate::auth::guard::Caller,
    txn: &sea_orm::DatabaseTransaction,
    appointment: &crate::entity::appointments::Model,
) -> Result<(), AppError> {
    crate::patients::access::add_relationship(
        txn,
        appointment.patient_id,
        appointment.doctor_id,
        shared::access::CareRelationshipKind::Appointment,
        Some(caller.user.id.into()),
    )
    .await
    .map(drop)
}

/// The audit event of a change to `appointment`.
#[cfg(feature = "ssr")]
fn event_of(
    caller: &crate::auth::guard::Caller,
    action: &'static str,
    appointment: &crate::entity::appointments::Model,
    detail: String,
) -> crate::audit::service::AuditEvent {
    caller
        .event(action)
        .patient(appointment.patient_id)
        .entity("appointment", appointment.id)
        .detail(detail)
}

/// A doctor's free slots on `days` local days from `from` (at most 31).
#[server(endpoint = "appointments/free_slots", input = Json)]
pub async fn free_slots(
    doctor_id: UserId,
    from: chrono::NaiveDate,
    days: u32,
) -> Result<Vec<FreeSlot>, AppError> {
    use crate::auth::guard::authenticate_active;
    crate::audited::plain(authenticate_active, async |caller| {
        let to = shared::appointments::slot_search_end(from, days)?;
        a_doctor(&caller.ctx.db, doctor_id.into()).await?;
        let now = caller.now();
        let tz = caller.ctx.timezone;
        let slots =
            super::service::doctor_free_slots(&caller.ctx.db, tz, doctor_id.into(), from, to)
                .await?;
        Ok(slots.into_iter().filter(|s| s.start > now).collect())
    })
    .await
}
crate::access!("appointments/free_slots", SignedIn, no_patient_data);

/// Books a free slot: patients for themselves, the front desk for any
/// patient, and a doctor who admits patients for one in their care (the
/// follow-up booked from the discharge screen). When the slot was taken a
/// moment earlier the answer lists the next free slots of the same doctor
/// instead.
#[server(endpoint = "appointments/book", input = Json)]
pub async fn book(
    doctor_id: UserId,
    start: chrono::DateTime<chrono::Utc>,
    patient_id: Option<PatientId>,
    reason: String,
) -> Result<BookingOutcome, AppError> {
    use crate::appointments::booking::NewAppointment;
    use crate::audited::{write_prepared, Outcome};
    use crate::auth::guard::{authenticate_active, deny};
    use shared::notify::NoticeKind;
    use shared::Permission;
    let answer = write_prepared(
        authenticate_active,
        async |caller| {
            let patient_id = if caller.can(Permission::BookAppointments) {
                patient_id.ok_or_else(|| AppError::field("patient_id", "Choose the patient."))?
            } else if caller.can(Permission::BookOwnAppointments) {
                let own = caller.own_patient_id()?;
                if patient_id.is_some_and(|p| p != own) {
                    deny(caller, "appointments.book for another patient").await?;
                    return Err(AppError::Forbidden);
                }
                own
            } else if caller.can(Permission::AdmitPatients) {
                let patient_id = patient_id
                    .ok_or_else(|| AppError::field("patient_id", "Choose the patient."))?;
                crate::patients::access::require_documenting(
                    caller,
                    patient_id.uuid(),
                    Permission::AdmitPatients,
                    "appointments.book",
                )
                .await?;
                patient_id
            } else {
                deny(caller, "BookAppointments").await?;
                return Err(AppError::Forbidden);
            };
            let reason = shared::validate::bounded_text(&reason, 500, "reason")
                .map_err(|m| AppError::field("reason", m))?;
            crate::patients::access::live_patient(&caller.ctx.db, patient_id.into()).await?;
            a_doctor(&caller.ctx.db, doctor_id.into()).await?;
            let requested = requested(&caller.ctx, doctor_id.into(), start).await?;
            Ok((patient_id, reason, requested))
        },
        async |caller, (patient_id, reason, requested), txn| {
            let slot = match requested {
                Requested::Free(slot) => slot,
                Requested::Refused(answer) => return Ok(Outcome::Nothing(Answer::Final(answer))),
            };
            let new = NewAppointment {
                patient_id: patient_id.into(),
                doctor_id: doctor_id.into(),
                starts_at: slot.start,
                ends_at: slot.end,
                reason: (!reason.is_empty()).then_some(reason),
                booked_by: Some(caller.user.id.into()),
                emergency_override: None,
            };
            let appointment = match insert_booked(caller, txn, new).await? {
                Ok(appointment) => appointment,
                Err(lost) => return Ok(Outcome::Nothing(lost)),
            };
            super::notices::enqueue(txn, &caller.ctx, &appointment, NoticeKind::Booked).await?;
            let detail = format!("{} with doctor {doctor_id}", appointment.starts_at);
            let event = event_of(caller, "appointments.book", &appointment, detail);
            let booked = BookingOutcome::Booked {
                id: appointment.id.into(),
                start: appointment.starts_at,
                end: appointment.ends_at,
            };
            Ok(Outcome::from((Answer::Final(booked), event)))
        },
    )
    .await;
    offer_if_lost(answer).await
}
crate::access!(
    "appointments/book",
    AnyOf(&[BookOwnAppointments, BookAppointments, AdmitPatients]),
    patient_data
);

/// Loads an appointment the caller may change: their own (patients) or any
/// (front desk). Answers it with whether the caller is staff.
#[cfg(feature = "ssr")]
async fn changeable(
    caller: &crate::auth::guard::Caller,
    appointment_id: Uuid,
    action: &'static str,
) -> Result<(crate::entity::appointments::Model, bool), AppError> {
    use crate::context::OrInternal;
    use sea_orm::EntityTrait;
    use shared::Permission;
    let appointment = crate::entity::appointments::Entity::find_by_id(appointment_id)
        .one(&caller.ctx.db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The appointment".into()))?;
    let staff = caller.can(Permission::BookAppointments);
    let own = caller.can(Permission::BookOwnAppointments)
        && caller.user.patient_id == Some(appointment.patient_id.into());
    if !staff && !own {
        crate::auth::guard::deny_patient(caller, action, appointment.patient_id).await?;
        return Err(AppError::Forbidden);
    }
    if appointment.status != AppointmentStatus::Booked {
        return Err(AppError::Conflict(format!(
            "This appointment is {} and can no longer be changed.",
            appointment.status.label().to_lowercase()
        )));
    }
    Ok((appointment, staff))
}

/// Applies the cancellation policy: inside the cut-off, patients are refused
/// and staff must give a reason (which the audit trail keeps).
#[cfg(feature = "ssr")]
fn check_policy(
    caller: &crate::auth::guard::Caller,
    appointment: &crate::entity::appointments::Model,
    staff: bool,
    override_reason: &str,
) -> Result<Option<String>, AppError> {
    let cutoff = chrono::Duration::from_std(caller.ctx.cancel_cutoff).unwrap_or_default();
    if appointment.starts_at - caller.now() >= cutoff {
        return Ok(None);
    }
    let hours = cutoff.num_hours();
    if !staff {
        return Err(AppError::Conflict(format!(
            "Appointments can be changed online until {hours} hours before they start. Please call the hospital."
        )));
    }
    let reason = override_reason.trim();
    if reason.chars().count() < 5 {
        return Err(AppError::field(
            "override_reason",
            format!(
                "This appointment starts in less than {hours} hours: say why it is changed anyway."
            ),
        ));
    }
    Ok(Some(reason.to_string()))
}

/// Cancels an appointment; the slot becomes free at once.
#[server(endpoint = "appointments/cancel", input = Json)]
pub async fn cancel(
    appointment_id: AppointmentId,
    override_reason: String,
) -> Result<(), AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::context::OrInternal;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    use shared::notify::NoticeKind;
    crate::audited::write_prepared(
        authenticate_active,
        async |caller| {
            let (appointment, staff) =
                changeable(caller, appointment_id.into(), "appointments.cancel").await?;
            let overridden = check_policy(caller, &appointment, staff, &override_reason)?;
            Ok((appointment, overridden))
        },
        async |caller, (appointment, overridden), txn| {
            let mut row = appointment.into_active_model();
            row.status = Set(AppointmentStatus::Cancelled);
            row.cancelled_at = Set(Some(caller.now()));
            row.updated_at = Set(caller.now());
            let cancelled = row.update(txn).await.or_internal()?;
            super::notices::withdraw_reminders(txn, appointment_id.into()).await?;
            super::notices::enqueue(txn, &caller.ctx, &cancelled, NoticeKind::Cancelled).await?;
            let detail = match overridden {
                Some(reason) => format!("inside the cut-off, overridden: {reason}"),
                None => "cancelled".into(),
            };
            Ok((
                (),
                event_of(caller, "appointments.cancel", &cancelled, detail),
            ))
        },
    )
    .await
}
crate::access!(
    "appointments/cancel",
    AnyOf(&[BookOwnAppointments, BookAppointments]),
    patient_data
);

/// Moves an appointment to another free slot of the same doctor, atomically:
/// the patient ends with the new slot, or (when it was just taken) keeps the old one.
#[server(endpoint = "appointments/reschedule", input = Json)]
pub async fn reschedule(
    appointment_id: AppointmentId,
    start: chrono::DateTime<chrono::Utc>,
    override_reason: String,
) -> Result<BookingOutcome, AppError> {
    use crate::appointments::booking::NewAppointment;
    use crate::audited::{write_prepared, Outcome};
    use crate::auth::guard::authenticate_active;
    use crate::context::OrInternal;
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    use shared::notify::NoticeKind;
    let answer = write_prepared(
        authenticate_active,
        async |caller| {
            let (old, staff) =
                changeable(caller, appointment_id.into(), "appointments.reschedule").await?;
            let overridden = check_policy(caller, &old, staff, &override_reason)?;
            let requested = requested(&caller.ctx, old.doctor_id, start).await?;
            Ok((old, overridden, requested))
        },
        // One transaction: the old appointment is cancelled and the new one
        // booked, or (when the new slot was just taken) nothing changes.
        async |caller, (old, overridden, requested), txn| {
            let slot = match requested {
                Requested::Free(slot) => slot,
                Requested::Refused(answer) => return Ok(Outcome::Nothing(Answer::Final(answer))),
            };
            let mut previous = old.clone().into_active_model();
            previous.status = Set(AppointmentStatus::Cancelled);
            previous.cancelled_at = Set(Some(caller.now()));
            previous.updated_at = Set(caller.now());
            previous.update(txn).await.or_internal()?;
            let new = NewAppointment {
                patient_id: old.patient_id,
                doctor_id: old.doctor_id,
                starts_at: slot.start,
                ends_at: slot.end,
                reason: old.reason.clone(),
                booked_by: Some(caller.user.id.into()),
                emergency_override: None,
            };
            let new = match insert_booked(caller, txn, new).await? {
                Ok(new) => new,
                Err(lost) => return Ok(Outcome::Nothing(lost)),
            };
            super::notices::withdraw_reminders(txn, old.id).await?;
            super::notices::enqueue(txn, &caller.ctx, &new, NoticeKind::Rescheduled).await?;
            let detail = format!(
                "from {} to {}{}",
                old.starts_at,
                new.starts_at,
                overridden
                    .map(|r| format!("; inside the cut-off, overridden: {r}"))
                    .unwrap_or_default()
            );
            let event = event_of(caller, "appointments.reschedule", &new, detail);
            let moved = BookingOutcome::Booked {
                id: new.id.into(),
                start: new.starts_at,
                end: new.ends_at,
            };
            Ok(Outcome::from((Answer::Final(moved), event)))
        },
    )
    .await;
    offer_if_lost(answer).await
}
crate::access!(
    "appointments/reschedule",
    AnyOf(&[BookOwnAppointments, BookAppointments]),
    patient_data
);

/// The signed-in patient's appointments, upcoming first, then the last year's.
#[server(endpoint = "appointments/mine", input = Json)]
pub async fn my_appointments() -> Result<Vec<shared::appointments::AppointmentView>, AppError> {
    use crate::auth::guard::require;
    use crate::context::OrInternal;
    use crate::entity::appointments;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    crate::audited::read(
        || require(shared::Permission::BookOwnAppointments),
        async |caller| {
            let id = caller.own_patient_id()?;
            let rows = appointments::Entity::find()
                .filter(appointments::Column::PatientId.eq(id))
                .filter(
                    appointments::Column::StartsAt.gt(caller.now() - chrono::Duration::days(365)),
                )
                .order_by_desc(appointments::Column::StartsAt)
                .all(&caller.ctx.db)
                .await
                .or_internal()?;
            let mut list = super::service::views(&caller.ctx.db, caller.ctx.timezone, rows).await?;
            let now = caller.now();
            // Upcoming (soonest first), then past (latest first).
            list.sort_by_key(|a| {
                (
                    a.end < now,
                    if a.end < now {
                        -a.start.timestamp()
                    } else {
                        a.start.timestamp()
                    },
                )
            });
            let event = caller
                .event("appointments.read_own")
                .patient(id)
                .entity("patient", id)
                .detail(format!("{} appointment(s)", list.len()));
            Ok((list, event))
        },
    )
    .await
}
crate::access!(
    "appointments/mine",
    AnyOf(&[BookOwnAppointments]),
    patient_data
);

/// A doctor's list for one local day: their own, or any doctor's for the front desk.
#[server(endpoint = "appointments/day", input = Json)]
pub async fn day_list(
    doctor_id: Option<UserId>,
    date: chrono::NaiveDate,
) -> Result<Vec<shared::appointments::AppointmentView>, AppError> {
    use crate::appointments::slots::bound_to_utc;
    use crate::auth::guard::{authenticate_active, deny};
    use crate::context::OrInternal;
    use crate::entity::appointments;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use shared::{Permission, Role};
    crate::audited::read(authenticate_active, async |caller| {
        let doctor_id = match (caller.user.role, doctor_id) {
            (Role::Doctor, None) => caller.user.id,
            (Role::Doctor, Some(d)) if d == caller.user.id => d,
            (_, Some(d)) if caller.can(Permission::BookAppointments) => d,
            _ => {
                deny(caller, "appointments.day").await?;
                return Err(AppError::Forbidden);
            }
        };
        let tz = caller.ctx.timezone;
        let start = bound_to_utc(tz, date.and_time(chrono::NaiveTime::MIN));
        let end = bound_to_utc(
            tz,
            (date + chrono::Duration::days(1)).and_time(chrono::NaiveTime::MIN),
        );
        let rows = appointments::Entity::find()
            .filter(appointments::Column::DoctorId.eq(doctor_id))
            .filter(appointments::Column::StartsAt.gte(start))
            .filter(appointments::Column::StartsAt.lt(end))
            .filter(appointments::Column::Status.ne(AppointmentStatus::Cancelled))
            .order_by_asc(appointments::Column::StartsAt)
            .all(&caller.ctx.db)
            .await
            .or_internal()?;
        let list = super::service::views(&caller.ctx.db, caller.ctx.timezone, rows).await?;
        // A list of many patients, audited like the patient search: one
        // event saying whose day was read and how many it listed.
        let event = caller
            .event("appointments.day")
            .entity("doctor", doctor_id)
            .detail(format!("{date}: {} appointment(s)", list.len()));
        Ok((list, event))
    })
    .await
}
crate::access!(
    "appointments/day",
    AnyOf(&[ViewDayLists, BookAppointments]),
    patient_data
);

/// Attendance: check-in, no-show, in progress, completed. The doctor marks
/// their own appointments; the front desk any.
#[server(endpoint = "appointments/set_status", input = Json)]
pub async fn set_status(
    appointment_id: AppointmentId,
    status: AppointmentStatus,
) -> Result<(), AppError> {
    use crate::auth::guard::{authenticate_active, deny_patient};
    use crate::context::OrInternal;
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};

    use shared::{Permission, Role};
    crate::audited::write_prepared(
        authenticate_active,
        async |caller| {
            let appointment = crate::entity::appointments::Entity::find_by_id(appointment_id)
                .one(&caller.ctx.db)
                .await
                .or_internal()?
                .ok_or_else(|| AppError::NotFound("The appointment".into()))?;
            let allowed = caller.can(Permission::BookAppointments)
                || (caller.user.role == Role::Doctor && appointment.doctor_id == caller.user.id);
            if !allowed {
                deny_patient(caller, "appointments.set_status", appointment.patient_id).await?;
                return Err(AppError::Forbidden);
            }
            let current = appointment.status;
            if !current.can_become(status) {
                return Err(AppError::Conflict(format!(
                    "An appointment that is “{}” cannot become “{}”.",
                    current.label(),
                    status.label()
                )));
            }
            Ok((appointment, current))
        },
        async |caller, (appointment, current), txn| {
            let mut row = appointment.into_active_model();
            row.status = Set(status);
            row.updated_at = Set(caller.now());
            let changed = row.update(txn).await.or_internal()?;
            if status == AppointmentStatus::Completed {
                crate::billing::charges::consultation(
                    txn,
                    caller.ctx.timezone,
                    &changed,
                    caller.now(),
                )
                .await?;
            }
            let detail = format!("{} → {}", current.as_str(), status.as_str());
            Ok((
                (),
                event_of(caller, "appointments.set_status", &changed, detail),
            ))
        },
    )
    .await
}
crate::access!(
    "appointments/set_status",
    AnyOf(&[ViewDayLists, BookAppointments]),
    patient_data
);

/// `GET /api/appointments/{id}/ics`: the appointment as a calendar file, for
/// its patient (or the front desk).
#[cfg(feature = "ssr")]
pub async fn download_ics(
    axum::extract::Path(id): axum::extract::Path<Uuid>,
    axum::Extension(ctx): axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> axum::response::Response {
    use crate::context::OrInternal;
    use sea_orm::EntityTrait;
    use shared::Permission;
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        let appointment = crate::entity::appointments::Entity::find_by_id(id)
            .one(&caller.ctx.db)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::NotFound("The appointment".into()))?;
        let own = caller.user.patient_id == Some(appointment.patient_id.into());
        if !own && !caller.can(Permission::BookAppointments) {
            crate::auth::guard::deny_patient(&caller, "appointments.ics", appointment.patient_id)
                .await?;
            return Err(AppError::Forbidden);
        }
        let view = super::service::views(&caller.ctx.db, caller.ctx.timezone, vec![appointment])
            .await?
            .remove(0);
        let body = super::service::ics(&view, &caller.ctx.hospital_name, caller.now());
        Ok((
            body.into_bytes(),
            "text/calendar; charset=utf-8",
            format!("appointment-{id}.ics"),
        ))
    }
    .await;
    crate::context::file_response(result)
}

/// The doctor directory: active doctors, optionally of one department, with
/// specialty and languages (and a contact number for staff).
#[server(endpoint = "appointments/doctors", input = Json)]
pub async fn doctors(
    department: Option<String>,
) -> Result<Vec<shared::appointments::DoctorCard>, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::context::OrInternal;
    use crate::entity::{departments, doctor_profiles, specialties, users};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use shared::appointments::{initials, DoctorCard};
    use std::collections::HashMap;
    crate::audited::plain(authenticate_active, async |caller| {
        let db = &caller.ctx.db;
        let staff = caller.user.role.is_staff();
        let doctors = users::Entity::find()
            .filter(users::Column::Role.eq(shared::Role::Doctor))
            .filter(users::Column::Active.eq(true))
            .order_by_asc(users::Column::DisplayName)
            .all(db)
            .await
            .or_internal()?;
        let profiles: HashMap<_, _> = doctor_profiles::Entity::find()
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|p| (p.user_id, p))
            .collect();
        let department_names: HashMap<_, _> = departments::Entity::find()
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect();
        let specialty_names: HashMap<_, _> = specialties::Entity::find()
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect();
        Ok(doctors
            .into_iter()
            .map(|u| {
                let p = profiles.get(&u.id);
                DoctorCard {
                    id: u.id.into(),
                    initials: initials(&u.display_name),
                    name: u.display_name,
                    department: p
                        .and_then(|p| p.department_id)
                        .and_then(|d| department_names.get(&d).cloned()),
                    specialty: p
                        .and_then(|p| p.specialty_id)
                        .and_then(|s| specialty_names.get(&s).cloned()),
                    languages: p.and_then(|p| p.languages.clone()),
                    contact_phone: if staff {
                        p.and_then(|p| p.contact_phone.clone())
                    } else {
                        None
                    },
                }
            })
            .filter(|d| department.is_none() || d.department == department)
            .collect())
    })
    .await
}
crate::access!("appointments/doctors", SignedIn, no_patient_data);

/// An administrator puts a patient on a doctor's list at any time, overlapping
/// the normal slots, for an emergency. The reason is kept with the appointment
/// and in the audit trail; the patient still cannot be in two places at once.
/// `start` is hospital time, `YYYY-MM-DDTHH:MM` (as a date-time field sends it).
#[server(endpoint = "appointments/emergency", input = Json)]
pub async fn emergency_assign(
    patient_id: PatientId,
    doctor_id: UserId,
    start: String,
    minutes: u32,
    reason: String,
) -> Result<Uuid, AppError> {
    use crate::appointments::booking::{insert_appointment, NewAppointment};
    use crate::auth::guard::require;
    crate::audited::write_prepared(
        || require(shared::Permission::OverrideSchedule),
        async |caller| {
            let mut errors = shared::error::FieldErrors::new();
            let reason = errors.check(
                "reason",
                shared::validate::bounded_text(&reason, 500, "reason").and_then(|r| {
                    if r.chars().count() < 5 {
                        Err("Record why this patient is seen outside the normal slots.".into())
                    } else {
                        Ok(r)
                    }
                }),
            );
            if !(5..=240).contains(&minutes) {
                errors.push("minutes", "Between 5 and 240 minutes.");
            }
            let start = errors.check(
                "start",
                chrono::NaiveDateTime::parse_from_str(start.trim(), "%Y-%m-%dT%H:%M")
                    .map_err(|_| "Enter the date and time, e.g. 2026-12-01T09:30.".to_string())
                    .and_then(|local| {
                        super::slots::to_utc(caller.ctx.timezone, local).ok_or_else(|| {
                            "This time does not exist here (the clock moves forward).".to_string()
                        })
                    }),
            );
            errors.finish()?;
            let (reason, start) = reason.zip(start).ok_or(AppError::Internal)?;
            crate::patients::access::live_patient(&caller.ctx.db, patient_id.into()).await?;
            a_doctor(&caller.ctx.db, doctor_id.into()).await?;
            Ok((reason, start))
        },
        async |caller, (reason, start), txn| {
            let appointment = insert_appointment(
                txn,
                NewAppointment {
                    patient_id: patient_id.into(),
                    doctor_id: doctor_id.into(),
                    starts_at: start,
                    ends_at: start + chrono::Duration::minutes(i64::from(minutes)),
                    reason: None,
                    booked_by: Some(caller.user.id.into()),
                    emergency_override: Some(reason.clone()),
                },
            )
            .await?;
            into_care(caller, txn, &appointment).await?;
            let detail = format!("override: {reason}");
            let event = event_of(caller, "appointments.emergency", &appointment, detail);
            Ok((appointment.id, event))
        },
    )
    .await
}
crate::access!(
    "appointments/emergency",
    AnyOf(&[OverrideSchedule]),
    patient_data
);

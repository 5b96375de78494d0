//! Booking: the database decides whether a slot is free (see the migration's
//! exclusion constraints and triggers), so two clients racing for one slot, in
//! one process or in several, end with exactly one appointment.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, Set};
use shared::appointments::{AppointmentStatus, BookingConflict};
use shared::AppError;
use uuid::Uuid;

use crate::context::internal;
use crate::entity::appointments;

/// An appointment about to be booked.
pub struct NewAppointment {
    pub patient_id: Uuid,
    pub doctor_id: Uuid,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub reason: Option<String>,
    pub booked_by: Option<Uuid>,
    /// An emergency case that may overlap the doctor's other appointments,
    /// with the recorded reason.
    pub emergency_override: Option<String>,
}

/// Which overlap rule, if any, refused a write. The rules are the
/// database's (an exclusion constraint on PostgreSQL, a trigger on SQLite),
/// and both name themselves in the error: the name is the only part of a
/// database error this reads, and it becomes a typed conflict here.
pub fn overlap_error(e: &DbErr) -> Option<BookingConflict> {
    let text = e.to_string();
    if text.contains("appointment_overlap_doctor") {
        Some(BookingConflict::SlotTaken)
    } else if text.contains("appointment_overlap_patient") {
        Some(BookingConflict::PatientAlreadyBooked)
    } else {
        None
    }
}

/// Inserts the appointment, or answers which appointment it would overlap.
pub async fn insert_appointment(
    db: &impl ConnectionTrait,
    new: NewAppointment,
) -> Result<appointments::Model, AppError> {
    if new.ends_at <= new.starts_at {
        return Err(AppError::BadRequest(
            "An appointment must end after it starts.".into(),
        ));
    }
    let now = Utc::now();
    let row = appointments::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(new.patient_id),
        doctor_id: Set(new.doctor_id),
        starts_at: Set(new.starts_at),
        ends_at: Set(new.ends_at),
        status: Set(AppointmentStatus::Booked),
        reason: Set(new.reason),
        emergency_override: Set(new.emergency_override.is_some()),
        override_reason: Set(new.emergency_override),
        booked_by: Set(new.booked_by),
        created_at: Set(now),
        updated_at: Set(now),
        cancelled_at: Set(None),
    };
    row.insert(db)
        .await
        .map_err(|e| overlap_error(&e).map_or_else(|| internal(e), AppError::Booking))
}

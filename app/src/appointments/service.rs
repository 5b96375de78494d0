//! Loading a doctor's availability from the database and booking against it.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::appointments::FreeSlot;
use shared::AppError;
use uuid::Uuid;

use super::slots::{free_slots, Availability, Exception, TemplateBlock};
use crate::context::OrInternal;
use crate::entity::{appointments, availability_exceptions, availability_templates, holidays};

fn weekday(iso: i16) -> Option<Weekday> {
    match iso {
        1 => Some(Weekday::Mon),
        2 => Some(Weekday::Tue),
        3 => Some(Weekday::Wed),
        4 => Some(Weekday::Thu),
        5 => Some(Weekday::Fri),
        6 => Some(Weekday::Sat),
        7 => Some(Weekday::Sun),
        _ => None,
    }
}

fn time(s: &str) -> Result<NaiveTime, AppError> {
    NaiveTime::parse_from_str(s, "%H:%M").or_internal()
}

fn local(s: &str) -> Result<NaiveDateTime, AppError> {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").or_internal()
}

/// The free slots of a doctor on the local days `from..=to`.
pub async fn doctor_free_slots(
    db: &impl ConnectionTrait,
    tz: chrono_tz::Tz,
    doctor_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<FreeSlot>, AppError> {
    doctor_slots(db, tz, doctor_id, from, to, true).await
}

/// Every slot a doctor's schedule offers on `from..=to`, booked or not: the
/// capacity that utilisation is measured against.
pub async fn doctor_capacity(
    db: &impl ConnectionTrait,
    tz: chrono_tz::Tz,
    doctor_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<FreeSlot>, AppError> {
    doctor_slots(db, tz, doctor_id, from, to, false).await
}

async fn doctor_slots(
    db: &impl ConnectionTrait,
    tz: chrono_tz::Tz,
    doctor_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    subtract_bookings: bool,
) -> Result<Vec<FreeSlot>, AppError> {
    let template = availability_templates::Entity::find()
        .filter(availability_templates::Column::DoctorId.eq(doctor_id))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|t| {
            Ok(TemplateBlock {
                weekday: weekday(t.weekday)
                    .ok_or_else(|| crate::context::internal("bad weekday"))?,
                start: time(&t.start_time)?,
                end: time(&t.end_time)?,
                slot_minutes: u32::try_from(t.slot_minutes).or_internal()?,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    // Exceptions are few per doctor; the ones outside the range change nothing.
    let exceptions = availability_exceptions::Entity::find()
        .filter(availability_exceptions::Column::DoctorId.eq(doctor_id))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|e| {
            let (starts, ends) = (local(&e.starts_local)?, local(&e.ends_local)?);
            Ok(if e.kind == "extra" {
                Exception::ExtraHours {
                    date: starts.date(),
                    start: starts.time(),
                    end: ends.time(),
                    slot_minutes: u32::try_from(e.slot_minutes.unwrap_or(20)).or_internal()?,
                }
            } else {
                Exception::Unavailable {
                    from: starts,
                    to: ends,
                }
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let holidays: Vec<NaiveDate> = holidays::Entity::find()
        .filter(holidays::Column::Day.gte(from))
        .filter(holidays::Column::Day.lte(to))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|h| h.day)
        .collect();
    // Bookings that can touch the range: a day of margin on each side covers
    // every time-zone offset.
    let window_start = from.and_time(NaiveTime::MIN).and_utc() - Duration::days(1);
    let window_end = to.and_time(NaiveTime::MIN).and_utc() + Duration::days(2);
    let booked: Vec<(DateTime<Utc>, DateTime<Utc>)> = if !subtract_bookings {
        Vec::new()
    } else {
        appointments::Entity::find()
            .filter(appointments::Column::DoctorId.eq(doctor_id))
            .filter(appointments::Column::Status.ne("cancelled"))
            .filter(appointments::Column::StartsAt.lt(window_end))
            .filter(appointments::Column::EndsAt.gt(window_start))
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|a| (a.starts_at, a.ends_at))
            .collect()
    };
    let availability = Availability {
        tz,
        template: &template,
        exceptions: &exceptions,
        holidays: &holidays,
        booked: &booked,
    };
    Ok(free_slots(&availability, from, to)
        .into_iter()
        .map(|s| FreeSlot {
            start: s.start,
            end: s.end,
        })
        .collect())
}

/// "Mon 23 Nov 2026, 09:20", in the hospital's time zone.
pub fn local_label(tz: chrono_tz::Tz, t: DateTime<Utc>) -> String {
    t.with_timezone(&tz)
        .format("%a %-d %b %Y, %H:%M")
        .to_string()
}

/// Appointments as list rows, with the names of patient and doctor.
pub async fn views(
    db: &impl ConnectionTrait,
    tz: chrono_tz::Tz,
    rows: Vec<appointments::Model>,
) -> Result<Vec<shared::appointments::AppointmentView>, AppError> {
    use crate::entity::patients;
    use shared::appointments::{AppointmentStatus, AppointmentView};
    let names = crate::patients::care::user_names(db, rows.iter().map(|a| a.doctor_id)).await?;
    let mut ids: Vec<Uuid> = rows.iter().map(|a| a.patient_id).collect();
    ids.sort();
    ids.dedup();
    let people: std::collections::HashMap<Uuid, patients::Model> = patients::Entity::find()
        .filter(patients::Column::Id.is_in(ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    rows.into_iter()
        .map(|a| {
            let p = people
                .get(&a.patient_id)
                .ok_or_else(|| crate::context::internal("appointment without patient"))?;
            Ok(AppointmentView {
                id: a.id,
                patient_id: a.patient_id,
                patient_name: format!("{}, {}", p.family_name, p.given_name),
                patient_mrn: crate::patients::service::hit_of(p)?.mrn,
                doctor_id: a.doctor_id,
                doctor_name: crate::patients::care::name_of(&names, a.doctor_id),
                when: local_label(tz, a.starts_at),
                time: format!(
                    "{}–{}",
                    a.starts_at.with_timezone(&tz).format("%H:%M"),
                    a.ends_at.with_timezone(&tz).format("%H:%M")
                ),
                start: a.starts_at,
                end: a.ends_at,
                status: AppointmentStatus::parse(&a.status).or_internal()?,
                reason: a.reason,
            })
        })
        .collect()
}

/// An iCalendar file (RFC 5545) for one appointment: time, place and doctor,
/// nothing clinical.
pub fn ics(
    view: &shared::appointments::AppointmentView,
    hospital: &str,
    now: DateTime<Utc>,
) -> String {
    fn escape(s: &str) -> String {
        s.replace('\\', "\\\\")
            .replace(';', "\\;")
            .replace(',', "\\,")
            .replace('\n', "\\n")
    }
    let stamp = |t: DateTime<Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    [
        "BEGIN:VCALENDAR".to_string(),
        "VERSION:2.0".into(),
        "PRODID:-//HMS//Appointments//EN".into(),
        "METHOD:PUBLISH".into(),
        "BEGIN:VEVENT".into(),
        format!("UID:{}@hms", view.id),
        format!("DTSTAMP:{}", stamp(now)),
        format!("DTSTART:{}", stamp(view.start)),
        format!("DTEND:{}", stamp(view.end)),
        format!(
            "SUMMARY:{}",
            escape(&format!("Appointment with {}", view.doctor_name))
        ),
        format!("LOCATION:{}", escape(hospital)),
        "BEGIN:VALARM".into(),
        "TRIGGER:-PT2H".into(),
        "ACTION:DISPLAY".into(),
        "DESCRIPTION:Appointment reminder".into(),
        "END:VALARM".into(),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ]
    .join("\r\n")
        + "\r\n"
}

//! Loading a doctor's availability from the database and booking against it.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc, Weekday};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::appointments::{AppointmentStatus, FreeSlot};
use shared::schedule::ExceptionKind;
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

/// The hospital's holidays on `from..=to`.
pub async fn holidays_between(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<NaiveDate>, AppError> {
    Ok(holidays::Entity::find()
        .filter(holidays::Column::Day.gte(from))
        .filter(holidays::Column::Day.lte(to))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|h| h.day)
        .collect())
}

/// The instants that bookings on the local days `from..=to` can fall in,
/// whatever the zone: a day of margin on each side covers every offset.
pub fn utc_window(from: NaiveDate, to: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        from.and_time(NaiveTime::MIN).and_utc() - Duration::days(1),
        to.and_time(NaiveTime::MIN).and_utc() + Duration::days(2),
    )
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
            Ok(if e.kind == ExceptionKind::Extra {
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
    let holidays = holidays_between(db, from, to).await?;
    let (window_start, window_end) = utc_window(from, to);
    let booked: Vec<(DateTime<Utc>, DateTime<Utc>)> = if !subtract_bookings {
        Vec::new()
    } else {
        appointments::Entity::find()
            .filter(appointments::Column::DoctorId.eq(doctor_id))
            .filter(appointments::Column::Status.ne(AppointmentStatus::Cancelled))
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
    use shared::appointments::AppointmentView;
    let names = crate::patients::care::user_names(db, rows.iter().map(|a| a.doctor_id)).await?;
    let mut ids: Vec<Uuid> = rows.iter().map(|a| a.patient_id).collect();
    ids.sort();
    ids.dedup();
    let people = crate::patients::service::by_id(db, ids).await?;
    rows.into_iter()
        .map(|a| {
            let p = people
                .get(&a.patient_id)
                .ok_or_else(|| crate::context::internal("appointment without patient"))?;
            Ok(AppointmentView {
                id: a.id.into(),
                patient_id: a.patient_id.into(),
                patient_name: shared::patients::filing_name(&p.family_name, &p.given_name),
                patient_mrn: crate::patients::service::hit_of(p)?.mrn,
                doctor_id: a.doctor_id.into(),
                doctor_name: crate::patients::care::name_of(&names, a.doctor_id),
                when: local_label(tz, a.starts_at),
                time: format!(
                    "{}–{}",
                    a.starts_at.with_timezone(&tz).format("%H:%M"),
                    a.ends_at.with_timezone(&tz).format("%H:%M")
                ),
                start: a.starts_at,
                end: a.ends_at,
                status: a.status,
                reason: a.reason,
            })
        })
        .collect()
}

/// A TEXT value escaped as RFC 5545 (3.3.11) asks: backslash, semicolon and
/// comma behind a backslash, a line break as `\n`.
fn ics_text(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace(';', "\\;")
        .replace(',', "\\,")
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\\n")
}

/// One content line folded as RFC 5545 (3.1) asks: at most 75 octets a line,
/// never inside a UTF-8 character, each continuation line starting with one
/// space (which counts towards its 75), lines ending in CRLF.
fn ics_line(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 37 + 2);
    let mut room = 75;
    for c in line.chars() {
        if c.len_utf8() > room {
            out.push_str("\r\n ");
            room = 74;
        }
        out.push(c);
        room -= c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// An iCalendar file (RFC 5545) for one appointment: time, place and doctor,
/// nothing clinical. Written here rather than with a calendar crate: one
/// event of fixed shape needs only TEXT escaping and line folding, both
/// tested against the RFC's rules below.
pub fn ics(
    view: &shared::appointments::AppointmentView,
    hospital: &str,
    now: DateTime<Utc>,
) -> String {
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
            ics_text(&format!("Appointment with {}", view.doctor_name))
        ),
        format!("LOCATION:{}", ics_text(hospital)),
        "BEGIN:VALARM".into(),
        "TRIGGER:-PT2H".into(),
        "ACTION:DISPLAY".into(),
        "DESCRIPTION:Appointment reminder".into(),
        "END:VALARM".into(),
        "END:VEVENT".into(),
        "END:VCALENDAR".into(),
    ]
    .into_iter()
    .map(|line| ics_line(&line))
    .collect()
}

#[cfg(test)]
mod ics_tests {
    use super::*;

    /// Unfolds as a reader does (RFC 5545 3.1): a CRLF followed by one space
    /// or tab is removed.
    fn unfold(ics: &str) -> String {
        ics.replace("\r\n ", "").replace("\r\n\t", "")
    }

    fn test_view() -> shared::appointments::AppointmentView {
        let start = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        shared::appointments::AppointmentView {
            id: Uuid::nil().into(),
            patient_id: Uuid::nil().into(),
            patient_name: "王伟".into(),
            patient_mrn: "40213975-3".into(),
            doctor_id: Uuid::nil().into(),
            doctor_name: String::new(),
            start,
            end: start + Duration::minutes(20),
            when: String::new(),
            time: String::new(),
            status: shared::appointments::AppointmentStatus::Booked,
            reason: None,
        }
    }

    #[test]
    fn text_values_are_escaped() {
        assert_eq!(ics_text("a\\b;c,d\ne\r\nf"), "a\\\\b\\;c\\,d\\ne\\nf");
    }

    #[test]
    fn long_non_ascii_lines_fold_at_75_octets_between_characters() {
        let doctor =
            "Dr. Αικατερίνη Παπαδοπούλου-Γεωργίου, 王伟, Мария Ивановна Иванова; Đặng Văn Lâm";
        let hospital =
            "Краевая клиническая больница №1 имени профессора С. В. Очаповского, Краснодар";
        let view = shared::appointments::AppointmentView {
            id: Uuid::nil().into(),
            doctor_name: doctor.into(),
            ..test_view()
        };
        let now = DateTime::<Utc>::from_timestamp(1_800_000_000, 0).unwrap();
        let file = ics(&view, hospital, now);
        assert!(file.ends_with("END:VCALENDAR\r\n"));
        // Every physical line: CRLF-terminated, at most 75 octets, valid
        // UTF-8 (the file is a `String`, so no character was split), and a
        // continuation starts with exactly one space.
        let body = file.strip_suffix("\r\n").unwrap();
        let lines: Vec<&str> = body.split("\r\n").collect();
        assert!(lines.iter().all(|l| !l.contains('\n') && !l.contains('\r')));
        assert!(lines.iter().all(|l| l.len() <= 75), "{lines:#?}");
        let continued = lines.iter().filter(|l| l.starts_with(' ')).count();
        assert!(continued >= 4, "{lines:#?}");
        assert!(lines.iter().all(|l| !l.starts_with("  ")));
        // Lines are filled: a folded line stops only where the next
        // character would not fit.
        for pair in lines.windows(2) {
            if let Some(next) = pair[1].strip_prefix(' ') {
                let c = next.chars().next().unwrap();
                assert!(pair[0].len() + c.len_utf8() > 75, "{pair:?}");
            }
        }
        let unfolded = unfold(&file);
        assert!(unfolded.contains(&format!(
            "\r\nSUMMARY:Appointment with {}\r\n",
            "Dr. Αικατερίνη Παπαδοπούλου-Γεωργίου\\, 王伟\\, Мария Ивановна Иванова\\; Đặng Văn Lâm"
        )));
        assert!(unfolded.contains(&format!(
            "\r\nLOCATION:{}\r\n",
            hospital.replace(',', "\\,")
        )));
    }

    #[test]
    fn short_lines_are_not_folded() {
        assert_eq!(ics_line("VERSION:2.0"), "VERSION:2.0\r\n");
        let exact = "X".repeat(75);
        assert_eq!(ics_line(&exact), format!("{exact}\r\n"));
        assert_eq!(ics_line(&"X".repeat(76)), format!("{exact}\r\n X\r\n"));
        // A three-octet character that would cross octet 75 moves whole.
        let line = format!("{}王", "X".repeat(73));
        assert_eq!(ics_line(&line), format!("{}\r\n 王\r\n", "X".repeat(73)));
    }
}

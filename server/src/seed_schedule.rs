//! Demo scheduling data: departments and specialties, the demo doctor's
//! profile and weekly hours (Monday to Friday, 09:00–12:00 and 14:00–16:00, in
//! 20-minute slots, in the hospital's time zone), and appointments of the
//! other demo patients: the coming week's, and four past weeks' (attended or
//! not), so the day list and the overview have something to show.

use anyhow::Result;
use app::entity::{availability_templates, departments, doctor_profiles, specialties};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};
use shared::appointments::AppointmentStatus;
use uuid::Uuid;

pub async fn seed_schedule(txn: &DatabaseTransaction, doctor: Uuid) -> Result<()> {
    let now = Utc::now();
    let mut general = None;
    for (department, specialty) in [
        ("General medicine", "Family medicine"),
        ("Cardiology", "Cardiology"),
        ("Paediatrics", "Paediatrics"),
    ] {
        let d = departments::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(department.into()),
            created_at: Set(now),
        }
        .insert(txn)
        .await?;
        let s = specialties::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(specialty.into()),
            department_id: Set(d.id),
        }
        .insert(txn)
        .await?;
        general.get_or_insert((d.id, s.id));
    }
    let (department, specialty) = general.expect("three departments");
    doctor_profiles::ActiveModel {
        user_id: Set(doctor),
        department_id: Set(Some(department)),
        specialty_id: Set(Some(specialty)),
        languages: Set(Some("English, Hausa, French".into())),
        contact_phone: Set(Some("+49 30 1234 5601".into())),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    for weekday in 1..=5 {
        for (start, end) in [("09:00", "12:00"), ("14:00", "16:00")] {
            availability_templates::ActiveModel {
                id: Set(Uuid::new_v4()),
                doctor_id: Set(doctor),
                weekday: Set(weekday),
                start_time: Set(start.into()),
                end_time: Set(end.into()),
                slot_minutes: Set(20),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// Appointments for `patients` (never the first demo patient, who starts
/// with none): two a weekday for the coming week, and past ones in the last
/// four weeks, one in five a no-show.
pub async fn seed_appointments(
    txn: &DatabaseTransaction,
    tz: chrono_tz::Tz,
    doctor: Uuid,
    patients: &[Uuid],
) -> Result<()> {
    use app::appointments::booking::{insert_appointment, NewAppointment};
    use chrono::{Datelike, Duration, NaiveTime};
    if patients.is_empty() {
        return Ok(());
    }
    let today = Utc::now().with_timezone(&tz).date_naive();
    let mut n = 0usize;
    for offset in (-28i64..=7).filter(|d| *d != 0) {
        let day = today + Duration::days(offset);
        if day.weekday().number_from_monday() > 5 {
            continue;
        }
        for (h, m) in [(11u32, 0u32), (14, 40)] {
            let local = day.and_time(NaiveTime::from_hms_opt(h, m, 0).expect("valid time"));
            let Some(start) = app::appointments::slots::to_utc(tz, local) else {
                continue;
            };
            let status = match (offset < 0, n % 5) {
                (false, _) => AppointmentStatus::Booked,
                (true, 0) => AppointmentStatus::NoShow,
                (true, _) => AppointmentStatus::Completed,
            };
            let row = insert_appointment(
                txn,
                NewAppointment {
                    patient_id: patients[n % patients.len()],
                    doctor_id: doctor,
                    starts_at: start,
                    ends_at: start + Duration::minutes(20),
                    reason: Some("Follow-up".into()),
                    booked_by: None,
                    emergency_override: None,
                },
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            if status != AppointmentStatus::Booked {
                let mut row: app::entity::appointments::ActiveModel = row.into();
                row.status = Set(status);
                row.update(txn).await?;
            }
            n += 1;
        }
    }
    Ok(())
}

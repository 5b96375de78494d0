//! Demo scheduling data: departments and specialties, the demo doctor's
//! profile and weekly hours (Monday to Friday, 09:00–12:00 and 14:00–16:00, in
//! 20-minute slots, in the hospital's time zone).

use anyhow::Result;
use app::entity::{availability_templates, departments, doctor_profiles, specialties};
use chrono::Utc;
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};
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

//! Scheduling fixtures: doctors with a working week, dates to book on.

use chrono::{Duration, TimeZone, Utc};
use sea_orm::{ActiveModelTrait, EntityTrait, Set};
use shared::Role;
use uuid::Uuid;

use super::{staff, TestApp};

pub async fn doctor(app: &TestApp, email: &str) -> Uuid {
    staff(app, email, Role::Doctor).await;
    let user = app::entity::users::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.email == email)
        .unwrap();
    user.id
}

/// A doctor with Monday mornings 09:00–10:00 in 20-minute slots.
pub async fn monday_doctor(db: &sea_orm::DatabaseConnection, email: &str, app: &TestApp) -> Uuid {
    let id = doctor(app, email).await;
    app::entity::availability_templates::ActiveModel {
        id: Set(Uuid::new_v4()),
        doctor_id: Set(id),
        weekday: Set(1),
        start_time: Set("09:00".into()),
        end_time: Set("10:00".into()),
        slot_minutes: Set(20),
    }
    .insert(db)
    .await
    .unwrap();
    id
}

/// The first Monday after today.
pub fn next_monday() -> chrono::NaiveDate {
    use chrono::Datelike;
    let today = Utc::now().date_naive();
    today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()))
}

pub fn berlin_utc(date: chrono::NaiveDate, h: u32, m: u32) -> chrono::DateTime<Utc> {
    chrono_tz::Europe::Berlin
        .from_local_datetime(&date.and_hms_opt(h, m, 0).unwrap())
        .single()
        .unwrap()
        .with_timezone(&Utc)
}

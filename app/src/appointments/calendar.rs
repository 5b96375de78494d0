//! What the booking screens and the administrators' calendar read: free slots
//! grouped by day with local times (one doctor, or the first available of a
//! department), and the overview with utilisation and the no-show rate.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::appointments::{DayChoices, Overview};
use shared::ids::{DepartmentId, UserId};
use shared::AppError;

/// Active doctors, of one department when given, by name.
#[cfg(feature = "ssr")]
async fn doctors_of(
    db: &sea_orm::DatabaseConnection,
    department_id: Option<uuid::Uuid>,
    doctor_id: Option<uuid::Uuid>,
) -> Result<Vec<crate::entity::users::Model>, AppError> {
    use crate::context::OrInternal;
    use crate::entity::{doctor_profiles, users};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let mut query = users::Entity::find()
        .filter(users::Column::Role.eq(shared::Role::Doctor))
        .filter(users::Column::Active.eq(true))
        .order_by_asc(users::Column::DisplayName);
    if let Some(id) = doctor_id {
        query = query.filter(users::Column::Id.eq(id));
    }
    if let Some(dept) = department_id {
        let ids: Vec<uuid::Uuid> = doctor_profiles::Entity::find()
            .filter(doctor_profiles::Column::DepartmentId.eq(dept))
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|p| p.user_id)
            .collect();
        query = query.filter(users::Column::Id.is_in(ids));
    }
    query.all(db).await.or_internal()
}

/// Free slots to choose from, per local day: one doctor's, or, without a
/// doctor, the first available doctor at each time (of a department, if given).
#[server(endpoint = "appointments/choices", input = Json)]
pub async fn choices(
    department_id: Option<DepartmentId>,
    doctor_id: Option<UserId>,
    from: chrono::NaiveDate,
    days: u32,
) -> Result<Vec<DayChoices>, AppError> {
    use shared::appointments::{SlotChoice, MAX_CHOICE_DAYS};
    use std::collections::BTreeMap;
    crate::audited::plain(crate::auth::guard::authenticate_active, async |caller| {
        if !(1..=MAX_CHOICE_DAYS).contains(&days) {
            return Err(AppError::field(
                "days",
                format!("Search between 1 and {MAX_CHOICE_DAYS} days."),
            ));
        }
        let (db, tz) = (&caller.ctx.db, caller.ctx.timezone);
        let doctors =
            doctors_of(db, department_id.map(Into::into), doctor_id.map(Into::into)).await?;
        if doctor_id.is_some() && doctors.is_empty() {
            return Err(AppError::field(
                "doctor_id",
                "Choose a doctor from the list.",
            ));
        }
        let to = from + chrono::Duration::days(i64::from(days) - 1);
        let now = caller.now();
        // start → the first doctor (by name) free then.
        let mut by_start: BTreeMap<_, SlotChoice> = BTreeMap::new();
        for d in &doctors {
            for s in super::service::doctor_free_slots(db, tz, d.id, from, to).await? {
                if s.start <= now {
                    continue;
                }
                by_start.entry(s.start).or_insert_with(|| SlotChoice {
                    start: s.start,
                    end: s.end,
                    date: s.start.with_timezone(&tz).date_naive(),
                    time: s.start.with_timezone(&tz).format("%H:%M").to_string(),
                    doctor_id: d.id.into(),
                    doctor_name: d.display_name.clone(),
                });
            }
        }
        let mut out: Vec<DayChoices> = Vec::new();
        for slot in by_start.into_values() {
            let date = slot.date;
            match out.last_mut() {
                Some(day) if day.date == date => day.slots.push(slot),
                _ => out.push(DayChoices {
                    date,
                    label: date.format("%a %-d %b").to_string(),
                    slots: vec![slot],
                }),
            }
        }
        Ok(out)
    })
    .await
}
crate::access!("appointments/choices", SignedIn, no_patient_data);

/// The administrators' calendar for `days` (1 to 31) local days from `from`:
/// each doctor's appointments, offered and booked minutes, and for the
/// whole range the utilisation and the no-show rate.
#[server(endpoint = "appointments/overview", input = Json)]
pub async fn appointment_overview(
    from: chrono::NaiveDate,
    days: u32,
    department_id: Option<DepartmentId>,
    doctor_id: Option<UserId>,
) -> Result<Overview, AppError> {
    use crate::context::OrInternal;
    use crate::entity::appointments;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use shared::appointments::{percent, AppointmentStatus, DoctorDay, OverviewDay};
    crate::audited::plain(
        || crate::auth::guard::require(shared::Permission::ManageSchedules),
        async |caller| {
            if !(1..=31).contains(&days) {
                return Err(AppError::field("days", "Show between 1 and 31 days."));
            }
            let (db, tz) = (&caller.ctx.db, caller.ctx.timezone);
            let to = from + chrono::Duration::days(i64::from(days) - 1);
            let local_midnight = |d: chrono::NaiveDate| {
                super::slots::bound_to_utc(tz, d.and_time(chrono::NaiveTime::MIN))
            };
            let (start, end) = (
                local_midnight(from),
                local_midnight(to + chrono::Duration::days(1)),
            );
            let doctors =
                doctors_of(db, department_id.map(Into::into), doctor_id.map(Into::into)).await?;
            let ids: Vec<uuid::Uuid> = doctors.iter().map(|d| d.id).collect();
            let rows = appointments::Entity::find()
                .filter(appointments::Column::DoctorId.is_in(ids))
                .filter(appointments::Column::StartsAt.gte(start))
                .filter(appointments::Column::StartsAt.lt(end))
                .order_by_asc(appointments::Column::StartsAt)
                .all(db)
                .await
                .or_internal()?;
            let views = super::service::views(db, tz, rows).await?;
            let now = caller.now();
            let due: Vec<_> = views
                .iter()
                .filter(|a| a.start < now && a.status != AppointmentStatus::Cancelled)
                .collect();
            let no_shows = due
                .iter()
                .filter(|a| a.status == AppointmentStatus::NoShow)
                .count();
            let mut capacity = std::collections::HashMap::new();
            for d in &doctors {
                for s in super::service::doctor_capacity(db, tz, d.id, from, to).await? {
                    let day = s.start.with_timezone(&tz).date_naive();
                    *capacity.entry((d.id, day)).or_insert(0i64) += (s.end - s.start).num_minutes();
                }
            }
            let (mut offered, mut booked) = (0i64, 0i64);
            let mut out = Vec::new();
            let mut date = from;
            while date <= to {
                let mut list = Vec::new();
                for d in &doctors {
                    let appointments: Vec<_> = views
                        .iter()
                        .filter(|a| {
                            a.doctor_id == d.id && a.start.with_timezone(&tz).date_naive() == date
                        })
                        .cloned()
                        .collect();
                    let capacity_minutes = capacity.get(&(d.id, date)).copied().unwrap_or(0);
                    let booked_minutes: i64 = appointments
                        .iter()
                        .filter(|a| a.status != AppointmentStatus::Cancelled)
                        .map(|a| (a.end - a.start).num_minutes())
                        .sum();
                    offered += capacity_minutes;
                    booked += booked_minutes.min(capacity_minutes);
                    list.push(DoctorDay {
                        doctor_id: d.id.into(),
                        doctor_name: d.display_name.clone(),
                        appointments,
                        capacity_minutes,
                        booked_minutes,
                    });
                }
                out.push(OverviewDay {
                    date,
                    label: date.format("%a %-d %b %Y").to_string(),
                    doctors: list,
                });
                date += chrono::Duration::days(1);
            }
            Ok(Overview {
                days: out,
                appointments: views
                    .iter()
                    .filter(|a| a.status != AppointmentStatus::Cancelled)
                    .count(),
                utilisation_percent: percent(booked, offered),
                no_show_percent: percent(no_shows as i64, due.len() as i64),
                no_shows,
                timezone: tz.name().to_string(),
            })
        },
    )
    .await
}
crate::access!(
    "appointments/overview",
    AnyOf(&[ManageSchedules]),
    no_patient_data
);

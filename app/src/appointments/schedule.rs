//! Server functions that manage the schedule: departments and specialties,
//! doctors' directory profiles, weekly templates, leave and extra hours, and
//! the hospital's holidays. Administrators manage everything; doctors manage
//! their own availability. Every change is audited in its transaction.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::ids::{DepartmentId, ExceptionId, TemplateBlockId, UserId};
use shared::schedule::{
    AvailabilityView, Department, ExceptionForm, Holiday, HolidayForm, ProfileForm, TemplateForm,
};
use shared::AppError;
use uuid::Uuid;

#[cfg(feature = "ssr")]
pub mod ssr {
    use sea_orm::{DatabaseTransaction, EntityTrait};
    use shared::{AppError, Permission};
    use uuid::Uuid;

    use crate::auth::guard::{authenticate_active, deny, Caller};
    use crate::context::OrInternal;

    /// The caller, when they may change `doctor_id`'s availability (an
    /// administrator, or that doctor). Also checks `doctor_id` is a doctor.
    pub async fn availability_manager(doctor_id: Uuid) -> Result<Caller, AppError> {
        let caller = authenticate_active().await?;
        let own = caller.can(Permission::ManageOwnAvailability) && caller.user.id == doctor_id;
        if !own && !caller.can(Permission::ManageSchedules) {
            deny(&caller, "availability of another doctor").await?;
            return Err(AppError::Forbidden);
        }
        a_doctor(&caller, doctor_id).await?;
        Ok(caller)
    }

    /// Refuses an id that is not a doctor's (active or not).
    pub async fn a_doctor(caller: &Caller, doctor_id: Uuid) -> Result<(), AppError> {
        let doctor = crate::entity::users::Entity::find_by_id(doctor_id)
            .one(&caller.ctx.db)
            .await
            .or_internal()?
            .filter(|u| u.role == shared::Role::Doctor);
        doctor
            .map(drop)
            .ok_or_else(|| AppError::NotFound("The doctor".into()))
    }

    /// One audited change on [`crate::audited::write`]: the change answers
    /// its value, the id of the row it made or changed, and the detail.
    pub async fn change<T>(
        guard: impl AsyncFnOnce() -> Result<Caller, AppError>,
        action: &'static str,
        entity: &'static str,
        change: impl AsyncFnOnce(&Caller, &DatabaseTransaction) -> Result<(T, Uuid, String), AppError>,
    ) -> Result<T, AppError> {
        crate::audited::write(guard, async |caller, txn| {
            let (value, id, detail) = change(caller, txn).await?;
            Ok((
                value,
                caller.event(action).entity(entity, id).detail(detail),
            ))
        })
        .await
    }

    pub async fn admin() -> Result<Caller, AppError> {
        crate::auth::guard::require(Permission::ManageSchedules).await
    }

    /// Departments with their specialties, by name.
    pub async fn departments(
        db: &impl sea_orm::ConnectionTrait,
    ) -> Result<Vec<shared::schedule::Department>, AppError> {
        use crate::entity::{departments, specialties};
        use sea_orm::QueryOrder;
        let specs = specialties::Entity::find()
            .order_by_asc(specialties::Column::Name)
            .all(db)
            .await
            .or_internal()?;
        Ok(departments::Entity::find()
            .order_by_asc(departments::Column::Name)
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|d| shared::schedule::Department {
                specialties: specs
                    .iter()
                    .filter(|s| s.department_id == d.id)
                    .map(|s| shared::schedule::Specialty {
                        id: s.id,
                        name: s.name.clone(),
                    })
                    .collect(),
                id: d.id.into(),
                name: d.name,
            })
            .collect())
    }

    /// A name that is not blank and not too long.
    pub fn name(input: &str, field: &str, what: &str) -> Result<String, AppError> {
        shared::validate::bounded_text(input, 100, what)
            .and_then(|n| {
                if n.is_empty() {
                    Err(format!("Enter the {what}."))
                } else {
                    Ok(n)
                }
            })
            .map_err(|m| AppError::field(field, m))
    }

    pub fn taken(e: sea_orm::DbErr, field: &str, message: &str) -> AppError {
        if crate::context::is_unique_violation(&e) {
            AppError::field(field, message)
        } else {
            crate::context::internal(e)
        }
    }
}

/// Departments and their specialties (anyone signed in: patients choose from them).
#[server(endpoint = "schedule/departments", input = Json)]
pub async fn departments() -> Result<Vec<Department>, AppError> {
    crate::audited::plain(crate::auth::guard::authenticate_active, async |caller| {
        ssr::departments(&caller.ctx.db).await
    })
    .await
}
crate::access!("schedule/departments", SignedIn, no_patient_data);

/// Creates a department, or renames one (`id`).
#[server(endpoint = "schedule/save_department", input = Json)]
pub async fn save_department(
    id: Option<DepartmentId>,
    name: String,
) -> Result<DepartmentId, AppError> {
    use crate::context::OrInternal;
    use crate::entity::departments;
    use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
    ssr::change(
        ssr::admin,
        "schedule.department",
        "department",
        async |caller, txn| {
            let name = ssr::name(&name, "name", "department's name")?;
            let row = match id {
                Some(id) => {
                    let mut row = departments::Entity::find_by_id(id)
                        .one(txn)
                        .await
                        .or_internal()?
                        .ok_or_else(|| AppError::NotFound("The department".into()))?
                        .into_active_model();
                    row.name = Set(name.clone());
                    row.update(txn).await
                }
                None => {
                    departments::ActiveModel {
                        id: Set(Uuid::new_v4()),
                        name: Set(name.clone()),
                        created_at: Set(caller.now()),
                    }
                    .insert(txn)
                    .await
                }
            }
            .map_err(|e| ssr::taken(e, "name", "A department with this name exists."))?;
            Ok((DepartmentId::from(row.id), row.id, name))
        },
    )
    .await
}
crate::access!(
    "schedule/save_department",
    AnyOf(&[ManageSchedules]),
    no_patient_data
);

/// Adds a specialty to a department.
#[server(endpoint = "schedule/add_specialty", input = Json)]
pub async fn add_specialty(department_id: DepartmentId, name: String) -> Result<Uuid, AppError> {
    use crate::context::OrInternal;
    use crate::entity::{departments, specialties};
    use sea_orm::{ActiveModelTrait, EntityTrait, Set};
    ssr::change(
        ssr::admin,
        "schedule.specialty",
        "specialty",
        async |_, txn| {
            let name = ssr::name(&name, "specialty", "specialty's name")?;
            departments::Entity::find_by_id(department_id)
                .one(txn)
                .await
                .or_internal()?
                .ok_or_else(|| AppError::NotFound("The department".into()))?;
            let row = specialties::ActiveModel {
                id: Set(Uuid::new_v4()),
                name: Set(name.clone()),
                department_id: Set(department_id.into()),
            }
            .insert(txn)
            .await
            .map_err(|e| ssr::taken(e, "specialty", "This specialty exists already."))?;
            Ok((row.id, row.id, name))
        },
    )
    .await
}
crate::access!(
    "schedule/add_specialty",
    AnyOf(&[ManageSchedules]),
    no_patient_data
);

/// A doctor's directory profile as the form edits it.
#[server(endpoint = "schedule/profile", input = Json)]
pub async fn profile(doctor_id: UserId) -> Result<ProfileForm, AppError> {
    use crate::context::OrInternal;
    use sea_orm::EntityTrait;
    crate::audited::plain(
        || ssr::availability_manager(doctor_id.into()),
        async |caller| {
            let p = crate::entity::doctor_profiles::Entity::find_by_id(doctor_id)
                .one(&caller.ctx.db)
                .await
                .or_internal()?;
            let id = |v: Option<Uuid>| v.map(|v| v.to_string()).unwrap_or_default();
            Ok(p.map(|p| ProfileForm {
                department_id: id(p.department_id),
                specialty_id: id(p.specialty_id),
                languages: p.languages.unwrap_or_default(),
                contact_phone: p.contact_phone.unwrap_or_default(),
            })
            .unwrap_or_default())
        },
    )
    .await
}
crate::access!(
    "schedule/profile",
    AnyOf(&[ManageSchedules, ManageOwnAvailability]),
    no_patient_data
);

/// Saves a doctor's department, specialty, languages and staff contact number
/// (administrators).
#[server(endpoint = "schedule/save_profile", input = Json)]
pub async fn save_profile(doctor_id: UserId, form: ProfileForm) -> Result<(), AppError> {
    use crate::context::OrInternal;
    use crate::entity::{doctor_profiles, specialties};
    use sea_orm::sea_query::OnConflict;
    use sea_orm::{EntityTrait, Set};
    ssr::change(
        ssr::admin,
        "schedule.profile",
        "doctor",
        async |caller, txn| {
            ssr::a_doctor(caller, doctor_id.into()).await?;
            let mut errors = shared::error::FieldErrors::new();
            let uuid_or_none = |s: &str| -> Result<Option<Uuid>, String> {
                match s.trim() {
                    "" => Ok(None),
                    s => s
                        .parse()
                        .map(Some)
                        .map_err(|_| "Choose from the list.".into()),
                }
            };
            let department_id = errors.check("department_id", uuid_or_none(&form.department_id));
            let specialty_id = errors.check("specialty_id", uuid_or_none(&form.specialty_id));
            let languages = errors.check(
                "languages",
                shared::validate::bounded_text(&form.languages, 200, "languages"),
            );
            let phone = errors.check(
                "contact_phone",
                match form.contact_phone.trim() {
                    "" => Ok(None),
                    p => shared::validate::Phone::parse(p).map(|p| Some(p.into_inner())),
                },
            );
            errors.finish()?;
            let (department_id, specialty_id) = (department_id.flatten(), specialty_id.flatten());
            if let Some(d) = department_id {
                crate::entity::departments::Entity::find_by_id(d)
                    .one(txn)
                    .await
                    .or_internal()?
                    .ok_or_else(|| AppError::field("department_id", "Choose from the list."))?;
            }
            if let Some(s) = specialty_id {
                let spec = specialties::Entity::find_by_id(s)
                    .one(txn)
                    .await
                    .or_internal()?
                    .ok_or_else(|| AppError::field("specialty_id", "Choose from the list."))?;
                if Some(spec.department_id) != department_id {
                    return Err(AppError::field(
                        "specialty_id",
                        "This specialty belongs to another department.",
                    ));
                }
            }
            let row = doctor_profiles::ActiveModel {
                user_id: Set(doctor_id.into()),
                department_id: Set(department_id),
                specialty_id: Set(specialty_id),
                languages: Set(languages.filter(|l| !l.is_empty())),
                contact_phone: Set(phone.flatten()),
                updated_at: Set(caller.now()),
            };
            use doctor_profiles::Column as C;
            doctor_profiles::Entity::insert(row)
                .on_conflict(
                    OnConflict::column(C::UserId)
                        .update_columns([
                            C::DepartmentId,
                            C::SpecialtyId,
                            C::Languages,
                            C::ContactPhone,
                            C::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await
                .or_internal()?;
            Ok(((), doctor_id.uuid(), "profile".to_string()))
        },
    )
    .await
}
crate::access!(
    "schedule/save_profile",
    AnyOf(&[ManageSchedules]),
    no_patient_data
);

/// A doctor's weekly template and their exceptions from today on.
#[server(endpoint = "schedule/availability", input = Json)]
pub async fn availability(doctor_id: UserId) -> Result<AvailabilityView, AppError> {
    use crate::context::OrInternal;
    use crate::entity::{availability_exceptions as ex, availability_templates as tpl, users};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    use shared::schedule::{ExceptionView, TemplateBlockView};
    crate::audited::plain(
        || ssr::availability_manager(doctor_id.into()),
        async |caller| {
            let db = &caller.ctx.db;
            let doctor = users::Entity::find_by_id(doctor_id)
                .one(db)
                .await
                .or_internal()?
                .ok_or(AppError::Internal)?;
            let templates = tpl::Entity::find()
                .filter(tpl::Column::DoctorId.eq(doctor_id))
                .order_by_asc(tpl::Column::Weekday)
                .order_by_asc(tpl::Column::StartTime)
                .all(db)
                .await
                .or_internal()?
                .into_iter()
                .map(|t| TemplateBlockView {
                    id: t.id.into(),
                    weekday: u8::try_from(t.weekday).unwrap_or(0),
                    start: t.start_time,
                    end: t.end_time,
                    slot_minutes: u32::try_from(t.slot_minutes).unwrap_or(0),
                })
                .collect();
            let today = caller
                .now()
                .with_timezone(&caller.ctx.timezone)
                .date_naive()
                .format("%Y-%m-%dT00:00")
                .to_string();
            let exceptions = ex::Entity::find()
                .filter(ex::Column::DoctorId.eq(doctor_id))
                .filter(ex::Column::EndsLocal.gt(today))
                .order_by_asc(ex::Column::StartsLocal)
                .all(db)
                .await
                .or_internal()?
                .into_iter()
                .map(|e| ExceptionView {
                    id: e.id.into(),
                    kind: e.kind,
                    starts: e.starts_local,
                    ends: e.ends_local,
                    slot_minutes: e.slot_minutes.and_then(|m| u32::try_from(m).ok()),
                    reason: e.reason,
                })
                .collect();
            Ok(AvailabilityView {
                doctor_id,
                doctor_name: doctor.display_name,
                templates,
                exceptions,
                timezone: caller.ctx.timezone.name().to_string(),
            })
        },
    )
    .await
}
crate::access!(
    "schedule/availability",
    AnyOf(&[ManageSchedules, ManageOwnAvailability]),
    no_patient_data
);

/// Adds a block to a doctor's weekly template; blocks on one day may not overlap.
#[server(endpoint = "schedule/add_template", input = Json)]
pub async fn add_template(
    doctor_id: UserId,
    form: TemplateForm,
) -> Result<TemplateBlockId, AppError> {
    use crate::context::OrInternal;
    use crate::entity::availability_templates as tpl;
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, Set};
    let guard = async || ssr::availability_manager(doctor_id.into()).await;
    ssr::change(
        guard,
        "schedule.template.add",
        "availability_template",
        async |_, txn| {
            let block = form.parse()?;
            let same_day = tpl::Entity::find()
                .filter(tpl::Column::DoctorId.eq(doctor_id))
                .filter(tpl::Column::Weekday.eq(i16::from(block.weekday)))
                .all(txn)
                .await
                .or_internal()?;
            block.check_no_overlap(
                same_day
                    .iter()
                    .map(|t| (t.start_time.as_str(), t.end_time.as_str())),
            )?;
            let (start, end) = block.stored_times();
            let row = tpl::ActiveModel {
                id: Set(Uuid::new_v4()),
                doctor_id: Set(doctor_id.into()),
                weekday: Set(i16::from(block.weekday)),
                start_time: Set(start.clone()),
                end_time: Set(end.clone()),
                slot_minutes: Set(i32::try_from(block.slot_minutes).or_internal()?),
            }
            .insert(txn)
            .await
            .or_internal()?;
            let detail = format!(
                "doctor {doctor_id}: {} {start}–{end}, {} min",
                shared::schedule::weekday_name(block.weekday),
                block.slot_minutes
            );
            Ok((TemplateBlockId::from(row.id), row.id, detail))
        },
    )
    .await
}
crate::access!(
    "schedule/add_template",
    AnyOf(&[ManageSchedules, ManageOwnAvailability]),
    no_patient_data
);

/// Removes a block from a weekly template. Booked appointments stay booked.
#[server(endpoint = "schedule/remove_template", input = Json)]
pub async fn remove_template(id: TemplateBlockId) -> Result<(), AppError> {
    use crate::entity::availability_templates as tpl;
    let (what, action) = ("The template block", "schedule.template.remove");
    remove_owned::<tpl::Entity>(id.into(), what, action, "availability_template", |t| {
        let day = shared::schedule::weekday_name(u8::try_from(t.weekday).unwrap_or(0));
        (
            t.doctor_id,
            format!(
                "doctor {}: {day} {}–{}",
                t.doctor_id, t.start_time, t.end_time
            ),
        )
    })
    .await
}
crate::access!(
    "schedule/remove_template",
    AnyOf(&[ManageSchedules, ManageOwnAvailability]),
    no_patient_data
);

/// Deletes a row of a doctor's availability (`describe` names its doctor and
/// the audit detail) when the caller may manage that doctor's availability.
#[cfg(feature = "ssr")]
async fn remove_owned<E>(
    id: Uuid,
    what: &'static str,
    action: &'static str,
    entity: &'static str,
    describe: fn(&E::Model) -> (Uuid, String),
) -> Result<(), AppError>
where
    E: sea_orm::EntityTrait,
    E::Model: Sync,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    use crate::context::OrInternal;
    let (doctor_id, detail) = match owner_of(E::find_by_id(id), what).await {
        Ok(row) => describe(&row),
        Err(e) => return crate::context::reply(Err(e)),
    };
    let guard = async || ssr::availability_manager(doctor_id).await;
    ssr::change(guard, action, entity, async |_, txn| {
        E::delete_by_id(id).exec(txn).await.or_internal()?;
        Ok(((), id, detail))
    })
    .await
}

/// Loads a row to change before the guard runs (the guard needs its doctor).
#[cfg(feature = "ssr")]
async fn owner_of<E: sea_orm::EntityTrait>(
    find: sea_orm::Select<E>,
    what: &str,
) -> Result<E::Model, AppError> {
    use crate::context::OrInternal;
    // Signed-in callers only: nobody else learns which ids exist.
    let caller = crate::auth::guard::authenticate_active().await?;
    find.one(&caller.ctx.db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound(what.into()))
}

/// Adds leave or extra hours for a doctor. Answers how many booked
/// appointments fall into new leave (they stay booked: reschedule them).
#[server(endpoint = "schedule/add_exception", input = Json)]
pub async fn add_exception(doctor_id: UserId, form: ExceptionForm) -> Result<u64, AppError> {
    use crate::context::OrInternal;
    use crate::entity::{appointments, availability_exceptions as ex};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
    use shared::schedule::ExceptionKind;
    let guard = async || ssr::availability_manager(doctor_id.into()).await;
    ssr::change(
        guard,
        "schedule.exception.add",
        "availability_exception",
        async |caller, txn| {
            let e = form.parse()?;
            let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M").to_string();
            let row = ex::ActiveModel {
                id: Set(Uuid::new_v4()),
                doctor_id: Set(doctor_id.into()),
                kind: Set(e.kind),
                starts_local: Set(fmt(e.starts)),
                ends_local: Set(fmt(e.ends)),
                slot_minutes: Set(e
                    .slot_minutes
                    .map(i32::try_from)
                    .transpose()
                    .or_internal()?),
                reason: Set(e.reason.clone()),
            }
            .insert(txn)
            .await
            .or_internal()?;
            let affected = if e.kind == ExceptionKind::Unavailable {
                let tz = caller.ctx.timezone;
                let from = super::slots::bound_to_utc(tz, e.starts);
                let to = super::slots::bound_to_utc(tz, e.ends);
                appointments::Entity::find()
                    .filter(appointments::Column::DoctorId.eq(doctor_id))
                    .filter(
                        appointments::Column::Status
                            .eq(shared::appointments::AppointmentStatus::Booked),
                    )
                    .filter(appointments::Column::StartsAt.lt(to))
                    .filter(appointments::Column::EndsAt.gt(from))
                    .count(txn)
                    .await
                    .or_internal()?
            } else {
                0
            };
            let detail = format!(
                "doctor {doctor_id}: {} {} to {}",
                e.kind.as_str(),
                fmt(e.starts),
                fmt(e.ends)
            );
            Ok((affected, row.id, detail))
        },
    )
    .await
}
crate::access!(
    "schedule/add_exception",
    AnyOf(&[ManageSchedules, ManageOwnAvailability]),
    no_patient_data
);

/// Removes leave or extra hours.
#[server(endpoint = "schedule/remove_exception", input = Json)]
pub async fn remove_exception(id: ExceptionId) -> Result<(), AppError> {
    use crate::entity::availability_exceptions as ex;
    let (what, action) = ("The exception", "schedule.exception.remove");
    remove_owned::<ex::Entity>(id.into(), what, action, "availability_exception", |e| {
        (
            e.doctor_id,
            format!(
                "doctor {}: {} {} to {}",
                e.doctor_id,
                e.kind.as_str(),
                e.starts_local,
                e.ends_local
            ),
        )
    })
    .await
}
crate::access!(
    "schedule/remove_exception",
    AnyOf(&[ManageSchedules, ManageOwnAvailability]),
    no_patient_data
);

/// The hospital's holidays from a year ago on.
#[server(endpoint = "schedule/holidays", input = Json)]
pub async fn holidays() -> Result<Vec<Holiday>, AppError> {
    use crate::context::OrInternal;
    use crate::entity::holidays;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    crate::audited::plain(crate::auth::guard::authenticate_active, async |caller| {
        let since = caller.now().date_naive() - chrono::Duration::days(365);
        Ok(holidays::Entity::find()
            .filter(holidays::Column::Day.gte(since))
            .order_by_asc(holidays::Column::Day)
            .all(&caller.ctx.db)
            .await
            .or_internal()?
            .into_iter()
            .map(|h| Holiday {
                day: h.day,
                name: h.name,
            })
            .collect())
    })
    .await
}
crate::access!("schedule/holidays", SignedIn, no_patient_data);

/// Adds a hospital-wide holiday: no template slots that day.
#[server(endpoint = "schedule/add_holiday", input = Json)]
pub async fn add_holiday(form: HolidayForm) -> Result<(), AppError> {
    use crate::entity::holidays;
    use sea_orm::{ActiveModelTrait, Set};
    ssr::change(
        ssr::admin,
        "schedule.holiday.add",
        "holiday",
        async |_, txn| {
            let h = form.parse()?;
            holidays::ActiveModel {
                day: Set(h.day),
                name: Set(h.name.clone()),
            }
            .insert(txn)
            .await
            .map_err(|e| ssr::taken(e, "day", "This day is a holiday already."))?;
            Ok(((), Uuid::nil(), format!("{} {}", h.day, h.name)))
        },
    )
    .await
}
crate::access!(
    "schedule/add_holiday",
    AnyOf(&[ManageSchedules]),
    no_patient_data
);

/// Removes a holiday.
#[server(endpoint = "schedule/remove_holiday", input = Json)]
pub async fn remove_holiday(day: chrono::NaiveDate) -> Result<(), AppError> {
    use crate::context::OrInternal;
    use crate::entity::holidays;
    use sea_orm::EntityTrait;
    ssr::change(
        ssr::admin,
        "schedule.holiday.remove",
        "holiday",
        async |_, txn| {
            let done = holidays::Entity::delete_by_id(day)
                .exec(txn)
                .await
                .or_internal()?;
            if done.rows_affected == 0 {
                return Err(AppError::NotFound("The holiday".into()));
            }
            Ok(((), Uuid::nil(), day.to_string()))
        },
    )
    .await
}
crate::access!(
    "schedule/remove_holiday",
    AnyOf(&[ManageSchedules]),
    no_patient_data
);

//! Today's appointments for the clinic's home: the hospital's date (for a
//! doctor's own day list, `api::day_list`), and the front desk's arrivals
//! across every doctor's list.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};
use shared::appointments::AppointmentView;
use shared::AppError;

/// How many arrivals the front desk's tile lists.
pub const ARRIVALS_LISTED: u64 = 10;

/// Today's appointments at the front desk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TodaysArrivals {
    /// Today, in the hospital's time zone.
    pub date: chrono::NaiveDate,
    /// Those not yet done (booked, checked in, with the doctor), soonest
    /// first, at most [`ARRIVALS_LISTED`].
    pub expected: Vec<AppointmentView>,
    /// Today's appointments, cancelled ones aside.
    pub total: u64,
    /// Of those, the patients checked in and waiting.
    pub checked_in: u64,
}

/// Today's date in the hospital's time zone, for asking for today's list.
#[server(endpoint = "appointments/today", input = Json)]
pub async fn hospital_today() -> Result<chrono::NaiveDate, AppError> {
    crate::audited::plain(
        || crate::auth::guard::require(shared::Permission::ViewDayLists),
        async |caller| Ok(shared::time::HospitalTime::today(caller)),
    )
    .await
}
crate::access!(
    "appointments/today",
    AnyOf(&[ViewDayLists]),
    no_patient_data
);

/// Today's arrivals at every doctor: who is expected next, and how many
/// are checked in. A list of many patients, audited like the patient
/// search: one event with the date and the numbers, naming no patient.
#[server(endpoint = "appointments/arrivals", input = Json)]
pub async fn arrivals() -> Result<TodaysArrivals, AppError> {
    use crate::appointments::slots::bound_to_utc;
    use crate::context::OrInternal;
    use crate::entity::appointments::{Column, Entity};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
    use shared::appointments::AppointmentStatus::{Booked, Cancelled, CheckedIn, InProgress};
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::BookAppointments),
        async |caller| {
            let (db, tz) = (&caller.ctx.db, caller.ctx.timezone);
            let date = shared::time::HospitalTime::today(caller);
            let midnight =
                |d: chrono::NaiveDate| bound_to_utc(tz, d.and_time(chrono::NaiveTime::MIN));
            let (start, end) = (midnight(date), midnight(date + chrono::Duration::days(1)));
            let today = || {
                Entity::find()
                    .filter(Column::StartsAt.gte(start))
                    .filter(Column::StartsAt.lt(end))
            };
            let total = today()
                .filter(Column::Status.ne(Cancelled))
                .count(db)
                .await
                .or_internal()?;
            let checked_in = today()
                .filter(Column::Status.eq(CheckedIn))
                .count(db)
                .await
                .or_internal()?;
            let rows = today()
                .filter(Column::Status.is_in([Booked, CheckedIn, InProgress]))
                .order_by_asc(Column::StartsAt)
                .limit(ARRIVALS_LISTED)
                .all(db)
                .await
                .or_internal()?;
            let expected = super::service::views(db, tz, rows).await?;
            let event = caller.event("appointments.arrivals").detail(format!(
                "{date}: {} listed of {total}, {checked_in} checked in",
                expected.len()
            ));
            Ok((
                TodaysArrivals {
                    date,
                    expected,
                    total,
                    checked_in,
                },
                event,
            ))
        },
    )
    .await
}
crate::access!(
    "appointments/arrivals",
    AnyOf(&[BookAppointments]),
    patient_data
);

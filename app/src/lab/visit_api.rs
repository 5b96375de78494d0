//! Server functions for sample collection visits: the laboratory's hours
//! (administrators), its free slots, the patient's booking, and the day's
//! visits for the laboratory.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::appointments::FreeSlot;
use shared::ids::{LabOrderId, LabVisitId};
use shared::lab_visits::{DayVisit, HoursForm, HoursView, VisitOutcome, VisitView};
use shared::AppError;

/// The laboratory's collection hours, for the booking page and the
/// administrator.
#[server(endpoint = "lab/collection_hours", input = Json)]
pub async fn collection_hours() -> Result<Vec<HoursView>, AppError> {
    use crate::auth::guard::authenticate_active;
    crate::audited::plain(authenticate_active, async |caller| {
        super::visits::hours(&caller.ctx.db).await
    })
    .await
}
crate::access!("lab/collection_hours", SignedIn, no_patient_data);

/// An administrator adds a block of collection hours.
#[server(endpoint = "lab/add_collection_hours", input = Json)]
pub async fn add_collection_hours(form: HoursForm) -> Result<HoursView, AppError> {
    use crate::auth::guard::require;
    let (block, capacity) = form.parse()?;
    crate::audited::write(
        || require(shared::Permission::ManageLab),
        async |caller, txn| {
            let view = super::visits::add_hours(txn, block, capacity).await?;
            let event = caller
                .event("lab.add_collection_hours")
                .entity("lab_collection_hours", view.id)
                .detail(format!(
                    "{} {}–{} every {} min, {} place(s)",
                    shared::schedule::weekday_name(view.weekday),
                    view.start,
                    view.end,
                    view.slot_minutes,
                    view.capacity
                ));
            Ok((view, event))
        },
    )
    .await
}
crate::access!(
    "lab/add_collection_hours",
    AnyOf(&[ManageLab]),
    no_patient_data
);

/// An administrator removes a block of collection hours; visits booked in
/// it stay booked.
#[server(endpoint = "lab/remove_collection_hours", input = Json)]
pub async fn remove_collection_hours(id: uuid::Uuid) -> Result<(), AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ManageLab),
        async |caller, txn| {
            super::visits::remove_hours(txn, id).await?;
            let event = caller
                .event("lab.remove_collection_hours")
                .entity("lab_collection_hours", id);
            Ok(((), event))
        },
    )
    .await
}
crate::access!(
    "lab/remove_collection_hours",
    AnyOf(&[ManageLab]),
    no_patient_data
);

/// The free collection slots of `days` days from `from` (local dates).
#[server(endpoint = "lab/collection_slots", input = Json)]
pub async fn collection_slots(
    from: chrono::NaiveDate,
    days: u32,
) -> Result<Vec<FreeSlot>, AppError> {
    use crate::auth::guard::authenticate_active;
    crate::audited::plain(authenticate_active, async |caller| {
        let to = shared::appointments::slot_search_end(from, days)?;
        super::visits::free(&caller.ctx.db, caller.ctx.timezone, caller.now(), from, to).await
    })
    .await
}
crate::access!("lab/collection_slots", SignedIn, no_patient_data);

/// The signed-in patient books (or moves) the visit for an order's samples.
/// A time taken meanwhile is answered with the next free ones.
#[server(endpoint = "lab/book_collection", input = Json)]
pub async fn book_collection(
    order_id: LabOrderId,
    start: chrono::DateTime<chrono::Utc>,
) -> Result<VisitOutcome, AppError> {
    use crate::audited::Outcome;
    use crate::auth::guard::require;
    let outcome = crate::audited::write(
        || require(shared::Permission::ViewOwnRecord),
        async |caller, txn| {
            let patient = caller.own_patient_id()?;
            super::orders::find(txn, order_id, Some(patient.uuid())).await?;
            let tz = caller.ctx.timezone;
            let booked = super::visits::book(
                txn,
                tz,
                caller.now(),
                patient.uuid(),
                order_id,
                start,
                caller.user.id.uuid(),
            )
            .await?;
            Ok(match booked {
                Some(visit) => {
                    let event = caller
                        .event("lab.book_collection")
                        .patient(patient)
                        .entity("lab_collection_visit", visit.id)
                        .detail(visit.starts_at.to_rfc3339());
                    Outcome::Done(VisitOutcome::Booked(visit), vec![event])
                }
                None => Outcome::Nothing(VisitOutcome::Taken {
                    message: "That time is no longer free. Choose one of these instead.".into(),
                    alternatives: Vec::new(),
                }),
            })
        },
    )
    .await?;
    match outcome {
        // Looked up after the rollback: the next free times from that day.
        VisitOutcome::Taken { message, .. } => {
            let alternatives = crate::context::reply(
                async {
                    let ctx = crate::state::server_context()?;
                    let tz = ctx.timezone;
                    let day = start.with_timezone(&tz).date_naive();
                    let free = super::visits::free(
                        &ctx.db,
                        tz,
                        ctx.clock.now(),
                        day,
                        day + chrono::Duration::days(13),
                    )
                    .await?;
                    Ok(free.into_iter().take(6).collect())
                }
                .await,
            )?;
            Ok(VisitOutcome::Taken {
                message,
                alternatives,
            })
        }
        booked => Ok(booked),
    }
}
crate::access!("lab/book_collection", AnyOf(&[ViewOwnRecord]), patient_data);

/// The signed-in patient cancels their collection visit.
#[server(endpoint = "lab/cancel_collection", input = Json)]
pub async fn cancel_collection(visit_id: LabVisitId) -> Result<VisitView, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ViewOwnRecord),
        async |caller, txn| {
            let patient = caller.own_patient_id()?;
            let view = super::visits::cancel(txn, patient.uuid(), visit_id, caller.now()).await?;
            let event = caller
                .event("lab.cancel_collection")
                .patient(patient)
                .entity("lab_collection_visit", visit_id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!(
    "lab/cancel_collection",
    AnyOf(&[ViewOwnRecord]),
    patient_data
);

/// The collection visits booked on a day (`YYYY-MM-DD`, the hospital's),
/// for the laboratory's technicians.
#[server(endpoint = "lab/collection_day", input = Json)]
pub async fn collection_day(day: String) -> Result<Vec<DayVisit>, AppError> {
    use crate::auth::guard::require_any;
    use shared::Permission::{VerifyResults, WorkLab};
    crate::audited::read(
        || require_any(&[WorkLab, VerifyResults]),
        async |caller| {
            let day = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d")
                .map_err(|_| AppError::field("day", "Choose the day."))?;
            let visits = super::visits::day(&caller.ctx.db, caller.ctx.timezone, day).await?;
            let event = caller
                .event("lab.collection_day")
                .detail(format!("{day}: {} visit(s)", visits.len()));
            Ok((visits, event))
        },
    )
    .await
}
crate::access!(
    "lab/collection_day",
    AnyOf(&[WorkLab, VerifyResults]),
    patient_data
);

//! Sample collection visits: the laboratory is a bookable place with its
//! own weekly hours (`lab_collection_hours`, several places per slot), and
//! a patient with tests to collect books a visit in one of its free slots.
//! The slots come from the scheduling module's computation
//! (`appointments::slots::free_slots`: local-time templates, the hospital's
//! holidays, daylight-saving days); a slot is free while fewer visits hold
//! it than it has places. The database decides the last place: a booked
//! visit holds a seat, unique per slot (see migration 27).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use shared::appointments::FreeSlot;
use shared::ids::{LabOrderId, LabVisitId};
use shared::lab::TestKind;
use shared::lab_visits::{DayVisit, HoursView, ToCollect, VisitStatus, VisitView};
use shared::lab_work::ItemStatus;
use shared::schedule::TemplateBlock as BlockForm;
use shared::AppError;
use uuid::Uuid;

use crate::appointments::slots::{free_slots, Availability, TemplateBlock};
use crate::context::OrInternal;
use crate::entity::{
    lab_collection_hours as hours, lab_collection_visits as visits, lab_order_items as items,
    lab_tests,
};

/// How far ahead a patient may book.
pub const BOOKING_DAYS: i64 = 28;

fn weekday(iso: u8) -> Option<Weekday> {
    Weekday::try_from(iso.checked_sub(1)?).ok()
}

fn view_of_hours(h: hours::Model) -> HoursView {
    HoursView {
        id: h.id,
        weekday: u8::try_from(h.weekday).unwrap_or(0),
        start: h.start_time,
        end: h.end_time,
        slot_minutes: u32::try_from(h.slot_minutes).unwrap_or(0),
        capacity: u32::try_from(h.capacity).unwrap_or(0),
    }
}

pub fn view_of(v: &visits::Model) -> VisitView {
    VisitView {
        id: v.id.into(),
        order_id: v.order_id.into(),
        starts_at: v.starts_at,
        ends_at: v.ends_at,
        status: v.status,
    }
}

/// The collection hours, by weekday and time.
pub async fn hours(db: &impl ConnectionTrait) -> Result<Vec<HoursView>, AppError> {
    Ok(hours::Entity::find()
        .order_by_asc(hours::Column::Weekday)
        .order_by_asc(hours::Column::StartTime)
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(view_of_hours)
        .collect())
}

/// Adds a block of hours; one overlapping another block of the same day is
/// refused on its start field.
pub async fn add_hours(
    db: &impl ConnectionTrait,
    block: BlockForm,
    capacity: u32,
) -> Result<HoursView, AppError> {
    let same_day = hours::Entity::find()
        .filter(hours::Column::Weekday.eq(i16::from(block.weekday)))
        .all(db)
        .await
        .or_internal()?;
    block.check_no_overlap(
        same_day
            .iter()
            .map(|h| (h.start_time.as_str(), h.end_time.as_str())),
    )?;
    let (start, end) = block.stored_times();
    let row = hours::ActiveModel {
        id: Set(Uuid::new_v4()),
        weekday: Set(i16::from(block.weekday)),
        start_time: Set(start),
        end_time: Set(end),
        slot_minutes: Set(i32::try_from(block.slot_minutes).or_internal()?),
        capacity: Set(i32::try_from(capacity).or_internal()?),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(view_of_hours(row))
}

/// Removes a block of hours. Visits already booked in it stay booked.
pub async fn remove_hours(db: &impl ConnectionTrait, id: Uuid) -> Result<(), AppError> {
    let removed = hours::Entity::delete_by_id(id)
        .exec(db)
        .await
        .or_internal()?;
    if removed.rows_affected == 0 {
        return Err(AppError::NotFound("Those hours".into()));
    }
    Ok(())
}

/// The free collection slots on the local days `from..=to`, after `now`.
pub async fn free(
    db: &impl ConnectionTrait,
    tz: Tz,
    now: DateTime<Utc>,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Vec<FreeSlot>, AppError> {
    let blocks = hours::Entity::find().all(db).await.or_internal()?;
    if blocks.is_empty() {
        return Ok(Vec::new());
    }
    let holidays = crate::appointments::service::holidays_between(db, from, to).await?;
    let (window_start, window_end) = crate::appointments::service::utc_window(from, to);
    let mut taken: HashMap<DateTime<Utc>, u32> = HashMap::new();
    for v in visits::Entity::find()
        .filter(visits::Column::Status.eq(VisitStatus::Booked))
        .filter(visits::Column::StartsAt.gte(window_start))
        .filter(visits::Column::StartsAt.lt(window_end))
        .all(db)
        .await
        .or_internal()?
    {
        *taken.entry(v.starts_at).or_default() += 1;
    }
    let mut out = Vec::new();
    for b in blocks {
        let template = [TemplateBlock {
            weekday: weekday(u8::try_from(b.weekday).or_internal()?)
                .ok_or_else(|| crate::context::internal("bad weekday"))?,
            start: NaiveTime::parse_from_str(&b.start_time, "%H:%M").or_internal()?,
            end: NaiveTime::parse_from_str(&b.end_time, "%H:%M").or_internal()?,
            slot_minutes: u32::try_from(b.slot_minutes).or_internal()?,
        }];
        let capacity = u32::try_from(b.capacity).or_internal()?;
        let availability = Availability {
            tz,
            template: &template,
            exceptions: &[],
            holidays: &holidays,
            booked: &[],
        };
        out.extend(
            free_slots(&availability, from, to)
                .into_iter()
                .filter(|s| s.start > now && taken.get(&s.start).copied().unwrap_or(0) < capacity)
                .map(|s| FreeSlot {
                    start: s.start,
                    end: s.end,
                }),
        );
    }
    out.sort_by_key(|s| s.start);
    out.dedup_by_key(|s| s.start);
    Ok(out)
}

/// The places of the slot starting at `start`, from the block it is in.
async fn capacity_at(
    db: &impl ConnectionTrait,
    tz: Tz,
    start: DateTime<Utc>,
) -> Result<u32, AppError> {
    let local = start.with_timezone(&tz);
    let iso =
        i16::try_from(chrono::Datelike::weekday(&local).number_from_monday()).or_internal()?;
    let time = local.format("%H:%M").to_string();
    let block = hours::Entity::find()
        .filter(hours::Column::Weekday.eq(iso))
        .filter(hours::Column::StartTime.lte(time.clone()))
        .filter(hours::Column::EndTime.gt(time))
        .one(db)
        .await
        .or_internal()?;
    Ok(block.map_or(0, |b| u32::try_from(b.capacity).unwrap_or(0)))
}

/// The order's tests that wait for a sample (laboratory tests not yet
/// collected).
async fn to_collect_items(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    order_id: Option<Uuid>,
) -> Result<Vec<(items::Model, lab_tests::Model)>, AppError> {
    let mut query = items::Entity::find()
        .filter(items::Column::PatientId.eq(patient_id))
        .filter(items::Column::Status.eq(ItemStatus::Ordered));
    if let Some(order_id) = order_id {
        query = query.filter(items::Column::OrderId.eq(order_id));
    }
    let rows = query
        .order_by_desc(items::Column::OrderedAt)
        .order_by_asc(items::Column::Id)
        .all(db)
        .await
        .or_internal()?;
    let tests = super::work::tests_by_id(db, rows.iter().map(|i| i.test_id)).await?;
    Ok(rows
        .into_iter()
        .filter_map(|i| {
            let t = tests.get(&i.test_id)?.clone();
            (t.kind == TestKind::Lab).then_some((i, t))
        })
        .collect())
}

/// The patient's orders with samples still to take, newest first, each
/// with its booked visit.
pub async fn to_collect(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<ToCollect>, AppError> {
    let pending = to_collect_items(db, patient_id, None).await?;
    let booked: HashMap<Uuid, visits::Model> = visits::Entity::find()
        .filter(visits::Column::PatientId.eq(patient_id))
        .filter(visits::Column::Status.eq(VisitStatus::Booked))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|v| (v.order_id, v))
        .collect();
    let mut out: Vec<ToCollect> = Vec::new();
    for (item, test) in pending {
        match out.iter_mut().find(|c| c.order_id.uuid() == item.order_id) {
            Some(c) => c.tests.push(test.name),
            None => out.push(ToCollect {
                order_id: item.order_id.into(),
                ordered_at: item.ordered_at,
                tests: vec![test.name],
                visit: booked.get(&item.order_id).map(view_of),
            }),
        }
    }
    Ok(out)
}

/// Books a visit for the order at `start` (one of the free slots), moving
/// the order's visit if it had one. `Ok(None)`: the slot is not free or
/// was taken at the same moment (the caller rolls back and offers others).
pub async fn book(
    txn: &impl ConnectionTrait,
    tz: Tz,
    now: DateTime<Utc>,
    patient_id: Uuid,
    order_id: LabOrderId,
    start: DateTime<Utc>,
    booked_by: Uuid,
) -> Result<Option<VisitView>, AppError> {
    if to_collect_items(txn, patient_id, Some(order_id.uuid()))
        .await?
        .is_empty()
    {
        return Err(AppError::Conflict(
            "Nothing of this order is left to collect.".into(),
        ));
    }
    let day = start.with_timezone(&tz).date_naive();
    let Some(slot) = free(txn, tz, now, day, day)
        .await?
        .into_iter()
        .find(|s| s.start == start)
    else {
        return Ok(None);
    };
    let capacity = capacity_at(txn, tz, start).await?;
    let held: Vec<i32> = visits::Entity::find()
        .filter(visits::Column::StartsAt.eq(start))
        .filter(visits::Column::Status.eq(VisitStatus::Booked))
        .all(txn)
        .await
        .or_internal()?
        .into_iter()
        .map(|v| v.seat)
        .collect();
    let Some(seat) = (1..=i32::try_from(capacity).or_internal()?).find(|s| !held.contains(s))
    else {
        return Ok(None);
    };
    // A visit already booked for the order is moved: cancelled, then the new one.
    visits::Entity::update_many()
        .col_expr(
            visits::Column::Status,
            VisitStatus::Cancelled.as_str().into(),
        )
        .col_expr(visits::Column::CancelledAt, Some(now).into())
        .filter(visits::Column::OrderId.eq(order_id.uuid()))
        .filter(visits::Column::Status.eq(VisitStatus::Booked))
        .exec(txn)
        .await
        .or_internal()?;
    let inserted = visits::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(patient_id),
        order_id: Set(order_id.uuid()),
        starts_at: Set(slot.start),
        ends_at: Set(slot.end),
        seat: Set(seat),
        status: Set(VisitStatus::Booked),
        booked_by: Set(booked_by),
        created_at: Set(now),
        cancelled_at: Set(None),
    }
    .insert(txn)
    .await;
    match inserted {
        Ok(row) => Ok(Some(view_of(&row))),
        // Another booking took the seat between the read and the insert.
        Err(e) if crate::context::is_unique_violation(&e) => Ok(None),
        Err(e) => Err(crate::context::internal(e)),
    }
}

/// Cancels the patient's booked visit.
pub async fn cancel(
    txn: &impl ConnectionTrait,
    patient_id: Uuid,
    id: LabVisitId,
    now: DateTime<Utc>,
) -> Result<VisitView, AppError> {
    let row = visits::Entity::find_by_id(id.uuid())
        .one(txn)
        .await
        .or_internal()?
        .filter(|v| v.patient_id == patient_id)
        .ok_or_else(|| AppError::NotFound("The visit".into()))?;
    if row.status != VisitStatus::Booked {
        return Err(AppError::Conflict(format!(
            "This visit is already {}.",
            row.status.label().to_lowercase()
        )));
    }
    let mut active: visits::ActiveModel = row.into();
    active.status = Set(VisitStatus::Cancelled);
    active.cancelled_at = Set(Some(now));
    let row = active.update(txn).await.or_internal()?;
    Ok(view_of(&row))
}

/// The order's samples were taken: its booked visit was attended.
pub async fn attended(txn: &impl ConnectionTrait, order_id: Uuid) -> Result<(), AppError> {
    visits::Entity::update_many()
        .col_expr(
            visits::Column::Status,
            VisitStatus::Attended.as_str().into(),
        )
        .filter(visits::Column::OrderId.eq(order_id))
        .filter(visits::Column::Status.eq(VisitStatus::Booked))
        .exec(txn)
        .await
        .or_internal()?;
    Ok(())
}

/// The visits booked on a local day, in time order, for the laboratory.
pub async fn day(
    db: &impl ConnectionTrait,
    tz: Tz,
    day: NaiveDate,
) -> Result<Vec<DayVisit>, AppError> {
    use crate::appointments::slots::bound_to_utc;
    let from = bound_to_utc(tz, day.and_time(NaiveTime::MIN));
    let to = bound_to_utc(tz, day.succ_opt().unwrap_or(day).and_time(NaiveTime::MIN));
    let rows = visits::Entity::find()
        .filter(visits::Column::Status.eq(VisitStatus::Booked))
        .filter(visits::Column::StartsAt.gte(from))
        .filter(visits::Column::StartsAt.lt(to))
        .order_by_asc(visits::Column::StartsAt)
        .order_by_asc(visits::Column::Seat)
        .all(db)
        .await
        .or_internal()?;
    let who = super::work::filing_names(db, rows.iter().map(|v| v.patient_id)).await?;
    let mut out = Vec::with_capacity(rows.len());
    for v in rows {
        let tests = to_collect_items(db, v.patient_id, Some(v.order_id))
            .await?
            .into_iter()
            .map(|(_, t)| t.name)
            .collect();
        let (patient_name, mrn) = who.get(&v.patient_id).cloned().unwrap_or_default();
        out.push(DayVisit {
            visit: view_of(&v),
            patient_name,
            mrn,
            tests,
        });
    }
    Ok(out)
}

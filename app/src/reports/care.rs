//! The care report from the database: beds occupied at each midnight by
//! ward, admissions and discharges per day, the average length of stay,
//! and the emergency department's waits by triage level. Server-only.
//!
//! Days are the hospital's: a night is counted as `shared::beds::nights`
//! counts bed days (the patient in a bed at the midnight that ends the
//! day), an admission on the local day it happened. The rows read are the
//! report's days' own (stays overlapping them, admissions begun or ended
//! in them, visits that arrived in them).

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use shared::beds::{nights, AdmissionStatus};
use shared::care_reports::{percentile, CareReport, LevelWaits, WardOccupancy};
use shared::emergency::{EdDisposition, EsiLevel};
use shared::time::HospitalTime;
use shared::AppError;
use uuid::Uuid;

use crate::context::OrInternal;
use crate::entity::{admissions, bed_stays, ed_visits};

pub async fn care_report(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    tz: chrono_tz::Tz,
    at: &impl HospitalTime,
) -> Result<CareReport, AppError> {
    let days: Vec<NaiveDate> = from.iter_days().take_while(|d| *d <= to).collect();
    let index = |d: NaiveDate| -> Option<usize> {
        (d >= from && d <= to).then(|| (d - from).num_days() as usize)
    };
    let local_day = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    let start = at.start_of_day(from);
    let end = at.start_of_day(to.succ_opt().unwrap_or(to));
    let today = at.today();

    // Occupancy: every stay that overlaps the days, by the nights it covers.
    let wards = crate::beds::service::wards(db).await?;
    let mut occupied: HashMap<Uuid, Vec<u32>> = wards
        .iter()
        .map(|w| (w.id.uuid(), vec![0; days.len()]))
        .collect();
    let stays = bed_stays::Entity::find()
        .filter(bed_stays::Column::StartedAt.lt(end))
        .filter(
            Condition::any()
                .add(bed_stays::Column::EndedAt.is_null())
                .add(bed_stays::Column::EndedAt.gte(start)),
        )
        .all(db)
        .await
        .or_internal()?;
    for s in &stays {
        let Some(counts) = occupied.get_mut(&s.ward_id) else {
            continue;
        };
        for night in nights(local_day(s.started_at), s.ended_at.map(local_day), today) {
            if let Some(i) = index(night) {
                counts[i] += 1;
            }
        }
    }
    let wards: Vec<WardOccupancy> = wards
        .into_iter()
        .filter_map(|w| {
            let nights = occupied.remove(&w.id.uuid()).unwrap_or_default();
            let shown = w.active || nights.iter().any(|n| *n > 0);
            shown.then_some(WardOccupancy {
                occupied: nights,
                ward: w.name,
                beds: w.beds,
            })
        })
        .collect();

    // Admissions begun, and ended, on the days.
    let moved = admissions::Entity::find()
        .filter(
            Condition::any()
                .add(
                    Condition::all()
                        .add(admissions::Column::AdmittedAt.gte(start))
                        .add(admissions::Column::AdmittedAt.lt(end)),
                )
                .add(
                    Condition::all()
                        .add(admissions::Column::EndedAt.gte(start))
                        .add(admissions::Column::EndedAt.lt(end)),
                ),
        )
        .all(db)
        .await
        .or_internal()?;
    let mut admitted = vec![0u32; days.len()];
    let mut discharged = vec![0u32; days.len()];
    let mut lengths = Vec::new();
    for a in &moved {
        if let Some(i) = index(local_day(a.admitted_at)) {
            admitted[i] += 1;
        }
        if let (Some(ended), true) = (a.ended_at, a.status != AdmissionStatus::Admitted) {
            if let Some(i) = index(local_day(ended)) {
                discharged[i] += 1;
                lengths.push((ended - a.admitted_at).num_minutes() as f64 / (24.0 * 60.0));
            }
        }
    }
    let average_stay_days =
        (!lengths.is_empty()).then(|| lengths.iter().sum::<f64>() / lengths.len() as f64);

    // The emergency department: arrivals on the days, by their last level.
    let visits = ed_visits::Entity::find()
        .filter(ed_visits::Column::ArrivedAt.gte(start))
        .filter(ed_visits::Column::ArrivedAt.lt(end))
        .all(db)
        .await
        .or_internal()?;
    let now = at.now();
    let levels: Vec<Option<EsiLevel>> = EsiLevel::ALL
        .iter()
        .copied()
        .map(Some)
        .chain([None])
        .collect();
    let ed = levels
        .into_iter()
        .map(|level| {
            let of_level: Vec<&ed_visits::Model> =
                visits.iter().filter(|v| v.level == level).collect();
            let target = shared::emergency::target_minutes(level);
            let mut waits: Vec<i64> = of_level
                .iter()
                .filter_map(|v| v.seen_at.map(|s| (s - v.arrived_at).num_minutes().max(0)))
                .collect();
            waits.sort_unstable();
            let over_target = of_level
                .iter()
                .filter(|v| {
                    let until = v.seen_at.or(v.closed_at).unwrap_or(now);
                    (until - v.arrived_at).num_minutes() > target
                })
                .count() as u32;
            LevelWaits {
                level,
                visits: of_level.len() as u32,
                seen: waits.len() as u32,
                median_minutes: percentile(&waits, 0.5),
                p90_minutes: percentile(&waits, 0.9),
                over_target,
            }
        })
        .collect();
    let ed_left_unseen = visits
        .iter()
        .filter(|v| v.disposition == Some(EdDisposition::LeftWithoutBeingSeen))
        .count() as u32;

    Ok(CareReport {
        from,
        to,
        days,
        wards,
        admissions: admitted,
        discharges: discharged,
        stays_ended: lengths.len() as u32,
        average_stay_days,
        ed,
        ed_left_unseen,
    })
}

//! Three years of laboratory results for the demo patient (HbA1c, the lipid
//! panel, creatinine and potassium, twice a year), so the results page and its trend
//! charts have something to show: ordered by the demo doctor, collected and
//! entered by the demo technician, verified and released by the demo
//! supervisor, each judged against the catalogue's ranges. Written straight
//! to the tables: these are past results, and the patient is not messaged
//! about them.

use anyhow::{anyhow, Result};
use app::entity::{lab_order_items, lab_orders, lab_results, lab_specimens, patients};
use chrono::{Duration, Utc};
use sea_orm::{ActiveModelTrait, DatabaseTransaction, Set};
use shared::lab::{limits_for, LabValue};
use shared::lab_work::{ItemStatus, Priority, ResultStatus};
use uuid::Uuid;

/// (LOINC code, values from the oldest visit to the latest).
const SERIES: &[(&str, [&str; 6])] = &[
    ("4548-4", ["6.1", "6.4", "7.2", "6.9", "6.6", "6.3"]),
    ("2093-3", ["228", "241", "219", "204", "196", "188"]),
    ("13457-7", ["148", "156", "139", "121", "112", "104"]),
    ("2085-9", ["48", "46", "51", "53", "55", "56"]),
    ("2571-8", ["182", "201", "168", "150", "142", "131"]),
    ("2160-0", ["0.82", "0.85", "0.91", "0.88", "0.94", "0.97"]),
    ("2823-3", ["4.2", "4.4", "4.1", "4.6", "4.3", "4.5"]),
];

pub async fn seed_results(
    txn: &DatabaseTransaction,
    patient: &patients::Model,
    doctor: Uuid,
    technician: Uuid,
    supervisor: Uuid,
) -> Result<()> {
    let err = |e: shared::AppError| anyhow!("{e}");
    let now = Utc::now();
    for visit in 0..6 {
        let ordered_at = now - Duration::days(30 + 182 * (5 - visit as i64));
        let collected_at = ordered_at + Duration::hours(1);
        let order = lab_orders::ActiveModel {
            id: Set(Uuid::new_v4()),
            patient_id: Set(patient.id),
            encounter_id: Set(None),
            ordered_by: Set(doctor),
            priority: Set(Priority::Routine),
            note: Set(Some("Diabetes review".into())),
            ordered_at: Set(ordered_at),
        }
        .insert(txn)
        .await?;
        let mut specimens: Vec<(String, Uuid)> = Vec::new();
        for (code, values) in SERIES {
            let test = app::lab::catalogue::by_code(txn, code).await.map_err(err)?;
            let kind = test.specimen.clone().unwrap_or_else(|| "serum".into());
            let specimen_id = match specimens.iter().find(|(k, _)| *k == kind) {
                Some((_, id)) => *id,
                None => {
                    let s = lab_specimens::ActiveModel {
                        id: Set(Uuid::new_v4()),
                        accession: Set(format!(
                            "L{}{:04}",
                            collected_at.format("%y%m%d"),
                            9000 + visit * 10 + specimens.len()
                        )),
                        patient_id: Set(patient.id),
                        order_id: Set(order.id),
                        specimen: Set(kind.clone()),
                        collected_at: Set(collected_at),
                        collected_by: Set(technician),
                    }
                    .insert(txn)
                    .await?;
                    specimens.push((kind, s.id));
                    s.id
                }
            };
            let item = lab_order_items::ActiveModel {
                id: Set(Uuid::new_v4()),
                order_id: Set(order.id),
                patient_id: Set(patient.id),
                test_id: Set(test.id),
                panel: Set(test.panel.clone().filter(|p| p == "lipid")),
                priority: Set(Priority::Routine),
                ordered_at: Set(ordered_at),
                status: Set(ItemStatus::Released),
                specimen_id: Set(Some(specimen_id)),
                due_at: Set(Priority::Routine.due_at(ordered_at, test.turnaround_hours)),
                updated_at: Set(collected_at + Duration::hours(6)),
                updated_by: Set(Some(supervisor)),
                cancel_reason: Set(None),
            }
            .insert(txn)
            .await?;
            let value = LabValue::parse(values[visit]).map_err(|e| anyhow!(e))?;
            let rules = app::lab::catalogue::rules_at(txn, test.id, now)
                .await
                .map_err(err)?;
            let limits = limits_for(
                &rules,
                patient.sex,
                patient.date_of_birth,
                collected_at.date_naive(),
            )
            .unwrap_or_default();
            lab_results::ActiveModel {
                id: Set(Uuid::new_v4()),
                item_id: Set(item.id),
                patient_id: Set(patient.id),
                test_id: Set(test.id),
                status: Set(ResultStatus::Released),
                value: Set(Some(value.0)),
                value_text: Set(None),
                impression: Set(None),
                unit: Set(test.unit.clone()),
                low: Set(limits.low.map(|v| v.0)),
                high: Set(limits.high.map(|v| v.0)),
                critical_low: Set(limits.critical_low.map(|v| v.0)),
                critical_high: Set(limits.critical_high.map(|v| v.0)),
                flag: Set(Some(limits.flag(value))),
                observed_at: Set(collected_at),
                entered_by: Set(technician),
                entered_at: Set(collected_at + Duration::hours(4)),
                verified_by: Set(Some(supervisor)),
                released_at: Set(Some(collected_at + Duration::hours(6))),
                corrects: Set(None),
                correction_reason: Set(None),
                acknowledged_by: Set(None),
                acknowledged_at: Set(None),
            }
            .insert(txn)
            .await?;
        }
    }
    Ok(())
}

/// The laboratory's sample collection hours: weekday mornings, 07:30 to
/// 11:00 in 15-minute slots with two chairs, and Saturday 08:00 to 10:00
/// with one.
pub async fn seed_collection_hours(txn: &DatabaseTransaction) -> Result<()> {
    let err = |e: shared::AppError| anyhow!("{e}");
    let blocks = (1..=5)
        .map(|day| (day, "07:30", "11:00", 2))
        .chain([(6, "08:00", "10:00", 1)]);
    for (weekday, start, end, capacity) in blocks {
        let form = shared::lab_visits::HoursForm {
            block: shared::schedule::TemplateForm {
                weekday: weekday.to_string(),
                start: start.into(),
                end: end.into(),
                slot_minutes: "15".into(),
            },
            capacity: capacity.to_string(),
        };
        let (block, capacity) = form.parse().map_err(err)?;
        app::lab::visits::add_hours(txn, block, capacity)
            .await
            .map_err(err)?;
    }
    Ok(())
}

//! The laboratory's work on ordered tests: the worklist, collecting
//! specimens (accession numbers and labels), entering results with their
//! flags, verification by a second person, corrections that keep the
//! original, critical alerts to the ordering doctor and their
//! acknowledgement, and the released results the patient reads.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use shared::ids::{LabOrderId, LabResultId};
use shared::lab::{limits_for, Flag, LabValue, Limits, TestKind};
use shared::lab_work::{
    CriticalAlert, ItemStatus, Label, MyResults, PatientResult, ResultStatus, Shift, WorkCursor,
    WorkFilter, WorkPage, WorkRow, WORK_PAGE,
};
use shared::notify::{critical_notice, results_notice, Channel, NoticeKind};
use shared::AppError;
use uuid::Uuid;

use super::orders::{is_numeric, value_text};
use crate::context::OrInternal;
use crate::entity::{
    lab_order_items as items, lab_orders as orders, lab_results as results, lab_specimens,
    lab_technician_shifts as shifts, lab_tests, notification_outbox as outbox, patients, users,
};
use crate::patients::care::{name_of, user_names};
use crate::state::ServerContext;

/// The hospital's date of an instant.
fn local_day(ctx: &ServerContext, at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&ctx.timezone).date_naive()
}

/// A page of the worklist: the tests at `filter`'s stage (all open stages
/// without one), most pressing first (by due time), with who is on shift
/// today.
pub async fn worklist(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    filter: &WorkFilter,
    now: DateTime<Utc>,
) -> Result<WorkPage, AppError> {
    let statuses: Vec<ItemStatus> = match filter.stage {
        Some(stage) => vec![stage.status()],
        None => vec![
            ItemStatus::Ordered,
            ItemStatus::Collected,
            ItemStatus::Resulted,
        ],
    };
    let mut query = items::Entity::find().filter(items::Column::Status.is_in(statuses));
    if let Some(p) = filter.priority {
        query = query.filter(items::Column::Priority.eq(p));
    }
    if let Some(h) = filter.older_than_hours {
        query = query.filter(items::Column::OrderedAt.lte(now - Duration::hours(i64::from(h))));
    }
    if let Some(after) = filter.after {
        query = query.filter(
            Condition::any()
                .add(items::Column::DueAt.gt(after.due_at))
                .add(
                    Condition::all()
                        .add(items::Column::DueAt.eq(after.due_at))
                        .add(items::Column::Id.gt(after.id.uuid())),
                ),
        );
    }
    let mut rows = query
        .order_by_asc(items::Column::DueAt)
        .order_by_asc(items::Column::Id)
        .limit(WORK_PAGE + 1)
        .all(db)
        .await
        .or_internal()?;
    let next = if rows.len() as u64 > WORK_PAGE {
        rows.truncate(WORK_PAGE as usize);
        rows.last().map(|r| WorkCursor {
            due_at: r.due_at,
            id: r.id.into(),
        })
    } else {
        None
    };
    let who = filing_names(db, rows.iter().map(|r| r.patient_id)).await?;
    let tests = tests_by_id(db, rows.iter().map(|r| r.test_id)).await?;
    let specimens: HashMap<Uuid, String> = lab_specimens::Entity::find()
        .select_only()
        .column(lab_specimens::Column::Id)
        .column(lab_specimens::Column::Accession)
        .filter(lab_specimens::Column::Id.is_in(rows.iter().filter_map(|r| r.specimen_id)))
        .into_tuple::<(Uuid, String)>()
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .collect();
    let rows = rows
        .into_iter()
        .map(|r| {
            let t = tests.get(&r.test_id).ok_or(AppError::Internal)?;
            let (patient_name, mrn) = who.get(&r.patient_id).cloned().unwrap_or_default();
            Ok(WorkRow {
                item_id: r.id.into(),
                order_id: r.order_id.into(),
                patient_name,
                mrn,
                test: t.name.clone(),
                kind: t.kind,
                specimen: t.specimen.clone(),
                priority: r.priority,
                status: r.status,
                ordered_at: r.ordered_at,
                due_at: r.due_at,
                accession: r.specimen_id.and_then(|s| specimens.get(&s).cloned()),
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(WorkPage {
        rows,
        next,
        now,
        on_shift: on_shift(db, local_day(ctx, now)).await?,
    })
}

/// Who is on which shift on `day`.
pub async fn on_shift(
    db: &impl ConnectionTrait,
    day: NaiveDate,
) -> Result<Vec<(Shift, String)>, AppError> {
    let rows = shifts::Entity::find()
        .filter(shifts::Column::Day.eq(day))
        .all(db)
        .await
        .or_internal()?;
    let people = user_names(db, rows.iter().map(|s| s.user_id)).await?;
    let mut out: Vec<(Shift, String)> = rows
        .iter()
        .map(|s| (s.shift, name_of(&people, s.user_id)))
        .collect();
    out.sort_by(|a, b| (a.0.as_str(), &a.1).cmp(&(b.0.as_str(), &b.1)));
    Ok(out)
}

/// Puts the technician `user` on `shift` on `day` (once).
pub async fn assign_shift(
    db: &impl ConnectionTrait,
    user_id: Uuid,
    day: NaiveDate,
    shift: Shift,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(user) = users::Entity::find_by_id(user_id)
        .one(db)
        .await
        .or_internal()?
        .filter(|u| u.role == shared::Role::LabTechnician && u.active)
    else {
        return Err(AppError::field(
            "user",
            "Choose an active laboratory technician.",
        ));
    };
    shifts::Entity::insert(shifts::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.id),
        day: Set(day),
        shift: Set(shift),
        assigned_by: Set(by),
        created_at: Set(now),
    })
    .on_conflict(
        OnConflict::columns([
            shifts::Column::Day,
            shifts::Column::Shift,
            shifts::Column::UserId,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(db)
    .await
    .or_internal()?;
    Ok(())
}

/// The filing name ("Family, Given") and MRN of each of `ids`, in one query.
pub async fn filing_names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, (String, String)>, AppError> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    Ok(patients::Entity::find()
        .select_only()
        .columns([
            patients::Column::Id,
            patients::Column::FamilyName,
            patients::Column::GivenName,
            patients::Column::Mrn,
        ])
        .filter(patients::Column::Id.is_in(ids))
        .into_tuple::<(Uuid, String, String, String)>()
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|(id, family, given, mrn)| (id, (shared::patients::filing_name(&family, &given), mrn)))
        .collect())
}

pub async fn tests_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, lab_tests::Model>, AppError> {
    let mut ids: Vec<Uuid> = ids.into_iter().collect();
    ids.sort();
    ids.dedup();
    Ok(lab_tests::Entity::find()
        .filter(lab_tests::Column::Id.is_in(ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|t| (t.id, t))
        .collect())
}

/// The accession numbers of `day`: `L`, the date as `yymmdd`, then a
/// four-digit sequence (`L2612040001`), digits and one letter, so that a
/// scanner typing it and a person typing it agree.
fn accession(day: NaiveDate, n: u32) -> String {
    format!("L{}{n:04}", day.format("%y%m%d"))
}

/// Inserts a specimen with the next free accession number of `day`. The
/// number is the day's highest plus one; two collections at the same
/// moment collide on the unique index, and the loser takes the next.
async fn new_specimen(
    db: &impl ConnectionTrait,
    order: &orders::Model,
    specimen: &str,
    day: NaiveDate,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<lab_specimens::Model, AppError> {
    let prefix = accession(day, 0);
    let prefix = &prefix[..prefix.len() - 4];
    let last: Option<String> = lab_specimens::Entity::find()
        .select_only()
        .column(lab_specimens::Column::Accession)
        .filter(lab_specimens::Column::Accession.starts_with(prefix))
        .order_by_desc(lab_specimens::Column::Accession)
        .into_tuple::<String>()
        .one(db)
        .await
        .or_internal()?;
    let mut n = last
        .and_then(|a| a.get(prefix.len()..).and_then(|s| s.parse::<u32>().ok()))
        .unwrap_or(0);
    for _ in 0..20 {
        n += 1;
        let row = lab_specimens::Model {
            id: Uuid::new_v4(),
            accession: accession(day, n),
            patient_id: order.patient_id,
            order_id: order.id,
            specimen: specimen.to_string(),
            collected_at: now,
            collected_by: by,
        };
        let inserted = lab_specimens::Entity::insert(lab_specimens::ActiveModel::from(row.clone()))
            .on_conflict(
                OnConflict::column(lab_specimens::Column::Accession)
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .or_internal()?;
        if inserted == 1 {
            return Ok(row);
        }
    }
    Err(AppError::Conflict(
        "Many specimens are being collected at this moment. Try again.".into(),
    ))
}

/// Collects the order's laboratory tests still to collect: one specimen
/// (and accession number) per specimen type. Answers the new specimens.
pub async fn collect(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    order: &orders::Model,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<lab_specimens::Model>, AppError> {
    let open = items::Entity::find()
        .filter(items::Column::OrderId.eq(order.id))
        .filter(items::Column::Status.eq(ItemStatus::Ordered))
        .all(db)
        .await
        .or_internal()?;
    let tests = tests_by_id(db, open.iter().map(|i| i.test_id)).await?;
    let mut by_specimen: Vec<(String, Vec<Uuid>)> = Vec::new();
    for item in &open {
        let t = tests.get(&item.test_id).ok_or(AppError::Internal)?;
        if t.kind != TestKind::Lab {
            continue;
        }
        let specimen = t.specimen.clone().unwrap_or_else(|| "Specimen".into());
        match by_specimen.iter_mut().find(|(s, _)| *s == specimen) {
            Some((_, ids)) => ids.push(item.id),
            None => by_specimen.push((specimen, vec![item.id])),
        }
    }
    if by_specimen.is_empty() {
        return Err(AppError::Conflict(
            "Nothing of this order is waiting to be collected.".into(),
        ));
    }
    let day = local_day(ctx, now);
    let mut made = Vec::new();
    for (specimen, ids) in by_specimen {
        let row = new_specimen(db, order, &specimen, day, by, now).await?;
        let moved = items::Entity::update_many()
            .col_expr(items::Column::Status, ItemStatus::Collected.as_str().into())
            .col_expr(items::Column::SpecimenId, Some(row.id).into())
            .col_expr(items::Column::UpdatedAt, now.into())
            .col_expr(items::Column::UpdatedBy, Some(by).into())
            .filter(items::Column::Id.is_in(ids.clone()))
            .filter(items::Column::Status.eq(ItemStatus::Ordered))
            .exec(db)
            .await
            .or_internal()?;
        if moved.rows_affected != ids.len() as u64 {
            return Err(AppError::Conflict(
                "Someone else collected or cancelled these tests a moment ago. Reload the order."
                    .into(),
            ));
        }
        made.push(row);
    }
    super::visits::attended(db, order.id).await?;
    Ok(made)
}

/// The specimen with the accession number `accession`.
pub async fn specimen(
    db: &impl ConnectionTrait,
    accession: &str,
) -> Result<lab_specimens::Model, AppError> {
    lab_specimens::Entity::find()
        .filter(lab_specimens::Column::Accession.eq(accession))
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound(format!("Specimen {accession}")))
}

/// A specimen's label, with the Code 128 bars of its accession number.
pub async fn label(db: &impl ConnectionTrait, s: &lab_specimens::Model) -> Result<Label, AppError> {
    let p = crate::patients::service::find(db, s.patient_id).await?;
    let its = items::Entity::find()
        .filter(items::Column::SpecimenId.eq(s.id))
        .all(db)
        .await
        .or_internal()?;
    let tests = tests_by_id(db, its.iter().map(|i| i.test_id)).await?;
    let mut names: Vec<String> = its
        .iter()
        .filter_map(|i| tests.get(&i.test_id).map(|t| t.short_name.clone()))
        .collect();
    names.sort();
    let (bars, modules) = super::barcode::code128(&s.accession)?;
    Ok(Label {
        accession: s.accession.clone(),
        patient_name: shared::patients::filing_name(&p.family_name, &p.given_name),
        mrn: p.mrn,
        birth_date: p.date_of_birth,
        specimen: s.specimen.clone(),
        collected_at: s.collected_at,
        tests: names,
        bars,
        modules,
    })
}

/// What a result says, checked against its test: a number in the test's
/// unit (numeric tests), or text; imaging: findings and impression.
struct Checked {
    value: Option<LabValue>,
    text: Option<String>,
    impression: Option<String>,
}

fn check_value(t: &lab_tests::Model, value: &str, impression: &str) -> Result<Checked, AppError> {
    if t.kind == TestKind::Imaging {
        let mut e = shared::error::FieldErrors::new();
        let findings = e.check(
            "value",
            shared::validate::bounded_text(value, 20_000, "findings").and_then(|f| {
                if f.is_empty() {
                    Err("Write the findings.".into())
                } else {
                    Ok(f)
                }
            }),
        );
        let impression = e.check(
            "impression",
            shared::validate::bounded_text(impression, 5_000, "impression").and_then(|f| {
                if f.is_empty() {
                    Err("Write the impression.".into())
                } else {
                    Ok(f)
                }
            }),
        );
        e.finish()?;
        return Ok(Checked {
            value: None,
            text: findings,
            impression,
        });
    }
    if is_numeric(t) {
        let v = LabValue::parse(value).map_err(|m| {
            AppError::field(
                "value",
                format!("{m} ({} in {})", t.name, t.unit.clone().unwrap_or_default()),
            )
        })?;
        return Ok(Checked {
            value: Some(v),
            text: None,
            impression: None,
        });
    }
    let text = shared::validate::bounded_text(value, 2_000, "result")
        .map_err(|m| AppError::field("value", m))?;
    if text.is_empty() {
        return Err(AppError::field("value", "Enter the result."));
    }
    Ok(Checked {
        value: None,
        text: Some(text),
        impression: None,
    })
}

/// The limits that apply to the patient on the collection day, from the
/// ranges in force now, and the value's flag against them.
async fn judge(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    t: &lab_tests::Model,
    patient: &patients::Model,
    observed_at: DateTime<Utc>,
    value: Option<LabValue>,
    now: DateTime<Utc>,
) -> Result<(Limits, Option<Flag>), AppError> {
    let Some(value) = value else {
        return Ok((Limits::default(), None));
    };
    let rules = super::catalogue::rules_at(db, t.id, now).await?;
    match limits_for(
        &rules,
        patient.sex,
        patient.date_of_birth,
        local_day(ctx, observed_at),
    ) {
        Some(limits) => Ok((limits, Some(limits.flag(value)))),
        None => Ok((Limits::default(), None)),
    }
}

/// Enters the result of a collected test (or reports an imaging study
/// still to do): flagged against the patient's range; a laboratory result
/// waits for verification, an imaging report is the radiologist's and is
/// released at once. A critical result tells the ordering doctor.
pub async fn enter(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    item: items::Model,
    value: &str,
    impression: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<results::Model, AppError> {
    let t = super::catalogue::by_id(db, item.test_id).await?;
    let expected = match t.kind {
        TestKind::Lab => ItemStatus::Collected,
        TestKind::Imaging => ItemStatus::Ordered,
    };
    if item.status != expected {
        return Err(AppError::Conflict(match t.kind {
            TestKind::Lab if item.status == ItemStatus::Ordered => {
                "Collect the specimen before entering its result.".into()
            }
            _ => format!(
                "This test is {} already.",
                item.status.label().to_lowercase()
            ),
        }));
    }
    let checked = check_value(&t, value, impression)?;
    let patient = crate::patients::service::find(db, item.patient_id).await?;
    let observed_at = match item.specimen_id {
        Some(s) => lab_specimens::Entity::find_by_id(s)
            .one(db)
            .await
            .or_internal()?
            .map_or(now, |s| s.collected_at),
        None => now,
    };
    let (limits, flag) = judge(db, ctx, &t, &patient, observed_at, checked.value, now).await?;
    let imaging = t.kind == TestKind::Imaging;
    let row = results::Model {
        id: Uuid::new_v4(),
        item_id: item.id,
        patient_id: item.patient_id,
        test_id: t.id,
        status: if imaging {
            ResultStatus::Released
        } else {
            ResultStatus::Entered
        },
        value: checked.value.map(|v| v.0),
        value_text: checked.text,
        impression: checked.impression,
        unit: t.unit.clone(),
        low: limits.low.map(|v| v.0),
        high: limits.high.map(|v| v.0),
        critical_low: limits.critical_low.map(|v| v.0),
        critical_high: limits.critical_high.map(|v| v.0),
        flag,
        observed_at,
        entered_by: by,
        entered_at: now,
        verified_by: imaging.then_some(by),
        released_at: imaging.then_some(now),
        corrects: None,
        correction_reason: None,
        acknowledged_by: None,
        acknowledged_at: None,
    };
    let row = results::ActiveModel::from(row)
        .insert(db)
        .await
        .or_internal()?;
    let next = if imaging {
        ItemStatus::Released
    } else {
        ItemStatus::Resulted
    };
    move_item(db, &item, expected, next, by, now).await?;
    if flag.is_some_and(Flag::is_critical) {
        alert_orderer(db, ctx, &item, &row, now).await?;
    }
    if imaging {
        charge(db, ctx, &item, now).await?;
        tell_patient(db, ctx, &item, now).await?;
    }
    Ok(row)
}

/// Moves `item` from `from` to `to`, if nobody moved it in between.
async fn move_item(
    db: &impl ConnectionTrait,
    item: &items::Model,
    from: ItemStatus,
    to: ItemStatus,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let moved = items::Entity::update_many()
        .col_expr(items::Column::Status, to.as_str().into())
        .col_expr(items::Column::UpdatedAt, now.into())
        .col_expr(items::Column::UpdatedBy, Some(by).into())
        .filter(items::Column::Id.eq(item.id))
        .filter(items::Column::Status.eq(from))
        .exec(db)
        .await
        .or_internal()?;
    if moved.rows_affected != 1 {
        return Err(AppError::Conflict(
            "Someone else changed this test a moment ago. Reload it.".into(),
        ));
    }
    Ok(())
}

/// Queues the message to the ordering doctor that a critical result
/// waits: no patient, no test, no value.
async fn alert_orderer(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    item: &items::Model,
    result: &results::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let order = orders::Entity::find_by_id(item.order_id)
        .one(db)
        .await
        .or_internal()?
        .ok_or(AppError::Internal)?;
    let Some(doctor) = users::Entity::find_by_id(order.ordered_by)
        .one(db)
        .await
        .or_internal()?
        .filter(|u| u.active)
    else {
        return Ok(());
    };
    let notice = critical_notice(&ctx.hospital_name);
    let row = outbox::Queued {
        id: Uuid::new_v4(),
        patient_id: item.patient_id,
        appointment_id: None,
        kind: NoticeKind::LabCritical,
        channel: Channel::Email,
        recipient: doctor.email,
        subject: notice.subject,
        body: notice.body,
        dedupe_key: format!("lab_critical:{}", result.id),
        due: now,
    }
    .row(now);
    outbox::queue(db, vec![row]).await.or_internal()
}

/// Who ordered the order `id`.
async fn order_doctor(db: &impl ConnectionTrait, id: Uuid) -> Result<Option<Uuid>, AppError> {
    Ok(crate::entity::lab_orders::Entity::find_by_id(id)
        .one(db)
        .await
        .or_internal()?
        .map(|o| o.ordered_by))
}

/// Charges a released test or reported study, once (a correction released
/// later charges nothing more).
async fn charge(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    item: &items::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use shared::billing::ChargeKind;
    let t = super::catalogue::by_id(db, item.test_id).await?;
    let kind = match t.kind {
        TestKind::Lab => ChargeKind::Lab,
        TestKind::Imaging => ChargeKind::Imaging,
    };
    let charge = crate::billing::charges::NewCharge {
        patient_id: item.patient_id,
        kind,
        source: "lab_order_item",
        source_id: item.id,
        price_key: Some(t.code.clone()),
        description: format!("{} ({})", t.name, t.code),
        quantity: 1,
        service_date: local_day(ctx, now),
        doctor_id: order_doctor(db, item.order_id).await?,
    }
    .row(now);
    crate::billing::charges::insert_once(db, charge).await?;
    Ok(())
}

/// Queues the message to the patient that results of an order are ready,
/// once per order and channel, if they allow a channel.
async fn tell_patient(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    item: &items::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let patient = crate::patients::service::find(db, item.patient_id).await?;
    let Some((channel, recipient)) = crate::appointments::notices::reachability(&patient).pick()
    else {
        return Ok(());
    };
    let notice = results_notice(channel, &ctx.hospital_name);
    let row = outbox::Queued {
        id: Uuid::new_v4(),
        patient_id: item.patient_id,
        appointment_id: None,
        kind: NoticeKind::LabResults,
        channel,
        recipient,
        subject: notice.subject,
        body: notice.body,
        dedupe_key: format!("lab_results:{}:{}", item.order_id, channel.as_str()),
        due: now,
    }
    .row(now);
    outbox::queue(db, vec![row]).await.or_internal()
}

/// Verifies a result entered by someone else: `accept` releases it (a
/// correction supersedes the result it corrects), otherwise it goes back
/// to the bench to be entered again.
pub async fn verify(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    result: results::Model,
    accept: bool,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<results::Model, AppError> {
    if result.status != ResultStatus::Entered {
        return Err(AppError::Conflict(format!(
            "This result is {} already.",
            result.status.label().to_lowercase()
        )));
    }
    if result.entered_by == by {
        return Err(AppError::Conflict(
            "A result is verified by someone other than who entered it.".into(),
        ));
    }
    let item = super::orders::item(db, result.item_id.into()).await?;
    let status = if accept {
        ResultStatus::Released
    } else {
        ResultStatus::Rejected
    };
    let moved = results::Entity::update_many()
        .col_expr(results::Column::Status, status.as_str().into())
        .col_expr(results::Column::VerifiedBy, Some(by).into())
        .col_expr(results::Column::ReleasedAt, accept.then_some(now).into())
        .filter(results::Column::Id.eq(result.id))
        .filter(results::Column::Status.eq(ResultStatus::Entered))
        .exec(db)
        .await
        .or_internal()?;
    if moved.rows_affected != 1 {
        return Err(AppError::Conflict(
            "Someone else verified this result a moment ago.".into(),
        ));
    }
    if accept {
        if let Some(old) = result.corrects {
            results::Entity::update_many()
                .col_expr(
                    results::Column::Status,
                    ResultStatus::Superseded.as_str().into(),
                )
                .filter(results::Column::Id.eq(old))
                .exec(db)
                .await
                .or_internal()?;
        }
        move_item(
            db,
            &item,
            ItemStatus::Resulted,
            ItemStatus::Released,
            by,
            now,
        )
        .await?;
        tell_patient(db, ctx, &item, now).await?;
    } else {
        // Sent back: a first result is entered again; a correction leaves
        // the released result in force.
        let back = if result.corrects.is_some() {
            ItemStatus::Released
        } else {
            ItemStatus::Collected
        };
        move_item(db, &item, ItemStatus::Resulted, back, by, now).await?;
    }
    super::orders::result(db, result.id.into()).await
}

/// Corrects a released result: a new result, judged against the limits the
/// original was, waits for verification by someone else; the original
/// stays released until then, and is kept, superseded, after.
pub async fn correct(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    original: results::Model,
    fix: &shared::lab_work::Correction,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<results::Model, AppError> {
    if original.status != ResultStatus::Released {
        return Err(AppError::Conflict(
            "Only a released result is corrected; one awaiting verification is sent back instead."
                .into(),
        ));
    }
    let reason = shared::validate::bounded_text(&fix.reason, 500, "reason")
        .map_err(|m| AppError::field("reason", m))?;
    if reason.is_empty() {
        return Err(AppError::field(
            "reason",
            "Say why the result is corrected.",
        ));
    }
    let t = super::catalogue::by_id(db, original.test_id).await?;
    let checked = check_value(&t, &fix.value, &fix.impression)?;
    let limits = original.limits();
    // Judged as the original was: against its limits, if it had any.
    let flag = match original.flag {
        Some(_) => checked.value.map(|v| limits.flag(v)),
        None => None,
    };
    let item = super::orders::item(db, original.item_id.into()).await?;
    let row = results::Model {
        id: Uuid::new_v4(),
        status: ResultStatus::Entered,
        value: checked.value.map(|v| v.0),
        value_text: checked.text,
        impression: checked.impression,
        flag,
        entered_by: by,
        entered_at: now,
        verified_by: None,
        released_at: None,
        corrects: Some(original.id),
        correction_reason: Some(reason),
        acknowledged_by: None,
        acknowledged_at: None,
        ..original.clone()
    };
    let row = results::ActiveModel::from(row)
        .insert(db)
        .await
        .or_internal()?;
    move_item(
        db,
        &item,
        ItemStatus::Released,
        ItemStatus::Resulted,
        by,
        now,
    )
    .await?;
    if flag.is_some_and(Flag::is_critical) {
        alert_orderer(db, ctx, &item, &row, now).await?;
    }
    Ok(row)
}

/// The critical results of the doctor's orders nobody has acknowledged,
/// oldest first.
pub async fn alerts(
    db: &impl ConnectionTrait,
    doctor: Uuid,
) -> Result<Vec<CriticalAlert>, AppError> {
    use sea_orm::sea_query::Query;
    // The doctor's orders' items, as subqueries: a doctor with years of
    // orders sends no list of ids.
    let orders_of = Query::select()
        .column(orders::Column::Id)
        .from(orders::Entity)
        .and_where(orders::Column::OrderedBy.eq(doctor))
        .to_owned();
    let items_of = Query::select()
        .column(items::Column::Id)
        .from(items::Entity)
        .and_where(items::Column::OrderId.in_subquery(orders_of))
        .to_owned();
    let found = results::Entity::find()
        .filter(results::Column::Flag.is_in([Flag::CriticalLow, Flag::CriticalHigh]))
        .filter(results::Column::AcknowledgedAt.is_null())
        .filter(results::Column::Status.is_in([ResultStatus::Entered, ResultStatus::Released]))
        .filter(results::Column::ItemId.in_subquery(items_of))
        .order_by_asc(results::Column::EnteredAt)
        .all(db)
        .await
        .or_internal()?;
    let who = filing_names(db, found.iter().map(|r| r.patient_id)).await?;
    let tests = tests_by_id(db, found.iter().map(|r| r.test_id)).await?;
    found
        .into_iter()
        .map(|r| {
            let t = tests.get(&r.test_id).ok_or(AppError::Internal)?;
            let (patient_name, mrn) = who.get(&r.patient_id).cloned().unwrap_or_default();
            Ok(CriticalAlert {
                result_id: r.id.into(),
                patient_id: r.patient_id.into(),
                patient_name,
                mrn,
                test: t.name.clone(),
                value: value_text(&r, t.decimals),
                unit: r.unit.clone(),
                flag: r.flag.ok_or(AppError::Internal)?,
                entered_at: r.entered_at,
            })
        })
        .collect()
}

/// The ordering doctor acknowledges a critical result.
pub async fn acknowledge(
    db: &impl ConnectionTrait,
    result: &results::Model,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    if !result.flag.is_some_and(Flag::is_critical) {
        return Err(AppError::Conflict("This result is not critical.".into()));
    }
    let item = super::orders::item(db, result.item_id.into()).await?;
    let order = super::orders::find(db, item.order_id.into(), None).await?;
    if order.ordered_by != by {
        return Err(AppError::Forbidden);
    }
    results::Entity::update_many()
        .col_expr(results::Column::AcknowledgedBy, Some(by).into())
        .col_expr(results::Column::AcknowledgedAt, Some(now).into())
        .filter(results::Column::Id.eq(result.id))
        .filter(results::Column::AcknowledgedAt.is_null())
        .exec(db)
        .await
        .or_internal()?;
    Ok(())
}

/// The patient's released results, newest first, with what is still
/// pending. Nothing awaiting verification is ever here.
pub async fn mine(db: &impl ConnectionTrait, patient_id: Uuid) -> Result<MyResults, AppError> {
    let released = results::Entity::find()
        .filter(results::Column::PatientId.eq(patient_id))
        .filter(results::Column::Status.eq(ResultStatus::Released))
        .order_by_desc(results::Column::ObservedAt)
        .order_by_desc(results::Column::Id)
        .all(db)
        .await
        .or_internal()?;
    let pending = items::Entity::find()
        .filter(items::Column::PatientId.eq(patient_id))
        .filter(items::Column::Status.is_in([
            ItemStatus::Ordered,
            ItemStatus::Collected,
            ItemStatus::Resulted,
        ]))
        .order_by_desc(items::Column::OrderedAt)
        .all(db)
        .await
        .or_internal()?;
    let tests = tests_by_id(
        db,
        released
            .iter()
            .map(|r| r.test_id)
            .chain(pending.iter().map(|i| i.test_id)),
    )
    .await?;
    // Only imaging reports carry files: their ids, not years of results.
    let imaging = released.iter().filter(|r| {
        tests
            .get(&r.test_id)
            .is_some_and(|t| t.kind == TestKind::Imaging)
    });
    let mut files: HashMap<Uuid, Vec<shared::lab_visits::AttachmentView>> = HashMap::new();
    for a in super::attachments::for_results(db, imaging.map(|r| r.id)).await? {
        files.entry(a.result_id.uuid()).or_default().push(a);
    }
    let results = released
        .into_iter()
        .map(|r| {
            let t = tests.get(&r.test_id).ok_or(AppError::Internal)?;
            let mut mine = patient_result(&r, t);
            mine.view.attachments = files.remove(&r.id).unwrap_or_default();
            Ok(mine)
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let pending = pending
        .into_iter()
        .filter(|i| {
            // A released test being corrected is not "pending" for the
            // patient: its released result is shown.
            !(i.status == ItemStatus::Resulted && results.iter().any(|r| r.item == i.id))
        })
        .filter_map(|i| {
            tests
                .get(&i.test_id)
                .map(|t| (t.name.clone(), i.ordered_at))
        })
        .collect();
    Ok(MyResults {
        results: results.into_iter().map(|r| r.view).collect(),
        pending,
        to_collect: super::visits::to_collect(db, patient_id).await?,
        reports: report_orders(db, patient_id).await?,
    })
}

/// The patient's orders with released results, newest first, at most 50.
async fn report_orders(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<(LabOrderId, DateTime<Utc>)>, AppError> {
    use sea_orm::sea_query::Query;
    let released = Query::select()
        .column(results::Column::ItemId)
        .from(results::Entity)
        .and_where(results::Column::PatientId.eq(patient_id))
        .and_where(results::Column::Status.eq(ResultStatus::Released))
        .to_owned();
    let rows: Vec<(Uuid, DateTime<Utc>)> = items::Entity::find()
        .select_only()
        .column(items::Column::OrderId)
        .column(items::Column::OrderedAt)
        .distinct()
        .filter(items::Column::PatientId.eq(patient_id))
        .filter(items::Column::Id.in_subquery(released))
        .order_by_desc(items::Column::OrderedAt)
        .order_by_desc(items::Column::OrderId)
        .limit(50)
        .into_tuple()
        .all(db)
        .await
        .or_internal()?;
    Ok(rows.into_iter().map(|(id, at)| (id.into(), at)).collect())
}

/// A released result as the patient reads it, with its item.
struct Mine {
    item: Uuid,
    view: PatientResult,
}

fn patient_result(r: &results::Model, t: &lab_tests::Model) -> Mine {
    let limits = r.limits();
    Mine {
        item: r.item_id,
        view: PatientResult {
            result_id: LabResultId::from(r.id),
            code: t.code.clone(),
            test: t.name.clone(),
            kind: t.kind,
            value: value_text(r, t.decimals),
            numeric: r.value.map(LabValue),
            impression: r.impression.clone(),
            unit: r.unit.clone(),
            range: limits.interval_text(),
            limits,
            flag: r.flag,
            plain: r.flag.map(|f| f.plain_language().to_string()),
            observed_at: r.observed_at,
            corrected: r.corrects.is_some(),
            attachments: Vec::new(),
        },
    }
}

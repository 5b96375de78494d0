//! Orders: a doctor orders tests and panels for a patient (from an
//! encounter when there is one), each test becoming an item the laboratory
//! works on; the order as staff read it, with its items and their results;
//! a test still pending is flagged when ordered again.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use shared::ids::{LabItemId, LabOrderId, LabResultId};
use shared::lab::{LabValue, TestKind};
use shared::lab_work::{
    CatalogueEntry, ItemStatus, ItemView, NewOrder, OrderView, ResultView, PANEL_PREFIX,
};
use shared::AppError;
use uuid::Uuid;

use crate::context::OrInternal;
use crate::entity::{
    lab_order_items as items, lab_orders as orders, lab_results as results, lab_specimens,
    lab_tests, patients,
};
use crate::patients::care::{name_of, user_names};

/// The catalogue as the order form offers it: tests and studies in force,
/// by kind and name.
pub async fn catalogue(db: &impl ConnectionTrait) -> Result<Vec<CatalogueEntry>, AppError> {
    Ok(lab_tests::Entity::find()
        .filter(lab_tests::Column::RetiredAt.is_null())
        .order_by_asc(lab_tests::Column::Kind)
        .order_by_asc(lab_tests::Column::Name)
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|t| CatalogueEntry {
            code: t.code,
            name: t.name,
            kind: t.kind,
            panel: t.panel,
            specimen: t.specimen,
            unit: t.unit,
        })
        .collect())
}

/// The tests the order's choices name: a panel is its member tests in
/// force. An unknown choice is a field error.
async fn tests_of(
    db: &impl ConnectionTrait,
    choices: &[String],
) -> Result<Vec<(lab_tests::Model, Option<String>)>, AppError> {
    let live = lab_tests::Entity::find()
        .filter(lab_tests::Column::RetiredAt.is_null())
        .all(db)
        .await
        .or_internal()?;
    let mut chosen: Vec<(lab_tests::Model, Option<String>)> = Vec::new();
    for choice in choices {
        let found: Vec<(lab_tests::Model, Option<String>)> = match choice.strip_prefix(PANEL_PREFIX)
        {
            Some(panel) => live
                .iter()
                .filter(|t| t.panel.as_deref() == Some(panel))
                .map(|t| (t.clone(), Some(panel.to_string())))
                .collect(),
            None => live
                .iter()
                .filter(|t| &t.code == choice)
                .map(|t| (t.clone(), None))
                .collect(),
        };
        if found.is_empty() {
            return Err(AppError::field(
                "tests",
                format!("{choice} is not in the catalogue. Choose from the list."),
            ));
        }
        for (test, panel) in found {
            if !chosen.iter().any(|(t, _)| t.id == test.id) {
                chosen.push((test, panel));
            }
        }
    }
    Ok(chosen)
}

/// Places `order` for the doctor `by`. Tests of the order still pending
/// for the patient (ordered, collected or awaiting verification) are
/// refused with a field error naming them unless `confirm_duplicates`.
pub async fn place(
    db: &impl ConnectionTrait,
    order: NewOrder,
    confirm_duplicates: bool,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<OrderView, AppError> {
    let patient_id = order.patient_id.uuid();
    let encounter_id = match order.encounter_id {
        Some(e) => Some(
            crate::chart::service::encounter_of(db, patient_id, e.uuid())
                .await?
                .id,
        ),
        None => None,
    };
    let tests = tests_of(db, &order.choices).await?;
    let test_ids: Vec<Uuid> = tests.iter().map(|(t, _)| t.id).collect();
    let pending = items::Entity::find()
        .filter(items::Column::PatientId.eq(patient_id))
        .filter(items::Column::TestId.is_in(test_ids))
        .filter(items::Column::Status.is_in([
            ItemStatus::Ordered,
            ItemStatus::Collected,
            ItemStatus::Resulted,
        ]))
        .all(db)
        .await
        .or_internal()?;
    if !pending.is_empty() && !confirm_duplicates {
        let mut names: Vec<String> = tests
            .iter()
            .filter(|(t, _)| pending.iter().any(|p| p.test_id == t.id))
            .map(|(t, _)| t.name.clone())
            .collect();
        names.dedup();
        return Err(AppError::field(
            "confirm_duplicates",
            format!(
                "Still pending for this patient: {}. Tick \"Order again\" to order them all the same.",
                names.join(", ")
            ),
        ));
    }
    let row = orders::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(patient_id),
        encounter_id: Set(encounter_id),
        ordered_by: Set(by),
        priority: Set(order.priority),
        note: Set(order.note),
        ordered_at: Set(now),
    }
    .insert(db)
    .await
    .or_internal()?;
    let rows: Vec<items::ActiveModel> = tests
        .iter()
        .map(|(t, panel)| items::ActiveModel {
            id: Set(Uuid::new_v4()),
            order_id: Set(row.id),
            patient_id: Set(patient_id),
            test_id: Set(t.id),
            panel: Set(panel.clone()),
            priority: Set(order.priority),
            ordered_at: Set(now),
            status: Set(ItemStatus::Ordered),
            specimen_id: Set(None),
            due_at: Set(order.priority.due_at(now, t.turnaround_hours)),
            updated_at: Set(now),
            updated_by: Set(Some(by)),
            cancel_reason: Set(None),
        })
        .collect();
    items::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
        .or_internal()?;
    Ok(views(db, vec![row]).await?.remove(0))
}

/// One order, if it exists (and is the patient's, when `patient_id`).
pub async fn find(
    db: &impl ConnectionTrait,
    id: LabOrderId,
    patient_id: Option<Uuid>,
) -> Result<orders::Model, AppError> {
    orders::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .filter(|o| patient_id.is_none_or(|p| p == o.patient_id))
        .ok_or_else(|| AppError::NotFound("The order".into()))
}

/// One ordered test.
pub async fn item(db: &impl ConnectionTrait, id: LabItemId) -> Result<items::Model, AppError> {
    items::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The test".into()))
}

/// One result.
pub async fn result(
    db: &impl ConnectionTrait,
    id: LabResultId,
) -> Result<results::Model, AppError> {
    results::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The result".into()))
}

/// The patient's orders, newest first.
pub async fn for_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    limit: u64,
) -> Result<Vec<OrderView>, AppError> {
    use sea_orm::QuerySelect;
    let rows = orders::Entity::find()
        .filter(orders::Column::PatientId.eq(patient_id))
        .order_by_desc(orders::Column::OrderedAt)
        .order_by_desc(orders::Column::Id)
        .limit(limit)
        .all(db)
        .await
        .or_internal()?;
    views(db, rows).await
}

/// Every order of the patient with a released result, newest first, each
/// keeping only its tests with a released result, and only that result (the
/// patient's copy: FHIR and the lab report). Read in slices of orders, so
/// the `IN` lists stay below the databases' parameter limits over years of
/// results.
pub async fn released_for(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<OrderView>, AppError> {
    use sea_orm::sea_query::Query;
    use sea_orm::QuerySelect;
    let released = Query::select()
        .column(results::Column::ItemId)
        .from(results::Entity)
        .and_where(results::Column::PatientId.eq(patient_id))
        .and_where(results::Column::Status.eq(shared::lab_work::ResultStatus::Released))
        .to_owned();
    let order_ids: Vec<Uuid> = items::Entity::find()
        .select_only()
        .column(items::Column::OrderId)
        .distinct()
        .filter(items::Column::PatientId.eq(patient_id))
        .filter(items::Column::Id.in_subquery(released))
        .into_tuple()
        .all(db)
        .await
        .or_internal()?;
    let mut out = Vec::new();
    for chunk in order_ids.chunks(200) {
        let rows = orders::Entity::find()
            .filter(orders::Column::Id.is_in(chunk.to_vec()))
            .all(db)
            .await
            .or_internal()?;
        out.extend(views(db, rows).await?.into_iter().map(released_only));
    }
    out.sort_by_key(|o| std::cmp::Reverse((o.ordered_at, o.id.uuid())));
    Ok(out)
}

/// The order with only its released results, and only the tests that have one.
pub fn released_only(mut order: OrderView) -> OrderView {
    for item in &mut order.items {
        item.results
            .retain(|r| r.status == shared::lab_work::ResultStatus::Released);
    }
    order.items.retain(|i| !i.results.is_empty());
    order
}

/// The value of a result as shown: the number with the test's decimals,
/// or the text.
pub fn value_text(r: &results::Model, decimals: i16) -> String {
    match r.value {
        Some(v) => LabValue(v).display(u8::try_from(decimals).unwrap_or(0)),
        None => r.value_text.clone().unwrap_or_default(),
    }
}

/// The views of `rows`, with their items, specimens, results and the
/// names of everyone involved, read in one query per table.
pub async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<orders::Model>,
) -> Result<Vec<OrderView>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let order_ids: Vec<Uuid> = rows.iter().map(|o| o.id).collect();
    let all_items = items::Entity::find()
        .filter(items::Column::OrderId.is_in(order_ids.clone()))
        .order_by_asc(items::Column::Id)
        .all(db)
        .await
        .or_internal()?;
    let item_ids: Vec<Uuid> = all_items.iter().map(|i| i.id).collect();
    let all_results = if item_ids.is_empty() {
        Vec::new()
    } else {
        results::Entity::find()
            .filter(results::Column::ItemId.is_in(item_ids))
            .order_by_desc(results::Column::EnteredAt)
            .order_by_desc(results::Column::Id)
            .all(db)
            .await
            .or_internal()?
    };
    let specimens: HashMap<Uuid, lab_specimens::Model> = lab_specimens::Entity::find()
        .filter(lab_specimens::Column::OrderId.is_in(order_ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut test_ids: Vec<Uuid> = all_items.iter().map(|i| i.test_id).collect();
    test_ids.sort();
    test_ids.dedup();
    let tests: HashMap<Uuid, lab_tests::Model> = lab_tests::Entity::find()
        .filter(lab_tests::Column::Id.is_in(test_ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|t| (t.id, t))
        .collect();
    let patients: HashMap<Uuid, patients::Model> = patients::Entity::find()
        .filter(patients::Column::Id.is_in(rows.iter().map(|o| o.patient_id)))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut files: HashMap<Uuid, Vec<shared::lab_visits::AttachmentView>> = HashMap::new();
    for a in super::attachments::for_results(db, all_results.iter().map(|r| r.id)).await? {
        files.entry(a.result_id.uuid()).or_default().push(a);
    }
    let people = user_names(
        db,
        rows.iter()
            .map(|o| o.ordered_by)
            .chain(all_results.iter().flat_map(|r| {
                [Some(r.entered_by), r.verified_by, r.acknowledged_by]
                    .into_iter()
                    .flatten()
            })),
    )
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for o in rows {
        let p = patients.get(&o.patient_id).ok_or(AppError::Internal)?;
        let item_views = all_items
            .iter()
            .filter(|i| i.order_id == o.id)
            .map(|i| {
                let t = tests.get(&i.test_id).ok_or(AppError::Internal)?;
                let results = all_results
                    .iter()
                    .filter(|r| r.item_id == i.id)
                    .map(|r| ResultView {
                        id: r.id.into(),
                        status: r.status,
                        value: value_text(r, t.decimals),
                        numeric: r.value.map(LabValue),
                        impression: r.impression.clone(),
                        unit: r.unit.clone(),
                        limits: r.limits(),
                        flag: r.flag,
                        observed_at: r.observed_at,
                        entered_by: name_of(&people, r.entered_by),
                        entered_at: r.entered_at,
                        verified_by: r.verified_by.map(|u| name_of(&people, u)),
                        released_at: r.released_at,
                        correction_reason: r.correction_reason.clone(),
                        acknowledged_by: r.acknowledged_by.map(|u| name_of(&people, u)),
                        acknowledged_at: r.acknowledged_at,
                        attachments: files.get(&r.id).cloned().unwrap_or_default(),
                    })
                    .collect();
                Ok(ItemView {
                    id: i.id.into(),
                    order_id: o.id.into(),
                    code: t.code.clone(),
                    system: t.code_system,
                    name: t.name.clone(),
                    kind: t.kind,
                    panel: i.panel.clone(),
                    specimen: t.specimen.clone(),
                    unit: t.unit.clone(),
                    decimals: u8::try_from(t.decimals).unwrap_or(0),
                    status: i.status,
                    accession: i
                        .specimen_id
                        .and_then(|s| specimens.get(&s))
                        .map(|s| s.accession.clone()),
                    due_at: i.due_at,
                    results,
                    cancel_reason: i.cancel_reason.clone(),
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        out.push(OrderView {
            id: o.id.into(),
            patient_id: o.patient_id.into(),
            patient_name: shared::patients::filing_name(&p.family_name, &p.given_name),
            mrn: p.mrn.clone(),
            birth_date: p.date_of_birth,
            sex: p.sex.label().to_string(),
            ordered_by: name_of(&people, o.ordered_by),
            ordered_at: o.ordered_at,
            priority: o.priority,
            note: o.note,
            encounter_id: o.encounter_id.map(Into::into),
            items: item_views,
        });
    }
    Ok(out)
}

/// Cancels a test not yet collected (the ordering doctor changed their
/// mind), with the reason the laboratory reads.
pub async fn cancel_item(
    db: &impl ConnectionTrait,
    item: items::Model,
    reason: String,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<items::Model, AppError> {
    if item.status != ItemStatus::Ordered {
        return Err(AppError::Conflict(
            "Only a test not yet collected can be cancelled.".into(),
        ));
    }
    let reason = reason.trim();
    if reason.is_empty() {
        return Err(AppError::field("reason", "Say why the test is cancelled."));
    }
    let updated = items::Entity::update_many()
        .col_expr(items::Column::Status, ItemStatus::Cancelled.as_str().into())
        .col_expr(
            items::Column::CancelReason,
            reason.chars().take(500).collect::<String>().into(),
        )
        .col_expr(items::Column::UpdatedAt, now.into())
        .col_expr(items::Column::UpdatedBy, Some(by).into())
        .filter(items::Column::Id.eq(item.id))
        .filter(items::Column::Status.eq(ItemStatus::Ordered))
        .exec(db)
        .await
        .or_internal()?;
    if updated.rows_affected != 1 {
        return Err(AppError::Conflict(
            "The test was collected a moment ago and can no longer be cancelled.".into(),
        ));
    }
    item_by_id(db, item.id).await
}

async fn item_by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<items::Model, AppError> {
    item(db, id.into()).await
}

/// Whether a test gives a number (it has a unit) or text.
pub fn is_numeric(t: &lab_tests::Model) -> bool {
    t.kind == TestKind::Lab && t.unit.is_some()
}

//! Pharmacy queries and changes: receiving, levels and expiry, the queue,
//! dispensing first expiry first, returns and write-offs.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use shared::chart::AllergyStatus;
use shared::ids::{BatchId, DrugId, MovementId, PrescriptionId};
use shared::pharmacy::{
    BatchView, ChargeKind, Dispensed, FillStatus, MovementKind, NewBatch, QueueCursor, QueueItem,
    QueuePage, StockLevel, Taken,
};
use shared::prescribing::PrescriptionStatus;
use shared::AppError;
use uuid::Uuid;

use crate::context::OrInternal;
use crate::entity::{
    allergies, formulary_drugs, patients, prescriptions, stock_batches, stock_movements,
};

/// The batch's quantity changed by `delta` (in an update's SET).
fn batch_quantity(delta: i32) -> Expr {
    use sea_orm::sea_query::ExprTrait;
    Expr::col(stock_batches::Column::Quantity).add(delta)
}

fn batch_view(b: stock_batches::Model, label: &str) -> BatchView {
    BatchView {
        id: b.id.into(),
        drug_id: b.drug_id.into(),
        drug_label: label.to_string(),
        lot_number: b.lot_number,
        expires_on: b.expires_on,
        location: b.location,
        received_quantity: b.received_quantity.max(0) as u32,
        quantity: b.quantity.max(0) as u32,
        received_at: b.received_at,
    }
}

fn label(d: &formulary_drugs::Model) -> String {
    format!("{} {} {}", d.generic_name, d.strength, d.dose_form)
}

#[allow(clippy::too_many_arguments)]
async fn movement(
    db: &impl ConnectionTrait,
    batch: &stock_batches::Model,
    kind: MovementKind,
    quantity: u32,
    prescription: Option<&prescriptions::Model>,
    reason: Option<String>,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    stock_movements::ActiveModel {
        id: Set(id),
        batch_id: Set(batch.id),
        drug_id: Set(batch.drug_id),
        kind: Set(kind),
        quantity: Set(quantity as i32),
        prescription_id: Set(prescription.map(|p| p.id)),
        patient_id: Set(prescription.map(|p| p.patient_id)),
        reason: Set(reason),
        by_user: Set(by),
        at: Set(at),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(id)
}

/// Takes a delivery into stock: a batch and its `receive` movement.
pub async fn receive(
    db: &impl ConnectionTrait,
    b: &NewBatch,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<BatchView, AppError> {
    let drug = crate::formulary::service::find(db, b.drug_id).await?;
    let batch = stock_batches::ActiveModel {
        id: Set(Uuid::new_v4()),
        drug_id: Set(drug.id),
        lot_number: Set(b.lot_number.clone()),
        expires_on: Set(b.expires_on),
        location: Set(b.location.clone()),
        received_quantity: Set(b.quantity as i32),
        quantity: Set(b.quantity as i32),
        received_at: Set(now),
        received_by: Set(by),
    }
    .insert(db)
    .await
    .or_internal()?;
    movement(
        db,
        &batch,
        MovementKind::Receive,
        b.quantity,
        None,
        None,
        by,
        now,
    )
    .await?;
    Ok(batch_view(batch, &label(&drug)))
}

/// Unexpired units in stock per drug.
async fn on_hand(
    db: &impl ConnectionTrait,
    drug_ids: Vec<Uuid>,
    today: NaiveDate,
) -> Result<HashMap<Uuid, u32>, AppError> {
    let rows = stock_batches::Entity::find()
        .filter(stock_batches::Column::DrugId.is_in(drug_ids))
        .filter(stock_batches::Column::ExpiresOn.gte(today))
        .filter(stock_batches::Column::Quantity.gt(0))
        .all(db)
        .await
        .or_internal()?;
    let mut out = HashMap::new();
    for b in rows {
        *out.entry(b.drug_id).or_insert(0) += b.quantity.max(0) as u32;
    }
    Ok(out)
}

/// The stock of every drug that has a batch with units left or a reorder
/// level: low ones first, then by name. Expired batches are listed (to be
/// written off) but not counted as on hand.
pub async fn levels(
    db: &impl ConnectionTrait,
    today: NaiveDate,
) -> Result<Vec<StockLevel>, AppError> {
    let batches = stock_batches::Entity::find()
        .filter(stock_batches::Column::Quantity.gt(0))
        .order_by_asc(stock_batches::Column::ExpiresOn)
        .order_by_asc(stock_batches::Column::ReceivedAt)
        .all(db)
        .await
        .or_internal()?;
    let mut drug_ids: Vec<Uuid> = batches.iter().map(|b| b.drug_id).collect();
    let watched = formulary_drugs::Entity::find()
        .filter(formulary_drugs::Column::ReorderLevel.gt(0))
        .all(db)
        .await
        .or_internal()?;
    drug_ids.extend(watched.iter().map(|d| d.id));
    drug_ids.sort();
    drug_ids.dedup();
    let drugs = crate::formulary::service::by_ids(db, drug_ids.clone()).await?;
    let mut levels: Vec<StockLevel> = drug_ids
        .iter()
        .filter_map(|id| drugs.get(id))
        .map(|d| StockLevel {
            drug_id: d.id.into(),
            drug_label: label(d),
            on_hand: 0,
            reorder_level: d.reorder_level.max(0) as u32,
            batches: Vec::new(),
        })
        .collect();
    let index: HashMap<Uuid, usize> = levels
        .iter()
        .enumerate()
        .map(|(i, l)| (l.drug_id.uuid(), i))
        .collect();
    for b in batches {
        if let Some(&i) = index.get(&b.drug_id) {
            let level = &mut levels[i];
            if b.expires_on >= today {
                level.on_hand += b.quantity.max(0) as u32;
            }
            let name = level.drug_label.clone();
            level.batches.push(batch_view(b, &name));
        }
    }
    levels.sort_by(|a, b| b.low().cmp(&a.low()).then(a.drug_label.cmp(&b.drug_label)));
    Ok(levels)
}

/// Sets the reorder level of a drug (0: not watched).
pub async fn set_reorder_level(
    db: &impl ConnectionTrait,
    drug_id: DrugId,
    level: u32,
) -> Result<(), AppError> {
    let mut row = crate::formulary::service::find(db, drug_id)
        .await?
        .into_active_model();
    row.reorder_level = Set(level as i32);
    row.update(db).await.or_internal()?;
    Ok(())
}

/// A page of the active prescriptions not yet fully dispensed, oldest
/// first from after `cursor`, each with its patient's name and allergies,
/// the drug's stock and the patient's open online order.
pub async fn queue(
    db: &impl ConnectionTrait,
    today: NaiveDate,
    cursor: Option<&QueueCursor>,
    page_size: u64,
) -> Result<QueuePage, AppError> {
    let mut query = prescriptions::Entity::find()
        .filter(prescriptions::Column::Status.eq(PrescriptionStatus::Active))
        .filter(prescriptions::Column::FillStatus.ne(FillStatus::Dispensed));
    if let Some(c) = cursor {
        query = query.filter(
            Condition::any()
                .add(prescriptions::Column::SignedAt.gt(c.signed_at))
                .add(
                    Condition::all()
                        .add(prescriptions::Column::SignedAt.eq(c.signed_at))
                        .add(prescriptions::Column::Id.gt(c.id.uuid())),
                ),
        );
    }
    let mut rows = query
        .order_by_asc(prescriptions::Column::SignedAt)
        .order_by_asc(prescriptions::Column::Id)
        .limit(page_size + 1)
        .all(db)
        .await
        .or_internal()?;
    let more = rows.len() as u64 > page_size;
    rows.truncate(page_size as usize);
    let next = more.then(|| rows.last()).flatten().map(|p| QueueCursor {
        signed_at: p.signed_at,
        id: p.id.into(),
    });
    let patient_ids: Vec<Uuid> = rows.iter().map(|p| p.patient_id).collect();
    let people: HashMap<Uuid, patients::Model> = patients::Entity::find()
        .filter(patients::Column::Id.is_in(patient_ids.clone()))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let mut allergy_names: HashMap<Uuid, Vec<String>> = HashMap::new();
    for a in allergies::Entity::find()
        .filter(allergies::Column::PatientId.is_in(patient_ids))
        .filter(allergies::Column::Status.eq(AllergyStatus::Active))
        .order_by_asc(allergies::Column::Substance)
        .all(db)
        .await
        .or_internal()?
    {
        allergy_names.entry(a.patient_id).or_default().push(format!(
            "{} ({})",
            a.substance,
            a.severity.label().to_lowercase()
        ));
    }
    let stock = on_hand(db, rows.iter().map(|p| p.drug_id).collect(), today).await?;
    let mut orders = super::orders::open_for(db, rows.iter().map(|p| p.id).collect()).await?;
    let facts: Vec<(Uuid, Uuid, FillStatus, u32)> = rows
        .iter()
        .map(|p| {
            (
                p.patient_id,
                p.drug_id,
                p.fill_status,
                p.dispensed_quantity.max(0) as u32,
            )
        })
        .collect();
    let views = crate::prescriptions::service::views(db, rows).await?;
    let items = views
        .into_iter()
        .zip(facts)
        .map(|(view, (patient_id, drug_id, fill_status, dispensed))| {
            let person = people.get(&patient_id);
            let patient_name = person
                .map(|p| shared::patients::filing_name(&p.family_name, &p.given_name))
                .unwrap_or_default();
            let order = orders
                .remove(&view.id.uuid())
                .map(|o| super::orders::view_of(o, patient_name.clone(), view.drug_label.clone()));
            QueueItem {
                patient_name,
                mrn: person
                    .map(|p| {
                        shared::patients::Mrn::parse(&p.mrn)
                            .map(|m| m.display())
                            .unwrap_or_else(|_| p.mrn.clone())
                    })
                    .unwrap_or_default(),
                allergies: allergy_names.remove(&patient_id).unwrap_or_default(),
                fill_status,
                dispensed_quantity: dispensed,
                on_hand: stock.get(&drug_id).copied().unwrap_or(0),
                order,
                prescription: view,
            }
        })
        .collect();
    Ok(QueuePage { items, next })
}

/// An active prescription, for the pharmacy.
pub async fn active(
    db: &impl ConnectionTrait,
    id: PrescriptionId,
) -> Result<prescriptions::Model, AppError> {
    let p = prescriptions::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The prescription".into()))?;
    crate::prescriptions::service::require_active(&p)?;
    Ok(p)
}

/// Moves a prescription along the queue (new, in preparation, ready).
pub async fn set_fill_status(
    db: &impl ConnectionTrait,
    p: prescriptions::Model,
    status: FillStatus,
    now: DateTime<Utc>,
) -> Result<prescriptions::Model, AppError> {
    if matches!(status, FillStatus::Dispensed | FillStatus::Partial) {
        return Err(AppError::BadRequest("Dispensing sets that status.".into()));
    }
    if p.fill_status == FillStatus::Dispensed {
        return Err(AppError::Conflict(
            "This prescription has been dispensed.".into(),
        ));
    }
    let mut row = p.into_active_model();
    row.fill_status = Set(status);
    row.updated_at = Set(now);
    row.update(db).await.or_internal()
}

/// Dispenses `quantity` units (the rest of the prescription when `None`)
/// from the drug's unexpired batches, first expiry first. Each batch is
/// decremented by a conditional update (`quantity >= n`, not expired), with
/// the database's `quantity >= 0` check behind it, so concurrent dispenses
/// never take the same units twice. Not enough stock: a conflict, and
/// nothing is taken. Each batch used gets a movement and a charge item.
pub async fn dispense(
    db: &impl ConnectionTrait,
    p: prescriptions::Model,
    quantity: Option<u32>,
    by: Uuid,
    now: DateTime<Utc>,
    today: NaiveDate,
) -> Result<Dispensed, AppError> {
    let already = p.dispensed_quantity.max(0) as u32;
    let left = (p.quantity.max(0) as u32).saturating_sub(already);
    if left == 0 {
        return Err(AppError::Conflict(
            "This prescription has been dispensed in full.".into(),
        ));
    }
    let wanted = quantity.unwrap_or(left);
    if wanted == 0 || wanted > left {
        return Err(AppError::field(
            "quantity",
            format!("Dispense between 1 and {left} (what is left of the prescription)."),
        ));
    }
    let batches = stock_batches::Entity::find()
        .filter(stock_batches::Column::DrugId.eq(p.drug_id))
        .filter(stock_batches::Column::ExpiresOn.gte(today))
        .filter(stock_batches::Column::Quantity.gt(0))
        .order_by_asc(stock_batches::Column::ExpiresOn)
        .order_by_asc(stock_batches::Column::ReceivedAt)
        .order_by_asc(stock_batches::Column::Id)
        .all(db)
        .await
        .or_internal()?;
    let mut remaining = wanted;
    let mut taken = Vec::new();
    for batch in batches {
        if remaining == 0 {
            break;
        }
        let mut take = remaining.min(batch.quantity.max(0) as u32);
        // Another dispense may have taken some since the read: re-read and
        // try with what is left, until the update holds or the batch is empty.
        loop {
            if take == 0 {
                break;
            }
            let updated = stock_batches::Entity::update_many()
                .col_expr(
                    stock_batches::Column::Quantity,
                    batch_quantity(-(take as i32)),
                )
                .filter(stock_batches::Column::Id.eq(batch.id))
                .filter(stock_batches::Column::Quantity.gte(take as i32))
                .filter(stock_batches::Column::ExpiresOn.gte(today))
                .exec(db)
                .await
                .or_internal()?;
            if updated.rows_affected == 1 {
                break;
            }
            let now_left = stock_batches::Entity::find_by_id(batch.id)
                .one(db)
                .await
                .or_internal()?
                .map_or(0, |b| b.quantity.max(0) as u32);
            take = remaining.min(now_left);
        }
        if take == 0 {
            continue;
        }
        let movement_id = movement(
            db,
            &batch,
            MovementKind::Dispense,
            take,
            Some(&p),
            None,
            by,
            now,
        )
        .await?;
        let mut charge = crate::billing::charges::NewCharge {
            patient_id: p.patient_id,
            kind: ChargeKind::Drug,
            source: "dispense",
            source_id: movement_id,
            price_key: Some(p.drug_id.to_string()),
            description: format!("{} (lot {})", p.drug_label, batch.lot_number),
            quantity: take as i32,
            service_date: today,
            doctor_id: Some(p.prescriber_id),
        }
        .row(now);
        charge.drug_id = Set(Some(p.drug_id));
        charge.insert(db).await.or_internal()?;
        taken.push(Taken {
            movement_id: movement_id.into(),
            batch_id: batch.id.into(),
            lot_number: batch.lot_number.clone(),
            expires_on: batch.expires_on,
            quantity: take,
        });
        remaining -= take;
    }
    if remaining > 0 {
        let available = wanted - remaining;
        return Err(AppError::Conflict(format!(
            "Only {available} unexpired unit(s) in stock for {wanted} asked: receive stock or dispense part."
        )));
    }
    let dispensed = already + wanted;
    let fill_status = if dispensed >= p.quantity.max(0) as u32 {
        FillStatus::Dispensed
    } else {
        FillStatus::Partial
    };
    let (prescription_id, patient_id) = (p.id, p.patient_id);
    let mut row = p.into_active_model();
    row.dispensed_quantity = Set(dispensed as i32);
    row.fill_status = Set(fill_status);
    row.updated_at = Set(now);
    row.update(db).await.or_internal()?;
    Ok(Dispensed {
        prescription_id: prescription_id.into(),
        patient_id: patient_id.into(),
        taken,
        fill_status,
        dispensed_quantity: dispensed,
    })
}

/// Units a patient brings back unused, into the batch they came from: a
/// `return` movement, the prescription's dispensed count lowered. Answers
/// the patient the units were dispensed to.
pub async fn return_units(
    db: &impl ConnectionTrait,
    dispense_id: MovementId,
    quantity: u32,
    reason: String,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    let m = stock_movements::Entity::find_by_id(dispense_id.uuid())
        .one(db)
        .await
        .or_internal()?
        .filter(|m| m.kind == MovementKind::Dispense)
        .ok_or_else(|| AppError::NotFound("The dispense".into()))?;
    let returned: i64 = stock_movements::Entity::find()
        .filter(stock_movements::Column::Kind.eq(MovementKind::Return))
        .filter(stock_movements::Column::PrescriptionId.eq(m.prescription_id))
        .filter(stock_movements::Column::BatchId.eq(m.batch_id))
        .all(db)
        .await
        .or_internal()?
        .iter()
        .map(|r| i64::from(r.quantity))
        .sum();
    let most = (i64::from(m.quantity) - returned).max(0) as u32;
    if quantity == 0 || quantity > most {
        return Err(AppError::field(
            "quantity",
            format!("Return between 1 and {most} (what this dispense gave and was not returned)."),
        ));
    }
    stock_batches::Entity::update_many()
        .col_expr(
            stock_batches::Column::Quantity,
            batch_quantity(quantity as i32),
        )
        .filter(stock_batches::Column::Id.eq(m.batch_id))
        .exec(db)
        .await
        .or_internal()?;
    let batch = stock_batches::Entity::find_by_id(m.batch_id)
        .one(db)
        .await
        .or_internal()?
        .ok_or(AppError::Internal)?;
    let p = match m.prescription_id {
        Some(id) => prescriptions::Entity::find_by_id(id)
            .one(db)
            .await
            .or_internal()?,
        None => None,
    };
    movement(
        db,
        &batch,
        MovementKind::Return,
        quantity,
        p.as_ref(),
        Some(reason),
        by,
        now,
    )
    .await?;
    if let Some(p) = p {
        let left = (p.dispensed_quantity - quantity as i32).max(0);
        let mut row = p.into_active_model();
        row.dispensed_quantity = Set(left);
        row.fill_status = Set(if left == 0 {
            FillStatus::New
        } else {
            FillStatus::Partial
        });
        row.updated_at = Set(now);
        row.update(db).await.or_internal()?;
    }
    m.patient_id.ok_or(AppError::Internal)
}

/// Removes units from a batch (expired, damaged, lost) with a reason.
pub async fn write_off(
    db: &impl ConnectionTrait,
    batch_id: BatchId,
    quantity: u32,
    reason: String,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<stock_batches::Model, AppError> {
    let updated = stock_batches::Entity::update_many()
        .col_expr(
            stock_batches::Column::Quantity,
            batch_quantity(-(quantity as i32)),
        )
        .filter(stock_batches::Column::Id.eq(batch_id.uuid()))
        .filter(stock_batches::Column::Quantity.gte(quantity as i32))
        .exec(db)
        .await
        .or_internal()?;
    let batch = stock_batches::Entity::find_by_id(batch_id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The batch".into()))?;
    if quantity == 0 || updated.rows_affected == 0 {
        return Err(AppError::field(
            "quantity",
            format!(
                "Write off between 1 and {} (what the batch holds).",
                batch.quantity
            ),
        ));
    }
    movement(
        db,
        &batch,
        MovementKind::WriteOff,
        quantity,
        None,
        Some(reason),
        by,
        now,
    )
    .await?;
    Ok(batch)
}

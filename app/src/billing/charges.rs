//! Charges: what care creates (a completed consultation here; released
//! tests and dispensed drugs in their modules), what the billing clerk adds
//! by hand, and voiding. Each source event is charged once: the charge is
//! unique on (`source`, `source_id`), so a retried event adds nothing.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use shared::billing::{doctor_key, ChargeKind, ChargeView, ManualCharge};
use shared::ids::ChargeId;
use shared::money::{Money, Rate};
use shared::AppError;
use uuid::Uuid;

use super::prices;
use crate::context::OrInternal;
use crate::entity::{appointments, charge_items, invoice_lines, invoices, users};

/// Inserts a charge unless its source event was charged already.
pub async fn insert_once(
    db: &impl ConnectionTrait,
    charge: charge_items::ActiveModel,
) -> Result<(), AppError> {
    charge_items::Entity::insert(charge)
        .on_conflict(
            OnConflict::columns([charge_items::Column::Source, charge_items::Column::SourceId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(db)
        .await
        .or_internal()?;
    Ok(())
}

/// A new charge: what every source says about it.
pub struct NewCharge<'a> {
    pub patient_id: Uuid,
    pub kind: ChargeKind,
    /// What kind of event it arose from (`appointment`, `lab_order_item`,
    /// `dispense`, `manual`); with `source_id`, unique.
    pub source: &'a str,
    pub source_id: Uuid,
    /// The price list's key of the item.
    pub price_key: Option<String>,
    pub description: String,
    pub quantity: i32,
    pub service_date: NaiveDate,
    /// The doctor it is for, when there is one (for the revenue reports).
    pub doctor_id: Option<Uuid>,
}

impl NewCharge<'_> {
    /// The charge's row, created `now`.
    pub fn row(self, now: DateTime<Utc>) -> charge_items::ActiveModel {
        let NewCharge {
            patient_id,
            kind,
            source,
            source_id,
            price_key,
            description,
            quantity,
            service_date,
            doctor_id,
        } = self;
        charge_items::ActiveModel {
            id: Set(Uuid::new_v4()),
            patient_id: Set(patient_id),
            kind: Set(kind),
            source: Set(source.into()),
            source_id: Set(source_id),
            drug_id: Set(None),
            description: Set(description),
            quantity: Set(quantity),
            service_date: Set(service_date),
            created_at: Set(now),
            invoiced_at: Set(None),
            price_key: Set(price_key),
            added_by: Set(None),
            voided_at: Set(None),
            voided_by: Set(None),
            void_reason: Set(None),
            doctor_id: Set(doctor_id),
        }
    }
}

/// Charges a completed appointment's consultation, once.
pub async fn consultation(
    db: &impl ConnectionTrait,
    tz: chrono_tz::Tz,
    appointment: &appointments::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let doctor = users::Entity::find_by_id(appointment.doctor_id)
        .one(db)
        .await
        .or_internal()?
        .map(|u| u.display_name)
        .unwrap_or_default();
    let charge = NewCharge {
        patient_id: appointment.patient_id,
        kind: ChargeKind::Consultation,
        source: "appointment",
        source_id: appointment.id,
        price_key: Some(doctor_key(appointment.doctor_id)),
        description: format!("Consultation — {doctor}"),
        quantity: 1,
        service_date: appointment.starts_at.with_timezone(&tz).date_naive(),
        doctor_id: Some(appointment.doctor_id),
    }
    .row(now);
    insert_once(db, charge).await
}

/// A procedure or service the billing clerk charges by hand; its item must
/// have a price on the day.
pub async fn add_manual(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    charge: ManualCharge,
    today: NaiveDate,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<charge_items::Model, AppError> {
    let day = charge.service_date.unwrap_or(today);
    if day > today {
        return Err(AppError::field(
            "service_date",
            "A charge is for a service already given.",
        ));
    }
    let price = prices::price_on(db, charge.kind, std::slice::from_ref(&charge.item_key), day)
        .await?
        .ok_or_else(|| AppError::field("item", "That item has no price on that day."))?;
    let mut row = NewCharge {
        patient_id,
        kind: charge.kind,
        source: "manual",
        source_id: Uuid::new_v4(),
        price_key: Some(charge.item_key),
        description: price.name,
        quantity: charge.quantity,
        service_date: day,
        doctor_id: None,
    }
    .row(now);
    row.added_by = Set(Some(by));
    row.insert(db).await.or_internal()
}

/// A charge by id.
pub async fn find(
    db: &impl ConnectionTrait,
    id: ChargeId,
) -> Result<charge_items::Model, AppError> {
    charge_items::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The charge".into()))
}

/// Voids a charge not on an invoice, with the reason.
pub async fn void(
    db: &impl ConnectionTrait,
    id: ChargeId,
    reason: String,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<charge_items::Model, AppError> {
    let charge = find(db, id).await?;
    if charge.voided_at.is_some() {
        return Err(AppError::Conflict("That charge is already voided.".into()));
    }
    if let Some(line) = invoice_lines::Entity::find()
        .filter(invoice_lines::Column::ChargeId.eq(charge.id))
        .one(db)
        .await
        .or_internal()?
    {
        let invoice = invoices::Entity::find_by_id(line.invoice_id)
            .one(db)
            .await
            .or_internal()?;
        return Err(AppError::Conflict(match invoice.and_then(|i| i.number) {
            Some(number) => {
                format!("That charge is on invoice {number}: correct it with a credit note.")
            }
            None => "That charge is on a draft invoice: discard the draft first.".into(),
        }));
    }
    let mut row = charge.into_active_model();
    row.voided_at = Set(Some(now));
    row.voided_by = Set(Some(by));
    row.void_reason = Set(Some(reason));
    row.update(db).await.or_internal()
}

/// The patient's charges not on an invoice (voided ones too, with why),
/// priced at their service dates, oldest first.
pub async fn unbilled(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<ChargeView>, AppError> {
    let billed: Vec<Uuid> = invoice_lines::Entity::find()
        .filter(invoice_lines::Column::PatientId.eq(patient_id))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .filter_map(|l| l.charge_id)
        .collect();
    let charges = charge_items::Entity::find()
        .filter(charge_items::Column::PatientId.eq(patient_id))
        .order_by_asc(charge_items::Column::ServiceDate)
        .order_by_asc(charge_items::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()?;
    let mut views = Vec::new();
    for c in charges.into_iter().filter(|c| !billed.contains(&c.id)) {
        views.push(view(db, &c).await?);
    }
    Ok(views)
}

/// A charge with its price on its service date.
pub async fn view(
    db: &impl ConnectionTrait,
    c: &charge_items::Model,
) -> Result<ChargeView, AppError> {
    let keys = prices::keys_of(db, c).await?;
    let price = prices::price_on(db, c.kind, &keys, c.service_date).await?;
    Ok(ChargeView {
        id: ChargeId(c.id),
        kind: c.kind,
        description: c.description.clone(),
        quantity: c.quantity,
        service_date: c.service_date,
        unit_price: price.as_ref().map(|p| Money::new(p.unit_price, p.currency)),
        tax_rate: price.map(|p| Rate::stored(p.tax_rate)).unwrap_or_default(),
        manual: c.added_by.is_some(),
        voided: c.void_reason.clone(),
        invoice: None,
    })
}

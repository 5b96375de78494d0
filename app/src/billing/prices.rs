//! The price list: what an item costs from a day on, and the price of a
//! charge on its service date.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use shared::billing::{
    department_key, doctor_key, ChargeKind, NewPrice, PriceItem, PriceView, ANY_DOCTOR,
};
use shared::ids::PriceId;
use shared::money::{Money, Rate};
use shared::AppError;
use uuid::Uuid;

use crate::context::{is_unique_violation, OrInternal};
use crate::entity::{charge_items, doctor_profiles, price_list};

/// Every price, by kind, item and date, each with the day the next one of
/// its item takes over.
pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<PriceView>, AppError> {
    let rows = price_list::Entity::find()
        .order_by_asc(price_list::Column::Kind)
        .order_by_asc(price_list::Column::ItemKey)
        .order_by_asc(price_list::Column::ValidFrom)
        .all(db)
        .await
        .or_internal()?;
    let mut views: Vec<PriceView> = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let next = rows
            .get(i + 1)
            .filter(|n| n.kind == row.kind && n.item_key == row.item_key)
            .map(|n| n.valid_from);
        views.push(PriceView {
            valid_until: next,
            ..view(row)
        });
    }
    Ok(views)
}

fn view(row: &price_list::Model) -> PriceView {
    PriceView {
        id: PriceId(row.id),
        kind: row.kind,
        item_key: row.item_key.clone(),
        name: row.name.clone(),
        price: Money::new(row.unit_price, row.currency),
        tax_rate: Rate::stored(row.tax_rate),
        valid_from: row.valid_from,
        valid_until: None,
    }
}

/// Adds a price. One item has one price per starting day.
pub async fn add(
    db: &impl ConnectionTrait,
    price: NewPrice,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<PriceView, AppError> {
    let row = price_list::ActiveModel {
        id: Set(Uuid::new_v4()),
        kind: Set(price.kind),
        item_key: Set(price.item_key),
        name: Set(price.name),
        unit_price: Set(price.price.minor),
        currency: Set(price.price.currency),
        tax_rate: Set(price.tax_rate.0 as i32),
        valid_from: Set(price.valid_from),
        created_by: Set(Some(by)),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::field("valid_from", "This item already has a price from that day.")
        } else {
            crate::context::internal(e)
        }
    })?;
    Ok(view(&row))
}

/// The price of every item of `kind` on `day`, by item key.
pub async fn current(
    db: &impl ConnectionTrait,
    kind: ChargeKind,
    day: NaiveDate,
) -> Result<std::collections::HashMap<String, Money>, AppError> {
    let rows = price_list::Entity::find()
        .filter(price_list::Column::Kind.eq(kind))
        .filter(price_list::Column::ValidFrom.lte(day))
        .order_by_asc(price_list::Column::ValidFrom)
        .all(db)
        .await
        .or_internal()?;
    // Later rows replace earlier ones of the same item.
    Ok(rows
        .into_iter()
        .map(|r| (r.item_key, Money::new(r.unit_price, r.currency)))
        .collect())
}

/// The price of the first of `keys` (most specific first) that has one on `day`.
pub async fn price_on(
    db: &impl ConnectionTrait,
    kind: ChargeKind,
    keys: &[String],
    day: NaiveDate,
) -> Result<Option<price_list::Model>, AppError> {
    let rows = price_list::Entity::find()
        .filter(price_list::Column::Kind.eq(kind))
        .filter(price_list::Column::ItemKey.is_in(keys.iter().cloned()))
        .filter(price_list::Column::ValidFrom.lte(day))
        .order_by_desc(price_list::Column::ValidFrom)
        .all(db)
        .await
        .or_internal()?;
    Ok(keys
        .iter()
        .find_map(|key| rows.iter().find(|r| &r.item_key == key))
        .cloned())
}

/// The price-list keys of a charge, most specific first: a consultation is
/// priced for its doctor, else their department, else any doctor.
pub async fn keys_of(
    db: &impl ConnectionTrait,
    charge: &charge_items::Model,
) -> Result<Vec<String>, AppError> {
    let own = charge
        .price_key
        .clone()
        .or_else(|| charge.drug_id.map(|d| d.to_string()));
    let mut keys: Vec<String> = own.into_iter().collect();
    if charge.kind == ChargeKind::Consultation {
        let doctor = keys
            .first()
            .and_then(|k| k.strip_prefix("doctor:"))
            .and_then(|id| Uuid::parse_str(id).ok());
        if let Some(doctor) = doctor {
            let department = doctor_profiles::Entity::find_by_id(doctor)
                .one(db)
                .await
                .or_internal()?
                .and_then(|p| p.department_id);
            keys.extend(department.map(department_key));
        }
        keys.push(ANY_DOCTOR.to_string());
    }
    Ok(keys)
}

/// What the administrator's form offers to price, for a kind.
pub async fn items(
    db: &impl ConnectionTrait,
    kind: ChargeKind,
) -> Result<Vec<PriceItem>, AppError> {
    use crate::entity::{departments, formulary_drugs, lab_tests, users};
    use shared::lab::TestKind;
    let item = |key: String, label: String| PriceItem { key, label };
    Ok(match kind {
        ChargeKind::Consultation => {
            let mut list = vec![item(ANY_DOCTOR.into(), "Any doctor".into())];
            let departments = departments::Entity::find()
                .order_by_asc(departments::Column::Name)
                .all(db)
                .await
                .or_internal()?;
            list.extend(
                departments
                    .into_iter()
                    .map(|d| item(department_key(d.id), format!("Department: {}", d.name))),
            );
            let doctors = users::Entity::find()
                .filter(users::Column::Role.eq(shared::Role::Doctor))
                .order_by_asc(users::Column::DisplayName)
                .all(db)
                .await
                .or_internal()?;
            list.extend(
                doctors
                    .into_iter()
                    .map(|u| item(doctor_key(u.id), format!("Doctor: {}", u.display_name))),
            );
            list
        }
        ChargeKind::Lab | ChargeKind::Imaging => {
            let test_kind = if kind == ChargeKind::Lab {
                TestKind::Lab
            } else {
                TestKind::Imaging
            };
            lab_tests::Entity::find()
                .filter(lab_tests::Column::Kind.eq(test_kind))
                .order_by_asc(lab_tests::Column::Name)
                .all(db)
                .await
                .or_internal()?
                .into_iter()
                .map(|t| item(t.code.clone(), format!("{} ({})", t.name, t.code)))
                .collect()
        }
        ChargeKind::Drug => formulary_drugs::Entity::find()
            .filter(formulary_drugs::Column::RetiredAt.is_null())
            .order_by_asc(formulary_drugs::Column::GenericName)
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|d| {
                item(
                    d.id.to_string(),
                    format!("{} {} {}", d.generic_name, d.strength, d.dose_form),
                )
            })
            .collect(),
        // A night is priced by the kind of ward.
        ChargeKind::BedDay => shared::beds::WardKind::ALL
            .into_iter()
            .map(|k| {
                item(
                    k.price_key(),
                    format!("A night in {}", k.label().to_lowercase()),
                )
            })
            .collect(),
        // Codes the administrator chose: the ones priced so far.
        ChargeKind::Procedure | ChargeKind::Service => {
            let mut list: Vec<PriceItem> = Vec::new();
            for p in list_of_kind(db, kind).await? {
                if !list.iter().any(|i| i.key == p.item_key) {
                    list.push(item(
                        p.item_key.clone(),
                        format!("{} ({})", p.name, p.item_key),
                    ));
                }
            }
            list
        }
    })
}

async fn list_of_kind(
    db: &impl ConnectionTrait,
    kind: ChargeKind,
) -> Result<Vec<price_list::Model>, AppError> {
    price_list::Entity::find()
        .filter(price_list::Column::Kind.eq(kind))
        .order_by_asc(price_list::Column::ItemKey)
        .order_by_desc(price_list::Column::ValidFrom)
        .all(db)
        .await
        .or_internal()
}

/// The procedures and services the billing clerk may charge on `day`
/// (`procedure:CODE`), with their price then.
pub async fn manual_items(
    db: &impl ConnectionTrait,
    day: NaiveDate,
) -> Result<Vec<PriceItem>, AppError> {
    let mut list = Vec::new();
    for kind in [ChargeKind::Procedure, ChargeKind::Service] {
        let mut seen: Vec<String> = Vec::new();
        for p in list_of_kind(db, kind).await? {
            if p.valid_from <= day && !seen.contains(&p.item_key) {
                seen.push(p.item_key.clone());
                list.push(PriceItem {
                    key: format!("{}:{}", kind.as_str(), p.item_key),
                    label: format!("{} — {}", p.name, p.currency.format(p.unit_price)),
                });
            }
        }
    }
    Ok(list)
}

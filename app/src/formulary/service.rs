//! Formulary queries and changes.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{CaseStatement, Expr, Order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use shared::formulary::{Drug, FormularyDrug};
use shared::ids::DrugId;
use shared::text::{fold_name, query_words};
use shared::AppError;
use uuid::Uuid;

use crate::context::{is_unique_violation, OrInternal};
use crate::entity::formulary_drugs::{self, Column, Entity, Model};

/// The folded words a drug is found by: its generic and brand names, with a
/// leading space so that `LIKE '% word%'` finds word prefixes (the same as
/// migration 20 computed for the drugs it loaded).
pub fn search_text(generic_name: &str, brand_names: &[String]) -> String {
    format!(
        " {}",
        fold_name(&format!("{generic_name} {}", brand_names.join(" ")))
    )
}

pub fn view(m: Model) -> FormularyDrug {
    let text = |s: String| (!s.is_empty()).then_some(s);
    FormularyDrug {
        id: m.id.into(),
        retired: m.retired_at.is_some(),
        drug: Drug {
            rxcui: m.rxcui,
            brand_names: shared::formulary::brand_names(&m.brand_names),
            generic_name: m.generic_name,
            strength: m.strength,
            dose_form: m.dose_form,
            route: m.route,
            drug_class: text(m.drug_class),
            allergy_class: text(m.allergy_class),
        },
    }
}

/// Drugs whose generic or brand names have words starting with every word
/// of `query` ("amox clav", "augm"): generic names starting with the first
/// word first, then by name and strength. Retired drugs only when asked.
pub async fn search(
    db: &impl ConnectionTrait,
    query: &str,
    include_retired: bool,
    limit: u64,
) -> Result<Vec<FormularyDrug>, AppError> {
    let words = query_words(query);
    if words.is_empty() || query.trim().chars().count() < 2 {
        return Ok(Vec::new());
    }
    let mut select = Entity::find();
    for word in &words {
        // Folded words hold only [a-z0-9.], so they need no LIKE escaping.
        select = select.filter(Column::SearchText.like(format!("% {word}%")));
    }
    if !include_retired {
        select = select.filter(Column::RetiredAt.is_null());
    }
    let rank = CaseStatement::new()
        .case(Column::GenericName.like(format!("{}%", words[0])), 0)
        .finally(1);
    let rows = select
        .order_by(Into::<Expr>::into(rank), Order::Asc)
        .order_by(Column::GenericName, Order::Asc)
        .order_by(Column::Strength, Order::Asc)
        .order_by(Column::Id, Order::Asc)
        .limit(limit)
        .all(db)
        .await
        .or_internal()?;
    Ok(rows.into_iter().map(view).collect())
}

pub async fn find(db: &impl ConnectionTrait, id: DrugId) -> Result<Model, AppError> {
    Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The drug".into()))
}

/// The drugs with these ids, by id.
pub async fn by_ids(
    db: &impl ConnectionTrait,
    ids: Vec<Uuid>,
) -> Result<std::collections::HashMap<Uuid, Model>, AppError> {
    Ok(Entity::find()
        .filter(Column::Id.is_in(ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|d| (d.id, d))
        .collect())
}

/// Copies the fields into a row.
fn apply(row: &mut formulary_drugs::ActiveModel, d: &Drug, now: DateTime<Utc>) {
    row.rxcui = Set(d.rxcui.clone());
    row.generic_name = Set(d.generic_name.clone());
    row.brand_names = Set(d.brand_names.join(", "));
    row.strength = Set(d.strength.clone());
    row.dose_form = Set(d.dose_form.clone());
    row.route = Set(d.route.clone());
    row.drug_class = Set(d.drug_class.clone().unwrap_or_default());
    row.allergy_class = Set(d.allergy_class.clone().unwrap_or_default());
    row.search_text = Set(search_text(&d.generic_name, &d.brand_names));
    row.updated_at = Set(now);
}

/// An RxNorm code another drug has: a message on the field.
fn taken(e: sea_orm::DbErr) -> AppError {
    if is_unique_violation(&e) {
        AppError::field(
            "rxcui",
            "Another drug of the formulary has this RxNorm code.",
        )
    } else {
        crate::context::internal(e)
    }
}

pub async fn add(
    db: &impl ConnectionTrait,
    d: &Drug,
    now: DateTime<Utc>,
) -> Result<FormularyDrug, AppError> {
    let mut row = formulary_drugs::ActiveModel {
        id: Set(Uuid::new_v4()),
        ingredient_rxcuis: Set(String::new()),
        created_at: Set(now),
        retired_at: Set(None),
        ..Default::default()
    };
    apply(&mut row, d, now);
    Ok(view(row.insert(db).await.map_err(taken)?))
}

pub async fn update(
    db: &impl ConnectionTrait,
    id: DrugId,
    d: &Drug,
    now: DateTime<Utc>,
) -> Result<FormularyDrug, AppError> {
    let mut row = find(db, id).await?.into_active_model();
    apply(&mut row, d, now);
    Ok(view(row.update(db).await.map_err(taken)?))
}

/// Retires a drug (`retired`) or offers it again.
pub async fn set_retired(
    db: &impl ConnectionTrait,
    id: DrugId,
    retired: bool,
    now: DateTime<Utc>,
) -> Result<FormularyDrug, AppError> {
    let model = find(db, id).await?;
    if model.retired_at.is_some() == retired {
        return Ok(view(model));
    }
    let mut row = model.into_active_model();
    row.retired_at = Set(retired.then_some(now));
    row.updated_at = Set(now);
    Ok(view(row.update(db).await.or_internal()?))
}

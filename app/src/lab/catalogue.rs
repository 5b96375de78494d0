//! The catalogue as the server reads it: tests, and the range rules in
//! force at a moment, as `shared::lab` judges results with them.

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use shared::lab::{Age, LabValue, Limits, RangeRule};
use shared::AppError;
use uuid::Uuid;

use crate::context::{internal, OrInternal};
use crate::entity::{lab_ranges, lab_tests};

/// A catalogue entry by its code (LOINC or local).
pub async fn by_code(db: &impl ConnectionTrait, code: &str) -> Result<lab_tests::Model, AppError> {
    lab_tests::Entity::find()
        .filter(lab_tests::Column::Code.eq(code))
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The test".into()))
}

/// The rule a stored range row states.
pub fn rule_of(row: &lab_ranges::Model) -> Result<RangeRule, AppError> {
    let age = |a: &Option<String>| -> Result<Option<Age>, AppError> {
        a.as_deref().map(Age::parse).transpose().map_err(internal)
    };
    Ok(RangeRule {
        sex: row.sex,
        from_age: age(&row.from_age)?,
        until_age: age(&row.until_age)?,
        limits: Limits {
            low: row.low.map(LabValue),
            high: row.high.map(LabValue),
            critical_low: row.critical_low.map(LabValue),
            critical_high: row.critical_high.map(LabValue),
        },
    })
}

/// The range rules of `test_id` in force at `at`: a result entered then is
/// judged against these, whatever changes later.
pub async fn rules_at(
    db: &impl ConnectionTrait,
    test_id: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<RangeRule>, AppError> {
    lab_ranges::Entity::find()
        .filter(lab_ranges::Column::TestId.eq(test_id))
        .filter(lab_ranges::Column::ValidFrom.lte(at))
        .filter(
            Condition::any()
                .add(lab_ranges::Column::ValidTo.is_null())
                .add(lab_ranges::Column::ValidTo.gt(at)),
        )
        .order_by_asc(lab_ranges::Column::ValidFrom)
        .all(db)
        .await
        .or_internal()?
        .iter()
        .map(rule_of)
        .collect()
}

/// A catalogue entry by its id.
pub async fn by_id(db: &impl ConnectionTrait, id: Uuid) -> Result<lab_tests::Model, AppError> {
    lab_tests::Entity::find_by_id(id)
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The test".into()))
}

/// Every catalogue entry with its ranges in force at `now`, by kind and
/// name, for the administrator.
pub async fn rows(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<Vec<shared::lab_work::CatalogueRow>, AppError> {
    let tests = lab_tests::Entity::find()
        .order_by_asc(lab_tests::Column::Kind)
        .order_by_asc(lab_tests::Column::Name)
        .all(db)
        .await
        .or_internal()?;
    let ranges = lab_ranges::Entity::find()
        .filter(lab_ranges::Column::ValidFrom.lte(now))
        .filter(
            Condition::any()
                .add(lab_ranges::Column::ValidTo.is_null())
                .add(lab_ranges::Column::ValidTo.gt(now)),
        )
        .order_by_asc(lab_ranges::Column::ValidFrom)
        .all(db)
        .await
        .or_internal()?;
    let day = now.date_naive();
    let mut prices =
        crate::billing::prices::current(db, shared::billing::ChargeKind::Lab, day).await?;
    prices.extend(
        crate::billing::prices::current(db, shared::billing::ChargeKind::Imaging, day).await?,
    );
    tests
        .into_iter()
        .map(|t| {
            let ranges = ranges
                .iter()
                .filter(|r| r.test_id == t.id)
                .map(|r| {
                    Ok(shared::lab_work::RangeView {
                        id: r.id,
                        sex: r.sex,
                        from_age: r.from_age.clone(),
                        until_age: r.until_age.clone(),
                        limits: rule_of(r)?.limits,
                        valid_from: r.valid_from,
                    })
                })
                .collect::<Result<Vec<_>, AppError>>()?;
            Ok(shared::lab_work::CatalogueRow {
                price: prices.get(&t.code).copied(),
                code: t.code,
                name: t.name,
                kind: t.kind,
                specimen: t.specimen,
                unit: t.unit,
                panel: t.panel,
                turnaround_hours: t.turnaround_hours,
                retired: t.retired_at.is_some(),
                ranges,
            })
        })
        .collect()
}

/// Applies an administrator's edit of a catalogue entry.
pub async fn update(
    db: &impl ConnectionTrait,
    test: lab_tests::Model,
    change: shared::lab_work::TestChange,
    now: DateTime<Utc>,
) -> Result<lab_tests::Model, AppError> {
    use sea_orm::{ActiveModelTrait, Set};
    let retired_at = match (change.retired, test.retired_at) {
        (true, Some(at)) => Some(at),
        (true, None) => Some(now),
        (false, _) => None,
    };
    let mut row: lab_tests::ActiveModel = test.into();
    row.name = Set(change.name);
    row.turnaround_hours = Set(change.turnaround_hours);
    row.retired_at = Set(retired_at);
    row.updated_at = Set(now);
    row.update(db).await.or_internal()
}

/// Adds a range rule to `test` from `now` on. A rule in force for the same
/// sex and age band ends now: results entered from now on are judged by
/// the new one, those before keep the limits they were judged against.
pub async fn add_range(
    db: &impl ConnectionTrait,
    test: &lab_tests::Model,
    range: shared::lab_work::NewRange,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<lab_ranges::Model, AppError> {
    use sea_orm::{ActiveModelTrait, Set};
    let same_band = |column: lab_ranges::Column, value: Option<String>| match value {
        Some(v) => column.eq(v),
        None => column.is_null(),
    };
    lab_ranges::Entity::update_many()
        .col_expr(lab_ranges::Column::ValidTo, Some(now).into())
        .filter(lab_ranges::Column::TestId.eq(test.id))
        .filter(lab_ranges::Column::ValidTo.is_null())
        .filter(match range.sex {
            Some(s) => lab_ranges::Column::Sex.eq(s),
            None => lab_ranges::Column::Sex.is_null(),
        })
        .filter(same_band(
            lab_ranges::Column::FromAge,
            range.from_age.map(Age::code),
        ))
        .filter(same_band(
            lab_ranges::Column::UntilAge,
            range.until_age.map(Age::code),
        ))
        .exec(db)
        .await
        .or_internal()?;
    lab_ranges::ActiveModel {
        id: Set(Uuid::new_v4()),
        test_id: Set(test.id),
        sex: Set(range.sex),
        from_age: Set(range.from_age.map(Age::code)),
        until_age: Set(range.until_age.map(Age::code)),
        low: Set(range.limits.low.map(|v| v.0)),
        high: Set(range.limits.high.map(|v| v.0)),
        critical_low: Set(range.limits.critical_low.map(|v| v.0)),
        critical_high: Set(range.limits.critical_high.map(|v| v.0)),
        valid_from: Set(now),
        valid_to: Set(None),
        created_by: Set(Some(by)),
    }
    .insert(db)
    .await
    .or_internal()
}

/// Ends a range rule now.
pub async fn end_range(
    db: &impl ConnectionTrait,
    range_id: Uuid,
    now: DateTime<Utc>,
) -> Result<lab_ranges::Model, AppError> {
    let row = lab_ranges::Entity::find_by_id(range_id)
        .one(db)
        .await
        .or_internal()?
        .filter(|r| r.valid_to.is_none())
        .ok_or_else(|| AppError::NotFound("That range".into()))?;
    lab_ranges::Entity::update_many()
        .col_expr(lab_ranges::Column::ValidTo, Some(now).into())
        .filter(lab_ranges::Column::Id.eq(range_id))
        .exec(db)
        .await
        .or_internal()?;
    Ok(row)
}

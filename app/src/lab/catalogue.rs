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

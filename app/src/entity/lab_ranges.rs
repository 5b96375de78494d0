use sea_orm::entity::prelude::*;
use shared::patients::AdministrativeSex;

/// Reference and critical limits of a test for a sex (or both) and an age
/// band, in millionths, valid from `valid_from` until `valid_to`
/// (migration 25).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_ranges")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub test_id: Uuid,
    pub sex: Option<AdministrativeSex>,
    /// `18y`, `6m`, `7d` (`shared::lab::Age`).
    pub from_age: Option<String>,
    pub until_age: Option<String>,
    pub low: Option<i64>,
    pub high: Option<i64>,
    pub critical_low: Option<i64>,
    pub critical_high: Option<i64>,
    pub valid_from: DateTimeUtc,
    pub valid_to: Option<DateTimeUtc>,
    pub created_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::lab_work::Priority;

/// A doctor's order of laboratory tests or imaging studies (migration 26).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The encounter it was ordered from, if any.
    pub encounter_id: Option<Uuid>,
    pub ordered_by: Uuid,
    pub priority: Priority,
    /// The clinical note for the laboratory.
    pub note: Option<String>,
    pub ordered_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

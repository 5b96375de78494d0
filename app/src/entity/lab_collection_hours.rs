use sea_orm::entity::prelude::*;

/// A weekly block of the laboratory's sample collection hours, in the
/// hospital's local time (migration 27).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_collection_hours")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    /// `HH:MM`, local.
    pub start_time: String,
    pub end_time: String,
    pub slot_minutes: i32,
    /// How many people one slot takes.
    pub capacity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

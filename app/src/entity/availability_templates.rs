use sea_orm::entity::prelude::*;

/// A weekly block of consultation time, in the hospital's local time.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "availability_templates")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub doctor_id: Uuid,
    /// ISO weekday, 1 = Monday … 7 = Sunday.
    pub weekday: i16,
    /// `HH:MM`, local.
    pub start_time: String,
    pub end_time: String,
    pub slot_minutes: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::schedule::ExceptionKind;

/// Leave (`unavailable`) or one-off extra hours (`extra`), in local time.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "availability_exceptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub doctor_id: Uuid,
    pub kind: ExceptionKind,
    /// `YYYY-MM-DDTHH:MM`, local.
    pub starts_local: String,
    pub ends_local: String,
    pub slot_minutes: Option<i32>,
    pub reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

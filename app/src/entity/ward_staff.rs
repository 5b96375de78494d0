use sea_orm::entity::prelude::*;

/// A nurse or doctor who works on a ward, and so opens the charts of the
/// patients in its beds (migration 34).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ward_staff")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub ward_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub added_by: Uuid,
    pub added_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

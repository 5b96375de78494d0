use sea_orm::entity::prelude::*;

/// What issued invoices less credit notes billed per service day,
/// department, doctor, payer and currency (migration 31); the nil UUID is
/// "none".
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "revenue_days")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub day: Date,
    #[sea_orm(primary_key, auto_increment = false)]
    pub department_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub doctor_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub payer_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub currency: String,
    pub amount: i64,
    pub lines: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

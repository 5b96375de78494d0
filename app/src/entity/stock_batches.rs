use sea_orm::entity::prelude::*;

/// One delivery of one drug in the pharmacy (migration 22 documents the
/// columns). `quantity` is what is left; the database keeps it at 0 or more.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_batches")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub drug_id: Uuid,
    pub lot_number: String,
    pub expires_on: Date,
    pub location: String,
    pub received_quantity: i32,
    pub quantity: i32,
    pub received_at: DateTimeUtc,
    pub received_by: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

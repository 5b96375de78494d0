use sea_orm::entity::prelude::*;
use shared::pharmacy::MovementKind;

/// One change of a batch's stock (migration 22).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "stock_movements")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub batch_id: Uuid,
    pub drug_id: Uuid,
    pub kind: MovementKind,
    pub quantity: i32,
    pub prescription_id: Option<Uuid>,
    pub patient_id: Option<Uuid>,
    pub reason: Option<String>,
    pub by_user: Uuid,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

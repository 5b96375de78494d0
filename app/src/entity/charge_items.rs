use sea_orm::entity::prelude::*;
use shared::pharmacy::ChargeKind;

/// Something billing will invoice (migration 22): one row per source event,
/// unique on (`source`, `source_id`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "charge_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: ChargeKind,
    pub source: String,
    pub source_id: Uuid,
    pub drug_id: Option<Uuid>,
    pub description: String,
    pub quantity: i32,
    pub service_date: Date,
    pub created_at: DateTimeUtc,
    pub invoiced_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::pharmacy::{Fulfilment, OrderStatus};

/// A patient's online order of a prescription's fill (migration 24).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "pharmacy_orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub prescription_id: Uuid,
    pub patient_id: Uuid,
    pub fulfilment: Fulfilment,
    pub status: OrderStatus,
    /// Where to deliver (deliveries only).
    pub address: Option<String>,
    pub placed_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// The staff member who moved it last (`None`: the patient).
    pub updated_by: Option<Uuid>,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

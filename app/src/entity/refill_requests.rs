use sea_orm::entity::prelude::*;
use shared::prescribing::RefillStatus;

/// A patient's request for another fill of a prescription (migration 23).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "refill_requests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub prescription_id: Uuid,
    pub patient_id: Uuid,
    pub status: RefillStatus,
    pub note: Option<String>,
    pub requested_at: DateTimeUtc,
    pub decided_by: Option<Uuid>,
    pub decided_at: Option<DateTimeUtc>,
    pub decline_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

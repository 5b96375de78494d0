use sea_orm::entity::prelude::*;
use shared::lab_work::{ItemStatus, Priority};

/// One ordered test of a laboratory order (migration 26).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_order_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub order_id: Uuid,
    pub patient_id: Uuid,
    pub test_id: Uuid,
    /// The panel it was ordered as part of.
    pub panel: Option<String>,
    /// The order's, copied for the worklist.
    pub priority: Priority,
    pub ordered_at: DateTimeUtc,
    pub status: ItemStatus,
    pub specimen_id: Option<Uuid>,
    /// Ordered plus the turnaround its priority allows.
    pub due_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub updated_by: Option<Uuid>,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

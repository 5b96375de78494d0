use sea_orm::entity::prelude::*;
use shared::beds::{BedStatus, BedType};

/// A bed of a ward, with its status (migration 32).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "beds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub ward_id: Uuid,
    pub room: String,
    pub label: String,
    pub bed_type: BedType,
    pub status: BedStatus,
    /// Why it is blocked.
    pub reason: Option<String>,
    /// Counts the bed's changes.
    pub version: i64,
    pub updated_by: Uuid,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

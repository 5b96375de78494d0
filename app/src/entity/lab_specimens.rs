use sea_orm::entity::prelude::*;

/// A specimen collected for an order, with its accession number
/// (migration 26).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_specimens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub accession: String,
    pub patient_id: Uuid,
    pub order_id: Uuid,
    pub specimen: String,
    pub collected_at: DateTimeUtc,
    pub collected_by: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// An MRN of a record merged into `patient_id`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mrn_aliases")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub mrn: String,
    pub patient_id: Uuid,
    pub merged_from: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

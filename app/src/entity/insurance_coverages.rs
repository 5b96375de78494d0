use sea_orm::entity::prelude::*;
use shared::demographics::CoverageRank;

/// An insurance coverage; `rank` is `primary` or `secondary`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "insurance_coverages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub payer: String,
    pub member_id: String,
    pub group_number: Option<String>,
    pub valid_from: Option<Date>,
    pub valid_to: Option<Date>,
    pub rank: CoverageRank,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

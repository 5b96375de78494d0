use sea_orm::entity::prelude::*;
use shared::beds::{SexRestriction, WardKind};

/// A ward or unit of beds (migration 32).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "wards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// The folded name (`text::fold_name`), unique.
    pub name_key: String,
    pub kind: WardKind,
    pub sex_restriction: SexRestriction,
    pub active: bool,
    pub updated_by: Uuid,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

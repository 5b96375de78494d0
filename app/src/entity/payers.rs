use sea_orm::entity::prelude::*;

/// An insurer the hospital bills (migration 30).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payers")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub name: String,
    /// The folded name coverages are matched by (unique).
    pub name_key: String,
    /// Hundredths of a percent of a covered line's total.
    pub share: i32,
    pub active: bool,
    pub updated_by: Uuid,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

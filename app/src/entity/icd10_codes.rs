use sea_orm::entity::prelude::*;

/// ICD-10-CM reference data, loaded by a migration; read-only for the app.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "icd10_codes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub code: String,
    pub description: String,
    pub billable: bool,
    pub parent: String,
    /// " code description" folded to lower-case ASCII words (see `shared::text::fold`).
    pub search_text: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A drug of the formulary (migration 20 documents the columns). Loaded
/// from RxNorm at migration; pharmacists and administrators add, edit and
/// retire drugs (`crate::formulary`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "formulary_drugs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub rxcui: Option<String>,
    pub generic_name: String,
    /// Comma-separated.
    pub brand_names: String,
    pub strength: String,
    pub dose_form: String,
    pub route: String,
    /// `;`-joined RxNorm ingredient codes; empty when unknown.
    pub ingredient_rxcuis: String,
    /// Empty when unknown.
    pub drug_class: String,
    /// Empty when none.
    pub allergy_class: String,
    /// " generic brand …" folded to lower-case ASCII words.
    pub search_text: String,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub retired_at: Option<DateTimeUtc>,
    /// Stock at or below which the pharmacy reorders; 0: not watched.
    pub reorder_level: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// A correction of a signed note: the full corrected text, who, when and why.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "note_amendments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub note_id: Uuid,
    pub author_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub reason: String,
    #[sea_orm(column_type = "Text")]
    pub subjective: String,
    #[sea_orm(column_type = "Text")]
    pub objective: String,
    #[sea_orm(column_type = "Text")]
    pub assessment: String,
    #[sea_orm(column_type = "Text")]
    pub plan: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

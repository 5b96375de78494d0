use sea_orm::entity::prelude::*;
use shared::chart::NoteStatus;

/// A SOAP note. Once `status` is `signed` the row never changes; corrections are amendments.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "clinical_notes")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub encounter_id: Uuid,
    pub patient_id: Uuid,
    pub author_id: Uuid,
    #[sea_orm(column_type = "Text")]
    pub subjective: String,
    #[sea_orm(column_type = "Text")]
    pub objective: String,
    #[sea_orm(column_type = "Text")]
    pub assessment: String,
    #[sea_orm(column_type = "Text")]
    pub plan: String,
    pub status: NoteStatus,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub signed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

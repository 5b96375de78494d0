use sea_orm::entity::prelude::*;
use shared::lab_visits::AttachmentType;

/// An image or PDF attached to an imaging report; the file is kept outside
/// the database under `storage_key` (migration 27).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_attachments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub result_id: Uuid,
    pub patient_id: Uuid,
    pub file_name: String,
    pub content_type: AttachmentType,
    pub size_bytes: i64,
    /// Lowercase hex.
    pub sha256: String,
    pub storage_key: String,
    pub uploaded_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

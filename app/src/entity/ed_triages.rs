use sea_orm::entity::prelude::*;
use shared::emergency::EsiLevel;

/// One triage of an emergency visit; re-triage adds another (migration 34).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ed_triages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub visit_id: Uuid,
    pub patient_id: Uuid,
    pub level: EsiLevel,
    /// Sealed (`crypto::SEALED_COLUMNS`).
    pub chief_complaint: String,
    /// Sealed.
    pub note: Option<String>,
    /// The vital signs recorded into the chart with this triage.
    pub vital_signs_id: Option<Uuid>,
    pub triaged_by: Uuid,
    pub triaged_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

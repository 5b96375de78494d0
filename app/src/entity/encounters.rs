use sea_orm::entity::prelude::*;
use shared::chart::EncounterKind;
use shared::chart::EncounterStatus;

/// A visit: `kind` outpatient/emergency/inpatient/telehealth, `status` in_progress/finished.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "encounters")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: EncounterKind,
    pub status: EncounterStatus,
    pub reason: String,
    pub location: Option<String>,
    pub started_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    pub clinician_id: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::emergency::{EdDisposition, EsiLevel};

/// A patient's visit to the emergency department, from arrival to
/// disposition (migration 34).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "ed_visits")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub arrived_at: DateTimeUtc,
    /// The latest triage's level; empty until triaged.
    pub level: Option<EsiLevel>,
    /// The latest chief complaint, sealed (`crypto::SEALED_COLUMNS`).
    pub chief_complaint: Option<String>,
    pub triaged_at: Option<DateTimeUtc>,
    pub bay_id: Option<Uuid>,
    /// The responsible clinician.
    pub clinician_id: Option<Uuid>,
    /// When the clinician took the patient on.
    pub seen_at: Option<DateTimeUtc>,
    /// The emergency encounter the chart documents the visit in.
    pub encounter_id: Option<Uuid>,
    pub disposition: Option<EdDisposition>,
    /// The other hospital of a transfer.
    pub destination: Option<String>,
    /// The disposition's note, sealed.
    pub note: Option<String>,
    pub admission_id: Option<Uuid>,
    pub closed_at: Option<DateTimeUtc>,
    pub closed_by: Option<Uuid>,
    pub created_by: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

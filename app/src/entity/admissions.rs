use sea_orm::entity::prelude::*;
use shared::beds::{AdmissionSource, AdmissionStatus};

/// A patient's stay from admission to discharge, with the signed discharge
/// summary (migration 32).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "admissions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub source: AdmissionSource,
    pub status: AdmissionStatus,
    /// The admitting doctor.
    pub doctor_id: Uuid,
    /// The admitting diagnosis's ICD-10-CM code.
    pub diagnosis: String,
    pub expected_days: i32,
    pub note: Option<String>,
    pub admitted_at: DateTimeUtc,
    /// Discharged or transferred out.
    pub ended_at: Option<DateTimeUtc>,
    /// The other hospital of a transfer out.
    pub destination: Option<String>,
    /// The diagnoses at discharge, ICD-10-CM codes separated by commas.
    pub discharge_diagnoses: Option<String>,
    pub procedures: Option<String>,
    /// The prescriptions active at discharge, one per line.
    pub medications: Option<String>,
    pub follow_up: Option<String>,
    pub summary: Option<String>,
    pub signed_by: Option<Uuid>,
    pub signed_at: Option<DateTimeUtc>,
    pub created_by: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

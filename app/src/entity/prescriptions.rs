use sea_orm::entity::prelude::*;
use shared::pharmacy::FillStatus;
use shared::prescribing::{DoseUnit, FrequencyKind, PrescriptionStatus};

/// A signed prescription of one formulary drug (migration 21 documents the
/// columns).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "prescriptions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub encounter_id: Option<Uuid>,
    pub drug_id: Uuid,
    pub drug_label: String,
    pub dose_milli: i32,
    pub dose_unit: DoseUnit,
    pub route: String,
    pub frequency: FrequencyKind,
    pub frequency_value: Option<i16>,
    pub as_needed_for: Option<String>,
    pub start_date: Date,
    pub duration_days: i32,
    pub quantity: i32,
    pub quantity_unit: String,
    pub refills: i16,
    pub refills_used: i16,
    pub instructions: Option<String>,
    pub status: PrescriptionStatus,
    pub prescriber_id: Uuid,
    pub signed_at: DateTimeUtc,
    pub verification_code: String,
    /// JSON: `Vec<shared::decision::Alert>`.
    pub alerts: String,
    pub override_reason: Option<String>,
    pub ended_at: Option<DateTimeUtc>,
    pub ended_by: Option<Uuid>,
    pub end_reason: Option<String>,
    pub replaces_id: Option<Uuid>,
    pub updated_at: DateTimeUtc,
    pub fill_status: FillStatus,
    pub dispensed_quantity: i32,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// One set of vital signs; any measurement may be missing.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "vital_signs")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub encounter_id: Option<Uuid>,
    pub recorded_at: DateTimeUtc,
    pub recorded_by: Uuid,
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    pub heart_rate: Option<i32>,
    pub respiratory_rate: Option<i32>,
    pub temperature_c: Option<f64>,
    pub spo2: Option<i32>,
    pub weight_kg: Option<f64>,
    pub height_cm: Option<f64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// The measurements of the row.
    pub fn vitals(&self) -> shared::chart::Vitals {
        shared::chart::Vitals {
            systolic: self.systolic,
            diastolic: self.diastolic,
            heart_rate: self.heart_rate,
            respiratory_rate: self.respiratory_rate,
            temperature_c: self.temperature_c,
            spo2: self.spo2,
            weight_kg: self.weight_kg,
            height_cm: self.height_cm,
        }
    }
}

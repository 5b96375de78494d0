use sea_orm::entity::prelude::*;
use shared::lab::{CodeSystem, Modality, TestKind};

/// An orderable laboratory test or imaging study (migration 25).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "lab_tests")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// LOINC code, or the hospital's own (`code_system`).
    #[sea_orm(unique)]
    pub code: String,
    pub code_system: CodeSystem,
    pub kind: TestKind,
    pub name: String,
    pub short_name: String,
    pub specimen: Option<String>,
    /// UCUM.
    pub unit: Option<String>,
    pub si_unit: Option<String>,
    /// Conventional value × factor = SI value, as decimal text.
    pub si_factor: Option<String>,
    /// Decimals values are shown with.
    pub decimals: i16,
    pub panel: Option<String>,
    pub modality: Option<Modality>,
    pub body_region: Option<String>,
    pub turnaround_hours: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub retired_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

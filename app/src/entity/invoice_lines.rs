use sea_orm::entity::prelude::*;

/// A line of an invoice or credit note (migration 28), its figures computed
/// by `shared::money::LineInput::amounts`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "invoice_lines")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub patient_id: Uuid,
    pub charge_id: Option<Uuid>,
    pub position: i32,
    pub description: String,
    pub service_date: Date,
    pub quantity: i32,
    pub unit_price: i64,
    pub discount: i64,
    pub discount_reason: Option<String>,
    /// Hundredths of a percent.
    pub tax_rate: i32,
    pub gross: i64,
    pub tax: i64,
    pub total: i64,
    /// A coverage was eligible on the service date (migration 30).
    pub covered: bool,
    /// The insurer's part of `total`.
    pub insurer_portion: i64,
    /// The charge's doctor and the doctor's department then (migration 31).
    pub doctor_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::billing::ChargeKind;

/// Something billed (migration 22): one row per source event, unique on
/// (`source`, `source_id`); priced, voided and added by hand since migration 28.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "charge_items")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: ChargeKind,
    pub source: String,
    pub source_id: Uuid,
    pub drug_id: Option<Uuid>,
    pub description: String,
    pub quantity: i32,
    pub service_date: Date,
    pub created_at: DateTimeUtc,
    pub invoiced_at: Option<DateTimeUtc>,
    /// The price list's key of the item (a test's code, `doctor:<id>`, a
    /// procedure's code); drugs are priced by `drug_id`.
    pub price_key: Option<String>,
    /// Who added it by hand (procedures, services).
    pub added_by: Option<Uuid>,
    pub voided_at: Option<DateTimeUtc>,
    pub voided_by: Option<Uuid>,
    pub void_reason: Option<String>,
    /// The doctor it is for (the consultation's, the ordering doctor's, the
    /// prescriber's), for the revenue reports (migration 31).
    pub doctor_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

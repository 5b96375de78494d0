use sea_orm::entity::prelude::*;
use shared::insurance::ClaimStatus;
use shared::money::Currency;

/// A claim of an invoice's insurer's portion (migration 30).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "claims")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub invoice_id: Uuid,
    pub payer_id: Uuid,
    /// `CLM-2026-000001`.
    pub number: String,
    pub status: ClaimStatus,
    pub member_id: String,
    pub currency: Currency,
    pub claimed: i64,
    pub approved: Option<i64>,
    pub paid: Option<i64>,
    /// The insurer's reason for a denial or a cut.
    pub reason: Option<String>,
    pub payment_ref: Option<String>,
    pub filed_by_patient: bool,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub submitted_at: Option<DateTimeUtc>,
    pub decided_at: Option<DateTimeUtc>,
    pub paid_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

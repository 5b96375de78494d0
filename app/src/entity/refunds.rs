use sea_orm::entity::prelude::*;
use shared::billing::{PaymentMethod, RefundStatus};
use shared::money::Currency;

/// Money given back from a payment (migration 29).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub invoice_id: Uuid,
    pub payment_id: Uuid,
    pub method: PaymentMethod,
    pub status: RefundStatus,
    pub amount: i64,
    pub currency: Currency,
    pub reason: String,
    /// The provider's refund id (`re_…`), for online payments.
    pub provider_ref: Option<String>,
    pub idempotency_key: String,
    /// `RFD-2026-000001`, once refunded.
    pub number: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::billing::CheckoutStatus;
use shared::money::Currency;

/// A patient paying an invoice on the provider's hosted page (migration 29).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_checkouts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub invoice_id: Uuid,
    pub amount: i64,
    pub currency: Currency,
    pub status: CheckoutStatus,
    /// The provider's id (`cs_…`), once it opened the page.
    pub provider_id: Option<String>,
    /// The hosted page.
    pub url: Option<String>,
    pub idempotency_key: String,
    /// The payment recorded once paid.
    pub payment_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub completed_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

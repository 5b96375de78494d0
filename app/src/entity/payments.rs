use sea_orm::entity::prelude::*;
use shared::billing::{PaymentMethod, PaymentStatus};
use shared::money::Currency;

/// Money received against an invoice (migration 28).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub invoice_id: Uuid,
    pub method: PaymentMethod,
    pub status: PaymentStatus,
    pub amount: i64,
    pub currency: Currency,
    pub reference: Option<String>,
    pub idempotency_key: String,
    pub receipt_number: Option<String>,
    pub received_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub received_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::money::Currency;

/// An invoice's balance agreed in instalments (migration 29).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "payment_plans")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub invoice_id: Uuid,
    pub patient_id: Uuid,
    /// What was owed when the plan was agreed: the instalments add up to it.
    pub amount: i64,
    pub currency: Currency,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub cancelled_by: Option<Uuid>,
    pub cancelled_at: Option<DateTimeUtc>,
    pub cancel_reason: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

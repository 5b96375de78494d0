use sea_orm::entity::prelude::*;
use shared::billing::{InvoiceKind, InvoiceStatus};
use shared::money::Currency;

/// An invoice or credit note (migration 28); numbered when issued.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "invoices")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub credit_of: Option<Uuid>,
    pub number: Option<String>,
    pub currency: Currency,
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
    pub note: Option<String>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub issued_by: Option<Uuid>,
    pub issued_at: Option<DateTimeUtc>,
    /// The payer of the coverage eligible on the lines' service dates
    /// (migration 30), with the member's id and the payer's share then.
    pub payer_id: Option<Uuid>,
    pub member_id: Option<String>,
    /// Hundredths of a percent.
    pub insurer_share: i32,
    /// The insurer's portion of the total (the covered lines').
    pub insurer_portion: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

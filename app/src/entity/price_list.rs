use sea_orm::entity::prelude::*;
use shared::billing::ChargeKind;
use shared::money::Currency;

/// One item's price from a day on (migration 28).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "price_list")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub kind: ChargeKind,
    pub item_key: String,
    pub name: String,
    pub unit_price: i64,
    pub currency: Currency,
    /// Hundredths of a percent.
    pub tax_rate: i32,
    pub valid_from: Date,
    /// `None`: carried over from the laboratory catalogue (migration 28).
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

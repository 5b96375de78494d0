use sea_orm::entity::prelude::*;

/// An account's TOTP secret (migration 16).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "user_mfa")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    /// The secret, encrypted (`crate::crypto`): `enc:v<key>:<base64>`.
    pub secret: String,
    /// When the first code confirmed it; `None` while enrolment is pending.
    pub confirmed_at: Option<DateTimeUtc>,
    /// The newest 30-second step whose code was accepted.
    pub last_step: Option<i64>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;

/// One password-reset link sent (migration 18); the token itself is never
/// stored, only its keyed hash.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "password_resets")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    /// `crate::crypto::Cipher::mac` of the token.
    #[sea_orm(unique)]
    pub token_hash: String,
    /// Who asked for the link.
    pub client_addr: String,
    pub created_at: DateTimeUtc,
    pub expires_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

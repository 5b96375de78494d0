use sea_orm::entity::prelude::*;
use shared::audit::Outcome;
use shared::Role;

/// Append-only: the service only inserts, and database triggers refuse updates
/// and deletes. Each row is a link of a hash chain (`audit::chain`).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_id: Option<Uuid>,
    pub actor_email: Option<String>,
    pub actor_role: Option<Role>,
    pub action: String,
    pub patient_id: Option<Uuid>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub outcome: Outcome,
    pub client_addr: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub detail: Option<String>,
    /// The event's place in the chain (`audit::chain`); never NULL for a row
    /// the application wrote (a trigger refuses one).
    pub seq: Option<i64>,
    /// The SHA-256 of the event at `seq - 1` (`shared::audit_chain`).
    pub prev_hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::access::CareRelationshipKind;

/// Who looks after whom: `kind` is registered, assigned, appointment or admission.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "care_relationships")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub user_id: Uuid,
    pub kind: CareRelationshipKind,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub ends_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

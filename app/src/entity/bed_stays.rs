use sea_orm::entity::prelude::*;

/// One bed an admitted patient lay in, from `started_at` to `ended_at`
/// (open: still there). The database holds one open stay per bed and per
/// admission (migration 32).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "bed_stays")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub admission_id: Uuid,
    pub patient_id: Uuid,
    pub bed_id: Uuid,
    pub ward_id: Uuid,
    pub started_at: DateTimeUtc,
    pub ended_at: Option<DateTimeUtc>,
    /// Why the patient came to this bed (a transfer's reason).
    pub reason: Option<String>,
    pub moved_by: Uuid,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::appointments::AppointmentStatus;

/// An appointment. Overlaps are refused by the database (see the migration).
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "appointments")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub patient_id: Uuid,
    pub doctor_id: Uuid,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// booked | checked_in | in_progress | completed | no_show | cancelled
    pub status: AppointmentStatus,
    pub reason: Option<String>,
    pub emergency_override: bool,
    pub override_reason: Option<String>,
    pub booked_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub cancelled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

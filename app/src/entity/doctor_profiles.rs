use sea_orm::entity::prelude::*;

/// What the directory shows of a doctor beyond their account.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "doctor_profiles")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub user_id: Uuid,
    pub department_id: Option<Uuid>,
    pub specialty_id: Option<Uuid>,
    /// Comma-separated, as shown: "English, German".
    pub languages: Option<String>,
    /// For staff only; never shown to patients.
    pub contact_phone: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

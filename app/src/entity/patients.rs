use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "patients")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<Date>,
    pub sex: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `family_name` folded for search (see `shared::text::fold`).
    pub family_folded: String,
    /// `given_name` folded for search.
    pub given_folded: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

use sea_orm::entity::prelude::*;
use shared::demographics::PatientStatus;
use shared::notify::Channel;
use shared::patients::AdministrativeSex;

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
    pub sex: AdministrativeSex,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub created_by: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// `family_name` transliterated and folded to lower-case ASCII words for
    /// search (see `shared::text::fold_name`).
    pub family_folded: String,
    /// `given_name` folded likewise.
    pub given_folded: String,
    /// `family_name` in its own script, NFKC-normalised and case-folded
    /// (`shared::text::fold_native`): searches typed in a non-Latin script,
    /// and duplicate detection.
    pub family_native: String,
    /// `given_name` likewise.
    pub given_native: String,
    pub preferred_name: Option<String>,
    pub gender_identity: Option<String>,
    /// The birth date is an estimate (e.g. from an approximate age).
    pub birth_date_estimated: bool,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub language: Option<String>,
    pub consent_sms: bool,
    pub consent_email: bool,
    pub consent_research: bool,
    /// `sms` or `email`: where appointment messages go (see `shared::notify`).
    pub preferred_channel: Option<Channel>,
    /// `active`, `temporary` (an emergency fast-track identity) or `merged`.
    pub status: PatientStatus,
    pub temporary_description: Option<String>,
    pub arrived_at: Option<DateTimeUtc>,
    pub merged_into: Option<Uuid>,
    pub merged_at: Option<DateTimeUtc>,
    /// The national identifier, sealed by the application
    /// (`crate::crypto::SEALED_COLUMNS`); read it with
    /// `patients::service::national_id_of`.
    #[sea_orm(column_type = "Text", nullable)]
    pub national_id: Option<String>,
    /// The keyed hash of the identifier's canonical form
    /// (`Cipher::mac(NATIONAL_ID_INDEX, …)`): how it is looked up.
    pub national_id_index: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

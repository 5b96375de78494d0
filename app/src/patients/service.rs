//! Patient records: creation with a unique MRN, and reading a profile.

use chrono::{NaiveDate, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ConnectionTrait, EntityTrait, Set, TransactionSession, TransactionTrait,
};
use shared::patients::{AdministrativeSex, Mrn, PatientProfile};
use shared::AppError;
use uuid::Uuid;

use crate::context::{internal, is_unique_violation, OrInternal};
use crate::entity::patients;

/// A patient record about to be created.
pub struct NewPatient {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: AdministrativeSex,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub created_by: Option<Uuid>,
}

/// Inserts a patient with a fresh MRN. MRNs are drawn at random (so they say
/// nothing about registration order or volume) and the unique constraint
/// settles collisions, also between server processes: on a clash, draw again.
/// Each draw runs in a savepoint, because PostgreSQL aborts the surrounding
/// transaction on a failed insert.
pub async fn insert_patient(
    db: &(impl ConnectionTrait + TransactionTrait),
    new: NewPatient,
) -> Result<patients::Model, AppError> {
    let now = Utc::now();
    for _ in 0..8 {
        let mrn = Mrn::from_body(rand::thread_rng().gen_range(10_000_000..100_000_000));
        let row = patients::ActiveModel {
            id: Set(Uuid::new_v4()),
            mrn: Set(mrn.as_str().to_string()),
            given_name: Set(new.given_name.clone()),
            family_name: Set(new.family_name.clone()),
            date_of_birth: Set(new.date_of_birth),
            sex: Set(new.sex.as_str().to_string()),
            phone: Set(new.phone.clone()),
            email: Set(new.email.clone()),
            created_by: Set(new.created_by),
            created_at: Set(now),
            updated_at: Set(now),
            family_folded: Set(folded(&new.family_name)),
            given_folded: Set(folded(&new.given_name)),
        };
        let attempt = db.begin().await.or_internal()?;
        match row.insert(&attempt).await {
            Ok(model) => {
                attempt.commit().await.or_internal()?;
                return Ok(model);
            }
            Err(e) if is_unique_violation(&e) => {
                attempt.rollback().await.or_internal()?;
            }
            Err(e) => return Err(internal(e)),
        }
    }
    Err(internal("no free MRN after 8 draws"))
}

/// A name as the search columns store it.
pub fn folded(name: &str) -> String {
    shared::text::query_words(name).join(" ")
}

pub fn profile_of(p: patients::Model) -> Result<PatientProfile, AppError> {
    Ok(PatientProfile {
        id: p.id,
        mrn: Mrn::parse(&p.mrn).or_internal()?.display(),
        given_name: p.given_name,
        family_name: p.family_name,
        date_of_birth: p.date_of_birth,
        sex: AdministrativeSex::parse(&p.sex).or_internal()?,
        phone: p.phone,
        email: p.email,
        registered_at: p.created_at,
    })
}

pub async fn profile(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<PatientProfile, AppError> {
    let p = patients::Entity::find_by_id(patient_id)
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The patient record".into()))?;
    profile_of(p)
}

//! Patient records: creation with a unique MRN, full demographics with
//! contacts and coverages, duplicate detection, and reading a record.

use chrono::{DateTime, NaiveDate, Utc};
use rand::Rng;
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use shared::demographics::{
    ContactDetails, Coverage, Demographics, DuplicateCandidate, EmergencyContact, PatientDetails,
    PatientStatus,
};
use shared::patients::{AdministrativeSex, Mrn, PatientProfile, PatientSearchHit};
use shared::AppError;
use uuid::Uuid;

use crate::context::{internal, is_unique_violation, OrInternal};
use crate::crypto::Cipher;
use crate::entity::{emergency_contacts, insurance_coverages, mrn_aliases, patients};

/// The purpose label of the national identifier's keyed hash (its blind
/// index, `patients.national_id_index`).
const NATIONAL_ID_INDEX: &str = "national_id";

/// The blind index of a national identifier in its canonical form
/// (`shared::validate::NationalId`): what the search and the duplicate
/// check compare, never the identifier itself.
pub fn national_id_index(cipher: &Cipher, canonical: &str) -> String {
    cipher.mac(NATIONAL_ID_INDEX, canonical.as_bytes())
}

/// The sealed identifier of the patient `id`, and its blind index.
pub(crate) fn seal_national_id(
    row: &mut patients::ActiveModel,
    cipher: &Cipher,
    id: Uuid,
    national: &Option<String>,
) {
    let context = crate::crypto::context("patients", "national_id", id);
    row.national_id = Set(national.as_ref().map(|n| cipher.seal(n, &context)));
    row.national_id_index = Set(national.as_ref().map(|n| national_id_index(cipher, n)));
}

/// A record's national identifier, decrypted.
pub fn national_id_of(cipher: &Cipher, p: &patients::Model) -> Result<Option<String>, AppError> {
    let context = crate::crypto::context("patients", "national_id", p.id);
    p.national_id
        .as_deref()
        .map(|sealed| cipher.open(sealed, &context).or_internal())
        .transpose()
}

/// A patient record about to be created.
pub struct NewPatient {
    pub demographics: Demographics,
    pub status: PatientStatus,
    pub temporary_description: Option<String>,
    pub arrived_at: Option<DateTime<Utc>>,
    pub created_by: Option<Uuid>,
}

impl NewPatient {
    /// A record with the few details self-registration and imports carry.
    pub fn basic(
        given_name: String,
        family_name: String,
        date_of_birth: Option<NaiveDate>,
        sex: AdministrativeSex,
        phone: Option<String>,
        email: Option<String>,
    ) -> Self {
        NewPatient {
            demographics: Demographics {
                given_name,
                family_name,
                preferred_name: None,
                date_of_birth,
                birth_date_estimated: false,
                sex,
                gender_identity: None,
                language: None,
                national_id: None,
                contact: ContactDetails {
                    phone,
                    email,
                    ..Default::default()
                },
            },
            status: PatientStatus::Active,
            temporary_description: None,
            arrived_at: None,
            created_by: None,
        }
    }
}

/// Copies demographics into a row (everything but identity and bookkeeping);
/// the row's id binds the sealed identifier to it.
fn apply_demographics(
    row: &mut patients::ActiveModel,
    cipher: &Cipher,
    id: Uuid,
    d: &Demographics,
) {
    row.given_name = Set(d.given_name.clone());
    row.family_name = Set(d.family_name.clone());
    row.given_folded = Set(folded(&d.given_name));
    row.family_folded = Set(folded(&d.family_name));
    row.given_native = Set(shared::text::fold_native(&d.given_name));
    row.family_native = Set(shared::text::fold_native(&d.family_name));
    row.preferred_name = Set(d.preferred_name.clone());
    row.date_of_birth = Set(d.date_of_birth);
    row.birth_date_estimated = Set(d.birth_date_estimated);
    row.sex = Set(d.sex);
    row.gender_identity = Set(d.gender_identity.clone());
    row.language = Set(d.language.clone());
    seal_national_id(row, cipher, id, &d.national_id);
    apply_contact(row, &d.contact);
}

/// Copies the contact part (what patients edit themselves) into a row.
pub fn apply_contact(row: &mut patients::ActiveModel, c: &ContactDetails) {
    row.phone = Set(c.phone.clone());
    row.email = Set(c.email.clone());
    row.address_line = Set(c.address_line.clone());
    row.city = Set(c.city.clone());
    row.postal_code = Set(c.postal_code.clone());
    row.country = Set(c.country.clone());
    row.consent_sms = Set(c.consent_sms);
    row.consent_email = Set(c.consent_email);
    row.consent_research = Set(c.consent_research);
    row.preferred_channel = Set(c.preferred_channel);
}

/// Inserts a patient with a fresh MRN, with its emergency contacts and
/// coverages. MRNs are drawn at random (so they say nothing about registration
/// order or volume) and the unique constraint settles collisions, also between
/// server processes: on a clash, draw again. Each draw runs in a savepoint,
/// because PostgreSQL aborts the surrounding transaction on a failed insert.
pub async fn insert_patient(
    db: &(impl ConnectionTrait + TransactionTrait),
    cipher: &Cipher,
    new: NewPatient,
) -> Result<patients::Model, AppError> {
    let now = Utc::now();
    let id = Uuid::new_v4();
    for _ in 0..8 {
        let mrn = Mrn::from_body(rand::thread_rng().gen_range(10_000_000..100_000_000));
        let mut row = patients::ActiveModel {
            id: Set(id),
            mrn: Set(mrn.as_str().to_string()),
            created_by: Set(new.created_by),
            created_at: Set(now),
            updated_at: Set(now),
            status: Set(new.status),
            temporary_description: Set(new.temporary_description.clone()),
            arrived_at: Set(new.arrived_at),
            merged_into: Set(None),
            merged_at: Set(None),
            ..Default::default()
        };
        apply_demographics(&mut row, cipher, id, &new.demographics);
        let attempt = crate::context::begin_write(db).await?;
        match row.insert(&attempt).await {
            Ok(model) => {
                replace_contacts_and_coverages(&attempt, model.id, &new.demographics.contact)
                    .await?;
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

/// Replaces a patient's emergency contacts and coverages with `contact`'s.
pub async fn replace_contacts_and_coverages(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    contact: &ContactDetails,
) -> Result<(), AppError> {
    let now = Utc::now();
    emergency_contacts::Entity::delete_many()
        .filter(emergency_contacts::Column::PatientId.eq(patient_id))
        .exec(db)
        .await
        .or_internal()?;
    for (i, c) in contact.emergency_contacts.iter().enumerate() {
        emergency_contacts::ActiveModel {
            id: Set(Uuid::new_v4()),
            patient_id: Set(patient_id),
            name: Set(c.name.clone()),
            relationship: Set(c.relationship.clone()),
            phone: Set(c.phone.clone()),
            email: Set(c.email.clone()),
            position: Set(i as i32),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .or_internal()?;
    }
    insurance_coverages::Entity::delete_many()
        .filter(insurance_coverages::Column::PatientId.eq(patient_id))
        .exec(db)
        .await
        .or_internal()?;
    for c in &contact.coverages {
        insurance_coverages::ActiveModel {
            id: Set(Uuid::new_v4()),
            patient_id: Set(patient_id),
            payer: Set(c.payer.clone()),
            member_id: Set(c.member_id.clone()),
            group_number: Set(c.group_number.clone()),
            valid_from: Set(c.valid_from),
            valid_to: Set(c.valid_to),
            rank: Set(c.rank),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .or_internal()?;
    }
    Ok(())
}

/// Replaces the whole administrative part of a record.
pub async fn update_demographics(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    model: patients::Model,
    d: &Demographics,
    confirm_identity: bool,
) -> Result<(), AppError> {
    let id = model.id;
    let temporary = model.status == PatientStatus::Temporary;
    let mut row = model.into_active_model();
    apply_demographics(&mut row, cipher, id, d);
    if temporary && confirm_identity {
        row.status = Set(PatientStatus::Active);
    }
    row.updated_at = Set(Utc::now());
    row.update(db).await.or_internal()?;
    replace_contacts_and_coverages(db, id, &d.contact).await
}

/// Replaces the contact part only (the patient's own edit).
pub async fn update_contact(
    db: &impl ConnectionTrait,
    model: patients::Model,
    c: &ContactDetails,
) -> Result<(), AppError> {
    let id = model.id;
    let mut row = model.into_active_model();
    apply_contact(&mut row, c);
    row.updated_at = Set(Utc::now());
    row.update(db).await.or_internal()?;
    replace_contacts_and_coverages(db, id, c).await
}

/// A name as the ASCII search columns store it.
pub fn folded(name: &str) -> String {
    shared::text::fold_name(name)
}

fn display_mrn(stored: &str) -> Result<String, AppError> {
    Ok(Mrn::parse(stored).or_internal()?.display())
}

pub fn profile_of(p: patients::Model) -> Result<PatientProfile, AppError> {
    Ok(PatientProfile {
        id: p.id.into(),
        mrn: display_mrn(&p.mrn)?,
        given_name: p.given_name,
        family_name: p.family_name,
        date_of_birth: p.date_of_birth,
        sex: p.sex,
        phone: p.phone,
        email: p.email,
        registered_at: p.created_at,
    })
}

/// The patients among `ids` (merged-away records included), by id: for
/// lists that name many patients, one query instead of one per row.
pub async fn by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, patients::Model>, AppError> {
    Ok(patients::Entity::find()
        .filter(patients::Column::Id.is_in(ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

pub fn hit_of(p: &patients::Model) -> Result<PatientSearchHit, AppError> {
    HitRow {
        id: p.id,
        mrn: p.mrn.clone(),
        given_name: p.given_name.clone(),
        family_name: p.family_name.clone(),
        date_of_birth: p.date_of_birth,
        sex: p.sex,
        phone: p.phone.clone(),
        status: p.status,
    }
    .into_hit()
}

/// The columns of `patients` a search hit shows (the search reads only these).
/// The fields are in the order of [`HitRow::COLUMNS`], which is also the order
/// of the JSON array the search reads it from.
#[derive(Clone, Debug, sea_orm::FromQueryResult, serde::Deserialize)]
pub struct HitRow {
    pub id: Uuid,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<chrono::NaiveDate>,
    pub sex: AdministrativeSex,
    pub phone: Option<String>,
    pub status: PatientStatus,
}

impl HitRow {
    pub const COLUMNS: [patients::Column; 8] = [
        patients::Column::Id,
        patients::Column::Mrn,
        patients::Column::GivenName,
        patients::Column::FamilyName,
        patients::Column::DateOfBirth,
        patients::Column::Sex,
        patients::Column::Phone,
        patients::Column::Status,
    ];

    pub fn into_hit(self) -> Result<PatientSearchHit, AppError> {
        Ok(PatientSearchHit {
            mrn: display_mrn(&self.mrn)?,
            sex: self.sex,
            temporary: self.status == PatientStatus::Temporary,
            id: self.id.into(),
            given_name: self.given_name,
            family_name: self.family_name,
            date_of_birth: self.date_of_birth,
            phone: self.phone,
        })
    }
}

/// The filing names ("Family, Given") of `ids`, for lists.
pub async fn names(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<std::collections::HashMap<Uuid, String>, AppError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    Ok(patients::Entity::find()
        .filter(patients::Column::Id.is_in(ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| {
            (
                p.id,
                shared::patients::filing_name(&p.family_name, &p.given_name),
            )
        })
        .collect())
}

pub async fn find(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<patients::Model, AppError> {
    patients::Entity::find_by_id(patient_id)
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The patient record".into()))
}

pub async fn profile(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<PatientProfile, AppError> {
    profile_of(find(db, patient_id).await?)
}

/// The whole administrative record: demographics, contacts, coverages, aliases.
pub async fn details(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    patient_id: Uuid,
) -> Result<PatientDetails, AppError> {
    let p = find(db, patient_id).await?;
    details_of(db, cipher, p).await
}

pub async fn details_of(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    p: patients::Model,
) -> Result<PatientDetails, AppError> {
    let national_id = national_id_of(cipher, &p)?;
    let contacts = emergency_contacts::Entity::find()
        .filter(emergency_contacts::Column::PatientId.eq(p.id))
        .order_by_asc(emergency_contacts::Column::Position)
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|c| EmergencyContact {
            name: c.name,
            relationship: c.relationship,
            phone: c.phone,
            email: c.email,
        })
        .collect();
    let coverages = insurance_coverages::Entity::find()
        .filter(insurance_coverages::Column::PatientId.eq(p.id))
        .order_by_asc(insurance_coverages::Column::Rank)
        .order_by_asc(insurance_coverages::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|c| {
            Ok(Coverage {
                payer: c.payer,
                member_id: c.member_id,
                group_number: c.group_number,
                valid_from: c.valid_from,
                valid_to: c.valid_to,
                rank: c.rank,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let aliases = mrn_aliases::Entity::find()
        .filter(mrn_aliases::Column::PatientId.eq(p.id))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|a| display_mrn(&a.mrn))
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(PatientDetails {
        id: p.id.into(),
        mrn: display_mrn(&p.mrn)?,
        status: p.status,
        temporary_description: p.temporary_description,
        arrived_at: p.arrived_at,
        merged_into: p.merged_into.map(Into::into),
        aliases,
        registered_at: p.created_at,
        demographics: Demographics {
            given_name: p.given_name,
            family_name: p.family_name,
            preferred_name: p.preferred_name,
            date_of_birth: p.date_of_birth,
            birth_date_estimated: p.birth_date_estimated,
            sex: p.sex,
            gender_identity: p.gender_identity,
            language: p.language,
            national_id,
            contact: ContactDetails {
                phone: p.phone,
                email: p.email,
                address_line: p.address_line,
                city: p.city,
                postal_code: p.postal_code,
                country: p.country,
                consent_sms: p.consent_sms,
                consent_email: p.consent_email,
                consent_research: p.consent_research,
                preferred_channel: p.preferred_channel,
                emergency_contacts: contacts,
                coverages,
            },
        },
    })
}

/// Records that look like `d`: the same national identifier (by its blind
/// index), the same name and birth date, or the same phone number. Merged
/// records are left out; `except` too (an edit).
///
/// Names are compared as written, normalised (NFKC) and case-folded
/// (`fold_native`), not in their ASCII forms: "王伟" and "李娜" both
/// transliterate to something, but different scripts' names must not meet
/// through their transliteration, and "Müller" is not "Muller".
pub async fn likely_duplicates(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    d: &Demographics,
    except: Option<Uuid>,
) -> Result<Vec<DuplicateCandidate>, AppError> {
    let family = shared::text::fold_native(&d.family_name);
    let given = shared::text::fold_native(&d.given_name);
    let national = d
        .national_id
        .as_deref()
        .map(|n| national_id_index(cipher, n));
    let mut any = Condition::any();
    if let Some(index) = &national {
        any = any.add(patients::Column::NationalIdIndex.eq(index.as_str()));
    }
    if let Some(dob) = d.date_of_birth {
        any = any.add(
            Condition::all()
                .add(patients::Column::FamilyNative.eq(family.as_str()))
                .add(patients::Column::GivenNative.eq(given.as_str()))
                .add(patients::Column::DateOfBirth.eq(dob)),
        );
    }
    if let Some(phone) = &d.contact.phone {
        let bare = phone.trim_start_matches('+').to_string();
        any = any
            .add(patients::Column::Phone.eq(bare.clone()))
            .add(patients::Column::Phone.eq(format!("+{bare}")));
    }
    if any.is_empty() {
        return Ok(Vec::new());
    }
    let mut query = patients::Entity::find()
        .filter(any)
        .filter(patients::Column::Status.ne(PatientStatus::Merged));
    if let Some(id) = except {
        query = query.filter(patients::Column::Id.ne(id));
    }
    let rows = query
        .order_by_asc(patients::Column::FamilyFolded)
        .limit(20)
        .all(db)
        .await
        .or_internal()?;
    rows.iter()
        .map(|p| {
            let mut reasons = Vec::new();
            if national.is_some() && p.national_id_index == national {
                reasons.push("Same national identifier".to_string());
            }
            if d.date_of_birth.is_some()
                && p.date_of_birth == d.date_of_birth
                && p.family_native == family
                && p.given_native == given
            {
                reasons.push("Same name and date of birth".to_string());
            }
            if let (Some(a), Some(b)) = (&p.phone, &d.contact.phone) {
                if a.trim_start_matches('+') == b.trim_start_matches('+') {
                    reasons.push("Same phone number".to_string());
                }
            }
            Ok(DuplicateCandidate {
                patient: hit_of(p)?,
                reasons,
            })
        })
        .collect()
}

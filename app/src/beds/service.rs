//! Wards, beds and admissions in the database. Server-only.
//!
//! A bed is occupied by one patient at a time, whatever the requests race
//! for: a patient is put in a bed by [`occupy`], which moves the bed from
//! free to occupied with a conditional update (no row changes when another
//! request took it first), and the stay it opens is refused by the
//! database's partial unique index on the bed's open stays (migration 32).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::sea_query::{Condition, Expr, ExprTrait};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};
use shared::access::CareRelationshipKind;
use shared::beds::{
    nights, AdmissionStatus, AdmissionView, BedBoard, BedStatus, BedView, DischargeView,
    InpatientRow, NewAdmission, NewBeds, NewDischarge, NewWard, Occupant, StayView, TransferTo,
    WardBoard, WardView,
};
use shared::billing::ChargeKind;
use shared::ids::{AdmissionId, BedId, WardId};
use shared::AppError;
use uuid::Uuid;

use crate::context::{is_unique_violation, OrInternal};
use crate::crypto::{context, Cipher};
use crate::entity::{admissions, bed_stays, beds, icd10_codes, patients, wards};

/// How long the admitting doctor keeps the chart open after discharge, to
/// finish the record.
pub const AFTER_DISCHARGE_DAYS: i64 = 30;

/// The admission's texts kept encrypted (`crypto::SEALED_COLUMNS`).
pub const SEALED: [&str; 4] = ["note", "procedures", "follow_up", "summary"];

fn seal(cipher: &Cipher, id: Uuid, column: &str, text: &str) -> String {
    cipher.seal(text, &context("admissions", column, id))
}

fn open(
    cipher: &Cipher,
    id: Uuid,
    column: &str,
    stored: &Option<String>,
) -> Result<String, AppError> {
    match stored {
        Some(s) => cipher
            .open(s, &context("admissions", column, id))
            .or_internal(),
        None => Ok(String::new()),
    }
}

fn ward_view(w: wards::Model, beds: u32) -> WardView {
    WardView {
        id: WardId(w.id),
        name: w.name,
        kind: w.kind,
        sex_restriction: w.sex_restriction,
        active: w.active,
        beds,
    }
}

/// Every ward, by name, with its number of beds.
pub async fn wards(db: &impl ConnectionTrait) -> Result<Vec<WardView>, AppError> {
    let counts: HashMap<Uuid, i64> = beds::Entity::find()
        .select_only()
        .column(beds::Column::WardId)
        .column_as(beds::Column::Id.count(), "n")
        .group_by(beds::Column::WardId)
        .into_tuple::<(Uuid, i64)>()
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .collect();
    let mut list: Vec<WardView> = wards::Entity::find()
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|w| {
            let n = counts.get(&w.id).copied().unwrap_or(0) as u32;
            ward_view(w, n)
        })
        .collect();
    list.sort_by_key(|w| (!w.active, shared::text::fold_name(&w.name)));
    Ok(list)
}

pub async fn find_ward(db: &impl ConnectionTrait, id: WardId) -> Result<wards::Model, AppError> {
    wards::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The ward".into()))
}

/// Adds a ward or changes one. Two wards never share a folded name.
pub async fn save_ward(
    db: &impl ConnectionTrait,
    id: Option<WardId>,
    ward: NewWard,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<WardView, AppError> {
    let key = shared::text::fold_name(&ward.name);
    let taken = wards::Entity::find()
        .filter(wards::Column::NameKey.eq(key.clone()))
        .one(db)
        .await
        .or_internal()?;
    if taken.is_some_and(|t| Some(WardId(t.id)) != id) {
        return Err(AppError::field(
            "name",
            "A ward of this name exists already.",
        ));
    }
    let row = match id {
        Some(id) => {
            let mut row = find_ward(db, id).await?.into_active_model();
            row.name = Set(ward.name);
            row.name_key = Set(key);
            row.kind = Set(ward.kind);
            row.sex_restriction = Set(ward.sex_restriction);
            row.active = Set(ward.active);
            row.updated_by = Set(by);
            row.updated_at = Set(now);
            row.update(db).await.or_internal()?
        }
        None => wards::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(ward.name),
            name_key: Set(key),
            kind: Set(ward.kind),
            sex_restriction: Set(ward.sex_restriction),
            active: Set(ward.active),
            updated_by: Set(by),
            updated_at: Set(now),
        }
        .insert(db)
        .await
        .or_internal()?,
    };
    let n = beds::Entity::find()
        .filter(beds::Column::WardId.eq(row.id))
        .count(db)
        .await
        .or_internal()? as u32;
    super::live::notify(db).await?;
    Ok(ward_view(row, n))
}

/// Adds beds to a ward's room; a label the room has already is refused.
pub async fn add_beds(
    db: &impl ConnectionTrait,
    new: NewBeds,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<beds::Model>, AppError> {
    find_ward(db, new.ward_id).await?;
    let existing: Vec<String> = beds::Entity::find()
        .filter(beds::Column::WardId.eq(new.ward_id.uuid()))
        .filter(beds::Column::Room.eq(new.room.clone()))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|b| b.label)
        .collect();
    let clash: Vec<&str> = new
        .labels
        .iter()
        .filter(|l| existing.contains(l))
        .map(String::as_str)
        .collect();
    if !clash.is_empty() {
        return Err(AppError::field(
            "labels",
            format!("Room {} has bed {} already.", new.room, clash.join(", ")),
        ));
    }
    let mut added = Vec::new();
    for label in new.labels {
        added.push(
            beds::ActiveModel {
                id: Set(Uuid::new_v4()),
                ward_id: Set(new.ward_id.uuid()),
                room: Set(new.room.clone()),
                label: Set(label),
                bed_type: Set(new.bed_type),
                status: Set(BedStatus::Free),
                reason: Set(None),
                version: Set(1),
                updated_by: Set(by),
                updated_at: Set(now),
            }
            .insert(db)
            .await
            .or_internal()?,
        );
    }
    super::live::notify(db).await?;
    Ok(added)
}

pub async fn find_bed(db: &impl ConnectionTrait, id: BedId) -> Result<beds::Model, AppError> {
    beds::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The bed".into()))
}

/// Moves a bed from `from` to `to` if it still is `from`: the one place a
/// bed's status changes. `false`: another request changed it first.
async fn step(
    db: &impl ConnectionTrait,
    bed: &beds::Model,
    to: BedStatus,
    reason: Option<String>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    bed.status.check(to)?;
    let done = beds::Entity::update_many()
        .col_expr(beds::Column::Status, Expr::value(to.as_str()))
        .col_expr(beds::Column::Reason, Expr::value(reason))
        .col_expr(
            beds::Column::Version,
            Expr::col(beds::Column::Version).add(1),
        )
        .col_expr(beds::Column::UpdatedBy, Expr::value(by))
        .col_expr(beds::Column::UpdatedAt, Expr::value(now))
        .filter(beds::Column::Id.eq(bed.id))
        .filter(beds::Column::Status.eq(bed.status))
        .exec(db)
        .await
        .or_internal()?;
    if done.rows_affected == 0 {
        return Err(AppError::Conflict(
            "This bed was changed a moment ago; look at the board again.".into(),
        ));
    }
    super::live::notify(db).await
}

/// A nurse's change of a bed: cleaned, blocked (with the reason), unblocked.
pub async fn set_status(
    db: &impl ConnectionTrait,
    bed_id: BedId,
    to: BedStatus,
    reason: Option<String>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<beds::Model, AppError> {
    let bed = find_bed(db, bed_id).await?;
    if !bed.status.manual_steps().contains(&to) {
        // Occupying and vacating are the admission's: say so.
        return Err(match (bed.status, to) {
            (_, BedStatus::Occupied) => AppError::Conflict(
                "A bed becomes occupied when a patient is admitted or moved to it.".into(),
            ),
            (BedStatus::Occupied, _) => AppError::Conflict(
                "This bed is occupied; it is freed when its patient is discharged or moved.".into(),
            ),
            _ => bed.status.check(to).err().unwrap_or(AppError::Internal),
        });
    }
    let reason = if to == BedStatus::Blocked {
        reason
    } else {
        None
    };
    step(db, &bed, to, reason, by, now).await?;
    find_bed(db, bed_id).await
}

/// Puts the admission's patient in a free bed: the bed becomes occupied
/// and a stay opens. Refused when the bed is not free (someone took it a
/// moment earlier, or it is being cleaned), or does not admit the patient.
async fn occupy(
    db: &impl ConnectionTrait,
    admission: &admissions::Model,
    patient: &patients::Model,
    bed_id: BedId,
    reason: Option<String>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<bed_stays::Model, AppError> {
    let bed = beds::Entity::find_by_id(bed_id.uuid())
        .lock_exclusive()
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::field("bed_id", "Choose a bed of the board."))?;
    let ward = wards::Entity::find_by_id(bed.ward_id)
        .one(db)
        .await
        .or_internal()?
        .ok_or(AppError::Internal)?;
    if !ward.active {
        return Err(AppError::field(
            "bed_id",
            "This ward is closed; choose another bed.",
        ));
    }
    if !ward.sex_restriction.admits(patient.sex.as_str()) {
        return Err(AppError::field(
            "bed_id",
            format!(
                "{} is for {}; choose a bed of another ward.",
                ward.name,
                ward.sex_restriction
                    .label()
                    .to_lowercase()
                    .replace(" only", "")
            ),
        ));
    }
    if bed.status != BedStatus::Free {
        return Err(AppError::Conflict(format!(
            "Room {}, bed {} is {}; choose a free bed.",
            bed.room,
            bed.label,
            bed.status.label().to_lowercase()
        )));
    }
    step(db, &bed, BedStatus::Occupied, None, by, now).await?;
    let stay = bed_stays::ActiveModel {
        id: Set(Uuid::new_v4()),
        admission_id: Set(admission.id),
        patient_id: Set(admission.patient_id),
        bed_id: Set(bed.id),
        ward_id: Set(bed.ward_id),
        started_at: Set(now),
        ended_at: Set(None),
        reason: Set(reason),
        moved_by: Set(by),
    };
    match stay.insert(db).await {
        Ok(stay) => Ok(stay),
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict(
            "This bed was taken a moment ago; choose another.".into(),
        )),
        Err(e) => Err(crate::context::internal(e)),
    }
}

/// Ends the admission's open stay: its bed is to be cleaned.
async fn vacate(
    db: &impl ConnectionTrait,
    admission: &admissions::Model,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<bed_stays::Model>, AppError> {
    let Some(stay) = open_stay(db, admission.id).await? else {
        return Ok(None);
    };
    let bed = beds::Entity::find_by_id(stay.bed_id)
        .lock_exclusive()
        .one(db)
        .await
        .or_internal()?
        .ok_or(AppError::Internal)?;
    step(db, &bed, BedStatus::Cleaning, None, by, now).await?;
    let mut row = stay.into_active_model();
    row.ended_at = Set(Some(now));
    Ok(Some(row.update(db).await.or_internal()?))
}

async fn open_stay(
    db: &impl ConnectionTrait,
    admission_id: Uuid,
) -> Result<Option<bed_stays::Model>, AppError> {
    bed_stays::Entity::find()
        .filter(bed_stays::Column::AdmissionId.eq(admission_id))
        .filter(bed_stays::Column::EndedAt.is_null())
        .one(db)
        .await
        .or_internal()
}

/// The patient's open admission, if any.
pub async fn current_admission(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Option<admissions::Model>, AppError> {
    admissions::Entity::find()
        .filter(admissions::Column::PatientId.eq(patient_id))
        .filter(admissions::Column::Status.eq(AdmissionStatus::Admitted))
        .one(db)
        .await
        .or_internal()
}

pub async fn find(
    db: &impl ConnectionTrait,
    id: AdmissionId,
) -> Result<admissions::Model, AppError> {
    admissions::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The admission".into()))
}

pub async fn find_for_update(
    db: &impl ConnectionTrait,
    id: AdmissionId,
) -> Result<admissions::Model, AppError> {
    admissions::Entity::find_by_id(id.uuid())
        .lock_exclusive()
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The admission".into()))
}

/// Refuses a change of an admission that has ended.
fn still_admitted(a: &admissions::Model) -> Result<(), AppError> {
    if a.status != AdmissionStatus::Admitted {
        return Err(AppError::Conflict(format!(
            "This patient was {} already.",
            a.status.label().to_lowercase()
        )));
    }
    Ok(())
}

/// Admits a patient under `doctor` to a free bed; the doctor joins the
/// care team. A patient is admitted once at a time.
pub async fn admit(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    new: NewAdmission,
    doctor: Uuid,
    now: DateTime<Utc>,
) -> Result<(admissions::Model, bed_stays::Model), AppError> {
    let patient = crate::patients::access::live_patient(db, new.patient_id.uuid()).await?;
    if icd10_codes::Entity::find_by_id(new.diagnosis.clone())
        .one(db)
        .await
        .or_internal()?
        .is_none()
    {
        return Err(AppError::field(
            "diagnosis",
            format!(
                "{} is not in ICD-10-CM; pick a code from the list.",
                new.diagnosis
            ),
        ));
    }
    if current_admission(db, patient.id).await?.is_some() {
        return Err(AppError::Conflict(
            "This patient is admitted already; transfer them instead.".into(),
        ));
    }
    let id = Uuid::new_v4();
    let admission = admissions::ActiveModel {
        id: Set(id),
        patient_id: Set(patient.id),
        source: Set(new.source),
        status: Set(AdmissionStatus::Admitted),
        doctor_id: Set(doctor),
        diagnosis: Set(new.diagnosis),
        expected_days: Set(new.expected_days),
        note: Set(new.note.map(|n| seal(cipher, id, "note", &n))),
        admitted_at: Set(now),
        ended_at: Set(None),
        destination: Set(None),
        discharge_diagnoses: Set(None),
        procedures: Set(None),
        medications: Set(None),
        follow_up: Set(None),
        summary: Set(None),
        signed_by: Set(None),
        signed_at: Set(None),
        created_by: Set(doctor),
    };
    let admission = match admission.insert(db).await {
        Ok(a) => a,
        Err(e) if is_unique_violation(&e) => {
            return Err(AppError::Conflict(
                "This patient was admitted a moment ago; open their admission.".into(),
            ))
        }
        Err(e) => return Err(crate::context::internal(e)),
    };
    let stay = occupy(db, &admission, &patient, new.bed_id, None, doctor, now).await?;
    // Admitted from the emergency department: the visit ends with it.
    crate::emergency::service::close_admitted(
        db,
        patient.id,
        AdmissionId(admission.id),
        doctor,
        now,
    )
    .await?;
    crate::patients::access::add_relationship(
        db,
        patient.id,
        doctor,
        CareRelationshipKind::Admission,
        Some(doctor),
    )
    .await?;
    Ok((admission, stay))
}

/// Moves an admitted patient to another bed (of any ward), or out to
/// another hospital (which ends the admission). Answers the stay left and
/// the one begun, if any.
pub async fn transfer(
    db: &impl ConnectionTrait,
    admission: admissions::Model,
    to: TransferTo,
    reason: String,
    tz: chrono_tz::Tz,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(admissions::Model, Option<bed_stays::Model>), AppError> {
    still_admitted(&admission)?;
    match to {
        TransferTo::Bed(bed_id) => {
            let current = open_stay(db, admission.id).await?;
            if current.as_ref().is_some_and(|s| s.bed_id == bed_id.uuid()) {
                return Err(AppError::field(
                    "bed_id",
                    "The patient is in this bed already.",
                ));
            }
            let patient = crate::patients::service::find(db, admission.patient_id).await?;
            vacate(db, &admission, by, now).await?;
            let stay = occupy(db, &admission, &patient, bed_id, Some(reason), by, now).await?;
            Ok((admission, Some(stay)))
        }
        TransferTo::Hospital(hospital) => {
            vacate(db, &admission, by, now).await?;
            let mut row = admission.into_active_model();
            row.status = Set(AdmissionStatus::TransferredOut);
            row.ended_at = Set(Some(now));
            row.destination = Set(Some(format!("{hospital} — {reason}")));
            let admission = row.update(db).await.or_internal()?;
            end_care(db, &admission, now).await?;
            charge_nights(db, &admission, tz, now).await?;
            Ok((admission, None))
        }
    }
}

/// The admitting doctor keeps the chart for [`AFTER_DISCHARGE_DAYS`].
async fn end_care(
    db: &impl ConnectionTrait,
    admission: &admissions::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use crate::entity::care_relationships;
    care_relationships::Entity::update_many()
        .col_expr(
            care_relationships::Column::EndsAt,
            Expr::value(now + Duration::days(AFTER_DISCHARGE_DAYS)),
        )
        .filter(care_relationships::Column::PatientId.eq(admission.patient_id))
        .filter(care_relationships::Column::UserId.eq(admission.doctor_id))
        .filter(care_relationships::Column::Kind.eq(CareRelationshipKind::Admission))
        .filter(care_relationships::Column::EndsAt.is_null())
        .exec(db)
        .await
        .or_internal()?;
    Ok(())
}

/// The prescriptions active now, as the discharge summary lists them.
async fn medications_now(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<String>, AppError> {
    use crate::entity::prescriptions;
    use shared::prescribing::PrescriptionStatus;
    Ok(prescriptions::Entity::find()
        .filter(prescriptions::Column::PatientId.eq(patient_id))
        .filter(prescriptions::Column::Status.eq(PrescriptionStatus::Active))
        .order_by_asc(prescriptions::Column::DrugLabel)
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| {
            format!(
                "{} — {} {}, {}",
                p.drug_label,
                shared::prescribing::format_milli(Ord::max(p.dose_milli, 0) as u32),
                p.dose_unit.label().to_lowercase(),
                p.frequency.label().to_lowercase()
            )
        })
        .collect())
}

/// Discharges an admitted patient with the summary `by` (a doctor) signs:
/// the bed is to be cleaned, the nights are charged.
pub async fn discharge(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    admission: admissions::Model,
    d: NewDischarge,
    tz: chrono_tz::Tz,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<admissions::Model, AppError> {
    still_admitted(&admission)?;
    let known: Vec<String> = icd10_codes::Entity::find()
        .filter(icd10_codes::Column::Code.is_in(d.diagnoses.clone()))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|c| c.code)
        .collect();
    if let Some(unknown) = d.diagnoses.iter().find(|c| !known.contains(c)) {
        return Err(AppError::field(
            "diagnoses",
            format!("{unknown} is not in ICD-10-CM; pick codes from the list."),
        ));
    }
    let medications = medications_now(db, admission.patient_id).await?;
    vacate(db, &admission, by, now).await?;
    let id = admission.id;
    let mut row = admission.into_active_model();
    row.status = Set(AdmissionStatus::Discharged);
    row.ended_at = Set(Some(now));
    row.discharge_diagnoses = Set(Some(d.diagnoses.join(",")));
    row.procedures = Set(Some(seal(cipher, id, "procedures", &d.procedures)));
    row.medications = Set(Some(medications.join("\n")));
    row.follow_up = Set(Some(seal(cipher, id, "follow_up", &d.follow_up)));
    row.summary = Set(Some(seal(cipher, id, "summary", &d.summary)));
    row.signed_by = Set(Some(by));
    row.signed_at = Set(Some(now));
    let admission = row.update(db).await.or_internal()?;
    end_care(db, &admission, now).await?;
    charge_nights(db, &admission, tz, now).await?;
    Ok(admission)
}

/// ICD-10-CM titles of `codes`.
async fn titles(
    db: &impl ConnectionTrait,
    codes: Vec<String>,
) -> Result<HashMap<String, String>, AppError> {
    Ok(icd10_codes::Entity::find()
        .filter(icd10_codes::Column::Code.is_in(codes))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|c| (c.code, c.description))
        .collect())
}

/// An admission, whole: the patient, the doctor, where the patient lay and
/// the discharge summary.
pub async fn view(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    a: &admissions::Model,
) -> Result<AdmissionView, AppError> {
    let names = crate::lab::work::filing_names(db, [a.patient_id]).await?;
    let (patient, mrn) = names.get(&a.patient_id).cloned().unwrap_or_default();
    let stays = bed_stays::Entity::find()
        .filter(bed_stays::Column::AdmissionId.eq(a.id))
        .order_by_asc(bed_stays::Column::StartedAt)
        .all(db)
        .await
        .or_internal()?;
    let beds_by_id = beds_by_id(db, stays.iter().map(|s| s.bed_id)).await?;
    let wards = wards_by_id(db).await?;
    let users = crate::patients::care::user_names(
        db,
        [Some(a.doctor_id), a.signed_by].into_iter().flatten(),
    )
    .await?;
    let discharged: Vec<String> = a
        .discharge_diagnoses
        .as_deref()
        .map(|d| d.split(',').map(str::to_string).collect())
        .unwrap_or_default();
    let mut codes = discharged.clone();
    codes.push(a.diagnosis.clone());
    let titles = titles(db, codes).await?;
    let title = |c: &String| titles.get(c).cloned().unwrap_or_default();
    let discharge = match (a.signed_by, a.signed_at) {
        (Some(by), Some(at)) => Some(DischargeView {
            diagnoses: discharged.iter().map(|c| (c.clone(), title(c))).collect(),
            procedures: open(cipher, a.id, "procedures", &a.procedures)?,
            medications: a
                .medications
                .as_deref()
                .unwrap_or_default()
                .lines()
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            follow_up: open(cipher, a.id, "follow_up", &a.follow_up)?,
            summary: open(cipher, a.id, "summary", &a.summary)?,
            signed_by: crate::patients::care::name_of(&users, by),
            signed_at: at,
        }),
        _ => None,
    };
    let note = open(cipher, a.id, "note", &a.note)?;
    Ok(AdmissionView {
        id: AdmissionId(a.id),
        patient_id: a.patient_id.into(),
        patient,
        mrn,
        source: a.source,
        status: a.status,
        doctor_id: a.doctor_id.into(),
        doctor: crate::patients::care::name_of(&users, a.doctor_id),
        diagnosis: a.diagnosis.clone(),
        diagnosis_title: title(&a.diagnosis),
        expected_days: a.expected_days,
        note: (!note.is_empty()).then_some(note),
        admitted_at: a.admitted_at,
        ended_at: a.ended_at,
        destination: a.destination.clone(),
        stays: stays
            .into_iter()
            .map(|s| {
                let bed = beds_by_id.get(&s.bed_id);
                StayView {
                    ward: wards
                        .get(&s.ward_id)
                        .map(|w| w.name.clone())
                        .unwrap_or_default(),
                    bed: bed
                        .map(|b| format!("Room {}, bed {}", b.room, b.label))
                        .unwrap_or_default(),
                    from: s.started_at,
                    to: s.ended_at,
                    reason: s.reason,
                }
            })
            .collect(),
        discharge,
    })
}

/// Every ward, by id.
async fn wards_by_id(db: &impl ConnectionTrait) -> Result<HashMap<Uuid, wards::Model>, AppError> {
    Ok(wards::Entity::find()
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|w| (w.id, w))
        .collect())
}

/// The beds of `ids`, by id.
async fn beds_by_id(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, beds::Model>, AppError> {
    Ok(beds::Entity::find()
        .filter(beds::Column::Id.is_in(ids))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|b| (b.id, b))
        .collect())
}

/// The patient's admissions, newest first.
pub async fn of_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<admissions::Model>, AppError> {
    admissions::Entity::find()
        .filter(admissions::Column::PatientId.eq(patient_id))
        .order_by_desc(admissions::Column::AdmittedAt)
        .all(db)
        .await
        .or_internal()
}

/// The bed board: the active wards (or one ward) with every bed, its
/// status and who lies in it. Three queries, whatever the number of beds.
pub async fn board(
    db: &impl ConnectionTrait,
    ward: Option<WardId>,
    now: DateTime<Utc>,
) -> Result<BedBoard, AppError> {
    let mut wq = wards::Entity::find().filter(wards::Column::Active.eq(true));
    let mut bq = beds::Entity::find();
    let mut sq = bed_stays::Entity::find().filter(bed_stays::Column::EndedAt.is_null());
    if let Some(w) = ward {
        find_ward(db, w).await?;
        wq = wq.filter(wards::Column::Id.eq(w.uuid()));
        bq = bq.filter(beds::Column::WardId.eq(w.uuid()));
        sq = sq.filter(bed_stays::Column::WardId.eq(w.uuid()));
    }
    let wards = wq.all(db).await.or_internal()?;
    let beds = bq
        .order_by_asc(beds::Column::Room)
        .order_by_asc(beds::Column::Label)
        .all(db)
        .await
        .or_internal()?;
    let stays = sq.all(db).await.or_internal()?;
    let names = crate::lab::work::filing_names(db, stays.iter().map(|s| s.patient_id)).await?;
    let occupants: HashMap<Uuid, Occupant> = stays
        .into_iter()
        .map(|s| {
            let (name, mrn) = names.get(&s.patient_id).cloned().unwrap_or_default();
            (
                s.bed_id,
                Occupant {
                    admission_id: AdmissionId(s.admission_id),
                    patient_id: s.patient_id.into(),
                    name,
                    mrn,
                    since: s.started_at,
                },
            )
        })
        .collect();
    let mut by_ward: HashMap<Uuid, Vec<BedView>> = HashMap::new();
    for b in beds {
        by_ward
            .entry(b.ward_id)
            .or_default()
            .push(bed_view(b, &occupants));
    }
    let mut boards: Vec<WardBoard> = wards
        .into_iter()
        .map(|w| {
            let beds = by_ward.remove(&w.id).unwrap_or_default();
            let n = beds.len() as u32;
            WardBoard {
                ward: ward_view(w, n),
                beds,
            }
        })
        .collect();
    boards.sort_by_key(|b| shared::text::fold_name(&b.ward.name));
    Ok(BedBoard {
        wards: boards,
        as_of: now,
    })
}

/// A bed as the board shows it, with its occupant among `occupants`.
pub fn bed_view(b: beds::Model, occupants: &HashMap<Uuid, Occupant>) -> BedView {
    BedView {
        id: BedId(b.id),
        ward_id: WardId(b.ward_id),
        occupant: occupants.get(&b.id).cloned(),
        room: b.room,
        label: b.label,
        bed_type: b.bed_type,
        status: b.status,
        reason: b.reason,
        updated_at: b.updated_at,
    }
}

/// A ward's inpatients for the round: bed, days since admission, allergies
/// and open tasks (draft notes, prescriptions waiting at the pharmacy).
pub async fn inpatients(
    db: &impl ConnectionTrait,
    ward: WardId,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<Vec<InpatientRow>, AppError> {
    use crate::entity::{allergies, clinical_notes, prescriptions};
    use shared::chart::{AllergyStatus, NoteStatus};
    use shared::pharmacy::FillStatus;
    use shared::prescribing::PrescriptionStatus;
    find_ward(db, ward).await?;
    let stays = bed_stays::Entity::find()
        .filter(bed_stays::Column::WardId.eq(ward.uuid()))
        .filter(bed_stays::Column::EndedAt.is_null())
        .all(db)
        .await
        .or_internal()?;
    let patients: Vec<Uuid> = stays.iter().map(|s| s.patient_id).collect();
    let admissions: HashMap<Uuid, admissions::Model> = admissions::Entity::find()
        .filter(admissions::Column::Id.is_in(stays.iter().map(|s| s.admission_id)))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    let beds = beds_by_id(db, stays.iter().map(|s| s.bed_id)).await?;
    let names = crate::lab::work::filing_names(db, patients.clone()).await?;
    let mut allergy: HashMap<Uuid, Vec<String>> = HashMap::new();
    for a in allergies::Entity::find()
        .filter(allergies::Column::PatientId.is_in(patients.clone()))
        .filter(allergies::Column::Status.eq(AllergyStatus::Active))
        .order_by_asc(allergies::Column::Substance)
        .all(db)
        .await
        .or_internal()?
    {
        allergy.entry(a.patient_id).or_default().push(a.substance);
    }
    let mut tasks: HashMap<Uuid, Vec<String>> = HashMap::new();
    let drafts = clinical_notes::Entity::find()
        .filter(clinical_notes::Column::PatientId.is_in(patients.clone()))
        .filter(clinical_notes::Column::Status.eq(NoteStatus::Draft))
        .all(db)
        .await
        .or_internal()?;
    for n in drafts {
        tasks
            .entry(n.patient_id)
            .or_default()
            .push("Sign a draft note".into());
    }
    let waiting = prescriptions::Entity::find()
        .filter(prescriptions::Column::PatientId.is_in(patients.clone()))
        .filter(prescriptions::Column::Status.eq(PrescriptionStatus::Active))
        .filter(prescriptions::Column::FillStatus.is_in([FillStatus::New, FillStatus::Preparing]))
        .all(db)
        .await
        .or_internal()?;
    for p in waiting {
        tasks
            .entry(p.patient_id)
            .or_default()
            .push(format!("{} awaited from the pharmacy", p.drug_label));
    }
    let today = now.with_timezone(&tz).date_naive();
    let titles = titles(
        db,
        admissions.values().map(|a| a.diagnosis.clone()).collect(),
    )
    .await?;
    let mut rows: Vec<InpatientRow> = stays
        .into_iter()
        .filter_map(|s| {
            let a = admissions.get(&s.admission_id)?;
            let bed = beds.get(&s.bed_id)?;
            let (name, mrn) = names.get(&s.patient_id).cloned().unwrap_or_default();
            let admitted = a.admitted_at.with_timezone(&tz).date_naive();
            Some(InpatientRow {
                admission_id: AdmissionId(a.id),
                patient_id: s.patient_id.into(),
                name,
                mrn,
                bed: format!("Room {}, bed {}", bed.room, bed.label),
                admitted_at: a.admitted_at,
                days: (today - admitted).num_days(),
                expected_days: a.expected_days,
                diagnosis: format!(
                    "{} {}",
                    a.diagnosis,
                    titles.get(&a.diagnosis).cloned().unwrap_or_default()
                ),
                allergies: allergy.remove(&s.patient_id).unwrap_or_default(),
                tasks: tasks.remove(&s.patient_id).unwrap_or_default(),
            })
        })
        .collect();
    rows.sort_by(|a, b| a.bed.cmp(&b.bed));
    Ok(rows)
}

/// The charge source of a night of an admission: one id per admission and
/// night, so a night is charged once whoever charges it. A name-based id
/// (UUIDv8 over SHA-256 of the admission and the night) rather than UUIDv5:
/// the workspace builds `uuid` without its `v5` feature, and SHA-256 is here
/// already.
pub fn night_source(admission: Uuid, night: NaiveDate) -> Uuid {
    use sha2::{Digest, Sha256};
    let digest = Sha256::new()
        .chain_update(admission.as_bytes())
        .chain_update(night.to_string().as_bytes())
        .finalize();
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_custom_bytes(bytes).into_uuid()
}

/// The midnight that ends `night`, in UTC.
fn midnight_after(night: NaiveDate, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let next = night.succ_opt()?.and_hms_opt(0, 0, 0)?;
    crate::appointments::slots::to_utc(tz, next)
}

/// Charges every night of `admission` passed so far that is not charged
/// yet: the ward the patient lay in at that midnight decides its price
/// (`bed:<ward kind>`). Answers how many nights were charged now.
pub async fn charge_nights(
    db: &impl ConnectionTrait,
    admission: &admissions::Model,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let wards = wards_by_id(db).await?;
    charge_nights_in(db, admission, &wards, tz, now).await
}

/// [`charge_nights`] with the wards already read (the hourly run reads
/// them once for every admission).
async fn charge_nights_in(
    db: &impl ConnectionTrait,
    admission: &admissions::Model,
    wards: &HashMap<Uuid, wards::Model>,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let local = |t: DateTime<Utc>| t.with_timezone(&tz).date_naive();
    let today = local(now);
    let list = nights(
        local(admission.admitted_at),
        admission.ended_at.map(local),
        today,
    );
    if list.is_empty() {
        return Ok(0);
    }
    let stays = bed_stays::Entity::find()
        .filter(bed_stays::Column::AdmissionId.eq(admission.id))
        .all(db)
        .await
        .or_internal()?;
    let charged: Vec<Uuid> = crate::entity::charge_items::Entity::find()
        .select_only()
        .column(crate::entity::charge_items::Column::SourceId)
        .filter(crate::entity::charge_items::Column::Source.eq(NIGHT_SOURCE))
        .filter(crate::entity::charge_items::Column::PatientId.eq(admission.patient_id))
        .into_tuple()
        .all(db)
        .await
        .or_internal()?;
    let mut added = 0;
    for night in list {
        let source = night_source(admission.id, night);
        if charged.contains(&source) {
            continue;
        }
        let Some(midnight) = midnight_after(night, tz) else {
            continue;
        };
        // Where the patient lay at that midnight (a stay ending exactly
        // then was left before it).
        let Some(ward) = stays
            .iter()
            .find(|s| s.started_at <= midnight && s.ended_at.is_none_or(|e| e > midnight))
            .and_then(|s| wards.get(&s.ward_id))
        else {
            continue;
        };
        let charge = crate::billing::charges::NewCharge {
            patient_id: admission.patient_id,
            kind: ChargeKind::BedDay,
            source: NIGHT_SOURCE,
            source_id: source,
            price_key: Some(ward.kind.price_key()),
            description: format!("Bed day — {}, night of {night}", ward.name),
            quantity: 1,
            service_date: night,
            doctor_id: Some(admission.doctor_id),
        }
        .row(now);
        crate::billing::charges::insert_once(db, charge).await?;
        added += 1;
    }
    Ok(added)
}

/// The charge source of bed days.
pub const NIGHT_SOURCE: &str = "bed_night";

/// Charges the nights of every admission open now or ended in the last
/// week (a night is charged once: the charge's source is unique). What the
/// server runs every hour, in every process.
pub async fn charge_all_nights(
    db: &impl ConnectionTrait,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let open = admissions::Entity::find()
        .filter(
            Condition::any()
                .add(admissions::Column::EndedAt.is_null())
                .add(admissions::Column::EndedAt.gt(now - Duration::days(7))),
        )
        .all(db)
        .await
        .or_internal()?;
    let wards = wards_by_id(db).await?;
    let mut n = 0;
    for a in open {
        n += charge_nights_in(db, &a, &wards, tz, now).await?;
    }
    Ok(n)
}

/// The name of the ward the patient lies in, if `user` works on it: the
/// ward staff's access to the charts of its inpatients.
pub async fn ward_of_staff(
    db: &impl ConnectionTrait,
    user: Uuid,
    patient_id: Uuid,
) -> Result<Option<String>, AppError> {
    use crate::entity::ward_staff;
    let Some(stay) = bed_stays::Entity::find()
        .filter(bed_stays::Column::PatientId.eq(patient_id))
        .filter(bed_stays::Column::EndedAt.is_null())
        .one(db)
        .await
        .or_internal()?
    else {
        return Ok(None);
    };
    if ward_staff::Entity::find_by_id((stay.ward_id, user))
        .one(db)
        .await
        .or_internal()?
        .is_none()
    {
        return Ok(None);
    }
    Ok(Some(find_ward(db, WardId(stay.ward_id)).await?.name))
}

/// Who works on a ward, by name.
pub async fn ward_staff(
    db: &impl ConnectionTrait,
    ward: WardId,
) -> Result<Vec<(shared::ids::UserId, String)>, AppError> {
    use crate::entity::ward_staff;
    let ids: Vec<Uuid> = ward_staff::Entity::find()
        .filter(ward_staff::Column::WardId.eq(ward.uuid()))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|s| s.user_id)
        .collect();
    let names = crate::patients::care::user_names(db, ids.iter().copied()).await?;
    let mut list: Vec<(shared::ids::UserId, String)> = ids
        .into_iter()
        .map(|id| (id.into(), crate::patients::care::name_of(&names, id)))
        .collect();
    list.sort_by_key(|(_, n)| shared::text::fold_name(n));
    Ok(list)
}

/// Adds a doctor or nurse to a ward's staff, or takes them off it.
pub async fn set_ward_staff(
    db: &impl ConnectionTrait,
    ward: WardId,
    user: shared::ids::UserId,
    member: bool,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    use crate::entity::{users, ward_staff};
    find_ward(db, ward).await?;
    let existing = ward_staff::Entity::find_by_id((ward.uuid(), user.uuid()))
        .one(db)
        .await
        .or_internal()?;
    match (member, existing) {
        (true, None) => {
            users::Entity::find_by_id(user.uuid())
                .one(db)
                .await
                .or_internal()?
                .filter(|u| u.active && u.role.can(shared::Permission::DocumentCare))
                .ok_or_else(|| {
                    AppError::field("user_id", "Choose a doctor or nurse of the hospital.")
                })?;
            ward_staff::ActiveModel {
                ward_id: Set(ward.uuid()),
                user_id: Set(user.uuid()),
                added_by: Set(by),
                added_at: Set(now),
            }
            .insert(db)
            .await
            .or_internal()?;
        }
        (false, Some(row)) => {
            ward_staff::Entity::delete_by_id((row.ward_id, row.user_id))
                .exec(db)
                .await
                .or_internal()?;
        }
        _ => {}
    }
    Ok(())
}

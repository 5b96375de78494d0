//! Reading and writing the chart. Access checks happen in the server
//! functions before any of this runs; these functions trust their caller.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::Condition;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, PaginatorTrait,
    PrimaryKeyTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use shared::chart::*;
use shared::AppError;
use uuid::Uuid;

use crate::context::OrInternal;
use crate::crypto::{context, Cipher};
use crate::entity::{
    allergies, clinical_notes, encounters, history_entries, immunizations, medications,
    note_amendments, problems, vital_signs,
};
use crate::patients::care::{name_of, user_names};

// -------------------------------------------------------------- sealed text

/// The note text as stored: each part sealed for its row and column
/// (`crate::crypto::SEALED_COLUMNS`).
fn seal_soap(cipher: &Cipher, table: &str, id: Uuid, soap: &Soap) -> Soap {
    let seal = |column: &str, text: &str| cipher.seal(text, &context(table, column, id));
    Soap {
        subjective: seal("subjective", &soap.subjective),
        objective: seal("objective", &soap.objective),
        assessment: seal("assessment", &soap.assessment),
        plan: seal("plan", &soap.plan),
    }
}

/// A sealed text of row `id` read back.
fn open_text(
    cipher: &Cipher,
    table: &str,
    column: &str,
    id: Uuid,
    stored: &str,
) -> Result<String, AppError> {
    cipher
        .open(stored, &context(table, column, id))
        .or_internal()
}

/// A sealed note text (subjective, objective, assessment, plan) read back.
fn open_soap(cipher: &Cipher, table: &str, id: Uuid, parts: [&str; 4]) -> Result<Soap, AppError> {
    let [s, o, a, p] = parts;
    Ok(Soap {
        subjective: open_text(cipher, table, "subjective", id, s)?,
        objective: open_text(cipher, table, "objective", id, o)?,
        assessment: open_text(cipher, table, "assessment", id, a)?,
        plan: open_text(cipher, table, "plan", id, p)?,
    })
}

// ------------------------------------------------------------------ writing

pub async fn open_encounter(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    clinician_id: Uuid,
    e: &NewEncounter,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    encounters::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        kind: Set(e.kind),
        status: Set(EncounterStatus::InProgress),
        reason: Set(e.reason.clone()),
        location: Set(e.location.clone()),
        started_at: Set(e.started_at),
        ended_at: Set(None),
        clinician_id: Set(clinician_id),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(id)
}

/// A row of the patient's chart by its id: not found when there is none or
/// it belongs to another patient (so an id from one chart opens nothing in
/// another).
async fn in_chart<E>(
    db: &impl ConnectionTrait,
    patient_column: E::Column,
    patient_id: Uuid,
    id: Uuid,
    what: &str,
) -> Result<E::Model, AppError>
where
    E: EntityTrait,
    <E::PrimaryKey as PrimaryKeyTrait>::ValueType: From<Uuid>,
{
    E::find_by_id(id)
        .filter(patient_column.eq(patient_id))
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound(what.into()))
}

/// The encounter, checked to belong to the patient.
pub async fn encounter_of(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    encounter_id: Uuid,
) -> Result<encounters::Model, AppError> {
    in_chart::<encounters::Entity>(
        db,
        encounters::Column::PatientId,
        patient_id,
        encounter_id,
        "The encounter",
    )
    .await
}

pub async fn finish_encounter(
    db: &impl ConnectionTrait,
    encounter: encounters::Model,
) -> Result<(), AppError> {
    if encounter.status == EncounterStatus::Finished {
        return Err(AppError::Conflict(
            "This encounter is already finished.".into(),
        ));
    }
    let mut row = encounter.into_active_model();
    row.status = Set(EncounterStatus::Finished);
    row.ended_at = Set(Some(Utc::now()));
    row.update(db).await.or_internal()?;
    Ok(())
}

/// The note, checked to belong to the patient.
pub async fn note_of(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    note_id: Uuid,
) -> Result<clinical_notes::Model, AppError> {
    in_chart::<clinical_notes::Entity>(
        db,
        clinical_notes::Column::PatientId,
        patient_id,
        note_id,
        "The note",
    )
    .await
}

/// Creates a draft, or replaces the text of the author's own draft.
pub async fn save_draft(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    encounter: &encounters::Model,
    author_id: Uuid,
    note_id: Option<Uuid>,
    soap: &Soap,
) -> Result<Uuid, AppError> {
    let now = Utc::now();
    match note_id {
        None => {
            let id = Uuid::new_v4();
            let sealed = seal_soap(cipher, "clinical_notes", id, soap);
            clinical_notes::ActiveModel {
                id: Set(id),
                encounter_id: Set(encounter.id),
                patient_id: Set(encounter.patient_id),
                author_id: Set(author_id),
                subjective: Set(sealed.subjective),
                objective: Set(sealed.objective),
                assessment: Set(sealed.assessment),
                plan: Set(sealed.plan),
                status: Set(NoteStatus::Draft),
                created_at: Set(now),
                updated_at: Set(now),
                signed_at: Set(None),
            }
            .insert(db)
            .await
            .or_internal()?;
            Ok(id)
        }
        Some(id) => {
            let note = note_of(db, encounter.patient_id, id).await?;
            editable_draft(&note, author_id)?;
            let sealed = seal_soap(cipher, "clinical_notes", id, soap);
            let mut row = note.into_active_model();
            row.subjective = Set(sealed.subjective);
            row.objective = Set(sealed.objective);
            row.assessment = Set(sealed.assessment);
            row.plan = Set(sealed.plan);
            row.updated_at = Set(now);
            row.update(db).await.or_internal()?;
            Ok(id)
        }
    }
}

/// Only the author changes or signs a draft; a signed note never changes.
pub fn editable_draft(note: &clinical_notes::Model, author_id: Uuid) -> Result<(), AppError> {
    if note.status == NoteStatus::Signed {
        return Err(AppError::Conflict(
            "This note is signed and cannot be edited; write an amendment instead.".into(),
        ));
    }
    if note.author_id != author_id {
        return Err(AppError::Forbidden);
    }
    Ok(())
}

pub async fn sign_note(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    note: clinical_notes::Model,
    author_id: Uuid,
) -> Result<(), AppError> {
    editable_draft(&note, author_id)?;
    let soap = soap_of_note(cipher, &note)?;
    if soap.is_empty() {
        return Err(AppError::field(
            "subjective",
            "An empty note cannot be signed.",
        ));
    }
    let now = Utc::now();
    let mut row = note.into_active_model();
    row.status = Set(NoteStatus::Signed);
    row.signed_at = Set(Some(now));
    row.updated_at = Set(now);
    row.update(db).await.or_internal()?;
    Ok(())
}

fn soap_of_note(cipher: &Cipher, n: &clinical_notes::Model) -> Result<Soap, AppError> {
    open_soap(
        cipher,
        "clinical_notes",
        n.id,
        [&n.subjective, &n.objective, &n.assessment, &n.plan],
    )
}

fn soap_of_amendment(cipher: &Cipher, a: &note_amendments::Model) -> Result<Soap, AppError> {
    open_soap(
        cipher,
        "note_amendments",
        a.id,
        [&a.subjective, &a.objective, &a.assessment, &a.plan],
    )
}

/// The note's text now: its latest amendment's, or the original.
pub async fn current_text(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    note: &clinical_notes::Model,
) -> Result<Soap, AppError> {
    let latest = note_amendments::Entity::find()
        .filter(note_amendments::Column::NoteId.eq(note.id))
        .order_by_desc(note_amendments::Column::CreatedAt)
        .one(db)
        .await
        .or_internal()?;
    match &latest {
        Some(amendment) => soap_of_amendment(cipher, amendment),
        None => soap_of_note(cipher, note),
    }
}

pub async fn amend_note(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    note: &clinical_notes::Model,
    author_id: Uuid,
    reason: &str,
    soap: &Soap,
) -> Result<Uuid, AppError> {
    if note.status != NoteStatus::Signed {
        return Err(AppError::Conflict(
            "Only a signed note is amended; edit the draft instead.".into(),
        ));
    }
    let id = Uuid::new_v4();
    let sealed = seal_soap(cipher, "note_amendments", id, soap);
    note_amendments::ActiveModel {
        id: Set(id),
        note_id: Set(note.id),
        author_id: Set(author_id),
        reason: Set(cipher.seal(reason, &context("note_amendments", "reason", id))),
        subjective: Set(sealed.subjective),
        objective: Set(sealed.objective),
        assessment: Set(sealed.assessment),
        plan: Set(sealed.plan),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(id)
}

pub async fn add_vitals(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    encounter_id: Option<Uuid>,
    by: Uuid,
    v: &Vitals,
    at: DateTime<Utc>,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    vital_signs::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        encounter_id: Set(encounter_id),
        recorded_at: Set(at),
        recorded_by: Set(by),
        systolic: Set(v.systolic),
        diastolic: Set(v.diastolic),
        heart_rate: Set(v.heart_rate),
        respiratory_rate: Set(v.respiratory_rate),
        temperature_c: Set(v.temperature_c),
        spo2: Set(v.spo2),
        weight_kg: Set(v.weight_kg),
        height_cm: Set(v.height_cm),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(id)
}

pub async fn add_problem(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    encounter_id: Option<Uuid>,
    by: Uuid,
    p: &NewProblem,
    description: String,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let now = Utc::now();
    problems::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        encounter_id: Set(encounter_id),
        icd10_code: Set(p.code.clone()),
        description: Set(description),
        status: Set(p.status),
        onset_date: Set(p.onset_date),
        resolved_date: Set((p.status == ProblemStatus::Resolved).then(|| now.date_naive())),
        note: Set(p.note.clone()),
        recorded_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(id)
}

pub async fn set_problem_status(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    problem_id: Uuid,
    status: ProblemStatus,
    today: NaiveDate,
) -> Result<(), AppError> {
    let p = in_chart::<problems::Entity>(
        db,
        problems::Column::PatientId,
        patient_id,
        problem_id,
        "The problem",
    )
    .await?;
    let mut row = p.into_active_model();
    row.status = Set(status);
    row.resolved_date = Set((status == ProblemStatus::Resolved).then_some(today));
    row.updated_at = Set(Utc::now());
    row.update(db).await.or_internal()?;
    Ok(())
}

pub async fn add_allergy(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    by: Uuid,
    a: &NewAllergy,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    let now = Utc::now();
    allergies::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        substance: Set(a.substance.clone()),
        reaction: Set(a.reaction.clone()),
        severity: Set(a.severity),
        status: Set(a.status),
        recorded_by: Set(by),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(id)
}

pub async fn add_immunization(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    by: Uuid,
    i: &NewImmunization,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    immunizations::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        vaccine: Set(i.vaccine.clone()),
        administered_on: Set(i.administered_on),
        dose: Set(i.dose.clone()),
        lot_number: Set(i.lot_number.clone()),
        site: Set(i.site.clone()),
        recorded_by: Set(by),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(id)
}

pub async fn add_history(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    patient_id: Uuid,
    by: Uuid,
    kind: HistoryKind,
    description: &str,
    period: Option<String>,
) -> Result<Uuid, AppError> {
    let id = Uuid::new_v4();
    history_entries::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        kind: Set(kind),
        description: Set(cipher.seal(description, &context("history_entries", "description", id))),
        period: Set(period),
        recorded_by: Set(by),
        created_at: Set(Utc::now()),
    }
    .insert(db)
    .await
    .or_internal()?;
    Ok(id)
}

// ------------------------------------------------------------------ reading

fn vitals_view(
    v: vital_signs::Model,
    names: &HashMap<Uuid, crate::entity::users::Model>,
    fallback_height: Option<f64>,
) -> VitalsView {
    let vitals = v.vitals();
    let bmi = vitals
        .weight_kg
        .zip(vitals.height_cm.or(fallback_height))
        .and_then(|(w, h)| bmi(w, h));
    VitalsView {
        id: v.id,
        recorded_at: v.recorded_at,
        recorded_by: name_of(names, v.recorded_by),
        encounter_id: v.encounter_id.map(Into::into),
        vitals,
        bmi,
    }
}

fn problem_view(
    p: problems::Model,
    names: &HashMap<Uuid, crate::entity::users::Model>,
) -> Result<ProblemView, AppError> {
    Ok(ProblemView {
        id: p.id.into(),
        icd10_code: p.icd10_code,
        description: p.description,
        status: p.status,
        onset_date: p.onset_date,
        resolved_date: p.resolved_date,
        note: p.note,
        recorded_by: name_of(names, p.recorded_by),
        recorded_at: p.created_at,
    })
}

/// Everything but the timeline: what the chart opens on (also the portal's record).
pub struct ChartParts {
    pub problems: Vec<ProblemView>,
    pub allergies: Vec<AllergyView>,
    pub vitals: Vec<VitalsView>,
    pub immunizations: Vec<ImmunizationView>,
    pub history: Vec<HistoryView>,
    pub medications: Vec<MedicationView>,
    pub encounter_count: u64,
}

pub async fn chart_parts(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    patient_id: Uuid,
) -> Result<ChartParts, AppError> {
    let problem_rows = problems::Entity::find()
        .filter(problems::Column::PatientId.eq(patient_id))
        .order_by_asc(problems::Column::Status)
        .order_by_desc(problems::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()?;
    let allergy_rows = allergies::Entity::find()
        .filter(allergies::Column::PatientId.eq(patient_id))
        .order_by_asc(allergies::Column::Status)
        .order_by_asc(allergies::Column::Substance)
        .all(db)
        .await
        .or_internal()?;
    let vital_rows = vital_signs::Entity::find()
        .filter(vital_signs::Column::PatientId.eq(patient_id))
        .order_by_desc(vital_signs::Column::RecordedAt)
        .limit(VITALS_TREND_POINTS)
        .all(db)
        .await
        .or_internal()?;
    let immunization_rows = immunizations::Entity::find()
        .filter(immunizations::Column::PatientId.eq(patient_id))
        .order_by_desc(immunizations::Column::AdministeredOn)
        .all(db)
        .await
        .or_internal()?;
    let history_rows = history_entries::Entity::find()
        .filter(history_entries::Column::PatientId.eq(patient_id))
        .order_by_asc(history_entries::Column::Kind)
        .order_by_asc(history_entries::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()?;
    let medication_rows = medications::Entity::find()
        .filter(medications::Column::PatientId.eq(patient_id))
        .order_by_asc(medications::Column::Status)
        .order_by_asc(medications::Column::Name)
        .all(db)
        .await
        .or_internal()?;
    let prescribed = crate::prescriptions::service::medication_list(db, patient_id).await?;
    let encounter_count = encounters::Entity::find()
        .filter(encounters::Column::PatientId.eq(patient_id))
        .count(db)
        .await
        .or_internal()?;

    let names = user_names(
        db,
        problem_rows
            .iter()
            .map(|p| p.recorded_by)
            .chain(allergy_rows.iter().map(|a| a.recorded_by))
            .chain(vital_rows.iter().map(|v| v.recorded_by))
            .chain(immunization_rows.iter().map(|i| i.recorded_by))
            .chain(history_rows.iter().map(|h| h.recorded_by)),
    )
    .await?;
    // BMI needs a height; adults' heights rarely change, so the latest one serves.
    let latest_height = vital_rows.iter().find_map(|v| v.height_cm);
    Ok(ChartParts {
        problems: problem_rows
            .into_iter()
            .map(|p| problem_view(p, &names))
            .collect::<Result<_, _>>()?,
        allergies: allergy_rows
            .into_iter()
            .map(|a| {
                Ok(AllergyView {
                    id: a.id,
                    substance: a.substance,
                    reaction: a.reaction,
                    severity: a.severity,
                    status: a.status,
                    recorded_by: name_of(&names, a.recorded_by),
                    recorded_at: a.created_at,
                })
            })
            .collect::<Result<_, AppError>>()?,
        vitals: vital_rows
            .into_iter()
            .map(|v| vitals_view(v, &names, latest_height))
            .collect(),
        immunizations: immunization_rows
            .into_iter()
            .map(|i| ImmunizationView {
                id: i.id,
                vaccine: i.vaccine,
                administered_on: i.administered_on,
                dose: i.dose,
                lot_number: i.lot_number,
                site: i.site,
                recorded_by: name_of(&names, i.recorded_by),
            })
            .collect(),
        history: history_rows
            .into_iter()
            .map(|h| {
                Ok(HistoryView {
                    id: h.id,
                    kind: h.kind,
                    description: open_text(
                        cipher,
                        "history_entries",
                        "description",
                        h.id,
                        &h.description,
                    )?,
                    period: h.period,
                    recorded_by: name_of(&names, h.recorded_by),
                })
            })
            .collect::<Result<_, AppError>>()?,
        medications: prescribed
            .into_iter()
            .chain(medication_rows.into_iter().map(|m| MedicationView {
                id: m.id,
                name: m.name,
                dose: m.dose,
                route: m.route,
                frequency: m.frequency,
                status: m.status,
                started_on: m.started_on,
                source: m.source,
            }))
            .collect(),
        encounter_count,
    })
}

/// Which notes a reader sees: the patient sees signed notes only; a
/// clinician also sees their own drafts.
#[derive(Clone, Copy)]
pub enum NoteVisibility {
    SignedOnly,
    SignedAndDraftsBy(Uuid),
}

/// One page of encounters, newest first, each with its notes, vitals and problems.
pub async fn timeline(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    patient_id: Uuid,
    cursor: Option<&TimelineCursor>,
    page_size: u64,
    visibility: NoteVisibility,
) -> Result<TimelinePage, AppError> {
    let mut query = encounters::Entity::find().filter(encounters::Column::PatientId.eq(patient_id));
    if let Some(c) = cursor {
        query = query.filter(
            Condition::any()
                .add(encounters::Column::StartedAt.lt(c.started_at))
                .add(
                    Condition::all()
                        .add(encounters::Column::StartedAt.eq(c.started_at))
                        .add(encounters::Column::Id.lt(c.id)),
                ),
        );
    }
    let mut rows = query
        .order_by_desc(encounters::Column::StartedAt)
        .order_by_desc(encounters::Column::Id)
        .limit(page_size + 1)
        .all(db)
        .await
        .or_internal()?;
    let more = rows.len() as u64 > page_size;
    rows.truncate(page_size as usize);
    let next = more.then(|| rows.last()).flatten().map(|e| TimelineCursor {
        started_at: e.started_at,
        id: e.id,
    });
    let encounters = encounter_views(db, cipher, rows, visibility).await?;
    Ok(TimelinePage { encounters, next })
}

/// Builds the views of the given encounters with a fixed number of queries.
pub async fn encounter_views(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    rows: Vec<encounters::Model>,
    visibility: NoteVisibility,
) -> Result<Vec<EncounterView>, AppError> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|e| e.id).collect();
    let mut notes_query = clinical_notes::Entity::find()
        .filter(clinical_notes::Column::EncounterId.is_in(ids.clone()));
    notes_query = match visibility {
        NoteVisibility::SignedOnly => {
            notes_query.filter(clinical_notes::Column::Status.eq(NoteStatus::Signed))
        }
        NoteVisibility::SignedAndDraftsBy(author) => notes_query.filter(
            Condition::any()
                .add(clinical_notes::Column::Status.eq(NoteStatus::Signed))
                .add(clinical_notes::Column::AuthorId.eq(author)),
        ),
    };
    let notes = notes_query
        .order_by_asc(clinical_notes::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()?;
    let note_ids: Vec<Uuid> = notes.iter().map(|n| n.id).collect();
    let amendments = if note_ids.is_empty() {
        Vec::new()
    } else {
        note_amendments::Entity::find()
            .filter(note_amendments::Column::NoteId.is_in(note_ids))
            .order_by_asc(note_amendments::Column::CreatedAt)
            .all(db)
            .await
            .or_internal()?
    };
    let vitals = vital_signs::Entity::find()
        .filter(vital_signs::Column::EncounterId.is_in(ids.clone()))
        .order_by_asc(vital_signs::Column::RecordedAt)
        .all(db)
        .await
        .or_internal()?;
    let problem_rows = problems::Entity::find()
        .filter(problems::Column::EncounterId.is_in(ids))
        .order_by_asc(problems::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()?;
    let names = user_names(
        db,
        rows.iter()
            .map(|e| e.clinician_id)
            .chain(notes.iter().map(|n| n.author_id))
            .chain(amendments.iter().map(|a| a.author_id))
            .chain(vitals.iter().map(|v| v.recorded_by))
            .chain(problem_rows.iter().map(|p| p.recorded_by)),
    )
    .await?;

    let mut amendments_by_note: HashMap<Uuid, Vec<AmendmentView>> = HashMap::new();
    for a in amendments {
        amendments_by_note
            .entry(a.note_id)
            .or_default()
            .push(AmendmentView {
                id: a.id,
                author_name: name_of(&names, a.author_id),
                reason: open_text(cipher, "note_amendments", "reason", a.id, &a.reason)?,
                at: a.created_at,
                soap: soap_of_amendment(cipher, &a)?,
            });
    }
    let mut notes_by_encounter: HashMap<Uuid, Vec<NoteView>> = HashMap::new();
    for n in notes {
        let amendments = amendments_by_note.remove(&n.id).unwrap_or_default();
        let original = soap_of_note(cipher, &n)?;
        let current = amendments
            .last()
            .map(|a| a.soap.clone())
            .unwrap_or_else(|| original.clone());
        notes_by_encounter
            .entry(n.encounter_id)
            .or_default()
            .push(NoteView {
                id: n.id.into(),
                encounter_id: n.encounter_id.into(),
                author_id: n.author_id.into(),
                author_name: name_of(&names, n.author_id),
                status: n.status,
                original,
                current,
                amendments,
                created_at: n.created_at,
                signed_at: n.signed_at,
            });
    }
    let mut vitals_by_encounter: HashMap<Uuid, Vec<VitalsView>> = HashMap::new();
    for v in vitals {
        if let Some(e) = v.encounter_id {
            vitals_by_encounter
                .entry(e)
                .or_default()
                .push(vitals_view(v, &names, None));
        }
    }
    let mut problems_by_encounter: HashMap<Uuid, Vec<ProblemView>> = HashMap::new();
    for p in problem_rows {
        if let Some(e) = p.encounter_id {
            problems_by_encounter
                .entry(e)
                .or_default()
                .push(problem_view(p, &names)?);
        }
    }
    rows.into_iter()
        .map(|e| {
            Ok(EncounterView {
                id: e.id.into(),
                kind: e.kind,
                status: e.status,
                reason: e.reason,
                location: e.location,
                started_at: e.started_at,
                ended_at: e.ended_at,
                clinician_name: name_of(&names, e.clinician_id),
                notes: notes_by_encounter.remove(&e.id).unwrap_or_default(),
                vitals: vitals_by_encounter.remove(&e.id).unwrap_or_default(),
                problems: problems_by_encounter.remove(&e.id).unwrap_or_default(),
            })
        })
        .collect()
}

/// Every encounter of a patient, newest first (for the record download).
pub async fn all_encounters(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    patient_id: Uuid,
    visibility: NoteVisibility,
) -> Result<Vec<EncounterView>, AppError> {
    let rows = encounters::Entity::find()
        .filter(encounters::Column::PatientId.eq(patient_id))
        .order_by_desc(encounters::Column::StartedAt)
        .order_by_desc(encounters::Column::Id)
        .all(db)
        .await
        .or_internal()?;
    let mut views = Vec::with_capacity(rows.len());
    // In slices, so the IN lists stay well below the databases' parameter limits.
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<_> = rows.by_ref().take(200).collect();
        views.extend(encounter_views(db, cipher, chunk, visibility).await?);
    }
    Ok(views)
}

/// The record as the patient sees it: signed notes only; at most
/// `encounter_limit` encounters (newest first), or all of them.
pub async fn record_view(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    patient_id: Uuid,
    encounter_limit: Option<u64>,
) -> Result<PatientRecordView, AppError> {
    let patient = crate::patients::service::details(db, cipher, patient_id).await?;
    let parts = chart_parts(db, cipher, patient_id).await?;
    let encounters = match encounter_limit {
        Some(limit) => {
            timeline(
                db,
                cipher,
                patient_id,
                None,
                limit,
                NoteVisibility::SignedOnly,
            )
            .await?
            .encounters
        }
        None => all_encounters(db, cipher, patient_id, NoteVisibility::SignedOnly).await?,
    };
    Ok(PatientRecordView {
        patient,
        problems: parts.problems,
        allergies: parts.allergies,
        vitals: parts.vitals,
        immunizations: parts.immunizations,
        medications: parts.medications,
        encounters,
    })
}

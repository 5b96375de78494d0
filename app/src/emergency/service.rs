//! The emergency department in the database. Server-only.
//!
//! A patient is in the department once at a time and a bay holds one
//! patient: both are partial unique indexes on the open visits (migration
//! 34), so two requests that race get one success and one conflict.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use shared::access::CareRelationshipKind;
use shared::emergency::{
    queue_order, vitals_line, BayView, EdBoard, EdDisposition, EdVisitRow, EdVisitView,
    EmergencyServiceView, NewDisposition, NewEmergencyService, NewTriage, TriageView,
};
use shared::ids::{AdmissionId, EdBayId, EdVisitId, EmergencyServiceId, PatientId, UserId};
use shared::AppError;
use uuid::Uuid;

use crate::context::{is_unique_violation, OrInternal};
use crate::crypto::{context, Cipher};
use crate::entity::{
    care_relationships, ed_bays, ed_triages, ed_visits, emergency_services, patients, users,
    vital_signs,
};

/// How long those who cared for a patient in the department keep the chart
/// open after the visit ends, to finish their notes.
pub const AFTER_VISIT_HOURS: i64 = 24;

fn seal(cipher: &Cipher, table: &str, id: Uuid, column: &str, text: &str) -> String {
    cipher.seal(text, &context(table, column, id))
}

fn open(
    cipher: &Cipher,
    table: &str,
    id: Uuid,
    column: &str,
    stored: &str,
) -> Result<String, AppError> {
    cipher
        .open(stored, &context(table, column, id))
        .or_internal()
}

// ---- bays ----

/// Every bay by name, with the open visit in each.
pub async fn bays(db: &impl ConnectionTrait) -> Result<Vec<BayView>, AppError> {
    let occupied: HashMap<Uuid, Uuid> = ed_visits::Entity::find()
        .filter(ed_visits::Column::ClosedAt.is_null())
        .filter(ed_visits::Column::BayId.is_not_null())
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .filter_map(|v| v.bay_id.map(|b| (b, v.id)))
        .collect();
    let mut list: Vec<BayView> = ed_bays::Entity::find()
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|b| BayView {
            id: EdBayId(b.id),
            visit_id: occupied.get(&b.id).map(|v| EdVisitId(*v)),
            name: b.name,
            active: b.active,
        })
        .collect();
    list.sort_by_key(|b| (!b.active, shared::text::fold_name(&b.name)));
    Ok(list)
}

/// Adds a bay or renames, closes or reopens one.
pub async fn save_bay(
    db: &impl ConnectionTrait,
    id: Option<EdBayId>,
    name: String,
    active: bool,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<ed_bays::Model, AppError> {
    let key = shared::text::fold_name(&name);
    let taken = ed_bays::Entity::find()
        .filter(ed_bays::Column::NameKey.eq(key.clone()))
        .one(db)
        .await
        .or_internal()?;
    if taken.is_some_and(|t| Some(EdBayId(t.id)) != id) {
        return Err(AppError::field(
            "name",
            "A bay of this name exists already.",
        ));
    }
    let row = match id {
        Some(id) => {
            let mut row = ed_bays::Entity::find_by_id(id.uuid())
                .one(db)
                .await
                .or_internal()?
                .ok_or_else(|| AppError::NotFound("The bay".into()))?
                .into_active_model();
            row.name = Set(name);
            row.name_key = Set(key);
            row.active = Set(active);
            row.updated_by = Set(by);
            row.updated_at = Set(now);
            row.update(db).await
        }
        None => {
            ed_bays::ActiveModel {
                id: Set(Uuid::new_v4()),
                name: Set(name),
                name_key: Set(key),
                active: Set(active),
                updated_by: Set(by),
                updated_at: Set(now),
            }
            .insert(db)
            .await
        }
    };
    match row {
        Ok(r) => Ok(r),
        Err(e) if is_unique_violation(&e) => Err(AppError::field(
            "name",
            "A bay of this name exists already.",
        )),
        Err(e) => Err(crate::context::internal(e)),
    }
}

// ---- visits ----

pub async fn find(db: &impl ConnectionTrait, id: EdVisitId) -> Result<ed_visits::Model, AppError> {
    ed_visits::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The emergency visit".into()))
}

/// The patient's open visit, if they are in the department.
pub async fn open_visit(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Option<ed_visits::Model>, AppError> {
    ed_visits::Entity::find()
        .filter(ed_visits::Column::PatientId.eq(patient_id))
        .filter(ed_visits::Column::ClosedAt.is_null())
        .one(db)
        .await
        .or_internal()
}

fn still_open(v: &ed_visits::Model) -> Result<(), AppError> {
    if v.closed_at.is_some() {
        return Err(AppError::Conflict(
            "This visit has ended; the patient is no longer in the department.".into(),
        ));
    }
    Ok(())
}

/// A patient arrives: a visit opens, awaiting triage. `encounter_id` is the
/// emergency encounter already opened for them (the fast-track's).
pub async fn arrive(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    patient_id: Uuid,
    complaint: Option<String>,
    encounter_id: Option<Uuid>,
    by: Uuid,
    at: DateTime<Utc>,
) -> Result<ed_visits::Model, AppError> {
    crate::patients::access::live_patient(db, patient_id).await?;
    if open_visit(db, patient_id).await?.is_some() {
        return Err(AppError::Conflict(
            "This patient is in the emergency department already.".into(),
        ));
    }
    let id = Uuid::new_v4();
    let visit = ed_visits::ActiveModel {
        id: Set(id),
        patient_id: Set(patient_id),
        arrived_at: Set(at),
        level: Set(None),
        chief_complaint: Set(
            complaint.map(|c| seal(cipher, "ed_visits", id, "chief_complaint", &c))
        ),
        triaged_at: Set(None),
        bay_id: Set(None),
        clinician_id: Set(None),
        seen_at: Set(None),
        encounter_id: Set(encounter_id),
        disposition: Set(None),
        destination: Set(None),
        note: Set(None),
        admission_id: Set(None),
        closed_at: Set(None),
        closed_by: Set(None),
        created_by: Set(by),
    };
    match visit.insert(db).await {
        Ok(v) => Ok(v),
        Err(e) if is_unique_violation(&e) => Err(AppError::Conflict(
            "This patient arrived in the emergency department a moment ago.".into(),
        )),
        Err(e) => Err(crate::context::internal(e)),
    }
}

/// A triage (or re-triage): the level and complaint become the visit's, the
/// vital signs go into the chart under the visit's emergency encounter
/// (opened now if the visit has none), the earlier triages stay, and the
/// nurse joins the care team.
pub async fn triage(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    visit: ed_visits::Model,
    t: NewTriage,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(ed_visits::Model, ed_triages::Model), AppError> {
    still_open(&visit)?;
    let encounter_id = match visit.encounter_id {
        Some(e) => e,
        None => {
            crate::chart::service::open_encounter(
                db,
                visit.patient_id,
                by,
                &shared::chart::NewEncounter {
                    kind: shared::chart::EncounterKind::Emergency,
                    reason: t.chief_complaint.clone(),
                    location: Some("Emergency department".into()),
                    started_at: visit.arrived_at,
                },
            )
            .await?
        }
    };
    let vitals_id = match &t.vitals {
        Some((v, at)) => Some(
            crate::chart::service::add_vitals(db, visit.patient_id, Some(encounter_id), by, v, *at)
                .await?,
        ),
        None => None,
    };
    let id = Uuid::new_v4();
    let triage = ed_triages::ActiveModel {
        id: Set(id),
        visit_id: Set(visit.id),
        patient_id: Set(visit.patient_id),
        level: Set(t.level),
        chief_complaint: Set(seal(
            cipher,
            "ed_triages",
            id,
            "chief_complaint",
            &t.chief_complaint,
        )),
        note: Set(t
            .note
            .as_ref()
            .map(|n| seal(cipher, "ed_triages", id, "note", n))),
        vital_signs_id: Set(vitals_id),
        triaged_by: Set(by),
        triaged_at: Set(now),
    }
    .insert(db)
    .await
    .or_internal()?;
    let visit_id = visit.id;
    let mut row = visit.into_active_model();
    row.level = Set(Some(t.level));
    row.chief_complaint = Set(Some(seal(
        cipher,
        "ed_visits",
        visit_id,
        "chief_complaint",
        &t.chief_complaint,
    )));
    row.triaged_at = Set(Some(now));
    row.encounter_id = Set(Some(encounter_id));
    let visit = row.update(db).await.or_internal()?;
    crate::patients::access::add_relationship(
        db,
        visit.patient_id,
        by,
        CareRelationshipKind::Emergency,
        Some(by),
    )
    .await?;
    Ok((visit, triage))
}

/// Puts the patient in a bay (or none) under a clinician (or none). The
/// first clinician marks the patient seen; they join the care team.
pub async fn assign(
    db: &impl ConnectionTrait,
    visit: ed_visits::Model,
    bay: Option<EdBayId>,
    clinician: Option<UserId>,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<ed_visits::Model, AppError> {
    still_open(&visit)?;
    if let Some(b) = bay {
        let row = ed_bays::Entity::find_by_id(b.uuid())
            .one(db)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::field("bay_id", "Choose one of the listed bays."))?;
        if !row.active && visit.bay_id != Some(row.id) {
            return Err(AppError::field(
                "bay_id",
                "This bay is closed; choose another.",
            ));
        }
    }
    if let Some(c) = clinician {
        let user = users::Entity::find_by_id(c.uuid())
            .one(db)
            .await
            .or_internal()?
            .filter(|u| u.active && u.role.can(shared::Permission::DocumentCare))
            .ok_or_else(|| {
                AppError::field("clinician_id", "Choose a doctor or nurse of the hospital.")
            })?;
        crate::patients::access::add_relationship(
            db,
            visit.patient_id,
            user.id,
            CareRelationshipKind::Emergency,
            Some(by),
        )
        .await?;
    }
    let first_seen = visit.seen_at.is_none() && clinician.is_some();
    let mut row = visit.into_active_model();
    row.bay_id = Set(bay.map(EdBayId::uuid));
    row.clinician_id = Set(clinician.map(UserId::uuid));
    if first_seen {
        row.seen_at = Set(Some(now));
    }
    match row.update(db).await {
        Ok(v) => Ok(v),
        Err(e) if is_unique_violation(&e) => Err(AppError::field(
            "bay_id",
            "Another patient is in this bay; choose another.",
        )),
        Err(e) => Err(crate::context::internal(e)),
    }
}

/// The care team's emergency access ends a day after the visit.
async fn end_emergency_access(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    care_relationships::Entity::update_many()
        .col_expr(
            care_relationships::Column::EndsAt,
            Expr::value(now + Duration::hours(AFTER_VISIT_HOURS)),
        )
        .filter(care_relationships::Column::PatientId.eq(patient_id))
        .filter(care_relationships::Column::Kind.eq(CareRelationshipKind::Emergency))
        .filter(care_relationships::Column::EndsAt.is_null())
        .exec(db)
        .await
        .or_internal()?;
    Ok(())
}

/// Ends the visit: home, to another hospital, or left without being seen.
pub async fn close(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    visit: ed_visits::Model,
    d: NewDisposition,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<ed_visits::Model, AppError> {
    still_open(&visit)?;
    if d.disposition == EdDisposition::LeftWithoutBeingSeen && visit.seen_at.is_some() {
        return Err(AppError::field(
            "disposition",
            "A clinician has seen this patient; record how the visit ended instead.",
        ));
    }
    let (id, patient_id) = (visit.id, visit.patient_id);
    let mut row = visit.into_active_model();
    row.disposition = Set(Some(d.disposition));
    row.destination = Set(d.destination);
    row.note = Set(d.note.map(|n| seal(cipher, "ed_visits", id, "note", &n)));
    row.closed_at = Set(Some(now));
    row.closed_by = Set(Some(by));
    let visit = row.update(db).await.or_internal()?;
    end_emergency_access(db, patient_id, now).await?;
    Ok(visit)
}

/// The patient was admitted: their open visit, if any, ends with the
/// admission. Answers the visit closed.
pub async fn close_admitted(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    admission: AdmissionId,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<Option<ed_visits::Model>, AppError> {
    let Some(visit) = open_visit(db, patient_id).await? else {
        return Ok(None);
    };
    let mut row = visit.into_active_model();
    row.disposition = Set(Some(EdDisposition::Admitted));
    row.admission_id = Set(Some(admission.uuid()));
    row.closed_at = Set(Some(now));
    row.closed_by = Set(Some(by));
    let visit = row.update(db).await.or_internal()?;
    end_emergency_access(db, patient_id, now).await?;
    Ok(Some(visit))
}

/// The board's rows of these visits.
async fn rows(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    visits: &[ed_visits::Model],
) -> Result<Vec<EdVisitRow>, AppError> {
    let names = crate::lab::work::filing_names(db, visits.iter().map(|v| v.patient_id)).await?;
    let temporary: std::collections::HashSet<Uuid> = patients::Entity::find()
        .filter(patients::Column::Id.is_in(visits.iter().map(|v| v.patient_id)))
        .filter(patients::Column::Status.eq(shared::demographics::PatientStatus::Temporary))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let clinicians =
        crate::patients::care::user_names(db, visits.iter().filter_map(|v| v.clinician_id)).await?;
    let bays: HashMap<Uuid, String> = ed_bays::Entity::find()
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|b| (b.id, b.name))
        .collect();
    let mut out = Vec::with_capacity(visits.len());
    for v in visits {
        let (name, mrn) = names.get(&v.patient_id).cloned().unwrap_or_default();
        out.push(EdVisitRow {
            id: EdVisitId(v.id),
            patient_id: PatientId(v.patient_id),
            name,
            mrn,
            temporary: temporary.contains(&v.patient_id),
            arrived_at: v.arrived_at,
            level: v.level,
            chief_complaint: match &v.chief_complaint {
                Some(c) => Some(open(cipher, "ed_visits", v.id, "chief_complaint", c)?),
                None => None,
            },
            bay: v.bay_id.and_then(|b| bays.get(&b).cloned()),
            clinician: v
                .clinician_id
                .map(|c| crate::patients::care::name_of(&clinicians, c)),
            seen_at: v.seen_at,
            disposition: v.disposition,
            closed_at: v.closed_at,
            admission_id: v.admission_id.map(AdmissionId),
            destination: v.destination.clone(),
        });
    }
    Ok(out)
}

/// The tracking board: everyone in the department now, the waiting in the
/// queue's order (untriaged, then by level, then by arrival), those being
/// seen by level too.
pub async fn board(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    now: DateTime<Utc>,
) -> Result<EdBoard, AppError> {
    // The open visits and those ended lately, read (and named) together.
    let visits = ed_visits::Entity::find()
        .filter(
            Condition::any()
                .add(ed_visits::Column::ClosedAt.is_null())
                .add(
                    ed_visits::Column::ClosedAt
                        .gte(now - Duration::hours(shared::emergency::LEFT_LATELY_HOURS)),
                ),
        )
        .all(db)
        .await
        .or_internal()?;
    let (mut left, open): (Vec<_>, Vec<_>) = rows(db, cipher, &visits)
        .await?
        .into_iter()
        .partition(|r| r.closed_at.is_some());
    let (mut being_seen, mut waiting): (Vec<_>, Vec<_>) =
        open.into_iter().partition(|r| r.seen_at.is_some());
    waiting.sort_by(queue_order);
    being_seen.sort_by(queue_order);
    left.sort_by_key(|r| std::cmp::Reverse(r.closed_at));
    Ok(EdBoard {
        waiting,
        being_seen,
        left,
        as_of: now,
    })
}

/// A visit with every triage, newest first.
pub async fn view(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    visit: &ed_visits::Model,
) -> Result<EdVisitView, AppError> {
    let row = rows(db, cipher, std::slice::from_ref(visit))
        .await?
        .pop()
        .ok_or(AppError::Internal)?;
    let triages = ed_triages::Entity::find()
        .filter(ed_triages::Column::VisitId.eq(visit.id))
        .order_by_desc(ed_triages::Column::TriagedAt)
        .all(db)
        .await
        .or_internal()?;
    let by = crate::patients::care::user_names(db, triages.iter().map(|t| t.triaged_by)).await?;
    let vitals: HashMap<Uuid, vital_signs::Model> = vital_signs::Entity::find()
        .filter(vital_signs::Column::Id.is_in(triages.iter().filter_map(|t| t.vital_signs_id)))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|v| (v.id, v))
        .collect();
    let mut list = Vec::with_capacity(triages.len());
    for t in &triages {
        list.push(TriageView {
            level: t.level,
            chief_complaint: open(
                cipher,
                "ed_triages",
                t.id,
                "chief_complaint",
                &t.chief_complaint,
            )?,
            note: match &t.note {
                Some(n) => Some(open(cipher, "ed_triages", t.id, "note", n)?),
                None => None,
            },
            vitals: t
                .vital_signs_id
                .and_then(|id| vitals.get(&id))
                .map(|v| vitals_line(&v.vitals())),
            by: crate::patients::care::name_of(&by, t.triaged_by),
            at: t.triaged_at,
        });
    }
    Ok(EdVisitView {
        row,
        bay_id: visit.bay_id.map(EdBayId),
        clinician_id: visit.clinician_id.map(UserId),
        note: match &visit.note {
            Some(n) => Some(open(cipher, "ed_visits", visit.id, "note", n)?),
            None => None,
        },
        triages: list,
    })
}

/// A patient's visits, newest first.
pub async fn of_patient(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
) -> Result<Vec<ed_visits::Model>, AppError> {
    ed_visits::Entity::find()
        .filter(ed_visits::Column::PatientId.eq(patient_id))
        .order_by_desc(ed_visits::Column::ArrivedAt)
        .all(db)
        .await
        .or_internal()
}

/// The doctors and nurses who may be made responsible for a patient.
pub async fn clinicians(db: &impl ConnectionTrait) -> Result<Vec<(UserId, String)>, AppError> {
    let mut list: Vec<(UserId, String)> = users::Entity::find()
        .filter(users::Column::Active.eq(true))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .filter(|u| u.role.can(shared::Permission::DocumentCare))
        .map(|u| {
            (
                UserId(u.id),
                format!("{} ({})", u.display_name, u.role.label()),
            )
        })
        .collect();
    list.sort_by_key(|(_, n)| shared::text::fold_name(n));
    Ok(list)
}

// ---- the patient portal's emergency numbers and places ----

fn service_view(s: emergency_services::Model) -> EmergencyServiceView {
    EmergencyServiceView {
        id: EmergencyServiceId(s.id),
        name: s.name,
        phone: s.phone,
        address: s.address,
        location: s.latitude.zip(s.longitude),
        note: s.note,
        position: s.position,
        active: s.active,
    }
}

/// The emergency numbers and places in their order (`all`: the closed
/// ones too, for the administrator).
pub async fn services(
    db: &impl ConnectionTrait,
    all: bool,
) -> Result<Vec<EmergencyServiceView>, AppError> {
    let mut q = emergency_services::Entity::find();
    if !all {
        q = q.filter(emergency_services::Column::Active.eq(true));
    }
    let mut list: Vec<EmergencyServiceView> = q
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(service_view)
        .collect();
    list.sort_by_key(|s| (!s.active, s.position, shared::text::fold_name(&s.name)));
    Ok(list)
}

pub async fn save_service(
    db: &impl ConnectionTrait,
    id: Option<EmergencyServiceId>,
    s: NewEmergencyService,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<EmergencyServiceView, AppError> {
    let mut row = match id {
        Some(id) => emergency_services::Entity::find_by_id(id.uuid())
            .one(db)
            .await
            .or_internal()?
            .ok_or_else(|| AppError::NotFound("That emergency number or place".into()))?
            .into_active_model(),
        None => emergency_services::ActiveModel {
            id: Set(Uuid::new_v4()),
            ..Default::default()
        },
    };
    row.name = Set(s.name);
    row.phone = Set(s.phone);
    row.address = Set(s.address);
    row.latitude = Set(s.location.map(|l| l.0));
    row.longitude = Set(s.location.map(|l| l.1));
    row.note = Set(s.note);
    row.position = Set(s.position);
    row.active = Set(s.active);
    row.updated_by = Set(by);
    row.updated_at = Set(now);
    let saved = if id.is_some() {
        row.update(db).await
    } else {
        row.insert(db).await
    };
    Ok(service_view(saved.or_internal()?))
}

//! Server functions of the chart. Each one checks the caller's access to the
//! patient (care relationship, break-glass or own record) before anything
//! else, and writes its audit event in the same transaction as the change.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::chart::*;
use shared::ids::{EncounterId, NoteId, PatientId, ProblemId};
use shared::AppError;
use uuid::Uuid;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use sea_orm::DatabaseTransaction;
    use shared::ids::PatientId;
    pub use shared::time::HospitalTime;
    use shared::{AppError, Permission};
    use uuid::Uuid;

    use crate::auth::guard::{authenticate_active, Caller};
    use crate::patients::access::require_documenting;

    /// What a write reports for the audit trail: the row it made or changed, and a detail.
    pub struct Written<T> {
        pub value: T,
        pub entity: &'static str,
        pub entity_id: Uuid,
        pub detail: String,
    }

    /// Runs one change to a chart on [`crate::audited::write`]: the
    /// permission and access check, then the change and its event naming
    /// the patient.
    pub async fn write<T>(
        patient_id: PatientId,
        permission: Permission,
        action: &'static str,
        change: impl AsyncFnOnce(&Caller, &DatabaseTransaction) -> Result<Written<T>, AppError>,
    ) -> Result<T, AppError> {
        crate::audited::write(
            async || {
                let caller = authenticate_active().await?;
                require_documenting(&caller, patient_id.uuid(), permission, action).await?;
                Ok(caller)
            },
            async |caller, txn| {
                let written = change(caller, txn).await?;
                let event = caller
                    .event(action)
                    .patient(patient_id)
                    .entity(written.entity, written.entity_id)
                    .detail(written.detail);
                Ok((written.value, event))
            },
        )
        .await
    }

    pub fn written<T>(
        value: T,
        entity: &'static str,
        id: impl Into<Uuid>,
        detail: impl Into<String>,
    ) -> Written<T> {
        Written {
            value,
            entity,
            entity_id: id.into(),
            detail: detail.into(),
        }
    }
}

/// What the chart opens on: the patient, why the caller may see them, and
/// the summary (problems, allergies, latest vitals, histories, medications).
#[server(endpoint = "chart/summary", input = Json)]
pub async fn get_chart_summary(patient_id: PatientId) -> Result<ChartSummary, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::patients::access::open_chart;
    use shared::access::AccessBasis;
    use shared::Permission;
    crate::audited::read(authenticate_active, async |caller| {
        if !caller.user.role.is_staff() {
            // Patients read their record through the portal's own view.
            return Err(AppError::Forbidden);
        }
        let (access, patient) = open_chart(caller, patient_id, "chart.read").await?;
        let db = &caller.ctx.db;
        let patient = crate::patients::service::details_of(db, &caller.ctx.cipher, patient).await?;
        let parts = super::service::chart_parts(db, &caller.ctx.cipher, patient_id.into()).await?;
        let detail = match &access {
            AccessBasis::BreakGlass { .. } => "break-glass",
            AccessBasis::CareRelationship(_) => "care relationship",
            AccessBasis::Ward(_) => "ward staff",
            AccessBasis::OwnRecord => "own record",
        };
        let event = caller
            .event("chart.read")
            .patient(patient_id)
            .entity("patient", patient_id)
            .detail(detail);
        let summary = ChartSummary {
            patient,
            access,
            can_document: caller.can(Permission::DocumentCare),
            can_diagnose: caller.can(Permission::Diagnose),
            can_prescribe: caller.can(Permission::Prescribe),
            problems: parts.problems,
            allergies: parts.allergies,
            vitals: parts.vitals,
            immunizations: parts.immunizations,
            history: parts.history,
            medications: parts.medications,
            encounter_count: parts.encounter_count,
        };
        Ok((summary, event))
    })
    .await
}
crate::access!("chart/summary", AnyOf(&[ReadCharts]), patient_data);

/// One page of the chart's timeline of encounters, newest first.
#[server(endpoint = "chart/timeline", input = Json)]
pub async fn chart_timeline(
    patient_id: PatientId,
    cursor: Option<TimelineCursor>,
) -> Result<TimelinePage, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::chart::service::{timeline, NoteVisibility};

    use crate::patients::access::require_chart;
    crate::audited::read(authenticate_active, async |caller| {
        if !caller.user.role.is_staff() {
            return Err(AppError::Forbidden);
        }
        require_chart(caller, patient_id, "chart.read").await?;
        let page = timeline(
            &caller.ctx.db,
            &caller.ctx.cipher,
            patient_id.into(),
            cursor.as_ref(),
            TIMELINE_PAGE,
            NoteVisibility::SignedAndDraftsBy(caller.user.id.into()),
        )
        .await?;
        // Its own action: the break-glass report counts `chart.read`
        // (opening the chart), which a page of the timeline is part of.
        let event = caller
            .event("chart.timeline")
            .patient(patient_id)
            .entity("patient", patient_id)
            .detail(format!(
                "{} page: {} encounter(s)",
                if cursor.is_some() { "next" } else { "first" },
                page.encounters.len()
            ));
        Ok((page, event))
    })
    .await
}
crate::access!("chart/timeline", AnyOf(&[ReadCharts]), patient_data);

#[server(endpoint = "chart/open_encounter", input = Json)]
pub async fn open_encounter(
    patient_id: PatientId,
    form: EncounterForm,
) -> Result<EncounterId, AppError> {
    use shared::Permission;
    use ssr::*;
    write(
        patient_id,
        Permission::DocumentCare,
        "chart.open_encounter",
        async |caller, txn| {
            let new = form.parse(caller)?;
            let id = crate::chart::service::open_encounter(
                txn,
                patient_id.into(),
                caller.user.id.into(),
                &new,
            )
            .await?;
            Ok(written(
                EncounterId::from(id),
                "encounter",
                id,
                format!("{}: {}", new.kind.label(), new.reason),
            ))
        },
    )
    .await
}
crate::access!("chart/open_encounter", AnyOf(&[DocumentCare]), patient_data);

#[server(endpoint = "chart/finish_encounter", input = Json)]
pub async fn finish_encounter(
    patient_id: PatientId,
    encounter_id: EncounterId,
) -> Result<(), AppError> {
    use crate::chart::service;
    use shared::Permission;
    use ssr::*;
    write(
        patient_id,
        Permission::DocumentCare,
        "chart.finish_encounter",
        async |_caller, txn| {
            let e = service::encounter_of(txn, patient_id.into(), encounter_id.into()).await?;
            service::finish_encounter(txn, e).await?;
            Ok(written((), "encounter", encounter_id, "finished"))
        },
    )
    .await
}
crate::access!(
    "chart/finish_encounter",
    AnyOf(&[DocumentCare]),
    patient_data
);

/// Saves a draft note: a new one (`note_id` empty) or the caller's own draft.
#[server(endpoint = "chart/save_note", input = Json)]
pub async fn save_note(
    patient_id: PatientId,
    encounter_id: EncounterId,
    note_id: Option<NoteId>,
    soap: Soap,
) -> Result<NoteId, AppError> {
    use crate::chart::service;
    use shared::Permission;
    use ssr::*;
    let soap = soap.parse();
    write(
        patient_id,
        Permission::DocumentCare,
        "chart.save_note",
        async |caller, txn| {
            let soap = soap?;
            let e = service::encounter_of(txn, patient_id.into(), encounter_id.into()).await?;
            let id = service::save_draft(
                txn,
                &caller.ctx.cipher,
                &e,
                caller.user.id.into(),
                note_id.map(Into::into),
                &soap,
            )
            .await?;
            Ok(written(NoteId::from(id), "note", id, "draft saved"))
        },
    )
    .await
}
crate::access!("chart/save_note", AnyOf(&[DocumentCare]), patient_data);

/// Signs the caller's own draft; from then on it only changes by amendment.
#[server(endpoint = "chart/sign_note", input = Json)]
pub async fn sign_note(patient_id: PatientId, note_id: NoteId) -> Result<(), AppError> {
    use crate::chart::service;
    use shared::Permission;
    use ssr::*;
    write(
        patient_id,
        Permission::DocumentCare,
        "chart.sign_note",
        async |caller, txn| {
            let note = service::note_of(txn, patient_id.into(), note_id.into()).await?;
            service::sign_note(txn, &caller.ctx.cipher, note, caller.user.id.into()).await?;
            Ok(written((), "note", note_id, "signed"))
        },
    )
    .await
}
crate::access!("chart/sign_note", AnyOf(&[DocumentCare]), patient_data);

/// Corrects a signed note. The original and every earlier amendment stay.
#[server(endpoint = "chart/amend_note", input = Json)]
pub async fn amend_note(
    patient_id: PatientId,
    note_id: NoteId,
    form: AmendmentForm,
) -> Result<Uuid, AppError> {
    use crate::chart::service;
    use shared::Permission;
    use ssr::*;
    write(
        patient_id,
        Permission::DocumentCare,
        "chart.amend_note",
        async |caller, txn| {
            let note = service::note_of(txn, patient_id.into(), note_id.into()).await?;
            let cipher = &caller.ctx.cipher;
            let current = service::current_text(txn, cipher, &note).await?;
            let (reason, soap) = form.parse(&current)?;
            let id = service::amend_note(txn, cipher, &note, caller.user.id.into(), &reason, &soap)
                .await?;
            Ok(written(id, "note", note_id, format!("amended: {reason}")))
        },
    )
    .await
}
crate::access!("chart/amend_note", AnyOf(&[DocumentCare]), patient_data);

#[server(endpoint = "chart/add_vitals", input = Json)]
pub async fn add_vitals(patient_id: PatientId, form: VitalsForm) -> Result<Uuid, AppError> {
    use crate::chart::service;
    use shared::Permission;
    use ssr::*;
    write(
        patient_id,
        Permission::DocumentCare,
        "chart.add_vitals",
        async |caller, txn| {
            let (vitals, at) = form.parse(caller)?;
            if let Some(e) = form.encounter_id {
                service::encounter_of(txn, patient_id.into(), e.into()).await?;
            }
            let id = service::add_vitals(
                txn,
                patient_id.into(),
                form.encounter_id.map(Into::into),
                caller.user.id.into(),
                &vitals,
                at,
            )
            .await?;
            Ok(written(id, "vital_signs", id, "recorded"))
        },
    )
    .await
}
crate::access!("chart/add_vitals", AnyOf(&[DocumentCare]), patient_data);

#[server(endpoint = "chart/add_problem", input = Json)]
pub async fn add_problem(patient_id: PatientId, form: ProblemForm) -> Result<ProblemId, AppError> {
    use crate::chart::service;
    use crate::context::OrInternal;
    use sea_orm::EntityTrait;
    use shared::Permission;
    use ssr::*;
    write(
        patient_id,
        Permission::Diagnose,
        "chart.add_problem",
        async |caller, txn| {
            let problem = form.parse(caller.today())?;
            let code = crate::entity::icd10_codes::Entity::find_by_id(problem.code.clone())
                .one(txn)
                .await
                .or_internal()?
                .ok_or_else(|| {
                    AppError::field(
                        "icd10_code",
                        format!(
                            "{} is not in ICD-10-CM; pick a code from the list.",
                            problem.code
                        ),
                    )
                })?;
            if let Some(e) = form.encounter_id {
                service::encounter_of(txn, patient_id.into(), e.into()).await?;
            }
            let id = service::add_problem(
                txn,
                patient_id.into(),
                form.encounter_id.map(Into::into),
                caller.user.id.into(),
                &problem,
                code.description,
            )
            .await?;
            Ok(written(
                ProblemId::from(id),
                "problem",
                id,
                problem.code.clone(),
            ))
        },
    )
    .await
}
crate::access!("chart/add_problem", AnyOf(&[Diagnose]), patient_data);

#[server(endpoint = "chart/set_problem_status", input = Json)]
pub async fn set_problem_status(
    patient_id: PatientId,
    problem_id: ProblemId,
    status: ProblemStatus,
) -> Result<(), AppError> {
    use shared::Permission;
    use ssr::*;
    write(
        patient_id,
        Permission::Diagnose,
        "chart.set_problem_status",
        async |caller, txn| {
            crate::chart::service::set_problem_status(
                txn,
                patient_id.into(),
                problem_id.into(),
                status,
                caller.today(),
            )
            .await?;
            Ok(written((), "problem", problem_id, status.as_str()))
        },
    )
    .await
}
crate::access!("chart/set_problem_status", AnyOf(&[Diagnose]), patient_data);

#[server(endpoint = "chart/add_allergy", input = Json)]
pub async fn add_allergy(patient_id: PatientId, form: AllergyForm) -> Result<Uuid, AppError> {
    use shared::Permission;
    use ssr::*;
    let parsed = form.parse();
    write(
        patient_id,
        Permission::DocumentCare,
        "chart.add_allergy",
        async |caller, txn| {
            let allergy = parsed?;
            let id = crate::chart::service::add_allergy(
                txn,
                patient_id.into(),
                caller.user.id.into(),
                &allergy,
            )
            .await?;
            Ok(written(id, "allergy", id, allergy.substance.clone()))
        },
    )
    .await
}
crate::access!("chart/add_allergy", AnyOf(&[DocumentCare]), patient_data);

#[server(endpoint = "chart/add_immunization", input = Json)]
pub async fn add_immunization(
    patient_id: PatientId,
    form: ImmunizationForm,
) -> Result<Uuid, AppError> {
    use shared::Permission;
    use ssr::*;
    write(
        patient_id,
        Permission::DocumentCare,
        "chart.add_immunization",
        async |caller, txn| {
            let imm = form.parse(caller.today())?;
            let id = crate::chart::service::add_immunization(
                txn,
                patient_id.into(),
                caller.user.id.into(),
                &imm,
            )
            .await?;
            Ok(written(id, "immunization", id, imm.vaccine.clone()))
        },
    )
    .await
}
crate::access!(
    "chart/add_immunization",
    AnyOf(&[DocumentCare]),
    patient_data
);

#[server(endpoint = "chart/add_history", input = Json)]
pub async fn add_history(patient_id: PatientId, form: HistoryForm) -> Result<Uuid, AppError> {
    use shared::Permission;
    use ssr::*;
    let parsed = form.parse();
    write(
        patient_id,
        Permission::DocumentCare,
        "chart.add_history",
        async |caller, txn| {
            let (kind, description, period) = parsed?;
            let id = crate::chart::service::add_history(
                txn,
                &caller.ctx.cipher,
                patient_id.into(),
                caller.user.id.into(),
                kind,
                &description,
                period,
            )
            .await?;
            Ok(written(id, "history", id, kind.as_str()))
        },
    )
    .await
}
crate::access!("chart/add_history", AnyOf(&[DocumentCare]), patient_data);

/// The signed-in patient's own record: problems, allergies, immunizations,
/// vitals, medications and encounters with signed notes (never drafts).
#[server(endpoint = "chart/my_record", input = Json)]
pub async fn my_record() -> Result<PatientRecordView, AppError> {
    use crate::auth::guard::require;

    crate::audited::read(
        || require(shared::Permission::ViewOwnRecord),
        async |caller| {
            let id = caller.own_patient_id()?;
            let record = super::service::record_view(
                &caller.ctx.db,
                &caller.ctx.cipher,
                id.into(),
                Some(PORTAL_ENCOUNTERS),
            )
            .await?;
            let event = caller
                .event("chart.read_own")
                .patient(id)
                .entity("patient", id);
            Ok((record, event))
        },
    )
    .await
}
crate::access!("chart/my_record", AnyOf(&[ViewOwnRecord]), patient_data);

/// Whether the signed-in patient may download their whole record now. A
/// record leaving the system is a sensitive action: the gate answers
/// `ReauthRequired` unless they confirmed who they are within the grace
/// (`reauth` below), and the download itself (`export::download_mine`)
/// checks the same. The page asks first, so it can show the confirmation
/// form instead of a failed download.
#[server(endpoint = "chart/download_ready", input = Json)]
pub async fn download_ready() -> Result<(), AppError> {
    crate::audited::plain(
        || crate::auth::guard::require(shared::Permission::ViewOwnRecord),
        async |_| Ok(()),
    )
    .await
}
crate::access!(
    "chart/download_ready",
    AnyOf(&[ViewOwnRecord]),
    no_patient_data,
    reauth
);

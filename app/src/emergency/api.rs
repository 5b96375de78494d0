//! Server functions of the emergency department: the tracking board,
//! arrivals, triage, bays and clinicians, dispositions; the bays and the
//! patient portal's emergency numbers, kept by administrators.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::emergency::{
    ArrivalForm, AssignForm, BayForm, BayView, DispositionForm, EdBoard, EdVisitView,
    EmergencyServiceForm, EmergencyServiceView, TriageForm,
};
use shared::ids::{EdBayId, EdVisitId, UserId};
use shared::AppError;

#[cfg(feature = "ssr")]
mod ssr {
    use shared::emergency::EdVisitView;
    use shared::AppError;

    use crate::auth::guard::Caller;
    use crate::entity::ed_visits;

    /// The visit as the caller may see it: the triage and disposition
    /// notes are the chart's, left out for those who do not read charts.
    pub async fn view_for(caller: &Caller, v: &ed_visits::Model) -> Result<EdVisitView, AppError> {
        let db = &caller.ctx.db;
        let mut view = super::super::service::view(db, &caller.ctx.cipher, v).await?;
        if !caller.can(shared::Permission::ReadCharts) {
            view.note = None;
            for t in &mut view.triages {
                t.note = None;
            }
        }
        Ok(view)
    }
}

/// Everyone in the department now: those waiting in the queue's order
/// (awaiting triage, then by level, then by arrival) and those being seen.
#[server(endpoint = "ed/board", input = Json)]
pub async fn tracking_board() -> Result<EdBoard, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewEmergency),
        async |caller| {
            let board =
                super::service::board(&caller.ctx.db, &caller.ctx.cipher, caller.now()).await?;
            let event = caller.event("ed.board").detail(format!(
                "{} waiting, {} being seen",
                board.waiting.len(),
                board.being_seen.len()
            ));
            Ok((board, event))
        },
    )
    .await
}
crate::access!("ed/board", AnyOf(&[ViewEmergency]), patient_data);

/// One visit with every triage, newest first.
#[server(endpoint = "ed/visit", input = Json)]
pub async fn ed_visit(visit_id: EdVisitId) -> Result<EdVisitView, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewEmergency),
        async |caller| {
            let v = super::service::find(&caller.ctx.db, visit_id).await?;
            let view = ssr::view_for(caller, &v).await?;
            let event = caller
                .event("ed.visit")
                .patient(v.patient_id)
                .entity("ed_visit", v.id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!("ed/visit", AnyOf(&[ViewEmergency]), patient_data);

/// A patient whose record exists arrives in the department (the unknown
/// arrive through the fast-track, which opens their visit itself).
#[server(endpoint = "ed/arrive", input = Json)]
pub async fn ed_arrive(form: ArrivalForm) -> Result<EdVisitId, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::FastTrackPatients),
        async |caller, txn| {
            let (patient_id, complaint) = form.parse()?;
            let v = super::service::arrive(
                txn,
                &caller.ctx.cipher,
                patient_id.uuid(),
                complaint,
                None,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("ed.arrive")
                .patient(patient_id)
                .entity("ed_visit", v.id);
            Ok((EdVisitId(v.id), event))
        },
    )
    .await
}
crate::access!("ed/arrive", AnyOf(&[FastTrackPatients]), patient_data);

/// A nurse triages (or re-triages) a patient in the department: level,
/// chief complaint, vital signs into the chart. Being in the department is
/// the nurse's access: they join the care team.
#[server(endpoint = "ed/triage", input = Json)]
pub async fn ed_triage(form: TriageForm) -> Result<EdVisitView, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::TriagePatients),
        async |caller, txn| {
            let t = form.parse(caller)?;
            let v = super::service::find(txn, t.visit_id).await?;
            let level = t.level;
            let again = v.level.is_some();
            let (v, triage) = super::service::triage(
                txn,
                &caller.ctx.cipher,
                v,
                t,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let view = super::service::view(txn, &caller.ctx.cipher, &v).await?;
            let event = caller
                .event("ed.triage")
                .patient(v.patient_id)
                .entity("ed_visit", v.id)
                .detail(format!(
                    "{}ESI {}{}",
                    if again { "re-triage: " } else { "" },
                    level.number(),
                    if triage.vital_signs_id.is_some() {
                        ", vitals recorded"
                    } else {
                        ""
                    }
                ));
            Ok((view, event))
        },
    )
    .await
}
crate::access!("ed/triage", AnyOf(&[TriagePatients]), patient_data);

/// Puts the patient in a bay under a clinician (either may be cleared).
#[server(endpoint = "ed/assign", input = Json)]
pub async fn ed_assign(form: AssignForm) -> Result<EdVisitView, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::TriagePatients),
        async |caller, txn| {
            let id = form
                .visit_id
                .ok_or_else(|| AppError::field("visit_id", "Choose the visit."))?;
            let v = super::service::find(txn, id).await?;
            let v = super::service::assign(
                txn,
                v,
                form.bay_id,
                form.clinician_id,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let view = super::service::view(txn, &caller.ctx.cipher, &v).await?;
            let event = caller
                .event("ed.assign")
                .patient(v.patient_id)
                .entity("ed_visit", v.id)
                .detail(format!(
                    "bay: {}; clinician: {}",
                    view.row.bay.as_deref().unwrap_or("none"),
                    view.row.clinician.as_deref().unwrap_or("none")
                ));
            Ok((view, event))
        },
    )
    .await
}
crate::access!("ed/assign", AnyOf(&[TriagePatients]), patient_data);

/// Ends a visit: home or to another hospital (a doctor's decision), or
/// left without being seen (recorded by the nurse). Admission ends it by
/// itself.
#[server(endpoint = "ed/disposition", input = Json)]
pub async fn end_visit(form: DispositionForm) -> Result<EdVisitView, AppError> {
    use shared::emergency::EdDisposition;
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::TriagePatients),
        async |caller, txn| {
            let d = form.parse()?;
            if d.disposition != EdDisposition::LeftWithoutBeingSeen
                && !caller.can(shared::Permission::AdmitPatients)
            {
                return Err(AppError::field(
                    "disposition",
                    "A doctor discharges or transfers the patient; you may record that they left without being seen.",
                ));
            }
            let v = super::service::find(txn, d.visit_id).await?;
            let what = d.disposition;
            let v = super::service::close(
                txn,
                &caller.ctx.cipher,
                v,
                d,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let view = super::service::view(txn, &caller.ctx.cipher, &v).await?;
            let event = caller
                .event("ed.disposition")
                .patient(v.patient_id)
                .entity("ed_visit", v.id)
                .detail(format!(
                    "{}{}",
                    what.label(),
                    v.destination.as_deref().map(|d| format!(": {d}")).unwrap_or_default()
                ));
            Ok((view, event))
        },
    )
    .await
}
crate::access!("ed/disposition", AnyOf(&[TriagePatients]), patient_data);

/// The doctors and nurses a patient may be put under (in the department),
/// or who may work on a ward (for the administrator).
#[server(endpoint = "ed/clinicians", input = Json)]
pub async fn ed_clinicians() -> Result<Vec<(UserId, String)>, AppError> {
    use shared::Permission::{ManageFacilities, TriagePatients};
    crate::audited::plain(
        || crate::auth::guard::require_any(&[TriagePatients, ManageFacilities]),
        async |caller| super::service::clinicians(&caller.ctx.db).await,
    )
    .await
}
crate::access!(
    "ed/clinicians",
    AnyOf(&[TriagePatients, ManageFacilities]),
    no_patient_data
);

/// The department's bays, with which are taken.
#[server(endpoint = "ed/bays", input = Json)]
pub async fn ed_bays() -> Result<Vec<BayView>, AppError> {
    use shared::Permission::{ManageFacilities, ViewEmergency};
    crate::audited::plain(
        || crate::auth::guard::require_any(&[ViewEmergency, ManageFacilities]),
        async |caller| super::service::bays(&caller.ctx.db).await,
    )
    .await
}
crate::access!(
    "ed/bays",
    AnyOf(&[ViewEmergency, ManageFacilities]),
    no_patient_data
);

/// Adds a bay, or renames, closes or reopens one.
#[server(endpoint = "ed/save_bay", input = Json)]
pub async fn save_bay(form: BayForm) -> Result<EdBayId, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageFacilities),
        async |caller, txn| {
            let name = form.parse()?;
            let bay = super::service::save_bay(
                txn,
                form.id,
                name,
                form.active,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("ed.save_bay")
                .entity("ed_bay", bay.id)
                .detail(format!(
                    "{}{}",
                    bay.name,
                    if bay.active { "" } else { " (closed)" }
                ));
            Ok((EdBayId(bay.id), event))
        },
    )
    .await
}
crate::access!("ed/save_bay", AnyOf(&[ManageFacilities]), no_patient_data);

/// The emergency numbers and nearby places: public, so that the page that
/// shows them works for anyone, signed in or not, and offline from the
/// app's cache.
#[server(endpoint = "ed/services", input = Json)]
pub async fn emergency_services() -> Result<Vec<EmergencyServiceView>, AppError> {
    crate::audited::public(async || {
        let ctx = crate::state::server_context()?;
        super::service::services(&ctx.db, false).await
    })
    .await
}
crate::access!("ed/services", Public, no_patient_data);

/// Every emergency number and place, the closed ones too (administrators).
#[server(endpoint = "ed/all_services", input = Json)]
pub async fn all_emergency_services() -> Result<Vec<EmergencyServiceView>, AppError> {
    crate::audited::plain(
        || crate::auth::guard::require(shared::Permission::ManageFacilities),
        async |caller| super::service::services(&caller.ctx.db, true).await,
    )
    .await
}
crate::access!(
    "ed/all_services",
    AnyOf(&[ManageFacilities]),
    no_patient_data
);

/// Adds or changes an emergency number or place.
#[server(endpoint = "ed/save_service", input = Json)]
pub async fn save_emergency_service(
    form: EmergencyServiceForm,
) -> Result<EmergencyServiceView, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageFacilities),
        async |caller, txn| {
            let s = form.parse()?;
            let saved =
                super::service::save_service(txn, form.id, s, caller.user.id.uuid(), caller.now())
                    .await?;
            let event = caller
                .event("ed.save_service")
                .entity("emergency_service", saved.id)
                .detail(saved.name.clone());
            Ok((saved, event))
        },
    )
    .await
}
crate::access!(
    "ed/save_service",
    AnyOf(&[ManageFacilities]),
    no_patient_data
);

//! Server functions of beds and admissions: the wards and their beds
//! (administrators), the bed board and a bed's status (nurses), admitting,
//! moving and discharging patients (doctors), a ward's inpatients.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::beds::{
    AdmissionForm, AdmissionView, BedBoard, BedStatusForm, BedView, BedsForm, DischargeForm,
    InpatientRow, TransferForm, WardForm, WardView,
};
use shared::ids::{AdmissionId, PatientId, UserId, WardId};
use shared::AppError;

/// Every ward with its number of beds: for the administrator, and for the
/// board's and the admission form's choice of ward.
#[server(endpoint = "beds/wards", input = Json)]
pub async fn wards() -> Result<Vec<WardView>, AppError> {
    use shared::Permission::{ManageFacilities, ViewBeds};
    crate::audited::plain(
        || crate::auth::guard::require_any(&[ViewBeds, ManageFacilities]),
        async |caller| super::service::wards(&caller.ctx.db).await,
    )
    .await
}
crate::access!(
    "beds/wards",
    AnyOf(&[ViewBeds, ManageFacilities]),
    no_patient_data
);

/// Adds a ward or changes one (its name, kind, who it is for, whether it
/// is open).
#[server(endpoint = "beds/save_ward", input = Json)]
pub async fn save_ward(form: WardForm) -> Result<WardView, AppError> {
    ssr::told(
        crate::audited::write(
            || crate::auth::guard::require(shared::Permission::ManageFacilities),
            async |caller, txn| {
                let ward = form.parse()?;
                let saved = super::service::save_ward(
                    txn,
                    form.id,
                    ward,
                    caller.user.id.uuid(),
                    caller.now(),
                )
                .await?;
                let event = caller
                    .event("beds.save_ward")
                    .entity("ward", saved.id)
                    .detail(format!(
                        "{} ({}, {}){}",
                        saved.name,
                        saved.kind.label(),
                        saved.sex_restriction.label(),
                        if saved.active { "" } else { ", closed" }
                    ));
                Ok((saved, event))
            },
        )
        .await,
    )
}
crate::access!(
    "beds/save_ward",
    AnyOf(&[ManageFacilities]),
    no_patient_data
);

/// Adds beds to a room of a ward.
#[server(endpoint = "beds/add_beds", input = Json)]
pub async fn add_beds(form: BedsForm) -> Result<u32, AppError> {
    ssr::told(
        crate::audited::write(
            || crate::auth::guard::require(shared::Permission::ManageFacilities),
            async |caller, txn| {
                let new = form.parse()?;
                let (ward, room) = (new.ward_id, new.room.clone());
                let added =
                    super::service::add_beds(txn, new, caller.user.id.uuid(), caller.now()).await?;
                let labels: Vec<&str> = added.iter().map(|b| b.label.as_str()).collect();
                let event = caller
                    .event("beds.add_beds")
                    .entity("ward", ward)
                    .detail(format!("Room {room}: {}", labels.join(", ")));
                Ok((added.len() as u32, event))
            },
        )
        .await,
    )
}
crate::access!("beds/add_beds", AnyOf(&[ManageFacilities]), no_patient_data);

/// The bed board: every open ward's beds, or one ward's, with who lies in
/// each.
#[server(endpoint = "beds/board", input = Json)]
pub async fn board(ward_id: Option<WardId>) -> Result<BedBoard, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewBeds),
        async |caller| {
            let board = super::service::board(&caller.ctx.db, ward_id, caller.now()).await?;
            let occupied: usize = board
                .wards
                .iter()
                .map(|w| w.count(shared::beds::BedStatus::Occupied))
                .sum();
            let mut event = caller
                .event("beds.board")
                .detail(format!("{occupied} patients in beds"));
            if let Some(w) = ward_id {
                event = event.entity("ward", w);
            }
            Ok((board, event))
        },
    )
    .await
}
crate::access!("beds/board", AnyOf(&[ViewBeds]), patient_data);

/// A nurse marks a bed cleaned, blocks it (with the reason) or unblocks it.
#[server(endpoint = "beds/set_status", input = Json)]
pub async fn set_bed_status(form: BedStatusForm) -> Result<BedView, AppError> {
    ssr::told(
        crate::audited::write(
            || crate::auth::guard::require(shared::Permission::ManageBeds),
            async |caller, txn| {
                let (bed_id, status, reason) = form.parse()?;
                let bed = super::service::set_status(
                    txn,
                    bed_id,
                    status,
                    reason.clone(),
                    caller.user.id.uuid(),
                    caller.now(),
                )
                .await?;
                let event = caller
                    .event("beds.set_status")
                    .entity("bed", bed.id)
                    .detail(format!(
                        "Room {}, bed {}: {}{}",
                        bed.room,
                        bed.label,
                        bed.status.label(),
                        reason.map(|r| format!(" ({r})")).unwrap_or_default()
                    ));
                // A bed changed by hand has nobody in it.
                let view = super::service::bed_view(bed, &Default::default());
                Ok((view, event))
            },
        )
        .await,
    )
}
crate::access!("beds/set_status", AnyOf(&[ManageBeds]), no_patient_data);

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use shared::beds::AdmissionView;
    use shared::AppError;
    use uuid::Uuid;

    use crate::auth::guard::Caller;
    use crate::entity::admissions;

    /// A change's answer, once this process's boards are told of it
    /// (`live::told`).
    pub fn told<T>(result: Result<T, AppError>) -> Result<T, AppError> {
        match crate::state::server_context() {
            Ok(ctx) => crate::beds::live::told(&ctx, result),
            Err(_) => result,
        }
    }

    /// Whether the caller may open the patient's chart: read before a
    /// write transaction opens (the check reads, and audits a refusal, on
    /// connections of its own, which SQLite's single writer would wait for).
    pub async fn may_read_chart(caller: &Caller, patient_id: Uuid) -> Result<bool, AppError> {
        Ok(crate::patients::access::chart_access(caller, patient_id)
            .await?
            .is_some())
    }

    /// The admission's view: the admission note and the discharge summary
    /// are the chart's, left out for those who may not open it.
    pub async fn view_for(
        db: &impl sea_orm::ConnectionTrait,
        cipher: &crate::crypto::Cipher,
        a: &admissions::Model,
        chart: bool,
    ) -> Result<AdmissionView, AppError> {
        let mut view = super::super::service::view(db, cipher, a).await?;
        if !chart {
            view.note = None;
            view.discharge = None;
        }
        Ok(view)
    }
}

/// Admits a patient under the calling doctor to a free bed: a doctor who
/// may open the chart (who saw the patient, or broke the glass). The
/// admission keeps the doctor in the care team until after discharge.
#[server(endpoint = "beds/admit", input = Json)]
pub async fn admit(form: AdmissionForm) -> Result<AdmissionView, AppError> {
    use shared::Permission::AdmitPatients;
    ssr::told(
        crate::audited::write_prepared(
            || crate::auth::guard::require(AdmitPatients),
            async |caller| {
                let new = form.parse()?;
                crate::patients::access::require_documenting(
                    caller,
                    new.patient_id.uuid(),
                    AdmitPatients,
                    "beds.admit",
                )
                .await?;
                Ok(new)
            },
            async |caller, new, txn| {
                let (admission, _stay) = super::service::admit(
                    txn,
                    &caller.ctx.cipher,
                    new,
                    caller.user.id.uuid(),
                    caller.now(),
                )
                .await?;
                let view = super::service::view(txn, &caller.ctx.cipher, &admission).await?;
                let event = caller
                    .event("beds.admit")
                    .patient(admission.patient_id)
                    .entity("admission", admission.id)
                    .detail(format!(
                        "{}, {} ({})",
                        view.stays.first().map(|s| s.ward.as_str()).unwrap_or(""),
                        view.stays.first().map(|s| s.bed.as_str()).unwrap_or(""),
                        admission.diagnosis
                    ));
                Ok((view, event))
            },
        )
        .await,
    )
}
crate::access!("beds/admit", AnyOf(&[AdmitPatients]), patient_data);

/// An admission, whole: where the patient lay, and (for those who may open
/// the chart) the admission note and the discharge summary.
#[server(endpoint = "beds/admission", input = Json)]
pub async fn admission(admission_id: AdmissionId) -> Result<AdmissionView, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewBeds),
        async |caller| {
            let a = super::service::find(&caller.ctx.db, admission_id).await?;
            let chart = ssr::may_read_chart(caller, a.patient_id).await?;
            let view = ssr::view_for(&caller.ctx.db, &caller.ctx.cipher, &a, chart).await?;
            let event = caller
                .event("beds.admission")
                .patient(a.patient_id)
                .entity("admission", a.id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!("beds/admission", AnyOf(&[ViewBeds]), patient_data);

/// A patient's admissions, newest first: the admission form's check that
/// they are not in a bed already, and the chart's list of stays.
#[server(endpoint = "beds/admissions_of", input = Json)]
pub async fn admissions_of(patient_id: PatientId) -> Result<Vec<AdmissionView>, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewBeds),
        async |caller| {
            crate::patients::access::live_patient(&caller.ctx.db, patient_id.uuid()).await?;
            let chart = ssr::may_read_chart(caller, patient_id.uuid()).await?;
            let mut list = Vec::new();
            for a in super::service::of_patient(&caller.ctx.db, patient_id.uuid()).await? {
                list.push(ssr::view_for(&caller.ctx.db, &caller.ctx.cipher, &a, chart).await?);
            }
            let event = caller.event("beds.admissions_of").patient(patient_id);
            Ok((list, event))
        },
    )
    .await
}
crate::access!("beds/admissions_of", AnyOf(&[ViewBeds]), patient_data);

/// Moves an admitted patient to another bed, or out to another hospital.
#[server(endpoint = "beds/transfer", input = Json)]
pub async fn transfer(form: TransferForm) -> Result<AdmissionView, AppError> {
    use shared::Permission::{AdmitPatients, ManageBeds};
    ssr::told(
        crate::audited::write_prepared(
            || crate::auth::guard::require_any(&[ManageBeds, AdmitPatients]),
            async |caller| {
                let parsed = form.parse()?;
                let a = super::service::find(&caller.ctx.db, parsed.0).await?;
                let chart = ssr::may_read_chart(caller, a.patient_id).await?;
                Ok((parsed, chart))
            },
            async |caller, ((id, to, reason), chart), txn| {
                let a = super::service::find_for_update(txn, id).await?;
                let (a, _) = super::service::transfer(
                    txn,
                    a,
                    to,
                    reason.clone(),
                    caller.ctx.timezone,
                    caller.user.id.uuid(),
                    caller.now(),
                )
                .await?;
                let view = ssr::view_for(txn, &caller.ctx.cipher, &a, chart).await?;
                let to = match view.current() {
                    Some(s) => format!("{}, {}", s.ward, s.bed),
                    None => view.destination.clone().unwrap_or_default(),
                };
                let event = caller
                    .event("beds.transfer")
                    .patient(a.patient_id)
                    .entity("admission", a.id)
                    .detail(format!("To {to}: {reason}"));
                Ok((view, event))
            },
        )
        .await,
    )
}
crate::access!(
    "beds/transfer",
    AnyOf(&[ManageBeds, AdmitPatients]),
    patient_data
);

/// Discharges an admitted patient with the summary the calling doctor
/// signs; the doctor must be able to open the chart.
#[server(endpoint = "beds/discharge", input = Json)]
pub async fn discharge(form: DischargeForm) -> Result<AdmissionView, AppError> {
    use shared::Permission::AdmitPatients;
    ssr::told(
        crate::audited::write_prepared(
            || crate::auth::guard::require(AdmitPatients),
            async |caller| {
                let d = form.parse()?;
                let a = super::service::find(&caller.ctx.db, d.admission_id).await?;
                crate::patients::access::require_documenting(
                    caller,
                    a.patient_id,
                    AdmitPatients,
                    "beds.discharge",
                )
                .await?;
                Ok(d)
            },
            async |caller, d, txn| {
                let a = super::service::find_for_update(txn, d.admission_id).await?;
                let a = super::service::discharge(
                    txn,
                    &caller.ctx.cipher,
                    a,
                    d,
                    caller.ctx.timezone,
                    caller.user.id.uuid(),
                    caller.now(),
                )
                .await?;
                let view = super::service::view(txn, &caller.ctx.cipher, &a).await?;
                let event = caller
                    .event("beds.discharge")
                    .patient(a.patient_id)
                    .entity("admission", a.id)
                    .detail(a.discharge_diagnoses.clone().unwrap_or_default());
                Ok((view, event))
            },
        )
        .await,
    )
}
crate::access!("beds/discharge", AnyOf(&[AdmitPatients]), patient_data);

/// A ward's inpatients for the round. Allergies and open tasks are the
/// chart's: shown to clinicians (`ReadCharts`), not to the front desk.
#[server(endpoint = "beds/inpatients", input = Json)]
pub async fn inpatients(ward_id: WardId) -> Result<Vec<InpatientRow>, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewBeds),
        async |caller| {
            let mut rows = super::service::inpatients(
                &caller.ctx.db,
                ward_id,
                caller.ctx.timezone,
                caller.now(),
            )
            .await?;
            if !caller.can(shared::Permission::ReadCharts) {
                for r in &mut rows {
                    r.allergies.clear();
                    r.tasks.clear();
                }
            }
            let event = caller
                .event("beds.inpatients")
                .entity("ward", ward_id)
                .detail(format!("{} inpatients", rows.len()));
            Ok((rows, event))
        },
    )
    .await
}
crate::access!("beds/inpatients", AnyOf(&[ViewBeds]), patient_data);

/// Who works on a ward (they open its inpatients' charts).
#[server(endpoint = "beds/ward_staff", input = Json)]
pub async fn ward_staff(ward_id: WardId) -> Result<Vec<(UserId, String)>, AppError> {
    crate::audited::plain(
        || crate::auth::guard::require(shared::Permission::ManageFacilities),
        async |caller| super::service::ward_staff(&caller.ctx.db, ward_id).await,
    )
    .await
}
crate::access!(
    "beds/ward_staff",
    AnyOf(&[ManageFacilities]),
    no_patient_data
);

/// Adds a doctor or nurse to a ward's staff (`member`), or takes them off.
#[server(endpoint = "beds/set_ward_staff", input = Json)]
pub async fn set_ward_staff(
    ward_id: WardId,
    user_id: UserId,
    member: bool,
) -> Result<(), AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageFacilities),
        async |caller, txn| {
            super::service::set_ward_staff(
                txn,
                ward_id,
                user_id,
                member,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("beds.set_ward_staff")
                .entity("ward", ward_id)
                .detail(format!(
                    "{} user {user_id}",
                    if member { "added" } else { "removed" }
                ));
            Ok(((), event))
        },
    )
    .await
}
crate::access!(
    "beds/set_ward_staff",
    AnyOf(&[ManageFacilities]),
    no_patient_data
);

//! Server functions of prescribing. Signing, changing and stopping are
//! chart writes (the prescriber's access to the patient is checked first,
//! the audit event is written in the same transaction); the decision
//! support context is a chart read.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::decision::CheckContext;
use shared::ids::{PatientId, PrescriptionId};
use shared::prescribing::{PrescriptionView, SignRequest};
use shared::AppError;

/// What the checks know about the patient (allergies, active drugs and the
/// rules concerning them), for the prescribing form to run the same checks
/// as the server while the prescriber chooses.
#[server(endpoint = "prescriptions/context", input = Json)]
pub async fn prescribing_context(patient_id: PatientId) -> Result<CheckContext, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::patients::access::require_documenting;
    use shared::Permission::Prescribe;
    crate::audited::read(authenticate_active, async |caller| {
        require_documenting(caller, patient_id.uuid(), Prescribe, "prescriptions.check").await?;
        let ctx = super::service::check_context(&caller.ctx.db, patient_id.uuid()).await?;
        let event = caller
            .event("prescriptions.check")
            .patient(patient_id)
            .entity("patient", patient_id)
            .detail(format!(
                "{} allergies, {} active drugs",
                ctx.allergies.len(),
                ctx.active.len()
            ));
        Ok((ctx, event))
    })
    .await
}
crate::access!("prescriptions/context", AnyOf(&[Prescribe]), patient_data);

/// The patient's prescriptions, active first, for those who may open the
/// chart.
#[server(endpoint = "prescriptions/list", input = Json)]
pub async fn list_prescriptions(patient_id: PatientId) -> Result<Vec<PrescriptionView>, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::patients::access::require_chart;
    crate::audited::read(authenticate_active, async |caller| {
        if !caller.user.role.is_staff() {
            return Err(AppError::Forbidden);
        }
        require_chart(caller, patient_id, "prescriptions.read").await?;
        let list = super::service::for_patient(&caller.ctx.db, patient_id.uuid()).await?;
        let event = caller
            .event("prescriptions.read")
            .patient(patient_id)
            .entity("patient", patient_id)
            .detail(format!("{} prescription(s)", list.len()));
        Ok((list, event))
    })
    .await
}
crate::access!("prescriptions/list", AnyOf(&[ReadCharts]), patient_data);

/// What the trail says of a signing: the alerts overridden, by kind and
/// severity (the reason is on the prescription).
#[cfg(feature = "ssr")]
fn signed_detail(alerts: &[shared::decision::Alert]) -> String {
    let overridden: Vec<String> = alerts
        .iter()
        .filter(|a| a.needs_override())
        .map(|a| format!("{} ({})", a.kind.label(), a.severity.label()))
        .collect();
    if overridden.is_empty() {
        format!("{} alert(s), none needing an override", alerts.len())
    } else {
        format!("overrode {}", overridden.join(", "))
    }
}

/// Signs a prescription, or (with `replaces`) a change of an active one,
/// which stays in the history as changed. Answers field errors, the
/// override reason's among them, and saves nothing then.
#[server(endpoint = "prescriptions/sign", input = Json)]
pub async fn sign_prescription(
    request: SignRequest,
    replaces: Option<PrescriptionId>,
) -> Result<PrescriptionView, AppError> {
    use crate::chart::api::ssr::{write, written};
    use shared::time::HospitalTime;
    use shared::Permission::Prescribe;
    let (Some(patient_id), Some(drug_id)) = (request.patient_id, request.drug_id) else {
        return Err(AppError::field("drug", "Choose a drug from the formulary."));
    };
    let action = if replaces.is_some() {
        "prescription.change"
    } else {
        "prescription.sign"
    };
    write(patient_id, Prescribe, action, async |caller, txn| {
        let encounter = match request.encounter_id {
            Some(e) => Some(
                crate::chart::service::encounter_of(txn, patient_id.uuid(), e.uuid())
                    .await?
                    .id,
            ),
            None => None,
        };
        let old = match replaces {
            Some(id) => {
                let old = super::service::find(txn, patient_id.uuid(), id).await?;
                super::service::require_active(&old)?;
                Some(old)
            }
            None => None,
        };
        let (row, alerts) = super::service::sign(
            txn,
            super::service::Signing {
                patient_id: patient_id.uuid(),
                encounter_id: encounter,
                drug_id,
                form: &request.form,
                override_reason: &request.override_reason,
                prescriber_id: caller.user.id.uuid(),
                now: caller.now(),
                today: caller.today(),
                replaces: old,
            },
        )
        .await?;
        if let Some(old) = replaces {
            crate::pharmacy::orders::end_with_prescription(
                txn,
                &caller.ctx,
                old.uuid(),
                "Your doctor changed the prescription: order it again.",
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
        }
        let id = row.id;
        let view = super::service::views(txn, vec![row])
            .await?
            .pop()
            .ok_or(AppError::Internal)?;
        Ok(written(view, "prescription", id, signed_detail(&alerts)))
    })
    .await
}
crate::access!("prescriptions/sign", AnyOf(&[Prescribe]), patient_data);

/// Stops an active prescription, with the reason.
#[server(endpoint = "prescriptions/stop", input = Json)]
pub async fn stop_prescription(
    patient_id: PatientId,
    prescription_id: PrescriptionId,
    reason: String,
) -> Result<PrescriptionView, AppError> {
    use crate::chart::api::ssr::{write, written};
    use shared::Permission::Prescribe;
    write(
        patient_id,
        Prescribe,
        "prescription.stop",
        async |caller, txn| {
            let p = super::service::find(txn, patient_id.uuid(), prescription_id).await?;
            let row =
                super::service::stop(txn, p, &reason, caller.user.id.uuid(), caller.now()).await?;
            crate::pharmacy::orders::end_with_prescription(
                txn,
                &caller.ctx,
                row.id,
                "Your doctor stopped the prescription.",
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let view = super::service::views(txn, vec![row])
                .await?
                .pop()
                .ok_or(AppError::Internal)?;
            Ok(written(view, "prescription", prescription_id, "stopped"))
        },
    )
    .await
}
crate::access!("prescriptions/stop", AnyOf(&[Prescribe]), patient_data);

/// The signed-in patient's own prescriptions, active first.
#[server(endpoint = "prescriptions/mine", input = Json)]
pub async fn my_prescriptions() -> Result<Vec<PrescriptionView>, AppError> {
    use crate::auth::guard::require;
    crate::audited::read(
        || require(shared::Permission::ViewOwnRecord),
        async |caller| {
            let id = caller.own_patient_id()?;
            let list = super::service::for_patient(&caller.ctx.db, id.uuid()).await?;
            let event = caller
                .event("prescriptions.read_own")
                .patient(id)
                .entity("patient", id);
            Ok((list, event))
        },
    )
    .await
}
crate::access!("prescriptions/mine", AnyOf(&[ViewOwnRecord]), patient_data);

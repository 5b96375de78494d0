//! Server functions of refill requests: patients ask, prescribers answer.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::ids::{PrescriptionId, RefillRequestId};
use shared::prescribing::RefillRequestView;
use shared::AppError;

/// The signed-in patient asks for another fill of one of their prescriptions.
#[server(endpoint = "refills/request", input = Json)]
pub async fn request_refill(
    prescription_id: PrescriptionId,
    note: String,
) -> Result<RefillRequestView, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ViewOwnRecord),
        async |caller, txn| {
            let patient = caller.own_patient_id()?;
            let view =
                super::refills::request(txn, patient.uuid(), prescription_id, &note, caller.now())
                    .await?;
            let event = caller
                .event("refills.request")
                .patient(patient)
                .entity("refill_request", view.id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!("refills/request", AnyOf(&[ViewOwnRecord]), patient_data);

/// The signed-in patient's refill requests, newest first.
#[server(endpoint = "refills/mine", input = Json)]
pub async fn my_refills() -> Result<Vec<RefillRequestView>, AppError> {
    use crate::auth::guard::require;
    crate::audited::read(
        || require(shared::Permission::ViewOwnRecord),
        async |caller| {
            let patient = caller.own_patient_id()?;
            let list = super::refills::mine(&caller.ctx.db, patient.uuid()).await?;
            let event = caller.event("refills.read_own").patient(patient);
            Ok((list, event))
        },
    )
    .await
}
crate::access!("refills/mine", AnyOf(&[ViewOwnRecord]), patient_data);

/// The pending requests for the caller's prescriptions, oldest first.
#[server(endpoint = "refills/queue", input = Json)]
pub async fn refill_queue() -> Result<Vec<RefillRequestView>, AppError> {
    use crate::auth::guard::require;
    crate::audited::read(
        || require(shared::Permission::Prescribe),
        async |caller| {
            let list = super::refills::queue(&caller.ctx.db, caller.user.id.uuid()).await?;
            let event = caller
                .event("refills.queue")
                .detail(format!("{} request(s)", list.len()));
            Ok((list, event))
        },
    )
    .await
}
crate::access!("refills/queue", AnyOf(&[Prescribe]), patient_data);

/// Approves a refill (a new fill goes to the pharmacy) or declines it with
/// a reason. Doctors who may document the patient's care decide.
#[server(endpoint = "refills/decide", input = Json)]
pub async fn decide_refill(
    request_id: RefillRequestId,
    approve: bool,
    reason: String,
) -> Result<RefillRequestView, AppError> {
    use crate::auth::guard::authenticate_active;
    use crate::patients::access::require_documenting;
    use shared::Permission::Prescribe;
    let action = if approve {
        "refills.approve"
    } else {
        "refills.decline"
    };
    crate::audited::write_prepared(
        authenticate_active,
        async |caller| {
            // Who may decide is checked before the write transaction (a
            // refusal is audited on its own).
            let r = super::refills::pending(&caller.ctx.db, request_id).await?;
            require_documenting(caller, r.patient_id, Prescribe, action).await?;
            Ok(r.patient_id)
        },
        async |caller, patient, txn| {
            let r = super::refills::pending(txn, request_id).await?;
            let view = super::refills::decide(
                txn,
                r,
                approve,
                &reason,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event(action)
                .patient(patient)
                .entity("refill_request", request_id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!("refills/decide", AnyOf(&[Prescribe]), patient_data);

//! Server functions of the pharmacy: the queue and dispensing (`Dispense`),
//! stock (`ManageStock`). Every change is audited in its own transaction.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::ids::{BatchId, DrugId, MovementId, PrescriptionId};
use shared::pharmacy::{
    BatchView, Dispensed, FillStatus, QueueCursor, QueuePage, ReceiveForm, StockLevel,
};
use shared::prescribing::PrescriptionView;
use shared::AppError;

/// Prescriptions to fill, oldest first, a page at a time from after
/// `cursor`, with each patient's allergies.
#[server(endpoint = "pharmacy/queue", input = Json)]
pub async fn pharmacy_queue(cursor: Option<QueueCursor>) -> Result<QueuePage, AppError> {
    use crate::auth::guard::require;
    use shared::time::HospitalTime;
    crate::audited::read(
        || require(shared::Permission::Dispense),
        async |caller| {
            let page = super::service::queue(
                &caller.ctx.db,
                caller.today(),
                cursor.as_ref(),
                shared::pharmacy::QUEUE_PAGE,
            )
            .await?;
            let event = caller
                .event("pharmacy.queue")
                .detail(format!("{} prescription(s)", page.items.len()));
            Ok((page, event))
        },
    )
    .await
}
crate::access!("pharmacy/queue", AnyOf(&[Dispense]), patient_data);

/// The prescription a printed verification code names (the pharmacy checks
/// a paper prescription against the record).
#[server(endpoint = "pharmacy/verify", input = Json)]
pub async fn verify_code(code: String) -> Result<PrescriptionView, AppError> {
    use crate::auth::guard::require;
    crate::audited::read(
        || require(shared::Permission::Dispense),
        async |caller| {
            let row = crate::prescriptions::service::by_code(&caller.ctx.db, &code)
                .await?
                .ok_or_else(|| {
                    AppError::field(
                        "code",
                        "No prescription has this code: check it against the paper.",
                    )
                })?;
            let (id, patient) = (row.id, row.patient_id);
            let view = crate::prescriptions::service::views(&caller.ctx.db, vec![row])
                .await?
                .pop()
                .ok_or(AppError::Internal)?;
            let event = caller
                .event("pharmacy.verify")
                .patient(patient)
                .entity("prescription", id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!("pharmacy/verify", AnyOf(&[Dispense]), patient_data);

/// Moves a prescription along the queue: new, in preparation, ready.
#[server(endpoint = "pharmacy/fill_status", input = Json)]
pub async fn set_fill_status(
    prescription_id: PrescriptionId,
    status: FillStatus,
) -> Result<(), AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::Dispense),
        async |caller, txn| {
            let p = super::service::active(txn, prescription_id).await?;
            let patient = p.patient_id;
            super::service::set_fill_status(txn, p, status, caller.now()).await?;
            let by = caller.user.id.uuid();
            super::orders::follow_fill(
                txn,
                &caller.ctx,
                prescription_id.uuid(),
                status,
                by,
                caller.now(),
            )
            .await?;
            let event = caller
                .event("pharmacy.fill_status")
                .patient(patient)
                .entity("prescription", prescription_id)
                .detail(status.label());
            Ok(((), event))
        },
    )
    .await
}
crate::access!("pharmacy/fill_status", AnyOf(&[Dispense]), patient_data);

/// Dispenses a prescription, in full (`quantity` blank) or in part, from
/// the oldest-expiring unexpired batches.
#[server(endpoint = "pharmacy/dispense", input = Json)]
pub async fn dispense(
    prescription_id: PrescriptionId,
    quantity: String,
) -> Result<Dispensed, AppError> {
    use crate::auth::guard::require;
    use shared::time::HospitalTime;
    let quantity = if quantity.trim().is_empty() {
        Ok(None)
    } else {
        shared::pharmacy::parse_units(&quantity, 1..=100_000, "quantity")
            .map(Some)
            .map_err(|m| AppError::field("quantity", m))
    };
    crate::audited::write(
        || require(shared::Permission::Dispense),
        async |caller, txn| {
            let p = super::service::active(txn, prescription_id).await?;
            let out = super::service::dispense(
                txn,
                p,
                quantity?,
                caller.user.id.uuid(),
                caller.now(),
                caller.today(),
            )
            .await?;
            super::orders::follow_fill(
                txn,
                &caller.ctx,
                prescription_id.uuid(),
                out.fill_status,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("pharmacy.dispense")
                .patient(out.patient_id)
                .entity("prescription", prescription_id)
                .detail(
                    out.taken
                        .iter()
                        .map(|t| format!("{} from lot {}", t.quantity, t.lot_number))
                        .collect::<Vec<_>>()
                        .join(", "),
                );
            Ok((out, event))
        },
    )
    .await
}
crate::access!("pharmacy/dispense", AnyOf(&[Dispense]), patient_data);

/// Takes units a patient brought back into the batch they came from.
#[server(endpoint = "pharmacy/return", input = Json)]
pub async fn return_units(
    dispense_id: MovementId,
    quantity: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::auth::guard::require;
    let parsed = parse_change(&quantity, &reason);
    crate::audited::write(
        || require(shared::Permission::Dispense),
        async |caller, txn| {
            let (n, reason) = parsed?;
            let patient = super::service::return_units(
                txn,
                dispense_id,
                n,
                reason,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("pharmacy.return")
                .patient(patient)
                .entity("stock_movement", dispense_id)
                .detail(format!("{n} returned"));
            Ok(((), event))
        },
    )
    .await
}
crate::access!("pharmacy/return", AnyOf(&[Dispense]), patient_data);

/// A quantity and a reason, as a return or a write-off needs them.
#[cfg(feature = "ssr")]
fn parse_change(quantity: &str, reason: &str) -> Result<(u32, String), AppError> {
    let mut e = shared::error::FieldErrors::new();
    let n = e.check(
        "quantity",
        shared::pharmacy::parse_units(quantity, 1..=1_000_000, "quantity"),
    );
    let reason = e.check(
        "reason",
        shared::validate::bounded_text(reason, 500, "reason").and_then(|r| {
            if r.is_empty() {
                Err("Say why.".to_string())
            } else {
                Ok(r)
            }
        }),
    );
    e.finish()?;
    Ok((
        n.ok_or(AppError::Internal)?,
        reason.ok_or(AppError::Internal)?,
    ))
}

/// Every drug in stock or watched, low ones first, with its batches.
#[server(endpoint = "pharmacy/stock", input = Json)]
pub async fn stock_levels() -> Result<Vec<StockLevel>, AppError> {
    use crate::auth::guard::require;
    use shared::time::HospitalTime;
    crate::audited::plain(
        || require(shared::Permission::ManageStock),
        async |caller| super::service::levels(&caller.ctx.db, caller.today()).await,
    )
    .await
}
crate::access!("pharmacy/stock", AnyOf(&[ManageStock]), no_patient_data);

/// Takes a delivery into stock.
#[server(endpoint = "pharmacy/receive", input = Json)]
pub async fn receive(form: ReceiveForm) -> Result<BatchView, AppError> {
    use crate::auth::guard::require;
    use shared::time::HospitalTime;
    crate::audited::write(
        || require(shared::Permission::ManageStock),
        async |caller, txn| {
            let batch = form.parse(caller.today())?;
            let view =
                super::service::receive(txn, &batch, caller.user.id.uuid(), caller.now()).await?;
            let event = caller
                .event("pharmacy.receive")
                .entity("stock_batch", view.id)
                .detail(format!(
                    "{} × {} lot {}",
                    view.quantity, view.drug_label, view.lot_number
                ));
            Ok((view, event))
        },
    )
    .await
}
crate::access!("pharmacy/receive", AnyOf(&[ManageStock]), no_patient_data);

/// Removes units from a batch (expired, damaged, lost), with the reason.
#[server(endpoint = "pharmacy/write_off", input = Json)]
pub async fn write_off(
    batch_id: BatchId,
    quantity: String,
    reason: String,
) -> Result<(), AppError> {
    use crate::auth::guard::require;
    let parsed = parse_change(&quantity, &reason);
    crate::audited::write(
        || require(shared::Permission::ManageStock),
        async |caller, txn| {
            let (n, reason) = parsed?;
            let batch = super::service::write_off(
                txn,
                batch_id,
                n,
                reason.clone(),
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("pharmacy.write_off")
                .entity("stock_batch", batch_id)
                .detail(format!("{n} of lot {}: {reason}", batch.lot_number));
            Ok(((), event))
        },
    )
    .await
}
crate::access!("pharmacy/write_off", AnyOf(&[ManageStock]), no_patient_data);

/// The stock at or below which a drug is reordered (0: not watched).
#[server(endpoint = "pharmacy/reorder_level", input = Json)]
pub async fn set_reorder_level(drug_id: DrugId, level: String) -> Result<(), AppError> {
    use crate::auth::guard::require;
    let level = shared::pharmacy::parse_units(&level, 0..=1_000_000, "reorder level")
        .map_err(|m| AppError::field("level", m));
    crate::audited::write(
        || require(shared::Permission::ManageStock),
        async |caller, txn| {
            let level = level?;
            super::service::set_reorder_level(txn, drug_id, level).await?;
            let event = caller
                .event("pharmacy.reorder_level")
                .entity("formulary_drug", drug_id)
                .detail(level.to_string());
            Ok(((), event))
        },
    )
    .await
}
crate::access!(
    "pharmacy/reorder_level",
    AnyOf(&[ManageStock]),
    no_patient_data
);

//! Server functions of online orders: the patient places, follows and
//! cancels them (`ViewOwnRecord`); the pharmacy sees deliveries on the
//! road, marks them delivered and cancels orders it cannot fill
//! (`Dispense`). Each change is audited and tells the patient through the
//! outbox in its transaction.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::ids::PharmacyOrderId;
use shared::pharmacy::{MyOrders, OrderForm, OrderView};
use shared::AppError;

/// The signed-in patient orders the fill of one of their prescriptions.
#[server(endpoint = "orders/place", input = Json)]
pub async fn place_order(form: OrderForm) -> Result<OrderView, AppError> {
    use crate::auth::guard::require;
    let order = form.parse();
    crate::audited::write(
        || require(shared::Permission::ViewOwnRecord),
        async |caller, txn| {
            let patient = caller.own_patient_id()?;
            let view = super::orders::place(txn, &caller.ctx, patient.uuid(), order?, caller.now())
                .await?;
            let event = caller
                .event("orders.place")
                .patient(patient)
                .entity("pharmacy_order", view.id)
                .detail(view.fulfilment.label());
            Ok((view, event))
        },
    )
    .await
}
crate::access!("orders/place", AnyOf(&[ViewOwnRecord]), patient_data);

/// The signed-in patient's orders and what they can order now.
#[server(endpoint = "orders/mine", input = Json)]
pub async fn my_pharmacy_orders() -> Result<MyOrders, AppError> {
    use crate::auth::guard::require;
    crate::audited::read(
        || require(shared::Permission::ViewOwnRecord),
        async |caller| {
            let patient = caller.own_patient_id()?;
            let mine = super::orders::mine(&caller.ctx.db, patient.uuid()).await?;
            let event = caller.event("orders.read_own").patient(patient);
            Ok((mine, event))
        },
    )
    .await
}
crate::access!("orders/mine", AnyOf(&[ViewOwnRecord]), patient_data);

/// The signed-in patient calls off their order while it is at the pharmacy.
#[server(endpoint = "orders/cancel", input = Json)]
pub async fn cancel_my_order(order_id: PharmacyOrderId) -> Result<OrderView, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::ViewOwnRecord),
        async |caller, txn| {
            let patient = caller.own_patient_id()?;
            let order = super::orders::find(txn, order_id, Some(patient.uuid())).await?;
            let view = super::orders::cancel(
                txn,
                &caller.ctx,
                order,
                "You cancelled it.".into(),
                None,
                caller.now(),
            )
            .await?;
            let event = caller
                .event("orders.cancel_own")
                .patient(patient)
                .entity("pharmacy_order", order_id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!("orders/cancel", AnyOf(&[ViewOwnRecord]), patient_data);

/// Orders out for delivery, oldest first.
#[server(endpoint = "pharmacy/deliveries", input = Json)]
pub async fn deliveries() -> Result<Vec<OrderView>, AppError> {
    use crate::auth::guard::require;
    crate::audited::read(
        || require(shared::Permission::Dispense),
        async |caller| {
            let list = super::orders::deliveries(&caller.ctx.db).await?;
            let event = caller
                .event("pharmacy.deliveries")
                .detail(format!("{} order(s)", list.len()));
            Ok((list, event))
        },
    )
    .await
}
crate::access!("pharmacy/deliveries", AnyOf(&[Dispense]), patient_data);

/// The courier handed a dispatched order to the patient.
#[server(endpoint = "pharmacy/delivered", input = Json)]
pub async fn mark_delivered(order_id: PharmacyOrderId) -> Result<OrderView, AppError> {
    use crate::auth::guard::require;
    crate::audited::write(
        || require(shared::Permission::Dispense),
        async |caller, txn| {
            let order = super::orders::find(txn, order_id, None).await?;
            let view = super::orders::delivered(
                txn,
                &caller.ctx,
                order,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("pharmacy.delivered")
                .patient(view.patient_id)
                .entity("pharmacy_order", order_id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!("pharmacy/delivered", AnyOf(&[Dispense]), patient_data);

/// The pharmacy cancels an order it cannot fill, with the reason the
/// patient reads in the portal (the message only says it was cancelled).
#[server(endpoint = "pharmacy/cancel_order", input = Json)]
pub async fn cancel_order(
    order_id: PharmacyOrderId,
    reason: String,
) -> Result<OrderView, AppError> {
    use crate::auth::guard::require;
    let reason = shared::validate::bounded_text(&reason, 500, "reason").and_then(|r| {
        if r.is_empty() {
            Err("Say why, for the patient.".to_string())
        } else {
            Ok(r)
        }
    });
    crate::audited::write(
        || require(shared::Permission::Dispense),
        async |caller, txn| {
            let reason = reason.map_err(|m| AppError::field("reason", m))?;
            let order = super::orders::find(txn, order_id, None).await?;
            let view = super::orders::cancel(
                txn,
                &caller.ctx,
                order,
                reason,
                Some(caller.user.id.uuid()),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("pharmacy.cancel_order")
                .patient(view.patient_id)
                .entity("pharmacy_order", order_id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!("pharmacy/cancel_order", AnyOf(&[Dispense]), patient_data);

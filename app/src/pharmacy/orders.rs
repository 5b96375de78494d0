//! Online orders: a patient orders the fill of one of their active
//! prescriptions that is in the pharmacy's queue, to collect or to have
//! delivered. The order follows the fill as the pharmacy works on it
//! ([`OrderStatus::after_fill`]), the pharmacy marks a delivery delivered,
//! and either side can cancel while nothing has left the pharmacy. Every
//! step queues a message to the patient in the same transaction, without
//! the drug's name ([`shared::notify::order_notice`]).

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};
use shared::ids::{PharmacyOrderId, PrescriptionId};
use shared::notify::{order_notice, NoticeKind};
use shared::pharmacy::{FillStatus, MyOrders, NewOrder, OrderStatus, OrderView};
use shared::prescribing::PrescriptionStatus;
use shared::AppError;
use uuid::Uuid;

use crate::context::{is_unique_violation, OrInternal};
use crate::entity::{notification_outbox as outbox, patients, pharmacy_orders, prescriptions};
use crate::state::ServerContext;

/// The most orders a list answers: the patient's latest, or the pharmacy's
/// deliveries on the road.
pub const ORDER_LIST_LIMIT: u64 = 100;

/// The statuses an order can still move from.
const OPEN: [OrderStatus; 4] = [
    OrderStatus::Placed,
    OrderStatus::Preparing,
    OrderStatus::Ready,
    OrderStatus::Dispatched,
];

/// Queues the message for the order's current step to the patient's
/// channel, if they allow one. A step reached twice is told once.
async fn tell(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    order: &pharmacy_orders::Model,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let patient = patients::Entity::find_by_id(order.patient_id)
        .one(db)
        .await
        .or_internal()?
        .ok_or(AppError::Internal)?;
    let Some((channel, recipient)) = crate::appointments::notices::reachability(&patient).pick()
    else {
        return Ok(());
    };
    let notice = order_notice(order.status, order.fulfilment, channel, &ctx.hospital_name);
    let row = outbox::Queued {
        id: Uuid::new_v4(),
        patient_id: order.patient_id,
        appointment_id: None,
        kind: NoticeKind::PharmacyOrder,
        channel,
        recipient,
        subject: notice.subject,
        body: notice.body,
        dedupe_key: format!(
            "order:{}:{}:{}",
            order.id,
            order.status.as_str(),
            channel.as_str()
        ),
        due: now,
    }
    .row(now);
    outbox::queue(db, vec![row]).await.or_internal()
}

/// Moves `order` to `status` (by `by`, `None` for the patient) and tells
/// the patient. The update holds only if the order is still where it was
/// read: a patient's cancel and a dispense at the same moment cannot both
/// win, and the one that lost says so.
async fn move_to(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    order: pharmacy_orders::Model,
    status: OrderStatus,
    reason: Option<String>,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<pharmacy_orders::Model, AppError> {
    use pharmacy_orders::Column as C;
    use sea_orm::sea_query::Expr;
    let mut update = pharmacy_orders::Entity::update_many()
        .col_expr(C::Status, Expr::value(status))
        .col_expr(C::UpdatedAt, Expr::value(now))
        .col_expr(C::UpdatedBy, Expr::value(by));
    if reason.is_some() {
        update = update.col_expr(C::CancelReason, Expr::value(reason.clone()));
    }
    let done = update
        .filter(C::Id.eq(order.id))
        .filter(C::Status.eq(order.status))
        .exec(db)
        .await
        .or_internal()?;
    if done.rows_affected != 1 {
        return Err(AppError::Conflict(
            "This order changed in the meantime: reload to see where it stands.".into(),
        ));
    }
    let order = pharmacy_orders::Model {
        status,
        updated_at: now,
        updated_by: by,
        cancel_reason: reason.or(order.cancel_reason),
        ..order
    };
    tell(db, ctx, &order, now).await?;
    Ok(order)
}

/// The view of an order, given its patient's filing name and its drug.
pub fn view_of(o: pharmacy_orders::Model, patient_name: String, drug_label: String) -> OrderView {
    OrderView {
        id: o.id.into(),
        prescription_id: o.prescription_id.into(),
        patient_id: o.patient_id.into(),
        patient_name,
        drug_label,
        fulfilment: o.fulfilment,
        status: o.status,
        address: o.address,
        placed_at: o.placed_at,
        updated_at: o.updated_at,
        cancel_reason: o.cancel_reason,
    }
}

async fn views(
    db: &impl ConnectionTrait,
    rows: Vec<pharmacy_orders::Model>,
) -> Result<Vec<OrderView>, AppError> {
    let rx: HashMap<Uuid, prescriptions::Model> = prescriptions::Entity::find()
        .filter(prescriptions::Column::Id.is_in(rows.iter().map(|o| o.prescription_id)))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| (p.id, p))
        .collect();
    let people = crate::patients::service::names(db, rows.iter().map(|o| o.patient_id)).await?;
    Ok(rows
        .into_iter()
        .map(|o| {
            let name = people.get(&o.patient_id).cloned().unwrap_or_default();
            let drug = rx
                .get(&o.prescription_id)
                .map(|p| p.drug_label.clone())
                .unwrap_or_default();
            view_of(o, name, drug)
        })
        .collect())
}

/// The open order of each of `prescription_ids` (the queue makes their
/// views from the patients and prescriptions it has read).
pub async fn open_for(
    db: &impl ConnectionTrait,
    prescription_ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, pharmacy_orders::Model>, AppError> {
    Ok(pharmacy_orders::Entity::find()
        .filter(pharmacy_orders::Column::PrescriptionId.is_in(prescription_ids))
        .filter(pharmacy_orders::Column::Status.is_in(OPEN))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|o| (o.prescription_id, o))
        .collect())
}

/// The patient orders the fill of their active prescription that is in
/// the pharmacy's queue; at most one open order per prescription.
pub async fn place(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    patient_id: Uuid,
    order: NewOrder,
    now: DateTime<Utc>,
) -> Result<OrderView, AppError> {
    let p = crate::prescriptions::service::find(db, patient_id, order.prescription_id).await?;
    if p.status != PrescriptionStatus::Active {
        return Err(AppError::Conflict(
            "This prescription is no longer active: ask your doctor for a new one.".into(),
        ));
    }
    if p.fill_status == FillStatus::Dispensed {
        return Err(AppError::Conflict(
            "This prescription has been dispensed: request a refill first.".into(),
        ));
    }
    let row = pharmacy_orders::ActiveModel {
        id: Set(Uuid::new_v4()),
        prescription_id: Set(p.id),
        patient_id: Set(patient_id),
        fulfilment: Set(order.fulfilment),
        status: Set(OrderStatus::Placed),
        address: Set(order.address),
        placed_at: Set(now),
        updated_at: Set(now),
        updated_by: Set(None),
        cancel_reason: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict("This prescription is ordered already.".into())
        } else {
            crate::context::internal(e)
        }
    })?;
    tell(db, ctx, &row, now).await?;
    // The pharmacy may be working on the fill already.
    let row = match row.status.after_fill(p.fill_status, row.fulfilment) {
        Some(next) => move_to(db, ctx, row, next, None, None, now).await?,
        None => row,
    };
    views(db, vec![row]).await?.pop().ok_or(AppError::Internal)
}

/// The patient's open orders, then their latest others, and what they can
/// order now: active prescriptions in the queue without an open order.
pub async fn mine(db: &impl ConnectionTrait, patient_id: Uuid) -> Result<MyOrders, AppError> {
    let rows = pharmacy_orders::Entity::find()
        .filter(pharmacy_orders::Column::PatientId.eq(patient_id))
        .order_by_desc(pharmacy_orders::Column::PlacedAt)
        .limit(ORDER_LIST_LIMIT)
        .all(db)
        .await
        .or_internal()?;
    let mut orders = views(db, rows).await?;
    orders.sort_by_key(|o| !o.status.is_open());
    let orderable = prescriptions::Entity::find()
        .filter(prescriptions::Column::PatientId.eq(patient_id))
        .filter(prescriptions::Column::Status.eq(PrescriptionStatus::Active))
        .filter(prescriptions::Column::FillStatus.ne(FillStatus::Dispensed))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| PrescriptionId::from(p.id))
        .filter(|id| {
            !orders
                .iter()
                .any(|o| o.prescription_id == *id && o.status.is_open())
        })
        .collect();
    let address_on_file = patients::Entity::find_by_id(patient_id)
        .one(db)
        .await
        .or_internal()?
        .and_then(|p| postal_address(&p));
    Ok(MyOrders {
        orders,
        orderable,
        address_on_file,
    })
}

/// The patient's address as a courier reads it: "street, postcode city".
fn postal_address(p: &patients::Model) -> Option<String> {
    let town = [p.postal_code.as_deref(), p.city.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<&str> = [
        p.address_line.as_deref().unwrap_or("").trim(),
        town.as_str(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

/// An order, of `patient_id` when given (the patient's own).
pub async fn find(
    db: &impl ConnectionTrait,
    id: PharmacyOrderId,
    patient_id: Option<Uuid>,
) -> Result<pharmacy_orders::Model, AppError> {
    pharmacy_orders::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .filter(|o| patient_id.is_none_or(|p| p == o.patient_id))
        .ok_or_else(|| AppError::NotFound("The order".into()))
}

/// Cancels an order that has not left the pharmacy, with the reason the
/// patient reads.
pub async fn cancel(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    order: pharmacy_orders::Model,
    reason: String,
    by: Option<Uuid>,
    now: DateTime<Utc>,
) -> Result<OrderView, AppError> {
    if !order.status.cancellable() {
        return Err(AppError::Conflict(format!(
            "This order is {} already: it cannot be cancelled.",
            order.status.label().to_lowercase()
        )));
    }
    let row = move_to(
        db,
        ctx,
        order,
        OrderStatus::Cancelled,
        Some(reason),
        by,
        now,
    )
    .await?;
    views(db, vec![row]).await?.pop().ok_or(AppError::Internal)
}

/// The open order of a prescription (at most one: a unique index).
async fn open_order(
    db: &impl ConnectionTrait,
    prescription_id: Uuid,
) -> Result<Option<pharmacy_orders::Model>, AppError> {
    pharmacy_orders::Entity::find()
        .filter(pharmacy_orders::Column::PrescriptionId.eq(prescription_id))
        .filter(pharmacy_orders::Column::Status.is_in(OPEN))
        .one(db)
        .await
        .or_internal()
}

/// Moves the open order of a prescription along with its fill, which the pharmacy
/// just set to `fill`.
pub async fn follow_fill(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    prescription_id: Uuid,
    fill: FillStatus,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let open = open_order(db, prescription_id).await?;
    if let Some(order) = open {
        if let Some(next) = order.status.after_fill(fill, order.fulfilment) {
            move_to(db, ctx, order, next, None, Some(by), now).await?;
        }
    }
    Ok(())
}

/// Cancels the open order of a prescription that was stopped or changed.
pub async fn end_with_prescription(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    prescription_id: Uuid,
    reason: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let open = open_order(db, prescription_id).await?;
    if let Some(order) = open.filter(|o| o.status.cancellable()) {
        move_to(
            db,
            ctx,
            order,
            OrderStatus::Cancelled,
            Some(reason.to_string()),
            Some(by),
            now,
        )
        .await?;
    }
    Ok(())
}

/// Deliveries on the road, oldest first.
pub async fn deliveries(db: &impl ConnectionTrait) -> Result<Vec<OrderView>, AppError> {
    let rows = pharmacy_orders::Entity::find()
        .filter(pharmacy_orders::Column::Status.eq(OrderStatus::Dispatched))
        .order_by_asc(pharmacy_orders::Column::UpdatedAt)
        .order_by_asc(pharmacy_orders::Column::Id)
        .limit(ORDER_LIST_LIMIT)
        .all(db)
        .await
        .or_internal()?;
    views(db, rows).await
}

/// The courier handed a dispatched order over.
pub async fn delivered(
    db: &impl ConnectionTrait,
    ctx: &ServerContext,
    order: pharmacy_orders::Model,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<OrderView, AppError> {
    if order.status != OrderStatus::Dispatched {
        return Err(AppError::Conflict(format!(
            "This order is {}: only a dispatched order can be delivered.",
            order.status.label().to_lowercase()
        )));
    }
    let row = move_to(db, ctx, order, OrderStatus::Delivered, None, Some(by), now).await?;
    views(db, vec![row]).await?.pop().ok_or(AppError::Internal)
}

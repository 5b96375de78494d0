//! The pharmacy: receiving stock, the queue, dispensing first expiry first,
//! expired batches never dispensed, no negative stock under concurrency,
//! charge items, returns and write-offs.

mod common;

use app::entity::{charge_items, stock_batches, stock_movements};
use common::*;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};
use shared::ids::BatchId;
use shared::pharmacy::{BatchView, Dispensed, FillStatus, QueuePage, ReceiveForm, StockLevel};
use shared::prescribing::{PrescriptionForm, PrescriptionView, SignRequest};
use shared::{AppError, Role};
use uuid::Uuid;

async fn refused(client: &Client, endpoint: &str, body: Value) -> (StatusCode, AppError) {
    match client.call::<Value>(endpoint, body).await {
        (status, Err(e)) => (status, e),
        (status, Ok(v)) => panic!("{endpoint} should fail, answered {status}: {v}"),
    }
}

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

async fn receive(rx: &Client, drug: Uuid, lot: &str, days: i64, units: u32) -> BatchView {
    ok(
        rx,
        "pharmacy/receive",
        json!({ "form": ReceiveForm {
            drug_id: Some(drug.into()),
            lot_number: lot.into(),
            expires_on: (today() + chrono::Duration::days(days)).to_string(),
            quantity: units.to_string(),
            location: "Shelf A1".into(),
        }}),
    )
    .await
}

/// A patient in the care of `doctor@test.example` with a signed
/// prescription of `quantity` tablets of `drug`.
async fn prescribed(app: &TestApp, doctor: &Client, drug: Uuid, quantity: u32) -> PrescriptionView {
    let pid = basic_patient(app, "Rx").await;
    in_care(app, "doctor@test.example", pid).await;
    prescribe_for(doctor, pid, drug, quantity).await
}

/// A prescription of `quantity` tablets of `drug` for `pid`.
async fn prescribe_for(doctor: &Client, pid: Uuid, drug: Uuid, quantity: u32) -> PrescriptionView {
    ok(
        doctor,
        "prescriptions/sign",
        json!({ "request": SignRequest {
            patient_id: Some(pid.into()),
            encounter_id: None,
            drug_id: Some(drug.into()),
            form: PrescriptionForm {
                dose: "1".into(),
                dose_unit: "tablet".into(),
                route: "oral".into(),
                frequency: "times_daily".into(),
                frequency_value: "1".into(),
                start_date: today().to_string(),
                duration_days: "30".into(),
                quantity: quantity.to_string(),
                refills: "0".into(),
                ..Default::default()
            },
            override_reason: "Pharmacy test fixture".into(),
        }, "replaces": null }),
    )
    .await
}

async fn dispense(rx: &Client, p: &PrescriptionView, quantity: &str) -> Dispensed {
    ok(
        rx,
        "pharmacy/dispense",
        json!({ "prescription_id": p.id, "quantity": quantity }),
    )
    .await
}

/// An expired batch put in directly (receiving refuses one).
async fn expired_batch(app: &TestApp, drug: Uuid, units: i32) -> Uuid {
    let by = user_id(app, "rx@test.example").await;
    let id = Uuid::new_v4();
    stock_batches::ActiveModel {
        id: Set(id),
        drug_id: Set(drug),
        lot_number: Set("OLD-1".into()),
        expires_on: Set(today() - chrono::Duration::days(1)),
        location: Set("Quarantine".into()),
        received_quantity: Set(units),
        quantity: Set(units),
        received_at: Set(chrono::Utc::now()),
        received_by: Set(by),
    }
    .insert(&app.db)
    .await
    .unwrap();
    id
}

/// Batches are used first expiry first, across batches when one runs out;
/// an expired batch is never used; partial then full dispensing moves the
/// queue; each batch used makes one charge item; levels and expiry show.
async fn dispensing_takes_the_first_expiry_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let doctor = signed_in(&app, "doctor@test.example", Role::Doctor).await;
    let rx = signed_in(&app, "rx@test.example", Role::Pharmacist).await;
    let metformin = drug_by_rxcui(&app, "861007").await;
    let later = receive(&rx, metformin, "LATE-9", 300, 100).await;
    let sooner = receive(&rx, metformin, "SOON-1", 20, 10).await;
    let expired = expired_batch(&app, metformin, 50).await;

    let p = prescribed(&app, &doctor, metformin, 30).await;
    let queue: QueuePage = ok(&rx, "pharmacy/queue", json!({})).await;
    let item = queue
        .items
        .iter()
        .find(|q| q.prescription.id == p.id)
        .unwrap();
    assert_eq!(
        (item.fill_status, item.on_hand, item.remaining()),
        (FillStatus::New, 110, 30)
    );
    let _: Value = ok(
        &rx,
        "pharmacy/fill_status",
        json!({ "prescription_id": p.id, "status": "preparing" }),
    )
    .await;

    // 12 now: all 10 of the sooner batch, 2 of the later; none of the expired.
    let first = dispense(&rx, &p, "12").await;
    let taken: Vec<_> = first
        .taken
        .iter()
        .map(|t| (t.lot_number.as_str(), t.quantity))
        .collect();
    assert_eq!(taken, vec![("SOON-1", 10), ("LATE-9", 2)]);
    assert_eq!(first.fill_status, FillStatus::Partial);
    // The rest (blank: all that is left).
    let rest = dispense(&rx, &p, "").await;
    assert_eq!(rest.taken[0].quantity, 18);
    assert_eq!(rest.fill_status, FillStatus::Dispensed);
    let (status, _) = refused(
        &rx,
        "pharmacy/dispense",
        json!({ "prescription_id": p.id, "quantity": "" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    let left = |id: Uuid| {
        let db = app.db.clone();
        async move {
            stock_batches::Entity::find_by_id(id)
                .one(&db)
                .await
                .unwrap()
                .unwrap()
                .quantity
        }
    };
    assert_eq!(left(sooner.id.uuid()).await, 0);
    assert_eq!(left(later.id.uuid()).await, 80);
    assert_eq!(
        left(expired).await,
        50,
        "an expired batch is never dispensed"
    );
    let charges = charge_items::Entity::find()
        .filter(charge_items::Column::PatientId.eq(p.patient_id.uuid()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(charges.len(), 3, "one charge item per batch used");
    assert_eq!(charges.iter().map(|c| c.quantity).sum::<i32>(), 30);

    // Only expired stock left for another: refused, nothing taken.
    let other = prescribed(&app, &doctor, metformin, 90).await;
    let (status, error) = refused(
        &rx,
        "pharmacy/dispense",
        json!({ "prescription_id": other.id, "quantity": "" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error:?}");
    assert_eq!(left(later.id.uuid()).await, 80);

    // Levels: on hand counts unexpired stock; the reorder level flags it.
    let _: Value = ok(
        &rx,
        "pharmacy/reorder_level",
        json!({ "drug_id": metformin, "level": "100" }),
    )
    .await;
    let levels: Vec<StockLevel> = ok(&rx, "pharmacy/stock", json!({})).await;
    let level = levels.iter().find(|l| l.drug_id == metformin).unwrap();
    assert_eq!(level.on_hand, 80);
    assert!(level.low());
    assert_eq!(
        level.batches[0].lot_number, "OLD-1",
        "expired batches are listed to be written off"
    );

    // A return puts units back into their batch; a write-off needs a reason.
    let dispense_id = rest.taken[0].movement_id;
    let _: Value = ok(
        &rx,
        "pharmacy/return",
        json!({ "dispense_id": dispense_id, "quantity": "5", "reason": "Unopened, patient changed drug" }),
    )
    .await;
    assert_eq!(left(later.id.uuid()).await, 85);
    let (_, error) = refused(
        &rx,
        "pharmacy/return",
        json!({ "dispense_id": dispense_id, "quantity": "20", "reason": "Too many" }),
    )
    .await;
    assert!(error.field_message("quantity").is_some());
    let (_, error) = refused(
        &rx,
        "pharmacy/write_off",
        json!({ "batch_id": BatchId::from(expired), "quantity": "50", "reason": "" }),
    )
    .await;
    assert!(error.field_message("reason").is_some());
    let _: Value = ok(
        &rx,
        "pharmacy/write_off",
        json!({ "batch_id": BatchId::from(expired), "quantity": "50", "reason": "Expired" }),
    )
    .await;
    assert_eq!(left(expired).await, 0);
    let (_, error) = refused(
        &rx,
        "pharmacy/write_off",
        json!({ "batch_id": BatchId::from(expired), "quantity": "1", "reason": "Expired" }),
    )
    .await;
    assert!(
        error.field_message("quantity").is_some(),
        "never below zero"
    );

    // Receiving an expired delivery is refused field by field.
    let (_, error) = refused(
        &rx,
        "pharmacy/receive",
        json!({ "form": ReceiveForm {
            drug_id: Some(metformin.into()),
            lot_number: "X".into(),
            expires_on: today().to_string(),
            quantity: "10".into(),
            location: "A".into(),
        }}),
    )
    .await;
    assert!(error.field_message("expires_on").is_some());

    // The verification code finds the prescription.
    let found: PrescriptionView = ok(
        &rx,
        "pharmacy/verify",
        json!({ "code": p.verification_code.to_lowercase() }),
    )
    .await;
    assert_eq!(found.id, p.id);

    // Doctors neither dispense nor keep stock.
    let (status, _) = refused(&doctor, "pharmacy/queue", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = refused(
        &doctor,
        "pharmacy/dispense",
        json!({ "prescription_id": other.id, "quantity": "" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// 50 dispenses of one unit at once, with 10 units in stock: exactly 10
/// succeed and the batch ends at zero, never below.
async fn concurrent_dispenses_never_overdraw(backend: Backend) {
    let app = spawn_app(backend).await;
    let doctor = signed_in(&app, "doctor@test.example", Role::Doctor).await;
    let rx = signed_in(&app, "rx@test.example", Role::Pharmacist).await;
    let warfarin = drug_by_rxcui(&app, "855332").await;
    let batch = receive(&rx, warfarin, "LAST-10", 200, 10).await;
    let mut prescriptions = Vec::new();
    for _ in 0..50 {
        prescriptions.push(prescribed(&app, &doctor, warfarin, 1).await);
    }
    // The queue pages by keyset, oldest first: every prescription once.
    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let page = app::pharmacy::service::queue(&app.db, today(), cursor.as_ref(), 7)
            .await
            .unwrap();
        assert!(page.items.len() <= 7);
        paged.extend(page.items.iter().map(|i| i.prescription.id));
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let unique: std::collections::BTreeSet<_> = paged.iter().copied().collect();
    assert_eq!(unique.len(), paged.len(), "a prescription on two pages");
    let signed: std::collections::BTreeSet<_> = prescriptions.iter().map(|p| p.id).collect();
    assert_eq!(unique, signed);
    let first: QueuePage = ok(&rx, "pharmacy/queue", json!({ "cursor": null })).await;
    assert_eq!(first.items.len() as u64, shared::pharmacy::QUEUE_PAGE);
    let rx = std::sync::Arc::new(rx);
    let tasks: Vec<_> = prescriptions
        .into_iter()
        .map(|p| {
            let rx = rx.clone();
            tokio::spawn(async move {
                rx.call::<Dispensed>(
                    "pharmacy/dispense",
                    json!({ "prescription_id": p.id, "quantity": "1" }),
                )
                .await
            })
        })
        .collect();
    let mut succeeded = 0;
    for t in tasks {
        let (status, outcome) = t.await.unwrap();
        match outcome {
            Ok(_) => succeeded += 1,
            Err(e) => assert_eq!(status, StatusCode::CONFLICT, "{e:?}"),
        }
    }
    assert_eq!(succeeded, 10);
    let left = stock_batches::Entity::find_by_id(batch.id.uuid())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .quantity;
    assert_eq!(left, 0);
    let dispensed = stock_movements::Entity::find()
        .filter(stock_movements::Column::BatchId.eq(batch.id.uuid()))
        .filter(stock_movements::Column::Kind.eq(shared::pharmacy::MovementKind::Dispense))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(dispensed, 10);

    // The database itself refuses a negative quantity.
    let mut row: stock_batches::ActiveModel = stock_batches::Entity::find_by_id(batch.id.uuid())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.quantity = Set(-1);
    assert!(row.update(&app.db).await.is_err());
}

/// The subjects of the order messages queued for `pid`, oldest first; no
/// body names the drug.
async fn order_messages(app: &TestApp, pid: Uuid, drug_word: &str) -> Vec<String> {
    use app::entity::notification_outbox as outbox;
    use sea_orm::QueryOrder;
    let rows = outbox::Entity::find()
        .filter(outbox::Column::PatientId.eq(pid))
        .filter(outbox::Column::Kind.eq(shared::notify::NoticeKind::PharmacyOrder))
        .order_by_asc(outbox::Column::CreatedAt)
        .order_by_asc(outbox::Column::Subject)
        .all(&app.db)
        .await
        .unwrap();
    for r in &rows {
        let text = format!("{} {}", r.subject, r.body).to_lowercase();
        assert!(!text.contains(drug_word), "{text}");
        assert_eq!(r.recipient, "orders@test.example");
    }
    rows.into_iter().map(|r| r.subject).collect()
}

/// A patient orders online: collection follows the fill (placed, being
/// prepared, ready, collected), delivery is dispatched by the dispense and
/// marked delivered; either side can cancel while the order is at the
/// pharmacy, the pharmacy with a reason; stopping the prescription cancels
/// its order. Each step queues one message without the drug's name.
async fn online_orders_follow_the_fill(backend: Backend) {
    use shared::pharmacy::{Fulfilment, MyOrders, OrderForm, OrderStatus, OrderView};
    let app = spawn_app(backend).await;
    let patient = Client::new(&app.base);
    let outcome = register_patient(&patient, "orders@test.example", "Olga").await;
    let pid: Uuid = serde_json::from_value(outcome["user"]["patient_id"].clone()).unwrap();
    let row = app::entity::patients::Entity::find_by_id(pid)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut row: app::entity::patients::ActiveModel = row.into();
    row.email = Set(Some("orders@test.example".into()));
    row.consent_email = Set(true);
    row.address_line = Set(Some("Karl-Marx-Allee 1".into()));
    row.postal_code = Set(Some("10243".into()));
    row.city = Set(Some("Berlin".into()));
    row.update(&app.db).await.unwrap();
    let doctor = signed_in(&app, "doctor@test.example", Role::Doctor).await;
    let rx = signed_in(&app, "rx@test.example", Role::Pharmacist).await;
    let metformin = drug_by_rxcui(&app, "861007").await;
    receive(&rx, metformin, "ORD-1", 300, 500).await;
    in_care(&app, "doctor@test.example", pid).await;
    let collect = prescribe_for(&doctor, pid, metformin, 30).await;
    let deliver = prescribe_for(&doctor, pid, metformin, 20).await;
    let place = |id, f: Option<Fulfilment>, address: &str| {
        json!({ "form": OrderForm {
            prescription_id: Some(id),
            fulfilment: f,
            address: address.into(),
        }})
    };

    let mine: MyOrders = ok(&patient, "orders/mine", json!({})).await;
    assert!(mine.orders.is_empty());
    assert!(mine.orderable.contains(&collect.id) && mine.orderable.contains(&deliver.id));
    assert_eq!(
        mine.address_on_file.as_deref(),
        Some("Karl-Marx-Allee 1, 10243 Berlin")
    );
    // A delivery needs an address; nothing is saved without it.
    let (status, error) = refused(
        &patient,
        "orders/place",
        place(deliver.id, Some(Fulfilment::Delivery), " "),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("address").is_some());
    let mine: MyOrders = ok(&patient, "orders/mine", json!({})).await;
    assert!(mine.orders.is_empty());
    // Another patient cannot order it, nor see it.
    let stranger = Client::new(&app.base);
    register_patient(&stranger, "other@test.example", "Oskar").await;
    let (status, _) = refused(
        &stranger,
        "orders/place",
        place(collect.id, Some(Fulfilment::Collect), ""),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = refused(
        &rx,
        "orders/place",
        place(collect.id, Some(Fulfilment::Collect), ""),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Collection.
    let order: OrderView = ok(
        &patient,
        "orders/place",
        place(collect.id, Some(Fulfilment::Collect), ""),
    )
    .await;
    assert_eq!(order.status, OrderStatus::Placed);
    let (status, _) = refused(
        &patient,
        "orders/place",
        place(collect.id, Some(Fulfilment::Delivery), "Elsewhere 1"),
    )
    .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "one open order per prescription"
    );
    let theirs: MyOrders = ok(&stranger, "orders/mine", json!({})).await;
    assert!(theirs.orders.is_empty());
    let queue: QueuePage = ok(&rx, "pharmacy/queue", json!({})).await;
    let item = queue
        .items
        .iter()
        .find(|i| i.prescription.id == collect.id)
        .unwrap();
    assert_eq!(item.order.as_ref().map(|o| o.id), Some(order.id));
    for step in [FillStatus::Preparing, FillStatus::Ready] {
        let () = ok(
            &rx,
            "pharmacy/fill_status",
            json!({ "prescription_id": collect.id, "status": step }),
        )
        .await;
    }
    let mine: MyOrders = ok(&patient, "orders/mine", json!({})).await;
    assert_eq!(mine.orders[0].status, OrderStatus::Ready);
    assert!(!mine.orderable.contains(&collect.id));
    dispense(&rx, &collect, "").await;
    let mine: MyOrders = ok(&patient, "orders/mine", json!({})).await;
    assert_eq!(mine.orders[0].status, OrderStatus::Collected);
    assert!(
        !mine.orderable.contains(&collect.id),
        "dispensed: nothing to order"
    );
    assert_eq!(
        order_messages(&app, pid, "metformin").await,
        vec![
            "We have your pharmacy order",
            "Your pharmacy order is being prepared",
            "Your pharmacy order is ready",
            "Your pharmacy order was collected",
        ]
    );

    // Delivery: the pharmacy cancels one (with a reason), the next goes out.
    let first: OrderView = ok(
        &patient,
        "orders/place",
        place(
            deliver.id,
            Some(Fulfilment::Delivery),
            "Karl-Marx-Allee 1, Berlin",
        ),
    )
    .await;
    let (_, error) = refused(
        &rx,
        "pharmacy/cancel_order",
        json!({ "order_id": first.id, "reason": "" }),
    )
    .await;
    assert!(error.field_message("reason").is_some());
    let cancelled: OrderView = ok(
        &rx,
        "pharmacy/cancel_order",
        json!({ "order_id": first.id, "reason": "We deliver within the city only" }),
    )
    .await;
    assert_eq!(cancelled.status, OrderStatus::Cancelled);
    let mine: MyOrders = ok(&patient, "orders/mine", json!({})).await;
    let seen = mine.orders.iter().find(|o| o.id == first.id).unwrap();
    assert_eq!(
        seen.cancel_reason.as_deref(),
        Some("We deliver within the city only")
    );
    assert!(mine.orderable.contains(&deliver.id), "orderable again");
    let home = "شارع الملك فهد ١٢، الرياض";
    let second: OrderView = ok(
        &patient,
        "orders/place",
        place(deliver.id, Some(Fulfilment::Delivery), home),
    )
    .await;
    assert_eq!(second.address.as_deref(), Some(home));
    // Ready is "packed" for a delivery: the patient reads "being prepared".
    let () = ok(
        &rx,
        "pharmacy/fill_status",
        json!({ "prescription_id": deliver.id, "status": FillStatus::Ready }),
    )
    .await;
    dispense(&rx, &deliver, "").await;
    let (status, _) = refused(&patient, "orders/cancel", json!({ "order_id": second.id })).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "on the road: too late to cancel"
    );
    let road: Vec<OrderView> = ok(&rx, "pharmacy/deliveries", json!({})).await;
    assert_eq!(
        road.iter().map(|o| o.id).collect::<Vec<_>>(),
        vec![second.id]
    );
    let done: OrderView = ok(&rx, "pharmacy/delivered", json!({ "order_id": second.id })).await;
    assert_eq!(done.status, OrderStatus::Delivered);
    let (status, _) = refused(&rx, "pharmacy/delivered", json!({ "order_id": second.id })).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let road: Vec<OrderView> = ok(&rx, "pharmacy/deliveries", json!({})).await;
    assert!(road.is_empty());

    // The patient cancels; stopping a prescription cancels its order.
    let third = prescribe_for(&doctor, pid, metformin, 10).await;
    let mine_now: OrderView = ok(
        &patient,
        "orders/place",
        place(third.id, Some(Fulfilment::Collect), ""),
    )
    .await;
    let own: OrderView = ok(
        &patient,
        "orders/cancel",
        json!({ "order_id": mine_now.id }),
    )
    .await;
    assert_eq!(own.status, OrderStatus::Cancelled);
    let (status, _) = refused(
        &stranger,
        "orders/cancel",
        json!({ "order_id": mine_now.id }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let again: OrderView = ok(
        &patient,
        "orders/place",
        place(third.id, Some(Fulfilment::Collect), ""),
    )
    .await;
    let _: PrescriptionView = ok(
        &doctor,
        "prescriptions/stop",
        json!({ "patient_id": pid, "prescription_id": third.id, "reason": "Kidney function" }),
    )
    .await;
    let mine: MyOrders = ok(&patient, "orders/mine", json!({})).await;
    let ended = mine.orders.iter().find(|o| o.id == again.id).unwrap();
    assert_eq!(ended.status, OrderStatus::Cancelled);
    assert_eq!(
        ended.cancel_reason.as_deref(),
        Some("Your doctor stopped the prescription.")
    );
    assert!(mine.orderable.is_empty());
    let subjects = order_messages(&app, pid, "metformin").await;
    assert_eq!(subjects.len(), 4 + 2 + 4 + 2 + 2, "{subjects:?}");
    assert_eq!(
        subjects.iter().filter(|s| s.contains("on its way")).count(),
        1
    );
}

on_both_databases!(
    dispensing_takes_the_first_expiry_first,
    concurrent_dispenses_never_overdraw,
    online_orders_follow_the_fill,
);

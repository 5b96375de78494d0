//! Billing: prices by effective date, charges captured once per source
//! event, manual charges and voids, a draft invoice at the service dates'
//! prices with a discount, issuing under a gapless number (also under 50
//! concurrent issues), idempotent desk payments (also under 20 concurrent
//! duplicates), credit notes, and patients seeing only their own bills. On
//! SQLite and PostgreSQL.

mod common;

use app::entity::{appointments, charge_items, payments};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::*;
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::json;
use shared::appointments::AppointmentStatus;
use shared::billing::{
    Account, ChargeKind, ChargeView, InvoiceStatus, InvoiceView, PaymentView, PriceView, Series,
};
use shared::ids::InvoiceId;
use shared::{AppError, Role};
use uuid::Uuid;

const CLERK: &str = "billing@test.example";

fn price(
    kind: &str,
    item: &str,
    name: &str,
    amount: &str,
    tax: &str,
    from: NaiveDate,
) -> serde_json::Value {
    json!({ "form": { "kind": kind, "item_key": item, "name": name, "price": amount,
                      "tax_rate": tax, "valid_from": from.to_string() } })
}

/// The field errors of a refused call.
fn fields(result: Result<impl std::fmt::Debug, AppError>) -> Vec<String> {
    match result {
        Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

/// An appointment of `patient` with a doctor, in progress.
async fn appointment_in_progress(
    app: &TestApp,
    patient: Uuid,
    doctor: Uuid,
) -> appointments::Model {
    let start = Utc::now() - Duration::minutes(30);
    appointments::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(patient),
        doctor_id: Set(doctor),
        starts_at: Set(start),
        ends_at: Set(start + Duration::minutes(20)),
        status: Set(AppointmentStatus::InProgress),
        reason: Set(None),
        emergency_override: Set(false),
        override_reason: Set(None),
        booked_by: Set(None),
        created_at: Set(start),
        updated_at: Set(start),
        cancelled_at: Set(None),
    }
    .insert(&app.db)
    .await
    .unwrap()
}

async fn prices_charges_invoices_and_payments(backend: Backend) {
    let app = spawn_app(backend).await;
    let today = Utc::now().date_naive();
    let year = today.year();
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let clerk = signed_in(&app, CLERK, Role::BillingClerk).await;
    let desk = signed_in(&app, "desk@test.example", Role::Receptionist).await;
    let doctor = staff_named(&app, "doctor@test.example", "Dr Ngozi Okafor", Role::Doctor).await;

    // The administrator's price list: bad input named field by field, one
    // price per item and day, a later price that does not apply yet.
    let long_ago = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let (status, refused) = admin
        .call::<PriceView>(
            "billing/add_price",
            price("procedure", "SUTURE", "", "30.005", "120", long_ago),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(refused), ["name", "price", "tax_rate"]);
    let consultation: PriceView = ok(
        &admin,
        "billing/add_price",
        price("consultation", "any", "Consultation", "45", "", long_ago),
    )
    .await;
    assert_eq!(consultation.price.to_string(), "EUR 45.00");
    ok::<PriceView>(
        &admin,
        "billing/add_price",
        price(
            "procedure",
            "SUTURE",
            "Wound suture",
            "30.00",
            "16",
            long_ago,
        ),
    )
    .await;
    ok::<PriceView>(
        &admin,
        "billing/add_price",
        price(
            "procedure",
            "SUTURE",
            "Wound suture",
            "35.00",
            "16",
            today + Duration::days(10),
        ),
    )
    .await;
    let (status, again) = admin
        .call::<PriceView>(
            "billing/add_price",
            price("procedure", "SUTURE", "Wound suture", "31", "16", long_ago),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(again), ["valid_from"]);
    let list: Vec<PriceView> = ok(&admin, "billing/prices", json!({})).await;
    let suture: Vec<_> = list.iter().filter(|p| p.item_key == "SUTURE").collect();
    assert_eq!(
        suture[0].valid_until,
        Some(today + Duration::days(10)),
        "the later price ends the earlier"
    );
    let (status, _) = clerk
        .call::<PriceView>(
            "billing/add_price",
            price("service", "X", "X", "1", "", today),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Completing an appointment charges the consultation, once, even when
    // the event is handled again.
    let (patient_client, patient) = {
        let client = Client::new(&app.base);
        let outcome = register_patient(&client, "zainab@test.example", "Зейнаб").await;
        let pid: Uuid = serde_json::from_value(outcome["user"]["patient_id"].clone()).unwrap();
        (client, pid)
    };
    let visit = appointment_in_progress(&app, patient, doctor).await;
    ok::<()>(
        &desk,
        "appointments/set_status",
        json!({ "appointment_id": visit.id, "status": "completed" }),
    )
    .await;
    let completed = appointments::Entity::find_by_id(visit.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    app::billing::charges::consultation(&app.db, chrono_tz::UTC, &completed, Utc::now())
        .await
        .unwrap();
    let consultations = charge_items::Entity::find()
        .filter(charge_items::Column::PatientId.eq(patient))
        .filter(charge_items::Column::Kind.eq(ChargeKind::Consultation))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(consultations, 1);

    // Manual charges: priced items only, never in the future; a void needs
    // a reason.
    let manual = |item: &str, quantity: &str, day: String| json!({ "patient_id": patient, "form": { "item": item, "quantity": quantity, "service_date": day } });
    let (status, refused) = clerk
        .call::<ChargeView>(
            "billing/add_charge",
            manual("procedure:SUTURE", "0", String::new()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(refused), ["quantity"]);
    let (_, refused) = clerk
        .call::<ChargeView>(
            "billing/add_charge",
            manual("procedure:NOPE", "1", String::new()),
        )
        .await;
    assert_eq!(fields(refused), ["item"], "an item without a price");
    let (_, refused) = clerk
        .call::<ChargeView>(
            "billing/add_charge",
            manual(
                "procedure:SUTURE",
                "1",
                (today + Duration::days(1)).to_string(),
            ),
        )
        .await;
    assert_eq!(fields(refused), ["service_date"]);
    let sutures: ChargeView = ok(
        &clerk,
        "billing/add_charge",
        manual("procedure:SUTURE", "2", String::new()),
    )
    .await;
    assert_eq!(
        sutures.unit_price.unwrap().minor,
        3000,
        "today's price, not the later one"
    );
    let mistake: ChargeView = ok(
        &clerk,
        "billing/add_charge",
        manual("procedure:SUTURE", "1", String::new()),
    )
    .await;
    let (_, refused) = clerk
        .call::<()>(
            "billing/void_charge",
            json!({ "charge_id": mistake.id, "reason": " " }),
        )
        .await;
    assert_eq!(fields(refused), ["reason"]);
    ok::<()>(
        &clerk,
        "billing/void_charge",
        json!({ "charge_id": mistake.id, "reason": "Entered twice" }),
    )
    .await;
    let account: Account = ok(&clerk, "billing/account", json!({ "patient_id": patient })).await;
    assert_eq!(account.charges.len(), 3);
    assert_eq!(
        account
            .charges
            .iter()
            .filter(|c| c.voided.is_some())
            .count(),
        1
    );

    // A draft takes the open charges at their prices: 45.00 + 2 × 30.00
    // with 16 % tax on the sutures.
    let draft: InvoiceId = ok(&clerk, "billing/draft", json!({ "patient_id": patient })).await;
    let v: InvoiceView = ok(&clerk, "billing/invoice", json!({ "invoice_id": draft })).await;
    assert_eq!(
        (v.status, v.number.as_deref(), v.lines.len()),
        (InvoiceStatus::Draft, None, 2)
    );
    assert_eq!(
        (v.totals.subtotal, v.totals.tax, v.totals.total),
        (10_500, 960, 11_460)
    );
    let (status, _) = clerk
        .call::<InvoiceId>("billing/draft", json!({ "patient_id": patient }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left to invoice");
    let (status, _) = clerk
        .call::<()>(
            "billing/void_charge",
            json!({ "charge_id": sutures.id, "reason": "Oops" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "a charge on a draft is not voided"
    );
    // Patients see neither drafts nor others' bills.
    let (status, _) = patient_client
        .call::<InvoiceView>("billing/invoice", json!({ "invoice_id": draft }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // A discount: a percentage with a reason, taxed after.
    let line = v
        .lines
        .iter()
        .find(|l| l.description == "Wound suture")
        .unwrap()
        .id;
    let discount = |amount: &str, reason: &str| json!({ "invoice_id": draft, "line_id": line, "form": { "amount": amount, "reason": reason } });
    let (status, refused) = clerk
        .call::<()>("billing/discount", discount("70", ""))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(refused), ["amount", "reason"]);
    let (status, _) = desk
        .call::<()>("billing/discount", discount("10 %", "Hardship"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    ok::<()>(&clerk, "billing/discount", discount("10 %", "Hardship")).await;
    let v: InvoiceView = ok(&clerk, "billing/invoice", json!({ "invoice_id": draft })).await;
    // 60.00 less 6.00, 16 % of 54.00 = 8.64.
    assert_eq!(
        (v.totals.discount, v.totals.tax, v.totals.total),
        (600, 864, 10_764)
    );

    // Issued: numbered, never changed again.
    let issued: InvoiceView = ok(&clerk, "billing/issue", json!({ "invoice_id": draft })).await;
    assert_eq!(issued.number, Some(Series::Invoice.number(year, 1)));
    assert_eq!(issued.balance, 10_764);
    let (status, _) = clerk
        .call::<()>("billing/discount", discount("1", "Again"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = clerk
        .call::<InvoiceView>("billing/issue", json!({ "invoice_id": draft }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The patient sees it and what they owe; another patient does not.
    let mine: Account = ok(&patient_client, "billing/mine", json!({})).await;
    assert_eq!(mine.invoices.len(), 1);
    assert!(
        mine.charges.is_empty(),
        "patients see invoices, not the desk's work"
    );
    assert_eq!(mine.outstanding[0].to_string(), "EUR 107.64");
    let other = Client::new(&app.base);
    register_patient(&other, "other@test.example", "Олег").await;
    let (status, _) = other
        .call::<InvoiceView>("billing/invoice", json!({ "invoice_id": draft }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = patient_client
        .call::<Account>("billing/account", json!({ "patient_id": patient }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Desk payments: not more than owed; the same key records once.
    let pay = |amount: &str, key: &str| json!({ "invoice_id": draft, "form": { "method": "cash", "amount": amount, "reference": "" }, "key": key });
    let (status, refused) = clerk
        .call::<PaymentView>("billing/pay_desk", pay("200", "key-0000000000000001"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(refused), ["amount"]);
    let first: PaymentView = ok(
        &clerk,
        "billing/pay_desk",
        pay("100", "key-0000000000000002"),
    )
    .await;
    assert_eq!(first.receipt_number, Some(Series::Receipt.number(year, 1)));
    let again: PaymentView = ok(
        &clerk,
        "billing/pay_desk",
        pay("100", "key-0000000000000002"),
    )
    .await;
    assert_eq!(again.id, first.id);
    let card = json!({ "invoice_id": draft, "form": { "method": "card", "amount": "7.64", "reference": "SLIP-88" },
                       "key": "key-0000000000000003" });
    let second: PaymentView = ok(&clerk, "billing/pay_desk", card).await;
    assert_eq!(second.receipt_number, Some(Series::Receipt.number(year, 2)));
    let v: InvoiceView = ok(
        &patient_client,
        "billing/invoice",
        json!({ "invoice_id": draft }),
    )
    .await;
    assert_eq!((v.paid, v.balance, v.payments.len()), (10_764, 0, 2));
    let (status, _) = clerk
        .call::<PaymentView>("billing/pay_desk", pay("1", "key-0000000000000004"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "nothing owed");

    // The invoice and a receipt as PDFs, in the patient's script: for her
    // and the desk, not for another patient.
    let get = |client: &Client, path: String| {
        let (http, url) = (client.http.clone(), format!("{}{path}", client.base));
        async move { http.get(url).send().await.unwrap() }
    };
    let response = get(
        &patient_client,
        format!("/api/billing/invoices/{draft}/pdf"),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let text = pdftotext(&response.bytes().await.unwrap());
    for expected in [
        Series::Invoice.number(year, 1).as_str(),
        "Зейнаб",
        "Wound suture",
        "107.64",
        "Hardship",
    ] {
        assert!(text.contains(expected), "{expected} in {text}");
    }
    let receipt = format!("/api/billing/payments/{}/receipt", first.id);
    let response = get(&clerk, receipt.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let text = pdftotext(&response.bytes().await.unwrap());
    assert!(
        text.contains(&Series::Receipt.number(year, 1)) && text.contains("EUR 100.00"),
        "{text}"
    );
    assert_eq!(
        get(&other, receipt.clone()).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&Client::new(&app.base), receipt).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // A credit note corrects the whole invoice, once, with its own number.
    let (_, refused) = clerk
        .call::<InvoiceId>(
            "billing/credit",
            json!({ "invoice_id": draft, "reason": "" }),
        )
        .await;
    assert_eq!(fields(refused), ["reason"]);
    let note: InvoiceId = ok(
        &clerk,
        "billing/credit",
        json!({ "invoice_id": draft, "reason": "Wrong patient" }),
    )
    .await;
    let note: InvoiceView = ok(&clerk, "billing/invoice", json!({ "invoice_id": note })).await;
    assert_eq!(note.number, Some(Series::CreditNote.number(year, 1)));
    assert_eq!(note.credit_of, Some(Series::Invoice.number(year, 1)));
    assert_eq!(note.totals.total, 10_764);
    let v: InvoiceView = ok(&clerk, "billing/invoice", json!({ "invoice_id": draft })).await;
    assert_eq!(
        v.balance, -10_764,
        "paid and credited: the patient is owed a refund"
    );
    let (status, _) = clerk
        .call::<InvoiceId>(
            "billing/credit",
            json!({ "invoice_id": draft, "reason": "Again" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
}

on_both_databases!(prices_charges_invoices_and_payments);

/// `n` patients, each with one priced charge in a draft invoice.
async fn drafts(app: &TestApp, n: usize, clerk: Uuid) -> Vec<(Uuid, InvoiceId)> {
    use shared::billing::NewPrice;
    use shared::money::{Currency, Money, Rate};
    let eur = Currency::parse("EUR").unwrap();
    let day = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let item = NewPrice {
        kind: ChargeKind::Service,
        item_key: "CERT".into(),
        name: "Medical certificate".into(),
        price: Money::new(2_000, eur),
        tax_rate: Rate::ZERO,
        valid_from: day,
    };
    let priced = app::billing::prices::price_on(
        &app.db,
        item.kind,
        std::slice::from_ref(&item.item_key),
        day,
    )
    .await
    .unwrap();
    if priced.is_none() {
        app::billing::prices::add(&app.db, item, clerk, Utc::now())
            .await
            .unwrap();
    }
    let mut list = Vec::new();
    for i in 0..n {
        let patient = basic_patient(app, &format!("Billed{i}")).await;
        let charge = shared::billing::ManualCharge {
            kind: ChargeKind::Service,
            item_key: "CERT".into(),
            quantity: 1,
            service_date: None,
        };
        app::billing::charges::add_manual(
            &app.db,
            patient,
            charge,
            Utc::now().date_naive(),
            clerk,
            Utc::now(),
        )
        .await
        .unwrap();
        let invoice = app::billing::invoices::draft(&app.db, patient, eur, clerk, Utc::now())
            .await
            .unwrap();
        list.push((patient, InvoiceId(invoice.id)));
    }
    list
}

/// Fifty clerks issue fifty invoices at once: numbers 1 to 50, none twice,
/// none skipped; ten issuing one draft at once give it one number; a number
/// taken in a transaction that rolls back is given to the next issue.
async fn invoice_numbers_have_no_gaps(backend: Backend) {
    let app = spawn_app(backend).await;
    let year = Utc::now().year();
    let clerk = signed_in(&app, CLERK, Role::BillingClerk).await;
    let clerk_id = user_id(&app, CLERK).await;
    let list = drafts(&app, 50, clerk_id).await;
    let issues = list.iter().map(|(_, id)| {
        let (clerk, id) = (clerk.clone(), *id);
        tokio::spawn(async move {
            ok::<InvoiceView>(&clerk, "billing/issue", json!({ "invoice_id": id })).await
        })
    });
    let mut numbers = Vec::new();
    for task in issues.collect::<Vec<_>>() {
        numbers.push(task.await.unwrap().number.unwrap());
    }
    numbers.sort();
    let expected: Vec<String> = (1..=50).map(|n| Series::Invoice.number(year, n)).collect();
    assert_eq!(numbers, expected);

    // One draft issued by ten clerks at once: one number, the rest refused.
    let (_, one) = drafts(&app, 1, clerk_id).await[0];
    let issues: Vec<_> = (0..10)
        .map(|_| {
            let clerk = clerk.clone();
            tokio::spawn(async move {
                clerk
                    .call::<InvoiceView>("billing/issue", json!({ "invoice_id": one }))
                    .await
                    .0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for task in issues {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == StatusCode::OK).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );

    let txn = app.db.begin().await.unwrap();
    let taken = app::billing::invoices::next_number(&txn, Series::Invoice, year)
        .await
        .unwrap();
    assert_eq!(taken, Series::Invoice.number(year, 52));
    txn.rollback().await.unwrap();
    let txn = app.db.begin().await.unwrap();
    let next = app::billing::invoices::next_number(&txn, Series::Invoice, year)
        .await
        .unwrap();
    txn.commit().await.unwrap();
    assert_eq!(next, taken, "a rolled-back number is not lost");
}

on_both_databases!(invoice_numbers_have_no_gaps);

/// Twenty copies of one payment request at once (a retried form, a
/// double-clicked button): one payment, one receipt, every answer the same.
async fn duplicate_payments_record_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let clerk = signed_in(&app, CLERK, Role::BillingClerk).await;
    let clerk_id = user_id(&app, CLERK).await;
    let (_, invoice) = drafts(&app, 1, clerk_id).await[0];
    ok::<InvoiceView>(&clerk, "billing/issue", json!({ "invoice_id": invoice })).await;
    let body = json!({ "invoice_id": invoice, "form": { "method": "cash", "amount": "5", "reference": "" },
                       "key": "0f6c1f0e-2b53-4d39-9b0e-5a8e0e1d2c3b" });
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let (clerk, body) = (clerk.clone(), body.clone());
            tokio::spawn(async move { ok::<PaymentView>(&clerk, "billing/pay_desk", body).await })
        })
        .collect();
    let mut answers = Vec::new();
    for task in calls {
        answers.push(task.await.unwrap());
    }
    assert!(answers.iter().all(|p| p.id == answers[0].id), "{answers:?}");
    let rows = payments::Entity::find()
        .filter(payments::Column::InvoiceId.eq(invoice.uuid()))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    let v: InvoiceView = ok(&clerk, "billing/invoice", json!({ "invoice_id": invoice })).await;
    assert_eq!(v.balance, 1_500);
}

on_both_databases!(duplicate_payments_record_once);

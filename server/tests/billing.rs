//! Billing: prices by effective date, charges captured once per source
//! event, manual charges and voids, a draft invoice at the service dates'
//! prices with a discount, issuing under a gapless number (also under 50
//! concurrent issues), idempotent desk payments (also under 20 concurrent
//! duplicates), credit notes, patients seeing only their own bills, online
//! payments through the provider's protocol (the local double) with a
//! signed, replay-proof webhook, refunds capped at what was paid, and
//! payment plans with overdue reminders; insurance: eligibility, portions,
//! claims through their states, documents, FHIR, the board. On SQLite and
//! PostgreSQL.

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
use shared::ids::{ClaimId, InvoiceId};
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
        list.push((patient, certificate_draft(app, patient, clerk).await));
    }
    list
}

/// A draft invoice of one certificate (priced by [`drafts`]) charged to `patient`.
async fn certificate_draft(app: &TestApp, patient: Uuid, clerk: Uuid) -> InvoiceId {
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
    let eur = shared::money::Currency::parse("EUR").unwrap();
    let invoice = app::billing::invoices::draft(&app.db, patient, eur, clerk, Utc::now())
        .await
        .unwrap();
    InvoiceId(invoice.id)
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

/// A patient signed in to the portal, with an issued invoice of EUR 20.00.
async fn portal_invoice(app: &TestApp, clerk: &Client, email: &str) -> (Client, InvoiceId) {
    let clerk_id = user_id(app, CLERK).await;
    let patient = Client::new(&app.base);
    let registered = register_patient(&patient, email, "Paulína").await;
    let patient_id: Uuid =
        serde_json::from_value(registered["user"]["patient_id"].clone()).unwrap();
    // A priced service (`drafts` prices CERT), charged and drafted.
    drafts(app, 0, clerk_id).await;
    let invoice = certificate_draft(app, patient_id, clerk_id).await;
    ok::<InvoiceView>(clerk, "billing/issue", json!({ "invoice_id": invoice })).await;
    (patient, invoice)
}

/// The double's hosted page, submitted as the patient's browser would
/// (without following the redirect back): the status and where it sends them.
async fn pay_on_page(page: &str, card: &str) -> (StatusCode, Option<String>) {
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let response = http
        .post(page)
        .form(&[("card", card), ("action", "pay")])
        .send()
        .await
        .unwrap();
    let location = response
        .headers()
        .get("location")
        .map(|l| l.to_str().unwrap().to_string());
    (response.status(), location)
}

/// Online payments through the provider's protocol (the local double, the
/// real adapter, the real webhook): a retried request opens one checkout; a
/// declined card records nothing; the paid checkout is recorded once, by
/// the webhook or the patient's return, whichever comes first, and 20
/// concurrent copies of the webhook's event change nothing; a webhook whose
/// signature is wrong or stale (a replay) is refused with 400. Another
/// patient cannot open a payment on the invoice.
async fn online_payments_record_once(backend: Backend) {
    let (app, double) = spawn_app_paying(backend).await;
    let clerk = signed_in(&app, CLERK, Role::BillingClerk).await;
    let (patient, invoice) = portal_invoice(&app, &clerk, "paulina@test.example").await;
    let mine: InvoiceView = ok(
        &patient,
        "billing/invoice",
        json!({ "invoice_id": invoice }),
    )
    .await;
    assert!(mine.payable_online);
    assert_eq!(mine.balance, 2_000);

    let key = "5b0e7c59-1f6a-4a43-9d0c-0d9e3f7d2a11";
    let body = json!({ "invoice_id": invoice, "key": key });
    let page: String = ok(&patient, "billing/pay_online", body.clone()).await;
    let again: String = ok(&patient, "billing/pay_online", body).await;
    assert_eq!(page, again, "a retried request opens the same checkout");
    assert!(page.starts_with(&double.url()), "{page}");
    let checkout = page.rsplit('/').next().unwrap().to_string();

    // Someone else's invoice, and no invoice at all.
    let stranger = Client::new(&app.base);
    register_patient(&stranger, "stranger@test.example", "Stranger").await;
    let (status, _) = stranger
        .call::<String>(
            "billing/pay_online",
            json!({ "invoice_id": invoice, "key": "6c1f8d6a-2b7b-4b54-8e1d-1e0f4a8e3b22" }),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .call::<Option<PaymentView>>("billing/checkout_return", json!({ "checkout": checkout }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Back without paying: nothing yet.
    let (status, none) = patient
        .call::<Option<PaymentView>>("billing/checkout_return", json!({ "checkout": checkout }))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(none.unwrap(), None);

    // A declined card: the page says so, and nothing is recorded.
    let (status, _) = pay_on_page(&page, "4000 0000 0000 0002").await;
    assert_eq!(status, StatusCode::PAYMENT_REQUIRED);
    assert!(double.events().is_empty());

    let (status, back) = pay_on_page(&page, "4242 4242 4242 4242").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // (The test server's public address is its configured one, not the port it got.)
    let back = back.unwrap();
    assert!(
        back.ends_with(&format!(
            "/patient/bills/{}?checkout={checkout}",
            invoice.uuid()
        )),
        "{back}"
    );
    // The patient's return may come before the webhook: both record one payment.
    let (status, paid) = patient
        .call::<Option<PaymentView>>("billing/checkout_return", json!({ "checkout": checkout }))
        .await;
    assert_eq!(status, StatusCode::OK);
    let paid = paid.unwrap().expect("the provider says it is paid");
    assert_eq!(paid.amount.minor, 2_000);
    assert!(paid.receipt_number.as_deref().unwrap().starts_with("RCP-"));
    // The webhook's delivery, then 20 more copies of its event at once.
    let mut delivered = false;
    for _ in 0..50 {
        let seen = payment_events(&app).await;
        if seen == 1 {
            delivered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(delivered, "the webhook's event arrived");
    let event = double.events()[0].clone();
    let secret = webhook_secret(&app);
    let copies: Vec<_> = (0..20)
        .map(|_| {
            let (base, event, secret) = (app.base.clone(), event.clone(), secret.clone());
            tokio::spawn(async move {
                send_webhook(&base, &event, &secret, Utc::now().timestamp()).await
            })
        })
        .collect();
    for copy in copies {
        assert_eq!(copy.await.unwrap(), StatusCode::OK);
    }
    let online = payments::Entity::find()
        .filter(payments::Column::InvoiceId.eq(invoice.uuid()))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(online.len(), 1, "{online:?}");
    assert_eq!(online[0].id, paid.id.uuid());
    let after: InvoiceView = ok(
        &patient,
        "billing/invoice",
        json!({ "invoice_id": invoice }),
    )
    .await;
    assert_eq!(after.balance, 0);
    assert!(!after.payable_online);

    // A forged signature, a stale one (a replay after the tolerance), none.
    let stale = Utc::now().timestamp() - app::billing::provider::WEBHOOK_TOLERANCE_SECS - 60;
    assert_eq!(
        send_webhook(&app.base, &event, &secret, stale).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        send_webhook(&app.base, &event, "whsec_forged", Utc::now().timestamp()).await,
        StatusCode::BAD_REQUEST
    );
    let unsigned = reqwest::Client::new()
        .post(format!(
            "{}{}",
            app.base,
            app::billing::online::WEBHOOK_PATH
        ))
        .body(event.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(unsigned.status(), StatusCode::BAD_REQUEST);
    // The provider as the payment's author in the audit trail.
    let trail = audit_rows(&app).await;
    assert!(
        trail
            .iter()
            .any(|(action, _, email, who)| action == "billing.paid_online"
                && email.as_deref() == Some("payment provider")
                && who.is_some()),
        "{trail:?}"
    );
}

on_both_databases!(online_payments_record_once);

/// The webhook events acted on.
async fn payment_events(app: &TestApp) -> i64 {
    use sea_orm::{ConnectionTrait, Statement};
    let row = app
        .db
        .query_one_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT COUNT(*) AS n FROM payment_events",
        ))
        .await
        .unwrap()
        .unwrap();
    row.try_get::<i64>("", "n").unwrap()
}

/// The webhook secret the test app was started with.
fn webhook_secret(app: &TestApp) -> String {
    app.payments_secret
        .clone()
        .expect("started by spawn_app_paying")
}

/// Sends `event` to the app's webhook, signed with `secret` at `timestamp`.
async fn send_webhook(base: &str, event: &str, secret: &str, timestamp: i64) -> StatusCode {
    reqwest::Client::new()
        .post(format!("{base}{}", app::billing::online::WEBHOOK_PATH))
        .header(
            app::billing::provider::SIGNATURE_HEADER,
            app::billing::provider::sign_webhook(secret, timestamp, event.as_bytes()),
        )
        .header("content-type", "application/json")
        .body(event.to_string())
        .send()
        .await
        .unwrap()
        .status()
}

/// Refunds: at most what is left of a payment, also under 20 concurrent
/// refunds; one per form key; a desk refund is numbered at once, an online
/// one goes back to the card through the provider (which holds the same
/// cap) and is numbered once it answers. The balance is total − paid +
/// refunded.
async fn refunds_never_exceed_what_was_paid(backend: Backend) {
    let (app, double) = spawn_app_paying(backend).await;
    let year = Utc::now().year();
    let clerk = signed_in(&app, CLERK, Role::BillingClerk).await;
    let (patient, invoice) = portal_invoice(&app, &clerk, "refunded@test.example").await;
    let cash: PaymentView = ok(
        &clerk,
        "billing/pay_desk",
        json!({ "invoice_id": invoice, "form": { "method": "cash", "amount": "8.00", "reference": "" },
                "key": "7d2a9e6b-3c8c-4c65-9f2e-2f1a5b9f4c33" }),
    )
    .await;
    assert_eq!(cash.refundable, 800);

    let refund = |amount: &str, key: String| json!({ "payment_id": cash.id, "form": { "amount": amount, "reason": "Paid twice" }, "key": key });
    let (status, refused) = clerk
        .call::<shared::billing::RefundView>(
            "billing/refund",
            refund("8.01", Uuid::new_v4().to_string()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused:?}");
    let first: shared::billing::RefundView = ok(
        &clerk,
        "billing/refund",
        refund("3.00", "8e3b0f7c-4d9d-4d76-8a3f-3a2b6c0a5d44".into()),
    )
    .await;
    assert_eq!(first.number, Some(Series::Refund.number(year, 1)));
    let same: shared::billing::RefundView = ok(
        &clerk,
        "billing/refund",
        refund("3.00", "8e3b0f7c-4d9d-4d76-8a3f-3a2b6c0a5d44".into()),
    )
    .await;
    assert_eq!(same.id, first.id, "the same form's key refunds once");

    // EUR 5.00 left; twenty refunds of EUR 1.00 at once: five go through.
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let (clerk, body) = (clerk.clone(), refund("1.00", Uuid::new_v4().to_string()));
            tokio::spawn(async move {
                clerk
                    .call::<shared::billing::RefundView>("billing/refund", body)
                    .await
                    .0
            })
        })
        .collect();
    let mut statuses = Vec::new();
    for call in calls {
        statuses.push(call.await.unwrap());
    }
    let done = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    assert_eq!(done, 5, "{statuses:?}");
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::OK || *s == StatusCode::UNPROCESSABLE_ENTITY));
    let v: InvoiceView = ok(&clerk, "billing/invoice", json!({ "invoice_id": invoice })).await;
    assert_eq!((v.paid, v.refunded), (800, 800));
    assert_eq!(v.balance, 2_000);
    assert_eq!(v.payments[0].refundable, 0);
    assert_eq!(v.refunds.len(), 6);

    // Paid online, then refunded in part through the provider.
    let page: String = ok(
        &patient,
        "billing/pay_online",
        json!({ "invoice_id": invoice, "key": "9f4c1a8d-5e0e-4e87-9b4a-4b3c7d1b6e55" }),
    )
    .await;
    assert_eq!(
        pay_on_page(&page, "4242424242424242").await.0,
        StatusCode::SEE_OTHER
    );
    let checkout = page.rsplit('/').next().unwrap().to_string();
    let online: PaymentView = ok::<Option<PaymentView>>(
        &patient,
        "billing/checkout_return",
        json!({ "checkout": checkout }),
    )
    .await
    .unwrap();
    assert_eq!(online.amount.minor, 2_000);
    let back: shared::billing::RefundView = ok(
        &clerk,
        "billing/refund",
        json!({ "payment_id": online.id, "form": { "amount": "4.50", "reason": "Certificate not needed" },
                "key": "a05d2b9e-6f1f-4f98-8c5b-5c4d8e2c7f66" }),
    )
    .await;
    assert_eq!(back.status, shared::billing::RefundStatus::Succeeded);
    assert_eq!(back.number, Some(Series::Refund.number(year, 7)));
    let intent = online.reference.clone().unwrap();
    assert_eq!(double.refunded(&intent), 450);
    let v: InvoiceView = ok(
        &patient,
        "billing/invoice",
        json!({ "invoice_id": invoice }),
    )
    .await;
    // Total 20.00, paid 8.00 + 20.00, refunded 8.00 + 4.50.
    let (total, paid, refunded) = (2_000, 2_800, 1_250);
    assert_eq!(v.balance, total - paid + refunded);
    assert_eq!(v.balance, 450);
    // The patient may not refund.
    let (status, _) = patient
        .call::<shared::billing::RefundView>(
            "billing/refund",
            json!({ "payment_id": online.id, "form": { "amount": "1", "reason": "x" },
                    "key": "b16e3cae-7a2a-4aa9-9d6c-6d5e9f3d8a77" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_databases!(refunds_never_exceed_what_was_paid);

/// A payment plan: the form's fields checked; the balance in monthly
/// instalments that add up to it; one live plan per invoice; what is paid
/// covers the instalments in order; an unpaid one past its due date is
/// overdue on the invoice and the account, and the patient is reminded once
/// (however often the scan runs), without the amount or the service.
async fn payment_plans_flag_overdue_and_remind_once(backend: Backend) {
    use app::entity::{notification_outbox as outbox, patients};
    use shared::billing::InstalmentState::{Due, Paid};
    let app = spawn_app(backend).await;
    let clerk = signed_in(&app, CLERK, Role::BillingClerk).await;
    let (patient, invoice) = portal_invoice(&app, &clerk, "planned@test.example").await;
    let pid = ok::<InvoiceView>(
        &patient,
        "billing/invoice",
        json!({ "invoice_id": invoice }),
    )
    .await
    .patient_id;
    let mut row: patients::ActiveModel = patients::Entity::find_by_id(pid.uuid())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.email = Set(Some("planned@test.example".into()));
    row.consent_email = Set(true);
    row.update(&app.db).await.unwrap();
    let today = Utc::now().date_naive();

    let plan = |n: &str, first: NaiveDate| json!({ "invoice_id": invoice, "form": { "instalments": n, "first_due": first.to_string() } });
    let refused = clerk
        .call::<()>("billing/plan", plan("1", today - Duration::days(1)))
        .await;
    assert_eq!(refused.0, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(refused.1), ["instalments", "first_due"]);
    ok::<()>(&clerk, "billing/plan", plan("3", today)).await;
    let (status, _) = clerk.call::<()>("billing/plan", plan("2", today)).await;
    assert_eq!(status, StatusCode::CONFLICT, "one live plan per invoice");
    let v: InvoiceView = ok(
        &patient,
        "billing/invoice",
        json!({ "invoice_id": invoice }),
    )
    .await;
    let p = v.plan.expect("the plan shows on the patient's invoice");
    let amounts: Vec<i64> = p.instalments.iter().map(|i| i.amount).collect();
    assert_eq!(amounts, [667, 667, 666]);
    assert_eq!(p.instalments[0].due_date, today);
    assert_eq!(
        p.instalments[1].due_date,
        today.checked_add_months(chrono::Months::new(1)).unwrap()
    );

    // The first instalment paid at the desk; nothing is overdue yet.
    ok::<PaymentView>(
        &clerk,
        "billing/pay_desk",
        json!({ "invoice_id": invoice, "form": { "method": "cash", "amount": "6.67", "reference": "" },
                "key": "c27f4dbf-8b3b-4bba-8e7d-7e6f0a4e9b88" }),
    )
    .await;
    let v: InvoiceView = ok(&clerk, "billing/invoice", json!({ "invoice_id": invoice })).await;
    let states: Vec<_> = v
        .plan
        .unwrap()
        .instalments
        .iter()
        .map(|i| i.state)
        .collect();
    assert_eq!(states, [Paid, Due, Due]);
    let found = app::billing::plans::remind_overdue(&app.db, "HMS Hospital", today, Utc::now())
        .await
        .unwrap();
    assert_eq!(found, 0);

    // Forty days on, the second is overdue: one reminder, however often the scan runs.
    let later = today + Duration::days(40);
    for _ in 0..3 {
        let found = app::billing::plans::remind_overdue(&app.db, "HMS Hospital", later, Utc::now())
            .await
            .unwrap();
        assert_eq!(found, 1);
    }
    let sent = outbox::Entity::find()
        .filter(outbox::Column::PatientId.eq(pid.uuid()))
        .filter(outbox::Column::Kind.eq(shared::notify::NoticeKind::PaymentOverdue))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sent.len(), 1, "{sent:?}");
    let body = sent[0].body_to_send(&app.cipher).unwrap();
    assert!(body.contains("overdue"), "{body}");
    for secret in ["6.67", "6,67", "20.00", "certificate", "Medical"] {
        assert!(
            !body.contains(secret),
            "the reminder names {secret}: {body}"
        );
    }
    // Far past the reminder window, an instalment is not reminded again.
    let much_later = today + Duration::days(200);
    app::billing::plans::remind_overdue(&app.db, "HMS Hospital", much_later, Utc::now())
        .await
        .unwrap();

    // Cancelled, the plan is gone and the balance stays owed.
    let (status, _) = clerk
        .call::<()>(
            "billing/cancel_plan",
            json!({ "invoice_id": invoice, "reason": "" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    ok::<()>(
        &clerk,
        "billing/cancel_plan",
        json!({ "invoice_id": invoice, "reason": "Paid by the employer" }),
    )
    .await;
    let v: InvoiceView = ok(&clerk, "billing/invoice", json!({ "invoice_id": invoice })).await;
    assert!(v.plan.is_none());
    assert_eq!(v.balance, 2_000 - 667);
}

on_both_databases!(payment_plans_flag_overdue_and_remind_once);

/// Gives `patient` a coverage by `payer` (as registration types it) valid
/// from `from` to `to`.
async fn cover(app: &TestApp, patient: Uuid, payer: &str, from: NaiveDate, to: NaiveDate) {
    use app::entity::insurance_coverages as coverages;
    coverages::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(patient),
        payer: Set(payer.into()),
        member_id: Set("A123456789".into()),
        group_number: Set(None),
        valid_from: Set(Some(from)),
        valid_to: Set(Some(to)),
        rank: Set(shared::demographics::CoverageRank::Primary),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
}

/// Uploads `bytes` as a document of `claim` named `name`.
async fn upload_claim_document(
    client: &Client,
    claim: ClaimId,
    name: &str,
    bytes: &[u8],
) -> (StatusCode, serde_json::Value) {
    let response = client
        .http
        .post(format!(
            "{}{}",
            client.base,
            shared::insurance::claim_upload_path(claim)
        ))
        .query(&[("name", name)])
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap())
}

fn claim_response(claim: ClaimId, outcome: &str, benefit: f64, why: &str) -> String {
    json!({
        "resourceType": "ClaimResponse",
        "status": "active",
        "type": { "coding": [{ "code": "institutional" }] },
        "use": "claim",
        "outcome": outcome,
        "request": { "reference": format!("Claim/{claim}") },
        "disposition": why,
        "total": [{
            "category": { "coding": [{ "system": "http://terminology.hl7.org/CodeSystem/adjudication", "code": "benefit" }] },
            "amount": { "value": benefit, "currency": "EUR" },
        }],
    })
    .to_string()
}

/// Insurance: payers matched by folded name; a coverage eligible on the
/// service date puts the insurer's portion on the invoice (an expired one
/// does not); the claim goes draft → submitted → partly approved → paid,
/// any other step refused; the patient files it from the phone with a
/// document (type and size checked, served to no one else); it exports as
/// a FHIR `Claim` and the insurer's `ClaimResponse` is imported; what the
/// insurer approved decides what the patient owes, and a denial hands the
/// patient the whole. The board pages claims and ages what insurers owe.
async fn claims_follow_their_states(backend: Backend) {
    use shared::insurance::{ClaimBoard, ClaimStatus, ClaimView, PayerView};
    let app = spawn_app(backend).await;
    let clerk = signed_in(&app, CLERK, Role::BillingClerk).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let today = Utc::now().date_naive();

    // The payer list: the administrator's; names unique once folded.
    let payer = |name: &str, share: &str| json!({ "form": { "id": null, "name": name, "share": share, "active": true } });
    let tk: PayerView = ok(
        &admin,
        "billing/save_payer",
        payer("Techniker Krankenkasse", "80"),
    )
    .await;
    assert_eq!(tk.share, shared::money::Rate(8_000));
    let (status, dup) = admin
        .call::<PayerView>("billing/save_payer", payer("TECHNIKER  krankenkasse", "70"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(dup), ["name"]);
    let (status, _) = clerk
        .call::<PayerView>("billing/save_payer", payer("Barmer", "90"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Covered on the service date (the payer typed in other case): 80 % of
    // EUR 20.00 is the insurer's, EUR 4.00 the patient's.
    let (patient, invoice) = {
        let clerk_id = user_id(&app, CLERK).await;
        let patient = Client::new(&app.base);
        let registered = register_patient(&patient, "insured@test.example", "Ольга").await;
        let pid: Uuid = serde_json::from_value(registered["user"]["patient_id"].clone()).unwrap();
        cover(
            &app,
            pid,
            "techniker krankenkasse",
            today - Duration::days(365),
            today + Duration::days(365),
        )
        .await;
        drafts(&app, 0, clerk_id).await;
        let invoice = certificate_draft(&app, pid, clerk_id).await;
        ok::<InvoiceView>(&clerk, "billing/issue", json!({ "invoice_id": invoice })).await;
        (patient, invoice)
    };
    let v: InvoiceView = ok(
        &patient,
        "billing/invoice",
        json!({ "invoice_id": invoice }),
    )
    .await;
    let insurance = v.insurance.clone().expect("the coverage was eligible");
    assert_eq!(insurance.payer, "Techniker Krankenkasse");
    assert_eq!(
        (insurance.insurer_portion, insurance.patient_portion),
        (1_600, 400)
    );
    assert_eq!(v.lines[0].insurer_portion, 1_600);
    assert_eq!(
        v.balance, 400,
        "the patient owes their portion while the insurer is asked"
    );

    // An expired coverage: self-pay, nothing to claim.
    let clerk_id = user_id(&app, CLERK).await;
    let lapsed = basic_patient(&app, "Lapsed").await;
    cover(
        &app,
        lapsed,
        "Techniker Krankenkasse",
        today - Duration::days(400),
        today - Duration::days(1),
    )
    .await;
    let lapsed_invoice = certificate_draft(&app, lapsed, clerk_id).await;
    let lv: InvoiceView = ok(
        &clerk,
        "billing/issue",
        json!({ "invoice_id": lapsed_invoice }),
    )
    .await;
    assert!(lv.insurance.is_none());
    assert_eq!(lv.balance, 2_000);
    let (status, _) = clerk
        .call::<ClaimId>(
            "billing/open_claim",
            json!({ "invoice_id": lapsed_invoice }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The patient files the claim from the phone; filing again answers it.
    let claim: ClaimId = ok(
        &patient,
        "billing/open_claim",
        json!({ "invoice_id": invoice }),
    )
    .await;
    let again: ClaimId = ok(
        &patient,
        "billing/open_claim",
        json!({ "invoice_id": invoice }),
    )
    .await;
    assert_eq!(claim, again);
    let stranger = Client::new(&app.base);
    register_patient(&stranger, "stranger@test.example", "Stranger").await;
    let (status, _) = stranger
        .call::<ClaimId>("billing/open_claim", json!({ "invoice_id": invoice }))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = stranger
        .call::<ClaimView>("billing/claim", json!({ "claim_id": claim }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // A document: a PDF goes, a text file and a stranger do not.
    let pdf = b"%PDF-1.4\n% referral letter\n%%EOF\n";
    let (status, doc) = upload_claim_document(&patient, claim, "Überweisung.pdf", pdf).await;
    assert_eq!(status, StatusCode::OK, "{doc}");
    assert_eq!(doc["file_name"], "Überweisung.pdf");
    let (status, refused) = upload_claim_document(&patient, claim, "notes.txt", b"hello").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
    let (status, _) = upload_claim_document(&stranger, claim, "x.pdf", pdf).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let href = format!(
        "{}/api/billing/claim-documents/{}",
        app.base,
        doc["id"].as_str().unwrap()
    );
    let served = clerk.http.get(&href).send().await.unwrap();
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(served.bytes().await.unwrap().as_ref(), pdf);
    assert_eq!(
        stranger.http.get(&href).send().await.unwrap().status(),
        StatusCode::FORBIDDEN
    );

    // Only the documented steps: a draft is neither decided nor paid.
    let (status, _) = clerk
        .call::<ClaimView>(
            "billing/claim_paid",
            json!({ "claim_id": claim, "reference": "R1" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let decide = |approved: &str, reason: &str| json!({ "claim_id": claim, "form": { "approved": approved, "reason": reason } });
    let (status, _) = clerk
        .call::<ClaimView>("billing/adjudicate", decide("16", ""))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let submitted: ClaimView = ok(
        &patient,
        "billing/submit_claim",
        json!({ "claim_id": claim }),
    )
    .await;
    assert_eq!(submitted.status, ClaimStatus::Submitted);
    assert!(submitted.filed_by_patient);
    assert_eq!(submitted.documents.len(), 1);
    let (status, _) = patient
        .call::<ClaimView>("billing/submit_claim", json!({ "claim_id": claim }))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = patient
        .call::<ClaimView>("billing/adjudicate", decide("16", ""))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = clerk
        .call::<InvoiceId>(
            "billing/credit",
            json!({ "invoice_id": invoice, "reason": "Wrong patient" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "an invoice under a claim is not credited"
    );

    // The FHIR Claim: the covered line with the insurer's portion.
    let fhir: serde_json::Value = patient
        .http
        .get(format!("{}/api/billing/claims/{claim}/fhir", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fhir["resourceType"], "Claim");
    assert_eq!(fhir["status"], "active");
    assert_eq!(fhir["total"], json!({ "value": 16.0, "currency": "EUR" }));
    assert_eq!(fhir["item"].as_array().unwrap().len(), 1);
    assert_eq!(fhir["insurer"]["display"], "Techniker Krankenkasse");
    assert_eq!(fhir["identifier"][0]["value"], submitted.number);

    // The insurer's ClaimResponse: not JSON, another claim's, and then its
    // partial approval of EUR 10.00, after which the patient owes EUR 10.00.
    let respond = |text: String| json!({ "claim_id": claim, "response": text });
    let (status, bad) = clerk
        .call::<ClaimView>("billing/claim_response", respond("{".into()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(bad), ["response"]);
    let other = ClaimId(Uuid::new_v4());
    let (status, _) = clerk
        .call::<ClaimView>(
            "billing/claim_response",
            respond(claim_response(other, "partial", 10.0, "x")),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let decided: ClaimView = ok(
        &clerk,
        "billing/claim_response",
        respond(claim_response(
            claim,
            "partial",
            10.0,
            "Certificates are covered up to EUR 10",
        )),
    )
    .await;
    assert_eq!(decided.status, ClaimStatus::PartlyApproved);
    assert_eq!(decided.approved.unwrap().minor, 1_000);
    assert_eq!(
        decided.reason.as_deref(),
        Some("Certificates are covered up to EUR 10")
    );
    let v: InvoiceView = ok(
        &patient,
        "billing/invoice",
        json!({ "invoice_id": invoice }),
    )
    .await;
    assert_eq!(v.balance, 1_000);
    assert_eq!(v.insurance.unwrap().cover, 1_000);

    // The board: the claim awaiting the insurer's money, 0 days old.
    let board: ClaimBoard = ok(
        &clerk,
        "billing/claims",
        json!({ "status": null, "cursor": null }),
    )
    .await;
    let row = board.rows.iter().find(|r| r.id == claim).unwrap();
    assert_eq!(
        (row.status, row.age_days),
        (ClaimStatus::PartlyApproved, Some(0))
    );
    assert_eq!(board.aging[0].1, 1);
    assert_eq!(board.aging[0].2.minor, 1_000);
    let (status, _) = patient
        .call::<ClaimBoard>("billing/claims", json!({ "status": null, "cursor": null }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Paid: recorded once, then nothing more.
    let (status, missing) = clerk
        .call::<ClaimView>(
            "billing/claim_paid",
            json!({ "claim_id": claim, "reference": " " }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(missing), ["reference"]);
    let paid: ClaimView = ok(
        &clerk,
        "billing/claim_paid",
        json!({ "claim_id": claim, "reference": "REM-2026-77" }),
    )
    .await;
    assert_eq!(
        (paid.status, paid.paid.unwrap().minor),
        (ClaimStatus::Paid, 1_000)
    );
    let (status, _) = clerk
        .call::<ClaimView>("billing/adjudicate", decide("0", "Late"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let board: ClaimBoard = ok(
        &clerk,
        "billing/claims",
        json!({ "status": "paid", "cursor": null }),
    )
    .await;
    assert_eq!(board.rows.len(), 1);
    assert_eq!(
        board.rows[0].age_days, None,
        "nothing is awaited of a paid claim"
    );
    assert_eq!(board.aging[0].1, 0);

    // A denial, typed from the insurer's letter, hands the patient the whole.
    let second = basic_patient(&app, "Denied").await;
    cover(
        &app,
        second,
        "Techniker Krankenkasse",
        today - Duration::days(30),
        today,
    )
    .await;
    let second_invoice = certificate_draft(&app, second, clerk_id).await;
    ok::<InvoiceView>(
        &clerk,
        "billing/issue",
        json!({ "invoice_id": second_invoice }),
    )
    .await;
    let denied_claim: ClaimId = ok(
        &clerk,
        "billing/open_claim",
        json!({ "invoice_id": second_invoice }),
    )
    .await;
    ok::<ClaimView>(
        &clerk,
        "billing/submit_claim",
        json!({ "claim_id": denied_claim }),
    )
    .await;
    let deny = |reason: &str| json!({ "claim_id": denied_claim, "form": { "approved": "0", "reason": reason } });
    let (status, unexplained) = clerk
        .call::<ClaimView>("billing/adjudicate", deny(""))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(unexplained), ["reason"]);
    let denied: ClaimView = ok(&clerk, "billing/adjudicate", deny("Not a covered service")).await;
    assert_eq!(denied.status, ClaimStatus::Denied);
    let v: InvoiceView = ok(
        &clerk,
        "billing/invoice",
        json!({ "invoice_id": second_invoice }),
    )
    .await;
    assert_eq!(v.balance, 2_000);
    let (status, _) = clerk
        .call::<ClaimView>(
            "billing/claim_paid",
            json!({ "claim_id": denied_claim, "reference": "R" }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Keyset paging: the board's pages follow one another without overlap.
    let all: ClaimBoard = ok(
        &clerk,
        "billing/claims",
        json!({ "status": null, "cursor": null }),
    )
    .await;
    assert_eq!(all.rows.len(), 2);
    assert!(all.next.is_none());
    assert_eq!(all.rows[0].id, denied_claim, "newest first");
}

on_both_databases!(claims_follow_their_states);

/// Issues an invoice of everything `patient` was charged (the clerk's).
async fn issue_all(app: &TestApp, patient: Uuid, clerk: Uuid) -> app::entity::invoices::Model {
    let eur = shared::money::Currency::parse("EUR").unwrap();
    let txn = app.db.begin().await.unwrap();
    let draft = app::billing::invoices::draft(&txn, patient, eur, clerk, Utc::now())
        .await
        .unwrap();
    let issued = app::billing::invoices::issue(&txn, draft, chrono_tz::UTC, clerk, Utc::now())
        .await
        .unwrap();
    txn.commit().await.unwrap();
    issued
}

/// The financial reports: revenue by month and by department, doctor and
/// payer (a credit note takes its invoice back out), in the daily sums and
/// as CSV; balances by age; claims' approval rates; who may read them.
async fn reports_add_up_what_was_billed(backend: Backend) {
    use app::entity::{departments, doctor_profiles, invoices};
    use shared::reports::{AgingReport, ClaimRates, RevenueReport};
    let app = spawn_app(backend).await;
    let clerk = signed_in(&app, CLERK, Role::BillingClerk).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let clerk_id = user_id(&app, CLERK).await;
    let today = Utc::now().date_naive();
    drafts(&app, 0, clerk_id).await; // prices CERT at EUR 20.00

    // A cardiologist in a department named in Cyrillic.
    let doctor = staff_named(
        &app,
        "cardio@test.example",
        "Dr Ιωάννης Παπαδόπουλος",
        Role::Doctor,
    )
    .await;
    let cardiology = departments::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set("Кардиология".into()),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    doctor_profiles::ActiveModel {
        user_id: Set(doctor),
        department_id: Set(Some(cardiology.id)),
        specialty_id: Set(None),
        languages: Set(None),
        contact_phone: Set(None),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let payer = shared::insurance::NewPayer {
        name: "Kasse Süd".into(),
        share: shared::money::Rate(5_000),
        active: true,
    };
    app::billing::insurance::save_payer(&app.db, None, payer, clerk_id, Utc::now())
        .await
        .unwrap();

    // Insured A: one certificate for the cardiologist (EUR 20.00, half the insurer's).
    let a = basic_patient(&app, "Insured").await;
    cover(
        &app,
        a,
        "kasse süd",
        today - Duration::days(10),
        today + Duration::days(10),
    )
    .await;
    let charge = app::billing::charges::NewCharge {
        patient_id: a,
        kind: ChargeKind::Service,
        source: "manual",
        source_id: Uuid::new_v4(),
        price_key: Some("CERT".into()),
        description: "Medical certificate".into(),
        quantity: 1,
        service_date: today,
        doctor_id: Some(doctor),
    }
    .row(Utc::now());
    app::billing::charges::insert_once(&app.db, charge)
        .await
        .unwrap();
    let a_invoice = issue_all(&app, a, clerk_id).await;
    // Self-paying B: two certificates; issued 45 days ago.
    let b = basic_patient(&app, "Selfpay").await;
    for _ in 0..2 {
        let charge = shared::billing::ManualCharge {
            kind: ChargeKind::Service,
            item_key: "CERT".into(),
            quantity: 1,
            service_date: None,
        };
        app::billing::charges::add_manual(&app.db, b, charge, today, clerk_id, Utc::now())
            .await
            .unwrap();
    }
    let b_invoice = issue_all(&app, b, clerk_id).await;
    assert_eq!(b_invoice.total, 4_000);
    let mut row: invoices::ActiveModel = b_invoice.clone().into();
    row.issued_at = Set(Some(Utc::now() - Duration::days(45)));
    row.update(&app.db).await.unwrap();
    // C: invoiced and credited, so nothing.
    let c = basic_patient(&app, "Credited").await;
    let c_invoice = certificate_draft(&app, c, clerk_id).await;
    ok::<InvoiceView>(&clerk, "billing/issue", json!({ "invoice_id": c_invoice })).await;
    ok::<InvoiceId>(
        &clerk,
        "billing/credit",
        json!({ "invoice_id": c_invoice, "reason": "Wrong patient" }),
    )
    .await;

    let form = |by: &str| {
        json!({ "form": { "from": (today - Duration::days(60)).to_string(),
                                            "to": today.to_string(), "period": "month", "by": by } })
    };
    let by_department: RevenueReport = ok(&admin, "reports/revenue", form("department")).await;
    assert_eq!(by_department.total, 6_000);
    let named = |r: &RevenueReport| -> Vec<(String, i64)> {
        r.series.iter().map(|s| (s.name.clone(), s.total)).collect()
    };
    assert_eq!(
        named(&by_department),
        [
            ("No department".to_string(), 4_000),
            ("Кардиология".to_string(), 2_000)
        ]
    );
    let by_payer: RevenueReport = ok(&admin, "reports/revenue", form("payer")).await;
    assert_eq!(
        named(&by_payer),
        [
            ("Self-pay".to_string(), 4_000),
            ("Kasse Süd".to_string(), 2_000)
        ]
    );
    let by_doctor: RevenueReport = ok(&admin, "reports/revenue", form("doctor")).await;
    assert!(named(&by_doctor).contains(&("Dr Ιωάννης Παπαδόπουλος".to_string(), 2_000)));
    // The daily sums agree with the invoices they came from.
    let issued: i64 = invoices::Entity::find()
        .filter(invoices::Column::Status.eq(InvoiceStatus::Issued))
        .all(&app.db)
        .await
        .unwrap()
        .iter()
        .map(|i| {
            if i.kind == shared::billing::InvoiceKind::CreditNote {
                -i.total
            } else {
                i.total
            }
        })
        .sum();
    assert_eq!(issued, 6_000);
    let (status, refused) = admin
        .call::<RevenueReport>("reports/revenue", json!({ "form": { "from": "2026-02-01", "to": "2026-01-01", "period": "", "by": "ward" } }))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(refused), ["period", "by", "to"]);
    let (status, _) = clerk
        .call::<RevenueReport>("reports/revenue", form("payer"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The CSV of the same report.
    let query = by_payer.query.csv_path();
    let csv = admin
        .http
        .get(format!("{}{query}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), StatusCode::OK);
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("period_start,period,payer,amount,currency")
    );
    let month = shared::reports::Period::Month.start(today);
    assert!(
        text.contains(&format!(
            "{month},{},Kasse Süd,20.00,EUR",
            month.format("%Y-%m")
        )),
        "{text}"
    );
    assert_eq!(
        clerk
            .http
            .get(format!("{}{query}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::FORBIDDEN
    );
    let outsider = Client::new(&app.base);
    assert_eq!(
        outsider
            .http
            .get(format!("{}{query}", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::UNAUTHORIZED
    );
    let bad = admin
        .http
        .get(format!(
            "{}/api/reports/revenue.csv?from=2026-01-01&to=2026-02-01&period=year&by=payer",
            app.base
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);

    // Balances by age: A's EUR 10.00 is new, B's EUR 40.00 is 45 days old.
    let aging: AgingReport = ok(&admin, "reports/aging", json!({})).await;
    let owed: Vec<(u64, i64)> = aging
        .rows
        .iter()
        .map(|r| (r.invoices, r.patients_owe))
        .collect();
    assert_eq!(owed, [(1, 1_000), (1, 4_000), (0, 0), (0, 0)]);
    let aging_csv = admin
        .http
        .get(format!("{}/api/reports/aging.csv", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(aging_csv.status(), StatusCode::OK);
    assert!(aging_csv
        .text()
        .await
        .unwrap()
        .contains("31-60,1,40.00,0,0.00,EUR"));

    // Claims decided: A's, partly approved.
    let claim: ClaimId = ok(
        &clerk,
        "billing/open_claim",
        json!({ "invoice_id": a_invoice.id }),
    )
    .await;
    ok::<serde_json::Value>(&clerk, "billing/submit_claim", json!({ "claim_id": claim })).await;
    ok::<serde_json::Value>(
        &clerk,
        "billing/adjudicate",
        json!({ "claim_id": claim, "form": { "approved": "6", "reason": "Capped" } }),
    )
    .await;
    let days = json!({ "form": { "from": today.to_string(), "to": today.to_string() } });
    let rates: ClaimRates = ok(&admin, "reports/claims_decided", days).await;
    assert_eq!(rates.rows.len(), 1);
    assert_eq!(
        (
            rates.all.decided,
            rates.all.partly_approved,
            rates.all.granted
        ),
        (1, 1, 600)
    );
    assert_eq!(rates.all.rate(rates.all.denied), shared::money::Rate(0));
    let claims_csv = admin
        .http
        .get(format!(
            "{}{}",
            app.base,
            shared::reports::claims_csv_path(today, today)
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(claims_csv.status(), StatusCode::OK);
    assert!(claims_csv
        .text()
        .await
        .unwrap()
        .contains("Kasse Süd,1,0,1,0,100 %,0 %,10.00,6.00,EUR"));
}

on_both_databases!(reports_add_up_what_was_billed);

//! Messages to patients: the outbox written with the booking, consent and
//! preferred channel, wording without clinical content, delivery over real
//! SMTP and an HTTP SMS gateway, retries with backoff, reminders, and exactly
//! one delivery per message with two workers, on SQLite and PostgreSQL.

#![recursion_limit = "512"]

mod common;

use std::sync::Arc;

use app::entity::{notification_outbox as outbox, patients};
use chrono::{DateTime, Duration, Utc};
use common::doubles::{SmsGateway, SmtpSink};
use common::schedule::*;
use common::*;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use server::notify::transport::{HttpSmsGateway, Mailer};
use server::notify::{deliver_due, Round, Transports, WorkerPolicy};
use shared::appointments::{BookingOutcome, FreeSlot};
use shared::notify::{Channel, NoticeKind, OutboxStatus};
use uuid::Uuid;

const REASON: &str = "Follow-up of depression medication";

/// A booking patient, signed in, with consents set directly on the record.
struct Booker {
    client: Client,
    id: Uuid,
    mrn: String,
}

async fn booker(
    app: &TestApp,
    email: &str,
    consent: (bool, bool),
    preferred: Option<&str>,
) -> Booker {
    let client = Client::new(&app.base);
    register_patient(&client, email, "Nora").await;
    let user = app::entity::users::Entity::find()
        .filter(app::entity::users::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let p = patients::Entity::find_by_id(user.patient_id.unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mrn = p.mrn.clone();
    let mut row = p.into_active_model();
    row.phone = Set(Some("+4915112345678".into()));
    row.email = Set(Some(email.into()));
    row.consent_email = Set(consent.0);
    row.consent_sms = Set(consent.1);
    row.preferred_channel = Set(preferred.map(|c| Channel::from_code(c).unwrap()));
    let p = row.update(&app.db).await.unwrap();
    Booker {
        client,
        id: p.id,
        mrn,
    }
}

/// Mondays a week and more ahead, so both reminders (24 h, 2 h) lie in the future.
fn booking_day() -> chrono::NaiveDate {
    next_monday() + Duration::days(7)
}

async fn slots(client: &Client, dr: Uuid) -> Vec<FreeSlot> {
    let (status, slots) = client
        .call::<Vec<FreeSlot>>(
            "appointments/free_slots",
            serde_json::json!({ "doctor_id": dr, "from": booking_day(), "days": 1 }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{slots:?}");
    slots.unwrap()
}

async fn book(client: &Client, dr: Uuid, start: DateTime<Utc>) -> Uuid {
    let (status, outcome) = client
        .call::<BookingOutcome>(
            "appointments/book",
            serde_json::json!({ "doctor_id": dr, "start": start, "patient_id": null, "reason": REASON }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{outcome:?}");
    match outcome.unwrap() {
        BookingOutcome::Booked { id, .. } => id.into(),
        other => panic!("not booked: {other:?}"),
    }
}

async fn rows_of(app: &TestApp, patient: Uuid) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::PatientId.eq(patient))
        .order_by_asc(outbox::Column::NextAttemptAt)
        .all(&app.db)
        .await
        .unwrap()
}

fn transports(sink: &SmtpSink, gateway: &SmsGateway) -> Transports {
    Transports {
        email: Arc::new(Mailer::smtp(&sink.url(), "HMS Test <no-reply@hms.test>").unwrap()),
        sms: Arc::new(
            HttpSmsGateway::new(&gateway.url(), Some("gateway-token".into()), "HMS").unwrap(),
        ),
    }
}

async fn bookings_queue_messages_by_consent_without_clinical_content(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let dr = monday_doctor(&app.db, "dr.notify@test.example", &app).await;
    let mail = booker(&app, "nora.mail@test.example", (true, false), None).await;
    let texts = booker(&app, "nora.sms@test.example", (true, true), Some("sms")).await;
    let silent = booker(&app, "nora.none@test.example", (false, false), None).await;
    let free = slots(&mail.client, dr).await;
    assert_eq!(free.len(), 3);

    let a = book(&mail.client, dr, free[0].start).await;
    let rows = rows_of(&app, mail.id).await;
    let kinds: Vec<_> = rows.iter().map(|r| r.kind.as_str()).collect();
    assert_eq!(
        kinds,
        ["booked", "reminder", "reminder"],
        "confirmation, then 24 h and 2 h"
    );
    assert_eq!(rows[1].next_attempt_at, free[0].start - Duration::hours(24));
    assert_eq!(rows[2].next_attempt_at, free[0].start - Duration::hours(2));
    for r in &rows {
        assert_eq!(
            (r.channel.as_str(), r.recipient.as_str()),
            ("email", "nora.mail@test.example")
        );
        assert_eq!(r.appointment_id, Some(a));
        assert_eq!(r.status.as_str(), "pending");
        for secret in [REASON, "depression", mail.mrn.as_str(), "Nora", "Tester"] {
            assert!(
                !r.body.contains(secret) && !r.subject.contains(secret),
                "{secret:?} leaked: {}",
                r.body
            );
        }
        assert!(
            r.body.contains("Test Person"),
            "the doctor is named: {}",
            r.body
        );
        assert!(
            r.body.contains("HMS Hospital"),
            "the place is named: {}",
            r.body
        );
        assert!(
            r.body.contains("(Europe/Berlin)") && r.body.contains(", 09:00"),
            "local time: {}",
            r.body
        );
    }

    // A worker that was down finds the reminders only after the start: the
    // confirmation still goes, the reminders do not.
    let (sink, gateway) = (SmtpSink::start().await, SmsGateway::start().await);
    let late = deliver_due(
        &app.db,
        &app.cipher,
        &transports(&sink, &gateway),
        &WorkerPolicy::new(5),
        free[0].start + Duration::minutes(1),
    )
    .await
    .unwrap();
    assert_eq!(
        late,
        Round {
            sent: 1,
            skipped: 2,
            ..Round::default()
        }
    );
    let skipped = rows_of(&app, mail.id).await;
    assert!(skipped[1..].iter().all(|r| r.status.as_str() == "skipped"
        && r.last_error.as_deref() == Some("the appointment has already started")));

    book(&texts.client, dr, free[1].start).await;
    let rows = rows_of(&app, texts.id).await;
    assert_eq!(rows.len(), 3);
    assert!(
        rows.iter()
            .all(|r| r.channel.as_str() == "sms" && r.recipient == "+4915112345678"),
        "the preferred, consented channel"
    );

    book(&silent.client, dr, free[2].start).await;
    assert!(
        rows_of(&app, silent.id).await.is_empty(),
        "no consent, no messages"
    );

    // A preferred channel the patient did not consent to is refused.
    let (status, outcome) = silent
        .client
        .call::<serde_json::Value>(
            "patients/my_contact",
            serde_json::json!({ "form": { "phone": "+4915112345678", "email": "nora.none@test.example",
                "address_line": "", "city": "", "postal_code": "", "country": "",
                "consent_sms": false, "consent_email": true, "consent_research": false,
                "preferred_channel": "sms", "emergency_contacts": [], "coverages": [] } }),
        )
        .await;
    assert_eq!(
        status,
        reqwest::StatusCode::UNPROCESSABLE_ENTITY,
        "{outcome:?}"
    );
    let text = format!("{outcome:?}");
    assert!(text.contains("preferred_channel"), "{text}");
}

async fn the_worker_delivers_retries_and_sends_reminders(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let (sink, gateway) = (SmtpSink::start().await, SmsGateway::start().await);
    let dr = monday_doctor(&app.db, "dr.worker@test.example", &app).await;
    let mail = booker(&app, "w.mail@test.example", (true, false), None).await;
    let texts = booker(&app, "w.sms@test.example", (false, true), None).await;
    let free = slots(&mail.client, dr).await;
    book(&mail.client, dr, free[0].start).await;
    book(&texts.client, dr, free[1].start).await;

    let t = transports(&sink, &gateway);
    let policy = WorkerPolicy::new(5);
    sink.refuse_next(1);
    gateway.answer_next(&[503]);
    let now = Utc::now();
    let round = deliver_due(&app.db, &app.cipher, &t, &policy, now)
        .await
        .unwrap();
    assert_eq!(
        round,
        Round {
            retrying: 2,
            ..Round::default()
        },
        "both refused for now"
    );
    let confirmation = rows_of(&app, mail.id).await.remove(0);
    assert_eq!(
        (confirmation.status.as_str(), confirmation.attempts),
        ("pending", 1)
    );
    assert!(confirmation.last_error.as_deref().unwrap().contains("451"));
    let wait = confirmation.next_attempt_at - now;
    assert!(
        (wait - Duration::seconds(30)).num_milliseconds().abs() < 2,
        "backoff {wait}"
    );
    // Not due again yet.
    let round = deliver_due(
        &app.db,
        &app.cipher,
        &t,
        &policy,
        now + Duration::seconds(5),
    )
    .await
    .unwrap();
    assert_eq!(round, Round::default());
    let round = deliver_due(
        &app.db,
        &app.cipher,
        &t,
        &policy,
        now + Duration::seconds(31),
    )
    .await
    .unwrap();
    assert_eq!(round.sent, 2);

    let mails = sink.mails();
    assert_eq!(mails.len(), 1, "the refused attempt was not kept");
    let m = &mails[0];
    assert_eq!(m.to, vec!["<w.mail@test.example>"]);
    assert!(m
        .header("Subject")
        .unwrap()
        .starts_with("Appointment confirmed"));
    assert!(m
        .header("Message-ID")
        .unwrap()
        .contains(&confirmation.id.to_string()));
    assert!(m.data.contains("Test Person") && !m.data.contains(REASON));

    let calls = gateway.calls();
    assert_eq!(calls.len(), 2, "one refused, one delivered");
    assert_eq!(
        calls[0].idempotency_key, calls[1].idempotency_key,
        "a retry keeps its key"
    );
    assert_eq!(
        calls[1].authorization.as_deref(),
        Some("Bearer gateway-token")
    );
    assert_eq!(calls[1].body["to"], "+4915112345678");
    assert_eq!(calls[1].body["from"], "HMS");
    assert!(calls[1].body["text"]
        .as_str()
        .unwrap()
        .contains("is confirmed"));

    // The reminders wait for their time: 24 h, then 2 h before.
    let start = free[0].start;
    let round = deliver_due(
        &app.db,
        &app.cipher,
        &t,
        &policy,
        start - Duration::hours(25),
    )
    .await
    .unwrap();
    assert_eq!(round, Round::default());
    let round = deliver_due(
        &app.db,
        &app.cipher,
        &t,
        &policy,
        start - Duration::hours(24) + Duration::seconds(1),
    )
    .await
    .unwrap();
    assert_eq!(round.sent, 1, "the e-mail patient's 24 h reminder");
    let round = deliver_due(
        &app.db,
        &app.cipher,
        &t,
        &policy,
        start - Duration::minutes(110),
    )
    .await
    .unwrap();
    assert_eq!(round.sent, 2, "the other 24 h reminder and a 2 h one");
    assert!(sink.mails()[1]
        .header("Subject")
        .unwrap()
        .contains("tomorrow"));

    // A permanent refusal is not retried.
    gateway.answer_next(&[400]);
    let round = deliver_due(
        &app.db,
        &app.cipher,
        &t,
        &policy,
        free[1].start - Duration::minutes(119),
    )
    .await
    .unwrap();
    assert_eq!(
        round,
        Round {
            failed: 1,
            ..Round::default()
        }
    );
    let last = rows_of(&app, texts.id).await.pop().unwrap();
    assert_eq!((last.status.as_str(), last.attempts), ("failed", 1));
    assert!(rows_of(&app, mail.id)
        .await
        .iter()
        .all(|r| r.status.as_str() == "sent" && r.sent_at.is_some()));
}

async fn cancelling_and_moving_withdraw_reminders_and_consent_is_checked_again(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let (sink, gateway) = (SmtpSink::start().await, SmsGateway::start().await);
    let dr = monday_doctor(&app.db, "dr.move@test.example", &app).await;
    let p = booker(&app, "move@test.example", (true, false), None).await;
    let free = slots(&p.client, dr).await;
    let first = book(&p.client, dr, free[0].start).await;

    let (status, moved) = p
        .client
        .call::<BookingOutcome>(
            "appointments/reschedule",
            serde_json::json!({ "appointment_id": first, "start": free[2].start, "override_reason": "" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{moved:?}");
    let BookingOutcome::Booked { id: second, .. } = moved.unwrap() else {
        panic!()
    };
    let rows = rows_of(&app, p.id).await;
    let of = |id: Uuid, kind: &str| {
        rows.iter()
            .filter(|r| r.appointment_id == Some(id) && r.kind.as_str() == kind)
            .map(|r| r.status.as_str())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        of(first, "reminder"),
        ["cancelled", "cancelled"],
        "the old reminders are withdrawn"
    );
    assert_eq!(of(second.into(), "rescheduled"), ["pending"]);
    assert_eq!(of(second.into(), "reminder"), ["pending", "pending"]);
    assert!(rows
        .iter()
        .any(|r| r.kind.as_str() == "rescheduled" && r.subject.contains("moved")));

    let (status, _) = p
        .client
        .call::<()>(
            "appointments/cancel",
            serde_json::json!({ "appointment_id": second, "override_reason": "" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let rows = rows_of(&app, p.id).await;
    assert!(rows
        .iter()
        .filter(|r| r.kind.as_str() == "reminder")
        .all(|r| r.status.as_str() == "cancelled"));
    assert!(rows
        .iter()
        .any(|r| r.kind.as_str() == "cancelled" && r.status.as_str() == "pending"));

    // Consent withdrawn after the messages were queued: nothing goes out.
    let mut row = patients::Entity::find_by_id(p.id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.consent_email = Set(false);
    row.update(&app.db).await.unwrap();
    let round = deliver_due(
        &app.db,
        &app.cipher,
        &transports(&sink, &gateway),
        &WorkerPolicy::new(5),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(
        round,
        Round {
            skipped: 3,
            ..Round::default()
        },
        "booked, rescheduled, cancelled"
    );
    assert!(sink.mails().is_empty());
    let skipped = rows_of(&app, p.id)
        .await
        .into_iter()
        .find(|r| r.status.as_str() == "skipped")
        .unwrap();
    assert!(skipped.last_error.unwrap().contains("consent"));
}

/// Forty messages, two workers on separate connection pools (as two
/// processes would have) claiming in small batches at once: every message
/// goes out exactly once.
async fn two_workers_deliver_each_message_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let sink = SmtpSink::start().await;
    let gateway = SmsGateway::start().await;
    let p = booker(&app, "many@test.example", (true, false), None).await;
    let now = Utc::now();
    let rows: Vec<_> = (0..40)
        .map(|i| outbox::ActiveModel {
            id: Set(Uuid::new_v4()),
            patient_id: Set(p.id),
            appointment_id: Set(None),
            kind: Set(NoticeKind::Booked),
            channel: Set(Channel::Email),
            recipient: Set("many@test.example".into()),
            subject: Set(format!("Message {i}")),
            body: Set("Hello".into()),
            dedupe_key: Set(format!("test:{i}")),
            status: Set(OutboxStatus::Pending),
            attempts: Set(0),
            next_attempt_at: Set(now - Duration::seconds(i)),
            lease_until: Set(None),
            worker: Set(None),
            last_error: Set(None),
            created_at: Set(now),
            sent_at: Set(None),
        })
        .collect();
    outbox::Entity::insert_many(rows)
        .exec(&app.db)
        .await
        .unwrap();

    let other_pool = app.database.connect().await;
    let run = |db: sea_orm::DatabaseConnection, name: &'static str| {
        let t = transports(&sink, &gateway);
        let cipher = app.cipher.clone();
        async move {
            let policy = WorkerPolicy {
                name: name.into(),
                batch: 3,
                ..WorkerPolicy::new(5)
            };
            let mut sent = 0;
            loop {
                let round = deliver_due(&db, &cipher, &t, &policy, Utc::now())
                    .await
                    .unwrap();
                if round == Round::default() {
                    return sent;
                }
                sent += round.sent;
            }
        }
    };
    let (a, b) = tokio::join!(
        tokio::spawn(run(app.db.clone(), "worker-a")),
        tokio::spawn(run(other_pool, "worker-b"))
    );
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a + b, 40, "worker a sent {a}, worker b {b}");
    let mails = sink.mails();
    assert_eq!(mails.len(), 40);
    let mut subjects: Vec<_> = mails.iter().map(|m| m.header("Subject").unwrap()).collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 40, "no message twice");
    let sent = outbox::Entity::find()
        .filter(outbox::Column::Status.eq("sent"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(sent.len(), 40);
    assert!(sent.iter().all(|r| r.attempts == 1));
}

/// The real thing: a booking made through one server reaches the SMTP
/// server through the outbox worker of a separate `hms` process.
async fn a_running_hms_delivers_the_confirmation(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let sink = SmtpSink::start().await;
    let url = sink.url();
    let _hms = start_with(
        &app.database,
        &[
            "--smtp-url",
            url.as_str(),
            "--outbox-poll-secs",
            "1",
            "--mail-from",
            "Clinic <desk@clinic.test>",
        ],
    )
    .await;
    let dr = monday_doctor(&app.db, "dr.live@test.example", &app).await;
    let p = booker(&app, "live@test.example", (true, false), None).await;
    let free = slots(&p.client, dr).await;
    book(&p.client, dr, free[1].start).await;
    let mails = sink.wait_for(1, 20).await;
    assert_eq!(mails.len(), 1, "delivered by the worker");
    assert_eq!(mails[0].from, "<desk@clinic.test>");
    assert!(
        mails[0].data.contains("09:20 (Europe/Berlin)"),
        "{}",
        mails[0].data
    );
    // The worker records the outcome after the SMTP server has answered:
    // the message can arrive a moment before its row says so.
    let mut rows = rows_of(&app, p.id).await;
    for _ in 0..100 {
        if rows[0].status.as_str() == "sent" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        rows = rows_of(&app, p.id).await;
    }
    assert_eq!(rows[0].status.as_str(), "sent");
    assert!(rows[0].worker.is_some());
}

on_both_databases!(
    bookings_queue_messages_by_consent_without_clinical_content,
    the_worker_delivers_retries_and_sends_reminders,
    cancelling_and_moving_withdraw_reminders_and_consent_is_checked_again,
    two_workers_deliver_each_message_once,
    a_running_hms_delivers_the_confirmation
);

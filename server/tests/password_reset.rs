//! A forgotten password: a link sent by e-mail through the outbox (over real
//! SMTP), the same answer for any address, one use, 30 minutes, every session
//! of the account ended, limits per account and per address; on SQLite and
//! PostgreSQL.

#![recursion_limit = "512"]

mod common;

use std::sync::Arc;

use app::clock::Clock;
use app::entity::{notification_outbox as outbox, password_resets};
use chrono::Duration;
use common::doubles::{Mail, SmsGateway, SmtpSink};
use common::*;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use server::notify::transport::{HttpSmsGateway, Mailer};
use server::notify::{deliver_due, Round, Transports, WorkerPolicy};
use shared::notify::{Channel, NoticeKind, OutboxStatus};
use shared::{AppError, Role};

const NEW_PASSWORD: &str = "quiet harbour lantern";

async fn ask(client: &Client, email: &str) -> (StatusCode, Result<(), AppError>) {
    client
        .call::<()>("auth/password_reset/request", json!({ "email": email }))
        .await
}

async fn complete(
    client: &Client,
    token: &str,
    password: &str,
    confirm: &str,
) -> (StatusCode, Result<(), AppError>) {
    client
        .call::<()>(
            "auth/password_reset/complete",
            json!({ "form": {
                "token": token, "new_password": password, "new_password_confirm": confirm
            }}),
        )
        .await
}

/// The reset messages in the outbox, oldest first.
async fn reset_messages(app: &TestApp) -> Vec<outbox::Model> {
    outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(NoticeKind::PasswordReset))
        .order_by_asc(outbox::Column::CreatedAt)
        .all(&app.db)
        .await
        .unwrap()
}

/// Runs one round of the outbox worker at the server's time, over SMTP.
async fn deliver(app: &TestApp, sink: &SmtpSink) -> Round {
    let gateway = SmsGateway::start().await;
    let transports = Transports {
        email: Arc::new(Mailer::smtp(&sink.url(), "HMS Test <no-reply@hms.test>").unwrap()),
        sms: Arc::new(HttpSmsGateway::new(&gateway.url(), None, "HMS").unwrap()),
    };
    deliver_due(
        &app.db,
        &app.cipher,
        &transports,
        &WorkerPolicy::new(5),
        app.clock.now(),
    )
    .await
    .unwrap()
}

/// The token of the link in a reset e-mail, as its reader would follow it.
fn token_in(mail: &Mail) -> String {
    let text = mail.text();
    let link = text
        .lines()
        .find(|l| l.contains("/reset-password?token="))
        .unwrap_or_else(|| panic!("no link in {text}"));
    let token = link.split_once("token=").unwrap().1.trim();
    assert!(
        token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && token.len() == 43,
        "{token:?}"
    );
    token.to_string()
}

async fn a_patient_resets_a_forgotten_password_by_email(backend: Backend) {
    let app = spawn_app(backend).await;
    let phone = Client::new(&app.base);
    register_patient(&phone, "rosa@test.example", "Rosa").await;
    let laptop = Client::new(&app.base);
    laptop.login("rosa@test.example", PASSWORD).await.1.unwrap();

    // Asked by anyone, as typed (case and spaces do not matter).
    let stranger = Client::new(&app.base);
    let (status, answer) = ask(&stranger, " Rosa@Test.example ").await;
    assert_eq!((status, answer), (StatusCode::OK, Ok(())));

    // Queued encrypted: the outbox never holds the link in clear, the
    // database only the token's keyed hash.
    let queued = reset_messages(&app).await;
    assert_eq!(queued.len(), 1);
    let message = &queued[0];
    assert_eq!(message.channel, Channel::Email);
    assert_eq!(message.recipient, "rosa@test.example");
    assert!(message.body.starts_with("enc:v"), "{}", message.body);
    assert!(!message.body.contains("token="));

    let sink = SmtpSink::start().await;
    assert_eq!(deliver(&app, &sink).await.sent, 1);
    let mails = sink.wait_for(1, 5).await;
    assert_eq!(mails[0].to, vec!["<rosa@test.example>"]);
    let token = token_in(&mails[0]);
    assert!(mails[0].text().contains("within 30 minutes"));
    let stored = password_resets::Entity::find().all(&app.db).await.unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].token_hash.len(), 64);
    assert!(!stored[0].token_hash.contains(&token));

    // A weak or mismatched password is refused field by field, and the link
    // still works afterwards.
    let (status, refused) = complete(&stranger, &token, "password123", "password123").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.unwrap_err().field_message("new_password").is_some());
    let (_, refused) = complete(
        &stranger,
        &token,
        "rosa-test-example-1",
        "rosa-test-example-1",
    )
    .await;
    assert!(
        refused
            .unwrap_err()
            .field_message("new_password")
            .unwrap()
            .contains("e-mail"),
        "the account's address is checked on the server"
    );
    let (_, refused) = complete(&stranger, &token, NEW_PASSWORD, "something else").await;
    assert!(refused
        .unwrap_err()
        .field_message("new_password_confirm")
        .is_some());

    let (status, done) = complete(&stranger, &token, NEW_PASSWORD, NEW_PASSWORD).await;
    assert_eq!((status, done), (StatusCode::OK, Ok(())));

    // Every session of the account has ended.
    assert_eq!(phone.whoami().await, None);
    assert_eq!(laptop.whoami().await, None);
    let (status, old) = Client::new(&app.base)
        .login("rosa@test.example", PASSWORD)
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(old.unwrap_err(), AppError::InvalidCredentials);
    let fresh = Client::new(&app.base);
    fresh
        .login("rosa@test.example", NEW_PASSWORD)
        .await
        .1
        .unwrap();
    assert_eq!(fresh.whoami().await.as_deref(), Some("rosa@test.example"));

    // Once only.
    let (status, again) = complete(
        &stranger,
        &token,
        "another fine phrase",
        "another fine phrase",
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(again.unwrap_err().field_message("token").is_some());

    let rows = audit_rows(&app).await;
    let has = |action: &str, outcome: &str| {
        rows.iter()
            .any(|r| r.0 == action && r.1 == outcome && r.2.as_deref() == Some("rosa@test.example"))
    };
    assert!(has("auth.password_reset_request", "success"));
    assert!(has("auth.password_reset", "success"));
    assert!(has("auth.password_reset", "failure"), "the second use");
}

async fn every_address_gets_the_same_answer(backend: Backend) {
    let app = spawn_app(backend).await;
    register_patient(&Client::new(&app.base), "ines@test.example", "Inês").await;
    staff(&app, "nurse.reset@test.example", Role::Nurse).await;
    let client = Client::new(&app.base);

    for email in [
        "ines@test.example",
        "nurse.reset@test.example",
        "nobody@test.example",
    ] {
        assert_eq!(
            ask(&client, email).await,
            (StatusCode::OK, Ok(())),
            "{email}"
        );
    }
    // Only the patient's account was sent a link: staff ask an administrator.
    let queued = reset_messages(&app).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(queued[0].recipient, "ines@test.example");

    // Three links an hour per account; the fourth request is answered the same.
    for _ in 0..3 {
        assert_eq!(ask(&client, "ines@test.example").await.0, StatusCode::OK);
    }
    assert_eq!(reset_messages(&app).await.len(), 3);

    // Not an address at all: the field says so.
    let (status, refused) = ask(&client, "not an address").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.unwrap_err().field_message("email").is_some());

    let rows = audit_rows(&app).await;
    let denied: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "auth.password_reset_request" && r.1 == "denied")
        .filter_map(|r| r.2.clone())
        .collect();
    assert!(denied.contains(&"nurse.reset@test.example".to_string()));
    assert!(denied.contains(&"nobody@test.example".to_string()));
    assert!(
        denied.contains(&"ines@test.example".to_string()),
        "the throttled one"
    );
}

async fn a_link_lasts_thirty_minutes_and_one_use_spends_them_all(backend: Backend) {
    let app = spawn_app(backend).await;
    register_patient(&Client::new(&app.base), "oleg@test.example", "Олег").await;
    let client = Client::new(&app.base);
    let sink = SmtpSink::start().await;

    // Two links; using the second spends the first too.
    ask(&client, "oleg@test.example").await.1.unwrap();
    ask(&client, "oleg@test.example").await.1.unwrap();
    assert_eq!(deliver(&app, &sink).await.sent, 2);
    let mails = sink.wait_for(2, 5).await;
    let (first, second) = (token_in(&mails[0]), token_in(&mails[1]));
    assert_ne!(first, second);
    complete(&client, &second, NEW_PASSWORD, NEW_PASSWORD)
        .await
        .1
        .unwrap();
    let (_, spent) = complete(
        &client,
        &first,
        "another fine phrase",
        "another fine phrase",
    )
    .await;
    assert!(spent.unwrap_err().field_message("token").is_some());

    // A link used after 30 minutes is refused.
    app.clock.advance(Duration::hours(1));
    ask(&client, "oleg@test.example").await.1.unwrap();
    assert_eq!(deliver(&app, &sink).await.sent, 1);
    let late = token_in(&sink.wait_for(3, 5).await[2]);
    app.clock.advance(Duration::minutes(31));
    let (_, expired) = complete(&client, &late, "another fine phrase", "another fine phrase").await;
    assert!(expired.unwrap_err().field_message("token").is_some());

    // A link the worker could not send in time is not sent at all.
    ask(&client, "oleg@test.example").await.1.unwrap();
    app.clock.advance(Duration::minutes(31));
    let round = deliver(&app, &sink).await;
    assert_eq!((round.sent, round.skipped), (0, 1));
    let last = reset_messages(&app).await.pop().unwrap();
    assert_eq!(last.status, OutboxStatus::Skipped);

    // An unknown token, and an empty one, are refused the same way.
    for token in ["A".repeat(43), String::new()] {
        let (status, refused) = complete(&client, &token, NEW_PASSWORD, NEW_PASSWORD).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.unwrap_err().field_message("token").is_some());
    }
}

async fn one_network_address_is_limited(backend: Backend) {
    let app = spawn_app(backend).await;
    register_patient(&Client::new(&app.base), "amal@test.example", "أمل").await;
    let owner = user_id(&app, "amal@test.example").await;
    // Ten links already asked for from this address within the hour.
    let now = app.clock.now();
    for i in 0..10 {
        password_resets::ActiveModel {
            id: Set(uuid::Uuid::new_v4()),
            user_id: Set(owner),
            token_hash: Set(format!("{i:064x}")),
            client_addr: Set("127.0.0.1".into()),
            created_at: Set(now - Duration::minutes(5)),
            expires_at: Set(now + Duration::minutes(25)),
            used_at: Set(None),
        }
        .insert(&app.db)
        .await
        .unwrap();
    }
    let (status, refused) = ask(&Client::new(&app.base), "amal@test.example").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(matches!(refused.unwrap_err(), AppError::RateLimited(_)));
    assert!(reset_messages(&app).await.is_empty());
    // An hour later the address may ask again.
    app.clock.advance(Duration::minutes(56));
    let (status, _) = ask(&Client::new(&app.base), "amal@test.example").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(reset_messages(&app).await.len(), 1);
}

on_both_databases!(
    a_patient_resets_a_forgotten_password_by_email,
    every_address_gets_the_same_answer,
    a_link_lasts_thirty_minutes_and_one_use_spends_them_all,
    one_network_address_is_limited,
);

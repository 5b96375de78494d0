//! Two-step sign-in (TOTP), on SQLite and PostgreSQL: staff are made to set
//! it up, codes are taken once, wrong codes lock the account, recovery
//! codes, an administrator's reset, patients' choice, the secret at rest.

#![recursion_limit = "512"]

mod common;

use common::*;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use shared::{AppError, Role};

/// A staff account without an authenticator (as an administrator makes one,
/// here with a known password), signed in with the password alone.
async fn unenrolled_staff(app: &TestApp, email: &str, role: Role) -> Client {
    new_staff_account(app, email, "Test Person", role).await;
    let client = Client::new(&app.base);
    let (status, outcome) = client.login_password(email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{outcome:?}");
    assert_eq!(outcome.unwrap()["step"], "signed_in");
    client
}

/// The pending or confirmed secret of `email`, decrypted as the server would.
async fn stored_secret(app: &TestApp, email: &str) -> (String, Vec<u8>) {
    let id = user_id(app, email).await;
    let row = app::entity::user_mfa::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .expect("a secret");
    let plain = app
        .cipher
        .decrypt(&row.secret, &format!("user_mfa.secret:{id}"))
        .unwrap();
    (row.secret, plain)
}

fn code(secret: &[u8], client: &Client, steps_ahead: i64) -> String {
    let at = client.server_now() + chrono::Duration::seconds(30 * steps_ahead);
    app::auth::mfa::code_at(secret, at)
}

async fn staff_must_set_up_two_step_sign_in_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let nurse = unenrolled_staff(&app, "nurse@test.example", Role::Nurse).await;
    let (_, me) = nurse.call::<Option<Value>>("auth/me", json!({})).await;
    assert_eq!(me.unwrap().unwrap()["mfa_enrolled"], false);
    // Nothing but their own account until it is done.
    let (status, result) = nurse
        .call::<Value>("patients/search", json!({"query": "ab", "cursor": null}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(result.unwrap_err(), AppError::MfaEnrolmentRequired);

    let enrolment: Value = ok(&nurse, "account/mfa/begin", json!({})).await;
    let uri = enrolment["uri"].as_str().unwrap();
    assert!(
        uri.starts_with("otpauth://totp/HMS:nurse%40test.example?"),
        "{uri}"
    );
    assert!(enrolment["qr_svg"].as_str().unwrap().contains("<svg"));
    // Encrypted at rest: the stored value holds neither the secret nor its base32.
    let (stored, secret) = stored_secret(&app, "nurse@test.example").await;
    let shown = enrolment["secret"].as_str().unwrap().replace(' ', "");
    assert_eq!(shown, app::auth::mfa::base32(&secret));
    assert!(stored.starts_with("enc:v1:") && !stored.contains(&shown));

    let (status, result) = nurse
        .call::<Value>("account/mfa/confirm", json!({"code": "000000"}))
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(result.unwrap_err().field_message("code").is_some());
    let codes: Value = ok(
        &nurse,
        "account/mfa/confirm",
        json!({"code": code(&secret, &nurse, 0)}),
    )
    .await;
    assert_eq!(codes["codes"].as_array().unwrap().len(), 10);
    let (_, me) = nurse.call::<Option<Value>>("auth/me", json!({})).await;
    assert_eq!(me.unwrap().unwrap()["mfa_enrolled"], true);
    let (status, _) = nurse
        .call::<Value>("patients/search", json!({"query": "ab", "cursor": null}))
        .await;
    assert_eq!(status, StatusCode::OK);

    // From now on the password alone does not sign in.
    let again = Client::new(&app.base);
    let (_, step) = again.login_password("nurse@test.example", PASSWORD).await;
    assert_eq!(step.unwrap()["step"], "code_required");
    assert_eq!(again.whoami().await, None);
    let (status, result) = again
        .call::<Value>("patients/search", json!({"query": "ab", "cursor": null}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{result:?}");
    let (status, outcome) = again
        .call::<Value>("auth/login/code", json!({"code": code(&secret, &again, 1)}))
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome:?}");
    assert_eq!(outcome.unwrap()["redirect_to"], "/clinic");
    assert_eq!(again.whoami().await.as_deref(), Some("nurse@test.example"));
    let rows = audit_rows(&app).await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "auth.mfa_enrol" && r.1 == "success"));
}

async fn a_code_is_taken_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "doctor@test.example", Role::Doctor).await;
    let secret = test_totp_secret(&email);
    let first = Client::new(&app.base);
    let second = Client::new(&app.base);
    for client in [&first, &second] {
        let (_, step) = client.login_password(&email, PASSWORD).await;
        assert_eq!(step.unwrap()["step"], "code_required");
    }
    let now = code(&secret, &first, 0);
    // The same code from two devices at once: one of them gets in.
    let (a, b) = tokio::join!(
        first.call::<Value>("auth/login/code", json!({ "code": now })),
        second.call::<Value>("auth/login/code", json!({ "code": now })),
    );
    let mut statuses = [a.0.as_u16(), b.0.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 422], "{a:?} {b:?}");
    let refused = if a.0 == StatusCode::OK { b.1 } else { a.1 };
    assert!(refused
        .unwrap_err()
        .field_message("code")
        .unwrap()
        .contains("used already"));
    // An older code than the last one taken is refused too.
    let late = Client::new(&app.base);
    late.login_password(&email, PASSWORD).await.1.unwrap();
    let (status, _) = late
        .call::<Value>("auth/login/code", json!({"code": code(&secret, &late, -1)}))
        .await;
    assert_eq!(status.as_u16(), 422);
    // The next step's code is still good, in the same half-done sign-in.
    let (status, _) = late
        .call::<Value>("auth/login/code", json!({"code": code(&secret, &late, 1)}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let rows = audit_rows(&app).await;
    assert!(rows.iter().any(|r| r.0 == "auth.login" && r.1 == "failure"));
}

async fn wrong_codes_lock_the_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "reception@test.example", Role::Receptionist).await;
    let client = Client::new(&app.base);
    client.login_password(&email, PASSWORD).await.1.unwrap();
    for n in 0..9 {
        let (status, _) = client
            .call::<Value>(
                "auth/login/code",
                json!({"code": format!("{:06}", 111_111 + n)}),
            )
            .await;
        assert_eq!(status.as_u16(), 422, "attempt {n}");
    }
    let (status, result) = client
        .call::<Value>("auth/login/code", json!({"code": "999999"}))
        .await;
    assert_eq!(status.as_u16(), 423, "{result:?}");
    // Locked: the right password is refused, and so is a right code.
    let (status, _) = client.login_password(&email, PASSWORD).await;
    assert_eq!(status.as_u16(), 423);
    let secret = test_totp_secret(&email);
    let (status, _) = client
        .call::<Value>(
            "auth/login/code",
            json!({"code": code(&secret, &client, 0)}),
        )
        .await;
    assert_ne!(status, StatusCode::OK);
    let rows = audit_rows(&app).await;
    assert!(rows.iter().any(|r| r.0 == "auth.lockout"));
}

async fn the_code_must_follow_the_password_within_minutes(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "lab@test.example", Role::LabTechnician).await;
    let client = Client::new(&app.base);
    // No password given: no code is taken.
    let (status, _) = client
        .call::<Value>("auth/login/code", json!({"code": "123456"}))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    client.login_password(&email, PASSWORD).await.1.unwrap();
    app.clock.advance(chrono::Duration::minutes(6));
    let secret = test_totp_secret(&email);
    let (status, result) = client
        .call::<Value>(
            "auth/login/code",
            json!({"code": code(&secret, &client, 0)}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(result.unwrap_err().to_string().contains("took too long"));
}

async fn recovery_codes_sign_in_once_and_can_be_replaced(backend: Backend) {
    let app = spawn_app(backend).await;
    let pharmacist = unenrolled_staff(&app, "rx@test.example", Role::Pharmacist).await;
    ok::<Value>(&pharmacist, "account/mfa/begin", json!({})).await;
    let (_, secret) = stored_secret(&app, "rx@test.example").await;
    let codes: Value = ok(
        &pharmacist,
        "account/mfa/confirm",
        json!({"code": code(&secret, &pharmacist, 0)}),
    )
    .await;
    let codes: Vec<String> = serde_json::from_value(codes["codes"].clone()).unwrap();
    // Stored as keyed hashes only.
    let id = user_id(&app, "rx@test.example").await;
    let stored = app::entity::mfa_recovery_codes::Entity::find()
        .filter(app::entity::mfa_recovery_codes::Column::UserId.eq(id))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 10);
    for row in &stored {
        assert!(!codes
            .iter()
            .any(|c| row.code_hash.contains(&c.replace('-', ""))));
    }

    let lost_phone = Client::new(&app.base);
    lost_phone
        .login_password("rx@test.example", PASSWORD)
        .await
        .1
        .unwrap();
    // Typed carelessly: spaces, capitals.
    let typed = format!(" {} ", codes[0].to_uppercase().replace('-', " "));
    let (status, outcome) = lost_phone
        .call::<Value>("auth/login/code", json!({ "code": typed }))
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome:?}");
    let status_now: Value = ok(&lost_phone, "account/mfa", json!({})).await;
    assert_eq!(status_now["recovery_codes_left"], 9);
    // Spent.
    let again = Client::new(&app.base);
    again
        .login_password("rx@test.example", PASSWORD)
        .await
        .1
        .unwrap();
    let (status, _) = again
        .call::<Value>("auth/login/code", json!({"code": codes[0]}))
        .await;
    assert_eq!(status.as_u16(), 422);

    // New codes need the password and a code (an old recovery code will
    // do: the phone is lost); the old ones stop working.
    let (status, result) = lost_phone
        .call::<Value>(
            "account/mfa/recovery-codes",
            json!({"password": "not it at all", "code": codes[2]}),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(result.unwrap_err().field_message("password").is_some());
    let fresh: Value = ok(
        &lost_phone,
        "account/mfa/recovery-codes",
        json!({ "password": PASSWORD, "code": codes[2] }),
    )
    .await;
    assert_eq!(fresh["codes"].as_array().unwrap().len(), 10);
    let (status, _) = again
        .call::<Value>("auth/login/code", json!({"code": codes[1]}))
        .await;
    assert_eq!(status.as_u16(), 422);
    let (status, _) = again
        .call::<Value>("auth/login/code", json!({"code": fresh["codes"][0]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let rows = audit_rows(&app).await;
    assert!(rows.iter().any(|r| r.0 == "auth.mfa_recovery_codes"));
}

async fn an_administrator_resets_two_step_sign_in(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let doctor = signed_in(&app, "doctor@test.example", Role::Doctor).await;
    let id = user_id(&app, "doctor@test.example").await;
    let (status, _) = admin
        .call::<Option<String>>(
            "admin/users/change",
            json!({"user_id": id, "change": "reset_mfa"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    // Signed out everywhere; back in with the password, then made to set up again.
    assert_eq!(doctor.whoami().await, None);
    let again = Client::new(&app.base);
    let (_, step) = again.login_password("doctor@test.example", PASSWORD).await;
    assert_eq!(step.unwrap()["step"], "signed_in");
    let (status, result) = again
        .call::<Value>("patients/search", json!({"query": "ab", "cursor": null}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(result.unwrap_err(), AppError::MfaEnrolmentRequired);
    let users: Vec<Value> = ok(&admin, "admin/users", json!({})).await;
    let listed = users
        .iter()
        .find(|u| u["email"] == "doctor@test.example")
        .unwrap();
    assert_eq!(listed["mfa_enrolled"], false);
    let rows = audit_rows(&app).await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "users.mfa_reset" && r.2.as_deref() == Some("admin@test.example")));
}

async fn patients_choose_two_step_sign_in_and_staff_keep_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let patient = Client::new(&app.base);
    register_patient(&patient, "mira@test.example", "Мира").await;
    let status: Value = ok(&patient, "account/mfa", json!({})).await;
    assert_eq!(status["enrolled"], false);
    assert_eq!(status["required"], false);
    // Optional: the portal works without it.
    let (code_status, _) = patient.call::<Value>("patients/me", json!({})).await;
    assert_eq!(code_status, StatusCode::OK);

    ok::<Value>(&patient, "account/mfa/begin", json!({})).await;
    let (_, secret) = stored_secret(&app, "mira@test.example").await;
    ok::<Value>(
        &patient,
        "account/mfa/confirm",
        json!({"code": code(&secret, &patient, 0)}),
    )
    .await;
    let (status, _) = patient.call::<Value>("account/mfa/begin", json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Off needs the password and a code.
    let (status, result) = patient
        .call::<()>(
            "account/mfa/disable",
            json!({"password": PASSWORD, "code": "000000"}),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(result.unwrap_err().field_message("code").is_some());
    let (status, _) = patient
        .call::<()>(
            "account/mfa/disable",
            json!({"password": PASSWORD, "code": code(&secret, &patient, 1)}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, step) = Client::new(&app.base)
        .login_password("mira@test.example", PASSWORD)
        .await;
    assert_eq!(step.unwrap()["step"], "signed_in");

    let nurse = signed_in(&app, "nurse@test.example", Role::Nurse).await;
    let (status, result) = nurse
        .call::<()>(
            "account/mfa/disable",
            json!({"password": PASSWORD, "code": "000000"}),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(result.unwrap_err().to_string().contains("must keep"));
    let rows = audit_rows(&app).await;
    assert!(rows.iter().any(|r| r.0 == "auth.mfa_disable"));
}

async fn confirming_who_one_is_takes_the_password_and_a_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    app.clock.advance(chrono::Duration::minutes(6));
    let create = json!({"form": {"display_name": "Dr Ana Lima", "email": "ana@test.example", "role": "doctor"}});
    let (status, result) = admin
        .call::<Value>("admin/users/create", create.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(result.unwrap_err(), AppError::ReauthRequired);
    let (status, result) = admin
        .call::<()>(
            "account/confirm",
            json!({"password": "not my password", "code": ""}),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(result.unwrap_err().field_message("password").is_some());
    let (status, result) = admin
        .call::<()>(
            "account/confirm",
            json!({"password": PASSWORD, "code": "000000"}),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(result.unwrap_err().field_message("code").is_some());
    let code = admin.next_code("admin@test.example").await;
    ok::<()>(
        &admin,
        "account/confirm",
        json!({"password": PASSWORD, "code": code}),
    )
    .await;
    let (status, _) = admin.call::<Value>("admin/users/create", create).await;
    assert_eq!(status, StatusCode::OK);
    let rows = audit_rows(&app).await;
    let failures = rows
        .iter()
        .filter(|r| r.0 == "auth.login" && r.1 == "failure")
        .count();
    assert_eq!(
        failures, 2,
        "both failed confirmations count as failed sign-ins"
    );
    assert!(rows
        .iter()
        .any(|r| r.0 == "auth.reauth" && r.1 == "success"));
}

on_both_databases!(
    confirming_who_one_is_takes_the_password_and_a_code,
    staff_must_set_up_two_step_sign_in_first,
    a_code_is_taken_once,
    wrong_codes_lock_the_account,
    the_code_must_follow_the_password_within_minutes,
    recovery_codes_sign_in_once_and_can_be_replaced,
    an_administrator_resets_two_step_sign_in,
    patients_choose_two_step_sign_in_and_staff_keep_it,
);

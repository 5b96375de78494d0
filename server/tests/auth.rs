//! Sign-in, sessions, lockout, roles and the audit trail, on SQLite and PostgreSQL.

#![recursion_limit = "512"]

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::{AppError, Role};

async fn wrong_password_is_refused_and_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "nurse@test.example", Role::Nurse).await;
    let client = Client::new(&app.base);

    let (status, result) = client.login(&email, "not the password at all").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(result.unwrap_err(), AppError::InvalidCredentials);
    // Unknown accounts get the very same answer.
    let (status, result) = client
        .login("nobody@test.example", "not the password at all")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(result.unwrap_err(), AppError::InvalidCredentials);
    assert_eq!(client.whoami().await, None);

    let rows = audit_rows(&app).await;
    let failures: Vec<_> = rows
        .iter()
        .filter(|r| r.0 == "auth.login" && r.1 == "failure")
        .collect();
    assert_eq!(failures.len(), 2, "{rows:?}");
    assert_eq!(failures[0].2.as_deref(), Some("nurse@test.example"));
    assert_eq!(failures[1].2.as_deref(), Some("nobody@test.example"));

    let (status, _) = client.login(&email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(client.whoami().await.as_deref(), Some("nurse@test.example"));
    let rows = audit_rows(&app).await;
    assert!(rows.iter().any(|r| r.0 == "auth.login"
        && r.1 == "success"
        && r.2.as_deref() == Some("nurse@test.example")));
}

async fn ten_failures_lock_the_account(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "doctor@test.example", Role::Doctor).await;
    let client = Client::new(&app.base);
    for attempt in 1..=9 {
        let (status, _) = client.login(&email, "wrong password here").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let (status, result) = client.login(&email, "wrong password here").await;
    assert_eq!(status.as_u16(), 423);
    let error = result.unwrap_err();
    assert_eq!(error, AppError::AccountLocked { minutes: 15 });
    assert!(error.to_string().contains("locked"), "{error}");
    // Even the right password is refused while locked.
    let (status, result) = client.login(&email, PASSWORD).await;
    assert_eq!(status.as_u16(), 423);
    assert!(matches!(result, Err(AppError::AccountLocked { .. })));
    assert_eq!(client.whoami().await, None);

    let rows = audit_rows(&app).await;
    assert!(rows.iter().any(|r| r.0 == "auth.lockout"), "{rows:?}");

    // An administrator unlocks it; the right password works again.
    let admin = staff(&app, "admin@test.example", Role::Administrator).await;
    let admin_client = Client::new(&app.base);
    admin_client.login(&admin, PASSWORD).await.1.unwrap();
    let (_, users) = admin_client
        .call::<Vec<Value>>("admin/users", json!({}))
        .await;
    let doctor = users
        .unwrap()
        .into_iter()
        .find(|u| u["email"] == "doctor@test.example")
        .unwrap();
    assert_eq!(doctor["locked_minutes"], json!(15));
    let (status, _) = admin_client
        .call::<Option<String>>(
            "admin/users/change",
            json!({"user_id": doctor["id"], "change": "unlock"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = client.login(&email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
}

async fn one_address_is_throttled_across_accounts(backend: Backend) {
    let app = spawn_app_with(backend, &["--address-login-limit", "3"]).await;
    let email = staff(&app, "nurse@test.example", Role::Nurse).await;
    let client = Client::new(&app.base);
    for n in 1..=3 {
        let (status, _) = client
            .login(&format!("guess{n}@test.example"), "some password here")
            .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }
    // The fourth try from the same address is refused before any password is checked.
    let (status, result) = client.login(&email, PASSWORD).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(result
        .unwrap_err()
        .to_string()
        .contains("Too many failed sign-in attempts from your network"));
    let rows = audit_rows(&app).await;
    assert_eq!(
        rows.iter()
            .filter(|r| r.0 == "auth.login" && r.1 == "failure")
            .count(),
        4
    );
}

async fn session_cookie_is_httponly_lax_and_secure_behind_https(backend: Backend) {
    async fn set_cookie(app: &TestApp, origin: &str) -> String {
        let email = staff(app, "cookie@test.example", Role::Nurse).await;
        let response = reqwest::Client::new()
            .post(format!("{}/api/auth/login", app.base))
            .header("origin", origin)
            .json(&json!({"email": email, "password": PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        response.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .to_string()
    }
    let plain = spawn_app(backend).await;
    let cookie = set_cookie(&plain, &plain.base).await;
    assert!(cookie.starts_with("hms_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    assert!(
        !cookie.contains("Secure"),
        "no Secure flag over plain http: {cookie}"
    );

    let behind_tls = spawn_app_with(backend, &["--public-url", "https://hms.example.org"]).await;
    let cookie = set_cookie(&behind_tls, "https://hms.example.org").await;
    assert!(
        cookie.contains("Secure") && cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    // With a public URL configured, only that origin may send changes.
    let (status, _) = Client::new(&behind_tls.base)
        .login("cookie@test.example", PASSWORD)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

async fn session_id_rotates_on_login(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "reception@test.example", Role::Receptionist).await;
    let client = Client::new(&app.base);
    client.login(&email, PASSWORD).await.1.unwrap();
    let first = client.cookie().expect("session cookie after sign-in");
    client.login(&email, PASSWORD).await.1.unwrap();
    let second = client
        .cookie()
        .expect("session cookie after second sign-in");
    assert_ne!(first, second, "the session id must change at sign-in");

    // The pre-rotation cookie is dead on the server, not just replaced in the jar.
    let (_, me) = call_with_cookie::<Option<Value>>(&app.base, &first, "auth/me", json!({})).await;
    assert_eq!(me.unwrap(), None);
    assert_eq!(
        client.whoami().await.as_deref(),
        Some("reception@test.example")
    );
}

async fn logout_destroys_the_session_server_side(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "lab@test.example", Role::LabTechnician).await;
    let client = Client::new(&app.base);
    client.login(&email, PASSWORD).await.1.unwrap();
    let cookie = client.cookie().unwrap();
    let (status, _) = client.call::<()>("auth/logout", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(client.whoami().await, None);

    let (status, result) =
        call_with_cookie::<Value>(&app.base, &cookie, "account/sessions", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(result.unwrap_err(), AppError::Unauthorized);
    let rows = audit_rows(&app).await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "auth.logout" && r.2.as_deref() == Some("lab@test.example")));
}

/// The portals' Sign out button is a plain form posting to `/sign-out`, so
/// it works before the page hydrates: the session ends on the server, the
/// browser goes to the front page, and another site cannot post it.
async fn the_sign_out_form_ends_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "pharm@test.example", Role::Pharmacist).await;
    let client = Client::new(&app.base);
    client.login(&email, PASSWORD).await.1.unwrap();
    let cookie = client.cookie().unwrap();

    // From another site: refused, and the session lives on.
    let refused = reqwest::Client::new()
        .post(format!("{}/sign-out", app.base))
        .header("cookie", &cookie)
        .header("origin", "https://elsewhere.example")
        .form(&[("x", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert_eq!(client.whoami().await.as_deref(), Some("pharm@test.example"));

    // As the browser posts the form: an empty body, the page's origin.
    let response = client
        .http
        .post(format!("{}/sign-out", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(response.headers()["location"], "/");
    assert_eq!(client.whoami().await, None);
    let (status, _) =
        call_with_cookie::<Value>(&app.base, &cookie, "account/sessions", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "the old cookie is dead");
    let rows = audit_rows(&app).await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "auth.logout" && r.2.as_deref() == Some("pharm@test.example")));

    // Signed out already (a second tab): still the front page.
    let again = Client::new(&app.base)
        .http
        .post(format!("{}/sign-out", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
}

async fn roles_are_denied_what_they_lack(backend: Backend) {
    let app = spawn_app(backend).await;
    let patient = Client::new(&app.base);
    register_patient(&patient, "pat@test.example", "Pat").await;
    let (status, result) = patient.call::<Value>("admin/users", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(result.unwrap_err(), AppError::Forbidden);

    let pharmacist = signed_in(&app, "pharm@test.example", Role::Pharmacist).await;
    for endpoint in ["admin/users", "admin/overview", "patients/me"] {
        let (status, _) = pharmacist.call::<Value>(endpoint, json!({})).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}");
    }
    let (status, _) = pharmacist.call::<Value>("admin/audit", json!({"query": {
        "user": "", "patient": "", "action": "", "from": "", "to": "", "sort": "at", "descending": true, "page": 0
    }})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Nobody signed in: unauthorised, not forbidden.
    let anonymous = Client::new(&app.base);
    let (status, result) = anonymous.call::<Value>("admin/users", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(result.unwrap_err(), AppError::Unauthorized);

    let denied: Vec<_> = audit_rows(&app)
        .await
        .into_iter()
        .filter(|r| r.0 == "access.denied")
        .collect();
    assert_eq!(denied.len(), 5, "{denied:?}");
    assert!(denied.iter().all(|r| r.1 == "denied"));
}

async fn a_patient_reads_only_their_own_record(backend: Backend) {
    let app = spawn_app(backend).await;
    let alice = Client::new(&app.base);
    let alice_user = register_patient(&alice, "alice@test.example", "Alice").await;
    let bob = Client::new(&app.base);
    let bob_user = register_patient(&bob, "bob@test.example", "Bob").await;
    let alice_patient = alice_user["user"]["patient_id"].clone();
    let bob_patient = bob_user["user"]["patient_id"].clone();

    let (status, own) = alice
        .call::<Value>("patients/get", json!({"patient_id": alice_patient}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(own.unwrap()["given_name"], "Alice");
    let (status, result) = alice
        .call::<Value>("patients/get", json!({"patient_id": bob_patient}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(result.unwrap_err(), AppError::Forbidden);
    let (_, mine) = bob.call::<Value>("patients/me", json!({})).await;
    assert_eq!(mine.unwrap()["given_name"], "Bob");

    let bob_id: uuid::Uuid = serde_json::from_value(bob_patient).unwrap();
    let rows = audit_rows(&app).await;
    assert!(
        rows.iter().any(|r| r.0 == "patients.read"
            && r.1 == "denied"
            && r.2.as_deref() == Some("alice@test.example")
            && r.3 == Some(bob_id)),
        "{rows:?}"
    );
    assert!(rows.iter().any(|r| r.0 == "patients.read"
        && r.1 == "success"
        && r.2.as_deref() == Some("bob@test.example")
        && r.3 == Some(bob_id)));
}

async fn cross_origin_posts_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "billing@test.example", Role::BillingClerk).await;
    let plain = reqwest::Client::new();
    // A wrong password: a request that reaches the sign-in code leaves a
    // failed sign-in in the trail.
    let body = json!({"email": email, "password": "not the password at all"});
    for origin in [Some("http://evil.example"), Some("null"), None] {
        let mut request = plain
            .post(format!("{}/api/auth/login", app.base))
            .json(&body);
        if let Some(o) = origin {
            request = request.header("origin", o);
        }
        let (status, result) = decode::<Value>(request.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "origin {origin:?}");
        assert!(result
            .unwrap_err()
            .to_string()
            .contains("did not come from this site"));
    }
    // A Referer from the site itself is accepted when Origin is missing.
    let response = plain
        .post(format!("{}/api/auth/login", app.base))
        .header("referer", format!("{}/", app.base))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    // Refused requests never reached the sign-in code.
    let logins = audit_rows(&app)
        .await
        .into_iter()
        .filter(|r| r.0 == "auth.login")
        .count();
    assert_eq!(logins, 1);
}

async fn self_registration_validates_and_creates_account_and_record(backend: Backend) {
    let app = spawn_app(backend).await;
    let client = Client::new(&app.base);
    let (status, result) = client
        .call::<Value>("auth/register", json!({"form": {
            "given_name": "", "family_name": "Tester", "date_of_birth": "2999-01-01", "sex": "female",
            "phone": "12", "email": "not-an-email", "password": "password123", "password_confirm": "password123"
        }}))
        .await;
    assert_eq!(status.as_u16(), 422);
    let error = result.unwrap_err();
    for field in ["given_name", "date_of_birth", "phone", "email", "password"] {
        assert!(
            error.field_message(field).is_some(),
            "{field} should have an error: {error:?}"
        );
    }
    assert!(error
        .field_message("password")
        .unwrap()
        .contains("too common"));

    let outcome = register_patient(&client, "new.patient@test.example", "Nia").await;
    assert_eq!(outcome["redirect_to"], "/patient");
    let (_, profile) = client.call::<Value>("patients/me", json!({})).await;
    let profile = profile.unwrap();
    assert_eq!(profile["family_name"], "Tester");
    let mrn = profile["mrn"].as_str().unwrap().to_string();
    assert!(
        shared::patients::Mrn::parse(&mrn).is_ok(),
        "{mrn} must carry a valid check digit"
    );

    // The same e-mail cannot register twice.
    let again = Client::new(&app.base);
    let (status, result) = again
        .call::<Value>("auth/register", json!({"form": {
            "given_name": "Nia", "family_name": "Tester", "date_of_birth": "1990-01-01", "sex": "female",
            "phone": "", "email": "NEW.patient@test.example", "password": PASSWORD, "password_confirm": PASSWORD
        }}))
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(result
        .unwrap_err()
        .field_message("email")
        .unwrap()
        .contains("already exists"));
    let rows = audit_rows(&app).await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "patients.self_register" && r.3.is_some()));
}

async fn new_staff_must_replace_the_temporary_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let (status, result) = admin
        .call::<Value>(
            "admin/users/create",
            json!({"form": {"display_name": "", "email": "x", "role": "patient"}}),
        )
        .await;
    assert_eq!(status.as_u16(), 422);
    let error = result.unwrap_err();
    assert!(
        error.field_message("display_name").is_some()
            && error.field_message("email").is_some()
            && error.field_message("role").is_some()
    );

    let (status, created) = admin
        .call::<Value>("admin/users/create", json!({"form": {"display_name": "Dr Ines Duarte", "email": "ines@test.example", "role": "doctor"}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let created = created.unwrap();
    let temporary = created["temporary_password"].as_str().unwrap().to_string();
    let (status, result) = admin
        .call::<Value>("admin/users/create", json!({"form": {"display_name": "Dr Ines Duarte", "email": "ines@test.example", "role": "nurse"}}))
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(result
        .unwrap_err()
        .field_message("email")
        .unwrap()
        .contains("already exists"));

    let doctor = Client::new(&app.base);
    let (status, outcome) = doctor.login("ines@test.example", &temporary).await;
    assert_eq!(status, StatusCode::OK);
    let outcome = outcome.unwrap();
    assert_eq!(outcome["redirect_to"], "/clinic");
    assert_eq!(outcome["user"]["must_change_password"], true);
    let (status, result) = doctor.call::<Value>("patients/me", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(result.unwrap_err(), AppError::PasswordChangeRequired);

    let (status, result) = doctor
        .call::<()>("account/password", json!({"form": {"current_password": "wrong one entirely", "new_password": "quiet meadow lantern", "new_password_confirm": "quiet meadow lantern"}}))
        .await;
    assert_eq!(status.as_u16(), 422);
    assert!(result
        .unwrap_err()
        .field_message("current_password")
        .is_some());
    let (status, _) = doctor
        .call::<()>("account/password", json!({"form": {"current_password": temporary, "new_password": "quiet meadow lantern", "new_password_confirm": "quiet meadow lantern"}}))
        .await;
    assert_eq!(status, StatusCode::OK);
    let (_, me) = doctor.call::<Option<Value>>("auth/me", json!({})).await;
    assert_eq!(me.unwrap().unwrap()["must_change_password"], false);
    let rows = audit_rows(&app).await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "users.create" && r.2.as_deref() == Some("admin@test.example")));
    assert!(rows
        .iter()
        .any(|r| r.0 == "auth.password_change" && r.1 == "success"));
}

async fn users_list_and_end_their_own_sessions(backend: Backend) {
    let app = spawn_app(backend).await;
    let email = staff(&app, "nurse@test.example", Role::Nurse).await;
    let tablet = Client::new(&app.base);
    let desk = Client::new(&app.base);
    tablet.login(&email, PASSWORD).await.1.unwrap();
    desk.login(&email, PASSWORD).await.1.unwrap();
    let (_, sessions) = tablet
        .call::<Vec<Value>>("account/sessions", json!({}))
        .await;
    let sessions = sessions.unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions.iter().filter(|s| s["current"] == true).count(), 1);
    let other = sessions.iter().find(|s| s["current"] == false).unwrap();
    assert_eq!(other["user_agent"], "hms-integration-test");
    assert_eq!(other["client_addr"], "127.0.0.1");

    // Another user's handle is not found.
    let stranger = signed_in(&app, "other@test.example", Role::Nurse).await;
    let (status, _) = stranger
        .call::<()>("account/sessions/end", json!({"handle": other["handle"]}))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, _) = tablet
        .call::<()>("account/sessions/end", json!({"handle": other["handle"]}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(desk.whoami().await, None);
    assert_eq!(tablet.whoami().await.as_deref(), Some("nurse@test.example"));
}

async fn idle_staff_sessions_expire(backend: Backend) {
    let app = spawn_app_with(backend, &["--staff-idle-secs", "1"]).await;
    let email = staff(&app, "nurse@test.example", Role::Nurse).await;
    let client = Client::new(&app.base);
    client.login(&email, PASSWORD).await.1.unwrap();
    assert!(client.whoami().await.is_some());
    app.clock.advance(chrono::Duration::milliseconds(2200));
    assert_eq!(client.whoami().await, None);
    let rows = audit_rows(&app).await;
    assert!(
        rows.iter().any(|r| r.0 == "auth.session_expired"),
        "{rows:?}"
    );
}

async fn left(client: &Client) -> Option<Value> {
    let (status, left) = client
        .call::<Option<Value>>("auth/session_left", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    left.unwrap()
}

/// What the idle warning asks: the time left, without the question counting
/// as activity; "Stay signed in" counts; past the limit, nothing is left.
async fn the_idle_warning_reads_and_extends_the_session(backend: Backend) {
    let app = spawn_app_with(backend, &["--staff-idle-secs", "120"]).await;
    let email = staff(&app, "ward@test.example", Role::Nurse).await;
    let client = Client::new(&app.base);
    client.login(&email, PASSWORD).await.1.unwrap();
    let now = left(&client).await.unwrap();
    assert_eq!(now["idle_limit_secs"], 120);
    assert!(now["idle_secs"].as_i64().unwrap() >= 119, "{now}");
    assert!(now["absolute_secs"].as_i64().unwrap() > now["idle_secs"].as_i64().unwrap());

    // Asking does not count as activity.
    app.clock.advance(chrono::Duration::seconds(70));
    let later = left(&client).await.unwrap();
    assert!(
        (49..=50).contains(&later["idle_secs"].as_i64().unwrap()),
        "{later}"
    );
    app.clock.advance(chrono::Duration::seconds(20));
    assert!(left(&client).await.unwrap()["idle_secs"].as_i64().unwrap() <= 30);

    // "Stay signed in" does.
    let (status, kept) = client.call::<Value>("auth/keep_alive", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kept.unwrap()["idle_secs"].as_i64().unwrap() >= 119);

    // Past the limit: nothing left, and the next request is refused.
    app.clock.advance(chrono::Duration::seconds(121));
    assert_eq!(left(&client).await, None);
    let (status, _) = client.call::<Value>("auth/keep_alive", json!({})).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Nobody signed in: nothing either.
    assert_eq!(left(&Client::new(&app.base)).await, None);
}

async fn sessions_end_at_their_absolute_lifetime(backend: Backend) {
    // Activity does not extend a session past its absolute lifetime.
    let app = spawn_app_with(backend, &["--session-lifetime-secs", "4"]).await;
    let email = staff(&app, "nurse@test.example", Role::Nurse).await;
    let client = Client::new(&app.base);
    client.login(&email, PASSWORD).await.1.unwrap();
    for _ in 0..3 {
        assert!(client.whoami().await.is_some());
        app.clock.advance(chrono::Duration::milliseconds(500));
    }
    // Past the 4 s with a second to spare: the session keeps whole seconds.
    app.clock.advance(chrono::Duration::milliseconds(4000));
    assert_eq!(client.whoami().await, None);
}

async fn administrators_change_roles_deactivate_and_reset(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let nurse = signed_in(&app, "nurse@test.example", Role::Nurse).await;
    let (_, users) = admin.call::<Vec<Value>>("admin/users", json!({})).await;
    let users = users.unwrap();
    let id_of = |email: &str| users.iter().find(|u| u["email"] == email).unwrap()["id"].clone();
    let change = |id: Value, change: &str, role: Option<&str>| {
        // A role change names the role; the others are one word.
        let change = match role {
            Some(role) => json!({ change: role }),
            None => json!(change),
        };
        admin.call::<Option<String>>(
            "admin/users/change",
            json!({"user_id": id, "change": change}),
        )
    };

    // A role change takes effect at once: the user's sessions end.
    assert_eq!(
        change(id_of("nurse@test.example"), "role", Some("doctor"))
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(nurse.whoami().await, None);
    let (status, outcome) = nurse.login("nurse@test.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(outcome.unwrap()["user"]["role"], "doctor");
    let (status, result) = change(id_of("nurse@test.example"), "role", Some("patient")).await;
    assert_eq!(status.as_u16(), 422);
    assert!(result.unwrap_err().field_message("role").is_some());

    // Deactivated accounts cannot sign in; reactivated ones can.
    assert_eq!(
        change(id_of("nurse@test.example"), "deactivate", None)
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(nurse.whoami().await, None);
    let (status, result) = nurse.login("nurse@test.example", PASSWORD).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(result.unwrap_err().to_string().contains("deactivated"));
    assert_eq!(
        change(id_of("nurse@test.example"), "activate", None)
            .await
            .0,
        StatusCode::OK
    );

    // A reset hands out a one-time password that must be replaced.
    let (status, temporary) = change(id_of("nurse@test.example"), "reset_password", None).await;
    assert_eq!(status, StatusCode::OK);
    let temporary = temporary.unwrap().expect("a one-time password");
    assert_eq!(
        nurse.login("nurse@test.example", PASSWORD).await.0,
        StatusCode::UNAUTHORIZED
    );
    let (_, outcome) = nurse.login("nurse@test.example", &temporary).await;
    assert_eq!(outcome.unwrap()["user"]["must_change_password"], true);

    // Administrators cannot lock themselves out.
    let (status, result) = change(id_of("admin@test.example"), "deactivate", None).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(result.unwrap_err().to_string().contains("yourself"));
    // A change the server does not know is an unreadable request.
    let (status, _) = change(id_of("nurse@test.example"), "promote", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let rows = audit_rows(&app).await;
    for action in [
        "users.role_change",
        "users.deactivate",
        "users.activate",
        "users.password_reset",
    ] {
        assert!(
            rows.iter()
                .any(|r| r.0 == action && r.2.as_deref() == Some("admin@test.example")),
            "{action}"
        );
    }
}

async fn the_audit_trail_is_append_only(backend: Backend) {
    use sea_orm::ConnectionTrait;
    let app = spawn_app(backend).await;
    let client = Client::new(&app.base);
    let (status, _) = client
        .login("nobody@test.example", "some password here")
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(!audit_rows(&app).await.is_empty());
    let update = app
        .db
        .execute_unprepared("UPDATE audit_events SET outcome = 'success'")
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    let delete = app.db.execute_unprepared("DELETE FROM audit_events").await;
    assert!(delete.unwrap_err().to_string().contains("append-only"));
    assert!(audit_rows(&app).await.iter().all(|r| r.1 == "failure"));
}

async fn admin_views_filtered_sorted_audit(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let nurse = Client::new(&app.base);
    let nurse_email = staff(&app, "nurse@test.example", Role::Nurse).await;
    assert_eq!(
        nurse.login(&nurse_email, "wrong password here").await.0,
        StatusCode::UNAUTHORIZED
    );
    nurse.login(&nurse_email, PASSWORD).await.1.unwrap();
    let query = |user: &str, action: &str, sort: &str, descending: bool| {
        json!({"query": {
            "user": user, "patient": "", "action": action, "from": "", "to": "", "sort": sort, "descending": descending, "page": 0
        }})
    };
    let (status, page) = admin
        .call::<Value>("admin/audit", query("nurse@", "auth.", "outcome", false))
        .await;
    assert_eq!(status, StatusCode::OK);
    let events = page.unwrap()["events"].as_array().unwrap().clone();
    let outcomes: Vec<_> = events
        .iter()
        .map(|e| e["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes, vec!["failure", "success"]);
    let (_, page) = admin
        .call::<Value>("admin/audit", query("nurse@", "auth.", "outcome", true))
        .await;
    let outcomes: Vec<_> = page.unwrap()["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["outcome"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(outcomes, vec!["success", "failure"]);
    let (status, result) = admin
        .call::<Value>("admin/audit", json!({"query": {"user": "", "patient": "123", "action": "", "from": "2026-12-01", "to": "2026-01-01", "sort": "at", "descending": true, "page": 0}}))
        .await;
    assert_eq!(status.as_u16(), 422);
    let error = result.unwrap_err();
    assert!(error.field_message("to").is_some());
}

/// The audit filter's dates are the hospital's days: at 11:00 UTC it is
/// already 01:00 the next day at a hospital on UTC+14.
async fn the_audit_filter_takes_the_hospitals_days(backend: Backend) {
    use chrono::{Duration, Utc};
    let app = spawn_app_with(backend, &["--timezone", "Pacific/Kiritimati"]).await;
    let now = Utc::now();
    let target = (now + Duration::days(1))
        .date_naive()
        .and_hms_opt(11, 0, 0)
        .unwrap()
        .and_utc();
    app.clock.advance(target - now);
    let nurse = Client::new(&app.base);
    let email = staff(&app, "nurse@test.example", Role::Nurse).await;
    nurse.login(&email, PASSWORD).await.1.unwrap();
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let logins_on = |day: chrono::NaiveDate| {
        let day = day.format("%Y-%m-%d").to_string();
        json!({"query": {"user": "nurse@", "patient": "", "action": "auth.login",
            "from": day, "to": day, "sort": "at", "descending": true, "page": 0}})
    };
    let count = |page: Result<Value, AppError>| page.unwrap()["events"].as_array().unwrap().len();
    let utc_day = target.date_naive();
    let hospital_day = utc_day + Duration::days(1);
    let (_, on_hospital_day) = admin
        .call::<Value>("admin/audit", logins_on(hospital_day))
        .await;
    assert_eq!(
        count(on_hospital_day),
        1,
        "the sign-in is on the hospital's {hospital_day}"
    );
    let (_, on_utc_day) = admin.call::<Value>("admin/audit", logins_on(utc_day)).await;
    assert_eq!(count(on_utc_day), 0, "not on the UTC date {utc_day}");
}

on_both_databases!(
    the_audit_filter_takes_the_hospitals_days,
    wrong_password_is_refused_and_audited,
    ten_failures_lock_the_account,
    one_address_is_throttled_across_accounts,
    session_id_rotates_on_login,
    session_cookie_is_httponly_lax_and_secure_behind_https,
    logout_destroys_the_session_server_side,
    the_sign_out_form_ends_the_session,
    roles_are_denied_what_they_lack,
    a_patient_reads_only_their_own_record,
    cross_origin_posts_are_refused,
    self_registration_validates_and_creates_account_and_record,
    new_staff_must_replace_the_temporary_password,
    users_list_and_end_their_own_sessions,
    idle_staff_sessions_expire,
    the_idle_warning_reads_and_extends_the_session,
    sessions_end_at_their_absolute_lifetime,
    administrators_change_roles_deactivate_and_reset,
    the_audit_trail_is_append_only,
    admin_views_filtered_sorted_audit,
);

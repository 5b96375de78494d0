//! Guards over every server function, enumerated from what is registered
//! (`server_fn`'s registry) and what is declared beside each function
//! (`app::auth::gate`), never from a hand-written list: a function added
//! later without an access declaration, or callable by a role that lacks its
//! permission, fails here.

mod common;

use std::collections::BTreeSet;

use app::auth::gate::{
    declarations, declared, duplicate_declarations, reauth_functions, server_functions, Access,
};
use common::{register_patient, schedule, Backend, Client, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::Role;

/// Registers the server functions with the framework (the router does this
/// when it is built) and returns their paths.
fn registered(_app: &TestApp) -> Vec<&'static str> {
    let paths = server_functions();
    assert!(paths.len() > 50, "the registry looks empty: {paths:?}");
    paths
}

#[tokio::test]
async fn every_server_function_declares_who_may_call_it() {
    let app = common::spawn_app(Backend::Sqlite).await;
    let paths = registered(&app);
    let undeclared: Vec<_> = paths.iter().filter(|p| declared(p).is_none()).collect();
    assert!(
        undeclared.is_empty(),
        "server functions without an access!(…) declaration: {undeclared:?}"
    );
    let registered: BTreeSet<_> = paths.iter().copied().collect();
    let stale: Vec<_> = declarations()
        .keys()
        .filter(|p| !registered.contains(*p))
        .collect();
    assert!(
        stale.is_empty(),
        "declarations of no server function: {stale:?}"
    );
    assert!(
        duplicate_declarations().is_empty(),
        "declared twice: {:?}",
        duplicate_declarations()
    );
}

/// POSTs a raw body to a server-function path; the status and the body.
async fn post_raw(client: &Client, path: &str, body: &'static str) -> (StatusCode, String) {
    let response = client
        .http
        .post(format!("{}{path}", client.base))
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// Nobody signed in: every function but the public ones answers 401, before
/// its arguments are read (an empty object, a broken body).
async fn anonymous_callers_get_401(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let client = Client::new(&app.base);
    for path in registered(&app) {
        let access = declared(path).unwrap_or_else(|| panic!("{path} undeclared"));
        for body in ["{}", "{not json"] {
            let (status, text) = post_raw(&client, path, body).await;
            if access == Access::Public {
                assert!(
                    status.is_success() || status.is_client_error(),
                    "{path} with {body}: {status} {text}"
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::UNAUTHORIZED,
                    "{path} with {body}: {text}"
                );
                let error: shared::AppError = serde_json::from_str(&text).unwrap();
                assert_eq!(error, shared::AppError::Unauthorized);
            }
        }
    }
}

/// A request the server cannot read is the client's error: 400 with a clear
/// message, for every function, from a caller who may call it.
async fn unreadable_requests_get_400(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let mut callers = Vec::new();
    for role in Role::ALL {
        callers.push((role, signed_in_as(&app, role).await));
    }
    for path in registered(&app) {
        let access = declared(path).unwrap();
        let (_, client) = callers
            .iter()
            .find(|(role, _)| access.allows(*role))
            .unwrap_or_else(|| panic!("no role may call {path}"));
        // auth/logout and auth/login would end or change the session the
        // next calls need; they read their arguments like every other.
        let (status, text) = post_raw(client, path, "{not json").await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{path}: {text}");
        let error: shared::AppError = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{path}: {text} is not an AppError: {e}"));
        assert!(
            matches!(&error, shared::AppError::BadRequest(m) if m.contains("could not be read")),
            "{path}: {error:?}"
        );
    }
    // A body of the right syntax without the arguments is unreadable too.
    let (_, admin) = &callers[callers.len() - 1];
    let (status, text) = post_raw(admin, "/api/appointments/day", "{}").await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{text}");
}

/// A client signed in with `role` (patients register themselves).
async fn signed_in_as(app: &TestApp, role: Role) -> Client {
    signed_in_with_email(app, role).await.0
}

/// [`signed_in_as`], and the account's e-mail.
async fn signed_in_with_email(app: &TestApp, role: Role) -> (Client, String) {
    let email = format!(
        "{}-{}@example.org",
        role.as_str(),
        uuid::Uuid::new_v4().simple()
    );
    if role == Role::Patient {
        let client = Client::new(&app.base);
        register_patient(&client, &email, "Guarded").await;
        (client, email)
    } else {
        (common::signed_in(app, &email, role).await, email)
    }
}

/// Sensitive actions (declared with `reauth`) ask for the password again
/// once the user's last proof is older than the grace, before their
/// arguments are read; confirming (password, and code for staff) lets them
/// through again.
async fn sensitive_actions_ask_for_the_password_again(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let sensitive = reauth_functions();
    for expected in [
        "/api/account/password",
        "/api/admin/users/create",
        "/api/admin/users/change",
        "/api/patients/merge",
        "/api/patients/break_glass",
        "/api/chart/download_ready",
    ] {
        assert!(
            sensitive.contains(&expected),
            "{expected} is not declared reauth"
        );
    }
    for path in sensitive {
        let access = declared(path).unwrap();
        let role = Role::ALL
            .into_iter()
            .find(|r| access.allows(*r))
            .unwrap_or_else(|| panic!("no role may call {path}"));
        let (client, email) = signed_in_with_email(&app, role).await;
        // Just signed in: through the gate to the arguments.
        let (status, text) = post_raw(&client, path, "{not json").await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{path} just signed in: {text}"
        );
        app.clock.advance(chrono::Duration::minutes(6));
        let (status, text) = post_raw(&client, path, "{not json").await;
        assert_eq!(
            status,
            StatusCode::FORBIDDEN,
            "{path} after 6 minutes: {text}"
        );
        let error: shared::AppError = serde_json::from_str(&text).unwrap();
        assert_eq!(error, shared::AppError::ReauthRequired, "{path}");
        let code = if role.is_staff() {
            client.next_code(&email).await
        } else {
            String::new()
        };
        common::ok::<()>(
            &client,
            "account/confirm",
            json!({ "password": PASSWORD, "code": code }),
        )
        .await;
        let (status, text) = post_raw(&client, path, "{not json").await;
        assert_eq!(
            status,
            StatusCode::BAD_REQUEST,
            "{path} once confirmed: {text}"
        );
    }
}

/// Every role that holds none of a function's permissions is refused with
/// 403 before the function runs, and the refusal is audited.
async fn roles_without_the_permission_get_403(backend: Backend) {
    let app = common::spawn_app(backend).await;
    for role in Role::ALL {
        let client = signed_in_as(&app, role).await;
        let mut refused = 0;
        for path in registered(&app) {
            let access = declared(path).unwrap();
            if access.allows(role) {
                continue;
            }
            let (status, text) = post_raw(&client, path, "{}").await;
            assert_eq!(
                status,
                StatusCode::FORBIDDEN,
                "{role:?} calling {path}: {text}"
            );
            let error: shared::AppError = serde_json::from_str(&text).unwrap();
            assert_eq!(
                error,
                shared::AppError::Forbidden,
                "{role:?} calling {path}"
            );
            refused += 1;
        }
        let denied = common::audit_rows(&app)
            .await
            .into_iter()
            .filter(|(action, outcome, email, _)| {
                action == "access.denied"
                    && outcome == "denied"
                    && email
                        .as_deref()
                        .is_some_and(|e| e.starts_with(role.as_str()))
            })
            .count();
        assert_eq!(denied, refused, "{role:?}: every refusal audited");
    }
}

/// What a signed-in patient sends to each function they may call, naming
/// another patient's records wherever the function takes an identifier.
/// `{other}` is the other patient's id, `{other_session}` their session's
/// handle, `{appointment}` one of their appointments, `{doctor}` a doctor, `{start}` a free slot.
fn cross_patient_calls() -> Vec<(&'static str, &'static str)> {
    vec![
        ("/api/patients/me", "{}"),
        ("/api/patients/get", r#"{"patient_id": "{other}"}"#),
        ("/api/patients/details", r#"{"patient_id": "{other}"}"#),
        ("/api/patients/my_details", "{}"),
        (
            "/api/patients/my_contact",
            r#"{"form": {"phone": "", "email": "", "address": {"line1": "", "line2": "", "city": "", "region": "", "postal_code": "", "country": ""}, "preferred_channel": "email", "sms_consent": false, "email_consent": false, "emergency_contacts": []}}"#,
        ),
        ("/api/chart/my_record", "{}"),
        ("/api/chart/download_ready", "{}"),
        ("/api/prescriptions/mine", "{}"),
        ("/api/refills/mine", "{}"),
        ("/api/orders/mine", "{}"),
        ("/api/lab/mine", "{}"),
        ("/api/billing/mine", "{}"),
        ("/api/billing/invoice", r#"{"invoice_id": "{other}"}"#),
        (
            "/api/billing/pay_online",
            r#"{"invoice_id": "{other}", "key": "guard-test-key-00000001"}"#,
        ),
        ("/api/billing/checkout_return", r#"{"checkout": "{other}"}"#),
        ("/api/billing/open_claim", r#"{"invoice_id": "{other}"}"#),
        ("/api/billing/claim", r#"{"claim_id": "{other}"}"#),
        ("/api/billing/submit_claim", r#"{"claim_id": "{other}"}"#),
        ("/api/lab/collection_hours", "{}"),
        (
            "/api/lab/collection_slots",
            r#"{"from": "{monday}", "days": 7}"#,
        ),
        (
            "/api/lab/book_collection",
            r#"{"order_id": "{other}", "start": "{start}"}"#,
        ),
        ("/api/lab/cancel_collection", r#"{"visit_id": "{other}"}"#),
        (
            "/api/orders/place",
            r#"{"form": {"prescription_id": "{other}", "fulfilment": "collect", "address": ""}}"#,
        ),
        ("/api/orders/cancel", r#"{"order_id": "{other}"}"#),
        (
            "/api/refills/request",
            r#"{"prescription_id": "{other}", "note": "Not mine"}"#,
        ),
        ("/api/appointments/mine", "{}"),
        (
            "/api/appointments/book",
            r#"{"doctor_id": "{doctor}", "start": "{start}", "patient_id": "{other}", "reason": "Not mine"}"#,
        ),
        (
            "/api/appointments/cancel",
            r#"{"appointment_id": "{appointment}", "override_reason": ""}"#,
        ),
        (
            "/api/appointments/reschedule",
            r#"{"appointment_id": "{appointment}", "start": "{start}", "override_reason": ""}"#,
        ),
        (
            "/api/appointments/free_slots",
            r#"{"doctor_id": "{doctor}", "from": "{monday}", "days": 7}"#,
        ),
        (
            "/api/appointments/choices",
            r#"{"department_id": null, "doctor_id": null, "from": "{monday}", "days": 7}"#,
        ),
        ("/api/appointments/doctors", r#"{"department": null}"#),
        ("/api/schedule/departments", "{}"),
        ("/api/schedule/holidays", "{}"),
        ("/api/account/sessions", "{}"),
        // Extends the caller's own session: names nobody.
        ("/api/auth/keep_alive", "{}"),
        // The caller's own two-step sign-in: no other account can be named.
        ("/api/account/mfa", "{}"),
        ("/api/account/mfa/begin", "{}"),
        ("/api/account/mfa/confirm", r#"{"code": "000000"}"#),
        (
            "/api/account/mfa/recovery-codes",
            r#"{"password": "x", "code": ""}"#,
        ),
        (
            "/api/account/mfa/disable",
            r#"{"password": "x", "code": "000000"}"#,
        ),
        ("/api/account/confirm", r#"{"password": "x", "code": ""}"#),
        (
            "/api/account/sessions/end",
            r#"{"handle": "{other_session}"}"#,
        ),
        (
            "/api/account/password",
            r#"{"form": {"current": "x", "new_password": "y", "confirm": "y"}}"#,
        ),
    ]
}

/// A patient who names another patient's records gets a refusal, and no
/// answer of any function they may call holds the other patient's data.
async fn patients_never_reach_another_patients_data(backend: Backend) {
    let app = common::spawn_app(backend).await;
    // The other patient, with an appointment.
    let doctor = schedule::monday_doctor(&app.db, "dr-guard@example.org", &app).await;
    let monday = schedule::next_monday();
    let other_client = Client::new(&app.base);
    let other = register_patient(&other_client, "other-guard@example.org", "Zebedee").await;
    let other_id = other["user"]["patient_id"].as_str().unwrap().to_string();
    let other_user: uuid::Uuid = other["user"]["id"].as_str().unwrap().parse().unwrap();
    let other_mrn = {
        use sea_orm::EntityTrait;
        app::entity::patients::Entity::find_by_id(other_id.parse::<uuid::Uuid>().unwrap())
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .mrn
    };
    let other_session = {
        use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
        app::entity::sessions::Entity::find()
            .filter(app::entity::sessions::Column::UserId.eq(other_user))
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .handle
            .to_string()
    };
    let (_, slots) = other_client
        .call::<Vec<shared::appointments::FreeSlot>>(
            "appointments/free_slots",
            json!({ "doctor_id": doctor, "from": monday, "days": 7 }),
        )
        .await;
    let slots = slots.unwrap();
    let (start, free) = (slots[0].start, slots[1].start);
    let (status, booked) = other_client
        .call::<shared::appointments::BookingOutcome>(
            "appointments/book",
            json!({ "doctor_id": doctor, "start": start, "patient_id": null, "reason": "Private reason" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{booked:?}");
    let appointment = match booked.unwrap() {
        shared::appointments::BookingOutcome::Booked { id, .. } => id.to_string(),
        other => panic!("not booked: {other:?}"),
    };

    let me = signed_in_as(&app, Role::Patient).await;
    let calls = cross_patient_calls();
    let covered: BTreeSet<_> = calls.iter().map(|(p, _)| *p).collect();
    let patient_may: BTreeSet<_> = registered(&app)
        .into_iter()
        .filter(|p| {
            let access = declared(p).unwrap();
            access != Access::Public && access.allows(Role::Patient)
        })
        .collect();
    assert_eq!(
        covered, patient_may,
        "cross_patient_calls() must name exactly the functions a patient may call"
    );
    for (path, template) in calls {
        let body = template
            .replace("{other}", &other_id)
            .replace("{other_session}", &other_session)
            .replace("{appointment}", &appointment)
            .replace("{doctor}", &doctor.to_string())
            .replace("{start}", &free.to_rfc3339())
            .replace("{monday}", &monday.to_string());
        let response = me
            .http
            .post(format!("{}{path}", me.base))
            .json(&serde_json::from_str::<Value>(&body).unwrap())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let names_other = ["{other}", "{other_session}", "{appointment}"]
            .iter()
            .any(|t| template.contains(t));
        if names_other {
            assert!(
                status == StatusCode::FORBIDDEN || status == StatusCode::NOT_FOUND,
                "{path} naming another patient's record: {status} {text}"
            );
        }
        for secret in [
            other_id.as_str(),
            appointment.as_str(),
            "Zebedee",
            "Private reason",
        ] {
            assert!(!text.contains(secret), "{path} leaked {secret}: {text}");
        }
        assert!(!text.contains(&other_mrn), "{path} leaked the MRN: {text}");
    }
    assert_eq!(
        other_client.whoami().await.as_deref(),
        Some("other-guard@example.org"),
        "the other patient is still signed in"
    );
}

on_both_databases!(
    sensitive_actions_ask_for_the_password_again,
    anonymous_callers_get_401,
    unreadable_requests_get_400,
    roles_without_the_permission_get_403,
    patients_never_reach_another_patients_data,
);

//! Real `hms` processes: sessions survive a restart, and one session works
//! across two processes that share one PostgreSQL.

#![recursion_limit = "512"]

mod common;

use std::process::Command;

use common::*;
use shared::Role;

async fn prepare(backend: Backend) -> TestDatabase {
    database_with_staff(backend, "nurse@test.example", Role::Nurse).await
}

async fn sessions_survive_a_restart(backend: Backend) {
    let database = prepare(backend).await;
    let first = start(&database).await;
    let client = Client::new(&first.base);
    assert_eq!(client.login("nurse@test.example", PASSWORD).await.0, 200);
    let cookie = client.cookie().unwrap();
    drop(first);

    let second = start(&database).await;
    let (status, me) = call_with_cookie::<Option<serde_json::Value>>(
        &second.base,
        &cookie,
        "auth/me",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(
        me.unwrap().expect("still signed in after the restart")["email"],
        "nurse@test.example"
    );
}

/// Asks `client` who it is until the answer is `None`, for up to five seconds.
async fn signed_out_soon(client: &Client) -> bool {
    for _ in 0..50 {
        if client.whoami().await.is_none() {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_session_works_across_two_processes_on_postgres() {
    let database = prepare(Backend::Postgres).await;
    // Each process may remember sessions and accounts for a minute: only the
    // database's notices can make the changes below take effect in time.
    let remember = ["--auth-cache-ms", "60000"];
    let a = start_with(&database, &remember).await;
    let b = start_with(&database, &remember).await;
    let on_a = Client::new(&a.base);
    assert_eq!(on_a.login("nurse@test.example", PASSWORD).await.0, 200);
    let cookie = on_a.cookie().unwrap();
    assert_eq!(on_a.whoami().await.as_deref(), Some("nurse@test.example"));

    let (_, me) = call_with_cookie::<Option<serde_json::Value>>(
        &b.base,
        &cookie,
        "auth/me",
        serde_json::json!({}),
    )
    .await;
    assert_eq!(me.unwrap().unwrap()["email"], "nurse@test.example");

    // Signing out on B ends the session for A as well.
    let (status, _) =
        call_with_cookie::<()>(&b.base, &cookie, "auth/logout", serde_json::json!({})).await;
    assert_eq!(status, 200);
    assert!(signed_out_soon(&on_a).await, "A still honours the session");

    // An account deactivated elsewhere (here: by hand in the database) is
    // refused by a process that had it in memory.
    assert_eq!(on_a.login("nurse@test.example", PASSWORD).await.0, 200);
    assert_eq!(on_a.whoami().await.as_deref(), Some("nurse@test.example"));
    let db = database.connect().await;
    sea_orm::ConnectionTrait::execute_unprepared(
        &db,
        "UPDATE users SET active = false WHERE email = 'nurse@test.example'",
    )
    .await
    .unwrap();
    assert!(signed_out_soon(&on_a).await, "A still honours the account");
}

/// Two processes on one PostgreSQL: a code one of them took is refused by
/// the other (the last step taken is in the database, not in memory).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_code_taken_by_one_process_is_refused_by_another() {
    let database = prepare(Backend::Postgres).await;
    let a = start(&database).await;
    let b = start(&database).await;
    let secret = test_totp_secret("nurse@test.example");
    let code = app::auth::mfa::code_at(&secret, chrono::Utc::now());
    let on_a = Client::new(&a.base);
    let on_b = Client::new(&b.base);
    for client in [&on_a, &on_b] {
        let (_, step) = client.login_password("nurse@test.example", PASSWORD).await;
        assert_eq!(step.unwrap()["step"], "code_required");
    }
    let (status, _) = on_a
        .call::<serde_json::Value>("auth/login/code", serde_json::json!({ "code": code }))
        .await;
    assert_eq!(status, 200);
    let (status, result) = on_b
        .call::<serde_json::Value>("auth/login/code", serde_json::json!({ "code": code }))
        .await;
    assert_eq!(status, 422, "{result:?}");
    assert_eq!(on_b.whoami().await, None);
}

/// Three processes on one PostgreSQL append audit events at once (their
/// group-commit writers, and events of their own): one chain, no fork.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn processes_on_one_postgres_extend_one_audit_chain() {
    let database = prepare(Backend::Postgres).await;
    let servers = [
        start(&database).await,
        start(&database).await,
        start(&database).await,
    ];
    // One session (in the database) serves on every process.
    let client = Client::new(&servers[0].base);
    assert_eq!(client.login("nurse@test.example", PASSWORD).await.0, 200);
    let mut tasks = Vec::new();
    for (n, server) in servers.iter().enumerate() {
        for t in 0..4 {
            let base = server.base.clone();
            let cookie = client.cookie().unwrap();
            tasks.push(tokio::spawn(async move {
                for i in 0..15 {
                    let (status, _) = call_with_cookie::<serde_json::Value>(
                        &base,
                        &cookie,
                        "patients/search",
                        serde_json::json!({"query": format!("ab{n}{t}{i}"), "cursor": null}),
                    )
                    .await;
                    assert_eq!(status, 200);
                }
                let stranger = Client::new(&base);
                let (status, _) = stranger
                    .login_password(&format!("nobody{n}{t}@test.example"), "wrong password 1")
                    .await;
                assert_eq!(status, 401);
            }));
        }
    }
    for t in tasks {
        t.await.unwrap();
    }
    let db = database.connect().await;
    let report = app::audit::chain::verify(&db).await.unwrap();
    assert!(report.holds(), "{report}");
    // A sign-in, 180 searches, 12 failed sign-ins, and the set-up's events.
    assert!(report.verified >= 1 + 180 + 12, "{report}");
}

on_both_databases!(sessions_survive_a_restart);

#[test]
fn the_cli_lists_its_commands() {
    let output = Command::new(env!("CARGO_BIN_EXE_hms"))
        .arg("--help")
        .output()
        .unwrap();
    assert!(output.status.success());
    let help = String::from_utf8(output.stdout).unwrap();
    for command in [
        "serve",
        "migrate",
        "seed-demo",
        "routes",
        "create-admin",
        "audit",
        "backup",
        "restore",
        "keys",
    ] {
        assert!(help.contains(command), "{command} missing from:\n{help}");
    }
}

/// `hms routes` prints the router's pages, which the every-page browser test
/// loads. Each module declares its own (`app/src/*/routes.rs`); the full list
/// is pinned here so that a fragment dropped from the route table fails.
#[test]
fn routes_lists_every_portal_page() {
    let output = Command::new(env!("CARGO_BIN_EXE_hms"))
        .arg("routes")
        .output()
        .unwrap();
    assert!(output.status.success());
    let routes: Vec<String> = serde_json::from_slice(&output.stdout).unwrap();
    let mut expected = vec![
        "/",
        "/register",
        "/forgot-password",
        "/reset-password",
        "/about",
        "/emergency",
        "/patient",
        "/patient/details",
        "/patient/appointments",
        "/patient/prescriptions",
        "/patient/book",
        "/patient/results",
        "/patient/bills",
        "/patient/bills/{id}",
        "/patient/account",
        "/clinic",
        "/clinic/register",
        "/clinic/emergency",
        "/clinic/patients/{id}",
        "/clinic/appointments",
        "/clinic/availability",
        "/clinic/book/{id}",
        "/clinic/patients/{id}/details",
        "/clinic/patients/{id}/prescribe",
        "/clinic/formulary",
        "/clinic/pharmacy",
        "/clinic/pharmacy/stock",
        "/clinic/pharmacy/rules",
        "/clinic/refills",
        "/clinic/lab",
        "/clinic/lab/orders/{id}",
        "/clinic/lab/labels/{accession}",
        "/clinic/patients/{id}/lab-order",
        "/clinic/billing",
        "/clinic/billing/patients/{id}",
        "/clinic/billing/invoices/{id}",
        "/clinic/billing/claims",
        "/clinic/billing/claims/{id}",
        "/clinic/beds",
        "/clinic/wards/{id}",
        "/clinic/patients/{id}/admit",
        "/clinic/admissions/{id}",
        "/clinic/ed",
        "/clinic/ed/visits/{id}",
        "/clinic/account",
        "/admin",
        "/admin/users",
        "/admin/audit",
        "/admin/break-glass",
        "/admin/appointments",
        "/admin/schedule",
        "/admin/book/{id}",
        "/admin/patients/{id}",
        "/admin/formulary",
        "/admin/lab",
        "/admin/prices",
        "/admin/payers",
        "/admin/wards",
        "/admin/emergency",
        "/admin/reports",
        "/admin/care-reports",
        "/admin/account",
    ];
    expected.sort_unstable();
    assert_eq!(expected.len(), 62);
    assert_eq!(routes, expected, "the router's pages");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_admin_prints_a_one_time_password_that_works_once_changed() {
    let database = test_database(Backend::Sqlite).await;
    let output = Command::new(env!("CARGO_BIN_EXE_hms"))
        .args([
            "--data-dir",
            database.dir.path().to_str().unwrap(),
            "create-admin",
            "--email",
            "boss@test.example",
            "--name",
            "Boss Person",
        ])
        .env("DATABASE_URL", &database.url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    let password = stdout
        .split("One-time password: ")
        .nth(1)
        .unwrap()
        .split_whitespace()
        .next()
        .unwrap()
        .to_string();
    let server = start(&database).await;
    let client = Client::new(&server.base);
    let (status, outcome) = client.login("boss@test.example", &password).await;
    assert_eq!(status, 200);
    let outcome = outcome.unwrap();
    assert_eq!(outcome["redirect_to"], "/admin");
    assert_eq!(outcome["user"]["must_change_password"], true);
}

/// `hms demo-code` prints a demo staff account's code of the moment, and
/// nothing for any other account.
#[test]
fn demo_code_prints_the_code_of_a_demo_account_only() {
    let run = |email: &str| {
        Command::new(env!("CARGO_BIN_EXE_hms"))
            .args(["demo-code", email])
            .output()
            .unwrap()
    };
    let before = chrono::Utc::now();
    let output = run("doctor@demo-hospital.example");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).unwrap().trim().to_string();
    let secret = server::seed::demo_totp_secret("doctor@demo-hospital.example");
    let expected = [before, chrono::Utc::now()].map(|at| app::auth::mfa::code_at(&secret, at));
    assert!(expected.contains(&printed), "{printed} not in {expected:?}");
    assert!(!run("someone@hospital.example").status.success());
}

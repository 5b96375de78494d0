//! Backups and durability, with real `hms` processes:
//! - `hms backup` taken while the server writes is a sound snapshot, and
//!   `hms restore` of it gives the same rows and a verified audit chain;
//!   restore refuses a running server's database and a tampered backup.
//! - PostgreSQL: the `pg_dump` / `pg_restore` recipe of docs/operations.md.
//! - 1,000 concurrent writes, the server killed (SIGKILL) partway: after a
//!   restart every write acknowledged to a client is there, and the audit
//!   chain verifies. On both databases.

#![recursion_limit = "512"]

mod common;

use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use common::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use serde_json::json;
use shared::demographics::{ContactForm, DemographicsForm, RegistrationOutcome};
use shared::Role;

/// A migrated database with a receptionist, `desk@test.example`.
async fn prepare(backend: Backend) -> TestDatabase {
    database_with_staff(backend, "desk@test.example", Role::Receptionist).await
}

fn form(n: usize) -> DemographicsForm {
    DemographicsForm {
        given_name: format!("Ana{n}"),
        family_name: ["Müller", "王", "Иванова", "Nowak"][n % 4].into(),
        date_of_birth: "1990-05-17".into(),
        sex: "female".into(),
        contact: ContactForm {
            phone: String::new(),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Registers patient `n` at `base` in the session `cookie`; the id when the
/// server acknowledged it, None when the request failed (the server is gone).
async fn register(
    http: &reqwest::Client,
    base: &str,
    cookie: &str,
    n: usize,
) -> Option<uuid::Uuid> {
    let response = http
        .post(format!("{base}/api/patients/register"))
        .header("origin", base)
        .header("cookie", cookie)
        .json(&json!({ "form": form(n), "confirm_new": true }))
        .send()
        .await
        .ok()?;
    if !response.status().is_success() {
        return None;
    }
    match response.json::<RegistrationOutcome>().await.ok()? {
        RegistrationOutcome::Registered { id, .. } => Some(id.into()),
        other => panic!("expected a registration, got {other:?}"),
    }
}

/// Signs the receptionist in; the session's cookie.
async fn signed_in_desk(base: &str) -> String {
    let desk = Client::new(base);
    assert_eq!(desk.login("desk@test.example", PASSWORD).await.0, 200);
    desk.cookie().unwrap()
}

fn hms(database: &TestDatabase, args: &[&str]) -> (bool, String) {
    let run = run_hms(database, args, &[]);
    (run.ok, run.out)
}

/// Rows per table, every table of the schema.
async fn counts(db: &DatabaseConnection) -> Vec<(String, i64)> {
    let backend = db.get_database_backend();
    let tables_sql = match backend {
        sea_orm::DbBackend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        }
        _ => "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    };
    let mut out = Vec::new();
    for row in db
        .query_all_raw(Statement::from_string(backend, tables_sql))
        .await
        .unwrap()
    {
        let table: String = row.try_get_by_index(0).unwrap();
        let n: i64 = db
            .query_one_raw(Statement::from_string(
                backend,
                format!("SELECT count(*) FROM \"{table}\""),
            ))
            .await
            .unwrap()
            .unwrap()
            .try_get_by_index(0)
            .unwrap();
        out.push((table, n));
    }
    out
}

async fn chain_holds(database: &TestDatabase) -> i64 {
    let db = database.connect().await;
    let report = app::audit::chain::verify(&db).await.unwrap();
    assert!(report.holds(), "{report}");
    db.close().await.ok();
    report.verified
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_under_load_restores_to_the_same_rows() {
    let database = prepare(Backend::Sqlite).await;
    let server = start(&database).await;
    let cookie = signed_in_desk(&server.base).await;
    let acknowledged = Arc::new(AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for t in 0..4 {
        let (base, cookie, acknowledged) =
            (server.base.clone(), cookie.clone(), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for i in 0..40 {
                register(&http, &base, &cookie, t * 100 + i)
                    .await
                    .expect("registered");
                acknowledged.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }
    while acknowledged.load(Ordering::SeqCst) < 20 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // While the server writes.
    let during = database.dir.path().join("during.db");
    let (ok, out) = hms(&database, &["backup", during.to_str().unwrap()]);
    assert!(ok, "{out}");
    assert!(out.contains("audit chain verified"), "{out}");
    for t in tasks {
        t.await.unwrap();
    }
    let after = database.dir.path().join("after.db");
    let (ok, out) = hms(&database, &["backup", after.to_str().unwrap()]);
    assert!(ok, "{out}");
    // A backup never overwrites a file.
    let (ok, out) = hms(&database, &["backup", after.to_str().unwrap()]);
    assert!(!ok && out.contains("exists already"), "{out}");

    // The snapshot taken during the load holds some of it, consistently.
    let snapshot =
        server::db::connect(&database.target_of(&format!("sqlite://{}?mode=rw", during.display())))
            .await
            .unwrap();
    let patients: i64 = snapshot
        .query_one_raw(Statement::from_string(
            sea_orm::DbBackend::Sqlite,
            "SELECT count(*) FROM patients",
        ))
        .await
        .unwrap()
        .unwrap()
        .try_get_by_index(0)
        .unwrap();
    assert!((20..=160).contains(&patients), "{patients}");
    snapshot.close().await.ok();

    // Restore into another data directory: the same rows, the same chain.
    // The backup is encrypted with the database's key: without it, no restore.
    let elsewhere = test_database(Backend::Sqlite).await;
    let (ok, out) = hms(&elsewhere, &["restore", after.to_str().unwrap()]);
    assert!(!ok && out.contains("does not open"), "{out}");
    assert!(
        !elsewhere.dir.path().join("hms.db").exists(),
        "nothing restored"
    );
    // With the keys copied beside it, as docs/operations.md says.
    for key in ["database.key", "encryption.key", "index.key", "session.key"] {
        let secrets = |d: &TestDatabase| d.dir.path().join("secrets").join(key);
        std::fs::copy(secrets(&database), secrets(&elsewhere)).unwrap();
    }
    let (ok, out) = hms(&elsewhere, &["restore", after.to_str().unwrap()]);
    assert!(ok, "{out}");
    let live = database.connect().await;
    let restored = elsewhere.connect().await;
    assert_eq!(counts(&restored).await, counts(&live).await);
    restored.close().await.ok();
    assert_eq!(chain_holds(&elsewhere).await, chain_holds(&database).await);

    // Not under a running server.
    let (ok, out) = hms(&database, &["restore", after.to_str().unwrap()]);
    assert!(!ok && out.contains("stop the server"), "{out}");
    drop(server);

    // Not from a backup whose audit trail was changed.
    let tampered =
        server::db::connect(&database.target_of(&format!("sqlite://{}?mode=rw", during.display())))
            .await
            .unwrap();
    tampered
        .execute_unprepared(
            "DROP TRIGGER audit_events_no_update; UPDATE audit_events SET detail = 'x' WHERE seq = 2",
        )
        .await
        .unwrap();
    tampered.close().await.ok();
    let (ok, out) = hms(&elsewhere, &["restore", during.to_str().unwrap()]);
    assert!(!ok && out.contains("not a sound backup"), "{out}");
    // And nothing was changed by the refusal.
    assert!(chain_holds(&elsewhere).await > 0);
}

/// docs/operations.md's PostgreSQL recipe: `pg_dump -Fc`, `pg_restore`
/// into an empty database, the same rows and a verified chain.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_backups_are_pg_dump_and_pg_restore() {
    let database = prepare(Backend::Postgres).await;
    let server = start(&database).await;
    let cookie = signed_in_desk(&server.base).await;
    let http = reqwest::Client::new();
    for n in 0..30 {
        register(&http, &server.base, &cookie, n)
            .await
            .expect("registered");
    }
    let (ok, out) = hms(&database, &["backup", "/tmp/never.db"]);
    assert!(!ok && out.contains("pg_dump"), "{out}");
    let dump = database.dir.path().join("hms.dump");
    let status = Command::new("pg_dump")
        .args(["--format=custom", "--file"])
        .arg(&dump)
        .arg(&database.url)
        .status()
        .expect("pg_dump");
    assert!(status.success());
    let target = test_database(Backend::Postgres).await;
    let status = Command::new("pg_restore")
        .args(["--no-owner", "--exit-on-error", "--dbname"])
        .arg(&target.url)
        .arg(&dump)
        .status()
        .expect("pg_restore");
    assert!(status.success());
    let live = database.connect().await;
    let restored = target.connect().await;
    assert_eq!(counts(&restored).await, counts(&live).await);
    assert_eq!(chain_holds(&target).await, chain_holds(&database).await);
}

/// 1,000 registrations from 25 clients at once; the server is killed with
/// SIGKILL after about 300 were acknowledged. Restarted, it has every one
/// it acknowledged, and the audit chain verifies.
async fn acknowledged_writes_survive_sigkill(backend: Backend) {
    let database = prepare(backend).await;
    let mut server = start(&database).await;
    let cookie = signed_in_desk(&server.base).await;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let mut tasks = Vec::new();
    for t in 0..25 {
        let (base, cookie, acknowledged) =
            (server.base.clone(), cookie.clone(), acknowledged.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            for i in 0..40 {
                match register(&http, &base, &cookie, t * 40 + i).await {
                    Some(id) => acknowledged.lock().unwrap().push(id),
                    None => return,
                }
            }
        }));
    }
    while acknowledged.lock().unwrap().len() < 300 {
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.child.kill().unwrap(); // SIGKILL
    server.child.wait().unwrap();
    for t in tasks {
        t.await.unwrap();
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        (300..1_000).contains(&acknowledged.len()),
        "{} acknowledged",
        acknowledged.len()
    );

    let restarted = start(&database).await;
    let db = database.connect().await;
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
    for chunk in acknowledged.chunks(200) {
        let found = app::entity::patients::Entity::find()
            .filter(app::entity::patients::Column::Id.is_in(chunk.to_vec()))
            .count(&db)
            .await
            .unwrap();
        assert_eq!(
            found as usize,
            chunk.len(),
            "an acknowledged registration is missing"
        );
    }
    let report = app::audit::chain::verify(&db).await.unwrap();
    assert!(report.holds(), "{report}");
    // Each acknowledged registration was audited in its transaction.
    assert!(report.verified as usize >= acknowledged.len());
    // And the restarted server works, in the same session (sessions live
    // in the database).
    let http = reqwest::Client::new();
    assert!(register(&http, &restarted.base, &cookie, 5_000)
        .await
        .is_some());
}

on_both_databases!(acknowledged_writes_survive_sigkill);

//! The audit trail is a hash chain (`app::audit::chain`, migration 17):
//! events appended on every path (a change's transaction, an event of its
//! own, the group-commit writer), concurrently, form one chain that
//! verifies; an edited, deleted or forged row is found, by the library and
//! by `hms audit verify`.

#![recursion_limit = "512"]

mod common;

use app::audit::chain::{self, ChainReport};
use app::audit::service::{append, Actor, AuditEvent};
use app::context::RequestMeta;
use app::entity::audit_events;
use common::*;
use sea_orm::{ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryOrder};
use serde_json::json;
use shared::audit::Outcome;
use shared::Role;

/// A migrated database with `n` events appended one by one (each its own
/// transaction), the third with a detail in three scripts.
async fn chained(backend: Backend, n: usize) -> (TestDatabase, DatabaseConnection) {
    let database = test_database(backend).await;
    let db = database.connect().await;
    server::db::migrate(&db).await.unwrap();
    let meta = RequestMeta {
        client_addr: "192.0.2.7".into(),
        user_agent: String::new(),
    };
    for i in 0..n {
        let mut event = AuditEvent::new(
            Actor {
                id: Some(uuid::Uuid::new_v4()),
                email: Some(format!("user{i}@test.example")),
                role: Some(Role::Doctor),
            },
            "patients.read",
            Outcome::Success,
        )
        .patient(uuid::Uuid::new_v4());
        if i == 2 {
            event = event.detail("Мария, 王伟, محمد");
        }
        append(&db, event, &meta).await.unwrap();
    }
    (database, db)
}

async fn walk(db: &DatabaseConnection) -> ChainReport {
    chain::verify(db).await.expect("walk the chain")
}

/// Lets the test change audit rows, as someone with the database's
/// owner rights could: the append-only trigger is what they would drop first.
async fn drop_append_only_guard(db: &DatabaseConnection, backend: Backend) {
    let sql = match backend {
        Backend::Sqlite => {
            "DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;"
        }
        Backend::Postgres => "ALTER TABLE audit_events DISABLE TRIGGER audit_events_no_change",
    };
    db.execute_unprepared(sql).await.unwrap();
}

async fn row_at(db: &DatabaseConnection, seq: i64) -> audit_events::Model {
    use sea_orm::{ColumnTrait, QueryFilter};
    audit_events::Entity::find()
        .filter(audit_events::Column::Seq.eq(seq))
        .one(db)
        .await
        .unwrap()
        .expect("an event at that place")
}

fn hms_audit_verify(database: &TestDatabase) -> (i32, String) {
    let run = run_hms(database, &["audit", "verify"], &[]);
    (run.code.unwrap_or(-1), run.stdout)
}

async fn events_on_every_path_form_one_chain(backend: Backend) {
    let app = spawn_app(backend).await;
    let desk = signed_in(&app, "desk@test.example", Role::Receptionist).await;
    // Concurrently: reads through the group-commit writer (searches), changes
    // with their event in their transaction (registrations), and events of
    // their own (failed sign-ins).
    let mut tasks = Vec::new();
    for i in 0..8 {
        let base = app.base.clone();
        let cookie = desk.cookie().unwrap();
        tasks.push(tokio::spawn(async move {
            for j in 0..10 {
                let (status, _) = call_with_cookie::<serde_json::Value>(
                    &base,
                    &cookie,
                    "patients/search",
                    json!({"query": format!("ab{i}{j}"), "cursor": null}),
                )
                .await;
                assert_eq!(status, 200);
            }
        }));
    }
    for i in 0..4 {
        let base = app.base.clone();
        tasks.push(tokio::spawn(async move {
            let client = Client::new(&base);
            register_patient(&client, &format!("chain{i}@test.example"), "Мария").await;
            let (status, _) = client
                .login_password(&format!("nobody{i}@test.example"), "wrong password 1")
                .await;
            assert_eq!(status, 401);
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let stored = audit_events::Entity::find().count(&app.db).await.unwrap() as i64;
    assert!(stored >= 80 + 8, "{stored} events");
    let report = walk(&app.db).await;
    assert!(report.holds(), "{report}");
    assert_eq!(report.verified, stored);
    assert_eq!(report.head_seq, stored);
    let last = audit_events::Entity::find()
        .order_by_desc(audit_events::Column::Seq)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report.head_hash, chain::link(&last).hash());
    // A row's time is kept to the microsecond, as hashed.
    assert_eq!(last.at.timestamp_subsec_nanos() % 1_000, 0);

    let (code, out) = hms_audit_verify(&app.database);
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains(&format!("audit chain verified: {stored} events")),
        "{out}"
    );
}

async fn an_edited_row_is_found(backend: Backend) {
    let (database, db) = chained(backend, 10).await;
    assert!(walk(&db).await.holds());
    drop_append_only_guard(&db, backend).await;
    db.execute_unprepared("UPDATE audit_events SET detail = 'nothing to see' WHERE seq = 3")
        .await
        .unwrap();
    let report = walk(&db).await;
    let broken = report.broken.clone().expect("the edit is found");
    // The edited event's hash no longer matches what the next one stored.
    assert_eq!(broken.seq, 4, "{report}");
    assert_eq!(broken.row_id, Some(row_at(&db, 4).await.id));
    assert_eq!(report.verified, 3);

    let (code, out) = hms_audit_verify(&database);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("BROKEN at seq 4"), "{out}");
}

async fn an_edited_last_row_is_found(backend: Backend) {
    let (_database, db) = chained(backend, 5).await;
    drop_append_only_guard(&db, backend).await;
    db.execute_unprepared("UPDATE audit_events SET outcome = 'denied' WHERE seq = 5")
        .await
        .unwrap();
    let report = walk(&db).await;
    assert_eq!(report.broken.expect("found").seq, 5);
}

async fn a_deleted_row_is_found(backend: Backend) {
    let (_database, db) = chained(backend, 10).await;
    drop_append_only_guard(&db, backend).await;
    db.execute_unprepared("DELETE FROM audit_events WHERE seq = 6")
        .await
        .unwrap();
    let report = walk(&db).await;
    let broken = report.broken.expect("the deletion is found");
    assert_eq!(broken.seq, 6);
    assert_eq!(report.verified, 5);

    // Removing the newest events is found too: the head says there were more.
    let (_database, db) = chained(backend, 10).await;
    drop_append_only_guard(&db, backend).await;
    db.execute_unprepared("DELETE FROM audit_events WHERE seq >= 9")
        .await
        .unwrap();
    let report = walk(&db).await;
    assert_eq!(report.verified, 8);
    assert_eq!(report.broken.expect("found").seq, 9);
}

async fn a_forged_row_is_found(backend: Backend) {
    // Appended by hand after the last event, correctly linked, without
    // moving the head (which only the application's append does).
    let (_database, db) = chained(backend, 4).await;
    let last = row_at(&db, 4).await;
    let mut forged = last.clone();
    forged.seq = Some(5);
    forged.prev_hash = Some(chain::link(&last).hash());
    forged.action = "patients.read".into();
    forged.actor_email = Some("nobody@test.example".into());
    insert_raw(&db, forged).await.unwrap();
    let report = walk(&db).await;
    assert_eq!(report.verified, 5);
    assert!(
        report
            .broken
            .expect("found")
            .problem
            .contains("head says 4"),
        "forged tail not found"
    );

    // Put in place of a removed event: the next event's link gives it away.
    let (_database, db) = chained(backend, 6).await;
    drop_append_only_guard(&db, backend).await;
    let real = row_at(&db, 3).await;
    db.execute_unprepared("DELETE FROM audit_events WHERE seq = 3")
        .await
        .unwrap();
    let mut forged = real.clone();
    forged.detail = Some("a different story".into());
    insert_raw(&db, forged).await.unwrap();
    let report = walk(&db).await;
    assert_eq!(report.broken.expect("found").seq, 4);

    // A row outside the chain cannot even be stored.
    let (_database, db) = chained(backend, 2).await;
    let mut outside = row_at(&db, 2).await;
    outside.seq = None;
    assert!(insert_raw(&db, outside).await.is_err());
    // Nor can the head be removed or moved back.
    assert!(db
        .execute_unprepared("DELETE FROM audit_chain_head")
        .await
        .is_err());
    assert!(db
        .execute_unprepared("UPDATE audit_chain_head SET seq = 1")
        .await
        .is_err());
    assert!(walk(&db).await.holds());
}

/// Events stored before the chain existed are chained by migration 17, in
/// the order they were stored, with nanoseconds (SQLite kept them) cut as
/// the chain does.
async fn migration_chains_the_events_stored_before_it(backend: Backend) {
    use sea_orm::{Statement, Value};
    use sea_orm_migration::MigratorTrait;
    let database = test_database(backend).await;
    let db = database.connect().await;
    let before = migrations::Migrator::migrations()
        .iter()
        .position(|m| m.name().contains("_000017_audit_chain"))
        .expect("migration 17 is in the list") as u32;
    migrations::Migrator::up(&db, Some(before)).await.unwrap();
    let sql = match backend {
        Backend::Sqlite => "INSERT INTO audit_events (at, action, outcome, actor_email, detail) VALUES (?, ?, ?, ?, ?)",
        Backend::Postgres => "INSERT INTO audit_events (at, action, outcome, actor_email, detail) VALUES ($1, $2, $3, $4, $5)",
    };
    let start = chrono::Utc::now();
    for i in 0..1_203i64 {
        db.execute_raw(Statement::from_sql_and_values(
            db.get_database_backend(),
            sql,
            [
                Value::from(start + chrono::Duration::nanoseconds(i * 1_001)),
                Value::from("auth.login"),
                Value::from(if i % 7 == 0 { "failure" } else { "success" }),
                Value::from(format!("user{i}@test.example")),
                Value::from(if i % 3 == 0 {
                    Some("Đặng Мария")
                } else {
                    None
                }),
            ],
        ))
        .await
        .unwrap();
    }
    server::db::migrate(&db).await.unwrap();
    let report = walk(&db).await;
    assert!(report.holds(), "{report}");
    assert_eq!(report.verified, 1_203);
    let first = row_at(&db, 1).await;
    assert_eq!(first.actor_email.as_deref(), Some("user0@test.example"));
    assert_eq!(
        first.prev_hash.as_deref(),
        Some(shared::audit_chain::GENESIS)
    );
    // And the chain goes on from there.
    append(
        &db,
        AuditEvent::new(Actor::default(), "auth.logout", Outcome::Success),
        &RequestMeta::default(),
    )
    .await
    .unwrap();
    assert_eq!(walk(&db).await.verified, 1_204);
    drop(database);
}

/// Inserts a row as given (its own id from the database), as hand-typed SQL would.
async fn insert_raw(
    db: &DatabaseConnection,
    row: audit_events::Model,
) -> Result<(), sea_orm::DbErr> {
    use sea_orm::{ActiveModelTrait, ActiveValue::NotSet, IntoActiveModel};
    let mut model = row.into_active_model().reset_all();
    model.id = NotSet;
    model.insert(db).await.map(|_| ())
}

on_both_databases!(
    events_on_every_path_form_one_chain,
    an_edited_row_is_found,
    an_edited_last_row_is_found,
    a_deleted_row_is_found,
    a_forged_row_is_found,
    migration_chains_the_events_stored_before_it,
);

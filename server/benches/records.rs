//! Benchmarks of the patient index and the chart, through the real HTTP
//! server-function endpoints (session, permission check, audit write and
//! all), next to the same query run directly on the database.
//!
//! ```text
//! cargo bench -p server --bench records -- [--patients 1000000] [--requests 2000]
//!     [--backend sqlite|postgres|both] [--encounters 1000] [--only search|chart]
//!     [--kind http|floor|audit|mrn|name|phone|birth] [--side endpoint|direct]
//! ```
//! `--kind` and `--side` narrow the search benchmark to one row or one side
//! of it, to profile (`perf record`) just that.
//! PostgreSQL needs `HMS_TEST_PG_URL` (`make bench` starts a throwaway server).
//! Results are printed as Markdown tables for `docs/benchmarks.md`.

#![recursion_limit = "512"]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support.rs"]
mod support;

use std::time::Instant;

use chrono::{NaiveDate, Utc};
use common::*;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, TransactionTrait};
use serde_json::json;
use shared::patients::{Mrn, PatientQuery};
use shared::Role;
use support::{ms, stats};
use uuid::Uuid;

const GIVEN: &[&str] = &[
    "Maria", "José", "Aisha", "Kwame", "Sofia", "Liam", "Noah", "Emma", "Olivia", "Ava", "Mia",
    "Lucas", "Mateo", "Léa", "Chloé", "Zoë", "Björn", "Søren", "Ingrid", "Astrid", "Hiroshi",
    "Yuki", "Wei", "Mei", "Arjun", "Priya", "Fatima", "Omar", "Youssef", "Amina", "Chinedu",
    "Ngozi", "Olga", "Dmitri", "Anna", "Jakub", "Zofia", "Mehmet", "Elif", "Giulia", "Marco",
    "Ana", "João", "Inês", "Carlos", "Lucía", "Pablo", "Sven", "Eero", "Aino", "Niamh", "Seán",
    "Chloe", "Daniel", "Sarah", "David", "Rachel", "Thomas", "Emily", "James", "Grace",
];

const FAMILY: &[&str] = &[
    "Müller",
    "García",
    "Khan",
    "Mensah",
    "Rossi",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Miller",
    "Davis",
    "Martínez",
    "López",
    "González",
    "Hernández",
    "Pérez",
    "Sánchez",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Hoffmann",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Laurent",
    "Bernard",
    "Petit",
    "Nowak",
    "Kowalski",
    "Wiśniewski",
    "Novák",
    "Svoboda",
    "Dvořák",
    "Nielsen",
    "Jensen",
    "Hansen",
    "Andersson",
    "Johansson",
    "Karlsson",
    "Virtanen",
    "Korhonen",
    "Murphy",
    "Kelly",
    "Yılmaz",
    "Kaya",
    "Demir",
    "Tanaka",
    "Suzuki",
    "Takahashi",
    "Wang",
    "Li",
    "Zhang",
    "Liu",
    "Chen",
    "Singh",
    "Patel",
    "Kumar",
    "Sharma",
    "Okafor",
    "Adeyemi",
    "Mwangi",
    "Otieno",
    "Haddad",
    "Nasser",
    "Cohen",
    "Levi",
    "Ivanov",
    "Petrov",
    "Popescu",
    "Horvat",
    "Kovačević",
    "Papadopoulos",
    "Silva",
    "Santos",
    "Ferreira",
    "Pereira",
    "Costa",
    "Oliveira",
    "Nguyen",
    "Tran",
    "Le",
    "Pham",
    "Kim",
    "Park",
    "Choi",
    "Jung",
    "Alvarez",
    "Romero",
    "Torres",
    "Ramírez",
    "Flores",
    "Rivera",
];

/// What the search benchmark looks for: values taken from generated rows.
#[derive(Default)]
struct Samples {
    mrns: Vec<String>,
    names: Vec<String>,
    phones: Vec<String>,
    births: Vec<String>,
}

struct Args {
    /// Which parts run: `search`, `chart` or both (`--only search`).
    only: Option<String>,
    /// Only this row of the search benchmark (`--kind http|floor|audit|mrn|name|phone|birth`),
    /// for profiling.
    kind: Option<String>,
    /// Only the endpoint or only the direct query (`--side endpoint|direct`),
    /// for profiling one of them.
    side: Option<String>,
    patients: u64,
    requests: usize,
    encounters: usize,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let mut a = Args {
        only: None,
        kind: None,
        side: None,
        patients: 1_000_000,
        requests: 2000,
        encounters: 1000,
        backends: vec![Backend::Sqlite, Backend::Postgres],
    };
    let value = support::arg;
    a.only = value("--only");
    a.kind = value("--kind");
    a.side = value("--side");
    if let Some(v) = value("--patients") {
        a.patients = v.parse().expect("--patients N");
    }
    if let Some(v) = value("--requests") {
        a.requests = v.parse().expect("--requests N");
    }
    if let Some(v) = value("--encounters") {
        a.encounters = v.parse().expect("--encounters N");
    }
    if let Some(v) = value("--backend") {
        a.backends = match v.as_str() {
            "sqlite" => vec![Backend::Sqlite],
            "postgres" => vec![Backend::Postgres],
            _ => vec![Backend::Sqlite, Backend::Postgres],
        };
    }
    a
}

/// Inserts `n` realistic patients in large batches (one multi-row INSERT per
/// 500 rows). MRN bodies walk a permutation of 10000000..99999999, so they
/// are unique without a lookup; names, birth dates and phones are random.
async fn generate(db: &DatabaseConnection, n: u64) -> Samples {
    let backend = db.get_database_backend();
    let mut rng = StdRng::seed_from_u64(20261122);
    let mut samples = Samples::default();
    let start = Instant::now();
    let now = Utc::now();
    let batch = 500u64;
    let mut i = 0u64;
    while i < n {
        let txn = db.begin().await.expect("begin");
        for _ in 0..100 {
            if i >= n {
                break;
            }
            let rows = batch.min(n - i);
            let mut sql = String::from(
                "INSERT INTO patients (id, mrn, given_name, family_name, date_of_birth, sex, phone, \
                 created_at, updated_at, family_folded, given_folded, family_native, \
                 given_native) VALUES ",
            );
            let mut values: Vec<sea_orm::Value> = Vec::with_capacity(rows as usize * 13);
            for r in 0..rows {
                let k = i + r;
                // 48_271 is coprime with 90_000_000, so this is a permutation.
                let body = 10_000_000 + (k * 48_271 + 12_345) % 90_000_000;
                let mrn = Mrn::from_body(body as u32);
                let given = GIVEN[rng.gen_range(0..GIVEN.len())];
                let family = FAMILY[rng.gen_range(0..FAMILY.len())];
                let birth = NaiveDate::from_ymd_opt(1930, 1, 1).unwrap()
                    + chrono::Duration::days(rng.gen_range(0..34_000));
                let phone = format!("+44770{:07}", k);
                let sex = if rng.gen_bool(0.5) { "female" } else { "male" };
                if k.is_multiple_of((n / 1000).max(1)) {
                    samples.mrns.push(mrn.display());
                    samples.names.push(family.chars().take(4).collect());
                    samples.phones.push(phone.clone());
                    samples.births.push(birth.format("%d.%m.%Y").to_string());
                }
                if r > 0 {
                    sql.push(',');
                }
                let base = values.len();
                let p = |j: usize| match backend {
                    sea_orm::DbBackend::Postgres => format!("${}", base + j + 1),
                    _ => "?".to_string(),
                };
                sql.push_str(&format!(
                    "({},{},{},{},{},{},{},{},{},{},{},{},{})",
                    p(0),
                    p(1),
                    p(2),
                    p(3),
                    p(4),
                    p(5),
                    p(6),
                    p(7),
                    p(8),
                    p(9),
                    p(10),
                    p(11),
                    p(12)
                ));
                values.extend([
                    Uuid::new_v4().into(),
                    mrn.as_str().to_string().into(),
                    given.to_string().into(),
                    family.to_string().into(),
                    birth.into(),
                    sex.to_string().into(),
                    phone.into(),
                    now.into(),
                    now.into(),
                    app::patients::service::folded(family).into(),
                    app::patients::service::folded(given).into(),
                    shared::text::fold_native(family).into(),
                    shared::text::fold_native(given).into(),
                ]);
            }
            txn.execute_raw(Statement::from_sql_and_values(backend, sql, values))
                .await
                .expect("insert batch");
            i += rows;
        }
        txn.commit().await.expect("commit");
    }
    if backend == sea_orm::DbBackend::Postgres {
        // What autovacuum does after a million inserts: statistics, and the
        // visibility map that lets index-only scans skip the table.
        db.execute_unprepared("VACUUM ANALYZE patients")
            .await
            .expect("vacuum analyze");
    } else {
        // What the server does at start-up and daily.
        server::db::refresh_statistics(db).await.expect("analyze");
    }
    eprintln!("generated {n} patients in {:.1?}", start.elapsed());
    samples
}

/// What the benchmark checks of a search answer: that it found someone.
#[derive(serde::Deserialize)]
struct Hits {
    hits: Vec<serde::de::IgnoredAny>,
}

/// An audit event as a receptionist's request would make it (client `c`).
fn bench_event(c: usize, action: &'static str) -> app::audit::service::AuditEvent {
    app::audit::service::AuditEvent::new(
        app::audit::service::Actor {
            id: Some(Uuid::new_v4()),
            email: Some(format!("desk{c}@bench.example")),
            role: Some(shared::Role::Receptionist),
        },
        action,
        shared::audit::Outcome::Success,
    )
}

fn bench_meta() -> app::context::RequestMeta {
    app::context::RequestMeta {
        client_addr: "127.0.0.1".into(),
        user_agent: String::new(),
    }
}

async fn search_bench(backend: Backend, a: &Args) {
    let app = spawn_app(backend).await;
    let samples = std::sync::Arc::new(generate(&app.db, a.patients).await);
    // Sign in through the ordinary client, then load through lean ones.
    let mut clients = Vec::new();
    for c in 0..50 {
        let browser = signed_in(&app, &format!("desk{c}@bench.example"), Role::Receptionist).await;
        let cookie = browser.cookie().expect("session cookie");
        clients.push(support::LeanClient::connect(&app.base, &cookie).await);
    }
    let clients = std::sync::Arc::new(clients);
    println!(
        "\n### Patient search, {} patients, {backend:?}\n\n\
         CPU per call is this process's (server and load generator) / the whole machine's \
         (with PostgreSQL and the kernel). The last column is the least endpoint ÷ SQL ratio \
         this machine allows: the machine CPU of `auth/me` + an audit row + the query, over the query's.\n\n\
         | query | clients | endpoint p50 | p95 | p99 | CPU per request | direct SQL p50 | p95 | p99 | CPU per query | endpoint p95 ÷ SQL p95 | endpoint CPU ÷ SQL CPU | least ratio |\n\
         |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
        a.patients
    );
    // One client makes a quarter of the requests 50 make.
    let requests_at = |concurrency: usize| {
        if concurrency == 1 {
            a.requests / 4
        } else {
            a.requests
        }
    };
    let wanted = |key: &str| a.kind.as_deref().is_none_or(|k| k == key);
    let endpoint_row = |label: &str, concurrency: usize, run: &support::Run| {
        let e = &run.stats;
        println!(
            "| {label} | {concurrency} | {} | {} | {} | {} | – | – | – | – | – | – | – |",
            ms(e.p50),
            ms(e.p95),
            ms(e.p99),
            run.cpu_cell()
        );
    };
    // The server's HTTP stack alone: no session read, no server function.
    if wanted("http") {
        for concurrency in [1usize, 50] {
            let requests = requests_at(concurrency);
            let cl = clients.clone();
            let run = support::measure(concurrency, requests, requests, move |c, _| {
                let cl = cl.clone();
                async move {
                    let (status, body) = cl[c].get("/healthz").await;
                    assert!(status.is_success(), "{body:?}");
                }
            })
            .await;
            endpoint_row("HTTP only (`/healthz`)", concurrency, &run);
        }
    }
    // The floor under every search: an authenticated server-function call
    // that reads nothing (the session comes from the cache) and writes no audit.
    let mut floor = [None, None];
    if wanted("floor") {
        for (i, concurrency) in [1usize, 50].into_iter().enumerate() {
            let requests = requests_at(concurrency);
            let cl = clients.clone();
            let run = support::measure(concurrency, requests, requests, move |c, _| {
                let cl = cl.clone();
                async move {
                    let (status, body) = cl[c].post("auth/me", "{}".into()).await;
                    assert!(status.is_success(), "{body:?}");
                }
            })
            .await;
            endpoint_row("no query (`auth/me`)", concurrency, &run);
            floor[i] = Some(run);
        }
    }
    // What every search adds to its query: one audit row, through the same
    // writer (on a connection of its own) the server uses.
    let mut audit = [None, None];
    let mut audit_rates = Vec::new();
    if wanted("audit") {
        let writer = app::audit::writer::AuditWriter::spawn(
            server::db::connect_dedicated(&app.database.target())
                .await
                .expect("connect the audit writer"),
        );
        for (i, concurrency) in [1usize, 50].into_iter().enumerate() {
            let requests = requests_at(concurrency);
            let w = writer.clone();
            let run = support::measure(concurrency, requests, requests, move |c, _| {
                let w = w.clone();
                async move {
                    let event = bench_event(c, "patients.search").detail("\"mull\": 20 result(s)");
                    w.append(event, &bench_meta())
                        .await
                        .expect("audit row stored");
                }
            })
            .await;
            let d = &run.stats;
            println!(
                "| audit row alone (no HTTP, no query) | {concurrency} | – | – | – | – | {} | {} | {} | {} | – | – | – |",
                ms(d.p50),
                ms(d.p95),
                ms(d.p99),
                run.cpu_cell()
            );
            audit_rates.push(("group-commit writer (reads)", concurrency, run));
            audit[i] = Some(run);
        }
        // The other path: an event in a write transaction of its own (a
        // change's event goes the same way, inside the change's transaction).
        for concurrency in [1usize, 50] {
            let requests = requests_at(concurrency);
            let db = app.db.clone();
            let run = support::measure(concurrency, requests, requests, move |c, _| {
                let db = db.clone();
                async move {
                    let event = bench_event(c, "patients.update");
                    app::audit::service::append(&db, event, &bench_meta())
                        .await
                        .expect("audit row stored");
                }
            })
            .await;
            audit_rates.push(("own write transaction (changes)", concurrency, run));
        }
        println!("\nAudit write rate ({backend:?}):\n");
        println!("| path | writers | rows/s | p50 ms | p95 ms | p99 ms |");
        println!("|---|---:|---:|---:|---:|---:|");
        for (path, concurrency, run) in &audit_rates {
            let d = &run.stats;
            println!(
                "| {path} | {concurrency} | {:.0} | {} | {} | {} |",
                run.rate(),
                ms(d.p50),
                ms(d.p95),
                ms(d.p99)
            );
        }
        println!();
    }
    for (key, kind, pool) in [
        ("mrn", "MRN", &samples.mrns),
        ("name", "name prefix", &samples.names),
        ("phone", "phone", &samples.phones),
        ("birth", "birth date", &samples.births),
    ] {
        if !wanted(key) {
            continue;
        }
        let runs = |side: &str| a.side.as_deref().is_none_or(|s| s == side);
        let pool = std::sync::Arc::new(pool.clone());
        for (i, concurrency) in [1usize, 50].into_iter().enumerate() {
            let requests = requests_at(concurrency);
            let (cl, pl) = (clients.clone(), pool.clone());
            let endpoint = support::measure(
                concurrency,
                requests * runs("endpoint") as usize,
                requests,
                move |c, k| {
                    let (cl, pl) = (cl.clone(), pl.clone());
                    async move {
                        let q = &pl[k % pl.len()];
                        let body = serde_json::to_vec(&json!({ "query": q, "cursor": null }))
                            .expect("json");
                        let (status, page) = cl[c].post("patients/search", body.into()).await;
                        assert!(status.is_success(), "{q}: {page:?}");
                        let page: Hits = serde_json::from_slice(&page).expect("a page of hits");
                        assert!(!page.hits.is_empty(), "{q} found nothing");
                    }
                },
            )
            .await;
            let (db, pl) = (app.search_db.clone(), pool.clone());
            let direct = support::measure(
                concurrency,
                requests * runs("direct") as usize,
                requests,
                move |_, k| {
                    let (db, pl) = (db.clone(), pl.clone());
                    async move {
                        let q = PatientQuery::parse(&pl[k % pl.len()]).unwrap().unwrap();
                        let page = app::patients::search::search(&db, &q, None, 20)
                            .await
                            .unwrap();
                        assert!(!page.hits.is_empty());
                    }
                },
            )
            .await;
            let (e, d) = (&endpoint.stats, &direct.stats);
            let ratio = |x: std::time::Duration, y: std::time::Duration| {
                format!("{:.1}×", x.as_secs_f64() / y.as_secs_f64())
            };
            let least = match (&floor[i], &audit[i]) {
                (Some(f), Some(w)) => ratio(
                    f.machine_cpu + w.machine_cpu + direct.machine_cpu,
                    direct.machine_cpu,
                ),
                _ => "–".into(),
            };
            println!(
                "| {kind} | {concurrency} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {least} |",
                ms(e.p50),
                ms(e.p95),
                ms(e.p99),
                endpoint.cpu_cell(),
                ms(d.p50),
                ms(d.p95),
                ms(d.p99),
                direct.cpu_cell(),
                ratio(e.p95, d.p95),
                ratio(endpoint.machine_cpu, direct.machine_cpu),
            );
        }
    }
}

/// A patient with `n` encounters, each with a signed note and vital signs,
/// plus problems and allergies; then the time to open the chart.
async fn chart_bench(backend: Backend, a: &Args) {
    use app::chart::service as chart;
    use shared::chart::*;
    let app = spawn_app(backend).await;
    let doctor = signed_in(&app, "dr@bench.example", Role::Doctor).await;
    let doctor_id: Uuid = doctor
        .call::<serde_json::Value>("auth/me", json!({}))
        .await
        .1
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let p = app::patients::service::insert_patient(
        &app.db,
        &app.cipher,
        app::patients::service::NewPatient::basic(
            "Long".into(),
            "History".into(),
            NaiveDate::from_ymd_opt(1950, 1, 1),
            shared::patients::AdministrativeSex::Female,
            None,
            None,
        ),
    )
    .await
    .unwrap();
    let start = Instant::now();
    let txn = app.db.begin().await.unwrap();
    app::patients::access::add_relationship(
        &txn,
        p.id,
        doctor_id,
        shared::access::CareRelationshipKind::Assigned,
        None,
    )
    .await
    .unwrap();
    for i in 0..a.encounters {
        let at = Utc::now() - chrono::Duration::days(i as i64);
        let e = chart::open_encounter(
            &txn,
            p.id,
            doctor_id,
            &NewEncounter {
                kind: EncounterKind::Outpatient,
                reason: format!("Visit {i}"),
                location: None,
                started_at: at,
            },
        )
        .await
        .unwrap();
        let v = Vitals {
            systolic: Some(120 + (i % 20) as i32),
            diastolic: Some(80),
            heart_rate: Some(70),
            spo2: Some(98),
            weight_kg: Some(70.0),
            height_cm: Some(170.0),
            ..Default::default()
        };
        chart::add_vitals(&txn, p.id, Some(e), doctor_id, &v, at)
            .await
            .unwrap();
        let enc = chart::encounter_of(&txn, p.id, e).await.unwrap();
        let soap = Soap {
            subjective: "Follow-up.".into(),
            assessment: "Stable.".into(),
            plan: "Continue.".into(),
            ..Default::default()
        };
        let note = chart::save_draft(&txn, &app.cipher, &enc, doctor_id, None, &soap)
            .await
            .unwrap();
        let note = chart::note_of(&txn, p.id, note).await.unwrap();
        chart::sign_note(&txn, &app.cipher, note, doctor_id)
            .await
            .unwrap();
        if i < 20 {
            chart::add_problem(
                &txn,
                p.id,
                Some(e),
                doctor_id,
                &NewProblem {
                    code: "I10".into(),
                    status: ProblemStatus::Active,
                    onset_date: None,
                    note: None,
                },
                "Essential (primary) hypertension".into(),
            )
            .await
            .unwrap();
        }
    }
    txn.commit().await.unwrap();
    eprintln!(
        "generated {} encounters in {:.1?}",
        a.encounters,
        start.elapsed()
    );

    let mut summary = Vec::new();
    let mut timeline = Vec::new();
    let mut both = Vec::new();
    for _ in 0..100 {
        let t = Instant::now();
        let (s, body) = doctor
            .call::<ChartSummary>("chart/summary", json!({ "patient_id": p.id }))
            .await;
        assert!(s.is_success(), "{body:?}");
        assert_eq!(body.unwrap().encounter_count, a.encounters as u64);
        let t1 = t.elapsed();
        let (s, page) = doctor
            .call::<TimelinePage>(
                "chart/timeline",
                json!({ "patient_id": p.id, "cursor": null }),
            )
            .await;
        assert!(s.is_success());
        assert_eq!(page.unwrap().encounters.len(), TIMELINE_PAGE as usize);
        summary.push(t1);
        timeline.push(t.elapsed() - t1);
        both.push(t.elapsed());
    }
    let (s, t, b) = (stats(summary), stats(timeline), stats(both));
    println!(
        "\n### Opening a chart with {} encounters, {backend:?}\n\n| request | p50 | p95 | p99 |\n|---|---:|---:|---:|\n| chart/summary | {} | {} | {} |\n| chart/timeline (first page) | {} | {} | {} |\n| both (opening the chart) | {} | {} | {} |",
        a.encounters,
        ms(s.p50), ms(s.p95), ms(s.p99),
        ms(t.p50), ms(t.p95), ms(t.p99),
        ms(b.p50), ms(b.p95), ms(b.p99)
    );
}

fn main() {
    let a = args();
    let runtime = support::runtime();
    runtime.block_on(async {
        println!("Times in milliseconds, measured by the client on loopback.");
        for backend in &a.backends {
            if a.only.as_deref() != Some("search") {
                chart_bench(*backend, &a).await;
            }
            if a.only.as_deref() != Some("chart") {
                search_bench(*backend, &a).await;
            }
        }
    });
}

//! Benchmarks of the laboratory:
//!
//! - the worklist with 10,000 open tests (2,500 orders of four tests, their
//!   specimens collected, of 500 patients, due over a week): its first page
//!   by due time, and filtered to the STAT tests still to analyse, through
//!   `lab/worklist`;
//! - a patient's results with 5,000 released results over ten years (1,000
//!   visits of five tests): the phone's results page (`lab/mine`) and the
//!   chart's results (`lab/patient_orders`).
//!
//! ```text
//! cargo bench -p server --bench lab -- [--open 10000] [--results 5000] [--requests 200] [--backend sqlite|postgres|both]
//! ```
//! PostgreSQL needs `HMS_TEST_PG_URL` (`.ci/with-postgres` starts a throwaway server).

#![recursion_limit = "512"]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support.rs"]
mod support;

use std::sync::Arc;

use app::entity::{lab_order_items, lab_orders, lab_results, lab_specimens, lab_tests};
use chrono::{Duration, Utc};
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use shared::lab::{Flag, TestKind};
use shared::lab_work::{ItemStatus, Priority, ResultStatus};
use shared::Role;
use support::ms;
use uuid::Uuid;

struct Args {
    open: usize,
    results: usize,
    requests: usize,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let value = support::arg;
    Args {
        open: value("--open").map_or(10_000, |v| v.parse().expect("--open")),
        results: value("--results").map_or(5_000, |v| v.parse().expect("--results")),
        requests: value("--requests").map_or(200, |v| v.parse().expect("--requests")),
        backends: match value("--backend").as_deref() {
            Some("sqlite") => vec![Backend::Sqlite],
            Some("postgres") => vec![Backend::Postgres],
            _ => vec![Backend::Sqlite, Backend::Postgres],
        },
    }
}

const BATCH: usize = 500;

async fn insert_all<A, E>(app: &TestApp, rows: Vec<A>)
where
    A: sea_orm::ActiveModelTrait<Entity = E> + Send,
    E: EntityTrait,
{
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<A> = rows.by_ref().take(BATCH).collect();
        E::insert_many(batch).exec(&app.db).await.unwrap();
    }
}

async fn lab_tests_in_force(app: &TestApp) -> Vec<lab_tests::Model> {
    lab_tests::Entity::find()
        .filter(lab_tests::Column::Kind.eq(TestKind::Lab))
        .order_by_asc(lab_tests::Column::Code)
        .all(&app.db)
        .await
        .unwrap()
}

fn order(
    id: Uuid,
    patient: Uuid,
    doctor: Uuid,
    priority: Priority,
    at: chrono::DateTime<Utc>,
) -> lab_orders::ActiveModel {
    lab_orders::ActiveModel {
        id: Set(id),
        patient_id: Set(patient),
        encounter_id: Set(None),
        ordered_by: Set(doctor),
        priority: Set(priority),
        note: Set(None),
        ordered_at: Set(at),
    }
}

#[allow(clippy::too_many_arguments)]
fn item(
    order: Uuid,
    patient: Uuid,
    test: &lab_tests::Model,
    priority: Priority,
    at: chrono::DateTime<Utc>,
    status: ItemStatus,
    specimen: Option<Uuid>,
) -> lab_order_items::ActiveModel {
    lab_order_items::ActiveModel {
        id: Set(Uuid::new_v4()),
        order_id: Set(order),
        patient_id: Set(patient),
        test_id: Set(test.id),
        panel: Set(None),
        priority: Set(priority),
        ordered_at: Set(at),
        status: Set(status),
        specimen_id: Set(specimen),
        due_at: Set(priority.due_at(at, test.turnaround_hours)),
        updated_at: Set(at),
        updated_by: Set(None),
        cancel_reason: Set(None),
    }
}

/// `open` tests collected and waiting for analysis, four to an order, of
/// 500 patients, ordered over the last week with mixed priorities.
async fn open_work(app: &TestApp, open: usize, doctor: Uuid, tech: Uuid) {
    let tests = lab_tests_in_force(app).await;
    let mut patients = Vec::new();
    for p in 0..500 {
        patients.push(basic_patient(app, &format!("Bench{p}")).await);
    }
    let now = Utc::now();
    let (mut orders, mut specimens, mut items) = (Vec::new(), Vec::new(), Vec::new());
    for o in 0..open / 4 {
        let (id, patient) = (Uuid::new_v4(), patients[o % patients.len()]);
        let priority = [
            Priority::Routine,
            Priority::Routine,
            Priority::Urgent,
            Priority::Stat,
        ][o % 4];
        let at = now - Duration::minutes((o * 4) as i64);
        orders.push(order(id, patient, doctor, priority, at));
        let specimen = Uuid::new_v4();
        specimens.push(lab_specimens::ActiveModel {
            id: Set(specimen),
            accession: Set(format!("B{o:010}")),
            patient_id: Set(patient),
            order_id: Set(id),
            specimen: Set("serum".into()),
            collected_at: Set(at),
            collected_by: Set(tech),
        });
        for k in 0..4 {
            let test = &tests[(o + k * 13) % tests.len()];
            items.push(item(
                id,
                patient,
                test,
                priority,
                at,
                ItemStatus::Collected,
                Some(specimen),
            ));
        }
    }
    insert_all(app, orders).await;
    insert_all(app, specimens).await;
    insert_all(app, items).await;
}

/// `count` released results of one patient over ten years: visits of five
/// tests each, the limits and flag of each copied in.
async fn results_history(app: &TestApp, patient: Uuid, count: usize, doctor: Uuid, tech: Uuid) {
    let tests: Vec<lab_tests::Model> = lab_tests_in_force(app)
        .await
        .into_iter()
        .filter(|t| ["4548-4", "2160-0", "2823-3", "2093-3", "2085-9"].contains(&t.code.as_str()))
        .collect();
    assert_eq!(tests.len(), 5);
    let visits = count / tests.len();
    let now = Utc::now();
    let step = Duration::days(3650) / visits as i32;
    let (mut orders, mut items, mut results) = (Vec::new(), Vec::new(), Vec::new());
    for v in 0..visits {
        let (id, at) = (Uuid::new_v4(), now - step * (visits - v) as i32);
        orders.push(order(id, patient, doctor, Priority::Routine, at));
        for (k, test) in tests.iter().enumerate() {
            let row = item(
                id,
                patient,
                test,
                Priority::Routine,
                at,
                ItemStatus::Released,
                None,
            );
            let item_id = *row.id.as_ref();
            items.push(row);
            results.push(lab_results::ActiveModel {
                id: Set(Uuid::new_v4()),
                item_id: Set(item_id),
                patient_id: Set(patient),
                test_id: Set(test.id),
                status: Set(ResultStatus::Released),
                value: Set(Some(4_000_000 + ((v * 7 + k) % 20) as i64 * 100_000)),
                value_text: Set(None),
                impression: Set(None),
                unit: Set(test.unit.clone()),
                low: Set(Some(3_500_000)),
                high: Set(Some(5_100_000)),
                critical_low: Set(None),
                critical_high: Set(None),
                flag: Set(Some(Flag::Normal)),
                observed_at: Set(at),
                entered_by: Set(tech),
                entered_at: Set(at + Duration::hours(2)),
                verified_by: Set(Some(doctor)),
                released_at: Set(Some(at + Duration::hours(3))),
                corrects: Set(None),
                correction_reason: Set(None),
                acknowledged_by: Set(None),
                acknowledged_at: Set(None),
            });
        }
    }
    insert_all(app, orders).await;
    insert_all(app, items).await;
    insert_all(app, results).await;
}

fn row(label: &str, run: &support::Run, bytes: usize) {
    let s = &run.stats;
    println!(
        "| {label} | {} | {} | {} | {} kB | {} |",
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        bytes / 1024,
        run.cpu_cell()
    );
}

/// Measures `requests` calls of `endpoint` with `body` by `client`, one at a time.
async fn endpoint(
    client: &Client,
    app: &TestApp,
    endpoint: &'static str,
    body: serde_json::Value,
    requests: usize,
) -> (support::Run, usize) {
    let lean =
        Arc::new(support::LeanClient::connect(&app.base, &client.cookie().expect("cookie")).await);
    let body = bytes::Bytes::from(body.to_string());
    let (status, answer) = lean.post(endpoint, body.clone()).await;
    assert!(status.is_success(), "{endpoint}: {answer:?}");
    let size = answer.len();
    let run = support::measure(1, requests, requests, move |_, _| {
        let (lean, body) = (lean.clone(), body.clone());
        async move {
            let (status, answer) = lean.post(endpoint, body).await;
            assert!(status.is_success(), "{answer:?}");
        }
    })
    .await;
    (run, size)
}

async fn bench(backend: Backend, a: &Args) {
    let app = spawn_app(backend).await;
    let doctor =
        common::staff_named(&app, "dr.bench@bench.example", "Dr Bench", Role::Doctor).await;
    let tech_id = common::staff_named(
        &app,
        "tech.bench@bench.example",
        "Tech Bench",
        Role::LabTechnician,
    )
    .await;
    let started = std::time::Instant::now();
    open_work(&app, a.open, doctor, tech_id).await;
    let patient = Client::new(&app.base);
    let outcome = register_patient(&patient, "results.bench@bench.example", "Десять").await;
    let pid: Uuid = serde_json::from_value(outcome["user"]["patient_id"].clone()).unwrap();
    results_history(&app, pid, a.results, doctor, tech_id).await;
    in_care(&app, "dr.bench@bench.example", pid).await;
    eprintln!(
        "{backend:?}: data made in {:.1} s",
        started.elapsed().as_secs_f64()
    );

    println!(
        "\n### Laboratory, {backend:?}: {} open tests, {} results of one patient\n",
        a.open, a.results
    );
    println!(
        "| measure | p50 | p95 | p99 | answer | CPU per call |\n|---|---:|---:|---:|---:|---:|"
    );
    let (tech, doc) = (Client::new(&app.base), Client::new(&app.base));
    let (status, outcome) = tech.login("tech.bench@bench.example", PASSWORD).await;
    assert!(status.is_success(), "{outcome:?}");
    let (status, outcome) = doc.login("dr.bench@bench.example", PASSWORD).await;
    assert!(status.is_success(), "{outcome:?}");
    let (run, size) = endpoint(
        &tech,
        &app,
        "lab/worklist",
        serde_json::json!({ "filter": {} }),
        a.requests,
    )
    .await;
    row("`lab/worklist`, first page (50 by due time)", &run, size);
    let (run, size) = endpoint(
        &tech,
        &app,
        "lab/worklist",
        serde_json::json!({ "filter": { "stage": "analyse", "priority": "stat" } }),
        a.requests,
    )
    .await;
    row("`lab/worklist`, STAT to analyse", &run, size);
    let (run, size) = endpoint(
        &patient,
        &app,
        "lab/mine",
        serde_json::json!({}),
        a.requests / 4,
    )
    .await;
    row("`lab/mine`, the patient's results page", &run, size);
    let (run, size) = endpoint(
        &doc,
        &app,
        "lab/patient_orders",
        serde_json::json!({ "patient_id": pid }),
        a.requests / 4,
    )
    .await;
    row(
        "`lab/patient_orders`, the chart's results (200 orders)",
        &run,
        size,
    );
}

fn main() {
    let a = args();
    let runtime = support::runtime();
    runtime.block_on(async {
        println!("Times in milliseconds; CPU per call is this process's / the whole machine's.");
        for backend in &a.backends {
            bench(*backend, &a).await;
        }
    });
}

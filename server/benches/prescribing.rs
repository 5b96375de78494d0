//! Benchmarks of prescribing:
//!
//! - the decision-support check of one prescription against a patient with
//!   20 active prescriptions and 10 allergies: the server's work when
//!   signing (gathering the context from the database, then the shared
//!   checks), the checks alone (what the browser runs), and the
//!   `prescriptions/context` endpoint;
//! - the formulary search as prescribers type, through `formulary/search`,
//!   at 1 and 50 concurrent clients, next to the same query called directly.
//!
//! ```text
//! cargo bench -p server --bench prescribing -- [--requests 2000] [--backend sqlite|postgres|both]
//! ```
//! PostgreSQL needs `HMS_TEST_PG_URL` (`.ci/with-postgres` starts a throwaway server).

#![recursion_limit = "512"]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support.rs"]
mod support;

use std::sync::Arc;

use app::entity::formulary_drugs;
use common::*;
use sea_orm::{EntityTrait, QueryOrder};
use shared::chart::{AllergySeverity, AllergyStatus, NewAllergy};
use shared::formulary::FormularyDrug;
use shared::prescribing::{PrescribedDrug, PrescriptionForm};
use shared::Role;
use support::ms;
use uuid::Uuid;

struct Args {
    requests: usize,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let value = support::arg;
    Args {
        requests: value("--requests").map_or(2000, |v| v.parse().expect("--requests")),
        backends: match value("--backend").as_deref() {
            Some("sqlite") => vec![Backend::Sqlite],
            Some("postgres") => vec![Backend::Postgres],
            _ => vec![Backend::Sqlite, Backend::Postgres],
        },
    }
}

/// What prescribers type: two to five letters of generic names.
const QUERIES: &[&str] = &[
    "amox", "met", "lisin", "ser", "war", "ibu", "ceph", "pred", "ator", "ome", "cip", "azi",
    "hep", "ins", "furo", "amlo", "levo", "clo", "dox", "pan", "ond", "mor", "tram", "gaba", "ac",
    "su", "fl", "car",
];

/// The substances of the patient's 10 allergies: classes, drugs, brands'
/// ingredients and things no drug names.
const ALLERGIES: &[&str] = &[
    "Penicillin",
    "sulfa drugs",
    "NSAIDs",
    "codeine",
    "cephalexin",
    "erythromycin",
    "lisinopril",
    "latex",
    "peanuts",
    "iodinated contrast",
];

fn once_daily(today: chrono::NaiveDate) -> PrescriptionForm {
    PrescriptionForm {
        dose: "1".into(),
        dose_unit: String::new(),
        route: "oral".into(),
        frequency: "times_daily".into(),
        frequency_value: "1".into(),
        start_date: today.to_string(),
        duration_days: "30".into(),
        quantity: "30".into(),
        refills: "0".into(),
        ..Default::default()
    }
}

/// A patient with 20 active prescriptions of distinct drugs and 10
/// allergies; answers the patient, the doctor and the candidate drugs.
async fn patient(app: &TestApp) -> (Uuid, Uuid, Vec<FormularyDrug>) {
    let doctor = common::staff_named(app, "dr.bench@bench.example", "Dr Bench", Role::Doctor).await;
    let pid = basic_patient(app, "Polypharmacy").await;
    app::patients::access::add_relationship(
        &app.db,
        pid,
        doctor,
        shared::access::CareRelationshipKind::Assigned,
        None,
    )
    .await
    .unwrap();
    for substance in ALLERGIES {
        app::chart::service::add_allergy(
            &app.db,
            pid,
            doctor,
            &NewAllergy {
                substance: substance.to_string(),
                reaction: None,
                severity: AllergySeverity::Moderate,
                status: AllergyStatus::Active,
            },
        )
        .await
        .unwrap();
    }
    let drugs: Vec<FormularyDrug> = formulary_drugs::Entity::find()
        .order_by_asc(formulary_drugs::Column::GenericName)
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(app::formulary::service::view)
        .collect();
    let today = chrono::Utc::now().date_naive();
    let mut names = std::collections::BTreeSet::new();
    let mut active = 0;
    // Every 7th distinct generic name, so the list spans the classes.
    for d in drugs.iter().step_by(7) {
        if active == 20 || !names.insert(d.drug.generic_name.clone()) {
            continue;
        }
        let unit = shared::prescribing::dose_units_for(&d.drug.strength, &d.drug.dose_form)[0];
        let form = PrescriptionForm {
            dose_unit: unit.as_str().into(),
            ..once_daily(today)
        };
        if form.parse(&PrescribedDrug::of(&d.drug), today).is_err() {
            continue;
        }
        app::prescriptions::service::sign(
            &app.db,
            app::prescriptions::service::Signing {
                patient_id: pid,
                encounter_id: None,
                drug_id: d.id,
                form: &form,
                override_reason: "Benchmark fixture",
                prescriber_id: doctor,
                now: chrono::Utc::now(),
                today,
                replaces: None,
            },
        )
        .await
        .unwrap();
        active += 1;
    }
    assert_eq!(active, 20);
    (pid, doctor, drugs)
}

async fn check_bench(backend: Backend, a: &Args) {
    let app = spawn_app(backend).await;
    let (pid, _, drugs) = patient(&app).await;
    let drugs = Arc::new(drugs);
    let ctx = app::prescriptions::service::check_context(&app.db, pid)
        .await
        .unwrap();
    let fired: usize = drugs
        .iter()
        .map(|d| shared::prescribing::alerts_for(&ctx, &d.drug, None, None).len())
        .sum();
    eprintln!(
        "{backend:?}: {} allergies ({} naming drugs), {} active drugs, {} rules kept; {fired} alerts over the {} formulary drugs",
        ctx.allergies.len(),
        ctx.allergies.iter().filter(|x| x.names_a_drug()).count(),
        ctx.active.len(),
        ctx.rules.len(),
        drugs.len()
    );
    println!("\n### Checking a prescription, 20 active drugs and 10 allergies, {backend:?}\n");
    println!(
        "| measure | clients | p50 | p95 | p99 | CPU per check |\n|---|---:|---:|---:|---:|---:|"
    );
    // The server's whole check at signing: the context from the database, then the checks.
    let (db, ds) = (app.db.clone(), drugs.clone());
    let run = support::measure(1, a.requests, a.requests, move |_, k| {
        let (db, ds) = (db.clone(), ds.clone());
        async move {
            let ctx = app::prescriptions::service::check_context(&db, pid)
                .await
                .unwrap();
            let d = &ds[k % ds.len()];
            std::hint::black_box(shared::prescribing::alerts_for(&ctx, &d.drug, None, None));
        }
    })
    .await;
    row(
        "context from the database + checks (server, signing)",
        1,
        &run,
    );
    // The checks alone: what the browser runs on every change of the form.
    let (ctx, ds) = (Arc::new(ctx), drugs.clone());
    let run = support::measure(1, a.requests * 10, a.requests * 10, move |_, k| {
        let (ctx, ds) = (ctx.clone(), ds.clone());
        async move {
            let d = &ds[k % ds.len()];
            std::hint::black_box(shared::prescribing::alerts_for(&ctx, &d.drug, None, None));
        }
    })
    .await;
    row("checks alone (shared code, as in the browser)", 1, &run);
    // The endpoint the prescribe page calls.
    let client = Client::new(&app.base);
    let (status, outcome) = client.login("dr.bench@bench.example", PASSWORD).await;
    assert!(status.is_success(), "{outcome:?}");
    let lean =
        Arc::new(support::LeanClient::connect(&app.base, &client.cookie().expect("cookie")).await);
    let body = bytes::Bytes::from(serde_json::json!({ "patient_id": pid }).to_string());
    let run = support::measure(1, a.requests, a.requests, move |_, _| {
        let (lean, body) = (lean.clone(), body.clone());
        async move {
            let (status, answer) = lean.post("prescriptions/context", body).await;
            assert!(status.is_success(), "{answer:?}");
        }
    })
    .await;
    row("`prescriptions/context` endpoint", 1, &run);
}

fn row(label: &str, clients: usize, run: &support::Run) {
    let s = &run.stats;
    println!(
        "| {label} | {clients} | {} | {} | {} | {} |",
        ms(s.p50),
        ms(s.p95),
        ms(s.p99),
        run.cpu_cell()
    );
}

async fn search_bench(backend: Backend, a: &Args) {
    let app = spawn_app(backend).await;
    let mut clients = Vec::new();
    for c in 0..50 {
        let browser = signed_in(&app, &format!("dr{c}@bench.example"), Role::Doctor).await;
        let cookie = browser.cookie().expect("session cookie");
        clients.push(support::LeanClient::connect(&app.base, &cookie).await);
    }
    let clients = Arc::new(clients);
    let bodies: Arc<Vec<bytes::Bytes>> = Arc::new(
        QUERIES
            .iter()
            .map(|q| {
                bytes::Bytes::from(
                    serde_json::json!({ "query": q, "include_retired": false }).to_string(),
                )
            })
            .collect(),
    );
    println!("\n### Formulary search as prescribers type, {backend:?}\n");
    println!(
        "| measure | clients | p50 | p95 | p99 | CPU per search |\n|---|---:|---:|---:|---:|---:|"
    );
    for concurrency in [1usize, 50] {
        let requests = if concurrency == 1 {
            a.requests / 4
        } else {
            a.requests
        };
        let (cl, bs) = (clients.clone(), bodies.clone());
        let run = support::measure(concurrency, requests, requests, move |c, k| {
            let (cl, bs) = (cl.clone(), bs.clone());
            async move {
                let (status, answer) = cl[c]
                    .post("formulary/search", bs[k % bs.len()].clone())
                    .await;
                assert!(status.is_success(), "{answer:?}");
            }
        })
        .await;
        row("`formulary/search` endpoint", concurrency, &run);
    }
    let db = app.db.clone();
    let run = support::measure(1, a.requests / 4, a.requests / 4, move |_, k| {
        let db = db.clone();
        async move {
            let found = app::formulary::service::search(
                &db,
                QUERIES[k % QUERIES.len()],
                false,
                shared::formulary::FORMULARY_SEARCH_LIMIT,
            )
            .await
            .unwrap();
            std::hint::black_box(found);
        }
    })
    .await;
    row("search query, direct", 1, &run);
}

fn main() {
    let a = args();
    let runtime = support::runtime();
    runtime.block_on(async {
        println!("Times in milliseconds; CPU per call is this process's / the whole machine's.");
        for backend in &a.backends {
            check_bench(*backend, &a).await;
        }
        for backend in &a.backends {
            search_bench(*backend, &a).await;
        }
    });
}

//! Benchmark of the revenue report over a year of a large hospital's
//! charges: by default 5,000,000 charges (a 1M-patient hospital's year)
//! spread over 365 service days, 20 departments, 200 doctors (10 each) and
//! 8 payers plus self-pay, of 10 to 400 EUR each.
//!
//! The report reads the daily sums (`revenue_days`), which issuing an
//! invoice adds to (`billing::revenue::post`; the integration test
//! `reports_add_up_what_was_billed` checks that they equal the invoices).
//! The generator adds the charges up the same way, per service day,
//! department, doctor and payer, and writes the sums: the table then has
//! the rows a year of those charges would have left (about 650,000, nearly
//! every doctor-payer pair on nearly every day), without issuing 5,000,000
//! lines first. Then `reports/revenue` is called through HTTP (session,
//! permission, audit row, JSON) for the whole year by month and by each
//! breakdown, and for one quarter by day.
//!
//! ```text
//! cargo bench -p server --bench revenue -- [--charges 5000000] [--requests 20] [--backend sqlite|postgres|both]
//! ```
//! PostgreSQL needs `HMS_TEST_PG_URL` (`.ci/with-postgres` starts a throwaway server).

#![recursion_limit = "512"]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support.rs"]
mod support;

use std::collections::HashMap;
use std::sync::Arc;

use app::entity::{departments, doctor_profiles, revenue_days};
use chrono::{Duration, NaiveDate, Utc};
use common::*;
use rand::{Rng, SeedableRng};
use sea_orm::{EntityTrait, Set};
use shared::Role;
use support::ms;
use uuid::Uuid;

struct Args {
    charges: usize,
    requests: usize,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let value = support::arg;
    Args {
        charges: value("--charges").map_or(5_000_000, |v| v.parse().expect("--charges")),
        requests: value("--requests").map_or(20, |v| v.parse().expect("--requests")),
        backends: match value("--backend").as_deref() {
            Some("sqlite") => vec![Backend::Sqlite],
            Some("postgres") => vec![Backend::Postgres],
            _ => vec![Backend::Sqlite, Backend::Postgres],
        },
    }
}

const DEPARTMENTS: usize = 20;
const DOCTORS_EACH: usize = 10;
const PAYERS: usize = 8;

/// The hospital: departments, doctors in them, payers. Answers each
/// doctor with their department, and the payers (the nil id: self-pay).
async fn hospital(app: &TestApp) -> (Vec<(Uuid, Uuid)>, Vec<Uuid>) {
    let mut doctors = Vec::new();
    for d in 0..DEPARTMENTS {
        let department = departments::ActiveModel {
            id: Set(Uuid::new_v4()),
            name: Set(format!("Department {d:02}")),
            created_at: Set(Utc::now()),
        };
        let department = departments::Entity::insert(department)
            .exec_with_returning(&app.db)
            .await
            .unwrap();
        for k in 0..DOCTORS_EACH {
            let user = new_staff_account(
                app,
                &format!("dr{d:02}{k:02}@bench.example"),
                &format!("Dr Bench {d:02}-{k:02}"),
                Role::Doctor,
            )
            .await;
            doctor_profiles::Entity::insert(doctor_profiles::ActiveModel {
                user_id: Set(user.id),
                department_id: Set(Some(department.id)),
                specialty_id: Set(None),
                languages: Set(None),
                contact_phone: Set(None),
                updated_at: Set(Utc::now()),
            })
            .exec(&app.db)
            .await
            .unwrap();
            doctors.push((user.id, department.id));
        }
    }
    let admin = doctors[0].0;
    let mut payers = vec![Uuid::nil()];
    for p in 0..PAYERS {
        let payer = shared::insurance::NewPayer {
            name: format!("Payer {p}"),
            share: shared::money::Rate(8_000),
            active: true,
        };
        let view = app::billing::insurance::save_payer(&app.db, None, payer, admin, Utc::now())
            .await
            .unwrap();
        payers.push(view.id.uuid());
    }
    (doctors, payers)
}

/// The daily sums of `charges` charges of the year before `end`.
async fn year_of_charges(
    app: &TestApp,
    charges: usize,
    end: NaiveDate,
    doctors: &[(Uuid, Uuid)],
    payers: &[Uuid],
) -> usize {
    let mut rng = rand::rngs::StdRng::seed_from_u64(20);
    let mut sums: HashMap<(NaiveDate, usize, usize), (i64, i64)> = HashMap::new();
    for _ in 0..charges {
        let day = end - Duration::days(rng.gen_range(0..365));
        // Self-pay (index 0) twice as common as each payer.
        let payer = rng.gen_range(0..payers.len() + 1).saturating_sub(1);
        let doctor = rng.gen_range(0..doctors.len());
        let amount = rng.gen_range(10..=400) * 100;
        let sum = sums.entry((day, doctor, payer)).or_default();
        sum.0 += amount;
        sum.1 += 1;
    }
    let rows: Vec<revenue_days::ActiveModel> = sums
        .into_iter()
        .map(
            |((day, doctor, payer), (amount, lines))| revenue_days::ActiveModel {
                day: Set(day),
                department_id: Set(doctors[doctor].1),
                doctor_id: Set(doctors[doctor].0),
                payer_id: Set(payers[payer]),
                currency: Set("EUR".into()),
                amount: Set(amount),
                lines: Set(lines),
            },
        )
        .collect();
    let count = rows.len();
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let batch: Vec<_> = rows.by_ref().take(1_000).collect();
        revenue_days::Entity::insert_many(batch)
            .exec(&app.db)
            .await
            .unwrap();
    }
    count
}

async fn bench(backend: Backend, a: &Args) {
    let app = spawn_app(backend).await;
    let started = std::time::Instant::now();
    let (doctors, payers) = hospital(&app).await;
    let end = Utc::now().date_naive();
    let rows = year_of_charges(&app, a.charges, end, &doctors, &payers).await;
    eprintln!(
        "{backend:?}: {rows} daily sums made in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let admin = signed_in(&app, "admin@bench.example", Role::Administrator).await;
    let lean =
        Arc::new(support::LeanClient::connect(&app.base, &admin.cookie().expect("cookie")).await);
    println!(
        "\n### Revenue report, {backend:?}: {} charges in {rows} daily sums\n",
        a.charges
    );
    println!(
        "| report | p50 | p95 | p99 | answer | CPU per call |\n|---|---:|---:|---:|---:|---:|"
    );
    let year = (end - Duration::days(364)).to_string();
    let quarter = (end - Duration::days(90)).to_string();
    for (label, from, period, by) in [
        (
            "a year by month and department",
            &year,
            "month",
            "department",
        ),
        ("a year by month and doctor", &year, "month", "doctor"),
        ("a year by month and payer", &year, "month", "payer"),
        ("a year by week and department", &year, "week", "department"),
        ("a quarter by day and doctor", &quarter, "day", "doctor"),
    ] {
        let body = bytes::Bytes::from(
            serde_json::json!({ "form": { "from": from, "to": end.to_string(),
                                          "period": period, "by": by } })
            .to_string(),
        );
        let (status, answer) = lean.post("reports/revenue", body.clone()).await;
        assert!(status.is_success(), "{answer:?}");
        let size = answer.len();
        let lean = lean.clone();
        let run = support::measure(1, a.requests, a.requests, move |_, _| {
            let (lean, body) = (lean.clone(), body.clone());
            async move {
                let (status, answer) = lean.post("reports/revenue", body).await;
                assert!(status.is_success(), "{answer:?}");
            }
        })
        .await;
        println!(
            "| {label} | {} | {} | {} | {size} B | {} |",
            ms(run.stats.p50),
            ms(run.stats.p95),
            ms(run.stats.p99),
            run.cpu_cell()
        );
    }
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

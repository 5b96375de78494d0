//! Benchmarks of scheduling, through the real HTTP server-function endpoints:
//!
//! - free-slot search: one doctor's free slots over 30 days (template,
//!   leave, extra hours, holidays, half the slots booked) in a schedule of
//!   `--doctors` doctors with `--history` past appointments, at 1 and 10
//!   clients, next to the same computation called directly;
//! - booking: 50 signed-in patients booking at once, each through the whole
//!   path (free-slot check, insert under the no-overlap constraint, care
//!   relationship, audit, outbox rows), as bookings per second.
//!
//! ```text
//! cargo bench -p server --bench appointments -- [--doctors 100] [--history 100000]
//!     [--requests 1000] [--clients 50] [--backend sqlite|postgres|both]
//! ```
//! PostgreSQL needs `HMS_TEST_PG_URL` (`make bench` starts a throwaway server).

#![recursion_limit = "512"]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support.rs"]
mod support;

use std::sync::Arc;
use std::time::Instant;

use app::entity::{appointments, availability_exceptions, availability_templates, holidays};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use common::*;
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use shared::appointments::{BookingOutcome, FreeSlot};
use support::{load, ms, stats};
use uuid::Uuid;

const TZ: chrono_tz::Tz = chrono_tz::Europe::Berlin;

struct Args {
    doctors: usize,
    history: usize,
    requests: usize,
    clients: usize,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let value = support::arg;
    let num = |name: &str, default: usize| value(name).map_or(default, |v| v.parse().expect(name));
    Args {
        doctors: num("--doctors", 100),
        history: num("--history", 100_000),
        requests: num("--requests", 1000),
        clients: num("--clients", 50),
        backends: match value("--backend").as_deref() {
            Some("sqlite") => vec![Backend::Sqlite],
            Some("postgres") => vec![Backend::Postgres],
            _ => vec![Backend::Sqlite, Backend::Postgres],
        },
    }
}

/// `n` doctors with a Monday-to-Friday week (09–12, 14–16, 20-minute slots),
/// one leave day and one evening of extra hours each in the coming month.
async fn doctors(app: &TestApp, n: usize) -> Vec<Uuid> {
    let mut ids = Vec::new();
    let today = Utc::now().with_timezone(&TZ).date_naive();
    for i in 0..n {
        let id = common::schedule::doctor(app, &format!("dr.bench{i}@bench.example")).await;
        let mut blocks = Vec::new();
        for weekday in 1..=5 {
            for (start, end) in [("09:00", "12:00"), ("14:00", "16:00")] {
                blocks.push(availability_templates::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    doctor_id: Set(id),
                    weekday: Set(weekday),
                    start_time: Set(start.into()),
                    end_time: Set(end.into()),
                    slot_minutes: Set(20),
                });
            }
        }
        availability_templates::Entity::insert_many(blocks)
            .exec(&app.db)
            .await
            .unwrap();
        let leave = today + Duration::days(10 + (i % 7) as i64);
        let extra = today + Duration::days(15 + (i % 5) as i64);
        let fmt = |d: NaiveDate, t: &str| format!("{}T{t}", d.format("%Y-%m-%d"));
        availability_exceptions::Entity::insert_many([
            availability_exceptions::ActiveModel {
                id: Set(Uuid::new_v4()),
                doctor_id: Set(id),
                kind: Set(shared::schedule::ExceptionKind::Unavailable),
                starts_local: Set(fmt(leave, "00:00")),
                ends_local: Set(fmt(leave + Duration::days(1), "00:00")),
                slot_minutes: Set(None),
                reason: Set(Some("Leave".into())),
            },
            availability_exceptions::ActiveModel {
                id: Set(Uuid::new_v4()),
                doctor_id: Set(id),
                kind: Set(shared::schedule::ExceptionKind::Extra),
                starts_local: Set(fmt(extra, "17:00")),
                ends_local: Set(fmt(extra, "19:00")),
                slot_minutes: Set(Some(20)),
                reason: Set(None),
            },
        ])
        .exec(&app.db)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

async fn patients(app: &TestApp, n: usize) -> Vec<Uuid> {
    let mut out = Vec::new();
    for i in 0..n {
        out.push(basic_patient(app, &format!("Bench{i}")).await);
    }
    out
}

/// `n` completed appointments in the past two years, spread over the doctors
/// and patients, in batches of 500 rows.
async fn history(db: &DatabaseConnection, doctors: &[Uuid], patients: &[Uuid], n: usize) {
    let start = Utc::now() - Duration::days(730);
    let mut rows = Vec::with_capacity(500);
    for i in 0..n {
        // Distinct times per doctor: slot i / doctors of that doctor.
        let at = start + Duration::minutes(20 * (i / doctors.len()) as i64);
        rows.push(appointments::ActiveModel {
            id: Set(Uuid::new_v4()),
            patient_id: Set(patients[i % patients.len()]),
            doctor_id: Set(doctors[i % doctors.len()]),
            starts_at: Set(at),
            ends_at: Set(at + Duration::minutes(20)),
            status: Set(if i % 10 == 0 {
                shared::appointments::AppointmentStatus::NoShow
            } else {
                shared::appointments::AppointmentStatus::Completed
            }),
            reason: Set(None),
            emergency_override: Set(false),
            override_reason: Set(None),
            booked_by: Set(None),
            created_at: Set(at - Duration::days(7)),
            updated_at: Set(at),
            cancelled_at: Set(None),
        });
        if rows.len() == 500 || i + 1 == n {
            appointments::Entity::insert_many(std::mem::take(&mut rows))
                .exec(db)
                .await
                .unwrap();
        }
    }
}

/// `doctor`'s free slots on the `days` days from `from`, computed directly.
async fn free_slots(
    db: &DatabaseConnection,
    doctor: Uuid,
    from: NaiveDate,
    days: i64,
) -> Vec<FreeSlot> {
    app::appointments::service::doctor_free_slots(
        db,
        TZ,
        doctor,
        from,
        from + Duration::days(days - 1),
    )
    .await
    .unwrap()
}

async fn free_slot_bench(backend: Backend, a: &Args) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let t = Instant::now();
    let doctor_ids = doctors(&app, a.doctors).await;
    let patient_ids = patients(&app, 500).await;
    history(&app.db, &doctor_ids, &patient_ids, a.history).await;
    // Ten holidays in the coming months.
    let today = Utc::now().with_timezone(&TZ).date_naive();
    holidays::Entity::insert_many((0..10).map(|k| holidays::ActiveModel {
        day: Set(today + Duration::days(20 + 9 * k)),
        name: Set(format!("Holiday {k}")),
    }))
    .exec(&app.db)
    .await
    .unwrap();
    // Half of the first doctor's slots in the next 30 days are booked.
    let target = doctor_ids[0];
    let free = free_slots(&app.db, target, today, 30).await;
    for (k, s) in free.iter().enumerate().filter(|(k, _)| k % 2 == 0) {
        app::appointments::booking::insert_appointment(
            &app.db,
            app::appointments::booking::NewAppointment {
                patient_id: patient_ids[k % patient_ids.len()],
                doctor_id: target,
                starts_at: s.start,
                ends_at: s.end,
                reason: None,
                booked_by: None,
                emergency_override: None,
            },
        )
        .await
        .unwrap();
    }
    eprintln!(
        "{backend:?}: {} doctors, {} past appointments, {} slots in 30 days ({} booked) set up in {:.1?}",
        a.doctors,
        a.history,
        free.len(),
        free.len().div_ceil(2),
        t.elapsed()
    );

    let client = Arc::new(Client::new(&app.base));
    register_patient(&client, "bench.slots@bench.example", "Slots").await;
    let body = serde_json::json!({ "doctor_id": target, "from": today, "days": 30 });
    let check: Vec<FreeSlot> = client
        .call::<Vec<FreeSlot>>("appointments/free_slots", body.clone())
        .await
        .1
        .unwrap();
    assert!(!check.is_empty());
    for clients in [1usize, 10] {
        let (c, b) = (client.clone(), body.clone());
        let times = load(clients, a.requests, move |_, _| {
            let (c, b) = (c.clone(), b.clone());
            async move {
                let (status, _) = c.call::<Vec<FreeSlot>>("appointments/free_slots", b).await;
                assert!(status.is_success());
            }
        })
        .await;
        let s = stats(times);
        println!(
            "| {backend:?} | free slots, 1 doctor × 30 days, endpoint | {clients} | {} | {} | {} |",
            ms(s.p50),
            ms(s.p95),
            ms(s.p99)
        );
    }
    let db = app.db.clone();
    let times = load(1, a.requests, move |_, _| {
        let db = db.clone();
        async move {
            free_slots(&db, target, today, 30).await;
        }
    })
    .await;
    let s = stats(times);
    println!(
        "| {backend:?} | free slots, 1 doctor × 30 days, direct | 1 | {} | {} | {} |",
        ms(s.p50),
        ms(s.p95),
        ms(s.p99)
    );
}

async fn booking_bench(backend: Backend, a: &Args) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let doctor_ids = doctors(&app, a.clients).await;
    // Every client is a signed-in patient with a doctor of their own, booking
    // that doctor's free slots one after another (weekdays from next Monday).
    let today = Utc::now().with_timezone(&TZ).date_naive();
    let monday = today + Duration::days(7 - i64::from(today.weekday().num_days_from_monday()));
    let mut clients = Vec::new();
    for (i, doctor) in doctor_ids.iter().copied().enumerate() {
        let c = Client::new(&app.base);
        register_patient(&c, &format!("booker{i}@bench.example"), "Booker").await;
        let slots = free_slots(&app.db, doctor, monday, 28).await;
        clients.push(Arc::new((c, doctor, slots)));
    }
    let per = a.requests.div_ceil(a.clients).min(clients[0].2.len());
    let total = per * a.clients;
    let clients = Arc::new(clients);
    let booked = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let (cs, ok) = (clients.clone(), booked.clone());
    let times = load(a.clients, total, move |client, k| {
        let (cs, ok) = (cs.clone(), ok.clone());
        async move {
            let (c, doctor, slots) = &*cs[client];
            let slot = slots[k % per];
            let (status, outcome) = c
                .call::<BookingOutcome>(
                    "appointments/book",
                    serde_json::json!({ "doctor_id": doctor, "start": slot.start, "patient_id": null, "reason": "Check-up" }),
                )
                .await;
            assert!(status.is_success(), "{outcome:?}");
            if matches!(outcome, Ok(BookingOutcome::Booked { .. })) {
                ok.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
        }
    })
    .await;
    let elapsed = started.elapsed();
    let n = booked.load(std::sync::atomic::Ordering::Relaxed);
    let s = stats(times);
    println!(
        "| {backend:?} | booking, {} concurrent patients | {n} of {total} booked in {:.1?} | **{:.0} bookings/s** | p50 {} · p95 {} · p99 {} ms |",
        a.clients,
        elapsed,
        n as f64 / elapsed.as_secs_f64(),
        ms(s.p50),
        ms(s.p95),
        ms(s.p99)
    );
}

fn main() {
    let a = args();
    let runtime = support::runtime();
    runtime.block_on(async {
        println!("Times in milliseconds, measured by the client on loopback.\n");
        println!("| Backend | Measure | Clients | p50 | p95 | p99 |\n|---|---|---|---|---|---|");
        for backend in &a.backends {
            free_slot_bench(*backend, &a).await;
        }
        println!("\n| Backend | Measure | Result | Throughput | Latency |\n|---|---|---|---|---|");
        for backend in &a.backends {
            booking_bench(*backend, &a).await;
        }
    });
}

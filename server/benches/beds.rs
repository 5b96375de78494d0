//! Benchmark of the bed board: a hospital of 1,000 beds (20 wards of 50)
//! with 700 patients in them, then
//!
//! - `beds/board` for the whole hospital through HTTP (session, permission,
//!   audit row, JSON): the server's time per board;
//! - 200 viewers following `GET /api/beds/events` (server-sent events), each
//!   on a connection of its own, and a nurse's change of a bed: the time
//!   until the last of the 200 hears of it (on PostgreSQL through `NOTIFY
//!   hms_beds` and the process's listener, as across processes).
//!
//! ```text
//! cargo bench -p server --bench beds -- [--beds 1000] [--viewers 200] [--requests 50] [--changes 10] [--backend sqlite|postgres|both]
//! ```
//! PostgreSQL needs `HMS_TEST_PG_URL` (`.ci/with-postgres` starts a throwaway server).

#![recursion_limit = "512"]

#[path = "../tests/common/mod.rs"]
mod common;
#[path = "support.rs"]
mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use common::*;
use http_body_util::BodyExt;
use shared::beds::{
    AdmissionSource, BedType, NewAdmission, NewBeds, NewWard, SexRestriction, WardKind,
};
use shared::ids::PatientId;
use shared::Role;
use support::ms;

struct Args {
    beds: usize,
    viewers: usize,
    requests: usize,
    changes: usize,
    backends: Vec<Backend>,
}

fn args() -> Args {
    let value = support::arg;
    Args {
        beds: value("--beds").map_or(1_000, |v| v.parse().expect("--beds")),
        viewers: value("--viewers").map_or(200, |v| v.parse().expect("--viewers")),
        requests: value("--requests").map_or(50, |v| v.parse().expect("--requests")),
        changes: value("--changes").map_or(10, |v| v.parse().expect("--changes")),
        backends: match value("--backend").as_deref() {
            Some("sqlite") => vec![Backend::Sqlite],
            Some("postgres") => vec![Backend::Postgres],
            _ => vec![Backend::Sqlite, Backend::Postgres],
        },
    }
}

const PER_WARD: usize = 50;

/// The hospital: wards of 50 beds, seven in ten occupied. Answers the beds.
async fn hospital(app: &TestApp, beds: usize) -> Vec<uuid::Uuid> {
    let admin = staff_named(
        app,
        "admin@bench.example",
        "Bench Admin",
        Role::Administrator,
    )
    .await;
    let doctor = staff_named(app, "doctor@bench.example", "Bench Doctor", Role::Doctor).await;
    let mut all = Vec::new();
    for w in 0..beds.div_ceil(PER_WARD) {
        let ward = app::beds::service::save_ward(
            &app.db,
            None,
            NewWard {
                name: format!("Ward {w:02}"),
                kind: WardKind::General,
                sex_restriction: SexRestriction::Any,
                active: true,
            },
            admin,
            Utc::now(),
        )
        .await
        .unwrap();
        let n = PER_WARD.min(beds - all.len());
        for room in 0..n.div_ceil(5) {
            let labels: Vec<String> = ["A", "B", "C", "D", "E"]
                .iter()
                .take(n - room * 5)
                .map(|l| l.to_string())
                .collect();
            let added = app::beds::service::add_beds(
                &app.db,
                NewBeds {
                    ward_id: ward.id,
                    room: format!("{}", 100 + room),
                    labels,
                    bed_type: BedType::Standard,
                },
                admin,
                Utc::now(),
            )
            .await
            .unwrap();
            all.extend(added.into_iter().map(|b| b.id));
        }
    }
    for (i, bed) in all.iter().enumerate().filter(|(i, _)| i % 10 < 7) {
        let patient = basic_patient(app, &format!("Inpatient{i}")).await;
        app::beds::service::admit(
            &app.db,
            &app.cipher,
            NewAdmission {
                patient_id: PatientId(patient),
                source: AdmissionSource::Emergency,
                diagnosis: "J18.9".into(),
                expected_days: 4,
                bed_id: (*bed).into(),
                note: None,
            },
            doctor,
            Utc::now(),
        )
        .await
        .unwrap();
    }
    all
}

/// A viewer following the changes on a connection of its own.
struct Viewer {
    body: hyper::body::Incoming,
}

impl Viewer {
    async fn connect(base: &str, cookie: &str) -> Viewer {
        let addr = base.trim_start_matches("http://");
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(hyper_util::rt::TokioIo::new(stream))
                .await
                .expect("handshake");
        tokio::spawn(connection);
        let request = http::Request::get(shared::beds::BED_EVENTS_PATH)
            .header(http::header::HOST, addr)
            .header(http::header::COOKIE, cookie)
            .body(http_body_util::Empty::<bytes::Bytes>::new())
            .expect("request");
        let response = sender.send_request(request).await.expect("response");
        assert!(response.status().is_success(), "{}", response.status());
        let mut viewer = Viewer {
            body: response.into_body(),
        };
        viewer.next().await;
        viewer
    }

    /// Waits for the next `beds` event.
    async fn next(&mut self) {
        loop {
            let frame = self.body.frame().await.expect("open").expect("frame");
            if let Some(data) = frame.data_ref() {
                if data.windows(11).any(|w| w == b"event: beds") {
                    return;
                }
            }
        }
    }
}

async fn bench(backend: Backend, a: &Args) {
    let app = spawn_app(backend).await;
    let started = Instant::now();
    let beds = hospital(&app, a.beds).await;
    eprintln!(
        "{backend:?}: {} beds, {} patients in {:.1} s",
        beds.len(),
        beds.len() * 7 / 10,
        started.elapsed().as_secs_f64()
    );
    let nurse = signed_in(&app, "nurse@bench.example", Role::Nurse).await;
    let cookie = nurse.cookie().expect("cookie");
    let lean = Arc::new(support::LeanClient::connect(&app.base, &cookie).await);
    println!(
        "\n### Bed board, {backend:?}: {} beds, {} viewers\n",
        beds.len(),
        a.viewers
    );
    println!(
        "| measure | p50 | p95 | p99 | answer | CPU per call |\n|---|---:|---:|---:|---:|---:|"
    );
    let body = bytes::Bytes::from(serde_json::json!({ "ward_id": null }).to_string());
    let (status, answer) = lean.post("beds/board", body.clone()).await;
    assert!(status.is_success(), "{answer:?}");
    let size = answer.len();
    let run = {
        let lean = lean.clone();
        support::measure(1, a.requests, a.requests, move |_, _| {
            let (lean, body) = (lean.clone(), body.clone());
            async move {
                let (status, answer) = lean.post("beds/board", body).await;
                assert!(status.is_success(), "{answer:?}");
            }
        })
        .await
    };
    println!(
        "| the whole board ({} beds) | {} | {} | {} | {size} B | {} |",
        beds.len(),
        ms(run.stats.p50),
        ms(run.stats.p95),
        ms(run.stats.p99),
        run.cpu_cell()
    );

    let mut viewers = Vec::new();
    for _ in 0..a.viewers {
        viewers.push(Viewer::connect(&app.base, &cookie).await);
    }
    let mut last = Vec::new();
    let free = beds[7]; // 7 in 10 are occupied: index 7 is free.
    for k in 0..a.changes {
        let (to, reason) = if k % 2 == 0 {
            ("blocked", "Bench")
        } else {
            ("free", "")
        };
        let form = bytes::Bytes::from(
            serde_json::json!({ "form": { "bed_id": free, "status": to, "reason": reason } })
                .to_string(),
        );
        let waiting: Vec<_> = viewers
            .drain(..)
            .map(|mut v| {
                tokio::spawn(async move {
                    v.next().await;
                    (Instant::now(), v)
                })
            })
            .collect();
        let t0 = Instant::now();
        let (status, answer) = lean.post("beds/set_status", form).await;
        assert!(status.is_success(), "{answer:?}");
        let mut slowest = Duration::ZERO;
        for w in waiting {
            let (heard, v) = w.await.expect("viewer");
            slowest = slowest.max(heard - t0);
            viewers.push(v);
        }
        last.push(slowest);
    }
    let s = support::stats(last);
    println!(
        "| a change heard by the last of {} viewers | {} | {} | {} | — | — |",
        a.viewers,
        ms(s.p50),
        ms(s.p95),
        ms(s.p99)
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

//! Booking without double booking, decided by the database, on SQLite and PostgreSQL.

#![recursion_limit = "512"]

mod common;

use app::appointments::booking::{insert_appointment, NewAppointment};
use app::patients::service::{insert_patient, NewPatient};
use chrono::{Duration, TimeZone, Utc};
use common::schedule::*;
use common::*;
use sea_orm::{ActiveModelTrait, EntityTrait, IntoActiveModel, Set};
use shared::appointments::BookingConflict::{PatientAlreadyBooked, SlotTaken};
use shared::patients::AdministrativeSex;
use shared::{AppError, Role};
use uuid::Uuid;

async fn patient(app: &TestApp, given: &str) -> Uuid {
    insert_patient(
        &app.db,
        &app.cipher,
        NewPatient::basic(
            given.into(),
            "Booker".into(),
            None,
            AdministrativeSex::Unknown,
            None,
            None,
        ),
    )
    .await
    .unwrap()
    .id
}

fn slot(hour: u32, minutes: i64) -> (chrono::DateTime<Utc>, chrono::DateTime<Utc>) {
    let start = Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0).unwrap();
    (start, start + Duration::minutes(minutes))
}

fn booking(
    patient_id: Uuid,
    doctor_id: Uuid,
    (starts_at, ends_at): (chrono::DateTime<Utc>, chrono::DateTime<Utc>),
) -> NewAppointment {
    NewAppointment {
        patient_id,
        doctor_id,
        starts_at,
        ends_at,
        reason: Some("Check-up".into()),
        booked_by: None,
        emergency_override: None,
    }
}

async fn fifty_clients_race_for_one_slot(backend: Backend) {
    let app = spawn_app(backend).await;
    let dr = doctor(&app, "dr.race@test.example").await;
    let mut patients = Vec::new();
    for i in 0..50 {
        patients.push(patient(&app, &format!("Racer{i}")).await);
    }
    let mut tasks = Vec::new();
    for p in patients {
        let db = app.db.clone();
        tasks.push(tokio::spawn(async move {
            insert_appointment(&db, booking(p, dr, slot(9, 20))).await
        }));
    }
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(AppError::Booking(SlotTaken)) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(won, 1, "exactly one booking wins the slot");
    let rows = app::entity::appointments::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
}

async fn overlaps_are_refused_and_cancelled_slots_free_up(backend: Backend) {
    let app = spawn_app(backend).await;
    let (a, b) = (
        doctor(&app, "dr.a@test.example").await,
        doctor(&app, "dr.b@test.example").await,
    );
    let (p, q) = (patient(&app, "Pia").await, patient(&app, "Quinn").await);
    let first = insert_appointment(&app.db, booking(p, a, slot(9, 30)))
        .await
        .unwrap();

    // A slot that overlaps by ten minutes is taken, for another patient too.
    let later = (
        slot(9, 30).0 + Duration::minutes(20),
        slot(9, 30).1 + Duration::minutes(20),
    );
    assert_eq!(
        insert_appointment(&app.db, booking(q, a, later))
            .await
            .unwrap_err(),
        AppError::Booking(SlotTaken)
    );
    // Back to back is fine.
    insert_appointment(
        &app.db,
        booking(q, a, (slot(9, 30).1, slot(9, 30).1 + Duration::minutes(30))),
    )
    .await
    .unwrap();
    // The patient cannot be with another doctor at the same time.
    assert_eq!(
        insert_appointment(&app.db, booking(p, b, later))
            .await
            .unwrap_err(),
        AppError::Booking(PatientAlreadyBooked)
    );
    // An emergency override may overlap the doctor's list, with its reason kept.
    let mut urgent = booking(p, a, (slot(9, 30).0, slot(9, 30).0 + Duration::minutes(15)));
    urgent.emergency_override = Some("Chest pain, seen between appointments".into());
    assert_eq!(
        insert_appointment(&app.db, urgent).await.unwrap_err(),
        AppError::Booking(PatientAlreadyBooked),
        "but never a patient's own double booking"
    );
    let r = patient(&app, "Rex").await;
    let mut urgent = booking(r, a, (slot(9, 30).0, slot(9, 30).0 + Duration::minutes(15)));
    urgent.emergency_override = Some("Chest pain, seen between appointments".into());
    let urgent = insert_appointment(&app.db, urgent).await.unwrap();
    assert!(urgent.emergency_override);

    // Cancelling frees the slot; moving an appointment onto a taken slot fails.
    let mut cancelled = first.clone().into_active_model();
    cancelled.status = Set(shared::appointments::AppointmentStatus::Cancelled);
    cancelled.cancelled_at = Set(Some(Utc::now()));
    cancelled.update(&app.db).await.unwrap();
    let again = insert_appointment(&app.db, booking(q, b, slot(9, 30)))
        .await
        .unwrap();
    let mut moved = again.into_active_model();
    moved.doctor_id = Set(a);
    moved.starts_at = Set(slot(9, 30).1);
    moved.ends_at = Set(slot(9, 30).1 + Duration::minutes(30));
    let err = moved.update(&app.db).await.unwrap_err();
    assert!(
        app::appointments::booking::overlap_error(&err).is_some(),
        "{err}"
    );
}

on_both_databases!(
    fifty_clients_race_for_one_slot,
    overlaps_are_refused_and_cancelled_slots_free_up
);

async fn patients_see_free_slots_and_book_one(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let dr = monday_doctor(&app.db, "dr.monday@test.example", &app).await;
    let monday = next_monday();
    let client = Client::new(&app.base);
    register_patient(&client, "pat.book@test.example", "Paula").await;

    let (status, slots) = client
        .call::<Vec<shared::appointments::FreeSlot>>(
            "appointments/free_slots",
            serde_json::json!({ "doctor_id": dr, "from": monday, "days": 7 }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{slots:?}");
    let slots = slots.unwrap();
    let starts: Vec<_> = slots.iter().map(|s| s.start).collect();
    assert_eq!(
        starts,
        vec![
            berlin_utc(monday, 9, 0),
            berlin_utc(monday, 9, 20),
            berlin_utc(monday, 9, 40)
        ],
        "template times are Berlin local times"
    );

    let (status, outcome) = client
        .call::<shared::appointments::BookingOutcome>(
            "appointments/book",
            serde_json::json!({ "doctor_id": dr, "start": slots[1].start, "patient_id": null, "reason": "Back pain" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{outcome:?}");
    assert!(
        matches!(outcome.unwrap(), shared::appointments::BookingOutcome::Booked { start, .. } if start == slots[1].start)
    );
    let (_, after) = client
        .call::<Vec<shared::appointments::FreeSlot>>(
            "appointments/free_slots",
            serde_json::json!({ "doctor_id": dr, "from": monday, "days": 7 }),
        )
        .await;
    assert_eq!(
        after.unwrap().len(),
        2,
        "the booked slot is no longer offered"
    );

    // A time that is not a free slot is refused with alternatives.
    let (_, outcome) = client
        .call::<shared::appointments::BookingOutcome>(
            "appointments/book",
            serde_json::json!({ "doctor_id": dr, "start": slots[1].start, "patient_id": null, "reason": "" }),
        )
        .await;
    match outcome.unwrap() {
        shared::appointments::BookingOutcome::SlotTaken { alternatives, .. } => {
            assert!(alternatives.iter().all(|s| s.start != slots[1].start));
            assert!(!alternatives.is_empty());
        }
        other => panic!("expected alternatives, got {other:?}"),
    }
    // A patient cannot book for someone else.
    let other = patient(&app, "Otto").await;
    let (status, _) = client
        .call::<serde_json::Value>(
            "appointments/book",
            serde_json::json!({ "doctor_id": dr, "start": slots[0].start, "patient_id": other, "reason": "" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
}

/// 50 patients try to book the same slot at once, through two `hms`
/// processes sharing one PostgreSQL (through one in-process server on
/// SQLite): exactly one gets it, everyone else is told it was just taken and
/// offered other times.
async fn fifty_patients_race_through_the_endpoint(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let dr = monday_doctor(&app.db, "dr.race@test.example", &app).await;
    let monday = next_monday();
    let processes = if backend == Backend::Postgres {
        vec![
            start_with(&app.database, &["--timezone", "Europe/Berlin"]).await,
            start_with(&app.database, &["--timezone", "Europe/Berlin"]).await,
        ]
    } else {
        Vec::new()
    };
    let bases: Vec<String> = if processes.is_empty() {
        vec![app.base.clone()]
    } else {
        processes.iter().map(|p| p.base.clone()).collect()
    };
    let mut clients = Vec::new();
    for i in 0..50 {
        let client = Client::new(&bases[i % bases.len()]);
        register_patient(&client, &format!("racer{i}@test.example"), "Racer").await;
        clients.push(client);
    }
    let start = berlin_utc(monday, 9, 20);
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(clients.len()));
    let mut tasks = Vec::new();
    for client in clients {
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            client
                .call::<shared::appointments::BookingOutcome>(
                    "appointments/book",
                    serde_json::json!({ "doctor_id": dr, "start": start, "patient_id": null, "reason": "" }),
                )
                .await
        }));
    }
    let mut booked = 0;
    for t in tasks {
        let (status, outcome) = t.await.unwrap();
        assert_eq!(status, reqwest::StatusCode::OK, "{outcome:?}");
        match outcome.unwrap() {
            shared::appointments::BookingOutcome::Booked { .. } => booked += 1,
            shared::appointments::BookingOutcome::SlotTaken { alternatives, .. } => {
                assert!(!alternatives.is_empty(), "other times are offered");
                assert!(alternatives.iter().all(|s| s.start != start));
            }
        }
    }
    assert_eq!(booked, 1, "exactly one booking for the slot");
    let rows = app::entity::appointments::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    drop(processes);
}

async fn book_at(client: &Client, dr: Uuid, start: chrono::DateTime<Utc>) -> Uuid {
    let (status, outcome) = client
        .call::<shared::appointments::BookingOutcome>(
            "appointments/book",
            serde_json::json!({ "doctor_id": dr, "start": start, "patient_id": null, "reason": "" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{outcome:?}");
    match outcome.unwrap() {
        shared::appointments::BookingOutcome::Booked { id, .. } => id.into(),
        other => panic!("not booked: {other:?}"),
    }
}

async fn status_of(app: &TestApp, id: Uuid) -> String {
    app::entity::appointments::Entity::find_by_id(id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .status
        .as_str()
        .to_string()
}

async fn cancellation_policy_and_atomic_reschedule(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let dr = monday_doctor(&app.db, "dr.policy@test.example", &app).await;
    let monday = next_monday();
    let pia = Client::new(&app.base);
    let outcome = register_patient(&pia, "pia.policy@test.example", "Pia").await;
    let pia_id: Uuid = outcome["user"]["patient_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let other = Client::new(&app.base);
    register_patient(&other, "otto.policy@test.example", "Otto").await;

    // Rescheduling moves the appointment: the old one is cancelled, the new one booked.
    let first = book_at(&pia, dr, berlin_utc(monday, 9, 0)).await;
    let (_, moved) = pia
        .call::<shared::appointments::BookingOutcome>(
            "appointments/reschedule",
            serde_json::json!({ "appointment_id": first, "start": berlin_utc(monday, 9, 40), "override_reason": "" }),
        )
        .await;
    let shared::appointments::BookingOutcome::Booked {
        id: second, start, ..
    } = moved.unwrap()
    else {
        panic!("not moved");
    };
    assert_eq!(start, berlin_utc(monday, 9, 40));
    assert_eq!(status_of(&app, first).await, "cancelled");
    assert_eq!(status_of(&app, second.into()).await, "booked");

    // Someone takes 09:00; moving there fails and Pia keeps 09:40 (never both, never neither).
    book_at(&other, dr, berlin_utc(monday, 9, 0)).await;
    let (_, refused) = pia
        .call::<shared::appointments::BookingOutcome>(
            "appointments/reschedule",
            serde_json::json!({ "appointment_id": second, "start": berlin_utc(monday, 9, 0), "override_reason": "" }),
        )
        .await;
    assert!(matches!(
        refused.unwrap(),
        shared::appointments::BookingOutcome::SlotTaken { .. }
    ));
    assert_eq!(status_of(&app, second.into()).await, "booked");
    let active = app::entity::appointments::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|a| a.patient_id == pia_id && a.status.as_str() == "booked")
        .count();
    assert_eq!(active, 1);

    // Inside the two-hour cut-off: patients are refused, staff override with a reason.
    let soon = Utc::now() + Duration::minutes(60);
    let urgent = insert_appointment(
        &app.db,
        booking(pia_id, dr, (soon, soon + Duration::minutes(20))),
    )
    .await
    .unwrap();
    let (status, refused) = pia
        .call::<()>(
            "appointments/cancel",
            serde_json::json!({ "appointment_id": urgent.id, "override_reason": "" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CONFLICT);
    assert!(matches!(refused, Err(AppError::Conflict(m)) if m.contains("2 hours")));
    let desk = signed_in(&app, "desk.policy@test.example", Role::Receptionist).await;
    let (status, refused) = desk
        .call::<()>(
            "appointments/cancel",
            serde_json::json!({ "appointment_id": urgent.id, "override_reason": "" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused
        .unwrap_err()
        .field_message("override_reason")
        .is_some());
    let (status, done) = desk
        .call::<()>(
            "appointments/cancel",
            serde_json::json!({ "appointment_id": urgent.id, "override_reason": "Doctor called in sick" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{done:?}");
    assert_eq!(status_of(&app, urgent.id).await, "cancelled");
    let rows = audit_rows(&app).await;
    assert!(rows.iter().any(
        |r| r.0 == "appointments.cancel" && r.2.as_deref() == Some("desk.policy@test.example")
    ));

    // Far enough ahead, the patient cancels and the slot is free again.
    let (status, _) = pia
        .call::<()>(
            "appointments/cancel",
            serde_json::json!({ "appointment_id": second, "override_reason": "" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let (_, slots) = pia
        .call::<Vec<shared::appointments::FreeSlot>>(
            "appointments/free_slots",
            serde_json::json!({ "doctor_id": dr, "from": monday, "days": 1 }),
        )
        .await;
    assert!(slots
        .unwrap()
        .iter()
        .any(|s| s.start == berlin_utc(monday, 9, 40)));
    // Another patient's appointment is not Pia's to cancel.
    let (status, _) = other
        .call::<()>(
            "appointments/cancel",
            serde_json::json!({ "appointment_id": second, "override_reason": "" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
}

async fn day_list_attendance_and_calendar_file(backend: Backend) {
    use shared::appointments::{AppointmentStatus, AppointmentView};
    let app = spawn_app_with(
        backend,
        &[
            "--timezone",
            "Europe/Berlin",
            "--hospital-name",
            "St Test Hospital",
        ],
    )
    .await;
    let dr = monday_doctor(&app.db, "dr.day@test.example", &app).await;
    let doctor = Client::new(&app.base);
    let (status, _) = doctor.login("dr.day@test.example", PASSWORD).await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let monday = next_monday();
    let pia = Client::new(&app.base);
    let outcome = register_patient(&pia, "pia.day@test.example", "Pia").await;
    let pia_id: Uuid = outcome["user"]["patient_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let (_, booked) = pia
        .call::<shared::appointments::BookingOutcome>(
            "appointments/book",
            serde_json::json!({ "doctor_id": dr, "start": berlin_utc(monday, 9, 20), "patient_id": null, "reason": "Back pain" }),
        )
        .await;
    let shared::appointments::BookingOutcome::Booked { id, .. } = booked.unwrap() else {
        panic!("not booked");
    };

    // The patient's list and calendar file: time, place, doctor, nothing clinical.
    let (_, mine) = pia
        .call::<Vec<AppointmentView>>("appointments/mine", serde_json::json!({}))
        .await;
    let mine = mine.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].id, mine[0].status, mine[0].doctor_name.as_str()),
        (id, AppointmentStatus::Booked, "Test Person")
    );
    let response = pia
        .http
        .get(format!("{}/api/appointments/{id}/ics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/calendar"));
    let ics = response.text().await.unwrap();
    for line in [
        "BEGIN:VCALENDAR",
        "BEGIN:VEVENT",
        &format!(
            "DTSTART:{}",
            berlin_utc(monday, 9, 20).format("%Y%m%dT%H%M%SZ")
        ),
        &format!(
            "DTEND:{}",
            berlin_utc(monday, 9, 40).format("%Y%m%dT%H%M%SZ")
        ),
        "SUMMARY:Appointment with Test Person",
        "LOCATION:St Test Hospital",
        "END:VCALENDAR",
    ] {
        assert!(
            ics.contains(&format!("{line}\r\n")),
            "{line} missing from {ics}"
        );
    }
    assert!(
        !ics.contains("Back pain"),
        "no clinical content in calendar files"
    );
    let stranger = Client::new(&app.base);
    register_patient(&stranger, "stranger.day@test.example", "Sam").await;
    let response = stranger
        .http
        .get(format!("{}/api/appointments/{id}/ics", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), reqwest::StatusCode::FORBIDDEN);

    // The doctor's day list, and the appointment opens the chart to them.
    let (status, day) = doctor
        .call::<Vec<AppointmentView>>(
            "appointments/day",
            serde_json::json!({ "doctor_id": null, "date": monday }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{day:?}");
    let day = day.unwrap();
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].patient_id, pia_id);
    assert_eq!(day[0].patient_name, "Tester, Pia");
    let (status, chart) = doctor
        .call::<serde_json::Value>("chart/summary", serde_json::json!({ "patient_id": pia_id }))
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{chart:?}");
    assert_eq!(
        chart.unwrap()["access"],
        serde_json::json!({ "CareRelationship": "appointment" })
    );

    // Attendance moves forward only; another doctor cannot touch it.
    let set = |status: &'static str| serde_json::json!({ "appointment_id": id, "status": status });
    let (s, _) = doctor
        .call::<()>("appointments/set_status", set("completed"))
        .await;
    assert_eq!(s, reqwest::StatusCode::CONFLICT);
    for step in ["checked_in", "in_progress", "completed"] {
        let (s, r) = doctor
            .call::<()>("appointments/set_status", set(step))
            .await;
        assert_eq!(s, reqwest::StatusCode::OK, "{step}: {r:?}");
    }
    let other = signed_in(&app, "dr.other@test.example", Role::Doctor).await;
    let (s, _) = other
        .call::<()>("appointments/set_status", set("no_show"))
        .await;
    assert_eq!(s, reqwest::StatusCode::FORBIDDEN);
    let (s, _) = other
        .call::<serde_json::Value>(
            "appointments/day",
            serde_json::json!({ "doctor_id": dr, "date": monday }),
        )
        .await;
    assert_eq!(
        s,
        reqwest::StatusCode::FORBIDDEN,
        "a doctor sees their own day only"
    );
    let (_, mine) = pia
        .call::<Vec<AppointmentView>>("appointments/mine", serde_json::json!({}))
        .await;
    assert_eq!(mine.unwrap()[0].status, AppointmentStatus::Completed);
}

/// The demo data: the directory shows the demo doctor in General medicine,
/// with a phone number for staff only, and a bookable working week.
async fn the_directory_and_the_demo_week(backend: Backend) {
    use shared::appointments::{DoctorCard, FreeSlot};
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    server::seed::seed_demo(
        &app.db,
        chrono_tz::Europe::Berlin,
        shared::money::Currency::parse("EUR").unwrap(),
        &app.cipher,
    )
    .await
    .unwrap();
    let patient = Client::new(&app.base);
    let (status, _) = patient
        .login(
            server::seed::DEMO_PATIENT_EMAIL,
            server::seed::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let (status, cards) = patient
        .call::<Vec<DoctorCard>>(
            "appointments/doctors",
            serde_json::json!({ "department": null }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{cards:?}");
    let cards = cards.unwrap();
    let amina = cards
        .iter()
        .find(|c| c.name == "Dr Amina Yusuf")
        .expect("demo doctor listed");
    assert_eq!(amina.initials, "AY");
    assert_eq!(amina.department.as_deref(), Some("General medicine"));
    assert_eq!(amina.specialty.as_deref(), Some("Family medicine"));
    assert_eq!(
        amina.contact_phone, None,
        "patients do not see staff numbers"
    );
    let (_, cardiology) = patient
        .call::<Vec<DoctorCard>>(
            "appointments/doctors",
            serde_json::json!({ "department": "Cardiology" }),
        )
        .await;
    assert!(cardiology.unwrap().is_empty());

    let desk = Client::new(&app.base);
    let (status, _) = desk
        .login(
            "reception@demo-hospital.example",
            server::seed::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    let (_, cards) = desk
        .call::<Vec<DoctorCard>>(
            "appointments/doctors",
            serde_json::json!({ "department": "General medicine" }),
        )
        .await;
    assert!(cards
        .unwrap()
        .iter()
        .any(|c| c.id == amina.id && c.contact_phone.is_some()));

    // Monday to Friday, 09:00–12:00 and 14:00–16:00 in 20-minute slots: 15 a
    // day (the week after next, beyond the demo's booked appointments).
    let (_, week) = patient
        .call::<Vec<FreeSlot>>(
            "appointments/free_slots",
            serde_json::json!({ "doctor_id": amina.id, "from": next_monday() + Duration::days(7), "days": 7 }),
        )
        .await;
    assert_eq!(week.unwrap().len(), 75);
    // The other demo patients have appointments: some ahead, some attended,
    // some missed; the demo patient herself starts with none.
    let rows = app::entity::appointments::Entity::find()
        .all(&app.db)
        .await
        .unwrap();
    let count = |s: &str| rows.iter().filter(|a| a.status.as_str() == s).count();
    assert!(count("booked") >= 8 && count("completed") > 0 && count("no_show") > 0);
    let (_, mine) = patient
        .call::<Vec<shared::appointments::AppointmentView>>(
            "appointments/mine",
            serde_json::json!({}),
        )
        .await;
    assert!(mine.unwrap().is_empty());
}

async fn admins_assign_emergencies_over_the_normal_slots(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let dr = monday_doctor(&app.db, "dr.er@test.example", &app).await;
    let monday = next_monday();
    let pia = Client::new(&app.base);
    register_patient(&pia, "pia.er@test.example", "Pia").await;
    book_at(&pia, dr, berlin_utc(monday, 9, 0)).await;
    let urgent = patient(&app, "Urgent").await;
    let admin = signed_in(&app, "admin.er@test.example", Role::Administrator).await;
    let body = |reason: &str| {
        serde_json::json!({ "patient_id": urgent, "doctor_id": dr, "start": format!("{monday}T09:05"),
            "minutes": 15, "reason": reason })
    };
    let (status, refused) = admin.call::<Uuid>("appointments/emergency", body("")).await;
    assert_eq!(status, reqwest::StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.unwrap_err().field_message("reason").is_some());
    let (status, id) = admin
        .call::<Uuid>(
            "appointments/emergency",
            body("Acute chest pain, seen at once"),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{id:?}");
    let row = app::entity::appointments::Entity::find_by_id(id.unwrap())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.emergency_override);
    assert_eq!(row.starts_at, berlin_utc(monday, 9, 5), "hospital time");
    assert_eq!(
        row.override_reason.as_deref(),
        Some("Acute chest pain, seen at once")
    );
    assert!(audit_rows(&app)
        .await
        .iter()
        .any(|r| r.0 == "appointments.emergency"));
    // The front desk books normally but cannot override the schedule.
    let desk = signed_in(&app, "desk.er@test.example", Role::Receptionist).await;
    let (status, _) = desk
        .call::<Uuid>(
            "appointments/emergency",
            body("Acute chest pain, seen at once"),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::FORBIDDEN);
}

on_both_databases!(
    admins_assign_emergencies_over_the_normal_slots,
    the_directory_and_the_demo_week,
    day_list_attendance_and_calendar_file,
    patients_see_free_slots_and_book_one,
    fifty_patients_race_through_the_endpoint,
    cancellation_policy_and_atomic_reschedule
);

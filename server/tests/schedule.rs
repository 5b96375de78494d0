//! Managing the schedule through the server functions: departments and
//! profiles, templates and exceptions (by administrators and by the doctor
//! themselves), holidays, "first available" choices and the administrators'
//! overview with utilisation and no-show rate. On SQLite and PostgreSQL.

#![recursion_limit = "512"]

mod common;

use chrono::Duration;
use common::schedule::*;
use common::*;
use reqwest::StatusCode;
use serde_json::json;
use shared::appointments::{AppointmentStatus, BookingOutcome, DayChoices, Overview};
use shared::schedule::{AvailabilityView, Department};
use shared::Role;
use uuid::Uuid;

async fn ok<T: serde::de::DeserializeOwned + std::fmt::Debug>(
    c: &Client,
    endpoint: &str,
    body: serde_json::Value,
) -> T {
    let (status, out) = c.call::<T>(endpoint, body).await;
    assert_eq!(status, StatusCode::OK, "{endpoint}: {out:?}");
    out.unwrap()
}

fn template(day: &str, start: &str, end: &str) -> serde_json::Value {
    json!({ "weekday": day, "start": start, "end": end, "slot_minutes": "30" })
}

async fn admins_and_doctors_manage_availability(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let admin = signed_in(&app, "admin.sched@test.example", Role::Administrator).await;
    let dr = Client::new(&app.base);
    let dr_id = doctor(&app, "dr.own@test.example").await;
    let (status, _) = dr.login("dr.own@test.example", PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    let other = doctor(&app, "dr.other@test.example").await;

    // Departments, specialties, the directory profile.
    let cardio: Uuid = ok(
        &admin,
        "schedule/save_department",
        json!({ "id": null, "name": "Cardiology" }),
    )
    .await;
    let (status, dup) = admin
        .call::<Uuid>(
            "schedule/save_department",
            json!({ "id": null, "name": "Cardiology" }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(dup
        .unwrap_err()
        .field_message("name")
        .unwrap()
        .contains("exists"));
    let spec: Uuid = ok(
        &admin,
        "schedule/add_specialty",
        json!({ "department_id": cardio, "name": "Heart failure" }),
    )
    .await;
    ok::<()>(
        &admin,
        "schedule/save_profile",
        json!({ "doctor_id": dr_id, "form": {
        "department_id": cardio.to_string(), "specialty_id": spec.to_string(),
        "languages": "English, Turkish", "contact_phone": "+49301234567" } }),
    )
    .await;
    let (status, unknown) = admin
        .call::<()>(
            "schedule/save_profile",
            json!({ "doctor_id": dr_id, "form": {
            "department_id": Uuid::new_v4().to_string(), "specialty_id": "",
            "languages": "", "contact_phone": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(unknown
        .unwrap_err()
        .field_message("department_id")
        .is_some());
    let depts: Vec<Department> = ok(&dr, "schedule/departments", json!({})).await;
    assert_eq!(depts[0].specialties[0].name, "Heart failure");
    let (status, _) = dr
        .call::<Uuid>(
            "schedule/save_department",
            json!({ "id": null, "name": "Mine" }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "doctors do not manage departments"
    );

    // The doctor edits their own week; blocks on one day may not overlap.
    ok::<Uuid>(
        &dr,
        "schedule/add_template",
        json!({ "doctor_id": dr_id, "form": template("1", "09:00", "11:00") }),
    )
    .await;
    let (status, clash) = dr
        .call::<Uuid>(
            "schedule/add_template",
            json!({ "doctor_id": dr_id, "form": template("1", "10:30", "12:00") }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(clash
        .unwrap_err()
        .field_message("start")
        .unwrap()
        .contains("09:00–11:00"));
    let (status, bad) = dr
        .call::<Uuid>(
            "schedule/add_template",
            json!({ "doctor_id": dr_id, "form": template("9", "13:00", "12:00") }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = bad.unwrap_err();
    assert!(bad.field_message("weekday").is_some() && bad.field_message("end").is_some());
    // …but not another doctor's.
    let (status, _) = dr
        .call::<Uuid>(
            "schedule/add_template",
            json!({ "doctor_id": other, "form": template("2", "09:00", "10:00") }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The administrator adds an afternoon for them.
    let afternoon: Uuid = ok(
        &admin,
        "schedule/add_template",
        json!({ "doctor_id": dr_id, "form": template("1", "14:00", "15:00") }),
    )
    .await;

    let monday = next_monday() + Duration::days(7);
    async fn choices(
        c: &Client,
        doctor: Option<Uuid>,
        department: Option<Uuid>,
    ) -> Vec<DayChoices> {
        let monday = next_monday() + Duration::days(7);
        ok(
            c,
            "appointments/choices",
            json!({ "department_id": department, "doctor_id": doctor, "from": monday, "days": 1 }),
        )
        .await
    }
    let times = |days: &[DayChoices]| {
        days.iter()
            .flat_map(|d| d.slots.iter().map(|s| s.time.clone()))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        times(&choices(&dr, Some(dr_id), None).await),
        ["09:00", "09:30", "10:00", "10:30", "14:00", "14:30"]
    );

    // Leave on Monday morning; extra hours in the evening.
    let day = monday.format("%Y-%m-%d").to_string();
    let away: u64 = ok(
        &dr,
        "schedule/add_exception",
        json!({ "doctor_id": dr_id, "form": {
        "kind": "unavailable", "starts": format!("{day}T09:00"), "ends": format!("{day}T10:00"),
        "slot_minutes": "", "reason": "Course" } }),
    )
    .await;
    assert_eq!(away, 0, "no bookings affected");
    ok::<u64>(
        &dr,
        "schedule/add_exception",
        json!({ "doctor_id": dr_id, "form": {
        "kind": "extra", "starts": format!("{day}T18:00"), "ends": format!("{day}T19:00"),
        "slot_minutes": "60", "reason": "" } }),
    )
    .await;
    assert_eq!(
        times(&choices(&dr, Some(dr_id), None).await),
        ["10:00", "10:30", "14:00", "14:30", "18:00"]
    );
    ok::<()>(
        &admin,
        "schedule/remove_template",
        json!({ "id": afternoon }),
    )
    .await;
    let view: AvailabilityView =
        ok(&dr, "schedule/availability", json!({ "doctor_id": dr_id })).await;
    assert_eq!(view.templates.len(), 1);
    assert_eq!(view.exceptions.len(), 2);
    assert_eq!(view.timezone, "Europe/Berlin");
    let leave = view
        .exceptions
        .iter()
        .find(|e| e.reason.as_deref() == Some("Course"))
        .unwrap();
    ok::<()>(&dr, "schedule/remove_exception", json!({ "id": leave.id })).await;
    assert_eq!(
        times(&choices(&dr, Some(dr_id), None).await),
        ["09:00", "09:30", "10:00", "10:30", "18:00"]
    );

    // A hospital holiday removes the template's slots (not the extra hours).
    let (status, _) = dr
        .call::<()>(
            "schedule/add_holiday",
            json!({ "form": { "day": day, "name": "Founders' day" } }),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::FORBIDDEN,
        "holidays are for administrators"
    );
    ok::<()>(
        &admin,
        "schedule/add_holiday",
        json!({ "form": { "day": day, "name": "Founders' day" } }),
    )
    .await;
    let (status, again) = admin
        .call::<()>(
            "schedule/add_holiday",
            json!({ "form": { "day": day, "name": "Twice" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{again:?}");
    assert_eq!(times(&choices(&dr, Some(dr_id), None).await), ["18:00"]);
    ok::<()>(&admin, "schedule/remove_holiday", json!({ "day": day })).await;

    // Every change is in the audit trail.
    let actions: Vec<String> = audit_rows(&app).await.into_iter().map(|r| r.0).collect();
    for a in [
        "schedule.department",
        "schedule.profile",
        "schedule.template.add",
        "schedule.template.remove",
        "schedule.exception.add",
        "schedule.exception.remove",
        "schedule.holiday.add",
        "schedule.holiday.remove",
    ] {
        assert!(actions.iter().any(|x| x == a), "{a} audited");
    }
}

async fn first_available_and_the_overview(backend: Backend) {
    let app = spawn_app_with(backend, &["--timezone", "Europe/Berlin"]).await;
    let admin = signed_in(&app, "admin.ov@test.example", Role::Administrator).await;
    let a = monday_doctor(&app.db, "dr.a.ov@test.example", &app).await;
    let b = monday_doctor(&app.db, "dr.b.ov@test.example", &app).await;
    let monday = next_monday() + Duration::days(7);
    let patient = Client::new(&app.base);
    register_patient(&patient, "first@test.example", "Fay").await;
    let first: Vec<DayChoices> = ok(
        &patient,
        "appointments/choices",
        json!({ "department_id": null, "doctor_id": null, "from": monday, "days": 7 }),
    )
    .await;
    assert_eq!(first.len(), 1, "Mondays only");
    let slots = &first[0].slots;
    assert_eq!(
        slots.len(),
        3,
        "one choice per time, the first doctor free then"
    );
    let booked: BookingOutcome = ok(&patient, "appointments/book",
        json!({ "doctor_id": slots[0].doctor_id, "start": slots[0].start, "patient_id": null, "reason": "" })).await;
    assert!(matches!(booked, BookingOutcome::Booked { .. }));
    let again: Vec<DayChoices> = ok(
        &patient,
        "appointments/choices",
        json!({ "department_id": null, "doctor_id": null, "from": monday, "days": 1 }),
    )
    .await;
    assert_eq!(
        again[0].slots.len(),
        3,
        "the other doctor is still free at 09:00"
    );
    assert_ne!(again[0].slots[0].doctor_id, slots[0].doctor_id);

    let ov: Overview = ok(
        &admin,
        "appointments/overview",
        json!({ "from": monday, "days": 7, "department_id": null, "doctor_id": null }),
    )
    .await;
    assert_eq!(ov.days.len(), 7);
    assert_eq!(ov.appointments, 1);
    // Two doctors × 60 minutes offered, 20 booked.
    assert_eq!(ov.utilisation_percent, Some(17));
    assert_eq!(
        ov.days[0]
            .doctors
            .iter()
            .map(|d| d.capacity_minutes)
            .sum::<i64>(),
        120
    );
    assert_eq!(ov.no_show_percent, None, "nothing due yet");
    let one: Overview = ok(
        &admin,
        "appointments/overview",
        json!({ "from": monday, "days": 1, "department_id": null, "doctor_id": b }),
    )
    .await;
    assert_eq!(one.days[0].doctors.len(), 1);

    // No-shows among past appointments: move two into the past.
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let past = chrono::Utc::now() - Duration::days(2);
    for (doctor, status) in [
        (a, AppointmentStatus::NoShow),
        (b, AppointmentStatus::Completed),
    ] {
        let pid = basic_patient(&app, "Past").await;
        let row = app::appointments::booking::insert_appointment(
            &app.db,
            app::appointments::booking::NewAppointment {
                patient_id: pid,
                doctor_id: doctor,
                starts_at: past,
                ends_at: past + Duration::minutes(20),
                reason: None,
                booked_by: None,
                emergency_override: None,
            },
        )
        .await
        .unwrap();
        let mut row = row.into_active_model();
        row.status = Set(status);
        row.update(&app.db).await.unwrap();
    }
    let from = (past - Duration::days(1)).date_naive();
    let ov: Overview = ok(
        &admin,
        "appointments/overview",
        json!({ "from": from, "days": 3, "department_id": null, "doctor_id": null }),
    )
    .await;
    assert_eq!((ov.no_shows, ov.no_show_percent), (1, Some(50)));
    let (status, _) = patient
        .call::<Overview>(
            "appointments/overview",
            json!({ "from": from, "days": 3, "department_id": null, "doctor_id": null }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_databases!(
    admins_and_doctors_manage_availability,
    first_available_and_the_overview
);

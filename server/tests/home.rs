//! What the portals' homes show, over HTTP on SQLite and PostgreSQL: a
//! clinician's unsigned notes, the patients in their care and the charts
//! they opened lately (only those they may still open); the front desk's
//! arrivals of the hospital's day; the hospital's date for a doctor's own
//! day list.

mod common;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use common::{basic_patient, ok, schedule, user_id, Backend, Client, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::access::CareRelationshipKind;
use shared::appointments::{AppointmentStatus, AppointmentView};
use shared::chart::{EncounterForm, Soap};
use shared::Role;
use uuid::Uuid;

use app::appointments::today::TodaysArrivals;
use app::chart::worklist::{DraftNotes, RecentChart};
use app::patients::in_care::InCare;

/// A staff account of `role`, signed in; its client and id.
async fn staff(app: &TestApp, email: &str, role: Role) -> (Client, Uuid) {
    let id = if role == Role::Doctor {
        schedule::doctor(app, email).await
    } else {
        common::staff(app, email, role).await;
        user_id(app, email).await
    };
    let client = Client::new(&app.base);
    let (status, outcome) = client.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{outcome:?}");
    (client, id)
}

/// A patient ("<given> Patient") in the care of `clinician`.
async fn patient_of(app: &TestApp, given: &str, clinician: Uuid) -> Uuid {
    let patient = basic_patient(app, given).await;
    app::patients::access::add_relationship(
        &app.db,
        patient,
        clinician,
        CareRelationshipKind::Assigned,
        None,
    )
    .await
    .unwrap();
    patient
}

/// Ends every care relationship between the patient and the clinician.
async fn end_care(app: &TestApp, patient: Uuid, clinician: Uuid) {
    use app::entity::care_relationships::{ActiveModel, Column, Entity};
    use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, IntoActiveModel, QueryFilter, Set};
    for row in Entity::find()
        .filter(Column::PatientId.eq(patient))
        .filter(Column::UserId.eq(clinician))
        .all(&app.db)
        .await
        .unwrap()
    {
        let mut row: ActiveModel = row.into_active_model();
        row.ends_at = Set(Some(Utc::now() - Duration::minutes(1)));
        row.update(&app.db).await.unwrap();
    }
}

/// Opens an encounter and saves a draft note in it; answers the note's id.
async fn draft(client: &Client, patient: Uuid, reason: &str) -> Uuid {
    let encounter: Uuid = ok(
        client,
        "chart/open_encounter",
        json!({ "patient_id": patient, "form": EncounterForm {
            kind: "outpatient".into(),
            reason: reason.into(),
            ..Default::default()
        }}),
    )
    .await;
    let soap = Soap {
        subjective: format!("{reason}, for a week"),
        assessment: "To be reviewed".into(),
        ..Default::default()
    };
    ok(
        client,
        "chart/save_note",
        json!({ "patient_id": patient, "encounter_id": encounter, "note_id": null, "soap": soap }),
    )
    .await
}

fn names(hits: impl IntoIterator<Item = shared::patients::PatientSearchHit>) -> Vec<String> {
    hits.into_iter().map(|h| h.given_name).collect()
}

async fn clinician_worklists(backend: Backend) {
    let app = common::spawn_app(backend).await;
    let (doctor, doctor_id) = staff(&app, "doctor@home.example", Role::Doctor).await;
    let (nurse, nurse_id) = staff(&app, "nurse@home.example", Role::Nurse).await;
    let ada = patient_of(&app, "Ada", doctor_id).await;
    let bea = patient_of(&app, "Bea", doctor_id).await;
    patient_of(&app, "Cyd", nurse_id).await;
    app::patients::access::add_relationship(
        &app.db,
        ada,
        nurse_id,
        CareRelationshipKind::Assigned,
        None,
    )
    .await
    .unwrap();

    // Nothing yet: empty lists, not errors.
    let notes: DraftNotes = ok(&doctor, "chart/unsigned_notes", json!({})).await;
    assert_eq!((notes.notes.len(), notes.total), (0, 0));
    let recent: Vec<RecentChart> = ok(&doctor, "chart/recent", json!({})).await;
    assert!(recent.is_empty(), "{recent:?}");

    // The patients in care, the latest first; the nurse sees her own.
    let care: InCare = ok(&doctor, "patients/in_my_care", json!({})).await;
    assert_eq!(names(care.patients), ["Bea", "Ada"]);
    assert_eq!(care.total, 2);
    let care: InCare = ok(&nurse, "patients/in_my_care", json!({})).await;
    assert_eq!(names(care.patients), ["Ada", "Cyd"]);

    // A draft stays on the list until it is signed; a signed note is not on it.
    let waiting = draft(&doctor, ada, "Wheeze at night").await;
    let signed = draft(&doctor, ada, "Sprained ankle").await;
    let _: Value = ok(
        &doctor,
        "chart/sign_note",
        json!({ "patient_id": ada, "note_id": signed }),
    )
    .await;
    let notes: DraftNotes = ok(&doctor, "chart/unsigned_notes", json!({})).await;
    assert_eq!(notes.total, 1);
    let [note] = notes.notes.as_slice() else {
        panic!("one draft: {notes:?}")
    };
    assert_eq!(note.note_id, waiting);
    assert_eq!(note.patient.id, ada);
    assert_eq!(note.patient.family_name, "Patient");
    assert_eq!(note.visit, "Wheeze at night");
    assert!(
        note.saved.contains(&Utc::now().format("%Y").to_string()),
        "{note:?}"
    );
    // Another clinician's list holds only their own drafts.
    let notes: DraftNotes = ok(&nurse, "chart/unsigned_notes", json!({})).await;
    assert_eq!(notes.total, 0, "{notes:?}");

    // The charts opened, newest first, each patient once.
    for patient in [ada, bea, ada, bea] {
        let _: Value = ok(&doctor, "chart/summary", json!({ "patient_id": patient })).await;
    }
    let recent: Vec<RecentChart> = ok(&doctor, "chart/recent", json!({})).await;
    assert_eq!(
        recent.iter().map(|r| r.patient.id).collect::<Vec<_>>(),
        [bea, ada]
    );
    assert!(!recent[0].opened.is_empty());
    // The nurse opened none.
    let recent: Vec<RecentChart> = ok(&nurse, "chart/recent", json!({})).await;
    assert!(recent.is_empty(), "{recent:?}");

    // Once Bea's care ends, she leaves both lists: the doctor may not open
    // her chart any more.
    end_care(&app, bea, doctor_id).await;
    let recent: Vec<RecentChart> = ok(&doctor, "chart/recent", json!({})).await;
    assert_eq!(
        recent.iter().map(|r| r.patient.id).collect::<Vec<_>>(),
        [ada]
    );
    let care: InCare = ok(&doctor, "patients/in_my_care", json!({})).await;
    assert_eq!(names(care.patients), ["Ada"]);
    assert_eq!(care.total, 1);

    // Each list is read under its own audit event, naming no patient.
    let rows = common::audit_rows(&app).await;
    for action in [
        "chart.unsigned_notes",
        "chart.recent",
        "patients.in_my_care",
    ] {
        assert!(
            rows.iter()
                .any(|r| r.0 == action && r.1 == "success" && r.3.is_none()),
            "no {action} event"
        );
    }
}

/// An appointment of `patient` with `doctor` at `start`, 20 minutes, in `status`.
async fn appointment(
    app: &TestApp,
    patient: Uuid,
    doctor: Uuid,
    start: DateTime<Utc>,
    status: AppointmentStatus,
) -> Uuid {
    use sea_orm::{ActiveModelTrait, IntoActiveModel, Set};
    let row = app::appointments::booking::insert_appointment(
        &app.db,
        app::appointments::booking::NewAppointment {
            patient_id: patient,
            doctor_id: doctor,
            starts_at: start,
            ends_at: start + Duration::minutes(20),
            reason: Some("Check-up".into()),
            booked_by: None,
            emergency_override: None,
        },
    )
    .await
    .unwrap();
    let id = row.id;
    let mut row = row.into_active_model();
    row.status = Set(status);
    row.update(&app.db).await.unwrap();
    id
}

async fn todays_appointments(backend: Backend) {
    // Fourteen hours ahead of UTC: the hospital's day is not the server's.
    let tz = chrono_tz::Pacific::Kiritimati;
    let app = common::spawn_app_with(backend, &["--timezone", "Pacific/Kiritimati"]).await;
    let (doctor, doctor_id) = staff(&app, "doctor@today.example", Role::Doctor).await;
    let (other, other_id) = staff(&app, "other@today.example", Role::Doctor).await;
    let (desk, _) = staff(&app, "desk@today.example", Role::Receptionist).await;
    let today: NaiveDate = Utc::now().with_timezone(&tz).date_naive();
    let at = |day: NaiveDate, minutes: i64| {
        app::appointments::slots::to_utc(tz, day.and_time(NaiveTime::MIN)).unwrap()
            + Duration::minutes(minutes)
    };
    let mut patients = Vec::new();
    for given in ["Ann", "Ben", "Cat", "Dan", "Eve", "Fay"] {
        patients.push(basic_patient(&app, given).await);
    }
    use AppointmentStatus::*;
    let checked_in = appointment(&app, patients[0], doctor_id, at(today, 30), CheckedIn).await;
    let booked = appointment(&app, patients[1], other_id, at(today, 10), Booked).await;
    appointment(&app, patients[2], doctor_id, at(today, 60), Completed).await;
    appointment(&app, patients[3], doctor_id, at(today, 90), Cancelled).await;
    appointment(
        &app,
        patients[4],
        doctor_id,
        at(today, 24 * 60 + 30),
        Booked,
    )
    .await;
    appointment(&app, patients[5], doctor_id, at(today, -30), Booked).await;

    // The hospital's date, which the doctor's home asks its day list for.
    let date: NaiveDate = ok(&doctor, "appointments/today", json!({})).await;
    assert_eq!(date, today);
    let mine: Vec<AppointmentView> = ok(
        &doctor,
        "appointments/day",
        json!({ "doctor_id": null, "date": date }),
    )
    .await;
    assert_eq!(
        mine.iter().map(|a| a.status).collect::<Vec<_>>(),
        [CheckedIn, Completed],
        "{mine:?}"
    );
    let theirs: Vec<AppointmentView> = ok(
        &other,
        "appointments/day",
        json!({ "doctor_id": null, "date": date }),
    )
    .await;
    assert_eq!(theirs.len(), 1);

    // The front desk sees every doctor's day: who is still expected, in
    // order, the checked-in marked; finished and cancelled ones only counted.
    let arrivals: TodaysArrivals = ok(&desk, "appointments/arrivals", json!({})).await;
    assert_eq!(arrivals.date, today);
    assert_eq!(
        arrivals.expected.iter().map(|a| a.id).collect::<Vec<_>>(),
        [booked, checked_in]
    );
    assert_eq!(arrivals.expected[1].status, CheckedIn);
    assert_eq!(arrivals.expected[1].time, "00:30–00:50", "hospital time");
    assert_eq!(arrivals.expected[0].patient_name, "Patient, Ben");
    assert_eq!((arrivals.total, arrivals.checked_in), (3, 1));

    // A doctor has no front-desk view, a nurse no day list to ask the date for.
    let (status, _) = doctor
        .call::<Value>("appointments/arrivals", json!({}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let nurse = common::signed_in(&app, "nurse@today.example", Role::Nurse).await;
    let (status, _) = nurse.call::<Value>("appointments/today", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

on_both_databases!(clinician_worklists, todays_appointments);

//! Beds and inpatients: wards and beds kept by administrators, the bed
//! status state machine, one patient per bed under concurrent admissions
//! (the database's own refusal too), admission with its care relationship,
//! transfers keeping the history of where the patient was, discharge with
//! the signed summary, the ward's inpatients, and bed days charged exactly
//! once per night. On SQLite and PostgreSQL.

mod common;

use app::entity::{bed_stays, beds, charge_items};
use chrono::{Duration, TimeZone, Utc};
use common::*;
use reqwest::StatusCode;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait,
};
use serde_json::json;
use shared::beds::{
    AdmissionSource, AdmissionStatus, AdmissionView, BedBoard, BedStatus, BedView, InpatientRow,
    NewAdmission, NewDischarge, TransferTo, WardView,
};
use shared::ids::{BedId, PatientId};
use shared::patients::AdministrativeSex;
use shared::{AppError, Role};
use uuid::Uuid;

const ADMIN: &str = "admin@test.example";
const DOCTOR: &str = "doctor@test.example";
const NURSE: &str = "nurse@test.example";
const DESK: &str = "desk@test.example";

/// The fields a refused call names.
fn fields<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<String> {
    match result {
        Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

/// How many successful events of `action` the trail holds.
async fn actions(app: &TestApp, action: &str) -> usize {
    audit_rows(app)
        .await
        .into_iter()
        .filter(|(a, outcome, _, _)| a == action && outcome == "success")
        .count()
}

async fn ward(admin: &Client, name: &str, kind: &str, sex: &str) -> WardView {
    ok(
        admin,
        "beds/save_ward",
        json!({ "form": { "id": null, "name": name, "kind": kind, "sex_restriction": sex, "active": true } }),
    )
    .await
}

async fn add_beds(admin: &Client, ward: &WardView, room: &str, labels: &str) {
    let _: u32 = ok(
        admin,
        "beds/add_beds",
        json!({ "form": { "ward_id": ward.id, "room": room, "labels": labels, "bed_type": "standard" } }),
    )
    .await;
}

/// The bed `room`/`label` of the board.
async fn bed(client: &Client, room: &str, label: &str) -> BedView {
    let board: BedBoard = ok(client, "beds/board", json!({ "ward_id": null })).await;
    board
        .wards
        .into_iter()
        .flat_map(|w| w.beds)
        .find(|b| b.room == room && b.label == label)
        .unwrap_or_else(|| panic!("no bed {room}/{label}"))
}

async fn patient_of_sex(app: &TestApp, given: &str, sex: AdministrativeSex) -> Uuid {
    app::patients::service::insert_patient(
        &app.db,
        &app.cipher,
        app::patients::service::NewPatient::basic(
            given.into(),
            "Patient".into(),
            None,
            sex,
            None,
            None,
        ),
    )
    .await
    .unwrap()
    .id
}

fn admission(pid: Uuid, bed: BedId) -> serde_json::Value {
    json!({ "form": { "patient_id": pid, "source": "emergency", "diagnosis": "J18.9",
                      "expected_days": "4", "bed_id": bed, "note": "Community-acquired pneumonia" } })
}

fn set_status(bed: BedId, status: &str, reason: &str) -> serde_json::Value {
    json!({ "form": { "bed_id": bed, "status": status, "reason": reason } })
}

async fn beds_follow_their_states(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, ADMIN, Role::Administrator).await;
    let nurse = signed_in(&app, NURSE, Role::Nurse).await;
    let desk = signed_in(&app, DESK, Role::Receptionist).await;

    // Wards: names in any script, one per folded name.
    let w = ward(&admin, "Терапия", "general", "any").await;
    let (status, again) = admin
        .call::<WardView>(
            "beds/save_ward",
            json!({ "form": { "id": null, "name": " терапия ", "kind": "icu", "sex_restriction": "any", "active": true } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(again), ["name"]);
    let (status, bad) = admin
        .call::<WardView>(
            "beds/save_ward",
            json!({ "form": { "id": null, "name": "", "kind": "attic", "sex_restriction": "", "active": true } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(bad), ["name", "kind", "sex_restriction"]);
    let (status, _) = nurse
        .call::<WardView>(
            "beds/save_ward",
            json!({ "form": { "id": null, "name": "Nurses' ward", "kind": "general", "sex_restriction": "any", "active": true } }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    add_beds(&admin, &w, "12", "A, B").await;
    let (status, dup) = admin
        .call::<u32>(
            "beds/add_beds",
            json!({ "form": { "ward_id": w.id, "room": "12", "labels": "B C", "bed_type": "standard" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(dup), ["labels"]);
    let wards: Vec<WardView> = ok(&desk, "beds/wards", json!({})).await;
    assert_eq!(wards.iter().map(|w| w.beds).collect::<Vec<_>>(), [2]);

    // The state machine by hand: block needs a reason, occupied is the
    // admission's, cleaning ends in free.
    let a = bed(&nurse, "12", "A").await;
    assert_eq!(a.status, BedStatus::Free);
    let (status, no_reason) = nurse
        .call::<BedView>("beds/set_status", set_status(a.id, "blocked", " "))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(no_reason), ["reason"]);
    let blocked: BedView = ok(
        &nurse,
        "beds/set_status",
        set_status(a.id, "blocked", "Broken rail"),
    )
    .await;
    assert_eq!(
        (blocked.status, blocked.reason.as_deref()),
        (BedStatus::Blocked, Some("Broken rail"))
    );
    for (to, code) in [
        ("occupied", StatusCode::CONFLICT),
        ("cleaning", StatusCode::CONFLICT),
    ] {
        let (status, refused) = nurse
            .call::<BedView>("beds/set_status", set_status(a.id, to, ""))
            .await;
        assert_eq!(status, code, "blocked → {to}: {refused:?}");
    }
    let free: BedView = ok(&nurse, "beds/set_status", set_status(a.id, "free", "")).await;
    assert_eq!((free.status, free.reason), (BedStatus::Free, None));
    let (status, _) = desk
        .call::<BedView>("beds/set_status", set_status(a.id, "blocked", "Leak"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // The board counts by status; a patient in a bed is named on it.
    let doctor = signed_in(&app, DOCTOR, Role::Doctor).await;
    let pid = basic_patient(&app, "Zhu").await;
    in_care(&app, DOCTOR, pid).await;
    let _: AdmissionView = ok(&doctor, "beds/admit", admission(pid, a.id)).await;
    let board: BedBoard = ok(&desk, "beds/board", json!({ "ward_id": w.id })).await;
    let only = &board.wards[0];
    assert_eq!(
        (only.count(BedStatus::Occupied), only.count(BedStatus::Free)),
        (1, 1)
    );
    let occupant = only.beds.iter().find_map(|b| b.occupant.clone()).unwrap();
    assert_eq!(occupant.name, "Patient, Zhu");
    // Occupied beds are freed by their patient leaving, never by hand.
    let (status, _) = nurse
        .call::<BedView>("beds/set_status", set_status(a.id, "cleaning", ""))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let audited = actions(&app, "beds.set_status").await;
    assert_eq!(audited, 2);
}

async fn one_patient_per_bed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, ADMIN, Role::Administrator).await;
    let doctor = signed_in(&app, DOCTOR, Role::Doctor).await;
    let w = ward(&admin, "Last bed", "general", "any").await;
    add_beds(&admin, &w, "1", "A").await;
    let last = bed(&doctor, "1", "A").await;

    // Ten doctors' admissions race for the last free bed: one wins.
    let mut patients = Vec::new();
    for n in 0..10 {
        let pid = basic_patient(&app, &format!("Racer{n}")).await;
        in_care(&app, DOCTOR, pid).await;
        patients.push(pid);
    }
    let tasks: Vec<_> = patients
        .iter()
        .map(|pid| {
            let (doctor, body) = (doctor.clone(), admission(*pid, last.id));
            tokio::spawn(async move { doctor.call::<AdmissionView>("beds/admit", body).await })
        })
        .collect();
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            (StatusCode::OK, Ok(_)) => won += 1,
            (StatusCode::CONFLICT, Err(AppError::Conflict(_))) => {}
            other => panic!("neither admitted nor refused: {other:?}"),
        }
    }
    assert_eq!(won, 1);
    let open = bed_stays::Entity::find()
        .filter(bed_stays::Column::BedId.eq(last.id.uuid()))
        .filter(bed_stays::Column::EndedAt.is_null())
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    let row = beds::Entity::find_by_id(last.id.uuid())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.status, BedStatus::Occupied);

    // The database itself refuses a second open stay of the bed, whatever
    // the application does.
    let second = bed_stays::ActiveModel {
        id: Set(Uuid::new_v4()),
        admission_id: Set(open[0].admission_id),
        patient_id: Set(open[0].patient_id),
        bed_id: Set(last.id.uuid()),
        ward_id: Set(w.id.uuid()),
        started_at: Set(Utc::now()),
        ended_at: Set(None),
        reason: Set(None),
        moved_by: Set(open[0].moved_by),
    };
    let refused = second.insert(&app.db).await.unwrap_err();
    assert!(app::context::is_unique_violation(&refused), "{refused:?}");

    // A patient already in a bed is not admitted twice.
    let winner = open[0].patient_id;
    add_beds(&admin, &w, "2", "A").await;
    let other = bed(&doctor, "2", "A").await;
    let (status, twice) = doctor
        .call::<AdmissionView>("beds/admit", admission(winner, other.id))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{twice:?}");
}

async fn admissions_move_and_end(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, ADMIN, Role::Administrator).await;
    let doctor = signed_in(&app, DOCTOR, Role::Doctor).await;
    let nurse = signed_in(&app, NURSE, Role::Nurse).await;
    let desk = signed_in(&app, DESK, Role::Receptionist).await;
    let women = ward(&admin, "Station Süd", "general", "female").await;
    add_beds(&admin, &women, "3", "A").await;
    let icu = ward(&admin, "אינטנסיבי", "icu", "any").await;
    add_beds(&admin, &icu, "9", "A").await;
    let w_bed = bed(&doctor, "3", "A").await;
    let icu_bed = bed(&doctor, "9", "A").await;

    let man = patient_of_sex(&app, "Arjun", AdministrativeSex::Male).await;
    in_care(&app, DOCTOR, man).await;
    let (status, refused) = doctor
        .call::<AdmissionView>("beds/admit", admission(man, w_bed.id))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(refused), ["bed_id"]);

    // Without the chart, no admission; with it, the bad fields named.
    let woman = patient_of_sex(&app, "Fatima", AdministrativeSex::Female).await;
    let (status, _) = doctor
        .call::<AdmissionView>("beds/admit", admission(woman, w_bed.id))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    in_care(&app, DOCTOR, woman).await;
    let (status, bad) = doctor
        .call::<AdmissionView>(
            "beds/admit",
            json!({ "form": { "patient_id": woman, "source": "", "diagnosis": "Z99.999", "expected_days": "0", "bed_id": null, "note": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(bad), ["source", "expected_days", "bed_id"]);
    let (status, unknown) = doctor
        .call::<AdmissionView>(
            "beds/admit",
            json!({ "form": { "patient_id": woman, "source": "clinic", "diagnosis": "Z99.999", "expected_days": "2", "bed_id": w_bed.id, "note": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(unknown), ["diagnosis"]);

    let a: AdmissionView = ok(&doctor, "beds/admit", admission(woman, w_bed.id)).await;
    assert_eq!(
        (a.status, a.source),
        (AdmissionStatus::Admitted, AdmissionSource::Emergency)
    );
    assert_eq!(a.diagnosis, "J18.9");
    assert!(
        a.diagnosis_title.to_lowercase().contains("pneumonia"),
        "{}",
        a.diagnosis_title
    );
    assert_eq!(a.note.as_deref(), Some("Community-acquired pneumonia"));
    assert_eq!(actions(&app, "beds.admit").await, 1);

    // The ward's round: the nurse sees allergies, the front desk does not.
    app::entity::allergies::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(woman),
        substance: Set("Penicillin".into()),
        reaction: Set(None),
        severity: Set(shared::chart::AllergySeverity::Severe),
        status: Set(shared::chart::AllergyStatus::Active),
        recorded_by: Set(user_id(&app, DOCTOR).await),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let round: Vec<InpatientRow> =
        ok(&nurse, "beds/inpatients", json!({ "ward_id": women.id })).await;
    assert_eq!(round.len(), 1);
    assert_eq!(
        (round[0].days, round[0].allergies.clone()),
        (0, vec!["Penicillin".to_string()])
    );
    let round: Vec<InpatientRow> =
        ok(&desk, "beds/inpatients", json!({ "ward_id": women.id })).await;
    assert!(round[0].allergies.is_empty());

    // Transfers keep the history; the bed left is to be cleaned.
    let (status, same) = nurse
        .call::<AdmissionView>(
            "beds/transfer",
            json!({ "form": { "admission_id": a.id, "bed_id": w_bed.id, "hospital": "", "reason": "Again" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(same), ["bed_id"]);
    let (status, neither) = nurse
        .call::<AdmissionView>(
            "beds/transfer",
            json!({ "form": { "admission_id": a.id, "bed_id": null, "hospital": "", "reason": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(neither), ["bed_id", "reason"]);
    let moved: AdmissionView = ok(
        &nurse,
        "beds/transfer",
        json!({ "form": { "admission_id": a.id, "bed_id": icu_bed.id, "hospital": "", "reason": "Needs oxygen" } }),
    )
    .await;
    assert_eq!(moved.stays.len(), 2);
    assert!(moved.stays[0].to.is_some());
    assert_eq!(moved.current().unwrap().ward, "אינטנסיבי");
    assert_eq!(
        moved.current().unwrap().reason.as_deref(),
        Some("Needs oxygen")
    );
    // The nurse is not in the care team: the chart's parts are left out.
    assert_eq!(moved.note, None);
    // Made staff of the intensive care ward, she opens the chart of the
    // patient in its bed; the front desk manages no ward staff.
    let nurse_id = user_id(&app, NURSE).await;
    let (status, _) = nurse
        .call::<serde_json::Value>("chart/summary", json!({ "patient_id": woman }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let icu_ward = icu_bed.ward_id;
    let (status, _) = desk
        .call::<()>(
            "beds/set_ward_staff",
            json!({ "ward_id": icu_ward, "user_id": nurse_id, "member": true }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, not_clinical) = admin
        .call::<()>(
            "beds/set_ward_staff",
            json!({ "ward_id": icu_ward, "user_id": user_id(&app, DESK).await, "member": true }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(not_clinical), ["user_id"]);
    let _: () = ok(
        &admin,
        "beds/set_ward_staff",
        json!({ "ward_id": icu_ward, "user_id": nurse_id, "member": true }),
    )
    .await;
    let staff: Vec<(shared::ids::UserId, String)> =
        ok(&admin, "beds/ward_staff", json!({ "ward_id": icu_ward })).await;
    assert_eq!(staff.len(), 1);
    let chart: serde_json::Value =
        ok(&nurse, "chart/summary", json!({ "patient_id": woman })).await;
    assert!(
        chart.to_string().contains("אינטנסיבי"),
        "the basis names the ward: {chart}"
    );
    assert_eq!(bed(&nurse, "3", "A").await.status, BedStatus::Cleaning);
    assert_eq!(bed(&nurse, "9", "A").await.status, BedStatus::Occupied);

    // The nurse may not discharge; the doctor signs the summary.
    let discharge = json!({ "form": { "admission_id": a.id, "diagnoses": "J18.9, i10",
        "procedures": "Chest X-ray", "follow_up": "Clinic in one week", "summary": "Treated with antibiotics; improved." } });
    let (status, _) = nurse
        .call::<AdmissionView>("beds/discharge", discharge.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, missing) = doctor
        .call::<AdmissionView>(
            "beds/discharge",
            json!({ "form": { "admission_id": a.id, "diagnoses": "", "procedures": "", "follow_up": "", "summary": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(missing), ["diagnoses", "follow_up", "summary"]);
    let done: AdmissionView = ok(&doctor, "beds/discharge", discharge.clone()).await;
    assert_eq!(done.status, AdmissionStatus::Discharged);
    let summary = done.discharge.clone().unwrap();
    assert_eq!(
        summary
            .diagnoses
            .iter()
            .map(|(c, _)| c.as_str())
            .collect::<Vec<_>>(),
        ["J18.9", "I10"]
    );
    assert_eq!(summary.follow_up, "Clinic in one week");
    assert!(done.current().is_none());
    assert_eq!(bed(&nurse, "9", "A").await.status, BedStatus::Cleaning);
    // Out of the ward's beds, out of the ward staff's charts.
    let (status, _) = nurse
        .call::<serde_json::Value>("chart/summary", json!({ "patient_id": woman }))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = doctor
        .call::<AdmissionView>("beds/discharge", discharge)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The summary is kept encrypted.
    let stored = app::entity::admissions::Entity::find_by_id(a.id.uuid())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(!stored.summary.unwrap().contains("antibiotics"));
    // The admitting doctor keeps the chart for a while after discharge.
    let relationship = app::entity::care_relationships::Entity::find()
        .filter(app::entity::care_relationships::Column::PatientId.eq(woman))
        .filter(
            app::entity::care_relationships::Column::Kind
                .eq(shared::access::CareRelationshipKind::Admission),
        )
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(relationship
        .ends_at
        .is_some_and(|e| e > Utc::now() + Duration::days(29)));
    let history: Vec<AdmissionView> =
        ok(&desk, "beds/admissions_of", json!({ "patient_id": woman })).await;
    assert_eq!(history.len(), 1);
    assert!(
        history[0].discharge.is_none(),
        "the front desk reads no summary"
    );

    // The summary as a PDF: for the doctor, not for the front desk.
    let get = |client: &Client, path: String| {
        let (http, url) = (client.http.clone(), format!("{}{path}", client.base));
        async move { http.get(url).send().await.unwrap() }
    };
    let path = format!("/api/admissions/{}/discharge.pdf", a.id);
    let response = get(&doctor, path.clone()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/pdf");
    let text = pdftotext(&response.bytes().await.unwrap());
    for expected in [
        "Discharge summary",
        "Fatima",
        "J18.9",
        "Chest X-ray",
        "Clinic in one week",
        "Treated with antibiotics; improved.",
        "אינטנסיבי",
    ] {
        assert!(text.contains(expected), "{expected:?} not in {text}");
    }
    assert_eq!(
        get(&desk, path.clone()).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&Client::new(&app.base), path).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // The discharging doctor books the follow-up for the patient in their
    // care; a doctor outside the care team may not.
    let doctor_id = user_id(&app, DOCTOR).await;
    app::entity::availability_templates::ActiveModel {
        id: Set(Uuid::new_v4()),
        doctor_id: Set(doctor_id),
        weekday: Set(1),
        start_time: Set("09:00".into()),
        end_time: Set("10:00".into()),
        slot_minutes: Set(20),
    }
    .insert(&app.db)
    .await
    .unwrap();
    let slots: Vec<shared::appointments::FreeSlot> = ok(
        &doctor,
        "appointments/free_slots",
        json!({ "doctor_id": doctor_id, "from": common::schedule::next_monday(), "days": 1 }),
    )
    .await;
    let booked: shared::appointments::BookingOutcome = ok(
        &doctor,
        "appointments/book",
        json!({ "doctor_id": doctor_id, "start": slots[0].start, "patient_id": woman, "reason": "Follow-up after pneumonia" }),
    )
    .await;
    assert!(matches!(
        booked,
        shared::appointments::BookingOutcome::Booked { .. }
    ));
    let stranger = signed_in(&app, "other.doctor@test.example", Role::Doctor).await;
    let (status, _) = stranger
        .call::<shared::appointments::BookingOutcome>(
            "appointments/book",
            json!({ "doctor_id": doctor_id, "start": slots[1].start, "patient_id": woman, "reason": "" }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// Bed days, by the service with its clock given: each night a patient
/// lies in a bed at midnight is charged once, priced by that midnight's
/// ward, however often and from however many processes the charging runs.
async fn bed_days_are_charged_once_per_night(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, ADMIN, Role::Administrator).await;
    let general = ward(&admin, "General", "general", "any").await;
    add_beds(&admin, &general, "1", "A").await;
    let icu = ward(&admin, "ICU", "icu", "any").await;
    add_beds(&admin, &icu, "2", "A").await;
    let g_bed = bed(&admin_board_client(&app).await, "1", "A").await;
    let i_bed = bed(&admin_board_client(&app).await, "2", "A").await;
    let doctor = staff_named(&app, DOCTOR, "Dr Night", Role::Doctor).await;
    let pid = basic_patient(&app, "Nora").await;
    let tz = chrono_tz::Europe::Berlin;
    // Admitted at 22:00 Berlin time on 1 March.
    let t0 = tz
        .with_ymd_and_hms(2027, 3, 1, 22, 0, 0)
        .unwrap()
        .with_timezone(&Utc);

    let txn = app.db.begin().await.unwrap();
    let (a, _) = app::beds::service::admit(
        &txn,
        &app.cipher,
        NewAdmission {
            patient_id: PatientId(pid),
            source: AdmissionSource::Referral,
            diagnosis: "I10".into(),
            expected_days: 3,
            bed_id: g_bed.id,
            note: None,
        },
        doctor,
        t0,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let charges = async || {
        charge_items::Entity::find()
            .filter(charge_items::Column::PatientId.eq(pid))
            .order_by_asc(charge_items::Column::ServiceDate)
            .all(&app.db)
            .await
            .unwrap()
    };
    // Before midnight: nothing.
    app::beds::service::charge_all_nights(&app.db, tz, t0 + Duration::hours(1))
        .await
        .unwrap();
    assert!(charges().await.is_empty());
    // After the first midnight, from two "processes" at once and again.
    let after = t0 + Duration::hours(12);
    let (x, y) = tokio::join!(
        app::beds::service::charge_all_nights(&app.db, tz, after),
        app::beds::service::charge_all_nights(&app.db, tz, after)
    );
    x.unwrap();
    y.unwrap();
    app::beds::service::charge_all_nights(&app.db, tz, after)
        .await
        .unwrap();
    assert_eq!(charges().await.len(), 1);

    // Moved to the ICU the next afternoon, discharged the morning after.
    let txn = app.db.begin().await.unwrap();
    let row = app::beds::service::find_for_update(&txn, a.id.into())
        .await
        .unwrap();
    app::beds::service::transfer(
        &txn,
        row,
        TransferTo::Bed(i_bed.id),
        "Deteriorating".into(),
        tz,
        doctor,
        t0 + Duration::hours(18),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    let txn = app.db.begin().await.unwrap();
    let row = app::beds::service::find_for_update(&txn, a.id.into())
        .await
        .unwrap();
    app::beds::service::discharge(
        &txn,
        &app.cipher,
        row,
        NewDischarge {
            admission_id: a.id.into(),
            diagnoses: vec!["I10".into()],
            procedures: String::new(),
            follow_up: "None".into(),
            summary: "Observed.".into(),
        },
        tz,
        doctor,
        t0 + Duration::hours(36),
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
    // A week later the worker finds nothing more to charge.
    app::beds::service::charge_all_nights(&app.db, tz, t0 + Duration::days(6))
        .await
        .unwrap();
    let all = charges().await;
    assert_eq!(
        all.iter()
            .map(|c| (
                c.service_date.to_string(),
                c.price_key.clone().unwrap(),
                c.kind
            ))
            .collect::<Vec<_>>(),
        [
            (
                "2027-03-01".to_string(),
                "bed:general".to_string(),
                shared::billing::ChargeKind::BedDay
            ),
            (
                "2027-03-02".to_string(),
                "bed:icu".to_string(),
                shared::billing::ChargeKind::BedDay
            ),
        ]
    );
    assert!(all.iter().all(|c| c.doctor_id == Some(doctor)));
}

/// A client that may read the board (a nurse), for fixtures.
async fn admin_board_client(app: &TestApp) -> Client {
    let client = Client::new(&app.base);
    let email = "board@test.example";
    if app::entity::users::Entity::find()
        .filter(app::entity::users::Column::Email.eq(email))
        .one(&app.db)
        .await
        .unwrap()
        .is_none()
    {
        staff(app, email, Role::Nurse).await;
    }
    let (status, _) = client.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK);
    client
}

/// Opens the board's stream of changes (`GET /api/beds/events`).
async fn follow(client: &Client) -> reqwest::Response {
    client
        .http
        .get(format!("{}{}", client.base, shared::beds::BED_EVENTS_PATH))
        .send()
        .await
        .unwrap()
}

/// Whether an event named `beds` arrives on `stream` within `within`
/// (what came before it is consumed).
async fn bed_event(stream: &mut reqwest::Response, within: std::time::Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    let mut seen = String::new();
    loop {
        match tokio::time::timeout_at(deadline, stream.chunk()).await {
            Ok(Ok(Some(bytes))) => {
                seen.push_str(&String::from_utf8_lossy(&bytes));
                if seen.contains("event: beds") {
                    return true;
                }
            }
            _ => return false,
        }
    }
}

const SOON: std::time::Duration = std::time::Duration::from_secs(2);

async fn changes_reach_the_board(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, ADMIN, Role::Administrator).await;
    let nurse = signed_in(&app, NURSE, Role::Nurse).await;
    let w = ward(&admin, "Live", "general", "any").await;
    add_beds(&admin, &w, "1", "A").await;
    let a = bed(&nurse, "1", "A").await;

    // Nobody signed in: 401; a role without the board: 403.
    assert_eq!(
        follow(&Client::new(&app.base)).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let pharmacist = signed_in(&app, "pharmacist@test.example", Role::Pharmacist).await;
    assert_eq!(follow(&pharmacist).await.status(), StatusCode::FORBIDDEN);

    let mut stream = follow(&nurse).await;
    assert_eq!(stream.status(), StatusCode::OK);
    assert_eq!(
        stream.headers()["content-type"].to_str().unwrap(),
        "text/event-stream"
    );
    assert!(
        bed_event(&mut stream, SOON).await,
        "the first event, at once"
    );
    let _: BedView = ok(
        &nurse,
        "beds/set_status",
        set_status(a.id, "blocked", "Leak"),
    )
    .await;
    assert!(
        bed_event(&mut stream, SOON).await,
        "the change, within two seconds"
    );
    // A refused change tells nobody.
    let (status, _) = nurse
        .call::<BedView>("beds/set_status", set_status(a.id, "cleaning", ""))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(!bed_event(&mut stream, std::time::Duration::from_millis(700)).await);
    let _: BedView = ok(&nurse, "beds/set_status", set_status(a.id, "free", "")).await;
    assert!(bed_event(&mut stream, SOON).await);
}

/// Two `hms` processes on one PostgreSQL: a change made through one reaches
/// a board that follows the other (`NOTIFY hms_beds` at commit).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn changes_reach_every_process_on_postgres() {
    let database = database_with_staff(Backend::Postgres, NURSE, Role::Nurse).await;
    let db = database.connect().await;
    let nurse_id = user_id_in(&db, NURSE).await;
    let ward = app::beds::service::save_ward(
        &db,
        None,
        shared::beds::NewWard {
            name: "Two processes".into(),
            kind: shared::beds::WardKind::General,
            sex_restriction: shared::beds::SexRestriction::Any,
            active: true,
        },
        nurse_id,
        Utc::now(),
    )
    .await
    .unwrap();
    let beds = app::beds::service::add_beds(
        &db,
        shared::beds::NewBeds {
            ward_id: ward.id,
            room: "1".into(),
            labels: vec!["A".into()],
            bed_type: shared::beds::BedType::Standard,
        },
        nurse_id,
        Utc::now(),
    )
    .await
    .unwrap();
    db.close().await.ok();
    let a = start(&database).await;
    let b = start(&database).await;
    let on_a = Client::new(&a.base);
    assert_eq!(on_a.login(NURSE, PASSWORD).await.0, StatusCode::OK);
    // The same session on B (sessions live in the database).
    let mut stream = reqwest::Client::new()
        .get(format!("{}{}", b.base, shared::beds::BED_EVENTS_PATH))
        .header(reqwest::header::COOKIE, on_a.cookie().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), StatusCode::OK);
    assert!(
        bed_event(&mut stream, SOON).await,
        "the first event, at once"
    );
    let blocked: BedView = ok(
        &on_a,
        "beds/set_status",
        set_status(BedId(beds[0].id), "blocked", "Broken rail"),
    )
    .await;
    assert_eq!(blocked.status, BedStatus::Blocked);
    assert!(
        bed_event(&mut stream, SOON).await,
        "B's board hears of A's change within two seconds"
    );
}

/// The id of the account `email`, on a connection of the test's own.
async fn user_id_in(db: &sea_orm::DatabaseConnection, email: &str) -> Uuid {
    app::entity::users::Entity::find()
        .filter(app::entity::users::Column::Email.eq(email))
        .one(db)
        .await
        .unwrap()
        .unwrap()
        .id
}

on_both_databases!(
    changes_reach_the_board,
    beds_follow_their_states,
    one_patient_per_bed,
    admissions_move_and_end,
    bed_days_are_charged_once_per_night
);

//! The emergency department: arrivals, triage with its history and vital
//! signs into the chart, the queue's order (awaiting triage, then level,
//! then wait) and its targets, bays and clinicians, dispositions (the
//! admission closing the visit), the fast-track landing on the board and a
//! merge keeping the visit; the public emergency numbers. On SQLite and
//! PostgreSQL.

mod common;

use app::entity::{care_relationships, ed_triages, ed_visits, vital_signs};
use chrono::Duration;
use common::*;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::json;
use shared::access::CareRelationshipKind;
use shared::beds::{AdmissionView, BedBoard, WardView};
use shared::emergency::{EdBoard, EdDisposition, EdVisitView, EmergencyServiceView, EsiLevel};
use shared::ids::{EdBayId, EdVisitId};
use shared::{AppError, Role};
use uuid::Uuid;

const ADMIN: &str = "admin@test.example";
const DOCTOR: &str = "doctor@test.example";
const NURSE: &str = "nurse@test.example";
const DESK: &str = "desk@test.example";

fn fields<T: std::fmt::Debug>(result: Result<T, AppError>) -> Vec<String> {
    match result {
        Err(AppError::Validation(errors)) => errors.into_iter().map(|e| e.field).collect(),
        other => panic!("not a validation error: {other:?}"),
    }
}

async fn arrive(desk: &Client, pid: Uuid, complaint: &str) -> EdVisitId {
    ok(
        desk,
        "ed/arrive",
        json!({ "form": { "patient_id": pid, "chief_complaint": complaint } }),
    )
    .await
}

fn triage(visit: EdVisitId, level: &str, complaint: &str, heart_rate: &str) -> serde_json::Value {
    json!({ "form": {
        "visit_id": visit, "level": level, "chief_complaint": complaint, "note": "",
        "vitals": { "systolic": "", "diastolic": "", "heart_rate": heart_rate,
                    "respiratory_rate": "", "temperature_c": "", "spo2": "", "weight_kg": "",
                    "height_cm": "", "recorded_at": "", "encounter_id": null }
    } })
}

/// The waiting queue as (patient, level) in board order.
fn queue(board: &EdBoard, names: &[(Uuid, &'static str)]) -> Vec<&'static str> {
    board
        .waiting
        .iter()
        .map(|r| {
            names
                .iter()
                .find(|(id, _)| *id == r.patient_id.uuid())
                .map(|(_, n)| *n)
                .unwrap_or("?")
        })
        .collect()
}

/// Signs the clients in again: moving the clock past the idle timeout
/// signs everyone out.
async fn sign_in_again(clients: &[(&Client, &str)]) {
    for (client, email) in clients {
        let (status, outcome) = client.login(email, PASSWORD).await;
        assert_eq!(status, StatusCode::OK, "{email}: {outcome:?}");
    }
}

async fn add_bay(admin: &Client, name: &str) -> EdBayId {
    ok(
        admin,
        "ed/save_bay",
        json!({ "form": { "id": null, "name": name, "active": true } }),
    )
    .await
}

async fn the_queue_follows_triage(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, ADMIN, Role::Administrator).await;
    let nurse = signed_in(&app, NURSE, Role::Nurse).await;
    let doctor = signed_in(&app, DOCTOR, Role::Doctor).await;
    let desk = signed_in(&app, DESK, Role::Receptionist).await;
    let nurse_id = user_id(&app, NURSE).await;
    let doctor_id = user_id(&app, DOCTOR).await;

    // Bays: names in any script, one per folded name; administrators only.
    let resus = add_bay(&admin, "Ресус 1").await;
    let (status, again) = admin
        .call::<EdBayId>(
            "ed/save_bay",
            json!({ "form": { "id": null, "name": " ресус 1 ", "active": true } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(again), ["name"]);
    let (status, _) = nurse
        .call::<EdBayId>(
            "ed/save_bay",
            json!({ "form": { "id": null, "name": "Bay 9", "active": true } }),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Four arrivals a minute apart, at the front desk.
    let a = basic_patient(&app, "أمينة").await;
    let b = basic_patient(&app, "Björn").await;
    let c = basic_patient(&app, "李明").await;
    let d = basic_patient(&app, "देवी").await;
    let names = [(a, "a"), (b, "b"), (c, "c"), (d, "d")];
    let mut visits = Vec::new();
    for (pid, complaint) in [
        (a, "Cough"),
        (b, "Chest pain"),
        (c, "Sprained ankle"),
        (d, ""),
    ] {
        visits.push(arrive(&desk, pid, complaint).await);
        app.clock.advance(Duration::minutes(1));
    }
    let (status, twice) = desk
        .call::<EdVisitId>(
            "ed/arrive",
            json!({ "form": { "patient_id": a, "chief_complaint": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{twice:?}");
    let board: EdBoard = ok(&desk, "ed/board", json!({})).await;
    assert_eq!(
        queue(&board, &names),
        ["a", "b", "c", "d"],
        "untriaged: by arrival"
    );

    // Triage: level, complaint and vital signs; the front desk may not.
    let (status, _) = desk
        .call::<EdVisitView>("ed/triage", triage(visits[0], "4", "Cough", "80"))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, no_vitals) = nurse
        .call::<EdVisitView>("ed/triage", triage(visits[0], "3", "Cough", ""))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{no_vitals:?}");
    let (status, bad) = nurse
        .call::<EdVisitView>("ed/triage", triage(visits[0], "6", "", "400"))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = fields(bad);
    for f in ["level", "chief_complaint", "heart_rate"] {
        assert!(bad.contains(&f.to_string()), "{bad:?}");
    }
    let _: EdVisitView = ok(
        &nurse,
        "ed/triage",
        triage(visits[0], "4", "Cough for a week", "80"),
    )
    .await;
    let _: EdVisitView = ok(
        &nurse,
        "ed/triage",
        triage(visits[1], "2", "Chest pain", "118"),
    )
    .await;
    let _: EdVisitView = ok(
        &nurse,
        "ed/triage",
        triage(visits[2], "4", "Sprained ankle", "72"),
    )
    .await;
    let board: EdBoard = ok(&nurse, "ed/board", json!({})).await;
    assert_eq!(
        queue(&board, &names),
        ["d", "b", "a", "c"],
        "awaiting triage first, then by level, then by wait"
    );
    assert_eq!(board.waiting[1].level, Some(EsiLevel::Two));
    assert_eq!(
        board.waiting[1].chief_complaint.as_deref(),
        Some("Chest pain")
    );

    // Re-triage keeps the history; a's wait is older than b's at level 2.
    let retriaged: EdVisitView = ok(
        &nurse,
        "ed/triage",
        triage(visits[0], "2", "Cough, now short of breath", "124"),
    )
    .await;
    assert_eq!(
        retriaged
            .triages
            .iter()
            .map(|t| t.level)
            .collect::<Vec<_>>(),
        [EsiLevel::Two, EsiLevel::Four],
        "newest first"
    );
    assert_eq!(retriaged.triages[0].vitals.as_deref(), Some("HR 124"));
    let board: EdBoard = ok(&nurse, "ed/board", json!({})).await;
    assert_eq!(queue(&board, &names), ["d", "a", "b", "c"]);
    // The vital signs went into the chart, under one emergency encounter.
    let in_chart = vital_signs::Entity::find()
        .filter(vital_signs::Column::PatientId.eq(a))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(in_chart.len(), 2);
    assert!(in_chart[0].encounter_id.is_some());
    assert_eq!(in_chart[0].encounter_id, in_chart[1].encounter_id);
    assert_eq!(
        ed_triages::Entity::find()
            .filter(ed_triages::Column::PatientId.eq(a))
            .count(&app.db)
            .await
            .unwrap(),
        2
    );
    // The triaging nurse joined the care team.
    let team = care_relationships::Entity::find()
        .filter(care_relationships::Column::PatientId.eq(a))
        .filter(care_relationships::Column::UserId.eq(nurse_id))
        .filter(care_relationships::Column::Kind.eq(CareRelationshipKind::Emergency))
        .one(&app.db)
        .await
        .unwrap();
    assert!(team.is_some_and(|t| t.ends_at.is_none()));

    // Targets: 40 minutes on, the level-2 patients and the untriaged one are
    // over theirs; the level-4 one is not.
    app.clock.advance(Duration::minutes(40));
    sign_in_again(&[
        (&desk, DESK),
        (&nurse, NURSE),
        (&doctor, DOCTOR),
        (&admin, ADMIN),
    ])
    .await;
    let board: EdBoard = ok(&desk, "ed/board", json!({})).await;
    let over: Vec<bool> = board
        .waiting
        .iter()
        .map(|r| r.over_target(board.as_of))
        .collect();
    assert_eq!(over, [true, true, true, false]);
    // The front desk sees the visit and its triages.
    let seen_by_desk: EdVisitView = ok(&desk, "ed/visit", json!({ "visit_id": visits[0] })).await;
    assert_eq!(seen_by_desk.triages.len(), 2);

    // A bay and a clinician: the patient is seen and leaves the queue.
    let assigned: EdVisitView = ok(
        &nurse,
        "ed/assign",
        json!({ "form": { "visit_id": visits[0], "bay_id": resus, "clinician_id": doctor_id } }),
    )
    .await;
    assert!(assigned.row.seen_at.is_some());
    assert_eq!(assigned.row.bay.as_deref(), Some("Ресус 1"));
    let (status, taken) = nurse
        .call::<EdVisitView>(
            "ed/assign",
            json!({ "form": { "visit_id": visits[1], "bay_id": resus, "clinician_id": null } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(taken), ["bay_id"]);
    let desk_id = user_id(&app, DESK).await;
    let (status, not_clinician) = nurse
        .call::<EdVisitView>(
            "ed/assign",
            json!({ "form": { "visit_id": visits[1], "bay_id": null, "clinician_id": desk_id } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(not_clinician), ["clinician_id"]);
    let board: EdBoard = ok(&nurse, "ed/board", json!({})).await;
    assert_eq!(queue(&board, &names), ["d", "b", "c"]);
    assert_eq!(board.being_seen.len(), 1);

    // Dispositions: the nurse records who left unseen; a doctor sends home.
    let (status, seen) = nurse
        .call::<EdVisitView>(
            "ed/disposition",
            json!({ "form": { "visit_id": visits[0], "disposition": "left_unseen", "destination": "", "note": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(seen), ["disposition"]);
    let (status, not_hers) = nurse
        .call::<EdVisitView>(
            "ed/disposition",
            json!({ "form": { "visit_id": visits[2], "disposition": "home", "destination": "", "note": "" } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(not_hers), ["disposition"]);
    let left: EdVisitView = ok(
        &nurse,
        "ed/disposition",
        json!({ "form": { "visit_id": visits[2], "disposition": "left_unseen", "destination": "", "note": "Not in the waiting room at 3 calls" } }),
    )
    .await;
    assert_eq!(
        left.row.disposition,
        Some(EdDisposition::LeftWithoutBeingSeen)
    );
    let home: EdVisitView = ok(
        &doctor,
        "ed/disposition",
        json!({ "form": { "visit_id": visits[1], "disposition": "home", "destination": "", "note": "" } }),
    )
    .await;
    assert!(home.row.closed_at.is_some());
    let (status, ended) = nurse
        .call::<EdVisitView>("ed/triage", triage(visits[1], "3", "Chest pain", "90"))
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{ended:?}");

    // The doctor (in the care team through the department) admits a: the
    // admission ends the visit and is linked from it.
    let ward: WardView = ok(
        &admin,
        "beds/save_ward",
        json!({ "form": { "id": null, "name": "Medicine", "kind": "general", "sex_restriction": "any", "active": true } }),
    )
    .await;
    let _: u32 = ok(
        &admin,
        "beds/add_beds",
        json!({ "form": { "ward_id": ward.id, "room": "1", "labels": "A", "bed_type": "standard" } }),
    )
    .await;
    let beds: BedBoard = ok(&doctor, "beds/board", json!({ "ward_id": null })).await;
    let bed = beds.wards[0].beds[0].id;
    let admitted: AdmissionView = ok(
        &doctor,
        "beds/admit",
        json!({ "form": { "patient_id": a, "source": "emergency", "diagnosis": "J18.9",
                          "expected_days": "3", "bed_id": bed, "note": "" } }),
    )
    .await;
    let visit: EdVisitView = ok(&doctor, "ed/visit", json!({ "visit_id": visits[0] })).await;
    assert_eq!(visit.row.disposition, Some(EdDisposition::Admitted));
    assert_eq!(visit.row.admission_id, Some(admitted.id));
    let board: EdBoard = ok(&nurse, "ed/board", json!({})).await;
    assert_eq!(queue(&board, &names), ["d"]);
    assert!(board.being_seen.is_empty());
    // Those who left stay on the board a while, with how they left.
    let left: Vec<Option<EdDisposition>> = board.left.iter().map(|r| r.disposition).collect();
    assert_eq!(
        left,
        [
            Some(EdDisposition::Admitted),
            Some(EdDisposition::Home),
            Some(EdDisposition::LeftWithoutBeingSeen)
        ],
        "newest first"
    );
    // The department's access ends a day after the visit.
    let team = care_relationships::Entity::find()
        .filter(care_relationships::Column::PatientId.eq(a))
        .filter(care_relationships::Column::UserId.eq(nurse_id))
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert!(team.ends_at.is_some());

    let events = audit_rows(&app).await;
    let count = |action: &str| {
        events
            .iter()
            .filter(|(a, outcome, _, _)| a == action && outcome == "success")
            .count()
    };
    assert_eq!(count("ed.triage"), 4);
    assert_eq!(count("ed.arrive"), 4);
    assert_eq!(count("ed.disposition"), 2);
}

async fn fast_track_lands_on_the_board_and_merge_keeps_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let nurse = signed_in(&app, NURSE, Role::Nurse).await;
    let desk = signed_in(&app, DESK, Role::Receptionist).await;
    let known = basic_patient(&app, "Zoë").await;

    let fast: app::patients::api::FastTrackResult = ok(
        &nurse,
        "patients/fast_track",
        json!({ "form": { "sex": "female", "approximate_age": "30", "arrived_at": "",
                          "description": "unknown woman, ~30, unconscious" } }),
    )
    .await;
    let board: EdBoard = ok(&nurse, "ed/board", json!({})).await;
    assert_eq!(board.waiting.len(), 1);
    assert_eq!(board.waiting[0].id, fast.visit_id);
    assert!(board.waiting[0].temporary);
    assert_eq!(board.waiting[0].level, None);
    // Level 1 goes without vital signs: resuscitation comes first.
    let triaged: EdVisitView = ok(
        &nurse,
        "ed/triage",
        triage(fast.visit_id, "1", "Unresponsive, found in the street", ""),
    )
    .await;
    assert_eq!(triaged.row.level, Some(EsiLevel::One));
    assert_eq!(triaged.triages[0].vitals, None);
    // The fast-track's emergency encounter is the visit's.
    let row = ed_visits::Entity::find_by_id(fast.visit_id.uuid())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.encounter_id, fast.encounter_id);

    // She is identified: the temporary record merges into hers, and the
    // visit and its triage move with it.
    let _: serde_json::Value = ok(
        &desk,
        "patients/merge",
        json!({ "source": fast.id, "target": known }),
    )
    .await;
    let board: EdBoard = ok(&nurse, "ed/board", json!({})).await;
    assert_eq!(board.waiting.len(), 1);
    assert_eq!(board.waiting[0].patient_id.uuid(), known);
    assert!(!board.waiting[0].temporary);
    assert_eq!(
        ed_triages::Entity::find()
            .filter(ed_triages::Column::PatientId.eq(known))
            .count(&app.db)
            .await
            .unwrap(),
        1
    );
    // Two records both in the department are not merged.
    let second: app::patients::api::FastTrackResult = ok(
        &nurse,
        "patients/fast_track",
        json!({ "form": { "sex": "", "approximate_age": "", "arrived_at": "",
                          "description": "the same woman, registered twice" } }),
    )
    .await;
    let (status, refused) = desk
        .call::<serde_json::Value>(
            "patients/merge",
            json!({ "source": second.id, "target": known }),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{refused:?}");
}

async fn emergency_numbers_are_public(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, ADMIN, Role::Administrator).await;
    let nobody = Client::new(&app.base);
    let none: Vec<EmergencyServiceView> = ok(&nobody, "ed/services", json!({})).await;
    assert!(none.is_empty());
    let (status, bad) = admin
        .call::<EmergencyServiceView>(
            "ed/save_service",
            json!({ "form": { "id": null, "name": "", "phone": "call us", "address": "",
                              "latitude": "91", "longitude": "", "note": "", "position": "",
                              "active": true } }),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fields(bad), ["name", "phone", "latitude"]);
    for (name, phone, position, active) in [
        (
            "Hôpital Saint-Éloi, urgences",
            "+33 4 67 33 67 33",
            "10",
            true,
        ),
        ("الإسعاف", "112", "0", true),
        ("Old number", "999", "5", false),
    ] {
        let _: EmergencyServiceView = ok(
            &admin,
            "ed/save_service",
            json!({ "form": { "id": null, "name": name, "phone": phone,
                              "address": "80 Avenue Augustin Fliche, Montpellier", "latitude": "",
                              "longitude": "", "note": "", "position": position, "active": active } }),
        )
        .await;
    }
    let shown: Vec<EmergencyServiceView> = ok(&nobody, "ed/services", json!({})).await;
    assert_eq!(
        shown.iter().map(|s| s.name.as_str()).collect::<Vec<_>>(),
        ["الإسعاف", "Hôpital Saint-Éloi, urgences"],
        "in their order, the hidden one left out"
    );
    assert_eq!(shown[0].tel().as_deref(), Some("tel:112"));
    let all: Vec<EmergencyServiceView> = ok(&admin, "ed/all_services", json!({})).await;
    assert_eq!(all.len(), 3);
    let (status, _) = nobody
        .call::<Vec<EmergencyServiceView>>("ed/all_services", json!({}))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// The care report: nights in a bed, admissions, discharges and the length
/// of stay, and the department's waits by level, as the page and the CSV
/// show them.
async fn the_care_report_counts_nights_stays_and_waits(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, ADMIN, Role::Administrator).await;
    let nurse = signed_in(&app, NURSE, Role::Nurse).await;
    let doctor = signed_in(&app, DOCTOR, Role::Doctor).await;
    let desk = signed_in(&app, DESK, Role::Receptionist).await;
    let doctor_id = user_id(&app, DOCTOR).await;
    let today = chrono::Utc::now().date_naive();
    let days = json!({ "form": { "from": (today - Duration::days(2)).to_string(),
                                 "to": (today + Duration::days(4)).to_string() } });

    // Seen after 15 minutes at level 2 (target 10); another leaves untriaged.
    let a = basic_patient(&app, "Ngozi").await;
    let b = basic_patient(&app, "Þór").await;
    let va = arrive(&desk, a, "Head injury").await;
    let _: EdVisitView = ok(
        &nurse,
        "ed/triage",
        triage(va, "2", "Head injury, vomiting", "96"),
    )
    .await;
    app.clock.advance(Duration::minutes(15));
    sign_in_again(&[(&nurse, NURSE)]).await;
    let _: EdVisitView = ok(
        &nurse,
        "ed/assign",
        json!({ "form": { "visit_id": va, "bay_id": null, "clinician_id": doctor_id } }),
    )
    .await;
    let vb = arrive(&desk, b, "").await;
    app.clock.advance(Duration::minutes(11));
    sign_in_again(&[
        (&desk, DESK),
        (&nurse, NURSE),
        (&doctor, DOCTOR),
        (&admin, ADMIN),
    ])
    .await;
    let _: EdVisitView = ok(
        &nurse,
        "ed/disposition",
        json!({ "form": { "visit_id": vb, "disposition": "left_unseen", "destination": "", "note": "" } }),
    )
    .await;

    // Admitted, two nights in a bed, discharged.
    let ward: WardView = ok(
        &admin,
        "beds/save_ward",
        json!({ "form": { "id": null, "name": "Chirurgie", "kind": "surgical", "sex_restriction": "any", "active": true } }),
    )
    .await;
    let _: u32 = ok(
        &admin,
        "beds/add_beds",
        json!({ "form": { "ward_id": ward.id, "room": "1", "labels": "A B", "bed_type": "standard" } }),
    )
    .await;
    let beds: BedBoard = ok(&doctor, "beds/board", json!({ "ward_id": null })).await;
    let admitted: AdmissionView = ok(
        &doctor,
        "beds/admit",
        json!({ "form": { "patient_id": a, "source": "emergency", "diagnosis": "S06.0X0A",
                          "expected_days": "2", "bed_id": beds.wards[0].beds[0].id, "note": "" } }),
    )
    .await;
    app.clock.advance(Duration::days(2));
    sign_in_again(&[(&nurse, NURSE), (&doctor, DOCTOR), (&admin, ADMIN)]).await;
    let _: AdmissionView = ok(
        &doctor,
        "beds/discharge",
        json!({ "form": { "admission_id": admitted.id, "diagnoses": "S06.0X0A", "procedures": "",
                          "follow_up": "GP in a week", "summary": "Observed; no deterioration." } }),
    )
    .await;

    let (status, _) = nurse
        .call::<shared::care_reports::CareReport>("reports/care", days.clone())
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r: shared::care_reports::CareReport = ok(&admin, "reports/care", days.clone()).await;
    assert_eq!(r.days.len(), 7);
    let surgery = r.wards.iter().find(|w| w.ward == "Chirurgie").unwrap();
    assert_eq!(surgery.beds, 2);
    assert_eq!(
        surgery.occupied.iter().sum::<u32>(),
        2,
        "two nights: {:?}",
        surgery.occupied
    );
    assert_eq!(r.admissions.iter().sum::<u32>(), 1);
    assert_eq!(r.discharges.iter().sum::<u32>(), 1);
    assert_eq!(r.stays_ended, 1);
    assert!(
        (r.average_stay_days.unwrap() - 2.0).abs() < 0.01,
        "{:?}",
        r.average_stay_days
    );
    let level = |l: Option<EsiLevel>| r.ed.iter().find(|w| w.level == l).unwrap();
    let two = level(Some(EsiLevel::Two));
    assert_eq!(
        (two.visits, two.seen, two.median_minutes, two.over_target),
        (1, 1, Some(15), 1)
    );
    let never = level(None);
    assert_eq!((never.visits, never.seen, never.over_target), (1, 0, 1));
    assert_eq!(r.ed_left_unseen, 1);

    // The CSV downloads: the same figures.
    let get = |client: &Client, path: String| {
        let (http, url) = (client.http.clone(), format!("{}{path}", client.base));
        async move { http.get(url).send().await.unwrap() }
    };
    let csv = get(
        &admin,
        shared::care_reports::care_csv_path("ed_waits", r.from, r.to),
    )
    .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let text = csv.text().await.unwrap();
    assert!(
        text.starts_with(
            "level,visits,seen,median_minutes,p90_minutes,target_minutes,over_target\n"
        ),
        "{text}"
    );
    assert!(text.contains("\n2,1,1,15,15,10,1\n"), "{text}");
    assert!(text.contains("\nuntriaged,1,0,,,10,1\n"), "{text}");
    let occupancy = get(
        &admin,
        shared::care_reports::care_csv_path("occupancy", r.from, r.to),
    )
    .await
    .text()
    .await
    .unwrap();
    assert_eq!(
        occupancy
            .lines()
            .filter(|l| l.contains(",Chirurgie,2,1,50.0"))
            .count(),
        2,
        "{occupancy}"
    );
    let forbidden = get(
        &nurse,
        shared::care_reports::care_csv_path("movements", r.from, r.to),
    )
    .await;
    assert_eq!(forbidden.status(), StatusCode::FORBIDDEN);
    let unreadable = get(&admin, "/api/reports/movements.csv?from=yesterday".into()).await;
    assert_eq!(unreadable.status(), StatusCode::BAD_REQUEST);
}

on_both_databases!(
    the_care_report_counts_nights_stays_and_waits,
    the_queue_follows_triage,
    fast_track_lands_on_the_board_and_merge_keeps_it,
    emergency_numbers_are_public
);

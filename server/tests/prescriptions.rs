//! Prescribing: decision support when signing (allergies with
//! cross-reactivity, shipped and local interactions, duplicate therapy,
//! dose), override reasons, change and stop with history, and who sees
//! what.

mod common;

use app::entity::formulary_drugs;
use common::*;
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use shared::chart::{AllergyForm, ChartSummary};
use shared::decision::{AlertKind, AlertSeverity, CheckContext};
use shared::prescribing::{PrescriptionForm, PrescriptionStatus, PrescriptionView, SignRequest};
use shared::{AppError, Role};
use uuid::Uuid;

/// A doctor in the care team of a new patient.
async fn doctor_with_patient(app: &TestApp, email: &str, given: &str) -> (Client, Uuid) {
    let doctor = signed_in(app, email, Role::Doctor).await;
    let pid = basic_patient(app, given).await;
    in_care(app, email, pid).await;
    (doctor, pid)
}

async fn add_allergy(client: &Client, pid: Uuid, substance: &str) {
    let _: Uuid = ok(
        client,
        "chart/add_allergy",
        json!({ "patient_id": pid, "form": AllergyForm {
            substance: substance.into(),
            reaction: "Hives".into(),
            severity: "severe".into(),
            status: "active".into(),
        }}),
    )
    .await;
}

fn form(dose: &str, unit: &str, frequency: &str, value: &str, days: &str) -> PrescriptionForm {
    PrescriptionForm {
        dose: dose.into(),
        dose_unit: unit.into(),
        route: "oral".into(),
        frequency: frequency.into(),
        frequency_value: value.into(),
        start_date: chrono::Utc::now().date_naive().to_string(),
        duration_days: days.into(),
        refills: "0".into(),
        ..Default::default()
    }
}

fn request(pid: Uuid, drug: Uuid, form: PrescriptionForm, reason: &str) -> Value {
    json!({ "request": SignRequest {
        patient_id: Some(pid.into()),
        encounter_id: None,
        drug_id: Some(drug.into()),
        form,
        override_reason: reason.into(),
    }, "replaces": null })
}

async fn sign(client: &Client, body: Value) -> PrescriptionView {
    ok(client, "prescriptions/sign", body).await
}

async fn refused(client: &Client, endpoint: &str, body: Value) -> (StatusCode, AppError) {
    match client.call::<Value>(endpoint, body).await {
        (status, Err(e)) => (status, e),
        (status, Ok(v)) => panic!("{endpoint} should fail, answered {status}: {v}"),
    }
}

async fn list(client: &Client, pid: Uuid) -> Vec<PrescriptionView> {
    ok(client, "prescriptions/list", json!({ "patient_id": pid })).await
}

fn daily(dose: &str, unit: &str) -> PrescriptionForm {
    form(dose, unit, "times_daily", "1", "30")
}

/// A penicillin allergy: amoxicillin is refused without a reason, signed
/// with one; the reason and the alerts stay with the prescription and the
/// trail says what was overridden. An amoxicillin allergy alerts on
/// cephalexin through the shipped cross-reactivity rule.
async fn allergy_alerts_need_a_reason(backend: Backend) {
    let app = spawn_app(backend).await;
    let (doctor, pid) = doctor_with_patient(&app, "doc@test.example", "Amal").await;
    add_allergy(&doctor, pid, "Penicillins").await;
    add_allergy(&doctor, pid, "peanuts").await;

    let ctx: CheckContext = ok(
        &doctor,
        "prescriptions/context",
        json!({ "patient_id": pid }),
    )
    .await;
    assert_eq!(ctx.allergies.len(), 2);
    let penicillin = ctx
        .allergies
        .iter()
        .find(|a| a.substance == "Penicillins")
        .unwrap();
    assert_eq!(penicillin.allergy_classes, vec!["penicillin"]);
    assert!(ctx.allergies.iter().any(|a| !a.names_a_drug()));

    let amoxicillin = drug_by_rxcui(&app, "308191").await;
    let three_a_day = form("1", "capsule", "times_daily", "3", "7");
    let (status, error) = refused(
        &doctor,
        "prescriptions/sign",
        request(pid, amoxicillin, three_a_day.clone(), ""),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error:?}");
    assert!(error.field_message("override_reason").is_some());
    assert!(list(&doctor, pid).await.is_empty(), "nothing saved");

    let signed = sign(
        &doctor,
        request(
            pid,
            amoxicillin,
            three_a_day,
            "Tolerated amoxicillin in 2024 without reaction",
        ),
    )
    .await;
    assert_eq!(signed.sig.quantity, 21);
    assert_eq!(signed.status, PrescriptionStatus::Active);
    assert_eq!(signed.alerts.len(), 1, "{:?}", signed.alerts);
    assert_eq!(
        (signed.alerts[0].kind, signed.alerts[0].severity),
        (AlertKind::Allergy, AlertSeverity::Major)
    );
    assert!(signed.override_reason.unwrap().contains("2024"));
    assert_eq!(signed.verification_code.len(), 10);
    let details = app::entity::audit_events::Entity::find()
        .filter(app::entity::audit_events::Column::Action.eq("prescription.sign"))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(
        details[0].detail.as_deref(),
        Some("overrode Allergy (Major)")
    );

    // Cross-reactivity, from the shipped rule and its reference.
    let (doctor2, other) = doctor_with_patient(&app, "doc2@test.example", "Boris").await;
    add_allergy(&doctor2, other, "amoxicillin").await;
    let cephalexin = drug_by_rxcui(&app, "309114").await;
    let (_, error) = refused(
        &doctor2,
        "prescriptions/sign",
        request(
            other,
            cephalexin,
            form("1", "capsule", "times_daily", "4", "5"),
            "",
        ),
    )
    .await;
    assert!(error.field_message("override_reason").is_some());
    let ctx: CheckContext = ok(
        &doctor2,
        "prescriptions/context",
        json!({ "patient_id": other }),
    )
    .await;
    assert_eq!(ctx.allergies[0].ingredients, vec!["amoxicillin"]);
    let cephalexin_drug = app::formulary::service::view(
        formulary_drugs::Entity::find_by_id(cephalexin)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap(),
    );
    // The browser's check gives what the server enforces.
    let alerts = shared::decision::check(
        &ctx,
        &shared::decision::DrugFacts::of(&cephalexin_drug.drug),
        None,
    );
    assert_eq!(alerts.len(), 1);
    assert!(alerts[0].source.contains("AAAAI"), "{alerts:?}");
    assert_eq!(alerts[0].severity, AlertSeverity::Major);
}

/// Interactions from the shipped data (clarithromycin with simvastatin)
/// and from the local rules (warfarin with an NSAID); duplicate therapy by
/// ingredient and by class; the dose flag.
async fn interactions_duplicates_and_dose(backend: Backend) {
    let app = spawn_app(backend).await;
    let (doctor, pid) = doctor_with_patient(&app, "doc@test.example", "Chen").await;
    let simvastatin = drug_by_rxcui(&app, "198211").await;
    let clarithromycin = drug_by_rxcui(&app, "197517").await;
    let warfarin = drug_by_rxcui(&app, "855332").await;
    let ibuprofen = drug_by_rxcui(&app, "197807").await;
    let sertraline = drug_by_rxcui(&app, "312941").await;
    let fluoxetine = drug_by_rxcui(&app, "310385").await;

    let statin = sign(&doctor, request(pid, simvastatin, daily("1", "tablet"), "")).await;
    assert!(statin.alerts.is_empty());
    let (_, error) = refused(
        &doctor,
        "prescriptions/sign",
        request(
            pid,
            clarithromycin,
            form("1", "tablet", "times_daily", "2", "7"),
            "",
        ),
    )
    .await;
    assert!(error.field_message("override_reason").is_some());
    let macrolide = sign(
        &doctor,
        request(
            pid,
            clarithromycin,
            form("1", "tablet", "times_daily", "2", "7"),
            "Statin held for the course",
        ),
    )
    .await;
    let alert = &macrolide.alerts[0];
    assert_eq!(alert.kind, AlertKind::Interaction);
    assert!(alert.source.contains("NDF-RT"), "{alert:?}");

    sign(&doctor, request(pid, warfarin, daily("1", "tablet"), "")).await;
    let nsaid = sign(
        &doctor,
        request(
            pid,
            ibuprofen,
            form("1", "tablet", "times_daily", "3", "3"),
            "Short course, PPI cover",
        ),
    )
    .await;
    assert!(nsaid
        .alerts
        .iter()
        .any(|a| a.kind == AlertKind::Interaction && a.source == "Local rule"));

    // Duplicate therapy: same class is moderate (no reason needed).
    sign(&doctor, request(pid, sertraline, daily("1", "tablet"), "")).await;
    let second = sign(&doctor, request(pid, fluoxetine, daily("1", "capsule"), "")).await;
    assert!(second
        .alerts
        .iter()
        .any(|a| a.kind == AlertKind::DuplicateTherapy && a.severity == AlertSeverity::Moderate));
    // The same ingredient again is major.
    let (_, error) = refused(
        &doctor,
        "prescriptions/sign",
        request(pid, sertraline, daily("1", "tablet"), ""),
    )
    .await;
    assert!(error.field_message("override_reason").is_some());

    // Ten tablets a dose is flagged, and signs (moderate).
    let other = basic_patient(&app, "Dana").await;
    in_care(&app, "doc@test.example", other).await;
    let heavy = sign(&doctor, request(other, simvastatin, daily("400", "mg"), "")).await;
    assert_eq!(heavy.alerts.len(), 1);
    assert_eq!(heavy.alerts[0].kind, AlertKind::Dose);
    assert_eq!(heavy.sig.quantity, 300);
}

/// A change is a new prescription naming the old one, which stays as
/// changed; a stop keeps its reason; the chart's medication list shows what
/// is active; a retired drug is refused.
async fn change_and_stop_keep_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let (doctor, pid) = doctor_with_patient(&app, "doc@test.example", "Emil").await;
    let metformin = drug_by_rxcui(&app, "861007").await;
    let first = sign(&doctor, request(pid, metformin, daily("1", "tablet"), "")).await;

    let mut changed = request(
        pid,
        metformin,
        form("1", "tablet", "times_daily", "2", "30"),
        "",
    );
    changed["replaces"] = json!(first.id);
    let second: PrescriptionView = ok(&doctor, "prescriptions/sign", changed.clone()).await;
    assert_eq!(second.replaces, Some(first.id));
    assert!(
        second.alerts.is_empty(),
        "a change is not its own duplicate"
    );
    let all = list(&doctor, pid).await;
    assert_eq!(all.len(), 2);
    assert_eq!(all[0].id, second.id);
    assert_eq!(all[1].status, PrescriptionStatus::Changed);
    // The old one cannot be changed again.
    let (status, _) = refused(&doctor, "prescriptions/sign", changed).await;
    assert_eq!(status, StatusCode::CONFLICT);

    let chart: ChartSummary = ok(&doctor, "chart/summary", json!({ "patient_id": pid })).await;
    let active: Vec<_> = chart
        .medications
        .iter()
        .filter(|m| m.status == shared::chart::MedicationStatus::Active)
        .collect();
    assert_eq!(active.len(), 1);
    assert!(active[0].name.starts_with("metformin 500 mg"));
    assert_eq!(active[0].frequency.as_deref(), Some("twice a day"));

    let stop = json!({ "patient_id": pid, "prescription_id": second.id, "reason": "" });
    let (_, error) = refused(&doctor, "prescriptions/stop", stop).await;
    assert!(error.field_message("reason").is_some());
    let stopped: PrescriptionView = ok(
        &doctor,
        "prescriptions/stop",
        json!({ "patient_id": pid, "prescription_id": second.id, "reason": "Renal function fell" }),
    )
    .await;
    assert_eq!(stopped.status, PrescriptionStatus::Stopped);
    assert_eq!(stopped.end_reason.as_deref(), Some("Renal function fell"));
    let (status, _) = refused(
        &doctor,
        "prescriptions/stop",
        json!({ "patient_id": pid, "prescription_id": second.id, "reason": "again" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A retired drug is not newly prescribed.
    let pharmacist = signed_in(&app, "rx@test.example", Role::Pharmacist).await;
    let _: Value = ok(
        &pharmacist,
        "formulary/retire",
        json!({ "drug_id": metformin, "retired": true }),
    )
    .await;
    let (_, error) = refused(
        &doctor,
        "prescriptions/sign",
        request(pid, metformin, daily("1", "tablet"), ""),
    )
    .await;
    assert!(error.field_message("drug").is_some());
}

/// Patients read their own prescriptions only; nurses and pharmacists do
/// not prescribe; a doctor outside the care team is refused.
async fn who_sees_and_who_prescribes(backend: Backend) {
    let app = spawn_app(backend).await;
    let patient = Client::new(&app.base);
    let outcome = register_patient(&patient, "pat@test.example", "فرح").await;
    let pid: Uuid = serde_json::from_value(outcome["user"]["patient_id"].clone()).unwrap();
    let doctor = signed_in(&app, "doc@test.example", Role::Doctor).await;
    in_care(&app, "doc@test.example", pid).await;
    let metformin = drug_by_rxcui(&app, "861007").await;
    let mut body = request(pid, metformin, daily("1", "tablet"), "");
    body["request"]["form"]["instructions"] = json!("Take with food — مع الطعام");
    let signed = sign(&doctor, body.clone()).await;

    // The printable prescription, for the prescriber and the patient.
    let pdf_url = format!("{}/api/prescriptions/{}/pdf", app.base, signed.id);
    for reader in [&doctor, &patient] {
        let response = reader.http.get(&pdf_url).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let text = nfc(&pdftotext(&response.bytes().await.unwrap()));
        let code = format!(
            "{}-{}",
            &signed.verification_code[..5],
            &signed.verification_code[5..]
        );
        for expected in [
            "metformin 500 mg Oral Tablet",
            "Take 1 tablet by mouth once a day for 30 days.",
            &format!("Verification code: {code}"),
            "Signature",
            "فرح",
        ] {
            assert!(
                text.contains(&nfc(expected)),
                "{expected:?} not in:\n{text}"
            );
        }
    }

    let mine: Vec<PrescriptionView> = ok(&patient, "prescriptions/mine", json!({})).await;
    assert_eq!(mine.len(), 1);
    assert_eq!(
        mine[0].sig.directions(),
        "Take 1 tablet by mouth once a day for 30 days."
    );
    assert_eq!(
        mine[0].sig.instructions.as_deref(),
        Some("Take with food — مع الطعام")
    );
    let stranger_patient = Client::new(&app.base);
    register_patient(&stranger_patient, "other@patients.example", "Gita").await;
    let response = stranger_patient.http.get(&pdf_url).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    let other = basic_patient(&app, "Gita").await;
    let (status, _) = refused(
        &patient,
        "prescriptions/list",
        json!({ "patient_id": other }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = refused(&patient, "prescriptions/sign", body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let nurse = signed_in(&app, "nurse@test.example", Role::Nurse).await;
    let (status, _) = refused(&nurse, "prescriptions/sign", body.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stranger = signed_in(&app, "other@test.example", Role::Doctor).await;
    let (status, _) = refused(&stranger, "prescriptions/sign", body).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = refused(
        &stranger,
        "prescriptions/list",
        json!({ "patient_id": pid }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = refused(
        &stranger,
        "prescriptions/context",
        json!({ "patient_id": pid }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

/// A pharmacist's local rule is checked like the shipped ones from the
/// next prescription on, names who added it and why, and stops when
/// retired; bad input gets field errors; doctors do not keep rules.
async fn local_rules_are_checked_like_shipped_ones(backend: Backend) {
    use shared::decision::{RuleForm, RuleView};
    let app = spawn_app(backend).await;
    let (doctor, pid) = doctor_with_patient(&app, "doc@test.example", "Ines").await;
    let rx = signed_in(&app, "rx@test.example", Role::Pharmacist).await;
    let metformin = drug_by_rxcui(&app, "861007").await;
    let furosemide = drug_by_rxcui(&app, "310429").await;
    sign(&doctor, request(pid, metformin, daily("1", "tablet"), "")).await;
    let quiet = sign(&doctor, request(pid, furosemide, daily("1", "tablet"), "")).await;
    assert!(
        quiet.alerts.iter().all(|a| a.source != "Local rule"),
        "{:?}",
        quiet.alerts
    );
    let _: Value = ok(
        &doctor,
        "prescriptions/stop",
        json!({ "patient_id": pid, "prescription_id": quiet.id, "reason": "Test" }),
    )
    .await;

    let (_, error) = refused(
        &rx,
        "drug_rules/add",
        json!({ "form": RuleForm { kind: "interaction".into(), a_kind: "allergy_class".into(), a_value: "peanut".into(), ..Default::default() } }),
    )
    .await;
    let AppError::Validation(fields) = error else {
        panic!("field errors expected");
    };
    let names: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(
        names,
        vec!["a_value", "b_kind", "severity", "text", "reason"]
    );
    let form = RuleForm {
        kind: "interaction".into(),
        a_kind: "ingredient".into(),
        a_value: "Metformin".into(),
        b_kind: "drug_class".into(),
        b_value: "Loop Diuretic".into(),
        severity: "major".into(),
        text: "Check renal function before combining.".into(),
        reason: "Two admissions with lactic acidosis this year".into(),
    };
    let (status, _) = refused(&doctor, "drug_rules/add", json!({ "form": form.clone() })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let added: RuleView = ok(&rx, "drug_rules/add", json!({ "form": form })).await;
    assert_eq!(added.describe(), "metformin with loop diuretic drugs");
    assert_eq!(added.added_by.as_deref(), Some("Test Person"));

    let (_, error) = refused(
        &doctor,
        "prescriptions/sign",
        request(pid, furosemide, daily("1", "tablet"), ""),
    )
    .await;
    assert!(error.field_message("override_reason").is_some());
    let signed = sign(
        &doctor,
        request(
            pid,
            furosemide,
            daily("1", "tablet"),
            "Renal function checked today",
        ),
    )
    .await;
    let alert = signed
        .alerts
        .iter()
        .find(|a| a.source == "Local rule")
        .expect("the local rule's alert");
    assert_eq!(alert.detail, "Check renal function before combining.");

    let _: Value = ok(
        &rx,
        "drug_rules/retire",
        json!({ "rule_id": added.rule.id }),
    )
    .await;
    let list: Vec<RuleView> = ok(&rx, "drug_rules/list", json!({})).await;
    assert!(list.iter().any(|r| r.rule.id == added.rule.id && r.retired));
    assert!(
        list.iter().filter(|r| !r.retired).count() >= 12,
        "the shipped local pairs are listed"
    );
    let ctx: CheckContext = ok(
        &doctor,
        "prescriptions/context",
        json!({ "patient_id": pid }),
    )
    .await;
    assert!(ctx.rules.iter().all(|r| r.id != added.rule.id));
}

/// Refills are counted: a patient asks (one request pending at a time), the
/// prescriber approves (a refill used, a new fill in the pharmacy's queue)
/// or declines with a reason; with none left, asking is refused. Other
/// patients and doctors outside the care team cannot act on it.
async fn refills_are_counted(backend: Backend) {
    use shared::pharmacy::FillStatus;
    use shared::prescribing::{RefillRequestView, RefillStatus};
    let app = spawn_app(backend).await;
    let patient = Client::new(&app.base);
    let outcome = register_patient(&patient, "refill@test.example", "Rafael").await;
    let pid: Uuid = serde_json::from_value(outcome["user"]["patient_id"].clone()).unwrap();
    let doctor = signed_in(&app, "doc@test.example", Role::Doctor).await;
    in_care(&app, "doc@test.example", pid).await;
    let metformin = drug_by_rxcui(&app, "861007").await;
    let mut body = request(pid, metformin, daily("1", "tablet"), "");
    body["request"]["form"]["refills"] = json!("1");
    let p = sign(&doctor, body).await;
    let ask = json!({ "prescription_id": p.id, "note": "Running out on Friday" });

    let first: RefillRequestView = ok(&patient, "refills/request", ask.clone()).await;
    assert_eq!(first.status, RefillStatus::Pending);
    let (status, _) = refused(&patient, "refills/request", ask.clone()).await;
    assert_eq!(
        status,
        StatusCode::CONFLICT,
        "one request pending at a time"
    );
    let stranger = Client::new(&app.base);
    register_patient(&stranger, "stranger@test.example", "Sven").await;
    let (status, _) = refused(&stranger, "refills/request", ask.clone()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let outsider = signed_in(&app, "outsider@test.example", Role::Doctor).await;
    let (status, _) = refused(
        &outsider,
        "refills/decide",
        json!({ "request_id": first.id, "approve": true, "reason": "" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let outsiders: Vec<RefillRequestView> = ok(&outsider, "refills/queue", json!({})).await;
    assert!(outsiders.is_empty());

    let queue: Vec<RefillRequestView> = ok(&doctor, "refills/queue", json!({})).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].note.as_deref(), Some("Running out on Friday"));
    let approved: RefillRequestView = ok(
        &doctor,
        "refills/decide",
        json!({ "request_id": first.id, "approve": true, "reason": "" }),
    )
    .await;
    assert_eq!(
        (approved.status, approved.refills_left),
        (RefillStatus::Approved, 0)
    );
    let row = app::entity::prescriptions::Entity::find_by_id(p.id.uuid())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((row.refills_used, row.fill_status), (1, FillStatus::New));
    let (status, _) = refused(
        &doctor,
        "refills/decide",
        json!({ "request_id": first.id, "approve": false, "reason": "Late" }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "decided once");

    // None left now.
    let (status, _) = refused(&patient, "refills/request", ask).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // A declined request says why.
    let mut body = request(
        pid,
        drug_by_rxcui(&app, "314076").await,
        daily("1", "tablet"),
        "",
    );
    body["request"]["form"]["refills"] = json!("2");
    let other = sign(&doctor, body).await;
    let asked: RefillRequestView = ok(
        &patient,
        "refills/request",
        json!({ "prescription_id": other.id, "note": "" }),
    )
    .await;
    let (_, error) = refused(
        &doctor,
        "refills/decide",
        json!({ "request_id": asked.id, "approve": false, "reason": "" }),
    )
    .await;
    assert!(error.field_message("reason").is_some());
    let declined: RefillRequestView = ok(
        &doctor,
        "refills/decide",
        json!({ "request_id": asked.id, "approve": false, "reason": "Blood test first, please book one" }),
    )
    .await;
    assert_eq!(declined.status, RefillStatus::Declined);
    let mine: Vec<RefillRequestView> = ok(&patient, "refills/mine", json!({})).await;
    assert_eq!(mine.len(), 2);
    assert_eq!(
        mine[0].decline_reason.as_deref(),
        Some("Blood test first, please book one")
    );
    assert_eq!(mine[0].refills_left, 2, "a declined request uses no refill");
}

on_both_databases!(
    refills_are_counted,
    local_rules_are_checked_like_shipped_ones,
    allergy_alerts_need_a_reason,
    interactions_duplicates_and_dose,
    change_and_stop_keep_history,
    who_sees_and_who_prescribes,
);

//! The laboratory: the catalogue loaded at migration and results flagged
//! against the range for the patient's sex and age on the collection day;
//! the path from a doctor's order to a verified result the patient reads
//! (duplicates, collection and labels, critical alerts, verification by
//! someone else, corrections that keep the original, imaging reports); the
//! worklist paged by keyset. On SQLite and PostgreSQL.

mod common;

use app::entity::{lab_tests, notification_outbox as outbox, patients};
use chrono::{NaiveDate, Utc};
use common::*;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};
use shared::ids::LabOrderId;
use shared::lab::{limits_for, Flag, LabValue, Modality, TestKind};
use shared::lab_work::{
    Correction, CriticalAlert, ItemStatus, ItemView, Label, MyResults, OrderForm, OrderView,
    Priority, ResultEntry, ResultStatus, Stage, WorkFilter, WorkPage,
};
use shared::notify::NoticeKind;
use shared::patients::AdministrativeSex::{Female, Male, Unknown};
use shared::{AppError, Role};
use uuid::Uuid;

fn v(s: &str) -> LabValue {
    LabValue::parse(s).unwrap()
}

/// The 54 LOINC tests and 12 imaging studies are there; potassium's adult
/// range and critical limits flag results, by sex where the file differs
/// (creatinine), not at all for a child (no paediatric range yet) or for a
/// sex the test has no range for (PSA in women).
async fn catalogue_ranges_flag_results(backend: Backend) {
    let app = spawn_app(backend).await;
    let count = |kind| {
        lab_tests::Entity::find()
            .filter(lab_tests::Column::Kind.eq(kind))
            .count(&app.db)
    };
    assert_eq!(count(TestKind::Lab).await.unwrap(), 54);
    assert_eq!(count(TestKind::Imaging).await.unwrap(), 12);
    let chest = app::lab::catalogue::by_code(&app.db, "IMG-XR-CHEST")
        .await
        .unwrap();
    assert_eq!(
        (chest.modality, chest.body_region.as_deref()),
        (Some(Modality::Xray), Some("Chest"))
    );

    let now = Utc::now();
    let on = now.date_naive();
    let adult = Some(NaiveDate::from_ymd_opt(1980, 5, 17).unwrap());
    let child = Some(on - chrono::Duration::days(3650));
    let rules = |code: &'static str| {
        let db = app.db.clone();
        async move {
            let test = app::lab::catalogue::by_code(&db, code).await.unwrap();
            app::lab::catalogue::rules_at(&db, test.id, now)
                .await
                .unwrap()
        }
    };
    let potassium = rules("2823-3").await;
    let k = limits_for(&potassium, Male, adult, on).unwrap();
    assert_eq!(k.flag(v("3.5")), Flag::Normal);
    assert_eq!(k.flag(v("6.5")), Flag::CriticalHigh);
    assert_eq!(k.flag(v("2.7")), Flag::CriticalLow);
    assert_eq!(
        limits_for(&potassium, Unknown, adult, on),
        Some(k),
        "one rule for both sexes"
    );
    assert_eq!(limits_for(&potassium, Female, child, on), None);
    assert_eq!(limits_for(&potassium, Female, None, on), None);

    let db = &app.db;
    let decimals = |code| async move {
        app::lab::catalogue::by_code(db, code)
            .await
            .unwrap()
            .decimals
    };
    assert_eq!(
        (
            decimals("2823-3").await,
            decimals("2160-0").await,
            decimals("2857-1").await
        ),
        (1, 2, 0),
        "values shown with as many decimals as the limits have"
    );
    let creatinine = rules("2160-0").await;
    let man = limits_for(&creatinine, Male, adult, on).unwrap();
    let woman = limits_for(&creatinine, Female, adult, on).unwrap();
    assert_eq!(man.flag(v("1.2")), Flag::Normal);
    assert_eq!(woman.flag(v("1.2")), Flag::High);
    assert_eq!(limits_for(&creatinine, Unknown, adult, on), None);

    let psa = rules("2857-1").await;
    assert!(limits_for(&psa, Male, adult, on).is_some());
    assert_eq!(limits_for(&psa, Female, adult, on), None);
    // Before the ranges existed, none applied.
    let earlier = app::lab::catalogue::rules_at(
        &app.db,
        app::lab::catalogue::by_code(&app.db, "2823-3")
            .await
            .unwrap()
            .id,
        now - chrono::Duration::days(1),
    )
    .await
    .unwrap();
    assert!(earlier.is_empty());
}

on_both_databases!(catalogue_ranges_flag_results);

async fn refused(client: &Client, endpoint: &str, body: Value) -> (StatusCode, AppError) {
    match client.call::<Value>(endpoint, body).await {
        (status, Err(e)) => (status, e),
        (status, Ok(v)) => panic!("{endpoint} should fail, answered {status}: {v}"),
    }
}

fn order_form(pid: Uuid, choices: &[&str], priority: Priority, again: bool) -> Value {
    json!({ "form": OrderForm {
        patient_id: Some(pid.into()),
        encounter_id: None,
        choices: choices.iter().map(|c| c.to_string()).collect(),
        priority: priority.as_str().into(),
        note: "Palpitations; on ramipril.".into(),
        confirm_duplicates: again,
    }})
}

fn item<'a>(order: &'a OrderView, code: &str) -> &'a ItemView {
    order
        .items
        .iter()
        .find(|i| i.code == code)
        .unwrap_or_else(|| panic!("{code} in the order"))
}

async fn enter(
    client: &Client,
    i: &ItemView,
    value: &str,
    impression: &str,
) -> (StatusCode, Result<OrderView, AppError>) {
    client
        .call(
            "lab/enter",
            json!({ "entry": ResultEntry {
                item_id: Some(i.id),
                value: value.into(),
                impression: impression.into(),
            }}),
        )
        .await
}

/// The bars of a label as a scanner reads them (widths of bars and of the
/// spaces after them), decoded by the `code128` crate, an implementation
/// independent of the one that encoded them.
fn decode_label(label: &Label) -> String {
    let bars: Vec<code128::Bar> = label
        .bars
        .iter()
        .enumerate()
        .map(|(n, &(x, w))| code128::Bar {
            width: w as u8,
            space: label
                .bars
                .get(n + 1)
                .map_or(0, |&(next, _)| (next - x - w) as u8),
        })
        .collect();
    String::from_utf8(code128::decode(&bars).expect("a valid Code 128")).unwrap()
}

/// A doctor orders potassium, the CBC panel and a chest X-ray (STAT); the
/// same test again is flagged; a technician collects (one specimen per
/// type, a label whose barcode decodes to the accession number), enters a
/// critical potassium that alerts the doctor (by e-mail without clinical
/// content) while the patient sees nothing; the same technician cannot
/// verify it, a second one releases it; the doctor acknowledges; a
/// correction keeps the original; a radiologist reports the X-ray.
async fn an_order_becomes_a_verified_result(backend: Backend) {
    let app = spawn_app(backend).await;
    let patient = Client::new(&app.base);
    let outcome = register_patient(&patient, "lab@test.example", "Лариса").await;
    let pid: Uuid = serde_json::from_value(outcome["user"]["patient_id"].clone()).unwrap();
    let mut row: patients::ActiveModel = patients::Entity::find_by_id(pid)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap()
        .into();
    row.email = Set(Some("lab@test.example".into()));
    row.consent_email = Set(true);
    row.sex = Set(Male);
    row.date_of_birth = Set(NaiveDate::from_ymd_opt(1961, 3, 9));
    row.update(&app.db).await.unwrap();
    let doctor = signed_in(&app, "doctor@test.example", Role::Doctor).await;
    in_care(&app, "doctor@test.example", pid).await;
    let tech = signed_in(&app, "tech@test.example", Role::LabTechnician).await;
    let second = signed_in(&app, "tech2@test.example", Role::LabTechnician).await;

    // Ordering: field errors save nothing; a doctor without the patient in
    // care, a technician and the patient may not order.
    let (status, error) = refused(
        &doctor,
        "lab/order",
        order_form(pid, &[], Priority::Stat, false),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("tests").is_some());
    let (status, error) = refused(
        &doctor,
        "lab/order",
        order_form(pid, &["9999-9"], Priority::Stat, false),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("tests").unwrap().contains("9999-9"));
    let (status, _) = refused(
        &tech,
        "lab/order",
        order_form(pid, &["2823-3"], Priority::Stat, false),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let stranger = signed_in(&app, "stranger@test.example", Role::Doctor).await;
    let (status, _) = refused(
        &stranger,
        "lab/order",
        order_form(pid, &["2823-3"], Priority::Stat, false),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let order: OrderView = ok(
        &doctor,
        "lab/order",
        order_form(
            pid,
            &["2823-3", "panel:CBC", "IMG-XR-CHEST"],
            Priority::Stat,
            false,
        ),
    )
    .await;
    assert_eq!(
        order.items.len(),
        6,
        "potassium, the CBC's four tests, the X-ray"
    );
    assert!(order.items.iter().all(|i| i.status == ItemStatus::Ordered));
    assert_eq!(item(&order, "IMG-XR-CHEST").kind, TestKind::Imaging);
    assert_eq!(
        order
            .items
            .iter()
            .filter(|i| i.panel.as_deref() == Some("CBC"))
            .count(),
        4
    );
    // Potassium again while pending: flagged, nothing saved unless confirmed.
    let (status, error) = refused(
        &doctor,
        "lab/order",
        order_form(pid, &["2823-3"], Priority::Routine, false),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error
        .field_message("confirm_duplicates")
        .unwrap()
        .contains("Potassium"));
    let again: OrderView = ok(
        &doctor,
        "lab/order",
        order_form(pid, &["2823-3"], Priority::Routine, true),
    )
    .await;
    let orders: Vec<OrderView> =
        ok(&doctor, "lab/patient_orders", json!({ "patient_id": pid })).await;
    assert_eq!(orders.len(), 2);
    // The doctor cancels the duplicate; a reason is needed.
    let cancel =
        |reason: &str| json!({ "patient_id": pid, "item_id": again.items[0].id, "reason": reason });
    let (status, _) = refused(&doctor, "lab/cancel", cancel(" ")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let cancelled: OrderView = ok(&doctor, "lab/cancel", cancel("Ordered twice.")).await;
    assert_eq!(cancelled.items[0].status, ItemStatus::Cancelled);

    // The patient sees what is pending, no result.
    let mine: MyResults = ok(&patient, "lab/mine", json!({})).await;
    assert!(mine.results.is_empty());
    assert_eq!(mine.pending.len(), 6);

    // The worklist: the STAT tests, due within the hour, none routine.
    let list: WorkPage = ok(
        &tech,
        "lab/worklist",
        json!({ "filter": WorkFilter { stage: Some(Stage::Collect), ..Default::default() } }),
    )
    .await;
    assert_eq!(list.rows.len(), 6);
    assert!(list
        .rows
        .iter()
        .all(|r| r.priority == Priority::Stat && r.order_id == order.id));
    let routine: WorkPage = ok(&tech, "lab/worklist", json!({ "filter": WorkFilter { stage: Some(Stage::Collect), priority: Some(Priority::Routine), ..Default::default() } })).await;
    assert!(routine.rows.is_empty());
    let (status, _) = refused(
        &patient,
        "lab/worklist",
        json!({ "filter": WorkFilter::default() }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = refused(&patient, "lab/order_view", json!({ "order_id": order.id })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // No result before collection.
    let (status, _) = enter(&tech, item(&order, "2823-3"), "4.1", "").await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Collection: serum and whole blood, two accession numbers.
    let accessions: Vec<String> = ok(&tech, "lab/collect", json!({ "order_id": order.id })).await;
    assert_eq!(accessions.len(), 2);
    let (status, _) = refused(&tech, "lab/collect", json!({ "order_id": order.id })).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing left to collect");
    for accession in &accessions {
        let label: Label = ok(&tech, "lab/label", json!({ "accession": accession })).await;
        assert_eq!(&decode_label(&label), accession);
        assert_eq!(label.patient_name, "Tester, Лариса");
        assert_eq!(label.birth_date, NaiveDate::from_ymd_opt(1961, 3, 9));
        // Scanned, or typed in lower case with a dash.
        let typed = format!("{}-{}", &accession[..7], &accession[7..]).to_lowercase();
        let found: LabOrderId = ok(&tech, "lab/scan", json!({ "accession": typed })).await;
        assert_eq!(found, order.id);
    }
    let (status, error) = refused(&tech, "lab/scan", json!({ "accession": "L0000000000" })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("accession").is_some());

    // Result entry: the value is checked; a critical potassium alerts the
    // ordering doctor at once, in the portal and by e-mail.
    let k = item(&order, "2823-3").clone();
    let (status, answer) = enter(&tech, &k, "high", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.unwrap_err().field_message("value").is_some());
    let (_, answer) = enter(&tech, &k, "7,1", "").await;
    let order = answer.unwrap();
    let result = item(&order, "2823-3").current().unwrap().clone();
    assert_eq!(
        (result.value.as_str(), result.flag, result.status),
        ("7.1", Some(Flag::CriticalHigh), ResultStatus::Entered)
    );
    assert_eq!(result.limits.interval_text(), "3.5–5");
    let alerts: Vec<CriticalAlert> = ok(&doctor, "lab/alerts", json!({})).await;
    assert_eq!(alerts.len(), 1);
    assert_eq!(
        (alerts[0].test.as_str(), alerts[0].flag),
        ("Potassium", Flag::CriticalHigh)
    );
    let mail = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(NoticeKind::LabCritical))
        .one(&app.db)
        .await
        .unwrap()
        .expect("the doctor's message");
    assert_eq!(mail.recipient, "doctor@test.example");
    for secret in ["otassium", "7.1", "7,1", "Лариса", "Patient"] {
        assert!(
            !mail.subject.contains(secret) && !mail.body.contains(secret),
            "{secret} in {mail:?}"
        );
    }
    // Not visible to the patient before verification.
    let mine: MyResults = ok(&patient, "lab/mine", json!({})).await;
    assert!(mine.results.is_empty());

    // Verification: never by who entered it.
    let verify = |accept: bool| json!({ "result_id": result.id, "accept": accept });
    let (status, _) = refused(&tech, "lab/verify", verify(true)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = refused(&doctor, "lab/verify", verify(true)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let order: OrderView = ok(&second, "lab/verify", verify(true)).await;
    let released = item(&order, "2823-3");
    assert_eq!(released.status, ItemStatus::Released);
    assert!(released.current().unwrap().verified_by.is_some());
    let mine: MyResults = ok(&patient, "lab/mine", json!({})).await;
    assert_eq!(mine.results.len(), 1);
    assert_eq!(
        mine.results[0].plain.as_deref(),
        Some("above the usual range")
    );
    assert_eq!(mine.results[0].range, "3.5–5");
    let told = outbox::Entity::find()
        .filter(outbox::Column::Kind.eq(NoticeKind::LabResults))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(told.len(), 1);
    assert_eq!(told[0].recipient, "lab@test.example");
    assert!(!told[0].body.contains("otassium") && !told[0].body.contains("7.1"));

    // Acknowledgement: by the ordering doctor only.
    let ack = json!({ "result_id": result.id });
    let (status, _) = refused(&tech, "lab/acknowledge", ack.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = refused(&stranger, "lab/acknowledge", ack.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let () = ok(&doctor, "lab/acknowledge", ack).await;
    let alerts: Vec<CriticalAlert> = ok(&doctor, "lab/alerts", json!({})).await;
    assert!(alerts.is_empty());

    // A correction keeps the original and says why; it waits for another
    // person's verification, the original in force until then.
    let correction = |reason: &str| {
        json!({ "correction": Correction {
            result_id: Some(result.id),
            value: "5.0".into(),
            impression: String::new(),
            reason: reason.into(),
        }})
    };
    let (status, error) = refused(&second, "lab/correct", correction("")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("reason").is_some());
    let order: OrderView = ok(
        &second,
        "lab/correct",
        correction("Haemolysed sample; run again."),
    )
    .await;
    let fixed = item(&order, "2823-3").current().unwrap().clone();
    assert_eq!(
        (fixed.value.as_str(), fixed.flag, fixed.status),
        ("5.0", Some(Flag::Normal), ResultStatus::Entered)
    );
    let mine: MyResults = ok(&patient, "lab/mine", json!({})).await;
    assert_eq!(
        mine.results[0].value, "7.1",
        "the released result until the correction is verified"
    );
    let (status, _) = refused(
        &second,
        "lab/verify",
        json!({ "result_id": fixed.id, "accept": true }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let order: OrderView = ok(
        &tech,
        "lab/verify",
        json!({ "result_id": fixed.id, "accept": true }),
    )
    .await;
    let history = &item(&order, "2823-3").results;
    assert_eq!(
        history
            .iter()
            .map(|r| (r.value.as_str(), r.status))
            .collect::<Vec<_>>(),
        [
            ("5.0", ResultStatus::Released),
            ("7.1", ResultStatus::Superseded)
        ]
    );
    assert_eq!(
        history[0].correction_reason.as_deref(),
        Some("Haemolysed sample; run again.")
    );
    let mine: MyResults = ok(&patient, "lab/mine", json!({})).await;
    assert_eq!(mine.results.len(), 1);
    assert_eq!(
        (mine.results[0].value.as_str(), mine.results[0].corrected),
        ("5.0", true)
    );

    // A result sent back is entered again.
    let hb = item(&order, "718-7").clone();
    let (_, answer) = enter(&tech, &hb, "13.9", "").await;
    let entered = item(&answer.unwrap(), "718-7").current().unwrap().clone();
    let order: OrderView = ok(
        &second,
        "lab/verify",
        json!({ "result_id": entered.id, "accept": false }),
    )
    .await;
    assert_eq!(item(&order, "718-7").status, ItemStatus::Collected);
    let (_, answer) = enter(&tech, &hb, "139", "").await;
    assert_eq!(item(&answer.unwrap(), "718-7").status, ItemStatus::Resulted);

    // Imaging: the radiologist's report, released as signed.
    let xray = item(&order, "IMG-XR-CHEST").clone();
    let (status, _) = enter(&tech, &xray, "Clear lungs.", "Normal.").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, answer) = enter(&doctor, &xray, " ", "").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error = answer.unwrap_err();
    assert!(error.field_message("value").is_some() && error.field_message("impression").is_some());
    let (_, answer) = enter(
        &doctor,
        &xray,
        "Lungs clear. Heart size normal.",
        "No acute disease.",
    )
    .await;
    let reported = item(&answer.unwrap(), "IMG-XR-CHEST").clone();
    assert_eq!(reported.status, ItemStatus::Released);
    let mine: MyResults = ok(&patient, "lab/mine", json!({})).await;
    let report = mine
        .results
        .iter()
        .find(|r| r.kind == TestKind::Imaging)
        .unwrap();
    assert_eq!(report.impression.as_deref(), Some("No acute disease."));
    assert!(
        mine.results.iter().all(|r| r.code != "718-7"),
        "awaiting verification"
    );

    // The lab report of the order: released results with their units,
    // ranges and flags, the correction's reason, the imaging report, what is
    // still pending; the patient's name in its own script. The patient and
    // the doctor may download it; a doctor without the patient may not.
    let (status, _) = lab_report(&Client::new(&app.base), order.id).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = lab_report(&stranger, order.id).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, pdf) = lab_report(&doctor, order.id).await;
    assert_eq!(status, StatusCode::OK);
    assert!(pdf.starts_with(b"%PDF-"));
    let (status, pdf) = lab_report(&patient, order.id).await;
    assert_eq!(status, StatusCode::OK);
    let text = nfc(&pdftotext(&pdf));
    for expected in [
        "Лариса",
        "Potassium",
        "5.0",
        "mmol/L",
        "3.5–5",
        "Haemolysed sample; run again.",
        "No acute disease.",
        "Still pending",
        "Hemoglobin",
    ] {
        assert!(text.contains(expected), "{expected} in the report:\n{text}");
    }
    for hidden in ["7.1", "139"] {
        assert!(!text.contains(hidden), "{hidden} is not released:\n{text}");
    }

    // The FHIR Bundle: an Observation per released result (LOINC, UCUM,
    // reference range, interpretation), a DiagnosticReport per order's
    // laboratory tests and per imaging study; nothing awaiting verification.
    let response = patient
        .http
        .get(format!("{}/api/records/mine/fhir", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let bundle: Value = response.json().await.unwrap();
    let resources: Vec<&Value> = bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["resource"])
        .collect();
    let observation = |code: &str| {
        resources
            .iter()
            .find(|r| r["resourceType"] == "Observation" && r["code"]["coding"][0]["code"] == code)
            .copied()
    };
    let k = observation("2823-3").expect("the potassium Observation");
    assert_eq!(k["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(k["status"], "corrected");
    assert_eq!(k["valueQuantity"]["value"], 5.0);
    assert_eq!(k["valueQuantity"]["system"], "http://unitsofmeasure.org");
    assert_eq!(k["valueQuantity"]["code"], "mmol/L");
    assert_eq!(k["referenceRange"][0]["low"]["value"], 3.5);
    assert_eq!(k["interpretation"][0]["coding"][0]["code"], "N");
    assert!(observation("718-7").is_none(), "awaiting verification");
    let reports: Vec<&&Value> = resources
        .iter()
        .filter(|r| r["resourceType"] == "DiagnosticReport")
        .collect();
    assert_eq!(reports.len(), 2, "the laboratory's and the X-ray's");
    let lab = reports
        .iter()
        .find(|r| r["category"][0]["coding"][0]["code"] == "LAB")
        .unwrap();
    assert_eq!(
        lab["result"][0]["reference"],
        format!("urn:uuid:{}", k["id"].as_str().unwrap())
    );
    let xray = reports
        .iter()
        .find(|r| r["category"][0]["coding"][0]["code"] == "RAD")
        .unwrap();
    assert_eq!(xray["conclusion"], "No acute disease.");
}

/// One order's lab report as `client` downloads it.
async fn lab_report(client: &Client, order: LabOrderId) -> (StatusCode, Vec<u8>) {
    let response = client
        .http
        .get(format!("{}/api/lab/orders/{order}/pdf", client.base))
        .send()
        .await
        .unwrap();
    (response.status(), response.bytes().await.unwrap().to_vec())
}

on_both_databases!(an_order_becomes_a_verified_result);

/// The worklist pages by keyset: every open test once, by due time.
async fn the_worklist_pages_by_keyset(backend: Backend) {
    let app = spawn_app(backend).await;
    let pid = basic_patient(&app, "Worklist").await;
    let doctor = signed_in(&app, "doctor@test.example", Role::Doctor).await;
    in_care(&app, "doctor@test.example", pid).await;
    let tech = signed_in(&app, "tech@test.example", Role::LabTechnician).await;
    let mut ordered = 0;
    for priority in [
        Priority::Routine,
        Priority::Urgent,
        Priority::Stat,
        Priority::Routine,
        Priority::Urgent,
        Priority::Routine,
    ] {
        let order: OrderView = ok(
            &doctor,
            "lab/order",
            order_form(pid, &["panel:BMP"], priority, true),
        )
        .await;
        ordered += order.items.len();
    }
    assert!(ordered > 50);
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        let page: WorkPage = ok(
            &tech,
            "lab/worklist",
            json!({ "filter": WorkFilter { after, ..Default::default() } }),
        )
        .await;
        assert!(page.rows.len() <= 50);
        seen.extend(page.rows.iter().map(|r| (r.due_at, r.item_id)));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), ordered);
    let mut sorted = seen.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(seen, sorted, "in due order, each once");
}

on_both_databases!(the_worklist_pages_by_keyset);

/// Administrators edit a test (turnaround, retired; its price is the price list's)
/// and its ranges by age band: a new range applies to results entered after
/// it, a result entered before keeps the limits it was judged against; a
/// child is judged by the paediatric band. Technicians are put on shifts
/// the worklist shows.
async fn administrators_keep_the_catalogue(backend: Backend) {
    use shared::lab_work::{CatalogueRow, RangeForm, Shift, TestEdit};
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let doctor = signed_in(&app, "doctor@test.example", Role::Doctor).await;
    let doctor_id = user_id(&app, "doctor@test.example").await;
    let tech = signed_in(&app, "tech@test.example", Role::LabTechnician).await;
    let second = signed_in(&app, "tech2@test.example", Role::LabTechnician).await;
    let edit = |turnaround: &str| {
        json!({ "code": "2823-3", "edit": TestEdit {
            name: "Potassium".into(),
            turnaround_hours: turnaround.into(),
            retired: false,
        }})
    };
    let (status, error) = refused(&admin, "lab/update_test", edit("0")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("turnaround_hours").is_some());
    let (status, _) = refused(&tech, "lab/update_test", edit("2")).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let () = ok(&admin, "lab/update_test", edit("2")).await;
    // Its price is the price list's of today.
    let price = |amount: &str| {
        json!({ "form": { "kind": "lab", "item_key": "2823-3", "name": "Potassium", "price": amount,
                          "tax_rate": "", "valid_from": Utc::now().date_naive().to_string() } })
    };
    let _: shared::billing::PriceView = ok(&admin, "billing/add_price", price("12,5")).await;
    let rows: Vec<CatalogueRow> = ok(&admin, "lab/catalogue_rows", json!({})).await;
    let k = rows.iter().find(|r| r.code == "2823-3").unwrap();
    assert_eq!(
        (k.turnaround_hours, k.price.map(|p| p.to_string())),
        (2, Some("EUR 12.50".to_string()))
    );
    assert_eq!(k.ranges.len(), 1, "the adult range from the file");

    // An adult's potassium of 5.3, judged against the file's range (high).
    let adult = basic_patient(&app, "Adult").await;
    let child = basic_patient(&app, "Child").await;
    let today = Utc::now().date_naive();
    for (pid, born) in [
        (adult, NaiveDate::from_ymd_opt(1970, 1, 1).unwrap()),
        (child, today - chrono::Duration::days(365 * 8)),
    ] {
        let mut row: patients::ActiveModel = patients::Entity::find_by_id(pid)
            .one(&app.db)
            .await
            .unwrap()
            .unwrap()
            .into();
        row.sex = Set(Female);
        row.date_of_birth = Set(Some(born));
        row.update(&app.db).await.unwrap();
        in_care(&app, "doctor@test.example", pid).await;
    }
    let result_for = |pid: Uuid, value: &'static str| {
        let (doctor, tech, second) = (&doctor, &tech, &second);
        async move {
            let order: OrderView = ok(
                doctor,
                "lab/order",
                order_form(pid, &["2823-3"], Priority::Routine, true),
            )
            .await;
            let _: Vec<String> = ok(tech, "lab/collect", json!({ "order_id": order.id })).await;
            let (_, answer) = enter(tech, &order.items[0], value, "").await;
            let r = answer.unwrap().items[0].current().unwrap().clone();
            let _: OrderView = ok(
                second,
                "lab/verify",
                json!({ "result_id": r.id, "accept": true }),
            )
            .await;
            r
        }
    };
    let before = result_for(adult, "5.3").await;
    assert_eq!(
        (before.flag, before.limits.interval_text()),
        (Some(Flag::High), "3.5–5".to_string())
    );
    // No paediatric range yet: the child's result is not flagged.
    let unflagged = result_for(child, "5.3").await;
    assert_eq!(unflagged.flag, None);

    // A new adult range, and a paediatric band for girls.
    let range = |sex: &str, from: &str, until: &str, low: &str, high: &str| {
        json!({ "code": "2823-3", "range": RangeForm {
            sex: sex.into(), from_age: from.into(), until_age: until.into(),
            low: low.into(), high: high.into(), critical_low: "2.8".into(), critical_high: "6.2".into(),
        }})
    };
    let (status, error) = refused(&admin, "lab/add_range", range("", "18y", "1y", "4", "3")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("high").is_some() && error.field_message("until_age").is_some());
    let () = ok(&admin, "lab/add_range", range("", "18y", "", "3.5", "5.5")).await;
    let () = ok(
        &admin,
        "lab/add_range",
        range("female", "1y", "18y", "3.4", "4.7"),
    )
    .await;
    let rows: Vec<CatalogueRow> = ok(&admin, "lab/catalogue_rows", json!({})).await;
    let k = rows.iter().find(|r| r.code == "2823-3").unwrap();
    assert_eq!(k.ranges.len(), 2, "the new adult range replaced the file's");

    let after = result_for(adult, "5.3").await;
    assert_eq!(
        (after.flag, after.limits.interval_text()),
        (Some(Flag::Normal), "3.5–5.5".to_string())
    );
    let child_now = result_for(child, "5.3").await;
    assert_eq!(
        (child_now.flag, child_now.limits.interval_text()),
        (Some(Flag::High), "3.4–4.7".to_string())
    );
    // The earlier result keeps the range it was judged against.
    let orders: Vec<OrderView> = ok(
        &doctor,
        "lab/patient_orders",
        json!({ "patient_id": adult }),
    )
    .await;
    let first = orders
        .iter()
        .flat_map(|o| o.items.iter())
        .filter_map(|i| i.current())
        .find(|r| r.id == before.id)
        .unwrap();
    assert_eq!(
        (first.flag, first.limits.interval_text()),
        (Some(Flag::High), "3.5–5".to_string())
    );

    // Shifts: a technician, not a doctor; the worklist names who is on.
    let tech_id = user_id(&app, "tech@test.example").await;
    let today = today.to_string();
    let (status, error) = refused(
        &admin,
        "lab/assign_shift",
        json!({ "user_id": doctor_id, "day": today, "shift": Shift::Collection }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("user").is_some());
    let () = ok(
        &admin,
        "lab/assign_shift",
        json!({ "user_id": tech_id, "day": today, "shift": Shift::Collection }),
    )
    .await;
    let page: WorkPage = ok(
        &tech,
        "lab/worklist",
        json!({ "filter": WorkFilter::default() }),
    )
    .await;
    assert_eq!(
        page.on_shift,
        [(Shift::Collection, "Test Person".to_string())]
    );

    // A retired test is no longer ordered.
    let () = ok(
        &admin,
        "lab/update_test",
        json!({ "code": "2823-3", "edit": TestEdit {
            name: "Potassium".into(), turnaround_hours: "2".into(), retired: true,
        }}),
    )
    .await;
    let (status, error) = refused(
        &doctor,
        "lab/order",
        order_form(adult, &["2823-3"], Priority::Routine, true),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("tests").is_some());
}

on_both_databases!(administrators_keep_the_catalogue);

/// A portal patient (registered, so they can sign in) in the doctor's care.
async fn portal_patient(app: &TestApp, email: &str, given: &str) -> (Client, Uuid) {
    let client = Client::new(&app.base);
    let outcome = register_patient(&client, email, given).await;
    let pid: Uuid = serde_json::from_value(outcome["user"]["patient_id"].clone()).unwrap();
    in_care(app, "doctor@test.example", pid).await;
    (client, pid)
}

/// The laboratory is a bookable place with its own weekly hours: the
/// administrator sets them; a patient with samples to give books a visit in
/// a free slot, moves and cancels it; a slot takes as many visits as it has
/// places, decided by the database when two patients race for the last one;
/// the laboratory sees the day's visits; collecting the samples marks the
/// visit attended.
async fn patients_book_a_sample_collection_visit(backend: Backend) {
    use shared::appointments::FreeSlot;
    use shared::lab_visits::{DayVisit, HoursView, VisitOutcome, VisitStatus};
    let app = spawn_app(backend).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let doctor = signed_in(&app, "doctor@test.example", Role::Doctor).await;
    let tech = signed_in(&app, "tech@test.example", Role::LabTechnician).await;
    let (anna, anna_id) = portal_patient(&app, "anna@test.example", "Анна").await;
    let (bela, bela_id) = portal_patient(&app, "bela@test.example", "बेला").await;
    let (cleo, cleo_id) = portal_patient(&app, "cleo@test.example", "Cléo").await;

    // Hours: each field's message at once; overlaps refused; a technician may not.
    let hours = |weekday: u32, start: &str, end: &str, capacity: &str| {
        json!({ "form": { "block": { "weekday": weekday.to_string(), "start": start,
                                     "end": end, "slot_minutes": "30" },
                          "capacity": capacity } })
    };
    let (status, error) = refused(
        &admin,
        "lab/add_collection_hours",
        hours(1, "09:00", "08:00", "0"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error.field_message("end").is_some() && error.field_message("capacity").is_some());
    let (status, _) = refused(
        &tech,
        "lab/add_collection_hours",
        hours(1, "08:00", "09:00", "1"),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for weekday in 1..=7 {
        let _: HoursView = ok(
            &admin,
            "lab/add_collection_hours",
            hours(weekday, "08:00", "09:00", "1"),
        )
        .await;
    }
    let (status, error) = refused(
        &admin,
        "lab/add_collection_hours",
        hours(3, "08:30", "10:00", "1"),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(error
        .field_message("start")
        .unwrap()
        .contains("08:00–09:00"));
    let listed: Vec<HoursView> = ok(&anna, "lab/collection_hours", json!({})).await;
    assert_eq!(listed.len(), 7);

    // Each patient has a potassium and a chest X-ray ordered: only the
    // potassium needs a sample.
    let mut orders = Vec::new();
    for pid in [anna_id, bela_id, cleo_id] {
        let order: OrderView = ok(
            &doctor,
            "lab/order",
            order_form(pid, &["2823-3", "IMG-XR-CHEST"], Priority::Routine, false),
        )
        .await;
        orders.push(order.id);
    }
    let mine: MyResults = ok(&anna, "lab/mine", json!({})).await;
    assert_eq!(mine.to_collect.len(), 1);
    assert_eq!(mine.to_collect[0].tests, ["Potassium"]);
    assert_eq!(mine.to_collect[0].visit, None);

    // Two free slots a day, all in the future.
    let today = Utc::now().date_naive();
    let free = |client: &Client| {
        let client = client.clone();
        async move {
            ok::<Vec<FreeSlot>>(
                &client,
                "lab/collection_slots",
                json!({ "from": today, "days": 7 }),
            )
            .await
        }
    };
    let slots = free(&anna).await;
    assert!(slots.len() >= 12, "{slots:?}");
    assert!(slots.iter().all(|s| s.start > Utc::now()));
    let book = |client: &Client, order: LabOrderId, start| {
        let client = client.clone();
        async move {
            ok::<VisitOutcome>(
                &client,
                "lab/book_collection",
                json!({ "order_id": order, "start": start }),
            )
            .await
        }
    };
    let VisitOutcome::Booked(first) = book(&anna, orders[0], slots[0].start).await else {
        panic!("not booked");
    };
    assert_eq!(first.status, VisitStatus::Booked);
    // Not another patient's order.
    let (status, _) = refused(
        &bela,
        "lab/book_collection",
        json!({ "order_id": orders[0], "start": slots[1].start }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // The slot's one place is taken: other times are offered.
    match book(&bela, orders[1], slots[0].start).await {
        VisitOutcome::Taken { alternatives, .. } => {
            assert!(!alternatives.is_empty());
            assert!(alternatives.iter().all(|s| s.start != slots[0].start));
        }
        other => panic!("the place is taken: {other:?}"),
    }
    assert!(free(&bela).await.iter().all(|s| s.start != slots[0].start));

    // Anna moves her visit: the old slot is free again.
    let VisitOutcome::Booked(moved) = book(&anna, orders[0], slots[1].start).await else {
        panic!("not moved");
    };
    assert!(free(&bela).await.iter().any(|s| s.start == slots[0].start));
    let mine: MyResults = ok(&anna, "lab/mine", json!({})).await;
    assert_eq!(
        mine.to_collect[0].visit.as_ref().map(|v| v.id),
        Some(moved.id)
    );

    // Bela and Cléo race for the last place of one slot: one gets it.
    let (b, c) = tokio::join!(
        book(&bela, orders[1], slots[2].start),
        book(&cleo, orders[2], slots[2].start)
    );
    let won = [&b, &c]
        .iter()
        .filter(|o| matches!(o, VisitOutcome::Booked(_)))
        .count();
    assert_eq!(won, 1, "{b:?} {c:?}");
    let loser = if matches!(b, VisitOutcome::Booked(_)) {
        &cleo
    } else {
        &bela
    };
    let loser_order = if matches!(b, VisitOutcome::Booked(_)) {
        orders[2]
    } else {
        orders[1]
    };
    let VisitOutcome::Booked(later) = book(loser, loser_order, slots[3].start).await else {
        panic!("a later slot is free");
    };

    // The laboratory's day list, in time order, names the patients.
    let day = slots[1].start.date_naive().to_string();
    let list: Vec<DayVisit> = ok(&tech, "lab/collection_day", json!({ "day": day })).await;
    assert!(list
        .iter()
        .any(|v| v.visit.id == moved.id && v.patient_name == "Tester, Анна"));
    assert!(list
        .windows(2)
        .all(|w| w[0].visit.starts_at <= w[1].visit.starts_at));
    let (status, _) = refused(&anna, "lab/collection_day", json!({ "day": day })).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Cancelling: once; not someone else's.
    let (status, _) = refused(
        &anna,
        "lab/cancel_collection",
        json!({ "visit_id": later.id }),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let cancelled: shared::lab_visits::VisitView = ok(
        loser,
        "lab/cancel_collection",
        json!({ "visit_id": later.id }),
    )
    .await;
    assert_eq!(cancelled.status, VisitStatus::Cancelled);
    let (status, _) = refused(
        loser,
        "lab/cancel_collection",
        json!({ "visit_id": later.id }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Collected: the visit was attended, nothing is left to book.
    let _: Vec<String> = ok(&tech, "lab/collect", json!({ "order_id": orders[0] })).await;
    let mine: MyResults = ok(&anna, "lab/mine", json!({})).await;
    assert!(mine.to_collect.is_empty());
    let visit = app::entity::lab_collection_visits::Entity::find_by_id(moved.id.uuid())
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(visit.status, VisitStatus::Attended);
    let (status, error) = refused(
        &anna,
        "lab/book_collection",
        json!({ "order_id": orders[0], "start": slots[4].start }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error:?}");
}

on_both_databases!(patients_book_a_sample_collection_visit);

/// Uploads `bytes` as an attachment of `result`.
async fn attach(
    client: &Client,
    result: shared::ids::LabResultId,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let response = client
        .http
        .post(format!(
            "{}{}",
            client.base,
            shared::lab_visits::upload_path(result)
        ))
        .query(&[("name", name)])
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let text = response.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

/// An imaging report carries JPEG, PNG and PDF files: their type read from
/// their bytes, their size limited, only on imaging reports and only by who
/// reports imaging; stored encrypted outside the database; served to those
/// who may read the chart, and to the patient once released.
async fn imaging_reports_carry_files(backend: Backend) {
    use shared::lab_visits::{AttachmentType, AttachmentView, MAX_ATTACHMENT_BYTES};
    let app = spawn_app(backend).await;
    let doctor = signed_in(&app, "doctor@test.example", Role::Doctor).await;
    let stranger = signed_in(&app, "stranger@test.example", Role::Doctor).await;
    let tech = signed_in(&app, "tech@test.example", Role::LabTechnician).await;
    let (patient, pid) = portal_patient(&app, "files@test.example", "Ψάρα").await;
    let order: OrderView = ok(
        &doctor,
        "lab/order",
        order_form(pid, &["IMG-XR-CHEST", "2823-3"], Priority::Urgent, false),
    )
    .await;
    let (_, answer) = enter(
        &doctor,
        item(&order, "IMG-XR-CHEST"),
        "Clear lungs.",
        "Normal chest.",
    )
    .await;
    let report = item(&answer.unwrap(), "IMG-XR-CHEST")
        .current()
        .unwrap()
        .clone();

    let png = {
        let mut b = b"\x89PNG\r\n\x1a\n".to_vec();
        b.extend((0..4096).map(|i| (i % 251) as u8));
        b
    };
    let (status, body) = attach(&doctor, report.id, "C:\\scans\\صدر.png", png.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let saved: AttachmentView = serde_json::from_value(body).unwrap();
    assert_eq!(
        (saved.file_name.as_str(), saved.content_type),
        ("صدر.png", AttachmentType::Png)
    );
    let (status, _) = attach(
        &doctor,
        report.id,
        "report.pdf",
        b"%PDF-1.7\n%%EOF\n".to_vec(),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // A GIF named .png, an empty file: refused on the file field.
    for bad in [b"GIF89a....".to_vec(), Vec::new()] {
        let (status, body) = attach(&doctor, report.id, "x.png", bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        let error: AppError = serde_json::from_value(body).unwrap();
        assert!(error.field_message("file").is_some());
    }
    // A byte too many: the message says the limit; far too many: the
    // request is cut off before it is read.
    let sized = |len: usize| {
        let mut b = png.clone();
        b.resize(len, 0);
        b
    };
    let (status, body) = attach(
        &doctor,
        report.id,
        "big.png",
        sized(MAX_ATTACHMENT_BYTES + 1),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let error: AppError = serde_json::from_value(body).unwrap();
    assert!(error
        .field_message("file")
        .unwrap()
        .contains("at most 20 MB"));
    let (status, _) = attach(
        &doctor,
        report.id,
        "huge.png",
        sized(MAX_ATTACHMENT_BYTES + 100_000),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Not by a technician; not to a laboratory result; not signed in.
    let (status, _) = attach(&tech, report.id, "x.png", png.clone()).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = attach(&Client::new(&app.base), report.id, "x.png", png.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let _: Vec<String> = ok(&tech, "lab/collect", json!({ "order_id": order.id })).await;
    let (_, answer) = enter(&tech, item(&order, "2823-3"), "4.2", "").await;
    let k = item(&answer.unwrap(), "2823-3").current().unwrap().clone();
    let (status, _) = attach(&doctor, k.id, "x.png", png.clone()).await;
    assert_eq!(status, StatusCode::CONFLICT);

    // The order and the patient's results list the files.
    let view: OrderView = ok(&doctor, "lab/order_view", json!({ "order_id": order.id })).await;
    let files = &item(&view, "IMG-XR-CHEST").current().unwrap().attachments;
    assert_eq!(files.len(), 2);
    let mine: MyResults = ok(&patient, "lab/mine", json!({})).await;
    let xray = mine
        .results
        .iter()
        .find(|r| r.code == "IMG-XR-CHEST")
        .unwrap();
    assert_eq!(xray.attachments.len(), 2);

    // Stored outside the database, encrypted.
    let stored = std::fs::read_to_string(
        app.database
            .dir
            .path()
            .join("attachments")
            .join(saved.id.to_string()),
    )
    .unwrap();
    assert!(stored.starts_with("enc:"));

    // Served to the doctor and the patient, not to a doctor without the
    // patient nor to nobody; the bytes as uploaded, shown inline.
    let fetch = |client: &Client| {
        let url = format!("{}{}", client.base, saved.href());
        let http = client.http.clone();
        async move { http.get(url).send().await.unwrap() }
    };
    for client in [&doctor, &patient] {
        let response = fetch(client).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "image/png");
        assert!(response.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("inline"));
        assert_eq!(response.bytes().await.unwrap().to_vec(), png);
    }
    assert_eq!(fetch(&stranger).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        fetch(&Client::new(&app.base)).await.status(),
        StatusCode::UNAUTHORIZED
    );
}

on_both_databases!(imaging_reports_carry_files);

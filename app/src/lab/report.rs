//! Released results leaving the laboratory: the lab report of one order as
//! a PDF, and the FHIR R4 `Observation` and `DiagnosticReport` resources of
//! the patient's Bundle. Both take orders already cut to their released
//! results (`orders::released_only`): nothing awaiting verification leaves.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use shared::lab::{CodeSystem, Flag, Limits, TestKind};
use shared::lab_work::{ItemView, OrderView, ResultView};

use crate::chart::export::{date_time, entry, or_dash, quantity, reference, LOINC};
use crate::pdf::{PdfDocument, PdfError};

/// The code system of the hospital's own catalogue codes.
pub const LOCAL_TEST_SYSTEM: &str = "urn:hms:lab-test";
const INTERPRETATION: &str = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
const OBSERVATION_CATEGORY: &str = "http://terminology.hl7.org/CodeSystem/observation-category";
/// HL7 v2 table 0074, the diagnostic service sections of `DiagnosticReport.category`.
const SERVICE_SECTION: &str = "http://terminology.hl7.org/CodeSystem/v2-0074";

/// The result that stands for an item: the released one.
fn released(item: &ItemView) -> Option<&ResultView> {
    item.results
        .iter()
        .find(|r| r.status == shared::lab_work::ResultStatus::Released)
}

fn test_code(item: &ItemView) -> Value {
    let system = match item.system {
        CodeSystem::Loinc => LOINC,
        CodeSystem::Local => LOCAL_TEST_SYSTEM,
    };
    json!({
        "coding": [{ "system": system, "code": item.code, "display": item.name }],
        "text": item.name,
    })
}

fn reference_range(limits: &Limits, unit: &str) -> Option<Value> {
    if limits.low.is_none() && limits.high.is_none() {
        return None;
    }
    let mut range = json!({ "text": limits.interval_text() });
    if let Some(low) = limits.low {
        range["low"] = quantity(low.to_f64(), unit, unit);
    }
    if let Some(high) = limits.high {
        range["high"] = quantity(high.to_f64(), unit, unit);
    }
    Some(range)
}

fn interpretation(flag: Flag) -> Value {
    json!([{ "coding": [{
        "system": INTERPRETATION,
        "code": flag.as_str(),
        "display": flag.label(),
    }] }])
}

/// One released result as an `Observation`.
fn observation(order: &OrderView, item: &ItemView, r: &ResultView, patient: &Value) -> Value {
    let (category, display) = match item.kind {
        TestKind::Lab => ("laboratory", "Laboratory"),
        TestKind::Imaging => ("imaging", "Imaging"),
    };
    let mut o = json!({
        "resourceType": "Observation",
        "id": r.id.to_string(),
        "status": if r.correction_reason.is_some() { "corrected" } else { "final" },
        "category": [{ "coding": [{ "system": OBSERVATION_CATEGORY, "code": category, "display": display }] }],
        "code": test_code(item),
        "subject": patient,
        "effectiveDateTime": r.observed_at.to_rfc3339(),
    });
    if let Some(issued) = r.released_at {
        o["issued"] = json!(issued.to_rfc3339());
    }
    if let Some(encounter) = order.encounter_id {
        o["encounter"] = reference(encounter);
    }
    if let Some(accession) = &item.accession {
        o["identifier"] = json!([{ "system": "urn:hms:accession", "value": accession }]);
    }
    match r.numeric {
        Some(value) => {
            let unit = r.unit.as_deref().unwrap_or("1");
            o["valueQuantity"] = quantity(value.to_f64(), unit, unit);
            if let Some(range) = reference_range(&r.limits, unit) {
                o["referenceRange"] = json!([range]);
            }
            if let Some(flag) = r.flag {
                o["interpretation"] = interpretation(flag);
            }
        }
        None => o["valueString"] = json!(r.value),
    }
    if let Some(reason) = &r.correction_reason {
        o["note"] = json!([{ "text": format!("Corrected: {reason}") }]);
    }
    o
}

fn report(
    id: impl std::fmt::Display,
    order: &OrderView,
    section: (&str, &str),
    code: Value,
    results: &[(&ItemView, &ResultView)],
    patient: &Value,
) -> Value {
    let effective = results.iter().map(|(_, r)| r.observed_at).min();
    let issued = results.iter().filter_map(|(_, r)| r.released_at).max();
    let corrected = results.iter().any(|(_, r)| r.correction_reason.is_some());
    let mut d = json!({
        "resourceType": "DiagnosticReport",
        "id": id.to_string(),
        "status": if corrected { "corrected" } else { "final" },
        "category": [{ "coding": [{ "system": SERVICE_SECTION, "code": section.0, "display": section.1 }] }],
        "code": code,
        "subject": patient,
        "result": results.iter().map(|(_, r)| reference(r.id)).collect::<Vec<_>>(),
    });
    if let Some(t) = effective {
        d["effectiveDateTime"] = json!(t.to_rfc3339());
    }
    if let Some(t) = issued {
        d["issued"] = json!(t.to_rfc3339());
    }
    if let Some(encounter) = order.encounter_id {
        d["encounter"] = reference(encounter);
    }
    d
}

/// The Bundle entries of released results: an `Observation` per result, a
/// `DiagnosticReport` per order for its laboratory tests (id: the order's),
/// and one per imaging study (id: the study's item), its impression as
/// the conclusion.
pub fn fhir_entries(orders: &[OrderView], patient: &Value) -> Vec<Value> {
    let mut entries = Vec::new();
    for order in orders {
        let done: Vec<(&ItemView, &ResultView)> = order
            .items
            .iter()
            .filter_map(|i| released(i).map(|r| (i, r)))
            .collect();
        for (item, r) in &done {
            entries.push(entry(r.id, observation(order, item, r, patient)));
        }
        let lab: Vec<_> = done
            .iter()
            .filter(|(i, _)| i.kind == TestKind::Lab)
            .copied()
            .collect();
        if !lab.is_empty() {
            let mut panels: Vec<&str> =
                lab.iter().filter_map(|(i, _)| i.panel.as_deref()).collect();
            panels.dedup();
            let code = match (lab.len(), panels.as_slice()) {
                (1, _) => test_code(lab[0].0),
                (_, [panel]) if lab.iter().all(|(i, _)| i.panel.is_some()) => {
                    json!({ "text": format!("{panel} panel") })
                }
                _ => json!({
                    "coding": [{ "system": LOINC, "code": "11502-2", "display": "Laboratory report" }],
                    "text": "Laboratory report",
                }),
            };
            entries.push(entry(
                order.id,
                report(order.id, order, ("LAB", "Laboratory"), code, &lab, patient),
            ));
        }
        for (item, r) in done.iter().filter(|(i, _)| i.kind == TestKind::Imaging) {
            let mut d = report(
                item.id,
                order,
                ("RAD", "Radiology"),
                test_code(item),
                &[(item, r)],
                patient,
            );
            if let Some(impression) = &r.impression {
                d["conclusion"] = json!(impression);
            }
            entries.push(entry(item.id, d));
        }
    }
    entries
}

/// What a result's flag says on the report.
fn flag_text(r: &ResultView) -> String {
    match r.flag {
        Some(Flag::Normal) | None => String::new(),
        Some(f) => f.label().to_string(),
    }
}

/// The lab report of one order as a PDF: its released laboratory results
/// in a table (value, unit, reference range, flag), each imaging report,
/// and the tests still pending. Times in the zone of `generated`.
pub fn report_pdf(
    hospital: &str,
    order: &OrderView,
    pending: &[String],
    generated: DateTime<Tz>,
) -> Result<Vec<u8>, PdfError> {
    let tz = generated.timezone();
    let mut doc = PdfDocument::new(&format!(
        "Laboratory report – {} ({})",
        order.patient_name, order.mrn
    ));
    doc.set_author(hospital);
    doc.set_footer(&format!(
        "{hospital} · Generated {} · Released results only · Confidential health information",
        date_time(generated.with_timezone(&Utc), tz)
    ));
    doc.heading("Laboratory report");
    let accessions: Vec<&str> = {
        let mut a: Vec<&str> = order
            .items
            .iter()
            .filter_map(|i| i.accession.as_deref())
            .collect();
        a.sort_unstable();
        a.dedup();
        a
    };
    doc.key_values(&[
        ("Patient", order.patient_name.clone()),
        ("Medical record number", order.mrn.clone()),
        (
            "Date of birth",
            order
                .birth_date
                .map(|b| b.format("%-d %B %Y").to_string())
                .unwrap_or_else(|| "Not recorded".into()),
        ),
        ("Sex", order.sex.clone()),
        ("Ordered by", order.ordered_by.clone()),
        ("Ordered", date_time(order.ordered_at, tz)),
        ("Priority", order.priority.label().to_string()),
        (
            "Accession numbers",
            if accessions.is_empty() {
                "–".into()
            } else {
                accessions.join(", ")
            },
        ),
    ]);
    let lab: Vec<(&ItemView, &ResultView)> = order
        .items
        .iter()
        .filter(|i| i.kind == TestKind::Lab)
        .filter_map(|i| released(i).map(|r| (i, r)))
        .collect();
    if !lab.is_empty() {
        doc.subheading("Results");
        let rows: Vec<Vec<String>> = lab
            .iter()
            .map(|(i, r)| {
                vec![
                    i.name.clone(),
                    r.value.clone(),
                    or_dash(&r.unit),
                    if r.numeric.is_some() {
                        let range = r.limits.interval_text();
                        if range.is_empty() {
                            "–".into()
                        } else {
                            range
                        }
                    } else {
                        "–".into()
                    },
                    flag_text(r),
                    date_time(r.observed_at, tz),
                ]
            })
            .collect();
        doc.table(
            &[
                "Test",
                "Result",
                "Unit",
                "Reference range",
                "Flag",
                "Collected",
            ],
            &[3.2, 1.3, 1.2, 1.6, 1.4, 2.3],
            &rows,
        );
        for (i, r) in lab.iter().filter(|(_, r)| r.correction_reason.is_some()) {
            doc.muted(&format!(
                "{} was corrected: {}",
                i.name,
                r.correction_reason.as_deref().unwrap_or_default()
            ));
        }
        let verified: Vec<String> = {
            let mut v: Vec<String> = lab
                .iter()
                .filter_map(|(_, r)| r.verified_by.clone())
                .collect();
            v.sort();
            v.dedup();
            v
        };
        if !verified.is_empty() {
            doc.muted(&format!("Verified by {}", verified.join(", ")));
        }
    }
    for (i, r) in order
        .items
        .iter()
        .filter(|i| i.kind == TestKind::Imaging)
        .filter_map(|i| released(i).map(|r| (i, r)))
    {
        doc.subheading(&i.name);
        doc.paragraph(&format!("Findings: {}", r.value));
        if let Some(impression) = &r.impression {
            doc.paragraph(&format!("Impression: {impression}"));
        }
        doc.muted(&format!(
            "Reported by {} on {}",
            r.entered_by,
            date_time(r.entered_at, tz)
        ));
        if let Some(reason) = &r.correction_reason {
            doc.muted(&format!("Corrected: {reason}"));
        }
    }
    if lab.is_empty() && !order.items.iter().any(|i| released(i).is_some()) {
        doc.muted("No results of this order have been released yet.");
    }
    if !pending.is_empty() {
        doc.subheading("Still pending");
        doc.paragraph(&pending.join(", "));
    }
    doc.finish()
}

/// `GET /api/lab/orders/{id}/pdf`: one order's lab report, its released
/// results only. The patient may download their own; staff those of the
/// laboratory's work or of a chart they may open.
pub async fn download_pdf(
    axum::extract::Path(id): axum::extract::Path<uuid::Uuid>,
    axum::Extension(ctx): axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> axum::response::Response {
    use shared::AppError;
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        let db = &caller.ctx.db;
        let order = super::orders::find(db, id.into(), None).await?;
        let patient_id = shared::ids::PatientId::from(order.patient_id);
        let action = "lab.report_pdf";
        if !crate::auth::guard::own_or_staff(&caller, order.patient_id, action).await? {
            super::api::ssr::may_read(&caller, order.patient_id, false, action).await?;
        }
        let full = super::orders::views(db, vec![order])
            .await?
            .pop()
            .ok_or(AppError::Internal)?;
        let pending: Vec<String> = full
            .items
            .iter()
            .filter(|i| i.status.is_pending() && released(i).is_none())
            .map(|i| i.name.clone())
            .collect();
        let view = super::orders::released_only(full);
        let body = report_pdf(
            &caller.ctx.hospital_name,
            &view,
            &pending,
            caller.ctx.clock.now().with_timezone(&caller.ctx.timezone),
        )
        .map_err(crate::context::internal)?;
        let event = caller
            .event("lab.report_pdf")
            .patient(patient_id)
            .entity("lab_order", id);
        caller.record_read(event).await?;
        Ok((
            body,
            "application/pdf",
            format!("lab-report-{}.pdf", view.mrn),
        ))
    }
    .await;
    crate::context::file_response(result)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::ids::{LabItemId, LabOrderId, LabResultId, PatientId};
    use shared::lab::LabValue;
    use shared::lab_work::{ItemStatus, Priority, ResultStatus};
    use uuid::Uuid;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn result(value: i64, flag: Flag) -> ResultView {
        ResultView {
            id: LabResultId::from(Uuid::new_v4()),
            status: ResultStatus::Released,
            value: LabValue(value).display(1),
            numeric: Some(LabValue(value)),
            impression: None,
            unit: Some("mmol/L".into()),
            limits: Limits {
                low: Some(LabValue(3_500_000)),
                high: Some(LabValue(5_100_000)),
                critical_low: Some(LabValue(2_500_000)),
                critical_high: Some(LabValue(6_500_000)),
            },
            flag: Some(flag),
            observed_at: at("2026-12-01T08:00:00Z"),
            entered_by: "Ahmed Al-Farsi".into(),
            entered_at: at("2026-12-01T09:00:00Z"),
            verified_by: Some("Grace Adeyemi".into()),
            released_at: Some(at("2026-12-01T09:30:00Z")),
            correction_reason: None,
            acknowledged_by: None,
            acknowledged_at: None,
            attachments: Vec::new(),
        }
    }

    fn item(code: &str, name: &str, kind: TestKind, results: Vec<ResultView>) -> ItemView {
        ItemView {
            id: LabItemId::from(Uuid::new_v4()),
            order_id: LabOrderId::from(Uuid::nil()),
            code: code.into(),
            system: CodeSystem::Loinc,
            name: name.into(),
            kind,
            panel: None,
            specimen: None,
            unit: Some("mmol/L".into()),
            decimals: 1,
            status: ItemStatus::Released,
            accession: Some("L2612010001".into()),
            due_at: at("2026-12-01T12:00:00Z"),
            results,
            cancel_reason: None,
        }
    }

    fn order(items: Vec<ItemView>) -> OrderView {
        OrderView {
            id: LabOrderId::from(Uuid::new_v4()),
            patient_id: PatientId::from(Uuid::new_v4()),
            patient_name: "Петрова, Анна".into(),
            mrn: "MRN-000042".into(),
            birth_date: None,
            sex: "Female".into(),
            ordered_by: "Dr Chen".into(),
            ordered_at: at("2026-12-01T07:00:00Z"),
            priority: Priority::Stat,
            note: None,
            encounter_id: None,
            items,
        }
    }

    #[test]
    fn a_numeric_result_is_an_observation_with_ucum_range_and_interpretation() {
        let o = order(vec![item(
            "2823-3",
            "Potassium",
            TestKind::Lab,
            vec![result(6_800_000, Flag::CriticalHigh)],
        )]);
        let entries = fhir_entries(std::slice::from_ref(&o), &json!({ "reference": "x" }));
        assert_eq!(entries.len(), 2, "an Observation and a DiagnosticReport");
        let obs = &entries[0]["resource"];
        assert_eq!(obs["resourceType"], "Observation");
        assert_eq!(obs["code"]["coding"][0]["system"], LOINC);
        assert_eq!(obs["code"]["coding"][0]["code"], "2823-3");
        assert_eq!(obs["valueQuantity"]["value"], 6.8);
        assert_eq!(obs["valueQuantity"]["system"], crate::chart::export::UCUM);
        assert_eq!(obs["valueQuantity"]["code"], "mmol/L");
        assert_eq!(obs["referenceRange"][0]["low"]["value"], 3.5);
        assert_eq!(obs["referenceRange"][0]["high"]["value"], 5.1);
        assert_eq!(obs["interpretation"][0]["coding"][0]["code"], "HH");
        let report = &entries[1]["resource"];
        assert_eq!(report["resourceType"], "DiagnosticReport");
        assert_eq!(report["id"], o.id.to_string());
        assert_eq!(report["category"][0]["coding"][0]["code"], "LAB");
        assert_eq!(
            report["result"][0]["reference"],
            format!("urn:uuid:{}", o.items[0].results[0].id)
        );
    }

    #[test]
    fn an_imaging_study_is_its_own_report_with_the_impression_as_conclusion() {
        let mut r = result(0, Flag::Normal);
        r.numeric = None;
        r.flag = None;
        r.value = "Clear lungs.".into();
        r.impression = Some("Normal chest.".into());
        let o = order(vec![item(
            "36643-5",
            "Chest X-ray",
            TestKind::Imaging,
            vec![r],
        )]);
        let entries = fhir_entries(std::slice::from_ref(&o), &json!({ "reference": "x" }));
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0]["resource"]["valueString"], "Clear lungs.");
        assert!(entries[0]["resource"].get("valueQuantity").is_none());
        let report = &entries[1]["resource"];
        assert_eq!(report["category"][0]["coding"][0]["code"], "RAD");
        assert_eq!(report["conclusion"], "Normal chest.");
        assert_eq!(report["id"], o.items[0].id.to_string());
    }
}

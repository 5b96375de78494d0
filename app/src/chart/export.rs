//! The patient's copy of their record: a readable, paginated PDF and a FHIR
//! R4 `Bundle` (JSON). Both are built from the same [`PatientRecordView`] the
//! patient portal shows, so drafts never leave the building.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use shared::chart::*;
use shared::demographics::PatientDetails;
use shared::patients::AdministrativeSex;

use crate::pdf::{PdfDocument, PdfError};

/// The identifier system of our MRNs in FHIR resources.
pub const MRN_SYSTEM: &str = "urn:hms:mrn";
pub const ICD10CM_SYSTEM: &str = "http://hl7.org/fhir/sid/icd-10-cm";
pub(crate) const LOINC: &str = "http://loinc.org";
pub(crate) const UCUM: &str = "http://unitsofmeasure.org";

/// A time on the hospital's wall clock, with the zone's abbreviation.
pub(crate) fn date_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

pub(crate) fn or_dash(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "–".into())
}

fn soap_text(s: &Soap) -> String {
    [
        ("Subjective", &s.subjective),
        ("Objective", &s.objective),
        ("Assessment", &s.assessment),
        ("Plan", &s.plan),
    ]
    .iter()
    .filter(|(_, t)| !t.trim().is_empty())
    .map(|(label, t)| format!("{label}: {t}"))
    .collect::<Vec<_>>()
    .join("\n")
}

fn vitals_cells(v: &VitalsView, tz: Tz) -> Vec<String> {
    let x = &v.vitals;
    let num = |o: Option<i32>| o.map(|n| n.to_string()).unwrap_or_else(|| "–".into());
    let dec = |o: Option<f64>| o.map(|n| format!("{n:.1}")).unwrap_or_else(|| "–".into());
    vec![
        date_time(v.recorded_at, tz),
        match (x.systolic, x.diastolic) {
            (Some(s), Some(d)) => format!("{s}/{d}"),
            _ => "–".into(),
        },
        num(x.heart_rate),
        num(x.respiratory_rate),
        dec(x.temperature_c),
        num(x.spo2),
        dec(x.weight_kg),
        dec(v.bmi),
    ]
}

/// The record as a PDF document, its times in the zone of `generated` (the
/// hospital's).
pub fn record_pdf(
    record: &PatientRecordView,
    generated: DateTime<Tz>,
) -> Result<Vec<u8>, PdfError> {
    let tz = generated.timezone();
    let generated = generated.with_timezone(&Utc);
    let p = &record.patient;
    let d = &p.demographics;
    let mut doc = PdfDocument::new(&format!("Health record – {} ({})", p.display_name(), p.mrn));
    doc.set_author("HMS");
    doc.set_footer(&format!(
        "Generated {} · Confidential health information",
        date_time(generated, tz)
    ));
    doc.heading("Health record");
    doc.key_values(&[
        ("Name", p.display_name()),
        ("Medical record number", p.mrn.clone()),
        (
            "Date of birth",
            d.date_of_birth
                .map(|b| {
                    let s = b.format("%-d %B %Y").to_string();
                    if d.birth_date_estimated {
                        format!("{s} (estimated)")
                    } else {
                        s
                    }
                })
                .unwrap_or_else(|| "Not recorded".into()),
        ),
        ("Sex", d.sex.label().to_string()),
        ("Gender identity", or_dash(&d.gender_identity)),
        ("Language", or_dash(&d.language)),
        ("Phone", or_dash(&d.contact.phone)),
        ("E-mail", or_dash(&d.contact.email)),
    ]);

    doc.subheading("Allergies and intolerances");
    if record.allergies.is_empty() {
        doc.muted("No known allergies recorded.");
    } else {
        let rows: Vec<Vec<String>> = record
            .allergies
            .iter()
            .map(|a| {
                vec![
                    a.substance.clone(),
                    or_dash(&a.reaction),
                    a.severity.label().into(),
                    a.status.label().into(),
                ]
            })
            .collect();
        doc.table(
            &["Substance", "Reaction", "Severity", "Status"],
            &[3.0, 3.0, 1.5, 1.5],
            &rows,
        );
    }

    doc.subheading("Problems and diagnoses");
    if record.problems.is_empty() {
        doc.muted("No problems recorded.");
    } else {
        let rows: Vec<Vec<String>> = record
            .problems
            .iter()
            .map(|pr| {
                vec![
                    pr.icd10_code.clone(),
                    pr.description.clone(),
                    pr.status.label().into(),
                    pr.onset_date
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| "–".into()),
                ]
            })
            .collect();
        doc.table(
            &["ICD-10-CM", "Description", "Status", "Onset"],
            &[1.2, 5.0, 1.2, 1.5],
            &rows,
        );
    }

    doc.subheading("Medications");
    if record.medications.is_empty() {
        doc.muted("No medications recorded.");
    } else {
        let rows: Vec<Vec<String>> = record
            .medications
            .iter()
            .map(|m| {
                vec![
                    m.name.clone(),
                    or_dash(&m.dose),
                    or_dash(&m.frequency),
                    m.status.label().into(),
                ]
            })
            .collect();
        doc.table(
            &["Medication", "Dose", "Frequency", "Status"],
            &[3.0, 2.0, 2.0, 1.2],
            &rows,
        );
    }

    doc.subheading("Immunizations");
    if record.immunizations.is_empty() {
        doc.muted("No immunizations recorded.");
    } else {
        let rows: Vec<Vec<String>> = record
            .immunizations
            .iter()
            .map(|i| {
                vec![
                    i.administered_on.to_string(),
                    i.vaccine.clone(),
                    or_dash(&i.dose),
                    or_dash(&i.lot_number),
                ]
            })
            .collect();
        doc.table(
            &["Date", "Vaccine", "Dose", "Lot"],
            &[1.5, 4.0, 1.5, 1.5],
            &rows,
        );
    }

    doc.subheading("Vital signs");
    if record.vitals.is_empty() {
        doc.muted("No vital signs recorded.");
    } else {
        let rows: Vec<Vec<String>> = record.vitals.iter().map(|v| vitals_cells(v, tz)).collect();
        doc.table(
            &[
                "Time",
                "BP mmHg",
                "HR /min",
                "RR /min",
                "Temp °C",
                "SpO2 %",
                "Weight kg",
                "BMI",
            ],
            &[2.6, 1.3, 1.0, 1.0, 1.0, 1.0, 1.1, 0.9],
            &rows,
        );
    }

    doc.subheading("Encounters");
    if record.encounters.is_empty() {
        doc.muted("No encounters recorded.");
    }
    for e in &record.encounters {
        doc.subheading(&format!(
            "{} – {}: {}",
            e.started_at.with_timezone(&tz).format("%-d %B %Y"),
            e.kind.label(),
            e.reason
        ));
        doc.muted(&format!(
            "With {}{}",
            e.clinician_name,
            e.location
                .as_ref()
                .map(|l| format!(" · {l}"))
                .unwrap_or_default()
        ));
        for pr in &e.problems {
            doc.paragraph(&format!("Diagnosis: {} {}", pr.icd10_code, pr.description));
        }
        for n in &e.notes {
            doc.paragraph(&soap_text(&n.current));
            let signed = n
                .signed_at
                .map(|t| format!("Signed by {} on {}", n.author_name, date_time(t, tz)))
                .unwrap_or_default();
            doc.muted(&signed);
            for a in &n.amendments {
                doc.muted(&format!(
                    "Amended by {} on {}: {}",
                    a.author_name,
                    date_time(a.at, tz),
                    a.reason
                ));
            }
        }
    }
    doc.finish()
}

fn gender(sex: AdministrativeSex) -> &'static str {
    sex.as_str()
}

pub(crate) fn reference(id: impl std::fmt::Display) -> Value {
    json!({ "reference": format!("urn:uuid:{id}") })
}

pub(crate) fn entry(id: impl std::fmt::Display, resource: Value) -> Value {
    json!({ "fullUrl": format!("urn:uuid:{id}"), "resource": resource })
}

fn patient_resource(p: &PatientDetails) -> Value {
    let d = &p.demographics;
    let mut name = vec![json!({
        "use": "official",
        "family": d.family_name,
        "given": [d.given_name],
    })];
    if let Some(pref) = &d.preferred_name {
        name.push(json!({ "use": "usual", "given": [pref] }));
    }
    let mut telecom = Vec::new();
    if let Some(phone) = &d.contact.phone {
        telecom.push(json!({ "system": "phone", "value": phone }));
    }
    if let Some(email) = &d.contact.email {
        telecom.push(json!({ "system": "email", "value": email }));
    }
    let mut identifiers = vec![json!({
        "use": "usual",
        "system": MRN_SYSTEM,
        "value": p.mrn,
    })];
    for alias in &p.aliases {
        identifiers.push(json!({ "use": "old", "system": MRN_SYSTEM, "value": alias }));
    }
    if let Some(national) = &d.national_id {
        // Which country issued it is not recorded, so no `system`: the
        // type (HL7 v2 table 0203, "NI") says what kind of number it is.
        identifiers.push(json!({
            "use": "official",
            "type": {
                "coding": [{
                    "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                    "code": "NI",
                    "display": "National unique individual identifier",
                }],
                "text": "National identifier",
            },
            "value": national,
        }));
    }
    let mut r = json!({
        "resourceType": "Patient",
        "id": p.id.to_string(),
        "identifier": identifiers,
        "active": true,
        "name": name,
        "gender": gender(d.sex),
    });
    if let Some(b) = d.date_of_birth {
        r["birthDate"] = json!(b.to_string());
    }
    if !telecom.is_empty() {
        r["telecom"] = json!(telecom);
    }
    let c = &d.contact;
    if c.address_line.is_some() || c.city.is_some() {
        r["address"] = json!([{
            "line": c.address_line.iter().collect::<Vec<_>>(),
            "city": c.city,
            "postalCode": c.postal_code,
            "country": c.country,
        }]);
    }
    if let Some(lang) = &d.language {
        r["communication"] = json!([{ "language": { "text": lang } }]);
    }
    if !c.emergency_contacts.is_empty() {
        r["contact"] = json!(c
            .emergency_contacts
            .iter()
            .map(|ec| json!({
                "relationship": [{ "text": ec.relationship }],
                "name": { "text": ec.name },
                "telecom": [{ "system": "phone", "value": ec.phone }],
            }))
            .collect::<Vec<_>>());
    }
    r
}

fn encounter_class(kind: EncounterKind) -> (&'static str, &'static str) {
    match kind {
        EncounterKind::Outpatient => ("AMB", "ambulatory"),
        EncounterKind::Emergency => ("EMER", "emergency"),
        EncounterKind::Inpatient => ("IMP", "inpatient encounter"),
        EncounterKind::Telehealth => ("VR", "virtual"),
    }
}

pub(crate) fn quantity(value: f64, unit: &str, code: &str) -> Value {
    json!({ "value": value, "unit": unit, "system": UCUM, "code": code })
}

fn loinc(code: &str, display: &str) -> Value {
    json!({ "coding": [{ "system": LOINC, "code": code, "display": display }], "text": display })
}

/// One single-valued vital sign: id suffix, LOINC code and display, value,
/// unit as shown, UCUM code.
type Single<'a> = (&'a str, &'a str, &'a str, Option<f64>, &'a str, &'a str);

/// One vital-signs set as FHIR Observations (one per measurement; blood
/// pressure as a panel with two components).
fn observations(v: &VitalsView, patient: &Value) -> Vec<Value> {
    let category = json!([{ "coding": [{
        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
        "code": "vital-signs",
        "display": "Vital Signs"
    }] }]);
    let base = |id: String, code: Value| {
        json!({
            "resourceType": "Observation",
            "id": id,
            "status": "final",
            "category": category,
            "code": code,
            "subject": patient,
            "effectiveDateTime": v.recorded_at.to_rfc3339(),
        })
    };
    let x = &v.vitals;
    let mut out = Vec::new();
    if let (Some(s), Some(d)) = (x.systolic, x.diastolic) {
        let mut o = base(
            format!("{}-bp", v.id),
            loinc("85354-9", "Blood pressure panel"),
        );
        o["component"] = json!([
            { "code": loinc("8480-6", "Systolic blood pressure"), "valueQuantity": quantity(s.into(), "mmHg", "mm[Hg]") },
            { "code": loinc("8462-4", "Diastolic blood pressure"), "valueQuantity": quantity(d.into(), "mmHg", "mm[Hg]") },
        ]);
        out.push(o);
    }
    let singles: [Single; 7] = [
        (
            "hr",
            "8867-4",
            "Heart rate",
            x.heart_rate.map(f64::from),
            "/min",
            "/min",
        ),
        (
            "rr",
            "9279-1",
            "Respiratory rate",
            x.respiratory_rate.map(f64::from),
            "/min",
            "/min",
        ),
        (
            "temp",
            "8310-5",
            "Body temperature",
            x.temperature_c,
            "°C",
            "Cel",
        ),
        (
            "spo2",
            "59408-5",
            "Oxygen saturation by pulse oximetry",
            x.spo2.map(f64::from),
            "%",
            "%",
        ),
        ("weight", "29463-7", "Body weight", x.weight_kg, "kg", "kg"),
        ("height", "8302-2", "Body height", x.height_cm, "cm", "cm"),
        ("bmi", "39156-5", "Body mass index", v.bmi, "kg/m2", "kg/m2"),
    ];
    for (suffix, code, display, value, unit, ucum) in singles {
        if let Some(value) = value {
            let mut o = base(format!("{}-{suffix}", v.id), loinc(code, display));
            o["valueQuantity"] = quantity(value, unit, ucum);
            out.push(o);
        }
    }
    out
}

/// The record as a FHIR R4 `Bundle` of type `collection`.
/// `lab`: the patient's orders cut to their released results
/// (`lab::orders::released_for`), as `Observation`s and `DiagnosticReport`s.
pub fn record_bundle(
    record: &PatientRecordView,
    lab: &[shared::lab_work::OrderView],
    generated: DateTime<Utc>,
) -> Value {
    let p = &record.patient;
    let patient_ref = reference(p.id);
    let mut entries = vec![entry(p.id, patient_resource(p))];
    let mut vitals_seen = std::collections::HashSet::new();

    for e in &record.encounters {
        let (code, display) = encounter_class(e.kind);
        let mut period = json!({ "start": e.started_at.to_rfc3339() });
        if let Some(end) = e.ended_at {
            period["end"] = json!(end.to_rfc3339());
        }
        entries.push(entry(
            e.id,
            json!({
                "resourceType": "Encounter",
                "id": e.id.to_string(),
                "status": if e.status == EncounterStatus::Finished { "finished" } else { "in-progress" },
                "class": {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": code,
                    "display": display,
                },
                "subject": patient_ref,
                "participant": [{ "individual": { "display": e.clinician_name } }],
                "period": period,
                "reasonCode": [{ "text": e.reason }],
            }),
        ));
        for v in &e.vitals {
            vitals_seen.insert(v.id);
            for mut o in observations(v, &patient_ref) {
                o["encounter"] = reference(e.id);
                let id = o["id"].as_str().unwrap_or_default().to_string();
                entries.push(entry(id, o));
            }
        }
    }
    for v in record
        .vitals
        .iter()
        .filter(|v| !vitals_seen.contains(&v.id))
    {
        for o in observations(v, &patient_ref) {
            let id = o["id"].as_str().unwrap_or_default().to_string();
            entries.push(entry(id, o));
        }
    }
    for pr in &record.problems {
        let mut c = json!({
            "resourceType": "Condition",
            "id": pr.id.to_string(),
            "clinicalStatus": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": if pr.status == ProblemStatus::Active { "active" } else { "resolved" },
            }] },
            "verificationStatus": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                "code": "confirmed",
            }] },
            "category": [{ "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                "code": "problem-list-item",
                "display": "Problem List Item",
            }] }],
            "code": {
                "coding": [{ "system": ICD10CM_SYSTEM, "code": pr.icd10_code, "display": pr.description }],
                "text": pr.description,
            },
            "subject": patient_ref,
            "recordedDate": pr.recorded_at.to_rfc3339(),
        });
        if let Some(onset) = pr.onset_date {
            c["onsetDateTime"] = json!(onset.to_string());
        }
        if let Some(resolved) = pr.resolved_date {
            c["abatementDateTime"] = json!(resolved.to_string());
        }
        if let Some(note) = &pr.note {
            c["note"] = json!([{ "text": note }]);
        }
        entries.push(entry(pr.id, c));
    }
    for a in &record.allergies {
        let mut r = json!({
            "resourceType": "AllergyIntolerance",
            "id": a.id.to_string(),
            "clinicalStatus": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical",
                "code": a.status.as_str(),
            }] },
            "verificationStatus": { "coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification",
                "code": "confirmed",
            }] },
            "code": { "text": a.substance },
            "patient": patient_ref,
            "recordedDate": a.recorded_at.to_rfc3339(),
        });
        if a.severity == AllergySeverity::Severe {
            r["criticality"] = json!("high");
        }
        let mut reaction = json!({ "manifestation": [{ "text": a.reaction.clone().unwrap_or_else(|| "Not specified".into()) }] });
        if a.severity != AllergySeverity::Unknown {
            reaction["severity"] = json!(a.severity.as_str());
        }
        r["reaction"] = json!([reaction]);
        entries.push(entry(a.id, r));
    }
    for i in &record.immunizations {
        let mut r = json!({
            "resourceType": "Immunization",
            "id": i.id.to_string(),
            "status": "completed",
            "vaccineCode": { "text": i.vaccine },
            "patient": patient_ref,
            "occurrenceDateTime": i.administered_on.to_string(),
        });
        if let Some(lot) = &i.lot_number {
            r["lotNumber"] = json!(lot);
        }
        if let Some(site) = &i.site {
            r["site"] = json!({ "text": site });
        }
        if let Some(dose) = &i.dose {
            r["protocolApplied"] = json!([{ "doseNumberString": dose }]);
        }
        entries.push(entry(i.id, r));
    }
    entries.extend(crate::lab::report::fhir_entries(lab, &patient_ref));
    json!({
        "resourceType": "Bundle",
        "id": uuid::Uuid::new_v4().to_string(),
        "meta": { "lastUpdated": generated.to_rfc3339() },
        "type": "collection",
        "timestamp": generated.to_rfc3339(),
        "entry": entries,
    })
}

/// `GET /api/records/mine/{pdf|fhir}`: the signed-in patient's record as a
/// file. A plain axum handler, because a server function answers JSON. Like
/// the sensitive server functions, it needs the patient to have confirmed
/// who they are within the grace (403 `ReauthRequired` otherwise).
pub async fn download_mine(
    axum::extract::Path(format): axum::extract::Path<String>,
    axum::Extension(ctx): axum::Extension<crate::state::ServerContext>,
    session: tower_sessions::Session,
    parts: http::request::Parts,
) -> axum::response::Response {
    let result = async {
        let caller = crate::auth::guard::authenticate_download(ctx, session, &parts).await?;
        if !caller.can(shared::Permission::ViewOwnRecord) {
            crate::auth::guard::deny(&caller, "records.download").await?;
            return Err(shared::AppError::Forbidden);
        }
        crate::auth::guard::recently_confirmed(&caller).await?;
        let id = caller.own_patient_id()?;
        let record =
            super::service::record_view(&caller.ctx.db, &caller.ctx.cipher, id.into(), None)
                .await?;
        let now = caller.ctx.clock.now();
        let file = format!("health-record-{}", record.patient.mrn);
        let (body, content_type, file) = match format.as_str() {
            "pdf" => (
                record_pdf(&record, now.with_timezone(&caller.ctx.timezone))
                    .map_err(crate::context::internal)?,
                "application/pdf",
                format!("{file}.pdf"),
            ),
            "fhir" => (
                serde_json::to_vec_pretty(&record_bundle(
                    &record,
                    &crate::lab::orders::released_for(&caller.ctx.db, id.uuid()).await?,
                    now,
                ))
                .map_err(crate::context::internal)?,
                "application/fhir+json",
                format!("{file}.fhir.json"),
            ),
            _ => return Err(shared::AppError::NotFound("That download format".into())),
        };
        let event = caller
            .event("records.download")
            .patient(id)
            .entity("patient", id)
            .detail(format.clone());
        caller.record_read(event).await?;
        Ok((body, content_type, file))
    }
    .await;
    crate::context::file_response(result)
}

//! Realistic histories for the demo patients: encounters with signed notes,
//! vitals over months (so the trend charts have something to draw), coded
//! problems, allergies, immunizations, histories and medications. The demo
//! doctor and nurse are on every demo patient's care team.

use anyhow::{anyhow, Result};
use app::chart::service as chart;
use app::crypto::Cipher;
use app::entity::{medications, patients};
use app::patients::access::add_relationship;
use chrono::{Duration, NaiveDate, Utc};
use sea_orm::{ActiveModelTrait, ColumnTrait, DatabaseTransaction, EntityTrait, QueryFilter, Set};
use shared::access::CareRelationshipKind;
use shared::chart::*;
use uuid::Uuid;

/// One demo visit: days ago, kind, reason, SOAP (S, O, A, P), vitals
/// (systolic, diastolic, heart rate, temperature, SpO2, weight), diagnosis code.
struct Visit {
    days_ago: i64,
    kind: EncounterKind,
    reason: &'static str,
    soap: [&'static str; 4],
    vitals: (i32, i32, i32, f64, i32, f64),
    code: Option<(&'static str, &'static str)>,
}

fn err(e: shared::AppError) -> anyhow::Error {
    anyhow!("{e}")
}

async fn visit(
    txn: &DatabaseTransaction,
    cipher: &Cipher,
    patient: Uuid,
    doctor: Uuid,
    nurse: Uuid,
    height: f64,
    v: &Visit,
) -> Result<()> {
    let at = Utc::now() - Duration::days(v.days_ago);
    let encounter = chart::open_encounter(
        txn,
        patient,
        doctor,
        &NewEncounter {
            kind: v.kind,
            reason: v.reason.into(),
            location: Some("Outpatient clinic 2".into()),
            started_at: at,
        },
    )
    .await
    .map_err(err)?;
    let (sys, dia, hr, temp, spo2, weight) = v.vitals;
    chart::add_vitals(
        txn,
        patient,
        Some(encounter),
        nurse,
        &Vitals {
            systolic: Some(sys),
            diastolic: Some(dia),
            heart_rate: Some(hr),
            respiratory_rate: Some(14),
            temperature_c: Some(temp),
            spo2: Some(spo2),
            weight_kg: Some(weight),
            height_cm: Some(height),
        },
        at + Duration::minutes(5),
    )
    .await
    .map_err(err)?;
    if let Some((code, description)) = v.code {
        chart::add_problem(
            txn,
            patient,
            Some(encounter),
            doctor,
            &NewProblem {
                code: code.into(),
                status: ProblemStatus::Active,
                onset_date: Some(at.date_naive()),
                note: None,
            },
            description.into(),
        )
        .await
        .map_err(err)?;
    }
    let [s, o, a, p] = v.soap;
    let soap = Soap {
        subjective: s.into(),
        objective: o.into(),
        assessment: a.into(),
        plan: p.into(),
    };
    let e = chart::encounter_of(txn, patient, encounter)
        .await
        .map_err(err)?;
    let note = chart::save_draft(txn, cipher, &e, doctor, None, &soap)
        .await
        .map_err(err)?;
    let note = chart::note_of(txn, patient, note).await.map_err(err)?;
    chart::sign_note(txn, cipher, note, doctor)
        .await
        .map_err(err)?;
    chart::finish_encounter(txn, e).await.map_err(err)?;
    Ok(())
}

async fn medication(
    txn: &DatabaseTransaction,
    patient: Uuid,
    name: &str,
    dose: &str,
    frequency: &str,
    started: NaiveDate,
) -> Result<()> {
    medications::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(patient),
        name: Set(name.into()),
        dose: Set(Some(dose.into())),
        route: Set(Some("oral".into())),
        frequency: Set(Some(frequency.into())),
        status: Set(MedicationStatus::Active),
        started_on: Set(Some(started)),
        source: Set("reported".into()),
        created_at: Set(Utc::now()),
    }
    .insert(txn)
    .await?;
    Ok(())
}

/// A prescription by the demo doctor, signed `days_ago`: one tablet
/// `times` a day for 90 days, with `refills`.
async fn prescribe(
    txn: &DatabaseTransaction,
    patient: Uuid,
    doctor: Uuid,
    rxcui: &str,
    times: &str,
    days_ago: i64,
    refills: u8,
) -> Result<()> {
    use app::entity::formulary_drugs;
    use app::prescriptions::service::{sign, Signing};
    let drug = formulary_drugs::Entity::find()
        .filter(formulary_drugs::Column::Rxcui.eq(rxcui))
        .one(txn)
        .await?
        .ok_or_else(|| anyhow!("no drug {rxcui} in the formulary"))?;
    let signed_on = Utc::now().date_naive() - Duration::days(days_ago);
    let form = shared::prescribing::PrescriptionForm {
        dose: "1".into(),
        dose_unit: "tablet".into(),
        route: "oral".into(),
        frequency: "times_daily".into(),
        frequency_value: times.into(),
        start_date: signed_on.to_string(),
        duration_days: "90".into(),
        refills: refills.to_string(),
        ..Default::default()
    };
    sign(
        txn,
        Signing {
            patient_id: patient,
            encounter_id: None,
            drug_id: drug.id.into(),
            form: &form,
            override_reason: "",
            prescriber_id: doctor,
            now: Utc::now() - Duration::days(days_ago),
            today: signed_on,
            replaces: None,
        },
    )
    .await
    .map_err(err)?;
    Ok(())
}

/// The pharmacy's demo stock, with batches near expiry (within 7, 30 and
/// 90 days) beside fresh ones, and a dispensing history: the demo
/// patient's metformin was dispensed in full when prescribed; her
/// lisinopril waits in the queue.
pub async fn seed_pharmacy(txn: &DatabaseTransaction, pharmacist: Uuid) -> Result<()> {
    use app::entity::{formulary_drugs, prescriptions};
    use app::pharmacy::service as pharmacy;
    let today = Utc::now().date_naive();
    // (RxNorm code, lot, days to expiry, units, location, reorder level)
    let stock = [
        ("861007", "MET-2291", 25, 300, "Shelf B1", 200),
        ("861007", "MET-3307", 540, 600, "Shelf B1", 200),
        ("314076", "LIS-1180", 20, 60, "Shelf C4", 100),
        ("314076", "LIS-2044", 500, 500, "Shelf C4", 100),
        ("308191", "AMX-0917", 5, 40, "Shelf A2", 50),
        ("308191", "AMX-1502", 320, 300, "Shelf A2", 50),
        ("309114", "CEX-0410", 80, 100, "Shelf A3", 0),
        ("197807", "IBU-7731", 400, 250, "Shelf D1", 0),
        ("855332", "WAR-0055", 200, 20, "Cabinet 1", 30),
    ];
    let mut metformin = None;
    for (rxcui, lot, days, units, location, reorder) in stock {
        let drug = formulary_drugs::Entity::find()
            .filter(formulary_drugs::Column::Rxcui.eq(rxcui))
            .one(txn)
            .await?
            .ok_or_else(|| anyhow!("no drug {rxcui} in the formulary"))?;
        if rxcui == "861007" {
            metformin = Some(drug.id);
        }
        pharmacy::receive(
            txn,
            &shared::pharmacy::NewBatch {
                drug_id: drug.id.into(),
                lot_number: lot.into(),
                expires_on: today + Duration::days(days),
                quantity: units,
                location: location.into(),
            },
            pharmacist,
            Utc::now() - Duration::days(30),
        )
        .await
        .map_err(err)?;
        pharmacy::set_reorder_level(txn, drug.id.into(), reorder)
            .await
            .map_err(err)?;
    }
    let filled = prescriptions::Entity::find()
        .filter(prescriptions::Column::DrugId.eq(metformin))
        .all(txn)
        .await?;
    for p in filled {
        let at = p.signed_at + Duration::hours(2);
        pharmacy::dispense(txn, p, None, pharmacist, at, at.date_naive())
            .await
            .map_err(err)?;
    }
    Ok(())
}

/// Histories for the demo patients (the first is Maria Müller, the portal demo).
pub async fn seed_histories(
    txn: &DatabaseTransaction,
    cipher: &Cipher,
    people: &[patients::Model],
    doctor: Uuid,
    nurse: Uuid,
) -> Result<()> {
    for p in people {
        for user in [doctor, nurse] {
            add_relationship(txn, p.id, user, CareRelationshipKind::Assigned, None)
                .await
                .map_err(err)?;
        }
    }
    let Some(maria) = people.first() else {
        return Ok(());
    };
    let m = maria.id;
    let visits = [
        Visit {
            days_ago: 400,
            kind: EncounterKind::Outpatient,
            reason: "Tiredness and thirst",
            soap: [
                "Three months of fatigue, thirst and frequent urination.",
                "BMI 29. No acute distress. Fasting glucose 8.1 mmol/L, HbA1c 7.4 %.",
                "New type 2 diabetes mellitus.",
                "Start metformin 500 mg twice daily. Diet and exercise advice. Review in 3 months.",
            ],
            vitals: (142, 91, 82, 36.7, 98, 84.0),
            code: Some(("E11.9", "Type 2 diabetes mellitus without complications")),
        },
        Visit {
            days_ago: 300,
            kind: EncounterKind::Outpatient,
            reason: "Diabetes review",
            soap: [
                "Tolerating metformin, mild nausea first weeks.",
                "HbA1c 6.9 %. Blood pressure raised on repeated readings.",
                "Diabetes improving. Essential hypertension.",
                "Continue metformin. Start lisinopril 10 mg once daily. Home BP diary.",
            ],
            vitals: (146, 93, 78, 36.6, 98, 82.5),
            code: Some(("I10", "Essential (primary) hypertension")),
        },
        Visit {
            days_ago: 180,
            kind: EncounterKind::Outpatient,
            reason: "Blood pressure check",
            soap: [
                "Home readings around 135/85. No cough.",
                "Well. Feet: normal sensation.",
                "Hypertension improving on lisinopril.",
                "Continue. Annual eye screening referral.",
            ],
            vitals: (134, 86, 74, 36.8, 99, 80.9),
            code: None,
        },
        Visit {
            days_ago: 60,
            kind: EncounterKind::Outpatient,
            reason: "Sore throat and fever",
            soap: [
                "Two days of sore throat, fever to 38.4 °C.",
                "Tonsils enlarged without exudate. No lymphadenopathy.",
                "Viral pharyngitis. Penicillin allergy noted, no antibiotics needed.",
                "Fluids, paracetamol, return if not better in 5 days.",
            ],
            vitals: (128, 82, 92, 38.2, 97, 80.2),
            code: Some(("J02.9", "Acute pharyngitis, unspecified")),
        },
        Visit {
            days_ago: 14,
            kind: EncounterKind::Outpatient,
            reason: "Diabetes and blood pressure review",
            soap: [
                "Feels well. Walking 30 minutes daily.",
                "HbA1c 6.5 %. Lost 4 kg in a year.",
                "Diabetes and hypertension well controlled.",
                "Continue current medication. Review in 6 months.",
            ],
            vitals: (126, 80, 70, 36.6, 99, 79.6),
            code: None,
        },
    ];
    for v in &visits {
        visit(txn, cipher, m, doctor, nurse, 168.0, v).await?;
    }
    // The pharyngitis has resolved.
    let resolved = app::entity::problems::Entity::find()
        .filter(app::entity::problems::Column::PatientId.eq(m))
        .filter(app::entity::problems::Column::Icd10Code.eq("J02.9"))
        .one(txn)
        .await?;
    if let Some(problem) = resolved {
        chart::set_problem_status(
            txn,
            m,
            problem.id,
            ProblemStatus::Resolved,
            Utc::now().date_naive(),
        )
        .await
        .map_err(err)?;
    }
    for (substance, reaction, severity) in [
        (
            "Penicillin",
            "Hives and facial swelling",
            AllergySeverity::Severe,
        ),
        ("Latex", "Contact dermatitis", AllergySeverity::Mild),
    ] {
        chart::add_allergy(
            txn,
            m,
            nurse,
            &NewAllergy {
                substance: substance.into(),
                reaction: Some(reaction.into()),
                severity,
                status: AllergyStatus::Active,
            },
        )
        .await
        .map_err(err)?;
    }
    let today = Utc::now().date_naive();
    for (vaccine, days, dose, lot, site) in [
        (
            "Influenza (seasonal, 2025–26)",
            50,
            "1 of 1",
            "FL2291",
            "Left deltoid",
        ),
        (
            "COVID-19 mRNA booster",
            220,
            "Booster",
            "CV8812",
            "Left deltoid",
        ),
        (
            "Tetanus, diphtheria (Td)",
            1500,
            "Booster",
            "TD0418",
            "Right deltoid",
        ),
    ] {
        chart::add_immunization(
            txn,
            m,
            nurse,
            &NewImmunization {
                vaccine: vaccine.into(),
                administered_on: today - Duration::days(days),
                dose: Some(dose.into()),
                lot_number: Some(lot.into()),
                site: Some(site.into()),
            },
        )
        .await
        .map_err(err)?;
    }
    for (kind, description, period) in [
        (HistoryKind::Surgical, "Appendectomy", Some("2009")),
        (
            HistoryKind::Family,
            "Father: type 2 diabetes; mother: breast cancer at 61",
            None,
        ),
        (
            HistoryKind::Social,
            "Never smoked. Alcohol 2–3 units a week. Works as a teacher.",
            None,
        ),
    ] {
        chart::add_history(
            txn,
            cipher,
            m,
            doctor,
            kind,
            description,
            period.map(str::to_string),
        )
        .await
        .map_err(err)?;
    }
    // What she reports taking herself, and what the demo doctor prescribed.
    medication(
        txn,
        m,
        "Vitamin D3 1000 IU",
        "1 capsule",
        "once daily",
        today - Duration::days(200),
    )
    .await?;
    for (rxcui, times, days_ago, refills) in [("861007", "2", 400, 5), ("314076", "1", 300, 3)] {
        prescribe(txn, m, doctor, rxcui, times, days_ago, refills).await?;
    }

    // A shorter history for the others.
    for (i, p) in people.iter().enumerate().skip(1) {
        let v = Visit {
            days_ago: 30 + 20 * i as i64,
            kind: EncounterKind::Outpatient,
            reason: "Annual check-up",
            soap: [
                "No complaints.",
                "Examination unremarkable.",
                "Healthy adult.",
                "Routine follow-up in a year.",
            ],
            vitals: (
                118 + i as i32 * 3,
                76,
                66 + i as i32,
                36.7,
                98,
                62.0 + i as f64 * 6.0,
            ),
            code: None,
        };
        visit(txn, cipher, p.id, doctor, nurse, 160.0 + i as f64 * 5.0, &v).await?;
    }
    Ok(())
}

//! Every server function declared `patient_data` leaves an audit event naming
//! the patient when it succeeds, on SQLite and PostgreSQL.
//!
//! The table below calls each such function once, in an order that makes its
//! fixtures (an encounter before a note, a booking before a reschedule) and
//! with the destructive merge last. Its paths must be exactly
//! `app::auth::gate::patient_data_functions()`, read from the `access!`
//! declarations: a function declared `patient_data` later without an entry
//! here fails the test.

mod common;

use std::collections::{BTreeSet, HashMap};

use app::auth::gate::patient_data_functions;
use chrono::{DateTime, NaiveDate, Utc};
use common::{register_patient, schedule, user_id, Backend, Client, TestApp, PASSWORD};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, Set, TransactionTrait};
use serde_json::{json, Value};
use shared::access::CareRelationshipKind;
use shared::chart::{AllergyForm, EncounterForm, ImmunizationForm, ProblemForm, Soap, VitalsForm};
use shared::demographics::{ContactForm, DemographicsForm, FastTrackForm};
use shared::Role;
use uuid::Uuid;

/// Who calls a function: the patient (portal) or one of the staff below.
#[derive(Clone, Copy, Debug)]
enum Who {
    /// The patient of the fixtures, signed in to the portal.
    Patient,
    /// A receptionist: registration, demographics, bookings, merges.
    Desk,
    /// A nurse, not on the patient's care team until `patients/assign`.
    Nurse,
    /// The doctor with Monday slots, on the patient's care team.
    Doctor,
    /// A pharmacist outside the patient's care (break-glass).
    Pharmacist,
    /// An administrator: emergencies over the schedule, the audit reports.
    Admin,
    /// A laboratory technician: collects, enters, verifies.
    Lab,
    /// A second technician, who verifies what `Lab` entered.
    Lab2,
    /// A billing clerk: charges, invoices, payments.
    Billing,
}

/// What a successful call must leave in the audit trail.
enum Expect {
    /// A new success event naming each of these patients.
    Names(fn(&Fixtures) -> Vec<Uuid>),
    /// A new success event of this action. Only for functions that answer
    /// many patients at once, which name none (each entry says why).
    Action(&'static str),
}

/// One call of the table.
struct Call {
    path: &'static str,
    by: Who,
    body: fn(&Fixtures) -> Value,
    /// Keeps (name, JSON pointer into the answer) for the calls after it.
    keep: Option<(&'static str, &'static str)>,
    keep_more: Option<(&'static str, &'static str)>,
    expect: Expect,
}

/// A call expected to name the fixtures' patient.
fn call(path: &'static str, by: Who, body: fn(&Fixtures) -> Value) -> Call {
    Call {
        path,
        by,
        body,
        keep: None,
        keep_more: None,
        expect: Expect::Names(|f| vec![f.patient]),
    }
}

impl Call {
    fn keep(mut self, name: &'static str, pointer: &'static str) -> Call {
        self.keep = Some((name, pointer));
        self
    }

    fn names(mut self, patients: fn(&Fixtures) -> Vec<Uuid>) -> Call {
        self.expect = Expect::Names(patients);
        self
    }

    /// A second value to keep (`keep` keeps the first).
    fn keep_also(mut self, name: &'static str, pointer: &'static str) -> Call {
        self.keep_more = Some((name, pointer));
        self
    }

    fn action_only(mut self, action: &'static str) -> Call {
        self.expect = Expect::Action(action);
        self
    }
}

/// What the calls are built from: made before the table runs, and what
/// earlier calls answered (`kept`).
struct Fixtures {
    /// A portal patient; most calls read or change their record.
    patient: Uuid,
    /// Their demographics as the staff form shows them.
    demographics: DemographicsForm,
    doctor: Uuid,
    nurse: Uuid,
    monday: NaiveDate,
    /// Free slots of the doctor on `monday`.
    slots: Vec<DateTime<Utc>>,
    /// Two records of no one else's calls, for the merge.
    merge_source: Uuid,
    merge_target: Uuid,
    /// A formulary drug to prescribe (metformin 500 mg tablets).
    drug: Uuid,
    /// Two open online orders of the patient, one for each side to cancel.
    open_orders: Vec<Uuid>,
    /// An ordered laboratory test not yet collected, for the cancel.
    open_test: Uuid,
    /// Its order, for a sample collection visit.
    open_order: Uuid,
    /// A free time of the laboratory's collection hours.
    collection_slot: DateTime<Utc>,
    /// A ward and two of its beds, for admitting and moving the patient.
    ward: Uuid,
    beds: [Uuid; 2],
    kept: HashMap<&'static str, Value>,
}

impl Fixtures {
    /// An id an earlier call answered.
    fn id(&self, name: &str) -> Uuid {
        let value = self
            .kept
            .get(name)
            .unwrap_or_else(|| panic!("nothing kept as {name}: is the table out of order?"));
        serde_json::from_value(value.clone())
            .unwrap_or_else(|e| panic!("{name} = {value} is no id: {e}"))
    }
}

/// A prescription of the fixtures' drug for their patient.
fn prescription(f: &Fixtures, encounter: Option<Uuid>) -> Value {
    json!({ "request": {
        "patient_id": f.patient, "encounter_id": encounter, "drug_id": f.drug,
        "form": shared::prescribing::PrescriptionForm {
            dose: "1".into(), dose_unit: "tablet".into(), route: "oral".into(),
            frequency: "times_daily".into(), frequency_value: "2".into(),
            start_date: chrono::Utc::now().date_naive().to_string(),
            duration_days: "30".into(), refills: "2".into(), ..Default::default()
        },
        "override_reason": "Audit fixture" }, "replaces": null })
}

fn soap(plan: &str) -> Soap {
    Soap {
        subjective: "Headache for three days".into(),
        objective: "Afebrile, neurologically intact".into(),
        assessment: "Tension-type headache".into(),
        plan: plan.into(),
    }
}

/// Every `patient_data` function, in the order it is called.
fn calls() -> Vec<Call> {
    use Who::*;
    vec![
        // The search answers a page of many patients: it is audited once, with
        // the query and the number of hits, naming no single patient.
        call(
            "/api/patients/search",
            Desk,
            |_| json!({ "query": "Tester", "cursor": null }),
        )
        .action_only("patients.search"),
        call("/api/patients/register", Desk, |_| {
            json!({ "form": DemographicsForm {
                given_name: "Regina".into(),
                family_name: "Audit".into(),
                date_of_birth: "1970-03-01".into(),
                sex: "female".into(),
                ..Default::default()
            }, "confirm_new": true })
        })
        .keep("registered", "/Registered/id")
        .names(|f| vec![f.id("registered")]),
        call("/api/patients/fast_track", Nurse, |_| {
            json!({ "form": FastTrackForm {
                sex: "male".into(),
                approximate_age: "40".into(),
                arrived_at: String::new(),
                description: "unknown male, ~40, brought in by ambulance".into(),
            }})
        })
        .keep("fast_track", "/id")
        .names(|f| vec![f.id("fast_track")]),
        call(
            "/api/patients/get",
            Desk,
            |f| json!({ "patient_id": f.patient }),
        ),
        call(
            "/api/patients/details",
            Desk,
            |f| json!({ "patient_id": f.patient }),
        ),
        call("/api/patients/update", Desk, |f| {
            let mut form = f.demographics.clone();
            form.preferred_name = "Audie".into();
            json!({ "patient_id": f.patient, "form": form, "confirm_identity": false })
        }),
        call(
            "/api/patients/care_team",
            Desk,
            |f| json!({ "patient_id": f.patient }),
        ),
        call(
            "/api/patients/assign",
            Desk,
            |f| json!({ "patient_id": f.patient, "user_id": f.nurse }),
        ),
        call("/api/patients/break_glass", Pharmacist, |f| {
            json!({ "patient_id": f.patient,
                    "form": { "reason": "Medication reconciliation at night" } })
        }),
        call(
            "/api/chart/summary",
            Doctor,
            |f| json!({ "patient_id": f.patient }),
        ),
        call(
            "/api/chart/timeline",
            Doctor,
            |f| json!({ "patient_id": f.patient, "cursor": null }),
        ),
        call("/api/chart/open_encounter", Doctor, |f| {
            json!({ "patient_id": f.patient, "form": EncounterForm {
                kind: "outpatient".into(),
                reason: "Headache".into(),
                ..Default::default()
            }})
        })
        .keep("encounter", ""),
        call("/api/chart/save_note", Doctor, |f| {
            json!({ "patient_id": f.patient, "encounter_id": f.id("encounter"),
                    "note_id": null, "soap": soap("Ibuprofen as needed") })
        })
        .keep("note", ""),
        call(
            "/api/chart/sign_note",
            Doctor,
            |f| json!({ "patient_id": f.patient, "note_id": f.id("note") }),
        ),
        call("/api/chart/amend_note", Doctor, |f| {
            json!({ "patient_id": f.patient, "note_id": f.id("note"), "form": {
                "reason": "Dose added to the plan",
                "soap": soap("Ibuprofen 400 mg as needed, at most three a day"),
            }})
        }),
        call("/api/chart/add_vitals", Doctor, |f| {
            json!({ "patient_id": f.patient, "form": VitalsForm {
                heart_rate: "72".into(),
                spo2: "98".into(),
                encounter_id: Some(f.id("encounter").into()),
                ..Default::default()
            }})
        }),
        call("/api/chart/add_problem", Doctor, |f| {
            json!({ "patient_id": f.patient, "form": ProblemForm {
                icd10_code: "E11.9".into(),
                status: "active".into(),
                encounter_id: Some(f.id("encounter").into()),
                ..Default::default()
            }})
        })
        .keep("problem", ""),
        call("/api/chart/set_problem_status", Doctor, |f| {
            json!({ "patient_id": f.patient, "problem_id": f.id("problem"),
                    "status": "resolved" })
        }),
        call("/api/chart/add_allergy", Doctor, |f| {
            json!({ "patient_id": f.patient, "form": AllergyForm {
                substance: "Penicillin".into(),
                reaction: "Rash".into(),
                severity: "severe".into(),
                status: "active".into(),
            }})
        }),
        call(
            "/api/prescriptions/context",
            Doctor,
            |f| json!({ "patient_id": f.patient }),
        ),
        call("/api/prescriptions/sign", Doctor, |f| {
            prescription(f, Some(f.id("encounter")))
        })
        .keep("signed", ""),
        call(
            "/api/prescriptions/list",
            Doctor,
            |f| json!({ "patient_id": f.patient }),
        ),
        // The queue shows many patients at once, so it names none.
        call("/api/pharmacy/queue", Pharmacist, |_| json!({})).action_only("pharmacy.queue"),
        call(
            "/api/pharmacy/verify",
            Pharmacist,
            |f| json!({ "code": f.kept["signed"]["verification_code"] }),
        ),
        call(
            "/api/pharmacy/fill_status",
            Pharmacist,
            |f| json!({ "prescription_id": f.kept["signed"]["id"], "status": "preparing" }),
        ),
        call("/api/orders/place", Patient, |f| {
            json!({ "form": { "prescription_id": f.kept["signed"]["id"],
                              "fulfilment": "delivery", "address": "1 Audit Road" } })
        })
        .keep("order", "/id"),
        call("/api/orders/mine", Patient, |_| json!({})),
        // Dispensing an order to deliver dispatches it.
        call(
            "/api/pharmacy/dispense",
            Pharmacist,
            |f| json!({ "prescription_id": f.kept["signed"]["id"], "quantity": "10" }),
        )
        .keep("dispensed", "/taken/0/movement_id"),
        // The deliveries of many patients at once: names none.
        call("/api/pharmacy/deliveries", Pharmacist, |_| json!({}))
            .action_only("pharmacy.deliveries"),
        call(
            "/api/pharmacy/delivered",
            Pharmacist,
            |f| json!({ "order_id": f.id("order") }),
        ),
        call(
            "/api/orders/cancel",
            Patient,
            |f| json!({ "order_id": f.open_orders[0] }),
        ),
        call(
            "/api/pharmacy/cancel_order",
            Pharmacist,
            |f| json!({ "order_id": f.open_orders[1], "reason": "Out of stock" }),
        ),
        call(
            "/api/pharmacy/return",
            Pharmacist,
            |f| json!({ "dispense_id": f.id("dispensed"), "quantity": "2", "reason": "Unopened" }),
        ),
        call(
            "/api/refills/request",
            Patient,
            |f| json!({ "prescription_id": f.kept["signed"]["id"], "note": "" }),
        )
        .keep("refill", "/id"),
        call("/api/refills/mine", Patient, |_| json!({})),
        // The prescriber's queue: many patients at once, so it names none.
        call("/api/refills/queue", Doctor, |_| json!({})).action_only("refills.queue"),
        call(
            "/api/refills/decide",
            Doctor,
            |f| json!({ "request_id": f.id("refill"), "approve": true, "reason": "" }),
        ),
        call("/api/prescriptions/stop", Doctor, |f| {
            json!({ "patient_id": f.patient, "prescription_id": f.kept["signed"]["id"],
                    "reason": "Course changed" })
        }),
        call("/api/prescriptions/mine", Patient, |_| json!({})),
        call("/api/chart/add_immunization", Doctor, |f| {
            json!({ "patient_id": f.patient, "form": ImmunizationForm {
                vaccine: "Tetanus toxoid".into(),
                administered_on: "2024-05-01".into(),
                dose: "1".into(),
                lot_number: "LOT123".into(),
                site: "left deltoid".into(),
            }})
        }),
        call("/api/chart/add_history", Doctor, |f| {
            json!({ "patient_id": f.patient, "form": {
                "kind": "family", "description": "Father: hypertension", "period": "",
            }})
        }),
        call(
            "/api/chart/finish_encounter",
            Doctor,
            |f| json!({ "patient_id": f.patient, "encounter_id": f.id("encounter") }),
        ),
        call("/api/patients/me", Patient, |_| json!({})),
        call("/api/patients/my_details", Patient, |_| json!({})),
        call("/api/patients/my_contact", Patient, |_| {
            json!({ "form": ContactForm {
                phone: "+4917612345678".into(),
                city: "Hamburg".into(),
                ..Default::default()
            }})
        }),
        // The laboratory: an order to a corrected result.
        call("/api/lab/order", Doctor, |f| {
            json!({ "form": { "patient_id": f.patient, "encounter_id": null,
                              "choices": ["2823-3"], "priority": "stat", "note": "",
                              "confirm_duplicates": false } })
        })
        .keep("lab_order", "/id")
        .keep_also("lab_item", "/items/0/id"),
        call(
            "/api/lab/patient_orders",
            Doctor,
            |f| json!({ "patient_id": f.patient }),
        ),
        call("/api/lab/order_view", Lab, |f| json!({ "order_id": f.id("lab_order") })),
        // The worklist shows many patients at once, so it names none.
        call("/api/lab/worklist", Lab, |_| json!({ "filter": {} })).action_only("lab.worklist"),
        call("/api/lab/collect", Lab, |f| json!({ "order_id": f.id("lab_order") }))
            .keep("accession", "/0"),
        call("/api/lab/label", Lab, |f| json!({ "accession": f.kept["accession"] })),
        call("/api/lab/enter", Lab, |f| {
            json!({ "entry": { "item_id": f.id("lab_item"), "value": "7.1", "impression": "" } })
        })
        .keep("lab_result", "/items/0/results/0/id"),
        call("/api/lab/alerts", Doctor, |_| json!({})),
        call(
            "/api/lab/verify",
            Lab2,
            |f| json!({ "result_id": f.id("lab_result"), "accept": true }),
        ),
        call(
            "/api/lab/acknowledge",
            Doctor,
            |f| json!({ "result_id": f.id("lab_result") }),
        ),
        call("/api/lab/correct", Lab2, |f| {
            json!({ "correction": { "result_id": f.id("lab_result"), "value": "5.0",
                                    "impression": "", "reason": "Haemolysed" } })
        }),
        call("/api/lab/mine", Patient, |_| json!({})),
        // A visit to have the open test's sample taken; the laboratory's
        // day lists many patients, so it names none.
        call("/api/lab/book_collection", Patient, |f| {
            json!({ "order_id": f.open_order, "start": f.collection_slot })
        })
        .keep("visit", "/Booked/id"),
        call(
            "/api/lab/collection_day",
            Lab,
            |f| json!({ "day": f.collection_slot.date_naive().to_string() }),
        )
        .action_only("lab.collection_day"),
        call(
            "/api/lab/cancel_collection",
            Patient,
            |f| json!({ "visit_id": f.id("visit") }),
        ),
        call("/api/lab/cancel", Doctor, |f| {
            json!({ "patient_id": f.patient, "item_id": f.open_test, "reason": "Not needed" })
        }),
        call("/api/chart/my_record", Patient, |_| json!({})),
        call("/api/appointments/book", Desk, |f| {
            json!({ "doctor_id": f.doctor, "start": f.slots[0], "patient_id": f.patient,
                    "reason": "Check-up" })
        })
        .keep("booked", "/Booked/id"),
        call("/api/appointments/mine", Patient, |_| json!({})),
        call("/api/appointments/reschedule", Desk, |f| {
            json!({ "appointment_id": f.id("booked"), "start": f.slots[1],
                    "override_reason": "The patient asked to move it" })
        })
        .keep("rescheduled", "/Booked/id"),
        call("/api/appointments/cancel", Desk, |f| {
            json!({ "appointment_id": f.id("rescheduled"),
                    "override_reason": "The patient asked to cancel" })
        }),
        call("/api/appointments/emergency", Admin, |f| {
            json!({ "patient_id": f.patient, "doctor_id": f.doctor,
                    "start": format!("{}T11:30", f.monday), "minutes": 15,
                    "reason": "Acute chest pain, seen at once" })
        })
        .keep("emergency", ""),
        call(
            "/api/appointments/set_status",
            Desk,
            |f| json!({ "appointment_id": f.id("emergency"), "status": "checked_in" }),
        ),
        // A doctor's day lists many patients: audited once, like the search,
        // with the doctor and the date, naming no single patient.
        call(
            "/api/appointments/day",
            Doctor,
            |f| json!({ "doctor_id": null, "date": f.monday }),
        )
        .action_only("appointments.day"),
        // The homes' lists of many patients, audited the same way: the front
        // desk's arrivals, the patients in a clinician's care, their
        // unsigned notes and the charts they opened lately.
        call("/api/appointments/arrivals", Desk, |_| json!({}))
            .action_only("appointments.arrivals"),
        call("/api/patients/in_my_care", Doctor, |_| json!({})).action_only("patients.in_my_care"),
        call("/api/chart/unsigned_notes", Doctor, |_| json!({}))
            .action_only("chart.unsigned_notes"),
        call("/api/chart/recent", Doctor, |_| json!({})).action_only("chart.recent"),
        // The break-glass report lists the grants of every patient: audited
        // once with the period and the number of grants.
        call("/api/admin/break_glass", Admin, |_| json!({ "days": 7 }))
            .action_only("audit.break_glass_report"),
        // Billing: a manual charge voided; the fixtures' draft discounted,
        // issued, paid in part and credited; a draft of what care charged
        // (all priced by the fixtures) made and discarded.
        call("/api/billing/add_charge", Billing, |f| {
            json!({ "patient_id": f.patient, "form": { "item": "procedure:SUTURE", "quantity": "1", "service_date": "" } })
        })
        .keep("charge", "/id"),
        call("/api/billing/void_charge", Billing, |f| {
            json!({ "charge_id": f.id("charge"), "reason": "Entered twice" })
        }),
        call("/api/billing/account", Billing, |f| json!({ "patient_id": f.patient })),
        call("/api/billing/invoice", Billing, |f| json!({ "invoice_id": f.id("invoice") }))
            .keep("line", "/lines/0/id"),
        call("/api/billing/discount", Billing, |f| {
            json!({ "invoice_id": f.id("invoice"), "line_id": f.id("line"),
                    "form": { "amount": "10 %", "reason": "Hardship" } })
        }),
        call("/api/billing/issue", Billing, |f| json!({ "invoice_id": f.id("invoice") })),
        call("/api/billing/pay_desk", Billing, |f| {
            json!({ "invoice_id": f.id("invoice"), "form": { "method": "cash", "amount": "1", "reference": "" },
                    "key": "audit-coverage-payment-1" })
        })
        .keep("payment", "/id"),
        call("/api/billing/refund", Billing, |f| {
            json!({ "payment_id": f.id("payment"), "form": { "amount": "0.50", "reason": "Overcharged" },
                    "key": "audit-coverage-refund-1" })
        }),
        call("/api/billing/plan", Billing, |f| {
            json!({ "invoice_id": f.id("invoice"),
                    "form": { "instalments": "2", "first_due": Utc::now().date_naive().to_string() } })
        }),
        call("/api/billing/cancel_plan", Billing, |f| {
            json!({ "invoice_id": f.id("invoice"), "reason": "Paid at once instead" })
        }),
        call("/api/billing/pay_online", Patient, |f| {
            json!({ "invoice_id": f.id("invoice"), "key": "audit-coverage-online-1" })
        })
        .keep("hosted_page", ""),
        // Back from the provider's page without paying: the payment's state is read.
        call("/api/billing/checkout_return", Patient, |f| {
            let page = f.kept["hosted_page"].as_str().unwrap_or_default();
            json!({ "checkout": page.rsplit('/').next() })
        }),
        // Insurance: the patient files a claim and submits it; the insurer's
        // decision is typed on one and imported (FHIR) on another.
        call("/api/billing/open_claim", Patient, |f| json!({ "invoice_id": f.id("claimed") }))
            .keep("claim", ""),
        call("/api/billing/claim", Billing, |f| json!({ "claim_id": f.id("claim") })),
        call("/api/billing/submit_claim", Patient, |f| json!({ "claim_id": f.id("claim") })),
        call("/api/billing/adjudicate", Billing, |f| {
            json!({ "claim_id": f.id("claim"), "form": { "approved": "1", "reason": "Partly covered" } })
        }),
        call("/api/billing/claim_paid", Billing, |f| {
            json!({ "claim_id": f.id("claim"), "reference": "REM-1" })
        }),
        call("/api/billing/claim_response", Billing, |f| {
            let claim = f.id("claim2");
            json!({ "claim_id": claim, "response": json!({
                "resourceType": "ClaimResponse", "outcome": "error",
                "request": { "reference": format!("Claim/{claim}") },
                "disposition": "Not covered",
            }).to_string() })
        }),
        // The board lists many patients' claims: it names none.
        call("/api/billing/claims", Billing, |_| json!({ "status": null, "cursor": null }))
            .action_only("billing.claims"),
        call("/api/billing/credit", Billing, |f| {
            json!({ "invoice_id": f.id("invoice"), "reason": "Wrong patient" })
        }),
        call("/api/billing/draft", Billing, |f| json!({ "patient_id": f.patient })).keep("draft", ""),
        call("/api/billing/discard", Billing, |f| json!({ "invoice_id": f.id("draft") })),
        call("/api/billing/mine", Patient, |_| json!({})),
        // The emergency department: the patient arrives, is triaged,
        // assigned and sent home before the admission below.
        call("/api/ed/arrive", Desk, |f| {
            json!({ "form": { "patient_id": f.patient, "chief_complaint": "Dizzy" } })
        })
        .keep("ed_visit", ""),
        call("/api/ed/triage", Nurse, |f| {
            json!({ "form": { "visit_id": f.id("ed_visit"), "level": "3", "chief_complaint": "Dizzy since the morning",
                "note": "", "vitals": { "systolic": "", "diastolic": "", "heart_rate": "90",
                "respiratory_rate": "", "temperature_c": "", "spo2": "", "weight_kg": "", "height_cm": "",
                "recorded_at": "", "encounter_id": null } } })
        }),
        call("/api/ed/assign", Nurse, |f| {
            json!({ "form": { "visit_id": f.id("ed_visit"), "bay_id": null, "clinician_id": f.doctor } })
        }),
        call("/api/ed/visit", Desk, |f| json!({ "visit_id": f.id("ed_visit") })),
        // The tracking board shows everyone in the department: it names none.
        call("/api/ed/board", Desk, |_| json!({})).action_only("ed.board"),
        call("/api/ed/disposition", Doctor, |f| {
            json!({ "form": { "visit_id": f.id("ed_visit"), "disposition": "home", "destination": "", "note": "" } })
        }),
        call("/api/beds/admit", Doctor, |f| {
            json!({ "form": { "patient_id": f.patient, "source": "clinic", "diagnosis": "E11.9",
                              "expected_days": "2", "bed_id": f.beds[0], "note": "" } })
        })
        .keep("admission", "/id"),
        // The board and a ward's round show many patients: they name none.
        call("/api/beds/board", Nurse, |_| json!({ "ward_id": null })).action_only("beds.board"),
        call("/api/beds/inpatients", Nurse, |f| json!({ "ward_id": f.ward }))
            .action_only("beds.inpatients"),
        call(
            "/api/beds/admission",
            Nurse,
            |f| json!({ "admission_id": f.id("admission") }),
        ),
        call(
            "/api/beds/admissions_of",
            Desk,
            |f| json!({ "patient_id": f.patient }),
        ),
        call("/api/beds/transfer", Nurse, |f| {
            json!({ "form": { "admission_id": f.id("admission"), "bed_id": f.beds[1],
                              "hospital": "", "reason": "Closer to the nurses' station" } })
        }),
        call("/api/beds/discharge", Doctor, |f| {
            json!({ "form": { "admission_id": f.id("admission"), "diagnoses": "E11.9",
                              "procedures": "", "follow_up": "Clinic in two weeks",
                              "summary": "Glucose controlled." } })
        }),
        // The merge shows and then changes two records of its own: both named.
        call(
            "/api/patients/merge_preview",
            Desk,
            |f| json!({ "source": f.merge_source, "target": f.merge_target }),
        )
        .names(|f| vec![f.merge_source, f.merge_target]),
        call(
            "/api/patients/merge",
            Desk,
            |f| json!({ "source": f.merge_source, "target": f.merge_target }),
        )
        .names(|f| vec![f.merge_source, f.merge_target]),
    ]
}

async fn sign_in(app: &TestApp, email: &str) -> Client {
    let client = Client::new(&app.base);
    let (status, outcome) = client.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{email}: {outcome:?}");
    client
}

/// Signed-in clients for every `Who`.
struct Clients {
    patient: Client,
    desk: Client,
    nurse: Client,
    doctor: Client,
    pharmacist: Client,
    admin: Client,
    lab: Client,
    lab2: Client,
    billing: Client,
}

impl Clients {
    fn of(&self, who: Who) -> &Client {
        match who {
            Who::Patient => &self.patient,
            Who::Desk => &self.desk,
            Who::Nurse => &self.nurse,
            Who::Doctor => &self.doctor,
            Who::Pharmacist => &self.pharmacist,
            Who::Admin => &self.admin,
            Who::Lab => &self.lab,
            Who::Lab2 => &self.lab2,
            Who::Billing => &self.billing,
        }
    }
}

/// Prices for what the table charges: the procedure, every test, drug and
/// consultation, from long ago.
async fn price_everything(app: &TestApp) {
    use shared::billing::{ChargeKind, NewPrice, ANY_DOCTOR};
    use shared::money::{Currency, Money, Rate};
    let admin = user_id(app, "admin@audit.example").await;
    let from = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
    let mut items = vec![
        (ChargeKind::Procedure, "SUTURE".to_string()),
        (ChargeKind::Consultation, ANY_DOCTOR.to_string()),
    ];
    for t in app::billing::prices::items(&app.db, ChargeKind::Lab)
        .await
        .unwrap()
    {
        items.push((ChargeKind::Lab, t.key));
    }
    for d in app::billing::prices::items(&app.db, ChargeKind::Drug)
        .await
        .unwrap()
    {
        items.push((ChargeKind::Drug, d.key));
    }
    for (kind, item_key) in items {
        let price = NewPrice {
            kind,
            name: format!("{} {item_key}", kind.label()),
            item_key,
            price: Money::new(1000, Currency::parse("EUR").unwrap()),
            tax_rate: Rate::ZERO,
            valid_from: from,
        };
        app::billing::prices::add(&app.db, price, admin, Utc::now())
            .await
            .unwrap();
    }
}

async fn every_patient_data_function_audits_the_patient(backend: Backend) {
    let calls = calls();
    let table: BTreeSet<&str> = calls.iter().map(|c| c.path).collect();
    assert_eq!(table.len(), calls.len(), "a path twice in the table");
    let declared: BTreeSet<&str> = patient_data_functions().into_iter().collect();
    assert!(
        table == declared,
        "the table must name exactly the functions declared patient_data;\n\
         declared but not in the table: {:?}\n\
         in the table but not declared patient_data: {:?}",
        declared.difference(&table).collect::<Vec<_>>(),
        table.difference(&declared).collect::<Vec<_>>(),
    );

    let (app, _payments) = common::spawn_app_paying(backend).await;
    let patient_client = Client::new(&app.base);
    let registered = register_patient(&patient_client, "audra@audit.example", "Audra").await;
    let patient: Uuid = serde_json::from_value(registered["user"]["patient_id"].clone())
        .unwrap_or_else(|e| panic!("no patient id in {registered}: {e}"));
    let doctor = schedule::monday_doctor(&app.db, "doctor@audit.example", &app).await;
    app::patients::access::add_relationship(
        &app.db,
        patient,
        doctor,
        CareRelationshipKind::Assigned,
        None,
    )
    .await
    .unwrap();
    for (email, role) in [
        ("desk@audit.example", Role::Receptionist),
        ("nurse@audit.example", Role::Nurse),
        ("pharmacist@audit.example", Role::Pharmacist),
        ("admin@audit.example", Role::Administrator),
        ("lab@audit.example", Role::LabTechnician),
        ("lab2@audit.example", Role::LabTechnician),
        ("billing@audit.example", Role::BillingClerk),
    ] {
        common::staff(&app, email, role).await;
    }
    let clients = Clients {
        patient: patient_client,
        desk: sign_in(&app, "desk@audit.example").await,
        nurse: sign_in(&app, "nurse@audit.example").await,
        doctor: sign_in(&app, "doctor@audit.example").await,
        pharmacist: sign_in(&app, "pharmacist@audit.example").await,
        admin: sign_in(&app, "admin@audit.example").await,
        lab: sign_in(&app, "lab@audit.example").await,
        lab2: sign_in(&app, "lab2@audit.example").await,
        billing: sign_in(&app, "billing@audit.example").await,
    };
    price_everything(&app).await;
    let monday = schedule::next_monday();
    let (status, slots) = clients
        .desk
        .call::<Vec<shared::appointments::FreeSlot>>(
            "appointments/free_slots",
            json!({ "doctor_id": doctor, "from": monday, "days": 1 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{slots:?}");
    let slots: Vec<_> = slots.unwrap().into_iter().map(|s| s.start).collect();
    assert!(slots.len() >= 2, "two free slots on {monday}: {slots:?}");
    let demographics = DemographicsForm::from_demographics(
        &app::patients::service::details(&app.db, &app.cipher, patient)
            .await
            .unwrap()
            .demographics,
    );
    let mut fixtures = Fixtures {
        patient,
        demographics,
        doctor,
        nurse: user_id(&app, "nurse@audit.example").await,
        monday,
        slots,
        merge_source: common::basic_patient(&app, "Merged").await,
        merge_target: common::basic_patient(&app, "Kept").await,
        drug: {
            use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
            app::entity::formulary_drugs::Entity::find()
                .filter(app::entity::formulary_drugs::Column::Rxcui.eq("861007"))
                .one(&app.db)
                .await
                .unwrap()
                .unwrap()
                .id
        },
        open_orders: Vec::new(),
        open_test: Uuid::nil(),
        open_order: Uuid::nil(),
        collection_slot: DateTime::<Utc>::MIN_UTC,
        ward: Uuid::nil(),
        beds: [Uuid::nil(); 2],
        kept: HashMap::new(),
    };
    // A ward with two beds.
    let admin_id = user_id(&app, "admin@audit.example").await;
    let ward = app::beds::service::save_ward(
        &app.db,
        None,
        shared::beds::NewWard {
            name: "Audit ward".into(),
            kind: shared::beds::WardKind::General,
            sex_restriction: shared::beds::SexRestriction::Any,
            active: true,
        },
        admin_id,
        Utc::now(),
    )
    .await
    .unwrap();
    let beds = app::beds::service::add_beds(
        &app.db,
        shared::beds::NewBeds {
            ward_id: ward.id,
            room: "1".into(),
            labels: vec!["A".into(), "B".into()],
            bed_type: shared::beds::BedType::Standard,
        },
        admin_id,
        Utc::now(),
    )
    .await
    .unwrap();
    fixtures.ward = ward.id.uuid();
    fixtures.beds = [beds[0].id, beds[1].id];
    // Stock for the pharmacy's calls.
    app::pharmacy::service::receive(
        &app.db,
        &shared::pharmacy::NewBatch {
            drug_id: fixtures.drug.into(),
            lot_number: "AUDIT-1".into(),
            expires_on: chrono::Utc::now().date_naive() + chrono::Duration::days(365),
            quantity: 100,
            location: "Shelf A1".into(),
        },
        fixtures.doctor,
        chrono::Utc::now(),
    )
    .await
    .unwrap();

    // Two prescriptions ordered online, before the table, for its cancels.
    for _ in 0..2 {
        let (status, signed) = clients
            .doctor
            .call::<Value>("prescriptions/sign", prescription(&fixtures, None))
            .await;
        assert_eq!(status, StatusCode::OK, "{signed:?}");
        let (status, order) = clients
            .patient
            .call::<Value>(
                "orders/place",
                json!({ "form": { "prescription_id": signed.unwrap()["id"],
                                  "fulfilment": "collect", "address": "" } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{order:?}");
        fixtures
            .open_orders
            .push(serde_json::from_value(order.unwrap()["id"].clone()).unwrap());
    }

    // A test ordered before the table, for its cancel.
    let (status, order) = clients
        .doctor
        .call::<Value>(
            "lab/order",
            json!({ "form": { "patient_id": fixtures.patient, "encounter_id": null,
                              "choices": ["2160-0"], "priority": "routine", "note": "",
                              "confirm_duplicates": false } }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{order:?}");
    let order = order.unwrap();
    fixtures.open_test = serde_json::from_value(order["items"][0]["id"].clone()).unwrap();
    fixtures.open_order = serde_json::from_value(order["id"].clone()).unwrap();
    // Collection hours every day, and the first free time.
    for weekday in 1..=7 {
        let (status, answer) = clients
            .admin
            .call::<Value>(
                "lab/add_collection_hours",
                json!({ "form": { "block": { "weekday": weekday.to_string(), "start": "08:00",
                                             "end": "12:00", "slot_minutes": "15" },
                                  "capacity": "2" } }),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{answer:?}");
    }
    let (status, slots) = clients
        .patient
        .call::<Vec<Value>>(
            "lab/collection_slots",
            json!({ "from": Utc::now().date_naive(), "days": 7 }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{slots:?}");
    fixtures.collection_slot = serde_json::from_value(slots.unwrap()[0]["start"].clone()).unwrap();
    // A draft invoice of a charged procedure, for the billing calls.
    let clerk = user_id(&app, "billing@audit.example").await;
    let procedure = shared::billing::ManualCharge {
        kind: shared::billing::ChargeKind::Procedure,
        item_key: "SUTURE".into(),
        quantity: 1,
        service_date: None,
    };
    app::billing::charges::add_manual(
        &app.db,
        patient,
        procedure,
        Utc::now().date_naive(),
        clerk,
        Utc::now(),
    )
    .await
    .unwrap();
    let eur = shared::money::Currency::parse("EUR").unwrap();
    let draft = app::billing::invoices::draft(&app.db, patient, eur, clerk, Utc::now())
        .await
        .unwrap();
    fixtures.kept.insert("invoice", json!(draft.id));
    // Two issued invoices under a coverage, for the claims.
    let payer = shared::insurance::NewPayer {
        name: "Audit Health".into(),
        share: shared::money::Rate(8_000),
        active: true,
    };
    app::billing::insurance::save_payer(&app.db, None, payer, clerk, Utc::now())
        .await
        .unwrap();
    app::entity::insurance_coverages::ActiveModel {
        id: Set(uuid::Uuid::new_v4()),
        patient_id: Set(patient),
        payer: Set("Audit Health".into()),
        member_id: Set("M-1".into()),
        group_number: Set(None),
        valid_from: Set(None),
        valid_to: Set(None),
        rank: Set(shared::demographics::CoverageRank::Primary),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();
    for name in ["claimed", "claimed2"] {
        let procedure = shared::billing::ManualCharge {
            kind: shared::billing::ChargeKind::Procedure,
            item_key: "SUTURE".into(),
            quantity: 1,
            service_date: None,
        };
        app::billing::charges::add_manual(
            &app.db,
            patient,
            procedure,
            Utc::now().date_naive(),
            clerk,
            Utc::now(),
        )
        .await
        .unwrap();
        let txn = app.db.begin().await.unwrap();
        let d = app::billing::invoices::draft(&txn, patient, eur, clerk, Utc::now())
            .await
            .unwrap();
        app::billing::invoices::issue(&txn, d.clone(), chrono_tz::UTC, clerk, Utc::now())
            .await
            .unwrap();
        txn.commit().await.unwrap();
        fixtures.kept.insert(name, json!(d.id));
    }
    // The second one's claim submitted already, for the insurer's response.
    let claimed2 = app::billing::invoices::find(
        &app.db,
        shared::ids::InvoiceId(serde_json::from_value(fixtures.kept["claimed2"].clone()).unwrap()),
        None,
    )
    .await
    .unwrap();
    let (claim2, _) =
        app::billing::insurance::open(&app.db, &claimed2, false, chrono_tz::UTC, clerk, Utc::now())
            .await
            .unwrap();
    app::billing::insurance::submit(&app.db, claim2.clone(), Utc::now())
        .await
        .unwrap();
    fixtures.kept.insert("claim2", json!(claim2.id));

    // Every call must succeed; what it failed to audit is gathered so one
    // run names every function that leaves no trace.
    let mut unaudited = Vec::new();
    for c in calls {
        let before = common::audit_rows(&app).await.len();
        let body = (c.body)(&fixtures);
        let endpoint = c.path.strip_prefix("/api/").unwrap();
        let (status, answer) = clients.of(c.by).call::<Value>(endpoint, body).await;
        assert_eq!(
            status,
            StatusCode::OK,
            "{} by {:?}: {answer:?}",
            c.path,
            c.by
        );
        let answer = answer.unwrap();
        for (name, pointer) in c.keep.into_iter().chain(c.keep_more) {
            let value = answer
                .pointer(pointer)
                .unwrap_or_else(|| panic!("{}: no {pointer:?} in {answer}", c.path));
            fixtures.kept.insert(name, value.clone());
        }
        let rows = common::audit_rows(&app).await;
        let new = &rows[before..];
        let success = |r: &&(String, String, Option<String>, Option<Uuid>)| r.1 == "success";
        match c.expect {
            Expect::Names(patients) => {
                for id in patients(&fixtures) {
                    if !new.iter().filter(success).any(|r| r.3 == Some(id)) {
                        unaudited.push(format!(
                            "{} by {:?} left no success event naming patient {id}; new rows: {new:?}",
                            c.path, c.by
                        ));
                    }
                }
            }
            Expect::Action(action) => {
                if !new.iter().filter(success).any(|r| r.0 == action) {
                    unaudited.push(format!(
                        "{} by {:?} left no success event {action:?}; new rows: {new:?}",
                        c.path, c.by
                    ));
                }
            }
        }
    }
    assert!(
        unaudited.is_empty(),
        "patient data read or changed without an audit event:\n{}",
        unaudited.join("\n")
    );
}

on_both_databases!(every_patient_data_function_audits_the_patient);

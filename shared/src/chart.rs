//! The clinical chart as the UI sees it: encounters and SOAP notes with
//! amendments, vital signs (with plausibility checks and BMI), problems,
//! allergies, immunizations, histories and medications.

use crate::ids::{EncounterId, NoteId, ProblemId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::access::AccessBasis;
use crate::demographics::PatientDetails;
use crate::error::FieldErrors;
use crate::time::HospitalTime;
use crate::validate::{bounded_text, optional};
use crate::AppError;

crate::coded!(EncounterKind {
    Outpatient = "outpatient", "Outpatient visit";
    Emergency = "emergency", "Emergency";
    Inpatient = "inpatient", "Inpatient stay";
    Telehealth = "telehealth", "Telehealth";
} "Choose the kind of encounter.");

crate::coded!(EncounterStatus {
    InProgress = "in_progress", "In progress";
    Finished = "finished", "Finished";
} "Choose the status.");

crate::coded!(NoteStatus {
    Draft = "draft", "Draft";
    Signed = "signed", "Signed";
} "Choose the status.");

crate::coded!(ProblemStatus {
    Active = "active", "Active";
    Resolved = "resolved", "Resolved";
} "Choose the status.");

crate::coded!(AllergySeverity {
    Mild = "mild", "Mild";
    Moderate = "moderate", "Moderate";
    Severe = "severe", "Severe";
    Unknown = "unknown", "Unknown";
} "Choose the severity.");

crate::coded!(AllergyStatus {
    Active = "active", "Active";
    Inactive = "inactive", "Inactive";
    Resolved = "resolved", "Resolved";
} "Choose the status.");

crate::coded!(HistoryKind {
    Surgical = "surgical", "Past surgical history";
    Family = "family", "Family history";
    Social = "social", "Social history";
} "Choose the kind of history.");

crate::coded!(MedicationStatus {
    Active = "active", "Active";
    Stopped = "stopped", "Stopped";
} "Choose the status.");

fn required_text(input: &str, max: usize, what: &str, hint: &str) -> Result<String, String> {
    let s = bounded_text(input, max, what)?;
    if s.is_empty() {
        Err(hint.to_string())
    } else {
        Ok(s)
    }
}

fn optional_text(input: &str, max: usize, what: &str) -> Result<Option<String>, String> {
    bounded_text(input, max, what).map(|s| (!s.is_empty()).then_some(s))
}

/// A date in the past or today, ISO format.
fn past_date(input: &str, today: NaiveDate, what: &str) -> Result<NaiveDate, String> {
    let date = NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
        .map_err(|_| format!("Enter the {what} as YYYY-MM-DD."))?;
    if date > today {
        return Err(format!("The {what} cannot be in the future."));
    }
    Ok(date)
}

/// A `datetime-local` value (the hospital's wall-clock time) in the past;
/// blank means now.
pub fn parse_past_time(
    input: &str,
    at: &impl HospitalTime,
    what: &str,
) -> Result<DateTime<Utc>, String> {
    let now = at.now();
    if input.trim().is_empty() {
        return Ok(now);
    }
    let t = crate::time::parse_wall_time(input, at, what)?;
    if t > now + chrono::Duration::minutes(5) {
        return Err(format!("The {what} cannot be in the future."));
    }
    Ok(t)
}

// ---------------------------------------------------------------- encounters

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncounterForm {
    pub kind: String,
    pub reason: String,
    pub location: String,
    /// Blank means now.
    pub started_at: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEncounter {
    pub kind: EncounterKind,
    pub reason: String,
    pub location: Option<String>,
    pub started_at: DateTime<Utc>,
}

impl EncounterForm {
    pub fn parse(&self, at: &impl HospitalTime) -> Result<NewEncounter, AppError> {
        let mut e = FieldErrors::new();
        let kind = e.check("kind", EncounterKind::parse(&self.kind));
        let reason = e.check(
            "reason",
            required_text(
                &self.reason,
                200,
                "reason",
                "Enter the reason for the visit.",
            ),
        );
        let location = e.check("location", optional_text(&self.location, 100, "location"));
        let started_at = e.check(
            "started_at",
            parse_past_time(&self.started_at, at, "start time"),
        );
        e.finish()?;
        Ok(NewEncounter {
            kind: kind.ok_or(AppError::Internal)?,
            reason: reason.ok_or(AppError::Internal)?,
            location: location.ok_or(AppError::Internal)?,
            started_at: started_at.ok_or(AppError::Internal)?,
        })
    }
}

/// The four parts of a SOAP note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Soap {
    pub subjective: String,
    pub objective: String,
    pub assessment: String,
    pub plan: String,
}

pub const NOTE_SECTION_MAX: usize = 20_000;

impl Soap {
    /// Trims each section; at least one must have text.
    pub fn parse(&self) -> Result<Soap, AppError> {
        let mut e = FieldErrors::new();
        let s = e.check(
            "subjective",
            bounded_text(&self.subjective, NOTE_SECTION_MAX, "subjective section"),
        );
        let o = e.check(
            "objective",
            bounded_text(&self.objective, NOTE_SECTION_MAX, "objective section"),
        );
        let a = e.check(
            "assessment",
            bounded_text(&self.assessment, NOTE_SECTION_MAX, "assessment section"),
        );
        let p = e.check(
            "plan",
            bounded_text(&self.plan, NOTE_SECTION_MAX, "plan section"),
        );
        let soap = Soap {
            subjective: s.unwrap_or_default(),
            objective: o.unwrap_or_default(),
            assessment: a.unwrap_or_default(),
            plan: p.unwrap_or_default(),
        };
        if soap.is_empty() {
            e.push("subjective", "Write at least one section of the note.");
        }
        e.finish()?;
        Ok(soap)
    }

    pub fn is_empty(&self) -> bool {
        [
            &self.subjective,
            &self.objective,
            &self.assessment,
            &self.plan,
        ]
        .iter()
        .all(|s| s.trim().is_empty())
    }
}

/// A correction of a signed note.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AmendmentForm {
    pub reason: String,
    pub soap: Soap,
}

impl AmendmentForm {
    pub fn parse(&self, current: &Soap) -> Result<(String, Soap), AppError> {
        let mut e = FieldErrors::new();
        let reason = e.check(
            "reason",
            required_text(
                &self.reason,
                500,
                "reason",
                "Say why the note is being corrected.",
            ),
        );
        let soap = match self.soap.parse() {
            Ok(s) => Some(s),
            Err(AppError::Validation(fields)) => {
                for f in fields {
                    e.push(&f.field, f.message);
                }
                None
            }
            Err(other) => return Err(other),
        };
        if soap.as_ref() == Some(current) {
            e.push("subjective", "The amendment changes nothing in the note.");
        }
        e.finish()?;
        Ok((
            reason.ok_or(AppError::Internal)?,
            soap.ok_or(AppError::Internal)?,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AmendmentView {
    pub id: Uuid,
    pub author_name: String,
    pub reason: String,
    pub at: DateTime<Utc>,
    /// The note's text after this amendment.
    pub soap: Soap,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoteView {
    pub id: NoteId,
    pub encounter_id: EncounterId,
    pub author_id: UserId,
    pub author_name: String,
    pub status: NoteStatus,
    /// The text as originally written (and signed).
    pub original: Soap,
    /// The text now: the latest amendment's, or the original.
    pub current: Soap,
    pub amendments: Vec<AmendmentView>,
    pub created_at: DateTime<Utc>,
    pub signed_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EncounterView {
    pub id: EncounterId,
    pub kind: EncounterKind,
    pub status: EncounterStatus,
    pub reason: String,
    pub location: Option<String>,
    pub started_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    pub clinician_name: String,
    pub notes: Vec<NoteView>,
    pub vitals: Vec<VitalsView>,
    pub problems: Vec<ProblemView>,
}

/// Where the next timeline page starts: the last encounter shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimelineCursor {
    pub started_at: DateTime<Utc>,
    pub id: Uuid,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelinePage {
    pub encounters: Vec<EncounterView>,
    pub next: Option<TimelineCursor>,
}

pub const TIMELINE_PAGE: u64 = 10;

// -------------------------------------------------------------------- vitals

/// Vital signs as typed; every measurement is optional, at least one is needed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VitalsForm {
    pub systolic: String,
    pub diastolic: String,
    pub heart_rate: String,
    pub respiratory_rate: String,
    pub temperature_c: String,
    pub spo2: String,
    pub weight_kg: String,
    pub height_cm: String,
    /// Blank means now.
    pub recorded_at: String,
    pub encounter_id: Option<EncounterId>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Vitals {
    pub systolic: Option<i32>,
    pub diastolic: Option<i32>,
    pub heart_rate: Option<i32>,
    pub respiratory_rate: Option<i32>,
    pub temperature_c: Option<f64>,
    pub spo2: Option<i32>,
    pub weight_kg: Option<f64>,
    pub height_cm: Option<f64>,
}

/// A whole number within the plausible range for a measurement.
fn measure_int(input: &str, range: (i32, i32), what: &str, unit: &str) -> Result<i32, String> {
    let v: i32 = input
        .trim()
        .parse()
        .map_err(|_| format!("Enter the {what} as a whole number."))?;
    if v < range.0 || v > range.1 {
        return Err(format!(
            "{} must be between {} and {} {unit}; check the reading.",
            capitalise(what),
            range.0,
            range.1
        ));
    }
    Ok(v)
}

fn measure_dec(input: &str, range: (f64, f64), what: &str, unit: &str) -> Result<f64, String> {
    let v: f64 = input
        .trim()
        .replace(',', ".")
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("Enter the {what} as a number, e.g. 36.8."))?;
    if v < range.0 || v > range.1 {
        return Err(format!(
            "{} must be between {} and {} {unit}; check the reading.",
            capitalise(what),
            range.0,
            range.1
        ));
    }
    Ok((v * 10.0).round() / 10.0)
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

impl VitalsForm {
    pub fn parse(&self, at: &impl HospitalTime) -> Result<(Vitals, DateTime<Utc>), AppError> {
        let mut e = FieldErrors::new();
        let v = Vitals {
            systolic: e
                .check(
                    "systolic",
                    optional(&self.systolic, |s| {
                        measure_int(s, (50, 300), "systolic pressure", "mmHg")
                    }),
                )
                .flatten(),
            diastolic: e
                .check(
                    "diastolic",
                    optional(&self.diastolic, |s| {
                        measure_int(s, (20, 200), "diastolic pressure", "mmHg")
                    }),
                )
                .flatten(),
            heart_rate: e
                .check(
                    "heart_rate",
                    optional(&self.heart_rate, |s| {
                        measure_int(s, (20, 300), "heart rate", "beats/min")
                    }),
                )
                .flatten(),
            respiratory_rate: e
                .check(
                    "respiratory_rate",
                    optional(&self.respiratory_rate, |s| {
                        measure_int(s, (4, 80), "respiratory rate", "breaths/min")
                    }),
                )
                .flatten(),
            temperature_c: e
                .check(
                    "temperature_c",
                    optional(&self.temperature_c, |s| {
                        measure_dec(s, (25.0, 45.0), "temperature", "°C")
                    }),
                )
                .flatten(),
            spo2: e
                .check(
                    "spo2",
                    optional(&self.spo2, |s| measure_int(s, (50, 100), "SpO2", "%")),
                )
                .flatten(),
            weight_kg: e
                .check(
                    "weight_kg",
                    optional(&self.weight_kg, |s| {
                        measure_dec(s, (0.3, 500.0), "weight", "kg")
                    }),
                )
                .flatten(),
            height_cm: e
                .check(
                    "height_cm",
                    optional(&self.height_cm, |s| {
                        measure_dec(s, (20.0, 250.0), "height", "cm")
                    }),
                )
                .flatten(),
        };
        let both_bp = self.systolic.trim().is_empty() == self.diastolic.trim().is_empty();
        if !both_bp {
            let missing = if self.systolic.trim().is_empty() {
                "systolic"
            } else {
                "diastolic"
            };
            e.push(missing, "Enter both blood pressure values, or neither.");
        }
        if let (Some(s), Some(d)) = (v.systolic, v.diastolic) {
            if d >= s {
                e.push(
                    "diastolic",
                    "The diastolic pressure must be lower than the systolic.",
                );
            }
        }
        let at = e.check(
            "recorded_at",
            parse_past_time(&self.recorded_at, at, "measurement time"),
        );
        if v == Vitals::default()
            && [
                &self.systolic,
                &self.diastolic,
                &self.heart_rate,
                &self.respiratory_rate,
                &self.temperature_c,
                &self.spo2,
                &self.weight_kg,
                &self.height_cm,
            ]
            .iter()
            .all(|s| s.trim().is_empty())
        {
            e.push("systolic", "Enter at least one measurement.");
        }
        e.finish()?;
        Ok((v, at.ok_or(AppError::Internal)?))
    }
}

/// Body-mass index from weight (kg) and height (cm), one decimal.
pub fn bmi(weight_kg: f64, height_cm: f64) -> Option<f64> {
    if height_cm <= 0.0 || weight_kg <= 0.0 {
        return None;
    }
    let m = height_cm / 100.0;
    Some((weight_kg / (m * m) * 10.0).round() / 10.0)
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VitalsView {
    pub id: Uuid,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub encounter_id: Option<EncounterId>,
    pub vitals: Vitals,
    /// From this set's weight and height, or the latest height on record.
    pub bmi: Option<f64>,
}

// ------------------------------------------------------------------ problems

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemForm {
    pub icd10_code: String,
    pub status: String,
    pub onset_date: String,
    pub note: String,
    pub encounter_id: Option<EncounterId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProblem {
    /// Normalised, e.g. `E11.9`; the server checks that it exists.
    pub code: String,
    pub status: ProblemStatus,
    pub onset_date: Option<NaiveDate>,
    pub note: Option<String>,
}

impl ProblemForm {
    pub fn parse(&self, today: NaiveDate) -> Result<NewProblem, AppError> {
        let mut e = FieldErrors::new();
        let code = e.check(
            "icd10_code",
            if self.icd10_code.trim().is_empty() {
                Err("Choose a diagnosis from the ICD-10-CM list.".to_string())
            } else {
                crate::records::normalize_icd10(&self.icd10_code)
            },
        );
        let status = e.check("status", ProblemStatus::parse(&self.status));
        let onset_date = e.check(
            "onset_date",
            optional(&self.onset_date, |s| past_date(s, today, "onset date")),
        );
        let note = e.check("note", optional_text(&self.note, 2000, "note"));
        e.finish()?;
        Ok(NewProblem {
            code: code.ok_or(AppError::Internal)?,
            status: status.ok_or(AppError::Internal)?,
            onset_date: onset_date.ok_or(AppError::Internal)?,
            note: note.ok_or(AppError::Internal)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProblemView {
    pub id: ProblemId,
    pub icd10_code: String,
    pub description: String,
    pub status: ProblemStatus,
    pub onset_date: Option<NaiveDate>,
    pub resolved_date: Option<NaiveDate>,
    pub note: Option<String>,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

// ----------------------------------------------------------------- allergies

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AllergyForm {
    pub substance: String,
    pub reaction: String,
    pub severity: String,
    pub status: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAllergy {
    pub substance: String,
    pub reaction: Option<String>,
    pub severity: AllergySeverity,
    pub status: AllergyStatus,
}

impl AllergyForm {
    pub fn parse(&self) -> Result<NewAllergy, AppError> {
        let mut e = FieldErrors::new();
        let substance = e.check(
            "substance",
            required_text(
                &self.substance,
                200,
                "substance",
                "Enter the substance, e.g. penicillin, peanuts, latex.",
            ),
        );
        let reaction = e.check("reaction", optional_text(&self.reaction, 200, "reaction"));
        let severity = e.check("severity", AllergySeverity::parse(&self.severity));
        let status = e.check("status", AllergyStatus::parse(&self.status));
        e.finish()?;
        Ok(NewAllergy {
            substance: substance.ok_or(AppError::Internal)?,
            reaction: reaction.ok_or(AppError::Internal)?,
            severity: severity.ok_or(AppError::Internal)?,
            status: status.ok_or(AppError::Internal)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AllergyView {
    pub id: Uuid,
    pub substance: String,
    pub reaction: Option<String>,
    pub severity: AllergySeverity,
    pub status: AllergyStatus,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
}

// ------------------------------------------------------------- immunizations

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImmunizationForm {
    pub vaccine: String,
    pub administered_on: String,
    pub dose: String,
    pub lot_number: String,
    pub site: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImmunization {
    pub vaccine: String,
    pub administered_on: NaiveDate,
    pub dose: Option<String>,
    pub lot_number: Option<String>,
    pub site: Option<String>,
}

impl ImmunizationForm {
    pub fn parse(&self, today: NaiveDate) -> Result<NewImmunization, AppError> {
        let mut e = FieldErrors::new();
        let vaccine = e.check(
            "vaccine",
            required_text(&self.vaccine, 200, "vaccine", "Enter the vaccine given."),
        );
        let administered_on = e.check(
            "administered_on",
            if self.administered_on.trim().is_empty() {
                Err("Enter the date the vaccine was given.".to_string())
            } else {
                past_date(&self.administered_on, today, "date given")
            },
        );
        let dose = e.check("dose", optional_text(&self.dose, 64, "dose"));
        let lot_number = e.check(
            "lot_number",
            optional_text(&self.lot_number, 64, "lot number"),
        );
        let site = e.check("site", optional_text(&self.site, 64, "site"));
        e.finish()?;
        Ok(NewImmunization {
            vaccine: vaccine.ok_or(AppError::Internal)?,
            administered_on: administered_on.ok_or(AppError::Internal)?,
            dose: dose.ok_or(AppError::Internal)?,
            lot_number: lot_number.ok_or(AppError::Internal)?,
            site: site.ok_or(AppError::Internal)?,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImmunizationView {
    pub id: Uuid,
    pub vaccine: String,
    pub administered_on: NaiveDate,
    pub dose: Option<String>,
    pub lot_number: Option<String>,
    pub site: Option<String>,
    pub recorded_by: String,
}

// ------------------------------------------------------------------- history

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryForm {
    pub kind: String,
    pub description: String,
    pub period: String,
}

impl HistoryForm {
    pub fn parse(&self) -> Result<(HistoryKind, String, Option<String>), AppError> {
        let mut e = FieldErrors::new();
        let kind = e.check("kind", HistoryKind::parse(&self.kind));
        let description = e.check(
            "description",
            required_text(
                &self.description,
                2000,
                "description",
                "Describe the history, e.g. “appendectomy”, “father: type 2 diabetes”, “non-smoker”.",
            ),
        );
        let period = e.check("period", optional_text(&self.period, 64, "period"));
        e.finish()?;
        Ok((
            kind.ok_or(AppError::Internal)?,
            description.ok_or(AppError::Internal)?,
            period.ok_or(AppError::Internal)?,
        ))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryView {
    pub id: Uuid,
    pub kind: HistoryKind,
    pub description: String,
    pub period: Option<String>,
    pub recorded_by: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicationView {
    pub id: Uuid,
    pub name: String,
    pub dose: Option<String>,
    pub route: Option<String>,
    pub frequency: Option<String>,
    pub status: MedicationStatus,
    pub started_on: Option<NaiveDate>,
    pub source: String,
}

// ------------------------------------------------------------------- summary

/// What a chart opens on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartSummary {
    pub patient: PatientDetails,
    pub access: AccessBasis,
    /// The caller may add encounters, notes, vitals, allergies, immunizations, history.
    pub can_document: bool,
    /// The caller may code problems and diagnoses.
    pub can_diagnose: bool,
    /// The caller may sign, change and stop prescriptions.
    pub can_prescribe: bool,
    pub problems: Vec<ProblemView>,
    pub allergies: Vec<AllergyView>,
    /// Newest first, at most [`VITALS_TREND_POINTS`], for the trend charts.
    pub vitals: Vec<VitalsView>,
    pub immunizations: Vec<ImmunizationView>,
    pub history: Vec<HistoryView>,
    pub medications: Vec<MedicationView>,
    pub encounter_count: u64,
}

pub const VITALS_TREND_POINTS: u64 = 50;

/// The encounters the patient portal lists (the download has all of them).
pub const PORTAL_ENCOUNTERS: u64 = 50;

/// The patient's own record as the patient portal shows it (signed notes only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientRecordView {
    pub patient: PatientDetails,
    pub problems: Vec<ProblemView>,
    pub allergies: Vec<AllergyView>,
    pub vitals: Vec<VitalsView>,
    pub immunizations: Vec<ImmunizationView>,
    pub medications: Vec<MedicationView>,
    pub encounters: Vec<EncounterView>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-22T10:00:00Z".parse().unwrap()
    }

    #[test]
    fn implausible_vitals_get_a_message_on_the_field() {
        let form = VitalsForm {
            spo2: "101".into(),
            temperature_c: "52".into(),
            systolic: "120".into(),
            ..Default::default()
        };
        let err = form.parse(&crate::time::UtcHospital(now())).unwrap_err();
        assert!(err
            .field_message("spo2")
            .unwrap()
            .contains("between 50 and 100"));
        assert!(err.field_message("temperature_c").is_some());
        assert!(err.field_message("diastolic").unwrap().contains("both"));
        let empty = VitalsForm::default()
            .parse(&crate::time::UtcHospital(now()))
            .unwrap_err();
        assert!(empty
            .field_message("systolic")
            .unwrap()
            .contains("at least one"));
    }

    #[test]
    fn vitals_parse_and_bmi() {
        let form = VitalsForm {
            systolic: "128".into(),
            diastolic: "82".into(),
            spo2: "97".into(),
            temperature_c: "36,84".into(),
            weight_kg: "80".into(),
            height_cm: "180".into(),
            ..Default::default()
        };
        let (v, at) = form.parse(&crate::time::UtcHospital(now())).unwrap();
        assert_eq!(at, now());
        assert_eq!(v.temperature_c, Some(36.8));
        assert_eq!(bmi(80.0, 180.0), Some(24.7));
        let inverted = VitalsForm {
            systolic: "80".into(),
            diastolic: "120".into(),
            ..Default::default()
        };
        assert!(inverted
            .parse(&crate::time::UtcHospital(now()))
            .unwrap_err()
            .field_message("diastolic")
            .is_some());
    }

    #[test]
    fn amendment_needs_a_reason_and_a_change() {
        let current = Soap {
            subjective: "Cough".into(),
            ..Default::default()
        };
        let same = AmendmentForm {
            reason: String::new(),
            soap: current.clone(),
        };
        let err = same.parse(&current).unwrap_err();
        assert!(err.field_message("reason").is_some());
        assert!(err
            .field_message("subjective")
            .unwrap()
            .contains("changes nothing"));
        let ok = AmendmentForm {
            reason: "Wrong side documented".into(),
            soap: Soap {
                subjective: "Cough, 3 days".into(),
                ..Default::default()
            },
        };
        assert!(ok.parse(&current).is_ok());
    }

    #[test]
    fn coded_values_parse() {
        assert_eq!(
            AllergySeverity::parse("severe"),
            Ok(AllergySeverity::Severe)
        );
        assert!(AllergySeverity::parse("").unwrap_err().contains("severity"));
        assert!(ProblemForm::default()
            .parse(now().date_naive())
            .unwrap_err()
            .field_message("icd10_code")
            .is_some());
    }
}

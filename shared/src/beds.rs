//! Beds and inpatients: wards and their beds with a status, admissions,
//! transfers between beds, wards or hospitals, discharge, and the nights
//! that become bed-day charges.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::ids::{AdmissionId, BedId, PatientId, UserId, WardId};
use crate::AppError;

/// Where the browser follows the changes of beds (server-sent events).
pub const BED_EVENTS_PATH: &str = "/api/beds/events";

crate::coded!(
    /// What a ward is for; bed days are priced by it (`bed:<code>`).
    WardKind {
        General = "general", "General";
        Surgical = "surgical", "Surgical";
        Icu = "icu", "Intensive care";
        Maternity = "maternity", "Maternity";
        Paediatrics = "paediatrics", "Paediatrics";
        Isolation = "isolation", "Isolation";
    } "Choose the kind of ward."
);

impl WardKind {
    /// The price list's key of a night in such a ward.
    pub fn price_key(self) -> String {
        format!("bed:{}", self.as_str())
    }
}

crate::coded!(
    /// Who a ward's beds are for.
    SexRestriction {
        Any = "any", "Anyone";
        Female = "female", "Women only";
        Male = "male", "Men only";
    } "Choose who the ward is for."
);

impl SexRestriction {
    /// A patient of administrative sex `sex` (`patients.sex`'s code) may lie
    /// in such a ward. A patient whose sex is unknown or other is not
    /// refused: the nurse in charge decides.
    pub fn admits(self, sex: &str) -> bool {
        match self {
            SexRestriction::Any => true,
            SexRestriction::Female => sex != "male",
            SexRestriction::Male => sex != "female",
        }
    }
}

crate::coded!(
    /// The kind of bed.
    BedType {
        Standard = "standard", "Standard";
        Icu = "icu", "Intensive care";
        Cot = "cot", "Cot";
        Bariatric = "bariatric", "Bariatric";
        Isolation = "isolation", "Isolation";
    } "Choose the kind of bed."
);

crate::coded!(
    /// Where a bed stands: free → occupied → being cleaned → free; a free
    /// or cleaned bed may be blocked (with a reason) and unblocked.
    BedStatus {
        Free = "free", "Free";
        Occupied = "occupied", "Occupied";
        Cleaning = "cleaning", "Being cleaned";
        Blocked = "blocked", "Blocked";
    } "Choose the bed's status."
);

impl BedStatus {
    /// `self` may become `to`. Occupied is reached by admitting or moving a
    /// patient in; it ends when the patient leaves (being cleaned).
    pub fn may_become(self, to: BedStatus) -> bool {
        use BedStatus::*;
        matches!(
            (self, to),
            (Free, Occupied | Blocked)
                | (Occupied, Cleaning)
                | (Cleaning, Free | Blocked)
                | (Blocked, Free)
        )
    }

    /// Refuses an illegal step with what the user may do instead.
    pub fn check(self, to: BedStatus) -> Result<(), AppError> {
        if self.may_become(to) {
            Ok(())
        } else if to == BedStatus::Occupied {
            Err(AppError::Conflict(format!(
                "This bed is {}; choose a free bed.",
                self.label().to_lowercase()
            )))
        } else {
            Err(AppError::Conflict(format!(
                "A bed that is {} cannot become {}.",
                self.label().to_lowercase(),
                to.label().to_lowercase()
            )))
        }
    }

    /// The steps a nurse takes by hand from this status (occupying and
    /// vacating are the admission's).
    pub fn manual_steps(self) -> &'static [BedStatus] {
        match self {
            BedStatus::Free => &[BedStatus::Blocked],
            BedStatus::Cleaning => &[BedStatus::Free, BedStatus::Blocked],
            BedStatus::Blocked => &[BedStatus::Free],
            BedStatus::Occupied => &[],
        }
    }

    /// The class a board colours it with (a text label always goes with it).
    pub fn css(self) -> &'static str {
        match self {
            BedStatus::Free => "bed--free",
            BedStatus::Occupied => "bed--occupied",
            BedStatus::Cleaning => "bed--cleaning",
            BedStatus::Blocked => "bed--blocked",
        }
    }
}

crate::coded!(
    /// Where an admission came from.
    AdmissionSource {
        Emergency = "emergency", "Emergency department";
        Clinic = "clinic", "Clinic visit";
        Referral = "referral", "Referral";
    } "Choose where the admission comes from."
);

crate::coded!(
    /// An admission is open until the patient leaves the hospital.
    AdmissionStatus {
        Admitted = "admitted", "Admitted";
        Discharged = "discharged", "Discharged";
        TransferredOut = "transferred_out", "Transferred to another hospital";
    } "Choose the status."
);

/// A whole number of days, 1 to 365.
fn expected_days(input: &str) -> Result<i32, String> {
    let days: i32 = input
        .trim()
        .parse()
        .map_err(|_| "Enter the expected stay in whole days, e.g. 3.".to_string())?;
    if !(1..=365).contains(&days) {
        return Err("The expected stay is 1 to 365 days.".into());
    }
    Ok(days)
}

/// A ward as the administrator types it (`id` set: a change).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WardForm {
    pub id: Option<WardId>,
    pub name: String,
    pub kind: String,
    pub sex_restriction: String,
    pub active: bool,
}

/// A checked ward.
#[derive(Debug, Clone, PartialEq)]
pub struct NewWard {
    pub name: String,
    pub kind: WardKind,
    pub sex_restriction: SexRestriction,
    pub active: bool,
}

impl WardForm {
    pub fn parse(&self) -> Result<NewWard, AppError> {
        let mut e = FieldErrors::new();
        let name = e.check(
            "name",
            crate::validate::required_text(&self.name, 100, "name", "Enter the ward's name."),
        );
        let kind = e.check("kind", WardKind::parse(&self.kind));
        let sex = e.check(
            "sex_restriction",
            SexRestriction::parse(&self.sex_restriction),
        );
        e.finish()?;
        Ok(NewWard {
            name: name.ok_or(AppError::Internal)?,
            kind: kind.ok_or(AppError::Internal)?,
            sex_restriction: sex.ok_or(AppError::Internal)?,
            active: self.active,
        })
    }
}

/// Beds added to a ward: one per label in a room ("1, 2, 3" or "A–D").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BedsForm {
    pub ward_id: Option<WardId>,
    pub room: String,
    /// Labels separated by commas or spaces.
    pub labels: String,
    pub bed_type: String,
}

/// Checked beds to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewBeds {
    pub ward_id: WardId,
    pub room: String,
    pub labels: Vec<String>,
    pub bed_type: BedType,
}

/// At most this many beds are added at once.
pub const MAX_BEDS_AT_ONCE: usize = 60;

impl BedsForm {
    pub fn parse(&self) -> Result<NewBeds, AppError> {
        let mut e = FieldErrors::new();
        let ward_id = e.check(
            "ward_id",
            self.ward_id.ok_or("Choose the ward.".to_string()),
        );
        let room = e.check(
            "room",
            crate::validate::required_text(&self.room, 40, "room", "Enter the room, e.g. 12."),
        );
        let mut labels: Vec<String> = Vec::new();
        for label in self
            .labels
            .split([',', ' ', ';'])
            .map(str::trim)
            .filter(|l| !l.is_empty())
        {
            if !labels.iter().any(|l| l == label) {
                labels.push(label.to_string());
            }
        }
        let labels = e.check(
            "labels",
            if labels.is_empty() {
                Err("Enter the beds' labels, e.g. A, B, C.".to_string())
            } else if labels.len() > MAX_BEDS_AT_ONCE {
                Err(format!("Add at most {MAX_BEDS_AT_ONCE} beds at once."))
            } else if labels.iter().any(|l| l.chars().count() > 20) {
                Err("A bed's label is at most 20 characters.".to_string())
            } else {
                Ok(labels)
            },
        );
        let bed_type = e.check("bed_type", BedType::parse(&self.bed_type));
        e.finish()?;
        Ok(NewBeds {
            ward_id: ward_id.ok_or(AppError::Internal)?,
            room: room.ok_or(AppError::Internal)?,
            labels: labels.ok_or(AppError::Internal)?,
            bed_type: bed_type.ok_or(AppError::Internal)?,
        })
    }
}

/// A nurse's change of a bed's status ("cleaned", "blocked: broken rail").
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BedStatusForm {
    pub bed_id: Option<BedId>,
    pub status: String,
    /// Required to block a bed.
    pub reason: String,
}

impl BedStatusForm {
    pub fn parse(&self) -> Result<(BedId, BedStatus, Option<String>), AppError> {
        let mut e = FieldErrors::new();
        let bed = e.check("bed_id", self.bed_id.ok_or("Choose the bed.".to_string()));
        let status = e.check("status", BedStatus::parse(&self.status));
        let reason = e.check(
            "reason",
            crate::validate::bounded_text(&self.reason, 300, "reason"),
        );
        if status == Some(BedStatus::Blocked) && reason.as_deref().is_some_and(str::is_empty) {
            e.push("reason", "Say why the bed is blocked.");
        }
        e.finish()?;
        let reason = reason.filter(|r| !r.is_empty());
        Ok((
            bed.ok_or(AppError::Internal)?,
            status.ok_or(AppError::Internal)?,
            reason,
        ))
    }
}

/// An admission as the doctor types it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AdmissionForm {
    pub patient_id: Option<PatientId>,
    pub source: String,
    /// An ICD-10-CM code.
    pub diagnosis: String,
    pub expected_days: String,
    pub bed_id: Option<BedId>,
    pub note: String,
}

/// A checked admission.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAdmission {
    pub patient_id: PatientId,
    pub source: AdmissionSource,
    pub diagnosis: String,
    pub expected_days: i32,
    pub bed_id: BedId,
    pub note: Option<String>,
}

impl AdmissionForm {
    pub fn parse(&self) -> Result<NewAdmission, AppError> {
        let mut e = FieldErrors::new();
        let patient = e.check(
            "patient_id",
            self.patient_id.ok_or("Choose the patient.".to_string()),
        );
        let source = e.check("source", AdmissionSource::parse(&self.source));
        let diagnosis = e.check(
            "diagnosis",
            if self.diagnosis.trim().is_empty() {
                Err("Enter the admitting diagnosis's ICD-10-CM code.".to_string())
            } else {
                crate::records::normalize_icd10(&self.diagnosis)
            },
        );
        let days = e.check("expected_days", expected_days(&self.expected_days));
        let bed = e.check(
            "bed_id",
            self.bed_id.ok_or("Choose a free bed.".to_string()),
        );
        let note = e.check(
            "note",
            crate::validate::bounded_text(&self.note, 1000, "note"),
        );
        e.finish()?;
        Ok(NewAdmission {
            patient_id: patient.ok_or(AppError::Internal)?,
            source: source.ok_or(AppError::Internal)?,
            diagnosis: diagnosis.ok_or(AppError::Internal)?,
            expected_days: days.ok_or(AppError::Internal)?,
            bed_id: bed.ok_or(AppError::Internal)?,
            note: note.filter(|n| !n.is_empty()),
        })
    }
}

/// A move: to another bed of this hospital, or out to another hospital.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TransferForm {
    pub admission_id: Option<AdmissionId>,
    /// The new bed; empty when the patient goes to another hospital.
    pub bed_id: Option<BedId>,
    /// The other hospital, when `bed_id` is empty.
    pub hospital: String,
    pub reason: String,
}

/// Where a checked transfer goes.
#[derive(Debug, Clone, PartialEq)]
pub enum TransferTo {
    Bed(BedId),
    Hospital(String),
}

impl TransferForm {
    pub fn parse(&self) -> Result<(AdmissionId, TransferTo, String), AppError> {
        let mut e = FieldErrors::new();
        let admission = e.check(
            "admission_id",
            self.admission_id.ok_or("Choose the admission.".to_string()),
        );
        let hospital = e.check(
            "hospital",
            crate::validate::bounded_text(&self.hospital, 200, "hospital"),
        );
        let to = match (self.bed_id, hospital) {
            (Some(bed), Some(h)) if h.is_empty() => Some(TransferTo::Bed(bed)),
            (None, Some(h)) if !h.is_empty() => Some(TransferTo::Hospital(h)),
            (Some(_), Some(_)) => {
                e.push("hospital", "Choose a bed or another hospital, not both.");
                None
            }
            (None, Some(_)) => {
                e.push("bed_id", "Choose the new bed, or name the other hospital.");
                None
            }
            (_, None) => None,
        };
        let reason = e.check(
            "reason",
            crate::validate::required_text(
                &self.reason,
                500,
                "reason",
                "Say why the patient is moved.",
            ),
        );
        e.finish()?;
        Ok((
            admission.ok_or(AppError::Internal)?,
            to.ok_or(AppError::Internal)?,
            reason.ok_or(AppError::Internal)?,
        ))
    }
}

/// A discharge as the doctor writes and signs it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DischargeForm {
    pub admission_id: Option<AdmissionId>,
    /// The diagnoses at discharge, ICD-10-CM codes separated by commas.
    pub diagnoses: String,
    pub procedures: String,
    pub follow_up: String,
    pub summary: String,
}

/// A checked discharge.
#[derive(Debug, Clone, PartialEq)]
pub struct NewDischarge {
    pub admission_id: AdmissionId,
    pub diagnoses: Vec<String>,
    pub procedures: String,
    pub follow_up: String,
    pub summary: String,
}

impl DischargeForm {
    pub fn parse(&self) -> Result<NewDischarge, AppError> {
        let mut e = FieldErrors::new();
        let admission = e.check(
            "admission_id",
            self.admission_id.ok_or("Choose the admission.".to_string()),
        );
        let mut codes = Vec::new();
        let mut bad = None;
        for raw in self
            .diagnoses
            .split([',', ';', ' '])
            .filter(|c| !c.trim().is_empty())
        {
            match crate::records::normalize_icd10(raw) {
                Ok(code) if !codes.contains(&code) => codes.push(code),
                Ok(_) => {}
                Err(m) => bad = Some(m),
            }
        }
        if let Some(m) = bad {
            e.push("diagnoses", m);
        } else if codes.is_empty() {
            e.push(
                "diagnoses",
                "Enter the diagnoses at discharge (ICD-10-CM codes).",
            );
        }
        let procedures = e.check(
            "procedures",
            crate::validate::bounded_text(&self.procedures, 2000, "procedures"),
        );
        let follow_up = e.check(
            "follow_up",
            crate::validate::required_text(
                &self.follow_up,
                2000,
                "follow-up",
                "Say what follows: an appointment, a test, none.",
            ),
        );
        let summary = e.check(
            "summary",
            crate::validate::required_text(
                &self.summary,
                8000,
                "summary",
                "Write the summary of the stay.",
            ),
        );
        e.finish()?;
        Ok(NewDischarge {
            admission_id: admission.ok_or(AppError::Internal)?,
            diagnoses: codes,
            procedures: procedures.ok_or(AppError::Internal)?,
            follow_up: follow_up.ok_or(AppError::Internal)?,
            summary: summary.ok_or(AppError::Internal)?,
        })
    }
}

/// A ward, for lists and forms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WardView {
    pub id: WardId,
    pub name: String,
    pub kind: WardKind,
    pub sex_restriction: SexRestriction,
    pub active: bool,
    pub beds: u32,
}

/// Who lies in a bed, as a board shows them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Occupant {
    pub admission_id: AdmissionId,
    pub patient_id: PatientId,
    pub name: String,
    pub mrn: String,
    pub since: DateTime<Utc>,
}

/// One bed on a board.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BedView {
    pub id: BedId,
    pub ward_id: WardId,
    pub room: String,
    pub label: String,
    pub bed_type: BedType,
    pub status: BedStatus,
    pub reason: Option<String>,
    pub occupant: Option<Occupant>,
    pub updated_at: DateTime<Utc>,
}

impl BedView {
    /// "Room 12, bed A".
    pub fn name(&self) -> String {
        format!("Room {}, bed {}", self.room, self.label)
    }
}

/// A ward's beds with the counts by status.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WardBoard {
    pub ward: WardView,
    pub beds: Vec<BedView>,
}

impl WardBoard {
    /// How many beds have `status`.
    pub fn count(&self, status: BedStatus) -> usize {
        self.beds.iter().filter(|b| b.status == status).count()
    }
}

/// The bed board: every active ward's beds (or one ward's).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BedBoard {
    pub wards: Vec<WardBoard>,
    /// Changes up to this moment are shown.
    pub as_of: DateTime<Utc>,
}

/// One bed the patient lay in: the history of where they were.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StayView {
    pub ward: String,
    pub bed: String,
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
    /// Why the patient came to this bed (a transfer's reason).
    pub reason: Option<String>,
}

/// An admission, whole.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdmissionView {
    pub id: AdmissionId,
    pub patient_id: PatientId,
    pub patient: String,
    pub mrn: String,
    pub source: AdmissionSource,
    pub status: AdmissionStatus,
    pub doctor_id: UserId,
    pub doctor: String,
    pub diagnosis: String,
    pub diagnosis_title: String,
    pub expected_days: i32,
    pub note: Option<String>,
    pub admitted_at: DateTime<Utc>,
    pub ended_at: Option<DateTime<Utc>>,
    /// The other hospital, for a transfer out.
    pub destination: Option<String>,
    pub stays: Vec<StayView>,
    pub discharge: Option<DischargeView>,
}

impl AdmissionView {
    /// The bed the patient is in now.
    pub fn current(&self) -> Option<&StayView> {
        self.stays.iter().find(|s| s.to.is_none())
    }
}

/// The signed discharge summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DischargeView {
    pub diagnoses: Vec<(String, String)>,
    pub procedures: String,
    /// The prescriptions active at discharge ("drug dose, frequency").
    pub medications: Vec<String>,
    pub follow_up: String,
    pub summary: String,
    pub signed_by: String,
    pub signed_at: DateTime<Utc>,
}

/// A patient on a ward's list (the tablet's round).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InpatientRow {
    pub admission_id: AdmissionId,
    pub patient_id: PatientId,
    pub name: String,
    pub mrn: String,
    pub bed: String,
    pub admitted_at: DateTime<Utc>,
    /// Whole days since admission, in the hospital's zone.
    pub days: i64,
    pub expected_days: i32,
    pub diagnosis: String,
    /// Active allergies' substances.
    pub allergies: Vec<String>,
    /// Open tasks: unsigned notes, results awaiting acknowledgement,
    /// prescriptions waiting at the pharmacy.
    pub tasks: Vec<String>,
}

/// Whole nights a stay from `from` to `to` (open: up to `today`) spent in
/// a bed at midnight: the nights charged, each by the date it began. A
/// patient in a bed at midnight between D and D + 1 is charged night D.
pub fn nights(from: NaiveDate, to: Option<NaiveDate>, today: NaiveDate) -> Vec<NaiveDate> {
    let end = to.unwrap_or(today);
    from.iter_days().take_while(|d| *d < end).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bed_step_is_decided() {
        use BedStatus::*;
        let legal = [
            (Free, Occupied),
            (Free, Blocked),
            (Occupied, Cleaning),
            (Cleaning, Free),
            (Cleaning, Blocked),
            (Blocked, Free),
        ];
        for from in BedStatus::ALL {
            for to in BedStatus::ALL {
                assert_eq!(
                    from.may_become(to),
                    legal.contains(&(from, to)),
                    "{from:?} → {to:?}"
                );
                assert_eq!(from.check(to).is_ok(), from.may_become(to));
            }
            for step in from.manual_steps() {
                assert!(from.may_become(*step));
                assert_ne!(*step, Occupied);
            }
        }
        assert!(
            matches!(Occupied.check(Occupied), Err(AppError::Conflict(m)) if m.contains("choose a free bed"))
        );
    }

    #[test]
    fn wards_restrict_by_sex_but_never_refuse_the_unknown() {
        assert!(SexRestriction::Female.admits("female"));
        assert!(!SexRestriction::Female.admits("male"));
        assert!(SexRestriction::Female.admits("unknown"));
        assert!(!SexRestriction::Male.admits("female"));
        assert!(SexRestriction::Any.admits("male"));
    }

    #[test]
    fn nights_are_counted_at_midnight() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(nights(d("2026-03-01"), Some(d("2026-03-01")), d("2026-03-09")).is_empty());
        assert_eq!(
            nights(d("2026-03-01"), Some(d("2026-03-03")), d("2026-03-09")),
            vec![d("2026-03-01"), d("2026-03-02")]
        );
        // Still in: every midnight passed so far.
        assert_eq!(
            nights(d("2026-03-08"), None, d("2026-03-09")),
            vec![d("2026-03-08")]
        );
        // Across the end of February of a leap year.
        assert_eq!(
            nights(d("2028-02-28"), Some(d("2028-03-01")), d("2028-03-09")).len(),
            2
        );
    }

    #[test]
    fn forms_name_each_bad_field() {
        let e = AdmissionForm {
            expected_days: "0".into(),
            diagnosis: "not a code".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        for f in [
            "patient_id",
            "source",
            "diagnosis",
            "expected_days",
            "bed_id",
        ] {
            assert!(e.field_message(f).is_some(), "{f}");
        }
        let ok = AdmissionForm {
            patient_id: Some(PatientId(uuid::Uuid::nil())),
            source: "emergency".into(),
            diagnosis: "j18.9".into(),
            expected_days: " 4 ".into(),
            bed_id: Some(BedId(uuid::Uuid::nil())),
            note: String::new(),
        }
        .parse()
        .unwrap();
        assert_eq!(ok.diagnosis, "J18.9");
        assert_eq!(ok.expected_days, 4);
        assert_eq!(ok.note, None);

        let blocked = BedStatusForm {
            bed_id: Some(BedId(uuid::Uuid::nil())),
            status: "blocked".into(),
            reason: " ".into(),
        }
        .parse()
        .unwrap_err();
        assert!(blocked.field_message("reason").is_some());

        let both = TransferForm {
            admission_id: Some(AdmissionId(uuid::Uuid::nil())),
            bed_id: Some(BedId(uuid::Uuid::nil())),
            hospital: "St. Elsewhere".into(),
            reason: "ICU".into(),
        }
        .parse()
        .unwrap_err();
        assert!(both.field_message("hospital").is_some());
        let neither = TransferForm {
            admission_id: Some(AdmissionId(uuid::Uuid::nil())),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert!(neither.field_message("bed_id").is_some());
        assert!(neither.field_message("reason").is_some());

        let beds = BedsForm {
            ward_id: Some(WardId(uuid::Uuid::nil())),
            room: "12".into(),
            labels: "A, B  C,A".into(),
            bed_type: "standard".into(),
        }
        .parse()
        .unwrap();
        assert_eq!(beds.labels, ["A", "B", "C"]);

        let discharge = DischargeForm {
            admission_id: Some(AdmissionId(uuid::Uuid::nil())),
            diagnoses: "J18.9, i10 J18.9".into(),
            follow_up: "GP in a week".into(),
            summary: "Pneumonia treated.".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(discharge.diagnoses, ["J18.9", "I10"]);
    }
}

//! The laboratory's work as the portals show it: orders and their tests,
//! the worklist, specimens and their labels, results with their flags and
//! history, and what the patient reads. The arithmetic of values and ranges
//! is `crate::lab`.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::ids::{EncounterId, LabItemId, LabOrderId, LabResultId, PatientId};
use crate::lab::{Flag, LabValue, Limits, TestKind};
use crate::validate::bounded_text;
use crate::AppError;

crate::coded!(
    /// How soon the ordering doctor needs the result.
    Priority {
        Routine = "routine", "Routine";
        Urgent = "urgent", "Urgent";
        Stat = "stat", "STAT";
    } "Choose the priority."
);

impl Priority {
    /// Hours from the order to the result: the test's usual turnaround for
    /// routine work, at most four for urgent work, one for STAT.
    pub fn due_hours(self, turnaround_hours: i32) -> i64 {
        let usual = i64::from(turnaround_hours.max(1));
        match self {
            Priority::Routine => usual,
            Priority::Urgent => usual.min(4),
            Priority::Stat => 1,
        }
    }

    /// When a test ordered at `ordered_at` is due.
    pub fn due_at(self, ordered_at: DateTime<Utc>, turnaround_hours: i32) -> DateTime<Utc> {
        ordered_at + Duration::hours(self.due_hours(turnaround_hours))
    }
}

crate::coded!(
    /// Where an ordered test stands.
    ItemStatus {
        Ordered = "ordered", "Ordered";
        Collected = "collected", "Collected";
        Resulted = "resulted", "Awaiting verification";
        Released = "released", "Released";
        Cancelled = "cancelled", "Cancelled";
    } "Choose the status."
);

impl ItemStatus {
    /// Not yet released nor cancelled: an identical order is a duplicate.
    pub fn is_pending(self) -> bool {
        matches!(
            self,
            ItemStatus::Ordered | ItemStatus::Collected | ItemStatus::Resulted
        )
    }
}

crate::coded!(
    /// Where one entered result stands.
    ResultStatus {
        /// Entered, waiting for a second person to verify it.
        Entered = "entered", "Awaiting verification";
        Released = "released", "Released";
        /// Released, then corrected: the correction `corrects` it.
        Superseded = "superseded", "Corrected";
        /// Sent back by the verifier before release.
        Rejected = "rejected", "Sent back";
    } "Choose the status."
);

crate::coded!(
    /// The worklist's stages.
    Stage {
        Collect = "collect", "To collect";
        Analyse = "analyse", "To analyse";
        Verify = "verify", "To verify";
    } "Choose the stage."
);

impl Stage {
    /// The items' status at this stage.
    pub fn status(self) -> ItemStatus {
        match self {
            Stage::Collect => ItemStatus::Ordered,
            Stage::Analyse => ItemStatus::Collected,
            Stage::Verify => ItemStatus::Resulted,
        }
    }
}

crate::coded!(
    /// A technician's shift in the laboratory.
    Shift {
        Collection = "collection", "Collection";
        Analysis = "analysis", "Analysis";
    } "Choose the shift."
);

/// A catalogue entry as the order form offers it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueEntry {
    pub code: String,
    pub name: String,
    pub kind: TestKind,
    pub panel: Option<String>,
    pub specimen: Option<String>,
    pub unit: Option<String>,
}

/// What orders a panel: the prefix of a choice naming a panel, not a test.
pub const PANEL_PREFIX: &str = "panel:";

/// The order form as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OrderForm {
    pub patient_id: Option<PatientId>,
    pub encounter_id: Option<EncounterId>,
    /// Test codes, and panels as `panel:<name>`.
    pub choices: Vec<String>,
    pub priority: String,
    pub note: String,
    /// The doctor saw that some tests are still pending and orders them
    /// again all the same.
    pub confirm_duplicates: bool,
}

/// An order as the server accepts it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrder {
    pub patient_id: PatientId,
    pub encounter_id: Option<EncounterId>,
    pub choices: Vec<String>,
    pub priority: Priority,
    pub note: Option<String>,
}

/// The longest clinical note on an order.
pub const NOTE_MAX: usize = 1000;

impl OrderForm {
    /// The form's field errors, or the order.
    pub fn parse(&self) -> Result<NewOrder, AppError> {
        let mut e = FieldErrors::new();
        let patient_id = e.check(
            "patient",
            self.patient_id
                .ok_or_else(|| "Choose the patient.".to_string()),
        );
        let mut choices: Vec<String> = Vec::new();
        for c in &self.choices {
            let c = c.trim();
            if !c.is_empty() && !choices.iter().any(|x| x == c) {
                choices.push(c.to_string());
            }
        }
        if choices.is_empty() {
            e.push("tests", "Choose at least one test or panel.");
        }
        let priority = e.check("priority", Priority::parse(&self.priority));
        let note = e.check("note", bounded_text(&self.note, NOTE_MAX, "note"));
        e.finish()?;
        let missing = || AppError::Internal;
        let note = note.ok_or_else(missing)?;
        Ok(NewOrder {
            patient_id: patient_id.ok_or_else(missing)?,
            encounter_id: self.encounter_id,
            choices,
            priority: priority.ok_or_else(missing)?,
            note: (!note.is_empty()).then_some(note),
        })
    }
}

/// One result as staff read it: its value, the limits it was judged
/// against, its flag, who entered and verified it, and its corrections.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResultView {
    pub id: LabResultId,
    pub status: ResultStatus,
    /// The value as shown, with the test's decimals; or the text result
    /// (imaging: the findings).
    pub value: String,
    pub numeric: Option<LabValue>,
    pub impression: Option<String>,
    pub unit: Option<String>,
    pub limits: Limits,
    pub flag: Option<Flag>,
    pub observed_at: DateTime<Utc>,
    pub entered_by: String,
    pub entered_at: DateTime<Utc>,
    pub verified_by: Option<String>,
    pub released_at: Option<DateTime<Utc>>,
    pub correction_reason: Option<String>,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Imaging: the images and PDFs attached to the report.
    #[serde(default)]
    pub attachments: Vec<crate::lab_visits::AttachmentView>,
}

impl ResultView {
    /// A critical result nobody has acknowledged yet.
    pub fn unacknowledged_critical(&self) -> bool {
        self.flag.is_some_and(Flag::is_critical) && self.acknowledged_at.is_none()
    }
}

/// One ordered test with where it stands and its results, newest first
/// (the current one, then those it corrected or that were sent back).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemView {
    pub id: LabItemId,
    pub order_id: LabOrderId,
    pub code: String,
    /// Which code system `code` is from (LOINC, or the hospital's own).
    pub system: crate::lab::CodeSystem,
    pub name: String,
    pub kind: TestKind,
    pub panel: Option<String>,
    pub specimen: Option<String>,
    pub unit: Option<String>,
    pub decimals: u8,
    pub status: ItemStatus,
    pub accession: Option<String>,
    pub due_at: DateTime<Utc>,
    pub results: Vec<ResultView>,
    pub cancel_reason: Option<String>,
}

impl ItemView {
    /// The result in force: released, or awaiting verification.
    pub fn current(&self) -> Option<&ResultView> {
        self.results
            .iter()
            .find(|r| matches!(r.status, ResultStatus::Entered | ResultStatus::Released))
    }

    /// Due and not yet resulted.
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        matches!(self.status, ItemStatus::Ordered | ItemStatus::Collected) && self.due_at < now
    }
}

/// An order with its tests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OrderView {
    pub id: LabOrderId,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub mrn: String,
    pub birth_date: Option<NaiveDate>,
    pub sex: String,
    pub ordered_by: String,
    pub ordered_at: DateTime<Utc>,
    pub priority: Priority,
    pub note: Option<String>,
    pub encounter_id: Option<EncounterId>,
    pub items: Vec<ItemView>,
}

/// Where the worklist goes on from: the last row's due time and id.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct WorkCursor {
    pub due_at: DateTime<Utc>,
    pub id: LabItemId,
}

/// What the worklist shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkFilter {
    pub stage: Option<Stage>,
    pub priority: Option<Priority>,
    /// Only tests ordered at least this many hours ago.
    pub older_than_hours: Option<u32>,
    pub after: Option<WorkCursor>,
}

/// One test on the worklist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkRow {
    pub item_id: LabItemId,
    pub order_id: LabOrderId,
    pub patient_name: String,
    pub mrn: String,
    pub test: String,
    pub kind: TestKind,
    pub specimen: Option<String>,
    pub priority: Priority,
    pub status: ItemStatus,
    pub ordered_at: DateTime<Utc>,
    pub due_at: DateTime<Utc>,
    pub accession: Option<String>,
}

/// A page of the worklist, with who is on shift today.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkPage {
    pub rows: Vec<WorkRow>,
    pub next: Option<WorkCursor>,
    pub now: DateTime<Utc>,
    pub on_shift: Vec<(Shift, String)>,
}

/// How many worklist rows a page holds.
pub const WORK_PAGE: u64 = 50;

/// A specimen's label: what is printed, and the Code 128 bars of its
/// accession number (`(start, width)` in modules, out of `modules`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Label {
    pub accession: String,
    pub patient_name: String,
    pub mrn: String,
    pub birth_date: Option<NaiveDate>,
    pub specimen: String,
    pub collected_at: DateTime<Utc>,
    pub tests: Vec<String>,
    pub bars: Vec<(u16, u16)>,
    pub modules: u16,
}

/// An accession number as typed or scanned: letters and digits, upper
/// case, whatever a scanner adds around it removed.
pub fn normalise_accession(input: &str) -> String {
    input
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

/// One result as the entry form sends it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ResultEntry {
    pub item_id: Option<LabItemId>,
    /// The value (numeric tests), or the findings (imaging, text tests).
    pub value: String,
    /// Imaging: the radiologist's impression.
    pub impression: String,
}

/// A correction of a released result: the new value and why.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub result_id: Option<LabResultId>,
    pub value: String,
    pub impression: String,
    pub reason: String,
}

/// A critical result waiting for the ordering doctor's acknowledgement.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CriticalAlert {
    pub result_id: LabResultId,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub mrn: String,
    pub test: String,
    pub value: String,
    pub unit: Option<String>,
    pub flag: Flag,
    pub entered_at: DateTime<Utc>,
}

/// One released result as the patient reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientResult {
    pub result_id: LabResultId,
    pub code: String,
    pub test: String,
    pub kind: TestKind,
    pub value: String,
    pub numeric: Option<LabValue>,
    pub impression: Option<String>,
    pub unit: Option<String>,
    pub range: String,
    pub limits: Limits,
    pub flag: Option<Flag>,
    /// "within the usual range", "above the usual range".
    pub plain: Option<String>,
    pub observed_at: DateTime<Utc>,
    pub corrected: bool,
    /// Imaging: the images and PDFs attached to the report.
    #[serde(default)]
    pub attachments: Vec<crate::lab_visits::AttachmentView>,
}

/// What the patient's results page shows: released results, newest first,
/// and the tests ordered and not yet resulted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MyResults {
    pub results: Vec<PatientResult>,
    pub pending: Vec<(String, DateTime<Utc>)>,
    /// Orders with samples still to take, and their booked visits.
    #[serde(default)]
    pub to_collect: Vec<crate::lab_visits::ToCollect>,
    /// The orders with released results, newest first (at most 50): their
    /// lab reports to download.
    #[serde(default)]
    pub reports: Vec<(LabOrderId, DateTime<Utc>)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_is_due_within_the_hour_and_urgent_within_four() {
        assert_eq!(Priority::Routine.due_hours(24), 24);
        assert_eq!(Priority::Urgent.due_hours(24), 4);
        assert_eq!(Priority::Urgent.due_hours(2), 2);
        assert_eq!(Priority::Stat.due_hours(72), 1);
        assert_eq!(Priority::Routine.due_hours(0), 1);
    }

    #[test]
    fn the_form_names_each_missing_field() {
        let form = OrderForm {
            note: "x".repeat(NOTE_MAX + 1),
            ..OrderForm::default()
        };
        let AppError::Validation(errors) = form.parse().unwrap_err() else {
            panic!("field errors expected");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["patient", "tests", "priority", "note"]);
    }

    #[test]
    fn choices_are_trimmed_and_deduplicated() {
        let form = OrderForm {
            patient_id: Some(PatientId::from(uuid::Uuid::nil())),
            choices: vec![
                " 2823-3 ".into(),
                "2823-3".into(),
                "panel:CBC".into(),
                "".into(),
            ],
            priority: "stat".into(),
            note: "  ".into(),
            ..OrderForm::default()
        };
        let order = form.parse().unwrap();
        assert_eq!(order.choices, ["2823-3", "panel:CBC"]);
        assert_eq!(order.priority, Priority::Stat);
        assert_eq!(order.note, None);
    }

    #[test]
    fn an_accession_number_is_read_as_scanned() {
        assert_eq!(normalise_accession(" l2612040001\r\n"), "L2612040001");
        assert_eq!(normalise_accession("L-261204-0001"), "L2612040001");
    }
}

/// One range rule of the catalogue as the administrator sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RangeView {
    pub id: uuid::Uuid,
    pub sex: Option<crate::patients::AdministrativeSex>,
    pub from_age: Option<String>,
    pub until_age: Option<String>,
    pub limits: Limits,
    pub valid_from: DateTime<Utc>,
}

/// A catalogue entry as the administrator edits it, with its ranges in force.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogueRow {
    pub code: String,
    pub name: String,
    pub kind: TestKind,
    pub specimen: Option<String>,
    pub unit: Option<String>,
    pub panel: Option<String>,
    pub turnaround_hours: i32,
    /// Its price today, from the price list (kept at `/admin/prices`).
    pub price: Option<crate::money::Money>,
    pub retired: bool,
    pub ranges: Vec<RangeView>,
}

/// The edit form of a catalogue entry.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TestEdit {
    pub name: String,
    pub turnaround_hours: String,
    pub retired: bool,
}

/// A catalogue entry's edit as the server applies it.
#[derive(Debug, Clone, PartialEq)]
pub struct TestChange {
    pub name: String,
    pub turnaround_hours: i32,
    pub retired: bool,
}

impl TestEdit {
    pub fn parse(&self) -> Result<TestChange, AppError> {
        let mut e = FieldErrors::new();
        let name = e.check(
            "name",
            crate::validate::required_text(&self.name, 160, "name", "Enter the test's name."),
        );
        let turnaround = e.check(
            "turnaround_hours",
            self.turnaround_hours
                .trim()
                .parse::<i32>()
                .ok()
                .filter(|h| (1..=2160).contains(h))
                .ok_or_else(|| "Enter the turnaround in hours, 1 to 2160.".to_string()),
        );
        e.finish()?;
        let missing = || AppError::Internal;
        Ok(TestChange {
            name: name.ok_or_else(missing)?,
            turnaround_hours: turnaround.ok_or_else(missing)?,
            retired: self.retired,
        })
    }
}

/// The form of a new range rule: a sex or both, an age band, limits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RangeForm {
    /// A sex's code, or empty for both.
    pub sex: String,
    /// `18y`, `6m`, `7d`, or empty for open.
    pub from_age: String,
    pub until_age: String,
    pub low: String,
    pub high: String,
    pub critical_low: String,
    pub critical_high: String,
}

/// A range rule as the server stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct NewRange {
    pub sex: Option<crate::patients::AdministrativeSex>,
    pub from_age: Option<crate::lab::Age>,
    pub until_age: Option<crate::lab::Age>,
    pub limits: Limits,
}

impl RangeForm {
    pub fn parse(&self) -> Result<NewRange, AppError> {
        use crate::lab::Age;
        let mut e = FieldErrors::new();
        let sex = if self.sex.trim().is_empty() {
            Some(None)
        } else {
            e.check(
                "sex",
                crate::patients::AdministrativeSex::parse(&self.sex).map(Some),
            )
        };
        let age = |e: &mut FieldErrors, field: &str, text: &str| {
            if text.trim().is_empty() {
                Some(None)
            } else {
                e.check(field, Age::parse(text).map(Some))
            }
        };
        let from_age = age(&mut e, "from_age", &self.from_age);
        let until_age = age(&mut e, "until_age", &self.until_age);
        let limit = |e: &mut FieldErrors, field: &str, text: &str| {
            if text.trim().is_empty() {
                Some(None)
            } else {
                e.check(field, LabValue::parse(text).map(Some))
            }
        };
        let low = limit(&mut e, "low", &self.low);
        let high = limit(&mut e, "high", &self.high);
        let critical_low = limit(&mut e, "critical_low", &self.critical_low);
        let critical_high = limit(&mut e, "critical_high", &self.critical_high);
        if let (Some(Some(l)), Some(Some(h))) = (low, high) {
            if l > h {
                e.push("high", "The upper limit is at least the lower one.");
            }
        }
        if let (Some(Some(c)), Some(Some(l))) = (critical_low, low) {
            if c > l {
                e.push(
                    "critical_low",
                    "The critical low limit is at most the lower limit.",
                );
            }
        }
        if let (Some(Some(c)), Some(Some(h))) = (critical_high, high) {
            if c < h {
                e.push(
                    "critical_high",
                    "The critical high limit is at least the upper limit.",
                );
            }
        }
        if let (Some(Some(from)), Some(Some(until))) = (from_age, until_age) {
            let reference = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap_or_default();
            if from.reached_on(reference) >= until.reached_on(reference) {
                e.push("until_age", "The band ends after it starts.");
            }
        }
        if [low, high, critical_low, critical_high]
            .iter()
            .all(|l| matches!(l, Some(None)))
        {
            e.push("low", "Enter at least one limit.");
        }
        e.finish()?;
        let missing = || AppError::Internal;
        Ok(NewRange {
            sex: sex.ok_or_else(missing)?,
            from_age: from_age.ok_or_else(missing)?,
            until_age: until_age.ok_or_else(missing)?,
            limits: Limits {
                low: low.ok_or_else(missing)?,
                high: high.ok_or_else(missing)?,
                critical_low: critical_low.ok_or_else(missing)?,
                critical_high: critical_high.ok_or_else(missing)?,
            },
        })
    }
}

#[cfg(test)]
mod admin_tests {
    use super::*;

    #[test]
    fn a_range_is_checked_limit_by_limit() {
        let form = RangeForm {
            from_age: "1y".into(),
            until_age: "6m".into(),
            low: "5".into(),
            high: "4".into(),
            critical_low: "6".into(),
            ..RangeForm::default()
        };
        let AppError::Validation(errors) = form.parse().unwrap_err() else {
            panic!("field errors expected");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["high", "critical_low", "until_age"]);
        let child = RangeForm {
            sex: "female".into(),
            from_age: "1y".into(),
            until_age: "18y".into(),
            low: "3.4".into(),
            high: "4.7".into(),
            critical_high: "6".into(),
            ..RangeForm::default()
        }
        .parse()
        .unwrap();
        assert_eq!(child.limits.interval_text(), "3.4–4.7");
        assert!(RangeForm::default().parse().is_err(), "no limit at all");
    }
}

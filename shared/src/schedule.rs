//! Managing the schedule: departments and specialties, doctors' profiles,
//! weekly availability templates and their exceptions, hospital holidays.
//! Forms parse here, so the browser shows the same messages the server gives.

use crate::ids::{DepartmentId, ExceptionId, TemplateBlockId, UserId};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldErrors;
use crate::validate::bounded_text;
use crate::AppError;

/// A department with its specialties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    pub id: DepartmentId,
    pub name: String,
    pub specialties: Vec<Specialty>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Specialty {
    pub id: Uuid,
    pub name: String,
}

/// The weekdays, ISO numbered (1 = Monday).
pub const WEEKDAYS: [(u8, &str); 7] = [
    (1, "Monday"),
    (2, "Tuesday"),
    (3, "Wednesday"),
    (4, "Thursday"),
    (5, "Friday"),
    (6, "Saturday"),
    (7, "Sunday"),
];

pub fn weekday_name(iso: u8) -> &'static str {
    WEEKDAYS
        .iter()
        .find(|(n, _)| *n == iso)
        .map_or("?", |(_, name)| name)
}

/// One recurring block of a doctor's week.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateBlockView {
    pub id: TemplateBlockId,
    pub weekday: u8,
    /// `HH:MM`, hospital time.
    pub start: String,
    pub end: String,
    pub slot_minutes: u32,
}

crate::coded!(
/// Leave (no slots) or one-off extra hours.
ExceptionKind {
    Unavailable = "unavailable", "Away (leave, course, half day off)";
    Extra = "extra", "Extra hours";
} "Choose away or extra hours.");

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionView {
    pub id: ExceptionId,
    pub kind: ExceptionKind,
    /// `YYYY-MM-DDTHH:MM`, hospital time.
    pub starts: String,
    pub ends: String,
    pub slot_minutes: Option<u32>,
    pub reason: Option<String>,
}

/// A doctor's availability as the editor shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AvailabilityView {
    pub doctor_id: UserId,
    pub doctor_name: String,
    pub templates: Vec<TemplateBlockView>,
    /// From today on, soonest first.
    pub exceptions: Vec<ExceptionView>,
    /// The hospital's time zone, which every time here is in.
    pub timezone: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holiday {
    pub day: NaiveDate,
    pub name: String,
}

/// A doctor's profile for the directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileForm {
    /// A department id, or `""`.
    pub department_id: String,
    pub specialty_id: String,
    pub languages: String,
    pub contact_phone: String,
}

fn parse_time(s: &str) -> Result<NaiveTime, String> {
    NaiveTime::parse_from_str(s.trim(), "%H:%M")
        .map_err(|_| "Enter a time as HH:MM, e.g. 09:00.".to_string())
}

fn parse_local(s: &str) -> Result<NaiveDateTime, String> {
    NaiveDateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M")
        .map_err(|_| "Enter a date and time, e.g. 2026-12-24T08:00.".to_string())
}

fn parse_slot(s: &str) -> Result<u32, String> {
    s.trim()
        .parse::<u32>()
        .ok()
        .filter(|m| (5..=240).contains(m))
        .ok_or_else(|| "Slot length: between 5 and 240 minutes.".to_string())
}

/// A new block of the weekly template, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateForm {
    pub weekday: String,
    pub start: String,
    pub end: String,
    pub slot_minutes: String,
}

impl Default for TemplateForm {
    fn default() -> Self {
        Self {
            weekday: "1".into(),
            start: "09:00".into(),
            end: "12:00".into(),
            slot_minutes: "20".into(),
        }
    }
}

/// A template block that passed every rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TemplateBlock {
    pub weekday: u8,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub slot_minutes: u32,
}

impl TemplateForm {
    pub fn parse(&self) -> Result<TemplateBlock, AppError> {
        let mut errors = FieldErrors::new();
        let weekday = errors.check(
            "weekday",
            self.weekday
                .parse::<u8>()
                .ok()
                .filter(|d| (1..=7).contains(d))
                .ok_or_else(|| "Choose a weekday.".to_string()),
        );
        let start = errors.check("start", parse_time(&self.start));
        let end = errors.check("end", parse_time(&self.end));
        let slot_minutes = errors.check("slot_minutes", parse_slot(&self.slot_minutes));
        if let (Some(s), Some(e)) = (start, end) {
            if e <= s {
                errors.push("end", "The block must end after it starts.");
            } else if let Some(m) = slot_minutes {
                if (e - s).num_minutes() < i64::from(m) {
                    errors.push("slot_minutes", "The block is shorter than one slot.");
                }
            }
        }
        errors.finish()?;
        match (weekday, start, end, slot_minutes) {
            (Some(weekday), Some(start), Some(end), Some(slot_minutes)) => Ok(TemplateBlock {
                weekday,
                start,
                end,
                slot_minutes,
            }),
            _ => Err(AppError::Internal),
        }
    }
}

impl TemplateBlock {
    /// Its start and end as stored, `HH:MM`.
    pub fn stored_times(&self) -> (String, String) {
        (
            self.start.format("%H:%M").to_string(),
            self.end.format("%H:%M").to_string(),
        )
    }

    /// Refuses the block, on its start field, when it overlaps one of
    /// `same_day` (stored `HH:MM` pairs of the same weekday, which order
    /// like the times they name).
    pub fn check_no_overlap<'a>(
        &self,
        same_day: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<(), AppError> {
        let (start, end) = self.stored_times();
        match same_day
            .into_iter()
            .find(|(s, e)| start.as_str() < *e && *s < end.as_str())
        {
            Some((s, e)) => Err(AppError::field(
                "start",
                format!("This overlaps the hours {s}–{e} of that day."),
            )),
            None => Ok(()),
        }
    }
}

/// Leave or extra hours, as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExceptionForm {
    pub kind: String,
    pub starts: String,
    pub ends: String,
    /// Extra hours only.
    pub slot_minutes: String,
    pub reason: String,
}

impl Default for ExceptionForm {
    fn default() -> Self {
        Self {
            kind: "unavailable".into(),
            starts: String::new(),
            ends: String::new(),
            slot_minutes: "20".into(),
            reason: String::new(),
        }
    }
}

/// An exception that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedException {
    pub kind: ExceptionKind,
    pub starts: NaiveDateTime,
    pub ends: NaiveDateTime,
    pub slot_minutes: Option<u32>,
    pub reason: Option<String>,
}

impl ExceptionForm {
    pub fn parse(&self) -> Result<ParsedException, AppError> {
        let mut errors = FieldErrors::new();
        let kind = errors.check("kind", ExceptionKind::parse(&self.kind));
        let starts = errors.check("starts", parse_local(&self.starts));
        let ends = errors.check("ends", parse_local(&self.ends));
        let slot_minutes = match kind {
            Some(ExceptionKind::Extra) => {
                errors.check("slot_minutes", parse_slot(&self.slot_minutes))
            }
            _ => None,
        };
        let reason = errors.check("reason", bounded_text(&self.reason, 200, "reason"));
        if let (Some(s), Some(e)) = (starts, ends) {
            if e <= s {
                errors.push("ends", "The end must be after the start.");
            } else if kind == Some(ExceptionKind::Extra) && s.date() != e.date() {
                errors.push("ends", "Extra hours start and end on the same day.");
            } else if (e - s).num_days() > 366 {
                errors.push("ends", "At most a year at a time.");
            }
        }
        errors.finish()?;
        match (kind, starts, ends) {
            (Some(kind), Some(starts), Some(ends)) => Ok(ParsedException {
                kind,
                starts,
                ends,
                slot_minutes,
                reason: reason.filter(|r| !r.is_empty()),
            }),
            _ => Err(AppError::Internal),
        }
    }
}

/// A hospital holiday, as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HolidayForm {
    pub day: String,
    pub name: String,
}

impl HolidayForm {
    pub fn parse(&self) -> Result<Holiday, AppError> {
        let mut errors = FieldErrors::new();
        let day = errors.check(
            "day",
            NaiveDate::parse_from_str(self.day.trim(), "%Y-%m-%d")
                .map_err(|_| "Enter the date as YYYY-MM-DD.".to_string()),
        );
        let name = errors.check(
            "name",
            bounded_text(&self.name, 100, "name").and_then(|n| {
                if n.is_empty() {
                    Err("Name the holiday.".into())
                } else {
                    Ok(n)
                }
            }),
        );
        errors.finish()?;
        match (day, name) {
            (Some(day), Some(name)) => Ok(Holiday { day, name }),
            _ => Err(AppError::Internal),
        }
    }
}

/// Whether two blocks on the same weekday overlap.
pub fn blocks_overlap(a: (NaiveTime, NaiveTime), b: (NaiveTime, NaiveTime)) -> bool {
    a.0 < b.1 && b.0 < a.1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_forms_explain_what_is_wrong() {
        let ok = TemplateForm::default().parse().unwrap();
        assert_eq!(ok.slot_minutes, 20);
        let bad = TemplateForm {
            weekday: "8".into(),
            start: "9".into(),
            end: "08:00".into(),
            slot_minutes: "0".into(),
        }
        .parse()
        .unwrap_err();
        for f in ["weekday", "start", "slot_minutes"] {
            assert!(bad.field_message(f).is_some(), "{f}: {bad:?}");
        }
        let backwards = TemplateForm {
            start: "12:00".into(),
            end: "09:00".into(),
            ..TemplateForm::default()
        }
        .parse()
        .unwrap_err();
        assert!(backwards.field_message("end").is_some());
    }

    #[test]
    fn exceptions_and_holidays_parse() {
        let extra = ExceptionForm {
            kind: "extra".into(),
            starts: "2026-12-05T09:00".into(),
            ends: "2026-12-06T12:00".into(),
            ..ExceptionForm::default()
        }
        .parse()
        .unwrap_err();
        assert!(extra.field_message("ends").unwrap().contains("same day"));
        let away = ExceptionForm {
            starts: "2026-12-21T00:00".into(),
            ends: "2027-01-02T00:00".into(),
            reason: "Winter leave".into(),
            ..ExceptionForm::default()
        }
        .parse()
        .unwrap();
        assert_eq!(away.kind, ExceptionKind::Unavailable);
        assert_eq!(away.slot_minutes, None);
        assert!(HolidayForm {
            day: "2026-12-25".into(),
            name: "".into()
        }
        .parse()
        .unwrap_err()
        .field_message("name")
        .is_some());
    }
}

//! Appointments as the UI sees them: free slots and the outcome of a booking.

use crate::ids::{AppointmentId, PatientId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A bookable time with one doctor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FreeSlot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The most days one free-slot search covers.
pub const MAX_SLOT_DAYS: u32 = 31;

/// The last day of a free-slot search of `days` days from `from`, or the
/// message on `days` when it is not 1 to [`MAX_SLOT_DAYS`].
pub fn slot_search_end(
    from: chrono::NaiveDate,
    days: u32,
) -> Result<chrono::NaiveDate, crate::AppError> {
    if !(1..=MAX_SLOT_DAYS).contains(&days) {
        return Err(crate::AppError::field(
            "days",
            format!("Search between 1 and {MAX_SLOT_DAYS} days."),
        ));
    }
    Ok(from + chrono::Duration::days(i64::from(days) - 1))
}

/// Why the database refused to book or move an appointment. The UI tells
/// them apart (a taken slot offers other slots; a busy patient does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(rename_all = "snake_case")]
pub enum BookingConflict {
    /// The doctor has another appointment then (someone booked it first).
    #[error("This slot was just taken. Please choose another time.")]
    SlotTaken,
    /// The patient has another appointment then, with any doctor.
    #[error("The patient already has an appointment at this time.")]
    PatientAlreadyBooked,
}

/// What a booking answers: the appointment, or, when someone else took the
/// slot a moment earlier, the next free slots to choose from instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BookingOutcome {
    Booked {
        id: AppointmentId,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    SlotTaken {
        message: String,
        alternatives: Vec<FreeSlot>,
    },
}

crate::coded!(
/// Where an appointment stands.
AppointmentStatus {
    Booked = "booked", "Booked";
    CheckedIn = "checked_in", "Checked in";
    InProgress = "in_progress", "In progress";
    Completed = "completed", "Completed";
    NoShow = "no_show", "No-show";
    Cancelled = "cancelled", "Cancelled";
} "Choose the status.");

impl AppointmentStatus {
    /// Whether attendance may move from `self` to `next` (cancelling has its own path).
    pub fn can_become(self, next: AppointmentStatus) -> bool {
        use AppointmentStatus::*;
        matches!(
            (self, next),
            (Booked, CheckedIn)
                | (Booked, NoShow)
                | (CheckedIn, InProgress)
                | (CheckedIn, NoShow)
                | (InProgress, Completed)
        )
    }
}

/// One appointment in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub id: AppointmentId,
    pub patient_id: PatientId,
    pub patient_name: String,
    /// As displayed, `40213975-3`.
    pub patient_mrn: String,
    pub doctor_id: UserId,
    pub doctor_name: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// Start in the hospital's time zone, "Mon 23 Nov 2026, 09:20".
    pub when: String,
    /// "09:20–09:40", hospital time.
    pub time: String,
    pub status: AppointmentStatus,
    pub reason: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attendance_moves_forward_only() {
        use AppointmentStatus::*;
        assert!(Booked.can_become(CheckedIn));
        assert!(CheckedIn.can_become(InProgress));
        assert!(InProgress.can_become(Completed));
        assert!(Booked.can_become(NoShow));
        assert!(!Completed.can_become(Booked));
        assert!(!Cancelled.can_become(CheckedIn));
        assert!(!Booked.can_become(Completed));
        for s in AppointmentStatus::ALL {
            assert_eq!(AppointmentStatus::parse(s.as_str()), Ok(s));
        }
    }
}

/// A doctor in the directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorCard {
    pub id: UserId,
    pub name: String,
    /// For the avatar: "AY" for Amina Yusuf ("Dr" is skipped).
    pub initials: String,
    pub department: Option<String>,
    pub specialty: Option<String>,
    pub languages: Option<String>,
    /// Staff only; `None` for patients.
    pub contact_phone: Option<String>,
}

/// The initials of a name, skipping titles: "Dr Amina Yusuf" → "AY".
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter(|w| {
            !matches!(
                w.trim_end_matches('.').to_lowercase().as_str(),
                "dr" | "prof" | "mr" | "mrs" | "ms"
            )
        })
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .take(2)
        .collect()
}

#[cfg(test)]
mod directory_tests {
    use super::*;

    #[test]
    fn initials_skip_titles() {
        assert_eq!(initials("Dr Amina Yusuf"), "AY");
        assert_eq!(initials("Prof. Ines de Duarte"), "ID");
        assert_eq!(initials("samuel"), "S");
    }
}

/// A free slot offered to choose, with its doctor (for "first available")
/// and its time as the hospital states it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotChoice {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The local day, hospital time.
    pub date: chrono::NaiveDate,
    /// "09:20", hospital time.
    pub time: String,
    pub doctor_id: UserId,
    pub doctor_name: String,
}

/// The free slots of one local day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DayChoices {
    pub date: chrono::NaiveDate,
    /// "Mon 23 Nov".
    pub label: String,
    pub slots: Vec<SlotChoice>,
}

/// The most days one choice search covers.
pub const MAX_CHOICE_DAYS: u32 = 14;

/// One doctor's day in the overview calendar.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoctorDay {
    pub doctor_id: UserId,
    pub doctor_name: String,
    pub appointments: Vec<AppointmentView>,
    /// Minutes of consultation time the schedule offers.
    pub capacity_minutes: i64,
    /// Minutes booked (not cancelled) within it.
    pub booked_minutes: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverviewDay {
    pub date: chrono::NaiveDate,
    pub label: String,
    pub doctors: Vec<DoctorDay>,
}

/// The administrators' calendar: days × doctors, with utilisation and no-shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Overview {
    pub days: Vec<OverviewDay>,
    pub appointments: usize,
    /// Booked minutes over offered minutes, in percent (`None`: nothing offered).
    pub utilisation_percent: Option<u32>,
    /// No-shows over appointments that were due (attended or not), in percent.
    pub no_show_percent: Option<u32>,
    pub no_shows: usize,
    pub timezone: String,
}

/// Percent, rounded, of `part` in `whole` (`None` when `whole` is zero).
pub fn percent(part: i64, whole: i64) -> Option<u32> {
    (whole > 0).then(|| u32::try_from((part * 100 + whole / 2) / whole).unwrap_or(0))
}

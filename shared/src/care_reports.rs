//! The administrator's reports on beds and the emergency department:
//! occupancy by ward and day, admissions and discharges per day, the
//! average length of stay, and the emergency department's waits by triage
//! level. Each is also a CSV download.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::emergency::EsiLevel;

/// One ward's beds occupied at each midnight of the report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WardOccupancy {
    pub ward: String,
    /// The ward's beds now (blocked ones included).
    pub beds: u32,
    /// Patients in one of its beds at the midnight that ends each day.
    pub occupied: Vec<u32>,
}

impl WardOccupancy {
    /// Occupied as a share of the beds, in per cent (`None`: no beds).
    pub fn percent(&self, day: usize) -> Option<f64> {
        let n = *self.occupied.get(day)?;
        (self.beds > 0).then(|| f64::from(n) * 100.0 / f64::from(self.beds))
    }

    /// The mean of the days' occupancy, in per cent.
    pub fn mean_percent(&self) -> Option<f64> {
        if self.beds == 0 || self.occupied.is_empty() {
            return None;
        }
        let sum: u32 = self.occupied.iter().sum();
        Some(f64::from(sum) * 100.0 / (f64::from(self.beds) * self.occupied.len() as f64))
    }
}

/// The emergency department's waits of one triage level (`None`: visits
/// that ended before anyone triaged them).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LevelWaits {
    pub level: Option<EsiLevel>,
    /// Visits that arrived in the report's days.
    pub visits: u32,
    /// Of them, seen by a clinician.
    pub seen: u32,
    /// Minutes from arrival to a clinician, of those seen.
    pub median_minutes: Option<i64>,
    pub p90_minutes: Option<i64>,
    /// Visits that waited longer than the level's target (those never seen
    /// too, until they left or until now).
    pub over_target: u32,
}

impl LevelWaits {
    /// The level's target, in minutes.
    pub fn target_minutes(&self) -> i64 {
        crate::emergency::target_minutes(self.level)
    }

    pub fn label(&self) -> &'static str {
        self.level.map(EsiLevel::label).unwrap_or("Never triaged")
    }
}

/// Beds and the emergency department over the report's days.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareReport {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Every day of the report, in order.
    pub days: Vec<NaiveDate>,
    pub wards: Vec<WardOccupancy>,
    /// Admissions on each day.
    pub admissions: Vec<u32>,
    /// Discharges and transfers out on each day.
    pub discharges: Vec<u32>,
    /// Admissions that ended in the report's days, and their mean length.
    pub stays_ended: u32,
    pub average_stay_days: Option<f64>,
    /// By level, 1 to 5, then those never triaged.
    pub ed: Vec<LevelWaits>,
    /// Visits that ended with the patient leaving before being seen.
    pub ed_left_unseen: u32,
}

impl CareReport {
    /// Every ward's patients in a bed at each midnight, together.
    pub fn occupied(&self) -> Vec<u32> {
        (0..self.days.len())
            .map(|i| self.wards.iter().map(|w| w.occupied[i]).sum())
            .collect()
    }
}

/// The CSV downloads of the care report: `occupancy`, `movements`
/// (admissions and discharges per day) or `ed_waits`.
pub fn care_csv_path(kind: &str, from: NaiveDate, to: NaiveDate) -> String {
    format!("/api/reports/{kind}.csv?from={from}&to={to}")
}

/// The value at `p` (0 to 1) of sorted values, by the nearest rank.
pub fn percentile(sorted: &[i64], p: f64) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len() as f64).ceil().max(1.0) as usize;
    sorted.get(rank.min(sorted.len()) - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_by_nearest_rank() {
        assert_eq!(percentile(&[], 0.5), None);
        assert_eq!(percentile(&[7], 0.9), Some(7));
        let waits: Vec<i64> = (1..=10).collect();
        assert_eq!(percentile(&waits, 0.5), Some(5));
        assert_eq!(percentile(&waits, 0.9), Some(9));
        assert_eq!(percentile(&waits, 1.0), Some(10));
    }

    #[test]
    fn occupancy_in_per_cent() {
        let w = WardOccupancy {
            ward: "ICU".into(),
            beds: 4,
            occupied: vec![1, 2, 4],
        };
        assert_eq!(w.percent(0), Some(25.0));
        assert_eq!(w.percent(2), Some(100.0));
        assert_eq!(w.percent(3), None);
        assert!((w.mean_percent().unwrap() - 58.333).abs() < 0.01);
        let empty = WardOccupancy { beds: 0, ..w };
        assert_eq!(empty.percent(0), None);
    }
}

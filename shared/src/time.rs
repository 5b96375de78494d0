//! The hospital's wall clock, as forms read times. Times are stored in UTC
//! and shown in the hospital's time zone; a time typed into a form is the
//! hospital's wall-clock time, which the server turns into UTC with the
//! zone's rules (daylight saving included).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};

/// Now, and how the hospital's wall-clock times map to instants.
pub trait HospitalTime {
    fn now(&self) -> DateTime<Utc>;
    /// The instant of a wall-clock time at the hospital; `None` for a time
    /// the clocks skip (the hour lost when daylight saving starts).
    fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>>;
    /// Today's date at the hospital.
    fn today(&self) -> NaiveDate;

    /// The first instant of `day` at the hospital: its midnight, or, where
    /// the clocks skip midnight (daylight saving in some zones), the first
    /// wall-clock minute that exists.
    fn start_of_day(&self, day: NaiveDate) -> DateTime<Utc> {
        (0..24 * 60)
            .find_map(|minute| {
                let local = day.and_hms_opt(minute / 60, minute % 60, 0)?;
                self.to_utc(local)
            })
            .unwrap_or_else(|| day.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc())
    }
}

/// A hospital that keeps UTC (and tests): wall-clock time is UTC.
#[derive(Debug, Clone, Copy)]
pub struct UtcHospital(pub DateTime<Utc>);

impl HospitalTime for UtcHospital {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
    fn to_utc(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        Some(local.and_utc())
    }
    fn today(&self) -> NaiveDate {
        self.0.date_naive()
    }
}

/// A `datetime-local` value (`2026-12-03T09:30`, seconds optional) as the
/// instant it names at the hospital.
pub fn parse_wall_time(
    input: &str,
    at: &impl HospitalTime,
    what: &str,
) -> Result<DateTime<Utc>, String> {
    let local = NaiveDateTime::parse_from_str(input.trim(), "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(input.trim(), "%Y-%m-%dT%H:%M:%S"))
        .map_err(|_| format!("Enter the {what} as a date and time."))?;
    at.to_utc(local)
        .ok_or_else(|| "This time does not exist here (the clocks move forward then).".into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn wall_times_parse_with_the_hospitals_rules() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 9, 0, 0).unwrap();
        let at = UtcHospital(now);
        assert_eq!(
            parse_wall_time("2026-12-03T08:15", &at, "time"),
            Ok(Utc.with_ymd_and_hms(2026, 12, 3, 8, 15, 0).unwrap())
        );
        assert!(parse_wall_time("yesterday", &at, "start time")
            .unwrap_err()
            .contains("start time"));
    }
}

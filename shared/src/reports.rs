//! The administrator's financial reports: revenue by period and by
//! department, doctor or payer; outstanding balances by age; claims'
//! approval and denial rates. Each is also a CSV download.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::insurance::AgingBucket;
use crate::money::{Currency, Rate};
use crate::AppError;

crate::coded!(
    /// The span of one column of the revenue report.
    Period {
        Day = "day", "Day";
        Week = "week", "Week (from Monday)";
        Month = "month", "Month";
    } "Choose the period."
);

crate::coded!(
    /// What the revenue report breaks each period down by.
    Breakdown {
        Department = "department", "Department";
        Doctor = "doctor", "Doctor";
        Payer = "payer", "Payer";
    } "Choose what to break the revenue down by."
);

impl Period {
    /// The first day of the period `day` is in.
    pub fn start(self, day: NaiveDate) -> NaiveDate {
        match self {
            Period::Day => day,
            Period::Week => day - Duration::days(day.weekday().num_days_from_monday() as i64),
            Period::Month => day.with_day(1).unwrap_or(day),
        }
    }

    /// How the period starting on `start` is named in the report.
    pub fn name_of(self, start: NaiveDate) -> String {
        match self {
            Period::Day => start.format("%Y-%m-%d").to_string(),
            Period::Week => format!("Week of {}", start.format("%Y-%m-%d")),
            Period::Month => start.format("%Y-%m").to_string(),
        }
    }
}

/// The most days one revenue report covers (three years).
pub const MAX_REPORT_DAYS: i64 = 3 * 366;

/// A revenue report as asked for: service days `from` to `to` (both
/// included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevenueQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub period: Period,
    pub by: Breakdown,
}

impl RevenueQuery {
    /// Refuses a span that ends before it starts or is too long to show.
    pub fn check(&self) -> Result<(), AppError> {
        let mut e = FieldErrors::new();
        if self.to < self.from {
            e.push("to", "The last day is before the first.");
        } else if (self.to - self.from).num_days() >= MAX_REPORT_DAYS {
            e.push("to", "A report covers at most three years.");
        } else if self.period == Period::Day && (self.to - self.from).num_days() >= 366 {
            e.push(
                "period",
                "By day, a report covers at most a year: choose weeks or months.",
            );
        }
        e.finish()
    }

    /// The report's CSV download.
    pub fn csv_path(&self) -> String {
        format!(
            "/api/reports/revenue.csv?{}",
            serde_urlencoded::to_string(self).unwrap_or_default()
        )
    }
}

/// The revenue report's form, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RevenueForm {
    pub from: String,
    pub to: String,
    pub period: String,
    pub by: String,
}

impl RevenueForm {
    pub fn parse(&self) -> Result<RevenueQuery, AppError> {
        let mut e = FieldErrors::new();
        let days = DaysForm {
            from: self.from.clone(),
            to: self.to.clone(),
        }
        .parse();
        let period = e.check("period", Period::parse(&self.period));
        let by = e.check("by", Breakdown::parse(&self.by));
        let (from, to) = match days {
            Ok(days) => Some(days),
            Err(AppError::Validation(errors)) => {
                for f in errors {
                    e.push(&f.field, f.message);
                }
                None
            }
            Err(other) => return Err(other),
        }
        .unzip();
        e.finish()?;
        let query = RevenueQuery {
            from: from.ok_or(AppError::Internal)?,
            to: to.ok_or(AppError::Internal)?,
            period: period.ok_or(AppError::Internal)?,
            by: by.ok_or(AppError::Internal)?,
        };
        query.check()?;
        Ok(query)
    }
}

/// One department, doctor or payer in the revenue report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevenueSeries {
    pub name: String,
    /// Per period, in the order of [`RevenueReport::periods`].
    pub amounts: Vec<i64>,
    pub total: i64,
}

/// Revenue billed (issued invoices less credit notes) by service day.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RevenueReport {
    pub query: RevenueQuery,
    pub currency: Currency,
    /// The first day of each period with revenue, in order.
    pub periods: Vec<NaiveDate>,
    /// Largest total first.
    pub series: Vec<RevenueSeries>,
    /// Per period.
    pub totals: Vec<i64>,
    pub total: i64,
}

impl RevenueReport {
    /// Sums `(day, name, amount)` rows into periods and series.
    pub fn of(
        query: RevenueQuery,
        currency: Currency,
        rows: impl IntoIterator<Item = (NaiveDate, String, i64)>,
    ) -> RevenueReport {
        use std::collections::{BTreeMap, BTreeSet, HashMap};
        let mut cells: HashMap<(NaiveDate, String), i64> = HashMap::new();
        let mut periods = BTreeSet::new();
        let mut names = BTreeMap::<String, i64>::new();
        for (day, name, amount) in rows {
            let start = query.period.start(day);
            periods.insert(start);
            *names.entry(name.clone()).or_default() += amount;
            *cells.entry((start, name)).or_default() += amount;
        }
        let periods: Vec<NaiveDate> = periods.into_iter().collect();
        let mut series: Vec<RevenueSeries> = names
            .into_iter()
            .map(|(name, total)| RevenueSeries {
                amounts: periods
                    .iter()
                    .map(|p| cells.get(&(*p, name.clone())).copied().unwrap_or(0))
                    .collect(),
                name,
                total,
            })
            .collect();
        series.sort_by(|a, b| b.total.cmp(&a.total).then_with(|| a.name.cmp(&b.name)));
        let totals: Vec<i64> = (0..periods.len())
            .map(|i| series.iter().map(|s| s.amounts[i]).sum())
            .collect();
        RevenueReport {
            query,
            currency,
            total: totals.iter().sum(),
            periods,
            series,
            totals,
        }
    }
}

/// What is owed in one age bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgingRow {
    pub bucket: AgingBucket,
    /// Issued invoices with a balance the patient owes, by days since issue.
    pub invoices: u64,
    pub patients_owe: i64,
    /// Claims awaiting the insurer's money, by days since submission.
    pub claims: u64,
    pub insurers_owe: i64,
}

/// Outstanding balances by age, on `on`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgingReport {
    pub on: NaiveDate,
    pub currency: Currency,
    pub rows: Vec<AgingRow>,
}

/// One payer's decided claims.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRateRow {
    pub payer: String,
    pub decided: u64,
    /// Approved in full.
    pub approved: u64,
    pub partly_approved: u64,
    pub denied: u64,
    pub claimed: i64,
    pub granted: i64,
}

impl ClaimRateRow {
    /// `part` of the decided claims.
    pub fn rate(&self, part: u64) -> Rate {
        if self.decided == 0 {
            Rate::ZERO
        } else {
            Rate(((part as u128 * 10_000 + self.decided as u128 / 2) / self.decided as u128) as u32)
        }
    }
}

/// Claims decided from `from` to `to`, by payer, with all payers last.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClaimRates {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub currency: Currency,
    pub rows: Vec<ClaimRateRow>,
    pub all: ClaimRateRow,
}

/// A span of days as typed (the claims report's).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DaysForm {
    pub from: String,
    pub to: String,
}

impl DaysForm {
    /// The first and last day, in order, at most three years apart.
    pub fn parse(&self) -> Result<(NaiveDate, NaiveDate), AppError> {
        let mut e = FieldErrors::new();
        let day = |text: &str, what: &str| {
            NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
                .map_err(|_| format!("Enter the {what} day as a date."))
        };
        let from = e.check("from", day(&self.from, "first"));
        let to = e.check("to", day(&self.to, "last"));
        if let (Some(f), Some(t)) = (from, to) {
            if t < f {
                e.push("to", "The last day is before the first.");
            } else if (t - f).num_days() >= MAX_REPORT_DAYS {
                e.push("to", "A report covers at most three years.");
            }
        }
        e.finish()?;
        Ok((
            from.ok_or(AppError::Internal)?,
            to.ok_or(AppError::Internal)?,
        ))
    }
}

/// The aging report's and the claims report's CSV downloads.
pub fn aging_csv_path() -> String {
    "/api/reports/aging.csv".into()
}

pub fn claims_csv_path(from: NaiveDate, to: NaiveDate) -> String {
    format!("/api/reports/claims.csv?from={from}&to={to}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn periods_start_on_the_first_day() {
        // 2026-12-03 is a Thursday.
        assert_eq!(Period::Week.start(d("2026-12-03")), d("2026-11-30"));
        assert_eq!(Period::Week.start(d("2026-11-30")), d("2026-11-30"));
        assert_eq!(Period::Month.start(d("2026-12-31")), d("2026-12-01"));
        assert_eq!(Period::Day.start(d("2026-12-31")), d("2026-12-31"));
    }

    #[test]
    fn the_report_sums_into_periods_and_series() {
        let q = RevenueQuery {
            from: d("2026-11-01"),
            to: d("2026-12-31"),
            period: Period::Month,
            by: Breakdown::Department,
        };
        let eur = Currency::parse("EUR").unwrap();
        let r = RevenueReport::of(
            q,
            eur,
            [
                (d("2026-11-03"), "Cardiology".into(), 1_000),
                (d("2026-11-20"), "Cardiology".into(), 500),
                (d("2026-12-01"), "Кардиология".into(), 2_000),
                (d("2026-12-02"), "Cardiology".into(), -200),
            ],
        );
        assert_eq!(r.periods, [d("2026-11-01"), d("2026-12-01")]);
        assert_eq!(r.series[0].name, "Кардиология");
        assert_eq!(r.series[0].amounts, [0, 2_000]);
        assert_eq!(r.series[1].amounts, [1_500, -200]);
        assert_eq!(r.totals, [1_500, 1_800]);
        assert_eq!(r.total, 3_300);
    }

    #[test]
    fn a_report_form_is_checked() {
        let form = RevenueForm {
            from: "2026-12-31".into(),
            to: "2026-01-01".into(),
            period: "month".into(),
            by: "payer".into(),
        };
        assert!(form.parse().unwrap_err().field_message("to").is_some());
        let by_day = RevenueForm {
            from: "2025-01-01".into(),
            to: "2026-06-30".into(),
            period: "day".into(),
            by: "doctor".into(),
        };
        assert!(by_day
            .parse()
            .unwrap_err()
            .field_message("period")
            .is_some());
        let e = RevenueForm::default().parse().unwrap_err();
        for f in ["from", "to", "period", "by"] {
            assert!(e.field_message(f).is_some(), "{f}");
        }
        let ok = RevenueForm {
            period: "week".into(),
            ..by_day
        };
        let q = ok.parse().unwrap();
        assert_eq!(
            q.csv_path(),
            "/api/reports/revenue.csv?from=2025-01-01&to=2026-06-30&period=week&by=doctor"
        );
    }

    #[test]
    fn rates_round_to_hundredths_of_a_percent() {
        let row = ClaimRateRow {
            payer: "x".into(),
            decided: 3,
            approved: 1,
            partly_approved: 1,
            denied: 1,
            claimed: 0,
            granted: 0,
        };
        assert_eq!(row.rate(1), Rate(3_333));
        assert_eq!(row.rate(2), Rate(6_667));
    }
}

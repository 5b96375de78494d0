//! The laboratory's arithmetic, the same in the browser and on the server:
//! measured values as exact decimals, reference ranges by sex and age band,
//! and the flag a numeric result gets against the range that applies to the
//! patient on the collection date.
//!
//! Values are kept in millionths ([`LabValue`]) from the typed text on, with
//! no binary floating point between: a potassium of 3.5 against a range
//! starting at 3.5 compares equal, as the laboratory means it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::patients::AdministrativeSex;

/// Millionths in one unit.
const SCALE: i64 = 1_000_000;

/// A measured value or a limit, as an exact decimal with at most six
/// decimals (`12.345` is `LabValue(12_345_000)`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct LabValue(pub i64);

impl LabValue {
    /// A decimal as typed: an optional sign, digits of any script, a
    /// decimal point or comma (Arabic decimal separator too), at most six
    /// decimals and 12 whole digits.
    pub fn parse(input: &str) -> Result<LabValue, String> {
        let s: String = input
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace())
            .map(|c| match c {
                ',' | '٫' => '.',
                '−' => '-',
                c => crate::validate::canonical_char(c).unwrap_or(c),
            })
            .collect();
        if s.is_empty() {
            return Err("Enter the value.".into());
        }
        let (negative, digits) = match s.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, s.strip_prefix('+').unwrap_or(&s)),
        };
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        let bad = || "Enter a number, e.g. 4.2.".to_string();
        if whole.is_empty() && frac.is_empty()
            || !whole.chars().all(|c| c.is_ascii_digit())
            || !frac.chars().all(|c| c.is_ascii_digit())
        {
            return Err(bad());
        }
        if frac.len() > 6 {
            return Err("A value has at most six decimals.".into());
        }
        if whole.trim_start_matches('0').len() > 12 {
            return Err("This value is too large.".into());
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| bad())?
        };
        let frac: i64 = format!("{frac:0<6}").parse().map_err(|_| bad())?;
        let value = whole * SCALE + frac;
        Ok(LabValue(if negative { -value } else { value }))
    }

    /// The value with `decimals` decimals (rounded half away from zero).
    pub fn display(self, decimals: u8) -> String {
        let decimals = decimals.min(6) as u32;
        let step = 10_i64.pow(6 - decimals);
        let rounded = (self.0.abs() + step / 2) / step * step;
        let sign = if self.0 < 0 && rounded != 0 { "-" } else { "" };
        let whole = rounded / SCALE;
        if decimals == 0 {
            return format!("{sign}{whole}");
        }
        let frac = (rounded % SCALE) / step;
        format!("{sign}{whole}.{frac:0width$}", width = decimals as usize)
    }

    /// The value as a float, for charts and FHIR's `valueQuantity`.
    pub fn to_f64(self) -> f64 {
        self.0 as f64 / SCALE as f64
    }

    /// The shortest text that states the value exactly: `4.2`, `0.04`, `140`.
    pub fn text(self) -> String {
        let full = self.display(6);
        if full.contains('.') {
            full.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            full
        }
    }
}

crate::coded!(
    /// What the catalogue orders: a laboratory test, or an imaging study
    /// reported by a radiologist.
    TestKind {
        Lab = "lab", "Laboratory test";
        Imaging = "imaging", "Imaging study";
    } "Choose a laboratory test or an imaging study."
);

crate::coded!(
    /// Which code system a catalogue entry's code is from.
    CodeSystem {
        Loinc = "loinc", "LOINC";
        Local = "local", "Local code";
    } "Choose the code system."
);

crate::coded!(
    /// How an imaging study is made.
    Modality {
        Xray = "xr", "X-ray";
        Ultrasound = "us", "Ultrasound";
        Ct = "ct", "CT";
        Mri = "mr", "MRI";
    } "Choose the modality."
);

crate::coded!(
    /// How a numeric result compares with its reference range (HL7 v2
    /// table 0078 and FHIR's ObservationInterpretation use the same codes).
    Flag {
        Normal = "N", "Normal";
        Low = "L", "Low";
        High = "H", "High";
        CriticalLow = "LL", "Critically low";
        CriticalHigh = "HH", "Critically high";
    } "Choose the flag."
);

impl Flag {
    /// A critical result: the ordering doctor is alerted at once.
    pub fn is_critical(self) -> bool {
        matches!(self, Flag::CriticalLow | Flag::CriticalHigh)
    }

    /// Outside the reference range (critical or not).
    pub fn is_abnormal(self) -> bool {
        self != Flag::Normal
    }

    /// What the patient reads next to the value.
    pub fn plain_language(self) -> &'static str {
        match self {
            Flag::Normal => "within the usual range",
            Flag::Low | Flag::CriticalLow => "below the usual range",
            Flag::High | Flag::CriticalHigh => "above the usual range",
        }
    }
}

/// Reference and critical limits for one test, sex and age band. Every
/// limit may be missing (an upper limit only for troponin, none at all for
/// ferritin). The reference interval includes its limits; a critical limit
/// is crossed only beyond it (below `critical_low`, above `critical_high`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub low: Option<LabValue>,
    pub high: Option<LabValue>,
    pub critical_low: Option<LabValue>,
    pub critical_high: Option<LabValue>,
}

impl Limits {
    /// The flag of `value` against these limits.
    pub fn flag(&self, value: LabValue) -> Flag {
        if self.critical_low.is_some_and(|l| value < l) {
            Flag::CriticalLow
        } else if self.critical_high.is_some_and(|h| value > h) {
            Flag::CriticalHigh
        } else if self.low.is_some_and(|l| value < l) {
            Flag::Low
        } else if self.high.is_some_and(|h| value > h) {
            Flag::High
        } else {
            Flag::Normal
        }
    }

    /// "3.5–5", "≤ 0.04", "≥ 60", or "" without limits.
    pub fn interval_text(&self) -> String {
        match (self.low, self.high) {
            (Some(l), Some(h)) => format!("{}–{}", l.text(), h.text()),
            (Some(l), None) => format!("≥ {}", l.text()),
            (None, Some(h)) => format!("≤ {}", h.text()),
            (None, None) => String::new(),
        }
    }
}

crate::coded!(
    /// The unit of an age band's limit.
    AgeUnit {
        Days = "d", "days";
        Months = "m", "months";
        Years = "y", "years";
    } "Choose days, months or years."
);

/// An age band's limit: 7 days, 6 months, 18 years. Stored as `7d`, `6m`,
/// `18y`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Age {
    pub amount: u16,
    pub unit: AgeUnit,
}

impl Age {
    pub const fn years(amount: u16) -> Age {
        Age {
            amount,
            unit: AgeUnit::Years,
        }
    }

    /// `18y`, `6m`, `7d` (as stored).
    pub fn parse(code: &str) -> Result<Age, String> {
        let code = code.trim();
        let bad = || format!("An age is a number and d, m or y, e.g. 18y: not {code:?}.");
        let split = code.len().checked_sub(1).ok_or_else(bad)?;
        let (amount, unit) = code.split_at(split);
        Ok(Age {
            amount: amount.parse().map_err(|_| bad())?,
            unit: AgeUnit::from_code(unit).map_err(|_| bad())?,
        })
    }

    /// As stored: `18y`.
    pub fn code(self) -> String {
        format!("{}{}", self.amount, self.unit.as_str())
    }

    /// The day someone born on `birth` reaches this age (a birthday on
    /// 29 February falls on 28 February in other years).
    pub fn reached_on(self, birth: NaiveDate) -> Option<NaiveDate> {
        let n = u32::from(self.amount);
        match self.unit {
            AgeUnit::Days => birth.checked_add_days(chrono::Days::new(u64::from(n))),
            AgeUnit::Months => birth.checked_add_months(chrono::Months::new(n)),
            AgeUnit::Years => birth.checked_add_months(chrono::Months::new(n * 12)),
        }
    }

    /// About how many days: only to rank bands by width.
    fn approx_days(self) -> u32 {
        let n = u32::from(self.amount);
        match self.unit {
            AgeUnit::Days => n,
            AgeUnit::Months => n * 30,
            AgeUnit::Years => n * 365,
        }
    }
}

/// The limits that apply to one sex (or both: `None`) in an age band: from
/// `from_age` (reached on or before the collection day) until `until_age`
/// (not yet reached); either end open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RangeRule {
    pub sex: Option<AdministrativeSex>,
    pub from_age: Option<Age>,
    pub until_age: Option<Age>,
    pub limits: Limits,
}

impl RangeRule {
    /// Whether the rule covers a patient of `sex`, born on `birth`, on the
    /// collection day `on`. Without a birth date, only rules for every age.
    fn covers(&self, sex: AdministrativeSex, birth: Option<NaiveDate>, on: NaiveDate) -> bool {
        let reached = |age: Age| birth.and_then(|b| age.reached_on(b)).map(|d| on >= d);
        self.sex.is_none_or(|s| s == sex)
            && self.from_age.is_none_or(|a| reached(a) == Some(true))
            && self.until_age.is_none_or(|a| reached(a) == Some(false))
    }

    /// How narrowly the rule is drawn: a rule for the patient's sex beats
    /// one for both, a closed age band beats a half-open one, which beats
    /// none; narrower bands beat wider ones.
    fn specificity(&self) -> (bool, u8, u32) {
        match (self.from_age, self.until_age) {
            (Some(lo), Some(hi)) => (
                self.sex.is_some(),
                2,
                u32::MAX - hi.approx_days().saturating_sub(lo.approx_days()),
            ),
            // A band up to an age is narrower the younger it ends; one from
            // an age the older it starts.
            (None, Some(hi)) => (self.sex.is_some(), 1, u32::MAX - hi.approx_days()),
            (Some(lo), None) => (self.sex.is_some(), 1, lo.approx_days()),
            (None, None) => (self.sex.is_some(), 0, 0),
        }
    }
}

/// The most specific rule covering a patient of `sex` born on `birth`, on
/// the collection day `on`. `Unknown` and `Other` sex match only the rules
/// for both sexes; `None`: the test has no range for this patient, and its
/// results are not flagged.
pub fn limits_for(
    rules: &[RangeRule],
    sex: AdministrativeSex,
    birth: Option<NaiveDate>,
    on: NaiveDate,
) -> Option<Limits> {
    rules
        .iter()
        .filter(|r| r.covers(sex, birth, on))
        .max_by_key(|r| r.specificity())
        .map(|r| r.limits)
}

#[cfg(test)]
mod tests {
    use super::*;
    use AdministrativeSex::{Female, Male, Unknown};

    fn v(s: &str) -> LabValue {
        LabValue::parse(s).unwrap()
    }

    #[test]
    fn values_parse_exactly_in_any_digits() {
        assert_eq!(v("3.5"), LabValue(3_500_000));
        assert_eq!(v("٣٫٥"), v("3,5"));
        assert_eq!(v(" 0.04 "), LabValue(40_000));
        assert_eq!(v("-2"), LabValue(-2_000_000));
        assert_eq!(v(".5"), LabValue(500_000));
        assert_eq!(v("१४०"), LabValue(140_000_000));
        for bad in ["", "abc", "1.2.3", "1.0000001", "-", "4,2 mmol"] {
            assert!(LabValue::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(v("7.35").display(2), "7.35");
        assert_eq!(v("0.045").display(2), "0.05");
        assert_eq!(v("-0.004").display(2), "0.00");
        assert_eq!(v("140").display(0), "140");
        assert_eq!(v("4.200").text(), "4.2");
        assert_eq!(v("140").text(), "140");
    }

    fn potassium() -> Limits {
        Limits {
            low: Some(v("3.5")),
            high: Some(v("5")),
            critical_low: Some(v("2.8")),
            critical_high: Some(v("6.2")),
        }
    }

    #[test]
    fn flags_include_the_interval_limits_and_exclude_the_critical_ones() {
        let k = potassium();
        assert_eq!(k.flag(v("3.5")), Flag::Normal);
        assert_eq!(k.flag(v("5.0")), Flag::Normal);
        assert_eq!(k.flag(v("3.499999")), Flag::Low);
        assert_eq!(k.flag(v("5.000001")), Flag::High);
        assert_eq!(k.flag(v("2.8")), Flag::Low);
        assert_eq!(k.flag(v("2.79")), Flag::CriticalLow);
        assert_eq!(k.flag(v("6.2")), Flag::High);
        assert_eq!(k.flag(v("6.5")), Flag::CriticalHigh);
        assert!(Flag::CriticalHigh.is_critical() && !Flag::High.is_critical());
        assert_eq!(Flag::CriticalHigh.plain_language(), "above the usual range");
        assert_eq!(k.interval_text(), "3.5–5");
        let troponin = Limits {
            high: Some(v("0.04")),
            ..Default::default()
        };
        assert_eq!(troponin.flag(v("0")), Flag::Normal);
        assert_eq!(troponin.interval_text(), "≤ 0.04");
        assert_eq!(Limits::default().flag(v("812")), Flag::Normal);
    }

    #[test]
    fn the_narrowest_rule_for_the_patient_applies() {
        let limits = |low: &str| Limits {
            low: Some(v(low)),
            ..Default::default()
        };
        let rule = |sex, from: Option<&str>, until: Option<&str>, low: &str| RangeRule {
            sex,
            from_age: from.map(|a| Age::parse(a).unwrap()),
            until_age: until.map(|a| Age::parse(a).unwrap()),
            limits: limits(low),
        };
        let rules = [
            rule(None, None, None, "1"),
            rule(Some(Female), Some("18y"), None, "2"),
            rule(None, None, Some("18y"), "3"),
            rule(Some(Male), Some("18y"), Some("65y"), "4"),
            rule(None, None, Some("7d"), "5"),
            rule(None, Some("65y"), None, "6"),
        ];
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let birth = Some(day(2008, 2, 29));
        let low = |sex, on| limits_for(&rules, sex, birth, on).unwrap().low.unwrap();
        // The 18th birthday of someone born on 29 February 2008.
        assert_eq!(
            Age::years(18).reached_on(day(2008, 2, 29)),
            Some(day(2026, 2, 28))
        );
        assert_eq!(
            low(Female, day(2026, 2, 27)),
            v("3"),
            "a child the day before"
        );
        assert_eq!(low(Female, day(2026, 2, 28)), v("2"), "an adult on the day");
        assert_eq!(low(Male, day(2040, 1, 1)), v("4"));
        assert_eq!(low(Male, day(2073, 2, 27)), v("4"));
        assert_eq!(
            low(Male, day(2073, 2, 28)),
            v("6"),
            "the band ends on the 65th birthday"
        );
        assert_eq!(
            low(Female, day(2073, 2, 28)),
            v("2"),
            "her sex's rule first"
        );
        assert_eq!(low(Unknown, day(2040, 1, 1)), v("1"));
        assert_eq!(
            low(Male, day(2008, 3, 6)),
            v("5"),
            "six days old: the narrower band"
        );
        assert_eq!(low(Male, day(2008, 3, 7)), v("3"), "seven days old");
        // Without a birth date only the rules for every age apply.
        assert_eq!(
            limits_for(&rules, Male, None, day(2040, 1, 1)).unwrap().low,
            Some(v("1"))
        );
        assert_eq!(limits_for(&rules[1..2], Male, birth, day(2040, 1, 1)), None);
        assert_eq!(Age::parse("6m").unwrap().code(), "6m");
        for bad in ["", "y", "18", "18x", "-1y"] {
            assert!(Age::parse(bad).is_err(), "{bad:?}");
        }
    }
}

//! Prescriptions as the prescriber writes them: dose, structured frequency,
//! duration, the quantity they add up to, and the plain-language directions
//! the patient and the pharmacy read. The form's parse runs in the browser
//! for inline feedback and on the server to decide.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::decision::Alert;
use crate::error::FieldErrors;
use crate::ids::{DrugId, EncounterId, PatientId, PrescriptionId};
use crate::validate::bounded_text;
use crate::AppError;

crate::coded!(
    /// What a dose is counted in.
    DoseUnit {
        Tablet = "tablet", "tablet";
        Capsule = "capsule", "capsule";
        Ml = "ml", "mL";
        Mg = "mg", "mg";
        Mcg = "mcg", "mcg";
        Unit = "unit", "unit";
        Puff = "puff", "puff";
        Drop = "drop", "drop";
        Patch = "patch", "patch";
        Suppository = "suppository", "suppository";
        Application = "application", "application";
    } "Choose the unit of the dose."
);

impl DoseUnit {
    /// "2 tablets", "1 tablet", "0.5 tablet", "5 mL".
    pub fn count(self, milli: u32) -> String {
        let amount = format_milli(milli);
        let plural = milli > 1000;
        let word = match self {
            DoseUnit::Ml | DoseUnit::Mg | DoseUnit::Mcg => {
                return format!("{amount} {}", self.label())
            }
            DoseUnit::Patch if plural => "patches".to_string(),
            other if plural => format!("{}s", other.label()),
            other => other.label().to_string(),
        };
        format!("{amount} {word}")
    }
}

crate::coded!(
    /// How often a dose is taken.
    FrequencyKind {
        TimesDaily = "times_daily", "Times a day";
        EveryHours = "every_hours", "Every few hours";
        Morning = "morning", "In the morning";
        Night = "night", "At night";
        Once = "once", "Once only";
        AsNeeded = "as_needed", "As needed";
    } "Choose how often."
);

crate::coded!(
    /// Where a prescription stands.
    PrescriptionStatus {
        Active = "active", "Active";
        Stopped = "stopped", "Stopped";
        /// Replaced by a changed prescription, which names it.
        Changed = "changed", "Changed";
        Completed = "completed", "Completed";
    } "Choose the status."
);

/// The intervals "every N hours" offers.
pub const INTERVAL_HOURS: [u8; 9] = [1, 2, 3, 4, 6, 8, 12, 24, 48];

/// How often, as the prescriber chose it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Frequency {
    /// 1 to 6 times a day.
    TimesDaily(u8),
    /// Every N hours, N one of [`INTERVAL_HOURS`].
    EveryHours(u8),
    Morning,
    Night,
    /// A single dose.
    Once,
    /// When needed, for a reason, at most so many doses a day.
    AsNeeded {
        reason: String,
        max_per_day: u8,
    },
}

impl Frequency {
    pub fn kind(&self) -> FrequencyKind {
        match self {
            Frequency::TimesDaily(_) => FrequencyKind::TimesDaily,
            Frequency::EveryHours(_) => FrequencyKind::EveryHours,
            Frequency::Morning => FrequencyKind::Morning,
            Frequency::Night => FrequencyKind::Night,
            Frequency::Once => FrequencyKind::Once,
            Frequency::AsNeeded { .. } => FrequencyKind::AsNeeded,
        }
    }

    /// The number the kind carries (times, hours or the daily maximum).
    pub fn value(&self) -> Option<u8> {
        match self {
            Frequency::TimesDaily(n) | Frequency::EveryHours(n) => Some(*n),
            Frequency::AsNeeded { max_per_day, .. } => Some(*max_per_day),
            _ => None,
        }
    }

    /// How many doses `days` days hold at most (a single dose: one).
    pub fn doses(&self, days: u32) -> u32 {
        match self {
            Frequency::TimesDaily(n) => u32::from(*n) * days,
            Frequency::EveryHours(h) => (days * 24).div_ceil(u32::from(*h)),
            Frequency::Morning | Frequency::Night => days,
            Frequency::Once => 1,
            Frequency::AsNeeded { max_per_day, .. } => u32::from(*max_per_day) * days,
        }
    }

    /// The most doses in one day.
    pub fn doses_per_day(&self) -> u32 {
        match self {
            Frequency::Once => 1,
            other => other.doses(1).max(1),
        }
    }

    /// "twice a day", "every 8 hours", "at night", "as needed for pain, at
    /// most 4 a day".
    pub fn describe(&self) -> String {
        match self {
            Frequency::TimesDaily(1) => "once a day".into(),
            Frequency::TimesDaily(2) => "twice a day".into(),
            Frequency::TimesDaily(n) => format!("{n} times a day"),
            Frequency::EveryHours(1) => "every hour".into(),
            Frequency::EveryHours(h) => format!("every {h} hours"),
            Frequency::Morning => "in the morning".into(),
            Frequency::Night => "at night".into(),
            Frequency::Once => "once only".into(),
            Frequency::AsNeeded {
                reason,
                max_per_day,
            } => format!("as needed for {reason}, at most {max_per_day} a day"),
        }
    }
}

/// A number of thousandths as people write it: "1", "0.5", "2.25".
pub fn format_milli(milli: u32) -> String {
    let whole = milli / 1000;
    let frac = milli % 1000;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:03}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A positive decimal with at most three decimals, in thousandths. Accepts a
/// decimal comma and digits of other scripts (Arabic-Indic, Devanagari, …).
pub fn parse_milli(input: &str, what: &str) -> Result<u32, String> {
    let s: String = input
        .trim()
        .chars()
        .map(|c| match c {
            ',' | '٫' => '.',
            c => crate::validate::canonical_char(c).unwrap_or(c),
        })
        .collect();
    let bad = || format!("Enter the {what} as a number, e.g. 1 or 0.5.");
    if s.is_empty() {
        return Err(format!("Enter the {what}."));
    }
    let (whole, frac) = s.split_once('.').unwrap_or((&s, ""));
    if whole.is_empty() && frac.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
    {
        return Err(bad());
    }
    if frac.len() > 3 {
        return Err(format!("The {what} can have at most three decimals."));
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole
            .parse()
            .ok()
            .filter(|w| *w <= 100_000)
            .ok_or_else(|| format!("The {what} is too large."))?
    };
    let frac: u32 = format!("{frac:0<3}").parse().map_err(|_| bad())?;
    let milli = whole * 1000 + frac;
    if milli == 0 {
        return Err(format!("The {what} must be more than zero."));
    }
    Ok(milli)
}

/// What the pharmacy counts a drug out in, from its dose form: tablets,
/// capsules, mL of an oral liquid, patches, suppositories. `None` for the
/// forms whose supply is a pack (inhalers, injections, creams, drops): their
/// quantity is typed by the prescriber.
pub fn dispense_unit(dose_form: &str) -> Option<DoseUnit> {
    let f = dose_form.to_lowercase();
    let has = |w: &str| f.contains(w);
    if has("tablet") {
        Some(DoseUnit::Tablet)
    } else if has("capsule") {
        Some(DoseUnit::Capsule)
    } else if has("oral") && (has("solution") || has("suspension") || has("syrup")) {
        Some(DoseUnit::Ml)
    } else if has("patch") || has("transdermal system") {
        Some(DoseUnit::Patch)
    } else if has("suppository") {
        Some(DoseUnit::Suppository)
    } else {
        None
    }
}

/// A single-ingredient strength per dispensed unit, in thousandths of mg
/// (micrograms): "500 mg" per tablet, "250 mg/5 mL" per mL. `None` for
/// combinations and strengths in other units.
pub fn mcg_per_unit(strength: &str) -> Option<u64> {
    let s = strength.split('(').next()?.trim();
    if s.contains(" / ") {
        return None;
    }
    let (amount, per) = match s.split_once('/') {
        Some((a, per)) => (a.trim(), Some(per.trim())),
        None => (s, None),
    };
    let (number, unit) = amount.split_once(' ')?;
    let milli = parse_milli(number, "strength").ok()?;
    let mcg_per = match unit.trim() {
        "mg" => u64::from(milli),
        "mcg" => u64::from(milli) / 1000,
        "g" => u64::from(milli) * 1000,
        _ => return None,
    };
    match per {
        None => Some(mcg_per),
        Some(per) => {
            // "5 mL" or "mL"
            let (n, unit) = per.split_once(' ').unwrap_or(("1", per));
            if unit.trim() != "mL" {
                return None;
            }
            let ml_milli = u64::from(parse_milli(n, "volume").ok()?);
            Some(mcg_per * 1000 / ml_milli)
        }
    }
}

/// The dose in dispensed units (thousandths), when the dose's unit and the
/// drug's form allow it: a tablet dose as is, an mg dose divided by the
/// strength.
pub fn dose_in_units(
    dose_milli: u32,
    unit: DoseUnit,
    strength: &str,
    dose_form: &str,
) -> Option<u64> {
    let dispensed = dispense_unit(dose_form)?;
    if unit == dispensed {
        return Some(u64::from(dose_milli));
    }
    let per_unit = mcg_per_unit(strength)?;
    let dose_mcg = match unit {
        DoseUnit::Mg => u64::from(dose_milli),
        DoseUnit::Mcg => u64::from(dose_milli) / 1000,
        _ => return None,
    };
    (per_unit > 0).then(|| dose_mcg * 1000 / per_unit)
}

/// The quantity to supply: doses × units per dose, rounded up to whole units.
pub fn compute_quantity(
    dose_milli: u32,
    unit: DoseUnit,
    frequency: &Frequency,
    duration_days: u32,
    strength: &str,
    dose_form: &str,
) -> Option<u32> {
    let per_dose = dose_in_units(dose_milli, unit, strength, dose_form)?;
    let total = per_dose * u64::from(frequency.doses(duration_days));
    u32::try_from(total.div_ceil(1000)).ok()
}

/// Whether a dose is outside what the drug's strength and form usually take,
/// and why: ½ to 4 tablets or capsules a dose (capsules whole, tablets in
/// halves), at most 12 a day; at most 30 mL of an oral liquid a dose; one or
/// two patches or suppositories. A rule of thumb on the form, not a dosing
/// reference: it catches a slipped decimal or a wrong unit.
pub fn dose_concern(
    dose_milli: u32,
    unit: DoseUnit,
    frequency: &Frequency,
    strength: &str,
    dose_form: &str,
) -> Option<String> {
    let dispensed = dispense_unit(dose_form)?;
    let per_dose = dose_in_units(dose_milli, unit, strength, dose_form)?;
    let per_day = per_dose * u64::from(frequency.doses_per_day());
    let shown = |m: u64| dispensed.count(u32::try_from(m).unwrap_or(u32::MAX));
    let (low, high, day_high) = match dispensed {
        DoseUnit::Tablet | DoseUnit::Capsule => (500, 4000, 12_000),
        DoseUnit::Ml => (1000, 30_000, 120_000),
        _ => (1000, 2000, 4000),
    };
    if per_dose < low || per_dose > high {
        return Some(format!(
            "{} a dose of {strength} {dose_form} is outside the usual {} to {}.",
            shown(per_dose),
            format_milli(low as u32),
            shown(high)
        ));
    }
    if dispensed == DoseUnit::Capsule && per_dose % 1000 != 0 {
        return Some(format!(
            "{} cannot be given: capsules are not split.",
            shown(per_dose)
        ));
    }
    if dispensed == DoseUnit::Tablet && per_dose % 500 != 0 {
        return Some(format!(
            "{} a dose: tablets are split in halves at most.",
            shown(per_dose)
        ));
    }
    if per_day > day_high {
        return Some(format!(
            "{} a day is more than the usual {} a day.",
            shown(per_day),
            shown(day_high)
        ));
    }
    None
}

/// The dose units that make sense for a drug's form: its dispensed unit,
/// mg or mcg when the strength is in mg, and the pack forms' own units.
pub fn dose_units_for(strength: &str, dose_form: &str) -> Vec<DoseUnit> {
    let f = dose_form.to_lowercase();
    let mut units = Vec::new();
    match dispense_unit(dose_form) {
        Some(u) => units.push(u),
        None if f.contains("inhal") || f.contains("aerosol") => units.push(DoseUnit::Puff),
        None if f.contains("drop") || f.contains("ophthalmic") || f.contains("otic") => {
            units.push(DoseUnit::Drop)
        }
        None if f.contains("cream") || f.contains("ointment") || f.contains("gel") => {
            units.push(DoseUnit::Application)
        }
        None => {}
    }
    if strength.contains("unit") {
        units.push(DoseUnit::Unit);
    }
    if mcg_per_unit(strength).is_some() || strength.contains("mg") {
        units.extend([DoseUnit::Mg, DoseUnit::Mcg]);
    }
    if f.contains("inject") || f.contains("solution") || f.contains("suspension") {
        units.push(DoseUnit::Ml);
    }
    units.dedup();
    if units.is_empty() {
        units.extend(DoseUnit::ALL);
    }
    units
}

/// The longest a prescription runs.
pub const MAX_DURATION_DAYS: u32 = 365;
/// The most refills one prescription allows.
pub const MAX_REFILLS: u8 = 11;

/// The drug a prescription is for, as the form needs to know it (from the
/// formulary).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescribedDrug {
    pub strength: String,
    pub dose_form: String,
}

impl PrescribedDrug {
    pub fn of(drug: &crate::formulary::Drug) -> PrescribedDrug {
        PrescribedDrug {
            strength: drug.strength.clone(),
            dose_form: drug.dose_form.clone(),
        }
    }
}

/// A prescription as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionForm {
    pub dose: String,
    pub dose_unit: String,
    pub route: String,
    pub frequency: String,
    /// Times a day, the interval in hours, or the most a day when needed.
    pub frequency_value: String,
    pub as_needed_for: String,
    pub start_date: String,
    pub duration_days: String,
    /// Blank: computed.
    pub quantity: String,
    pub refills: String,
    pub instructions: String,
}

/// A prescription's fields, as they passed every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sig {
    pub dose_milli: u32,
    pub dose_unit: DoseUnit,
    pub route: String,
    pub frequency: Frequency,
    pub start_date: NaiveDate,
    pub duration_days: u32,
    pub quantity: u32,
    /// What the quantity counts: a [`DoseUnit`] code (the dispensed unit),
    /// or `pack`.
    pub quantity_unit: String,
    pub refills: u8,
    pub instructions: Option<String>,
}

fn small_number(
    input: &str,
    range: std::ops::RangeInclusive<u32>,
    what: &str,
) -> Result<u32, String> {
    let zero = !input.trim().is_empty() && input.trim().chars().all(|c| c == '0');
    let milli = if zero { 0 } else { parse_milli(input, what)? };
    if milli % 1000 != 0 {
        return Err(format!("The {what} is a whole number."));
    }
    let n = milli / 1000;
    if !range.contains(&n) {
        return Err(format!(
            "The {what} is between {} and {}.",
            range.start(),
            range.end()
        ));
    }
    Ok(n)
}

impl PrescriptionForm {
    /// The form for a drug: its first dose unit and its route, one dose
    /// twice a day for a week from `today`.
    pub fn for_drug(drug: &PrescribedDrug, route: &str, today: NaiveDate) -> Self {
        PrescriptionForm {
            dose: "1".into(),
            dose_unit: dose_units_for(&drug.strength, &drug.dose_form)
                .first()
                .map(|u| u.as_str().to_string())
                .unwrap_or_default(),
            route: route.to_string(),
            frequency: FrequencyKind::TimesDaily.as_str().into(),
            frequency_value: "2".into(),
            start_date: today.format("%Y-%m-%d").to_string(),
            duration_days: "7".into(),
            refills: "0".into(),
            ..Default::default()
        }
    }

    fn frequency(&self, e: &mut FieldErrors) -> Option<Frequency> {
        let kind = e.check("frequency", FrequencyKind::parse(&self.frequency))?;
        let value = |range, what| small_number(&self.frequency_value, range, what);
        let f = match kind {
            FrequencyKind::TimesDaily => Frequency::TimesDaily(
                e.check("frequency_value", value(1..=6, "number of times a day"))? as u8,
            ),
            FrequencyKind::EveryHours => {
                let h = e.check("frequency_value", value(1..=48, "interval in hours"))?;
                if !INTERVAL_HOURS.contains(&(h as u8)) {
                    e.push(
                        "frequency_value",
                        "Choose an interval of 1, 2, 3, 4, 6, 8, 12, 24 or 48 hours.",
                    );
                    return None;
                }
                Frequency::EveryHours(h as u8)
            }
            FrequencyKind::Morning => Frequency::Morning,
            FrequencyKind::Night => Frequency::Night,
            FrequencyKind::Once => Frequency::Once,
            FrequencyKind::AsNeeded => {
                let max = e.check("frequency_value", value(1..=24, "most doses a day"));
                let reason = e.check(
                    "as_needed_for",
                    bounded_text(&self.as_needed_for, 80, "reason").and_then(|r| {
                        if r.is_empty() {
                            Err("Say what it is needed for, e.g. pain.".to_string())
                        } else {
                            Ok(r)
                        }
                    }),
                );
                Frequency::AsNeeded {
                    reason: reason?,
                    max_per_day: max? as u8,
                }
            }
        };
        Some(f)
    }

    /// Checks every field against the drug; the quantity is computed when
    /// left blank and the form allows it.
    pub fn parse(&self, drug: &PrescribedDrug, today: NaiveDate) -> Result<Sig, AppError> {
        let mut e = FieldErrors::new();
        let dose = e.check("dose", parse_milli(&self.dose, "dose"));
        let units = dose_units_for(&drug.strength, &drug.dose_form);
        let unit = e.check(
            "dose_unit",
            DoseUnit::parse(&self.dose_unit).and_then(|u| {
                if units.contains(&u) {
                    Ok(u)
                } else {
                    Err(format!(
                        "{} {} is not given in that unit: choose {}.",
                        drug.strength,
                        drug.dose_form,
                        units
                            .iter()
                            .map(|u| u.label())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ))
                }
            }),
        );
        let route = e.check(
            "route",
            bounded_text(&self.route, 32, "route").and_then(|r| {
                if r.is_empty() {
                    Err("Enter the route, e.g. oral.".to_string())
                } else {
                    Ok(r)
                }
            }),
        );
        let frequency = self.frequency(&mut e);
        let start_date = e.check(
            "start_date",
            NaiveDate::parse_from_str(self.start_date.trim(), "%Y-%m-%d")
                .map_err(|_| "Enter the start date as YYYY-MM-DD.".to_string())
                .and_then(|d| {
                    if d < today - chrono::Days::new(7) {
                        Err("The start date is at most a week ago.".to_string())
                    } else if d > today + chrono::Days::new(365) {
                        Err("The start date is within a year.".to_string())
                    } else {
                        Ok(d)
                    }
                }),
        );
        let once = frequency == Some(Frequency::Once);
        let duration_days = if once && self.duration_days.trim().is_empty() {
            Some(1)
        } else {
            e.check(
                "duration_days",
                small_number(
                    &self.duration_days,
                    1..=MAX_DURATION_DAYS,
                    "duration in days",
                ),
            )
        };
        let refills = if self.refills.trim().is_empty() {
            Some(0)
        } else {
            e.check(
                "refills",
                small_number(
                    &self.refills,
                    0..=u32::from(MAX_REFILLS),
                    "number of refills",
                )
                .map(|n| n as u8),
            )
        };
        let instructions = e.check(
            "instructions",
            bounded_text(&self.instructions, 500, "instructions")
                .map(|s| (!s.is_empty()).then_some(s)),
        );
        let computed = match (dose, unit, &frequency, duration_days) {
            (Some(d), Some(u), Some(f), Some(days)) => {
                compute_quantity(d, u, f, days, &drug.strength, &drug.dose_form)
            }
            _ => None,
        };
        let quantity = if self.quantity.trim().is_empty() {
            match computed {
                Some(q) => Some(q),
                None if dose.is_some() && unit.is_some() && frequency.is_some() => {
                    e.push(
                        "quantity",
                        format!(
                            "Enter the quantity to supply ({} cannot be counted from the dose).",
                            drug.dose_form
                        ),
                    );
                    None
                }
                None => None,
            }
        } else {
            e.check(
                "quantity",
                small_number(&self.quantity, 1..=10_000, "quantity"),
            )
        };
        e.finish()?;
        let missing = || AppError::Internal;
        let quantity_unit = match dispense_unit(&drug.dose_form) {
            Some(u) => u.as_str().to_string(),
            None => "pack".to_string(),
        };
        Ok(Sig {
            dose_milli: dose.ok_or_else(missing)?,
            dose_unit: unit.ok_or_else(missing)?,
            route: route.ok_or_else(missing)?,
            frequency: frequency.ok_or_else(missing)?,
            start_date: start_date.ok_or_else(missing)?,
            duration_days: duration_days.ok_or_else(missing)?,
            quantity: quantity.ok_or_else(missing)?,
            quantity_unit,
            refills: refills.ok_or_else(missing)?,
            instructions: instructions.ok_or_else(missing)?,
        })
    }

    /// The form a changed prescription starts from.
    pub fn from_sig(sig: &Sig) -> Self {
        PrescriptionForm {
            dose: format_milli(sig.dose_milli),
            dose_unit: sig.dose_unit.as_str().into(),
            route: sig.route.clone(),
            frequency: sig.frequency.kind().as_str().into(),
            frequency_value: sig
                .frequency
                .value()
                .map(|v| v.to_string())
                .unwrap_or_default(),
            as_needed_for: match &sig.frequency {
                Frequency::AsNeeded { reason, .. } => reason.clone(),
                _ => String::new(),
            },
            start_date: sig.start_date.format("%Y-%m-%d").to_string(),
            duration_days: sig.duration_days.to_string(),
            quantity: sig.quantity.to_string(),
            refills: sig.refills.to_string(),
            instructions: sig.instructions.clone().unwrap_or_default(),
        }
    }
}

/// The route as the directions say it ("by mouth").
fn route_words(route: &str) -> String {
    match route.to_lowercase().as_str() {
        "oral" => "by mouth".into(),
        "sublingual" => "under the tongue".into(),
        "inhaled" => "by inhalation".into(),
        "topical" => "on the skin".into(),
        "transdermal" => "on the skin".into(),
        "rectal" => "rectally".into(),
        "nasal" => "in the nose".into(),
        other => format!("({other})"),
    }
}

/// "21 capsules", "150 mL", "1 pack".
pub fn quantity_text(quantity: u32, unit: &str) -> String {
    match DoseUnit::from_code(unit) {
        Ok(u) => u.count(quantity.saturating_mul(1000)),
        Err(_) if quantity == 1 => "1 pack".to_string(),
        Err(_) => format!("{quantity} packs"),
    }
}

impl Sig {
    /// The quantity to supply in words: "21 capsules".
    pub fn quantity_text(&self) -> String {
        quantity_text(self.quantity, &self.quantity_unit)
    }

    /// The directions in plain language: "Take 1 tablet by mouth twice a
    /// day for 7 days."
    pub fn directions(&self) -> String {
        let verb = match self.dose_unit {
            DoseUnit::Patch | DoseUnit::Application => "Apply",
            DoseUnit::Puff => "Inhale",
            DoseUnit::Suppository => "Insert",
            DoseUnit::Drop => "Use",
            _ => "Take",
        };
        let how_long = match self.frequency {
            Frequency::Once => String::new(),
            _ if self.duration_days == 1 => " for 1 day".into(),
            _ => format!(" for {} days", self.duration_days),
        };
        format!(
            "{verb} {} {} {}{how_long}.",
            self.dose_unit.count(self.dose_milli),
            route_words(&self.route),
            self.frequency.describe()
        )
    }

    /// The last day of the course.
    pub fn end_date(&self) -> NaiveDate {
        self.start_date + chrono::Days::new(u64::from(self.duration_days.saturating_sub(1)))
    }
}

/// Every alert for prescribing `drug` with `sig` (when the form parses):
/// the checks of [`crate::decision::check`] and the dose flag. The form runs
/// it as the prescriber types; signing runs it again on the server.
pub fn alerts_for(
    ctx: &crate::decision::CheckContext,
    drug: &crate::formulary::Drug,
    sig: Option<&Sig>,
    replacing: Option<PrescriptionId>,
) -> Vec<Alert> {
    let facts = crate::decision::DrugFacts::of(drug);
    let mut alerts = crate::decision::check(ctx, &facts, replacing);
    if let Some(sig) = sig {
        if let Some(concern) = dose_concern(
            sig.dose_milli,
            sig.dose_unit,
            &sig.frequency,
            &drug.strength,
            &drug.dose_form,
        ) {
            alerts.push(crate::decision::dose_alert(concern));
        }
    }
    alerts
}

/// What signing sends: the drug, the fields, and the reason for going on
/// despite major or contraindicated alerts (blank when there are none).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignRequest {
    pub patient_id: Option<PatientId>,
    pub encounter_id: Option<EncounterId>,
    pub drug_id: Option<DrugId>,
    pub form: PrescriptionForm,
    pub override_reason: String,
}

/// One prescription as the chart, the pharmacy and the patient see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionView {
    pub id: PrescriptionId,
    pub patient_id: PatientId,
    pub encounter_id: Option<EncounterId>,
    pub drug_id: DrugId,
    /// "amoxicillin 500 mg Oral Capsule", as it was when signed.
    pub drug_label: String,
    pub sig: Sig,
    pub status: PrescriptionStatus,
    pub refills_used: u8,
    pub prescriber: String,
    pub signed_at: DateTime<Utc>,
    /// What the pharmacy types to find it, printed on the PDF.
    pub verification_code: String,
    /// The alerts shown at signing, and the reason they were overridden.
    pub alerts: Vec<Alert>,
    pub override_reason: Option<String>,
    pub ended_at: Option<DateTime<Utc>>,
    pub end_reason: Option<String>,
    /// The prescription this one changed.
    pub replaces: Option<PrescriptionId>,
}

/// One step of a prescription's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescriptionEvent {
    pub action: String,
    pub by: String,
    pub at: DateTime<Utc>,
    pub reason: Option<String>,
}

/// Verification codes: 10 characters of Crockford's base 32 (no I, L, O or
/// U), shown in groups of five.
pub const VERIFICATION_ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A typed verification code in its stored form: case and separators
/// ignored, O read as 0 and I or L as 1 (as Crockford's base 32 does).
pub fn canonical_verification_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .map(|c| match c.to_ascii_uppercase() {
            'O' => '0',
            'I' | 'L' => '1',
            other => other,
        })
        .collect();
    (code.len() == 10 && code.bytes().all(|b| VERIFICATION_ALPHABET.contains(&b))).then_some(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tablet() -> PrescribedDrug {
        PrescribedDrug {
            strength: "500 mg".into(),
            dose_form: "Oral Tablet".into(),
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    #[test]
    fn decimals_in_any_digits() {
        assert_eq!(parse_milli("1", "dose"), Ok(1000));
        assert_eq!(parse_milli("0,5", "dose"), Ok(500));
        assert_eq!(parse_milli(".25", "dose"), Ok(250));
        assert_eq!(parse_milli("٢٫٥", "dose"), Ok(2500));
        assert!(parse_milli("0", "dose").is_err());
        assert!(parse_milli("1.2345", "dose").is_err());
        assert!(parse_milli("abc", "dose").is_err());
        assert_eq!(format_milli(2500), "2.5");
        assert_eq!(format_milli(250), "0.25");
        assert_eq!(format_milli(3000), "3");
    }

    #[test]
    fn quantity_is_dose_times_doses() {
        let q = |dose, unit, f: Frequency, days, strength: &str, form: &str| {
            compute_quantity(dose, unit, &f, days, strength, form)
        };
        // 1 tablet twice a day for 7 days.
        assert_eq!(
            q(
                1000,
                DoseUnit::Tablet,
                Frequency::TimesDaily(2),
                7,
                "500 mg",
                "Oral Tablet"
            ),
            Some(14)
        );
        // 1000 mg of 500 mg tablets every 8 hours for 5 days: 2 × 15.
        assert_eq!(
            q(
                1_000_000,
                DoseUnit::Mg,
                Frequency::EveryHours(8),
                5,
                "500 mg",
                "Oral Tablet"
            ),
            Some(30)
        );
        // Half a tablet at night for 3 days rounds up.
        assert_eq!(
            q(
                500,
                DoseUnit::Tablet,
                Frequency::Night,
                3,
                "5 mg",
                "Oral Tablet"
            ),
            Some(2)
        );
        // As needed: the daily maximum.
        let prn = Frequency::AsNeeded {
            reason: "pain".into(),
            max_per_day: 4,
        };
        assert_eq!(
            q(1000, DoseUnit::Capsule, prn, 5, "50 mg", "Oral Capsule"),
            Some(20)
        );
        // 250 mg of 250 mg/5 mL is 5 mL, three times a day for 10 days.
        assert_eq!(
            q(
                250_000,
                DoseUnit::Mg,
                Frequency::TimesDaily(3),
                10,
                "250 mg/5 mL",
                "Oral Suspension"
            ),
            Some(150)
        );
        // Once only.
        assert_eq!(
            q(
                2000,
                DoseUnit::Tablet,
                Frequency::Once,
                30,
                "2 mg",
                "Oral Tablet"
            ),
            Some(2)
        );
        // An inhaler is a pack: not computed.
        assert_eq!(
            q(
                2000,
                DoseUnit::Puff,
                Frequency::TimesDaily(2),
                30,
                "90 mcg/actuation",
                "Metered Dose Inhaler"
            ),
            None
        );
        // Combinations cannot divide an mg dose.
        assert_eq!(
            q(
                500_000,
                DoseUnit::Mg,
                Frequency::TimesDaily(2),
                7,
                "500 mg / 125 mg",
                "Oral Tablet"
            ),
            None
        );
    }

    #[test]
    fn doses_outside_the_usual_range_are_flagged() {
        let daily = Frequency::TimesDaily(1);
        assert_eq!(
            dose_concern(1000, DoseUnit::Tablet, &daily, "500 mg", "Oral Tablet"),
            None
        );
        // 5000 mg of 500 mg tablets: a slipped zero.
        let c = dose_concern(5_000_000, DoseUnit::Mg, &daily, "500 mg", "Oral Tablet").unwrap();
        assert!(c.contains("10 tablets"), "{c}");
        assert!(
            dose_concern(500, DoseUnit::Capsule, &daily, "20 mg", "Oral Capsule")
                .unwrap()
                .contains("capsules")
        );
        assert!(dose_concern(250, DoseUnit::Tablet, &daily, "5 mg", "Oral Tablet").is_some());
        assert!(dose_concern(
            4000,
            DoseUnit::Tablet,
            &Frequency::EveryHours(4),
            "5 mg",
            "Oral Tablet"
        )
        .unwrap()
        .contains("a day"));
    }

    #[test]
    fn the_form_parses_or_names_each_field() {
        let form = PrescriptionForm::for_drug(&tablet(), "oral", today());
        let sig = form.parse(&tablet(), today()).unwrap();
        assert_eq!(sig.quantity, 14);
        assert_eq!(sig.quantity_unit, "tablet");
        assert_eq!(sig.quantity_text(), "14 tablets");
        assert_eq!(
            sig.directions(),
            "Take 1 tablet by mouth twice a day for 7 days."
        );
        assert_eq!(
            PrescriptionForm::from_sig(&sig)
                .parse(&tablet(), today())
                .unwrap(),
            sig
        );

        let prn = PrescriptionForm {
            dose: "2".into(),
            frequency: "as_needed".into(),
            frequency_value: "4".into(),
            as_needed_for: "pain".into(),
            ..form.clone()
        };
        assert_eq!(
            prn.parse(&tablet(), today()).unwrap().directions(),
            "Take 2 tablets by mouth as needed for pain, at most 4 a day for 7 days."
        );

        let bad = PrescriptionForm {
            dose: "x".into(),
            dose_unit: "puff".into(),
            frequency: "every_hours".into(),
            frequency_value: "5".into(),
            start_date: "2020-01-01".into(),
            duration_days: "400".into(),
            refills: "12".into(),
            ..form
        };
        let AppError::Validation(errors) = bad.parse(&tablet(), today()).unwrap_err() else {
            panic!("field errors expected");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "dose",
                "dose_unit",
                "frequency_value",
                "start_date",
                "duration_days",
                "refills"
            ]
        );
    }

    #[test]
    fn packs_need_a_typed_quantity() {
        let inhaler = PrescribedDrug {
            strength: "90 mcg/actuation".into(),
            dose_form: "Metered Dose Inhaler".into(),
        };
        let form = PrescriptionForm::for_drug(&inhaler, "inhaled", today());
        assert_eq!(form.dose_unit, "puff");
        let err = form.parse(&inhaler, today()).unwrap_err();
        assert!(err.field_message("quantity").is_some());
        let sig = PrescriptionForm {
            quantity: "1".into(),
            ..form
        }
        .parse(&inhaler, today())
        .unwrap();
        assert_eq!((sig.quantity, sig.quantity_unit.as_str()), (1, "pack"));
    }

    #[test]
    fn verification_codes_forgive_look_alikes() {
        assert_eq!(
            canonical_verification_code("abcde-fgh2o").as_deref(),
            Some("ABCDEFGH20")
        );
        assert_eq!(canonical_verification_code("ABCDE"), None);
        assert_eq!(canonical_verification_code("ABCDE-FGHUU"), None);
    }
}

crate::coded!(
    /// Where a patient's refill request stands.
    RefillStatus {
        Pending = "pending", "Waiting for the doctor";
        Approved = "approved", "Approved";
        Declined = "declined", "Declined";
    } "Choose the status."
);

/// A refill request as the patient and the prescriber see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefillRequestView {
    pub id: crate::ids::RefillRequestId,
    pub prescription_id: PrescriptionId,
    pub patient_id: PatientId,
    /// "Müller, Maria" (for the prescriber's queue).
    pub patient_name: String,
    pub drug_label: String,
    pub directions: String,
    pub status: RefillStatus,
    pub note: Option<String>,
    pub requested_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<String>,
    pub decline_reason: Option<String>,
    /// Refills left on the prescription now.
    pub refills_left: u8,
}

//! Money: integer minor units (cents) of an ISO 4217 currency, never floating
//! point. The browser and the server compute an invoice's figures with the
//! same functions.
//!
//! # The rounding rule
//! Every percentage (a line's tax rate, a percentage discount, an insurer's
//! share) is applied to a whole amount in minor units and **rounded half away
//! from zero to the minor unit, once per line**. An invoice's figures are
//! sums of its lines' rounded figures, so the total always equals the sum of
//! its lines, and the subtotal less the discounts plus the taxes.

use serde::{Deserialize, Serialize};

/// An ISO 4217 currency code: three capital letters (`EUR`, `KES`, `JPY`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "db", derive(sea_orm::DeriveValueType))]
#[cfg_attr(
    feature = "db",
    sea_orm(
        value_type = "String",
        from_str = "Currency::from_stored",
        to_str = "Currency::as_str"
    )
)]
#[serde(try_from = "String", into = "String")]
pub struct Currency([u8; 3]);

/// Currencies without minor units (ISO 4217 exponent 0).
const EXPONENT_0: &[&str] = &[
    "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
    "VUV", "XAF", "XOF", "XPF",
];
/// Currencies with thousandths (ISO 4217 exponent 3).
const EXPONENT_3: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];

impl Currency {
    /// A typed or stored code; lower case is accepted.
    pub fn parse(text: &str) -> Result<Currency, String> {
        let code = text.trim().to_ascii_uppercase();
        match code.as_bytes() {
            [a, b, c] if code.bytes().all(|b| b.is_ascii_uppercase()) => Ok(Currency([*a, *b, *c])),
            _ => Err("Enter the currency's three-letter code, e.g. EUR.".into()),
        }
    }

    /// A stored code (the database layer).
    pub fn from_stored(s: &str) -> Result<Currency, crate::coded::UnknownCode> {
        Currency::parse(s).map_err(|_| crate::coded::UnknownCode {
            kind: "Currency",
            code: s.to_string(),
        })
    }

    pub fn as_str(&self) -> &str {
        // Only ASCII capitals are ever stored (see `parse`).
        std::str::from_utf8(&self.0).unwrap_or("XXX")
    }

    /// How many decimals its minor unit has (2 for most, 0 for JPY, 3 for KWD).
    pub fn exponent(&self) -> u32 {
        let code = self.as_str();
        if EXPONENT_0.contains(&code) {
            0
        } else if EXPONENT_3.contains(&code) {
            3
        } else {
            2
        }
    }

    /// Minor units per major unit (100 for EUR).
    pub fn scale(&self) -> i64 {
        10_i64.pow(self.exponent())
    }

    /// An amount typed in major units ("12.50", "12,5", "1 200") as minor
    /// units: not negative, no more decimals than the currency has.
    pub fn parse_amount(&self, text: &str) -> Result<i64, String> {
        let cleaned: String = text
            .trim()
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\'')
            .collect();
        let cleaned = cleaned.replace(',', ".");
        let example = || {
            format!(
                "Enter an amount, e.g. {}.",
                self.format_major(1250 * self.scale() / 100)
            )
        };
        if cleaned.is_empty() {
            return Err(example());
        }
        if cleaned.starts_with('-') {
            return Err("An amount is not negative.".into());
        }
        let (whole, fraction) = cleaned.split_once('.').unwrap_or((&cleaned, ""));
        let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
        if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
            return Err(example());
        }
        let exponent = self.exponent() as usize;
        if fraction.len() > exponent {
            return Err(match exponent {
                0 => format!("{} has no decimals.", self.as_str()),
                n => format!("An amount in {} has at most {n} decimals.", self.as_str()),
            });
        }
        let whole: i64 = if whole.is_empty() {
            0
        } else {
            whole.parse().map_err(|_| example())?
        };
        let fraction_minor: i64 = format!("{fraction:0<exponent$}").parse().unwrap_or(0);
        whole
            .checked_mul(self.scale())
            .and_then(|w| w.checked_add(fraction_minor))
            .filter(|m| *m <= MAX_AMOUNT)
            .ok_or_else(|| "That amount is too large.".into())
    }

    /// Minor units as a plain decimal number ("-1234.50"): no grouping, a
    /// point, the currency's decimals (for CSV files and machines).
    pub fn decimal(&self, minor: i64) -> String {
        self.format_major(minor).replace(',', "")
    }

    /// Minor units as major units with the currency's decimals and thousands
    /// separated by commas ("1,234.50"), without the code.
    pub fn format_major(&self, minor: i64) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        let scale = self.scale() as u64;
        let whole = (abs / scale).to_string();
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push(',');
            }
            grouped.push(c);
        }
        match self.exponent() {
            0 => format!("{sign}{grouped}"),
            e => format!(
                "{sign}{grouped}.{:0width$}",
                abs % scale,
                width = e as usize
            ),
        }
    }

    /// "EUR 1,234.50".
    pub fn format(&self, minor: i64) -> String {
        format!("{} {}", self.as_str(), self.format_major(minor))
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Currency {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Currency::parse(&s)
    }
}

impl From<Currency> for String {
    fn from(c: Currency) -> String {
        c.as_str().to_string()
    }
}

/// The largest amount a form accepts: ten trillion minor units, far above any
/// hospital bill and far below where sums of many lines could overflow.
pub const MAX_AMOUNT: i64 = 10_000_000_000_000;

/// An amount with its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Money {
    pub minor: i64,
    pub currency: Currency,
}

impl Money {
    pub fn new(minor: i64, currency: Currency) -> Money {
        Money { minor, currency }
    }
}

impl std::fmt::Display for Money {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.currency.format(self.minor))
    }
}

/// A percentage in hundredths of a percent (basis points): 1 600 is 16 %.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Rate(pub u32);

impl Rate {
    pub const ZERO: Rate = Rate(0);
    pub const FULL: Rate = Rate(10_000);

    /// A rate stored in an integer column (negative never is: read as 0).
    pub fn stored(hundredths: i32) -> Rate {
        Rate(u32::try_from(hundredths).unwrap_or(0))
    }

    /// A typed percentage ("16", "7.25", "7,5 %"): 0 to 100, two decimals at most.
    pub fn parse(text: &str) -> Result<Rate, String> {
        let t = text.trim().trim_end_matches('%').trim();
        if t.is_empty() {
            return Ok(Rate::ZERO);
        }
        // Hundredths of a percent read like an amount with two decimals.
        let percent = Currency(*b"XXX")
            .parse_amount(t)
            .map_err(|_| "Enter a percentage from 0 to 100, e.g. 7.5.".to_string())?;
        if percent > 10_000 {
            return Err("A percentage is at most 100.".into());
        }
        Ok(Rate(percent as u32))
    }

    /// `amount × rate`, rounded half away from zero to the minor unit.
    pub fn of(self, amount: i64) -> i64 {
        let product = amount as i128 * self.0 as i128;
        let half = 5_000_i128;
        let rounded = if product >= 0 {
            (product + half) / 10_000
        } else {
            (product - half) / 10_000
        };
        rounded as i64
    }

    /// "7.25 %", "16 %".
    pub fn label(self) -> String {
        let whole = self.0 / 100;
        match self.0 % 100 {
            0 => format!("{whole} %"),
            f if f % 10 == 0 => format!("{whole}.{} %", f / 10),
            f => format!("{whole}.{f:02} %"),
        }
    }
}

/// One line's figures, every one in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineAmounts {
    /// Quantity × unit price.
    pub gross: i64,
    pub discount: i64,
    /// The tax on gross less discount.
    pub tax: i64,
    /// Gross less discount plus tax.
    pub total: i64,
}

/// What a line is made of; `discount` is in minor units, at most the gross.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineInput {
    pub quantity: i32,
    pub unit_price: i64,
    pub discount: i64,
    pub tax_rate: Rate,
}

impl LineInput {
    /// The line's figures. A discount larger than the gross is capped at it
    /// (forms refuse one; see [`check_discount`]).
    pub fn amounts(&self) -> LineAmounts {
        let gross = self.quantity as i64 * self.unit_price;
        let discount = self.discount.clamp(0, gross.max(0));
        let net = gross - discount;
        let tax = self.tax_rate.of(net);
        LineAmounts {
            gross,
            discount,
            tax,
            total: net + tax,
        }
    }
}

/// A discount for a line of `gross`: not negative, at most the line.
pub fn check_discount(discount: i64, gross: i64) -> Result<i64, String> {
    if discount < 0 {
        Err("A discount is not negative.".into())
    } else if discount > gross {
        Err("A discount cannot exceed the line's amount.".into())
    } else {
        Ok(discount)
    }
}

/// An invoice's figures: sums of its lines' rounded figures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    pub subtotal: i64,
    pub discount: i64,
    pub tax: i64,
    pub total: i64,
}

impl Totals {
    pub fn of<'a>(lines: impl IntoIterator<Item = &'a LineInput>) -> Totals {
        lines
            .into_iter()
            .map(LineInput::amounts)
            .fold(Totals::default(), |t, l| Totals {
                subtotal: t.subtotal + l.gross,
                discount: t.discount + l.discount,
                tax: t.tax + l.tax,
                total: t.total + l.total,
            })
    }
}

/// The insurer's and the patient's portions of `total` when a coverage pays
/// `share` of it: the insurer's portion is rounded, the patient owes the rest.
pub fn portions(total: i64, share: Rate) -> (i64, i64) {
    let insurer = share.min(Rate::FULL).of(total);
    (insurer, total - insurer)
}

/// `amount` split into `parts` instalments that differ by at most one minor
/// unit and add up to it exactly; the earlier ones carry the remainder.
pub fn split(amount: i64, parts: u32) -> Vec<i64> {
    if parts == 0 {
        return Vec::new();
    }
    let n = parts as i64;
    let base = amount.div_euclid(n);
    let extra = amount.rem_euclid(n);
    (0..n).map(|i| base + i64::from(i < extra)).collect()
}

/// What is still owed: the total less what was paid, plus what was refunded
/// (a refund gives money back, so it is owed again unless credited) less credit notes.
pub fn balance(total: i64, paid: i64, refunded: i64, credited: i64) -> i64 {
    total - paid + refunded - credited
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn eur() -> Currency {
        Currency::parse("eur").unwrap()
    }

    #[test]
    fn currencies_have_their_decimals() {
        assert_eq!(eur().exponent(), 2);
        assert_eq!(Currency::parse("JPY").unwrap().exponent(), 0);
        assert_eq!(Currency::parse("KWD").unwrap().exponent(), 3);
        assert!(Currency::parse("EURO").is_err());
        assert!(Currency::parse("€").is_err());
        assert!(Currency::parse("E1R").is_err());
        let json = serde_json::to_string(&eur()).unwrap();
        assert_eq!(json, "\"EUR\"");
        assert!(serde_json::from_str::<Currency>("\"eu\"").is_err());
    }

    #[test]
    fn amounts_are_typed_in_major_units() {
        let eur = eur();
        assert_eq!(eur.parse_amount("12.50"), Ok(1250));
        assert_eq!(eur.parse_amount("12,5"), Ok(1250));
        assert_eq!(eur.parse_amount("1 200"), Ok(120_000));
        assert_eq!(eur.parse_amount(".5"), Ok(50));
        assert!(eur.parse_amount("12.505").is_err());
        assert!(eur.parse_amount("-1").is_err());
        assert!(eur.parse_amount("abc").is_err());
        assert!(eur.parse_amount("").is_err());
        assert!(eur.parse_amount("99999999999999999999").is_err());
        let jpy = Currency::parse("JPY").unwrap();
        assert_eq!(jpy.parse_amount("1500"), Ok(1500));
        assert_eq!(
            jpy.parse_amount("1500.5"),
            Err("JPY has no decimals.".into())
        );
        let kwd = Currency::parse("KWD").unwrap();
        assert_eq!(kwd.parse_amount("1.005"), Ok(1005));
        assert_eq!(eur.format(123_456_789), "EUR 1,234,567.89");
        assert_eq!(eur.format(-5), "EUR -0.05");
        assert_eq!(jpy.format(1500), "JPY 1,500");
        assert_eq!(kwd.format(1005), "KWD 1.005");
    }

    #[test]
    fn rates_round_half_away_from_zero() {
        assert_eq!(Rate::parse("16"), Ok(Rate(1600)));
        assert_eq!(Rate::parse("7.25 %"), Ok(Rate(725)));
        assert_eq!(Rate::parse(""), Ok(Rate::ZERO));
        assert!(Rate::parse("101").is_err());
        assert!(Rate::parse("7.125").is_err());
        // 10.5 cents rounds to 11, -10.5 to -11.
        assert_eq!(Rate(1000).of(105), 11);
        assert_eq!(Rate(1000).of(-105), -11);
        assert_eq!(Rate(1000).of(104), 10);
        assert_eq!(Rate(725).label(), "7.25 %");
        assert_eq!(Rate(750).label(), "7.5 %");
        assert_eq!(Rate(1600).label(), "16 %");
    }

    #[test]
    fn a_line_is_taxed_after_its_discount() {
        let line = LineInput {
            quantity: 3,
            unit_price: 1999,
            discount: 500,
            tax_rate: Rate(1600),
        };
        let a = line.amounts();
        assert_eq!(a.gross, 5997);
        assert_eq!(a.tax, 880); // 16 % of 54.97 is 8.7952
        assert_eq!(a.total, 5497 + 880);
        assert!(check_discount(6000, a.gross).is_err());
        assert_eq!(split(100, 3), vec![34, 33, 33]);
        assert_eq!(portions(1001, Rate(8000)), (801, 200));
    }

    fn line() -> impl Strategy<Value = LineInput> {
        (1..1000i32, 0..10_000_000i64, 0..=10_000u32, 0..=100u32).prop_map(
            |(quantity, unit_price, tax, discount_pct)| {
                let gross = quantity as i64 * unit_price;
                LineInput {
                    quantity,
                    unit_price,
                    discount: gross * discount_pct as i64 / 100,
                    tax_rate: Rate(tax),
                }
            },
        )
    }

    proptest! {
        #[test]
        fn an_invoice_total_is_the_sum_of_its_lines(lines in prop::collection::vec(line(), 0..40)) {
            let totals = Totals::of(&lines);
            let sum: i64 = lines.iter().map(|l| l.amounts().total).sum();
            prop_assert_eq!(totals.total, sum);
            prop_assert_eq!(totals.total, totals.subtotal - totals.discount + totals.tax);
            for l in &lines {
                let a = l.amounts();
                prop_assert!(a.discount <= a.gross && a.tax >= 0 && a.total >= 0);
            }
        }

        #[test]
        fn the_balance_follows_payments_and_refunds(total in 0..1_000_000_000i64, payments in prop::collection::vec(0..100_000_000i64, 0..10)) {
            let paid: i64 = payments.iter().sum();
            let refunded = paid / 3;
            prop_assert_eq!(balance(total, paid, refunded, 0), total - paid + refunded);
            prop_assert_eq!(balance(total, 0, 0, total), 0);
        }

        #[test]
        fn instalments_lose_no_minor_unit(amount in 0..1_000_000_000_000i64, parts in 1..120u32) {
            let split = split(amount, parts);
            prop_assert_eq!(split.len(), parts as usize);
            prop_assert_eq!(split.iter().sum::<i64>(), amount);
            let (min, max) = (split.iter().min().unwrap(), split.iter().max().unwrap());
            prop_assert!(max - min <= 1);
        }

        #[test]
        fn portions_add_up(total in 0..1_000_000_000_000i64, share in 0..=10_000u32) {
            let (insurer, patient) = portions(total, Rate(share));
            prop_assert_eq!(insurer + patient, total);
            prop_assert!(insurer >= 0 && patient >= 0);
        }

        #[test]
        fn typed_amounts_read_back(minor in 0..MAX_AMOUNT) {
            let eur = Currency::parse("EUR").unwrap();
            let typed = eur.format_major(minor).replace(',', "");
            prop_assert_eq!(eur.parse_amount(&typed), Ok(minor));
        }
    }
}

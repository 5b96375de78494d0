//! Patient identity: the MRN with its check digit, and the profile.

use crate::ids::PatientId;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

crate::coded!(
/// Administrative sex as used for records and claims (FHIR `AdministrativeGender`).
/// Gender identity is a separate field, added with the full demographics.
AdministrativeSex {
    Female = "female", "Female";
    Male = "male", "Male";
    Other = "other", "Other";
    Unknown = "unknown", "Unknown";
} "Choose the sex recorded for administrative purposes.");

/// A patient's name as lists file it: "Family, Given". Either part may
/// be in any script; show it with `dir="auto"`.
pub fn filing_name(family: &str, given: &str) -> String {
    format!("{family}, {given}")
}

/// A medical record number: eight digits and a Luhn check digit, e.g. `40213975-3`
/// is stored as `402139753`. The check digit catches a mistyped digit and most
/// swapped neighbours before a record is looked up.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Mrn(String);

impl Mrn {
    pub const BODY_LEN: usize = 8;

    /// Builds the MRN for an eight-digit body by appending its check digit.
    pub fn from_body(body: u32) -> Mrn {
        let body = format!("{:08}", body % 100_000_000);
        let check = luhn_check_digit(&body);
        Mrn(format!("{body}{check}"))
    }

    /// Accepts an MRN as typed (spaces and dashes allowed) and verifies the check digit.
    pub fn parse(input: &str) -> Result<Mrn, String> {
        let digits: String = input.chars().filter(|c| !matches!(c, ' ' | '-')).collect();
        if digits.len() != Self::BODY_LEN + 1 || !digits.chars().all(|c| c.is_ascii_digit()) {
            return Err("An MRN has 9 digits.".into());
        }
        let (body, check) = digits.split_at(Self::BODY_LEN);
        if luhn_check_digit(body).to_string() != check {
            return Err("This MRN's check digit is wrong; check for a mistyped digit.".into());
        }
        Ok(Mrn(digits))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The form printed on wristbands and letters: `40213975-3`.
    pub fn display(&self) -> String {
        format!(
            "{}-{}",
            &self.0[..Self::BODY_LEN],
            &self.0[Self::BODY_LEN..]
        )
    }
}

/// The Luhn (mod 10) check digit for a string of digits.
pub fn luhn_check_digit(digits: &str) -> u32 {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 0 {
                let doubled = d * 2;
                if doubled > 9 {
                    doubled - 9
                } else {
                    doubled
                }
            } else {
                d
            }
        })
        .sum();
    (10 - sum % 10) % 10
}

/// The patient's own view of their registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientProfile {
    pub id: PatientId,
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: AdministrativeSex,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub registered_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browsers_check_agrees_with_the_servers_reading() {
        for input in [
            "",
            "a",
            "王",
            "王伟",
            "Müller",
            "mü",
            "Мария",
            "מרים",
            "أحمد",
            "देवी",
            "ab",
            "--",
            "..",
            "402139753",
            "40213975-3",
            "+49 151 1234567",
            "1984-03-27",
            "27.03.1984",
            "12",
            "o'brien",
            "x".repeat(101).as_str(),
            "  ",
            "a1",
        ] {
            let server = PatientQuery::parse(input).map(|q| q.is_some());
            assert_eq!(PatientQuery::searchable(input), server, "{input:?}");
        }
    }

    #[test]
    fn luhn_matches_known_values() {
        // 7992739871 has check digit 3 (the textbook example).
        assert_eq!(luhn_check_digit("7992739871"), 3);
        assert_eq!(luhn_check_digit("00000000"), 0);
    }

    #[test]
    fn mrn_round_trips_and_rejects_typos() {
        let mrn = Mrn::from_body(40213975);
        assert_eq!(Mrn::parse(mrn.as_str()).unwrap(), mrn);
        assert_eq!(Mrn::parse(&mrn.display()).unwrap(), mrn);
        // Change each digit in turn: the check digit must catch every single-digit error.
        for i in 0..mrn.as_str().len() {
            let mut bytes = mrn.as_str().as_bytes().to_vec();
            bytes[i] = b'0' + (bytes[i] - b'0' + 1) % 10;
            let typo = String::from_utf8(bytes).unwrap();
            assert!(Mrn::parse(&typo).is_err(), "{typo} should fail");
        }
        assert!(Mrn::parse("1234").unwrap_err().contains("9 digits"));
    }

    #[test]
    fn sex_parses_known_values_only() {
        assert_eq!(
            AdministrativeSex::parse("male"),
            Ok(AdministrativeSex::Male)
        );
        assert!(AdministrativeSex::parse("").is_err());
        assert!(AdministrativeSex::parse("x").is_err());
    }
}

/// What a search box query is taken to mean.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PatientQuery {
    /// A complete MRN with a valid check digit.
    Mrn(Mrn),
    /// A phone number (7–15 digits), normalised like stored numbers.
    Phone(String),
    BirthDate(NaiveDate),
    /// Name words in Latin script, folded to ASCII (see `text::fold`), at
    /// least one: matched against the names' ASCII (transliterated) forms.
    Name(Vec<String>),
    /// Name words with a letter of another script (Cyrillic, Han, Arabic,
    /// …), in their own script (see `text::native_words`), at least one:
    /// matched against the names' native forms.
    NativeName(Vec<String>),
}

/// What a search box holds, before any name is folded.
enum Reading<'a> {
    /// Fully read: an MRN, a phone number or a birth date.
    Exact(#[cfg_attr(target_arch = "wasm32", allow(dead_code))] PatientQuery),
    /// Name words, still as typed.
    Words(&'a str),
}

impl PatientQuery {
    /// The shape of a search box's text: `Ok(None)` means "not enough to
    /// search yet" (one character, a lone digit; but one Chinese, Japanese or
    /// Korean character is a name: 王); `Err` explains input that can never
    /// match.
    fn read(input: &str) -> Result<Option<Reading<'_>>, String> {
        let trimmed = input.trim();
        if trimmed.chars().count() < 2 && !trimmed.chars().any(crate::text::is_cjk) {
            return Ok(None);
        }
        if trimmed.chars().count() > 100 {
            return Err("Search for at most 100 characters.".into());
        }
        if let Some(date) = parse_search_date(trimmed) {
            return Ok(Some(Reading::Exact(PatientQuery::BirthDate(date))));
        }
        let numeric = trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || " +-().".contains(c));
        if numeric {
            let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
            if digits.len() == Mrn::BODY_LEN + 1 && !trimmed.starts_with('+') {
                if let Ok(mrn) = Mrn::parse(&digits) {
                    return Ok(Some(Reading::Exact(PatientQuery::Mrn(mrn))));
                }
            }
            if digits.len() >= 7 {
                return crate::validate::Phone::parse(trimmed)
                    .map(|p| Some(Reading::Exact(PatientQuery::Phone(p.into_inner()))));
            }
            return Ok(None);
        }
        Ok(Some(Reading::Words(trimmed)))
    }

    /// Whether a search box holds something worth sending, as the browser
    /// checks it: without folding names, whose tables (`deunicode`, Unicode
    /// normalisation and case folding) stay out of the browser's download.
    /// A name counts when it has a letter or a digit; the server's
    /// [`PatientQuery::parse`] has the last word.
    pub fn searchable(input: &str) -> Result<bool, String> {
        Ok(match Self::read(input)? {
            None => false,
            Some(Reading::Exact(_)) => true,
            Some(Reading::Words(words)) => words.chars().any(char::is_alphanumeric),
        })
    }

    /// Reads a search box (the server's side): as [`PatientQuery::read`], with
    /// name words folded for the search columns.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn parse(input: &str) -> Result<Option<PatientQuery>, String> {
        let Some(reading) = Self::read(input)? else {
            return Ok(None);
        };
        let words = match reading {
            Reading::Exact(query) => return Ok(Some(query)),
            Reading::Words(words) => words,
        };
        if words.chars().any(crate::text::is_non_latin_letter) {
            let words = crate::text::native_words(words);
            return Ok((!words.is_empty()).then_some(PatientQuery::NativeName(words)));
        }
        let words = crate::text::query_words(words);
        Ok((!words.is_empty()).then_some(PatientQuery::Name(words)))
    }
}

/// Dates as people type them at a front desk: `1984-03-27`, `27.03.1984`, `27/03/1984`.
fn parse_search_date(s: &str) -> Option<NaiveDate> {
    ["%Y-%m-%d", "%d.%m.%Y", "%d/%m/%Y"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// One patient in a search result list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientSearchHit {
    pub id: PatientId,
    /// As displayed, `40213975-3`.
    pub mrn: String,
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: Option<NaiveDate>,
    pub sex: AdministrativeSex,
    pub phone: Option<String>,
    /// An emergency fast-track record whose identity is not yet confirmed.
    pub temporary: bool,
}

/// Where the next page of a search starts (keyset pagination: stable under
/// inserts, and as fast on page 100 as on page 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchCursor {
    /// Which step of the search the page ended in (for names: exact family,
    /// exact given, family prefix, given prefix, …; see the server's search).
    pub phase: u8,
    pub family: String,
    pub given: String,
    pub id: Uuid,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientSearchPage {
    pub hits: Vec<PatientSearchHit>,
    pub next: Option<SearchCursor>,
}

pub const PATIENT_SEARCH_PAGE: u64 = 20;

#[cfg(test)]
mod query_tests {
    use super::*;

    #[test]
    fn search_box_input_is_classified() {
        let mrn = Mrn::from_body(40213975);
        assert_eq!(
            PatientQuery::parse(&mrn.display()),
            Ok(Some(PatientQuery::Mrn(mrn.clone())))
        );
        assert_eq!(
            PatientQuery::parse("7"),
            Ok(None),
            "never fires on a single digit"
        );
        assert_eq!(PatientQuery::parse("m"), Ok(None));
        assert_eq!(
            PatientQuery::parse("12345"),
            Ok(None),
            "too few digits for anything"
        );
        assert_eq!(
            PatientQuery::parse("+44 7700 900123"),
            Ok(Some(PatientQuery::Phone("+447700900123".into())))
        );
        // Nine digits with a wrong check digit are a phone number, not an MRN.
        let mut typo = mrn.as_str().to_string();
        typo.replace_range(8..9, if &typo[8..9] == "0" { "1" } else { "0" });
        assert!(matches!(
            PatientQuery::parse(&typo),
            Ok(Some(PatientQuery::Phone(_)))
        ));
        let date = NaiveDate::from_ymd_opt(1984, 3, 27).unwrap();
        for s in ["1984-03-27", "27.03.1984", "27/03/1984"] {
            assert_eq!(
                PatientQuery::parse(s),
                Ok(Some(PatientQuery::BirthDate(date))),
                "{s}"
            );
        }
        assert_eq!(
            PatientQuery::parse("  Müller  Jo "),
            Ok(Some(PatientQuery::Name(vec!["muller".into(), "jo".into()])))
        );
        // Other scripts are searched in their own, case-folded.
        assert_eq!(
            PatientQuery::parse(" МАРИЯ Ив "),
            Ok(Some(PatientQuery::NativeName(vec![
                "мария".into(),
                "ив".into()
            ])))
        );
        assert_eq!(
            PatientQuery::parse("Đặng Văn"),
            Ok(Some(PatientQuery::Name(vec!["dang".into(), "van".into()]))),
            "Vietnamese is Latin script"
        );
        // One CJK character is enough for a name; one Latin letter is not.
        assert_eq!(
            PatientQuery::parse("王"),
            Ok(Some(PatientQuery::NativeName(vec!["王".into()])))
        );
        assert_eq!(
            PatientQuery::parse("王伟"),
            Ok(Some(PatientQuery::NativeName(vec!["王伟".into()])))
        );
        assert_eq!(PatientQuery::parse("м"), Ok(None));
    }
}

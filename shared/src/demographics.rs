//! Demographics: registration by staff, the emergency fast-track, what
//! patients edit themselves (contact, emergency contacts, insurance, consents),
//! and merging two records. Forms carry text as typed; `parse` checks every
//! field and reports all problems at once, the same way in the browser and on
//! the server.

use crate::ids::PatientId;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::patients::{AdministrativeSex, PatientSearchHit};
use crate::validate::{
    bounded_text, optional, parse_birth_date, Email, NationalId, PersonName, Phone,
};
use crate::AppError;

crate::coded!(
/// Where a record stands.
PatientStatus {
    Active = "active", "Active";
    /// Registered by the emergency fast-track; identity not yet confirmed.
    Temporary = "temporary", "Temporary";
    /// Merged into another record, which now holds everything.
    Merged = "merged", "Merged";
} "Choose the status.");

crate::coded!(
/// Primary or secondary insurance.
CoverageRank {
    Primary = "primary", "Primary";
    Secondary = "secondary", "Secondary";
} "Choose primary or secondary.");

/// A person to call in an emergency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyContact {
    pub name: String,
    pub relationship: String,
    pub phone: String,
    pub email: Option<String>,
}

/// An insurance coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    pub payer: String,
    pub member_id: String,
    pub group_number: Option<String>,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub rank: CoverageRank,
}

/// An emergency contact as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmergencyContactForm {
    pub name: String,
    pub relationship: String,
    pub phone: String,
    pub email: String,
}

/// A coverage as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CoverageForm {
    pub payer: String,
    pub member_id: String,
    pub group_number: String,
    pub valid_from: String,
    pub valid_to: String,
    pub rank: String,
}

impl From<&EmergencyContact> for EmergencyContactForm {
    fn from(c: &EmergencyContact) -> Self {
        Self {
            name: c.name.clone(),
            relationship: c.relationship.clone(),
            phone: c.phone.clone(),
            email: c.email.clone().unwrap_or_default(),
        }
    }
}

impl From<&Coverage> for CoverageForm {
    fn from(c: &Coverage) -> Self {
        Self {
            payer: c.payer.clone(),
            member_id: c.member_id.clone(),
            group_number: c.group_number.clone().unwrap_or_default(),
            valid_from: c.valid_from.map(|d| d.to_string()).unwrap_or_default(),
            valid_to: c.valid_to.map(|d| d.to_string()).unwrap_or_default(),
            rank: c.rank.as_str().to_string(),
        }
    }
}

/// The contact part of a record: what a patient may change themselves.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactForm {
    pub phone: String,
    pub email: String,
    pub address_line: String,
    pub city: String,
    pub postal_code: String,
    pub country: String,
    pub consent_sms: bool,
    pub consent_email: bool,
    pub consent_research: bool,
    /// `""` (no preference), `email` or `sms`.
    pub preferred_channel: String,
    pub emergency_contacts: Vec<EmergencyContactForm>,
    pub coverages: Vec<CoverageForm>,
}

/// Contact details that passed every rule.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactDetails {
    pub phone: Option<String>,
    pub email: Option<String>,
    pub address_line: Option<String>,
    pub city: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    pub consent_sms: bool,
    pub consent_email: bool,
    pub consent_research: bool,
    /// Where appointment messages go when the patient consented to both.
    pub preferred_channel: Option<crate::notify::Channel>,
    pub emergency_contacts: Vec<EmergencyContact>,
    pub coverages: Vec<Coverage>,
}

/// At most this many emergency contacts and coverages per patient.
pub const MAX_CONTACTS: usize = 5;
pub const MAX_COVERAGES: usize = 4;

fn optional_text(input: &str, max: usize, what: &str) -> Result<Option<String>, String> {
    bounded_text(input, max, what).map(|s| (!s.is_empty()).then_some(s))
}

fn parse_iso_date(input: &str, what: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(input.trim(), "%Y-%m-%d")
        .map_err(|_| format!("Enter the {what} as YYYY-MM-DD, e.g. 2026-01-31."))
}

impl ContactForm {
    pub fn from_details(d: &ContactDetails) -> Self {
        Self {
            phone: d.phone.clone().unwrap_or_default(),
            email: d.email.clone().unwrap_or_default(),
            address_line: d.address_line.clone().unwrap_or_default(),
            city: d.city.clone().unwrap_or_default(),
            postal_code: d.postal_code.clone().unwrap_or_default(),
            country: d.country.clone().unwrap_or_default(),
            consent_sms: d.consent_sms,
            consent_email: d.consent_email,
            consent_research: d.consent_research,
            preferred_channel: d
                .preferred_channel
                .map(|c| c.as_str().to_string())
                .unwrap_or_default(),
            emergency_contacts: d.emergency_contacts.iter().map(Into::into).collect(),
            coverages: d.coverages.iter().map(Into::into).collect(),
        }
    }

    /// Field names: `phone`, `email`, …, `emergency_contacts.0.phone`, `coverages.1.member_id`.
    pub fn parse_into(&self, errors: &mut FieldErrors) -> Option<ContactDetails> {
        let phone = errors.check("phone", optional(&self.phone, Phone::parse));
        let email = errors.check("email", optional(&self.email, Email::parse));
        let address_line = errors.check(
            "address_line",
            optional_text(&self.address_line, 200, "address"),
        );
        let city = errors.check("city", optional_text(&self.city, 100, "city"));
        let postal_code = errors.check(
            "postal_code",
            optional_text(&self.postal_code, 20, "postal code"),
        );
        let country = errors.check("country", optional_text(&self.country, 100, "country"));
        if self.consent_sms && self.phone.trim().is_empty() {
            errors.push("consent_sms", "Text messages need a phone number.");
        }
        if self.consent_email && self.email.trim().is_empty() {
            errors.push("consent_email", "E-mail needs an e-mail address.");
        }
        let preferred_channel = match self.preferred_channel.trim() {
            "" => None,
            other => match crate::notify::Channel::parse(other) {
                Ok(c) => {
                    let consented = match c {
                        crate::notify::Channel::Email => self.consent_email,
                        crate::notify::Channel::Sms => self.consent_sms,
                    };
                    if !consented {
                        errors.push(
                            "preferred_channel",
                            "Tick the consent for this channel first, or choose no preference.",
                        );
                    }
                    Some(c)
                }
                Err(_) => {
                    errors.push(
                        "preferred_channel",
                        "Choose e-mail, text message or no preference.",
                    );
                    None
                }
            },
        };

        if self.emergency_contacts.len() > MAX_CONTACTS {
            errors.push(
                "emergency_contacts",
                format!("Enter at most {MAX_CONTACTS} emergency contacts."),
            );
        }
        let mut contacts = Vec::new();
        for (i, c) in self.emergency_contacts.iter().enumerate() {
            let f = |name: &str| format!("emergency_contacts.{i}.{name}");
            let name = errors.check(
                &f("name"),
                PersonName::parse(&c.name, "contact's name").map(PersonName::into_inner),
            );
            let relationship = errors.check(
                &f("relationship"),
                bounded_text(&c.relationship, 64, "relationship").and_then(|r| {
                    if r.is_empty() {
                        Err(
                            "Say how this person is related, e.g. daughter, partner, friend."
                                .into(),
                        )
                    } else {
                        Ok(r)
                    }
                }),
            );
            let phone = errors.check(&f("phone"), Phone::parse(&c.phone).map(Phone::into_inner));
            let email = errors.check(&f("email"), optional(&c.email, Email::parse));
            if let (Some(name), Some(relationship), Some(phone), Some(email)) =
                (name, relationship, phone, email)
            {
                contacts.push(EmergencyContact {
                    name,
                    relationship,
                    phone,
                    email: email.map(Email::into_inner),
                });
            }
        }

        if self.coverages.len() > MAX_COVERAGES {
            errors.push(
                "coverages",
                format!("Enter at most {MAX_COVERAGES} coverages."),
            );
        }
        let mut coverages = Vec::new();
        for (i, c) in self.coverages.iter().enumerate() {
            let f = |name: &str| format!("coverages.{i}.{name}");
            let payer = errors.check(
                &f("payer"),
                bounded_text(&c.payer, 200, "payer").and_then(|p| {
                    if p.is_empty() {
                        Err("Enter the insurer's name.".into())
                    } else {
                        Ok(p)
                    }
                }),
            );
            let member_id = errors.check(
                &f("member_id"),
                bounded_text(&c.member_id, 64, "member id").and_then(|m| {
                    if m.is_empty() {
                        Err("Enter the member id from the insurance card.".into())
                    } else {
                        Ok(m)
                    }
                }),
            );
            let group_number = errors.check(
                &f("group_number"),
                optional_text(&c.group_number, 64, "group number"),
            );
            let valid_from = errors.check(
                &f("valid_from"),
                optional(&c.valid_from, |s| parse_iso_date(s, "start date")),
            );
            let valid_to = errors.check(
                &f("valid_to"),
                optional(&c.valid_to, |s| parse_iso_date(s, "end date")),
            );
            if let (Some(Some(from)), Some(Some(to))) = (valid_from, valid_to) {
                if to < from {
                    errors.push(&f("valid_to"), "The coverage cannot end before it starts.");
                }
            }
            let rank = errors.check(&f("rank"), CoverageRank::parse(&c.rank));
            if let (
                Some(payer),
                Some(member_id),
                Some(group_number),
                Some(valid_from),
                Some(valid_to),
                Some(rank),
            ) = (payer, member_id, group_number, valid_from, valid_to, rank)
            {
                coverages.push(Coverage {
                    payer,
                    member_id,
                    group_number,
                    valid_from,
                    valid_to,
                    rank,
                });
            }
        }
        if coverages
            .iter()
            .filter(|c| c.rank == CoverageRank::Primary)
            .count()
            > 1
        {
            errors.push("coverages", "Only one coverage can be primary.");
        }

        Some(ContactDetails {
            phone: phone?.map(Phone::into_inner),
            email: email?.map(Email::into_inner),
            address_line: address_line?,
            city: city?,
            postal_code: postal_code?,
            country: country?,
            consent_sms: self.consent_sms,
            consent_email: self.consent_email,
            consent_research: self.consent_research,
            preferred_channel,
            emergency_contacts: contacts,
            coverages,
        })
    }

    pub fn parse(&self) -> Result<ContactDetails, AppError> {
        let mut errors = FieldErrors::new();
        let parsed = self.parse_into(&mut errors);
        errors.finish()?;
        parsed.ok_or(AppError::Internal)
    }
}

/// The whole registration as typed by staff (or the identity part of an edit).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DemographicsForm {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: String,
    pub date_of_birth: String,
    pub birth_date_estimated: bool,
    pub sex: String,
    pub gender_identity: String,
    pub language: String,
    /// As typed; stored in its canonical form ([`NationalId`]).
    pub national_id: String,
    pub contact: ContactForm,
}

/// Demographics that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Demographics {
    pub given_name: String,
    pub family_name: String,
    pub preferred_name: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    pub birth_date_estimated: bool,
    pub sex: AdministrativeSex,
    pub gender_identity: Option<String>,
    pub language: Option<String>,
    /// In its canonical form (`NationalId`). Encrypted where it is stored,
    /// found through a keyed hash of it.
    pub national_id: Option<String>,
    pub contact: ContactDetails,
}

impl DemographicsForm {
    pub fn from_demographics(d: &Demographics) -> Self {
        Self {
            given_name: d.given_name.clone(),
            family_name: d.family_name.clone(),
            preferred_name: d.preferred_name.clone().unwrap_or_default(),
            date_of_birth: d.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
            birth_date_estimated: d.birth_date_estimated,
            sex: d.sex.as_str().to_string(),
            gender_identity: d.gender_identity.clone().unwrap_or_default(),
            language: d.language.clone().unwrap_or_default(),
            national_id: d.national_id.clone().unwrap_or_default(),
            contact: ContactForm::from_details(&d.contact),
        }
    }

    pub fn parse(&self, today: NaiveDate) -> Result<Demographics, AppError> {
        let mut errors = FieldErrors::new();
        let given_name = errors.check(
            "given_name",
            PersonName::parse(&self.given_name, "given name").map(PersonName::into_inner),
        );
        let family_name = errors.check(
            "family_name",
            PersonName::parse(&self.family_name, "family name").map(PersonName::into_inner),
        );
        let preferred_name = errors.check(
            "preferred_name",
            optional(&self.preferred_name, |s| {
                PersonName::parse(s, "preferred name").map(PersonName::into_inner)
            }),
        );
        let date_of_birth = errors.check(
            "date_of_birth",
            optional(&self.date_of_birth, |s| parse_birth_date(s, today)),
        );
        if self.birth_date_estimated && self.date_of_birth.trim().is_empty() {
            errors.push(
                "date_of_birth",
                "Enter the estimated date of birth, or untick “estimated”.",
            );
        }
        let sex = errors.check("sex", AdministrativeSex::parse(&self.sex));
        let gender_identity = errors.check(
            "gender_identity",
            optional_text(&self.gender_identity, 64, "gender identity"),
        );
        let language = errors.check("language", optional_text(&self.language, 64, "language"));
        let national_id = errors.check(
            "national_id",
            optional(&self.national_id, |s| {
                NationalId::parse(s).map(NationalId::into_inner)
            }),
        );
        let contact = self.contact.parse_into(&mut errors);
        errors.finish()?;
        let missing = || AppError::Internal;
        Ok(Demographics {
            given_name: given_name.ok_or_else(missing)?,
            family_name: family_name.ok_or_else(missing)?,
            preferred_name: preferred_name.ok_or_else(missing)?,
            date_of_birth: date_of_birth.ok_or_else(missing)?,
            birth_date_estimated: self.birth_date_estimated,
            sex: sex.ok_or_else(missing)?,
            gender_identity: gender_identity.ok_or_else(missing)?,
            language: language.ok_or_else(missing)?,
            national_id: national_id.ok_or_else(missing)?,
            contact: contact.ok_or_else(missing)?,
        })
    }
}

/// What a staff registration answers: the new record, or the records it may
/// duplicate (nothing was saved; submit again with `confirm_new` to go ahead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RegistrationOutcome {
    Registered { id: PatientId, mrn: String },
    PossibleDuplicates(Vec<DuplicateCandidate>),
}

/// A record that looks like the one being registered, and why.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicateCandidate {
    pub patient: PatientSearchHit,
    /// e.g. "Same name and date of birth", "Same phone number".
    pub reasons: Vec<String>,
}

/// An unknown patient arriving in an emergency: only what is known.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FastTrackForm {
    pub sex: String,
    /// Whole years, e.g. "40"; may be blank when nobody can tell.
    pub approximate_age: String,
    /// `YYYY-MM-DDTHH:MM` in UTC as a `datetime-local` field sends it; blank means now.
    pub arrived_at: String,
    /// e.g. "unknown male, ~40, brought in by ambulance from the A1".
    pub description: String,
}

/// A fast-track that passed every rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FastTrack {
    pub sex: AdministrativeSex,
    pub approximate_age: Option<u32>,
    pub arrived_at: DateTime<Utc>,
    pub description: String,
}

impl FastTrackForm {
    pub fn parse(&self, at: &impl crate::time::HospitalTime) -> Result<FastTrack, AppError> {
        let now = at.now();
        let mut errors = FieldErrors::new();
        let sex = if self.sex.trim().is_empty() {
            Some(AdministrativeSex::Unknown)
        } else {
            errors.check("sex", AdministrativeSex::parse(&self.sex))
        };
        let approximate_age = errors.check(
            "approximate_age",
            optional(&self.approximate_age, |s| {
                s.trim()
                    .trim_start_matches('~')
                    .parse::<u32>()
                    .ok()
                    .filter(|a| *a <= 120)
                    .ok_or_else(|| "Enter the approximate age in whole years (0–120).".to_string())
            }),
        );
        let arrived_at = errors.check(
            "arrived_at",
            optional(&self.arrived_at, |s| {
                let t = crate::time::parse_wall_time(s, at, "arrival time")?;
                if t > now + chrono::Duration::minutes(5) {
                    return Err("The arrival time cannot be in the future.".into());
                }
                if t < now - chrono::Duration::days(7) {
                    return Err("The arrival time is more than a week ago; check the date.".into());
                }
                Ok(t)
            }),
        );
        let description = errors.check(
            "description",
            bounded_text(&self.description, 200, "description").and_then(|d| {
                if d.chars().count() < 3 {
                    Err("Describe the patient so others can recognise them, e.g. “unknown male, ~40, red jacket”.".into())
                } else {
                    Ok(d)
                }
            }),
        );
        errors.finish()?;
        Ok(FastTrack {
            sex: sex.ok_or(AppError::Internal)?,
            approximate_age: approximate_age.ok_or(AppError::Internal)?,
            arrived_at: arrived_at.ok_or(AppError::Internal)?.unwrap_or(now),
            description: description.ok_or(AppError::Internal)?,
        })
    }
}

impl FastTrack {
    /// The estimated birth date for an approximate age: 1 July of the year
    /// that age implies, the usual convention when only the age is known.
    pub fn estimated_birth_date(&self) -> Option<NaiveDate> {
        let age = self.approximate_age?;
        let year = self.arrived_at.year() - age as i32;
        NaiveDate::from_ymd_opt(year, 7, 1)
    }

    /// The temporary name shown until the identity is known: family name
    /// "Unknown", given name from sex, age and arrival time, e.g. "Male ~40 (ED 14:32)".
    pub fn temporary_names(&self) -> (String, String) {
        let sex = match self.sex {
            AdministrativeSex::Female => "Female",
            AdministrativeSex::Male => "Male",
            _ => "Patient",
        };
        let age = self
            .approximate_age
            .map(|a| format!(" ~{a}"))
            .unwrap_or_default();
        (
            format!("{sex}{age} ({})", self.arrived_at.format("%d %b %H:%M")),
            "Unknown".to_string(),
        )
    }
}

/// What a merge will move, shown before anyone confirms it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergePreview {
    /// The record that disappears into the other (its MRN becomes an alias).
    pub source: PatientSearchHit,
    pub target: PatientSearchHit,
    /// (what, how many), e.g. ("Encounters", 3).
    pub moves: Vec<(String, u64)>,
    /// Things the user should know, e.g. different dates of birth.
    pub warnings: Vec<String>,
}

/// The result of a merge.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MergeResult {
    pub target_id: PatientId,
    pub target_mrn: String,
    pub alias_mrn: String,
    pub moved: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn valid() -> DemographicsForm {
        DemographicsForm {
            given_name: "Ana".into(),
            family_name: "Souza".into(),
            date_of_birth: "1990-05-01".into(),
            sex: "female".into(),
            ..Default::default()
        }
    }

    #[test]
    fn demographics_report_every_bad_field() {
        let mut form = valid();
        form.given_name = " ".into();
        form.sex = String::new();
        form.contact.phone = "12".into();
        form.contact.consent_email = true;
        form.contact.emergency_contacts.push(EmergencyContactForm {
            name: "Jo".into(),
            relationship: String::new(),
            phone: "abc".into(),
            email: String::new(),
        });
        form.contact.coverages.push(CoverageForm {
            payer: "Acme".into(),
            member_id: String::new(),
            valid_from: "2026-01-01".into(),
            valid_to: "2025-01-01".into(),
            rank: "primary".into(),
            ..Default::default()
        });
        let Err(AppError::Validation(errors)) = form.parse(today()) else {
            panic!("expected field errors");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "given_name",
            "sex",
            "phone",
            "consent_email",
            "emergency_contacts.0.relationship",
            "emergency_contacts.0.phone",
            "coverages.0.member_id",
            "coverages.0.valid_to",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn valid_demographics_parse() {
        let mut form = valid();
        form.preferred_name = "Aninha".into();
        form.contact.coverages.push(CoverageForm {
            payer: "Acme Health".into(),
            member_id: "X123".into(),
            rank: "primary".into(),
            ..Default::default()
        });
        let d = form.parse(today()).unwrap();
        assert_eq!(d.preferred_name.as_deref(), Some("Aninha"));
        assert_eq!(d.contact.coverages[0].rank, CoverageRank::Primary);
        assert_eq!(
            DemographicsForm::from_demographics(&d)
                .parse(today())
                .unwrap(),
            d
        );
    }

    #[test]
    fn two_primary_coverages_are_refused() {
        let mut form = valid();
        for id in ["A", "B"] {
            form.contact.coverages.push(CoverageForm {
                payer: "Acme".into(),
                member_id: id.into(),
                rank: "primary".into(),
                ..Default::default()
            });
        }
        assert!(form
            .parse(today())
            .unwrap_err()
            .field_message("coverages")
            .is_some());
    }

    #[test]
    fn fast_track_needs_only_a_description() {
        let now = "2026-11-22T14:32:00Z".parse::<DateTime<Utc>>().unwrap();
        let form = FastTrackForm {
            sex: "male".into(),
            approximate_age: "~40".into(),
            description: "unknown male, ~40".into(),
            ..Default::default()
        };
        let ft = form.parse(&crate::time::UtcHospital(now)).unwrap();
        assert_eq!(ft.arrived_at, now);
        assert_eq!(
            ft.estimated_birth_date(),
            NaiveDate::from_ymd_opt(1986, 7, 1)
        );
        assert_eq!(ft.temporary_names().0, "Male ~40 (22 Nov 14:32)");
        let bad = FastTrackForm {
            approximate_age: "forty".into(),
            arrived_at: "2026-11-23T10:00".into(),
            ..Default::default()
        };
        let err = bad.parse(&crate::time::UtcHospital(now)).unwrap_err();
        for f in ["approximate_age", "arrived_at", "description"] {
            assert!(err.field_message(f).is_some(), "{f}");
        }
    }
}

/// A whole patient record's administrative part, as staff and the patient see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PatientDetails {
    pub id: PatientId,
    /// As displayed, `40213975-3`.
    pub mrn: String,
    pub status: PatientStatus,
    pub temporary_description: Option<String>,
    pub arrived_at: Option<DateTime<Utc>>,
    /// When merged: the record that now holds everything.
    pub merged_into: Option<PatientId>,
    /// MRNs of records merged into this one, as displayed.
    pub aliases: Vec<String>,
    pub demographics: Demographics,
    pub registered_at: DateTime<Utc>,
}

impl PatientDetails {
    /// "Souza, Ana (Aninha)".
    pub fn display_name(&self) -> String {
        let d = &self.demographics;
        match &d.preferred_name {
            Some(p) => format!("{}, {} ({p})", d.family_name, d.given_name),
            None => format!("{}, {}", d.family_name, d.given_name),
        }
    }
}

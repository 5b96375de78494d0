//! The formulary: the drugs prescribers choose from, as the browser and the
//! server see them, and the form pharmacists and administrators keep it with.

use serde::{Deserialize, Serialize};

use crate::error::FieldErrors;
use crate::ids::DrugId;
use crate::validate::bounded_text;
use crate::AppError;

/// The most drugs one formulary search answers.
pub const FORMULARY_SEARCH_LIMIT: u64 = 25;

/// The coarse classes the allergy checks compare (the formulary data's
/// `allergy_class`, and the cross-reactivity rules').
pub const ALLERGY_CLASSES: &[&str] = &[
    "penicillin",
    "cephalosporin",
    "carbapenem",
    "monobactam",
    "macrolide",
    "fluoroquinolone",
    "tetracycline",
    "aminoglycoside",
    "glycopeptide",
    "sulfonamide-antibiotic",
    "sulfonamide-nonantibiotic",
    "nsaid",
    "cox2-inhibitor",
    "opioid",
    "ace-inhibitor",
    "arb",
    "statin",
    "heparin",
    "benzodiazepine",
    "aromatic-anticonvulsant",
];

/// A drug of the formulary.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormularyDrug {
    pub id: DrugId,
    pub drug: Drug,
    /// Retired drugs are not offered for new prescriptions.
    pub retired: bool,
}

impl FormularyDrug {
    /// How a list shows it: "amoxicillin 500 mg Oral Capsule".
    pub fn label(&self) -> String {
        let d = &self.drug;
        format!("{} {} {}", d.generic_name, d.strength, d.dose_form)
    }
}

/// The parts of a generic name (`amoxicillin / clavulanate`).
pub fn ingredients(generic_name: &str) -> Vec<&str> {
    generic_name
        .split(" / ")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// Comma-separated brand names as a list, blanks left out (as typed in the
/// form, and as stored).
pub fn brand_names(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|b| !b.is_empty())
        .map(str::to_string)
        .collect()
}

/// A drug as typed by the pharmacist or administrator who adds or edits it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrugForm {
    pub rxcui: String,
    pub generic_name: String,
    /// Comma-separated.
    pub brand_names: String,
    pub strength: String,
    pub dose_form: String,
    pub route: String,
    pub drug_class: String,
    pub allergy_class: String,
}

/// One drug, an ingredient or a fixed combination at one strength and
/// dose form, as it passed every rule of [`DrugForm`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drug {
    /// The RxNorm clinical drug code, when it has one.
    pub rxcui: Option<String>,
    /// Lower case; a combination joins its ingredients with ` / `.
    pub generic_name: String,
    pub brand_names: Vec<String>,
    pub strength: String,
    pub dose_form: String,
    pub route: String,
    pub drug_class: Option<String>,
    pub allergy_class: Option<String>,
}

impl Drug {
    /// The ingredients: a combination's parts, or the one ingredient. The
    /// allergy and interaction checks compare each.
    pub fn ingredients(&self) -> Vec<&str> {
        ingredients(&self.generic_name)
    }
}

/// Text that must be there, at most `max` characters.
fn required(input: &str, max: usize, what: &str) -> Result<String, String> {
    let s = bounded_text(input, max, what)?;
    if s.is_empty() {
        return Err(format!("Enter the {what}."));
    }
    Ok(s)
}

impl DrugForm {
    pub fn from_drug(d: &Drug) -> DrugForm {
        DrugForm {
            rxcui: d.rxcui.clone().unwrap_or_default(),
            generic_name: d.generic_name.clone(),
            brand_names: d.brand_names.join(", "),
            strength: d.strength.clone(),
            dose_form: d.dose_form.clone(),
            route: d.route.clone(),
            drug_class: d.drug_class.clone().unwrap_or_default(),
            allergy_class: d.allergy_class.clone().unwrap_or_default(),
        }
    }

    pub fn parse(&self) -> Result<Drug, AppError> {
        let mut errors = FieldErrors::new();
        let rxcui = errors.check("rxcui", {
            let s = self.rxcui.trim();
            if s.is_empty() {
                Ok(None)
            } else if s.len() <= 12 && s.chars().all(|c| c.is_ascii_digit()) {
                Ok(Some(s.to_string()))
            } else {
                Err("An RxNorm code has digits only (at most 12), e.g. 308191.".to_string())
            }
        });
        let generic_name = errors.check("generic_name", {
            required(&self.generic_name, 120, "generic name").map(|s| {
                // One spacing of combinations: "a/b" and "a / b" are one name.
                ingredients(&s.to_lowercase().replace('/', " / "))
                    .iter()
                    .map(|p| p.split_whitespace().collect::<Vec<_>>().join(" "))
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
        });
        let brand_names = errors.check("brand_names", {
            bounded_text(&self.brand_names, 300, "brand names").map(|s| brand_names(&s))
        });
        let strength = errors.check("strength", required(&self.strength, 120, "strength"));
        let dose_form = errors.check("dose_form", required(&self.dose_form, 80, "dose form"));
        let route = errors.check("route", required(&self.route, 32, "route"));
        let drug_class = errors.check(
            "drug_class",
            bounded_text(&self.drug_class, 300, "drug class").map(|s| (!s.is_empty()).then_some(s)),
        );
        let allergy_class = errors.check("allergy_class", {
            let s = self.allergy_class.trim().to_lowercase();
            if s.is_empty() {
                Ok(None)
            } else if ALLERGY_CLASSES.contains(&s.as_str()) {
                Ok(Some(s))
            } else {
                Err("Choose one of the allergy classes, or leave it empty.".to_string())
            }
        });
        errors.finish()?;
        let missing = || AppError::Internal;
        Ok(Drug {
            rxcui: rxcui.ok_or_else(missing)?,
            generic_name: generic_name.ok_or_else(missing)?,
            brand_names: brand_names.ok_or_else(missing)?,
            strength: strength.ok_or_else(missing)?,
            dose_form: dose_form.ok_or_else(missing)?,
            route: route.ok_or_else(missing)?,
            drug_class: drug_class.ok_or_else(missing)?,
            allergy_class: allergy_class.ok_or_else(missing)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn combinations_split_into_their_ingredients() {
        assert_eq!(
            ingredients("amoxicillin / clavulanate"),
            vec!["amoxicillin", "clavulanate"]
        );
        assert_eq!(ingredients("warfarin"), vec!["warfarin"]);
    }

    #[test]
    fn a_drug_form_is_normalised_or_refused_field_by_field() {
        let form = DrugForm {
            rxcui: " 308191 ".into(),
            generic_name: "Amoxicillin/Clavulanate".into(),
            brand_names: "Augmentin, , Clavamox ".into(),
            strength: "500 mg / 125 mg".into(),
            dose_form: "Oral Tablet".into(),
            route: "oral".into(),
            drug_class: String::new(),
            allergy_class: "Penicillin".into(),
        };
        let d = form.parse().unwrap();
        assert_eq!(d.rxcui.as_deref(), Some("308191"));
        assert_eq!(d.generic_name, "amoxicillin / clavulanate");
        assert_eq!(d.brand_names, vec!["Augmentin", "Clavamox"]);
        assert_eq!(d.drug_class, None);
        assert_eq!(d.allergy_class.as_deref(), Some("penicillin"));

        let bad = DrugForm {
            rxcui: "R-1".into(),
            allergy_class: "peanuts".into(),
            ..Default::default()
        };
        let AppError::Validation(errors) = bad.parse().unwrap_err() else {
            panic!("field errors expected");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            vec![
                "rxcui",
                "generic_name",
                "strength",
                "dose_form",
                "route",
                "allergy_class"
            ]
        );
    }
}

//! The electronic health record's coded data.

use serde::{Deserialize, Serialize};

/// One ICD-10-CM code, as offered when coding a problem or diagnosis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Icd10Code {
    /// With its dot, e.g. `E11.9`.
    pub code: String,
    pub description: String,
    /// A leaf code that may be used on a claim; categories are not.
    pub billable: bool,
}

/// The most codes one search returns.
pub const ICD10_SEARCH_LIMIT: u64 = 25;

/// An ICD-10-CM code as typed (`e119`, `E11.9`) in its stored form (`E11.9`).
pub fn normalize_icd10(input: &str) -> Result<String, String> {
    let compact: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .flat_map(char::to_uppercase)
        .collect();
    let valid = (3..=7).contains(&compact.len())
        && compact.starts_with(|c: char| c.is_ascii_uppercase())
        && compact.chars().all(|c| c.is_ascii_alphanumeric());
    if !valid {
        return Err("That is not an ICD-10-CM code (e.g. E11.9); pick one from the list.".into());
    }
    Ok(if compact.len() > 3 {
        format!("{}.{}", &compact[..3], &compact[3..])
    } else {
        compact
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_normalised() {
        assert_eq!(normalize_icd10(" e119 ").unwrap(), "E11.9");
        assert_eq!(normalize_icd10("S72.001A").unwrap(), "S72.001A");
        assert_eq!(normalize_icd10("I10").unwrap(), "I10");
        assert!(normalize_icd10("11.9").is_err());
        assert!(normalize_icd10("E1").is_err());
    }
}

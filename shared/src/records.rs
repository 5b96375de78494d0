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

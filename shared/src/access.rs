//! Who may open which record, and why: care relationships and break-glass.

use crate::ids::{PatientId, UserId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::FieldErrors;
use crate::validate::bounded_text;
use crate::AppError;

crate::coded!(
/// How a clinician comes to look after a patient.
CareRelationshipKind {
    /// They registered the patient (including the emergency fast-track).
    Registered = "registered", "Registered by you";
    /// Someone assigned them to the patient's care team.
    Assigned = "assigned", "In your care team";
    /// The patient has an appointment with them.
    Appointment = "appointment", "Has an appointment with you";
    /// The patient is admitted under them.
    Admission = "admission", "Admitted under you";
    /// They triaged the patient in the emergency department, or took them
    /// on there.
    Emergency = "emergency", "In your care in the emergency department";
} "Choose the kind of care relationship.");

impl CareRelationshipKind {
    /// How a care-team list names the relationship.
    pub fn team_label(self) -> &'static str {
        match self {
            CareRelationshipKind::Registered => "registered the patient",
            CareRelationshipKind::Assigned => "assigned",
            CareRelationshipKind::Appointment => "appointment",
            CareRelationshipKind::Admission => "admitting clinician",
            CareRelationshipKind::Emergency => "emergency department",
        }
    }
}

/// Why the caller may see a record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AccessBasis {
    /// The patient's own record.
    OwnRecord,
    CareRelationship(CareRelationshipKind),
    /// The patient lies in a bed of a ward the caller works on (its name).
    Ward(String),
    /// Emergency access, until the time given.
    BreakGlass {
        expires_at: DateTime<Utc>,
    },
}

/// How long a break-glass grant lasts.
pub const BREAK_GLASS_MINUTES: i64 = 60;

/// The reason a clinician gives for emergency access.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BreakGlassForm {
    pub reason: String,
}

impl BreakGlassForm {
    pub fn parse(&self) -> Result<String, AppError> {
        let mut errors = FieldErrors::new();
        let reason = errors.check(
            "reason",
            bounded_text(&self.reason, 500, "reason").and_then(|r| {
                if r.chars().count() < 10 {
                    Err("State the clinical reason in a sentence (at least 10 characters); it is reviewed.".into())
                } else {
                    Ok(r)
                }
            }),
        );
        errors.finish()?;
        reason.ok_or(AppError::Internal)
    }
}

/// One break-glass grant in the administrators' report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakGlassReportRow {
    pub id: Uuid,
    pub granted_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user_name: String,
    pub user_email: String,
    pub user_role: String,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub patient_mrn: String,
    pub reason: String,
    /// Chart reads by this user of this patient while the grant was valid.
    pub reads: u64,
}

/// A member of a patient's care team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareTeamMember {
    pub user_id: UserId,
    pub name: String,
    pub role: String,
    pub kind: CareRelationshipKind,
    pub since: DateTime<Utc>,
}

/// A clinician who can be assigned to a care team.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicianOption {
    pub user_id: UserId,
    pub name: String,
    pub role: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn break_glass_needs_a_real_reason() {
        let short = BreakGlassForm {
            reason: "help".into(),
        };
        assert!(short.parse().unwrap_err().field_message("reason").is_some());
        let ok = BreakGlassForm {
            reason: "Unconscious in ED, need allergies".into(),
        };
        assert_eq!(ok.parse().unwrap(), "Unconscious in ED, need allergies");
    }

    #[test]
    fn relationship_kinds_round_trip() {
        for k in CareRelationshipKind::ALL {
            assert_eq!(CareRelationshipKind::parse(k.as_str()), Ok(k));
        }
    }
}

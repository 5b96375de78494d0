//! The audit trail as the administrator's viewer sees it.

use crate::ids::{PatientId, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

crate::coded!(
/// How an audited action ended.
Outcome {
    Success = "success", "Success";
    /// Refused by a permission or access rule.
    Denied = "denied", "Denied";
    /// Failed for another reason (wrong password, validation, locked account).
    Failure = "failure", "Failure";
} "Choose an outcome.");

/// One row of the audit viewer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEventView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<UserId>,
    pub actor_email: Option<String>,
    pub actor_role: Option<crate::Role>,
    pub action: String,
    pub patient_id: Option<PatientId>,
    pub patient_mrn: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub outcome: Outcome,
    pub client_addr: Option<String>,
    pub detail: Option<String>,
}

/// The columns the viewer can sort by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditSortColumn {
    #[default]
    At,
    Actor,
    Action,
    Outcome,
}

impl AuditSortColumn {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditSortColumn::At => "at",
            AuditSortColumn::Actor => "actor",
            AuditSortColumn::Action => "action",
            AuditSortColumn::Outcome => "outcome",
        }
    }
}

/// The viewer's filters. Empty strings mean "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuditQuery {
    /// Part of the actor's e-mail address.
    pub user: String,
    /// A patient's MRN.
    pub patient: String,
    /// An action name or its prefix, e.g. `auth.` for all sign-in events.
    pub action: String,
    /// First day included (the hospital's day), `YYYY-MM-DD`.
    pub from: String,
    /// Last day included (the hospital's day), `YYYY-MM-DD`.
    pub to: String,
    pub sort: AuditSortColumn,
    pub descending: bool,
    pub page: u32,
}

/// The parsed date range of an [`AuditQuery`].
pub fn parse_audit_dates(
    query: &AuditQuery,
) -> Result<(Option<NaiveDate>, Option<NaiveDate>), crate::AppError> {
    let mut errors = crate::error::FieldErrors::new();
    let parse = |s: &str| -> Result<Option<NaiveDate>, String> {
        crate::validate::optional(s, |s| {
            NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                .map_err(|_| "Use the form YYYY-MM-DD.".to_string())
        })
    };
    let from = errors.check("from", parse(&query.from)).flatten();
    let to = errors.check("to", parse(&query.to)).flatten();
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            errors.push("to", "The end date is before the start date.");
        }
    }
    errors.finish()?;
    Ok((from, to))
}

/// One page of audit events.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEventView>,
    pub page: u32,
    pub page_size: u32,
    pub has_more: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_dates_must_be_ordered() {
        let q = AuditQuery {
            from: "2026-11-10".into(),
            to: "2026-11-01".into(),
            ..Default::default()
        };
        assert!(parse_audit_dates(&q)
            .unwrap_err()
            .field_message("to")
            .is_some());
        let q = AuditQuery {
            from: "yesterday".into(),
            ..Default::default()
        };
        assert!(parse_audit_dates(&q)
            .unwrap_err()
            .field_message("from")
            .is_some());
        assert_eq!(
            parse_audit_dates(&AuditQuery::default()).unwrap(),
            (None, None)
        );
    }
}

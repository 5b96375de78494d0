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

/// The viewer's filters. Empty strings mean "any"; a field left out of a
/// request is "any" too.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
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
    /// Only events that ended so.
    pub outcome: Option<Outcome>,
    pub sort: AuditSortColumn,
    pub descending: bool,
    /// The page after this event (keyset paging); None for the first page.
    pub after: Option<AuditCursor>,
}

/// Where a page of the viewer ends: the last event's sort key (as text; a
/// time in RFC 3339 with all its digits) and its id, which breaks ties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditCursor {
    pub key: String,
    pub id: i64,
}

/// The filters of an [`AuditQuery`], as the export's query string carries them.
#[derive(Serialize)]
struct ExportFilter<'a> {
    #[serde(skip_serializing_if = "str::is_empty")]
    user: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    patient: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    action: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<Outcome>,
    #[serde(skip_serializing_if = "str::is_empty")]
    from: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    to: &'a str,
}

/// Where the CSV of every event the query's filters match is downloaded.
pub const AUDIT_EXPORT_PATH: &str = "/api/audit/export.csv";

impl AuditQuery {
    /// The export's address for these filters (sort and paging do not apply:
    /// the file holds the whole range, oldest first).
    pub fn export_path(&self) -> String {
        let filter = ExportFilter {
            user: self.user.trim(),
            patient: self.patient.trim(),
            action: self.action.trim(),
            outcome: self.outcome,
            from: self.from.trim(),
            to: self.to.trim(),
        };
        match serde_urlencoded::to_string(&filter) {
            Ok(q) if !q.is_empty() => format!("{AUDIT_EXPORT_PATH}?{q}"),
            _ => AUDIT_EXPORT_PATH.to_string(),
        }
    }
}

/// Views of the audit trail a security review asks for first: (label,
/// action prefix, outcome).
pub const AUDIT_VIEWS: &[(&str, &str, Option<Outcome>)] = &[
    ("Break-glass use", "patients.break_glass", None),
    ("Failed sign-ins", "auth.login", Some(Outcome::Failure)),
    ("Two-step sign-in resets", "users.mfa_reset", None),
    ("Record downloads", "records.download", None),
    ("Refused access", "access.denied", None),
];

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
    pub page_size: u32,
    /// Where the next page starts, if there is one.
    pub next: Option<AuditCursor>,
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

    #[test]
    fn the_export_link_carries_the_filters_encoded() {
        assert_eq!(AuditQuery::default().export_path(), AUDIT_EXPORT_PATH);
        let q = AuditQuery {
            user: " nurse+1@x.example ".into(),
            action: "auth.login".into(),
            outcome: Some(Outcome::Failure),
            from: "2026-12-01".into(),
            after: Some(AuditCursor {
                key: "x".into(),
                id: 3,
            }),
            ..Default::default()
        };
        assert_eq!(
            q.export_path(),
            "/api/audit/export.csv?user=nurse%2B1%40x.example&action=auth.login&outcome=failure&from=2026-12-01"
        );
        // What the server reads back is the same filter.
        let back: AuditQuery =
            serde_urlencoded::from_str(q.export_path().split_once('?').unwrap().1).unwrap();
        assert_eq!(back.user, "nurse+1@x.example");
        assert_eq!(back.outcome, Some(Outcome::Failure));
        assert_eq!(back.after, None);
    }
}

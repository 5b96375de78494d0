//! Every status and kind column checks its codes in the database: the codes of
//! its enum in `shared` (declared with `shared::coded!`) as they are when this
//! migration is released. A later change to an enum's codes is a new migration
//! (see `util::check_codes`); the app's tests compare this list with the
//! enums, and check that every column so named has a check.

use sea_orm_migration::prelude::*;

use crate::util::{check_codes, drop_check_codes};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ROLES: &[&str] = &[
    "patient",
    "doctor",
    "nurse",
    "receptionist",
    "lab_technician",
    "pharmacist",
    "billing_clerk",
    "administrator",
];
const CHANNELS: &[&str] = &["email", "sms"];

/// (table, column, codes).
pub const CODED_COLUMNS: &[(&str, &str, &[&str])] = &[
    ("users", "role", ROLES),
    ("audit_events", "actor_role", ROLES),
    ("audit_events", "outcome", &["success", "denied", "failure"]),
    ("patients", "sex", &["female", "male", "other", "unknown"]),
    ("patients", "status", &["active", "temporary", "merged"]),
    ("patients", "preferred_channel", CHANNELS),
    ("insurance_coverages", "rank", &["primary", "secondary"]),
    (
        "care_relationships",
        "kind",
        &["registered", "assigned", "appointment", "admission"],
    ),
    (
        "encounters",
        "kind",
        &["outpatient", "emergency", "inpatient", "telehealth"],
    ),
    ("encounters", "status", &["in_progress", "finished"]),
    ("clinical_notes", "status", &["draft", "signed"]),
    ("problems", "status", &["active", "resolved"]),
    (
        "allergies",
        "severity",
        &["mild", "moderate", "severe", "unknown"],
    ),
    ("allergies", "status", &["active", "inactive", "resolved"]),
    ("history_entries", "kind", &["surgical", "family", "social"]),
    ("medications", "status", &["active", "stopped"]),
    (
        "appointments",
        "status",
        &[
            "booked",
            "checked_in",
            "in_progress",
            "completed",
            "no_show",
            "cancelled",
        ],
    ),
    ("availability_exceptions", "kind", &["unavailable", "extra"]),
    (
        "notification_outbox",
        "kind",
        &["booked", "rescheduled", "cancelled", "reminder"],
    ),
    ("notification_outbox", "channel", CHANNELS),
    (
        "notification_outbox",
        "status",
        &[
            "pending",
            "sending",
            "sent",
            "failed",
            "skipped",
            "cancelled",
        ],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column, codes) in CODED_COLUMNS {
            check_codes(manager, table, column, codes).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (table, column, _) in CODED_COLUMNS {
            drop_check_codes(manager, table, column).await?;
        }
        Ok(())
    }
}

//! Indexes for the clinic home's tiles, each a short list read on every
//! visit of the home page:
//! - today's appointments across every doctor (the front desk's arrivals)
//!   read one day of `appointments` by start, which the (doctor, start) and
//!   (patient, start) indexes cannot serve;
//! - a clinician's unsigned notes are their drafts, newest first;
//! - the charts a clinician opened lately are their latest `chart.read`
//!   events, newest first, out of an audit trail that only grows.

use sea_orm_migration::prelude::*;

use crate::util::index;

#[derive(DeriveMigrationName)]
pub struct Migration;

const INDEXES: [(&str, &str, &[&str]); 3] = [
    ("ix_appointments_start", "appointments", &["starts_at"]),
    (
        "ix_clinical_notes_author_status",
        "clinical_notes",
        &["author_id", "status", "updated_at"],
    ),
    (
        "ix_audit_actor_action",
        "audit_events",
        &["actor_id", "action", "id"],
    ),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, columns) in INDEXES {
            index(manager, name, table, columns, false).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table, _) in INDEXES {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

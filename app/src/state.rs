//! The state the server hands every server function through Leptos context.
//! It sits above the plumbing it holds (the audit writer, the auth cache);
//! the small helpers they share live in the leaf [`crate::context`].
//! Server-only.

use std::time::Duration;

use leptos::prelude::*;
use sea_orm::DatabaseConnection;
use shared::AppError;

use crate::context::SecurityPolicy;

/// What the server hands every server function through Leptos context.
#[derive(Clone, Debug)]
pub struct ServerContext {
    pub db: DatabaseConnection,
    /// Where the patient index search runs: on PostgreSQL a pool of its own
    /// (see the server's `db::Connections`), on SQLite `db` itself.
    pub search_db: DatabaseConnection,
    pub policy: SecurityPolicy,
    /// The hospital's time zone: schedules are planned in it.
    pub timezone: chrono_tz::Tz,
    /// The hospital's currency: prices, invoices and payments are in it.
    pub currency: shared::money::Currency,
    /// Patients may not cancel or move an appointment closer than this to its
    /// start; staff may, with a recorded reason.
    pub cancel_cutoff: Duration,
    /// The hospital's name, as calendar entries and messages name the place.
    pub hospital_name: String,
    /// How long before an appointment the reminders go out (24 h and 2 h by default).
    pub reminder_leads: Vec<chrono::Duration>,
    /// Stores the audit events of reads in batches (group commit).
    pub audit: crate::audit::writer::AuditWriter,
    /// Where "now" comes from (the system clock; tests move it forward).
    pub clock: crate::clock::SharedClock,
    /// Recently used sessions and accounts, shared with the session store.
    pub auth_cache: std::sync::Arc<crate::auth::cache::AuthCache>,
    /// Encrypts the values kept encrypted (MFA secrets, messages holding a
    /// link) and hashes recovery codes and reset tokens.
    pub cipher: std::sync::Arc<crate::crypto::Cipher>,
    /// The address users reach the server at, without a trailing slash
    /// (`https://hms.example.org`): links in e-mails start with it. Never
    /// taken from a request's `Host`, which whoever sends it chooses.
    pub public_url: String,
    /// Where files kept outside the database are (imaging attachments).
    pub files: std::sync::Arc<crate::files::FileStore>,
    /// The card-payment provider for patients paying online; `None`: not
    /// set up (patients pay at the desk).
    pub payments: Option<crate::billing::provider::Payments>,
    /// This process's open bed boards, told of every change of a bed.
    pub bed_events: std::sync::Arc<crate::beds::live::BedEvents>,
}

pub fn server_context() -> Result<ServerContext, AppError> {
    use_context::<ServerContext>().ok_or_else(|| {
        tracing::error!("ServerContext missing from Leptos context");
        AppError::Internal
    })
}

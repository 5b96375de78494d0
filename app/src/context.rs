//! Small server-side helpers every server function uses: the security
//! policy, the caller's address, write transactions, and turning results
//! into HTTP statuses. A leaf: it imports nothing from the crate, so that
//! the audit writer, the auth cache and the session store can use it while
//! [`crate::state`] holds them. Server-only.

use std::time::Duration;

use leptos::prelude::*;
use shared::AppError;

/// Rules for sessions and sign-in, from configuration.
#[derive(Clone, Debug)]
pub struct SecurityPolicy {
    /// Idle timeout for staff sessions (15 minutes by default).
    pub staff_idle: Duration,
    /// Idle timeout for patient sessions.
    pub patient_idle: Duration,
    /// Absolute session lifetime, whatever the activity (12 hours).
    pub absolute_lifetime: Duration,
    /// Failed sign-ins on one account within `lockout_window` that lock it.
    pub lockout_threshold: u64,
    pub lockout_window: Duration,
    /// How long a locked account stays locked.
    pub lockout_duration: Duration,
    /// Failed sign-ins from one client address within `lockout_window` before it is throttled.
    pub address_threshold: u64,
    /// How long after the user last proved who they are (signing in, or
    /// confirming it) sensitive actions go ahead without asking again.
    pub reauth_grace: Duration,
}

impl Default for SecurityPolicy {
    fn default() -> Self {
        Self {
            staff_idle: Duration::from_secs(15 * 60),
            patient_idle: Duration::from_secs(30 * 60),
            absolute_lifetime: Duration::from_secs(12 * 3600),
            lockout_threshold: 10,
            lockout_window: Duration::from_secs(15 * 60),
            lockout_duration: Duration::from_secs(15 * 60),
            address_threshold: 100,
            reauth_grace: Duration::from_secs(5 * 60),
        }
    }
}

/// The caller's network address as the server sees it (after trusted proxies),
/// put into the request's extensions by the server's middleware.
#[derive(Clone, Debug)]
pub struct ClientAddr(pub String);

/// Facts about the request that go into the audit trail and the session list.
#[derive(Clone, Debug, Default)]
pub struct RequestMeta {
    pub client_addr: String,
    pub user_agent: String,
}

/// The caller's address and user agent, from the request being served.
pub fn request_meta() -> RequestMeta {
    match use_context::<http::request::Parts>() {
        Some(parts) => RequestMeta::from_parts(&parts),
        None => RequestMeta::default(),
    }
}

impl RequestMeta {
    pub fn from_parts(parts: &http::request::Parts) -> RequestMeta {
        let client_addr = parts
            .extensions
            .get::<ClientAddr>()
            .map(|a| a.0.clone())
            .unwrap_or_else(|| "unknown".into());
        let user_agent = parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|s| s.chars().take(300).collect())
            .unwrap_or_default();
        RequestMeta {
            client_addr,
            user_agent,
        }
    }
}

/// Begins a transaction that is going to write.
///
/// On SQLite it takes the write lock at `BEGIN IMMEDIATE`. A deferred
/// transaction that reads first and writes later cannot wait for the lock
/// when another connection wrote in between: SQLite refuses the upgrade at
/// once with `SQLITE_BUSY` (the busy timeout does not apply), which users saw
/// as a random "something went wrong" while a background task or another
/// desk was writing. Taken at `BEGIN`, the lock is waited for like any other.
/// PostgreSQL ignores the mode; nested calls become savepoints.
pub async fn begin_write<C: sea_orm::TransactionTrait>(db: &C) -> Result<C::Transaction, AppError> {
    begin_write_raw(db).await.or_internal()
}

/// [`begin_write`] answering the database's error, for code below the
/// server functions (the audit chain).
pub async fn begin_write_raw<C: sea_orm::TransactionTrait>(
    db: &C,
) -> Result<C::Transaction, sea_orm::DbErr> {
    db.begin_with_options(sea_orm::TransactionOptions {
        isolation_level: None,
        access_mode: None,
        sqlite_transaction_mode: Some(sea_orm::SqliteTransactionMode::Immediate),
    })
    .await
}

/// Whether a database error is a unique-constraint violation: the database,
/// not a check-then-insert, decides races such as two sign-ups for one address.
pub fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

/// Logs an unexpected error and returns the generic [`AppError::Internal`].
#[track_caller]
pub fn internal(e: impl std::fmt::Display) -> AppError {
    let at = std::panic::Location::caller();
    tracing::error!(error = %e, location = %at, "internal error");
    AppError::Internal
}

/// Logs an unexpected error and turns it into the generic [`AppError::Internal`].
pub trait OrInternal<T> {
    fn or_internal(self) -> Result<T, AppError>;
}

impl<T, E: std::fmt::Display> OrInternal<T> for Result<T, E> {
    #[track_caller]
    fn or_internal(self) -> Result<T, AppError> {
        match self {
            Ok(v) => Ok(v),
            Err(e) => Err(internal(e)),
        }
    }
}

/// Finishes a server function: an error also sets the HTTP status that fits it,
/// so clients other than our UI (and the logs) see a truthful status code.
///
/// Only a call over HTTP gets the status: a page that calls server functions
/// while it is rendered on the server answers 200 and shows the error in the
/// page (a 403 for a record the user may not open would otherwise make the
/// browser report a failed page load).
pub fn reply<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    let called_over_http = use_context::<http::request::Parts>()
        .is_some_and(|parts| parts.uri.path().starts_with("/api/"));
    if let (Err(e), true) = (&result, called_over_http) {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http_status(e));
        }
    }
    result
}

/// [`reply`] for a second attempt after a first one answered an error
/// (which set its status): a success puts the status back to 200.
pub fn reply_retried<T>(result: Result<T, AppError>) -> Result<T, AppError> {
    if result.is_ok() {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::OK);
        }
    }
    reply(result)
}

/// The answer of a plain axum download handler: the file as an attachment,
/// or the error as text with its HTTP status.
pub fn file_response(
    result: Result<(Vec<u8>, &'static str, String), AppError>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use http::header;
    match result {
        Ok((body, content_type, file)) => (
            [
                (header::CONTENT_TYPE, content_type.to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{file}\""),
                ),
            ],
            body,
        )
            .into_response(),
        Err(e) => error_response(&e),
    }
}

/// The HTTP status that fits an error (500 for a code `http` does not know).
pub fn http_status(error: &AppError) -> http::StatusCode {
    http::StatusCode::from_u16(error.status_code())
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR)
}

/// How a plain axum handler (a download, the sign-out form) answers an
/// error: its message as text, with the status that fits it.
pub fn error_response(error: &AppError) -> axum::response::Response {
    use axum::response::IntoResponse;
    (http_status(error), error.to_string()).into_response()
}

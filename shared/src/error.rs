//! The single error type returned by every server function.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};

/// A problem with one input field, shown next to that field in the form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The form field's name, e.g. `email`.
    pub field: String,
    /// A sentence the user can act on.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

/// What went wrong, as the client may know it. Internal details never cross
/// this boundary: they are logged on the server and become [`AppError::Internal`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// 422: one or more fields are invalid.
    #[error("Please correct the highlighted fields.")]
    Validation(Vec<FieldError>),
    /// 401: not signed in, or the session has ended.
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// 401: e-mail or password wrong. Deliberately does not say which.
    #[error("The e-mail address or password is incorrect.")]
    InvalidCredentials,
    /// 403: signed in, but the role does not allow this.
    #[error("You do not have permission to do that.")]
    Forbidden,
    /// 403: the account still has its temporary password; only changing it is allowed.
    #[error("Please choose a new password before continuing.")]
    PasswordChangeRequired,
    /// 403: a staff account must set up two-step sign-in before anything else.
    #[error("Please set up two-step sign-in before continuing.")]
    MfaEnrolmentRequired,
    /// 403: a sensitive action, and the user last proved who they are too
    /// long ago: they give their password (and code) again, then retry.
    #[error("For your security, confirm it is you before doing this.")]
    ReauthRequired,
    /// 404: the named thing does not exist (or is not visible to the caller).
    #[error("{0} was not found.")]
    NotFound(String),
    /// 409: the request conflicts with existing data, e.g. a taken e-mail.
    #[error("{0}")]
    Conflict(String),
    /// 409: an appointment overlaps another of the doctor's or the patient's.
    #[error("{0}")]
    Booking(crate::appointments::BookingConflict),
    /// 423: the account is locked after too many failed sign-ins.
    #[error("This account is locked after too many failed sign-in attempts. Try again in {minutes} minute(s) or ask an administrator to unlock it.")]
    AccountLocked { minutes: i64 },
    /// 429: too many requests from this client.
    #[error("{0}")]
    RateLimited(String),
    /// 400: the request itself is malformed (also refused cross-origin requests).
    #[error("{0}")]
    BadRequest(String),
    /// 503: a service the server relies on (the payment provider) is not
    /// answering or refused; the message says what to do.
    #[error("{0}")]
    Unavailable(String),
    /// 500: something failed on the server; details are in the server log.
    #[error("Something went wrong on our side. Please try again; if it keeps happening, contact support.")]
    Internal,
    /// The request did not reach the server or the answer could not be read.
    #[error("Could not reach the server. Check your connection and try again.")]
    Network(String),
}

impl AppError {
    /// A validation error for a single field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        AppError::Validation(vec![FieldError::new(field, message)])
    }

    /// The HTTP status this error is sent with.
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Validation(_) => 422,
            AppError::Unauthorized | AppError::InvalidCredentials => 401,
            AppError::Forbidden
            | AppError::PasswordChangeRequired
            | AppError::MfaEnrolmentRequired
            | AppError::ReauthRequired => 403,
            AppError::NotFound(_) => 404,
            AppError::Conflict(_) | AppError::Booking(_) => 409,
            AppError::AccountLocked { .. } => 423,
            AppError::RateLimited(_) => 429,
            AppError::BadRequest(_) => 400,
            AppError::Internal => 500,
            AppError::Network(_) | AppError::Unavailable(_) => 503,
        }
    }

    /// The message for one field, if this is a validation error that names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Validation(errors) => errors
                .iter()
                .find(|e| e.field == field)
                .map(|e| e.message.clone()),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Request(msg) | ServerFnErrorErr::Response(msg) => {
                AppError::Network(msg)
            }
            ServerFnErrorErr::Args(msg) | ServerFnErrorErr::Deserialization(msg) => {
                AppError::BadRequest(format!("The request could not be read: {msg}"))
            }
            ServerFnErrorErr::Registration(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_)
            | ServerFnErrorErr::MissingArg(_) => {
                AppError::BadRequest("The request is not understood by this server.".into())
            }
            _ => AppError::Internal,
        }
    }
}

/// Collects field errors from several parses, so a form reports all of them at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the error of `result`, if any, under `field`, and returns the value.
    pub fn check<T>(&mut self, field: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.0.push(FieldError::new(field, message));
                None
            }
        }
    }

    pub fn push(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// `Ok(())` when nothing was recorded, otherwise a validation error with every field.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation(self.0))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_round_trip_through_json() {
        let e = AppError::Validation(vec![FieldError::new("email", "Enter an e-mail address.")]);
        let json = serde_json::to_string(&e).unwrap();
        let back: AppError = serde_json::from_str(&json).unwrap();
        assert_eq!(back, e);
        assert_eq!(
            back.field_message("email").as_deref(),
            Some("Enter an e-mail address.")
        );
        assert_eq!(back.status_code(), 422);
    }

    #[test]
    fn field_errors_collects_all_failures() {
        let mut errors = FieldErrors::new();
        assert_eq!(errors.check::<u8>("a", Err("bad a".into())), None);
        assert_eq!(errors.check("b", Ok(3)), Some(3));
        errors.push("c", "bad c");
        match errors.finish() {
            Err(AppError::Validation(list)) => {
                assert_eq!(list.len(), 2);
                assert_eq!(list[1].field, "c");
            }
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    #[test]
    fn lock_message_names_minutes() {
        let e = AppError::AccountLocked { minutes: 12 };
        assert!(e.to_string().contains("12 minute"));
        assert_eq!(e.status_code(), 423);
    }
}

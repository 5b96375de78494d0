//! Accounts and sessions as the UI sees them, and the forms that create them.

use crate::ids::{PatientId, SessionHandle, UserId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{AppError, FieldErrors};
use crate::patients::AdministrativeSex;
use crate::roles::Role;
use crate::validate::{optional, parse_birth_date, Email, Password, PersonName, Phone};

/// The signed-in user. Sent to the browser; holds nothing secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CurrentUser {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    /// The patient record this account belongs to (patients only).
    pub patient_id: Option<PatientId>,
    /// Set for accounts created with a temporary password: nothing else works until it is changed.
    pub must_change_password: bool,
    /// The account signs in with a code from an authenticator app too.
    pub mfa_enrolled: bool,
}

impl CurrentUser {
    /// A staff account without two-step sign-in: it must set it up before
    /// anything else (it is optional for patients).
    pub fn must_enrol_mfa(&self) -> bool {
        self.role.is_staff() && !self.mfa_enrolled
    }

    /// May use its portal: no temporary password to replace and no
    /// authenticator to set up first.
    pub fn is_cleared(&self) -> bool {
        !self.must_change_password && !self.must_enrol_mfa()
    }
}

/// One of the caller's own sessions, for "where am I signed in".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionView {
    /// A public handle for ending the session; not the secret session id.
    pub handle: SessionHandle,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub user_agent: String,
    pub client_addr: String,
    /// This is the session making the request.
    pub current: bool,
}

/// A finished sign-in (or registration): who, and where to go next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoginOutcome {
    pub user: CurrentUser,
    pub redirect_to: String,
}

/// What the password step of signing in answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum LoginStep {
    /// Signed in.
    SignedIn(LoginOutcome),
    /// The password was right; the account also needs a code from its
    /// authenticator app (or a recovery code), sent to `auth/login/code`.
    CodeRequired,
}

/// A new authenticator being set up: what the app must be given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfaEnrolment {
    /// The secret in base32, in groups of four, for typing it in by hand.
    pub secret: String,
    /// The `otpauth://totp/…` address the QR code holds.
    pub uri: String,
    /// That QR code, as an SVG document drawn on the server.
    pub qr_svg: String,
}

/// Two-step sign-in on the caller's account.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MfaStatus {
    pub enrolled: bool,
    /// Staff accounts must keep it; patients may turn it off.
    pub required: bool,
    /// Recovery codes not used yet.
    pub recovery_codes_left: u32,
}

/// Fresh single-use recovery codes, shown once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecoveryCodes {
    pub codes: Vec<String>,
}

/// A patient's self-registration, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SelfRegistrationForm {
    pub given_name: String,
    pub family_name: String,
    pub date_of_birth: String,
    pub sex: String,
    pub phone: String,
    pub email: String,
    pub password: String,
    pub password_confirm: String,
}

/// A self-registration that passed every rule.
#[derive(Debug, Clone)]
pub struct SelfRegistration {
    pub given_name: PersonName,
    pub family_name: PersonName,
    pub date_of_birth: NaiveDate,
    pub sex: AdministrativeSex,
    pub phone: Option<Phone>,
    pub email: Email,
    pub password: Password,
}

impl SelfRegistrationForm {
    /// Checks every field and reports all problems at once.
    pub fn parse(&self, today: NaiveDate) -> Result<SelfRegistration, AppError> {
        let mut errors = FieldErrors::new();
        let given_name = errors.check(
            "given_name",
            PersonName::parse(&self.given_name, "given name"),
        );
        let family_name = errors.check(
            "family_name",
            PersonName::parse(&self.family_name, "family name"),
        );
        let date_of_birth = errors.check(
            "date_of_birth",
            parse_birth_date(&self.date_of_birth, today),
        );
        let sex = errors.check("sex", AdministrativeSex::parse(&self.sex));
        let phone = errors.check("phone", optional(&self.phone, Phone::parse));
        let email = errors.check("email", Email::parse(&self.email));
        let password = errors.check(
            "password",
            Password::parse_new(&self.password, Some(&self.email)),
        );
        if password.is_some() && self.password != self.password_confirm {
            errors.push("password_confirm", "The two passwords do not match.");
        }
        errors.finish()?;
        // Every field parsed when there are no errors.
        Ok(SelfRegistration {
            given_name: given_name.expect("checked"),
            family_name: family_name.expect("checked"),
            date_of_birth: date_of_birth.expect("checked"),
            sex: sex.expect("checked"),
            phone: phone.expect("checked"),
            email: email.expect("checked"),
            password: password.expect("checked"),
        })
    }
}

/// An administrator's new staff account, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct NewStaffForm {
    pub display_name: String,
    pub email: String,
    pub role: String,
}

/// A staff account that passed every rule.
#[derive(Debug, Clone)]
pub struct NewStaff {
    pub display_name: PersonName,
    pub email: Email,
    pub role: Role,
}

impl NewStaffForm {
    pub fn parse(&self) -> Result<NewStaff, AppError> {
        let mut errors = FieldErrors::new();
        let display_name = errors.check(
            "display_name",
            PersonName::parse(&self.display_name, "full name"),
        );
        let email = errors.check("email", Email::parse(&self.email));
        let role = errors.check(
            "role",
            if self.role.trim().is_empty() {
                Err("Choose a role.".to_string())
            } else {
                Role::parse(&self.role).and_then(|r| {
                    if r.is_staff() {
                        Ok(r)
                    } else {
                        Err(
                            "Patients register themselves or at the front desk, not here."
                                .to_string(),
                        )
                    }
                })
            },
        );
        errors.finish()?;
        Ok(NewStaff {
            display_name: display_name.expect("checked"),
            email: email.expect("checked"),
            role: role.expect("checked"),
        })
    }
}

/// A password change, as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordChangeForm {
    pub current_password: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

impl PasswordChangeForm {
    pub fn parse(&self, email: &str) -> Result<Password, AppError> {
        let mut errors = FieldErrors::new();
        if self.current_password.is_empty() {
            errors.push("current_password", "Enter your current password.");
        }
        let new = errors.check(
            "new_password",
            Password::parse_new(&self.new_password, Some(email)),
        );
        if new.is_some() && self.new_password == self.current_password {
            errors.push(
                "new_password",
                "Choose a password different from the current one.",
            );
        }
        if new.is_some() && self.new_password != self.new_password_confirm {
            errors.push("new_password_confirm", "The two passwords do not match.");
        }
        errors.finish()?;
        Ok(new.expect("checked"))
    }
}

/// What a session has left, in seconds: before it ends for inactivity, and
/// before its absolute lifetime, whatever the activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRemaining {
    pub idle_secs: i64,
    pub absolute_secs: i64,
    /// The idle limit of the user's sessions.
    pub idle_limit_secs: i64,
}

impl SessionRemaining {
    /// Seconds until the session ends, whichever limit comes first.
    pub fn ends_in(&self) -> i64 {
        self.idle_secs.min(self.absolute_secs)
    }

    /// Whether activity can keep the session going (the idle limit comes
    /// first), or it reaches its absolute lifetime anyway.
    pub fn extendable(&self) -> bool {
        self.idle_secs < self.absolute_secs
    }

    /// How long before the end the user is warned: a minute, or half the
    /// idle limit when that is shorter than two minutes.
    pub fn warn_before(&self) -> i64 {
        (self.idle_limit_secs / 2).clamp(1, 60)
    }
}

/// How long a password-reset link works, in minutes.
pub const PASSWORD_RESET_MINUTES: i64 = 30;

/// Where a password-reset link leads: `/reset-password?token=…`.
pub const PASSWORD_RESET_PATH: &str = "/reset-password";

/// A new password chosen through a reset link.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PasswordResetForm {
    /// The token from the link.
    pub token: String,
    pub new_password: String,
    pub new_password_confirm: String,
}

impl PasswordResetForm {
    /// Checks the form; `email` is the account's address, known only to the
    /// server (the browser passes `None`).
    pub fn parse(&self, email: Option<&str>) -> Result<Password, AppError> {
        let mut errors = FieldErrors::new();
        if self.token.trim().is_empty() {
            errors.push(
                "token",
                "This link is incomplete. Open the link from the e-mail again, or ask for a new one.",
            );
        }
        let new = errors.check(
            "new_password",
            Password::parse_new(&self.new_password, email),
        );
        if new.is_some() && self.new_password != self.new_password_confirm {
            errors.push("new_password_confirm", "The two passwords do not match.");
        }
        errors.finish()?;
        Ok(new.expect("checked"))
    }
}

/// A staff account in the administrator's user list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserSummary {
    pub id: UserId,
    pub email: String,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub locked_minutes: Option<i64>,
    pub must_change_password: bool,
    /// Two-step sign-in is set up.
    pub mfa_enrolled: bool,
    pub created_at: DateTime<Utc>,
    pub last_login_at: Option<DateTime<Utc>>,
}

/// One change an administrator makes to a staff account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffAccountChange {
    /// A new role; the account's sessions end.
    Role(Role),
    Activate,
    /// The account's sessions end.
    Deactivate,
    Unlock,
    /// A one-time password replaces the password, returned to the administrator.
    ResetPassword,
    /// The account's authenticator and recovery codes are removed; its
    /// sessions end, and a staff member sets up a new one at next sign-in.
    ResetMfa,
}

/// A new account with the one-time password to hand over in person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedAccount {
    pub user: UserSummary,
    pub temporary_password: String,
}

/// Figures for the admin dashboard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminStats {
    pub users_by_role: Vec<(Role, i64)>,
    pub active_sessions: i64,
    pub failed_logins_24h: i64,
    pub locked_accounts: i64,
    pub patients: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 22).unwrap()
    }

    fn valid() -> SelfRegistrationForm {
        SelfRegistrationForm {
            given_name: "Amara".into(),
            family_name: "Okafor".into(),
            date_of_birth: "1990-05-14".into(),
            sex: "female".into(),
            phone: "".into(),
            email: "amara@example.org".into(),
            password: "river stone lantern".into(),
            password_confirm: "river stone lantern".into(),
        }
    }

    #[test]
    fn valid_registration_parses() {
        let r = valid().parse(today()).unwrap();
        assert_eq!(r.email.as_str(), "amara@example.org");
        assert!(r.phone.is_none());
    }

    #[test]
    fn registration_reports_every_bad_field() {
        let form = SelfRegistrationForm {
            given_name: "".into(),
            date_of_birth: "2030-01-01".into(),
            password_confirm: "different phrase here".into(),
            ..valid()
        };
        let err = form.parse(today()).unwrap_err();
        assert!(err
            .field_message("given_name")
            .unwrap()
            .contains("given name"));
        assert!(err
            .field_message("date_of_birth")
            .unwrap()
            .contains("future"));
        assert!(err
            .field_message("password_confirm")
            .unwrap()
            .contains("do not match"));
        assert!(err.field_message("email").is_none());
    }

    #[test]
    fn staff_form_refuses_patient_role() {
        let form = NewStaffForm {
            display_name: "Dr Who".into(),
            email: "who@example.org".into(),
            role: "patient".into(),
        };
        assert!(form.parse().unwrap_err().field_message("role").is_some());
        let form = NewStaffForm {
            role: "doctor".into(),
            ..form
        };
        assert_eq!(form.parse().unwrap().role, Role::Doctor);
    }

    #[test]
    fn password_change_requires_a_new_distinct_password() {
        let form = PasswordChangeForm {
            current_password: "river stone lantern".into(),
            new_password: "river stone lantern".into(),
            new_password_confirm: "river stone lantern".into(),
        };
        assert!(form
            .parse("a@example.org")
            .unwrap_err()
            .field_message("new_password")
            .unwrap()
            .contains("different"));
    }
}

/// A short, human description of a browser's User-Agent, e.g. "Chrome on
/// Android", for the list of sessions. Unknown agents are shown as such.
pub fn describe_device(user_agent: &str) -> String {
    if user_agent.trim().is_empty() {
        return "Unknown device".into();
    }
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        "Edge"
    } else if ua.contains("Firefox/") {
        "Firefox"
    } else if ua.contains("Chrome/") || ua.contains("Chromium/") || ua.contains("CriOS/") {
        "Chrome"
    } else if ua.contains("Safari/") {
        "Safari"
    } else {
        "A browser"
    };
    let system = if ua.contains("Android") {
        "Android"
    } else if ua.contains("iPhone") || ua.contains("iPad") {
        "iOS"
    } else if ua.contains("Windows") {
        "Windows"
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        "macOS"
    } else if ua.contains("Linux") || ua.contains("X11") {
        "Linux"
    } else {
        return if browser == "A browser" {
            "Unknown device".into()
        } else {
            browser.into()
        };
    };
    format!("{browser} on {system}")
}

#[cfg(test)]
mod device_tests {
    use super::describe_device;

    #[test]
    fn common_agents_get_short_names() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Mobile Safari/537.36";
        assert_eq!(describe_device(android), "Chrome on Android");
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_device(iphone), "Safari on iOS");
        let windows = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0 Safari/537.36 Edg/130.0";
        assert_eq!(describe_device(windows), "Edge on Windows");
        assert_eq!(
            describe_device(
                "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"
            ),
            "Firefox on Linux"
        );
        assert_eq!(describe_device(""), "Unknown device");
        assert_eq!(describe_device("curl/8.5"), "Unknown device");
    }
}

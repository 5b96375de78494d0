//! Two-step sign-in: TOTP codes (RFC 6238: HMAC-SHA-1, 6 digits, 30-second
//! steps, one step of clock skew either way) from an authenticator app, and
//! single-use recovery codes for when the phone is lost.
//!
//! - The secret is kept encrypted (`crate::crypto`), bound to its account.
//! - A code is accepted once: the acceptance is a conditional UPDATE that
//!   raises `user_mfa.last_step`, so the same code (or an older one) sent
//!   again, to this process or another, finds the row already past it.
//! - Recovery codes are stored as keyed hashes and spent the same way (an
//!   UPDATE that only succeeds while `used_at` is empty).
//!
//! The arithmetic is `totp-rs`'s and the QR code `qrcode`'s; this module
//! keeps the state. Server-only.

use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait,
    QueryFilter, Set,
};
use shared::auth::{MfaEnrolment, MfaStatus, RecoveryCodes};
use shared::AppError;
use totp_rs::{Algorithm, TOTP};
use uuid::Uuid;

use crate::context::{internal, OrInternal};
use crate::crypto::Cipher;
use crate::entity::{mfa_recovery_codes, user_mfa, users};

/// Seconds per code.
pub const STEP_SECONDS: i64 = 30;
/// Recovery codes per account.
pub const RECOVERY_CODES: usize = 10;
/// What the authenticator app shows as the account's issuer.
const ISSUER: &str = "HMS";
const RECOVERY_LABEL: &str = "mfa recovery code";
/// Lower-case letters and digits without the look-alikes 0/o, 1/l/i.
const RECOVERY_ALPHABET: &[u8] = b"23456789abcdefghjkmnpqrstuvwxyz";

/// Where an account's secret is kept, as the cipher binds it.
fn secret_context(user_id: Uuid) -> String {
    crate::crypto::context("user_mfa", "secret", user_id)
}

/// The TOTP generator of a secret, for `account` (its e-mail).
fn totp(secret: Vec<u8>, account: &str) -> Result<TOTP, AppError> {
    // An account name may not hold ':' in an otpauth address; e-mail
    // addresses do not, but nothing else reaches here either.
    let account = account.replace(':', " ");
    TOTP::new(
        Algorithm::SHA1,
        6,
        1,
        STEP_SECONDS as u64,
        secret,
        Some(ISSUER.to_string()),
        account,
    )
    .map_err(internal)
}

/// The code an authenticator app shows for `secret` at `at` (for the demo
/// accounts' printout and the tests).
pub fn code_at(secret: &[u8], at: DateTime<Utc>) -> String {
    totp(secret.to_vec(), "x")
        .map(|t| t.generate(at.timestamp().max(0) as u64))
        .unwrap_or_default()
}

/// A secret in base32, as authenticator apps take it typed in.
pub fn base32(secret: &[u8]) -> String {
    totp(secret.to_vec(), "x")
        .map(|t| t.get_secret_base32())
        .unwrap_or_default()
}

/// 160 random bits, the length RFC 4226 recommends.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 20];
    rand::rngs::OsRng.fill(&mut secret[..]);
    secret
}

fn step_of(at: DateTime<Utc>) -> i64 {
    at.timestamp().div_euclid(STEP_SECONDS)
}

/// A code as typed: digits only, spaces and dashes dropped.
fn totp_digits(code: &str) -> Option<String> {
    let digits: String = code
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_digit())).then_some(digits)
}

/// A recovery code as typed: lower case, spaces and dashes dropped.
fn normalise_recovery(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// What became of a code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CodeCheck {
    /// A current authenticator code, now spent.
    Accepted,
    /// An unused recovery code, now spent.
    RecoveryCodeUsed,
    /// Right code, but already accepted once (or an older one than the last).
    Reused,
    Wrong,
}

impl CodeCheck {
    pub fn accepted(self) -> bool {
        matches!(self, CodeCheck::Accepted | CodeCheck::RecoveryCodeUsed)
    }
}

async fn secret_row(
    db: &impl ConnectionTrait,
    user_id: Uuid,
) -> Result<Option<user_mfa::Model>, AppError> {
    user_mfa::Entity::find_by_id(user_id)
        .one(db)
        .await
        .or_internal()
}

fn decrypt_secret(cipher: &Cipher, row: &user_mfa::Model) -> Result<Vec<u8>, AppError> {
    cipher
        .decrypt(&row.secret, &secret_context(row.user_id))
        .map_err(internal)
}

/// The step of `secret` whose code is `digits`, among the current one and
/// its neighbours; the newest wins if two match.
fn matching_step(secret: &[u8], digits: &str, now: DateTime<Utc>) -> Option<i64> {
    let now_step = step_of(now);
    [now_step + 1, now_step, now_step - 1]
        .into_iter()
        .find(|step| {
            constant_time_eq::constant_time_eq(
                code_at(secret, at_step(*step)).as_bytes(),
                digits.as_bytes(),
            )
        })
}

fn at_step(step: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(step * STEP_SECONDS, 0).unwrap_or_default()
}

/// Checks an authenticator code against the account's secret (confirmed,
/// or pending when `pending` is set) and spends it.
async fn spend_totp(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    row: &user_mfa::Model,
    digits: &str,
    now: DateTime<Utc>,
) -> Result<CodeCheck, AppError> {
    let secret = decrypt_secret(cipher, row)?;
    let Some(step) = matching_step(&secret, digits, now) else {
        return Ok(CodeCheck::Wrong);
    };
    let raised = user_mfa::Entity::update_many()
        .col_expr(user_mfa::Column::LastStep, Expr::value(step))
        .filter(user_mfa::Column::UserId.eq(row.user_id))
        .filter(
            Condition::any()
                .add(user_mfa::Column::LastStep.is_null())
                .add(user_mfa::Column::LastStep.lt(step)),
        )
        .exec(db)
        .await
        .or_internal()?;
    Ok(if raised.rows_affected == 1 {
        CodeCheck::Accepted
    } else {
        CodeCheck::Reused
    })
}

/// Checks a code typed at sign-in (or to confirm who one is): an
/// authenticator code, or else a recovery code. Spends it when right.
pub async fn check_code(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    user_id: Uuid,
    code: &str,
    now: DateTime<Utc>,
) -> Result<CodeCheck, AppError> {
    let Some(row) = secret_row(db, user_id)
        .await?
        .filter(|r| r.confirmed_at.is_some())
    else {
        return Ok(CodeCheck::Wrong);
    };
    if let Some(digits) = totp_digits(code) {
        return spend_totp(db, cipher, &row, &digits, now).await;
    }
    let hash = cipher.mac(RECOVERY_LABEL, normalise_recovery(code).as_bytes());
    let spent = mfa_recovery_codes::Entity::update_many()
        .col_expr(mfa_recovery_codes::Column::UsedAt, Expr::value(now))
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .filter(mfa_recovery_codes::Column::CodeHash.eq(hash))
        .filter(mfa_recovery_codes::Column::UsedAt.is_null())
        .exec(db)
        .await
        .or_internal()?;
    Ok(if spent.rows_affected == 1 {
        CodeCheck::RecoveryCodeUsed
    } else {
        CodeCheck::Wrong
    })
}

/// A new secret for `user`, pending until a first code confirms it; any
/// earlier pending one is replaced. Refused while one is confirmed (it must
/// be turned off or reset first).
pub async fn begin(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    user: &users::Model,
    now: DateTime<Utc>,
) -> Result<MfaEnrolment, AppError> {
    if user.mfa_enrolled_at.is_some() {
        return Err(AppError::Conflict(
            "Two-step sign-in is already on for this account.".into(),
        ));
    }
    let secret = new_secret();
    let stored = cipher.encrypt(&secret, &secret_context(user.id));
    user_mfa::Entity::delete_by_id(user.id)
        .exec(db)
        .await
        .or_internal()?;
    user_mfa::ActiveModel {
        user_id: Set(user.id),
        secret: Set(stored),
        confirmed_at: Set(None),
        last_step: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .or_internal()?;
    enrolment(&secret, &user.email)
}

/// What the app must be given for `secret`: the address, its QR code, the
/// secret to type in.
pub fn enrolment(secret: &[u8], account: &str) -> Result<MfaEnrolment, AppError> {
    let totp = totp(secret.to_vec(), account)?;
    let uri = totp.get_url();
    let qr = qrcode::QrCode::with_error_correction_level(uri.as_bytes(), qrcode::EcLevel::M)
        .map_err(internal)?;
    let qr_svg = qr
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let plain = totp.get_secret_base32();
    let grouped = plain
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(MfaEnrolment {
        secret: grouped,
        uri,
        qr_svg,
    })
}

/// Confirms the pending secret with its first code: two-step sign-in is on,
/// and the answer holds the first recovery codes. A wrong code leaves the
/// pending secret for another try.
pub async fn confirm(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    user: &users::Model,
    code: &str,
    now: DateTime<Utc>,
) -> Result<RecoveryCodes, AppError> {
    let Some(row) = secret_row(db, user.id)
        .await?
        .filter(|r| r.confirmed_at.is_none())
    else {
        return Err(AppError::Conflict(
            "There is no authenticator being set up. Start again.".into(),
        ));
    };
    let Some(digits) = totp_digits(code) else {
        return Err(AppError::field(
            "code",
            "Enter the six-digit code your authenticator app shows.",
        ));
    };
    if spend_totp(db, cipher, &row, &digits, now).await? != CodeCheck::Accepted {
        return Err(AppError::field(
            "code",
            "That code is not right. Check that the app shows this account, and type the code it shows now.",
        ));
    }
    let mut confirmed: user_mfa::ActiveModel = row.into();
    confirmed.confirmed_at = Set(Some(now));
    confirmed.update(db).await.or_internal()?;
    let mut account: users::ActiveModel = user.clone().into();
    account.mfa_enrolled_at = Set(Some(now));
    account.updated_at = Set(now);
    account.update(db).await.or_internal()?;
    replace_recovery_codes(db, cipher, user.id, now).await
}

/// Sets up `secret` as confirmed without a code: the demo accounts and
/// the tests' accounts, whose secrets are known in advance.
pub async fn enrol_known(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    user_id: Uuid,
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    forget(db, user_id).await?;
    user_mfa::ActiveModel {
        user_id: Set(user_id),
        secret: Set(cipher.encrypt(secret, &secret_context(user_id))),
        confirmed_at: Set(Some(now)),
        last_step: Set(None),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .or_internal()?;
    users::Entity::update_many()
        .col_expr(users::Column::MfaEnrolledAt, Expr::value(now))
        .filter(users::Column::Id.eq(user_id))
        .exec(db)
        .await
        .or_internal()?;
    Ok(())
}

/// Ten new recovery codes; the earlier ones stop working.
pub async fn replace_recovery_codes(
    db: &impl ConnectionTrait,
    cipher: &Cipher,
    user_id: Uuid,
    now: DateTime<Utc>,
) -> Result<RecoveryCodes, AppError> {
    mfa_recovery_codes::Entity::delete_many()
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .exec(db)
        .await
        .or_internal()?;
    let mut rng = rand::rngs::OsRng;
    let mut codes = Vec::with_capacity(RECOVERY_CODES);
    while codes.len() < RECOVERY_CODES {
        let raw: String = (0..10)
            .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())] as char)
            .collect();
        let shown = format!("{}-{}", &raw[..5], &raw[5..]);
        if codes.contains(&shown) {
            continue;
        }
        mfa_recovery_codes::ActiveModel {
            id: Set(Uuid::new_v4()),
            user_id: Set(user_id),
            code_hash: Set(cipher.mac(RECOVERY_LABEL, raw.as_bytes())),
            used_at: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await
        .or_internal()?;
        codes.push(shown);
    }
    Ok(RecoveryCodes { codes })
}

/// Removes the account's secret and recovery codes (the caller clears
/// `users.mfa_enrolled_at` in the same transaction).
pub async fn forget(db: &impl ConnectionTrait, user_id: Uuid) -> Result<(), AppError> {
    mfa_recovery_codes::Entity::delete_many()
        .filter(mfa_recovery_codes::Column::UserId.eq(user_id))
        .exec(db)
        .await
        .or_internal()?;
    user_mfa::Entity::delete_by_id(user_id)
        .exec(db)
        .await
        .or_internal()?;
    Ok(())
}

/// Two-step sign-in on `user`'s account.
pub async fn status(db: &impl ConnectionTrait, user: &users::Model) -> Result<MfaStatus, AppError> {
    let left = mfa_recovery_codes::Entity::find()
        .filter(mfa_recovery_codes::Column::UserId.eq(user.id))
        .filter(mfa_recovery_codes::Column::UsedAt.is_null())
        .count(db)
        .await
        .or_internal()?;
    Ok(MfaStatus {
        enrolled: user.mfa_enrolled_at.is_some(),
        required: user.role.is_staff(),
        recovery_codes_left: left as u32,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238, appendix B: the SHA-1 secret "12345678901234567890".
    #[test]
    fn codes_match_the_rfc_test_vectors() {
        let secret = b"12345678901234567890";
        for (at, code) in [
            (59, "287082"),
            (1111111109, "081804"),
            (1234567890, "005924"),
            (2000000000, "279037"),
        ] {
            let at = DateTime::from_timestamp(at, 0).unwrap();
            assert_eq!(code_at(secret, at), code);
        }
    }

    #[test]
    fn one_step_of_skew_either_way_and_no_more() {
        let secret = new_secret();
        let now = DateTime::from_timestamp(1_800_000_015, 0).unwrap();
        let step = step_of(now);
        for (offset, expect) in [
            (-2, None),
            (-1, Some(-1)),
            (0, Some(0)),
            (1, Some(1)),
            (2, None),
        ] {
            let code = code_at(&secret, at_step(step + offset));
            assert_eq!(
                matching_step(&secret, &code, now).map(|s| s - step),
                expect,
                "offset {offset}"
            );
        }
    }

    #[test]
    fn typed_codes_are_normalised() {
        assert_eq!(totp_digits(" 123 456 ").as_deref(), Some("123456"));
        assert_eq!(totp_digits("123-456").as_deref(), Some("123456"));
        assert_eq!(totp_digits("12345"), None);
        assert_eq!(totp_digits("abcdef"), None);
        assert_eq!(normalise_recovery(" ABCDE-fghjk "), "abcdefghjk");
    }

    #[test]
    fn the_enrolment_shows_an_svg_qr_code_of_the_otpauth_address() {
        let e = enrolment(b"12345678901234567890", "ana@example.org").unwrap();
        assert!(
            e.uri.starts_with("otpauth://totp/HMS:ana%40example.org?"),
            "{}",
            e.uri
        );
        assert!(
            e.uri.contains("secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"),
            "{}",
            e.uri
        );
        assert!(e.uri.contains("issuer=HMS"));
        assert!(e.qr_svg.contains("<svg"), "{}", &e.qr_svg[..100]);
        assert_eq!(e.secret, "GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ");
    }
}

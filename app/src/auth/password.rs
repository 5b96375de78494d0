//! Password hashing with argon2id. Hashing is deliberately slow, so it runs on
//! the blocking pool, never on the async runtime's worker threads.

use std::sync::OnceLock;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::Rng;
use shared::AppError;

use crate::context::OrInternal;

/// 19 MiB of memory, 2 passes, 1 lane: the OWASP minimum for argon2id.
const MEMORY_KIB: u32 = 19 * 1024;
const ITERATIONS: u32 = 2;
const LANES: u32 = 1;

fn hasher() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(MEMORY_KIB, ITERATIONS, LANES, None).expect("valid argon2 parameters"),
    )
}

fn hash_blocking(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(hasher()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Hashes a password into a PHC string (`$argon2id$v=19$m=19456,t=2,p=1$…`).
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || hash_blocking(&password))
        .await
        .or_internal()?
        .or_internal()
}

/// Checks a password against a stored PHC string. The parameters come from the
/// string itself, so older hashes keep verifying after the defaults change.
pub async fn verify(password: String, phc: String) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&phc)?;
        Ok::<bool, argon2::password_hash::Error>(
            hasher()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok(),
        )
    })
    .await
    .or_internal()?
    .or_internal()
}

/// Spends the same time as a real check when there is no such account, so the
/// response time does not reveal which e-mail addresses have accounts.
pub async fn verify_dummy(password: String) -> Result<(), AppError> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    let phc = match DUMMY.get() {
        Some(phc) => phc.clone(),
        None => {
            let phc = hash("not a real password, only for timing".into()).await?;
            DUMMY.get_or_init(|| phc).clone()
        }
    };
    verify(password, phc).await.map(|_| ())
}

/// A temporary password to hand over in person: four groups of letters and
/// digits without look-alike characters, e.g. `kq7m-x3tp-9ahw-r2ze` (~80 bits).
pub fn generate_temporary() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    let mut rng = rand::rngs::OsRng;
    (0..4)
        .map(|_| {
            (0..4)
                .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_is_argon2id_with_required_cost_and_verifies() {
        let phc = hash("correct horse battery staple".into()).await.unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(verify("correct horse battery staple".into(), phc.clone())
            .await
            .unwrap());
        assert!(!verify("wrong horse battery staple".into(), phc)
            .await
            .unwrap());
    }

    #[test]
    fn temporary_passwords_pass_the_policy_and_differ() {
        let a = generate_temporary();
        let b = generate_temporary();
        assert_ne!(a, b);
        assert_eq!(a.len(), 19);
        assert!(shared::validate::Password::parse_new(&a, None).is_ok());
    }
}

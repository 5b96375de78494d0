//! Encryption of sensitive values by the application (AES-256-GCM), and
//! keyed hashes (HMAC-SHA-256) for values that are looked up but must never
//! be stored in clear (recovery codes; later, blind indexes for search).
//!
//! A stored value reads `enc:v<version>:<base64 of nonce ‖ ciphertext>`: it
//! names the key that encrypted it, so keys can be rotated while old values
//! are still read. Each value is bound to where it is kept (the
//! "associated data", e.g. `user_mfa.secret:<user id>`), so a ciphertext
//! copied into another row or column does not decrypt. A leaf: it imports
//! nothing from the crate. Server-only.

use std::collections::BTreeMap;

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a stored value could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptoError {
    #[error("the value is not in the `enc:v<n>:` form")]
    Malformed,
    #[error("no key of version {0} is loaded")]
    UnknownKey(u32),
    #[error("the value does not decrypt with its key (wrong key, or altered)")]
    Tampered,
}

/// The loaded keys: every version that may still be read, the one new
/// values are written with, and the key of the keyed hashes.
pub struct Cipher {
    keys: BTreeMap<u32, Aes256Gcm>,
    current: u32,
    index_key: [u8; 32],
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cipher(current v{}, ****)", self.current)
    }
}

impl Cipher {
    /// `keys` by version (32 bytes each); new values use the highest.
    /// `index_key` keys the hashes of [`Cipher::mac`]; it never rotates,
    /// since the stored hashes are looked up by value.
    pub fn new(keys: &[(u32, [u8; 32])], index_key: [u8; 32]) -> Cipher {
        assert!(!keys.is_empty(), "at least one encryption key");
        let keys: BTreeMap<u32, Aes256Gcm> = keys
            .iter()
            .map(|(version, key)| (*version, Aes256Gcm::new(key.into())))
            .collect();
        let current = *keys.keys().next_back().expect("one key");
        Cipher {
            keys,
            current,
            index_key,
        }
    }

    /// The version new values are encrypted with.
    pub fn current_version(&self) -> u32 {
        self.current
    }

    /// Encrypts `plain` for the place `context` names.
    pub fn encrypt(&self, plain: &[u8], context: &str) -> String {
        let key = &self.keys[&self.current];
        let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
        let sealed = key
            .encrypt(
                &nonce,
                Payload {
                    msg: plain,
                    aad: context.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of an in-memory value cannot fail");
        let mut bytes = nonce.to_vec();
        bytes.extend_from_slice(&sealed);
        format!("enc:v{}:{}", self.current, STANDARD.encode(bytes))
    }

    /// Decrypts a value that [`Cipher::encrypt`] wrote for `context`.
    pub fn decrypt(&self, stored: &str, context: &str) -> Result<Vec<u8>, CryptoError> {
        let (version, body) = parse(stored)?;
        let key = self
            .keys
            .get(&version)
            .ok_or(CryptoError::UnknownKey(version))?;
        let bytes = STANDARD.decode(body).map_err(|_| CryptoError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(CryptoError::Malformed);
        }
        let (nonce, sealed) = bytes.split_at(12);
        key.decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: sealed,
                aad: context.as_bytes(),
            },
        )
        .map_err(|_| CryptoError::Tampered)
    }

    /// The keyed hash of `value` for the purpose `label` (hex, 64 digits).
    pub fn mac(&self, label: &str, value: &[u8]) -> String {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.index_key)
            .expect("HMAC takes any key length");
        mac.update(label.as_bytes());
        mac.update(&[0]);
        mac.update(value);
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The key version of a stored value, and its body.
pub fn parse(stored: &str) -> Result<(u32, &str), CryptoError> {
    let rest = stored.strip_prefix("enc:v").ok_or(CryptoError::Malformed)?;
    let (version, body) = rest.split_once(':').ok_or(CryptoError::Malformed)?;
    let version = version.parse().map_err(|_| CryptoError::Malformed)?;
    Ok((version, body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cipher(keys: &[(u32, u8)]) -> Cipher {
        let keys: Vec<(u32, [u8; 32])> = keys.iter().map(|(v, b)| (*v, [*b; 32])).collect();
        Cipher::new(&keys, [9; 32])
    }

    #[test]
    fn values_round_trip_and_name_their_key() {
        let c = cipher(&[(1, 1)]);
        let stored = c.encrypt(b"JBSWY3DPEHPK3PXP", "user_mfa.secret:a");
        assert!(stored.starts_with("enc:v1:"), "{stored}");
        assert!(!stored.contains("JBSWY3DP"));
        assert_eq!(
            c.decrypt(&stored, "user_mfa.secret:a").unwrap(),
            b"JBSWY3DPEHPK3PXP"
        );
        // A fresh nonce each time: equal values do not look equal.
        assert_ne!(stored, c.encrypt(b"JBSWY3DPEHPK3PXP", "user_mfa.secret:a"));
    }

    #[test]
    fn a_value_moved_altered_or_under_another_key_is_refused() {
        let c = cipher(&[(1, 1)]);
        let stored = c.encrypt(b"secret", "user_mfa.secret:a");
        assert_eq!(
            c.decrypt(&stored, "user_mfa.secret:b"),
            Err(CryptoError::Tampered)
        );
        let (_, body) = parse(&stored).unwrap();
        let mut bytes = STANDARD.decode(body).unwrap();
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let altered = format!("enc:v1:{}", STANDARD.encode(bytes));
        assert_eq!(
            c.decrypt(&altered, "user_mfa.secret:a"),
            Err(CryptoError::Tampered)
        );
        assert_eq!(
            cipher(&[(1, 2)]).decrypt(&stored, "user_mfa.secret:a"),
            Err(CryptoError::Tampered)
        );
        assert_eq!(
            cipher(&[(2, 1)]).decrypt(&stored, "user_mfa.secret:a"),
            Err(CryptoError::UnknownKey(1))
        );
        assert_eq!(c.decrypt("plain text", "x"), Err(CryptoError::Malformed));
    }

    #[test]
    fn new_values_use_the_newest_key_and_old_ones_still_read() {
        let old = cipher(&[(1, 1)]);
        let stored = old.encrypt(b"note", "n");
        let both = cipher(&[(1, 1), (2, 2)]);
        assert_eq!(both.current_version(), 2);
        assert_eq!(both.decrypt(&stored, "n").unwrap(), b"note");
        assert!(both.encrypt(b"note", "n").starts_with("enc:v2:"));
    }

    #[test]
    fn keyed_hashes_depend_on_label_value_and_key() {
        let c = cipher(&[(1, 1)]);
        let h = c.mac("recovery", b"abcd-efgh");
        assert_eq!(h.len(), 64);
        assert_eq!(h, c.mac("recovery", b"abcd-efgh"));
        assert_ne!(h, c.mac("recovery", b"abcd-efgi"));
        assert_ne!(h, c.mac("other", b"abcd-efgh"));
        assert_ne!(
            h,
            Cipher::new(&[(1, [1; 32])], [8; 32]).mac("recovery", b"abcd-efgh")
        );
    }
}

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
use std::sync::RwLock;

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// A column whose values the application encrypts: every value in it is
/// bound to `<table>.<column>:<row id>` ([`context`]).
#[derive(Debug, Clone, Copy)]
pub struct SealedColumn {
    pub table: &'static str,
    pub column: &'static str,
    /// The row's key column, whose value the context names (a UUID).
    pub id: &'static str,
    /// Whether plaintext values are meant to stay (the outbox keeps only
    /// the messages that hold a secret encrypted); otherwise a plaintext
    /// value is one stored before the column was encrypted, and
    /// `hms keys rotate` seals it.
    pub plaintext_stays: bool,
}

const fn sealed(table: &'static str, column: &'static str) -> SealedColumn {
    SealedColumn {
        table,
        column,
        id: "id",
        plaintext_stays: false,
    }
}

/// Every encrypted column: what `hms keys rotate` re-encrypts, and what the
/// tests find free of plaintext on both databases. The free text of the
/// chart (note bodies, their amendments and reasons, histories), national
/// identifiers and the stored secrets.
pub const SEALED_COLUMNS: &[SealedColumn] = &[
    sealed("clinical_notes", "subjective"),
    sealed("clinical_notes", "objective"),
    sealed("clinical_notes", "assessment"),
    sealed("clinical_notes", "plan"),
    sealed("note_amendments", "reason"),
    sealed("note_amendments", "subjective"),
    sealed("note_amendments", "objective"),
    sealed("note_amendments", "assessment"),
    sealed("note_amendments", "plan"),
    sealed("history_entries", "description"),
    sealed("patients", "national_id"),
    sealed("admissions", "note"),
    sealed("admissions", "procedures"),
    sealed("admissions", "follow_up"),
    sealed("admissions", "summary"),
    sealed("ed_visits", "chief_complaint"),
    sealed("ed_visits", "note"),
    sealed("ed_triages", "chief_complaint"),
    sealed("ed_triages", "note"),
    SealedColumn {
        table: "user_mfa",
        column: "secret",
        id: "user_id",
        plaintext_stays: false,
    },
    SealedColumn {
        table: "notification_outbox",
        column: "body",
        id: "id",
        plaintext_stays: true,
    },
];

/// Where a sealed value is kept, as the cipher binds it: a value copied
/// into another row or column does not decrypt.
pub fn context(table: &str, column: &str, id: impl std::fmt::Display) -> String {
    format!("{table}.{column}:{id}")
}

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
/// values are written with, and the key of the keyed hashes. Keys can be
/// added while the server runs ([`Cipher::load`]): that is how a rotation
/// (`hms keys rotate`) reaches every process.
pub struct Cipher {
    ring: RwLock<Keyring>,
    index_key: [u8; 32],
}

struct Keyring {
    keys: BTreeMap<u32, Aes256Gcm>,
    current: u32,
}

impl std::fmt::Debug for Cipher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cipher(current v{}, ****)", self.current_version())
    }
}

impl Cipher {
    /// `keys` by version (32 bytes each); new values use the highest.
    /// `index_key` keys the hashes of [`Cipher::mac`]; it never rotates,
    /// since the stored hashes are looked up by value.
    pub fn new(keys: &[(u32, [u8; 32])], index_key: [u8; 32]) -> Cipher {
        assert!(!keys.is_empty(), "at least one encryption key");
        let current = keys.iter().map(|(v, _)| *v).max().expect("one key");
        Cipher::with_current(keys, current, index_key)
    }

    /// `keys` by version; new values use version `current`, which must be
    /// among them.
    pub fn with_current(keys: &[(u32, [u8; 32])], current: u32, index_key: [u8; 32]) -> Cipher {
        let cipher = Cipher {
            ring: RwLock::new(Keyring {
                keys: BTreeMap::new(),
                current,
            }),
            index_key,
        };
        cipher.load(keys, current);
        cipher
    }

    /// Adds the versions of `keys` not loaded yet (a loaded version never
    /// changes) and writes new values with `current` from now on, if that
    /// version is loaded. Answers whether anything changed.
    pub fn load(&self, keys: &[(u32, [u8; 32])], current: u32) -> bool {
        let mut ring = self.ring.write().expect("the keyring lock");
        let mut changed = false;
        for (version, key) in keys {
            if !ring.keys.contains_key(version) {
                ring.keys.insert(*version, Aes256Gcm::new(key.into()));
                changed = true;
            }
        }
        assert!(
            ring.keys.contains_key(&current),
            "the current key v{current} is loaded"
        );
        changed |= ring.current != current;
        ring.current = current;
        changed
    }

    /// The version new values are encrypted with.
    pub fn current_version(&self) -> u32 {
        self.ring.read().expect("the keyring lock").current
    }

    /// Encrypts `plain` for the place `context` names.
    pub fn encrypt(&self, plain: &[u8], context: &str) -> String {
        let ring = self.ring.read().expect("the keyring lock");
        let key = &ring.keys[&ring.current];
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
        format!("enc:v{}:{}", ring.current, STANDARD.encode(bytes))
    }

    /// Encrypts a text for the place `context` names ([`Cipher::open`]
    /// reads it back).
    pub fn seal(&self, text: &str, context: &str) -> String {
        self.encrypt(text.as_bytes(), context)
    }

    /// The text [`Cipher::seal`] stored for `context`. A value without the
    /// `enc:` prefix was stored before its column was encrypted and is
    /// answered as it is, until `hms keys rotate` seals it.
    pub fn open(&self, stored: &str, context: &str) -> Result<String, CryptoError> {
        if !stored.starts_with("enc:") {
            return Ok(stored.to_string());
        }
        String::from_utf8(self.decrypt(stored, context)?).map_err(|_| CryptoError::Tampered)
    }

    /// Decrypts a value that [`Cipher::encrypt`] wrote for `context`.
    pub fn decrypt(&self, stored: &str, context: &str) -> Result<Vec<u8>, CryptoError> {
        let (version, body) = parse(stored)?;
        let ring = self.ring.read().expect("the keyring lock");
        let key = ring
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
    fn a_key_loaded_while_running_reads_and_then_writes() {
        let c = cipher(&[(1, 1)]);
        let old = c.seal("Плохо спал", "n:1");
        // Loaded but not yet current: read everywhere before anyone writes with it.
        assert!(c.load(&[(1, [1; 32]), (2, [2; 32])], 1));
        assert!(c.seal("x", "n:1").starts_with("enc:v1:"));
        let written_elsewhere = cipher(&[(2, 2)]).seal("x", "n:2");
        assert_eq!(c.open(&written_elsewhere, "n:2").unwrap(), "x");
        assert!(c.load(&[(2, [2; 32])], 2));
        assert!(c.seal("x", "n:1").starts_with("enc:v2:"));
        assert_eq!(c.open(&old, "n:1").unwrap(), "Плохо спал");
        // A version, once loaded, is never replaced.
        assert!(!c.load(&[(2, [7; 32])], 2));
        assert_eq!(c.open(&written_elsewhere, "n:2").unwrap(), "x");
    }

    #[test]
    fn text_from_before_encryption_is_read_as_it_is() {
        let c = cipher(&[(1, 1)]);
        assert_eq!(c.open("written in 2025", "n:1").unwrap(), "written in 2025");
        assert_eq!(c.open("enc:v1:AAAA", "n:1"), Err(CryptoError::Malformed));
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

//! Keys generated on first run and kept in `<data dir>/secrets/`, readable by
//! the owner only. Several server processes share them through the same files
//! or through environment variables.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;

/// The server's secret keys.
#[derive(Clone)]
pub struct Secrets {
    /// Where the key files are (`<data dir>/secrets`).
    dir: PathBuf,
    /// The cipher over every encryption key version, shared by everything in
    /// the process that encrypts, so a key loaded by [`Secrets::reload`]
    /// reaches all of it.
    cipher: Arc<app::crypto::Cipher>,
    /// Signs the session cookie (64 bytes).
    pub session_key: Vec<u8>,
    /// Encrypts sensitive columns such as MFA secrets and note bodies (32
    /// bytes, AES-256): key version 1. Later versions, made by `hms keys
    /// rotate`, are `encryption.v<N>.key` files ([`versioned_keys`]).
    pub encryption_key: Vec<u8>,
    /// Keys the hashes of values looked up but never stored in clear, such
    /// as recovery codes (32 bytes, HMAC-SHA-256). Never rotated: the stored
    /// hashes are found by recomputing them.
    pub index_key: Vec<u8>,
    /// Encrypts the SQLite database file, its write-ahead log and its
    /// backups (32 bytes, SQLCipher's raw key; `crate::sqlcipher`). Lose it
    /// and the database and every backup are unreadable: keep a copy apart
    /// from the backups (docs/operations.md).
    pub database_key: Vec<u8>,
}

impl Secrets {
    /// The application's cipher over the encryption keys: one for the whole
    /// process.
    pub fn cipher(&self) -> Arc<app::crypto::Cipher> {
        self.cipher.clone()
    }

    /// Loads encryption key versions added since (by `hms keys rotate`, in
    /// this process or another) and the version new values use. Answers
    /// whether anything changed.
    pub fn reload(&self) -> Result<bool> {
        let (keys, current) = keyring(&self.dir, &self.encryption_key)?;
        Ok(self.cipher.load(&keys, current))
    }

    /// The directory of the key files.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The key of the SQLite database file.
    pub fn database_key(&self) -> crate::db::DatabaseKey {
        crate::db::DatabaseKey::new(
            self.database_key
                .as_slice()
                .try_into()
                .expect("the database key is 32 bytes (checked on loading)"),
        )
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(****)")
    }
}

/// Loads the keys from `HMS_SESSION_KEY` / `HMS_ENCRYPTION_KEY` /
/// `HMS_INDEX_KEY` / `HMS_DATABASE_KEY` (base64) or
/// from files, creating missing files with 0600 permissions.
pub fn load_or_create(data_dir: &Path) -> Result<Secrets> {
    let dir = data_dir.join("secrets");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
    let encryption_key = key("HMS_ENCRYPTION_KEY", &dir.join("encryption.key"), 32)?;
    let index_key = key("HMS_INDEX_KEY", &dir.join("index.key"), 32)?;
    let (keys, current) = keyring(&dir, &encryption_key)?;
    let cipher = app::crypto::Cipher::with_current(
        &keys,
        current,
        index_key.as_slice().try_into().expect("32 bytes, checked"),
    );
    Ok(Secrets {
        session_key: key("HMS_SESSION_KEY", &dir.join("session.key"), 64)?,
        cipher: Arc::new(cipher),
        encryption_key,
        index_key,
        database_key: key("HMS_DATABASE_KEY", &dir.join("database.key"), 32)?,
        dir,
    })
}

/// An encryption key and its version.
pub type VersionedKey = (u32, [u8; 32]);

/// The file of encryption key version `version` (2 and later).
pub fn versioned_key_path(dir: &Path, version: u32) -> PathBuf {
    dir.join(format!("encryption.v{version}.key"))
}

/// The file naming the version new values are encrypted with.
pub fn current_version_path(dir: &Path) -> PathBuf {
    dir.join("encryption.current")
}

/// Every encryption key version: 1 is `first` (`encryption.key` or
/// `HMS_ENCRYPTION_KEY`), later ones are `encryption.v<N>.key` files. New
/// values use the version in `encryption.current`, else 1: a rotation makes
/// a key readable everywhere before anyone writes with it.
pub fn keyring(dir: &Path, first: &[u8]) -> Result<(Vec<VersionedKey>, u32)> {
    let mut keys = vec![(1, first.try_into().context("the first key is 32 bytes")?)];
    for entry in fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let name = entry?.file_name();
        let Some(version) = name
            .to_str()
            .and_then(|n| n.strip_prefix("encryption.v"))
            .and_then(|n| n.strip_suffix(".key"))
            .and_then(|n| n.parse::<u32>().ok())
            .filter(|v| *v >= 2)
        else {
            continue;
        };
        let bytes = read_key(&versioned_key_path(dir, version), 32)?;
        keys.push((version, bytes.try_into().expect("32 bytes, checked")));
    }
    keys.sort_by_key(|(v, _)| *v);
    let current = match fs::read_to_string(current_version_path(dir)) {
        Ok(text) => text.trim().parse::<u32>().with_context(|| {
            format!(
                "{} must hold a key version",
                current_version_path(dir).display()
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => 1,
        Err(e) => return Err(e).context("reading the current key version"),
    };
    if !keys.iter().any(|(v, _)| *v == current) {
        bail!(
            "{} names key version {current}, whose file {} is missing",
            current_version_path(dir).display(),
            versioned_key_path(dir, current).display()
        );
    }
    Ok((keys, current))
}

/// Writes a new random key of `len` bytes into `path` (0600), never over an
/// existing file.
pub fn create_key(path: &Path, len: usize) -> Result<Vec<u8>> {
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let mut file = fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    file.write_all(STANDARD.encode(&bytes).as_bytes())?;
    file.sync_all()?;
    Ok(bytes)
}

/// Reads a key file: owner-only, base64 of `len` bytes.
fn read_key(path: &Path, len: usize) -> Result<Vec<u8>> {
    let mode = fs::metadata(path)?.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        bail!(
            "{} is readable by others (mode {mode:o}); run: chmod 600 {}",
            path.display(),
            path.display()
        );
    }
    let bytes = STANDARD
        .decode(fs::read_to_string(path)?.trim())
        .with_context(|| format!("{} is not base64", path.display()))?;
    if bytes.len() != len {
        bail!(
            "{} must hold {len} bytes, got {}",
            path.display(),
            bytes.len()
        );
    }
    Ok(bytes)
}

fn key(env: &str, path: &Path, len: usize) -> Result<Vec<u8>> {
    if let Ok(value) = std::env::var(env) {
        let bytes = STANDARD
            .decode(value.trim())
            .with_context(|| format!("{env} is not base64"))?;
        if bytes.len() != len {
            bail!("{env} must decode to {len} bytes, got {}", bytes.len());
        }
        return Ok(bytes);
    }
    if path.exists() {
        return read_key(path, len);
    }
    // create_new + mode 0600: never clobbers a key another process just wrote.
    match create_key(path, len) {
        Ok(bytes) => {
            tracing::info!(path = %path.display(), "generated a new secret key");
            Ok(bytes)
        }
        Err(_) if path.exists() => key(env, path, len),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_created_0600_and_reloaded_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let first = load_or_create(dir.path()).unwrap();
        assert_eq!(first.session_key.len(), 64);
        assert_eq!(first.encryption_key.len(), 32);
        let mode = fs::metadata(dir.path().join("secrets/session.key"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o600);
        let again = load_or_create(dir.path()).unwrap();
        assert_eq!(first.session_key, again.session_key);
        assert_eq!(first.encryption_key, again.encryption_key);
        assert_eq!(first.database_key.len(), 32);
        assert_eq!(first.database_key, again.database_key);
        assert_ne!(first.database_key, first.encryption_key);
    }

    #[test]
    fn a_world_readable_key_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        load_or_create(dir.path()).unwrap();
        let path = dir.path().join("secrets/session.key");
        fs::set_permissions(&path, fs::Permissions::from_mode(0o644)).unwrap();
        let err = load_or_create(dir.path()).unwrap_err().to_string();
        assert!(err.contains("readable by others"), "{err}");
    }
}

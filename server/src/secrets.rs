//! Keys generated on first run and kept in `<data dir>/secrets/`, readable by
//! the owner only. Several server processes share them through the same files
//! or through environment variables.

use std::fs;
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{bail, Context, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use rand::RngCore;

/// The server's secret keys.
#[derive(Clone)]
pub struct Secrets {
    /// Signs the session cookie (64 bytes).
    pub session_key: Vec<u8>,
    /// Encrypts sensitive columns such as MFA secrets (32 bytes, AES-256).
    pub encryption_key: Vec<u8>,
    /// Keys the hashes of values looked up but never stored in clear, such
    /// as recovery codes (32 bytes, HMAC-SHA-256). Never rotated: the stored
    /// hashes are found by recomputing them.
    pub index_key: Vec<u8>,
}

impl Secrets {
    /// The application's cipher over these keys (key version 1).
    pub fn cipher(&self) -> app::crypto::Cipher {
        let key: [u8; 32] = self
            .encryption_key
            .as_slice()
            .try_into()
            .expect("the encryption key is 32 bytes (checked on loading)");
        let index: [u8; 32] = self
            .index_key
            .as_slice()
            .try_into()
            .expect("the index key is 32 bytes (checked on loading)");
        app::crypto::Cipher::new(&[(1, key)], index)
    }
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secrets(****)")
    }
}

/// Loads the keys from `HMS_SESSION_KEY` / `HMS_ENCRYPTION_KEY` /
/// `HMS_INDEX_KEY` (base64) or
/// from files, creating missing files with 0600 permissions.
pub fn load_or_create(data_dir: &Path) -> Result<Secrets> {
    let dir = data_dir.join("secrets");
    fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o700))?;
    Ok(Secrets {
        session_key: key("HMS_SESSION_KEY", &dir.join("session.key"), 64)?,
        encryption_key: key("HMS_ENCRYPTION_KEY", &dir.join("encryption.key"), 32)?,
        index_key: key("HMS_INDEX_KEY", &dir.join("index.key"), 32)?,
    })
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
        return Ok(bytes);
    }
    let mut bytes = vec![0u8; len];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    // create_new + mode 0600: never clobbers a key another process just wrote.
    match fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(mut file) => {
            file.write_all(STANDARD.encode(&bytes).as_bytes())?;
            file.sync_all()?;
            tracing::info!(path = %path.display(), "generated a new secret key");
            Ok(bytes)
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => key(env, path, len),
        Err(e) => Err(e).with_context(|| format!("writing {}", path.display())),
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

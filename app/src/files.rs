//! Files kept outside the database (imaging attachments): one file per
//! key in a directory, encrypted with the application's keys
//! (`crypto::Cipher`, bound to the key so a file copied under another name
//! does not decrypt) and written whole before it is named, so a reader
//! never sees half a file. Several `hms` processes share it when the
//! directory is shared storage (`--attachments-dir` on a network volume).
//! Server-only.

use std::path::PathBuf;

use shared::AppError;

use crate::crypto::Cipher;

#[derive(Debug, Clone)]
pub struct FileStore {
    dir: PathBuf,
}

/// A key names a file: letters, digits and dashes only (a UUID), so no key
/// reaches outside the directory.
fn checked(key: &str) -> Result<&str, AppError> {
    if !key.is_empty()
        && key.len() <= 80
        && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        Ok(key)
    } else {
        Err(crate::context::internal(format!("bad file key {key:?}")))
    }
}

impl FileStore {
    pub fn new(dir: PathBuf) -> FileStore {
        FileStore { dir }
    }

    fn context(key: &str) -> String {
        format!("files:{key}")
    }

    /// Stores `bytes` under `key`.
    pub async fn put(&self, cipher: &Cipher, key: &str, bytes: &[u8]) -> Result<(), AppError> {
        let key = checked(key)?;
        let sealed = cipher.encrypt(bytes, &Self::context(key));
        tokio::fs::create_dir_all(&self.dir)
            .await
            .map_err(crate::context::internal)?;
        let partial = self.dir.join(format!("{key}.partial"));
        tokio::fs::write(&partial, sealed.as_bytes())
            .await
            .map_err(crate::context::internal)?;
        tokio::fs::rename(&partial, self.dir.join(key))
            .await
            .map_err(crate::context::internal)
    }

    /// The bytes stored under `key`.
    pub async fn get(&self, cipher: &Cipher, key: &str) -> Result<Vec<u8>, AppError> {
        let key = checked(key)?;
        let sealed = tokio::fs::read_to_string(self.dir.join(key))
            .await
            .map_err(crate::context::internal)?;
        cipher
            .decrypt(&sealed, &Self::context(key))
            .map_err(crate::context::internal)
    }

    /// Stores `bytes` under a new key, then lets `record` note it (in the
    /// database, under that key); when `record` fails, nothing points at
    /// the file and it goes.
    pub async fn put_recorded<T, Fut>(
        &self,
        cipher: &Cipher,
        bytes: &[u8],
        record: impl FnOnce(String) -> Fut,
    ) -> Result<T, AppError>
    where
        Fut: std::future::Future<Output = Result<T, AppError>>,
    {
        let key = uuid::Uuid::new_v4().to_string();
        self.put(cipher, &key, bytes).await?;
        let recorded = record(key.clone()).await;
        if recorded.is_err() {
            let _ = self.remove(&key).await;
        }
        recorded
    }

    /// Removes the file under `key` (a failed upload's leftovers).
    pub async fn remove(&self, key: &str) -> Result<(), AppError> {
        let key = checked(key)?;
        tokio::fs::remove_file(self.dir.join(key))
            .await
            .map_err(crate::context::internal)
    }
}

/// The SHA-256 digest of `bytes` in lower-case hex, kept with a stored file
/// and checked when it is served.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// A stored file answered for the browser to show (images, PDFs): its
/// type, its name in ASCII and in UTF-8 (RFC 6266), never cached, never
/// sniffed.
pub fn inline_response(
    bytes: Vec<u8>,
    file_name: &str,
    content_type: &str,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
    let ascii: String = file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    let disposition = format!(
        "inline; filename=\"{ascii}\"; filename*=UTF-8''{}",
        utf8_percent_encode(file_name, NON_ALPHANUMERIC)
    );
    (
        [
            (http::header::CONTENT_TYPE, content_type.to_string()),
            (http::header::CONTENT_DISPOSITION, disposition),
            (http::header::CACHE_CONTROL, "private, no-store".to_string()),
            (http::header::X_CONTENT_TYPE_OPTIONS, "nosniff".to_string()),
        ],
        bytes,
    )
        .into_response()
}

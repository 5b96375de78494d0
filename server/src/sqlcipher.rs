//! The SQLite database file encrypted at rest with SQLCipher.
//!
//! The SQLite library that `hms` links is SQLCipher (libsqlite3-sys's
//! `bundled-sqlcipher` feature, over the system's OpenSSL libcrypto): every
//! page of the database file, of its write-ahead log and of a backup is
//! AES-256 encrypted and carries an HMAC-SHA-512, so the files hold no
//! plaintext and a page changed on disk is refused when read.
//!
//! The key is 32 random bytes (`secrets/database.key` or `HMS_DATABASE_KEY`),
//! given to SQLCipher as a raw key (`x'…'`): the key is already random, so
//! SQLCipher's PBKDF2 derivation (256,000 rounds at every connection) would
//! only slow each new connection down.
//!
//! A file written before encryption (plaintext SQLite) is encrypted in place
//! the first time `hms` opens it ([`encrypt_in_place`]). A file that the key
//! does not open is refused with an error that says so; it is never written.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sea_orm::sqlx::{self, ConnectOptions, Connection};

/// The key of the SQLite database file.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey([u8; 32]);

impl DatabaseKey {
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The value of `PRAGMA key`: a raw key, in double quotes.
    pub fn pragma(&self) -> String {
        format!("\"{}\"", self.literal())
    }

    /// The key as SQLCipher reads a raw one: `x'<64 hex digits>'`.
    fn literal(&self) -> String {
        let hex: String = self.0.iter().map(|b| format!("{b:02X}")).collect();
        format!("x'{hex}'")
    }
}

impl std::fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("DatabaseKey(****)")
    }
}

/// Whether the existing `file` is a plaintext SQLite database: it opens
/// without a key.
///
/// Asked through SQLite, never by reading the file's first bytes with
/// `std::fs`: closing any descriptor of a file drops every POSIX lock this
/// process holds on it, those of SQLite's open connections included, and
/// another process could then take the file for its own (as `hms migrate`
/// did in a test, deleting the write-ahead log under the server).
pub async fn opens_without_key(file: &Path) -> Result<bool> {
    let mut connection = open(file, None).await?;
    let answer = match sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_schema")
        .fetch_one(&mut connection)
        .await
    {
        Ok(_) => Ok(true),
        Err(e) if not_a_database(&e) => Ok(false),
        Err(e) => Err(e).with_context(|| format!("reading {}", file.display())),
    };
    connection.close().await.ok();
    answer
}

/// SQLITE_NOTADB: what a page that does not decrypt (or a file that is no
/// database) reads as.
fn not_a_database(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(e) if e.code().as_deref() == Some("26"))
}

/// Makes sure the existing `file` opens with `key`: a plaintext file is
/// encrypted first; a file the key does not open is refused with a clear
/// error. A missing or empty file is left for the pool to create, encrypted.
pub async fn prepare(file: &Path, key: &DatabaseKey) -> Result<()> {
    crate::exit::leave_teardown_to_the_os();
    if std::fs::metadata(file).map(|m| m.len()).unwrap_or(0) == 0 {
        // Missing or empty: the pool creates it, encrypted.
        return Ok(());
    }
    let mut connection = open(file, Some(key)).await?;
    let result = check_key(&mut connection, file).await;
    connection.close().await.ok();
    match result {
        Err(Refusal::NotOpened) if opens_without_key(file).await? => {
            encrypt_in_place(file, key).await
        }
        Err(Refusal::NotOpened) => bail!(
            "the database key does not open {}: it is encrypted with another key, or it is not a database \
             (the key is HMS_DATABASE_KEY, else secrets/database.key in the data directory). \
             Nothing was written to the file.",
            file.display()
        ),
        Err(Refusal::Other(e)) => Err(e),
        Ok(()) => Ok(()),
    }
}

/// Why [`check_key`] refused.
enum Refusal {
    /// The key does not open the file.
    NotOpened,
    Other(anyhow::Error),
}

/// One connection to the existing `file`, with `key` when given.
async fn open(file: &Path, key: Option<&DatabaseKey>) -> Result<SqliteConnection> {
    // With the create flag: the file exists (checked by the callers), and a
    // database ATTACHed to this connection is created under the same flags.
    let mut options = SqliteConnectOptions::new()
        .filename(file)
        .create_if_missing(true);
    if let Some(key) = key {
        options = options.pragma("key", key.pragma());
    }
    options
        .connect()
        .await
        .with_context(|| format!("opening {}", file.display()))
}

/// The library is SQLCipher, and the key opens `file`.
async fn check_key(connection: &mut SqliteConnection, file: &Path) -> Result<(), Refusal> {
    let version: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_optional(&mut *connection)
        .await
        .map_err(|e| Refusal::Other(e.into()))?;
    if version.is_none() {
        return Err(Refusal::Other(anyhow::anyhow!(
            "this hms is linked with a SQLite library without SQLCipher; the database cannot be encrypted"
        )));
    }
    match sqlx::query_scalar::<_, i64>("SELECT count(*) FROM sqlite_schema")
        .fetch_one(&mut *connection)
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if not_a_database(&e) => Err(Refusal::NotOpened),
        Err(e) => Err(Refusal::Other(
            anyhow::Error::from(e).context(format!("reading {}", file.display())),
        )),
    }
}

/// The SQLCipher library's version, as `PRAGMA cipher_version` reports it.
pub async fn cipher_version(db: &sea_orm::DatabaseConnection) -> Result<Option<String>> {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA cipher_version",
        ))
        .await?;
    Ok(match row {
        Some(row) => Some(row.try_get_by_index(0)?),
        None => None,
    })
}

fn beside(file: &Path, suffix: &str) -> PathBuf {
    let mut name = file.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// Encrypts the plaintext database `file` with `key` (SQLCipher's
/// `sqlcipher_export` into a new file, then a rename over the old one, so a
/// crash midway leaves the plaintext file as it was). Run while no other
/// process has the file open: `hms` opens it before anything else does.
pub async fn encrypt_in_place(file: &Path, key: &DatabaseKey) -> Result<()> {
    let staging = beside(file, ".encrypting");
    match std::fs::remove_file(&staging) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(e).with_context(|| format!("removing {}", staging.display())),
    }
    let mut plain = open(file, None).await?;
    let step = || format!("encrypting {}", file.display());
    async {
        // Everything still in the write-ahead log goes into the file first.
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&mut plain)
            .await?;
        sqlx::query("ATTACH DATABASE ? AS encrypted KEY ?")
            .bind(staging.to_string_lossy().into_owned())
            .bind(key.literal())
            .execute(&mut plain)
            .await?;
        sqlx::query("SELECT sqlcipher_export('encrypted')")
            .execute(&mut plain)
            .await?;
        // sqlcipher_export copies the schema and rows, not the header's
        // user version.
        let version: i64 = sqlx::query_scalar("PRAGMA main.user_version")
            .fetch_one(&mut plain)
            .await?;
        // A number read from the database, not text: safe to format in.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA encrypted.user_version = {version}"
        )))
        .execute(&mut plain)
        .await?;
        sqlx::query("DETACH DATABASE encrypted")
            .execute(&mut plain)
            .await?;
        anyhow::Ok(())
    }
    .await
    .with_context(step)?;
    plain.close().await.with_context(step)?;
    std::fs::File::open(&staging)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        match std::fs::remove_file(beside(file, suffix)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).context("removing the plaintext write-ahead log"),
        }
    }
    std::fs::rename(&staging, file).with_context(step)?;
    if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::File::open(dir)?.sync_all()?;
    }
    tracing::info!(file = %file.display(), "encrypted the plaintext database file with the database key");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_a_raw_sqlcipher_key_and_never_printed() {
        let key = DatabaseKey::new([0xAB; 32]);
        assert_eq!(key.pragma(), format!("\"x'{}'\"", "AB".repeat(32)));
        assert_eq!(format!("{key:?}"), "DatabaseKey(****)");
    }
}

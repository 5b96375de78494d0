//! `hms keys rotate` and `hms keys status`: the application's encryption
//! keys (`app::crypto`), rotated while servers run.
//!
//! Every sealed value names the key version that encrypted it
//! (`enc:v<N>:…`), and every process reads every version it has loaded, so
//! a rotation is safe with servers running, on one database or several
//! processes on one PostgreSQL sharing the secrets directory:
//!
//! 1. a new key, version N+1, is written to `encryption.v<N+1>.key`; servers
//!    load it within [`crate::workers::KEY_RELOAD_PERIOD`] and can read
//!    values sealed with it before anyone writes one;
//! 2. after waiting, `encryption.current` names N+1: from the next reload,
//!    servers seal new values with it;
//! 3. after waiting again, every value of every column in
//!    `app::crypto::SEALED_COLUMNS` that is not under N+1 (older versions,
//!    and text stored before the column was encrypted) is sealed again, in
//!    small batches, each row changed only if nobody changed it meanwhile;
//!    passes repeat until one finds nothing left.
//!
//! Older key files stay: a backup made before the rotation still needs
//! them. Remove one once no backup older than the rotation is kept.

use std::collections::BTreeMap;
use std::time::Duration;

use anyhow::{bail, Context, Result};
use app::crypto::{context, Cipher, SealedColumn, SEALED_COLUMNS};
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement, Value};

use crate::secrets::{create_key, current_version_path, versioned_key_path, Secrets};

/// Rows sealed again per statement batch.
const BATCH: u64 = 200;

/// How many values each column holds under each key version (`None`:
/// stored before the column was encrypted).
#[derive(Debug, Default, PartialEq, Eq)]
pub struct KeyStatus {
    pub columns: BTreeMap<String, BTreeMap<Option<u32>, u64>>,
}

impl KeyStatus {
    /// Values under any version other than `version` (plaintext included,
    /// except in columns where plaintext is meant to stay).
    pub fn not_under(&self, version: u32) -> u64 {
        self.columns
            .iter()
            .flat_map(|(column, counts)| {
                let stays = SEALED_COLUMNS
                    .iter()
                    .any(|c| c.plaintext_stays && name(c) == *column);
                counts.iter().filter(move |(v, _)| match v {
                    Some(v) => *v != version,
                    None => !stays,
                })
            })
            .map(|(_, n)| n)
            .sum()
    }
}

impl std::fmt::Display for KeyStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (column, counts) in &self.columns {
            let parts: Vec<String> = counts
                .iter()
                .map(|(v, n)| match v {
                    Some(v) => format!("{n} under v{v}"),
                    None => format!("{n} not encrypted"),
                })
                .collect();
            let parts = if parts.is_empty() {
                "empty".to_string()
            } else {
                parts.join(", ")
            };
            writeln!(f, "  {column}: {parts}")?;
        }
        Ok(())
    }
}

fn name(c: &SealedColumn) -> String {
    format!("{}.{}", c.table, c.column)
}

/// The key version a stored value names, or None for plaintext.
fn version_of(stored: &str) -> Option<u32> {
    app::crypto::parse(stored).ok().map(|(v, _)| v)
}

/// Counts the values of every sealed column by key version.
pub async fn status(db: &DatabaseConnection) -> Result<KeyStatus> {
    let backend = db.get_database_backend();
    let mut status = KeyStatus::default();
    for c in SEALED_COLUMNS {
        // The version is the text between `enc:v` and the next `:`; read in
        // Rust, so the SQL is the same on both databases.
        let sql = format!(
            "SELECT substr({col}, 1, 16), count(*) FROM {table} WHERE {col} IS NOT NULL \
             GROUP BY substr({col}, 1, 16)",
            col = c.column,
            table = c.table
        );
        let mut counts = BTreeMap::new();
        for row in db
            .query_all_raw(Statement::from_string(backend, sql))
            .await
            .with_context(|| format!("counting {}", name(c)))?
        {
            let head: String = row.try_get_by_index(0)?;
            let n: i64 = row.try_get_by_index(1)?;
            let version = head
                .strip_prefix("enc:v")
                .and_then(|rest| rest.split(':').next())
                .and_then(|v| v.parse::<u32>().ok());
            *counts.entry(version).or_insert(0) += n as u64;
        }
        status.columns.insert(name(c), counts);
    }
    Ok(status)
}

/// Seals again, under the cipher's current version, every value of the
/// sealed columns that is under another version (or, where plaintext is
/// not meant to stay, not encrypted yet). Answers how many were changed.
pub async fn reseal(db: &DatabaseConnection, cipher: &Cipher) -> Result<u64> {
    let current = cipher.current_version();
    let mut total = 0;
    loop {
        let mut changed = 0;
        for c in SEALED_COLUMNS {
            changed += reseal_column(db, cipher, c, current).await?;
        }
        total += changed;
        if changed == 0 {
            return Ok(total);
        }
    }
}

async fn reseal_column(
    db: &DatabaseConnection,
    cipher: &Cipher,
    c: &SealedColumn,
    current: u32,
) -> Result<u64> {
    let backend = db.get_database_backend();
    let placeholder = |n: usize| match backend {
        sea_orm::DbBackend::Postgres => format!("${n}"),
        _ => "?".to_string(),
    };
    let only_sealed = if c.plaintext_stays {
        format!(" AND {} LIKE 'enc:%'", c.column)
    } else {
        String::new()
    };
    let select = format!(
        "SELECT {id}, {col} FROM {table} WHERE {col} NOT LIKE 'enc:v{current}:%'{only_sealed} LIMIT {BATCH}",
        id = c.id,
        col = c.column,
        table = c.table,
    );
    let update = format!(
        "UPDATE {table} SET {col} = {p1} WHERE {id} = {p2} AND {col} = {p3}",
        table = c.table,
        col = c.column,
        id = c.id,
        p1 = placeholder(1),
        p2 = placeholder(2),
        p3 = placeholder(3),
    );
    let mut changed = 0;
    let mut raced = 0;
    loop {
        let rows = db
            .query_all_raw(Statement::from_string(backend, select.clone()))
            .await
            .with_context(|| format!("reading {}", name(c)))?;
        if rows.is_empty() {
            return Ok(changed);
        }
        let mut batch_changed = 0;
        for row in rows {
            let id: uuid::Uuid = row.try_get_by_index(0)?;
            let stored: String = row.try_get_by_index(1)?;
            let where_ = context(c.table, c.column, id);
            // Bytes, not text: a stored secret (user_mfa) is not UTF-8.
            let plain = if stored.starts_with("enc:") {
                cipher.decrypt(&stored, &where_).map_err(|e| {
                    anyhow::anyhow!(
                        "{} of row {id} (key {:?}) cannot be read: {e}",
                        name(c),
                        version_of(&stored)
                    )
                })?
            } else {
                stored.clone().into_bytes()
            };
            let sealed = cipher.encrypt(&plain, &where_);
            let result = db
                .execute_raw(Statement::from_sql_and_values(
                    backend,
                    update.clone(),
                    [Value::from(sealed), Value::from(id), Value::from(stored)],
                ))
                .await
                .with_context(|| format!("sealing {} of row {id}", name(c)))?;
            batch_changed += result.rows_affected();
        }
        if batch_changed == 0 {
            // Every row of the batch changed under us (sealed by a server
            // with the current key): read again, a few times at most.
            raced += 1;
            if raced > 10 {
                bail!(
                    "{}: rows keep changing under the rotation; run it again",
                    name(c)
                );
            }
            continue;
        }
        raced = 0;
        changed += batch_changed;
    }
}

/// What a rotation did.
#[derive(Debug)]
pub struct Rotation {
    pub version: u32,
    pub resealed: u64,
    pub status: KeyStatus,
}

/// Rotates to a new key version (the module's steps), waiting `wait`
/// between them for running servers to load the keys (twice their reload
/// period in `hms keys rotate`).
pub async fn rotate(
    db: &DatabaseConnection,
    secrets: &Secrets,
    wait: Duration,
) -> Result<Rotation> {
    secrets.reload()?;
    let (keys, _) = crate::secrets::keyring(secrets.dir(), &secrets.encryption_key)?;
    let version = keys.iter().map(|(v, _)| *v).max().unwrap_or(1) + 1;
    create_key(&versioned_key_path(secrets.dir(), version), 32)?;
    secrets.reload()?;
    tracing::info!(
        version,
        "new encryption key written; servers load it for reading"
    );
    tokio::time::sleep(wait).await;

    let path = current_version_path(secrets.dir());
    let staging = secrets.dir().join("encryption.current.new");
    std::fs::write(&staging, format!("{version}\n"))
        .with_context(|| format!("writing {}", staging.display()))?;
    std::fs::File::open(&staging)?.sync_all()?;
    std::fs::rename(&staging, &path).with_context(|| format!("writing {}", path.display()))?;
    secrets.reload()?;
    if secrets.cipher().current_version() != version {
        bail!("key version {version} did not become current");
    }
    tracing::info!(version, "new values are sealed with the new key");
    tokio::time::sleep(wait).await;

    let resealed = reseal(db, &secrets.cipher()).await?;
    let status = status(db).await?;
    let left = status.not_under(version);
    let actor = app::audit::service::Actor {
        id: None,
        email: Some("system (hms keys rotate)".into()),
        role: None,
    };
    let outcome = if left == 0 {
        shared::audit::Outcome::Success
    } else {
        shared::audit::Outcome::Failure
    };
    let event = app::audit::service::AuditEvent::new(actor, "keys.rotate", outcome)
        .entity("encryption_key", version)
        .detail(format!(
            "key v{version} current; {resealed} value(s) sealed again, {left} left under other keys"
        ));
    let meta = app::context::RequestMeta {
        client_addr: "local".into(),
        user_agent: "hms cli".into(),
    };
    app::audit::service::append(db, event, &meta)
        .await
        .context("auditing the rotation")?;
    Ok(Rotation {
        version,
        resealed,
        status,
    })
}

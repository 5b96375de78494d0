//! `hms backup FILE` and `hms restore FILE` for the embedded SQLite
//! database. On PostgreSQL, `pg_dump` and the server's own point-in-time
//! recovery do this job better than `hms` could; docs/operations.md gives
//! the recipe, and `server/tests/backup.rs` runs it.
//!
//! - A backup is `VACUUM INTO`: one consistent snapshot of the database as
//!   of one moment, taken while the server runs and writes (readers and the
//!   writer go on; the copy sees no commit made after it began), compacted.
//!   The copy is then opened and checked: `PRAGMA integrity_check` and the
//!   whole audit chain (`audit::chain::verify`).
//! - A restore refuses a file that fails the same checks, and refuses to run
//!   while a server has the database open (the serve lock, below). It writes
//!   the copy beside the database, makes it durable, and renames it over the
//!   database file, so a crash midway leaves the old database or the new
//!   one, never half of each; the old write-ahead log goes with it.
//! - `hms serve` on SQLite holds an exclusive lock on `<database>.serve-lock`
//!   for as long as it runs (the kernel drops it when the process ends, even
//!   by SIGKILL): one server per SQLite file, and no restore under it.

use std::fs::File;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use sea_orm::{ConnectionTrait, DatabaseConnection, DbBackend, Statement};

use crate::db::{sqlite_file, DatabaseKey, Target};

fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push(".serve-lock");
    PathBuf::from(name)
}

/// Held by `hms serve` while it runs on a SQLite file.
pub struct ServeLock {
    _file: File,
}

/// Takes the serve lock of `url`'s SQLite file (nothing on PostgreSQL, where
/// many processes share the database by design).
pub fn lock_for_serving(url: &str) -> Result<Option<ServeLock>> {
    let Some(database) = sqlite_file(url) else {
        return Ok(None);
    };
    let path = lock_path(&database);
    let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Some(ServeLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => bail!(
            "another hms process is serving {} (one server per SQLite file; use PostgreSQL to run several)",
            database.display()
        ),
        Err(std::fs::TryLockError::Error(e)) => {
            Err(e).with_context(|| format!("locking {}", path.display()))
        }
    }
}

/// What a backup or restore checked.
#[derive(Debug)]
pub struct Checked {
    pub bytes: u64,
    pub chain: app::audit::chain::ChainReport,
}

impl std::fmt::Display for Checked {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} bytes, integrity ok, {}", self.bytes, self.chain)
    }
}

/// Takes a consistent copy of the running database into `target`, which
/// must not exist yet, and checks it. The copy is encrypted with the
/// database's key, as the database is.
pub async fn backup(db: &DatabaseConnection, database: &Target, target: &Path) -> Result<Checked> {
    if database.sqlite_file().is_none() {
        bail!("hms backup is for the SQLite database; on PostgreSQL use pg_dump and WAL archiving (docs/operations.md, \"Backups\")");
    }
    if target.exists() {
        bail!("{} exists already; choose a new file", target.display());
    }
    db.execute_raw(Statement::from_sql_and_values(
        DbBackend::Sqlite,
        "VACUUM INTO ?",
        [target.to_string_lossy().into_owned().into()],
    ))
    .await
    .with_context(|| format!("writing the backup to {}", target.display()))?;
    check(target, &database.key).await
}

/// Replaces the database with the backup in `source`, once it checks out,
/// while no server has the database open. The copy is checked, never
/// `source` itself: a plaintext backup made before the database was
/// encrypted is encrypted in the copy and left as it was.
pub async fn restore(target: &Target, source: &Path) -> Result<Checked> {
    let url = target.url.as_str();
    let Some(database) = target.sqlite_file() else {
        bail!("hms restore is for the SQLite database; on PostgreSQL use pg_restore (docs/operations.md, \"Backups\")");
    };
    let _lock = lock_for_serving(url).context("stop the server before restoring")?;
    let staging = {
        let mut name = database.as_os_str().to_owned();
        name.push(".restoring");
        PathBuf::from(name)
    };
    std::fs::copy(source, &staging)
        .with_context(|| format!("copying {} to {}", source.display(), staging.display()))?;
    let checked = match check(&staging, &target.key).await {
        Ok(checked) => checked,
        Err(e) => {
            std::fs::remove_file(&staging).ok();
            return Err(e.context(format!(
                "{} is not a sound backup; nothing was changed",
                source.display()
            )));
        }
    };
    File::open(&staging)?.sync_all()?;
    for suffix in ["-wal", "-shm"] {
        let mut name = database.as_os_str().to_owned();
        name.push(suffix);
        match std::fs::remove_file(PathBuf::from(name)) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).context("removing the old write-ahead log"),
        }
    }
    std::fs::rename(&staging, &database)
        .with_context(|| format!("moving the restored copy to {}", database.display()))?;
    if let Some(dir) = database.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)?.sync_all()?;
    }
    Ok(checked)
}

/// Opens a backup file with the database's key and checks it: SQLite's
/// integrity check, then the audit chain from its first event to its head.
pub async fn check(file: &Path, key: &DatabaseKey) -> Result<Checked> {
    let bytes = std::fs::metadata(file)
        .with_context(|| format!("reading {}", file.display()))?
        .len();
    let copy = crate::db::connect_dedicated(&Target::new(
        format!("sqlite://{}?mode=rw", file.display()),
        key.clone(),
    ))
    .await?;
    let result = async {
        let row = copy
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await?
            .context("the integrity check answered nothing")?;
        let verdict: String = row.try_get_by_index(0)?;
        if verdict != "ok" {
            bail!("SQLite's integrity check failed: {verdict}");
        }
        let chain = app::audit::chain::verify(&copy).await?;
        if !chain.holds() {
            bail!("{chain}");
        }
        Ok(Checked { bytes, chain })
    }
    .await;
    copy.close().await.ok();
    result
}

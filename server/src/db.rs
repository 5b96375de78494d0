//! Database connection and migrations, for SQLite (embedded default) and PostgreSQL.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result};
use migrations::{Migrator, MigratorTrait};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

pub use crate::sqlcipher::DatabaseKey;

/// The database a process works on: its URL and, for SQLite, the key its
/// file is encrypted with ([`crate::sqlcipher`]; PostgreSQL ignores it).
#[derive(Clone, Debug)]
pub struct Target {
    pub url: String,
    pub key: DatabaseKey,
}

impl Target {
    pub fn new(url: impl Into<String>, key: DatabaseKey) -> Self {
        Self {
            url: url.into(),
            key,
        }
    }

    /// The SQLite file the URL names, or None for PostgreSQL.
    pub fn sqlite_file(&self) -> Option<std::path::PathBuf> {
        sqlite_file(&self.url)
    }
}

/// The SQLite file a `sqlite://` URL names, or None for PostgreSQL.
pub fn sqlite_file(url: &str) -> Option<std::path::PathBuf> {
    url.strip_prefix("sqlite://")
        .map(|rest| std::path::PathBuf::from(rest.split('?').next().unwrap_or(rest)))
}

/// Connects to the database: the pool requests share, `HMS_DB_POOL_SIZE`
/// connections. For SQLite the file's directory is created, the file opened
/// with its key (encrypted first if it was plaintext), and WAL mode switched
/// on, so readers never wait for the writer.
pub async fn connect(target: &Target) -> Result<DatabaseConnection> {
    connect_with(target, pool_size(&target.url)?, Plans::PerExecution).await
}

/// One connection of its own, outside the pool, for a task that must not
/// wait behind the requests for a pooled one: the audit writer, whose
/// commit every searching request waits for. Sharing the pool, a search
/// queued twice under load, once for its query and once for its audit row.
pub async fn connect_dedicated(target: &Target) -> Result<DatabaseConnection> {
    connect_with(target, 1, Plans::PerExecution).await
}

/// Pages in SQLite's write-ahead log after which a committing connection
/// copies the log back into the database file itself (SQLite's default is
/// 1000). That copy ends in an fsync, measured here at 25–90 ms, paid by
/// whichever request happened to commit and by everyone queued behind it: the
/// audit writer's group commit stalled every searching request. The
/// server's checkpointer ([`checkpoint_wal`], every second on a connection of
/// its own) does the copying instead; this bound only caps the log should it
/// fall behind, and lets short-lived commands (`migrate`, `seed-demo`) leave
/// it to SQLite's checkpoint when their last connection closes.
pub const FOREGROUND_CHECKPOINT_PAGES: u32 = 10_000;

/// Copies SQLite's write-ahead log back into the database file as far as
/// readers allow, without blocking readers or the writer
/// (`PRAGMA wal_checkpoint(PASSIVE)`). Answers the frames in the log and how
/// many of them are now in the database file.
pub async fn checkpoint_wal(db: &DatabaseConnection) -> Result<(i64, i64)> {
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "PRAGMA wal_checkpoint(PASSIVE)",
        ))
        .await?
        .context("the checkpoint answered nothing")?;
    Ok((row.try_get_by_index(1)?, row.try_get_by_index(2)?))
}

/// How PostgreSQL plans the prepared statements of a pool's connections.
#[derive(Clone, Copy)]
enum Plans {
    /// PostgreSQL's default: it may plan a statement again for the values of
    /// each execution, when it expects a better plan for them.
    PerExecution,
    /// Once per statement and connection (`plan_cache_mode =
    /// force_generic_plan`): for statements whose best plan does not depend
    /// on the values bound.
    Generic,
}

/// What a serving process connects: the main pool, and beside it the
/// patient search's connections and the audit writer's own.
#[derive(Clone)]
pub struct Connections {
    /// The pool most requests share ([`connect`]).
    pub main: DatabaseConnection,
    /// The patient index search. On PostgreSQL a pool of its own, half the
    /// main pool's size, whose connections plan each statement once: every
    /// search statement is a range scan of one index in that index's order,
    /// the same plan whatever name or number is looked up, yet PostgreSQL
    /// re-planned it at every execution (planning cost more than running
    /// it). The pool also keeps a burst of searches from taking every
    /// connection the rest of the hospital needs. On SQLite, which plans a
    /// cached statement once anyway, the main pool.
    pub search: DatabaseConnection,
    /// The audit writer's own connection ([`connect_dedicated`]).
    pub audit: DatabaseConnection,
    /// On SQLite, the WAL checkpointer's own connection
    /// ([`FOREGROUND_CHECKPOINT_PAGES`]): its fsync must not hold up a
    /// connection that requests wait for.
    pub checkpoint: Option<DatabaseConnection>,
}

impl Connections {
    /// Opens the search and audit connections beside `main`, which is
    /// connected to `target`.
    pub async fn open(target: &Target, main: DatabaseConnection) -> Result<Self> {
        let search = match main.get_database_backend() {
            DbBackend::Postgres => {
                let size = (pool_size(&target.url)? / 2).max(2);
                connect_with(target, size, Plans::Generic).await?
            }
            _ => main.clone(),
        };
        let checkpoint = match main.get_database_backend() {
            DbBackend::Sqlite => Some(connect_dedicated(target).await?),
            _ => None,
        };
        Ok(Self {
            search,
            audit: connect_dedicated(target).await?,
            checkpoint,
            main,
        })
    }
}

impl Connections {
    /// Closes every pool (see [`close`]).
    pub async fn close(self) {
        for db in [
            Some(self.main),
            Some(self.search),
            Some(self.audit),
            self.checkpoint,
        ]
        .into_iter()
        .flatten()
        {
            close(db).await;
        }
    }
}

/// Closes a pool and waits, at most 10 s, until each of its connections
/// has closed its database: a process must not end while a connection's
/// thread is still closing one.
pub async fn close(db: DatabaseConnection) {
    if tokio::time::timeout(Duration::from_secs(10), db.close())
        .await
        .is_err()
    {
        tracing::warn!("database connections still busy after 10 s; exiting anyway");
    }
}

async fn connect_with(
    target: &Target,
    connections: u32,
    plans: Plans,
) -> Result<DatabaseConnection> {
    let url = target.url.as_str();
    let sqlite_file = target.sqlite_file();
    if let Some(file) = &sqlite_file {
        if let Some(dir) = file.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        crate::sqlcipher::prepare(file, &target.key).await?;
    }
    let key = target.key.pragma();
    let mut options = ConnectOptions::new(url.to_string());
    // sqlx pings a pooled connection on every checkout by default: a round
    // trip to PostgreSQL, or to the SQLite connection's thread, before each
    // statement. An SQLite file cannot hang up; a PostgreSQL connection is
    // checked once it has been idle long enough for a restart or a firewall
    // to have dropped it.
    if sqlite_file.is_some() {
        options.test_before_acquire(false);
    } else {
        options.test_before_acquire_if_idle_for(Duration::from_secs(30));
    }
    options
        .max_connections(connections)
        .min_connections(1)
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false)
        // Per connection, for every connection of the pool: WAL so readers
        // never wait for the writer, NORMAL sync (durable at checkpoints, no
        // fsync per commit; safe with WAL), and a busy timeout so concurrent
        // writers queue instead of failing; the log is copied back into the
        // file in the background (see FOREGROUND_CHECKPOINT_PAGES). (A
        // memory map of the file was measured: searches read faster, but the
        // server as a whole, which also writes audit rows, got slower.)
        .map_sqlx_sqlite_opts(move |o| {
            use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
            // The key first (sqlx sends `key` before every other pragma).
            o.pragma("key", key.clone())
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .busy_timeout(Duration::from_secs(10))
                .pragma(
                    "wal_autocheckpoint",
                    FOREGROUND_CHECKPOINT_PAGES.to_string(),
                )
        })
        .map_sqlx_postgres_opts(move |o| match plans {
            Plans::PerExecution => o,
            Plans::Generic => o.options([("plan_cache_mode", "force_generic_plan")]),
        });
    let db = Database::connect(options)
        .await
        .with_context(|| format!("connecting to {}", redact(url)))?;
    if db.get_database_backend() == DbBackend::Sqlite {
        if crate::sqlcipher::cipher_version(&db).await?.is_none() {
            anyhow::bail!("this hms is linked with a SQLite library without SQLCipher; the database cannot be encrypted");
        }
        if let Some(file) = &sqlite_file {
            owner_only(file)?;
        }
    }
    Ok(db)
}

/// Connections per process: `HMS_DB_POOL_SIZE`, else 8 for SQLite and 20
/// for PostgreSQL.
fn pool_size(url: &str) -> Result<u32> {
    pool_size_of(std::env::var("HMS_DB_POOL_SIZE").ok().as_deref(), url)
}

fn pool_size_of(setting: Option<&str>, url: &str) -> Result<u32> {
    match setting {
        Some(v) => v
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n >= 1)
            .with_context(|| {
                format!(
                    "HMS_DB_POOL_SIZE must be a whole number of connections, at least 1, not {v:?}"
                )
            }),
        None => Ok(if url.starts_with("sqlite") { 8 } else { 20 }),
    }
}

/// The database holds patient data: only the server's user may read it (and
/// its WAL and shared-memory files, which hold recent pages).
fn owner_only(file: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    for suffix in ["", "-wal", "-shm"] {
        let path = std::path::PathBuf::from(format!("{}{suffix}", file.display()));
        if path.exists() {
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("restricting {}", path.display()))?;
        }
    }
    Ok(())
}

/// Refreshes the statistics SQLite's query planner reads: in the background
/// at start-up, then once a day (see `workers`). PostgreSQL's autovacuum
/// keeps its own.
///
/// `ANALYZE` counts the rows per key of every index into `sqlite_stat1`
/// (under a second at a million patients). Its `sqlite_stat4` samples are
/// deleted again: with them, SQLite re-plans a cached statement whenever a
/// value bound against an indexed column changes (the bundled SQLite is built
/// with STAT4), which for the patient search is a full parse and plan before
/// every query. The plans our queries need come from row counts alone.
pub async fn refresh_statistics(db: &DatabaseConnection) -> Result<()> {
    use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
    if db.get_database_backend() != DbBackend::Sqlite {
        return Ok(());
    }
    let step = "refreshing SQLite's query-planner statistics";
    // One transaction: other connections reload the statistics (ANALYZE
    // changes the schema cookie) only once the samples are gone.
    let txn = db.begin().await.context(step)?;
    txn.execute_unprepared("ANALYZE").await.context(step)?;
    let stat4 = txn
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT 1 FROM sqlite_schema WHERE name = 'sqlite_stat4'",
        ))
        .await
        .context(step)?;
    if stat4.is_some() {
        txn.execute_unprepared("DELETE FROM sqlite_stat4")
            .await
            .context(step)?;
    }
    // This connection loaded the samples at the end of ANALYZE: reload.
    txn.execute_unprepared("ANALYZE sqlite_schema")
        .await
        .context(step)?;
    txn.commit().await.context(step)?;
    Ok(())
}

/// Applies every pending migration.
pub async fn migrate(db: &DatabaseConnection) -> Result<()> {
    Migrator::up(db, None).await.context("running migrations")?;
    Ok(())
}

/// The URL without its password, for logs.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{}:****{}", &url[..scheme + 3], user, &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    /// An SQLite file's target, with a test key.
    fn target(file: &std::path::Path) -> super::Target {
        super::Target::new(
            format!("sqlite://{}?mode=rwc", file.display()),
            super::DatabaseKey::new([7; 32]),
        )
    }

    #[test]
    fn pool_size_defaults_per_backend_and_refuses_nonsense() {
        use super::pool_size_of;
        assert_eq!(pool_size_of(None, "sqlite://hms.db").unwrap(), 8);
        assert_eq!(pool_size_of(None, "postgres://db/hms").unwrap(), 20);
        assert_eq!(pool_size_of(Some(" 4 "), "postgres://db/hms").unwrap(), 4);
        for bad in ["0", "-3", "many", ""] {
            let message = pool_size_of(Some(bad), "sqlite://hms.db")
                .unwrap_err()
                .to_string();
            assert!(message.contains("HMS_DB_POOL_SIZE"), "{message}");
        }
    }

    #[tokio::test]
    async fn every_sqlite_connection_uses_wal_and_normal_sync() {
        use sea_orm::{ConnectionTrait, Statement};
        let dir = tempfile::tempdir().unwrap();
        let db = super::connect(&target(&dir.path().join("hms.db")))
            .await
            .unwrap();
        // Hold several connections of the pool at once, so not only the first is asked.
        let mut held = Vec::new();
        for _ in 0..4 {
            let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
            let q = |sql: &str| Statement::from_string(db.get_database_backend(), sql);
            let mode = txn
                .query_one_raw(q("PRAGMA journal_mode"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(mode.try_get_by_index::<String>(0).unwrap(), "wal");
            let sync = txn
                .query_one_raw(q("PRAGMA synchronous"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(sync.try_get_by_index::<i32>(0).unwrap(), 1, "NORMAL");
            let pages = txn
                .query_one_raw(q("PRAGMA wal_autocheckpoint"))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                pages.try_get_by_index::<i64>(0).unwrap(),
                i64::from(super::FOREGROUND_CHECKPOINT_PAGES)
            );
            held.push(txn);
        }
    }

    /// A transaction that reads and then writes, while another connection
    /// writes in between: begun deferred, SQLite refuses its upgrade at once
    /// (what CI once saw as a 500 from `schedule/add_specialty`); begun with
    /// `begin_write`, the other writer waits for the lock and both commit.
    #[tokio::test]
    async fn a_write_transaction_takes_the_lock_before_it_reads() {
        use sea_orm::{ConnectionTrait, Statement, TransactionTrait};
        let dir = tempfile::tempdir().unwrap();
        let db = super::connect(&target(&dir.path().join("hms.db")))
            .await
            .unwrap();
        let q = |sql: &str| Statement::from_string(db.get_database_backend(), sql);
        db.execute_raw(q("CREATE TABLE t (v INTEGER)"))
            .await
            .unwrap();
        let read_then_write = async |txn: &sea_orm::DatabaseTransaction| {
            txn.query_one_raw(q("SELECT count(*) FROM t"))
                .await
                .unwrap();
            // Another connection writes while this transaction holds its snapshot.
            let other = db.clone();
            let writer = tokio::spawn(async move {
                let q = Statement::from_string(
                    other.get_database_backend(),
                    "INSERT INTO t VALUES (2)",
                );
                other.execute_raw(q).await
            });
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            let mine = txn
                .execute_raw(q("INSERT INTO t VALUES (1)"))
                .await
                .map(drop);
            (mine, writer)
        };

        let deferred = db.begin().await.unwrap();
        let (mine, writer) = read_then_write(&deferred).await;
        writer.await.unwrap().unwrap();
        let refused = mine.unwrap_err().to_string();
        assert!(
            refused.contains("locked") || refused.contains("busy"),
            "{refused}"
        );
        deferred.rollback().await.unwrap();

        let immediate = app::context::begin_write(&db).await.unwrap();
        let (mine, writer) = read_then_write(&immediate).await;
        mine.unwrap();
        immediate.commit().await.unwrap();
        writer.await.unwrap().unwrap();
        let rows = db
            .query_one_raw(q("SELECT count(*) FROM t"))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(rows.try_get_by_index::<i64>(0).unwrap(), 3);
    }

    #[tokio::test]
    async fn the_background_checkpointer_copies_the_log_into_the_file() {
        use sea_orm::ConnectionTrait;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hms.db");
        let target = target(&file);
        let connections = super::Connections::open(&target, super::connect(&target).await.unwrap())
            .await
            .unwrap();
        let db = &connections.main;
        db.execute_unprepared("CREATE TABLE scratch (x TEXT)")
            .await
            .unwrap();
        // About 6 MB, 1,500 pages: past SQLite's default of 1,000, after
        // which the committing connection would have copied them itself.
        for _ in 0..60 {
            db.execute_unprepared("INSERT INTO scratch SELECT hex(randomblob(50000))")
                .await
                .unwrap();
        }
        let size = || std::fs::metadata(&file).unwrap().len();
        assert!(size() < 1_000_000, "no request copied the log: {}", size());
        crate::workers::spawn_wal_checkpointer(
            connections.checkpoint.clone(),
            std::time::Duration::from_millis(20),
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while size() < 6_000_000 && std::time::Instant::now() < deadline {
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        assert!(
            size() >= 6_000_000,
            "the checkpointer copied the log: {}",
            size()
        );
        let (log, copied) = super::checkpoint_wal(connections.checkpoint.as_ref().unwrap())
            .await
            .unwrap();
        assert_eq!(log, copied, "every frame is in the file");
    }

    #[tokio::test]
    async fn the_sqlite_file_is_readable_by_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("data/hms.db");
        let db = super::connect(&target(&file)).await.unwrap();
        super::migrate(&db).await.unwrap();
        for path in [file.clone(), dir.path().join("data/hms.db-wal")] {
            let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{}", path.display());
        }
    }

    /// A fresh SQLite file with every migration applied; the directory
    /// lives as long as the returned guard.
    async fn migrated_sqlite() -> (tempfile::TempDir, sea_orm::DatabaseConnection) {
        let dir = tempfile::tempdir().unwrap();
        let db = super::connect(&target(&dir.path().join("hms.db")))
            .await
            .unwrap();
        super::migrate(&db).await.unwrap();
        (dir, db)
    }

    #[tokio::test]
    async fn statistics_keep_row_counts_and_drop_stat4_samples() {
        use sea_orm::{ConnectionTrait, Statement};
        let (_dir, db) = migrated_sqlite().await;
        let count = |table: &'static str| {
            let db = db.clone();
            async move {
                let sql = format!("SELECT count(*) FROM {table}");
                let row = db
                    .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
                    .await
                    .unwrap()
                    .unwrap();
                row.try_get_by_index::<i64>(0).unwrap()
            }
        };
        // A plain ANALYZE (say, from the sqlite3 shell) leaves samples behind.
        db.execute_unprepared("ANALYZE").await.unwrap();
        assert!(
            count("sqlite_stat4").await > 0,
            "the ICD-10 codes give samples"
        );
        super::refresh_statistics(&db).await.unwrap();
        assert_eq!(count("sqlite_stat4").await, 0);
        assert!(
            count("sqlite_stat1").await > 0,
            "row counts per index remain"
        );
        // Twice is fine: a daily refresh of statistics already without samples.
        super::refresh_statistics(&db).await.unwrap();
        assert_eq!(count("sqlite_stat4").await, 0);
    }

    /// The name-order and birth-date indexes carry exactly what a search hit
    /// reads, so SQLite answers a page from the index alone.
    #[tokio::test]
    async fn search_indexes_cover_the_search_hit_columns() {
        use sea_orm::{ConnectionTrait, IdenStatic, Statement};
        let hit: Vec<&str> = app::patients::service::HitRow::COLUMNS
            .iter()
            .map(|c| c.as_str())
            .filter(|c| *c != "id")
            .collect();
        assert_eq!(hit.join(", "), migrations::SEARCH_HIT_COLUMNS);
        let (_dir, db) = migrated_sqlite().await;
        // EXPLAIN alone does not check for a newer schema: read first, on the
        // same connection, so it plans with the migrated one.
        let txn = sea_orm::TransactionTrait::begin(&db).await.unwrap();
        txn.execute_unprepared("SELECT count(*) FROM patients")
            .await
            .unwrap();
        for (filter, order, index) in [
            (
                "family_folded >= 'mu' AND family_folded < 'mu{'",
                "family_folded, given_folded",
                "ix_patients_family_hits",
            ),
            (
                "given_folded >= 'mu' AND given_folded < 'mu{'",
                "given_folded, family_folded",
                "ix_patients_given_hits",
            ),
            (
                "date_of_birth = '1980-05-17'",
                "family_folded, given_folded",
                "ix_patients_birth_date_hits",
            ),
            (
                "family_native >= 'мар' AND family_native < 'мас'",
                "family_native, given_native",
                "ix_patients_family_native_hits",
            ),
            (
                "given_native >= '王' AND given_native < '玌'",
                "given_native, family_native",
                "ix_patients_given_native_hits",
            ),
        ] {
            let sql = format!(
                "EXPLAIN QUERY PLAN SELECT id, {} FROM patients WHERE {filter} \
                 AND status <> 'merged' ORDER BY {order}, id LIMIT 21",
                migrations::SEARCH_HIT_COLUMNS
            );
            let plan = txn
                .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
                .await
                .unwrap()
                .iter()
                .map(|r| r.try_get_by_index::<String>(3).unwrap())
                .collect::<Vec<_>>()
                .join("; ");
            assert!(plan.contains(&format!("COVERING INDEX {index}")), "{plan}");
        }
    }

    /// Search columns written by migrations must match queries folded by the
    /// app: migrations 2 and 3 (ICD-10 text, Latin names: unchanged by the
    /// transliteration) and migration 13 (names in every script).
    #[test]
    fn migration_folding_matches_the_application() {
        let samples = [
            "Müller",
            "Sézary disease, unspecified",
            "Gerstmann-Sträussler",
            "Łukasz Żółć",
            "Øresund Æsir Œuvre",
            "Çağrı Šťastný",
            "Ñandú ÿ ß",
            "E11.9 (Type 2)",
            "O'Brien-Smith",
        ];
        for sample in samples {
            assert_eq!(
                migrations::fold::fold(sample),
                shared::text::fold(sample),
                "{sample}"
            );
        }
        // Migration 13's names, in every script.
        let names = [
            "王伟",
            "Мария Иванова",
            "محمد الأحمد",
            "ﻣﺤﻤﺪ",
            "Đặng Văn Lâm",
            "Γιώργος ΟΔΥΣΣΕΥΣ",
            "मोहन शर्मा",
            "דוד כהן",
            "김민준",
            "Z\u{307}o\u{301}łc\u{301} Straße",
            "ＭＡＲＩＡ ① O'Brien-Smith",
        ];
        for name in samples.iter().chain(&names) {
            assert_eq!(
                migrations::fold_names::fold_name(name),
                shared::text::fold_name(name),
                "{name}"
            );
            assert_eq!(
                migrations::fold_names::fold_native(name),
                shared::text::fold_native(name),
                "{name}"
            );
        }
    }

    #[test]
    fn redact_hides_password_only() {
        assert_eq!(
            super::redact("postgres://hms:s3cret@db:5432/hms"),
            "postgres://hms:****@db:5432/hms"
        );
        assert_eq!(
            super::redact("sqlite://data/hms.db?mode=rwc"),
            "sqlite://data/hms.db?mode=rwc"
        );
    }
}

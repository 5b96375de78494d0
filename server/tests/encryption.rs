//! The SQLite database encrypted at rest (SQLCipher, `server::sqlcipher`):
//! - a patient written through the server is in neither the database file,
//!   its write-ahead log nor a backup in any readable form, though the
//!   same rows exported without a key show the name in plain UTF-8;
//! - a wrong key stops the start with an error that says so, and leaves
//!   the file as it was;
//! - a plaintext database from before encryption is encrypted in place
//!   the first time it is opened, with every row kept.

#![recursion_limit = "512"]

mod common;

use std::path::Path;

use common::*;
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use shared::demographics::{ContactForm, DemographicsForm};

/// A name no table holds by chance, in two scripts.
const GIVEN: &str = "Zebediah";
const FAMILY: &str = "Квашнина-Łukasiewicz";

fn holds(file: &Path, needle: &str) -> bool {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
}

fn hms(database: &TestDatabase, args: &[&str], key: Option<&str>) -> (bool, String) {
    let env: Vec<(&str, &str)> = key.map(|k| ("HMS_DATABASE_KEY", k)).into_iter().collect();
    let run = run_hms(database, args, &env);
    (run.ok, run.out)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_file_its_log_and_a_backup_hold_no_plaintext() {
    let app = spawn_app(Backend::Sqlite).await;
    let desk = signed_in(&app, "desk@test.example", shared::Role::Receptionist).await;
    let (status, outcome) = desk
        .call::<serde_json::Value>(
            "patients/register",
            serde_json::json!({ "form": DemographicsForm {
                given_name: GIVEN.into(),
                family_name: FAMILY.into(),
                date_of_birth: "1961-07-04".into(),
                sex: "female".into(),
                contact: ContactForm {
                    phone: "+44 20 7946 0958".into(),
                    ..Default::default()
                },
                ..Default::default()
            }, "confirm_new": true }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK, "{outcome:?}");

    let file = app.database.dir.path().join("hms.db");
    let wal = app.database.dir.path().join("hms.db-wal");
    assert!(
        std::fs::metadata(&wal).unwrap().len() > 0,
        "the write-ahead log holds the recent pages"
    );
    let backup = app.database.dir.path().join("backup.db");
    let (ok, out) = hms(&app.database, &["backup", backup.to_str().unwrap()], None);
    assert!(ok, "{out}");

    // The control: the same rows exported without a key hold the name as
    // plain UTF-8, so the search below would find it if it were there.
    let plain = app.database.dir.path().join("plain.db");
    // ATTACH binds to one pooled connection: export and detach on the same one.
    app.db
        .execute_unprepared(&format!(
            "ATTACH DATABASE '{}' AS plaintext KEY ''; SELECT sqlcipher_export('plaintext'); DETACH DATABASE plaintext;",
            plain.display()
        ))
        .await
        .unwrap();
    assert!(holds(&plain, FAMILY) && holds(&plain, GIVEN));
    assert!(holds(&plain, "SQLite format 3"));

    for encrypted in [&file, &wal, &backup] {
        for needle in [
            GIVEN,
            FAMILY,
            "7946 0958",
            "CREATE TABLE",
            "SQLite format 3",
        ] {
            assert!(
                !holds(encrypted, needle),
                "{} holds {needle:?}",
                encrypted.display()
            );
        }
    }
}

#[tokio::test]
async fn a_wrong_key_stops_the_start_and_leaves_the_file_alone() {
    let database = test_database(Backend::Sqlite).await;
    let db = database.connect().await;
    server::db::migrate(&db).await.unwrap();
    db.close().await.unwrap();
    let file = database.dir.path().join("hms.db");
    let before = std::fs::read(&file).unwrap();

    let wrong = server::db::Target::new(
        database.url.clone(),
        server::db::DatabaseKey::new([0x5A; 32]),
    );
    let error = format!("{:#}", server::db::connect(&wrong).await.unwrap_err());
    assert!(error.contains("database key does not open"), "{error}");
    use base64::Engine;
    let other = base64::engine::general_purpose::STANDARD.encode([0x5A; 32]);
    let (ok, out) = hms(&database, &["migrate"], Some(&other));
    assert!(!ok && out.contains("database key does not open"), "{out}");
    assert!(
        std::fs::read(&file).unwrap() == before,
        "the file is untouched"
    );

    // The right key still opens it.
    let (ok, out) = hms(&database, &["migrate"], None);
    assert!(ok && out.contains("up to date"), "{out}");
}

#[tokio::test]
async fn a_plaintext_database_is_encrypted_in_place() {
    use sea_orm::sqlx::sqlite::SqliteConnectOptions;
    use sea_orm::sqlx::{self, ConnectOptions, Connection};
    let database = test_database(Backend::Sqlite).await;
    let file = database.dir.path().join("hms.db");
    // A database written by an hms without encryption, with a row in its log.
    let mut plain = SqliteConnectOptions::new()
        .filename(&file)
        .create_if_missing(true)
        .journal_mode(sqlx::sqlite::SqliteJournalMode::Wal)
        .connect()
        .await
        .unwrap();
    sqlx::query("CREATE TABLE kept (name TEXT)")
        .execute(&mut plain)
        .await
        .unwrap();
    sqlx::query("INSERT INTO kept VALUES (?)")
        .bind(FAMILY)
        .execute(&mut plain)
        .await
        .unwrap();
    sqlx::query("PRAGMA user_version = 7")
        .execute(&mut plain)
        .await
        .unwrap();
    plain.close().await.unwrap();
    assert!(server::sqlcipher::opens_without_key(&file).await.unwrap());

    let db = database.connect().await;
    let row = db
        .query_one_raw(Statement::from_string(
            DbBackend::Sqlite,
            "SELECT name, (SELECT user_version FROM pragma_user_version) FROM kept",
        ))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.try_get_by_index::<String>(0).unwrap(), FAMILY);
    assert_eq!(row.try_get_by_index::<i64>(1).unwrap(), 7);
    db.close().await.unwrap();
    assert!(!server::sqlcipher::opens_without_key(&file).await.unwrap());
    assert!(!holds(&file, FAMILY));
    assert!(!database.dir.path().join("hms.db.encrypting").exists());
}

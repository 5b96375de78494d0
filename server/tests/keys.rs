//! The application's encryption of clinical free text (`app::crypto`,
//! `server::keys`), on SQLite and PostgreSQL:
//! - note bodies, amendments and their reasons, and histories are stored
//!   sealed (`enc:v1:…`): no value of a sealed column holds the text;
//! - `hms keys rotate` (here `server::keys::rotate`) makes a new key while
//!   the server runs and keeps writing notes: afterwards every value is
//!   under the new key, text stored before encryption included, and a
//!   cipher holding only the new key reads the whole chart.

#![recursion_limit = "512"]

mod common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use app::chart::service as chart;
use app::crypto::{Cipher, SEALED_COLUMNS};
use chrono::Utc;
use common::*;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set, Statement,
};
use shared::chart::{EncounterKind, HistoryKind, NewEncounter, Soap};
use shared::Role;
use uuid::Uuid;

/// Text in several scripts, marked so it is found wherever it is stored.
fn text(n: usize) -> String {
    format!("Головная боль 头痛 ṣẹ̀ #{n:04}")
}

/// One signed note with an amendment, and one history entry, written as
/// the server writes them.
async fn write_chart(app: &TestApp, patient: Uuid, doctor: Uuid, n: usize) {
    let cipher = &app.cipher;
    let txn = app::context::begin_write(&app.db).await.unwrap();
    let encounter = chart::open_encounter(
        &txn,
        patient,
        doctor,
        &NewEncounter {
            kind: EncounterKind::Outpatient,
            reason: "Review".into(),
            location: None,
            started_at: Utc::now(),
        },
    )
    .await
    .unwrap();
    let e = chart::encounter_of(&txn, patient, encounter).await.unwrap();
    let soap = Soap {
        subjective: text(n),
        objective: format!("BP fine {}", text(n)),
        assessment: String::new(),
        plan: "Return in a week".into(),
    };
    let note_id = chart::save_draft(&txn, cipher, &e, doctor, None, &soap)
        .await
        .unwrap();
    let note = chart::note_of(&txn, patient, note_id).await.unwrap();
    chart::sign_note(&txn, cipher, note, doctor).await.unwrap();
    let note = chart::note_of(&txn, patient, note_id).await.unwrap();
    let amended = Soap {
        assessment: format!("Migraine {}", text(n)),
        ..soap
    };
    chart::amend_note(
        &txn,
        cipher,
        &note,
        doctor,
        &format!("Added {}", text(n)),
        &amended,
    )
    .await
    .unwrap();
    chart::add_history(
        &txn,
        cipher,
        patient,
        doctor,
        HistoryKind::Family,
        &format!("Mother: {}", text(n)),
        None,
    )
    .await
    .unwrap();
    txn.commit().await.unwrap();
}

/// Every value of every sealed column, as stored.
async fn stored_values(db: &sea_orm::DatabaseConnection) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for c in SEALED_COLUMNS {
        let sql = format!(
            "SELECT {col} FROM {} WHERE {col} IS NOT NULL",
            c.table,
            col = c.column
        );
        for row in db
            .query_all_raw(Statement::from_string(db.get_database_backend(), sql))
            .await
            .unwrap()
        {
            out.push((
                format!("{}.{}", c.table, c.column),
                row.try_get_by_index::<String>(0).unwrap(),
            ));
        }
    }
    out
}

async fn clinical_text_is_sealed_and_rotated_while_the_server_writes(backend: Backend) {
    let app = spawn_app(backend).await;
    let doctor = staff_named(&app, "keys@test.example", "Dr Keys", Role::Doctor).await;
    let mut new = app::patients::service::NewPatient::basic(
        "Ада".into(),
        "Łukasiewicz".into(),
        chrono::NaiveDate::from_ymd_opt(1970, 3, 1),
        shared::patients::AdministrativeSex::Female,
        None,
        None,
    );
    new.demographics.national_id = Some("AB123456C".into());
    let patient = app::patients::service::insert_patient(&app.db, &app.cipher, new)
        .await
        .unwrap()
        .id;
    write_chart(&app, patient, doctor, 0).await;

    // Stored sealed under key 1, never as the text.
    let stored = stored_values(&app.db).await;
    assert!(stored.iter().any(|(c, _)| c == "note_amendments.reason"));
    assert!(stored.iter().any(|(c, _)| c == "patients.national_id"));
    for (column, value) in &stored {
        if column == "notification_outbox.body" {
            continue;
        }
        assert!(value.starts_with("enc:v1:"), "{column}: {value}");
        assert!(!value.contains("Головная"), "{column}: {value}");
        assert!(!value.contains("AB123456C"), "{column}: {value}");
    }

    // A history written before its column was encrypted.
    app::entity::history_entries::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(patient),
        kind: Set(HistoryKind::Social),
        description: Set("Legacy: smokes 5 a day".into()),
        period: Set(None),
        recorded_by: Set(doctor),
        created_at: Set(Utc::now()),
    }
    .insert(&app.db)
    .await
    .unwrap();

    // Rotate while notes keep being written through the server's cipher,
    // which loads the new key by itself (server::workers::spawn_key_reloader).
    let stop = Arc::new(AtomicBool::new(false));
    let app = Arc::new(app);
    let writer = {
        let (app, stop) = (app.clone(), stop.clone());
        tokio::spawn(async move {
            let mut n = 1;
            while !stop.load(Ordering::Relaxed) {
                write_chart(&app, patient, doctor, n).await;
                n += 1;
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            n - 1
        })
    };
    let secrets = server::secrets::load_or_create(app.database.dir.path()).unwrap();
    let wait = server::workers::KEY_RELOAD_PERIOD + Duration::from_secs(1);
    let rotation = server::keys::rotate(&app.db, &secrets, wait).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let written = writer.await.unwrap();
    assert_eq!(rotation.version, 2);
    assert!(rotation.resealed > 0);
    assert!(written > 10, "the server kept writing: {written}");
    assert_eq!(app.cipher.current_version(), 2, "the server loaded the key");

    let status = server::keys::status(&app.db).await.unwrap();
    assert_eq!(status.not_under(2), 0, "{status}");
    for (column, value) in stored_values(&app.db).await {
        if column != "notification_outbox.body" {
            assert!(value.starts_with("enc:v2:"), "{column}: {value}");
        }
    }

    // Key 1 is no longer needed: a cipher with key 2 alone reads everything.
    let v2 =
        std::fs::read_to_string(app.database.dir.path().join("secrets/encryption.v2.key")).unwrap();
    use base64::Engine;
    let v2: [u8; 32] = base64::engine::general_purpose::STANDARD
        .decode(v2.trim())
        .unwrap()
        .try_into()
        .unwrap();
    let index: [u8; 32] = secrets.index_key.as_slice().try_into().unwrap();
    let only_v2 = Cipher::new(&[(2, v2)], index);
    let record = chart::record_view(&app.db, &only_v2, patient, None)
        .await
        .unwrap();
    let notes: Vec<_> = record.encounters.iter().flat_map(|e| &e.notes).collect();
    assert_eq!(notes.len(), written + 1);
    for note in notes {
        assert!(note.original.subjective.starts_with("Головная боль 头痛"));
        assert!(note.current.assessment.starts_with("Migraine Головная"));
        assert!(note.amendments[0].reason.starts_with("Added Головная"));
    }
    let details = app::patients::service::details(&app.db, &only_v2, patient)
        .await
        .unwrap();
    assert_eq!(
        details.demographics.national_id.as_deref(),
        Some("AB123456C")
    );
    // The blind index never rotates: the identifier is still found by it.
    let index = app::patients::service::national_id_index(&only_v2, "AB123456C");
    let found = app::entity::patients::Entity::find()
        .filter(app::entity::patients::Column::NationalIdIndex.eq(index))
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(found.len(), 1);
    let history = chart::chart_parts(&app.db, &only_v2, patient)
        .await
        .unwrap()
        .history;
    assert_eq!(history.len(), written + 2);
    assert!(history
        .iter()
        .any(|h| h.description == "Legacy: smokes 5 a day"));
}

on_both_databases!(clinical_text_is_sealed_and_rotated_while_the_server_writes);

/// `hms keys status` and `hms keys rotate` as an operator runs them.
#[tokio::test]
async fn the_keys_commands_report_and_rotate() {
    let database =
        database_with_staff(Backend::Sqlite, "desk@test.example", Role::Receptionist).await;
    let hms = |args: &[&str]| {
        let run = run_hms(&database, args, &[]);
        (run.ok, run.out)
    };
    let (ok, out) = hms(&["keys", "status"]);
    assert!(ok && out.contains("sealed with key v1"), "{out}");
    assert!(out.contains("user_mfa.secret: 1 under v1"), "{out}");
    let (ok, out) = hms(&["keys", "rotate", "--wait-secs", "0"]);
    assert!(ok && out.contains("Key v2 is current"), "{out}");
    assert!(out.contains("0 left under other keys"), "{out}");
    let (ok, out) = hms(&["keys", "status"]);
    assert!(ok && out.contains("user_mfa.secret: 1 under v2"), "{out}");
}

//! The patient index search, on SQLite and PostgreSQL.

#![recursion_limit = "512"]

mod common;

use app::patients::service::{insert_patient, NewPatient};
use chrono::NaiveDate;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::patients::AdministrativeSex;
use shared::{AppError, Role};

async fn add(
    app: &TestApp,
    given: &str,
    family: &str,
    dob: (i32, u32, u32),
    phone: &str,
) -> String {
    let p = insert_patient(
        &app.db,
        NewPatient::basic(
            given.into(),
            family.into(),
            NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2),
            AdministrativeSex::Unknown,
            Some(phone.into()).filter(|p: &String| !p.is_empty()),
            None,
        ),
    )
    .await
    .unwrap();
    p.mrn
}

async fn search(client: &Client, query: &str, cursor: Value) -> Value {
    let (status, page) = client
        .call::<Value>("patients/search", json!({"query": query, "cursor": cursor}))
        .await;
    assert_eq!(status, StatusCode::OK, "{page:?}");
    page.unwrap()
}

fn names(page: &Value) -> Vec<String> {
    page["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            format!(
                "{} {}",
                h["given_name"].as_str().unwrap(),
                h["family_name"].as_str().unwrap()
            )
        })
        .collect()
}

async fn search_finds_by_mrn_name_phone_and_birth_date(backend: Backend) {
    let app = spawn_app(backend).await;
    let mrn = add(&app, "Maria", "Müller", (1978, 4, 12), "+4915112345678").await;
    add(&app, "Jonas", "Muller", (1990, 1, 2), "").await;
    add(&app, "Anna", "Mullins", (1985, 6, 7), "").await;
    add(&app, "Muller", "Schmidt", (1970, 3, 4), "").await;
    add(&app, "Eva", "Mullerová", (1999, 9, 9), "").await;
    add(&app, "Peter", "Zahn", (1978, 4, 12), "015112345678").await;
    let reception = signed_in(&app, "desk@test.example", Role::Receptionist).await;

    // MRN, typed with or without the dash.
    let shown = format!("{}-{}", &mrn[..8], &mrn[8..]);
    assert_eq!(
        names(&search(&reception, &shown, Value::Null).await),
        vec!["Maria Müller"]
    );
    assert_eq!(
        names(&search(&reception, &mrn, Value::Null).await),
        vec!["Maria Müller"]
    );
    // Accent- and case-insensitive; exact names (family, then given) before
    // prefixes (family, then given).
    let found = names(&search(&reception, "MULLER", Value::Null).await);
    assert_eq!(
        found,
        vec![
            "Jonas Muller",
            "Maria Müller",
            "Muller Schmidt",
            "Eva Mullerová"
        ]
    );
    let found = names(&search(&reception, "mul", Value::Null).await);
    assert_eq!(
        found,
        vec![
            "Jonas Muller",
            "Maria Müller",
            "Eva Mullerová",
            "Anna Mullins",
            "Muller Schmidt"
        ]
    );
    assert_eq!(
        names(&search(&reception, "maria mül", Value::Null).await),
        vec!["Maria Müller"]
    );
    assert_eq!(
        names(&search(&reception, "müller maria", Value::Null).await),
        vec!["Maria Müller"]
    );
    // Phone (with or without the international prefix as stored) and birth date.
    assert_eq!(
        names(&search(&reception, "+49 151 12345678", Value::Null).await),
        vec!["Maria Müller"]
    );
    assert_eq!(
        names(&search(&reception, "015112345678", Value::Null).await),
        vec!["Peter Zahn"]
    );
    assert_eq!(
        names(&search(&reception, "12.04.1978", Value::Null).await),
        vec!["Maria Müller", "Peter Zahn"]
    );
    // Too little to search: nothing, not an error.
    assert!(names(&search(&reception, "7", Value::Null).await).is_empty());
    assert!(names(&search(&reception, "zzz", Value::Null).await).is_empty());

    let rows = audit_rows(&app).await;
    assert!(rows.iter().filter(|r| r.0 == "patients.search").count() >= 10);
}

async fn search_pages_with_a_keyset_cursor(backend: Backend) {
    let app = spawn_app(backend).await;
    for i in 0..45 {
        add(
            &app,
            &format!("Kim{i:02}"),
            if i % 3 == 0 { "Park" } else { "Parker" },
            (1980, 1, 1),
            "",
        )
        .await;
    }
    // Exact given names come between exact and prefix family names; a page
    // ends inside them.
    for i in 0..10 {
        add(&app, "Park", &format!("Zed{i:02}"), (1980, 1, 1), "").await;
    }
    let nurse = signed_in(&app, "nurse@test.example", Role::Nurse).await;
    let mut seen = Vec::new();
    let mut cursor = Value::Null;
    let mut pages = 0;
    loop {
        let page = search(&nurse, "park", cursor).await;
        pages += 1;
        seen.extend(names(&page));
        cursor = page["next"].clone();
        if cursor.is_null() {
            break;
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 55, "every patient exactly once");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 55);
    // The 15 exact family "Park" matches come first, then the 10 exact given
    // names, then the "Parker" prefixes.
    assert!(seen[..15].iter().all(|n| n.ends_with(" Park")), "{seen:?}");
    assert!(
        seen[15..25].iter().all(|n| n.starts_with("Park Zed")),
        "{seen:?}"
    );
    assert!(
        seen[25..].iter().all(|n| n.ends_with(" Parker")),
        "{seen:?}"
    );
}

async fn patients_cannot_search_the_index(backend: Backend) {
    let app = spawn_app(backend).await;
    let patient = Client::new(&app.base);
    register_patient(&patient, "p@test.example", "Pia").await;
    let (status, result) = patient
        .call::<Value>("patients/search", json!({"query": "pia", "cursor": null}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(result.unwrap_err(), AppError::Forbidden);
}

/// Searches arriving together share one audit commit: each is still recorded,
/// with its own query, before its answer arrives.
async fn concurrent_searches_are_each_audited(backend: Backend) {
    let app = spawn_app(backend).await;
    add(&app, "Ada", "Lovelace", (1815, 12, 10), "").await;
    let desk = std::sync::Arc::new(signed_in(&app, "desk@test.example", Role::Receptionist).await);
    let mut searches = Vec::new();
    for i in 0..40 {
        let desk = desk.clone();
        searches.push(tokio::spawn(async move {
            let page = search(
                &desk,
                &format!("lovelace{}", "e".repeat(i % 3)),
                Value::Null,
            )
            .await;
            page["hits"].as_array().unwrap().len()
        }));
    }
    let mut found = 0;
    for s in searches {
        found += s.await.unwrap();
    }
    assert_eq!(found, 14, "\"lovelace\" finds Ada; the longer words do not");
    let searches: Vec<_> = audit_rows(&app)
        .await
        .into_iter()
        .filter(|r| r.0 == "patients.search")
        .collect();
    assert_eq!(searches.len(), 40, "{searches:?}");
}

/// One setting as the connection reports it (`SHOW` on PostgreSQL, a
/// pragma on SQLite).
async fn setting(db: &sea_orm::DatabaseConnection, sql: &str) -> String {
    use sea_orm::{ConnectionTrait, Statement};
    let row = db
        .query_one_raw(Statement::from_string(db.get_database_backend(), sql))
        .await
        .unwrap()
        .unwrap();
    row.try_get_by_index::<String>(0).unwrap()
}

/// On PostgreSQL the search's own pool plans each statement once, while the
/// main pool keeps PostgreSQL's default; on SQLite the search shares the
/// main pool, WAL and all. Either way the search answers through it.
async fn search_connections_are_configured_per_backend(backend: Backend) {
    let app = spawn_app(backend).await;
    match backend {
        Backend::Postgres => {
            let plans = "SHOW plan_cache_mode";
            assert_eq!(setting(&app.search_db, plans).await, "force_generic_plan");
            assert_eq!(setting(&app.db, plans).await, "auto");
        }
        Backend::Sqlite => {
            assert_eq!(setting(&app.search_db, "PRAGMA journal_mode").await, "wal");
        }
    }
    add(&app, "Ada", "Lovelace", (1815, 12, 10), "").await;
    let query = shared::patients::PatientQuery::parse("lovel")
        .unwrap()
        .unwrap();
    let page = app::patients::search::search(&app.search_db, &query, None, 20)
        .await
        .unwrap();
    assert_eq!(page.hits.len(), 1);
    assert_eq!(page.hits[0].family_name, "Lovelace");
}

on_both_databases!(
    search_connections_are_configured_per_backend,
    concurrent_searches_are_each_audited,
    search_finds_by_mrn_name_phone_and_birth_date,
    search_pages_with_a_keyset_cursor,
    patients_cannot_search_the_index,
);

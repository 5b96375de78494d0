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
        &app.cipher,
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

/// Names as a hit shows them, sorted: for results whose order among equal
/// keys is by random id.
fn sorted_names(page: &Value) -> Vec<String> {
    let mut names = names(page);
    names.sort();
    names
}

/// Names in many scripts are found by their own script (whole word, prefix,
/// any case, any Unicode normalisation) and by their usual transliteration.
async fn search_finds_names_in_every_script(backend: Backend) {
    let app = spawn_app(backend).await;
    let dob = (1980, 1, 1);
    add(&app, "伟", "王", dob, "").await;
    add(&app, "伟", "汪", dob, "").await; // also "wang wei" in Latin letters
    add(&app, "Мария", "Иванова", dob, "").await;
    add(&app, "محمد", "الأحمد", dob, "").await;
    add(&app, "Văn Lâm", "Đặng", dob, "").await;
    add(&app, "Łukasz", "Żółć", dob, "").await;
    add(&app, "Γιώργος", "Παπαδόπουλος", dob, "").await;
    add(&app, "मोहन", "शर्मा", dob, "").await;
    add(&app, "דוד", "כהן", dob, "").await;
    add(&app, "민준", "김", dob, "").await;
    add(&app, "Maria", "Ivanova", dob, "").await; // Latin, never found by Cyrillic
    let desk = signed_in(&app, "desk@test.example", Role::Receptionist).await;
    let find = |q: &'static str| {
        let desk = &desk;
        async move { names(&search(desk, q, Value::Null).await) }
    };

    // Chinese: one character is a whole family name; a name typed without a
    // space is family then given; only those characters, not homophones.
    assert_eq!(find("王").await, vec!["伟 王"]);
    assert_eq!(find("王伟").await, vec!["伟 王"]);
    assert_eq!(find("汪伟").await, vec!["伟 汪"]);
    assert_eq!(find("王 伟").await, vec!["伟 王"]);
    assert_eq!(find("伟").await, vec!["伟 汪", "伟 王"]);
    assert_eq!(
        sorted_names(&search(&desk, "wang wei", Value::Null).await),
        vec!["伟 汪", "伟 王"]
    );
    assert_eq!(
        sorted_names(&search(&desk, "Wang", Value::Null).await),
        vec!["伟 汪", "伟 王"]
    );
    // Korean, likewise.
    assert_eq!(find("김민준").await, vec!["민준 김"]);
    assert_eq!(find("민준").await, vec!["민준 김"]);
    assert_eq!(
        find("gimminjun").await,
        Vec::<String>::new(),
        "family and given apart"
    );
    assert_eq!(find("gim min").await, vec!["민준 김"]);

    // Cyrillic: whole word, prefix, case; transliteration.
    for q in [
        "Иванова",
        "иван",
        "ИВАНОВА",
        "мария",
        "МАРИЯ ИВАН",
        "Иванова Мария",
    ] {
        assert_eq!(find(q).await, vec!["Мария Иванова"], "{q}");
    }
    assert_eq!(
        find("ivanova").await,
        vec!["Maria Ivanova", "Мария Иванова"],
        "the transliteration finds both"
    );
    assert_eq!(find("mariia").await, vec!["Мария Иванова"]);

    // Arabic: whole word, prefix, presentation forms (NFKC), transliteration.
    for q in ["محمد", "الأحمد", "الأح", "ﻣﺤﻤﺪ", "mhmd", "mhmd l hmd"] {
        assert_eq!(find(q).await, vec!["محمد الأحمد"], "{q}");
    }
    // Vietnamese and Polish: Latin with diacritics, in any form.
    for q in [
        "Đặng",
        "đặng",
        "ĐẶNG",
        "Đa\u{306}\u{323}ng",
        "đặ",
        "dang",
        "dang van",
        "Văn",
    ] {
        assert_eq!(find(q).await, vec!["Văn Lâm Đặng"], "{q}");
    }
    for q in [
        "Żółć",
        "żółć",
        "ŻÓŁ",
        "zolc",
        "Lukasz",
        "łukasz żół",
        "Z\u{307}o\u{301}łc\u{301}",
    ] {
        assert_eq!(find(q).await, vec!["Łukasz Żółć"], "{q}");
    }
    // Greek, Devanagari, Hebrew.
    for q in [
        "Παπαδόπουλος",
        "ΠΑΠΑΔΌΠ",
        "γιώργοσ",
        "papadopoulos",
        "giorgos",
    ] {
        assert_eq!(find(q).await, vec!["Γιώργος Παπαδόπουλος"], "{q}");
    }
    for q in ["शर्मा", "मोहन", "मो", "shrmaa", "mohn"] {
        assert_eq!(find(q).await, vec!["मोहन शर्मा"], "{q}");
    }
    for q in ["כהן", "דו", "khn", "dvd"] {
        assert_eq!(find(q).await, vec!["דוד כהן"], "{q}");
    }

    // Given names of two characters, typed after the family name.
    for given in ["伟一", "伟二", "小明"] {
        add(&app, given, "王", dob, "").await;
    }
    assert_eq!(find("王").await.len(), 4);
    assert_eq!(find("王伟").await, vec!["伟 王", "伟一 王", "伟二 王"]);
    assert_eq!(find("王小明").await, vec!["小明 王"]);
    assert_eq!(find("小明").await, vec!["小明 王"]);
}

/// Duplicate detection compares names as written, normalised and
/// case-folded, never their transliterations.
async fn duplicates_compare_names_in_their_own_script(backend: Backend) {
    use app::patients::service::likely_duplicates;
    let app = spawn_app(backend).await;
    let dob = (1975, 5, 5);
    add(&app, "伟", "王", dob, "").await;
    add(&app, "Мария", "Иванова", dob, "").await;
    add(&app, "Łukasz", "Żółć", dob, "").await;
    let demographics = |given: &str, family: &str| {
        NewPatient::basic(
            given.into(),
            family.into(),
            NaiveDate::from_ymd_opt(dob.0, dob.1, dob.2),
            AdministrativeSex::Unknown,
            None,
            None,
        )
        .demographics
    };
    let candidates = |given: &'static str, family: &'static str| {
        let (db, cipher) = (app.db.clone(), app.cipher.clone());
        async move {
            likely_duplicates(&db, &cipher, &demographics(given, family), None)
                .await
                .unwrap()
                .into_iter()
                .map(|c| format!("{} {}", c.patient.given_name, c.patient.family_name))
                .collect::<Vec<_>>()
        }
    };
    // Different names of the same birth date: nobody, although all of them
    // once folded to an empty string.
    assert!(candidates("娜", "李").await.is_empty());
    assert!(candidates("Анна", "Петрова").await.is_empty());
    assert!(candidates("أحمد", "علي").await.is_empty());
    // Different characters that transliterate alike are different names.
    assert!(candidates("伟", "汪").await.is_empty());
    assert!(candidates("Maria", "Ivanova").await.is_empty());
    // The same name, in another case or normalisation: a candidate.
    assert_eq!(candidates("伟", "王").await, vec!["伟 王"]);
    assert_eq!(candidates("МАРИЯ", "иванова").await, vec!["Мария Иванова"]);
    assert_eq!(
        candidates("ŁUKASZ", "Z\u{307}o\u{301}łc\u{301}").await,
        vec!["Łukasz Żółć"]
    );
}

/// Migration 13 recomputes the search columns of rows written before it, in
/// batches: more rows than one batch, in several scripts.
async fn migration_recomputes_names_of_existing_rows(backend: Backend) {
    use migrations::{Migrator, MigratorTrait};
    use sea_orm::sea_query::Query;
    use sea_orm::{ConnectionTrait, Statement};
    let database = test_database(backend).await;
    let db = sea_orm::Database::connect(&database.url).await.unwrap();
    Migrator::up(&db, Some(12)).await.unwrap();
    let people = [
        ("伟", "王"),
        ("Мария", "Иванова"),
        ("Łukasz", "Żółć"),
        ("Anna", "Müller"),
    ];
    let count = migrations::NAME_RECOMPUTE_BATCH * 2 + 7;
    let now = chrono::Utc::now();
    let mut insert = Query::insert();
    insert.into_table("patients").columns([
        "id",
        "mrn",
        "given_name",
        "family_name",
        "sex",
        "created_at",
        "updated_at",
    ]);
    for i in 0..count {
        let (given, family) = people[i % people.len()];
        insert.values_panic([
            uuid::Uuid::new_v4().into(),
            shared::patients::Mrn::from_body(10_000_000 + i as u32)
                .as_str()
                .to_string()
                .into(),
            given.into(),
            family.into(),
            "unknown".into(),
            now.into(),
            now.into(),
        ]);
    }
    db.execute_raw(db.get_database_backend().build(&insert))
        .await
        .unwrap();
    Migrator::up(&db, None).await.unwrap();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT given_name, family_name, given_folded, family_folded, given_native, \
             family_native FROM patients",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), count);
    for row in rows {
        let get = |c: &str| row.try_get::<String>("", c).unwrap();
        let (given, family) = (get("given_name"), get("family_name"));
        assert_eq!(get("given_folded"), shared::text::fold_name(&given));
        assert_eq!(get("family_folded"), shared::text::fold_name(&family));
        assert_eq!(get("given_native"), shared::text::fold_native(&given));
        assert_eq!(get("family_native"), shared::text::fold_native(&family));
        assert!(!get("family_native").is_empty());
    }
    // And the search reads them, page after page from its cursor.
    let query = shared::patients::PatientQuery::parse("王伟")
        .unwrap()
        .unwrap();
    let mut cursor = None;
    let mut seen = std::collections::HashSet::new();
    loop {
        let page = app::patients::search::search(&db, &query, cursor.as_ref(), 40)
            .await
            .unwrap();
        for hit in &page.hits {
            assert_eq!(
                (hit.given_name.as_str(), hit.family_name.as_str()),
                ("伟", "王")
            );
            assert!(seen.insert(hit.id), "listed twice");
        }
        match page.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(seen.len(), count.div_ceil(people.len()));
}

on_both_databases!(
    search_finds_names_in_every_script,
    duplicates_compare_names_in_their_own_script,
    migration_recomputes_names_of_existing_rows,
    search_connections_are_configured_per_backend,
    concurrent_searches_are_each_audited,
    search_finds_by_mrn_name_phone_and_birth_date,
    search_pages_with_a_keyset_cursor,
    patients_cannot_search_the_index,
);

//! The health record's reference data and searches, on SQLite and PostgreSQL.

#![recursion_limit = "512"]

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::{AppError, Role};

async fn the_full_icd10cm_code_set_is_loaded(backend: Backend) {
    use app::entity::icd10_codes;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = spawn_app(backend).await;
    assert_eq!(
        icd10_codes::Entity::find().count(&app.db).await.unwrap(),
        98_147
    );
    let e119 = icd10_codes::Entity::find_by_id("E11.9")
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        e119.description,
        "Type 2 diabetes mellitus without complications"
    );
    assert!(e119.billable);
    assert_eq!(e119.parent, "E11");
}

async fn icd10_search_finds_codes_by_code_and_by_words(backend: Backend) {
    let app = spawn_app(backend).await;
    let doctor = signed_in(&app, "doc@test.example", Role::Doctor).await;
    let search = |q: &'static str| {
        let doctor = &doctor;
        async move {
            let (status, codes) = doctor
                .call::<Vec<Value>>("records/icd10", json!({"query": q}))
                .await;
            assert_eq!(status, StatusCode::OK);
            codes
                .unwrap()
                .into_iter()
                .map(|c| c["code"].as_str().unwrap().to_string())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        search("e11.9").await.first().map(String::as_str),
        Some("E11.9")
    );
    let by_prefix = search("E11").await;
    assert_eq!(by_prefix.first().map(String::as_str), Some("E11"));
    assert!(
        by_prefix.iter().all(|c| c.starts_with("E11")),
        "{by_prefix:?}"
    );
    assert_eq!(by_prefix.len(), 25, "a broad search returns one page");
    // Words in any order, as prefixes, case- and accent-insensitive.
    assert!(search("mellitus diab TYPE 2 without")
        .await
        .contains(&"E11.9".to_string()));
    assert!(search("sezary")
        .await
        .iter()
        .all(|c| c.starts_with("C84.1")));
    assert!(!search("Sézary").await.is_empty());
    // Too short, or nothing matching: an empty list, not an error.
    assert!(search("e").await.is_empty());
    assert!(search("zzqqxx").await.is_empty());

    let patient = Client::new(&app.base);
    register_patient(&patient, "p@test.example", "Pia").await;
    let (status, result) = patient
        .call::<Value>("records/icd10", json!({"query": "asthma"}))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(result.unwrap_err(), AppError::Forbidden);
}

on_both_databases!(
    the_full_icd10cm_code_set_is_loaded,
    icd10_search_finds_codes_by_code_and_by_words
);

//! The laboratory catalogue: the tests and imaging studies loaded at
//! migration, and results flagged against the range for the patient's sex
//! and age on the collection day, on SQLite and PostgreSQL.

mod common;

use app::entity::lab_tests;
use chrono::{NaiveDate, Utc};
use common::*;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use shared::lab::{limits_for, Flag, LabValue, Modality, TestKind};
use shared::patients::AdministrativeSex::{Female, Male, Unknown};

fn v(s: &str) -> LabValue {
    LabValue::parse(s).unwrap()
}

/// The 54 LOINC tests and 12 imaging studies are there; potassium's adult
/// range and critical limits flag results, by sex where the file differs
/// (creatinine), not at all for a child (no paediatric range yet) or for a
/// sex the test has no range for (PSA in women).
async fn catalogue_ranges_flag_results(backend: Backend) {
    let app = spawn_app(backend).await;
    let count = |kind| {
        lab_tests::Entity::find()
            .filter(lab_tests::Column::Kind.eq(kind))
            .count(&app.db)
    };
    assert_eq!(count(TestKind::Lab).await.unwrap(), 54);
    assert_eq!(count(TestKind::Imaging).await.unwrap(), 12);
    let chest = app::lab::catalogue::by_code(&app.db, "IMG-XR-CHEST")
        .await
        .unwrap();
    assert_eq!(
        (chest.modality, chest.body_region.as_deref()),
        (Some(Modality::Xray), Some("Chest"))
    );

    let now = Utc::now();
    let on = now.date_naive();
    let adult = Some(NaiveDate::from_ymd_opt(1980, 5, 17).unwrap());
    let child = Some(on - chrono::Duration::days(3650));
    let rules = |code: &'static str| {
        let db = app.db.clone();
        async move {
            let test = app::lab::catalogue::by_code(&db, code).await.unwrap();
            app::lab::catalogue::rules_at(&db, test.id, now)
                .await
                .unwrap()
        }
    };
    let potassium = rules("2823-3").await;
    let k = limits_for(&potassium, Male, adult, on).unwrap();
    assert_eq!(k.flag(v("3.5")), Flag::Normal);
    assert_eq!(k.flag(v("6.5")), Flag::CriticalHigh);
    assert_eq!(k.flag(v("2.7")), Flag::CriticalLow);
    assert_eq!(
        limits_for(&potassium, Unknown, adult, on),
        Some(k),
        "one rule for both sexes"
    );
    assert_eq!(limits_for(&potassium, Female, child, on), None);
    assert_eq!(limits_for(&potassium, Female, None, on), None);

    let db = &app.db;
    let decimals = |code| async move {
        app::lab::catalogue::by_code(db, code)
            .await
            .unwrap()
            .decimals
    };
    assert_eq!(
        (
            decimals("2823-3").await,
            decimals("2160-0").await,
            decimals("2857-1").await
        ),
        (1, 2, 0),
        "values shown with as many decimals as the limits have"
    );
    let creatinine = rules("2160-0").await;
    let man = limits_for(&creatinine, Male, adult, on).unwrap();
    let woman = limits_for(&creatinine, Female, adult, on).unwrap();
    assert_eq!(man.flag(v("1.2")), Flag::Normal);
    assert_eq!(woman.flag(v("1.2")), Flag::High);
    assert_eq!(limits_for(&creatinine, Unknown, adult, on), None);

    let psa = rules("2857-1").await;
    assert!(limits_for(&psa, Male, adult, on).is_some());
    assert_eq!(limits_for(&psa, Female, adult, on), None);
    // Before the ranges existed, none applied.
    let earlier = app::lab::catalogue::rules_at(
        &app.db,
        app::lab::catalogue::by_code(&app.db, "2823-3")
            .await
            .unwrap()
            .id,
        now - chrono::Duration::days(1),
    )
    .await
    .unwrap();
    assert!(earlier.is_empty());
}

on_both_databases!(catalogue_ranges_flag_results);

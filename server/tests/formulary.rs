//! The formulary: RxNorm's drugs loaded by the migration, searched as
//! prescribers type, kept by pharmacists and administrators.

mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::formulary::{DrugForm, FormularyDrug};
use shared::{AppError, Role};

async fn search(client: &Client, query: &str) -> Vec<FormularyDrug> {
    ok(
        client,
        "formulary/search",
        json!({ "query": query, "include_retired": false }),
    )
    .await
}

fn labels(drugs: &[FormularyDrug]) -> Vec<String> {
    drugs.iter().map(FormularyDrug::label).collect()
}

async fn refused(client: &Client, endpoint: &str, body: Value) -> (StatusCode, AppError) {
    match client.call::<Value>(endpoint, body).await {
        (status, Err(e)) => (status, e),
        (status, Ok(v)) => panic!("{endpoint} should fail, answered {status}: {v}"),
    }
}

/// The migration loaded the whole file, combinations with their parts.
async fn the_migration_loads_the_formulary(backend: Backend) {
    use app::entity::formulary_drugs;
    use sea_orm::{EntityTrait, PaginatorTrait};
    let app = spawn_app(backend).await;
    let count = formulary_drugs::Entity::find()
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(count, 374);
    let doctor = signed_in(&app, "doc@test.example", Role::Doctor).await;
    let found = search(&doctor, "amoxi clav").await;
    assert!(!found.is_empty());
    for d in &found {
        assert_eq!(d.drug.generic_name, "amoxicillin / clavulanate");
        assert_eq!(d.drug.ingredients(), vec!["amoxicillin", "clavulanate"]);
        assert_eq!(d.drug.allergy_class.as_deref(), Some("penicillin"));
        assert!(d.drug.rxcui.is_some());
    }
    // Generic names starting with the word come first.
    let amox = search(&doctor, "Amox").await;
    assert_eq!(
        amox[0].drug.generic_name,
        "amoxicillin",
        "{:?}",
        labels(&amox)
    );
    assert!(amox
        .iter()
        .all(|d| d.drug.generic_name.contains("amoxicillin")));
    // Too little to search, or nothing like it: nothing, and no error.
    assert!(search(&doctor, "a").await.is_empty());
    assert!(search(&doctor, "zzzz").await.is_empty());
}

/// A pharmacist adds a local drug with its brand names, corrects it, and
/// retires it; prescribers find it by brand until then.
async fn pharmacists_keep_the_formulary(backend: Backend) {
    let app = spawn_app(backend).await;
    let pharmacist = signed_in(&app, "rx@test.example", Role::Pharmacist).await;
    let doctor = signed_in(&app, "doc@test.example", Role::Doctor).await;

    // Field by field, nothing saved.
    let (status, error) = refused(
        &pharmacist,
        "formulary/add",
        json!({ "form": DrugForm { generic_name: "baloxavir marboxil".into(), allergy_class: "peanut".into(), ..Default::default() } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let AppError::Validation(errors) = error else {
        panic!("field errors expected, got {error:?}")
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(
        fields,
        vec!["strength", "dose_form", "route", "allergy_class"]
    );
    assert!(search(&doctor, "balox").await.is_empty());

    let form = DrugForm {
        generic_name: "Baloxavir  Marboxil".into(),
        brand_names: "Xofluza, Grippé-Stop".into(),
        strength: "40 mg".into(),
        dose_form: "Oral Tablet".into(),
        route: "oral".into(),
        drug_class: "Endonuclease Inhibitor".into(),
        ..Default::default()
    };
    let added: FormularyDrug = ok(&pharmacist, "formulary/add", json!({ "form": form })).await;
    assert_eq!(added.drug.generic_name, "baloxavir marboxil");
    assert_eq!(added.drug.brand_names, vec!["Xofluza", "Grippé-Stop"]);
    assert_eq!(
        labels(&search(&doctor, "xoflu").await),
        vec!["baloxavir marboxil 40 mg Oral Tablet"]
    );
    // Brand names are found without their accents too.
    assert_eq!(search(&doctor, "grippe stop").await.len(), 1);

    // An RxNorm code another drug has: refused on the field.
    let (status, error) = refused(
        &pharmacist,
        "formulary/update",
        json!({ "drug_id": added.id, "form": DrugForm { rxcui: "308191".into(), ..DrugForm::from_drug(&added.drug) } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{error:?}");
    assert!(format!("{error:?}").contains("rxcui"), "{error:?}");

    let corrected: FormularyDrug = ok(
        &pharmacist,
        "formulary/update",
        json!({ "drug_id": added.id, "form": DrugForm { strength: "20 mg".into(), ..DrugForm::from_drug(&added.drug) } }),
    )
    .await;
    assert_eq!(corrected.drug.strength, "20 mg");

    // Retired: not offered to prescribers; the pharmacy still sees it.
    let retired: FormularyDrug = ok(
        &pharmacist,
        "formulary/retire",
        json!({ "drug_id": added.id, "retired": true }),
    )
    .await;
    assert!(retired.retired);
    assert!(search(&doctor, "xofluza").await.is_empty());
    let all: Vec<FormularyDrug> = ok(
        &pharmacist,
        "formulary/search",
        json!({ "query": "xofluza", "include_retired": true }),
    )
    .await;
    assert_eq!(all.len(), 1);
    assert!(all[0].retired);
    let restored: FormularyDrug = ok(
        &pharmacist,
        "formulary/retire",
        json!({ "drug_id": added.id, "retired": false }),
    )
    .await;
    assert!(!restored.retired);
    assert_eq!(search(&doctor, "xofluza").await.len(), 1);

    let actions: Vec<String> = audit_rows(&app)
        .await
        .into_iter()
        .map(|r| r.0)
        .filter(|a| a.starts_with("formulary."))
        .collect();
    assert_eq!(
        actions,
        vec![
            "formulary.add",
            "formulary.update",
            "formulary.retire",
            "formulary.restore"
        ]
    );
}

/// Prescribers search but do not change the formulary; the front desk and
/// patients do neither.
async fn only_the_pharmacy_and_administrators_change_it(backend: Backend) {
    let app = spawn_app(backend).await;
    let doctor = signed_in(&app, "doc@test.example", Role::Doctor).await;
    let desk = signed_in(&app, "desk@test.example", Role::Receptionist).await;
    let admin = signed_in(&app, "admin@test.example", Role::Administrator).await;
    let form = json!({ "form": DrugForm {
        generic_name: "zanamivir".into(),
        strength: "5 mg".into(),
        dose_form: "Inhalation Powder".into(),
        route: "inhaled".into(),
        ..Default::default()
    } });
    let (status, error) = refused(&doctor, "formulary/add", form.clone()).await;
    assert_eq!(
        (status, error),
        (StatusCode::FORBIDDEN, AppError::Forbidden)
    );
    let (status, _) = refused(
        &doctor,
        "formulary/search",
        json!({ "query": "amox", "include_retired": true }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = refused(
        &desk,
        "formulary/search",
        json!({ "query": "amox", "include_retired": false }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let anonymous = Client::new(&app.base);
    let (status, _) = refused(
        &anonymous,
        "formulary/search",
        json!({ "query": "amox", "include_retired": false }),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let added: FormularyDrug = ok(&admin, "formulary/add", form).await;
    assert_eq!(added.label(), "zanamivir 5 mg Inhalation Powder");
}

on_both_databases!(
    the_migration_loads_the_formulary,
    pharmacists_keep_the_formulary,
    only_the_pharmacy_and_administrators_change_it,
);

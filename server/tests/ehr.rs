//! Patient records and the health record end to end over HTTP, on SQLite and
//! PostgreSQL: registration with duplicate checks, the emergency fast-track and
//! merging, who may open which chart (care teams and break-glass), notes with
//! signatures and amendments, vitals/problems/allergies, the patient's own
//! contact details, and the record downloads (PDF and FHIR).

#![recursion_limit = "512"]

mod common;

use std::collections::{BTreeSet, HashSet};

use chrono::NaiveDate;
use common::*;
use reqwest::StatusCode;
use serde_json::{json, Value};
use shared::access::{AccessBasis, BreakGlassReportRow, CareRelationshipKind};
use shared::chart::{
    AllergyForm, ChartSummary, EncounterForm, ImmunizationForm, NoteStatus, PatientRecordView,
    ProblemForm, Soap, TimelinePage, VitalsForm,
};
use shared::demographics::{
    ContactDetails, ContactForm, Coverage, CoverageForm, CoverageRank, Demographics,
    DemographicsForm, EmergencyContact, EmergencyContactForm, FastTrackForm, MergePreview,
    MergeResult, PatientDetails, PatientStatus, RegistrationOutcome,
};
use shared::patients::{AdministrativeSex, Mrn, PatientSearchHit, PatientSearchPage};
use shared::{AppError, FieldError, Role};
use uuid::Uuid;

// ------------------------------------------------------------------ helpers

/// Creates a staff account with its own display name and signs it in; answers
/// the client and the account's id.
async fn staff_named(app: &TestApp, email: &str, name: &str, role: Role) -> (Client, Uuid) {
    let id = common::staff_named(app, email, name, role).await;
    let client = Client::new(&app.base);
    let (status, outcome) = client.login(email, PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{outcome:?}");
    (client, id)
}

/// A signed-in patient-portal user with a record of their own; answers the patient id.
async fn portal_patient(app: &TestApp, email: &str, given: &str) -> (Client, Uuid) {
    let client = Client::new(&app.base);
    let outcome = register_patient(&client, email, given).await;
    let id: Uuid = serde_json::from_value(outcome["user"]["patient_id"].clone())
        .unwrap_or_else(|e| panic!("no patient id in {outcome}: {e}"));
    (client, id)
}

/// Calls a server function that must fail; answers the status and the error.
async fn fails(client: &Client, endpoint: &str, body: Value) -> (StatusCode, AppError) {
    let (status, result) = client.call::<Value>(endpoint, body).await;
    match result {
        Ok(v) => panic!("{endpoint} should have failed, answered {status}: {v}"),
        Err(e) => (status, e),
    }
}

/// Calls a server function that must be refused with 403.
async fn forbidden(client: &Client, endpoint: &str, body: Value) {
    let (status, error) = fails(client, endpoint, body).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{endpoint}: {error:?}");
    assert_eq!(error, AppError::Forbidden, "{endpoint}");
}

/// Calls a server function that must answer field errors (422); answers them.
async fn field_errors(client: &Client, endpoint: &str, body: Value) -> Vec<FieldError> {
    let (status, error) = fails(client, endpoint, body).await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{endpoint}: {error:?}"
    );
    match error {
        AppError::Validation(list) => list,
        other => panic!("{endpoint}: expected field errors, got {other:?}"),
    }
}

fn field_names(errors: &[FieldError]) -> Vec<&str> {
    errors.iter().map(|e| e.field.as_str()).collect()
}

fn message_for<'a>(errors: &'a [FieldError], field: &str) -> &'a str {
    errors
        .iter()
        .find(|e| e.field == field)
        .map(|e| e.message.as_str())
        .unwrap_or_else(|| panic!("no error on {field}: {errors:?}"))
}

/// A registration form with only the usual few fields.
fn demographics(given: &str, family: &str, dob: &str, sex: &str, phone: &str) -> DemographicsForm {
    DemographicsForm {
        given_name: given.into(),
        family_name: family.into(),
        date_of_birth: dob.into(),
        sex: sex.into(),
        contact: ContactForm {
            phone: phone.into(),
            ..Default::default()
        },
        ..Default::default()
    }
}

async fn try_register(
    client: &Client,
    form: &DemographicsForm,
    confirm_new: bool,
) -> RegistrationOutcome {
    ok(
        client,
        "patients/register",
        json!({ "form": form, "confirm_new": confirm_new }),
    )
    .await
}

/// Registers a patient that must not look like a duplicate; answers id and MRN.
async fn register(client: &Client, form: &DemographicsForm) -> (Uuid, String) {
    match try_register(client, form, false).await {
        RegistrationOutcome::Registered { id, mrn } => (id.into(), mrn),
        other => panic!("expected a registration, got {other:?}"),
    }
}

async fn details(client: &Client, patient_id: Uuid) -> PatientDetails {
    ok(
        client,
        "patients/details",
        json!({ "patient_id": patient_id }),
    )
    .await
}

async fn search(client: &Client, query: &str) -> Vec<PatientSearchHit> {
    let page: PatientSearchPage = ok(
        client,
        "patients/search",
        json!({ "query": query, "cursor": null }),
    )
    .await;
    page.hits
}

async fn assign(client: &Client, patient_id: Uuid, user_id: Uuid) {
    let _: Value = ok(
        client,
        "patients/assign",
        json!({ "patient_id": patient_id, "user_id": user_id }),
    )
    .await;
}

async fn open_chart(
    client: &Client,
    patient_id: Uuid,
) -> (StatusCode, Result<ChartSummary, AppError>) {
    client
        .call::<ChartSummary>("chart/summary", json!({ "patient_id": patient_id }))
        .await
}

async fn summary(client: &Client, patient_id: Uuid) -> ChartSummary {
    ok(client, "chart/summary", json!({ "patient_id": patient_id })).await
}

async fn timeline(client: &Client, patient_id: Uuid) -> TimelinePage {
    ok(
        client,
        "chart/timeline",
        json!({ "patient_id": patient_id, "cursor": null }),
    )
    .await
}

async fn open_encounter(client: &Client, patient_id: Uuid, kind: &str, reason: &str) -> Uuid {
    ok(
        client,
        "chart/open_encounter",
        json!({ "patient_id": patient_id, "form": EncounterForm {
            kind: kind.into(),
            reason: reason.into(),
            ..Default::default()
        }}),
    )
    .await
}

fn soap(subjective: &str, objective: &str, assessment: &str, plan: &str) -> Soap {
    Soap {
        subjective: subjective.into(),
        objective: objective.into(),
        assessment: assessment.into(),
        plan: plan.into(),
    }
}

fn save_note_body(
    patient_id: Uuid,
    encounter_id: Uuid,
    note_id: Option<Uuid>,
    text: &Soap,
) -> Value {
    json!({
        "patient_id": patient_id,
        "encounter_id": encounter_id,
        "note_id": note_id,
        "soap": text,
    })
}

async fn save_note(
    client: &Client,
    patient_id: Uuid,
    encounter_id: Uuid,
    note_id: Option<Uuid>,
    text: &Soap,
) -> Uuid {
    ok(
        client,
        "chart/save_note",
        save_note_body(patient_id, encounter_id, note_id, text),
    )
    .await
}

async fn sign_note(client: &Client, patient_id: Uuid, note_id: Uuid) {
    let _: Value = ok(
        client,
        "chart/sign_note",
        json!({ "patient_id": patient_id, "note_id": note_id }),
    )
    .await;
}

fn amend_body(patient_id: Uuid, note_id: Uuid, reason: &str, text: &Soap) -> Value {
    json!({
        "patient_id": patient_id,
        "note_id": note_id,
        "form": { "reason": reason, "soap": text },
    })
}

fn vitals_body(patient_id: Uuid, form: VitalsForm) -> Value {
    json!({ "patient_id": patient_id, "form": form })
}

fn problem_body(patient_id: Uuid, code: &str, encounter_id: Option<Uuid>) -> Value {
    json!({ "patient_id": patient_id, "form": ProblemForm {
        icd10_code: code.into(),
        status: "active".into(),
        encounter_id: encounter_id.map(Into::into),
        ..Default::default()
    }})
}

fn allergy_body(patient_id: Uuid, substance: &str, reaction: &str, severity: &str) -> Value {
    json!({ "patient_id": patient_id, "form": AllergyForm {
        substance: substance.into(),
        reaction: reaction.into(),
        severity: severity.into(),
        status: "active".into(),
    }})
}

fn break_glass_body(patient_id: Uuid, reason: &str) -> Value {
    json!({ "patient_id": patient_id, "form": { "reason": reason } })
}

fn mrn_is_valid(displayed: &str) -> bool {
    displayed.len() == 10
        && displayed.as_bytes()[8] == b'-'
        && Mrn::parse(&displayed.replace('-', "")).is_ok()
}

/// Audit rows of one action, with their details, in insertion order.
async fn audit_details(app: &TestApp, action: &str) -> Vec<app::entity::audit_events::Model> {
    use app::entity::audit_events;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    audit_events::Entity::find()
        .filter(audit_events::Column::Action.eq(action))
        .order_by_asc(audit_events::Column::Id)
        .all(&app.db)
        .await
        .unwrap()
}

// -------------------------------------------------------------------- tests

async fn staff_registration_warns_about_duplicates(backend: Backend) {
    let app = spawn_app(backend).await;
    let (desk, _) = staff_named(&app, "desk@test.example", "Rita Desk", Role::Receptionist).await;

    let form = DemographicsForm {
        given_name: "Ana".into(),
        family_name: "Souza".into(),
        preferred_name: "Aninha".into(),
        date_of_birth: "1990-05-01".into(),
        birth_date_estimated: false,
        sex: "female".into(),
        gender_identity: "woman".into(),
        language: "Portuguese".into(),
        national_id: "123-45-6789".into(),
        contact: ContactForm {
            phone: "+4915112345678".into(),
            email: "ana.souza@example.org".into(),
            address_line: "Hauptstraße 1".into(),
            city: "Berlin".into(),
            postal_code: "10115".into(),
            country: "Germany".into(),
            consent_sms: true,
            consent_email: true,
            consent_research: false,
            preferred_channel: "sms".into(),
            emergency_contacts: vec![EmergencyContactForm {
                name: "Marco Souza".into(),
                relationship: "brother".into(),
                phone: "+4917600000001".into(),
                email: "marco@example.org".into(),
            }],
            coverages: vec![CoverageForm {
                payer: "Techniker Krankenkasse".into(),
                member_id: "T123456789".into(),
                group_number: "G-42".into(),
                valid_from: "2025-01-01".into(),
                valid_to: "2026-12-31".into(),
                rank: "primary".into(),
            }],
        },
    };
    let (id, mrn) = register(&desk, &form).await;
    assert!(mrn_is_valid(&mrn), "{mrn}");

    // Every field comes back as registered.
    let saved = details(&desk, id).await;
    assert_eq!(saved.id, id);
    assert_eq!(saved.mrn, mrn);
    assert_eq!(saved.status, PatientStatus::Active);
    assert_eq!(saved.temporary_description, None);
    assert_eq!(saved.merged_into, None);
    assert!(saved.aliases.is_empty());
    let expected = Demographics {
        given_name: "Ana".into(),
        family_name: "Souza".into(),
        preferred_name: Some("Aninha".into()),
        date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 1),
        birth_date_estimated: false,
        sex: AdministrativeSex::Female,
        gender_identity: Some("woman".into()),
        language: Some("Portuguese".into()),
        national_id: Some("123456789".into()),
        contact: ContactDetails {
            phone: Some("+4915112345678".into()),
            email: Some("ana.souza@example.org".into()),
            address_line: Some("Hauptstraße 1".into()),
            city: Some("Berlin".into()),
            postal_code: Some("10115".into()),
            country: Some("Germany".into()),
            consent_sms: true,
            consent_email: true,
            consent_research: false,
            preferred_channel: Some(shared::notify::Channel::Sms),
            emergency_contacts: vec![EmergencyContact {
                name: "Marco Souza".into(),
                relationship: "brother".into(),
                phone: "+4917600000001".into(),
                email: Some("marco@example.org".into()),
            }],
            coverages: vec![Coverage {
                payer: "Techniker Krankenkasse".into(),
                member_id: "T123456789".into(),
                group_number: Some("G-42".into()),
                valid_from: NaiveDate::from_ymd_opt(2025, 1, 1),
                valid_to: NaiveDate::from_ymd_opt(2026, 12, 31),
                rank: CoverageRank::Primary,
            }],
        },
    };
    assert_eq!(saved.demographics, expected);
    assert_eq!(saved.display_name(), "Souza, Ana (Aninha)");
    assert_eq!(search(&desk, "souza").await.len(), 1);

    // The same name and birth date: a warning, and nothing saved.
    let again = demographics("Ana", "Souza", "1990-05-01", "female", "+4915199999999");
    match try_register(&desk, &again, false).await {
        RegistrationOutcome::PossibleDuplicates(candidates) => {
            assert_eq!(candidates.len(), 1, "{candidates:?}");
            assert_eq!(candidates[0].patient.id, id);
            assert_eq!(candidates[0].patient.mrn, mrn);
            assert_eq!(candidates[0].reasons, vec!["Same name and date of birth"]);
        }
        other => panic!("expected a duplicate warning, got {other:?}"),
    }
    assert_eq!(search(&desk, "souza").await.len(), 1, "nothing was saved");

    // Someone else with the same phone number.
    let same_phone = demographics("Beatriz", "Lima", "1970-01-01", "female", "+4915112345678");
    match try_register(&desk, &same_phone, false).await {
        RegistrationOutcome::PossibleDuplicates(candidates) => {
            assert_eq!(candidates.len(), 1, "{candidates:?}");
            assert_eq!(candidates[0].patient.id, id);
            assert_eq!(candidates[0].reasons, vec!["Same phone number"]);
        }
        other => panic!("expected a duplicate warning, got {other:?}"),
    }
    assert!(search(&desk, "lima").await.is_empty(), "nothing was saved");

    // Confirmed as a different person: registered.
    let (second, second_mrn) = match try_register(&desk, &again, true).await {
        RegistrationOutcome::Registered { id, mrn } => (id, mrn),
        other => panic!("expected a registration, got {other:?}"),
    };
    assert_ne!(second, id);
    assert_ne!(second_mrn, mrn);
    assert!(mrn_is_valid(&second_mrn), "{second_mrn}");
    assert_eq!(search(&desk, "souza").await.len(), 2);

    let rows = audit_rows(&app).await;
    let registrations: Vec<_> = rows.iter().filter(|r| r.0 == "patients.register").collect();
    assert_eq!(registrations.len(), 2, "{rows:?}");
    assert_eq!(registrations[0].1, "success");
    assert_eq!(registrations[0].2.as_deref(), Some("desk@test.example"));
    assert_eq!(registrations[0].3, Some(id));
    assert_eq!(registrations[1].3, Some(Into::into(second)));
}

/// A national identifier is stored sealed, found through its keyed hash
/// however it is typed, flags a second record that carries it, and never
/// reaches the audit trail as text.
async fn national_identifiers_are_sealed_and_found_by_their_blind_index(backend: Backend) {
    use app::entity::{audit_events, patients};
    use sea_orm::{ConnectionTrait, EntityTrait, Statement};
    let app = spawn_app(backend).await;
    let (desk, _) = staff_named(&app, "desk@test.example", "Rita Desk", Role::Receptionist).await;
    let mut form = demographics("ليلى", "حداد", "1988-02-29", "female", "");
    form.national_id = "784-1988-1234567-1".into();
    let (id, _) = register(&desk, &form).await;
    let saved = details(&desk, id).await;
    assert_eq!(
        saved.demographics.national_id.as_deref(),
        Some("784198812345671")
    );

    // Sealed under the current key and bound to its row; the index is a
    // keyed hash. Read with SQL, as a copy of the database would be.
    let rows = app
        .db
        .query_all_raw(Statement::from_string(
            app.db.get_database_backend(),
            "SELECT national_id, national_id_index FROM patients WHERE national_id IS NOT NULL",
        ))
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    let stored: String = rows[0].try_get_by_index(0).unwrap();
    let index: String = rows[0].try_get_by_index(1).unwrap();
    assert!(stored.starts_with("enc:v1:"), "{stored}");
    for value in [&stored, &index] {
        assert!(!value.contains("1234567"), "{value}");
    }
    assert_eq!(index.len(), 64);
    assert_eq!(
        index,
        app::patients::service::national_id_index(&app.cipher, "784198812345671")
    );

    // Found however it is typed: with separators, or in Arabic-Indic digits.
    for query in [
        "784-1988-1234567-1",
        "784198812345671",
        "٧٨٤-١٩٨٨-١٢٣٤٥٦٧-١",
    ] {
        let hits = search(&desk, query).await;
        assert_eq!(
            hits.iter().map(|h| Uuid::from(h.id)).collect::<Vec<_>>(),
            vec![id],
            "{query}"
        );
    }
    let details_of_searches: Vec<String> = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .filter(|e| e.action == "patients.search")
        .filter_map(|e| e.detail)
        .collect();
    assert_eq!(details_of_searches.len(), 3, "{details_of_searches:?}");
    for detail in &details_of_searches {
        assert!(!detail.contains("784"), "{detail}");
        assert!(!detail.contains("٧٨٤"), "{detail}");
    }

    // A second record with the number, typed another way: a warning that
    // names the reason, and nothing saved.
    let mut other = demographics("Leila", "Haddad", "1990-01-01", "female", "");
    other.national_id = "784 1988 1234567 1".into();
    match try_register(&desk, &other, false).await {
        RegistrationOutcome::PossibleDuplicates(candidates) => {
            assert_eq!(candidates.len(), 1, "{candidates:?}");
            assert_eq!(Uuid::from(candidates[0].patient.id), id);
            assert_eq!(candidates[0].reasons, vec!["Same national identifier"]);
        }
        other => panic!("expected a duplicate warning, got {other:?}"),
    }

    // A number that cannot be one: a message on the field, and only there.
    other.national_id = "784#1988".into();
    let errors = field_errors(
        &desk,
        "patients/register",
        json!({ "form": other, "confirm_new": true }),
    )
    .await;
    assert_eq!(field_names(&errors), vec!["national_id"]);
    assert!(message_for(&errors, "national_id").contains("“#”"));
    assert_eq!(
        patients::Entity::find().all(&app.db).await.unwrap().len(),
        1,
        "nothing was saved"
    );

    // A corrected number is indexed anew: the old one finds nobody.
    let mut edit = DemographicsForm::from_demographics(&saved.demographics);
    edit.national_id = "ab 123456 c".into();
    let updated: PatientDetails = ok(
        &desk,
        "patients/update",
        json!({ "patient_id": id, "form": edit, "confirm_identity": false }),
    )
    .await;
    assert_eq!(
        updated.demographics.national_id.as_deref(),
        Some("AB123456C")
    );
    assert!(search(&desk, "784198812345671").await.is_empty());
    assert_eq!(search(&desk, "AB123456C").await.len(), 1);
    let update = audit_events::Entity::find()
        .all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .rfind(|e| e.action == "patients.update")
        .and_then(|e| e.detail);
    assert_eq!(update.as_deref(), Some("changed: national_id"));

    // Merged into a record without one, the identifier moves with the
    // person: the kept record is the one the number finds.
    other.national_id = String::new();
    let kept = match try_register(&desk, &other, true).await {
        RegistrationOutcome::Registered { id, .. } => Uuid::from(id),
        other => panic!("expected a registration, got {other:?}"),
    };
    let merged: MergeResult = ok(
        &desk,
        "patients/merge",
        json!({ "source": id, "target": kept }),
    )
    .await;
    assert_eq!(Uuid::from(merged.target_id), kept);
    let found = search(&desk, "AB 123456 C").await;
    assert_eq!(
        found.iter().map(|h| Uuid::from(h.id)).collect::<Vec<_>>(),
        vec![kept]
    );
    assert_eq!(
        details(&desk, kept)
            .await
            .demographics
            .national_id
            .as_deref(),
        Some("AB123456C")
    );
}

async fn bad_registration_gets_field_errors(backend: Backend) {
    let app = spawn_app(backend).await;
    let (desk, _) = staff_named(&app, "desk@test.example", "Rita Desk", Role::Receptionist).await;
    let mut form = demographics("", "Souza", "1990-05-01", "robot", "");
    form.contact.emergency_contacts.push(EmergencyContactForm {
        name: "Marco Souza".into(),
        relationship: "brother".into(),
        phone: String::new(),
        email: String::new(),
    });
    form.contact.coverages.push(CoverageForm {
        payer: "Techniker Krankenkasse".into(),
        member_id: "T123456789".into(),
        group_number: String::new(),
        valid_from: "2026-01-01".into(),
        valid_to: "2025-01-01".into(),
        rank: "primary".into(),
    });
    let errors = field_errors(
        &desk,
        "patients/register",
        json!({ "form": form, "confirm_new": false }),
    )
    .await;
    let fields = field_names(&errors);
    for f in [
        "given_name",
        "sex",
        "coverages.0.valid_to",
        "emergency_contacts.0.phone",
    ] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
    // Only the bad fields are named.
    assert!(!fields.contains(&"family_name"), "{fields:?}");
    assert!(!fields.contains(&"coverages.0.valid_from"), "{fields:?}");
    assert!(message_for(&errors, "coverages.0.valid_to").contains("before it starts"));
    assert!(message_for(&errors, "emergency_contacts.0.phone").contains("phone"));

    // Confirming does not skip validation either.
    let errors = field_errors(
        &desk,
        "patients/register",
        json!({ "form": form, "confirm_new": true }),
    )
    .await;
    assert!(field_names(&errors).contains(&"given_name"));

    assert!(search(&desk, "souza").await.is_empty());
    let rows = audit_rows(&app).await;
    assert!(!rows.iter().any(|r| r.0 == "patients.register"), "{rows:?}");
}

async fn fast_track_then_complete_and_merge(backend: Backend) {
    use app::patients::merge::{count_rows, PATIENT_TABLES};
    let app = spawn_app(backend).await;
    let (nurse, _) = staff_named(&app, "nurse@test.example", "Nina Nurse", Role::Nurse).await;
    let (desk, _) = staff_named(&app, "desk@test.example", "Rita Desk", Role::Receptionist).await;
    let (doctor, doctor_id) =
        staff_named(&app, "doctor@test.example", "Dora Doctor", Role::Doctor).await;

    // An unknown man arrives by ambulance.
    let fast: app::patients::api::FastTrackResult = ok(
        &nurse,
        "patients/fast_track",
        json!({ "form": FastTrackForm {
            sex: "male".into(),
            approximate_age: "40".into(),
            arrived_at: String::new(),
            description: "unknown male, ~40".into(),
        }}),
    )
    .await;
    let temp = fast.id;
    assert!(mrn_is_valid(&fast.mrn), "{}", fast.mrn);
    assert!(
        fast.display_name.starts_with("Unknown, Male ~40 ("),
        "{}",
        fast.display_name
    );
    let emergency = fast
        .encounter_id
        .expect("a nurse gets an emergency encounter");
    let temp_details = details(&nurse, temp).await;
    assert_eq!(temp_details.status, PatientStatus::Temporary);
    assert_eq!(
        temp_details.temporary_description.as_deref(),
        Some("unknown male, ~40")
    );
    assert!(temp_details.demographics.birth_date_estimated);
    assert_eq!(temp_details.demographics.sex, AdministrativeSex::Male);
    assert!(search(&desk, &fast.mrn).await[0].temporary);

    // The nurse documents care on the temporary record.
    let _: Uuid = ok(
        &nurse,
        "chart/add_vitals",
        vitals_body(
            temp,
            VitalsForm {
                heart_rate: "112".into(),
                spo2: "94".into(),
                encounter_id: Some(emergency.into()),
                ..Default::default()
            },
        ),
    )
    .await;
    let _: Uuid = ok(
        &nurse,
        "chart/add_allergy",
        allergy_body(temp, "Latex", "Hives", "moderate"),
    )
    .await;
    let temp_chart = summary(&nurse, temp).await;
    assert_eq!(
        temp_chart.access,
        AccessBasis::CareRelationship(CareRelationshipKind::Registered)
    );
    assert_eq!(temp_chart.encounter_count, 1);

    // Meanwhile the front desk registers the man under his real name, and a doctor documents.
    let (real, real_mrn) = register(
        &desk,
        &demographics("Jan", "Kowalski", "1985-03-14", "male", "+48601234567"),
    )
    .await;
    assign(&desk, real, doctor_id).await;
    let _: Uuid = ok(
        &doctor,
        "chart/add_problem",
        problem_body(real, "E11.9", None),
    )
    .await;

    // Only front-desk roles merge.
    forbidden(
        &nurse,
        "patients/merge_preview",
        json!({ "source": temp, "target": real }),
    )
    .await;
    forbidden(
        &nurse,
        "patients/merge",
        json!({ "source": temp, "target": real }),
    )
    .await;

    let preview: MergePreview = ok(
        &desk,
        "patients/merge_preview",
        json!({ "source": temp, "target": real }),
    )
    .await;
    assert_eq!(preview.source.id, temp);
    assert!(preview.source.temporary);
    assert_eq!(preview.target.id, real);
    let moves = |label: &str| {
        preview
            .moves
            .iter()
            .find(|(l, _)| l == label)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    assert_eq!(moves("Encounters"), 1, "{:?}", preview.moves);
    assert_eq!(moves("Vital-sign sets"), 1, "{:?}", preview.moves);
    assert_eq!(moves("Allergies"), 1, "{:?}", preview.moves);
    assert!(moves("Care-team entries") >= 1, "{:?}", preview.moves);
    assert_eq!(
        moves("Problems and diagnoses"),
        0,
        "the target's own rows stay"
    );
    assert!(preview.warnings.is_empty(), "{:?}", preview.warnings);

    // Every table that names a patient is either moved or kept on purpose,
    // read from the schema so that a new module's table cannot be missed.
    let named = app::patients::merge::tables_naming_patients(&app.db)
        .await
        .unwrap();
    let accounted: std::collections::BTreeSet<String> = PATIENT_TABLES
        .iter()
        .chain(app::patients::merge::NOT_MOVED.iter())
        .map(|(t, _)| t.to_string())
        .collect();
    let named_set: std::collections::BTreeSet<String> = named.iter().cloned().collect();
    assert!(named_set.len() >= PATIENT_TABLES.len(), "{named:?}");
    assert_eq!(
        named_set, accounted,
        "tables naming a patient that the merge neither moves (PATIENT_TABLES) nor keeps on purpose (NOT_MOVED)"
    );

    let mut before = Vec::new();
    for (table, _) in PATIENT_TABLES {
        let s = count_rows(&app.db, table, temp).await.unwrap();
        let t = count_rows(&app.db, table, real).await.unwrap();
        before.push((table, s, t));
    }

    let merged: MergeResult = ok(
        &desk,
        "patients/merge",
        json!({ "source": temp, "target": real }),
    )
    .await;
    assert_eq!(merged.target_id, real);
    assert_eq!(merged.target_mrn, real_mrn);
    assert_eq!(merged.alias_mrn, fast.mrn);
    assert_eq!(
        merged.moved,
        before.iter().map(|(_, s, _)| *s).sum::<u64>(),
        "{before:?}"
    );

    // Nothing lost: every row moved from the source to the target.
    for &(table, s, t) in &before {
        let source_now = count_rows(&app.db, table, temp).await.unwrap();
        let target_now = count_rows(&app.db, table, real).await.unwrap();
        assert_eq!(source_now, 0, "{table} left on the source");
        // The merge adds the source's MRN as an alias of the target.
        let added = if table == "mrn_aliases" { 1 } else { 0 };
        assert_eq!(target_now, s + t + added, "{table}");
    }

    // The temporary MRN (as on the wristband) finds the real patient.
    let hits = search(&desk, &fast.mrn).await;
    assert_eq!(
        hits.iter().map(|h| h.id).collect::<Vec<_>>(),
        vec![real],
        "{hits:?}"
    );
    let real_details = details(&desk, real).await;
    assert_eq!(real_details.aliases, vec![fast.mrn.clone()]);
    assert_eq!(real_details.mrn, real_mrn);
    assert_eq!(real_details.demographics.given_name, "Jan");

    // The tombstone no longer opens; merging again is a conflict.
    let (status, result) = open_chart(&nurse, temp).await;
    assert_eq!(status, StatusCode::CONFLICT, "{result:?}");
    assert!(matches!(result, Err(AppError::Conflict(_))));
    let (status, error) = fails(&desk, "patients/details", json!({ "patient_id": temp })).await;
    assert_eq!(status, StatusCode::CONFLICT, "{error:?}");
    let (status, error) = fails(
        &desk,
        "patients/merge",
        json!({ "source": temp, "target": real }),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error:?}");
    assert!(matches!(error, AppError::Conflict(_)));

    // The nurse's care relationship moved along: she opens the merged record.
    let chart = summary(&nurse, real).await;
    assert_eq!(chart.patient.id, real);
    assert_eq!(
        chart.access,
        AccessBasis::CareRelationship(CareRelationshipKind::Registered)
    );
    assert_eq!(
        chart
            .allergies
            .iter()
            .map(|a| a.substance.as_str())
            .collect::<Vec<_>>(),
        vec!["Latex"]
    );
    assert_eq!(chart.encounter_count, 1);
    assert_eq!(chart.vitals.len(), 1);
    assert_eq!(chart.vitals[0].vitals.heart_rate, Some(112));
    assert_eq!(
        chart
            .problems
            .iter()
            .map(|p| p.icd10_code.as_str())
            .collect::<Vec<_>>(),
        vec!["E11.9"]
    );
    let page = timeline(&nurse, real).await;
    assert_eq!(
        page.encounters.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![emergency]
    );

    let rows = audit_rows(&app).await;
    let merges: Vec<_> = rows.iter().filter(|r| r.0 == "patients.merge").collect();
    assert!(!merges.is_empty(), "{rows:?}");
    assert!(merges
        .iter()
        .all(|r| r.1 == "success" && r.2.as_deref() == Some("desk@test.example")));
    assert!(merges.iter().any(|r| r.3 == Some(real)));
    assert!(rows
        .iter()
        .any(|r| r.0 == "patients.fast_track" && r.3 == Some(temp)));
}

async fn access_matrix(backend: Backend) {
    let app = spawn_app(backend).await;
    let (desk, _) = staff_named(&app, "desk@test.example", "Rita Desk", Role::Receptionist).await;
    let (billing, _) = staff_named(
        &app,
        "billing@test.example",
        "Bill Clerk",
        Role::BillingClerk,
    )
    .await;
    let (admin, _) =
        staff_named(&app, "admin@test.example", "Ada Admin", Role::Administrator).await;
    let (a, _) = register(
        &desk,
        &demographics("Alma", "Andersen", "1960-01-01", "female", ""),
    )
    .await;
    let (b, b_mrn) = register(
        &desk,
        &demographics("Bruno", "Berg", "1955-02-02", "male", ""),
    )
    .await;

    let mut clinicians = Vec::new();
    for (role, email, name) in [
        (Role::Doctor, "doctor@test.example", "Dora Doctor"),
        (Role::Nurse, "nurse@test.example", "Nina Nurse"),
        (Role::LabTechnician, "lab@test.example", "Lars Lab"),
        (Role::Pharmacist, "pharmacy@test.example", "Petra Pharma"),
    ] {
        let (client, id) = staff_named(&app, email, name, role).await;
        assign(&desk, a, id).await;
        clinicians.push((role, email, name, client));
    }
    let team: Vec<shared::access::CareTeamMember> =
        ok(&desk, "patients/care_team", json!({ "patient_id": a })).await;
    assert_eq!(team.len(), 4, "{team:?}");
    assert!(team
        .iter()
        .all(|m| m.kind == CareRelationshipKind::Assigned));

    let reason = "Covering the ward tonight; patient deteriorating";
    for (role, _, _, client) in &clinicians {
        let chart = summary(client, a).await;
        assert_eq!(chart.patient.id, a, "{role:?}");
        assert_eq!(
            chart.access,
            AccessBasis::CareRelationship(CareRelationshipKind::Assigned),
            "{role:?}"
        );
        let expected = match role {
            Role::Doctor => (true, true),
            Role::Nurse => (true, false),
            _ => (false, false),
        };
        assert_eq!(
            (chart.can_document, chart.can_diagnose),
            expected,
            "{role:?}"
        );

        let (status, result) = open_chart(client, b).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}");
        assert_eq!(result.unwrap_err(), AppError::Forbidden);

        let basis: AccessBasis =
            ok(client, "patients/break_glass", break_glass_body(b, reason)).await;
        let AccessBasis::BreakGlass { expires_at } = basis else {
            panic!("{role:?}: expected break-glass access, got {basis:?}");
        };
        assert!(expires_at > chrono::Utc::now() + chrono::Duration::minutes(50));
        let chart = summary(client, b).await;
        assert_eq!(chart.patient.id, b);
        // The stored time may be rounded (PostgreSQL keeps microseconds).
        let AccessBasis::BreakGlass { expires_at: stored } = chart.access else {
            panic!(
                "{role:?}: expected break-glass access, got {:?}",
                chart.access
            );
        };
        assert!(
            (stored - expires_at).num_milliseconds().abs() <= 1,
            "{role:?}: {stored} vs {expires_at}"
        );
    }

    // Break-glass needs a real reason.
    let doctor = &clinicians[0].3;
    let errors = field_errors(doctor, "patients/break_glass", break_glass_body(b, "help")).await;
    assert_eq!(field_names(&errors), vec!["reason"]);

    // Front-desk roles: the administrative record of anyone, never a chart.
    for (label, client) in [
        ("receptionist", &desk),
        ("billing clerk", &billing),
        ("administrator", &admin),
    ] {
        for patient in [a, b] {
            let (status, result) = open_chart(client, patient).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{label}");
            assert_eq!(result.unwrap_err(), AppError::Forbidden, "{label}");
        }
        forbidden(client, "patients/break_glass", break_glass_body(b, reason)).await;
        assert_eq!(
            details(client, a).await.demographics.given_name,
            "Alma",
            "{label}"
        );
        assert_eq!(details(client, b).await.mrn, b_mrn, "{label}");
    }

    // A patient: their own record through the portal, nothing else.
    let (patient, own) = portal_patient(&app, "pia@test.example", "Pia").await;
    let record: PatientRecordView = ok(&patient, "chart/my_record", json!({})).await;
    assert_eq!(record.patient.id, own);
    assert_eq!(record.patient.demographics.given_name, "Pia");
    for target in [a, b, own] {
        forbidden(&patient, "chart/summary", json!({ "patient_id": target })).await;
    }
    forbidden(&patient, "patients/details", json!({ "patient_id": b })).await;
    assert_eq!(details(&patient, own).await.id, own);
    forbidden(
        &patient,
        "patients/break_glass",
        break_glass_body(b, reason),
    )
    .await;
    forbidden(
        &patient,
        "patients/search",
        json!({ "query": "berg", "cursor": null }),
    )
    .await;

    // Refusals are in the audit trail.
    let rows = audit_rows(&app).await;
    let denied = |action: &str, email: &str, patient: Option<Uuid>| {
        rows.iter().any(|r| {
            r.0 == action && r.1 == "denied" && r.2.as_deref() == Some(email) && r.3 == patient
        })
    };
    assert!(
        denied("chart.read", "doctor@test.example", Some(b)),
        "{rows:?}"
    );
    assert!(
        denied("chart.read", "lab@test.example", Some(b)),
        "{rows:?}"
    );
    assert!(
        denied("access.denied", "desk@test.example", Some(a)),
        "{rows:?}"
    );
    assert!(
        denied("access.denied", "admin@test.example", Some(b)),
        "{rows:?}"
    );
    assert!(
        denied("patients.read", "pia@test.example", Some(b)),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.1 == "denied"
            && r.2.as_deref() == Some("billing@test.example")
            && r.0 == "access.denied"),
        "the refused break-glass: {rows:?}"
    );
    assert_eq!(
        rows.iter()
            .filter(|r| r.0 == "patients.break_glass" && r.1 == "success")
            .count(),
        4
    );

    // The administrators' report lists every grant with its reason and the reads under it.
    forbidden(doctor, "admin/break_glass", json!({ "days": 7 })).await;
    forbidden(&desk, "admin/break_glass", json!({ "days": 7 })).await;
    let report: Vec<BreakGlassReportRow> =
        ok(&admin, "admin/break_glass", json!({ "days": 7 })).await;
    assert_eq!(report.len(), 4, "{report:?}");
    for row in &report {
        assert_eq!(row.patient_id, b);
        assert_eq!(row.patient_mrn, b_mrn);
        assert_eq!(row.patient_name, "Berg, Bruno");
        assert_eq!(row.reason, reason);
        assert!(row.reads >= 1, "{row:?}");
    }
    let by_doctor = report
        .iter()
        .find(|r| r.user_email == "doctor@test.example")
        .expect("the doctor's grant");
    assert_eq!(by_doctor.user_name, "Dora Doctor");
    assert_eq!(by_doctor.user_role, "Doctor");
    assert!(by_doctor.reads >= 1);
    let emails: BTreeSet<&str> = report.iter().map(|r| r.user_email.as_str()).collect();
    assert_eq!(
        emails,
        BTreeSet::from([
            "doctor@test.example",
            "lab@test.example",
            "nurse@test.example",
            "pharmacy@test.example",
        ])
    );
}

async fn notes_sign_and_amend_keep_history(backend: Backend) {
    let app = spawn_app(backend).await;
    let (desk, _) = staff_named(&app, "desk@test.example", "Rita Desk", Role::Receptionist).await;
    let (doctor, doctor_id) =
        staff_named(&app, "doctor@test.example", "Dora Doctor", Role::Doctor).await;
    let (other, other_id) =
        staff_named(&app, "other@test.example", "Otto Other", Role::Doctor).await;
    let (patient, pid) = portal_patient(&app, "pia@test.example", "Pia").await;
    assign(&desk, pid, doctor_id).await;
    assign(&desk, pid, other_id).await;

    let visit = open_encounter(&doctor, pid, "outpatient", "Cough").await;
    let first = soap("Cough for 3 days", "", "", "");
    let note = save_note(&doctor, pid, visit, None, &first).await;
    let signed_text = soap(
        "Cough for 3 days",
        "Chest clear",
        "Viral bronchitis",
        "Fluids",
    );
    assert_eq!(
        save_note(&doctor, pid, visit, Some(note), &signed_text).await,
        note
    );

    // A draft is its author's alone: others neither see, edit nor sign it.
    let page = timeline(&other, pid).await;
    assert_eq!(page.encounters.len(), 1);
    assert!(
        page.encounters[0].notes.is_empty(),
        "{:?}",
        page.encounters[0].notes
    );
    forbidden(
        &other,
        "chart/sign_note",
        json!({ "patient_id": pid, "note_id": note }),
    )
    .await;
    forbidden(
        &other,
        "chart/save_note",
        save_note_body(pid, visit, Some(note), &soap("Hijacked", "", "", "")),
    )
    .await;
    let page = timeline(&doctor, pid).await;
    let mine = &page.encounters[0].notes;
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].status, NoteStatus::Draft);
    assert_eq!(mine[0].current, signed_text);
    // Amending a draft makes no sense.
    let (status, _) = fails(
        &doctor,
        "chart/amend_note",
        amend_body(pid, note, "Typo", &soap("Cough", "", "", "")),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT);

    sign_note(&doctor, pid, note).await;
    let (status, error) = fails(
        &doctor,
        "chart/save_note",
        save_note_body(
            pid,
            visit,
            Some(note),
            &soap("Changed after signing", "", "", ""),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{error:?}");
    assert!(matches!(error, AppError::Conflict(_)));

    // The other doctor writes a draft of their own; it stays theirs.
    let other_draft = save_note(
        &other,
        pid,
        visit,
        None,
        &soap("Second opinion pending", "", "", ""),
    )
    .await;

    // An amendment needs a reason.
    let amended = soap(
        "Cough for 5 days",
        "Chest clear",
        "Viral bronchitis",
        "Fluids",
    );
    let errors = field_errors(
        &doctor,
        "chart/amend_note",
        amend_body(pid, note, "", &amended),
    )
    .await;
    assert!(field_names(&errors).contains(&"reason"), "{errors:?}");

    let _: Uuid = ok(
        &doctor,
        "chart/amend_note",
        amend_body(pid, note, "Duration was misheard", &amended),
    )
    .await;
    let page = timeline(&doctor, pid).await;
    let notes = &page.encounters[0].notes;
    assert_eq!(
        notes.len(),
        1,
        "the other doctor's draft is not shown: {notes:?}"
    );
    let n = &notes[0];
    assert_eq!(n.id, note);
    assert_eq!(n.status, NoteStatus::Signed);
    assert!(n.signed_at.is_some());
    assert_eq!(n.author_name, "Dora Doctor");
    assert_eq!(n.original, signed_text);
    assert_eq!(n.current, amended);
    assert_eq!(n.amendments.len(), 1);
    assert_eq!(n.amendments[0].author_name, "Dora Doctor");
    assert_eq!(n.amendments[0].reason, "Duration was misheard");
    assert_eq!(n.amendments[0].soap, amended);

    let latest = soap(
        "Cough for 5 days",
        "Chest clear, no fever",
        "Viral bronchitis",
        "Fluids",
    );
    let _: Uuid = ok(
        &doctor,
        "chart/amend_note",
        amend_body(pid, note, "Temperature added", &latest),
    )
    .await;
    let page = timeline(&doctor, pid).await;
    let n = &page.encounters[0].notes[0];
    assert_eq!(n.original, signed_text);
    assert_eq!(n.current, latest);
    assert_eq!(
        n.amendments
            .iter()
            .map(|a| a.reason.as_str())
            .collect::<Vec<_>>(),
        vec!["Duration was misheard", "Temperature added"]
    );
    assert_eq!(n.amendments[1].soap, latest);

    // The other doctor sees the signed note and their own draft.
    let page = timeline(&other, pid).await;
    let ids: Vec<Uuid> = page.encounters[0]
        .notes
        .iter()
        .map(|n| n.id.uuid())
        .collect();
    assert_eq!(ids.len(), 2, "{ids:?}");
    assert!(ids.contains(&note) && ids.contains(&other_draft));

    // The patient sees signed notes only.
    let record: PatientRecordView = ok(&patient, "chart/my_record", json!({})).await;
    assert_eq!(record.encounters.len(), 1);
    let shown = &record.encounters[0].notes;
    assert_eq!(shown.len(), 1, "{shown:?}");
    assert_eq!(shown[0].id, note);
    assert_eq!(shown[0].status, NoteStatus::Signed);
    assert_eq!(shown[0].current, latest);
    assert!(record
        .encounters
        .iter()
        .flat_map(|e| &e.notes)
        .all(|n| n.status == NoteStatus::Signed));

    let rows = audit_rows(&app).await;
    assert!(rows
        .iter()
        .any(|r| r.0 == "chart.sign_note" && r.3 == Some(pid)));
    assert_eq!(
        rows.iter()
            .filter(|r| r.0 == "chart.amend_note" && r.1 == "success")
            .count(),
        2
    );
}

async fn vitals_problems_allergies_validation(backend: Backend) {
    let app = spawn_app(backend).await;
    let (doctor, _) = staff_named(&app, "doctor@test.example", "Dora Doctor", Role::Doctor).await;
    let (nurse, nurse_id) =
        staff_named(&app, "nurse@test.example", "Nina Nurse", Role::Nurse).await;
    let (pid, _) = register(
        &doctor,
        &demographics("Hana", "Novak", "1970-08-08", "female", ""),
    )
    .await;
    assign(&doctor, pid, nurse_id).await;

    // Implausible and incomplete readings.
    let errors = field_errors(
        &doctor,
        "chart/add_vitals",
        vitals_body(
            pid,
            VitalsForm {
                spo2: "101".into(),
                ..Default::default()
            },
        ),
    )
    .await;
    assert!(message_for(&errors, "spo2").contains("100"), "{errors:?}");
    let errors = field_errors(
        &doctor,
        "chart/add_vitals",
        vitals_body(
            pid,
            VitalsForm {
                systolic: "120".into(),
                ..Default::default()
            },
        ),
    )
    .await;
    assert!(field_names(&errors).contains(&"diastolic"), "{errors:?}");
    assert!(
        summary(&doctor, pid).await.vitals.is_empty(),
        "nothing saved"
    );

    let _: Uuid = ok(
        &nurse,
        "chart/add_vitals",
        vitals_body(
            pid,
            VitalsForm {
                weight_kg: "80".into(),
                height_cm: "180".into(),
                ..Default::default()
            },
        ),
    )
    .await;
    let chart = summary(&doctor, pid).await;
    assert_eq!(chart.vitals.len(), 1);
    assert_eq!(chart.vitals[0].vitals.weight_kg, Some(80.0));
    assert_eq!(chart.vitals[0].vitals.height_cm, Some(180.0));
    assert_eq!(chart.vitals[0].bmi, Some(24.7));
    assert_eq!(chart.vitals[0].recorded_by, "Nina Nurse");

    // Problems are coded from ICD-10-CM, by doctors.
    let _: Uuid = ok(
        &doctor,
        "chart/add_problem",
        problem_body(pid, "E11.9", None),
    )
    .await;
    let chart = summary(&doctor, pid).await;
    assert_eq!(chart.problems.len(), 1);
    assert_eq!(chart.problems[0].icd10_code, "E11.9");
    assert_eq!(
        chart.problems[0].description,
        "Type 2 diabetes mellitus without complications"
    );
    assert_eq!(chart.problems[0].recorded_by, "Dora Doctor");
    let errors = field_errors(
        &doctor,
        "chart/add_problem",
        problem_body(pid, "Z99.999", None),
    )
    .await;
    assert_eq!(field_names(&errors), vec!["icd10_code"]);
    forbidden(&nurse, "chart/add_problem", problem_body(pid, "I10", None)).await;
    assert_eq!(summary(&doctor, pid).await.problems.len(), 1);

    // Allergies need a severity.
    let errors = field_errors(
        &nurse,
        "chart/add_allergy",
        allergy_body(pid, "Penicillin", "Rash", ""),
    )
    .await;
    assert_eq!(field_names(&errors), vec!["severity"]);
    let _: Uuid = ok(
        &nurse,
        "chart/add_allergy",
        allergy_body(pid, "Penicillin", "Rash", "severe"),
    )
    .await;
    let chart = summary(&nurse, pid).await;
    assert_eq!(chart.allergies.len(), 1);
    assert_eq!(chart.allergies[0].substance, "Penicillin");
    assert_eq!(chart.allergies[0].reaction.as_deref(), Some("Rash"));
    assert_eq!(
        chart.allergies[0].severity,
        shared::chart::AllergySeverity::Severe
    );
}

async fn patient_edits_own_contact_only(backend: Backend) {
    let app = spawn_app(backend).await;
    let (patient, pid) = portal_patient(&app, "pia@test.example", "Pia").await;
    let (desk, _) = staff_named(&app, "desk@test.example", "Rita Desk", Role::Receptionist).await;
    let before: PatientDetails = ok(&patient, "patients/my_details", json!({})).await;
    assert_eq!(before.id, pid);

    let contact = ContactForm {
        phone: "+4917612345678".into(),
        email: "pia@test.example".into(),
        address_line: "Gartenweg 7".into(),
        city: "Hamburg".into(),
        postal_code: "20095".into(),
        country: "Germany".into(),
        consent_sms: false,
        consent_email: false,
        consent_research: false,
        preferred_channel: String::new(),
        emergency_contacts: vec![EmergencyContactForm {
            name: "Max Tester".into(),
            relationship: "brother".into(),
            phone: "+4917698765432".into(),
            email: String::new(),
        }],
        coverages: vec![CoverageForm {
            payer: "AOK".into(),
            member_id: "A123456789".into(),
            group_number: String::new(),
            valid_from: "2025-01-01".into(),
            valid_to: String::new(),
            rank: "primary".into(),
        }],
    };
    let answered: PatientDetails =
        ok(&patient, "patients/my_contact", json!({ "form": contact })).await;
    let mine: PatientDetails = ok(&patient, "patients/my_details", json!({})).await;
    assert_eq!(answered, mine);
    let c = &mine.demographics.contact;
    assert_eq!(c.phone.as_deref(), Some("+4917612345678"));
    assert_eq!(c.email.as_deref(), Some("pia@test.example"));
    assert_eq!(c.address_line.as_deref(), Some("Gartenweg 7"));
    assert_eq!(c.city.as_deref(), Some("Hamburg"));
    assert_eq!(
        c.emergency_contacts,
        vec![EmergencyContact {
            name: "Max Tester".into(),
            relationship: "brother".into(),
            phone: "+4917698765432".into(),
            email: None,
        }]
    );
    assert_eq!(
        c.coverages,
        vec![Coverage {
            payer: "AOK".into(),
            member_id: "A123456789".into(),
            group_number: None,
            valid_from: NaiveDate::from_ymd_opt(2025, 1, 1),
            valid_to: None,
            rank: CoverageRank::Primary,
        }]
    );
    // Identity untouched.
    assert_eq!(mine.demographics.given_name, "Pia");
    assert_eq!(mine.demographics.family_name, "Tester");
    assert_eq!(
        mine.demographics.date_of_birth,
        NaiveDate::from_ymd_opt(1988, 2, 29)
    );
    assert_eq!(mine.demographics.sex, before.demographics.sex);
    assert_eq!(mine.mrn, before.mrn);
    // Staff see the same.
    assert_eq!(details(&desk, pid).await.demographics, mine.demographics);

    let events = audit_details(&app, "patients.update_own_contact").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].outcome.as_str(), "success");
    assert_eq!(events[0].patient_id, Some(pid));
    assert_eq!(events[0].actor_email.as_deref(), Some("pia@test.example"));
    assert_eq!(
        events[0].detail.as_deref(),
        Some("changed: phone, address, emergency_contacts, coverages")
    );

    // Staff do not use the patient's form; patients do not use the staff one.
    forbidden(
        &desk,
        "patients/my_contact",
        json!({ "form": ContactForm::default() }),
    )
    .await;
    let mut identity = DemographicsForm::from_demographics(&mine.demographics);
    identity.given_name = "Changed".into();
    forbidden(
        &patient,
        "patients/update",
        json!({ "patient_id": pid, "form": identity, "confirm_identity": false }),
    )
    .await;
    let mine: PatientDetails = ok(&patient, "patients/my_details", json!({})).await;
    assert_eq!(mine.demographics.given_name, "Pia");
}

/// The resources of one type in a bundle's entries.
fn of_type<'a>(entries: &'a [Value], resource_type: &str) -> Vec<&'a Value> {
    entries
        .iter()
        .map(|e| &e["resource"])
        .filter(|r| r["resourceType"] == resource_type)
        .collect()
}

/// Every `reference` anywhere in a FHIR resource tree.
fn references(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                if key == "reference" {
                    if let Some(s) = v.as_str() {
                        out.push(s.to_string());
                    }
                }
                references(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| references(v, out)),
        _ => {}
    }
}

/// Signs up a portal patient with the given names; answers the client.
async fn portal_patient_named(app: &TestApp, email: &str, given: &str, family: &str) -> Client {
    let client = Client::new(&app.base);
    let (status, outcome) = client
        .call::<Value>(
            "auth/register",
            json!({ "form": {
                "given_name": given, "family_name": family, "date_of_birth": "1990-01-15",
                "sex": "unknown", "phone": "", "email": email,
                "password": PASSWORD, "password_confirm": PASSWORD
            }}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{given} {family}: {outcome:?}");
    client
}

/// The signed-in patient's record as `format` (`pdf` or `fhir`) from the
/// download endpoint: its content type and body.
async fn download_mine(client: &Client, format: &str) -> (String, Vec<u8>) {
    let response = client
        .http
        .get(format!("{}/api/records/mine/{format}", client.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{format}");
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (content_type, response.bytes().await.unwrap().to_vec())
}

/// The signed-in patient's record as a PDF.
async fn my_record_pdf(client: &Client) -> Vec<u8> {
    let (content_type, pdf) = download_mine(client, "pdf").await;
    assert!(
        content_type.starts_with("application/pdf"),
        "{content_type}"
    );
    assert!(pdf.starts_with(b"%PDF-"));
    pdf
}

async fn downloads_pdf_and_fhir(backend: Backend) {
    let app = spawn_app(backend).await;
    let (desk, _) = staff_named(&app, "desk@test.example", "Rita Desk", Role::Receptionist).await;
    let (doctor, doctor_id) =
        staff_named(&app, "doctor@test.example", "Dora Doctor", Role::Doctor).await;
    let (patient, pid) = portal_patient(&app, "petra@test.example", "Petra").await;
    assign(&desk, pid, doctor_id).await;

    let visit = open_encounter(&doctor, pid, "outpatient", "Diabetes review").await;
    let signed = save_note(
        &doctor,
        pid,
        visit,
        None,
        &soap("Thirst and polyuria", "", "", "Start metformin"),
    )
    .await;
    sign_note(&doctor, pid, signed).await;
    save_note(
        &doctor,
        pid,
        visit,
        None,
        &soap("Unsigned musings", "", "", ""),
    )
    .await;
    let _: Uuid = ok(
        &doctor,
        "chart/add_vitals",
        vitals_body(
            pid,
            VitalsForm {
                systolic: "128".into(),
                diastolic: "82".into(),
                heart_rate: "72".into(),
                spo2: "97".into(),
                weight_kg: "80".into(),
                height_cm: "180".into(),
                encounter_id: Some(visit.into()),
                ..Default::default()
            },
        ),
    )
    .await;
    let _: Uuid = ok(
        &doctor,
        "chart/add_problem",
        problem_body(pid, "E11.9", Some(visit)),
    )
    .await;
    let _: Uuid = ok(
        &doctor,
        "chart/add_allergy",
        allergy_body(pid, "Penicillin", "Rash", "severe"),
    )
    .await;
    let _: Uuid = ok(
        &doctor,
        "chart/add_immunization",
        json!({ "patient_id": pid, "form": ImmunizationForm {
            vaccine: "Tetanus toxoid".into(),
            administered_on: "2024-05-01".into(),
            dose: "1".into(),
            lot_number: "LOT123".into(),
            site: "left deltoid".into(),
        }}),
    )
    .await;
    let me: PatientDetails = ok(&patient, "patients/my_details", json!({})).await;
    let mrn = me.mrn.clone();
    let name = "Tester, Petra";

    // The PDF.
    let pdf = my_record_pdf(&patient).await;

    // What an ordinary PDF reader (poppler's pdftotext) makes of it.
    let read = pdftotext(&pdf);
    for wanted in [
        name,
        mrn.as_str(),
        "Penicillin",
        "E11.9",
        "Thirst and polyuria",
        "Start metformin",
        "Tetanus toxoid",
    ] {
        assert!(
            read.contains(wanted),
            "{wanted:?} missing from pdftotext's reading:\n{read}"
        );
    }
    assert!(
        !read.contains("Unsigned musings"),
        "a draft leaked into the PDF:\n{read}"
    );
    let read_pages: Vec<&str> = read
        .split('\u{c}')
        .filter(|p| !p.trim().is_empty())
        .collect();
    assert!(!read_pages.is_empty());
    for (i, page) in read_pages.iter().enumerate() {
        let footer = format!("Page {} of {}", i + 1, read_pages.len());
        assert!(
            page.contains(&footer),
            "pdftotext page {} lacks {footer:?}:\n{page}",
            i + 1
        );
    }

    // The FHIR bundle.
    let (content_type, body) = download_mine(&patient, "fhir").await;
    assert!(content_type.contains("json"), "{content_type}");
    let bundle: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let entries = bundle["entry"].as_array().expect("entries");
    let types: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    for wanted in [
        "Patient",
        "Encounter",
        "Condition",
        "Observation",
        "AllergyIntolerance",
        "Immunization",
    ] {
        assert!(types.contains(wanted), "{wanted} missing from {types:?}");
    }
    let patients = of_type(entries, "Patient");
    assert_eq!(patients.len(), 1);
    assert_eq!(patients[0]["id"], json!(pid.to_string()));
    assert_eq!(patients[0]["identifier"][0]["value"], json!(mrn));
    assert_eq!(patients[0]["name"][0]["family"], "Tester");
    assert_eq!(patients[0]["name"][0]["given"][0], "Petra");
    assert_eq!(patients[0]["birthDate"], "1988-02-29");

    let encounters = of_type(entries, "Encounter");
    assert_eq!(encounters.len(), 1);
    assert_eq!(encounters[0]["id"], json!(visit.to_string()));

    let conditions = of_type(entries, "Condition");
    assert_eq!(conditions.len(), 1);
    let coding = &conditions[0]["code"]["coding"][0];
    assert_eq!(coding["system"], "http://hl7.org/fhir/sid/icd-10-cm");
    assert_eq!(coding["code"], "E11.9");
    assert_eq!(
        coding["display"],
        "Type 2 diabetes mellitus without complications"
    );

    let allergies = of_type(entries, "AllergyIntolerance");
    assert_eq!(allergies.len(), 1);
    assert_eq!(allergies[0]["code"]["text"], "Penicillin");
    let immunizations = of_type(entries, "Immunization");
    assert_eq!(immunizations.len(), 1);
    assert_eq!(immunizations[0]["vaccineCode"]["text"], "Tetanus toxoid");
    assert_eq!(immunizations[0]["occurrenceDateTime"], "2024-05-01");

    let observations = of_type(entries, "Observation");
    let spo2: Vec<&&Value> = observations
        .iter()
        .filter(|o| o["code"]["coding"][0]["code"] == "59408-5")
        .collect();
    assert_eq!(spo2.len(), 1, "{observations:?}");
    assert_eq!(spo2[0]["code"]["coding"][0]["system"], "http://loinc.org");
    assert_eq!(spo2[0]["valueQuantity"]["value"].as_f64(), Some(97.0));
    assert_eq!(
        spo2[0]["encounter"]["reference"],
        json!(format!("urn:uuid:{visit}"))
    );
    assert!(
        observations
            .iter()
            .any(|o| o["code"]["coding"][0]["code"] == "39156-5"
                && o["valueQuantity"]["value"].as_f64() == Some(24.7)),
        "a BMI observation"
    );

    // Every reference points at an entry of the bundle.
    let full_urls: HashSet<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().expect("fullUrl"))
        .collect();
    assert_eq!(full_urls.len(), entries.len(), "fullUrls are unique");
    let mut refs = Vec::new();
    references(&bundle, &mut refs);
    assert!(!refs.is_empty());
    for r in &refs {
        assert!(full_urls.contains(r.as_str()), "{r} does not resolve");
    }
    assert!(!bundle.to_string().contains("Unsigned musings"));

    // Only the signed-in patient downloads their record.
    let anonymous = reqwest::get(format!("{}/api/records/mine/pdf", app.base))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    let anonymous = reqwest::get(format!("{}/api/records/mine/fhir", app.base))
        .await
        .unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    for format in ["pdf", "fhir"] {
        let staff = doctor
            .http
            .get(format!("{}/api/records/mine/{format}", doctor.base))
            .send()
            .await
            .unwrap();
        assert_eq!(staff.status(), StatusCode::FORBIDDEN, "{format}");
    }

    // A whole record leaves only with a recent proof of who is asking: past
    // the grace, the patient confirms their password first.
    app.clock.advance(chrono::Duration::minutes(6));
    for format in ["pdf", "fhir"] {
        let refused = patient
            .http
            .get(format!("{}/api/records/mine/{format}", patient.base))
            .send()
            .await
            .unwrap();
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{format}");
        assert_eq!(
            refused.text().await.unwrap(),
            shared::AppError::ReauthRequired.to_string()
        );
    }
    let (status, ready) = patient.call::<()>("chart/download_ready", json!({})).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(ready.unwrap_err(), shared::AppError::ReauthRequired);
    ok::<()>(
        &patient,
        "account/confirm",
        json!({ "password": PASSWORD, "code": "" }),
    )
    .await;
    ok::<()>(&patient, "chart/download_ready", json!({})).await;
    my_record_pdf(&patient).await;

    let rows = audit_rows(&app).await;
    assert_eq!(
        rows.iter()
            .filter(|r| r.0 == "records.download"
                && r.1 == "success"
                && r.2.as_deref() == Some("petra@test.example")
                && r.3 == Some(pid))
            .count(),
        3,
        "{rows:?}"
    );
    assert!(rows
        .iter()
        .any(|r| r.1 == "denied" && r.2.as_deref() == Some("doctor@test.example")));
}

/// Records of patients named in many scripts print their names: the PDF
/// embeds fonts for them, shapes them (Arabic joins, Devanagari conjuncts)
/// and maps the glyphs back to text, so `pdftotext` reads the names again.
async fn record_pdf_prints_every_script(backend: Backend) {
    let app = spawn_app(backend).await;
    // (given, family, whether the script is written right to left)
    let people = [
        ("محمد", "الأحمد", true),
        ("伟", "王", false),
        ("Мария", "Иванова", false),
        ("Łukasz", "Żółć", false),
        ("דוד", "לוי", true),
        ("अनन्या", "शर्मा", false),
        ("Ελένη", "Παπαδοπούλου", false),
        ("Zoë", "Nguyễn", false),
    ];
    for (i, (given, family, rtl)) in people.into_iter().enumerate() {
        let client =
            portal_patient_named(&app, &format!("script{i}@test.example"), given, family).await;
        let pdf = my_record_pdf(&client).await;
        let read = nfc(&pdftotext(&pdf));
        if rtl {
            // pdftotext gives right-to-left words in an order of its own
            // choosing around the comma; each word comes back whole, except
            // that it swaps the two letters of a lam-alef ligature (one
            // glyph for both): "الأحمد" reads "األحمد".
            for word in [given, family] {
                let swapped = nfc(word).replace("لأ", "أل").replace("لا", "ال");
                assert!(
                    read.contains(&nfc(word)) || read.contains(&swapped),
                    "{word:?} not in:\n{read}"
                );
            }
        } else {
            let name = nfc(&format!("{family}, {given}"));
            assert!(read.contains(&name), "{name:?} not in:\n{read}");
        }
        assert!(!read.contains('?'), "a character was replaced:\n{read}");
        assert!(read.contains("Page 1 of 1"), "{read}");
    }
}

/// The demo patient's record (a year of visits) as a PDF: prints its size
/// for docs/benchmarks.md and keeps it small (fonts are subset).
/// `cargo test -p server --features app/ssr --test ehr demo_record_pdf -- --nocapture`
/// (with `HMS_PDF_SAMPLE=/tmp/demo.pdf` it also writes the file there).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_record_pdf_size() {
    let app = spawn_app(Backend::Sqlite).await;
    server::seed::seed_demo(
        &app.db,
        chrono_tz::UTC,
        shared::money::Currency::parse("EUR").unwrap(),
        &app.cipher,
    )
    .await
    .expect("seed the demo data");
    let client = Client::new(&app.base);
    let (status, outcome) = client
        .login(
            server::seed::DEMO_PATIENT_EMAIL,
            server::seed::DEMO_PASSWORD,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{outcome:?}");
    let pdf = my_record_pdf(&client).await;
    let read = pdftotext(&pdf);
    let pages = read.split('\u{c}').filter(|p| !p.trim().is_empty()).count();
    println!("demo record PDF: {} bytes, {pages} pages", pdf.len());
    if let Some(path) = std::env::var_os("HMS_PDF_SAMPLE") {
        std::fs::write(path, &pdf).unwrap();
    }
    assert!(read.contains("Müller, Maria"), "{read}");
    assert!(pdf.len() < 200_000, "{} bytes", pdf.len());
}

on_both_databases!(
    staff_registration_warns_about_duplicates,
    national_identifiers_are_sealed_and_found_by_their_blind_index,
    bad_registration_gets_field_errors,
    fast_track_then_complete_and_merge,
    access_matrix,
    notes_sign_and_amend_keep_history,
    vitals_problems_allergies_validation,
    patient_edits_own_contact_only,
    downloads_pdf_and_fhir,
    record_pdf_prints_every_script,
);

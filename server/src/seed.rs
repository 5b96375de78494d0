//! Demo data and the first administrator.

use anyhow::{anyhow, Result};
use app::admin::service::create_user;
use app::audit::service::Actor;
use app::auth::password;
use app::context::RequestMeta;
use app::entity::{patients, users};
use app::patients::service::{insert_patient, NewPatient};
use chrono::{NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set,
    TransactionTrait,
};
use shared::auth::NewStaff;
use shared::patients::AdministrativeSex;
use shared::validate::{Email, PersonName};
use shared::Role;
use uuid::Uuid;

/// The password of every demo account. Demo data is for trying the system out,
/// never for a real deployment.
pub const DEMO_PASSWORD: &str = "hms-demo-2026!";

/// (e-mail, name, role) of the demo staff accounts: one per role, and a
/// second laboratory technician.
pub const DEMO_STAFF: &[(&str, &str, Role)] = &[
    (
        "admin@demo-hospital.example",
        "Morgan Ellis",
        Role::Administrator,
    ),
    (
        "doctor@demo-hospital.example",
        "Dr Amina Yusuf",
        Role::Doctor,
    ),
    ("nurse@demo-hospital.example", "Samuel Okoro", Role::Nurse),
    (
        "reception@demo-hospital.example",
        "Lena Fischer",
        Role::Receptionist,
    ),
    (
        "lab@demo-hospital.example",
        "Ravi Menon",
        Role::LabTechnician,
    ),
    // A second technician, the laboratory's supervisor: results are
    // verified by someone other than who entered them.
    (
        "labsupervisor@demo-hospital.example",
        "Grace Adeyemi",
        Role::LabTechnician,
    ),
    (
        "pharmacy@demo-hospital.example",
        "Chen Wei",
        Role::Pharmacist,
    ),
    (
        "billing@demo-hospital.example",
        "Olivia Brown",
        Role::BillingClerk,
    ),
];

pub const DEMO_PATIENT_EMAIL: &str = "patient@demo-hospital.example";

fn system_actor() -> Actor {
    Actor {
        id: None,
        email: Some("system (seed)".into()),
        role: None,
    }
}

fn meta() -> RequestMeta {
    RequestMeta {
        client_addr: "local".into(),
        user_agent: "hms cli".into(),
    }
}

/// The authenticator secret of a demo staff account: derived from its
/// e-mail, so that `hms demo-code`, the printout and the end-to-end tests
/// (`end2end/tests/helpers.mjs`) know it without reading the database.
/// Demo data only: a real account's secret is random (`app::auth::mfa`).
pub fn demo_totp_secret(email: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(format!("hms demo authenticator {email}").as_bytes())[..20].to_vec()
}

/// Loads the demo accounts and patients unless they are already there, the
/// staff with their authenticators set up (`demo_totp_secret`).
/// Returns the (e-mail, role) of every demo account.
pub async fn seed_demo(
    db: &DatabaseConnection,
    tz: chrono_tz::Tz,
    currency: shared::money::Currency,
    cipher: &app::crypto::Cipher,
) -> Result<Vec<(String, Role)>> {
    let mut accounts = Vec::new();
    for (email, name, role) in DEMO_STAFF {
        let exists = users::Entity::find()
            .filter(users::Column::Email.eq(*email))
            .one(db)
            .await?
            .is_some();
        if !exists {
            let new = NewStaff {
                display_name: PersonName::parse(name, "name").map_err(|e| anyhow!(e))?,
                email: Email::parse(email).map_err(|e| anyhow!(e))?,
                role: *role,
            };
            create_user(
                db,
                system_actor(),
                &new,
                DEMO_PASSWORD.into(),
                false,
                &meta(),
            )
            .await
            .map_err(|e| anyhow!("{e}"))?;
        }
        let account = users::Entity::find()
            .filter(users::Column::Email.eq(*email))
            .one(db)
            .await?
            .ok_or_else(|| anyhow!("demo account {email} missing"))?;
        if account.mfa_enrolled_at.is_none() {
            let secret = demo_totp_secret(email);
            app::auth::mfa::enrol_known(db, cipher, account.id, &secret, Utc::now())
                .await
                .map_err(|e| anyhow!("{e}"))?;
        }
        accounts.push((email.to_string(), *role));
    }
    seed_demo_patients(db, tz, currency, cipher).await?;
    accounts.push((DEMO_PATIENT_EMAIL.to_string(), Role::Patient));
    Ok(accounts)
}

/// Given name, family name, date of birth, sex, phone.
struct DemoPerson(
    &'static str,
    &'static str,
    (i32, u32, u32),
    AdministrativeSex,
    &'static str,
);

/// Sample patients; the first one has a portal account.
async fn seed_demo_patients(
    db: &DatabaseConnection,
    tz: chrono_tz::Tz,
    currency: shared::money::Currency,
    cipher: &app::crypto::Cipher,
) -> Result<()> {
    if users::Entity::find()
        .filter(users::Column::Email.eq(DEMO_PATIENT_EMAIL))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    let people = [
        DemoPerson(
            "Maria",
            "Müller",
            (1978, 4, 12),
            AdministrativeSex::Female,
            "+4915112345678",
        ),
        DemoPerson(
            "José",
            "García",
            (1965, 11, 3),
            AdministrativeSex::Male,
            "+34612345678",
        ),
        DemoPerson(
            "Aisha",
            "Khan",
            (1992, 7, 21),
            AdministrativeSex::Female,
            "+447700900123",
        ),
        DemoPerson(
            "Kwame",
            "Mensah",
            (1950, 1, 30),
            AdministrativeSex::Male,
            "+233201234567",
        ),
        DemoPerson(
            "Sofia",
            "Rossi",
            (2016, 9, 9),
            AdministrativeSex::Female,
            "+393471234567",
        ),
    ];
    let txn = db.begin().await?;
    let mut created: Vec<patients::Model> = Vec::new();
    for DemoPerson(given, family, (y, m, d), sex, phone) in people {
        let email = created.is_empty().then(|| DEMO_PATIENT_EMAIL.to_string());
        let mut new = NewPatient::basic(
            given.to_string(),
            family.to_string(),
            NaiveDate::from_ymd_opt(y, m, d),
            sex,
            Some(phone.to_string()),
            email,
        );
        if created.is_empty() {
            // The portal demo: messages by e-mail, an address to deliver to.
            let contact = &mut new.demographics.contact;
            contact.consent_email = true;
            contact.address_line = Some("Gartenstraße 12".into());
            contact.city = Some("Berlin".into());
            contact.postal_code = Some("10115".into());
            contact.country = Some("DE".into());
        }
        let p = insert_patient(&txn, cipher, new)
            .await
            .map_err(|e| anyhow!("{e}"))?;
        created.push(p);
    }
    let staff_id = |email: &'static str| {
        let txn = &txn;
        async move {
            users::Entity::find()
                .filter(users::Column::Email.eq(email))
                .one(txn)
                .await?
                .map(|u| u.id)
                .ok_or_else(|| anyhow!("demo account {email} missing"))
        }
    };
    let doctor = staff_id("doctor@demo-hospital.example").await?;
    let nurse = staff_id("nurse@demo-hospital.example").await?;
    crate::seed_chart::seed_histories(&txn, cipher, &created, doctor, nurse).await?;
    let pharmacist = staff_id("pharmacy@demo-hospital.example").await?;
    crate::seed_chart::seed_pharmacy(&txn, pharmacist).await?;
    crate::seed_schedule::seed_schedule(&txn, doctor).await?;
    let (technician, supervisor) = (
        staff_id("lab@demo-hospital.example").await?,
        staff_id("labsupervisor@demo-hospital.example").await?,
    );
    crate::seed_lab::seed_results(&txn, &created[0], doctor, technician, supervisor).await?;
    crate::seed_lab::seed_collection_hours(&txn).await?;
    let admin = staff_id("admin@demo-hospital.example").await?;
    crate::seed_billing::seed_prices(&txn, currency, admin).await?;
    // Maria Müller (the portal patient) and Aisha Khan are insured; José
    // García pays himself (the clerk's end-to-end test invoices him).
    crate::seed_billing::seed_insurance(&txn, tz, admin, &[created[0].id, created[2].id]).await?;
    let clerk = staff_id("billing@demo-hospital.example").await?;
    crate::seed_billing::seed_invoice(&txn, tz, currency, created[0].id, clerk).await?;
    crate::seed_billing::seed_claim(&txn, tz, currency, created[2].id, clerk).await?;
    // Kwame Mensah lies in Internal Medicine since two days ago.
    crate::seed_beds::seed_beds(&txn, cipher, tz, admin, doctor, nurse, created[3].id).await?;
    // Sofia Rossi waits in the emergency department, triaged.
    crate::seed_beds::seed_emergency(&txn, cipher, admin, nurse, created[4].id).await?;
    let others: Vec<Uuid> = created.iter().skip(1).map(|p| p.id).collect();
    crate::seed_schedule::seed_appointments(&txn, tz, doctor, &others).await?;
    let patient = created.first().expect("at least one demo patient").clone();
    let now = Utc::now();
    users::ActiveModel {
        id: Set(Uuid::new_v4()),
        email: Set(DEMO_PATIENT_EMAIL.into()),
        display_name: Set(format!("{} {}", patient.given_name, patient.family_name)),
        password_hash: Set(password::hash(DEMO_PASSWORD.into())
            .await
            .map_err(|e| anyhow!("{e}"))?),
        role: Set(Role::Patient),
        active: Set(true),
        must_change_password: Set(false),
        patient_id: Set(Some(patient.id)),
        created_at: Set(now),
        updated_at: Set(now),
        last_login_at: Set(None),
        mfa_enrolled_at: Set(None),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Creates an administrator with a one-time password, which is returned.
pub async fn create_admin(db: &DatabaseConnection, email: &str, name: &str) -> Result<String> {
    let new = NewStaff {
        display_name: PersonName::parse(name, "name").map_err(|e| anyhow!(e))?,
        email: Email::parse(email).map_err(|e| anyhow!(e))?,
        role: Role::Administrator,
    };
    let temporary = password::generate_temporary();
    create_user(db, system_actor(), &new, temporary.clone(), true, &meta())
        .await
        .map_err(|e| anyhow!("{e}"))?;
    Ok(temporary)
}

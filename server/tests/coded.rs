//! Statuses and kinds are stored as their enums' codes, and the database
//! refuses any other value (migration 15, `migrations::util::check_codes`).

mod common;

use std::collections::BTreeSet;

use common::*;
use sea_orm::{ConnectionTrait, Statement};
use shared::coded::Coded;

/// Every coded column with the enum the app reads it as.
fn enum_codes() -> Vec<(&'static str, &'static str, Vec<&'static str>)> {
    use shared::{
        access, appointments, audit, billing, chart, decision, demographics, lab, lab_visits,
        lab_work, notify, patients, pharmacy, prescribing, schedule,
    };
    fn of<E: Coded>(
        table: &'static str,
        column: &'static str,
    ) -> (&'static str, &'static str, Vec<&'static str>) {
        (table, column, E::codes())
    }
    vec![
        of::<shared::Role>("users", "role"),
        of::<shared::Role>("audit_events", "actor_role"),
        of::<audit::Outcome>("audit_events", "outcome"),
        of::<patients::AdministrativeSex>("patients", "sex"),
        of::<demographics::PatientStatus>("patients", "status"),
        of::<notify::Channel>("patients", "preferred_channel"),
        of::<demographics::CoverageRank>("insurance_coverages", "rank"),
        of::<access::CareRelationshipKind>("care_relationships", "kind"),
        of::<chart::EncounterKind>("encounters", "kind"),
        of::<chart::EncounterStatus>("encounters", "status"),
        of::<chart::NoteStatus>("clinical_notes", "status"),
        of::<chart::ProblemStatus>("problems", "status"),
        of::<chart::AllergySeverity>("allergies", "severity"),
        of::<chart::AllergyStatus>("allergies", "status"),
        of::<chart::HistoryKind>("history_entries", "kind"),
        of::<chart::MedicationStatus>("medications", "status"),
        of::<appointments::AppointmentStatus>("appointments", "status"),
        of::<schedule::ExceptionKind>("availability_exceptions", "kind"),
        of::<notify::NoticeKind>("notification_outbox", "kind"),
        of::<notify::Channel>("notification_outbox", "channel"),
        of::<notify::OutboxStatus>("notification_outbox", "status"),
        of::<decision::RuleKind>("drug_rules", "kind"),
        of::<decision::TermKind>("drug_rules", "a_kind"),
        of::<decision::TermKind>("drug_rules", "b_kind"),
        of::<decision::AlertSeverity>("drug_rules", "severity"),
        of::<prescribing::DoseUnit>("prescriptions", "dose_unit"),
        of::<prescribing::FrequencyKind>("prescriptions", "frequency"),
        of::<prescribing::PrescriptionStatus>("prescriptions", "status"),
        of::<pharmacy::MovementKind>("stock_movements", "kind"),
        of::<pharmacy::FillStatus>("prescriptions", "fill_status"),
        of::<pharmacy::ChargeKind>("charge_items", "kind"),
        of::<prescribing::RefillStatus>("refill_requests", "status"),
        of::<pharmacy::Fulfilment>("pharmacy_orders", "fulfilment"),
        of::<pharmacy::OrderStatus>("pharmacy_orders", "status"),
        of::<lab::TestKind>("lab_tests", "kind"),
        of::<lab::CodeSystem>("lab_tests", "code_system"),
        of::<lab::Modality>("lab_tests", "modality"),
        of::<patients::AdministrativeSex>("lab_ranges", "sex"),
        of::<lab_work::Priority>("lab_orders", "priority"),
        of::<lab_work::Priority>("lab_order_items", "priority"),
        of::<lab_work::ItemStatus>("lab_order_items", "status"),
        of::<lab_work::ResultStatus>("lab_results", "status"),
        of::<lab::Flag>("lab_results", "flag"),
        of::<lab_work::Shift>("lab_technician_shifts", "shift"),
        of::<lab_visits::VisitStatus>("lab_collection_visits", "status"),
        of::<lab_visits::AttachmentType>("lab_attachments", "content_type"),
        of::<billing::ChargeKind>("price_list", "kind"),
        of::<billing::InvoiceKind>("invoices", "kind"),
        of::<billing::InvoiceStatus>("invoices", "status"),
        of::<billing::PaymentMethod>("payments", "method"),
        of::<billing::PaymentStatus>("payments", "status"),
        of::<billing::CheckoutStatus>("payment_checkouts", "status"),
        of::<billing::PaymentMethod>("refunds", "method"),
        of::<billing::RefundStatus>("refunds", "status"),
        of::<shared::insurance::ClaimStatus>("claims", "status"),
        of::<lab_visits::AttachmentType>("claim_documents", "content_type"),
        of::<shared::beds::WardKind>("wards", "kind"),
        of::<shared::beds::SexRestriction>("wards", "sex_restriction"),
        of::<shared::beds::BedType>("beds", "bed_type"),
        of::<shared::beds::BedStatus>("beds", "status"),
        of::<shared::beds::AdmissionSource>("admissions", "source"),
        of::<shared::beds::AdmissionStatus>("admissions", "status"),
        of::<shared::emergency::EsiLevel>("ed_visits", "level"),
        of::<shared::emergency::EdDisposition>("ed_visits", "disposition"),
        of::<shared::emergency::EsiLevel>("ed_triages", "level"),
    ]
}

#[test]
fn the_database_checks_the_codes_the_enums_have() {
    let checked: Vec<_> = migrations::coded_columns()
        .into_iter()
        .map(|(t, c, codes)| (t, c, codes.to_vec()))
        .collect();
    assert_eq!(
        checked,
        enum_codes(),
        "an enum's codes changed: add a migration that replaces its column's check"
    );
}

/// Whether a column's name says it holds a status or a kind.
fn looks_coded(column: &str) -> bool {
    const WORDS: [&str; 9] = [
        "status", "kind", "role", "outcome", "channel", "sex", "severity", "rank", "state",
    ];
    WORDS
        .iter()
        .any(|w| column == *w || column.ends_with(&format!("_{w}")))
}

async fn strings(app: &TestApp, sql: &str) -> BTreeSet<(String, String)> {
    app.db
        .query_all_raw(Statement::from_string(app.db.get_database_backend(), sql))
        .await
        .unwrap()
        .into_iter()
        .map(|r| {
            (
                r.try_get_by_index(0).unwrap(),
                r.try_get_by_index(1).unwrap(),
            )
        })
        .collect()
}

/// The schema is read, not listed: a new module's `status` column without a
/// check fails here.
async fn every_status_and_kind_column_is_checked(backend: Backend) {
    let app = spawn_app(backend).await;
    let (columns, checks) = match backend {
        Backend::Sqlite => (
            "SELECT m.name, c.name FROM sqlite_master m, pragma_table_info(m.name) c \
             WHERE m.type = 'table' AND c.type LIKE 'varchar%'",
            // Both triggers, insert and update, per column.
            "SELECT tbl_name, substr(name, length('ck_' || tbl_name || '_') + 1, \
                    length(name) - length('ck_' || tbl_name || '_') - length('_insert')) \
             FROM sqlite_master m WHERE type = 'trigger' AND name LIKE 'ck\\_%\\_insert' ESCAPE '\\' \
             AND EXISTS (SELECT 1 FROM sqlite_master u WHERE u.type = 'trigger' \
                         AND u.name = substr(m.name, 1, length(m.name) - 6) || 'update')",
        ),
        Backend::Postgres => (
            "SELECT table_name::text, column_name::text FROM information_schema.columns \
             WHERE table_schema = 'public' AND data_type = 'character varying'",
            "SELECT u.table_name::text, u.column_name::text \
             FROM information_schema.table_constraints tc \
             JOIN information_schema.constraint_column_usage u \
               ON u.constraint_name = tc.constraint_name AND u.table_schema = tc.table_schema \
             WHERE tc.constraint_type = 'CHECK' AND tc.table_schema = 'public'",
        ),
    };
    let coded: BTreeSet<_> = strings(&app, columns)
        .await
        .into_iter()
        .filter(|(_, c)| looks_coded(c))
        .collect();
    let checked = strings(&app, checks).await;
    let unchecked: Vec<_> = coded.difference(&checked).collect();
    assert!(
        unchecked.is_empty(),
        "status or kind columns without a database check: {unchecked:?}"
    );
    let listed: BTreeSet<_> = migrations::coded_columns()
        .into_iter()
        .map(|(t, c, _)| (t.to_string(), c.to_string()))
        .collect();
    // Every column named like a status or kind is listed; a listed column
    // may also have another name (`prescriptions.frequency`), and must be
    // checked all the same.
    let not_listed: Vec<_> = coded.difference(&listed).collect();
    assert!(
        not_listed.is_empty(),
        "coded columns missing from coded_columns(): {not_listed:?}"
    );
    let listed_unchecked: Vec<_> = listed.difference(&checked).collect();
    assert!(
        listed_unchecked.is_empty(),
        "listed columns without a database check: {listed_unchecked:?}"
    );
}

async fn an_unknown_code_is_refused_and_a_known_one_kept(backend: Backend) {
    use app::entity::{notification_outbox as outbox, patients};
    use sea_orm::sea_query::{Expr, Query};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let app = spawn_app(backend).await;
    let id = basic_patient(&app, "Ada").await;
    // Raw strings, as a writer that bypasses the enums would send them.
    let set = |status: &'static str| {
        patients::Entity::update_many()
            .col_expr(patients::Column::Status, Expr::value(status))
            .filter(patients::Column::Id.eq(id))
            .exec(&app.db)
    };
    let refused = set("archived").await.unwrap_err();
    assert!(
        refused.to_string().contains("ck_patients_status"),
        "{refused}"
    );
    assert_eq!(set("temporary").await.unwrap().rows_affected, 1);

    use outbox::Column as C;
    let now = chrono::Utc::now();
    let insert = Query::insert()
        .into_table(outbox::Entity)
        .columns([
            C::Id,
            C::PatientId,
            C::Kind,
            C::Channel,
            C::Recipient,
            C::Subject,
            C::Body,
            C::DedupeKey,
            C::Status,
            C::Attempts,
            C::NextAttemptAt,
            C::CreatedAt,
        ])
        .values_panic([
            uuid::Uuid::new_v4().into(),
            id.into(),
            "booked".into(),
            "fax".into(),
            "x".into(),
            "s".into(),
            "b".into(),
            "k".into(),
            "pending".into(),
            0.into(),
            now.into(),
            now.into(),
        ])
        .to_owned();
    let refused = app.db.execute(&insert).await.unwrap_err();
    assert!(
        refused
            .to_string()
            .contains("ck_notification_outbox_channel"),
        "{refused}"
    );
}

on_both_databases!(
    every_status_and_kind_column_is_checked,
    an_unknown_code_is_refused_and_a_known_one_kept,
);

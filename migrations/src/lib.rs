//! # Layout
//!
//! One file per migration, named `mYYYYMMDD_HHMMSS_what.rs`. Migrations use the
//! schema builder so the same code creates the schema on SQLite and on
//! PostgreSQL; the little SQL that differs (triggers) is chosen per backend.
//! A migration that has been released is never edited: add a new one.

pub use sea_orm_migration::prelude::*;

pub mod fold;
pub mod fold_names;

/// The columns the name-order indexes carry for the patient search's hits
/// (migration 11), and the birth-date index too (migration 12); the app's
/// `HitRow::COLUMNS` less the id.
pub use m20261122_000011_name_search_covering::HIT_COLUMNS as SEARCH_HIT_COLUMNS;
/// Patient rows migration 13 recomputes per statement.
pub use m20261203_000013_names_in_every_script::BATCH as NAME_RECOMPUTE_BATCH;
/// The status and kind columns whose codes the database checks, as migration
/// 15 first checked them; [`coded_columns`] has them as they are now.
pub use m20261203_000015_coded_columns::CODED_COLUMNS;

/// Every status and kind column with the codes the database accepts now:
/// migration 15's list and the coded columns of the tables created since,
/// with the later migrations' changes applied. A migration that changes a
/// column's codes adds its change here; one that creates coded columns adds
/// its list.
pub fn coded_columns() -> Vec<(&'static str, &'static str, &'static [&'static str])> {
    let changes: &[(&str, &str, &'static [&'static str])] = &[
        (
            "notification_outbox",
            "kind",
            m20261204_000018_password_resets::NOTICE_KINDS,
        ),
        (
            "notification_outbox",
            "kind",
            m20261204_000024_pharmacy_orders::NOTICE_KINDS,
        ),
        (
            "notification_outbox",
            "kind",
            m20261205_000026_lab_orders::NOTICE_KINDS,
        ),
        (
            "charge_items",
            "kind",
            m20261205_000026_lab_orders::CHARGE_KINDS,
        ),
        (
            "charge_items",
            "kind",
            m20261207_000028_billing::CHARGE_KINDS,
        ),
        (
            "notification_outbox",
            "kind",
            m20261208_000029_online_payments::NOTICE_KINDS,
        ),
        ("charge_items", "kind", m20261211_000032_beds::CHARGE_KINDS),
        ("price_list", "kind", m20261211_000032_beds::CHARGE_KINDS),
        (
            "care_relationships",
            "kind",
            m20261213_000034_emergency::CARE_KINDS,
        ),
    ];
    CODED_COLUMNS
        .iter()
        .copied()
        .chain(m20261204_000021_prescriptions::CODED.iter().copied())
        .chain(m20261204_000022_pharmacy::CODED.iter().copied())
        .chain(m20261204_000023_refills::CODED.iter().copied())
        .chain(m20261204_000024_pharmacy_orders::CODED.iter().copied())
        .chain(m20261205_000025_lab_catalogue::CODED.iter().copied())
        .chain(m20261205_000026_lab_orders::CODED.iter().copied())
        .chain(m20261206_000027_lab_visits::CODED.iter().copied())
        .chain(m20261207_000028_billing::CODED.iter().copied())
        .chain(m20261208_000029_online_payments::CODED.iter().copied())
        .chain(m20261209_000030_insurance::CODED.iter().copied())
        .chain(m20261211_000032_beds::CODED.iter().copied())
        .chain(m20261213_000034_emergency::CODED.iter().copied())
        .map(|(table, column, codes)| {
            let now = changes
                .iter()
                .rev()
                .find(|(t, c, _)| *t == table && *c == column)
                .map_or(codes, |(_, _, codes)| codes);
            (table, column, now)
        })
        .collect()
}
mod m20261122_000001_foundation;
mod m20261122_000002_icd10cm;
mod m20261122_000003_patient_search;
mod m20261122_000004_demographics_access;
mod m20261122_000005_chart;
mod m20261122_000006_search_collation;
mod m20261122_000007_appointments;
mod m20261122_000008_notifications;
mod m20261122_000009_auth_notify;
mod m20261122_000010_birth_date_order;
mod m20261122_000011_name_search_covering;
mod m20261202_000012_birth_date_covering;
mod m20261203_000013_names_in_every_script;
mod m20261203_000014_home_tiles;
mod m20261203_000015_coded_columns;
mod m20261203_000016_mfa;
mod m20261203_000017_audit_chain;
mod m20261204_000018_password_resets;
mod m20261204_000019_national_id;
mod m20261204_000020_formulary;
mod m20261204_000021_prescriptions;
mod m20261204_000022_pharmacy;
mod m20261204_000023_refills;
mod m20261204_000024_pharmacy_orders;
mod m20261205_000025_lab_catalogue;
mod m20261205_000026_lab_orders;
mod m20261206_000027_lab_visits;
mod m20261207_000028_billing;
mod m20261208_000029_online_payments;
mod m20261209_000030_insurance;
mod m20261210_000031_revenue;
mod m20261211_000032_beds;
mod m20261212_000033_revenue_cover;
mod m20261213_000034_emergency;
mod util;

/// Every migration, in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261122_000001_foundation::Migration),
            Box::new(m20261122_000002_icd10cm::Migration),
            Box::new(m20261122_000003_patient_search::Migration),
            Box::new(m20261122_000004_demographics_access::Migration),
            Box::new(m20261122_000005_chart::Migration),
            Box::new(m20261122_000006_search_collation::Migration),
            Box::new(m20261122_000007_appointments::Migration),
            Box::new(m20261122_000008_notifications::Migration),
            Box::new(m20261122_000009_auth_notify::Migration),
            Box::new(m20261122_000010_birth_date_order::Migration),
            Box::new(m20261122_000011_name_search_covering::Migration),
            Box::new(m20261202_000012_birth_date_covering::Migration),
            Box::new(m20261203_000013_names_in_every_script::Migration),
            Box::new(m20261203_000014_home_tiles::Migration),
            Box::new(m20261203_000015_coded_columns::Migration),
            Box::new(m20261203_000016_mfa::Migration),
            Box::new(m20261203_000017_audit_chain::Migration),
            Box::new(m20261204_000018_password_resets::Migration),
            Box::new(m20261204_000019_national_id::Migration),
            Box::new(m20261204_000020_formulary::Migration),
            Box::new(m20261204_000021_prescriptions::Migration),
            Box::new(m20261204_000022_pharmacy::Migration),
            Box::new(m20261204_000023_refills::Migration),
            Box::new(m20261204_000024_pharmacy_orders::Migration),
            Box::new(m20261205_000025_lab_catalogue::Migration),
            Box::new(m20261205_000026_lab_orders::Migration),
            Box::new(m20261206_000027_lab_visits::Migration),
            Box::new(m20261207_000028_billing::Migration),
            Box::new(m20261208_000029_online_payments::Migration),
            Box::new(m20261209_000030_insurance::Migration),
            Box::new(m20261210_000031_revenue::Migration),
            Box::new(m20261211_000032_beds::Migration),
            Box::new(m20261212_000033_revenue_cover::Migration),
            Box::new(m20261213_000034_emergency::Migration),
        ]
    }
}

//! Prescriptions and the rules of the decision support.
//!
//! - `drug_rules`: interaction rules (`kind` `interaction`: drugs matching
//!   `a` and `b` taken together) and allergy rules (`allergy`: a patient
//!   allergic to `a` is prescribed a drug matching `b`). Each side is a term:
//!   an `ingredient`, a `drug_class` (FDA established pharmacologic class) or
//!   an `allergy_class`, its value in lower case. Loaded here: the 380 pairs
//!   of `data/drug-interactions.csv` (NDF-RT and the ONC high-priority list)
//!   and the 15 rules of `data/allergy-cross-reactivity.csv` (`warn` becomes
//!   `major`, `info` `minor`), and the high-risk pairs those lack, marked
//!   `local` with their reason, as the pharmacy's own rules are. A retired
//!   rule (`retired_at`) is kept for the record and not checked.
//! - `prescriptions`: one signed prescription of one formulary drug. The
//!   dose is in thousandths (`dose_milli`) of `dose_unit`; the frequency is
//!   its kind and the number it carries (times a day, hours, most a day);
//!   `drug_label` keeps the drug as it was named when signed. `alerts` is
//!   the JSON of the alerts shown at signing, with `override_reason` when
//!   one needed it. Stopping sets `status` `stopped` and `ended_*`; a change
//!   is a new row naming the old one in `replaces_id`, the old one
//!   `changed`. `verification_code` (Crockford base 32) is printed on the
//!   PDF for the pharmacy to look up.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{check_codes, index, patient_fk, user_fk};

const INTERACTIONS: &str = include_str!("../data/drug-interactions.csv");
const CROSS_REACTIVITY: &str = include_str!("../data/allergy-cross-reactivity.csv");

pub const RULE_KINDS: &[&str] = &["interaction", "allergy"];
pub const TERM_KINDS: &[&str] = &["ingredient", "drug_class", "allergy_class"];
pub const SEVERITIES: &[&str] = &["contraindicated", "major", "moderate", "minor"];
pub const DOSE_UNITS: &[&str] = &[
    "tablet",
    "capsule",
    "ml",
    "mg",
    "mcg",
    "unit",
    "puff",
    "drop",
    "patch",
    "suppository",
    "application",
];
pub const FREQUENCIES: &[&str] = &[
    "times_daily",
    "every_hours",
    "morning",
    "night",
    "once",
    "as_needed",
];
pub const PRESCRIPTION_STATUSES: &[&str] = &["active", "stopped", "changed", "completed"];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("drug_rules", "kind", RULE_KINDS),
    ("drug_rules", "a_kind", TERM_KINDS),
    ("drug_rules", "b_kind", TERM_KINDS),
    ("drug_rules", "severity", SEVERITIES),
    ("prescriptions", "dose_unit", DOSE_UNITS),
    ("prescriptions", "frequency", FREQUENCIES),
    ("prescriptions", "status", PRESCRIPTION_STATUSES),
];

/// High-risk pairs the shipped interaction data lacks (it has no warfarin
/// or DOAC pairs, and few serotonergic ones): (a kind, a, b kind, b,
/// severity, text). Loaded as local rules.
const LOCAL_PAIRS: &[(&str, &str, &str, &str, &str, &str)] = &[
    ("ingredient", "warfarin", "drug_class", "nonsteroidal anti-inflammatory drug", "major",
     "NSAIDs, aspirin included, add to warfarin's bleeding risk and can injure the gastric mucosa; avoid, or protect the stomach and monitor the INR closely."),
    ("ingredient", "warfarin", "drug_class", "azole antifungal", "major",
     "Azole antifungals inhibit warfarin's metabolism (CYP2C9, CYP3A4) and raise the INR; reduce the dose and check the INR within days."),
    ("ingredient", "warfarin", "drug_class", "p2y12 platelet inhibitor", "major",
     "An antiplatelet with warfarin raises the bleeding risk; combine only with a clear indication and a plan for its length."),
    ("ingredient", "warfarin", "drug_class", "factor xa inhibitor", "contraindicated",
     "Two anticoagulants together: stop one (switching follows the INR-based protocol)."),
    ("ingredient", "warfarin", "ingredient", "sulfamethoxazole", "major",
     "Sulfamethoxazole inhibits warfarin's metabolism and raises the INR sharply; prefer another antibiotic or check the INR within 3 days."),
    ("drug_class", "factor xa inhibitor", "drug_class", "nonsteroidal anti-inflammatory drug", "major",
     "NSAIDs with a factor Xa inhibitor raise the bleeding risk; avoid or protect the stomach."),
    ("drug_class", "serotonin reuptake inhibitor", "drug_class", "serotonin and norepinephrine reuptake inhibitor", "major",
     "Two serotonergic antidepressants: risk of serotonin syndrome."),
    ("drug_class", "serotonin reuptake inhibitor", "ingredient", "tramadol", "major",
     "Tramadol with a serotonin reuptake inhibitor: risk of serotonin syndrome and of seizures."),
    ("drug_class", "serotonin and norepinephrine reuptake inhibitor", "ingredient", "tramadol", "major",
     "Tramadol with an SNRI: risk of serotonin syndrome and of seizures."),
    ("drug_class", "serotonin reuptake inhibitor", "ingredient", "linezolid", "major",
     "Linezolid is a weak MAO inhibitor: with a serotonin reuptake inhibitor, risk of serotonin syndrome."),
    ("drug_class", "serotonin and norepinephrine reuptake inhibitor", "ingredient", "linezolid", "major",
     "Linezolid is a weak MAO inhibitor: with an SNRI, risk of serotonin syndrome."),
    ("drug_class", "serotonin reuptake inhibitor", "drug_class", "serotonin-1b and serotonin-1d receptor agonist", "moderate",
     "A triptan with a serotonin reuptake inhibitor: watch for serotonin syndrome."),
];

const LOCAL_REASON: &str = "Shipped with the system: a well-known high-risk pair that the NDF-RT and ONC data lack. Review locally.";

#[derive(serde::Deserialize)]
struct Interaction {
    ingredient_a: String,
    ingredient_b: String,
    severity: String,
    description: String,
    source: String,
}

#[derive(serde::Deserialize)]
struct CrossReactivity {
    allergy_class: String,
    also_alert_class: String,
    severity: String,
    note: String,
    reference: String,
}

fn read<T: serde::de::DeserializeOwned>(data: &str, what: &str) -> Result<Vec<T>, DbErr> {
    csv::Reader::from_reader(data.as_bytes())
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|e| DbErr::Migration(format!("reading {what}: {e}")))
}

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("drug_rules")
                    .col(pk_uuid("id"))
                    .col(string_len("kind", 16))
                    .col(string_len("a_kind", 16))
                    .col(string_len("a_value", 120))
                    .col(string_len("b_kind", 16))
                    .col(string_len("b_value", 120))
                    .col(string_len("severity", 16))
                    .col(string_len("description", 1000))
                    .col(string_len("source", 300))
                    .col(boolean("local"))
                    .col(uuid_null("added_by"))
                    .col(string_len_null("reason", 500))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone_null("retired_at"))
                    .foreign_key(&mut user_fk("drug_rules", "added_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_drug_rules_a",
            "drug_rules",
            &["a_value"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_drug_rules_b",
            "drug_rules",
            &["b_value"],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table("prescriptions")
                    .col(pk_uuid("id"))
                    .col(uuid("patient_id"))
                    .col(uuid_null("encounter_id"))
                    .col(uuid("drug_id"))
                    .col(string_len("drug_label", 300))
                    .col(integer("dose_milli"))
                    .col(string_len("dose_unit", 16))
                    .col(string_len("route", 32))
                    .col(string_len("frequency", 16))
                    .col(small_integer_null("frequency_value"))
                    .col(string_len_null("as_needed_for", 80))
                    .col(date("start_date"))
                    .col(integer("duration_days"))
                    .col(integer("quantity"))
                    .col(string_len("quantity_unit", 16))
                    .col(small_integer("refills"))
                    .col(small_integer("refills_used"))
                    .col(string_len_null("instructions", 500))
                    .col(string_len("status", 16))
                    .col(uuid("prescriber_id"))
                    .col(timestamp_with_time_zone("signed_at"))
                    .col(string_len("verification_code", 10))
                    .col(text("alerts"))
                    .col(string_len_null("override_reason", 500))
                    .col(timestamp_with_time_zone_null("ended_at"))
                    .col(uuid_null("ended_by"))
                    .col(string_len_null("end_reason", 500))
                    .col(uuid_null("replaces_id"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .foreign_key(&mut patient_fk("prescriptions"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_prescriptions_encounter")
                            .from("prescriptions", "encounter_id")
                            .to("encounters", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_prescriptions_drug")
                            .from("prescriptions", "drug_id")
                            .to("formulary_drugs", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_prescriptions_replaces")
                            .from("prescriptions", "replaces_id")
                            .to("prescriptions", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(&mut user_fk("prescriptions", "prescriber_id"))
                    .foreign_key(&mut user_fk("prescriptions", "ended_by"))
                    .check(Expr::col("dose_milli").gt(0))
                    .check(Expr::col("quantity").gt(0))
                    .check(Expr::col("refills_used").gte(0))
                    .check(Expr::col("refills_used").lte(Expr::col("refills")))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_prescriptions_patient",
            "prescriptions",
            &["patient_id", "status", "signed_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ix_prescriptions_status",
            "prescriptions",
            &["status", "signed_at"],
            false,
        )
        .await?;
        index(
            manager,
            "ux_prescriptions_verification_code",
            "prescriptions",
            &["verification_code"],
            true,
        )
        .await?;
        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }

        let now = chrono::Utc::now();
        let mut insert = Query::insert();
        insert.into_table("drug_rules").columns([
            "id",
            "kind",
            "a_kind",
            "a_value",
            "b_kind",
            "b_value",
            "severity",
            "description",
            "source",
            "local",
            "reason",
            "created_at",
        ]);
        let mut row = |kind: &str,
                       a: (&str, &str),
                       b: (&str, &str),
                       severity: &str,
                       text: &str,
                       source: &str,
                       reason: Option<&str>| {
            insert.values_panic([
                uuid::Uuid::new_v4().into(),
                kind.into(),
                a.0.into(),
                a.1.to_lowercase().into(),
                b.0.into(),
                b.1.to_lowercase().into(),
                severity.into(),
                text.into(),
                source.into(),
                reason.is_some().into(),
                reason.map(str::to_string).into(),
                now.into(),
            ]);
        };
        for r in read::<Interaction>(INTERACTIONS, "the drug interactions")? {
            row(
                "interaction",
                ("ingredient", &r.ingredient_a),
                ("ingredient", &r.ingredient_b),
                &r.severity,
                &r.description,
                &r.source.replace(';', ", "),
                None,
            );
        }
        for r in read::<CrossReactivity>(CROSS_REACTIVITY, "the cross-reactivity rules")? {
            let severity = match r.severity.as_str() {
                "warn" => "major",
                "info" => "minor",
                other => {
                    return Err(DbErr::Migration(format!(
                        "cross-reactivity severity {other:?}"
                    )))
                }
            };
            row(
                "allergy",
                ("allergy_class", &r.allergy_class),
                ("allergy_class", &r.also_alert_class),
                severity,
                &r.note,
                &r.reference,
                None,
            );
        }
        for (ak, a, bk, b, severity, text) in LOCAL_PAIRS {
            row(
                "interaction",
                (ak, a),
                (bk, b),
                severity,
                text,
                "Local rule",
                Some(LOCAL_REASON),
            );
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in ["prescriptions", "drug_rules"] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

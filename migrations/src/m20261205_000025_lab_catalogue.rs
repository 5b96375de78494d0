//! The laboratory and imaging catalogue: what doctors order.
//!
//! - `lab_tests`: one row per orderable test or imaging study. The 54
//!   laboratory tests of `data/lab-tests.csv` (LOINC codes, UCUM units,
//!   panels, turnaround) and twelve imaging studies by modality and body
//!   region (local codes) are loaded here; administrators edit them, price
//!   them (integer minor units and a currency) and retire them.
//! - `lab_ranges`: reference and critical limits per test, for one sex or
//!   both, in an age band (`from_age` reached, `until_age` not yet: `18y`,
//!   `6m`, `7d`), as exact decimals in millionths (`shared::lab::LabValue`).
//!   A change ends the old row (`valid_to`) and starts a new one, so results
//!   entered before it keep the range they were judged against. The file's
//!   adult ranges apply from the 18th birthday on; one rule for both sexes
//!   where the file's limits agree.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::util::{check_codes, index, user_fk};

const DATA: &str = include_str!("../data/lab-tests.csv");

pub const TEST_KINDS: &[&str] = &["lab", "imaging"];
pub const CODE_SYSTEMS: &[&str] = &["loinc", "local"];
pub const MODALITIES: &[&str] = &["xr", "us", "ct", "mr"];
pub const SEXES: &[&str] = &["female", "male", "other", "unknown"];

/// The coded columns this migration creates.
pub const CODED: &[(&str, &str, &[&str])] = &[
    ("lab_tests", "kind", TEST_KINDS),
    ("lab_tests", "code_system", CODE_SYSTEMS),
    ("lab_tests", "modality", MODALITIES),
    ("lab_ranges", "sex", SEXES),
];

/// The imaging studies: local code, name, modality, body region,
/// turnaround in hours.
const IMAGING: &[(&str, &str, &str, &str, i32)] = &[
    ("IMG-XR-CHEST", "X-ray, chest", "xr", "Chest", 4),
    ("IMG-XR-ABD", "X-ray, abdomen", "xr", "Abdomen", 4),
    (
        "IMG-XR-LSPINE",
        "X-ray, lumbar spine",
        "xr",
        "Lumbar spine",
        4,
    ),
    ("IMG-XR-KNEE", "X-ray, knee", "xr", "Knee", 4),
    ("IMG-US-ABD", "Ultrasound, abdomen", "us", "Abdomen", 24),
    ("IMG-US-PELVIS", "Ultrasound, pelvis", "us", "Pelvis", 24),
    ("IMG-CT-HEAD", "CT, head", "ct", "Head", 4),
    ("IMG-CT-CHEST", "CT, chest", "ct", "Chest", 24),
    (
        "IMG-CT-ABDPEL",
        "CT, abdomen and pelvis",
        "ct",
        "Abdomen and pelvis",
        24,
    ),
    ("IMG-MR-BRAIN", "MRI, brain", "mr", "Brain", 72),
    (
        "IMG-MR-LSPINE",
        "MRI, lumbar spine",
        "mr",
        "Lumbar spine",
        72,
    ),
    ("IMG-MR-KNEE", "MRI, knee", "mr", "Knee", 72),
];

/// The age from which the file's adult ranges apply.
const ADULT: &str = "18y";

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One row of `data/lab-tests.csv`.
#[derive(serde::Deserialize)]
struct Row {
    loinc: String,
    name: String,
    short_name: String,
    specimen: String,
    unit: String,
    low_male: String,
    high_male: String,
    low_female: String,
    high_female: String,
    critical_low: String,
    critical_high: String,
    si_unit: String,
    si_factor: String,
    panel: String,
    turnaround_hours: i32,
}

/// A limit of the file in millionths (`shared::lab::LabValue`, as the
/// application reads and judges values); empty is none.
fn millionths(text: &str) -> Result<Option<i64>, DbErr> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    shared::lab::LabValue::parse(text)
        .map(|v| Some(v.0))
        .map_err(|e| DbErr::Migration(format!("lab-tests.csv: {text:?}: {e}")))
}

/// Decimals to show a test's values with: as many as its limits have.
fn decimals(limits: &[&str]) -> i16 {
    limits
        .iter()
        .filter_map(|l| l.trim().split_once('.').map(|(_, f)| f.len() as i16))
        .max()
        .unwrap_or(0)
}

fn text_or_null(s: &str) -> SimpleExpr {
    let s = s.trim();
    if s.is_empty() {
        Option::<String>::None.into()
    } else {
        s.to_string().into()
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("lab_tests")
                    .col(pk_uuid("id"))
                    .col(string_len("code", 32))
                    .col(string_len("code_system", 8))
                    .col(string_len("kind", 8))
                    .col(string_len("name", 160))
                    .col(string_len("short_name", 40))
                    .col(string_len_null("specimen", 40))
                    .col(string_len_null("unit", 32))
                    .col(string_len_null("si_unit", 32))
                    .col(string_len_null("si_factor", 20))
                    .col(small_integer("decimals"))
                    .col(string_len_null("panel", 40))
                    .col(string_len_null("modality", 8))
                    .col(string_len_null("body_region", 60))
                    .col(integer("turnaround_hours"))
                    .col(big_integer_null("price_minor"))
                    .col(string_len_null("currency", 3))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("retired_at"))
                    .to_owned(),
            )
            .await?;
        index(manager, "ux_lab_tests_code", "lab_tests", &["code"], true).await?;
        index(
            manager,
            "ix_lab_tests_kind_name",
            "lab_tests",
            &["kind", "name"],
            false,
        )
        .await?;
        manager
            .create_table(
                Table::create()
                    .table("lab_ranges")
                    .col(pk_uuid("id"))
                    .col(uuid("test_id"))
                    .col(string_len_null("sex", 8))
                    .col(string_len_null("from_age", 8))
                    .col(string_len_null("until_age", 8))
                    .col(big_integer_null("low"))
                    .col(big_integer_null("high"))
                    .col(big_integer_null("critical_low"))
                    .col(big_integer_null("critical_high"))
                    .col(timestamp_with_time_zone("valid_from"))
                    .col(timestamp_with_time_zone_null("valid_to"))
                    .col(uuid_null("created_by"))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lab_ranges_test")
                            .from("lab_ranges", "test_id")
                            .to("lab_tests", "id")
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .foreign_key(&mut user_fk("lab_ranges", "created_by"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ix_lab_ranges_test",
            "lab_ranges",
            &["test_id", "valid_to"],
            false,
        )
        .await?;
        for (table, column, codes) in CODED {
            check_codes(manager, table, column, codes).await?;
        }

        let rows: Vec<Row> = csv::Reader::from_reader(DATA.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .map_err(|e| DbErr::Migration(format!("reading lab-tests.csv: {e}")))?;
        let now = chrono::Utc::now();
        let columns = [
            "id",
            "code",
            "code_system",
            "kind",
            "name",
            "short_name",
            "specimen",
            "unit",
            "si_unit",
            "si_factor",
            "decimals",
            "panel",
            "modality",
            "body_region",
            "turnaround_hours",
            "created_at",
            "updated_at",
        ];
        let mut tests = Query::insert();
        tests.into_table("lab_tests").columns(columns);
        let mut ranges = Query::insert();
        ranges.into_table("lab_ranges").columns([
            "id",
            "test_id",
            "sex",
            "from_age",
            "until_age",
            "low",
            "high",
            "critical_low",
            "critical_high",
            "valid_from",
        ]);
        let mut range_count = 0;
        for r in &rows {
            let id = uuid::Uuid::new_v4();
            tests.values_panic([
                id.into(),
                r.loinc.clone().into(),
                "loinc".into(),
                "lab".into(),
                r.name.clone().into(),
                r.short_name.clone().into(),
                text_or_null(&r.specimen),
                text_or_null(&r.unit),
                text_or_null(&r.si_unit),
                text_or_null(&r.si_factor),
                decimals(&[
                    &r.low_male,
                    &r.high_male,
                    &r.low_female,
                    &r.high_female,
                    &r.critical_low,
                    &r.critical_high,
                ])
                .into(),
                text_or_null(&r.panel),
                Option::<String>::None.into(),
                Option::<String>::None.into(),
                r.turnaround_hours.into(),
                now.into(),
                now.into(),
            ]);
            let male = (millionths(&r.low_male)?, millionths(&r.high_male)?);
            let female = (millionths(&r.low_female)?, millionths(&r.high_female)?);
            let critical = (millionths(&r.critical_low)?, millionths(&r.critical_high)?);
            let rules: Vec<(Option<&str>, (Option<i64>, Option<i64>))> = if male == female {
                vec![(None, male)]
            } else {
                vec![(Some("male"), male), (Some("female"), female)]
            };
            for (sex, (low, high)) in rules {
                if low.is_none() && high.is_none() && critical == (None, None) {
                    continue;
                }
                ranges.values_panic([
                    uuid::Uuid::new_v4().into(),
                    id.into(),
                    sex.map(str::to_string).into(),
                    ADULT.into(),
                    Option::<String>::None.into(),
                    low.into(),
                    high.into(),
                    critical.0.into(),
                    critical.1.into(),
                    now.into(),
                ]);
                range_count += 1;
            }
        }
        for (code, name, modality, region, hours) in IMAGING {
            tests.values_panic([
                uuid::Uuid::new_v4().into(),
                (*code).into(),
                "local".into(),
                "imaging".into(),
                (*name).into(),
                (*name).into(),
                Option::<String>::None.into(),
                Option::<String>::None.into(),
                Option::<String>::None.into(),
                Option::<String>::None.into(),
                0i16.into(),
                Option::<String>::None.into(),
                (*modality).into(),
                (*region).into(),
                (*hours).into(),
                now.into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(tests).await?;
        if range_count > 0 {
            manager.exec_stmt(ranges).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("lab_ranges").to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table("lab_tests").to_owned())
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_reads_and_its_limits_are_exact() {
        let rows: Vec<Row> = csv::Reader::from_reader(DATA.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 54);
        let k = rows.iter().find(|r| r.loinc == "2823-3").unwrap();
        assert_eq!(millionths(&k.low_male).unwrap(), Some(3_500_000));
        assert_eq!(millionths(&k.critical_high).unwrap(), Some(6_200_000));
        assert_eq!(millionths("").unwrap(), None);
        assert_eq!(millionths("0.05").unwrap(), Some(50_000));
        assert!(millionths("1e3").is_err());
        assert_eq!(decimals(&["0.74", "1.35", ""]), 2);
        assert_eq!(decimals(&["70", "99"]), 0);
        for r in &rows {
            for limit in [
                &r.low_male,
                &r.high_male,
                &r.low_female,
                &r.high_female,
                &r.critical_low,
                &r.critical_high,
            ] {
                millionths(limit).unwrap();
            }
        }
    }
}

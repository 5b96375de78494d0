//! The formulary: the drugs prescribers choose from.
//!
//! `formulary_drugs` holds one row per clinical drug (an ingredient or a
//! fixed combination at one strength and dose form). The 374 RxNorm drugs
//! of `data/formulary.csv` are loaded here; the pharmacy adds its own (with
//! an RxNorm code or without) and retires drugs it no longer stocks
//! (`retired_at`: not offered for new prescriptions, still named by the old
//! ones).
//!
//! - `generic_name`: lower case; a combination joins its ingredients with
//!   ` / ` (`amoxicillin / clavulanate`), and checks split it there.
//! - `ingredient_rxcuis`: the RxNorm ingredient codes, `;`-joined in the
//!   order of `generic_name`.
//! - `brand_names`: comma-separated brand names the pharmacy adds, searched
//!   like the generic name (RxNorm's clinical drugs carry none).
//! - `drug_class` (FDA established pharmacologic classes, `; `-joined) and
//!   `allergy_class` (the coarse class the allergy checks use): empty when
//!   unknown.
//! - `search_text`: generic and brand names folded to lower-case ASCII words
//!   with a leading space, so a word-prefix search is `LIKE '% word%'` on
//!   both databases, as the ICD-10-CM search does.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::fold_names::fold_name;
use crate::util::index;

const DATA: &str = include_str!("../data/formulary.csv");

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One row of `data/formulary.csv`.
#[derive(serde::Deserialize)]
struct Row {
    rxcui: String,
    generic_name: String,
    strength: String,
    dose_form: String,
    route: String,
    ingredient_rxcui: String,
    drug_class: String,
    allergy_class: String,
}

/// The folded words a drug is found by (the application's
/// `formulary::search_text` computes the same for drugs added later).
pub fn search_text(generic_name: &str, brand_names: &str) -> String {
    format!(" {}", fold_name(&format!("{generic_name} {brand_names}")))
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("formulary_drugs")
                    .col(pk_uuid("id"))
                    .col(string_len_null("rxcui", 16))
                    .col(string_len("generic_name", 120))
                    .col(string_len("brand_names", 300))
                    .col(string_len("strength", 120))
                    .col(string_len("dose_form", 80))
                    .col(string_len("route", 32))
                    .col(string_len("ingredient_rxcuis", 120))
                    .col(string_len("drug_class", 300))
                    .col(string_len("allergy_class", 48))
                    .col(string_len("search_text", 500))
                    .col(timestamp_with_time_zone("created_at"))
                    .col(timestamp_with_time_zone("updated_at"))
                    .col(timestamp_with_time_zone_null("retired_at"))
                    .to_owned(),
            )
            .await?;
        index(
            manager,
            "ux_formulary_drugs_rxcui",
            "formulary_drugs",
            &["rxcui"],
            true,
        )
        .await?;
        index(
            manager,
            "ix_formulary_drugs_generic_name",
            "formulary_drugs",
            &["generic_name", "strength"],
            false,
        )
        .await?;

        let rows: Vec<Row> = csv::Reader::from_reader(DATA.as_bytes())
            .deserialize()
            .collect::<Result<_, _>>()
            .map_err(|e| DbErr::Migration(format!("reading the formulary: {e}")))?;
        let now = chrono::Utc::now();
        let mut insert = Query::insert();
        insert.into_table("formulary_drugs").columns([
            "id",
            "rxcui",
            "generic_name",
            "brand_names",
            "strength",
            "dose_form",
            "route",
            "ingredient_rxcuis",
            "drug_class",
            "allergy_class",
            "search_text",
            "created_at",
            "updated_at",
        ]);
        for r in rows {
            let search = search_text(&r.generic_name, "");
            insert.values_panic([
                uuid::Uuid::new_v4().into(),
                r.rxcui.into(),
                r.generic_name.into(),
                String::new().into(),
                r.strength.into(),
                r.dose_form.into(),
                r.route.into(),
                r.ingredient_rxcui.into(),
                r.drug_class.into(),
                r.allergy_class.into(),
                search.into(),
                now.into(),
                now.into(),
            ]);
        }
        manager.exec_stmt(insert).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("formulary_drugs").to_owned())
            .await
    }
}

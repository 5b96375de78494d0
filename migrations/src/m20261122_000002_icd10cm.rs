//! The ICD-10-CM code set (April 2026), for coding problems and diagnoses.
//!
//! The file is compiled into the binary, so a deployment needs nothing else.
//! `search_text` is the code and description folded to lower-case ASCII words
//! ("Sézary disease, unspecified" → " c84.10 sezary disease unspecified"), with a
//! leading space, so a word-prefix search is `LIKE '% word%'` and behaves the
//! same, case- and accent-insensitively, on SQLite and PostgreSQL.

use std::io::Read;

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

use crate::fold::fold;

const DATA: &[u8] = include_bytes!("../data/icd10cm-2026.tsv.gz");
const BATCH: usize = 500;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table("icd10_codes")
                    .col(string_len("code", 8).primary_key())
                    .col(string_len("description", 255))
                    .col(boolean("billable"))
                    .col(string_len("parent", 16))
                    .col(string_len("search_text", 300))
                    .to_owned(),
            )
            .await?;

        let mut text = String::new();
        flate2::read::GzDecoder::new(DATA)
            .read_to_string(&mut text)
            .map_err(|e| DbErr::Migration(format!("reading the ICD-10-CM file: {e}")))?;
        let rows: Vec<(&str, &str, bool, &str)> = text
            .lines()
            .skip(1)
            .filter(|l| !l.is_empty())
            .map(|line| {
                let mut f = line.split('\t');
                let (code, description, billable, parent) =
                    (f.next(), f.next(), f.next(), f.next());
                match (code, description, billable, parent) {
                    (Some(c), Some(d), Some(b), Some(p)) => Ok((c, d, b == "1", p)),
                    _ => Err(DbErr::Migration(format!(
                        "malformed ICD-10-CM line: {line}"
                    ))),
                }
            })
            .collect::<Result<_, _>>()?;
        for chunk in rows.chunks(BATCH) {
            let mut insert = Query::insert();
            insert.into_table("icd10_codes").columns([
                "code",
                "description",
                "billable",
                "parent",
                "search_text",
            ]);
            for (code, description, billable, parent) in chunk {
                let search = format!(" {}", fold(&format!("{code} {description}")));
                insert.values_panic([
                    (*code).into(),
                    (*description).into(),
                    (*billable).into(),
                    (*parent).into(),
                    search.into(),
                ]);
            }
            manager.exec_stmt(insert).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table("icd10_codes").to_owned())
            .await
    }
}

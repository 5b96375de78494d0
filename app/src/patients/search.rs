//! The patient index search behind the one search box.
//!
//! Every query is an index range scan, the same on SQLite and PostgreSQL:
//! name prefixes are ranges on the folded-name indexes (`>= 'mul' AND < 'mul{'`,
//! since folded text holds only `[a-z0-9. ]`, all below `{`), MRN, phone and
//! birth date are equality lookups. Pages continue from a keyset cursor.

use sea_orm::sea_query::{Condition, Expr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shared::demographics::PatientStatus;
use shared::patients::{PatientQuery, PatientSearchPage, SearchCursor};
use shared::AppError;

use super::service::hit_of;
use crate::context::OrInternal;
use crate::entity::mrn_aliases;
use crate::entity::patients::{self, Column};

/// The first string after every string starting with `prefix`.
fn prefix_end(prefix: &str) -> String {
    format!("{prefix}{{")
}

fn starts_with(column: Column, prefix: &str) -> Condition {
    Condition::all()
        .add(column.gte(prefix))
        .add(column.lt(prefix_end(prefix)))
}

/// Names that match the words exactly: "muller" is a family or given name;
/// "maria muller" is a given and a family name in either order, or one
/// compound family name.
fn exact_name(words: &[String]) -> Condition {
    match words {
        [one] => Condition::any()
            .add(Column::FamilyFolded.eq(one.as_str()))
            .add(Column::GivenFolded.eq(one.as_str())),
        [first, second, ..] => Condition::any()
            .add(
                Condition::all()
                    .add(Column::FamilyFolded.eq(first.as_str()))
                    .add(Column::GivenFolded.eq(second.as_str())),
            )
            .add(
                Condition::all()
                    .add(Column::GivenFolded.eq(first.as_str()))
                    .add(Column::FamilyFolded.eq(second.as_str())),
            )
            .add(Column::FamilyFolded.eq(words.join(" "))),
        [] => Condition::all().add(Expr::value(false)),
    }
}

/// Names the words start: the same shapes as [`exact_name`], as prefixes.
fn prefix_name(words: &[String]) -> Condition {
    match words {
        [one] => Condition::any()
            .add(starts_with(Column::FamilyFolded, one))
            .add(starts_with(Column::GivenFolded, one)),
        [first, second, ..] => Condition::any()
            .add(
                starts_with(Column::FamilyFolded, first)
                    .add(starts_with(Column::GivenFolded, second)),
            )
            .add(
                starts_with(Column::GivenFolded, first)
                    .add(starts_with(Column::FamilyFolded, second)),
            )
            .add(starts_with(Column::FamilyFolded, &words.join(" "))),
        [] => Condition::all().add(Expr::value(false)),
    }
}

/// Rows after the cursor in (family, given, id) order.
fn after(cursor: &SearchCursor) -> Condition {
    Condition::any()
        .add(Column::FamilyFolded.gt(cursor.family.as_str()))
        .add(
            Condition::all()
                .add(Column::FamilyFolded.eq(cursor.family.as_str()))
                .add(
                    Condition::any()
                        .add(Column::GivenFolded.gt(cursor.given.as_str()))
                        .add(
                            Condition::all()
                                .add(Column::GivenFolded.eq(cursor.given.as_str()))
                                .add(Column::Id.gt(cursor.id)),
                        ),
                ),
        )
}

async fn page(
    db: &impl ConnectionTrait,
    filter: Condition,
    cursor: Option<&SearchCursor>,
    limit: u64,
) -> Result<Vec<patients::Model>, AppError> {
    // A merged record lives on in the one it was merged into.
    let mut select = patients::Entity::find()
        .filter(filter)
        .filter(Column::Status.ne(PatientStatus::Merged.as_str()));
    if let Some(cursor) = cursor {
        select = select.filter(after(cursor));
    }
    select
        .order_by_asc(Column::FamilyFolded)
        .order_by_asc(Column::GivenFolded)
        .order_by_asc(Column::Id)
        .limit(limit)
        .all(db)
        .await
        .or_internal()
}

/// One page of patients matching `query`, exact name matches first.
pub async fn search(
    db: &impl ConnectionTrait,
    query: &PatientQuery,
    cursor: Option<&SearchCursor>,
    page_size: u64,
) -> Result<PatientSearchPage, AppError> {
    // Phases: 0 lists exact matches; names have a phase 1 of prefix matches.
    let phases: Vec<Condition> = match query {
        PatientQuery::Mrn(mrn) => {
            // An MRN of a merged record finds the record it was merged into.
            let alias = mrn_aliases::Entity::find_by_id(mrn.as_str().to_string())
                .one(db)
                .await
                .or_internal()?;
            let mut any = Condition::any().add(Column::Mrn.eq(mrn.as_str()));
            if let Some(alias) = alias {
                any = any.add(Column::Id.eq(alias.patient_id));
            }
            vec![any]
        }
        PatientQuery::Phone(phone) => {
            let bare = phone.trim_start_matches('+').to_string();
            vec![Condition::any()
                .add(Column::Phone.eq(bare.clone()))
                .add(Column::Phone.eq(format!("+{bare}")))]
        }
        PatientQuery::BirthDate(date) => vec![Condition::all().add(Column::DateOfBirth.eq(*date))],
        PatientQuery::Name(words) => {
            vec![
                exact_name(words),
                Condition::all()
                    .add(prefix_name(words))
                    .add(Condition::not(exact_name(words))),
            ]
        }
    };
    let start = cursor.map_or(0, |c| c.phase as usize);
    let mut rows: Vec<(u8, patients::Model)> = Vec::new();
    for (phase, filter) in phases.into_iter().enumerate().skip(start) {
        let from = cursor.filter(|c| c.phase as usize == phase);
        // One extra row tells whether another page follows.
        let wanted = page_size + 1 - rows.len() as u64;
        let found = page(db, filter, from, wanted).await?;
        rows.extend(found.into_iter().map(|m| (phase as u8, m)));
        if rows.len() as u64 > page_size {
            break;
        }
    }
    let more = rows.len() as u64 > page_size;
    rows.truncate(page_size as usize);
    let next = more
        .then(|| rows.last())
        .flatten()
        .map(|(phase, m)| SearchCursor {
            phase: *phase,
            family: m.family_folded.clone(),
            given: m.given_folded.clone(),
            id: m.id,
        });
    let hits = rows
        .into_iter()
        .map(|(_, m)| hit_of(&m))
        .collect::<Result<_, AppError>>()?;
    Ok(PatientSearchPage { hits, next })
}

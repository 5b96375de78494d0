//! The patient index search behind the one search box.
//!
//! Every query is an index range scan, the same on SQLite and PostgreSQL:
//! name prefixes are ranges on the folded-name indexes (`>= 'mul' AND < 'mul{'`,
//! since folded text holds only `[a-z0-9. ]`, all below `{`), MRN, phone and
//! birth date are equality lookups. Pages continue from a keyset cursor.

use sea_orm::sea_query::{Condition, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait,
};
use shared::demographics::PatientStatus;
use shared::patients::{PatientQuery, PatientSearchPage, SearchCursor};
use shared::AppError;

use super::service::HitRow;
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

/// The order a phase lists its rows in, each served by one index, so every
/// phase is an index range scan that stops after a page.
#[derive(Clone, Copy, PartialEq)]
enum Order {
    /// (family, given, id): `ix_patients_family_folded`.
    Family,
    /// (given, family, id): `ix_patients_given_folded`.
    Given,
}

/// One step of a name search: what it matches and the order it lists in.
struct Phase {
    filter: Condition,
    order: Order,
}

/// The phases of a name search, best matches first. One word `w`: family
/// name `w`, given name `w`, family names starting with `w`, given names
/// starting with `w`. Two or more words `a b`: family `a` and given `b`, given
/// `a` and family `b`, compound family `a b`; then the same as prefixes. Each
/// phase leaves out what an earlier one listed, so a patient appears once.
fn name_phases(words: &[String]) -> Vec<Phase> {
    use Column::{FamilyFolded as F, GivenFolded as G};
    let shapes: Vec<(Condition, Order)> = match words {
        [] => Vec::new(),
        [w] => vec![
            (Condition::all().add(F.eq(w.as_str())), Order::Family),
            (Condition::all().add(G.eq(w.as_str())), Order::Given),
            (starts_with(F, w), Order::Family),
            (starts_with(G, w), Order::Given),
        ],
        [a, b, ..] => {
            let joined = words.join(" ");
            vec![
                (
                    Condition::all().add(F.eq(a.as_str())).add(G.eq(b.as_str())),
                    Order::Family,
                ),
                (
                    Condition::all().add(G.eq(a.as_str())).add(F.eq(b.as_str())),
                    Order::Given,
                ),
                (Condition::all().add(F.eq(joined.as_str())), Order::Family),
                (starts_with(F, a).add(starts_with(G, b)), Order::Family),
                (starts_with(G, a).add(starts_with(F, b)), Order::Given),
                (starts_with(F, &joined), Order::Family),
            ]
        }
    };
    let mut phases = Vec::with_capacity(shapes.len());
    let mut earlier: Vec<Condition> = Vec::new();
    for (filter, order) in shapes {
        let mut f = filter.clone();
        for e in &earlier {
            f = f.add(Condition::not(e.clone()));
        }
        earlier.push(filter);
        phases.push(Phase { filter: f, order });
    }
    phases
}

/// Rows after the cursor in the phase's order.
fn after(cursor: &SearchCursor, order: Order) -> Condition {
    let (first, second, a, b) = match order {
        Order::Family => (
            Column::FamilyFolded,
            Column::GivenFolded,
            &cursor.family,
            &cursor.given,
        ),
        Order::Given => (
            Column::GivenFolded,
            Column::FamilyFolded,
            &cursor.given,
            &cursor.family,
        ),
    };
    Condition::any().add(first.gt(a.as_str())).add(
        Condition::all().add(first.eq(a.as_str())).add(
            Condition::any().add(second.gt(b.as_str())).add(
                Condition::all()
                    .add(second.eq(b.as_str()))
                    .add(Column::Id.gt(cursor.id)),
            ),
        ),
    )
}

/// One phase's rows after the cursor, in the phase's order, with the folded
/// names the cursor continues from.
fn phase_select(phase: &Phase, cursor: Option<&SearchCursor>, limit: u64) -> SelectStatement {
    // A merged record lives on in the one it was merged into.
    let mut select = patients::Entity::find()
        .select_only()
        .columns(HitRow::COLUMNS)
        .columns([Column::FamilyFolded, Column::GivenFolded])
        .filter(phase.filter.clone())
        .filter(Column::Status.ne(PatientStatus::Merged.as_str()));
    if let Some(cursor) = cursor {
        select = select.filter(after(cursor, phase.order));
    }
    let (first, second) = match phase.order {
        Order::Family => (Column::FamilyFolded, Column::GivenFolded),
        Order::Given => (Column::GivenFolded, Column::FamilyFolded),
    };
    select
        .order_by_asc(first)
        .order_by_asc(second)
        .order_by_asc(Column::Id)
        .limit(limit)
        .into_query()
}

/// A hit with its folded names, as [`phase_select`] answers.
#[derive(sea_orm::FromQueryResult)]
struct PhaseRow {
    #[sea_orm(nested)]
    hit: HitRow,
    family_folded: String,
    given_folded: String,
}

/// One page of patients matching `query`, exact name matches first.
pub async fn search(
    db: &impl ConnectionTrait,
    query: &PatientQuery,
    cursor: Option<&SearchCursor>,
    page_size: u64,
) -> Result<PatientSearchPage, AppError> {
    // Phases: an MRN has two (the record's own, then one merged into it),
    // phone and birth date one; names list exact matches before prefixes,
    // family names before given names (see `name_phases`).
    let phases: Vec<Phase> = match query {
        PatientQuery::Mrn(mrn) => {
            // An MRN of a merged record finds the record it was merged into.
            let alias = Query::select()
                .column(mrn_aliases::Column::PatientId)
                .from(mrn_aliases::Entity)
                .and_where(mrn_aliases::Column::Mrn.eq(mrn.as_str()))
                .to_owned();
            // Two phases rather than one OR, which PostgreSQL would answer
            // with a scan of the whole table.
            vec![
                Phase {
                    filter: Condition::all().add(Column::Mrn.eq(mrn.as_str())),
                    order: Order::Family,
                },
                Phase {
                    filter: Condition::all().add(Column::Id.in_subquery(alias)),
                    order: Order::Family,
                },
            ]
        }
        PatientQuery::Phone(phone) => {
            let bare = phone.trim_start_matches('+').to_string();
            vec![Phase {
                filter: Condition::any()
                    .add(Column::Phone.eq(bare.clone()))
                    .add(Column::Phone.eq(format!("+{bare}"))),
                order: Order::Family,
            }]
        }
        PatientQuery::BirthDate(date) => vec![Phase {
            filter: Condition::all().add(Column::DateOfBirth.eq(*date)),
            order: Order::Family,
        }],
        PatientQuery::Name(words) => name_phases(words),
    };
    // Phase after phase from the cursor's, each an index range scan that
    // stops after what the page still needs; the search stops once it is full.
    // (One `UNION ALL` statement of all phases saved round trips, but
    // PostgreSQL's generic plan for it sorted every prefix match: p95 20 ms at
    // one client with a million patients, against 3 ms for these.)
    let start = cursor.map_or(0, |c| c.phase as usize);
    let mut rows: Vec<(u8, PhaseRow)> = Vec::new();
    for (index, phase) in phases.iter().enumerate().skip(start) {
        let from = cursor.filter(|c| c.phase as usize == index);
        // One extra row tells whether another page follows.
        let wanted = page_size + 1 - rows.len() as u64;
        let statement = phase_select(phase, from, wanted);
        let found = PhaseRow::find_by_statement(db.get_database_backend().build(&statement))
            .all(db)
            .await
            .or_internal()?;
        rows.extend(found.into_iter().map(|r| (index as u8, r)));
        if rows.len() as u64 > page_size {
            break;
        }
    }
    let more = rows.len() as u64 > page_size;
    rows.truncate(page_size as usize);
    let next = more
        .then(|| rows.last())
        .flatten()
        .map(|(phase, r)| SearchCursor {
            phase: *phase,
            family: r.family_folded.clone(),
            given: r.given_folded.clone(),
            id: r.hit.id,
        });
    let hits = rows
        .into_iter()
        .map(|(_, r)| r.hit.into_hit())
        .collect::<Result<_, AppError>>()?;
    Ok(PatientSearchPage { hits, next })
}

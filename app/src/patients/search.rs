//! The patient index search behind the one search box.
//!
//! Every query is an index range scan, the same on SQLite and PostgreSQL:
//! name prefixes are ranges on the folded-name indexes (`>= 'mul' AND <
//! 'mum'`: the prefix with its last character raised by one, which in byte
//! order ends exactly the strings starting with the prefix), MRN, phone and
//! birth date are equality lookups. Pages continue from a keyset cursor.
//!
//! Names are searched in one of two forms (`shared::text`), each with its own
//! pair of covering indexes: a query in Latin script in the names' ASCII form
//! (transliterated: "muller" finds "Müller", "wang wei" finds "王伟"), a query
//! with letters of another script in the names' own script, normalised and
//! case-folded ("мари" finds "Мария", "王" finds "王伟"). Two column pairs
//! rather than both forms in one column keep every phase one range scan in one
//! index: a column holding "мария mariia" could not serve a prefix search for
//! "mar" from its index order. A query goes to one form only, so a search in
//! Chinese characters lists the people with those characters, not every name
//! that transliterates alike.

use sea_orm::sea_query::{Condition, Expr, ExprTrait, Query, SelectStatement};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, IdenStatic, QueryFilter, QueryOrder,
    QuerySelect, QueryTrait, Statement,
};
use shared::demographics::PatientStatus;
use shared::patients::{PatientQuery, PatientSearchPage, SearchCursor};
use shared::text::{is_cjk, prefix_end};
use shared::AppError;

use super::service::HitRow;
use crate::context::OrInternal;
use crate::entity::mrn_aliases;
use crate::entity::patients::{self, Column};

fn starts_with(column: Column, prefix: &str) -> Condition {
    Condition::all()
        .add(column.gte(prefix))
        .add(column.lt(prefix_end(prefix)))
}

/// Which form of the names a search compares (see the module comment).
#[derive(Clone, Copy, PartialEq)]
enum Form {
    /// `family_folded`, `given_folded`: lower-case ASCII.
    Ascii,
    /// `family_native`, `given_native`: the names' own script.
    Native,
}

impl Form {
    /// The (family, given) columns of this form.
    fn columns(self) -> (Column, Column) {
        match self {
            Form::Ascii => (Column::FamilyFolded, Column::GivenFolded),
            Form::Native => (Column::FamilyNative, Column::GivenNative),
        }
    }
}

/// The order a phase lists its rows in, each served by one index, so every
/// phase is an index range scan that stops after a page.
#[derive(Clone, Copy, PartialEq)]
enum Order {
    /// (family, given, id) of a form: `ix_patients_family_hits` (ASCII) or
    /// `ix_patients_family_native_hits`, which also hold the hit columns, so
    /// a page is read from the index alone.
    Family(Form),
    /// (given, family, id): `ix_patients_given_hits` or
    /// `ix_patients_given_native_hits`, likewise.
    Given(Form),
}

impl Order {
    /// The phase's first and second sort columns (then the id).
    fn columns(self) -> (Column, Column) {
        match self {
            Order::Family(form) => form.columns(),
            Order::Given(form) => {
                let (family, given) = form.columns();
                (given, family)
            }
        }
    }

    /// The (family, given) columns the cursor continues from.
    fn names(self) -> (Column, Column) {
        match self {
            Order::Family(form) | Order::Given(form) => form.columns(),
        }
    }
}

/// One step of a name search: what it matches and the order it lists in.
struct Phase {
    filter: Condition,
    order: Order,
}

/// The phases of a name search in `form`, best matches first. One word `w`:
/// family name `w`, given name `w`, family names starting with `w`, given
/// names starting with `w`. Two or more words `a b`: family `a` and given
/// `b`, given `a` and family `b`, compound family `a b`; then the same as
/// prefixes. Each phase leaves out what an earlier one listed, so a patient
/// appears once.
///
/// Chinese, Japanese and Korean names are written without a space between
/// family and given name ("王伟" is family 王, given 伟), so one such word
/// of two or more characters is also tried split after its first and after
/// its second character (compound family names such as 司马, 欧阳): family
/// equal to the head and given starting with the rest.
fn name_phases(words: &[String], form: Form) -> Vec<Phase> {
    let (f, g) = form.columns();
    let family = Order::Family(form);
    let given = Order::Given(form);
    let shapes: Vec<(Condition, Order)> = match words {
        [] => Vec::new(),
        [w] => {
            let mut shapes = vec![
                (Condition::all().add(f.eq(w.as_str())), family),
                (Condition::all().add(g.eq(w.as_str())), given),
                (starts_with(f, w), family),
                (starts_with(g, w), given),
            ];
            let chars: Vec<char> = w.chars().collect();
            if form == Form::Native && chars.len() >= 2 && chars.iter().all(|c| is_cjk(*c)) {
                for split in 1..chars.len().min(3) {
                    let head: String = chars[..split].iter().collect();
                    let tail: String = chars[split..].iter().collect();
                    shapes.push((
                        Condition::all()
                            .add(f.eq(head.as_str()))
                            .add(starts_with(g, &tail)),
                        family,
                    ));
                }
            }
            shapes
        }
        [a, b, ..] => {
            let joined = words.join(" ");
            vec![
                (
                    Condition::all().add(f.eq(a.as_str())).add(g.eq(b.as_str())),
                    family,
                ),
                (
                    Condition::all().add(g.eq(a.as_str())).add(f.eq(b.as_str())),
                    given,
                ),
                (Condition::all().add(f.eq(joined.as_str())), family),
                (starts_with(f, a).add(starts_with(g, b)), family),
                (starts_with(g, a).add(starts_with(f, b)), given),
                (starts_with(f, &joined), family),
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

/// One word `w`: the family names starting with `w` less the exact given-name
/// matches of phase 1, in family order. Family names equal to `w` are the
/// first rows of that range, so this one index scan reads phase 0 and then
/// phase 2 of [`name_phases`], saving a statement per search.
fn family_range_scan(w: &str, form: Form) -> Phase {
    let (f, g) = form.columns();
    Phase {
        filter: starts_with(f, w).add(Condition::any().add(f.eq(w)).add(g.ne(w))),
        order: Order::Family(form),
    }
}

/// Rows after the cursor in the phase's order.
fn after(cursor: &SearchCursor, order: Order) -> Condition {
    let (first, second) = order.columns();
    let (a, b) = match order {
        Order::Family(_) => (&cursor.family, &cursor.given),
        Order::Given(_) => (&cursor.given, &cursor.family),
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
/// names the cursor continues from. Unlimited: [`as_one_row`] writes the
/// limit into the SQL.
fn phase_select(phase: &Phase, cursor: Option<&SearchCursor>) -> SelectStatement {
    // A merged record lives on in the one it was merged into. The status is
    // written into the SQL, not bound, so PostgreSQL plans knowing how few
    // records are merged; with an unknown status its generic plan guessed
    // that the filter kept one row, and sorted every prefix match instead
    // of reading the first few in index order.
    let not_merged =
        Expr::col(Column::Status).ne(Expr::cust(format!("'{}'", PatientStatus::Merged.as_str())));
    let (family, given) = phase.order.names();
    let mut select = patients::Entity::find()
        .select_only()
        .columns(HitRow::COLUMNS)
        .columns([family, given])
        .filter(phase.filter.clone())
        .filter(not_merged);
    if let Some(cursor) = cursor {
        select = select.filter(after(cursor, phase.order));
    }
    let (first, second) = phase.order.columns();
    select
        .order_by_asc(first)
        .order_by_asc(second)
        .order_by_asc(Column::Id)
        .into_query()
}

/// One phase's rows as one JSON array in one result row, each row an array
/// `[[hit columns…], family, given]` (the folded names of the phase's form). Rows cost more than their
/// bytes: sqlx hands every SQLite result row from the connection's thread to
/// the task across a channel (about 40 µs a row under load, most of the time
/// a page of names took).
///
/// The limit is a literal, not a bound value: SQLite (3.47 and later) reads
/// a bound LIMIT while planning and so marks the statement to be parsed and
/// planned again whenever that value is bound, which is every time it runs.
/// A literal keeps the prepared statement cached; the few limits a search
/// asks for (at most a page plus one) make few distinct statements.
fn as_one_row(
    backend: DbBackend,
    phase: &Phase,
    select: &SelectStatement,
    limit: u64,
) -> Statement {
    let inner = backend.build(select);
    let hit = HitRow::COLUMNS
        .iter()
        .map(|c| match (c, backend) {
            // SQLite keeps a UUID as 16 bytes: hex gives its simple form.
            (Column::Id, DbBackend::Sqlite) => "hex(id)",
            _ => c.as_str(),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let (first, second) = phase.order.columns();
    let order = format!("{}, {}, id", first.as_str(), second.as_str());
    let (family, given) = phase.order.names();
    let (family, given) = (family.as_str(), given.as_str());
    let sql = match backend {
        DbBackend::Postgres => format!(
            "SELECT coalesce(json_agg(json_build_array(json_build_array({hit}), {family}, \
             {given}) ORDER BY {order}), '[]')::text FROM ({} LIMIT {limit}) AS page",
            inner.sql
        ),
        _ => format!(
            "SELECT json_group_array(json_array(json_array({hit}), {family}, {given}) \
             ORDER BY {order}) FROM ({} LIMIT {limit}) AS page",
            inner.sql
        ),
    };
    Statement {
        sql,
        values: inner.values,
        db_backend: backend,
    }
}

/// A phase's rows after `cursor`, at most `limit`: what one page reads.
type PageRead<'a> = (&'a Phase, Option<&'a SearchCursor>, u64);

/// The statement that reads one page as one JSON row ([`as_one_row`]).
fn page_statement(backend: DbBackend, (phase, cursor, limit): PageRead) -> Statement {
    as_one_row(backend, phase, &phase_select(phase, cursor), limit)
}

/// The page in column `index` of `row`; none when the column is NULL.
fn page_at(row: &sea_orm::QueryResult, index: usize) -> Result<Vec<PhaseRow>, AppError> {
    let json: Option<String> = row.try_get_by_index(index).or_internal()?;
    json.map_or(Ok(Vec::new()), |json| {
        serde_json::from_str(&json).or_internal()
    })
}

/// One phase's rows after `cursor`, at most `limit`.
async fn phase_rows(
    db: &impl ConnectionTrait,
    phase: &Phase,
    cursor: Option<&SearchCursor>,
    limit: u64,
) -> Result<Vec<PhaseRow>, AppError> {
    let statement = page_statement(db.get_database_backend(), (phase, cursor, limit));
    match db.query_one_raw(statement).await.or_internal()? {
        Some(row) => page_at(&row, 0),
        None => Ok(Vec::new()),
    }
}

/// Two phases' rows in one statement, `SELECT (first page), (second page)`:
/// one round trip to the database instead of two.
async fn phase_rows_pair(
    db: &impl ConnectionTrait,
    first: PageRead<'_>,
    second: PageRead<'_>,
) -> Result<(Vec<PhaseRow>, Vec<PhaseRow>), AppError> {
    let backend = db.get_database_backend();
    let (a, b) = (
        page_statement(backend, first),
        page_statement(backend, second),
    );
    let mut values = a.values.map(|v| v.0).unwrap_or_default();
    let second_sql = match backend {
        // Numbered parameters: the second statement's follow the first's.
        DbBackend::Postgres => renumber_parameters(&b.sql, values.len()),
        _ => b.sql,
    };
    values.extend(b.values.map(|v| v.0).unwrap_or_default());
    let statement = Statement::from_sql_and_values(
        backend,
        format!("SELECT ({}), ({second_sql})", a.sql),
        values,
    );
    let row = db
        .query_one_raw(statement)
        .await
        .or_internal()?
        .ok_or(AppError::Internal)?;
    Ok((page_at(&row, 0)?, page_at(&row, 1)?))
}

/// `$1`, `$2`, … in `sql` (outside quoted literals) raised by `offset`.
fn renumber_parameters(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        out.push(c);
        match c {
            '\'' => quoted = !quoted,
            '$' if !quoted => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                match digits.parse::<usize>() {
                    Ok(n) => out.push_str(&(n + offset).to_string()),
                    Err(_) => out.push_str(&digits),
                }
            }
            _ => {}
        }
    }
    out
}

/// A hit with its folded names (of the phase's form), as one element of
/// [`as_one_row`]'s array.
#[derive(serde::Deserialize)]
struct PhaseRow {
    hit: HitRow,
    family: String,
    given: String,
}

/// The patients whose national identifier has the blind index `index`
/// (`service::national_id_index`), merged records left out: at most
/// `limit`, by name.
pub async fn by_national_id(
    db: &impl ConnectionTrait,
    index: &str,
    limit: u64,
) -> Result<Vec<shared::patients::PatientSearchHit>, AppError> {
    patients::Entity::find()
        .select_only()
        .columns(HitRow::COLUMNS)
        .filter(Column::NationalIdIndex.eq(index))
        .filter(Column::Status.ne(PatientStatus::Merged))
        .order_by_asc(Column::FamilyFolded)
        .order_by_asc(Column::GivenFolded)
        .order_by_asc(Column::Id)
        .limit(limit)
        .into_model::<HitRow>()
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(HitRow::into_hit)
        .collect()
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
                    order: Order::Family(Form::Ascii),
                },
                Phase {
                    filter: Condition::all().add(Column::Id.in_subquery(alias)),
                    order: Order::Family(Form::Ascii),
                },
            ]
        }
        PatientQuery::Phone(phone) => {
            let bare = phone.trim_start_matches('+').to_string();
            vec![Phase {
                filter: Condition::any()
                    .add(Column::Phone.eq(bare.clone()))
                    .add(Column::Phone.eq(format!("+{bare}"))),
                order: Order::Family(Form::Ascii),
            }]
        }
        PatientQuery::BirthDate(date) => vec![Phase {
            filter: Condition::all().add(Column::DateOfBirth.eq(*date)),
            order: Order::Family(Form::Ascii),
        }],
        PatientQuery::Name(words) => name_phases(words, Form::Ascii),
        PatientQuery::NativeName(words) => name_phases(words, Form::Native),
    };
    // An MRN names one record: its own, or failing that the one a record of
    // that MRN was merged into.
    let first_found_only = matches!(query, PatientQuery::Mrn(_));
    // Phase after phase from the cursor's, each an index range scan that
    // stops after what the page still needs; the search stops once it is
    // full. (One `UNION ALL` statement of all phases was measured too: no
    // faster on SQLite, slower on PostgreSQL, and it always runs every phase.)
    let start = cursor.map_or(0, |c| c.phase as usize);
    let mut rows: Vec<(u8, PhaseRow)> = Vec::new();
    let mut next_phase = start;
    // One extra row tells whether another page follows.
    let wanted = |rows: &[(u8, PhaseRow)]| page_size + 1 - rows.len() as u64;
    let one_word = match query {
        PatientQuery::Name(words) => Some((words, Form::Ascii)),
        PatientQuery::NativeName(words) => Some((words, Form::Native)),
        _ => None,
    };
    if let (Some((words, form)), 0) = (one_word, start) {
        if let [w] = words.as_slice() {
            // Phases 0 and 2 in one scan, then phase 1 placed between them,
            // both read by one statement. Should the scan stop at its limit,
            // the page is full whatever phase 1 holds; if it does not, phase
            // 2 was read to its end. Phase 1 is read for a whole page, as the
            // number of exact family names ahead of it is not known yet.
            let (scan, given) = phase_rows_pair(
                db,
                (&family_range_scan(w, form), cursor, wanted(&rows)),
                (&phases[1], None, wanted(&rows)),
            )
            .await?;
            let (exact, prefix): (Vec<_>, Vec<_>) = scan.into_iter().partition(|r| r.family == *w);
            rows.extend(exact.into_iter().map(|r| (0, r)));
            let room = wanted(&rows) as usize;
            rows.extend(given.into_iter().take(room).map(|r| (1, r)));
            rows.extend(prefix.into_iter().map(|r| (2, r)));
            next_phase = 3;
        }
    }
    for (index, phase) in phases.iter().enumerate().skip(next_phase) {
        if rows.len() as u64 > page_size || (first_found_only && !rows.is_empty()) {
            break;
        }
        let from = cursor.filter(|c| c.phase as usize == index);
        let found = phase_rows(db, phase, from, wanted(&rows)).await?;
        rows.extend(found.into_iter().map(|r| (index as u8, r)));
    }
    let more = rows.len() as u64 > page_size;
    rows.truncate(page_size as usize);
    let next = more
        .then(|| rows.last())
        .flatten()
        .map(|(phase, r)| SearchCursor {
            phase: *phase,
            family: r.family.clone(),
            given: r.given.clone(),
            id: r.hit.id,
        });
    let hits = rows
        .into_iter()
        .map(|(_, r)| r.hit.into_hit())
        .collect::<Result<_, AppError>>()?;
    Ok(PatientSearchPage { hits, next })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The page limit is part of the SQL, never a bound value (see
    /// `as_one_row`): the only value bound here is the MRN.
    #[test]
    fn page_limits_are_written_into_the_sql() {
        let phase = Phase {
            filter: Condition::all().add(Column::Mrn.eq("M10000001")),
            order: Order::Family(Form::Ascii),
        };
        for backend in [DbBackend::Sqlite, DbBackend::Postgres] {
            let statement = page_statement(backend, (&phase, None, 21));
            assert!(
                statement.sql.ends_with(" LIMIT 21) AS page"),
                "{}",
                statement.sql
            );
            assert_eq!(statement.values.map(|v| v.0.len()), Some(1));
        }
    }

    #[test]
    fn parameters_are_renumbered_outside_literals_only() {
        assert_eq!(
            super::renumber_parameters("a >= $1 AND b < $2 AND c <> '$1' AND d = $10", 3),
            "a >= $4 AND b < $5 AND c <> '$1' AND d = $13"
        );
    }
}

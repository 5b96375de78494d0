//! Record queries.

use sea_orm::sea_query::{CaseStatement, Expr, Order};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use shared::records::Icd10Code;
use shared::text::query_words;
use shared::AppError;

use crate::context::OrInternal;
use crate::entity::icd10_codes;

/// Finds ICD-10-CM codes by code ("e11.9", "E11") or by words of the
/// description ("diab mell type 2"): every word must start a word of the code's
/// text. Ranked: exact code, then codes starting with the query, then billable
/// codes, then shorter (more general) descriptions.
pub async fn search_icd10(
    db: &impl ConnectionTrait,
    query: &str,
    limit: u64,
) -> Result<Vec<Icd10Code>, AppError> {
    let words = query_words(query);
    if words.is_empty() || query.trim().chars().count() < 2 {
        return Ok(Vec::new());
    }
    let mut select = icd10_codes::Entity::find();
    for word in &words {
        // Folded words hold only [a-z0-9.], so they need no LIKE escaping.
        select = select.filter(icd10_codes::Column::SearchText.like(format!("% {word}%")));
    }
    let code = words[0].to_uppercase();
    let rank = CaseStatement::new()
        .case(icd10_codes::Column::Code.eq(code.clone()), 0)
        .case(icd10_codes::Column::Code.like(format!("{code}%")), 1)
        .finally(2);
    let rows = select
        .order_by(Into::<Expr>::into(rank), Order::Asc)
        .order_by(icd10_codes::Column::Billable, Order::Desc)
        .order_by(Expr::cust("LENGTH(description)"), Order::Asc)
        .order_by(icd10_codes::Column::Code, Order::Asc)
        .limit(limit)
        .all(db)
        .await
        .or_internal()?;
    Ok(rows
        .into_iter()
        .map(|r| Icd10Code {
            code: r.code,
            description: r.description,
            billable: r.billable,
        })
        .collect())
}

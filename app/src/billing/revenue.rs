//! Revenue: who a line is for (the doctor and department of its charge),
//! the daily sums kept as invoices are issued and credited (`revenue_days`,
//! migration 31), and the financial reports read from them: revenue by
//! period and breakdown, outstanding balances by age, claims' approval and
//! denial rates. Server-only.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use shared::billing::{InvoiceKind, InvoiceStatus};
use shared::insurance::{AgingBucket, ClaimStatus};
use shared::money::Currency;
use shared::reports::{
    AgingReport, AgingRow, Breakdown, ClaimRateRow, ClaimRates, RevenueQuery, RevenueReport,
};
use shared::time::HospitalTime;
use shared::AppError;
use uuid::Uuid;

use crate::context::OrInternal;
use crate::entity::{
    charge_items, claims, departments, doctor_profiles, invoice_lines, invoices, payers,
    revenue_days, users,
};

/// Where a line comes from: its charge, and the doctor and department the
/// revenue is theirs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Origin {
    pub charge_id: Option<Uuid>,
    pub doctor_id: Option<Uuid>,
    pub department_id: Option<Uuid>,
}

impl Origin {
    /// This origin for the charge `id`.
    pub fn charge(self, id: Uuid) -> Origin {
        Origin {
            charge_id: Some(id),
            ..self
        }
    }
}

/// The doctor of each of the charges `ids` and the doctor's department now.
pub async fn attribution(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = Uuid>,
) -> Result<HashMap<Uuid, Origin>, AppError> {
    let ids: Vec<Uuid> = ids.into_iter().collect();
    let doctors: Vec<(Uuid, Option<Uuid>)> = charge_items::Entity::find()
        .select_only()
        .column(charge_items::Column::Id)
        .column(charge_items::Column::DoctorId)
        .filter(charge_items::Column::Id.is_in(ids))
        .into_tuple()
        .all(db)
        .await
        .or_internal()?;
    let departments: HashMap<Uuid, Option<Uuid>> = doctor_profiles::Entity::find()
        .filter(doctor_profiles::Column::UserId.is_in(doctors.iter().filter_map(|(_, d)| *d)))
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| (p.user_id, p.department_id))
        .collect();
    Ok(doctors
        .into_iter()
        .map(|(id, doctor)| {
            let department_id = doctor.and_then(|d| departments.get(&d).copied().flatten());
            (
                id,
                Origin {
                    charge_id: Some(id),
                    doctor_id: doctor,
                    department_id,
                },
            )
        })
        .collect())
}

/// Adds an issued invoice's lines to the daily sums (a credit note's are
/// subtracted), in the transaction.
pub async fn post(
    db: &impl ConnectionTrait,
    invoice: &invoices::Model,
    lines: &[invoice_lines::Model],
) -> Result<(), AppError> {
    let sign = if invoice.kind == InvoiceKind::CreditNote {
        -1
    } else {
        1
    };
    let mut sums: HashMap<(NaiveDate, Uuid, Uuid), (i64, i64)> = HashMap::new();
    for l in lines {
        let key = (
            l.service_date,
            l.department_id.unwrap_or_default(),
            l.doctor_id.unwrap_or_default(),
        );
        let sum = sums.entry(key).or_default();
        sum.0 += sign * l.total;
        sum.1 += sign;
    }
    let payer = invoice.payer_id.unwrap_or_default();
    for ((day, department, doctor), (amount, count)) in sums {
        let row = revenue_days::ActiveModel {
            day: Set(day),
            department_id: Set(department),
            doctor_id: Set(doctor),
            payer_id: Set(payer),
            currency: Set(invoice.currency.as_str().to_string()),
            amount: Set(amount),
            lines: Set(count),
        };
        use revenue_days::Column as C;
        revenue_days::Entity::insert(row)
            .on_conflict(
                OnConflict::columns([
                    C::Day,
                    C::DepartmentId,
                    C::DoctorId,
                    C::PayerId,
                    C::Currency,
                ])
                .value(
                    C::Amount,
                    Expr::col((revenue_days::Entity, C::Amount)).add(amount),
                )
                .value(
                    C::Lines,
                    Expr::col((revenue_days::Entity, C::Lines)).add(count),
                )
                .to_owned(),
            )
            .exec_without_returning(db)
            .await
            .or_internal()?;
    }
    Ok(())
}

/// The names of a breakdown's ids (the nil id: "none").
async fn names_of(
    db: &impl ConnectionTrait,
    by: Breakdown,
    ids: Vec<Uuid>,
) -> Result<HashMap<Uuid, String>, AppError> {
    let mut names: HashMap<Uuid, String> = match by {
        Breakdown::Department => departments::Entity::find()
            .filter(departments::Column::Id.is_in(ids))
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|d| (d.id, d.name))
            .collect(),
        Breakdown::Doctor => users::Entity::find()
            .filter(users::Column::Id.is_in(ids))
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect(),
        Breakdown::Payer => payers::Entity::find()
            .filter(payers::Column::Id.is_in(ids))
            .all(db)
            .await
            .or_internal()?
            .into_iter()
            .map(|p| (p.id, p.name))
            .collect(),
    };
    names.insert(
        Uuid::nil(),
        match by {
            Breakdown::Department => "No department",
            Breakdown::Doctor => "No doctor",
            Breakdown::Payer => "Self-pay",
        }
        .to_string(),
    );
    Ok(names)
}

/// Revenue billed on the service days of `query`, in `currency`, by its
/// period and breakdown: one grouped read of the daily sums.
pub async fn report(
    db: &impl ConnectionTrait,
    query: RevenueQuery,
    currency: Currency,
) -> Result<RevenueReport, AppError> {
    use revenue_days::Column as C;
    let column = match query.by {
        Breakdown::Department => C::DepartmentId,
        Breakdown::Doctor => C::DoctorId,
        Breakdown::Payer => C::PayerId,
    };
    let rows: Vec<(NaiveDate, Uuid, i64)> = revenue_days::Entity::find()
        .select_only()
        .column(C::Day)
        .column(column)
        .column_as(Expr::cust("CAST(SUM(amount) AS BIGINT)"), "amount")
        .filter(C::Currency.eq(currency.as_str()))
        .filter(C::Day.between(query.from, query.to))
        .group_by(C::Day)
        .group_by(column)
        .into_tuple()
        .all(db)
        .await
        .or_internal()?;
    let mut ids: Vec<Uuid> = rows.iter().map(|(_, id, _)| *id).collect();
    ids.sort_unstable();
    ids.dedup();
    let names = names_of(db, query.by, ids).await?;
    Ok(RevenueReport::of(
        query,
        currency,
        rows.into_iter().map(|(day, id, amount)| {
            let name = names.get(&id).cloned().unwrap_or_else(|| id.to_string());
            (day, name, amount)
        }),
    ))
}

/// Issued invoices read per query by the aging report.
const AGING_PAGE: u64 = 500;

/// What patients owe on issued invoices by days since issue, and what
/// insurers owe on claims by days since submission, on `today`.
pub async fn aging(
    db: &impl ConnectionTrait,
    currency: Currency,
    tz: chrono_tz::Tz,
    at: &impl HospitalTime,
) -> Result<AgingReport, AppError> {
    let (today, now) = (at.today(), at.now());
    let mut rows: Vec<AgingRow> = AgingBucket::ALL
        .iter()
        .map(|b| AgingRow {
            bucket: *b,
            invoices: 0,
            patients_owe: 0,
            claims: 0,
            insurers_owe: 0,
        })
        .collect();
    let index = |b: AgingBucket| AgingBucket::ALL.iter().position(|x| *x == b).unwrap_or(0);
    // Issued invoices, a page at a time by id.
    let mut after = Uuid::nil();
    loop {
        let page = invoices::Entity::find()
            .filter(invoices::Column::Kind.eq(InvoiceKind::Invoice))
            .filter(invoices::Column::Status.eq(InvoiceStatus::Issued))
            .filter(invoices::Column::Currency.eq(currency))
            .filter(invoices::Column::Id.gt(after))
            .order_by_asc(invoices::Column::Id)
            .limit(AGING_PAGE)
            .all(db)
            .await
            .or_internal()?;
        let Some(last) = page.last() else { break };
        after = last.id;
        let owed = super::invoices::balances_of(db, &page).await?;
        for i in &page {
            let due = owed.get(&i.id).copied().unwrap_or(0);
            if due <= 0 {
                continue;
            }
            let issued = i
                .issued_at
                .unwrap_or(i.created_at)
                .with_timezone(&tz)
                .date_naive();
            let row = &mut rows[index(AgingBucket::of((today - issued).num_days()))];
            row.invoices += 1;
            row.patients_owe += due;
        }
        if (page.len() as u64) < AGING_PAGE {
            break;
        }
    }
    let open: Vec<(Option<DateTime<Utc>>, i64, Option<i64>)> = claims::Entity::find()
        .select_only()
        .column(claims::Column::SubmittedAt)
        .column(claims::Column::Claimed)
        .column(claims::Column::Approved)
        .filter(claims::Column::Status.is_in([
            ClaimStatus::Submitted,
            ClaimStatus::Approved,
            ClaimStatus::PartlyApproved,
        ]))
        .filter(claims::Column::Currency.eq(currency))
        .into_tuple()
        .all(db)
        .await
        .or_internal()?;
    for (submitted, claimed, approved) in open {
        let days = submitted.map_or(0, |s| (now - s).num_days());
        let row = &mut rows[index(AgingBucket::of(days))];
        row.claims += 1;
        row.insurers_owe += approved.unwrap_or(claimed);
    }
    Ok(AgingReport {
        on: today,
        currency,
        rows,
    })
}

/// Claims decided on the days `from` to `to` (the hospital's), by payer.
pub async fn claim_rates(
    db: &impl ConnectionTrait,
    from: NaiveDate,
    to: NaiveDate,
    currency: Currency,
    at: &impl HospitalTime,
) -> Result<ClaimRates, AppError> {
    let start = at.start_of_day(from);
    let end = at.start_of_day(to.succ_opt().unwrap_or(to));
    let decided = claims::Entity::find()
        .filter(claims::Column::DecidedAt.gte(start))
        .filter(claims::Column::DecidedAt.lt(end))
        .filter(claims::Column::Currency.eq(currency))
        .all(db)
        .await
        .or_internal()?;
    let names: HashMap<Uuid, String> = payers::Entity::find()
        .all(db)
        .await
        .or_internal()?
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    let empty = |payer: String| ClaimRateRow {
        payer,
        decided: 0,
        approved: 0,
        partly_approved: 0,
        denied: 0,
        claimed: 0,
        granted: 0,
    };
    let mut by_payer: HashMap<Uuid, ClaimRateRow> = HashMap::new();
    let mut all = empty("All payers".into());
    for c in decided {
        let approved = c.approved.unwrap_or(0);
        for row in [
            by_payer
                .entry(c.payer_id)
                .or_insert_with(|| empty(names.get(&c.payer_id).cloned().unwrap_or_default())),
            &mut all,
        ] {
            row.decided += 1;
            match shared::insurance::adjudicated(c.claimed, approved) {
                ClaimStatus::Approved => row.approved += 1,
                ClaimStatus::PartlyApproved => row.partly_approved += 1,
                _ => row.denied += 1,
            }
            row.claimed += c.claimed;
            row.granted += approved;
        }
    }
    let mut rows: Vec<ClaimRateRow> = by_payer.into_values().collect();
    rows.sort_by(|a, b| a.payer.cmp(&b.payer));
    Ok(ClaimRates {
        from,
        to,
        currency,
        rows,
        all,
    })
}

//! Invoices and credit notes: a draft from a patient's unbilled charges,
//! discounts on its lines, issuing it under a gapless number, crediting it;
//! and the payments taken against it.

use std::collections::HashMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use shared::billing::{
    Account, DeskPayment, InvoiceKind, InvoiceStatus, InvoiceSummary, InvoiceView, LineView,
    PaymentStatus, PaymentView, RefundStatus, Series,
};
use shared::ids::{InvoiceId, PatientId, PaymentId};
use shared::insurance::insurer_cover;
use shared::money::{balance, portions, Currency, LineInput, Money, Rate, Totals};
use shared::AppError;
use uuid::Uuid;

use super::charges;
use crate::context::{internal, is_unique_violation, OrInternal};
use crate::entity::{charge_items, invoice_lines, invoices, payments};

/// The next number of `series` in `year`, taken in the caller's
/// transaction: the counter's row is incremented in place (PostgreSQL
/// holds its row lock, SQLite its single writer, until the transaction
/// ends), so a rolled-back issue gives its number back and two issues never
/// take the same one.
pub async fn next_number(
    db: &impl ConnectionTrait,
    series: Series,
    year: i32,
) -> Result<String, AppError> {
    let create = Query::insert()
        .into_table("invoice_counters")
        .columns(["series", "year", "last"])
        .values_panic([series.code().into(), year.into(), 0i64.into()])
        .on_conflict(
            OnConflict::columns(["series", "year"])
                .do_nothing()
                .to_owned(),
        )
        .to_owned();
    db.execute(&create).await.or_internal()?;
    let bump = Query::update()
        .table("invoice_counters")
        .value("last", Expr::col("last").add(1))
        .and_where(Expr::col("series").eq(Expr::val(series.code())))
        .and_where(Expr::col("year").eq(Expr::val(year)))
        .returning_col("last")
        .to_owned();
    let row = db
        .query_one(&bump)
        .await
        .or_internal()?
        .ok_or_else(|| internal("the counter row is missing"))?;
    let last: i64 = row.try_get("", "last").or_internal()?;
    Ok(series.number(year, last))
}

/// An invoice by id; `patient`, when given, must own it.
pub async fn find(
    db: &impl ConnectionTrait,
    id: InvoiceId,
    patient: Option<Uuid>,
) -> Result<invoices::Model, AppError> {
    invoices::Entity::find_by_id(id.uuid())
        .one(db)
        .await
        .or_internal()?
        .filter(|i| patient.is_none_or(|p| p == i.patient_id))
        .ok_or_else(|| AppError::NotFound("The invoice".into()))
}

/// [`find`] for a change: the invoice's row stays locked until the
/// transaction ends (PostgreSQL's `FOR UPDATE`; SQLite has one writer), so
/// two clerks issuing, crediting or taking a payment on one invoice at once
/// act one after the other, the second seeing what the first did.
pub async fn find_for_update(
    db: &impl ConnectionTrait,
    id: InvoiceId,
) -> Result<invoices::Model, AppError> {
    invoices::Entity::find_by_id(id.uuid())
        .lock_exclusive()
        .one(db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The invoice".into()))
}

fn draft_only(invoice: &invoices::Model) -> Result<(), AppError> {
    if invoice.status == InvoiceStatus::Draft {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "An issued invoice is never changed: correct it with a credit note.".into(),
        ))
    }
}

fn input_of(line: &invoice_lines::Model) -> LineInput {
    LineInput {
        quantity: line.quantity,
        unit_price: line.unit_price,
        discount: line.discount,
        tax_rate: Rate::stored(line.tax_rate),
    }
}

/// Stores `totals` on the invoice row.
async fn set_totals(
    db: &impl ConnectionTrait,
    invoice: invoices::Model,
    totals: Totals,
    insurer_portion: i64,
) -> Result<invoices::Model, AppError> {
    let mut row = invoice.into_active_model();
    row.insurer_portion = Set(insurer_portion);
    row.subtotal = Set(totals.subtotal);
    row.discount = Set(totals.discount);
    row.tax = Set(totals.tax);
    row.total = Set(totals.total);
    row.update(db).await.or_internal()
}

async fn lines_of(
    db: &impl ConnectionTrait,
    invoice: Uuid,
) -> Result<Vec<invoice_lines::Model>, AppError> {
    invoice_lines::Entity::find()
        .filter(invoice_lines::Column::InvoiceId.eq(invoice))
        .order_by_asc(invoice_lines::Column::Position)
        .all(db)
        .await
        .or_internal()
}

/// A draft invoice of the patient's unbilled, unvoided charges, each at
/// its price on its service date. A charge without a price stops the draft
/// (named, so the administrator can price it); one already on another
/// draft is refused by the database (`ux_invoice_lines_charge`).
pub async fn draft(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    currency: Currency,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<invoices::Model, AppError> {
    let open: Vec<_> = charges::unbilled(db, patient_id)
        .await?
        .into_iter()
        .filter(|c| c.voided.is_none())
        .collect();
    if open.is_empty() {
        return Err(AppError::Conflict(
            "The patient has no charges to invoice.".into(),
        ));
    }
    let unpriced: Vec<&str> = open
        .iter()
        .filter(|c| c.unit_price.is_none())
        .map(|c| c.description.as_str())
        .collect();
    if !unpriced.is_empty() {
        return Err(AppError::Conflict(format!(
            "These charges have no price on their day; add them to the price list first: {}.",
            unpriced.join("; ")
        )));
    }
    if let Some(other) = open
        .iter()
        .find_map(|c| c.unit_price.filter(|p| p.currency != currency))
    {
        return Err(AppError::Conflict(format!(
            "A price is in {}, not the hospital's {currency}: correct the price list.",
            other.currency
        )));
    }
    let dates: Vec<chrono::NaiveDate> = open.iter().map(|c| c.service_date).collect();
    let coverage = super::insurance::eligible_coverage(db, patient_id, &dates).await?;
    let invoice = invoices::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(patient_id),
        kind: Set(InvoiceKind::Invoice),
        status: Set(InvoiceStatus::Draft),
        payer_id: Set(coverage.as_ref().map(|c| c.payer.id)),
        member_id: Set(coverage.as_ref().map(|c| c.member_id.clone())),
        insurer_share: Set(coverage.as_ref().map_or(0, |c| c.payer.share)),
        insurer_portion: Set(0),
        credit_of: Set(None),
        number: Set(None),
        currency: Set(currency),
        subtotal: Set(0),
        discount: Set(0),
        tax: Set(0),
        total: Set(0),
        note: Set(None),
        created_by: Set(by),
        created_at: Set(now),
        issued_by: Set(None),
        issued_at: Set(None),
    }
    .insert(db)
    .await
    .or_internal()?;
    let mut inputs = Vec::new();
    let mut insurer = 0;
    let origins = super::revenue::attribution(db, open.iter().map(|c| c.id.uuid())).await?;
    for (position, c) in open.iter().enumerate() {
        let price = c.unit_price.ok_or_else(|| internal("checked above"))?;
        let input = LineInput {
            quantity: c.quantity,
            unit_price: price.minor,
            discount: 0,
            tax_rate: c.tax_rate,
        };
        let share = coverage
            .as_ref()
            .filter(|cov| cov.covers(c.service_date))
            .map(|cov| Rate::stored(cov.payer.share));
        insurer += insert_line(
            db,
            &invoice,
            origins
                .get(&c.id.uuid())
                .copied()
                .unwrap_or_default()
                .charge(c.id.uuid()),
            position as i32,
            &c.description,
            c.service_date,
            input,
            None,
            share,
        )
        .await
        .map_err(|e| match e {
            LineError::Taken => {
                AppError::Conflict("Another draft took some of these charges meanwhile.".into())
            }
            LineError::Other(e) => e,
        })?;
        inputs.push(input);
    }
    set_totals(db, invoice, Totals::of(&inputs), insurer).await
}

enum LineError {
    Taken,
    Other(AppError),
}

#[allow(clippy::too_many_arguments)]
async fn insert_line(
    db: &impl ConnectionTrait,
    invoice: &invoices::Model,
    origin: super::revenue::Origin,
    position: i32,
    description: &str,
    service_date: chrono::NaiveDate,
    input: LineInput,
    discount_reason: Option<String>,
    covered: Option<Rate>,
) -> Result<i64, LineError> {
    let a = input.amounts();
    let insurer = covered.map_or(0, |share| portions(a.total, share).0);
    invoice_lines::ActiveModel {
        id: Set(Uuid::new_v4()),
        invoice_id: Set(invoice.id),
        patient_id: Set(invoice.patient_id),
        charge_id: Set(origin.charge_id),
        doctor_id: Set(origin.doctor_id),
        department_id: Set(origin.department_id),
        position: Set(position),
        description: Set(description.to_string()),
        service_date: Set(service_date),
        quantity: Set(input.quantity),
        unit_price: Set(input.unit_price),
        discount: Set(a.discount),
        discount_reason: Set(discount_reason),
        tax_rate: Set(input.tax_rate.0 as i32),
        gross: Set(a.gross),
        tax: Set(a.tax),
        total: Set(a.total),
        covered: Set(covered.is_some()),
        insurer_portion: Set(insurer),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            LineError::Taken
        } else {
            LineError::Other(internal(e))
        }
    })?;
    Ok(insurer)
}

/// A line of a draft, for a discount.
pub async fn draft_line(
    db: &impl ConnectionTrait,
    invoice: &invoices::Model,
    line_id: Uuid,
) -> Result<invoice_lines::Model, AppError> {
    draft_only(invoice)?;
    invoice_lines::Entity::find_by_id(line_id)
        .one(db)
        .await
        .or_internal()?
        .filter(|l| l.invoice_id == invoice.id)
        .ok_or_else(|| AppError::NotFound("The invoice line".into()))
}

/// Sets a line's discount (0 removes it) and recomputes the draft.
pub async fn discount(
    db: &impl ConnectionTrait,
    invoice: invoices::Model,
    line: invoice_lines::Model,
    amount: i64,
    reason: String,
) -> Result<(), AppError> {
    let input = LineInput {
        discount: amount,
        ..input_of(&line)
    };
    let a = input.amounts();
    let insurer = if line.covered {
        portions(a.total, Rate::stored(invoice.insurer_share)).0
    } else {
        0
    };
    let mut row = line.into_active_model();
    row.insurer_portion = Set(insurer);
    row.discount = Set(a.discount);
    row.discount_reason = Set((a.discount > 0).then_some(reason));
    row.tax = Set(a.tax);
    row.total = Set(a.total);
    row.update(db).await.or_internal()?;
    recompute(db, invoice).await.map(|_| ())
}

async fn recompute(
    db: &impl ConnectionTrait,
    invoice: invoices::Model,
) -> Result<invoices::Model, AppError> {
    let lines = lines_of(db, invoice.id).await?;
    let inputs: Vec<LineInput> = lines.iter().map(input_of).collect();
    let insurer = lines.iter().map(|l| l.insurer_portion).sum();
    set_totals(db, invoice, Totals::of(&inputs), insurer).await
}

/// Discards a draft: its charges are unbilled again.
pub async fn discard(db: &impl ConnectionTrait, invoice: invoices::Model) -> Result<(), AppError> {
    draft_only(&invoice)?;
    invoice_lines::Entity::delete_many()
        .filter(invoice_lines::Column::InvoiceId.eq(invoice.id))
        .exec(db)
        .await
        .or_internal()?;
    invoices::Entity::delete_by_id(invoice.id)
        .exec(db)
        .await
        .or_internal()?;
    Ok(())
}

/// Issues a draft: its number is the next of the year (the hospital's), and
/// its charges are marked invoiced. Never changed afterwards.
pub async fn issue(
    db: &impl ConnectionTrait,
    invoice: invoices::Model,
    tz: chrono_tz::Tz,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<invoices::Model, AppError> {
    draft_only(&invoice)?;
    let lines = lines_of(db, invoice.id).await?;
    if lines.is_empty() {
        return Err(AppError::Conflict(
            "An invoice needs at least one line.".into(),
        ));
    }
    let year = now.with_timezone(&tz).year();
    let number = next_number(db, Series::Invoice, year).await?;
    let charge_ids: Vec<Uuid> = lines.iter().filter_map(|l| l.charge_id).collect();
    charge_items::Entity::update_many()
        .col_expr(charge_items::Column::InvoicedAt, Expr::value(now))
        .filter(charge_items::Column::Id.is_in(charge_ids))
        .exec(db)
        .await
        .or_internal()?;
    let mut row = invoice.into_active_model();
    row.status = Set(InvoiceStatus::Issued);
    row.number = Set(Some(number));
    row.issued_by = Set(Some(by));
    row.issued_at = Set(Some(now));
    let issued = row.update(db).await.or_internal()?;
    super::revenue::post(db, &issued, &lines).await?;
    Ok(issued)
}

/// A credit note for the whole of an issued invoice (once): the same lines,
/// issued at once under the credit notes' own number series.
pub async fn credit(
    db: &impl ConnectionTrait,
    invoice: invoices::Model,
    reason: String,
    tz: chrono_tz::Tz,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<invoices::Model, AppError> {
    if invoice.kind != InvoiceKind::Invoice || invoice.status != InvoiceStatus::Issued {
        return Err(AppError::Conflict(
            "Only an issued invoice can be credited.".into(),
        ));
    }
    if !credit_notes_of(db, &[invoice.id]).await?.is_empty() {
        return Err(AppError::Conflict(
            "That invoice has been credited already.".into(),
        ));
    }
    super::insurance::creditable(db, &invoice).await?;
    let year = now.with_timezone(&tz).year();
    let number = next_number(db, Series::CreditNote, year).await?;
    let note = invoices::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(invoice.patient_id),
        kind: Set(InvoiceKind::CreditNote),
        status: Set(InvoiceStatus::Issued),
        credit_of: Set(Some(invoice.id)),
        number: Set(Some(number)),
        currency: Set(invoice.currency),
        subtotal: Set(invoice.subtotal),
        discount: Set(invoice.discount),
        tax: Set(invoice.tax),
        total: Set(invoice.total),
        note: Set(Some(reason)),
        created_by: Set(by),
        created_at: Set(now),
        issued_by: Set(Some(by)),
        issued_at: Set(Some(now)),
        // The payer stays named, for revenue by payer; the note claims nothing.
        payer_id: Set(invoice.payer_id),
        member_id: Set(invoice.member_id.clone()),
        insurer_share: Set(0),
        insurer_portion: Set(0),
    }
    .insert(db)
    .await
    .or_internal()?;
    for line in lines_of(db, invoice.id).await? {
        insert_line(
            db,
            &note,
            super::revenue::Origin {
                charge_id: None,
                doctor_id: line.doctor_id,
                department_id: line.department_id,
            },
            line.position,
            &line.description,
            line.service_date,
            input_of(&line),
            line.discount_reason.clone(),
            None,
        )
        .await
        .map_err(|e| match e {
            LineError::Taken => internal("a credit line names no charge"),
            LineError::Other(e) => e,
        })?;
    }
    super::revenue::post(db, &note, &lines_of(db, note.id).await?).await?;
    Ok(note)
}

/// A credit note was issued against the invoice `id`.
pub async fn credited(db: &impl ConnectionTrait, id: Uuid) -> Result<bool, AppError> {
    Ok(!credit_notes_of(db, &[id]).await?.is_empty())
}

async fn credit_notes_of(
    db: &impl ConnectionTrait,
    invoices_: &[Uuid],
) -> Result<Vec<invoices::Model>, AppError> {
    invoices::Entity::find()
        .filter(invoices::Column::CreditOf.is_in(invoices_.iter().copied()))
        .filter(invoices::Column::Status.eq(InvoiceStatus::Issued))
        .all(db)
        .await
        .or_internal()
}

async fn payments_of(
    db: &impl ConnectionTrait,
    invoices_: &[Uuid],
) -> Result<Vec<payments::Model>, AppError> {
    payments::Entity::find()
        .filter(payments::Column::InvoiceId.is_in(invoices_.iter().copied()))
        .order_by_asc(payments::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()
}

/// An invoice's money: received, given back, credited, and still owed.
#[derive(Debug, Clone, Copy)]
struct Owed {
    paid: i64,
    refunded: i64,
    credited: i64,
    owed: i64,
    /// What the insurer is counted on to pay.
    cover: i64,
}

/// What is still owed on each of `list` (issued invoices; 0 for the rest).
async fn balances(
    db: &impl ConnectionTrait,
    list: &[invoices::Model],
) -> Result<HashMap<Uuid, Owed>, AppError> {
    let ids: Vec<Uuid> = list.iter().map(|i| i.id).collect();
    let mut paid: HashMap<Uuid, i64> = HashMap::new();
    for p in payments_of(db, &ids).await? {
        if p.status == PaymentStatus::Succeeded {
            *paid.entry(p.invoice_id).or_default() += p.amount;
        }
    }
    let mut refunded: HashMap<Uuid, i64> = HashMap::new();
    for r in super::online::refunds_of(db, &ids).await? {
        if r.status == RefundStatus::Succeeded {
            *refunded.entry(r.invoice_id).or_default() += r.amount;
        }
    }
    let mut credited: HashMap<Uuid, i64> = HashMap::new();
    for n in credit_notes_of(db, &ids).await? {
        if let Some(of) = n.credit_of {
            *credited.entry(of).or_default() += n.total;
        }
    }
    let claims = super::insurance::claims_of(db, &ids).await?;
    Ok(list
        .iter()
        .map(|i| {
            let paid = paid.get(&i.id).copied().unwrap_or(0);
            let refunded = refunded.get(&i.id).copied().unwrap_or(0);
            let credited = credited.get(&i.id).copied().unwrap_or(0);
            let cover = insurer_cover(
                i.insurer_portion,
                claims.get(&i.id).map(|c| (c.status, c.approved)),
                credited != 0,
            );
            let owed = if i.kind == InvoiceKind::Invoice && i.status == InvoiceStatus::Issued {
                balance(i.total - cover, paid, refunded, credited)
            } else {
                0
            };
            (
                i.id,
                Owed {
                    paid,
                    refunded,
                    credited,
                    owed,
                    cover,
                },
            )
        })
        .collect())
}

pub fn payment_view(p: &payments::Model) -> PaymentView {
    PaymentView {
        id: PaymentId(p.id),
        method: p.method,
        status: p.status,
        amount: Money::new(p.amount, p.currency),
        reference: p.reference.clone(),
        receipt_number: p.receipt_number.clone(),
        received_at: p.received_at,
        refundable: if p.status == PaymentStatus::Succeeded {
            p.amount
        } else {
            0
        },
    }
}

/// An invoice or credit note, whole.
pub async fn view(
    db: &impl ConnectionTrait,
    invoice: &invoices::Model,
) -> Result<InvoiceView, AppError> {
    let lines = lines_of(db, invoice.id).await?;
    let money = balances(db, std::slice::from_ref(invoice)).await?[&invoice.id];
    let refunds = super::online::refunds_of(db, &[invoice.id]).await?;
    let names = crate::lab::work::filing_names(db, [invoice.patient_id]).await?;
    let (patient_name, mrn) = names.get(&invoice.patient_id).cloned().unwrap_or_default();
    let credit_of = match invoice.credit_of {
        Some(of) => invoices::Entity::find_by_id(of)
            .one(db)
            .await
            .or_internal()?
            .and_then(|i| i.number),
        None => None,
    };
    let credited_by = credit_notes_of(db, &[invoice.id])
        .await?
        .into_iter()
        .filter_map(|n| n.number)
        .collect();
    Ok(InvoiceView {
        id: InvoiceId(invoice.id),
        patient_id: PatientId(invoice.patient_id),
        patient_name,
        mrn,
        kind: invoice.kind,
        status: invoice.status,
        number: invoice.number.clone(),
        credit_of,
        credited_by,
        currency: invoice.currency,
        lines: lines
            .iter()
            .map(|l| LineView {
                id: l.id,
                description: l.description.clone(),
                service_date: l.service_date,
                quantity: l.quantity,
                unit_price: l.unit_price,
                tax_rate: Rate::stored(l.tax_rate),
                discount_reason: l.discount_reason.clone(),
                amounts: input_of(l).amounts(),
                insurer_portion: l.insurer_portion,
            })
            .collect(),
        totals: Totals {
            subtotal: invoice.subtotal,
            discount: invoice.discount,
            tax: invoice.tax,
            total: invoice.total,
        },
        payments: payments_of(db, &[invoice.id])
            .await?
            .iter()
            .map(|p| {
                let mut view = payment_view(p);
                view.refundable -= refunds
                    .iter()
                    .filter(|r| r.payment_id == p.id && r.status != RefundStatus::Failed)
                    .map(|r| r.amount)
                    .sum::<i64>();
                view
            })
            .collect(),
        refunds: refunds.iter().map(super::online::refund_view).collect(),
        paid: money.paid,
        refunded: money.refunded,
        credited: money.credited,
        balance: money.owed,
        created_at: invoice.created_at,
        issued_at: invoice.issued_at,
        payable_online: false,
        plan: None,
        insurance: super::insurance::insurance_view(db, invoice, money.cover).await?,
    })
}

/// A patient's bills: unbilled charges (for staff), invoices newest first,
/// and what is owed.
pub async fn account(
    db: &impl ConnectionTrait,
    patient_id: Uuid,
    with_charges: bool,
    today: NaiveDate,
) -> Result<Account, AppError> {
    let list = invoices::Entity::find()
        .filter(invoices::Column::PatientId.eq(patient_id))
        .order_by_desc(invoices::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()?;
    let owed = balances(db, &list).await?;
    let plans = super::plans::views(db, &list, |i| owed[&i].owed, today).await?;
    let mut outstanding: Vec<Money> = Vec::new();
    for i in &list {
        let due = owed[&i.id].owed;
        if due != 0 {
            match outstanding.iter_mut().find(|m| m.currency == i.currency) {
                Some(m) => m.minor += due,
                None => outstanding.push(Money::new(due, i.currency)),
            }
        }
    }
    let names = crate::lab::work::filing_names(db, [patient_id]).await?;
    let (patient_name, mrn) = names
        .get(&patient_id)
        .cloned()
        .ok_or_else(|| AppError::NotFound("The patient record".into()))?;
    Ok(Account {
        patient_id: PatientId(patient_id),
        patient_name,
        mrn,
        charges: if with_charges {
            charges::unbilled(db, patient_id).await?
        } else {
            Vec::new()
        },
        invoices: list
            .iter()
            .map(|i| InvoiceSummary {
                id: InvoiceId(i.id),
                kind: i.kind,
                status: i.status,
                number: i.number.clone(),
                total: Money::new(i.total, i.currency),
                balance: owed[&i.id].owed,
                created_at: i.created_at,
                issued_at: i.issued_at,
                overdue: plans.get(&i.id).is_some_and(|p| p.overdue()),
            })
            .collect(),
        outstanding,
    })
}

/// What is still owed on each of `list` (issued invoices; 0 for the rest).
pub async fn balances_of(
    db: &impl ConnectionTrait,
    list: &[invoices::Model],
) -> Result<HashMap<Uuid, i64>, AppError> {
    Ok(balances(db, list)
        .await?
        .into_iter()
        .map(|(id, money)| (id, money.owed))
        .collect())
}

/// What is still owed on an issued invoice.
pub async fn owed(db: &impl ConnectionTrait, invoice: &invoices::Model) -> Result<i64, AppError> {
    Ok(balances(db, std::slice::from_ref(invoice)).await?[&invoice.id].owed)
}

/// Refuses a payment on anything but an issued invoice.
pub fn payable(invoice: &invoices::Model) -> Result<(), AppError> {
    if invoice.kind == InvoiceKind::Invoice && invoice.status == InvoiceStatus::Issued {
        Ok(())
    } else {
        Err(AppError::Conflict(
            "Payments are taken on issued invoices.".into(),
        ))
    }
}

/// Records money received at the desk, with the next receipt number, under
/// `idempotency_key` (the caller answers a key already recorded, `by_key`,
/// before it checks the amount; a key recorded meanwhile fails with
/// [`SAME_KEY`]).
#[allow(clippy::too_many_arguments)]
pub async fn desk_payment(
    db: &impl ConnectionTrait,
    invoice: &invoices::Model,
    payment: DeskPayment,
    idempotency_key: &str,
    tz: chrono_tz::Tz,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<PaymentView, AppError> {
    let year = now.with_timezone(&tz).year();
    let receipt = next_number(db, Series::Receipt, year).await?;
    let row = payments::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(invoice.patient_id),
        invoice_id: Set(invoice.id),
        method: Set(payment.method),
        status: Set(PaymentStatus::Succeeded),
        amount: Set(payment.amount),
        currency: Set(invoice.currency),
        reference: Set(payment.reference),
        idempotency_key: Set(idempotency_key.to_string()),
        receipt_number: Set(Some(receipt)),
        received_by: Set(Some(by)),
        created_at: Set(now),
        received_at: Set(Some(now)),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict(SAME_KEY.into())
        } else {
            internal(e)
        }
    })?;
    Ok(payment_view(&row))
}

/// The error of a payment whose key another request recorded meanwhile
/// (PostgreSQL: the second insert waits for the first and then fails); the
/// caller answers the recorded one after its rollback.
pub const SAME_KEY: &str = "This payment is being recorded already.";

/// A payment recorded under `key`, if any.
pub async fn by_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<payments::Model>, AppError> {
    payments::Entity::find()
        .filter(payments::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
        .or_internal()
}

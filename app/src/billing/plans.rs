//! Payment plans: an issued invoice's balance agreed in monthly
//! instalments. What has been paid since the plan covers its instalments in
//! order; one past its due date and not covered is overdue, flagged on the
//! invoice and the account, and the patient is reminded once through the
//! outbox, without amounts or services.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use shared::billing::{instalment_states, schedule, InstalmentState, InstalmentView, PlanView};
use shared::money::Money;
use shared::notify::{payment_overdue_notice, NoticeKind};
use shared::AppError;
use uuid::Uuid;

use super::invoices;
use crate::context::OrInternal;
use crate::entity::{
    invoices as invoice_rows, notification_outbox as outbox, patients, payment_plans,
    plan_instalments,
};

/// How long after its due date an unpaid instalment is still reminded of
/// (once): the daily scan looks no further back, so it stays small.
pub const REMIND_WITHIN_DAYS: i64 = 30;

/// Agrees a plan for what is owed on `invoice` (locked by the caller):
/// `n` monthly instalments from `first`.
pub async fn create(
    db: &impl ConnectionTrait,
    invoice: &invoice_rows::Model,
    n: u32,
    first: NaiveDate,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<payment_plans::Model, AppError> {
    invoices::payable(invoice)?;
    if live_of(db, &[invoice.id]).await?.contains_key(&invoice.id) {
        return Err(AppError::Conflict(
            "This invoice has a payment plan already: cancel it first.".into(),
        ));
    }
    let owed = invoices::owed(db, invoice).await?;
    if owed < i64::from(n) {
        return Err(AppError::Conflict(
            "Too little is owed on this invoice for a payment plan.".into(),
        ));
    }
    let plan = payment_plans::ActiveModel {
        id: Set(Uuid::new_v4()),
        invoice_id: Set(invoice.id),
        patient_id: Set(invoice.patient_id),
        amount: Set(owed),
        currency: Set(invoice.currency),
        created_by: Set(by),
        created_at: Set(now),
        cancelled_by: Set(None),
        cancelled_at: Set(None),
        cancel_reason: Set(None),
    }
    .insert(db)
    .await
    .or_internal()?;
    let rows: Vec<plan_instalments::ActiveModel> = schedule(owed, n, first)
        .into_iter()
        .enumerate()
        .map(|(i, (due, amount))| plan_instalments::ActiveModel {
            id: Set(Uuid::new_v4()),
            plan_id: Set(plan.id),
            patient_id: Set(invoice.patient_id),
            seq: Set(i as i32 + 1),
            due_date: Set(due),
            amount: Set(amount),
        })
        .collect();
    plan_instalments::Entity::insert_many(rows)
        .exec_without_returning(db)
        .await
        .or_internal()?;
    Ok(plan)
}

/// Ends the live plan of `invoice` (locked by the caller), with the reason.
pub async fn cancel(
    db: &impl ConnectionTrait,
    invoice: &invoice_rows::Model,
    reason: String,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<payment_plans::Model, AppError> {
    let (plan, _) = live_of(db, &[invoice.id])
        .await?
        .remove(&invoice.id)
        .ok_or_else(|| AppError::NotFound("The invoice's payment plan".into()))?;
    let mut row = plan.into_active_model();
    row.cancelled_by = Set(Some(by));
    row.cancelled_at = Set(Some(now));
    row.cancel_reason = Set(Some(reason));
    row.update(db).await.or_internal()
}

/// The live plans of `invoice_ids`, with their instalments in order.
pub async fn live_of(
    db: &impl ConnectionTrait,
    invoice_ids: &[Uuid],
) -> Result<HashMap<Uuid, (payment_plans::Model, Vec<plan_instalments::Model>)>, AppError> {
    let plans = payment_plans::Entity::find()
        .filter(payment_plans::Column::InvoiceId.is_in(invoice_ids.iter().copied()))
        .filter(payment_plans::Column::CancelledAt.is_null())
        .all(db)
        .await
        .or_internal()?;
    let mut instalments: HashMap<Uuid, Vec<plan_instalments::Model>> = HashMap::new();
    for i in plan_instalments::Entity::find()
        .filter(plan_instalments::Column::PlanId.is_in(plans.iter().map(|p| p.id)))
        .order_by_asc(plan_instalments::Column::Seq)
        .all(db)
        .await
        .or_internal()?
    {
        instalments.entry(i.plan_id).or_default().push(i);
    }
    Ok(plans
        .into_iter()
        .map(|p| {
            let list = instalments.remove(&p.id).unwrap_or_default();
            (p.invoice_id, (p, list))
        })
        .collect())
}

/// A plan as shown, when `owed` is still owed on its invoice on `today`:
/// what was paid since it was agreed covers its instalments in order.
pub fn view(
    plan: &payment_plans::Model,
    instalments: &[plan_instalments::Model],
    owed: i64,
    today: NaiveDate,
) -> PlanView {
    let paid = (plan.amount - owed).clamp(0, plan.amount);
    let due: Vec<(NaiveDate, i64)> = instalments.iter().map(|i| (i.due_date, i.amount)).collect();
    let states = instalment_states(&due, paid, today);
    PlanView {
        amount: Money::new(plan.amount, plan.currency),
        created_at: plan.created_at,
        instalments: instalments
            .iter()
            .zip(states)
            .map(|(i, state)| InstalmentView {
                seq: i.seq,
                due_date: i.due_date,
                amount: i.amount,
                state,
            })
            .collect(),
    }
}

/// The plans of `invoice_list` as shown on `today`, by invoice.
pub async fn views(
    db: &impl ConnectionTrait,
    invoice_list: &[invoice_rows::Model],
    owed: impl Fn(Uuid) -> i64,
    today: NaiveDate,
) -> Result<HashMap<Uuid, PlanView>, AppError> {
    let ids: Vec<Uuid> = invoice_list.iter().map(|i| i.id).collect();
    Ok(live_of(db, &ids)
        .await?
        .into_iter()
        .map(|(invoice, (plan, list))| (invoice, view(&plan, &list, owed(invoice), today)))
        .collect())
}

/// Queues a reminder to each patient with an instalment overdue since at
/// most [`REMIND_WITHIN_DAYS`] (on the hospital's `today`), by the channel
/// their consents allow; once per instalment and channel (the outbox's
/// dedupe key), however often this runs. Answers how many instalments were
/// found overdue.
pub async fn remind_overdue(
    db: &impl ConnectionTrait,
    hospital: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let candidates = plan_instalments::Entity::find()
        .filter(plan_instalments::Column::DueDate.lt(today))
        .filter(plan_instalments::Column::DueDate.gte(today - Duration::days(REMIND_WITHIN_DAYS)))
        .all(db)
        .await
        .or_internal()?;
    let plan_ids: Vec<Uuid> = candidates.iter().map(|i| i.plan_id).collect();
    let plans = payment_plans::Entity::find()
        .filter(payment_plans::Column::Id.is_in(plan_ids))
        .filter(payment_plans::Column::CancelledAt.is_null())
        .all(db)
        .await
        .or_internal()?;
    let invoice_list = invoice_rows::Entity::find()
        .filter(invoice_rows::Column::Id.is_in(plans.iter().map(|p| p.invoice_id)))
        .all(db)
        .await
        .or_internal()?;
    let owed = invoices::balances_of(db, &invoice_list).await?;
    let live = live_of(db, &invoice_list.iter().map(|i| i.id).collect::<Vec<_>>()).await?;
    let mut found = 0;
    let mut rows = Vec::new();
    for (invoice, (plan, instalments)) in &live {
        let shown = view(
            plan,
            instalments,
            owed.get(invoice).copied().unwrap_or(0),
            today,
        );
        let overdue: Vec<&plan_instalments::Model> = instalments
            .iter()
            .zip(&shown.instalments)
            .filter(|(i, v)| {
                v.state == InstalmentState::Overdue
                    && i.due_date >= today - Duration::days(REMIND_WITHIN_DAYS)
            })
            .map(|(i, _)| i)
            .collect();
        if overdue.is_empty() {
            continue;
        }
        found += overdue.len();
        let Some(patient) = patients::Entity::find_by_id(plan.patient_id)
            .one(db)
            .await
            .or_internal()?
        else {
            continue;
        };
        let Some((channel, recipient)) =
            crate::appointments::notices::reachability(&patient).pick()
        else {
            continue;
        };
        let notice = payment_overdue_notice(channel, hospital);
        for instalment in overdue {
            rows.push(
                outbox::Queued {
                    id: Uuid::new_v4(),
                    patient_id: plan.patient_id,
                    appointment_id: None,
                    kind: NoticeKind::PaymentOverdue,
                    channel,
                    recipient: recipient.clone(),
                    subject: notice.subject.clone(),
                    body: notice.body.clone(),
                    dedupe_key: format!("payment_overdue:{}:{}", instalment.id, channel.as_str()),
                    due: now,
                }
                .row(now),
            );
        }
    }
    outbox::queue(db, rows).await.or_internal()?;
    Ok(found)
}

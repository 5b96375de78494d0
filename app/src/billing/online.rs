//! Online payments and refunds: a patient pays an invoice on the provider's
//! hosted page ([`super::provider`]); the payment is recorded once, by the
//! provider's signed webhook or by the patient's return, whichever comes
//! first; the billing clerk refunds a payment, never more than is left of it.

use axum::body::Bytes;
use axum::extract::Extension;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Utc};
use sea_orm::sea_query::{OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, Set,
};
use shared::billing::{
    CheckoutStatus, PaymentMethod, PaymentStatus, PaymentView, RefundStatus, RefundView, Series,
};
use shared::ids::{InvoiceId, PaymentId, RefundId};
use shared::money::Money;
use shared::AppError;
use uuid::Uuid;

use super::invoices::{self, next_number, payment_view};
use super::provider::{
    event_of_json, verify_webhook, Checkout, CheckoutRequest, CheckoutState, Payments,
    ProviderError, SIGNATURE_HEADER,
};
use crate::audit::service::{Actor, AuditEvent};
use crate::context::{internal, is_unique_violation, OrInternal, RequestMeta};
use crate::entity::{invoices as invoice_rows, payment_checkouts, payments, refunds};
use crate::state::ServerContext;

/// The provider's idempotency key for opening checkout `id`: asked again
/// (after a timeout, or by a retried request), the provider answers the
/// same checkout.
fn provider_checkout_key(id: Uuid) -> String {
    format!("hms-checkout-{id}")
}

/// The key a checkout's payment is recorded under: one payment per checkout.
fn payment_key(provider_id: &str) -> String {
    format!("checkout:{provider_id}")
}

/// The configured provider, or why online payment is not offered.
pub fn configured(ctx: &ServerContext) -> Result<&Payments, AppError> {
    ctx.payments.as_ref().ok_or_else(|| {
        AppError::Conflict(
            "Online payment is not set up at this hospital: please pay at the desk.".into(),
        )
    })
}

fn unavailable(e: ProviderError) -> AppError {
    match e {
        ProviderError::Refused(m) => {
            tracing::error!(error = %m, "the payment provider refused a request");
            AppError::Unavailable(
                "The payment service refused the request; the billing office has been told.".into(),
            )
        }
        ProviderError::Unavailable(m) => {
            tracing::warn!(error = %m, "the payment provider is unavailable");
            AppError::Unavailable(
                "The payment service is not answering. Please try again in a moment.".into(),
            )
        }
    }
}

/// The checkout the patient's form opened under `key`, or a new one for
/// what is owed on `invoice` (locked by the caller). Answers it and whether
/// it is new (to audit).
pub async fn open(
    db: &impl ConnectionTrait,
    invoice: &invoice_rows::Model,
    key: &str,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<(payment_checkouts::Model, bool), AppError> {
    if let Some(found) = payment_checkouts::Entity::find()
        .filter(payment_checkouts::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
        .or_internal()?
    {
        if found.invoice_id != invoice.id {
            return Err(AppError::BadRequest(
                "This payment form belongs to another invoice.".into(),
            ));
        }
        return Ok((found, false));
    }
    invoices::payable(invoice)?;
    let owed = invoices::owed(db, invoice).await?;
    if owed <= 0 {
        return Err(AppError::Conflict(
            "Nothing is owed on this invoice.".into(),
        ));
    }
    let row = payment_checkouts::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(invoice.patient_id),
        invoice_id: Set(invoice.id),
        amount: Set(owed),
        currency: Set(invoice.currency),
        status: Set(CheckoutStatus::Open),
        provider_id: Set(None),
        url: Set(None),
        idempotency_key: Set(key.to_string()),
        payment_id: Set(None),
        created_by: Set(Some(by)),
        created_at: Set(now),
        completed_at: Set(None),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict("This payment is being opened already.".into())
        } else {
            internal(e)
        }
    })?;
    Ok((row, true))
}

/// Asks the provider for the hosted page of `checkout` (once: the same
/// idempotency key answers the same page) and keeps its id and address.
/// Runs outside any transaction: nothing is locked while the provider answers.
pub async fn hosted_page(
    ctx: &ServerContext,
    checkout: payment_checkouts::Model,
    number: &str,
) -> Result<String, AppError> {
    if checkout.status != CheckoutStatus::Open {
        return Err(AppError::Conflict(
            "This payment is already complete.".into(),
        ));
    }
    if let Some(url) = &checkout.url {
        return Ok(url.clone());
    }
    let payments = configured(ctx)?;
    let back = format!("{}/patient/bills/{}", ctx.public_url, checkout.invoice_id);
    let request = CheckoutRequest {
        amount: checkout.amount,
        currency: checkout.currency.as_str().to_string(),
        description: format!("{} {number}", ctx.hospital_name),
        reference: checkout.id.to_string(),
        success_url: format!("{back}?checkout={{CHECKOUT_SESSION_ID}}"),
        cancel_url: format!("{back}?checkout=cancelled"),
    };
    let opened = payments
        .provider
        .create_checkout(&request, &provider_checkout_key(checkout.id))
        .await
        .map_err(unavailable)?;
    let url = opened
        .url
        .clone()
        .ok_or_else(|| internal("the provider's checkout has no address"))?;
    let mut row = checkout.into_active_model();
    row.provider_id = Set(Some(opened.id));
    row.url = Set(Some(url.clone()));
    row.update(&ctx.db).await.or_internal()?;
    Ok(url)
}

fn provider_actor() -> Actor {
    Actor {
        id: None,
        email: Some("payment provider".into()),
        role: None,
    }
}

/// Records the payment of a paid checkout, once: under the invoice's row
/// lock, a payment already recorded for it (by the webhook or the
/// patient's return, whichever came first) is answered as it is.
pub async fn record_paid(
    txn: &impl ConnectionTrait,
    paid: &Checkout,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<Option<(PaymentView, Option<AuditEvent>)>, AppError> {
    if paid.state != CheckoutState::Paid {
        return Ok(None);
    }
    let Some(checkout) = find_checkout(txn, paid).await? else {
        tracing::warn!(checkout = %paid.id, "a paid checkout HMS did not open");
        return Ok(None);
    };
    let invoice = invoices::find_for_update(txn, InvoiceId(checkout.invoice_id)).await?;
    let key = payment_key(&paid.id);
    if let Some(done) = invoices::by_key(txn, &key).await? {
        return Ok(Some((payment_view(&done), None)));
    }
    if !paid
        .currency
        .eq_ignore_ascii_case(checkout.currency.as_str())
    {
        return Err(internal(format!(
            "checkout {} was paid in {}, not {}",
            paid.id,
            paid.currency,
            checkout.currency.as_str()
        )));
    }
    // What the provider took is what was paid, even if the invoice changed
    // meanwhile (a desk payment too): the balance shows any credit.
    let year = now.with_timezone(&tz).year();
    let receipt = next_number(txn, Series::Receipt, year).await?;
    let payment = payments::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(invoice.patient_id),
        invoice_id: Set(invoice.id),
        method: Set(PaymentMethod::Online),
        status: Set(PaymentStatus::Succeeded),
        amount: Set(paid.amount),
        currency: Set(checkout.currency),
        reference: Set(paid.payment_intent.clone()),
        idempotency_key: Set(key),
        receipt_number: Set(Some(receipt)),
        received_by: Set(None),
        created_at: Set(now),
        received_at: Set(Some(now)),
    }
    .insert(txn)
    .await
    .or_internal()?;
    let mut row = checkout.into_active_model();
    row.status = Set(CheckoutStatus::Paid);
    row.provider_id = Set(Some(paid.id.clone()));
    row.payment_id = Set(Some(payment.id));
    row.completed_at = Set(Some(now));
    row.update(txn).await.or_internal()?;
    let view = payment_view(&payment);
    let event = AuditEvent::new(
        provider_actor(),
        "billing.paid_online",
        shared::audit::Outcome::Success,
    )
    .at(now)
    .patient(invoice.patient_id)
    .entity("payment", view.id)
    .detail(format!(
        "{} on {} ({})",
        view.amount,
        invoice.number.clone().unwrap_or_default(),
        paid.id
    ));
    Ok(Some((view, Some(event))))
}

async fn find_checkout(
    db: &impl ConnectionTrait,
    paid: &Checkout,
) -> Result<Option<payment_checkouts::Model>, AppError> {
    // By HMS's own reference first: the webhook may come before the
    // provider's id was stored.
    let by_reference = paid
        .reference
        .as_deref()
        .and_then(|r| Uuid::parse_str(r).ok());
    let query = payment_checkouts::Entity::find();
    let query = match by_reference {
        Some(id) => query.filter(payment_checkouts::Column::Id.eq(id)),
        None => query.filter(payment_checkouts::Column::ProviderId.eq(paid.id.as_str())),
    };
    let found = query.one(db).await.or_internal()?;
    Ok(found.filter(|c| c.provider_id.as_deref().is_none_or(|p| p == paid.id)))
}

/// The patient's return from the provider's page: asks the provider for
/// the checkout (the webhook may not have come yet) and records it if paid.
/// Answers the payment, or `None` while the provider has not confirmed it.
pub async fn settle_return(
    ctx: &ServerContext,
    provider_id: &str,
    patient: Uuid,
) -> Result<Option<PaymentView>, AppError> {
    let mine = payment_checkouts::Entity::find()
        .filter(payment_checkouts::Column::ProviderId.eq(provider_id))
        .filter(payment_checkouts::Column::PatientId.eq(patient))
        .one(&ctx.db)
        .await
        .or_internal()?
        .ok_or_else(|| AppError::NotFound("The payment".into()))?;
    if let Some(id) = mine.payment_id {
        let done = payments::Entity::find_by_id(id)
            .one(&ctx.db)
            .await
            .or_internal()?
            .ok_or_else(|| internal("a paid checkout's payment is missing"))?;
        return Ok(Some(payment_view(&done)));
    }
    let paid = configured(ctx)?
        .provider
        .checkout(provider_id)
        .await
        .map_err(unavailable)?;
    if paid.reference.as_deref() != Some(mine.id.to_string().as_str()) {
        return Err(internal(format!(
            "checkout {provider_id} is not the one HMS opened as {}",
            mine.id
        )));
    }
    let txn = crate::context::begin_write(&ctx.db).await?;
    let answer = match record_paid(&txn, &paid, ctx.timezone, ctx.clock.now()).await? {
        Some((view, event)) => {
            if let Some(event) = event {
                append_event(&txn, event).await?;
            }
            Some(view)
        }
        None => None,
    };
    txn.commit().await.or_internal()?;
    Ok(answer)
}

async fn append_event(txn: &impl ConnectionTrait, event: AuditEvent) -> Result<(), AppError> {
    let meta = RequestMeta {
        client_addr: "payment provider".into(),
        user_agent: String::new(),
    };
    crate::audit::chain::append(txn, vec![crate::audit::service::row(event, &meta)])
        .await
        .or_internal()
}

/// Where the provider sends its events (set in its dashboard as
/// `<public URL>/webhooks/payments`).
pub const WEBHOOK_PATH: &str = "/webhooks/payments";

/// `POST /webhooks/payments`: the provider's events. Answers 400 to a
/// request whose signature does not verify or is stale (a replay), 200 to
/// an event already acted on (a duplicated delivery changes nothing), and
/// 200 once a paid checkout's payment is recorded. A failure answers 500,
/// and the provider delivers the event again later.
pub async fn webhook(
    Extension(ctx): Extension<ServerContext>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(payments) = ctx.payments.clone() else {
        return (StatusCode::NOT_FOUND, "online payment is not set up").into_response();
    };
    let signature = headers
        .get(SIGNATURE_HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if let Err(e) = verify_webhook(&payments.webhook_secret, signature, &body, ctx.clock.now()) {
        tracing::warn!(error = %e, "a payment webhook refused");
        return (StatusCode::BAD_REQUEST, e.to_string()).into_response();
    }
    let Some(event) = event_of_json(&body) else {
        return (StatusCode::BAD_REQUEST, "not an event").into_response();
    };
    match act_on(&ctx, &event).await {
        Ok(Acted::Before) => (StatusCode::OK, "already received").into_response(),
        Ok(Acted::Now) => (StatusCode::OK, "received").into_response(),
        Err(e) => {
            tracing::error!(error = %e, event = %event.id, "a payment webhook failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "not recorded; send it again",
            )
                .into_response()
        }
    }
}

enum Acted {
    Before,
    Now,
}

async fn act_on(
    ctx: &ServerContext,
    event: &super::provider::ProviderEvent,
) -> Result<Acted, AppError> {
    let now = ctx.clock.now();
    let txn = crate::context::begin_write(&ctx.db).await?;
    // The event's id first: a second delivery (even a concurrent one, which
    // waits here for the first to commit) inserts nothing and stops.
    let seen = Query::insert()
        .into_table("payment_events")
        .columns(["id", "event_type", "received_at"])
        .values_panic([
            event.id.as_str().into(),
            event.kind.as_str().into(),
            now.into(),
        ])
        .on_conflict(OnConflict::column("id").do_nothing().to_owned())
        .to_owned();
    let inserted = txn.execute(&seen).await.or_internal()?.rows_affected();
    if inserted == 0 {
        return Ok(Acted::Before);
    }
    match (event.kind.as_str(), &event.checkout) {
        ("checkout.session.completed" | "checkout.session.async_payment_succeeded", Some(paid)) => {
            if let Some((_, Some(audit))) = record_paid(&txn, paid, ctx.timezone, now).await? {
                append_event(&txn, audit).await?;
            }
        }
        ("checkout.session.expired", Some(gone)) => {
            if let Some(c) = find_checkout(&txn, gone).await? {
                if c.status == CheckoutStatus::Open {
                    let mut row = c.into_active_model();
                    row.status = Set(CheckoutStatus::Expired);
                    row.completed_at = Set(Some(now));
                    row.update(&txn).await.or_internal()?;
                }
            }
        }
        _ => {}
    }
    txn.commit().await.or_internal()?;
    Ok(Acted::Now)
}

/// What is left to refund of `payment`: its amount less its refunds that
/// succeeded or are still pending.
pub async fn refundable(
    db: &impl ConnectionTrait,
    payment: &payments::Model,
) -> Result<i64, AppError> {
    let taken: i64 = refunds::Entity::find()
        .filter(refunds::Column::PaymentId.eq(payment.id))
        .filter(refunds::Column::Status.ne(RefundStatus::Failed))
        .all(db)
        .await
        .or_internal()?
        .iter()
        .map(|r| r.amount)
        .sum();
    Ok(payment.amount - taken)
}

pub fn refund_view(r: &refunds::Model) -> RefundView {
    RefundView {
        id: RefundId(r.id),
        payment_id: PaymentId(r.payment_id),
        method: r.method,
        status: r.status,
        amount: Money::new(r.amount, r.currency),
        reason: r.reason.clone(),
        number: r.number.clone(),
        created_at: r.created_at,
    }
}

/// The refunds of the payments of `invoice_ids`, oldest first.
pub async fn refunds_of(
    db: &impl ConnectionTrait,
    invoice_ids: &[Uuid],
) -> Result<Vec<refunds::Model>, AppError> {
    refunds::Entity::find()
        .filter(refunds::Column::InvoiceId.is_in(invoice_ids.iter().copied()))
        .order_by_asc(refunds::Column::CreatedAt)
        .all(db)
        .await
        .or_internal()
}

/// A refund recorded under `key`, if any.
pub async fn refund_by_key(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<Option<refunds::Model>, AppError> {
    refunds::Entity::find()
        .filter(refunds::Column::IdempotencyKey.eq(key))
        .one(db)
        .await
        .or_internal()
}

/// Starts a refund of `amount` from `payment` (its invoice locked by the
/// caller): a desk payment's succeeds at once with its number; an online
/// payment's is `pending` until [`complete_refund`] has the provider's answer.
#[allow(clippy::too_many_arguments)]
pub async fn start_refund(
    db: &impl ConnectionTrait,
    payment: &payments::Model,
    amount: i64,
    reason: String,
    key: &str,
    tz: chrono_tz::Tz,
    by: Uuid,
    now: DateTime<Utc>,
) -> Result<refunds::Model, AppError> {
    let online = payment.method == PaymentMethod::Online;
    let number = if online {
        None
    } else {
        Some(next_number(db, Series::Refund, now.with_timezone(&tz).year()).await?)
    };
    refunds::ActiveModel {
        id: Set(Uuid::new_v4()),
        patient_id: Set(payment.patient_id),
        invoice_id: Set(payment.invoice_id),
        payment_id: Set(payment.id),
        method: Set(payment.method),
        status: Set(if online {
            RefundStatus::Pending
        } else {
            RefundStatus::Succeeded
        }),
        amount: Set(amount),
        currency: Set(payment.currency),
        reason: Set(reason),
        provider_ref: Set(None),
        idempotency_key: Set(key.to_string()),
        number: Set(number),
        created_by: Set(by),
        created_at: Set(now),
    }
    .insert(db)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            AppError::Conflict(invoices::SAME_KEY.into())
        } else {
            internal(e)
        }
    })
}

/// Asks the provider to give a pending refund back to the card (under the
/// refund's id as its idempotency key: asked twice, it refunds once), then
/// records the answer: `succeeded` with the next refund number, or `failed`
/// (its amount may be refunded again). An unreachable provider leaves it
/// pending; the clerk's retry (the same form) asks again.
pub async fn complete_refund(
    ctx: &ServerContext,
    refund: refunds::Model,
) -> Result<refunds::Model, AppError> {
    if refund.status != RefundStatus::Pending {
        return Ok(refund);
    }
    let payments = configured(ctx)?;
    let payment = payments::Entity::find_by_id(refund.payment_id)
        .one(&ctx.db)
        .await
        .or_internal()?
        .ok_or_else(|| internal("a refund's payment is missing"))?;
    let intent = payment
        .reference
        .clone()
        .ok_or_else(|| internal("an online payment without its provider reference"))?;
    let answer = payments
        .provider
        .refund(&intent, refund.amount, &format!("hms-refund-{}", refund.id))
        .await;
    let now = ctx.clock.now();
    let txn = crate::context::begin_write(&ctx.db).await?;
    let (status, reference) = match answer {
        Ok(done) if done.succeeded => (RefundStatus::Succeeded, Some(done.id)),
        Ok(done) => (RefundStatus::Failed, Some(done.id)),
        Err(ProviderError::Refused(m)) => {
            tracing::warn!(error = %m, refund = %refund.id, "the provider refused a refund");
            (RefundStatus::Failed, None)
        }
        Err(e) => return Err(unavailable(e)),
    };
    let number = if status == RefundStatus::Succeeded {
        Some(
            next_number(
                &txn,
                Series::Refund,
                now.with_timezone(&ctx.timezone).year(),
            )
            .await?,
        )
    } else {
        None
    };
    let mut row = refund.into_active_model();
    row.status = Set(status);
    row.provider_ref = Set(reference);
    row.number = Set(number);
    let row = row.update(&txn).await.or_internal()?;
    let event = AuditEvent::new(
        provider_actor(),
        "billing.refund_settled",
        shared::audit::Outcome::Success,
    )
    .at(now)
    .patient(row.patient_id)
    .entity("refund", row.id)
    .detail(format!(
        "{} {}",
        row.status.as_str(),
        Money::new(row.amount, row.currency)
    ));
    append_event(&txn, event).await?;
    txn.commit().await.or_internal()?;
    Ok(row)
}

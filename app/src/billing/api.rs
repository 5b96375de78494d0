//! Server functions of billing: the price list (administrators), patients'
//! accounts, charges, invoices and desk payments (billing clerks), and the
//! patient's own bills.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::billing::{
    Account, ChargeKind, ChargeView, DeskPaymentForm, DiscountForm, InvoiceView, ManualChargeForm,
    PaymentView, PlanForm, PriceForm, PriceItem, PriceView, RefundForm, RefundView,
};
use shared::ids::{ChargeId, InvoiceId, PatientId, PaymentId};
use shared::AppError;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use shared::AppError;

    use crate::auth::guard::Caller;
    use crate::entity::invoices;

    /// The invoice `id` for the caller: billing staff any, a patient their
    /// own issued ones (drafts are the clerk's work in progress).
    pub async fn invoice_for(
        caller: &Caller,
        id: shared::ids::InvoiceId,
    ) -> Result<invoices::Model, AppError> {
        if caller.can(shared::Permission::ManageBilling) {
            return super::super::invoices::find(&caller.ctx.db, id, None).await;
        }
        let own = caller.own_patient_id()?;
        let invoice = super::super::invoices::find(&caller.ctx.db, id, Some(own.uuid())).await?;
        if invoice.status == shared::billing::InvoiceStatus::Draft {
            return Err(AppError::NotFound("The invoice".into()));
        }
        Ok(invoice)
    }
}

/// The price list, for the administrator and the billing desk.
#[server(endpoint = "billing/prices", input = Json)]
pub async fn prices() -> Result<Vec<PriceView>, AppError> {
    use shared::Permission::{ManageBilling, ManagePrices};
    crate::audited::plain(
        || crate::auth::guard::require_any(&[ManagePrices, ManageBilling]),
        async |caller| super::prices::list(&caller.ctx.db).await,
    )
    .await
}
crate::access!(
    "billing/prices",
    AnyOf(&[ManagePrices, ManageBilling]),
    no_patient_data
);

/// What the price form offers for a kind: tests, drugs, doctors and
/// departments, or the procedure and service codes priced so far.
#[server(endpoint = "billing/price_items", input = Json)]
pub async fn price_items(kind: ChargeKind) -> Result<Vec<PriceItem>, AppError> {
    crate::audited::plain(
        || crate::auth::guard::require(shared::Permission::ManagePrices),
        async |caller| super::prices::items(&caller.ctx.db, kind).await,
    )
    .await
}
crate::access!(
    "billing/price_items",
    AnyOf(&[ManagePrices]),
    no_patient_data
);

/// An administrator adds a price (a new item, or an item's price from a day on).
#[server(endpoint = "billing/add_price", input = Json)]
pub async fn add_price(form: PriceForm) -> Result<PriceView, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManagePrices),
        async |caller, txn| {
            let price = form.parse(caller.ctx.currency)?;
            let view = super::prices::add(txn, price, caller.user.id.uuid(), caller.now()).await?;
            let event = caller
                .event("billing.add_price")
                .entity("price_list", view.id)
                .detail(format!(
                    "{} {} {} from {} ({})",
                    view.kind.as_str(),
                    view.item_key,
                    view.price,
                    view.valid_from,
                    view.tax_rate.label()
                ));
            Ok((view, event))
        },
    )
    .await
}
crate::access!("billing/add_price", AnyOf(&[ManagePrices]), no_patient_data);

/// The procedures and services the desk may charge today.
#[server(endpoint = "billing/manual_items", input = Json)]
pub async fn manual_items() -> Result<Vec<PriceItem>, AppError> {
    use shared::time::HospitalTime;
    crate::audited::plain(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller| super::prices::manual_items(&caller.ctx.db, caller.today()).await,
    )
    .await
}
crate::access!(
    "billing/manual_items",
    AnyOf(&[ManageBilling]),
    no_patient_data
);

/// A patient's account: unbilled charges, invoices, what is owed.
#[server(endpoint = "billing/account", input = Json)]
pub async fn patient_account(patient_id: PatientId) -> Result<Account, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller| {
            use shared::time::HospitalTime;
            let account =
                super::invoices::account(&caller.ctx.db, patient_id.uuid(), true, caller.today())
                    .await?;
            let event = caller.event("billing.account").patient(patient_id);
            Ok((account, event))
        },
    )
    .await
}
crate::access!("billing/account", AnyOf(&[ManageBilling]), patient_data);

/// The billing clerk charges a procedure or service by hand.
#[server(endpoint = "billing/add_charge", input = Json)]
pub async fn add_charge(
    patient_id: PatientId,
    form: ManualChargeForm,
) -> Result<ChargeView, AppError> {
    use shared::time::HospitalTime;
    let charge = form.parse()?;
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            crate::patients::service::find(txn, patient_id.uuid()).await?;
            let row = super::charges::add_manual(
                txn,
                patient_id.uuid(),
                charge,
                caller.today(),
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let view = super::charges::view(txn, &row).await?;
            let event = caller
                .event("billing.add_charge")
                .patient(patient_id)
                .entity("charge_item", row.id)
                .detail(format!("{} × {}", row.quantity, row.description));
            Ok((view, event))
        },
    )
    .await
}
crate::access!("billing/add_charge", AnyOf(&[ManageBilling]), patient_data);

/// The billing clerk voids a charge not yet on an invoice, with the reason.
#[server(endpoint = "billing/void_charge", input = Json)]
pub async fn void_charge(charge_id: ChargeId, reason: String) -> Result<(), AppError> {
    let reason =
        shared::billing::parse_reason(&reason).map_err(|m| AppError::field("reason", m))?;
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let row = super::charges::void(
                txn,
                charge_id,
                reason.clone(),
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("billing.void_charge")
                .patient(row.patient_id)
                .entity("charge_item", row.id)
                .detail(reason);
            Ok(((), event))
        },
    )
    .await
}
crate::access!("billing/void_charge", AnyOf(&[ManageBilling]), patient_data);

/// A draft invoice of the patient's unbilled charges.
#[server(endpoint = "billing/draft", input = Json)]
pub async fn draft(patient_id: PatientId) -> Result<InvoiceId, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let invoice = super::invoices::draft(
                txn,
                patient_id.uuid(),
                caller.ctx.currency,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("billing.draft")
                .patient(patient_id)
                .entity("invoice", invoice.id)
                .detail(invoice.currency.format(invoice.total));
            Ok((InvoiceId(invoice.id), event))
        },
    )
    .await
}
crate::access!("billing/draft", AnyOf(&[ManageBilling]), patient_data);

/// An invoice or credit note: for billing staff, or its patient once issued.
#[server(endpoint = "billing/invoice", input = Json)]
pub async fn invoice(invoice_id: InvoiceId) -> Result<InvoiceView, AppError> {
    use shared::Permission::{ManageBilling, ViewOwnRecord};
    crate::audited::read(
        || crate::auth::guard::require_any(&[ManageBilling, ViewOwnRecord]),
        async |caller| {
            let invoice = ssr::invoice_for(caller, invoice_id).await?;
            use shared::time::HospitalTime;
            let mut view = super::invoices::view(&caller.ctx.db, &invoice).await?;
            view.payable_online = caller.ctx.payments.is_some()
                && view.balance > 0
                && super::invoices::payable(&invoice).is_ok();
            let balance = view.balance;
            view.plan = super::plans::views(
                &caller.ctx.db,
                std::slice::from_ref(&invoice),
                |_| balance,
                caller.today(),
            )
            .await?
            .remove(&invoice.id);
            let event = caller
                .event("billing.invoice")
                .patient(invoice.patient_id)
                .entity("invoice", invoice.id);
            Ok((view, event))
        },
    )
    .await
}
crate::access!(
    "billing/invoice",
    AnyOf(&[ManageBilling, ViewOwnRecord]),
    patient_data
);

/// Discounts a line of a draft (an amount or a percentage), with the reason.
#[server(endpoint = "billing/discount", input = Json)]
pub async fn discount(
    invoice_id: InvoiceId,
    line_id: uuid::Uuid,
    form: DiscountForm,
) -> Result<(), AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::DiscountInvoices),
        async |caller, txn| {
            let invoice = super::invoices::find_for_update(txn, invoice_id).await?;
            let line = super::invoices::draft_line(txn, &invoice, line_id).await?;
            let (amount, reason) = form.parse(line.gross, invoice.currency)?;
            let event = caller
                .event("billing.discount")
                .patient(invoice.patient_id)
                .entity("invoice", invoice.id)
                .detail(format!(
                    "{}: {} ({reason})",
                    line.description,
                    invoice.currency.format(amount)
                ));
            super::invoices::discount(txn, invoice, line, amount, reason).await?;
            Ok(((), event))
        },
    )
    .await
}
crate::access!("billing/discount", AnyOf(&[DiscountInvoices]), patient_data);

/// Discards a draft; its charges are unbilled again.
#[server(endpoint = "billing/discard", input = Json)]
pub async fn discard(invoice_id: InvoiceId) -> Result<(), AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let invoice = super::invoices::find_for_update(txn, invoice_id).await?;
            let event = caller
                .event("billing.discard")
                .patient(invoice.patient_id)
                .entity("invoice", invoice.id);
            super::invoices::discard(txn, invoice).await?;
            Ok(((), event))
        },
    )
    .await
}
crate::access!("billing/discard", AnyOf(&[ManageBilling]), patient_data);

/// Issues a draft under the year's next invoice number.
#[server(endpoint = "billing/issue", input = Json)]
pub async fn issue(invoice_id: InvoiceId) -> Result<InvoiceView, AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let invoice = super::invoices::find_for_update(txn, invoice_id).await?;
            let issued = super::invoices::issue(
                txn,
                invoice,
                caller.ctx.timezone,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let view = super::invoices::view(txn, &issued).await?;
            let event = caller
                .event("billing.issue")
                .patient(issued.patient_id)
                .entity("invoice", issued.id)
                .detail(format!(
                    "{} {}",
                    issued.number.clone().unwrap_or_default(),
                    issued.currency.format(issued.total)
                ));
            Ok((view, event))
        },
    )
    .await
}
crate::access!("billing/issue", AnyOf(&[ManageBilling]), patient_data);

/// Credits a whole issued invoice, with the reason.
#[server(endpoint = "billing/credit", input = Json)]
pub async fn credit(invoice_id: InvoiceId, reason: String) -> Result<InvoiceId, AppError> {
    let reason =
        shared::billing::parse_reason(&reason).map_err(|m| AppError::field("reason", m))?;
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let invoice = super::invoices::find_for_update(txn, invoice_id).await?;
            let note = super::invoices::credit(
                txn,
                invoice,
                reason.clone(),
                caller.ctx.timezone,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("billing.credit")
                .patient(note.patient_id)
                .entity("invoice", note.id)
                .detail(format!(
                    "{}: {reason}",
                    note.number.clone().unwrap_or_default()
                ));
            Ok((InvoiceId(note.id), event))
        },
    )
    .await
}
crate::access!("billing/credit", AnyOf(&[ManageBilling]), patient_data);

/// Money taken at the desk (cash or card), with a receipt. `key` is the
/// form's own: sending it again (a double click, a retry) records nothing
/// more and answers the payment recorded.
#[server(endpoint = "billing/pay_desk", input = Json)]
pub async fn pay_desk(
    invoice_id: InvoiceId,
    form: DeskPaymentForm,
    key: String,
) -> Result<PaymentView, AppError> {
    use crate::audited::Outcome;
    let key = form_key(&key)?;
    let recorded = crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let invoice = super::invoices::find_for_update(txn, invoice_id).await?;
            if let Some(done) = super::invoices::by_key(txn, &key).await? {
                return Ok(Outcome::Nothing(super::invoices::payment_view(&done)));
            }
            super::invoices::payable(&invoice)?;
            let owed = super::invoices::owed(txn, &invoice).await?;
            let payment = form.parse(owed, invoice.currency)?;
            let view = super::invoices::desk_payment(
                txn,
                &invoice,
                payment,
                &key,
                caller.ctx.timezone,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("billing.pay_desk")
                .patient(invoice.patient_id)
                .entity("payment", view.id)
                .detail(format!(
                    "{} {} on {}",
                    view.method.as_str(),
                    view.amount,
                    invoice.number.clone().unwrap_or_default()
                ));
            Ok(Outcome::Done(view, vec![event]))
        },
    )
    .await;
    match recorded {
        // Another request with the same key committed first.
        Err(AppError::Conflict(m)) if m == super::invoices::SAME_KEY => {
            crate::context::reply_retried(
                async {
                    let ctx = crate::state::server_context()?;
                    super::invoices::by_key(&ctx.db, &key)
                        .await?
                        .map(|p| super::invoices::payment_view(&p))
                        .ok_or(AppError::Conflict(m))
                }
                .await,
            )
        }
        other => other,
    }
}
crate::access!("billing/pay_desk", AnyOf(&[ManageBilling]), patient_data);

/// The signed-in patient's bills: invoices, payments, what is owed.
#[server(endpoint = "billing/mine", input = Json)]
pub async fn mine() -> Result<Account, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewOwnRecord),
        async |caller| {
            let patient = caller.own_patient_id()?;
            let mut account = super::invoices::account(&caller.ctx.db, patient.uuid(), false, {
                use shared::time::HospitalTime;
                caller.today()
            })
            .await?;
            account
                .invoices
                .retain(|i| i.status == shared::billing::InvoiceStatus::Issued);
            let event = caller.event("billing.mine").patient(patient);
            Ok((account, event))
        },
    )
    .await
}
crate::access!("billing/mine", AnyOf(&[ViewOwnRecord]), patient_data);

/// Checks a form's idempotency key (a UUID the form made).
#[cfg(feature = "ssr")]
fn form_key(key: &str) -> Result<String, AppError> {
    let key = key.trim();
    if (16..=100).contains(&key.len()) {
        Ok(key.to_string())
    } else {
        Err(AppError::BadRequest("The form's key is missing.".into()))
    }
}

/// The patient pays what is owed on an invoice online: answers the
/// provider's hosted payment page to go to. `key` is the form's own: sent
/// again, it answers the same page.
#[server(endpoint = "billing/pay_online", input = Json)]
pub async fn pay_online(invoice_id: InvoiceId, key: String) -> Result<String, AppError> {
    use crate::audited::Outcome;
    let key = form_key(&key)?;
    let opened = crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ViewOwnRecord),
        async |caller, txn| {
            let own = caller.own_patient_id()?;
            let found = super::invoices::find(txn, invoice_id, Some(own.uuid())).await?;
            super::online::configured(&caller.ctx)?;
            let invoice = super::invoices::find_for_update(txn, InvoiceId(found.id)).await?;
            let number = invoice.number.clone().unwrap_or_default();
            let (checkout, new) =
                super::online::open(txn, &invoice, &key, caller.user.id.uuid(), caller.now())
                    .await?;
            if !new {
                return Ok(Outcome::Nothing((checkout, number)));
            }
            let event = caller
                .event("billing.pay_online")
                .patient(invoice.patient_id)
                .entity("invoice", invoice.id)
                .detail(format!(
                    "{} online on {number}",
                    shared::money::Money::new(checkout.amount, checkout.currency)
                ));
            Ok(Outcome::Done((checkout, number), vec![event]))
        },
    )
    .await;
    let (checkout, number) = opened?;
    let ctx = crate::state::server_context()?;
    crate::context::reply(super::online::hosted_page(&ctx, checkout, &number).await)
}
crate::access!("billing/pay_online", AnyOf(&[ViewOwnRecord]), patient_data);

/// The patient is back from the provider's page with `checkout` (its id):
/// the payment, once the provider confirms it (recorded here if its
/// webhook has not come yet), or `None` while it has not.
#[server(endpoint = "billing/checkout_return", input = Json)]
pub async fn checkout_return(checkout: String) -> Result<Option<PaymentView>, AppError> {
    crate::audited::read(
        || crate::auth::guard::require(shared::Permission::ViewOwnRecord),
        async |caller| {
            let own = caller.own_patient_id()?;
            if checkout.len() > 100 {
                return Err(AppError::BadRequest("Not a payment.".into()));
            }
            let paid = super::online::settle_return(&caller.ctx, &checkout, own.uuid()).await?;
            let event = caller
                .event("billing.checkout_return")
                .patient(own)
                .detail(checkout.clone());
            Ok((paid, event))
        },
    )
    .await
}
crate::access!(
    "billing/checkout_return",
    AnyOf(&[ViewOwnRecord]),
    patient_data
);

/// Gives money back from a payment: at most what is left of it, with a
/// reason. Cash and card refunds are recorded at once; an online payment's
/// goes back to the card through the provider. `key` is the form's own: sent
/// again (after an error or a lost answer), it refunds once.
#[server(endpoint = "billing/refund", input = Json)]
pub async fn refund(
    payment_id: PaymentId,
    form: RefundForm,
    key: String,
) -> Result<RefundView, AppError> {
    use crate::audited::Outcome;
    use crate::context::OrInternal;
    use sea_orm::EntityTrait;
    let key = form_key(&key)?;
    let started = crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let found = crate::entity::payments::Entity::find_by_id(payment_id.uuid())
                .one(txn)
                .await
                .or_internal()?
                .ok_or_else(|| AppError::NotFound("The payment".into()))?;
            // The invoice's row lock: two refunds of one payment wait for each other.
            let invoice =
                super::invoices::find_for_update(txn, InvoiceId(found.invoice_id)).await?;
            if let Some(done) = super::online::refund_by_key(txn, &key).await? {
                return Ok(Outcome::Nothing(done));
            }
            if found.status != shared::billing::PaymentStatus::Succeeded {
                return Err(AppError::Conflict(
                    "Only money received can be refunded.".into(),
                ));
            }
            let left = super::online::refundable(txn, &found).await?;
            let (amount, reason) = form.parse(left, found.currency)?;
            let row = super::online::start_refund(
                txn,
                &found,
                amount,
                reason,
                &key,
                caller.ctx.timezone,
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("billing.refund")
                .patient(invoice.patient_id)
                .entity("refund", row.id)
                .detail(format!(
                    "{} of payment {} on {}",
                    shared::money::Money::new(row.amount, row.currency),
                    found.receipt_number.clone().unwrap_or_default(),
                    invoice.number.clone().unwrap_or_default()
                ));
            Ok(Outcome::Done(row, vec![event]))
        },
    )
    .await;
    let row = match started {
        Ok(row) => row,
        // Another request with the same key committed first.
        Err(AppError::Conflict(m)) if m == super::invoices::SAME_KEY => {
            let ctx = crate::state::server_context()?;
            super::online::refund_by_key(&ctx.db, &key)
                .await?
                .ok_or(AppError::Conflict(m))?
        }
        Err(e) => return Err(e),
    };
    let ctx = crate::state::server_context()?;
    crate::context::reply_retried(
        super::online::complete_refund(&ctx, row)
            .await
            .map(|r| super::online::refund_view(&r)),
    )
}
crate::access!("billing/refund", AnyOf(&[ManageBilling]), patient_data);

/// Agrees a payment plan for what is owed on an issued invoice: monthly
/// instalments from the first due date.
#[server(endpoint = "billing/plan", input = Json)]
pub async fn plan(invoice_id: InvoiceId, form: PlanForm) -> Result<(), AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            use shared::time::HospitalTime;
            let invoice = super::invoices::find_for_update(txn, invoice_id).await?;
            let (n, first) = form.parse(caller.today())?;
            let plan =
                super::plans::create(txn, &invoice, n, first, caller.user.id.uuid(), caller.now())
                    .await?;
            let event = caller
                .event("billing.plan")
                .patient(invoice.patient_id)
                .entity("invoice", invoice.id)
                .detail(format!(
                    "{} in {n} monthly instalments from {first}",
                    shared::money::Money::new(plan.amount, plan.currency)
                ));
            Ok(((), event))
        },
    )
    .await
}
crate::access!("billing/plan", AnyOf(&[ManageBilling]), patient_data);

/// Ends an invoice's payment plan, with the reason; the balance stays owed.
#[server(endpoint = "billing/cancel_plan", input = Json)]
pub async fn cancel_plan(invoice_id: InvoiceId, reason: String) -> Result<(), AppError> {
    crate::audited::write(
        || crate::auth::guard::require(shared::Permission::ManageBilling),
        async |caller, txn| {
            let reason =
                shared::billing::parse_reason(&reason).map_err(|m| AppError::field("reason", m))?;
            let invoice = super::invoices::find_for_update(txn, invoice_id).await?;
            super::plans::cancel(
                txn,
                &invoice,
                reason.clone(),
                caller.user.id.uuid(),
                caller.now(),
            )
            .await?;
            let event = caller
                .event("billing.cancel_plan")
                .patient(invoice.patient_id)
                .entity("invoice", invoice.id)
                .detail(reason);
            Ok(((), event))
        },
    )
    .await
}
crate::access!("billing/cancel_plan", AnyOf(&[ManageBilling]), patient_data);

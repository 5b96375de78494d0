//! The billing desk in the clinic portal (tablet or desktop): find a
//! patient, their unbilled charges, manual charges and voids, a draft
//! invoice with discounts, issuing it, desk payments with receipts,
//! refunds, payment plans, credit notes. `InvoiceDocument` is also the patient's view of an
//! invoice.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use shared::billing::{
    Account, ChargeView, DeskPaymentForm, DiscountForm, InvoiceKind, InvoiceStatus, InvoiceSummary,
    InvoiceView, LineView, ManualChargeForm, PaymentMethod, PaymentView, PlanForm, PlanView,
    RefundForm,
};
use shared::ids::{InvoiceId, PatientId, PaymentId};
use shared::money::Currency;
use shared::{AppError, Permission};
use uuid::Uuid;

use super::api::*;
use crate::components::{
    format_time, id_param, lens, submit_then_reload, submit_with, ClientOnly, EmptyState, ErrorBox,
    FormAlert, FormErrors, Input, Loading, Select, Submit,
};
use crate::portal_session::{current_user, Gate, PortalSession};

/// `/clinic/billing`: find the patient whose bills to work on.
#[component]
pub fn BillingDeskPage() -> impl IntoView {
    view! {
        <Title text="Billing"/>
        <Gate>
            <h1>"Billing"</h1>
            <ClientOnly>
            {move || if current_user().role.can(Permission::ManageBilling) {
                view! {
                    <p class="muted">"Find the patient to charge, invoice or take a payment from."</p>
                    <crate::patients::pages::PatientSearchBox base="/clinic/billing"/>
                }.into_any()
            } else {
                view! { <p class="muted">"Billing is for the billing desk."</p> }.into_any()
            }}
            </ClientOnly>
        </Gate>
    }
}

/// `/clinic/billing/patients/:id`: a patient's account.
#[component]
pub fn AccountPage() -> impl IntoView {
    let id = id_param();
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let account = Resource::new(
        move || (id.get(), version.get()),
        move |(id, _)| {
            session.load_if(Permission::ManageBilling, async move {
                let id = id.ok_or_else(|| AppError::NotFound("That patient".into()))?;
                patient_account(PatientId::from(id)).await
            })
        },
    );
    view! {
        <Title text="Patient account"/>
        <Transition fallback=|| view! { <Loading label="Opening the account…"/> }>
            {move || Suspend::new(async move {
                match account.await {
                    Ok(a) => view! { <AccountView a version/> }.into_any(),
                    Err(e) => view! { <h1>"Patient account"</h1><ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn AccountView(a: Account, version: RwSignal<u32>) -> impl IntoView {
    let patient = a.patient_id;
    let outstanding = if a.outstanding.is_empty() {
        "Nothing owed".to_string()
    } else {
        a.outstanding
            .iter()
            .map(|m| m.to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let open = a.charges.iter().filter(|c| c.voided.is_none()).count();
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let navigate = use_navigate();
    let draft_invoice = move |ev: SubmitEvent| {
        ev.prevent_default();
        let navigate = navigate.clone();
        submit_with(busy, errors, draft(patient), move |id: InvoiceId| {
            navigate(
                &format!("/clinic/billing/invoices/{id}"),
                Default::default(),
            );
        });
    };
    view! {
        <h1><span dir="auto">{a.patient_name.clone()}</span></h1>
        <p class="muted">"MRN "{a.mrn.clone()}" · "<strong data-testid="outstanding">{outstanding}</strong></p>
        <section class="card" aria-labelledby="charges-title">
            <h2 id="charges-title">"Charges not yet invoiced"</h2>
            {if a.charges.is_empty() {
                view! { <p class="muted">"No charges waiting: completed visits, released tests and dispensed drugs appear here."</p> }.into_any()
            } else {
                view! {
                    <ul class="list" data-testid="charges">
                        {a.charges.into_iter().map(|c| view! { <ChargeRow c version/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(open > 0).then(|| view! {
                <form class="form" on:submit=draft_invoice>
                    <FormAlert errors/>
                    <Submit label="Create a draft invoice" busy_label="Creating…" busy/>
                </form>
            })}
        </section>
        <AddCharge patient version/>
        <section class="card" aria-labelledby="invoices-title">
            <h2 id="invoices-title">"Invoices"</h2>
            <InvoiceList list=a.invoices base="/clinic/billing/invoices"/>
        </section>
    }
}

#[component]
fn ChargeRow(c: ChargeView, version: RwSignal<u32>) -> impl IntoView {
    let price = c
        .unit_price
        .map_or("No price on that day".to_string(), |p| {
            format!("{} × {}", c.quantity, p)
        });
    let voided = c.voided.clone();
    let is_voided = voided.is_some();
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let id = c.id;
    let void = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(
            busy,
            errors,
            void_charge(id, reason.get_untracked()),
            version,
        );
    };
    view! {
        <li data-testid="charge" class:muted=is_voided>
            <strong dir="auto">{c.description.clone()}</strong>
            " · "{c.kind.label()}" · "{c.service_date.format("%-d %b %Y").to_string()}" · "{price}
            {match voided {
                Some(why) => view! { <p>"Voided: "<span dir="auto">{why}</span></p> }.into_any(),
                None => view! {
                    <details>
                        <summary>"Void"</summary>
                        <form class="form" on:submit=void>
                            <FormAlert errors/>
                            <Input label="Reason" name=format!("void-{id}") bind=lens(reason, |r| r.clone(), |r, v| *r = v) error=errors.field("reason") required=true/>
                            <Submit label="Void the charge" busy_label="Voiding…" busy class="btn"/>
                        </form>
                    </details>
                }.into_any(),
            }}
        </li>
    }
}

#[component]
fn AddCharge(patient: PatientId, version: RwSignal<u32>) -> impl IntoView {
    // Inside the account's suspense: loaded in the browser only, and read
    // in `ClientOnly` (docs/architecture.md, "LocalResource").
    let items = LocalResource::new(manual_items);
    let form = RwSignal::new(ManualChargeForm {
        quantity: "1".into(),
        ..Default::default()
    });
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            add_charge(patient, form.get_untracked()),
            move |_| {
                form.set(ManualChargeForm {
                    quantity: "1".into(),
                    ..Default::default()
                });
                version.update(|v| *v += 1);
            },
        );
    };
    view! {
        <section class="card" aria-labelledby="add-charge-title">
            <h2 id="add-charge-title">"Charge a procedure or service"</h2>
            <ClientOnly><Transition fallback=|| view! { <Loading label="Loading the price list…"/> }>
                {move || Suspend::new(async move {
                    match items.await {
                        Ok(list) if list.is_empty() => view! {
                            <p class="muted">"The price list has no procedures or services yet."</p>
                        }.into_any(),
                        Ok(list) => {
                            let options: Vec<(String, String)> = list.into_iter().map(|i| (i.key, i.label)).collect();
                            view! {
                                <form class="form" on:submit=submit>
                                    <FormAlert errors/>
                                    <Select label="Item" name="charge-item" bind=lens(form, |f| f.item.clone(), |f, v| f.item = v) error=errors.field("item") options required=true/>
                                    <Input label="Quantity" name="charge-quantity" kind="number" bind=lens(form, |f| f.quantity.clone(), |f, v| f.quantity = v) error=errors.field("quantity")/>
                                    <Input label="Day of service" name="charge-date" kind="date" hint="Empty: today." bind=lens(form, |f| f.service_date.clone(), |f, v| f.service_date = v) error=errors.field("service_date")/>
                                    <Submit label="Add the charge" busy_label="Adding…" busy/>
                                </form>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition></ClientOnly>
        </section>
    }
}

/// Invoices and credit notes, newest first, each linking to `base/{id}`.
#[component]
pub fn InvoiceList(list: Vec<InvoiceSummary>, base: &'static str) -> impl IntoView {
    if list.is_empty() {
        return view! { <EmptyState title="No invoices yet">"Issued invoices appear here."</EmptyState> }.into_any();
    }
    view! {
        <ul class="list" data-testid="invoices">
            {list.into_iter().map(|i| {
                let title = match (&i.number, i.kind) {
                    (Some(n), InvoiceKind::CreditNote) => format!("Credit note {n}"),
                    (Some(n), _) => format!("Invoice {n}"),
                    (None, _) => "Draft invoice".to_string(),
                };
                let owed = (i.kind == InvoiceKind::Invoice && i.status == InvoiceStatus::Issued).then(|| {
                    if i.balance == 0 { "paid".to_string() } else { format!("{} due", i.total.currency.format(i.balance)) }
                });
                view! {
                    <li data-testid="invoice">
                        <a href=format!("{base}/{}", i.id)>{title}</a>
                        " · "{i.total.to_string()}
                        {owed.map(|o| view! { " · "<span>{o}</span> })}
                        {i.overdue.then(|| view! { " · "<span class="badge badge--danger">"Instalment overdue"</span> })}
                        " · "<span class="muted">{format_time(i.issued_at.unwrap_or(i.created_at))}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// An invoice or credit note as a document: lines, totals, payments.
#[component]
pub fn InvoiceDocument(
    v: InvoiceView,
    /// A draft's lines get a discount form that bumps this when applied.
    #[prop(default = None)]
    discount: Option<RwSignal<u32>>,
    /// At the billing desk (the claim is a link to its page).
    #[prop(default = false)]
    desk: bool,
) -> impl IntoView {
    let c = v.currency;
    let title = match (&v.number, v.kind) {
        (Some(n), InvoiceKind::CreditNote) => format!("Credit note {n}"),
        (Some(n), _) => format!("Invoice {n}"),
        (None, _) => "Draft invoice".to_string(),
    };
    let draft = v.status == InvoiceStatus::Draft;
    let invoice_id = v.id;
    view! {
        <h1>{title}</h1>
        <p><span dir="auto">{v.patient_name.clone()}</span>" · MRN "{v.mrn.clone()}
            {v.issued_at.map(|t| format!(" · issued {}", format_time(t)))}</p>
        {v.number.is_some().then(|| view! {
            <p><a class="btn" href=format!("/api/billing/invoices/{invoice_id}/pdf") data-testid="invoice-pdf">"Download (PDF)"</a></p>
        })}
        {v.credit_of.clone().map(|n| view! { <p>"Corrects invoice "{n}</p> })}
        {(!v.credited_by.is_empty()).then(|| view! { <p>"Credited by "{v.credited_by.join(", ")}</p> })}
        <div class="table-scroll">
            <table class="table" data-testid="invoice-lines">
                <caption class="visually-hidden">"Invoice lines"</caption>
                <thead><tr>
                    <th scope="col">"Item"</th><th scope="col">"Day"</th><th scope="col">"Qty"</th>
                    <th scope="col">"Unit price"</th><th scope="col">"Discount"</th><th scope="col">"Tax"</th><th scope="col">"Amount"</th>
                </tr></thead>
                <tbody>
                    {v.lines.into_iter().map(|l| view! { <LineRow l c draft invoice_id discount/> }).collect_view()}
                </tbody>
            </table>
        </div>
        <dl class="totals" data-testid="totals">
            <dt>"Subtotal"</dt><dd>{c.format(v.totals.subtotal)}</dd>
            <dt>"Discounts"</dt><dd>{c.format(v.totals.discount)}</dd>
            <dt>"Tax"</dt><dd>{c.format(v.totals.tax)}</dd>
            <dt>"Total"</dt><dd data-testid="total"><strong>{c.format(v.totals.total)}</strong></dd>
            {(v.kind == InvoiceKind::Invoice && !draft).then(|| view! {
                <dt>"Paid"</dt><dd>{c.format(v.paid)}</dd>
                {(v.credited != 0).then(|| view! { <dt>"Credited"</dt><dd>{c.format(v.credited)}</dd> })}
                <dt>"Balance"</dt><dd data-testid="balance"><strong>{c.format(v.balance)}</strong></dd>
            })}
        </dl>
        {(!v.payments.is_empty()).then(|| view! {
            <h2>"Payments"</h2>
            <ul class="list" data-testid="payments">
                {v.payments.into_iter().map(|p| view! {
                    <li data-testid="payment">
                        {p.amount.to_string()}" · "{p.method.label()}" · "{p.status.label()}
                        {p.receipt_number.map(|r| view! {
                            " · receipt "<a href=format!("/api/billing/payments/{}/receipt", p.id)><strong>{r}</strong></a>
                        })}
                        {p.received_at.map(|t| format!(" · {}", format_time(t)))}
                    </li>
                }).collect_view()}
            </ul>
        })}
        {v.insurance.map(|i| view! { <super::claim_pages::InsurancePart i c desk/> })}
        {v.plan.map(|p| view! { <PlanSchedule p c/> })}
        {(!v.refunds.is_empty()).then(|| view! {
            <h2>"Refunds"</h2>
            <ul class="list" data-testid="refunds">
                {v.refunds.into_iter().map(|r| view! {
                    <li data-testid="refund">
                        {r.amount.to_string()}" · "{r.method.label()}" · "{r.status.label()}
                        {r.number.map(|n| view! { " · "<strong>{n}</strong> })}
                        " · "{format_time(r.created_at)}<br/>
                        <span class="muted" dir="auto">{r.reason}</span>
                    </li>
                }).collect_view()}
            </ul>
        })}
    }
}

/// A payment plan's instalments with their states.
#[component]
fn PlanSchedule(p: PlanView, c: Currency) -> impl IntoView {
    view! {
        <h2>"Payment plan"</h2>
        <p>{p.amount.to_string()}" in "{p.instalments.len()}" monthly instalments"
            {p.overdue().then(|| view! { " · "<span class="badge badge--danger" data-testid="plan-overdue">"Overdue"</span> })}</p>
        <div class="table-scroll">
            <table class="table" data-testid="plan">
                <caption class="visually-hidden">"Instalments"</caption>
                <thead><tr><th scope="col">"#"</th><th scope="col">"Due"</th><th scope="col">"Amount"</th><th scope="col">"State"</th></tr></thead>
                <tbody>
                    {p.instalments.into_iter().map(|i| view! {
                        <tr data-testid="instalment">
                            <td>{i.seq}</td>
                            <td>{i.due_date.format("%-d %b %Y").to_string()}</td>
                            <td>{c.format(i.amount)}</td>
                            <td>{i.state.label()}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn LineRow(
    l: LineView,
    c: Currency,
    draft: bool,
    invoice_id: InvoiceId,
    discount: Option<RwSignal<u32>>,
) -> impl IntoView {
    let discount_cell = match &l.discount_reason {
        Some(why) => view! { {c.format(l.amounts.discount)}<br/><span class="muted" dir="auto">{why.clone()}</span> }.into_any(),
        None => view! { {c.format(l.amounts.discount)} }.into_any(),
    };
    let form = discount
        .filter(|_| draft)
        .map(|version| view! { <DiscountLine line=l.id invoice_id version/> });
    view! {
        <tr data-testid="line">
            <td><span dir="auto">{l.description.clone()}</span>{form}</td>
            <td>{l.service_date.format("%-d %b %Y").to_string()}</td>
            <td>{l.quantity}</td>
            <td>{c.format(l.unit_price)}</td>
            <td>{discount_cell}</td>
            <td>{c.format(l.amounts.tax)}" ("{l.tax_rate.label()}")"</td>
            <td>{c.format(l.amounts.total)}</td>
        </tr>
    }
}

#[component]
fn DiscountLine(line: Uuid, invoice_id: InvoiceId, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(DiscountForm::default());
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(
            busy,
            errors,
            discount(invoice_id, line, form.get_untracked()),
            version,
        );
    };
    view! {
        <details>
            <summary>"Discount"</summary>
            <form class="form" on:submit=submit>
                <FormAlert errors/>
                <Input label="Amount or percentage" name=format!("discount-{line}") hint="e.g. 5.00 or 10 %" bind=lens(form, |f| f.amount.clone(), |f, v| f.amount = v) error=errors.field("amount")/>
                <Input label="Reason" name=format!("discount-reason-{line}") bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason") required=true/>
                <Submit label="Apply the discount" busy_label="Applying…" busy class="btn"/>
            </form>
        </details>
    }
}

/// `/clinic/billing/invoices/:id`: a draft to discount, issue or discard;
/// an issued invoice to take payments on or credit.
#[component]
pub fn InvoicePage() -> impl IntoView {
    let id = id_param();
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let invoice_view = Resource::new(
        move || (id.get(), version.get()),
        move |(id, _)| {
            session.load_if(Permission::ManageBilling, async move {
                let id = id.ok_or_else(|| AppError::NotFound("That invoice".into()))?;
                invoice(InvoiceId::from(id)).await
            })
        },
    );
    view! {
        <Title text="Invoice"/>
        <Transition fallback=|| view! { <Loading label="Opening the invoice…"/> }>
            {move || Suspend::new(async move {
                let me = crate::portal_session::signed_in().await;
                let may_discount = me.is_some_and(|u| u.role.can(Permission::DiscountInvoices));
                match invoice_view.await {
                    Ok(v) => view! { <InvoiceAtDesk v version may_discount/> }.into_any(),
                    Err(e) => view! { <h1>"Invoice"</h1><ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn InvoiceAtDesk(v: InvoiceView, version: RwSignal<u32>, may_discount: bool) -> impl IntoView {
    let id = v.id;
    let patient = v.patient_id;
    let status = v.status;
    let kind = v.kind;
    let owed = v.balance;
    let currency = v.currency;
    let credited = !v.credited_by.is_empty();
    let has_plan = v.plan.is_some();
    // An insurer's portion not claimed yet, on an invoice that stands.
    let claimable = v
        .insurance
        .as_ref()
        .is_some_and(|i| i.claim.is_none() && i.insurer_portion > 0)
        && !credited;
    let refundable: Vec<PaymentView> = v
        .payments
        .iter()
        .filter(|p| p.refundable > 0)
        .cloned()
        .collect();
    let actions = match (kind, status) {
        (_, InvoiceStatus::Draft) => view! { <DraftActions id patient version/> }.into_any(),
        (InvoiceKind::Invoice, InvoiceStatus::Issued) => view! {
            {(owed > 0).then(|| view! { <DeskPayment id owed currency version/> })}
            {if has_plan {
                view! { <CancelPlan id version/> }.into_any()
            } else if owed > 1 {
                view! { <AgreePlan id version/> }.into_any()
            } else {
                ().into_any()
            }}
            {claimable.then(|| view! { <super::claim_pages::OpenClaim id/> })}
            {(!refundable.is_empty()).then(|| view! { <RefundPayment payments=refundable currency version/> })}
            {(!credited).then(|| view! { <CreditInvoice id version/> })}
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! {
        <p><a href=format!("/clinic/billing/patients/{patient}")>"← The patient's account"</a></p>
        <InvoiceDocument v discount=may_discount.then_some(version) desk=true/>
        {actions}
    }
}

#[component]
fn DraftActions(id: InvoiceId, patient: PatientId, version: RwSignal<u32>) -> impl IntoView {
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let navigate = use_navigate();
    let issue_it = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, issue(id), version);
    };
    let discard_it = move |_| {
        let navigate = navigate.clone();
        submit_with(busy, errors, discard(id), move |_| {
            navigate(
                &format!("/clinic/billing/patients/{patient}"),
                Default::default(),
            );
        });
    };
    view! {
        <form class="form card" on:submit=issue_it>
            <FormAlert errors/>
            <p class="muted">"Issuing numbers the invoice; it cannot be changed afterwards."</p>
            <div class="actions">
                <Submit label="Issue the invoice" busy_label="Issuing…" busy/>
                <button type="button" class="btn" disabled=move || busy.get() on:click=discard_it>"Discard the draft"</button>
            </div>
        </form>
    }
}

#[component]
fn DeskPayment(
    id: InvoiceId,
    owed: i64,
    currency: Currency,
    version: RwSignal<u32>,
) -> impl IntoView {
    let form = RwSignal::new(DeskPaymentForm {
        method: PaymentMethod::Cash.as_str().into(),
        amount: currency.format_major(owed).replace(',', ""),
        reference: String::new(),
    });
    // One key per payment being taken: a retry after a lost answer sends
    // the same one, so the server records the payment once.
    let key = StoredValue::new(None::<String>);
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let k = key
            .get_value()
            .unwrap_or_else(|| Uuid::new_v4().to_string());
        key.set_value(Some(k.clone()));
        submit_with(
            busy,
            errors,
            pay_desk(id, form.get_untracked(), k),
            move |_| {
                key.set_value(None);
                version.update(|v| *v += 1);
            },
        );
    };
    let methods: Vec<(String, String)> = [PaymentMethod::Cash, PaymentMethod::Card]
        .iter()
        .map(|m| (m.as_str().to_string(), m.label().to_string()))
        .collect();
    view! {
        <section class="card" aria-labelledby="pay-title">
            <h2 id="pay-title">"Take a payment"</h2>
            <form class="form" on:submit=submit>
                <FormAlert errors/>
                <Select label="Method" name="pay-method" bind=lens(form, |f| f.method.clone(), |f, v| f.method = v) error=errors.field("method") options=methods required=true/>
                <Input label="Amount" name="pay-amount" inputmode="decimal" bind=lens(form, |f| f.amount.clone(), |f, v| f.amount = v) error=errors.field("amount") required=true/>
                <Input label="Card slip number" name="pay-reference" hint="Cards: the terminal's slip number." bind=lens(form, |f| f.reference.clone(), |f, v| f.reference = v) error=errors.field("reference")/>
                <Submit label="Record the payment" busy_label="Recording…" busy/>
            </form>
        </section>
    }
}

/// Spreads what is owed over monthly instalments.
#[component]
fn AgreePlan(id: InvoiceId, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(PlanForm {
        instalments: "3".into(),
        first_due: String::new(),
    });
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, plan(id, form.get_untracked()), version);
    };
    view! {
        <details class="card" data-testid="plan-form">
            <summary>"Agree a payment plan"</summary>
            <form class="form" on:submit=submit>
                <FormAlert errors/>
                <p class="muted">"What is owed, in monthly instalments. The patient is reminded once when one is overdue."</p>
                <Input label="Instalments" name="plan-instalments" kind="number" hint="From 2 to 24." bind=lens(form, |f| f.instalments.clone(), |f, v| f.instalments = v) error=errors.field("instalments") required=true/>
                <Input label="First due on" name="plan-first-due" kind="date" bind=lens(form, |f| f.first_due.clone(), |f, v| f.first_due = v) error=errors.field("first_due") required=true/>
                <Submit label="Agree the plan" busy_label="Saving…" busy class="btn"/>
            </form>
        </details>
    }
}

/// Ends the invoice's payment plan (the balance stays owed).
#[component]
fn CancelPlan(id: InvoiceId, version: RwSignal<u32>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(
            busy,
            errors,
            cancel_plan(id, reason.get_untracked()),
            version,
        );
    };
    view! {
        <details class="card">
            <summary>"Cancel the payment plan"</summary>
            <form class="form" on:submit=submit>
                <FormAlert errors/>
                <Input label="Reason" name="plan-cancel-reason" bind=lens(reason, |r| r.clone(), |r, v| *r = v) error=errors.field("reason") required=true/>
                <Submit label="Cancel the plan" busy_label="Cancelling…" busy class="btn"/>
            </form>
        </details>
    }
}

/// Gives money back from one of the invoice's payments: at most what is
/// left of it, with the reason. An online payment goes back to the card.
#[component]
fn RefundPayment(
    payments: Vec<PaymentView>,
    currency: Currency,
    version: RwSignal<u32>,
) -> impl IntoView {
    let first = payments.first().map(|p| (p.id.to_string(), p.refundable));
    let form = RwSignal::new(RefundForm {
        amount: first
            .as_ref()
            .map(|f| currency.format_major(f.1).replace(',', ""))
            .unwrap_or_default(),
        reason: String::new(),
    });
    let chosen = RwSignal::new(first.map(|f| f.0).unwrap_or_default());
    let options: Vec<(String, String)> = payments
        .iter()
        .map(|p| {
            let label = format!(
                "{} · {}{} · up to {}",
                p.amount,
                p.method.label(),
                p.receipt_number
                    .as_ref()
                    .map(|r| format!(" · {r}"))
                    .unwrap_or_default(),
                currency.format(p.refundable)
            );
            (p.id.to_string(), label)
        })
        .collect();
    // One key per refund being made, as for payments: a retry refunds once.
    let key = StoredValue::new(None::<String>);
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(payment) = Uuid::parse_str(&chosen.get_untracked()).ok().map(PaymentId) else {
            errors.set(Some(AppError::field(
                "payment",
                "Choose the payment to refund.",
            )));
            return;
        };
        let k = key
            .get_value()
            .unwrap_or_else(|| Uuid::new_v4().to_string());
        key.set_value(Some(k.clone()));
        submit_with(
            busy,
            errors,
            refund(payment, form.get_untracked(), k),
            move |_| {
                key.set_value(None);
                version.update(|v| *v += 1);
            },
        );
    };
    view! {
        <details class="card" data-testid="refund-form">
            <summary>"Refund a payment"</summary>
            <form class="form" on:submit=submit>
                <FormAlert errors/>
                <Select label="Payment" name="refund-payment" bind=lens(chosen, |c| c.clone(), |c, v| *c = v) error=errors.field("payment") options required=true/>
                <Input label="Amount" name="refund-amount" inputmode="decimal" bind=lens(form, |f| f.amount.clone(), |f, v| f.amount = v) error=errors.field("amount") required=true/>
                <Input label="Reason" name="refund-reason" bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason") required=true/>
                <Submit label="Refund" busy_label="Refunding…" busy class="btn"/>
            </form>
        </details>
    }
}

#[component]
fn CreditInvoice(id: InvoiceId, version: RwSignal<u32>) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, credit(id, reason.get_untracked()), version);
    };
    view! {
        <details class="card">
            <summary>"Correct with a credit note"</summary>
            <form class="form" on:submit=submit>
                <FormAlert errors/>
                <p class="muted">"A credit note cancels the whole invoice; charge again and issue a new one if needed."</p>
                <Input label="Reason" name="credit-reason" bind=lens(reason, |r| r.clone(), |r, v| *r = v) error=errors.field("reason") required=true/>
                <Submit label="Issue a credit note" busy_label="Issuing…" busy class="btn"/>
            </form>
        </details>
    }
}

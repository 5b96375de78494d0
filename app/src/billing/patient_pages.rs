//! The patient's bills on the phone: what is owed, the invoices and credit
//! notes, each with its lines and the payments made; paying online.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};
use shared::billing::PaymentView;
use shared::ids::InvoiceId;
use shared::AppError;
use uuid::Uuid;

use super::api::{checkout_return, invoice, mine, pay_online};
use super::claim_pages::MyClaim;
use super::pages::{InvoiceDocument, InvoiceList};
use crate::components::{submit_with, ErrorBox, FormAlert, FormErrors, Loading, Submit};
use crate::nav::{loaded, TileCard};
use crate::portal_session::{Gate, PortalSession};

/// The patient home's tile: what is owed, and the way to the bills.
#[component]
pub fn BillsTile() -> impl IntoView {
    let session = PortalSession::get();
    let account = Resource::new(|| (), move |_| session.load(mine()));
    view! {
        <TileCard id="bills-title" title="Bills">
            {loaded(account, |a| view! {
                <p data-testid="bills-tile">{owed_text(&a.outstanding)}</p>
                <p><a class="btn" href="/patient/bills">"Bills and payments"</a></p>
            }.into_any())}
        </TileCard>
    }
}

/// "You owe EUR 12.00." or "You owe nothing."
fn owed_text(outstanding: &[shared::money::Money]) -> String {
    if outstanding.is_empty() {
        "You owe nothing.".to_string()
    } else {
        format!(
            "You owe {}.",
            outstanding
                .iter()
                .map(|m| m.to_string())
                .collect::<Vec<_>>()
                .join(" and ")
        )
    }
}

/// `/patient/bills`.
#[component]
pub fn MyBillsPage() -> impl IntoView {
    let session = PortalSession::get();
    let account = Resource::new(|| (), move |_| session.load(mine()));
    view! {
        <Title text="Bills"/>
        <Gate>
            <h1>"Bills"</h1>
            <Transition fallback=|| view! { <Loading label="Loading your bills…"/> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(a) => {
                            let owed = owed_text(&a.outstanding);
                            view! {
                                <p class="card" data-testid="outstanding"><strong>{owed}</strong></p>
                                <InvoiceList list=a.invoices base="/patient/bills"/>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

/// `/patient/bills/:id`: one of the patient's invoices, paid online from
/// here. The provider's page sends the patient back with `?checkout=<its
/// id>` (or `cancelled`): the page then asks whether the payment arrived.
#[component]
pub fn MyInvoicePage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let version = RwSignal::new(0u32);
    let returned = RwSignal::new(None::<Returned>);
    // In the browser only (effects do not run on the server), once.
    Effect::new(move |done: Option<()>| {
        if done.is_some() {
            return;
        }
        let Some(checkout) = query.get_untracked().get("checkout") else {
            return;
        };
        if checkout == "cancelled" {
            returned.set(Some(Returned::Cancelled));
            return;
        }
        returned.set(Some(Returned::Checking));
        leptos::task::spawn_local(async move {
            returned.set(Some(match checkout_return(checkout).await {
                Ok(Some(p)) => Returned::Paid(p),
                Ok(None) => Returned::Pending,
                Err(e) => Returned::Failed(e),
            }));
            version.update(|v| *v += 1);
        });
    });
    let session = PortalSession::get();
    let view_of = Resource::new(
        move || (id.get(), version.get()),
        move |(id, _)| {
            session.load(async move {
                let id = id.ok_or_else(|| AppError::NotFound("That invoice".into()))?;
                invoice(InvoiceId::from(id)).await
            })
        },
    );
    view! {
        <Title text="Invoice"/>
        <Gate>
            <p><a href="/patient/bills">"← Bills"</a></p>
            <Transition fallback=|| view! { <Loading label="Opening the invoice…"/> }>
                {move || Suspend::new(async move {
                    match view_of.await {
                        Ok(v) => {
                            let pay = v.payable_online.then(|| view! { <PayOnline id=v.id balance=v.currency.format(v.balance)/> });
                            // A claim is filed for an issued invoice with an insurer's portion.
                            let claim = v
                                .insurance
                                .as_ref()
                                .filter(|i| i.insurer_portion > 0 && v.credited_by.is_empty())
                                .map(|i| {
                                    let existing = i.claim.as_ref().map(|c| c.id);
                                    view! { <MyClaim invoice=v.id existing version/> }
                                });
                            view! { <ReturnNotice returned/>{pay}<InvoiceDocument v/>{claim} }.into_any()
                        }
                        Err(e) => view! { <h1>"Invoice"</h1><ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

/// What the patient came back from the provider's page to.
#[derive(Clone)]
enum Returned {
    Checking,
    Paid(PaymentView),
    /// The provider has not confirmed it yet.
    Pending,
    Cancelled,
    Failed(AppError),
}

#[component]
fn ReturnNotice(returned: RwSignal<Option<Returned>>) -> impl IntoView {
    move || {
        returned.get().map(|r| match r {
            Returned::Checking => view! { <Loading label="Checking your payment…"/> }.into_any(),
            Returned::Paid(p) => view! {
                <p class="alert alert--success" role="status" data-testid="paid-online">
                    "Thank you: "{p.amount.to_string()}" received"
                    {p.receipt_number.map(|r| format!(", receipt {r}"))}"."
                </p>
            }
            .into_any(),
            Returned::Pending => view! {
                <p class="alert" role="status" data-testid="payment-pending">
                    "Your payment is being confirmed by the payment service. It will show here in a moment."
                </p>
            }
            .into_any(),
            Returned::Cancelled => view! {
                <p class="alert" role="status">"The payment was cancelled; nothing was charged."</p>
            }
            .into_any(),
            Returned::Failed(e) => view! { <ErrorBox error=e/> }.into_any(),
        })
    }
}

/// "Pay online": opens the provider's payment page for the balance.
#[component]
fn PayOnline(id: InvoiceId, balance: String) -> impl IntoView {
    // One key per page: pressing again (or a retried request) opens the same payment.
    let key = Uuid::new_v4().to_string();
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            pay_online(id, key.clone()),
            move |url: String| {
                // Keeps `busy` on: the browser is leaving for the provider's page.
                busy.set(true);
                if let Some(w) = web_sys::window() {
                    let _ = w.location().assign(&url);
                }
            },
        );
    };
    view! {
        <form class="form card" on:submit=submit data-testid="pay-online">
            <FormAlert errors/>
            <p>"Pay "<strong>{balance.clone()}</strong>" by card on the payment service's secure page. Your card details never reach the hospital."</p>
            <Submit label="Pay online" busy_label="Opening the payment page…" busy/>
        </form>
    }
}

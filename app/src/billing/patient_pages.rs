//! The patient's bills on the phone: what is owed, the invoices and credit
//! notes, each with its lines and the payments made.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use shared::ids::InvoiceId;
use shared::AppError;
use uuid::Uuid;

use super::api::{invoice, mine};
use super::pages::{InvoiceDocument, InvoiceList};
use crate::components::{ErrorBox, Loading};
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

/// `/patient/bills/:id`: one of the patient's invoices.
#[component]
pub fn MyInvoicePage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let session = PortalSession::get();
    let view_of = Resource::new(
        move || id.get(),
        move |id| {
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
                        Ok(v) => view! { <InvoiceDocument v/> }.into_any(),
                        Err(e) => view! { <h1>"Invoice"</h1><ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

//! `/admin/prices`: the price list. Each item has its prices by the day
//! they take effect; a new price for an item ends the one before it.
//! `/admin/payers`: the insurers the hospital bills, with their share.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::billing::{ChargeKind, PriceForm, PriceView};
use shared::insurance::{PayerForm, PayerView};
use shared::Permission;

use super::api::{add_price, price_items, prices};
use crate::components::{
    lens, lens_bool, submit_then_reload, submit_with, Check, ClientOnly, EmptyState, ErrorBox,
    FormAlert, FormErrors, Input, Loading, Select, Submit,
};
use crate::portal_session::{Gate, PortalSession};

#[component]
pub fn PricesPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let list = Resource::new(
        move || version.get(),
        move |_| session.load_if(Permission::ManagePrices, prices()),
    );
    view! {
        <Title text="Price list"/>
        <Gate needs=Some(Permission::ManagePrices)>
            <h1>"Price list"</h1>
            <AddPrice version/>
            <Transition fallback=|| view! { <Loading label="Loading the price list…"/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(all) if all.is_empty() => view! {
                            <EmptyState title="No prices yet">"Add the prices of consultations, tests, drugs, procedures and services."</EmptyState>
                        }.into_any(),
                        Ok(all) => view! { <PriceTable all/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

#[component]
fn PriceTable(all: Vec<PriceView>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="table" data-testid="prices">
                <caption class="visually-hidden">"Prices"</caption>
                <thead><tr>
                    <th scope="col">"Kind"</th><th scope="col">"Item"</th><th scope="col">"Price"</th>
                    <th scope="col">"Tax"</th><th scope="col">"From"</th><th scope="col">"Until"</th>
                </tr></thead>
                <tbody>
                    {all.into_iter().map(|p| view! {
                        <tr data-testid="price">
                            <td>{p.kind.label()}</td>
                            <td><span dir="auto">{p.name.clone()}</span><br/><span class="muted">{p.item_key.clone()}</span></td>
                            <td>{p.price.to_string()}</td>
                            <td>{p.tax_rate.label()}</td>
                            <td>{p.valid_from.to_string()}</td>
                            <td>{p.valid_until.map_or("—".to_string(), |d| d.pred_opt().unwrap_or(d).to_string())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
fn AddPrice(version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(PriceForm::default());
    let kind = Memo::new(move |_| form.with(|f| ChargeKind::from_code(&f.kind).ok()));
    // Follows the form's kind, inside the gate's suspense: loaded in the
    // browser only, and read in `ClientOnly` (docs/architecture.md, "LocalResource").
    let items = LocalResource::new(move || {
        let kind = kind.get();
        async move {
            match kind {
                Some(k) if !k.is_manual() => price_items(k).await.map(Some),
                _ => Ok(None),
            }
        }
    });
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, add_price(form.get_untracked()), version);
    };
    view! {
        <section class="card" aria-labelledby="add-price-title">
            <h2 id="add-price-title">"Add a price"</h2>
            <form class="form" on:submit=submit>
                <FormAlert errors/>
                <Select label="Kind" name="price-kind" bind=lens(form, |f| f.kind.clone(), |f, v| { f.kind = v; f.item_key.clear(); }) error=errors.field("kind") options=ChargeKind::options() required=true/>
                <ClientOnly><Transition fallback=|| view! { <Loading label="Loading the items…"/> }>
                    {move || Suspend::new(async move {
                        match items.await {
                            Ok(Some(list)) => {
                                let options: Vec<(String, String)> = list.into_iter().map(|i| (i.key, i.label)).collect();
                                view! { <Select label="Item" name="price-item" bind=lens(form, |f| f.item_key.clone(), |f, v| f.item_key = v) error=errors.field("item_key") options required=true/> }.into_any()
                            }
                            Ok(None) => view! {
                                <Input label="Item code" name="price-item-code" hint="Procedures and services: a short code, e.g. SUTURE or CERT-MED." bind=lens(form, |f| f.item_key.clone(), |f, v| f.item_key = v) error=errors.field("item_key") required=true/>
                            }.into_any(),
                            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                        }
                    })}
                </Transition></ClientOnly>
                <Input label="Name on invoices" name="price-name" bind=lens(form, |f| f.name.clone(), |f, v| f.name = v) error=errors.field("name") required=true/>
                <Input label="Price" name="price-amount" inputmode="decimal" hint="In the hospital's currency, e.g. 45.00." bind=lens(form, |f| f.price.clone(), |f, v| f.price = v) error=errors.field("price") required=true/>
                <Input label="Tax rate (%)" name="price-tax" inputmode="decimal" hint="Empty: no tax." bind=lens(form, |f| f.tax_rate.clone(), |f, v| f.tax_rate = v) error=errors.field("tax_rate")/>
                <Input label="Valid from" name="price-from" kind="date" bind=lens(form, |f| f.valid_from.clone(), |f, v| f.valid_from = v) error=errors.field("valid_from") required=true/>
                <Submit label="Add the price" busy_label="Adding…" busy/>
            </form>
        </section>
    }
}

/// `/admin/payers`: the insurers the hospital bills. A registration's
/// coverage is billed to the payer of the same name (case and accents
/// aside), at its share.
#[component]
pub fn PayersPage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let list = Resource::new(
        move || version.get(),
        move |_| session.load_if(Permission::ManagePrices, super::claims_api::payers()),
    );
    view! {
        <Title text="Payers"/>
        <Gate needs=Some(Permission::ManagePrices)>
            <h1>"Payers"</h1>
            <p class="muted">"Insurers whose members' invoices show the insurer's portion. A coverage names its payer as registration typed it; it is matched to this list by name."</p>
            <section class="card" aria-labelledby="add-payer-title">
                <h2 id="add-payer-title">"Add a payer"</h2>
                <PayerEditor payer=None version/>
            </section>
            <Transition fallback=|| view! { <Loading label="Loading the payers…"/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(all) if all.is_empty() => view! {
                            <EmptyState title="No payers yet">"Add the insurers you bill; until then every invoice is self-pay."</EmptyState>
                        }.into_any(),
                        Ok(all) => view! {
                            <ul class="list" data-testid="payers">
                                {all.into_iter().map(|p| view! {
                                    <li data-testid="payer">
                                        <strong dir="auto">{p.name.clone()}</strong>" · pays "{p.share.label()}
                                        {(!p.active).then_some(" · not billed")}
                                        <details>
                                            <summary>"Change"</summary>
                                            <PayerEditor payer=Some(p) version/>
                                        </details>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

/// Adds a payer (`payer` none) or changes one.
#[component]
fn PayerEditor(payer: Option<PayerView>, version: RwSignal<u32>) -> impl IntoView {
    let key = payer
        .as_ref()
        .map_or("new".to_string(), |p| p.id.to_string());
    let adding = payer.is_none();
    let save_label = if adding { "Add the payer" } else { "Save" };
    let form = RwSignal::new(match payer {
        Some(p) => PayerForm {
            id: Some(p.id),
            name: p.name,
            share: p.share.label().trim_end_matches(" %").to_string(),
            active: p.active,
        },
        None => PayerForm {
            active: true,
            ..PayerForm::default()
        },
    });
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            super::claims_api::save_payer(form.get_untracked()),
            move |_| {
                // The add form is kept empty for the next payer.
                if adding {
                    form.set(PayerForm {
                        active: true,
                        ..PayerForm::default()
                    });
                }
                version.update(|v| *v += 1);
            },
        );
    };
    view! {
        <form class="form" on:submit=submit>
            <FormAlert errors/>
            <Input label="Name" name=format!("payer-name-{key}") bind=lens(form, |f| f.name.clone(), |f, v| f.name = v) error=errors.field("name") required=true/>
            <Input label="Share of covered services (%)" name=format!("payer-share-{key}") inputmode="decimal" hint="What the payer pays of a covered line, e.g. 80."
                bind=lens(form, |f| f.share.clone(), |f, v| f.share = v) error=errors.field("share") required=true/>
            <Check label="Billed (members' invoices show its portion)" name=format!("payer-active-{key}") bind=lens_bool(form, |f| f.active, |f, v| f.active = v) error=errors.field("active")/>
            <Submit label=save_label busy_label="Saving…" busy/>
        </form>
    }
}

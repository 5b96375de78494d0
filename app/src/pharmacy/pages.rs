//! The pharmacy's pages (pharmacists; desktop and tablet): the queue with
//! each patient's allergies in view and dispensing, and the stock with
//! receiving, levels, expiry and write-offs.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::formulary::FormularyDrug;
use shared::pharmacy::{
    expiry_window, BatchView, FillStatus, QueueCursor, QueueItem, ReceiveForm, StockLevel,
};
use shared::Permission;

use super::api::*;
use crate::components::{
    lens, ClientOnly, EmptyState, ErrorBox, FormAlert, FormErrors, Input, Loading, Submit,
};
use crate::portal_session::{current_user, Gate, PortalSession};

/// The page's notice after an action.
fn notice_view(notice: RwSignal<Option<String>>) -> impl IntoView {
    move || {
        notice.get().map(
            |text| view! { <div class="alert alert--success" role="status"><p>{text}</p></div> },
        )
    }
}

/// `/clinic/pharmacy`: the queue.
#[component]
pub fn QueuePage() -> impl IntoView {
    view! {
        <Title text="Pharmacy queue"/>
        <Gate>
            <h1>"Pharmacy queue"</h1>
            <ClientOnly>
            {move || if current_user().role.can(Permission::Dispense) {
                view! { <Queue/> }.into_any()
            } else {
                view! { <p class="muted">"The queue is for the pharmacy."</p> }.into_any()
            }}
            </ClientOnly>
        </Gate>
    }
}

#[component]
fn Queue() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let session = PortalSession::get();
    let queue = Resource::new(
        move || version.get(),
        move |_| session.load(pharmacy_queue(None)),
    );
    view! {
        <VerifyCode/>
        {notice_view(notice)}
        <Transition fallback=|| view! { <Loading label="Loading the queue…"/> }>
            {move || Suspend::new(async move {
                match queue.await {
                    Ok(page) if page.items.is_empty() => view! {
                        <EmptyState title="Nothing to fill">"Signed prescriptions appear here."</EmptyState>
                    }.into_any(),
                    Ok(page) => view! {
                        <ul class="rx-list" data-testid="pharmacy-queue">
                            {page.items.into_iter().map(|item| view! { <QueueCard item version notice/> }).collect_view()}
                        </ul>
                        <MoreOfTheQueue start=page.next version notice/>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
        <super::orders_pages::Deliveries version notice/>
    }
}

/// The queue's later pages, fetched on demand from `start`. Rendered with
/// the first page, so a reload of the queue starts it afresh.
#[component]
fn MoreOfTheQueue(
    start: Option<QueueCursor>,
    version: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let items = RwSignal::new(Vec::<QueueItem>::new());
    let next = RwSignal::new(start);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let load = move |_| {
        let cursor = next.get_untracked();
        crate::components::submit_with(busy, errors, pharmacy_queue(cursor), move |page| {
            items.update(|i| i.extend(page.items));
            next.set(page.next);
        });
    };
    view! {
        <ul class="rx-list">
            <For each=move || items.get() key=|item| item.prescription.id let:item>
                <QueueCard item version notice/>
            </For>
        </ul>
        <FormAlert errors/>
        {move || next.get().is_some().then(|| view! {
            <button type="button" class="btn" disabled=move || busy.get() on:click=load>
                {move || if busy.get() { "Loading…" } else { "Show more of the queue" }}
            </button>
        })}
    }
}

/// Looks a printed prescription up by its verification code.
#[component]
fn VerifyCode() -> impl IntoView {
    let code = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let found = RwSignal::new(None::<shared::prescribing::PrescriptionView>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = verify_code(code.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(p) => {
                    errors.set(None);
                    found.set(Some(p));
                }
                Err(e) => {
                    found.set(None);
                    errors.set(Some(e));
                }
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="verify-title">
            <h2 id="verify-title">"Check a paper prescription"</h2>
            <form class="form form--inline" novalidate on:submit=on_submit>
                <FormAlert errors/>
                <Input label="Verification code" name="code" autocomplete="off"
                    bind=(code.into(), Callback::new(move |v| code.set(v))) error=errors.field("code")/>
                <Submit label="Check" busy_label="Checking…" busy/>
            </form>
            {move || found.get().map(|p| view! {
                <div class="alert" role="status" data-testid="verified">
                    <p><strong>{p.drug_label.clone()}</strong>{format!(" · {}", p.status.label())}</p>
                    <p>{p.sig.directions()}</p>
                    <p class="muted">{format!("{} · by {}", p.sig.quantity_text(), p.prescriber)}</p>
                </div>
            })}
        </section>
    }
}

#[component]
fn QueueCard(
    item: QueueItem,
    version: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let p = item.prescription.clone();
    let id = p.id;
    let remaining = item.remaining();
    let quantity = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let move_to = move |status: FillStatus| {
        leptos::task::spawn_local(async move {
            match set_fill_status(id, status).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let on_dispense = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = dispense(id, quantity.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(out) => {
                    let from = out
                        .taken
                        .iter()
                        .map(|t| {
                            format!(
                                "{} from lot {} (expires {})",
                                t.quantity,
                                t.lot_number,
                                t.expires_on.format("%-d %b %Y")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join(", ");
                    notice.set(Some(format!(
                        "Dispensed {from}: {}.",
                        out.fill_status.label()
                    )));
                    version.update(|v| *v += 1);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let status = item.fill_status;
    view! {
        <li class="card" data-testid="queue-item">
            <p><strong dir="auto">{item.patient_name.clone()}</strong>" · "<span class="mrn">{item.mrn.clone()}</span>" "
                <span class="badge">{status.label()}</span></p>
            {if item.allergies.is_empty() {
                view! { <p class="badge">"No known allergies recorded"</p> }.into_any()
            } else {
                view! { <p class="allergy-alert" role="note" dir="auto"><strong>"Allergies: "</strong>{item.allergies.join(", ")}</p> }.into_any()
            }}
            <p><strong>{p.drug_label.clone()}</strong></p>
            <p>{p.sig.directions()}</p>
            {p.sig.instructions.clone().map(|i| view! { <p dir="auto">{i}</p> })}
            {item.order.clone().map(|order| view! { <super::orders_pages::QueueOrder order version notice/> })}
            <p class="muted">{format!(
                "To give: {} of {} · in stock: {} · by {}",
                remaining, p.sig.quantity_text(), item.on_hand, p.prescriber
            )}</p>
            <div class="encounter__actions">
                {(status == FillStatus::New).then(|| view! {
                    <button type="button" class="btn" on:click=move |_| move_to(FillStatus::Preparing)>"Start preparing"</button>
                })}
                {(status == FillStatus::Preparing).then(|| view! {
                    <button type="button" class="btn" on:click=move |_| move_to(FillStatus::Ready)>"Mark ready"</button>
                })}
            </div>
            <form class="form form--inline" novalidate on:submit=on_dispense>
                <FormAlert errors/>
                <Input label="Quantity (blank: all that is left)" name="quantity" inputmode="numeric" autocomplete="off"
                    bind=(quantity.into(), Callback::new(move |v| quantity.set(v))) error=errors.field("quantity")/>
                <Submit label="Dispense" busy_label="Dispensing…" busy/>
            </form>
        </li>
    }
}

/// `/clinic/pharmacy/stock`: levels, expiry, receiving and write-offs.
#[component]
pub fn StockPage() -> impl IntoView {
    view! {
        <Title text="Pharmacy stock"/>
        <Gate>
            <h1>"Pharmacy stock"</h1>
            <ClientOnly>
            {move || if current_user().role.can(Permission::ManageStock) {
                view! { <Stock/> }.into_any()
            } else {
                view! { <p class="muted">"Stock is kept by the pharmacy."</p> }.into_any()
            }}
            </ClientOnly>
        </Gate>
    }
}

#[component]
fn Stock() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let session = PortalSession::get();
    let levels = Resource::new(move || version.get(), move |_| session.load(stock_levels()));
    let today = chrono::Utc::now().date_naive();
    view! {
        {notice_view(notice)}
        <div class="grid grid--wide">
            <section class="card" aria-labelledby="receive-title">
                <h2 id="receive-title">"Receive a delivery"</h2>
                <Receive version notice/>
            </section>
            <section class="card" aria-labelledby="expiring-title">
                <h2 id="expiring-title">"Expiring within 90 days"</h2>
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match levels.await {
                            Ok(list) => {
                                let mut soon: Vec<(BatchView, i64)> = list.iter()
                                    .flat_map(|l| l.batches.iter().cloned())
                                    .filter_map(|b| expiry_window(b.expires_on, today).map(|w| (b, w)))
                                    .collect();
                                soon.sort_by_key(|(b, _)| b.expires_on);
                                if soon.is_empty() {
                                    return view! { <p class="muted">"No batch expires within 90 days."</p> }.into_any();
                                }
                                view! {
                                    <ul class="rx-list" data-testid="expiring">
                                        {soon.into_iter().map(|(b, w)| view! {
                                            <li>
                                                <span class=if w <= 7 { "badge badge--danger" } else { "badge badge--warn" }>{expiry_text(w)}</span>" "
                                                {format!("{} · lot {} · {} left · expires {}", b.drug_label, b.lot_number, b.quantity, b.expires_on.format("%-d %b %Y"))}
                                            </li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }
                            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                        }
                    })}
                </Transition>
            </section>
        </div>
        <section class="card" aria-labelledby="levels-title">
            <h2 id="levels-title">"Stock levels"</h2>
            <Transition fallback=|| view! { <Loading label="Loading stock…"/> }>
                {move || Suspend::new(async move {
                    match levels.await {
                        Ok(list) if list.is_empty() => view! {
                            <EmptyState title="No stock recorded">"Receive a delivery to start."</EmptyState>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="rx-list" data-testid="stock-levels">
                                {list.into_iter().map(|level| view! { <LevelItem level version notice/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

fn expiry_text(window: i64) -> String {
    if window == 0 {
        "Expired".into()
    } else {
        format!("Within {window} days")
    }
}

#[component]
fn LevelItem(
    level: StockLevel,
    version: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let low = level.low();
    let drug_id = level.drug_id;
    let reorder = RwSignal::new(level.reorder_level.to_string());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_reorder = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = set_reorder_level(drug_id, reorder.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    notice.set(Some("Reorder level saved.".into()));
                    version.update(|v| *v += 1);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <li data-testid="stock-level">
            <p><strong>{level.drug_label.clone()}</strong>" · "{format!("{} on hand", level.on_hand)}" "
                {low.then(|| view! { <span class="badge badge--danger">"Low: reorder"</span> })}</p>
            <form class="form form--inline" novalidate on:submit=on_reorder>
                <FormAlert errors/>
                <Input label="Reorder level" name="level" inputmode="numeric" autocomplete="off"
                    bind=(reorder.into(), Callback::new(move |v| reorder.set(v))) error=errors.field("level")/>
                <Submit label="Save level" busy_label="Saving…" busy class="btn"/>
            </form>
            <div class="table-wrap">
            <table class="table">
                <thead><tr><th scope="col">"Lot"</th><th scope="col">"Expires"</th><th scope="col">"Location"</th><th scope="col">"Left"</th><th scope="col">"Write off"</th></tr></thead>
                <tbody>
                    {level.batches.into_iter().map(|b| view! { <BatchRow b version notice/> }).collect_view()}
                </tbody>
            </table>
            </div>
        </li>
    }
}

#[component]
fn BatchRow(
    b: BatchView,
    version: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let quantity = RwSignal::new(String::new());
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let id = b.id;
    let open = RwSignal::new(false);
    let today = chrono::Utc::now().date_naive();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = write_off(id, quantity.get_untracked(), reason.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(()) => {
                    notice.set(Some("Written off.".into()));
                    version.update(|v| *v += 1);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <tr>
            <td>{b.lot_number.clone()}</td>
            <td>{b.expires_on.format("%-d %b %Y").to_string()}" "
                {expiry_window(b.expires_on, today).map(|w| view! { <span class="badge badge--warn">{expiry_text(w)}</span> })}</td>
            <td dir="auto">{b.location.clone()}</td>
            <td>{b.quantity}</td>
            <td>
                {move || if open.get() {
                    view! {
                        <form class="form" novalidate on:submit=on_submit>
                            <FormAlert errors/>
                            <Input label="Units" name=format!("writeoff-{id}") inputmode="numeric" autocomplete="off"
                                bind=(quantity.into(), Callback::new(move |v| quantity.set(v))) error=errors.field("quantity")/>
                            <Input label="Reason" name=format!("reason-{id}") autocomplete="off"
                                bind=(reason.into(), Callback::new(move |v| reason.set(v))) error=errors.field("reason")/>
                            <Submit label="Write off" busy_label="Writing off…" busy class="btn btn--danger"/>
                        </form>
                    }.into_any()
                } else {
                    view! { <button type="button" class="btn btn--ghost btn--small" on:click=move |_| open.set(true)>"Write off…"</button> }.into_any()
                }}
            </td>
        </tr>
    }
}

#[component]
fn Receive(version: RwSignal<u32>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let form = RwSignal::new(ReceiveForm::default());
    let drug = RwSignal::new(None::<FormularyDrug>);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let pick = Callback::new(move |d: FormularyDrug| {
        form.update(|f| f.drug_id = Some(d.id));
        drug.set(Some(d));
    });
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = receive(form.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(b) => {
                    errors.set(None);
                    notice.set(Some(format!(
                        "Received {} × {} (lot {}).",
                        b.quantity, b.drug_label, b.lot_number
                    )));
                    form.set(ReceiveForm::default());
                    drug.set(None);
                    version.update(|v| *v += 1);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        {move || match drug.get() {
            Some(d) => view! {
                <p data-testid="received-drug"><strong>{d.label()}</strong>" "
                    <button type="button" class="btn btn--ghost" on:click=move |_| { drug.set(None); form.update(|f| f.drug_id = None); }>"Choose another drug"</button></p>
            }.into_any(),
            None => view! { <crate::prescriptions::pages::DrugPicker on_pick=pick/> }.into_any(),
        }}
        <form class="form" novalidate on:submit=on_submit>
            <FormAlert errors/>
            {move || errors.field("drug").get().map(|m| view! { <p class="alert alert--error" role="alert">{m}</p> })}
            <div class="form__row">
                <Input label="Lot number" name="lot_number" required=true autocomplete="off"
                    bind=lens(form, |f| f.lot_number.clone(), |f, v| f.lot_number = v) error=errors.field("lot_number")/>
                <Input label="Expiry date" name="expires_on" kind="date" required=true
                    bind=lens(form, |f| f.expires_on.clone(), |f, v| f.expires_on = v) error=errors.field("expires_on")/>
            </div>
            <div class="form__row">
                <Input label="Units received" name="received_quantity" required=true inputmode="numeric" autocomplete="off"
                    bind=lens(form, |f| f.quantity.clone(), |f, v| f.quantity = v) error=errors.field("quantity")/>
                <Input label="Location" name="location" required=true autocomplete="off"
                    bind=lens(form, |f| f.location.clone(), |f, v| f.location = v) error=errors.field("location")/>
            </div>
            <Submit label="Receive into stock" busy_label="Receiving…" busy/>
        </form>
    }
}

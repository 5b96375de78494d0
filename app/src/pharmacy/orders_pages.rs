//! Online orders in the portals: the patient's order form and tracker (on
//! their prescriptions page), and the pharmacy's view of an order in the
//! queue and of the deliveries on the road.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use shared::ids::PrescriptionId;
use shared::pharmacy::{Fulfilment, OrderForm, OrderStatus, OrderView};

use super::orders_api::{cancel_my_order, cancel_order, deliveries, mark_delivered, place_order};
use crate::components::{
    format_time, lens, submit_with, EmptyState, ErrorBox, FormAlert, FormErrors, Loading, Select,
    Submit, TextArea,
};
use crate::portal_session::PortalSession;

/// The steps of an order, the ones reached marked, the current one named
/// for screen readers.
#[component]
fn Steps(order: OrderView) -> impl IntoView {
    let steps = OrderStatus::steps(order.fulfilment);
    let reached = steps.iter().position(|s| *s == order.status);
    view! {
        <ol class="steps" aria-label="Where the order stands">
            {steps.into_iter().enumerate().map(|(i, s)| {
                let done = reached.is_some_and(|r| i <= r);
                let current = reached == Some(i);
                view! {
                    <li class="steps__step" class:steps__step--done=done
                        aria-current=current.then_some("step")>{s.label()}</li>
                }
            }).collect_view()}
        </ol>
    }
}

/// One order as the patient follows it, with a cancel button while it is
/// still at the pharmacy.
#[component]
fn MyOrder(order: RwSignal<OrderView>, on_cancelled: Callback<()>) -> impl IntoView {
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_cancel = move |ev: SubmitEvent| {
        ev.prevent_default();
        let id = order.with_untracked(|o| o.id);
        submit_with(busy, errors, cancel_my_order(id), move |o| {
            order.set(o);
            on_cancelled.run(());
        });
    };
    view! {
        {move || {
            let o = order.get();
            let how = match (o.fulfilment, o.address.clone()) {
                (Fulfilment::Delivery, Some(a)) => format!("Delivery to {a}"),
                (f, _) => f.label().to_string(),
            };
            view! {
                <div class="order" data-testid="my-order">
                    <p><strong>"Online order: "</strong><span class="badge" data-testid="order-status">{o.status.label()}</span></p>
                    <p class="muted" dir="auto">{format!("{how} · placed {}", format_time(o.placed_at))}</p>
                    {(o.status != OrderStatus::Cancelled).then(|| view! { <Steps order=o.clone()/> })}
                    {o.cancel_reason.clone().map(|r| view! { <p class="muted" dir="auto">{format!("Cancelled: {r}")}</p> })}
                    {o.status.cancellable().then(|| view! {
                        <form class="form form--inline" novalidate on:submit=on_cancel>
                            <FormAlert errors/>
                            <Submit label="Cancel the order" busy_label="Cancelling…" busy class="btn btn--ghost"/>
                        </form>
                    })}
                </div>
            }
        }}
    }
}

/// The patient's online order of one prescription: its tracker when there
/// is one, the order form when the fill can be ordered.
#[component]
pub fn OrderPanel(
    prescription_id: PrescriptionId,
    /// The newest order of this prescription.
    latest: Option<OrderView>,
    orderable: bool,
    /// Offered as the delivery address.
    address_on_file: Option<String>,
) -> impl IntoView {
    let current = RwSignal::new(latest.map(RwSignal::new));
    let can_order = RwSignal::new(orderable);
    let form = RwSignal::new(OrderForm {
        prescription_id: Some(prescription_id),
        fulfilment: None,
        address: address_on_file.unwrap_or_default(),
    });
    let fulfilment = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut f = form.get_untracked();
        f.fulfilment = Fulfilment::from_code(&fulfilment.get_untracked()).ok();
        submit_with(busy, errors, place_order(f), move |o| {
            can_order.set(false);
            current.set(Some(RwSignal::new(o)));
        });
    };
    let show_form = move || {
        can_order.get() && current.with(|c| c.is_none_or(|o| !o.with(|o| o.status.is_open())))
    };
    view! {
        // Cancelled here: the fill is still in the queue, so it can be ordered again.
        {move || current.get().map(|order| view! { <MyOrder order on_cancelled=Callback::new(move |()| can_order.set(true))/> })}
        {move || show_form().then(|| view! {
            <form class="form" novalidate on:submit=on_submit data-testid="order-form">
                <FormAlert errors/>
                <Select label="Order online" name=format!("fulfilment-{prescription_id}")
                    bind=(fulfilment.into(), Callback::new(move |v| fulfilment.set(v)))
                    error=errors.field("fulfilment") options=Fulfilment::options()
                    placeholder="Collect or deliver?"/>
                {move || (fulfilment.get() == Fulfilment::Delivery.as_str()).then(|| view! {
                    <TextArea label="Deliver to" name=format!("address-{prescription_id}") rows=2
                        bind=lens(form, |f| f.address.clone(), |f, v| f.address = v) error=errors.field("address")/>
                })}
                <Submit label="Place the order" busy_label="Ordering…" busy class="btn"/>
            </form>
        })}
    }
}

/// An online order in the pharmacy's queue card: how it leaves the
/// pharmacy, and cancelling it with the reason the patient reads.
#[component]
pub fn QueueOrder(
    order: OrderView,
    version: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let open = RwSignal::new(false);
    let id = order.id;
    let on_cancel = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            cancel_order(id, reason.get_untracked()),
            move |_| {
                notice.set(Some("Order cancelled; the patient has been told.".into()));
                version.update(|v| *v += 1);
            },
        );
    };
    let how = match (order.fulfilment, order.address.clone()) {
        (Fulfilment::Delivery, Some(a)) => format!("deliver to {a}"),
        _ => "the patient collects".to_string(),
    };
    view! {
        <p class="order" data-testid="queue-order" dir="auto">
            <strong>"Online order: "</strong>{how}" "<span class="badge">{order.status.label()}</span>
        </p>
        {order.status.cancellable().then(|| view! {
            <button type="button" class="btn btn--ghost" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>"Cancel the order…"</button>
            {move || open.get().then(|| view! {
                <form class="form" novalidate on:submit=on_cancel>
                    <FormAlert errors/>
                    <TextArea label="Why (the patient reads it)" name=format!("cancel-{id}") rows=2
                        bind=(reason.into(), Callback::new(move |v| reason.set(v))) error=errors.field("reason")/>
                    <Submit label="Cancel the order" busy_label="Cancelling…" busy class="btn"/>
                </form>
            })}
        })}
    }
}

/// Orders dispatched to patients, each marked delivered when the courier
/// hands it over.
#[component]
pub fn Deliveries(version: RwSignal<u32>, notice: RwSignal<Option<String>>) -> impl IntoView {
    let session = PortalSession::get();
    let list = Resource::new(move || version.get(), move |_| session.load(deliveries()));
    let errors = FormErrors::new();
    let delivered = move |o: OrderView| {
        leptos::task::spawn_local(async move {
            match mark_delivered(o.id).await {
                Ok(_) => {
                    errors.set(None);
                    notice.set(Some(format!(
                        "Delivered to {}; the patient has been told.",
                        o.patient_name
                    )));
                    version.update(|v| *v += 1);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        <section class="card" aria-labelledby="deliveries-title">
            <h2 id="deliveries-title">"Out for delivery"</h2>
            <FormAlert errors/>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(items) if items.is_empty() => view! {
                            <EmptyState title="No delivery on the road">"Dispensing an order to deliver puts it here."</EmptyState>
                        }.into_any(),
                        Ok(items) => view! {
                            <ul class="rx-list" data-testid="deliveries">
                                {items.into_iter().map(|o| {
                                    let again = o.clone();
                                    view! {
                                        <li class="card">
                                            <p><strong dir="auto">{o.patient_name.clone()}</strong>" · "{o.drug_label.clone()}</p>
                                            <p class="muted" dir="auto">{format!("To {} · dispatched {}", o.address.clone().unwrap_or_default(), format_time(o.updated_at))}</p>
                                            <button type="button" class="btn" on:click=move |_| delivered(again.clone())>"Mark delivered"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

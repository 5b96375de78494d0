//! Refill requests in the portals: the patient's button and list (on the
//! prescriptions page), and the prescriber's queue (`/clinic/refills`).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::prescribing::{RefillRequestView, RefillStatus};
use shared::Permission;

use super::refills_api::{decide_refill, refill_queue, request_refill};
use crate::components::{
    format_time, ClientOnly, EmptyState, ErrorBox, FormAlert, FormErrors, Loading, Submit, TextArea,
};
use crate::portal_session::{current_user, Gate, PortalSession};

/// The patient's request for another fill, or where their last one stands.
#[component]
pub fn RefillButton(
    prescription_id: shared::ids::PrescriptionId,
    latest: Option<RefillRequestView>,
    refills_left: u8,
) -> impl IntoView {
    let state = RwSignal::new(latest);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = request_refill(prescription_id, String::new()).await;
            busy.set(false);
            match result {
                Ok(r) => {
                    errors.set(None);
                    state.set(Some(r));
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    view! {
        {move || state.get().map(|r| view! {
            <p class=match r.status { RefillStatus::Declined => "badge badge--warn", _ => "badge" } data-testid="refill-status">
                {format!("Refill {}: {}", format_time(r.requested_at), r.status.label())}
            </p>
            {r.decline_reason.clone().map(|why| view! { <p class="muted" dir="auto">{format!("Reason: {why}")}</p> })}
        })}
        {move || {
            let pending = state.with(|s| s.as_ref().is_some_and(|r| r.status == RefillStatus::Pending));
            (refills_left > 0 && !pending).then(|| view! {
                <form class="form form--inline" novalidate on:submit=on_submit>
                    <FormAlert errors/>
                    <Submit label="Request a refill" busy_label="Sending…" busy class="btn"/>
                </form>
            })
        }}
    }
}

/// `/clinic/refills`: the refill requests for the caller's prescriptions.
#[component]
pub fn RefillQueuePage() -> impl IntoView {
    view! {
        <Title text="Refill requests"/>
        <Gate>
            <h1>"Refill requests"</h1>
            <ClientOnly>
            {move || if current_user().role.can(Permission::Prescribe) {
                view! { <RefillQueue/> }.into_any()
            } else {
                view! { <p class="muted">"Refill requests are answered by the prescribing doctors."</p> }.into_any()
            }}
            </ClientOnly>
        </Gate>
    }
}

#[component]
fn RefillQueue() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let notice = RwSignal::new(None::<String>);
    let session = PortalSession::get();
    let list = Resource::new(move || version.get(), move |_| session.load(refill_queue()));
    view! {
        {move || notice.get().map(|t| view! { <div class="alert alert--success" role="status"><p>{t}</p></div> })}
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(items) if items.is_empty() => view! {
                        <EmptyState title="No refill requests">"Requests from your patients appear here."</EmptyState>
                    }.into_any(),
                    Ok(items) => view! {
                        <ul class="rx-list" data-testid="refill-queue">
                            {items.into_iter().map(|r| view! { <RefillItem r version notice/> }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RefillItem(
    r: RefillRequestView,
    version: RwSignal<u32>,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = r.id;
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let decide = move |approve: bool| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = decide_refill(id, approve, reason.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(r) => {
                    notice.set(Some(format!(
                        "{}: {} for {}.",
                        r.status.label(),
                        r.drug_label,
                        r.patient_name
                    )));
                    version.update(|v| *v += 1);
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let on_decline = move |ev: SubmitEvent| {
        ev.prevent_default();
        decide(false);
    };
    view! {
        <li class="card" data-testid="refill-request">
            <p><strong dir="auto">{r.patient_name.clone()}</strong>{format!(" · asked {}", format_time(r.requested_at))}</p>
            <p><strong>{r.drug_label.clone()}</strong></p>
            <p>{r.directions.clone()}</p>
            <p class="muted">{format!("{} refill(s) left", r.refills_left)}</p>
            {r.note.clone().map(|n| view! { <p dir="auto">{n}</p> })}
            <form class="form" novalidate on:submit=on_decline>
                <FormAlert errors/>
                <div class="encounter__actions">
                    <button type="button" class="btn btn--primary" disabled=move || busy.get() on:click=move |_| decide(true)>"Approve"</button>
                </div>
                <TextArea label="Reason to decline (for the patient)" name=format!("decline-{id}") rows=2
                    bind=(reason.into(), Callback::new(move |v| reason.set(v))) error=errors.field("reason")/>
                <Submit label="Decline" busy_label="Sending…" busy class="btn btn--ghost"/>
            </form>
        </li>
    }
}

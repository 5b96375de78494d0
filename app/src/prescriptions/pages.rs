//! Prescribing in the clinic portal, tablet-first: the prescriptions of a
//! chart with stop and change, and the prescribe page, where the alerts
//! are computed in the browser by the same `shared::decision` code the
//! server runs when signing.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;
use shared::decision::{needs_override, Alert, AlertSeverity, CheckContext};
use shared::formulary::FormularyDrug;
use shared::ids::{EncounterId, PatientId, PrescriptionId};
use shared::prescribing::{
    alerts_for, dose_units_for, FrequencyKind, PrescribedDrug, PrescriptionForm,
    PrescriptionStatus, PrescriptionView, SignRequest,
};
use shared::AppError;
use uuid::Uuid;

use super::api::{list_prescriptions, prescribing_context, sign_prescription, stop_prescription};
use crate::components::{
    format_time, lens, EmptyState, ErrorBox, FormAlert, FormErrors, Input, Loading, Select, Submit,
    TextArea,
};
use crate::formulary::api::{get_drug, search_formulary};
use crate::portal_session::{hard_navigate, PortalSession};

fn severity_class(s: AlertSeverity) -> &'static str {
    match s {
        AlertSeverity::Contraindicated | AlertSeverity::Major => "alert alert--error",
        AlertSeverity::Moderate => "alert alert--warn",
        AlertSeverity::Minor => "alert",
    }
}

/// Alerts with their severity in words (never colour alone) and source.
#[component]
pub fn AlertList(alerts: Vec<Alert>) -> impl IntoView {
    view! {
        <ul class="alerts" data-testid="prescribing-alerts">
            {alerts.into_iter().map(|a| view! {
                <li class=severity_class(a.severity) role="note">
                    <p><strong>{format!("{} · {}: ", a.severity.label(), a.kind.label())}</strong>
                        <span dir="auto">{a.summary}</span></p>
                    <p dir="auto">{a.detail}</p>
                    <p class="muted">{format!("Source: {}", a.source)}</p>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The chart's prescriptions: active ones with stop and change for
/// prescribers, then the history.
#[component]
pub fn PrescriptionPanel(patient_id: Uuid, can_prescribe: bool) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let list = Resource::new(
        move || version.get(),
        move |_| session.load(list_prescriptions(patient_id.into())),
    );
    view! {
        <Transition fallback=|| view! { <Loading label="Loading prescriptions…"/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(all) if all.is_empty() => view! {
                        <EmptyState title="No prescriptions">"Prescriptions signed for this patient appear here."</EmptyState>
                    }.into_any(),
                    Ok(all) => {
                        let (active, past): (Vec<_>, Vec<_>) = all.into_iter().partition(|p| p.status == PrescriptionStatus::Active);
                        view! {
                            <ul class="rx-list" data-testid="active-prescriptions">
                                {active.into_iter().map(|p| view! { <PrescriptionItem p can_prescribe version/> }).collect_view()}
                            </ul>
                            {(!past.is_empty()).then(|| view! {
                                <details class="history">
                                    <summary>{format!("Earlier prescriptions ({})", past.len())}</summary>
                                    <ul class="rx-list">
                                        {past.into_iter().map(|p| view! { <PrescriptionItem p can_prescribe=false version/> }).collect_view()}
                                    </ul>
                                </details>
                            })}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PrescriptionItem(
    p: PrescriptionView,
    can_prescribe: bool,
    version: RwSignal<u32>,
) -> impl IntoView {
    let stopping = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let (patient_id, id) = (p.patient_id, p.id);
    let active = p.status == PrescriptionStatus::Active;
    let on_stop = move |ev: SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = stop_prescription(patient_id, id, reason.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(_) => version.update(|v| *v += 1),
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let overridden = p.alerts.iter().filter(|a| a.needs_override()).count();
    view! {
        <li data-testid="prescription">
            <p><strong>{p.drug_label.clone()}</strong>" "
                <span class=if active { "badge badge--ok" } else { "badge" }>{p.status.label()}</span></p>
            <p>{p.sig.directions()}</p>
            {p.sig.instructions.clone().map(|i| view! { <p dir="auto">{i}</p> })}
            <p class="muted">{format!(
                "{} · {} refill(s) · by {} on {} · code {}",
                p.sig.quantity_text(), p.sig.refills, p.prescriber,
                format_time(p.signed_at), p.verification_code
            )}</p>
            {(overridden > 0).then(|| view! {
                <p class="muted" dir="auto">{format!("{overridden} alert(s) overridden: {}", p.override_reason.clone().unwrap_or_default())}</p>
            })}
            {p.end_reason.clone().map(|r| view! { <p class="muted" dir="auto">{format!("Ended: {r}")}</p> })}
            <div class="encounter__actions">
                <a class="btn btn--ghost" href=format!("/api/prescriptions/{id}/pdf") download="prescription.pdf">"Print (PDF)"</a>
            </div>
            {(can_prescribe && active).then(|| view! {
                <div class="encounter__actions">
                    <a class="btn" href=format!("/clinic/patients/{patient_id}/prescribe?replaces={id}")>"Change"</a>
                    <button type="button" class="btn btn--ghost" on:click=move |_| stopping.update(|s| *s = !*s)>"Stop"</button>
                </div>
            })}
            {move || stopping.get().then(|| view! {
                <form class="form" novalidate on:submit=on_stop>
                    <FormAlert errors/>
                    <TextArea label="Why is it stopped?" name="reason" rows=2
                        bind=(reason.into(), Callback::new(move |v| reason.set(v))) error=errors.field("reason")/>
                    <Submit label="Stop prescription" busy_label="Stopping…" busy class="btn btn--danger"/>
                </form>
            })}
        </li>
    }
}

/// `/clinic/patients/:id/prescribe[?encounter=…][&replaces=…]`.
#[component]
pub fn PrescribePage() -> impl IntoView {
    let id = crate::chart::pages::route_patient_id();
    let query = use_query_map();
    let param = move |name: &str| {
        query
            .read_untracked()
            .get(name)
            .and_then(|s| Uuid::parse_str(&s).ok())
    };
    let encounter = param("encounter").map(EncounterId::from);
    let replaces = param("replaces").map(PrescriptionId::from);
    let session = PortalSession::get();
    let loaded = Resource::new(
        move || id.get(),
        move |id| {
            session.load_if(shared::Permission::Prescribe, async move {
                let id = id.ok_or_else(|| AppError::NotFound("That patient".into()))?;
                let summary = crate::chart::api::get_chart_summary(id.into()).await?;
                let ctx = prescribing_context(id.into()).await?;
                let old = match replaces {
                    Some(r) => {
                        let list = list_prescriptions(id.into()).await?;
                        let old = list
                            .into_iter()
                            .find(|p| p.id == r)
                            .ok_or_else(|| AppError::NotFound("The prescription".into()))?;
                        let drug = get_drug(old.drug_id).await?;
                        Some((old, drug))
                    }
                    None => None,
                };
                Ok((summary, ctx, old))
            })
        },
    );
    view! {
        <Title text="Prescribe"/>
        <Transition fallback=|| view! { <Loading label="Opening the prescription…"/> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((summary, ctx, old)) => {
                        let p = summary.patient;
                        let allergies: Vec<String> = summary.allergies.iter()
                            .filter(|a| a.status == shared::chart::AllergyStatus::Active)
                            .map(|a| format!("{} ({})", a.substance, a.severity.label().to_lowercase()))
                            .collect();
                        view! {
                            <header class="chart-banner" data-testid="chart-banner">
                                <div class="chart-banner__who">
                                    <h1 dir="auto">{if old.is_some() { "Change prescription: " } else { "Prescribe: " }}{p.display_name()}</h1>
                                    <p><span class="mrn">{p.mrn.clone()}</span></p>
                                </div>
                                <div class="chart-banner__allergies" data-testid="allergy-banner">
                                    {if allergies.is_empty() {
                                        view! { <p class="badge">"No known allergies recorded"</p> }.into_any()
                                    } else {
                                        view! { <p class="allergy-alert" role="note" dir="auto"><strong>"Allergies: "</strong>{allergies.join(", ")}</p> }.into_any()
                                    }}
                                </div>
                                <div class="chart-banner__links">
                                    <a class="btn btn--ghost" href=format!("/clinic/patients/{}", p.id)>"Back to the chart"</a>
                                </div>
                            </header>
                            <PrescribeForm patient_id=p.id.into() encounter ctx old/>
                        }.into_any()
                    }
                    Err(AppError::Forbidden) => view! {
                        <section class="card narrow">
                            <h1>"Prescribing is for doctors"</h1>
                            <p>"Only doctors in the patient's care team sign prescriptions. The chart lists them for everyone who may open it."</p>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A formulary search whose results are buttons: the prescribe page's drug
/// choice, and the pharmacy's when receiving stock.
#[component]
pub fn DrugPicker(on_pick: Callback<FormularyDrug>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let session = PortalSession::get();
    let results = Resource::new(
        move || query.get(),
        move |q| session.load(search_formulary(q, false)),
    );
    view! {
        <div class="field">
            <label for="drug-search">"Drug (generic or brand name)"</label>
            <input id="drug-search" type="search" dir="auto" autocomplete="off"
                placeholder="e.g. amoxicillin, metformin"
                prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))/>
        </div>
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                let short = query.with_untracked(|q| q.trim().chars().count() < 2);
                match results.await {
                    Ok(_) if short => view! { <p class="muted">"Type at least two letters."</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! {
                        <EmptyState title="No drug found">"Check the spelling, or search by another name."</EmptyState>
                    }.into_any(),
                    Ok(list) => view! {
                        <ul class="picker" data-testid="drug-results">
                            {list.into_iter().map(|d| {
                                let label = d.label();
                                view! {
                                    <li><button type="button" class="btn btn--ghost picker__option"
                                        on:click=move |_| on_pick.run(d.clone())>{label}</button></li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

fn frequency_value_label(kind: &str) -> Option<&'static str> {
    match FrequencyKind::from_code(kind).ok()? {
        FrequencyKind::TimesDaily => Some("Times a day"),
        FrequencyKind::EveryHours => Some("Every how many hours"),
        FrequencyKind::AsNeeded => Some("At most how many a day"),
        _ => None,
    }
}

/// The prescription's fields, the alerts as they are now, and signing.
#[component]
fn PrescribeForm(
    patient_id: Uuid,
    encounter: Option<EncounterId>,
    ctx: CheckContext,
    old: Option<(PrescriptionView, FormularyDrug)>,
) -> impl IntoView {
    let today = chrono::Utc::now().date_naive();
    let replaces = old.as_ref().map(|(p, _)| p.id);
    let chosen = RwSignal::new(old.as_ref().map(|(_, d)| d.clone()));
    let form = RwSignal::new(
        old.as_ref()
            .map(|(p, _)| PrescriptionForm {
                start_date: today.format("%Y-%m-%d").to_string(),
                quantity: String::new(),
                ..PrescriptionForm::from_sig(&p.sig)
            })
            .unwrap_or_default(),
    );
    let override_reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let ctx = StoredValue::new(ctx);
    // A drug picked from the search starts the form over with its unit and route.
    let pick = Callback::new(move |d: FormularyDrug| {
        form.set(PrescriptionForm::for_drug(
            &PrescribedDrug::of(&d.drug),
            &d.drug.route,
            today,
        ));
        errors.set(None);
        chosen.set(Some(d));
    });
    let sig = Memo::new(move |_| {
        let d = chosen.get()?;
        form.with(|f| f.parse(&PrescribedDrug::of(&d.drug), today).ok())
    });
    let alerts = Memo::new(move |_| {
        let d = chosen.get()?;
        Some(ctx.with_value(|c| alerts_for(c, &d.drug, sig.get().as_ref(), replaces)))
    });
    let alerts = Signal::derive(move || alerts.get().unwrap_or_default());
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(drug) = chosen.get_untracked() else {
            errors.set(Some(AppError::field(
                "drug",
                "Choose a drug from the formulary.",
            )));
            return;
        };
        let typed = form.get_untracked();
        if let Err(e) = typed.parse(&PrescribedDrug::of(&drug.drug), today) {
            errors.set(Some(e));
            return;
        }
        let request = SignRequest {
            patient_id: Some(PatientId::from(patient_id)),
            encounter_id: encounter,
            drug_id: Some(drug.id),
            form: typed,
            override_reason: override_reason.get_untracked(),
        };
        errors.set(None);
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = sign_prescription(request, replaces).await;
            busy.set(false);
            match result {
                Ok(_) => hard_navigate(&format!(
                    "/clinic/patients/{patient_id}#prescriptions-title"
                )),
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let units = move || {
        chosen
            .get()
            .map(|d| dose_units_for(&d.drug.strength, &d.drug.dose_form))
            .unwrap_or_default()
            .into_iter()
            .map(|u| (u.as_str().to_string(), u.label().to_string()))
            .collect::<Vec<_>>()
    };
    let computed = move || {
        let d = chosen.get()?;
        let f = PrescriptionForm {
            quantity: String::new(),
            ..form.get()
        };
        f.parse(&PrescribedDrug::of(&d.drug), today)
            .ok()
            .map(|s| format!("Leave blank for {}.", s.quantity_text()))
    };
    view! {
        <div class="grid grid--wide">
            <section class="card" aria-labelledby="drug-title">
                <h2 id="drug-title">"Drug"</h2>
                {move || match chosen.get() {
                    Some(d) => view! {
                        <p data-testid="chosen-drug"><strong>{d.label()}</strong></p>
                        <p class="muted">{d.drug.drug_class.clone().unwrap_or_default()}</p>
                        {replaces.is_none().then(|| view! {
                            <button type="button" class="btn btn--ghost" on:click=move |_| chosen.set(None)>"Choose another drug"</button>
                        })}
                    }.into_any(),
                    None => view! { <DrugPicker on_pick=pick/> }.into_any(),
                }}
                <h2 class="rx-checks">"Checks"</h2>
                {move || {
                    let list = alerts.get();
                    if chosen.get().is_none() {
                        view! { <p class="muted">"Alerts appear when a drug is chosen."</p> }.into_any()
                    } else if list.is_empty() {
                        view! { <p class="badge badge--ok" data-testid="no-alerts">"No alerts: allergies, interactions and duplicate therapy checked"</p> }.into_any()
                    } else {
                        view! { <AlertList alerts=list/> }.into_any()
                    }
                }}
            </section>
            <section class="card" aria-labelledby="sig-title">
                <h2 id="sig-title">"Dose and directions"</h2>
                <form class="form" novalidate on:submit=on_submit>
                    <FormAlert errors/>
                    <div class="form__row">
                        <Input label="Dose" name="dose" required=true inputmode="decimal" autocomplete="off"
                            bind=lens(form, |f| f.dose.clone(), |f, v| f.dose = v) error=errors.field("dose")/>
                        {move || view! {
                            <Select label="Unit" name="dose_unit" required=true options=units()
                                bind=lens(form, |f| f.dose_unit.clone(), |f, v| f.dose_unit = v) error=errors.field("dose_unit")/>
                        }}
                    </div>
                    <Input label="Route" name="route" required=true autocomplete="off"
                        bind=lens(form, |f| f.route.clone(), |f, v| f.route = v) error=errors.field("route")/>
                    <div class="form__row">
                        <Select label="How often" name="frequency" required=true options=FrequencyKind::options()
                            bind=lens(form, |f| f.frequency.clone(), |f, v| f.frequency = v) error=errors.field("frequency")/>
                        {move || form.with(|f| frequency_value_label(&f.frequency)).map(|label| view! {
                            <Input label name="frequency_value" required=true inputmode="numeric" autocomplete="off"
                                bind=lens(form, |f| f.frequency_value.clone(), |f, v| f.frequency_value = v) error=errors.field("frequency_value")/>
                        })}
                    </div>
                    {move || form.with(|f| f.frequency == FrequencyKind::AsNeeded.as_str()).then(|| view! {
                        <Input label="Needed for" name="as_needed_for" required=true autocomplete="off" hint="e.g. pain, nausea, sleep."
                            bind=lens(form, |f| f.as_needed_for.clone(), |f, v| f.as_needed_for = v) error=errors.field("as_needed_for")/>
                    })}
                    <div class="form__row">
                        <Input label="Start date" name="start_date" kind="date" required=true
                            bind=lens(form, |f| f.start_date.clone(), |f, v| f.start_date = v) error=errors.field("start_date")/>
                        <Input label="Days" name="duration_days" required=true inputmode="numeric" autocomplete="off"
                            bind=lens(form, |f| f.duration_days.clone(), |f, v| f.duration_days = v) error=errors.field("duration_days")/>
                    </div>
                    <div class="form__row">
                        <div>
                            <Input label="Quantity" name="quantity" inputmode="numeric" autocomplete="off"
                                bind=lens(form, |f| f.quantity.clone(), |f, v| f.quantity = v) error=errors.field("quantity")/>
                            <p class="field__hint" data-testid="computed-quantity">{computed}</p>
                        </div>
                        <Input label="Refills" name="refills" inputmode="numeric" autocomplete="off"
                            bind=lens(form, |f| f.refills.clone(), |f, v| f.refills = v) error=errors.field("refills")/>
                    </div>
                    <TextArea label="Instructions to the patient" name="instructions" rows=2
                        bind=lens(form, |f| f.instructions.clone(), |f, v| f.instructions = v) error=errors.field("instructions")/>
                    {move || sig.get().map(|s| view! {
                        <p class="alert" role="status" data-testid="directions"><strong>"Directions: "</strong>{s.directions()}</p>
                    })}
                    {move || errors.field("drug").get().map(|m| view! { <p class="alert alert--error" role="alert">{m}</p> })}
                    {move || (needs_override(&alerts.get()) || errors.field("override_reason").get().is_some()).then(|| view! {
                        <TextArea label="Reason to prescribe despite the alerts" name="override_reason" rows=2
                            hint="Required for major and contraindicated alerts; kept with the prescription."
                            bind=(override_reason.into(), Callback::new(move |v| override_reason.set(v)))
                            error=errors.field("override_reason")/>
                    })}
                    <div class="form__actions">
                        <Submit label="Sign prescription" busy_label="Signing…" busy/>
                        <a class="btn btn--ghost" href=format!("/clinic/patients/{patient_id}")>"Cancel"</a>
                    </div>
                </form>
            </section>
        </div>
    }
}

/// `/patient/prescriptions`: the patient's own prescriptions on the phone,
/// active ones first, each with its directions in plain language and its
/// printable copy.
#[component]
pub fn MyPrescriptionsPage() -> impl IntoView {
    let session = PortalSession::get();
    let list = Resource::new(
        || (),
        move |_| {
            session.load(async move {
                let prescriptions = super::api::my_prescriptions().await?;
                let refills = super::refills_api::my_refills().await?;
                let orders = crate::pharmacy::orders_api::my_pharmacy_orders().await?;
                Ok((prescriptions, refills, orders))
            })
        },
    );
    view! {
        <Title text="My prescriptions"/>
        <crate::portal_session::Gate>
            <h1>"My prescriptions"</h1>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok((all, refills, orders)) => {
                            let (active, past): (Vec<_>, Vec<_>) =
                                all.into_iter().partition(|p| p.status == PrescriptionStatus::Active);
                            // The newest request of each prescription.
                            let latest = move |p: &PrescriptionView| refills.iter().find(|r| r.prescription_id == p.id).cloned();
                            view! {
                                <section aria-labelledby="current-rx-title">
                                    <h2 id="current-rx-title">"Current"</h2>
                                    {if active.is_empty() {
                                        view! { <EmptyState title="No current prescriptions">"Prescriptions your doctor signs appear here."</EmptyState> }.into_any()
                                    } else {
                                        view! { <ul class="rx-list" data-testid="my-prescriptions">{active.into_iter().map(|p| {
                                            let refill = Some(latest(&p));
                                            let order = Some((
                                                orders.orders.iter().find(|o| o.prescription_id == p.id).cloned(),
                                                orders.orderable.contains(&p.id),
                                                orders.address_on_file.clone(),
                                            ));
                                            view! { <MyPrescription p refill order/> }
                                        }).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                                <section aria-labelledby="past-rx-title">
                                    <h2 id="past-rx-title">"Earlier"</h2>
                                    {if past.is_empty() {
                                        view! { <p class="muted">"None."</p> }.into_any()
                                    } else {
                                        view! { <ul class="rx-list">{past.into_iter().map(|p| view! { <MyPrescription p refill=None order=None/> }).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </crate::portal_session::Gate>
    }
}

/// One of the patient's prescriptions; `refill` and `order` are given for
/// active ones: their newest refill request and online order, if any, and
/// whether the fill can be ordered now.
#[component]
fn MyPrescription(
    p: PrescriptionView,
    refill: Option<Option<shared::prescribing::RefillRequestView>>,
    order: Option<(Option<shared::pharmacy::OrderView>, bool, Option<String>)>,
) -> impl IntoView {
    let refills_left = p.sig.refills.saturating_sub(p.refills_used);
    let id = p.id;
    view! {
        <li class="card" data-testid="my-prescription">
            <p><strong>{p.drug_label.clone()}</strong>" "<span class="badge">{p.status.label()}</span></p>
            <p>{p.sig.directions()}</p>
            {p.sig.instructions.clone().map(|i| view! { <p dir="auto">{i}</p> })}
            <p class="muted">{format!(
                "{} · {} refill(s) left · prescribed by {} on {}",
                p.sig.quantity_text(), refills_left, p.prescriber, format_time(p.signed_at)
            )}</p>
            {p.end_reason.clone().map(|r| view! { <p class="muted" dir="auto">{format!("Ended: {r}")}</p> })}
            <a class="btn btn--ghost" href=format!("/api/prescriptions/{}/pdf", p.id) download="prescription.pdf">"Download (PDF)"</a>
            {refill.map(|latest| view! {
                <super::refills_pages::RefillButton prescription_id=id latest refills_left/>
            })}
            {order.map(|(latest, orderable, address_on_file)| view! {
                <crate::pharmacy::orders_pages::OrderPanel prescription_id=id latest orderable address_on_file/>
            })}
        </li>
    }
}

//! Registration in the clinic portal: the full form at the front desk, and
//! the emergency fast-track that takes seconds.

use leptos::prelude::*;
use leptos_meta::Title;
use shared::demographics::{
    DemographicsForm, DuplicateCandidate, FastTrackForm, RegistrationOutcome,
};
use shared::AppError;

use super::api::{fast_track, register_patient_staff, FastTrackResult};
use super::forms::{sex_options, ContactFields, IdentityFields};
use crate::components::{lens, FormAlert, FormErrors, Input, Select, Submit};

/// A list of possible duplicates with links to each.
#[component]
pub fn DuplicateList(candidates: Vec<DuplicateCandidate>, base: &'static str) -> impl IntoView {
    view! {
        <ul class="results" data-testid="duplicates">
            {candidates.into_iter().map(|c| {
                let href = crate::patients::pages::patient_link(base, c.patient.id);
                view! {
                    <li class="results__item">
                        <a href=href><strong dir="auto">{shared::patients::filing_name(&c.patient.family_name, &c.patient.given_name)}</strong></a>
                        <span class="mrn">{c.patient.mrn.clone()}</span>
                        <span class="muted">
                            {c.patient.date_of_birth.map(|d| d.format("%-d %b %Y").to_string()).unwrap_or_else(|| "Birth date unknown".into())}
                            {c.patient.phone.clone().map(|p| format!(" · {p}")).unwrap_or_default()}
                        </span>
                        <span class="badge badge--warn">{c.reasons.join(" · ")}</span>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The front desk's registration form with duplicate detection.
#[component]
pub fn RegisterPatientPage() -> impl IntoView {
    let form = RwSignal::new(DemographicsForm::default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let duplicates = RwSignal::new(None::<Vec<DuplicateCandidate>>);
    let done = RwSignal::new(None::<(uuid::Uuid, String, String)>);

    let submit = move |confirm_new: bool| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let f = form.get_untracked();
            let result = register_patient_staff(f.clone(), confirm_new).await;
            busy.set(false);
            match result {
                Ok(RegistrationOutcome::Registered { id, mrn }) => {
                    errors.set(None);
                    duplicates.set(None);
                    done.set(Some((
                        id.into(),
                        mrn,
                        format!("{} {}", f.given_name.trim(), f.family_name.trim()),
                    )));
                    form.set(DemographicsForm::default());
                }
                Ok(RegistrationOutcome::PossibleDuplicates(list)) => {
                    errors.set(None);
                    duplicates.set(Some(list));
                }
                Err(e) => {
                    duplicates.set(None);
                    errors.set(Some(e));
                }
            }
        });
    };

    view! {
        <crate::portal_session::Gate>
        <Title text="Register a patient"/>
        <h1>"Register a patient"</h1>
        {move || done.get().map(|(id, mrn, name)| view! {
            <div class="alert alert--success" role="status" data-testid="registered">
                <p dir="auto">{format!("{name} is registered. MRN ")}<strong class="mrn" data-testid="new-mrn">{mrn}</strong></p>
                <p><a href=crate::patients::pages::patient_link("/clinic", id.into())>"Open the record"</a></p>
            </div>
        })}
        <form class="form card" novalidate on:submit=move |ev| { ev.prevent_default(); submit(false); }>
            <FormAlert errors/>
            <IdentityFields form errors/>
            <ContactFields form contact=|f: &DemographicsForm| &f.contact contact_mut=|f: &mut DemographicsForm| &mut f.contact errors/>
            {move || duplicates.get().map(|list| view! {
                <div class="alert alert--warn" role="alert">
                    <p><strong>"This patient may already be registered."</strong>" Open a record below instead, or register a new one if none of them is this person."</p>
                    <DuplicateList candidates=list base="/clinic"/>
                    <button type="button" class="btn" on:click=move |_| submit(true) disabled=move || busy.get()>
                        "None of these — register a new patient"
                    </button>
                </div>
            })}
            <div class="form-actions">
                <Submit label="Register patient" busy_label="Registering…" busy/>
            </div>
        </form>
        </crate::portal_session::Gate>
    }
}

/// Now on the hospital's wall clock, as a `datetime-local` value.
fn now_local_value() -> String {
    crate::zone::local(chrono::Utc::now())
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// The emergency fast-track: four fields, one button, an MRN at once.
#[component]
pub fn FastTrackPage() -> impl IntoView {
    let form = RwSignal::new(FastTrackForm::default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let created = RwSignal::new(None::<FastTrackResult>);

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let result = fast_track(form.get_untracked()).await;
            busy.set(false);
            match result {
                Ok(r) => {
                    errors.set(None);
                    created.set(Some(r));
                    form.set(FastTrackForm::default());
                }
                Err(e) => errors.set(Some(e)),
            }
        });
    };
    let error_text = move || {
        errors
            .0
            .get()
            .filter(|e| !matches!(e, AppError::Validation(_)))
            .map(|e| e.to_string())
    };

    view! {
        <crate::portal_session::Gate>
        <Title text="Emergency registration"/>
        <h1>"Emergency registration"</h1>
        <p class="muted">"For a patient whose identity is unknown. The record is temporary: complete it or merge it into the right patient later."</p>
        {move || created.get().map(|r| view! {
            <div class="alert alert--success" role="status" data-testid="fast-tracked">
                <p><strong dir="auto">{r.display_name.clone()}</strong>" · MRN "<strong class="mrn" data-testid="temp-mrn">{r.mrn.clone()}</strong></p>
                <p class="actions">
                    <a class="btn btn--primary" href=format!("/clinic/ed/visits/{}", r.visit_id) data-testid="triage-link">"Triage"</a>" "
                    <a class="btn" href=format!("/clinic/patients/{}", r.id)>"Open the chart"</a>
                </p>
            </div>
        })}
        <form class="form card narrow" novalidate on:submit=on_submit>
            {move || error_text().map(|t| view! { <div class="alert alert--error" role="alert">{t}</div> })}
            <Select label="Sex" name="sex" options=sex_options() placeholder="Unknown"
                bind=lens(form, |f| f.sex.clone(), |f, v| f.sex = v) error=errors.field("sex")/>
            <Input label="Approximate age (years)" name="approximate_age" kind="text" inputmode="numeric"
                bind=lens(form, |f| f.approximate_age.clone(), |f, v| f.approximate_age = v) error=errors.field("approximate_age")/>
            <Input label="Arrival time (hospital time)" name="arrived_at" kind="datetime-local" hint="Leave empty for now."
                bind=lens(form, |f| f.arrived_at.clone(), |f, v| f.arrived_at = v) error=errors.field("arrived_at")/>
            <Input label="Description" name="description" required=true hint="e.g. “unknown male, ~40, red jacket, brought by ambulance”."
                bind=lens(form, |f| f.description.clone(), |f, v| f.description = v) error=errors.field("description")/>
            <div class="form-actions">
                <button type="button" class="btn btn--ghost" on:click=move |_| form.update(|f| f.arrived_at = now_local_value())>"Arrived now"</button>
                <Submit label="Register emergency patient" busy_label="Registering…" busy/>
            </div>
        </form>
        </crate::portal_session::Gate>
    }
}

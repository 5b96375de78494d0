//! Patient-facing pages.

use leptos::prelude::*;
use leptos_meta::Title;

use shared::AppError;

use super::api::search_patients;
use crate::components::{ErrorBox, LatestOnly, Loading};

/// The patient's home: their record (problems, allergies, immunizations,
/// vitals with trend charts, encounter summaries) and the downloads.
#[component]
pub fn PatientHome() -> impl IntoView {
    use crate::chart::pages::{AllergyList, ImmunizationList, MedicationList};
    use crate::chart::trend::VitalsTrends;
    let session = crate::portal_session::PortalSession::get();
    let record = Resource::new(|| (), move |_| session.load(crate::chart::api::my_record()));
    view! {
        <crate::portal_session::Gate>
        <Title text="My record"/>
        <Suspense fallback=|| view! { <Loading label="Loading your record…"/> }>
            {move || Suspend::new(async move {
                match record.await {
                    Ok(r) => {
                        let p = r.patient.clone();
                        let d = p.demographics.clone();
                        view! {
                            <h1 dir="auto">{format!("Hello, {}", d.preferred_name.clone().unwrap_or(d.given_name.clone()))}</h1>
                            <section class="card" aria-labelledby="profile-title">
                                <h2 id="profile-title">"Your details"</h2>
                                <dl class="facts">
                                    <dt>"Medical record number"</dt><dd class="mrn" data-testid="mrn">{p.mrn.clone()}</dd>
                                    <dt>"Name"</dt><dd dir="auto">{format!("{} {}", d.given_name, d.family_name)}</dd>
                                    <dt>"Date of birth"</dt><dd>{d.date_of_birth.map(|b| b.format("%-d %B %Y").to_string()).unwrap_or_else(|| "Not recorded".into())}</dd>
                                    <dt>"Phone"</dt><dd>{d.contact.phone.clone().unwrap_or_else(|| "Not given".into())}</dd>
                                </dl>
                                <p class="muted">"Show your MRN at the front desk to find your record quickly."</p>
                                <p><a class="btn" href="/patient/details">"Update contact, emergency contacts and insurance"</a></p>
                            </section>
                            <section class="card" aria-labelledby="visits-title">
                                <h2 id="visits-title">"Appointments"</h2>
                                <p class="actions">
                                    <a class="btn btn--primary" href="/patient/book">"Book an appointment"</a>
                                    <a class="btn" href="/patient/appointments">"My appointments"</a>
                                </p>
                            </section>
                            <section class="card" aria-labelledby="download-title">
                                <h2 id="download-title">"Download your record"</h2>
                                <p class="downloads">
                                    <a class="btn btn--primary" href="/api/records/mine/pdf" download data-testid="download-pdf" rel="external">"PDF document"</a>
                                    <a class="btn" href="/api/records/mine/fhir" download data-testid="download-fhir" rel="external">"FHIR R4 (for other apps)"</a>
                                </p>
                            </section>
                            <section class="card" aria-labelledby="allergies-title">
                                <h2 id="allergies-title">"Allergies"</h2>
                                <AllergyList allergies=r.allergies.clone()/>
                            </section>
                            <section class="card" aria-labelledby="problems-title">
                                <h2 id="problems-title">"Health problems"</h2>
                                {if r.problems.is_empty() {
                                    view! { <p class="muted">"None recorded."</p> }.into_any()
                                } else {
                                    view! {
                                        <ul class="list" data-testid="my-problems">
                                            {r.problems.iter().map(|pr| view! {
                                                <li dir="auto">{pr.description.clone()}" "<span class="muted">{format!("({})", pr.icd10_code)}</span>
                                                    {(pr.status == shared::chart::ProblemStatus::Resolved).then(|| view! { " "<span class="badge">"Resolved"</span> })}</li>
                                            }).collect_view()}
                                        </ul>
                                    }.into_any()
                                }}
                            </section>
                            <section class="card" aria-labelledby="meds-title">
                                <h2 id="meds-title">"Medications"</h2>
                                <MedicationList medications=r.medications.clone()/>
                            </section>
                            <section class="card" aria-labelledby="imm-title">
                                <h2 id="imm-title">"Immunizations"</h2>
                                <ImmunizationList items=r.immunizations.clone()/>
                            </section>
                            <section class="card" aria-labelledby="vitals-title">
                                <h2 id="vitals-title">"Measurements"</h2>
                                <VitalsTrends vitals=r.vitals.clone()/>
                            </section>
                            <section class="card" aria-labelledby="encounters-title">
                                <h2 id="encounters-title">"Visits"</h2>
                                {if r.encounters.is_empty() {
                                    view! { <p class="muted">"No visits yet."</p> }.into_any()
                                } else {
                                    view! {
                                        <ol class="timeline" data-testid="my-visits">
                                            {r.encounters.iter().map(|e| view! {
                                                <li class="encounter">
                                                    <h3>{format!("{} · {}", crate::components::format_day(e.started_at), e.kind.label())}</h3>
                                                    <p dir="auto"><strong>{e.reason.clone()}</strong>" "<span class="muted">{format!("with {}", e.clinician_name)}</span></p>
                                                    {e.problems.iter().map(|pr| view! { <p dir="auto">{format!("Diagnosis: {}", pr.description)}</p> }).collect_view()}
                                                    {e.notes.iter().map(|n| view! {
                                                        <div class="soap" data-testid="visit-note">
                                                            {(!n.current.assessment.is_empty()).then(|| view! { <p dir="auto"><strong>"Assessment: "</strong>{n.current.assessment.clone()}</p> })}
                                                            {(!n.current.plan.is_empty()).then(|| view! { <p dir="auto"><strong>"Plan: "</strong>{n.current.plan.clone()}</p> })}
                                                        </div>
                                                    }).collect_view()}
                                                </li>
                                            }).collect_view()}
                                        </ol>
                                    }.into_any()
                                }}
                            </section>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Suspense>
        </crate::portal_session::Gate>
    }
}

/// The patient edits their contact details, emergency contacts, insurance
/// and communication consents.
#[component]
pub fn MyDetailsPage() -> impl IntoView {
    use super::forms::ContactFields;
    use crate::components::{submit_with, FormAlert, FormErrors, Submit};
    use shared::demographics::ContactForm;
    let session = crate::portal_session::PortalSession::get();
    let details = Resource::new(|| (), move |_| session.load(super::api::my_details()));
    view! {
        <crate::portal_session::Gate>
        <Title text="My details"/>
        <h1>"Contact, emergency contacts and insurance"</h1>
        <Suspense fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match details.await {
                    Ok(d) => {
                        let form = RwSignal::new(ContactForm::from_details(&d.demographics.contact));
                        let errors = FormErrors::new();
                        let busy = RwSignal::new(false);
                        let saved = RwSignal::new(false);
                        let on_submit = move |ev: leptos::ev::SubmitEvent| {
                            ev.prevent_default();
                            saved.set(false);
                            submit_with(busy, errors, super::api::update_my_contact(form.get_untracked()), move |_| saved.set(true));
                        };
                        view! {
                            <form class="form" novalidate on:submit=on_submit data-testid="my-contact">
                                <FormAlert errors/>
                                <ContactFields form contact=|f: &ContactForm| f contact_mut=|f: &mut ContactForm| f errors/>
                                {move || saved.get().then(|| view! { <div class="alert alert--success" role="status">"Your details are saved."</div> })}
                                <Submit label="Save my details" busy_label="Saving…" busy/>
                            </form>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Suspense>
        </crate::portal_session::Gate>
    }
}

/// Where a search result leads: clinicians open the chart, everyone else the
/// administrative record.
pub fn patient_link(base: &str, id: uuid::Uuid) -> String {
    let user = crate::portal_session::current_user();
    if base == "/clinic" && !user.role.can(shared::Permission::ReadCharts) {
        format!("{base}/patients/{id}/details")
    } else {
        format!("{base}/patients/{id}")
    }
}

/// The one search box of the clinic and admin portals. Searches as the user
/// types (after a pause), never on a single character, and a slow answer to
/// an older query never replaces the answer to a newer one.
#[component]
pub fn PatientSearchBox(
    /// Where a result links to: `{base}/patients/{id}`.
    base: &'static str,
) -> impl IntoView {
    use shared::patients::{PatientQuery, PatientSearchHit, SearchCursor};

    let text = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<PatientSearchHit>::new());
    let next = RwSignal::new(None::<SearchCursor>);
    let searched = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let hint = RwSignal::new(None::<String>);
    let latest = LatestOnly::new();

    let run = move |query: String, cursor: Option<SearchCursor>, ticket: u64| {
        loading.set(true);
        leptos::task::spawn_local(async move {
            let result = search_patients(query.clone(), cursor.clone()).await;
            if !latest.is_current(ticket) {
                return; // a newer query is under way; this answer is stale
            }
            loading.set(false);
            match result {
                Ok(page) => {
                    error.set(None);
                    if cursor.is_some() {
                        hits.update(|h| h.extend(page.hits));
                    } else {
                        hits.set(page.hits);
                    }
                    next.set(page.next);
                    searched.set(Some(query));
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };

    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        let ticket = latest.take();
        match PatientQuery::parse(&value) {
            Ok(None) => {
                hint.set((!value.trim().is_empty()).then(|| {
                    "Type at least two characters, or a whole MRN or phone number.".into()
                }));
                hits.set(Vec::new());
                next.set(None);
                searched.set(None);
                loading.set(false);
            }
            Err(message) => {
                hint.set(Some(message));
                loading.set(false);
            }
            Ok(Some(_)) => {
                hint.set(None);
                latest.debounce(ticket, 250, move || run(value, None, ticket));
            }
        }
    };
    let more = move |_| {
        if let Some(cursor) = next.get_untracked() {
            run(text.get_untracked(), Some(cursor), latest.current());
        }
    };

    view! {
        <section class="card search" aria-labelledby="search-title">
            <h2 id="search-title">"Find a patient"</h2>
            <div class="field">
                <label for="patient-search">"MRN, name, phone number or date of birth"</label>
                <input
                    id="patient-search"
                    type="search"
                    dir="auto"
                    autocomplete="off"
                    placeholder="e.g. 40213975-3, müller, +44 7700 900123, 27.03.1984"
                    aria-describedby="patient-search-hint"
                    prop:value=move || text.get()
                    on:input=on_input
                />
                <p class="field__hint" id="patient-search-hint" aria-live="polite">{move || hint.get()}</p>
            </div>
            {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
            {move || loading.get().then(|| view! { <Loading label="Searching…"/> })}
            {move || {
                let list = hits.get();
                match searched.get() {
                    None => ().into_any(),
                    Some(q) if list.is_empty() => view! {
                        <p class="empty" data-testid="search-empty">{format!("No patient matches “{q}”.")}</p>
                    }.into_any(),
                    Some(_) => view! {
                        <ul class="results" data-testid="search-results">
                            {list.into_iter().map(|h| view! {
                                <li class="results__item">
                                    <a href=patient_link(base, h.id)><strong dir="auto">{format!("{}, {}", h.family_name, h.given_name)}</strong></a>
                                    {h.temporary.then(|| view! { <span class="badge badge--warn">"Temporary"</span> })}
                                    <span class="mrn">{h.mrn}</span>
                                    <span class="muted">
                                        {h.date_of_birth.map(|d| d.format("%-d %b %Y").to_string()).unwrap_or_else(|| "Birth date unknown".into())}
                                        {format!(" · {}", h.sex.label())}
                                    </span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }
            }}
            {move || next.get().is_some().then(|| view! {
                <button type="button" class="btn btn--ghost" on:click=more>"More results"</button>
            })}
        </section>
    }
}

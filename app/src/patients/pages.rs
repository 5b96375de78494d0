//! The patient's own details page, and the patient search box of the clinic
//! and admin portals.

use leptos::prelude::*;
use leptos_meta::Title;

use shared::AppError;

use super::api::search_patients;
use crate::components::{ErrorBox, LatestOnly, Loading};

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
pub fn patient_link(base: &str, id: shared::ids::PatientId) -> String {
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
        match PatientQuery::searchable(&value) {
            Ok(false) => {
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
            Ok(true) => {
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
                <label for="patient-search">"MRN, name, phone, national ID or date of birth"</label>
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
                                    <a href=patient_link(base, h.id)><strong dir="auto">{shared::patients::filing_name(&h.family_name, &h.given_name)}</strong></a>
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

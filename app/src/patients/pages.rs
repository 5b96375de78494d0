//! Patient-facing pages.

use leptos::prelude::*;
use leptos_meta::Title;

use shared::AppError;

use super::api::{my_profile, search_patients};
use crate::components::{ErrorBox, Loading};

/// The patient's home: their registration details and MRN.
#[component]
pub fn PatientHome() -> impl IntoView {
    let profile = Resource::new(|| (), |_| my_profile());
    view! {
        <Title text="My record"/>
        <Suspense fallback=|| view! { <Loading label="Loading your record…"/> }>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(p) => view! {
                        <h1>{format!("Hello, {}", p.given_name)}</h1>
                        <section class="card" aria-labelledby="profile-title">
                            <h2 id="profile-title">"Your details"</h2>
                            <dl class="facts">
                                <dt>"Medical record number"</dt><dd class="mrn" data-testid="mrn">{p.mrn.clone()}</dd>
                                <dt>"Name"</dt><dd>{format!("{} {}", p.given_name, p.family_name)}</dd>
                                <dt>"Date of birth"</dt><dd>{p.date_of_birth.map(|d| d.format("%-d %B %Y").to_string()).unwrap_or_else(|| "Not recorded".into())}</dd>
                                <dt>"Sex"</dt><dd>{p.sex.label()}</dd>
                                <dt>"Phone"</dt><dd>{p.phone.clone().unwrap_or_else(|| "Not given".into())}</dd>
                                <dt>"E-mail"</dt><dd>{p.email.clone().unwrap_or_else(|| "Not given".into())}</dd>
                                <dt>"Registered"</dt><dd>{p.registered_at.format("%-d %B %Y").to_string()}</dd>
                            </dl>
                            <p class="muted">"Show your MRN at the front desk to find your record quickly."</p>
                        </section>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The one search box of the clinic and admin portals. Searches as the user
/// types (after a pause), never on a single character, and a slow answer to
/// an older query never replaces the answer to a newer one.
#[component]
pub fn PatientSearchBox() -> impl IntoView {
    use shared::patients::{PatientQuery, PatientSearchHit, SearchCursor};

    let text = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<PatientSearchHit>::new());
    let next = RwSignal::new(None::<SearchCursor>);
    let searched = RwSignal::new(None::<String>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let hint = RwSignal::new(None::<String>);
    // Incremented by every keystroke; an answer is shown only if it belongs to the latest.
    let generation = StoredValue::new(0u64);

    let run = move |query: String, cursor: Option<SearchCursor>, ticket: u64| {
        loading.set(true);
        leptos::task::spawn_local(async move {
            let result = search_patients(query.clone(), cursor.clone()).await;
            if generation.get_value() != ticket {
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
        let ticket = generation.get_value() + 1;
        generation.set_value(ticket);
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
                set_timeout(
                    move || {
                        if generation.get_value() == ticket {
                            run(value, None, ticket);
                        }
                    },
                    std::time::Duration::from_millis(250),
                );
            }
        }
    };
    let more = move |_| {
        if let Some(cursor) = next.get_untracked() {
            let ticket = generation.get_value();
            run(text.get_untracked(), Some(cursor), ticket);
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
                                    <strong>{format!("{}, {}", h.family_name, h.given_name)}</strong>
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

//! Patient-facing pages.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::my_profile;
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

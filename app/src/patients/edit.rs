//! The administrative record for staff: demographics with editing, the care
//! team, and merging duplicate records with a preview.

use leptos::prelude::*;
use leptos_meta::Title;
use shared::access::CareTeamMember;
use shared::demographics::{DemographicsForm, MergePreview, PatientDetails, PatientStatus};
use shared::patients::{PatientQuery, PatientSearchHit};
use shared::{AppError, Permission};
use uuid::Uuid;

use super::api::*;
use super::forms::{ContactFields, IdentityFields};
use crate::components::{
    format_time, lens_bool, submit_with, Check, ErrorBox, FormAlert, FormErrors, Loading, Submit,
};
use crate::portal_session::{current_user, hard_navigate};

/// `/clinic/patients/:id/details` and `/admin/patients/:id`.
#[component]
pub fn PatientDetailsPage(base: &'static str) -> impl IntoView {
    let id = crate::chart::pages::route_patient_id();
    let version = RwSignal::new(0u32);
    let session = crate::portal_session::PortalSession::get();
    // One resource, created once and keyed on the route, for the record and
    // its care team (a nested suspense would stream separately).
    let details = Resource::new(
        move || (id.get(), version.get()),
        move |(id, _)| {
            session.load(async move {
                let id = id.ok_or_else(|| AppError::NotFound("That patient".into()))?;
                let details = patient_details(id.into()).await?;
                let team = care_team(id.into()).await?;
                Ok::<_, AppError>((details, team))
            })
        },
    );
    view! {
        <Title text="Patient record"/>
        <Transition fallback=|| view! { <Loading label="Loading the record…"/> }>
            {move || Suspend::new(async move {
                if crate::portal_session::signed_in().await.is_none() {
                    return ().into_any();
                }
                match details.await {
                    Ok((d, team)) => view! { <AdminView d team base version/> }.into_any(),
                    Err(e) => view! { <h1>"Patient record"</h1><ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Text for display; never empty (an empty text node breaks hydration).
fn non_empty(s: String) -> String {
    if s.is_empty() {
        "—".into()
    } else {
        s
    }
}

fn or_none(s: &Option<String>) -> String {
    s.clone().unwrap_or_else(|| "—".into())
}

#[component]
fn AdminView(
    d: PatientDetails,
    team: Vec<CareTeamMember>,
    base: &'static str,
    version: RwSignal<u32>,
) -> impl IntoView {
    let user = current_user();
    let patient_id = d.id;
    let editing = RwSignal::new(false);
    let dm = d.demographics.clone();
    let c = dm.contact.clone();
    let temporary = d.status == PatientStatus::Temporary;
    let can_merge = user.role.can(Permission::MergePatients);
    let can_assign = user.role.can(Permission::AssignCareTeam);
    let clinician = user.role.can(Permission::ReadCharts);
    let can_book = user.role.can(Permission::BookAppointments);
    let can_override = user.role.can(Permission::OverrideSchedule);
    view! {
        <header class="chart-banner">
            <div class="chart-banner__who">
                <h1 dir="auto">{d.display_name()}</h1>
                <p><span class="mrn" data-testid="mrn">{d.mrn.clone()}</span>
                    {(!d.aliases.is_empty()).then(|| format!(" · also known as {}", d.aliases.join(", ")))}</p>
                {temporary.then(|| view! {
                    <p class="badge badge--warn" data-testid="temporary" dir="auto">{format!("Temporary identity: {}", d.temporary_description.clone().unwrap_or_default())}</p>
                })}
            </div>
            {clinician.then(|| view! {
                <div class="chart-banner__links"><a class="btn" href=format!("/clinic/patients/{patient_id}")>"Open the chart"</a></div>
            })}
            {can_book.then(|| view! {
                <div class="chart-banner__links"><a class="btn btn--primary" href=format!("{base}/book/{patient_id}")>"Book appointment"</a></div>
            })}
        </header>
        <div class="grid grid--two">
            <section class="card" aria-labelledby="demo-title">
                <h2 id="demo-title">"Demographics"</h2>
                <dl class="facts" data-testid="demographics">
                    <dt>"Date of birth"</dt><dd>{dm.date_of_birth.map(|b| format!("{}{}", b.format("%-d %B %Y"), if dm.birth_date_estimated { " (estimated)" } else { "" })).unwrap_or_else(|| "Unknown".into())}</dd>
                    <dt>"Sex"</dt><dd>{dm.sex.label()}</dd>
                    <dt>"Gender identity"</dt><dd dir="auto">{or_none(&dm.gender_identity)}</dd>
                    <dt>"Language"</dt><dd dir="auto">{or_none(&dm.language)}</dd>
                    <dt>"National identifier"</dt><dd data-testid="national-id">{or_none(&dm.national_id)}</dd>
                    <dt>"Phone"</dt><dd>{or_none(&c.phone)}</dd>
                    <dt>"E-mail"</dt><dd>{or_none(&c.email)}</dd>
                    <dt>"Address"</dt><dd dir="auto">{non_empty([c.address_line.clone(), c.postal_code.clone(), c.city.clone(), c.country.clone()].into_iter().flatten().collect::<Vec<_>>().join(", "))}</dd>
                    <dt>"Consents"</dt><dd>{non_empty([("SMS", c.consent_sms), ("e-mail", c.consent_email), ("research", c.consent_research)].iter().filter(|(_, on)| *on).map(|(l, _)| *l).collect::<Vec<_>>().join(", "))}</dd>
                    <dt>"Registered"</dt><dd>{format_time(d.registered_at)}</dd>
                </dl>
                <h3 class="subhead">"Emergency contacts"</h3>
                {if c.emergency_contacts.is_empty() { view! { <p class="muted">"None recorded."</p> }.into_any() } else {
                    view! { <ul class="list">{c.emergency_contacts.iter().map(|e| view! { <li dir="auto"><strong>{e.name.clone()}</strong>{format!(" ({}) · {}", e.relationship, e.phone)}</li> }).collect_view()}</ul> }.into_any()
                }}
                <h3 class="subhead">"Insurance"</h3>
                {if c.coverages.is_empty() { view! { <p class="muted">"Self-pay."</p> }.into_any() } else {
                    view! { <ul class="list">{c.coverages.iter().map(|cv| view! {
                        <li dir="auto"><strong>{cv.payer.clone()}</strong>{format!(" · member {} · {}", cv.member_id, cv.rank.label())}
                            {cv.valid_to.map(|t| format!(" · until {t}"))}</li>
                    }).collect_view()}</ul> }.into_any()
                }}
                <button type="button" class="btn" on:click=move |_| editing.update(|e| *e = !*e)>
                    {move || if editing.get() { "Close the form" } else if temporary { "Complete this record" } else { "Edit demographics" }}
                </button>
            </section>
            <section class="card" aria-labelledby="team-title">
                <h2 id="team-title">"Care team"</h2>
                <CareTeam patient_id=patient_id.into() team can_assign version/>
            </section>
        </div>
        {move || editing.get().then(|| view! { <EditForm d=d.clone() version/> })}
        {can_override.then(|| view! { <crate::components::ClientOnly><crate::appointments::pages::EmergencyAssign patient_id=patient_id.into()/></crate::components::ClientOnly> })}
        {can_merge.then(|| view! { <MergeSection source=patient_id.into() base/> })}
    }
}

#[component]
fn EditForm(d: PatientDetails, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(DemographicsForm::from_demographics(&d.demographics));
    let confirm = RwSignal::new(false);
    let temporary = d.status == PatientStatus::Temporary;
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let patient_id = d.id;
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saved.set(false);
        submit_with(
            busy,
            errors,
            update_patient(patient_id, form.get_untracked(), confirm.get_untracked()),
            move |_| {
                saved.set(true);
                version.update(|v| *v += 1);
            },
        );
    };
    view! {
        <form class="form card" novalidate on:submit=on_submit data-testid="edit-demographics">
            <h2>"Edit demographics"</h2>
            <FormAlert errors/>
            <IdentityFields form errors/>
            <ContactFields form contact=|f: &DemographicsForm| &f.contact contact_mut=|f: &mut DemographicsForm| &mut f.contact errors/>
            {temporary.then(|| view! {
                <Check label="Identity confirmed: this is no longer a temporary record" name="confirm_identity"
                    bind=lens_bool(confirm, |c| *c, |c, v| *c = v) error=errors.field("confirm_identity")/>
            })}
            {move || saved.get().then(|| view! { <div class="alert alert--success" role="status">"Saved."</div> })}
            <Submit label="Save changes" busy_label="Saving…" busy/>
        </form>
    }
}

#[component]
fn CareTeam(
    patient_id: Uuid,
    team: Vec<CareTeamMember>,
    can_assign: bool,
    version: RwSignal<u32>,
) -> impl IntoView {
    let choice = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    // Loaded in the browser only: a suspense inside a <select> cannot be
    // streamed (the HTML parser drops its markers there).
    let options = RwSignal::new(Vec::<shared::access::ClinicianOption>::new());
    Effect::new(move |_| {
        if can_assign {
            leptos::task::spawn_local(async move {
                if let Ok(list) = clinicians().await {
                    options.set(list);
                }
            });
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Ok(user_id) = Uuid::parse_str(&choice.get_untracked()) else {
            errors.set(Some(AppError::field("user_id", "Choose a clinician.")));
            return;
        };
        submit_with(
            busy,
            errors,
            assign_clinician(patient_id.into(), user_id.into()),
            move |_| {
                choice.set(String::new());
                version.update(|v| *v += 1);
            },
        );
    };
    view! {
        {if team.is_empty() {
            view! { <p class="muted">"Nobody is assigned yet."</p> }.into_any()
        } else {
            view! {
                <ul class="list" data-testid="care-team">
                    {team.into_iter().map(|m| view! {
                        <li dir="auto"><strong>{m.name}</strong>{format!(" · {} · {}", m.role, m.kind.team_label())}</li>
                    }).collect_view()}
                </ul>
            }.into_any()
        }}
        {can_assign.then(|| view! {
            <form class="form inline-form" novalidate on:submit=on_submit>
                <FormAlert errors/>
                <div class="field" class:field--invalid=move || errors.field("user_id").get().is_some()>
                    <label for="field-user_id">"Add to the care team"</label>
                    <select id="field-user_id" prop:value=move || choice.get() on:change=move |ev| choice.set(event_target_value(&ev))>
                        <option value="">"Choose a clinician…"</option>
                        <For each=move || options.get() key=|c| c.user_id let:c>
                            <option value=c.user_id.to_string() dir="auto">{format!("{} ({})", c.name, c.role)}</option>
                        </For>
                    </select>
                    <p class="field__error" aria-live="polite">{move || errors.field("user_id").get()}</p>
                </div>
                <Submit label="Assign" busy_label="Assigning…" busy/>
            </form>
        })}
    }
}

/// Merge this record into another one: find it, preview, confirm.
#[component]
fn MergeSection(source: Uuid, base: &'static str) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<PatientSearchHit>::new());
    let preview = RwSignal::new(None::<MergePreview>);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let find = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        preview.set(None);
        let q = query.get_untracked();
        if PatientQuery::searchable(&q) != Ok(true) {
            errors.set(Some(AppError::field(
                "merge_query",
                "Enter an MRN, a name, a phone number or a birth date.",
            )));
            return;
        }
        submit_with(busy, errors, search_patients(q, None), move |page| {
            hits.set(page.hits.into_iter().filter(|h| h.id != source).collect());
        });
    };
    let choose = move |target: Uuid| {
        submit_with(
            busy,
            errors,
            merge_preview(source.into(), target.into()),
            move |p| preview.set(Some(p)),
        );
    };
    let confirm = move |target: Uuid| {
        submit_with(
            busy,
            errors,
            merge_patients(source.into(), target.into()),
            move |r| {
                let to = if base == "/admin" {
                    format!("/admin/patients/{}", r.target_id)
                } else {
                    format!("{base}/patients/{}/details", r.target_id)
                };
                hard_navigate(&to);
            },
        );
    };
    view! {
        <section class="card" aria-labelledby="merge-title" data-testid="merge">
            <h2 id="merge-title">"Merge into another record"</h2>
            <p class="muted">"When this person already has a record, move everything from this one into it. This record's MRN keeps working as an alias."</p>
            <form class="form inline-form" novalidate on:submit=find>
                <div class="field" class:field--invalid=move || errors.field("merge_query").get().is_some()>
                    <label for="merge-query">"Find the record to keep"</label>
                    <input id="merge-query" type="search" dir="auto" autocomplete="off" prop:value=move || query.get()
                        on:input=move |ev| query.set(event_target_value(&ev))/>
                    <p class="field__error" aria-live="polite">{move || errors.field("merge_query").get()}</p>
                </div>
                <Submit label="Find" busy_label="Searching…" busy class="btn"/>
            </form>
            {move || errors.0.get().filter(|e| e.field_message("merge_query").is_none()).map(|e| view! { <ErrorBox error=e/> })}
            <ul class="results">
                {move || hits.get().into_iter().map(|h| {
                    let id = h.id;
                    view! {
                        <li class="results__item">
                            <strong dir="auto">{shared::patients::filing_name(&h.family_name, &h.given_name)}</strong>
                            <span class="mrn">{h.mrn.clone()}</span>
                            <span class="muted">{h.date_of_birth.map(|d| d.to_string()).unwrap_or_default()}</span>
                            <button type="button" class="btn btn--small" on:click=move |_| choose(id.into())>"Preview merge"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || preview.get().map(|p| {
                let target = p.target.id;
                let blocked = p.warnings.iter().any(|w| w.contains("refused"));
                view! {
                    <div class="merge-preview" data-testid="merge-preview">
                        <h3 dir="auto">{format!("Merge {} ({}) into {}, {} ({})", p.source.family_name, p.source.mrn, p.target.family_name, p.target.given_name, p.target.mrn)}</h3>
                        {if p.moves.is_empty() {
                            view! { <p class="muted">"Nothing but the MRN moves."</p> }.into_any()
                        } else {
                            view! { <ul class="list">{p.moves.iter().map(|(what, n)| view! { <li>{format!("{what}: {n}")}</li> }).collect_view()}</ul> }.into_any()
                        }}
                        {p.warnings.iter().map(|w| view! { <p class="alert alert--warn">{w.clone()}</p> }).collect_view()}
                        <button type="button" class="btn btn--danger" disabled=move || busy.get() || blocked on:click=move |_| confirm(target.into())>
                            "Merge the records"
                        </button>
                    </div>
                }
            })}
        </section>
    }
}

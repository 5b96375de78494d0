//! The chart's tiles on the portals' homes: the patient's own record; a
//! clinician's unsigned notes and recently opened charts.

use leptos::prelude::*;
use shared::Permission;

use super::api::my_record;
use super::pages::{AllergyList, ImmunizationList, MedicationList};
use super::trend::VitalsTrends;
use super::worklist::{recent_charts, unsigned_notes};
use crate::components::{ConfirmIdentity, ErrorBox, Loading};
use crate::nav::{loaded, tile_list, TileCard};
use crate::patients::tiles::PatientName;
use crate::portal_session::{Gate, PortalSession};

/// The patient's record (details, problems, allergies, immunizations,
/// vitals with trend charts, visit summaries) and its downloads. One tile of
/// several cards: they all come from one request, read and audited once.
#[component]
pub fn RecordTile() -> impl IntoView {
    let session = PortalSession::get();
    let record = Resource::new(|| (), move |_| session.load(my_record()));
    view! {
        <Gate>
        <Suspense fallback=|| view! { <Loading label="Loading your record…"/> }>
            {move || Suspend::new(async move {
                match record.await {
                    Ok(r) => {
                        let p = r.patient.clone();
                        let d = p.demographics.clone();
                        view! {
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
                            <section class="card" aria-labelledby="download-title">
                                <h2 id="download-title">"Download your record"</h2>
                                <RecordDownloads/>
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
        </Gate>
    }
}

/// The notes the clinician left unsigned, the last saved first, each
/// leading to the chart where it is finished and signed.
#[component]
pub fn UnsignedNotesTile() -> impl IntoView {
    let session = PortalSession::get();
    let notes = Resource::new(
        || (),
        move |_| session.load_if(Permission::DocumentCare, unsigned_notes()),
    );
    view! {
        <TileCard id="notes-title" title="Unsigned notes" needs=Some(Permission::DocumentCare)>
            {loaded(notes, |n| tile_list(
                n.notes,
                Some(n.total),
                "No unsigned notes. Drafts you save appear here until you sign them.",
                |note| view! {
                    <span><PatientName patient=note.patient/></span>
                    <span dir="auto">{note.visit}</span>
                    <span class="muted">{format!("Draft saved {}", note.saved)}</span>
                }.into_any(),
            ))}
        </TileCard>
    }
}

/// The charts the clinician opened lately, the latest first.
#[component]
pub fn RecentChartsTile() -> impl IntoView {
    let session = PortalSession::get();
    let charts = Resource::new(
        || (),
        move |_| session.load_if(Permission::ReadCharts, recent_charts()),
    );
    view! {
        <TileCard id="recent-title" title="Recently opened charts" needs=Some(Permission::ReadCharts)>
            {loaded(charts, |list| tile_list(
                list,
                None,
                "No charts opened yet. Find a patient to open their chart.",
                |c| view! {
                    <span><PatientName patient=c.patient/></span>
                    <span class="muted">{format!("Opened {}", c.opened)}</span>
                }.into_any(),
            ))}
        </TileCard>
    }
}

/// The whole record's download links. The server lets a record out only to
/// a patient who confirmed who they are within the last minutes; a click
/// asks first (`download_ready`) and, when needed, shows the portal's
/// confirmation form here, then downloads once confirmed.
#[component]
fn RecordDownloads() -> impl IntoView {
    let confirm = use_context::<ConfirmIdentity>();
    let asking = RwSignal::new(None::<&'static str>);
    let failed = RwSignal::new(None::<shared::AppError>);
    let start = move |href: &'static str| {
        failed.set(None);
        leptos::task::spawn_local(async move {
            match super::api::download_ready().await {
                Ok(()) => {
                    asking.set(None);
                    follow(href);
                }
                Err(shared::AppError::ReauthRequired) if confirm.is_some() => {
                    asking.set(Some(href))
                }
                Err(e) => failed.set(Some(e)),
            }
        });
    };
    let link = move |href: &'static str,
                     label: &'static str,
                     testid: &'static str,
                     class: &'static str| {
        view! {
            <a class=class href=href download data-testid=testid rel="external"
                on:click=move |ev| {
                    ev.prevent_default();
                    start(href);
                }>{label}</a>
        }
    };
    view! {
        <p class="downloads">
            {link("/api/records/mine/pdf", "PDF document", "download-pdf", "btn btn--primary")}
            {link("/api/records/mine/fhir", "FHIR R4 (for other apps)", "download-fhir", "btn")}
        </p>
        {move || {
            asking.get().zip(confirm).map(|(href, confirm)| {
                confirm.0.run(Callback::new(move |()| {
                    asking.set(None);
                    follow(href);
                }))
            })
        }}
        {move || failed.get().map(|error| view! { <ErrorBox error/> })}
    }
}

/// Downloads `href` (it answers as an attachment, so the page stays).
fn follow(href: &str) {
    let _ = window().location().set_href(href);
}

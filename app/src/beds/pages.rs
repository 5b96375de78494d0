//! The pages of beds and admissions: the bed board, a ward's inpatients,
//! admitting a patient, an admission (transfer, discharge), and the
//! administrator's wards.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_navigate;
use shared::beds::{
    AdmissionForm, AdmissionSource, AdmissionStatus, AdmissionView, BedBoard, BedStatus,
    BedStatusForm, BedType, BedView, BedsForm, DischargeForm, SexRestriction, TransferForm,
    WardBoard, WardForm, WardKind, WardView,
};
use shared::ids::{AdmissionId, BedId, PatientId, UserId, WardId};
use shared::{AppError, Permission};
use uuid::Uuid;

use super::api::*;
use crate::components::{
    format_time, id_param, lens, lens_bool, no_error, submit_then_reload, submit_with, Check,
    ClientOnly, EmptyState, ErrorBox, FormAlert, FormErrors, Input, Loading, Select, Submit,
    TextArea,
};
use crate::portal_session::{current_user, Gate, PortalSession};

/// A bed's status as a label and colour (never the colour alone).
fn status_badge(s: BedStatus) -> impl IntoView {
    view! { <span class=format!("bed-status {}", s.css()) data-testid="bed-status">{s.label()}</span> }
}

/// The free beds of a board as a form's options: "Ward — Room 1, bed A".
fn free_bed_options(board: &BedBoard) -> Vec<(String, String)> {
    board
        .wards
        .iter()
        .flat_map(|w| {
            w.beds
                .iter()
                .filter(|b| b.status == BedStatus::Free)
                .map(move |b| {
                    (
                        b.id.to_string(),
                        format!("{} — {} ({})", w.ward.name, b.name(), b.bed_type.label()),
                    )
                })
        })
        .collect()
}

/// `/clinic/beds`: every ward's beds, coloured and labelled by status,
/// with who lies in each; nurses mark beds cleaned or blocked here.
#[component]
pub fn BedBoardPage() -> impl IntoView {
    view! {
        <Title text="Beds"/>
        <Gate>
            <h1>"Beds"</h1>
            {move || if current_user().role.can(Permission::ViewBeds) {
                view! { <Board/> }.into_any()
            } else {
                view! { <p class="muted">"The bed board is for the wards and the front desk."</p> }.into_any()
            }}
        </Gate>
    }
}

/// Fetches the board again whenever a bed changes, in any server process:
/// the server-sent events of `GET /api/beds/events` (`beds::live`). The
/// browser's `EventSource` reconnects by itself, and every connection
/// begins with an event, so what changed meanwhile is fetched too. Closed
/// when the board leaves the page (the stored value is dropped with it).
#[cfg(feature = "hydrate")]
fn follow_changes(version: RwSignal<u32>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    struct Live {
        source: web_sys::EventSource,
        _on_change: Closure<dyn FnMut(web_sys::Event)>,
    }
    impl Drop for Live {
        fn drop(&mut self) {
            self.source.close();
        }
    }
    let Ok(source) = web_sys::EventSource::new(shared::beds::BED_EVENTS_PATH) else {
        return;
    };
    let on_change = Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
        version.try_update(|v| *v += 1);
    });
    let listening = source
        .add_event_listener_with_callback("beds", on_change.as_ref().unchecked_ref())
        .is_ok();
    let live = Live {
        source,
        _on_change: on_change,
    };
    if listening {
        StoredValue::new_local(live);
    }
}

#[cfg(not(feature = "hydrate"))]
fn follow_changes(_version: RwSignal<u32>) {}

#[component]
fn Board() -> impl IntoView {
    let ward = RwSignal::new(String::new());
    let version = RwSignal::new(0u32);
    follow_changes(version);
    let session = PortalSession::get();
    let wards_list = Resource::new(
        || (),
        move |_| session.load_if(Permission::ViewBeds, wards()),
    );
    let found = Resource::new(
        move || (ward.get(), version.get()),
        move |(w, _)| {
            session.load_if(Permission::ViewBeds, async move {
                board(Uuid::parse_str(&w).ok().map(WardId)).await
            })
        },
    );
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the wards…"/> }>
            {move || Suspend::new(async move {
                let options: Vec<(String, String)> = wards_list.await.unwrap_or_default()
                    .into_iter()
                    .filter(|w| w.active)
                    .map(|w| (w.id.to_string(), w.name))
                    .collect();
                view! {
                    <Select label="Ward" name="board-ward" placeholder="All wards"
                        bind=lens(ward, |w| w.clone(), |w, v| *w = v) error=no_error() options/>
                }
            })}
        </Transition>
        <Transition fallback=|| view! { <Loading label="Loading the beds…"/> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(b) if b.wards.iter().all(|w| w.beds.is_empty()) => view! {
                        <EmptyState title="No beds yet">"An administrator adds wards and their beds under Wards."</EmptyState>
                    }.into_any(),
                    Ok(b) => view! {
                        <p class="muted" aria-live="polite">"As of "{format_time(b.as_of)}</p>
                        {b.wards.into_iter().map(|w| view! { <WardBeds w version/> }).collect_view()}
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn WardBeds(w: WardBoard, version: RwSignal<u32>) -> impl IntoView {
    let counts = BedStatus::ALL
        .iter()
        .map(|s| format!("{} {}", w.count(*s), s.label().to_lowercase()))
        .collect::<Vec<_>>()
        .join(" · ");
    let title_id = format!("ward-{}", w.ward.id);
    let labelled = title_id.clone();
    view! {
        <section class="card" aria-labelledby=labelled data-testid="ward">
            <h2 id=title_id dir="auto">
                <a href=format!("/clinic/wards/{}", w.ward.id)>{w.ward.name.clone()}</a>
            </h2>
            <p class="muted" data-testid="ward-counts">{w.ward.kind.label()}" · "{counts}</p>
            {if w.beds.is_empty() {
                view! { <p class="muted">"This ward has no beds yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="beds">
                        {w.beds.into_iter().map(|b| view! { <BedCard b version/> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn BedCard(b: BedView, version: RwSignal<u32>) -> impl IntoView {
    let may_manage = current_user().role.can(Permission::ManageBeds);
    let name = b.name();
    let key = name.clone();
    view! {
        <li class=format!("bed {}", b.status.css()) data-testid="bed" data-bed=key>
            <p class="bed__name">{name}</p>
            {status_badge(b.status)}
            <p class="muted">{b.bed_type.label()}</p>
            {b.occupant.clone().map(|o| view! {
                <p><a href=format!("/clinic/admissions/{}", o.admission_id) dir="auto" data-testid="occupant">{o.name}</a>
                <br/><span class="muted">"since "{format_time(o.since)}</span></p>
            })}
            {b.reason.clone().map(|r| view! { <p class="muted" dir="auto">{r}</p> })}
            {may_manage.then(|| view! { <BedSteps b=b.clone() version/> })}
        </li>
    }
}

/// The nurse's steps for a bed: cleaned, blocked with a reason, unblocked.
#[component]
fn BedSteps(b: BedView, version: RwSignal<u32>) -> impl IntoView {
    let steps = b.status.manual_steps();
    if steps.is_empty() {
        return ().into_any();
    }
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let form = RwSignal::new(BedStatusForm {
        bed_id: Some(b.id),
        ..Default::default()
    });
    let go = move |to: BedStatus| {
        form.update(|f| f.status = to.as_str().into());
        submit_then_reload(busy, errors, set_bed_status(form.get_untracked()), version);
    };
    let blocks = steps.contains(&BedStatus::Blocked);
    let reason_name = format!("block-reason-{}", b.id);
    view! {
        <div class="bed__steps">
            <FormAlert errors/>
            {steps.iter().filter(|s| **s != BedStatus::Blocked).map(|s| {
                let to = *s;
                let label = if b.status == BedStatus::Cleaning { "Cleaned: free" } else { "Unblock" };
                view! { <button type="button" class="btn btn--small" disabled=move || busy.get() on:click=move |_| go(to)>{label}</button> }
            }).collect_view()}
            {blocks.then(|| view! {
                <details class="bed__block">
                    <summary>"Block…"</summary>
                    <form class="form form--inline" on:submit=move |ev: SubmitEvent| { ev.prevent_default(); go(BedStatus::Blocked); }>
                        <Input label="Reason to block" name=reason_name.clone() bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason")/>
                        <Submit label="Block" busy_label="Blocking…" busy class="btn btn--small"/>
                    </form>
                </details>
            })}
        </div>
    }
    .into_any()
}

/// `/clinic/wards/:id`: the ward's inpatients for the round (tablet).
#[component]
pub fn WardPage() -> impl IntoView {
    let id = id_param();
    let session = PortalSession::get();
    let found = Resource::new(
        move || id.get(),
        move |id| {
            session.load_if(Permission::ViewBeds, async move {
                let id = WardId(id.ok_or_else(|| AppError::NotFound("That ward".into()))?);
                let rows = inpatients(id).await?;
                let name = wards()
                    .await?
                    .into_iter()
                    .find(|w| w.id == id)
                    .map(|w| w.name)
                    .unwrap_or_default();
                Ok((name, rows))
            })
        },
    );
    view! {
        <Title text="Ward"/>
        <Gate>
            <Transition fallback=|| view! { <Loading label="Loading the ward…"/> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok((name, rows)) => view! {
                            <h1 dir="auto">{name}</h1>
                            <p><a href="/clinic/beds">"Bed board"</a></p>
                            {if rows.is_empty() {
                                view! { <EmptyState title="No inpatients">"Nobody lies in this ward's beds now."</EmptyState> }.into_any()
                            } else {
                                view! { <InpatientTable rows/> }.into_any()
                            }}
                        }.into_any(),
                        Err(e) => view! { <h1>"Ward"</h1><ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

#[component]
fn InpatientTable(rows: Vec<shared::beds::InpatientRow>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="table" data-testid="inpatients">
                <caption class="visually-hidden">"Inpatients"</caption>
                <thead><tr>
                    <th scope="col">"Bed"</th><th scope="col">"Patient"</th><th scope="col">"Day"</th>
                    <th scope="col">"Diagnosis"</th><th scope="col">"Allergies"</th><th scope="col">"Open tasks"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr data-testid="inpatient">
                            <td>{r.bed.clone()}</td>
                            <td><a href=format!("/clinic/admissions/{}", r.admission_id) dir="auto">{r.name.clone()}</a>
                                <br/><span class="muted">{r.mrn.clone()}</span></td>
                            <td>{format!("{} of {}", r.days + 1, r.expected_days)}</td>
                            <td dir="auto">{r.diagnosis.clone()}</td>
                            <td dir="auto">{if r.allergies.is_empty() { "—".to_string() } else { r.allergies.join(", ") }}</td>
                            <td dir="auto">{if r.tasks.is_empty() { "—".to_string() } else { r.tasks.join("; ") }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// `/clinic/patients/:id/admit`: the doctor admits the patient to a free bed.
#[component]
pub fn AdmitPage() -> impl IntoView {
    let id = id_param();
    let session = PortalSession::get();
    let found = Resource::new(
        move || id.get(),
        move |id| {
            session.load_if(Permission::AdmitPatients, async move {
                let id = PatientId(id.ok_or_else(|| AppError::NotFound("That patient".into()))?);
                let patient = crate::patients::api::get_patient(id).await?;
                let open = admissions_of(id)
                    .await?
                    .into_iter()
                    .find(|a| a.status == AdmissionStatus::Admitted);
                let beds = board(None).await?;
                Ok((patient, open, free_bed_options(&beds)))
            })
        },
    );
    view! {
        <Title text="Admit"/>
        <Gate>
            <Transition fallback=|| view! { <Loading label="Opening the admission…"/> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok((p, Some(open), _)) => view! {
                            <h1 dir="auto">{format!("Admit {} {}", p.given_name, p.family_name)}</h1>
                            <p data-testid="already-admitted">"This patient is admitted already: "
                                <a href=format!("/clinic/admissions/{}", open.id)>"open the admission"</a>"."</p>
                        }.into_any(),
                        Ok((p, None, beds)) => view! {
                            <h1 dir="auto">{format!("Admit {} {}", p.given_name, p.family_name)}</h1>
                            <p class="muted">{format!("MRN {}", p.mrn)}</p>
                            <AdmitForm patient=p.id beds/>
                        }.into_any(),
                        Err(e) => view! { <h1>"Admit a patient"</h1><ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

#[component]
fn AdmitForm(patient: PatientId, beds: Vec<(String, String)>) -> impl IntoView {
    let form = RwSignal::new(AdmissionForm {
        patient_id: Some(patient),
        source: AdmissionSource::Emergency.as_str().into(),
        expected_days: "3".into(),
        ..Default::default()
    });
    let bed = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let navigate = use_navigate();
    let no_beds = beds.is_empty();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut f = form.get_untracked();
        f.bed_id = Uuid::parse_str(&bed.get_untracked()).ok().map(BedId);
        let navigate = navigate.clone();
        submit_with(busy, errors, admit(f), move |a: AdmissionView| {
            navigate(&format!("/clinic/admissions/{}", a.id), Default::default())
        });
    };
    view! {
        <form class="form card" on:submit=submit data-testid="admit-form">
            <FormAlert errors/>
            <Select label="Admitted from" name="admit-source" bind=lens(form, |f| f.source.clone(), |f, v| f.source = v)
                error=errors.field("source") options=AdmissionSource::options() required=true/>
            <crate::chart::pages::Icd10Picker
                on_pick=Callback::new(move |code| form.update(|f: &mut AdmissionForm| f.diagnosis = code))
                error=errors.field("diagnosis")/>
            <Input label="Expected stay (days)" name="admit-days" kind="number"
                bind=lens(form, |f| f.expected_days.clone(), |f, v| f.expected_days = v) error=errors.field("expected_days") required=true/>
            {no_beds.then(|| view! { <p class="alert" role="status">"No bed is free now: a bed being cleaned becomes free once it is marked cleaned."</p> })}
            <Select label="Bed" name="admit-bed" bind=lens(bed, |b| b.clone(), |b, v| *b = v)
                error=errors.field("bed_id") options=beds required=true placeholder="Choose a free bed…"/>
            <TextArea label="Admission note" name="admit-note" bind=lens(form, |f| f.note.clone(), |f, v| f.note = v) error=errors.field("note")/>
            <Submit label="Admit" busy_label="Admitting…" busy/>
        </form>
    }
}

/// `/clinic/admissions/:id`: an admission with where the patient lay;
/// transfer and discharge while the patient is in.
#[component]
pub fn AdmissionPage() -> impl IntoView {
    let id = id_param();
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let found = Resource::new(
        move || (id.get(), version.get()),
        move |(id, _)| {
            session.load_if(Permission::ViewBeds, async move {
                admission(AdmissionId(
                    id.ok_or_else(|| AppError::NotFound("That admission".into()))?,
                ))
                .await
            })
        },
    );
    view! {
        <Title text="Admission"/>
        <Gate>
            <Transition fallback=|| view! { <Loading label="Opening the admission…"/> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok(a) => view! { <Admission a version/> }.into_any(),
                        Err(e) => view! { <h1>"Admission"</h1><ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

#[component]
fn Admission(a: AdmissionView, version: RwSignal<u32>) -> impl IntoView {
    let role = current_user().role;
    let open = a.status == AdmissionStatus::Admitted;
    let id = a.id;
    let discharge = a.discharge.clone();
    let follow_up = a.status == AdmissionStatus::Discharged && discharge.is_some();
    let patient_id = a.patient_id;
    view! {
        <h1 dir="auto">{a.patient.clone()}</h1>
        <p class="muted">{format!("MRN {} · {}", a.mrn, a.status.label())}</p>
        <dl class="facts" data-testid="admission">
            <dt>"Admitted"</dt><dd>{format_time(a.admitted_at)}" · "{a.source.label()}</dd>
            <dt>"Doctor"</dt><dd dir="auto">{a.doctor.clone()}</dd>
            <dt>"Diagnosis"</dt><dd dir="auto"><code>{a.diagnosis.clone()}</code>" "{a.diagnosis_title.clone()}</dd>
            <dt>"Expected stay"</dt><dd>{format!("{} days", a.expected_days)}</dd>
            {a.current().map(|s| view! { <dt>"Bed"</dt><dd data-testid="current-bed" dir="auto">{format!("{}, {}", s.ward, s.bed)}</dd> })}
            {a.ended_at.map(|t| view! { <dt>"Left"</dt><dd>{format_time(t)}</dd> })}
            {a.destination.clone().map(|d| view! { <dt>"Transferred to"</dt><dd dir="auto">{d}</dd> })}
            {a.note.clone().map(|n| view! { <dt>"Note"</dt><dd dir="auto">{n}</dd> })}
        </dl>
        <section class="card" aria-labelledby="stays-title">
            <h2 id="stays-title">"Where the patient was"</h2>
            <ol class="stays" data-testid="stays">
                {a.stays.iter().map(|s| view! {
                    <li dir="auto">
                        {format!("{}, {}", s.ward, s.bed)}" · "{format_time(s.from)}" – "
                        {s.to.map(format_time).unwrap_or_else(|| "now".into())}
                        {s.reason.clone().map(|r| view! { <span class="muted">" · "{r}</span> })}
                    </li>
                }).collect_view()}
            </ol>
        </section>
        {discharge.map(|d| view! {
            <section class="card" aria-labelledby="discharge-title" data-testid="discharge-summary">
                <h2 id="discharge-title">"Discharge summary"</h2>
                <p class="muted">{format!("Signed by {} on {}", d.signed_by, format_time(d.signed_at))}</p>
                <h3>"Diagnoses"</h3>
                <ul>{d.diagnoses.into_iter().map(|(c, t)| view! { <li dir="auto"><code>{c}</code>" "{t}</li> }).collect_view()}</ul>
                <h3>"Procedures"</h3><p dir="auto" class="prewrap">{if d.procedures.is_empty() { "None".to_string() } else { d.procedures }}</p>
                <h3>"Medications on discharge"</h3>
                {if d.medications.is_empty() {
                    view! { <p>"None"</p> }.into_any()
                } else {
                    view! { <ul>{d.medications.into_iter().map(|m| view! { <li dir="auto">{m}</li> }).collect_view()}</ul> }.into_any()
                }}
                <h3>"Follow-up"</h3><p dir="auto" class="prewrap">{d.follow_up}</p>
                <h3>"Summary"</h3><p dir="auto" class="prewrap">{d.summary}</p>
                <p class="actions">
                    <a class="btn" href=discharge_pdf_path(id) download="discharge-summary.pdf" data-testid="discharge-pdf">"Download the summary (PDF)"</a>
                </p>
            </section>
        })}
        {(follow_up && role.can(Permission::AdmitPatients)).then(|| view! { <FollowUp patient=patient_id/> })}
        {(open && (role.can(Permission::ManageBeds) || role.can(Permission::AdmitPatients))).then(|| view! { <Transfer id version/> })}
        {(open && role.can(Permission::AdmitPatients)).then(|| view! { <Discharge id version/> })}
    }
}

/// Where the discharge summary downloads from (`beds::export`).
fn discharge_pdf_path(id: AdmissionId) -> String {
    format!("/api/admissions/{id}/discharge.pdf")
}

/// The follow-up appointment, booked by the discharging doctor on the same
/// screen (the booking steps load in the browser, under this page's
/// suspense).
#[component]
fn FollowUp(patient: PatientId) -> impl IntoView {
    view! {
        <section class="card" aria-labelledby="follow-up-title" data-testid="follow-up">
            <h2 id="follow-up-title">"Book the follow-up"</h2>
            <ClientOnly>
                <crate::appointments::pages::BookingSteps patient_id=Some(patient.uuid()) list_href="/clinic/appointments"/>
            </ClientOnly>
        </section>
    }
}

#[component]
fn Transfer(id: AdmissionId, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(TransferForm {
        admission_id: Some(id),
        ..Default::default()
    });
    let bed = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let beds =
        LocalResource::new(|| async move { board(None).await.map(|b| free_bed_options(&b)) });
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut f = form.get_untracked();
        f.bed_id = Uuid::parse_str(&bed.get_untracked()).ok().map(BedId);
        submit_then_reload(busy, errors, transfer(f), version);
    };
    view! {
        <section class="card" aria-labelledby="transfer-title">
            <h2 id="transfer-title">"Transfer"</h2>
            <form class="form" on:submit=submit data-testid="transfer-form">
                <FormAlert errors/>
                // Inside the admission's suspense: loaded in the browser.
                <ClientOnly>
                    <Suspense fallback=|| view! { <Loading label="Finding free beds…"/> }>
                        {move || Suspend::new(async move {
                            let options = beds.await.unwrap_or_default();
                            view! {
                                <Select label="To the bed" name="transfer-bed" bind=lens(bed, |b| b.clone(), |b, v| *b = v)
                                    error=errors.field("bed_id") options placeholder="Another hospital…"/>
                            }
                        })}
                    </Suspense>
                </ClientOnly>
                <Input label="Or to another hospital" name="transfer-hospital" bind=lens(form, |f| f.hospital.clone(), |f, v| f.hospital = v) error=errors.field("hospital")/>
                <Input label="Reason" name="transfer-reason" bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason") required=true/>
                <Submit label="Transfer" busy_label="Transferring…" busy/>
            </form>
        </section>
    }
}

#[component]
fn Discharge(id: AdmissionId, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(DischargeForm {
        admission_id: Some(id),
        ..Default::default()
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, discharge(form.get_untracked()), version);
    };
    view! {
        <section class="card" aria-labelledby="discharge-form-title">
            <h2 id="discharge-form-title">"Discharge"</h2>
            <p class="muted">"The medications on discharge are the prescriptions active when you sign."</p>
            <form class="form" on:submit=submit data-testid="discharge-form">
                <FormAlert errors/>
                <Input label="Diagnoses at discharge (ICD-10-CM codes)" name="discharge-diagnoses" bind=lens(form, |f| f.diagnoses.clone(), |f, v| f.diagnoses = v) error=errors.field("diagnoses") required=true/>
                <TextArea label="Procedures" name="discharge-procedures" bind=lens(form, |f| f.procedures.clone(), |f, v| f.procedures = v) error=errors.field("procedures")/>
                <TextArea label="Follow-up" name="discharge-follow-up" bind=lens(form, |f| f.follow_up.clone(), |f, v| f.follow_up = v) error=errors.field("follow_up")/>
                <TextArea label="Summary of the stay" name="discharge-summary" bind=lens(form, |f| f.summary.clone(), |f, v| f.summary = v) error=errors.field("summary")/>
                <Submit label="Sign and discharge" busy_label="Discharging…" busy/>
            </form>
        </section>
    }
}

/// `/admin/wards`: the wards, and beds added to their rooms.
#[component]
pub fn WardsPage() -> impl IntoView {
    view! {
        <Title text="Wards"/>
        <Gate>
            <h1>"Wards and beds"</h1>
            {move || if current_user().role.can(Permission::ManageFacilities) {
                view! { <WardsAdmin/> }.into_any()
            } else {
                view! { <p class="muted">"Wards are kept by administrators."</p> }.into_any()
            }}
        </Gate>
    }
}

#[component]
fn WardsAdmin() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let list = Resource::new(
        move || version.get(),
        move |_| session.load_if(Permission::ManageFacilities, wards()),
    );
    view! {
        <Transition fallback=|| view! { <Loading label="Loading the wards…"/> }>
            {move || Suspend::new(async move {
                match list.await {
                    Ok(list) => view! { <WardList list version/> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
        <NewWard version/>
    }
}

#[component]
fn WardList(list: Vec<WardView>, version: RwSignal<u32>) -> impl IntoView {
    if list.is_empty() {
        return view! { <EmptyState title="No wards yet">"Add the hospital's first ward below."</EmptyState> }.into_any();
    }
    let options: Vec<(String, String)> = list
        .iter()
        .map(|w| (w.id.to_string(), w.name.clone()))
        .collect();
    view! {
        <div class="table-scroll">
            <table class="table" data-testid="wards">
                <caption class="visually-hidden">"Wards"</caption>
                <thead><tr><th scope="col">"Ward"</th><th scope="col">"Kind"</th><th scope="col">"For"</th><th scope="col">"Beds"</th><th scope="col">"Open"</th></tr></thead>
                <tbody>
                    {list.into_iter().map(|w| view! {
                        <tr>
                            <td dir="auto">{w.name.clone()}</td><td>{w.kind.label()}</td><td>{w.sex_restriction.label()}</td>
                            <td>{w.beds}</td><td>{if w.active { "Yes" } else { "Closed" }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <AddBeds options=options.clone() version/>
        <WardStaffPanel options/>
    }
    .into_any()
}

/// The doctors and nurses of each ward: they open the charts of the
/// patients in its beds. Loaded in the browser (the choice of ward is).
#[component]
fn WardStaffPanel(options: Vec<(String, String)>) -> impl IntoView {
    let ward = RwSignal::new(String::new());
    let person = RwSignal::new(String::new());
    let version = RwSignal::new(0u32);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let people = LocalResource::new(crate::emergency::api::ed_clinicians);
    let staff = LocalResource::new(move || {
        let w = Uuid::parse_str(&ward.get()).ok().map(WardId);
        version.track();
        async move {
            match w {
                Some(w) => ward_staff(w).await.map(|list| Some((w, list))),
                None => Ok(None),
            }
        }
    });
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let w = Uuid::parse_str(&ward.get_untracked()).ok().map(WardId);
        let u = Uuid::parse_str(&person.get_untracked()).ok().map(UserId);
        match (w, u) {
            (Some(w), Some(u)) => {
                submit_then_reload(busy, errors, set_ward_staff(w, u, true), version)
            }
            (None, _) => errors.set(Some(AppError::field("ward", "Choose the ward."))),
            (_, None) => errors.set(Some(AppError::field(
                "user_id",
                "Choose the doctor or nurse.",
            ))),
        }
    };
    view! {
        <section class="card" aria-labelledby="ward-staff-title">
            <h2 id="ward-staff-title">"Ward staff"</h2>
            <p class="muted">"The nurses and doctors of a ward open the charts of the patients in its beds."</p>
            <form class="form" on:submit=add data-testid="ward-staff-form">
                <FormAlert errors/>
                <Select label="Ward" name="staff-ward" bind=lens(ward, |w| w.clone(), |w, v| *w = v) error=errors.field("ward") options required=true/>
                <ClientOnly>
                    <Suspense fallback=|| view! { <Loading label="Loading the staff…"/> }>
                        {move || Suspend::new(async move {
                            let options: Vec<(String, String)> = people.await.unwrap_or_default()
                                .into_iter().map(|(id, name)| (id.to_string(), name)).collect();
                            view! {
                                <Select label="Doctor or nurse" name="staff-person" bind=lens(person, |p| p.clone(), |p, v| *p = v)
                                    error=errors.field("user_id") options required=true/>
                            }
                        })}
                    </Suspense>
                </ClientOnly>
                <Submit label="Add to the ward" busy_label="Adding…" busy class="btn"/>
            </form>
            <ClientOnly>
                <Suspense fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match staff.await {
                            Ok(None) => ().into_any(),
                            Ok(Some((_, list))) if list.is_empty() => view! { <p class="muted">"Nobody works on this ward yet."</p> }.into_any(),
                            Ok(Some((w, list))) => view! {
                                <ul class="list" data-testid="ward-staff">
                                    {list.into_iter().map(|(id, name)| view! {
                                        <li>
                                            <span dir="auto">{name}</span>" "
                                            <button type="button" class="btn btn--small" disabled=move || busy.get()
                                                on:click=move |_| submit_then_reload(busy, errors, set_ward_staff(w, id, false), version)>"Remove"</button>
                                        </li>
                                    }).collect_view()}
                                </ul>
                            }.into_any(),
                            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                        }
                    })}
                </Suspense>
            </ClientOnly>
        </section>
    }
}

#[component]
fn NewWard(version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(WardForm {
        kind: WardKind::General.as_str().into(),
        sex_restriction: SexRestriction::Any.as_str().into(),
        active: true,
        ..Default::default()
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, save_ward(form.get_untracked()), version);
    };
    view! {
        <section class="card" aria-labelledby="new-ward-title">
            <h2 id="new-ward-title">"Add a ward"</h2>
            <form class="form" on:submit=submit data-testid="ward-form">
                <FormAlert errors/>
                <Input label="Name" name="ward-name" bind=lens(form, |f| f.name.clone(), |f, v| f.name = v) error=errors.field("name") required=true/>
                <Select label="Kind" name="ward-kind" bind=lens(form, |f| f.kind.clone(), |f, v| f.kind = v) error=errors.field("kind") options=WardKind::options() required=true/>
                <Select label="For" name="ward-sex" bind=lens(form, |f| f.sex_restriction.clone(), |f, v| f.sex_restriction = v) error=errors.field("sex_restriction") options=SexRestriction::options() required=true/>
                <Check label="Open" name="ward-active" bind=lens_bool(form, |f| f.active, |f, v| f.active = v) error=errors.field("active")/>
                <Submit label="Add the ward" busy_label="Adding…" busy/>
            </form>
        </section>
    }
}

#[component]
fn AddBeds(options: Vec<(String, String)>, version: RwSignal<u32>) -> impl IntoView {
    let ward = RwSignal::new(String::new());
    let form = RwSignal::new(BedsForm {
        bed_type: BedType::Standard.as_str().into(),
        ..Default::default()
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut f = form.get_untracked();
        f.ward_id = Uuid::parse_str(&ward.get_untracked()).ok().map(WardId);
        submit_then_reload(busy, errors, add_beds(f), version);
    };
    view! {
        <section class="card" aria-labelledby="add-beds-title">
            <h2 id="add-beds-title">"Add beds"</h2>
            <form class="form" on:submit=submit data-testid="beds-form">
                <FormAlert errors/>
                <Select label="Ward" name="beds-ward" bind=lens(ward, |w| w.clone(), |w, v| *w = v) error=errors.field("ward_id") options required=true/>
                <Input label="Room" name="beds-room" bind=lens(form, |f| f.room.clone(), |f, v| f.room = v) error=errors.field("room") required=true/>
                <Input label="Beds (labels, e.g. A, B, C)" name="beds-labels" bind=lens(form, |f| f.labels.clone(), |f, v| f.labels = v) error=errors.field("labels") required=true/>
                <Select label="Kind of bed" name="beds-type" bind=lens(form, |f| f.bed_type.clone(), |f, v| f.bed_type = v) error=errors.field("bed_type") options=BedType::options() required=true/>
                <Submit label="Add the beds" busy_label="Adding…" busy/>
            </form>
        </section>
    }
}

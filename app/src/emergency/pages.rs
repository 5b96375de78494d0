//! The pages of the emergency department: the tracking board (with the
//! arrival of a known patient), a visit (triage, bay and clinician,
//! disposition, the triage history), the administrator's bays and
//! emergency numbers, and the public emergency page patients reach in one
//! tap.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::emergency::{
    ArrivalForm, AssignForm, BayForm, BayView, DispositionForm, EdBoard, EdDisposition, EdVisitRow,
    EdVisitView, EmergencyServiceForm, EmergencyServiceView, EsiLevel, TriageForm,
};
use shared::ids::{EdBayId, EdVisitId, UserId};
use shared::patients::PatientSearchHit;
use shared::{AppError, Permission};
use uuid::Uuid;

use super::api::*;
use crate::components::{
    format_time, id_param, lens, lens_bool, no_error, submit_then_reload, submit_with, Check,
    EmptyState, ErrorBox, FormAlert, FormErrors, Input, Loading, Select, Submit, TextArea,
};
use crate::portal_session::{current_user, Gate, PortalSession};

/// How often the tracking board fetches itself again, so waits keep
/// counting on a screen nobody touches.
const REFRESH_SECONDS: u64 = 30;

/// A triage level as its number and name, coloured (never the colour
/// alone); an arrival not yet triaged says so.
fn level_badge(level: Option<EsiLevel>) -> impl IntoView {
    match level {
        Some(l) => view! { <span class=l.css() data-testid="esi">{l.label()}</span> }.into_any(),
        None => view! { <span class="esi esi--none" data-testid="esi">"Awaiting triage"</span> }
            .into_any(),
    }
}

/// `/clinic/ed`: everyone in the department, the queue first.
#[component]
pub fn EdBoardPage() -> impl IntoView {
    view! {
        <Title text="Emergency department"/>
        <Gate>
            <h1>"Emergency department"</h1>
            {move || if current_user().role.can(Permission::ViewEmergency) {
                view! { <Board/> }.into_any()
            } else {
                view! { <p class="muted">"The tracking board is for the emergency department and the front desk."</p> }.into_any()
            }}
        </Gate>
    }
}

#[component]
fn Board() -> impl IntoView {
    let version = RwSignal::new(0u32);
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || version.try_update(|v| *v += 1).unwrap_or(()),
            std::time::Duration::from_secs(REFRESH_SECONDS),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    let session = PortalSession::get();
    let found = Resource::new(
        move || version.get(),
        move |_| session.load_if(Permission::ViewEmergency, tracking_board()),
    );
    let registers = current_user().role.can(Permission::FastTrackPatients);
    view! {
        {registers.then(|| view! {
            <p class="actions">
                <a class="btn" href="/clinic/emergency">"Register an unknown patient"</a>
            </p>
            <Arrival version/>
        })}
        <Transition fallback=|| view! { <Loading label="Loading the department…"/> }>
            {move || Suspend::new(async move {
                match found.await {
                    Ok(b) => view! { <BoardTables b/> }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn BoardTables(b: EdBoard) -> impl IntoView {
    let now = b.as_of;
    view! {
        <p class="muted" aria-live="polite">"As of "{format_time(now)}</p>
        <section class="card" aria-labelledby="waiting-title">
            <h2 id="waiting-title">{format!("Waiting ({})", b.waiting.len())}</h2>
            {if b.waiting.is_empty() {
                view! { <p class="muted">"Nobody is waiting to be seen."</p> }.into_any()
            } else {
                view! { <VisitTable rows=b.waiting now caption="Waiting to be seen, in queue order" testid="waiting"/> }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="seen-title">
            <h2 id="seen-title">{format!("Being seen ({})", b.being_seen.len())}</h2>
            {if b.being_seen.is_empty() {
                view! { <p class="muted">"Nobody is being seen now."</p> }.into_any()
            } else {
                view! { <VisitTable rows=b.being_seen now caption="Being seen" testid="being-seen"/> }.into_any()
            }}
        </section>
        <section class="card" aria-labelledby="left-title">
            <h2 id="left-title">{format!("Left in the last {} hours ({})", shared::emergency::LEFT_LATELY_HOURS, b.left.len())}</h2>
            {if b.left.is_empty() {
                view! { <p class="muted">"Nobody left lately."</p> }.into_any()
            } else {
                view! { <LeftTable rows=b.left/> }.into_any()
            }}
        </section>
    }
}

#[component]
fn VisitTable(
    rows: Vec<EdVisitRow>,
    now: chrono::DateTime<chrono::Utc>,
    caption: &'static str,
    testid: &'static str,
) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="table" data-testid=testid>
                <caption class="visually-hidden">{caption}</caption>
                <thead><tr>
                    <th scope="col">"Level"</th><th scope="col">"Patient"</th><th scope="col">"Arrived"</th>
                    <th scope="col">"Wait"</th><th scope="col">"Complaint"</th><th scope="col">"Bay"</th>
                    <th scope="col">"Clinician"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| {
                        let over = r.over_target(now);
                        let wait = r.waited_minutes(now);
                        view! {
                            <tr data-testid="ed-visit" class:row--alert=over>
                                <td>{level_badge(r.level)}</td>
                                <td>
                                    <a href=format!("/clinic/ed/visits/{}", r.id) dir="auto">{r.name.clone()}</a>
                                    {r.temporary.then(|| view! { " "<span class="badge badge--warn">"Temporary"</span> })}
                                    <br/><span class="muted">{r.mrn.clone()}</span>
                                </td>
                                <td>{format_time(r.arrived_at)}</td>
                                <td data-testid="wait">{format!("{wait} min")}
                                    {over.then(|| view! { <br/><strong class="wait--over">"Over target"</strong> })}</td>
                                <td dir="auto">{r.chief_complaint.clone().unwrap_or_else(|| "—".into())}</td>
                                <td dir="auto">{r.bay.clone().unwrap_or_else(|| "—".into())}</td>
                                <td dir="auto">{r.clinician.clone().unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// Visits that ended lately: who, when, and how (the disposition).
#[component]
fn LeftTable(rows: Vec<EdVisitRow>) -> impl IntoView {
    view! {
        <div class="table-scroll">
            <table class="table" data-testid="left">
                <caption class="visually-hidden">"Left the department lately"</caption>
                <thead><tr>
                    <th scope="col">"Patient"</th><th scope="col">"Level"</th><th scope="col">"Arrived"</th>
                    <th scope="col">"Left"</th><th scope="col">"Disposition"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|r| view! {
                        <tr data-testid="ed-left">
                            <td><a href=format!("/clinic/ed/visits/{}", r.id) dir="auto">{r.name.clone()}</a>
                                <br/><span class="muted">{r.mrn.clone()}</span></td>
                            <td>{level_badge(r.level)}</td>
                            <td>{format_time(r.arrived_at)}</td>
                            <td>{r.closed_at.map(format_time).unwrap_or_default()}</td>
                            <td>{r.disposition.map(|d| d.label()).unwrap_or("—")}
                                {r.destination.clone().map(|x| view! { ": "<span dir="auto">{x}</span> })}
                                {r.admission_id.map(|a| view! { " · "<a href=format!("/clinic/admissions/{a}")>"Admission"</a> })}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

/// A known patient arrives: find them, say what brings them, put them on
/// the board.
#[component]
fn Arrival(version: RwSignal<u32>) -> impl IntoView {
    let query = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<PatientSearchHit>::new());
    let searched = RwSignal::new(false);
    let form = RwSignal::new(ArrivalForm::default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let find = move |ev: SubmitEvent| {
        ev.prevent_default();
        let q = query.get_untracked();
        submit_with(
            busy,
            errors,
            crate::patients::api::search_patients(q, None),
            move |page| {
                hits.set(page.hits);
                searched.set(true);
            },
        );
    };
    let arrived = move |hit: PatientSearchHit| {
        let mut f = form.get_untracked();
        f.patient_id = Some(hit.id);
        submit_with(busy, errors, ed_arrive(f), move |_| {
            hits.set(Vec::new());
            searched.set(false);
            query.set(String::new());
            form.set(ArrivalForm::default());
            version.update(|v| *v += 1);
        });
    };
    view! {
        <details class="card">
            <summary>"A known patient arrives…"</summary>
            <form class="form form--inline" on:submit=find data-testid="arrival-search">
                <FormAlert errors/>
                <Input label="Find the patient" name="arrival-query" kind="search" hint="Name, MRN, phone or date of birth."
                    bind=lens(query, |q| q.clone(), |q, v| *q = v) error=errors.field("query")/>
                <Input label="Chief complaint" name="arrival-complaint"
                    bind=lens(form, |f| f.chief_complaint.clone(), |f, v| f.chief_complaint = v) error=errors.field("chief_complaint")/>
                <Submit label="Find" busy_label="Finding…" busy class="btn"/>
            </form>
            {move || (searched.get() && hits.with(Vec::is_empty)).then(|| view! { <p class="muted">"No patient found."</p> })}
            <ul class="list">
                {move || hits.get().into_iter().map(|h| {
                    let hit = h.clone();
                    view! {
                        <li>
                            <span dir="auto">{shared::patients::filing_name(&h.family_name, &h.given_name)}</span>
                            " · "<span class="muted">{h.mrn.clone()}</span>" "
                            <button type="button" class="btn btn--small" disabled=move || busy.get()
                                on:click=move |_| arrived(hit.clone())>"Arrived"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}

/// `/clinic/ed/visits/:id`: one visit: triage, bay and clinician,
/// disposition, and every triage so far.
#[component]
pub fn EdVisitPage() -> impl IntoView {
    let id = id_param();
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let found = Resource::new(
        move || (id.get(), version.get()),
        move |(id, _)| {
            session.load_as(Permission::ViewEmergency, move |user| async move {
                let id = EdVisitId(id.ok_or_else(|| AppError::NotFound("That visit".into()))?);
                let visit = ed_visit(id).await?;
                let choices =
                    if user.role.can(Permission::TriagePatients) && visit.row.closed_at.is_none() {
                        Some((ed_bays().await?, ed_clinicians().await?))
                    } else {
                        None
                    };
                Ok((visit, choices))
            })
        },
    );
    view! {
        <Title text="Emergency visit"/>
        <Gate>
            <Transition fallback=|| view! { <Loading label="Opening the visit…"/> }>
                {move || Suspend::new(async move {
                    match found.await {
                        Ok((v, choices)) => view! { <Visit v choices version/> }.into_any(),
                        Err(e) => view! { <h1>"Emergency visit"</h1><ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

type Choices = Option<(Vec<BayView>, Vec<(UserId, String)>)>;

#[component]
fn Visit(v: EdVisitView, choices: Choices, version: RwSignal<u32>) -> impl IntoView {
    let role = current_user().role;
    let r = v.row.clone();
    let open = r.closed_at.is_none();
    view! {
        <h1 dir="auto">{r.name.clone()}</h1>
        <p class="muted">{format!("MRN {}", r.mrn)}
            {r.temporary.then(|| view! { " · "<span class="badge badge--warn">"Temporary record"</span> })}
            {role.can(Permission::ReadCharts).then(|| view! { " · "<a href=format!("/clinic/patients/{}", r.patient_id)>"Chart"</a> })}
            " · "<a href="/clinic/ed">"Tracking board"</a>
        </p>
        <dl class="facts" data-testid="ed-visit-facts">
            <dt>"Level"</dt><dd>{level_badge(r.level)}</dd>
            <dt>"Arrived"</dt><dd>{format_time(r.arrived_at)}</dd>
            <dt>"Chief complaint"</dt><dd dir="auto">{r.chief_complaint.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Seen"</dt><dd>{match r.seen_at {
                Some(t) => format!("{} (after {} min)", format_time(t), (t - r.arrived_at).num_minutes()),
                None => "Not yet".to_string(),
            }}</dd>
            <dt>"Bay"</dt><dd dir="auto" data-testid="ed-bay">{r.bay.clone().unwrap_or_else(|| "—".into())}</dd>
            <dt>"Clinician"</dt><dd dir="auto" data-testid="ed-clinician">{r.clinician.clone().unwrap_or_else(|| "—".into())}</dd>
            {r.disposition.map(|d| view! {
                <dt>"Disposition"</dt>
                <dd data-testid="ed-disposition">{d.label()}
                    {r.destination.clone().map(|x| view! { ": "<span dir="auto">{x}</span> })}
                    {r.admission_id.map(|a| view! { " · "<a href=format!("/clinic/admissions/{a}")>"Admission"</a> })}
                </dd>
            })}
            {v.note.clone().map(|n| view! { <dt>"Note"</dt><dd dir="auto">{n}</dd> })}
        </dl>
        {(open && role.can(Permission::TriagePatients)).then(|| view! { <Triage visit=r.id level=r.level version/> })}
        {(open && role.can(Permission::TriagePatients)).then(|| choices.clone().map(|(bays, clinicians)| view! {
            <Assign v=v.clone() bays clinicians version/>
        }))}
        {(open && role.can(Permission::TriagePatients)).then(|| view! { <Disposition r=r.clone() version/> })}
        <section class="card" aria-labelledby="triages-title">
            <h2 id="triages-title">"Triage history"</h2>
            {if v.triages.is_empty() {
                view! { <p class="muted">"Not triaged yet."</p> }.into_any()
            } else {
                view! {
                    <ol class="stays" data-testid="triages">
                        {v.triages.iter().map(|t| view! {
                            <li data-testid="triage">
                                {level_badge(Some(t.level))}" · "<span dir="auto">{t.chief_complaint.clone()}</span>
                                <br/><span class="muted">{format!("{} · {}", format_time(t.at), t.by)}</span>
                                {t.vitals.clone().map(|x| view! { <br/><span>{x}</span> })}
                                {t.note.clone().map(|n| view! { <br/><span dir="auto">{n}</span> })}
                            </li>
                        }).collect_view()}
                    </ol>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Triage(visit: EdVisitId, level: Option<EsiLevel>, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(TriageForm {
        visit_id: Some(visit),
        ..Default::default()
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, ed_triage(form.get_untracked()), version);
    };
    macro_rules! measure {
        ($label:literal, $field:ident, $hint:literal) => {
            view! {
                <Input label=$label name=concat!("triage-", stringify!($field)) kind="text" inputmode="decimal" hint=$hint
                    bind=lens(form, |f| f.vitals.$field.clone(), |f, v| f.vitals.$field = v) error=errors.field(stringify!($field))/>
            }
        };
    }
    let title = if level.is_some() {
        "Re-triage"
    } else {
        "Triage"
    };
    view! {
        <section class="card" aria-labelledby="triage-title">
            <h2 id="triage-title">{title}</h2>
            <form class="form" on:submit=submit data-testid="triage-form">
                <FormAlert errors/>
                <Select label="Level (ESI)" name="triage-level" bind=lens(form, |f| f.level.clone(), |f, v| f.level = v)
                    error=errors.field("level") options=EsiLevel::options() required=true placeholder="Choose the level…"/>
                <Input label="Chief complaint" name="triage-complaint" required=true
                    bind=lens(form, |f| f.chief_complaint.clone(), |f, v| f.chief_complaint = v) error=errors.field("chief_complaint")/>
                <div class="form-grid form-grid--compact">
                    {measure!("Systolic BP (mmHg)", systolic, "50–300")}
                    {measure!("Diastolic BP (mmHg)", diastolic, "20–200")}
                    {measure!("Heart rate (/min)", heart_rate, "20–300")}
                    {measure!("Respiratory rate (/min)", respiratory_rate, "4–80")}
                    {measure!("Temperature (°C)", temperature_c, "25–45")}
                    {measure!("SpO2 (%)", spo2, "50–100")}
                </div>
                <TextArea label="Triage note" name="triage-note" bind=lens(form, |f| f.note.clone(), |f, v| f.note = v) error=errors.field("note")/>
                <p class="muted">"The vital signs go into the chart. Level 1 may be saved without them."</p>
                <Submit label="Save the triage" busy_label="Saving…" busy/>
            </form>
        </section>
    }
}

#[component]
fn Assign(
    v: EdVisitView,
    bays: Vec<BayView>,
    clinicians: Vec<(UserId, String)>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let me = current_user().id;
    let bay = RwSignal::new(v.bay_id.map(|b| b.to_string()).unwrap_or_default());
    let clinician = RwSignal::new(v.clinician_id.map(|c| c.to_string()).unwrap_or_default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let visit = v.row.id;
    let bay_options: Vec<(String, String)> = bays
        .into_iter()
        .filter(|b| b.active && (b.visit_id.is_none() || b.visit_id == Some(visit)))
        .map(|b| (b.id.to_string(), b.name))
        .collect();
    let is_clinician = clinicians.iter().any(|(id, _)| *id == me);
    let clinician_options: Vec<(String, String)> = clinicians
        .into_iter()
        .map(|(id, name)| (id.to_string(), name))
        .collect();
    let send = move || {
        let form = AssignForm {
            visit_id: Some(visit),
            bay_id: Uuid::parse_str(&bay.get_untracked()).ok().map(EdBayId),
            clinician_id: Uuid::parse_str(&clinician.get_untracked()).ok().map(UserId),
        };
        submit_then_reload(busy, errors, ed_assign(form), version);
    };
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        send();
    };
    view! {
        <section class="card" aria-labelledby="assign-title">
            <h2 id="assign-title">"Bay and clinician"</h2>
            <form class="form" on:submit=submit data-testid="assign-form">
                <FormAlert errors/>
                <Select label="Bay" name="assign-bay" bind=lens(bay, |b| b.clone(), |b, x| *b = x)
                    error=errors.field("bay_id") options=bay_options placeholder="No bay"/>
                <Select label="Responsible clinician" name="assign-clinician" bind=lens(clinician, |c| c.clone(), |c, x| *c = x)
                    error=errors.field("clinician_id") options=clinician_options placeholder="Nobody yet"/>
                <div class="form-actions">
                    {is_clinician.then(|| view! {
                        <button type="button" class="btn" disabled=move || busy.get()
                            on:click=move |_| { clinician.set(me.to_string()); send(); }>"I'll see this patient"</button>
                    })}
                    <Submit label="Save" busy_label="Saving…" busy/>
                </div>
            </form>
        </section>
    }
}

#[component]
fn Disposition(r: EdVisitRow, version: RwSignal<u32>) -> impl IntoView {
    let role = current_user().role;
    let doctor = role.can(Permission::AdmitPatients);
    let form = RwSignal::new(DispositionForm {
        visit_id: Some(r.id),
        ..Default::default()
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let options: Vec<(String, String)> = EdDisposition::ALL
        .iter()
        .filter(|d| **d != EdDisposition::Admitted)
        .filter(|d| doctor || **d == EdDisposition::LeftWithoutBeingSeen)
        .filter(|d| r.seen_at.is_none() || **d != EdDisposition::LeftWithoutBeingSeen)
        .map(|d| (d.as_str().to_string(), d.label().to_string()))
        .collect();
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, end_visit(form.get_untracked()), version);
    };
    let transfers = move || form.with(|f| f.disposition == EdDisposition::Transferred.as_str());
    view! {
        <section class="card" aria-labelledby="disposition-title">
            <h2 id="disposition-title">"Disposition"</h2>
            {doctor.then(|| view! {
                <p><a class="btn btn--primary" href=format!("/clinic/patients/{}/admit", r.patient_id) data-testid="ed-admit">"Admit to a bed"</a></p>
            })}
            {if options.is_empty() {
                view! { <p class="muted">"A doctor decides how the visit ends."</p> }.into_any()
            } else {
                view! {
                    <form class="form" on:submit=submit data-testid="disposition-form">
                        <FormAlert errors/>
                        <Select label="The visit ends" name="disposition" bind=lens(form, |f| f.disposition.clone(), |f, v| f.disposition = v)
                            error=errors.field("disposition") options required=true/>
                        <Show when=transfers>
                            <Input label="To hospital" name="disposition-destination" required=true
                                bind=lens(form, |f| f.destination.clone(), |f, v| f.destination = v) error=errors.field("destination")/>
                        </Show>
                        <TextArea label="Note" name="disposition-note" bind=lens(form, |f| f.note.clone(), |f, v| f.note = v) error=errors.field("note")/>
                        <Submit label="End the visit" busy_label="Saving…" busy/>
                    </form>
                }.into_any()
            }}
        </section>
    }
}

/// `/admin/emergency`: the department's bays and the emergency numbers and
/// places the patients' page shows.
#[component]
pub fn EmergencyAdminPage() -> impl IntoView {
    view! {
        <Title text="Emergency department"/>
        <Gate>
            <h1>"Emergency department"</h1>
            {move || if current_user().role.can(Permission::ManageFacilities) {
                view! { <BaysAdmin/><ServicesAdmin/> }.into_any()
            } else {
                view! { <p class="muted">"The department's bays and numbers are kept by administrators."</p> }.into_any()
            }}
        </Gate>
    }
}

#[component]
fn BaysAdmin() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let list = Resource::new(
        move || version.get(),
        move |_| session.load_if(Permission::ManageFacilities, ed_bays()),
    );
    let form = RwSignal::new(BayForm {
        active: true,
        ..Default::default()
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(busy, errors, save_bay(form.get_untracked()), move |_| {
            form.set(BayForm {
                active: true,
                ..Default::default()
            });
            version.update(|v| *v += 1);
        });
    };
    let toggle = move |b: BayView| {
        let f = BayForm {
            id: Some(b.id),
            name: b.name,
            active: !b.active,
        };
        submit_then_reload(busy, errors, save_bay(f), version);
    };
    view! {
        <section class="card" aria-labelledby="bays-title">
            <h2 id="bays-title">"Bays"</h2>
            <Transition fallback=|| view! { <Loading label="Loading the bays…"/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No bays yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="list" data-testid="bays">
                                {list.into_iter().map(|b| {
                                    let label = if b.active { "Close" } else { "Reopen" };
                                    let row = b.clone();
                                    view! {
                                        <li>
                                            <span dir="auto">{b.name.clone()}</span>" · "
                                            {if b.active { "open" } else { "closed" }}
                                            {b.visit_id.map(|_| " · a patient is in it")}" "
                                            <button type="button" class="btn btn--small" disabled=move || busy.get()
                                                on:click=move |_| toggle(row.clone())>{label}</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <form class="form form--inline" on:submit=submit data-testid="bay-form">
                <FormAlert errors/>
                <Input label="New bay" name="bay-name" required=true bind=lens(form, |f| f.name.clone(), |f, v| f.name = v) error=errors.field("name")/>
                <Submit label="Add the bay" busy_label="Adding…" busy class="btn"/>
            </form>
        </section>
    }
}

fn service_form(s: &EmergencyServiceView) -> EmergencyServiceForm {
    EmergencyServiceForm {
        id: Some(s.id),
        name: s.name.clone(),
        phone: s.phone.clone().unwrap_or_default(),
        address: s.address.clone().unwrap_or_default(),
        latitude: s.location.map(|l| l.0.to_string()).unwrap_or_default(),
        longitude: s.location.map(|l| l.1.to_string()).unwrap_or_default(),
        note: s.note.clone().unwrap_or_default(),
        position: s.position.to_string(),
        active: s.active,
    }
}

fn blank_service() -> EmergencyServiceForm {
    EmergencyServiceForm {
        active: true,
        ..Default::default()
    }
}

#[component]
fn ServicesAdmin() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let list = Resource::new(
        move || version.get(),
        move |_| session.load_if(Permission::ManageFacilities, all_emergency_services()),
    );
    let form = RwSignal::new(blank_service());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            save_emergency_service(form.get_untracked()),
            move |_| {
                form.set(blank_service());
                version.update(|v| *v += 1);
            },
        );
    };
    let editing = move || form.with(|f| f.id.is_some());
    view! {
        <section class="card" aria-labelledby="services-title">
            <h2 id="services-title">"Emergency numbers and places"</h2>
            <p class="muted">"Patients see these on the emergency page, in this order, even offline."</p>
            <Transition fallback=|| view! { <Loading label="Loading…"/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"None yet: patients see an empty emergency page."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="list" data-testid="services">
                                {list.into_iter().map(|s| {
                                    let filled = service_form(&s);
                                    view! {
                                        <li>
                                            <strong dir="auto">{s.name.clone()}</strong>
                                            {s.phone.clone().map(|p| view! { " · "{p} })}
                                            {(!s.active).then_some(" · hidden")}" "
                                            <button type="button" class="btn btn--small" on:click=move |_| form.set(filled.clone())>"Edit"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <form class="form" on:submit=submit data-testid="service-form">
                <h3>{move || if editing() { "Change" } else { "Add a number or place" }}</h3>
                <FormAlert errors/>
                <Input label="Name" name="service-name" required=true bind=lens(form, |f| f.name.clone(), |f, v| f.name = v) error=errors.field("name")/>
                <Input label="Phone" name="service-phone" kind="tel" bind=lens(form, |f| f.phone.clone(), |f, v| f.phone = v) error=errors.field("phone")/>
                <Input label="Address" name="service-address" bind=lens(form, |f| f.address.clone(), |f, v| f.address = v) error=errors.field("address")/>
                <div class="form-grid form-grid--compact">
                    <Input label="Latitude" name="service-lat" inputmode="decimal" hint="e.g. 52.3702" bind=lens(form, |f| f.latitude.clone(), |f, v| f.latitude = v) error=errors.field("latitude")/>
                    <Input label="Longitude" name="service-lon" inputmode="decimal" hint="e.g. 4.8952" bind=lens(form, |f| f.longitude.clone(), |f, v| f.longitude = v) error=errors.field("longitude")/>
                    <Input label="Order" name="service-position" inputmode="numeric" hint="Lower first" bind=lens(form, |f| f.position.clone(), |f, v| f.position = v) error=errors.field("position")/>
                </div>
                <Input label="Note" name="service-note" bind=lens(form, |f| f.note.clone(), |f, v| f.note = v) error=errors.field("note")/>
                <Check label="Shown to patients" name="service-active" bind=lens_bool(form, |f| f.active, |f, v| f.active = v) error=no_error()/>
                <div class="form-actions">
                    <Show when=editing>
                        <button type="button" class="btn btn--ghost" on:click=move |_| form.set(blank_service())>"Cancel"</button>
                    </Show>
                    <Submit label="Save" busy_label="Saving…" busy/>
                </div>
            </form>
        </section>
    }
}

/// `/emergency`: the hospital's emergency numbers and the nearby places to
/// go, for anyone, signed in or not; the app keeps a copy for offline use.
#[component]
pub fn EmergencyPage() -> impl IntoView {
    let list = Resource::new(|| (), |_| emergency_services());
    view! {
        <Title text="Emergency"/>
        <main class="portal__main narrow emergency" id="main">
            <h1>"Emergency"</h1>
            <p class="lead">"If someone's life is in danger, call now."</p>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(list) if list.is_empty() => view! {
                            <EmptyState title="No numbers listed">"The hospital has not listed its emergency numbers here yet. Call your local emergency number."</EmptyState>
                        }.into_any(),
                        Ok(list) => view! {
                            <ul class="emergency__list" data-testid="emergency-services">
                                {list.into_iter().map(|s| view! { <Service s/> }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Suspense>
            <p><a href="/">"HMS home"</a></p>
        </main>
    }
}

#[component]
fn Service(s: EmergencyServiceView) -> impl IntoView {
    view! {
        <li class="card emergency__service" data-testid="emergency-service">
            <h2 dir="auto">{s.name.clone()}</h2>
            {s.tel().map(|tel| view! {
                <p><a class="btn btn--danger btn--large" href=tel>{format!("Call {}", s.phone.clone().unwrap_or_default())}</a></p>
            })}
            {s.address.clone().map(|a| view! { <p dir="auto">{a}</p> })}
            {s.map_link().map(|m| view! { <p><a href=m rel="noopener" target="_blank">"Open the map"</a></p> })}
            {s.note.clone().map(|n| view! { <p class="muted" dir="auto">{n}</p> })}
        </li>
    }
}

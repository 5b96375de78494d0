//! The chart in the clinic portal, tablet-first: a banner with allergies up
//! front, the summary, trend charts, forms for documenting care, and the
//! paginated timeline of encounters with their notes.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use shared::access::{AccessBasis, BreakGlassForm};
use shared::chart::*;
use shared::records::Icd10Code;
use shared::{AppError, Permission};
use uuid::Uuid;

use super::api::*;
use super::trend::VitalsTrends;
use crate::components::{
    age_on, format_time, lens, submit_with, ErrorBox, FormAlert, FormErrors, Input, LatestOnly,
    Loading, Select, Submit, TextArea,
};
use crate::portal_session::current_user;

/// The patient id in the route, if it is one.
pub fn route_patient_id() -> Memo<Option<Uuid>> {
    let params = use_params_map();
    Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    })
}

/// `/clinic/patients/:id`: the chart. Front-desk roles, who never open
/// charts, are pointed to the administrative record.
#[component]
pub fn PatientPage() -> impl IntoView {
    let id = route_patient_id();
    // Bumped after every change, so the summary and timeline reload.
    let version = RwSignal::new(0u32);
    let session = crate::portal_session::PortalSession::get();
    let summary = Resource::new(
        move || (id.get(), version.get()),
        move |(id, _)| {
            session.load(async move {
                match id {
                    Some(id) => get_chart_summary(id.into()).await,
                    None => Err(AppError::NotFound("That patient".into())),
                }
            })
        },
    );
    view! {
        <Title text="Chart"/>
        <Transition fallback=|| view! { <Loading label="Opening the chart…"/> }>
            {move || Suspend::new(async move {
                let Some(user) = crate::portal_session::signed_in().await else {
                    return ().into_any();
                };
                match (summary.await, id.get()) {
                    (Ok(s), _) => view! { <ChartView summary=s version/> }.into_any(),
                    (Err(AppError::Forbidden), Some(patient_id)) if user.role.can(Permission::ReadCharts) => {
                        view! { <BreakGlassGate patient_id version/> }.into_any()
                    }
                    (Err(AppError::Forbidden), Some(patient_id)) => view! {
                        <section class="card narrow">
                            <h1>"Charts are for clinicians"</h1>
                            <p>"Your role works with the administrative record: demographics, insurance and the care team."</p>
                            <p><a class="btn" href=format!("/clinic/patients/{patient_id}/details")>"Open the administrative record"</a></p>
                        </section>
                    }.into_any(),
                    (Err(e), _) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Shown instead of a chart the clinician has no relationship with.
#[component]
fn BreakGlassGate(patient_id: Uuid, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(BreakGlassForm::default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            crate::patients::api::break_glass(patient_id.into(), form.get_untracked()),
            move |_| version.update(|v| *v += 1),
        );
    };
    view! {
        <section class="card narrow break-glass" data-testid="break-glass">
            <h1>"This patient is not in your care"</h1>
            <p>"You have no care relationship with this patient. In an emergency you can open the chart for "
                {BREAK_GLASS_MINUTES_TEXT}" by stating why. Your reason and every view are recorded and reviewed."</p>
            <form class="form" novalidate on:submit=on_submit>
                <FormAlert errors/>
                <TextArea label="Clinical reason" name="reason" rows=3
                    bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason")/>
                <Submit label="Break the glass and open the chart" busy_label="Opening…" busy class="btn btn--danger"/>
            </form>
        </section>
    }
}

const BREAK_GLASS_MINUTES_TEXT: &str = "60 minutes";

fn access_text(access: &AccessBasis) -> String {
    match access {
        AccessBasis::OwnRecord => "Your own record".into(),
        AccessBasis::CareRelationship(kind) => kind.label().into(),
        AccessBasis::Ward(ward) => format!("A patient on your ward ({ward})"),
        AccessBasis::BreakGlass { expires_at } => {
            format!(
                "Emergency access until {}",
                crate::components::format_time(*expires_at)
            )
        }
    }
}

/// The open chart.
#[component]
fn ChartView(summary: ChartSummary, version: RwSignal<u32>) -> impl IntoView {
    let p = summary.patient.clone();
    let patient_id = p.id;
    let d = p.demographics.clone();
    let today = chrono::Utc::now().date_naive();
    let age = d
        .date_of_birth
        .map(|b| {
            format!(
                "{}{} y",
                if d.birth_date_estimated { "~" } else { "" },
                age_on(b, today)
            )
        })
        .unwrap_or_else(|| "Age unknown".into());
    let active_allergies: Vec<AllergyView> = summary
        .allergies
        .iter()
        .filter(|a| a.status == AllergyStatus::Active)
        .cloned()
        .collect();
    let break_glass = matches!(summary.access, AccessBasis::BreakGlass { .. });
    let can_document = summary.can_document;
    let can_diagnose = summary.can_diagnose;
    let can_prescribe = summary.can_prescribe;
    let can_order = can_document && current_user().role.can(Permission::OrderTests);
    let can_admit = can_document && current_user().role.can(Permission::AdmitPatients);
    let open = RwSignal::new(None::<&'static str>);
    let bump = move || {
        open.set(None);
        version.update(|v| *v += 1);
    };
    let latest = summary.vitals.first().cloned();

    view! {
        <header class="chart-banner" class:chart-banner--emergency=break_glass data-testid="chart-banner">
            <div class="chart-banner__who">
                <h1 dir="auto">{p.display_name()}</h1>
                <p>
                    <span class="mrn">{p.mrn.clone()}</span>
                    " · "{d.sex.label()}" · "{age}
                    {d.date_of_birth.map(|b| format!(" · born {}", b.format("%-d %b %Y")))}
                </p>
                {(p.status == shared::demographics::PatientStatus::Temporary).then(|| view! {
                    <p class="badge badge--warn" dir="auto">{format!("Temporary identity: {}", p.temporary_description.clone().unwrap_or_default())}</p>
                })}
                <p class="muted">{access_text(&summary.access)}</p>
            </div>
            <div class="chart-banner__allergies" data-testid="allergy-banner">
                {if active_allergies.is_empty() {
                    view! { <p class="badge">"No known allergies recorded"</p> }.into_any()
                } else {
                    view! {
                        <p class="allergy-alert" role="note">
                            <strong>"Allergies: "</strong>
                            {active_allergies.iter().map(|a| format!("{} ({})", a.substance, a.severity.label().to_lowercase())).collect::<Vec<_>>().join(", ")}
                        </p>
                    }.into_any()
                }}
            </div>
            <div class="chart-banner__links">
                <a class="btn btn--ghost" href=format!("/clinic/patients/{patient_id}/details")>"Demographics & care team"</a>
            </div>
        </header>

        {can_document.then(|| view! {
            <nav class="chart-actions" aria-label="Document care">
                <ActionButton open name="encounter" label="New encounter"/>
                <ActionButton open name="vitals" label="Record vitals"/>
                {can_diagnose.then(|| view! { <ActionButton open name="problem" label="Add diagnosis"/> })}
                <ActionButton open name="allergy" label="Add allergy"/>
                <ActionButton open name="immunization" label="Add immunization"/>
                <ActionButton open name="history" label="Add history"/>
                {can_prescribe.then(|| view! {
                    <a class="btn" href=format!("/clinic/patients/{patient_id}/prescribe")>"Prescribe"</a>
                })}
                {can_order.then(|| view! {
                    <a class="btn" href=format!("/clinic/patients/{patient_id}/lab-order")>"Order tests"</a>
                })}
                {can_admit.then(|| view! {
                    <a class="btn" href=format!("/clinic/patients/{patient_id}/admit")>"Admit"</a>
                })}
            </nav>
        })}
        {move || match open.get() {
            Some("encounter") => view! { <EncounterFormPanel patient_id=patient_id.into() on_done=Callback::new(move |_| bump())/> }.into_any(),
            Some("vitals") => view! { <VitalsFormPanel patient_id=patient_id.into() encounter_id=None on_done=Callback::new(move |_| bump())/> }.into_any(),
            Some("problem") => view! { <ProblemFormPanel patient_id=patient_id.into() encounter_id=None on_done=Callback::new(move |_| bump())/> }.into_any(),
            Some("allergy") => view! { <AllergyFormPanel patient_id=patient_id.into() on_done=Callback::new(move |_| bump())/> }.into_any(),
            Some("immunization") => view! { <ImmunizationFormPanel patient_id=patient_id.into() on_done=Callback::new(move |_| bump())/> }.into_any(),
            Some("history") => view! { <HistoryFormPanel patient_id=patient_id.into() on_done=Callback::new(move |_| bump())/> }.into_any(),
            _ => ().into_any(),
        }}

        <div class="chart-grid">
            <section class="card" aria-labelledby="problems-title">
                <h2 id="problems-title">"Problems and diagnoses"</h2>
                <ProblemList problems=summary.problems.clone() patient_id=patient_id.into() can_diagnose version/>
            </section>
            <section class="card" aria-labelledby="allergies-title">
                <h2 id="allergies-title">"Allergies"</h2>
                <AllergyList allergies=summary.allergies.clone()/>
            </section>
            <section class="card" aria-labelledby="vitals-title">
                <h2 id="vitals-title">"Latest vitals"</h2>
                {match latest {
                    Some(v) => view! { <LatestVitals v/> }.into_any(),
                    None => view! { <p class="muted">"No vital signs recorded."</p> }.into_any(),
                }}
            </section>
            <section class="card card--wide" aria-labelledby="trends-title">
                <h2 id="trends-title">"Trends"</h2>
                <VitalsTrends vitals=summary.vitals.clone()/>
            </section>
            <section class="card" aria-labelledby="meds-title">
                <h2 id="meds-title">"Current medications"</h2>
                <MedicationList medications=summary.medications.clone()/>
            </section>
            <section class="card card--wide" aria-labelledby="prescriptions-title">
                <h2 id="prescriptions-title">"Prescriptions"</h2>
                <crate::prescriptions::pages::PrescriptionPanel patient_id=patient_id.into() can_prescribe/>
            </section>
            <section class="card card--wide" aria-labelledby="results-title" id="results">
                <h2 id="results-title">"Results"</h2>
                <crate::lab::pages::ResultsPanel patient_id=patient_id.into()/>
            </section>
            <section class="card" aria-labelledby="imm-title">
                <h2 id="imm-title">"Immunizations"</h2>
                <ImmunizationList items=summary.immunizations.clone()/>
            </section>
            <section class="card" aria-labelledby="history-title">
                <h2 id="history-title">"History"</h2>
                <HistoryList items=summary.history.clone()/>
            </section>
        </div>

        <section class="timeline-section" aria-labelledby="timeline-title">
            <h2 id="timeline-title">{format!("Encounters ({})", summary.encounter_count)}</h2>
            <Timeline patient_id=patient_id.into() can_document can_diagnose version/>
        </section>
    }
}

#[component]
fn ActionButton(
    open: RwSignal<Option<&'static str>>,
    name: &'static str,
    label: &'static str,
) -> impl IntoView {
    view! {
        <button type="button" class="btn" class:btn--primary=move || open.get() == Some(name)
            aria-expanded=move || if open.get() == Some(name) { "true" } else { "false" }
            on:click=move |_| open.update(|o| *o = if *o == Some(name) { None } else { Some(name) })>
            {label}
        </button>
    }
}

#[component]
fn LatestVitals(v: VitalsView) -> impl IntoView {
    let x = v.vitals.clone();
    let row = |label: &'static str, value: Option<String>| {
        value.map(|value| view! { <dt>{label}</dt><dd dir="auto">{value}</dd> })
    };
    view! {
        <dl class="facts" data-testid="latest-vitals">
            {row("Blood pressure", x.systolic.zip(x.diastolic).map(|(s, d)| format!("{s}/{d} mmHg")))}
            {row("Heart rate", x.heart_rate.map(|n| format!("{n} /min")))}
            {row("Respiratory rate", x.respiratory_rate.map(|n| format!("{n} /min")))}
            {row("Temperature", x.temperature_c.map(|n| format!("{n:.1} °C")))}
            {row("SpO2", x.spo2.map(|n| format!("{n} %")))}
            {row("Weight", x.weight_kg.map(|n| format!("{n:.1} kg")))}
            {row("Height", x.height_cm.map(|n| format!("{n:.0} cm")))}
            {row("BMI", v.bmi.map(|n| format!("{n:.1}")))}
        </dl>
        <p class="muted" dir="auto">{format!("{} by {}", format_time(v.recorded_at), v.recorded_by)}</p>
    }
}

#[component]
pub fn AllergyList(allergies: Vec<AllergyView>) -> impl IntoView {
    if allergies.is_empty() {
        return view! { <p class="muted">"No allergies recorded."</p> }.into_any();
    }
    view! {
        <ul class="list" data-testid="allergies">
            {allergies.into_iter().map(|a| view! {
                <li class:list__item--inactive=a.status != AllergyStatus::Active>
                    <strong dir="auto">{a.substance}</strong>
                    {a.reaction.map(|r| format!(" – {r}"))}
                    " "<span class=if a.severity == AllergySeverity::Severe { "badge badge--danger" } else { "badge" }>{a.severity.label()}</span>
                    {(a.status != AllergyStatus::Active).then(|| view! { " "<span class="badge">{a.status.label()}</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn ProblemList(
    problems: Vec<ProblemView>,
    patient_id: Uuid,
    can_diagnose: bool,
    version: RwSignal<u32>,
) -> impl IntoView {
    if problems.is_empty() {
        return view! { <p class="muted">"No problems recorded."</p> }.into_any();
    }
    view! {
        <ul class="list" data-testid="problems">
            {problems.into_iter().map(|p| {
                let resolved = p.status == ProblemStatus::Resolved;
                let problem_id = p.id;
                let toggle = move |_| {
                    let status = if resolved { ProblemStatus::Active } else { ProblemStatus::Resolved };
                    leptos::task::spawn_local(async move {
                        if set_problem_status(patient_id.into(), problem_id, status).await.is_ok() {
                            version.update(|v| *v += 1);
                        }
                    });
                };
                view! {
                    <li class:list__item--inactive=resolved>
                        <code>{p.icd10_code}</code>" "{p.description}
                        {p.onset_date.map(|d| view! { <span class="muted">{format!(" · since {}", d.format("%b %Y"))}</span> })}
                        {resolved.then(|| view! { " "<span class="badge">"Resolved"</span> })}
                        {can_diagnose.then(|| view! {
                            " "<button type="button" class="btn btn--small btn--ghost" on:click=toggle>
                                {if resolved { "Reactivate" } else { "Resolve" }}
                            </button>
                        })}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
    .into_any()
}

/// " · a · b" for the parts present, or nothing (never an empty text node,
/// which would break hydration).
fn details_text<const N: usize>(parts: [Option<String>; N]) -> Option<String> {
    let text: String = parts
        .into_iter()
        .flatten()
        .map(|s| format!(" · {s}"))
        .collect();
    (!text.is_empty()).then_some(text)
}

#[component]
pub fn MedicationList(medications: Vec<MedicationView>) -> impl IntoView {
    if medications.is_empty() {
        return view! { <p class="muted">"No medications recorded."</p> }.into_any();
    }
    view! {
        <ul class="list">
            {medications.into_iter().map(|m| view! {
                <li class:list__item--inactive=m.status != MedicationStatus::Active>
                    <strong dir="auto">{m.name}</strong>
                    {details_text([m.dose, m.route, m.frequency])}
                    {(m.status != MedicationStatus::Active).then(|| view! { " "<span class="badge">"Stopped"</span> })}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
pub fn ImmunizationList(items: Vec<ImmunizationView>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">"No immunizations recorded."</p> }.into_any();
    }
    view! {
        <ul class="list" data-testid="immunizations">
            {items.into_iter().map(|i| view! {
                <li>
                    <strong dir="auto">{i.vaccine}</strong>" "<span class="muted">{i.administered_on.format("%-d %b %Y").to_string()}</span>
                    {details_text([i.dose, i.lot_number.map(|l| format!("lot {l}")), i.site])}
                </li>
            }).collect_view()}
        </ul>
    }
    .into_any()
}

#[component]
fn HistoryList(items: Vec<HistoryView>) -> impl IntoView {
    if items.is_empty() {
        return view! { <p class="muted">"No history recorded."</p> }.into_any();
    }
    HistoryKind::ALL
        .iter()
        .map(|kind| {
            let entries: Vec<HistoryView> = items.iter().filter(|h| h.kind == *kind).cloned().collect();
            (!entries.is_empty()).then(|| view! {
                <h3 class="subhead">{kind.label()}</h3>
                <ul class="list">
                    {entries.into_iter().map(|h| view! {
                        <li dir="auto">{h.description}{h.period.map(|p| view! { <span class="muted">{format!(" ({p})")}</span> })}</li>
                    }).collect_view()}
                </ul>
            })
        })
        .collect_view()
        .into_any()
}

// -------------------------------------------------------------------- forms

/// A form in a panel: its fields, the form-level error, and a submit button
/// that sends `request` and calls `on_done` when it succeeds.
#[component]
fn PanelForm<F, Fut, T>(
    title: &'static str,
    submit: &'static str,
    errors: FormErrors,
    request: F,
    on_done: Callback<()>,
    children: Children,
) -> impl IntoView
where
    F: Fn() -> Fut + Copy + 'static,
    Fut: std::future::Future<Output = Result<T, AppError>> + 'static,
    T: 'static,
{
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit_with(busy, errors, request(), move |_| on_done.run(()));
    };
    view! {
        <section class="card panel" aria-label=title>
            <h2>{title}</h2>
            <form class="form" novalidate on:submit=on_submit>
                <FormAlert errors/>
                {children()}
                <Submit label=submit busy_label="Saving…" busy/>
            </form>
        </section>
    }
}

#[component]
fn EncounterFormPanel(patient_id: Uuid, on_done: Callback<()>) -> impl IntoView {
    let form = RwSignal::new(EncounterForm {
        kind: EncounterKind::Outpatient.as_str().into(),
        ..Default::default()
    });
    let errors = FormErrors::new();
    view! {
        <PanelForm title="New encounter" submit="Open encounter" errors on_done
            request=move || { open_encounter(patient_id.into(), form.get_untracked()) }>
            <div class="form-grid">
                <Select label="Kind" name="kind" options=EncounterKind::options() required=true
                    bind=lens(form, |f| f.kind.clone(), |f, v| f.kind = v) error=errors.field("kind")/>
                <Input label="Reason for the visit" name="reason" required=true
                    bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason")/>
                <Input label="Location" name="location"
                    bind=lens(form, |f| f.location.clone(), |f, v| f.location = v) error=errors.field("location")/>
                <Input label="Started (hospital time)" name="started_at" kind="datetime-local" hint="Leave empty for now."
                    bind=lens(form, |f| f.started_at.clone(), |f, v| f.started_at = v) error=errors.field("started_at")/>
            </div>
        </PanelForm>
    }
}

#[component]
fn VitalsFormPanel(
    patient_id: Uuid,
    encounter_id: Option<Uuid>,
    on_done: Callback<()>,
) -> impl IntoView {
    let form = RwSignal::new(VitalsForm {
        encounter_id: encounter_id.map(Into::into),
        ..Default::default()
    });
    let errors = FormErrors::new();
    macro_rules! measure {
        ($label:literal, $field:ident, $hint:literal) => {
            view! {
                <Input label=$label name=stringify!($field) kind="text" inputmode="decimal" hint=$hint
                    bind=lens(form, |f| f.$field.clone(), |f, v| f.$field = v) error=errors.field(stringify!($field))/>
            }
        };
    }
    view! {
        <PanelForm title="Record vital signs" submit="Save vitals" errors on_done
            request=move || { add_vitals(patient_id.into(), form.get_untracked()) }>
            <div class="form-grid form-grid--compact">
                {measure!("Systolic BP (mmHg)", systolic, "50–300")}
                {measure!("Diastolic BP (mmHg)", diastolic, "20–200")}
                {measure!("Heart rate (/min)", heart_rate, "20–300")}
                {measure!("Respiratory rate (/min)", respiratory_rate, "4–80")}
                {measure!("Temperature (°C)", temperature_c, "25–45")}
                {measure!("SpO2 (%)", spo2, "50–100")}
                {measure!("Weight (kg)", weight_kg, "0.3–500")}
                {measure!("Height (cm)", height_cm, "20–250")}
            </div>
            <p class="muted">{move || {
                let f = form.get();
                let w = f.weight_kg.replace(',', ".").parse::<f64>().ok();
                let h = f.height_cm.replace(',', ".").parse::<f64>().ok();
                w.zip(h).and_then(|(w, h)| bmi(w, h)).map(|b| format!("BMI {b:.1}")).unwrap_or_default()
            }}</p>
        </PanelForm>
    }
}

/// ICD-10-CM search as the clinician types; picking a code hands it to
/// `on_pick` (which fills the form).
#[component]
pub(crate) fn Icd10Picker(
    on_pick: Callback<String>,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let hits = RwSignal::new(Vec::<Icd10Code>::new());
    let chosen = RwSignal::new(None::<Icd10Code>);
    let failed = RwSignal::new(None::<AppError>);
    let latest = LatestOnly::new();
    let on_input = move |ev: leptos::ev::Event| {
        let value = event_target_value(&ev);
        text.set(value.clone());
        let ticket = latest.take();
        if value.trim().chars().count() < 2 {
            hits.set(Vec::new());
            failed.set(None);
            return;
        }
        latest.debounce(ticket, 200, move || {
            leptos::task::spawn_local(async move {
                let result = crate::records::api::search_icd10(value).await;
                if latest.is_current(ticket) {
                    match result {
                        Ok(found) => {
                            failed.set(None);
                            hits.set(found);
                        }
                        Err(e) => {
                            hits.set(Vec::new());
                            failed.set(Some(e));
                        }
                    }
                }
            });
        });
    };
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for="field-icd10">"Diagnosis (ICD-10-CM) *"</label>
            <input id="field-icd10" type="search" autocomplete="off" placeholder="Code or words, e.g. E11.9 or diabetes"
                aria-describedby="field-icd10-error" prop:value=move || text.get() on:input=on_input/>
            <p class="field__error" id="field-icd10-error" aria-live="polite">{move || error.get()}</p>
            {move || failed.get().map(|e| view! { <ErrorBox error=e/> })}
            {move || chosen.get().map(|c| view! {
                <p class="chosen" data-testid="icd10-chosen" dir="auto"><code>{c.code.clone()}</code>" "{c.description.clone()}</p>
            })}
            // An empty list box is no list box (axe: a listbox owns options).
            {move || (!hits.with(Vec::is_empty)).then(|| view! {
            <ul class="picker" role="listbox" aria-label="Matching codes">
                {hits.get().into_iter().map(|c| {
                    let pick = c.clone();
                    view! {
                        <li>
                            <button type="button" class="picker__option" role="option" aria-selected="false"
                                on:click=move |_| {
                                    on_pick.run(pick.code.clone());
                                    text.set(format!("{} {}", pick.code, pick.description));
                                    chosen.set(Some(pick.clone()));
                                    hits.set(Vec::new());
                                }>
                                <code>{c.code.clone()}</code>" "{c.description.clone()}
                                {(!c.billable).then(|| view! { " "<span class="badge">"category"</span> })}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            })}
        </div>
    }
}

#[component]
fn ProblemFormPanel(
    patient_id: Uuid,
    encounter_id: Option<Uuid>,
    on_done: Callback<()>,
) -> impl IntoView {
    let form = RwSignal::new(ProblemForm {
        status: ProblemStatus::Active.as_str().into(),
        encounter_id: encounter_id.map(Into::into),
        ..Default::default()
    });
    let errors = FormErrors::new();
    view! {
        <PanelForm title="Add a diagnosis" submit="Save diagnosis" errors on_done
            request=move || { add_problem(patient_id.into(), form.get_untracked()) }>
            <Icd10Picker on_pick=Callback::new(move |code| form.update(|f: &mut ProblemForm| f.icd10_code = code)) error=errors.field("icd10_code")/>
            <div class="form-grid">
                <Select label="Status" name="status" options=ProblemStatus::options() required=true
                    bind=lens(form, |f| f.status.clone(), |f, v| f.status = v) error=errors.field("status")/>
                <Input label="Onset date" name="onset_date" kind="date"
                    bind=lens(form, |f| f.onset_date.clone(), |f, v| f.onset_date = v) error=errors.field("onset_date")/>
            </div>
            <TextArea label="Note" name="note" rows=2
                bind=lens(form, |f| f.note.clone(), |f, v| f.note = v) error=errors.field("note")/>
        </PanelForm>
    }
}

#[component]
fn AllergyFormPanel(patient_id: Uuid, on_done: Callback<()>) -> impl IntoView {
    let form = RwSignal::new(AllergyForm {
        status: AllergyStatus::Active.as_str().into(),
        ..Default::default()
    });
    let errors = FormErrors::new();
    view! {
        <PanelForm title="Add an allergy" submit="Save allergy" errors on_done
            request=move || { add_allergy(patient_id.into(), form.get_untracked()) }>
            <div class="form-grid">
                <Input label="Substance" name="substance" required=true
                    bind=lens(form, |f| f.substance.clone(), |f, v| f.substance = v) error=errors.field("substance")/>
                <Input label="Reaction" name="reaction"
                    bind=lens(form, |f| f.reaction.clone(), |f, v| f.reaction = v) error=errors.field("reaction")/>
                <Select label="Severity" name="severity" options=AllergySeverity::options() required=true
                    bind=lens(form, |f| f.severity.clone(), |f, v| f.severity = v) error=errors.field("severity")/>
                <Select label="Status" name="status" options=AllergyStatus::options() required=true
                    bind=lens(form, |f| f.status.clone(), |f, v| f.status = v) error=errors.field("status")/>
            </div>
        </PanelForm>
    }
}

#[component]
fn ImmunizationFormPanel(patient_id: Uuid, on_done: Callback<()>) -> impl IntoView {
    let form = RwSignal::new(ImmunizationForm::default());
    let errors = FormErrors::new();
    view! {
        <PanelForm title="Add an immunization" submit="Save immunization" errors on_done
            request=move || { add_immunization(patient_id.into(), form.get_untracked()) }>
            <div class="form-grid">
                <Input label="Vaccine" name="vaccine" required=true
                    bind=lens(form, |f| f.vaccine.clone(), |f, v| f.vaccine = v) error=errors.field("vaccine")/>
                <Input label="Date given" name="administered_on" kind="date" required=true
                    bind=lens(form, |f| f.administered_on.clone(), |f, v| f.administered_on = v) error=errors.field("administered_on")/>
                <Input label="Dose" name="dose" hint="e.g. 2 of 3, 0.5 mL"
                    bind=lens(form, |f| f.dose.clone(), |f, v| f.dose = v) error=errors.field("dose")/>
                <Input label="Lot number" name="lot_number"
                    bind=lens(form, |f| f.lot_number.clone(), |f, v| f.lot_number = v) error=errors.field("lot_number")/>
                <Input label="Site" name="site" hint="e.g. left deltoid"
                    bind=lens(form, |f| f.site.clone(), |f, v| f.site = v) error=errors.field("site")/>
            </div>
        </PanelForm>
    }
}

#[component]
fn HistoryFormPanel(patient_id: Uuid, on_done: Callback<()>) -> impl IntoView {
    let form = RwSignal::new(HistoryForm::default());
    let errors = FormErrors::new();
    view! {
        <PanelForm title="Add history" submit="Save history" errors on_done
            request=move || { add_history(patient_id.into(), form.get_untracked()) }>
            <div class="form-grid">
                <Select label="Kind" name="kind" options=HistoryKind::options() required=true
                    bind=lens(form, |f| f.kind.clone(), |f, v| f.kind = v) error=errors.field("kind")/>
                <Input label="When" name="period" hint="e.g. 2015, childhood"
                    bind=lens(form, |f| f.period.clone(), |f, v| f.period = v) error=errors.field("period")/>
            </div>
            <TextArea label="Description" name="description" rows=2
                bind=lens(form, |f| f.description.clone(), |f, v| f.description = v) error=errors.field("description")/>
        </PanelForm>
    }
}

// ----------------------------------------------------------------- timeline

/// Encounters, newest first, a page at a time.
#[component]
fn Timeline(
    patient_id: Uuid,
    can_document: bool,
    can_diagnose: bool,
    version: RwSignal<u32>,
) -> impl IntoView {
    let pages = RwSignal::new(Vec::<EncounterView>::new());
    let next = RwSignal::new(None::<TimelineCursor>);
    let loading = RwSignal::new(true);
    let error = RwSignal::new(None::<AppError>);
    let load = move |cursor: Option<TimelineCursor>| {
        loading.set(true);
        leptos::task::spawn_local(async move {
            let result = chart_timeline(patient_id.into(), cursor.clone()).await;
            loading.set(false);
            match result {
                Ok(page) => {
                    error.set(None);
                    if cursor.is_some() {
                        pages.update(|p| p.extend(page.encounters));
                    } else {
                        pages.set(page.encounters);
                    }
                    next.set(page.next);
                }
                Err(e) => error.set(Some(e)),
            }
        });
    };
    // Reload from the top whenever the chart changes.
    Effect::new(move |_| {
        version.track();
        load(None);
    });
    view! {
        {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
        {move || (pages.with(Vec::is_empty) && !loading.get()).then(|| view! {
            <p class="empty">"No encounters yet."</p>
        })}
        <ol class="timeline" data-testid="timeline">
            <For each=move || pages.get() key=|e| (e.id, e.notes.len(), e.notes.iter().map(|n| n.amendments.len()).sum::<usize>(), e.status) let:e>
                <EncounterCard e patient_id can_document can_diagnose version/>
            </For>
        </ol>
        {move || loading.get().then(|| view! { <Loading label="Loading encounters…"/> })}
        {move || next.get().map(|cursor| view! {
            <button type="button" class="btn" on:click=move |_| load(Some(cursor.clone()))>"Older encounters"</button>
        })}
    }
}

#[component]
fn EncounterCard(
    e: EncounterView,
    patient_id: Uuid,
    can_document: bool,
    can_diagnose: bool,
    version: RwSignal<u32>,
) -> impl IntoView {
    let me = current_user().id;
    let encounter_id = e.id;
    let in_progress = e.status == EncounterStatus::InProgress;
    let writing = RwSignal::new(false);
    let panel = RwSignal::new(None::<&'static str>);
    let has_draft = e
        .notes
        .iter()
        .any(|n| n.status == NoteStatus::Draft && n.author_id == me);
    let done = Callback::new(move |_| {
        writing.set(false);
        panel.set(None);
        version.update(|v| *v += 1);
    });
    let finish = move |_| {
        leptos::task::spawn_local(async move {
            if finish_encounter(patient_id.into(), encounter_id)
                .await
                .is_ok()
            {
                version.update(|v| *v += 1);
            }
        });
    };
    view! {
        <li class="encounter card" data-testid="encounter">
            <header class="encounter__head">
                <h3>{format!("{} · {}", crate::components::format_time(e.started_at), e.kind.label())}</h3>
                <span class=if in_progress { "badge badge--warn" } else { "badge" }>{e.status.label()}</span>
            </header>
            <p dir="auto"><strong>{e.reason.clone()}</strong></p>
            <p class="muted" dir="auto">{format!("With {}", e.clinician_name)}{e.location.clone().map(|l| format!(" · {l}"))}</p>
            {(!e.problems.is_empty()).then(|| view! {
                <p>"Diagnoses: "{e.problems.iter().map(|p| format!("{} {}", p.icd10_code, p.description)).collect::<Vec<_>>().join("; ")}</p>
            })}
            {(!e.vitals.is_empty()).then(|| view! {
                <p class="muted">{format!("{} vital-sign set(s) recorded", e.vitals.len())}</p>
            })}
            {e.notes.into_iter().map(|n| view! { <NoteCard n patient_id can_document version/> }).collect_view()}
            {(can_document && in_progress).then(|| view! {
                <div class="encounter__actions">
                    {(!has_draft).then(|| view! {
                        <button type="button" class="btn" on:click=move |_| writing.update(|w| *w = !*w)>"Write note"</button>
                    })}
                    <button type="button" class="btn" on:click=move |_| panel.update(|p| *p = if p.is_some() { None } else { Some("vitals") })>"Vitals for this visit"</button>
                    {can_diagnose.then(|| view! {
                        <button type="button" class="btn" on:click=move |_| panel.update(|p| *p = if p.is_some() { None } else { Some("problem") })>"Diagnosis for this visit"</button>
                    })}
                    {current_user().role.can(Permission::Prescribe).then(|| view! {
                        <a class="btn" href=format!("/clinic/patients/{patient_id}/prescribe?encounter={encounter_id}")>"Prescribe for this visit"</a>
                    })}
                    {current_user().role.can(Permission::OrderTests).then(|| view! {
                        <a class="btn" href=format!("/clinic/patients/{patient_id}/lab-order?encounter={encounter_id}")>"Order tests for this visit"</a>
                    })}
                    <button type="button" class="btn btn--ghost" on:click=finish>"Finish encounter"</button>
                </div>
            })}
            {move || writing.get().then(|| view! {
                <NoteEditor patient_id encounter_id=encounter_id.into() note_id=None initial=Soap::default() on_done=done/>
            })}
            {move || match panel.get() {
                Some("vitals") => view! { <VitalsFormPanel patient_id encounter_id=Some(encounter_id.into()) on_done=done/> }.into_any(),
                Some("problem") => view! { <ProblemFormPanel patient_id encounter_id=Some(encounter_id.into()) on_done=done/> }.into_any(),
                _ => ().into_any(),
            }}
        </li>
    }
}

fn soap_sections(s: &Soap) -> impl IntoView {
    [
        ("S", "Subjective", s.subjective.clone()),
        ("O", "Objective", s.objective.clone()),
        ("A", "Assessment", s.assessment.clone()),
        ("P", "Plan", s.plan.clone()),
    ]
    .into_iter()
    .filter(|(_, _, t)| !t.trim().is_empty())
    .map(|(letter, label, t)| {
        view! {
            <div class="soap__part"><abbr title=label>{letter}</abbr><p dir="auto">{t}</p></div>
        }
    })
    .collect_view()
}

#[component]
fn NoteCard(
    n: NoteView,
    patient_id: Uuid,
    can_document: bool,
    version: RwSignal<u32>,
) -> impl IntoView {
    let me = current_user().id;
    let note_id = n.id;
    let draft = n.status == NoteStatus::Draft;
    let mine = n.author_id == me;
    let editing = RwSignal::new(false);
    let amending = RwSignal::new(false);
    let sign_error = RwSignal::new(None::<AppError>);
    let done = Callback::new(move |_| {
        editing.set(false);
        amending.set(false);
        version.update(|v| *v += 1);
    });
    let sign = move |_| {
        leptos::task::spawn_local(async move {
            match sign_note(patient_id.into(), note_id).await {
                Ok(()) => version.update(|v| *v += 1),
                Err(e) => sign_error.set(Some(e)),
            }
        });
    };
    let current = n.current.clone();
    let current_for_edit = n.current.clone();
    let amendments = n.amendments.clone();
    let original = n.original.clone();
    view! {
        <article class="note" class:note--draft=draft data-testid="note">
            <header class="note__head">
                <span class=if draft { "badge badge--warn" } else { "badge badge--ok" }>{n.status.label()}</span>
                <span class="muted">
                    {format!(" {} · ", n.author_name)}
                    {n.signed_at.map(|t| format!("signed {}", format_time(t))).unwrap_or_else(|| format!("started {}", format_time(n.created_at)))}
                    {(!amendments.is_empty()).then(|| format!(" · amended {} time(s)", amendments.len()))}
                </span>
            </header>
            <div class="soap" data-testid="note-text">{soap_sections(&current)}</div>
            {(!amendments.is_empty()).then(|| view! {
                <details class="note__history">
                    <summary>"History of this note"</summary>
                    <ol>
                        <li><p class="muted">{format!("Original, signed {}", n.signed_at.map(format_time).unwrap_or_default())}</p><div class="soap">{soap_sections(&original)}</div></li>
                        {amendments.iter().map(|a| view! {
                            <li data-testid="amendment">
                                <p class="muted">{format!("Amended by {} on {}: ", a.author_name, format_time(a.at))}<strong dir="auto">{a.reason.clone()}</strong></p>
                                <div class="soap">{soap_sections(&a.soap)}</div>
                            </li>
                        }).collect_view()}
                    </ol>
                </details>
            })}
            {move || sign_error.get().map(|e| view! { <ErrorBox error=e/> })}
            {(can_document && draft && mine).then(|| view! {
                <div class="note__actions">
                    <button type="button" class="btn" on:click=move |_| editing.update(|e| *e = !*e)>"Edit draft"</button>
                    <button type="button" class="btn btn--primary" on:click=sign>"Sign note"</button>
                </div>
            })}
            {(can_document && !draft).then(|| view! {
                <div class="note__actions">
                    <button type="button" class="btn btn--ghost" on:click=move |_| amending.update(|a| *a = !*a)>"Amend"</button>
                </div>
            })}
            {move || editing.get().then(|| {
                let encounter_id = n.encounter_id;
                view! { <NoteEditor patient_id encounter_id=encounter_id.into() note_id=Some(note_id.into()) initial=current_for_edit.clone() on_done=done/> }
            })}
            {move || amending.get().then(|| view! { <AmendEditor patient_id note_id=note_id.into() initial=current.clone() on_done=done/> })}
        </article>
    }
}

#[component]
fn SoapFields(form: RwSignal<Soap>, errors: FormErrors) -> impl IntoView {
    view! {
        <TextArea label="Subjective" name="subjective" bind=lens(form, |f| f.subjective.clone(), |f, v| f.subjective = v) error=errors.field("subjective")/>
        <TextArea label="Objective" name="objective" bind=lens(form, |f| f.objective.clone(), |f, v| f.objective = v) error=errors.field("objective")/>
        <TextArea label="Assessment" name="assessment" bind=lens(form, |f| f.assessment.clone(), |f, v| f.assessment = v) error=errors.field("assessment")/>
        <TextArea label="Plan" name="plan" bind=lens(form, |f| f.plan.clone(), |f, v| f.plan = v) error=errors.field("plan")/>
    }
}

#[component]
fn NoteEditor(
    patient_id: Uuid,
    encounter_id: Uuid,
    note_id: Option<Uuid>,
    initial: Soap,
    on_done: Callback<()>,
) -> impl IntoView {
    let form = RwSignal::new(initial);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            save_note(
                patient_id.into(),
                encounter_id.into(),
                note_id.map(Into::into),
                form.get_untracked(),
            ),
            move |_| on_done.run(()),
        );
    };
    view! {
        <form class="form note-editor" novalidate on:submit=on_submit data-testid="note-editor">
            <FormAlert errors/>
            <SoapFields form errors/>
            <p class="muted">"A draft is visible only to you until you sign it."</p>
            <Submit label="Save draft" busy_label="Saving…" busy/>
        </form>
    }
}

#[component]
fn AmendEditor(
    patient_id: Uuid,
    note_id: Uuid,
    initial: Soap,
    on_done: Callback<()>,
) -> impl IntoView {
    let form = RwSignal::new(AmendmentForm {
        reason: String::new(),
        soap: initial,
    });
    let soap = RwSignal::new(form.get_untracked().soap);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut f = form.get_untracked();
        f.soap = soap.get_untracked();
        submit_with(
            busy,
            errors,
            amend_note(patient_id.into(), note_id.into(), f),
            move |_| on_done.run(()),
        );
    };
    view! {
        <form class="form note-editor" novalidate on:submit=on_submit data-testid="amend-editor">
            <FormAlert errors/>
            <p class="muted">"The signed note stays as it was; this correction is added with your name, the time and your reason."</p>
            <Input label="Reason for the amendment" name="reason" required=true
                bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason")/>
            <SoapFields form=soap errors/>
            <Submit label="Save amendment" busy_label="Saving…" busy/>
        </form>
    }
}

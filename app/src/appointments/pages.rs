//! Booking screens: the slot picker, the booking steps (patients on a phone,
//! the front desk for any patient), the patient's appointments with
//! reschedule, cancel and calendar file, and the doctor's day list.
//!
//! Pickers and lists that change with the user's choices load through
//! `LocalResource`s: they are created inside the portal's gate (a suspense),
//! where a server-side resource would load twice.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::appointments::{AppointmentStatus, AppointmentView, BookingOutcome, SlotChoice};
use shared::ids::{DepartmentId, PatientId, UserId};
use shared::AppError;
use uuid::Uuid;

use super::api::{book, cancel, day_list, doctors, my_appointments, reschedule, set_status};
use super::calendar::choices;
use super::schedule::departments;
use crate::components::{
    no_error, ClientOnly, EmptyState, ErrorBox, FormAlert, FormErrors, Loading, SelectField,
};

/// Today, by the device's clock (the server drops slots already past).
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// An id from a `<select>` value (`""`: none).
pub fn id_of<Id: From<Uuid>>(value: &str) -> Option<Id> {
    value.parse::<Uuid>().ok().map(Id::from)
}

/// Runs a change, then reloads the list (or shows why not).
pub fn then_reload(
    call: impl std::future::Future<Output = Result<(), AppError>> + 'static,
    error: RwSignal<Option<AppError>>,
    version: RwSignal<u32>,
) {
    leptos::task::spawn_local(async move {
        match call.await {
            Ok(()) => {
                error.set(None);
                version.update(|v| *v += 1);
            }
            Err(e) => error.set(Some(e)),
        }
    });
}

/// Someone else took the chosen time: say so, drop the choice, load fresh times.
fn slot_lost(
    message: String,
    taken: RwSignal<Option<String>>,
    selected: RwSignal<Option<SlotChoice>>,
    refresh: RwSignal<u32>,
) {
    taken.set(Some(message));
    selected.set(None);
    refresh.update(|n| *n += 1);
}

/// Free times, two weeks at a time, by day: tap a day, then a time. Without
/// a doctor it offers the first available doctor at each time.
#[component]
pub fn SlotPicker(
    #[prop(into)] department: Signal<Option<DepartmentId>>,
    #[prop(into)] doctor: Signal<Option<UserId>>,
    selected: RwSignal<Option<SlotChoice>>,
    /// Bump to load fresh times (after a slot was taken).
    #[prop(into)]
    refresh: Signal<u32>,
) -> impl IntoView {
    let from = RwSignal::new(today());
    let day = RwSignal::new(None::<NaiveDate>);
    let days = LocalResource::new(move || {
        let (dep, doc, f) = (department.get(), doctor.get(), from.get());
        refresh.track();
        async move { choices(dep, doc, f, shared::appointments::MAX_CHOICE_DAYS).await }
    });
    let span = i64::from(shared::appointments::MAX_CHOICE_DAYS);
    view! {
        <div class="slot-picker" data-testid="slot-picker">
            <div class="slot-picker__nav">
                <button type="button" class="btn btn--small" disabled=move || { from.get() <= today() }
                    on:click=move |_| { from.update(|f| *f -= chrono::Duration::days(span)); day.set(None); }>
                    "Earlier"
                </button>
                <span class="muted">{move || format!("{} – {}", from.get().format("%-d %b"), (from.get() + chrono::Duration::days(span - 1)).format("%-d %b"))}</span>
                <button type="button" class="btn btn--small"
                    on:click=move |_| { from.update(|f| *f += chrono::Duration::days(span)); day.set(None); }>
                    "Later"
                </button>
            </div>
            <Transition fallback=|| view! { <Loading label="Finding free times…"/> }>
                {move || Suspend::new(async move {
                    match days.await {
                        Ok(list) if list.is_empty() => view! {
                            <EmptyState title="No free times in these two weeks">
                                <p>"Try later dates, another doctor or “first available”."</p>
                            </EmptyState>
                        }.into_any(),
                        Ok(list) => {
                            let current = day.get().filter(|d| list.iter().any(|x| x.date == *d)).unwrap_or(list[0].date);
                            let tabs = list.iter().map(|d| {
                                let date = d.date;
                                let count = d.slots.len();
                                view! {
                                    <button type="button" role="tab" class="day-tab" aria-selected={ if date == current { "true" } else { "false" } }
                                        on:click=move |_| day.set(Some(date))>
                                        <span>{d.label.clone()}</span>
                                        <small>{format!("{count} free")}</small>
                                    </button>
                                }
                            }).collect_view();
                            let slots = list.into_iter().find(|d| d.date == current).map(|d| d.slots).unwrap_or_default();
                            let buttons = slots.into_iter().map(|s| {
                                let start = s.start;
                                let choice = s.clone();
                                // The visible time and doctor are the button's name.
                                view! {
                                    <button type="button" class="slot"
                                        aria-pressed=move || { if selected.get().is_some_and(|c| c.start == start && c.doctor_id == choice.doctor_id) { "true" } else { "false" } }
                                        on:click={ let s = s.clone(); move |_| selected.set(Some(s.clone())) }>
                                        <strong>{s.time.clone()}</strong>" "
                                        <small dir="auto">{s.doctor_name.clone()}</small>
                                    </button>
                                }
                            }).collect_view();
                            view! {
                                <div class="day-tabs" role="tablist" aria-label="Days with free times">{tabs}</div>
                                <div class="slots" role="group" aria-label="Free times">{buttons}</div>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
}

/// Booking in steps: department, doctor (or first available), day and time,
/// reason, confirm. `patient_id` is `None` for patients booking for themselves.
#[component]
pub fn BookingSteps(patient_id: Option<Uuid>, list_href: &'static str) -> impl IntoView {
    let department = RwSignal::new(String::new());
    let doctor = RwSignal::new(String::new());
    let selected = RwSignal::new(None::<SlotChoice>);
    let reason = RwSignal::new(String::new());
    let refresh = RwSignal::new(0u32);
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let taken = RwSignal::new(None::<String>);
    let done = RwSignal::new(None::<(Uuid, SlotChoice)>);

    let depts = LocalResource::new(departments);
    let department_name = move || {
        let id = id_of::<DepartmentId>(&department.get())?;
        depts
            .get()
            .and_then(|r| r.ok())
            .and_then(|list| list.into_iter().find(|d| d.id == id).map(|d| d.name))
    };
    let doctor_list = LocalResource::new(move || {
        let name = department_name();
        async move { doctors(name).await }
    });

    // A new department drops a doctor from another one; any change drops the chosen time.
    Effect::new(move |prev: Option<(String, String)>| {
        let now = (department.get(), doctor.get());
        if let Some(prev) = prev {
            if prev.0 != now.0 && !now.1.is_empty() {
                doctor.set(String::new());
            }
            if prev != now {
                selected.set(None);
            }
        }
        now
    });

    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(slot) = selected.get_untracked() else {
            errors.set(Some(AppError::field(
                "slot",
                "Choose a day and a time first.",
            )));
            return;
        };
        taken.set(None);
        let call = book(
            slot.doctor_id,
            slot.start,
            patient_id.map(Into::into),
            reason.get_untracked(),
        );
        crate::components::submit_with(busy, errors, call, move |outcome| match outcome {
            BookingOutcome::Booked { id, .. } => done.set(Some((id.into(), slot))),
            BookingOutcome::SlotTaken { message, .. } => {
                slot_lost(message, taken, selected, refresh)
            }
        });
    };

    view! {
        <Show when=move || done.get().is_none()>
            <form class="card booking" on:submit=confirm novalidate>
                <h2>"1. Where"</h2>
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        let options = match depts.await {
                            Ok(list) => list.into_iter().map(|d| (d.id.to_string(), d.name)).collect::<Vec<_>>(),
                            Err(e) => return view! { <ErrorBox error=e/> }.into_any(),
                        };
                        view! {
                            <SelectField label="Department" name="department" value=department error=errors.field("department") options=options placeholder="Any department"/>
                        }.into_any()
                    })}
                </Transition>
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        let options = match doctor_list.await {
                            Ok(list) => list.into_iter().map(|d| {
                                let about = [d.specialty, d.languages.map(|l| format!("speaks {l}"))].into_iter().flatten().collect::<Vec<_>>().join(", ");
                                (d.id.to_string(), if about.is_empty() { d.name } else { format!("{} ({about})", d.name) })
                            }).collect::<Vec<_>>(),
                            Err(e) => return view! { <ErrorBox error=e/> }.into_any(),
                        };
                        view! {
                            <SelectField label="Doctor" name="doctor" value=doctor error=errors.field("doctor_id") options=options placeholder="First available"/>
                        }.into_any()
                    })}
                </Transition>
                <Transition fallback=|| ()>
                    {move || Suspend::new(async move {
                        doctor_list.await.ok().map(|list| view! {
                            <ul class="doctor-cards" aria-label="Our doctors">
                                {list.into_iter().map(|d| {
                                    let id = d.id.to_string();
                                    let chosen = id.clone();
                                    view! {
                                        <li class="doctor-card" class:doctor-card--chosen=move || doctor.get() == chosen>
                                            <span class="avatar" aria-hidden="true">{d.initials}</span>
                                            <span class="doctor-card__text">
                                                <strong dir="auto">{d.name.clone()}</strong>
                                                <small>{[d.specialty, d.department].into_iter().flatten().collect::<Vec<_>>().join(" · ")}</small>
                                                {d.languages.map(|l| view! { <small>{format!("Speaks {l}")}</small> })}
                                                {d.contact_phone.map(|p| view! { <small>{format!("Staff line {p}")}</small> })}
                                            </span>
                                            <button type="button" class="btn btn--small" aria-label=format!("Choose {}", d.name)
                                                on:click=move |_| doctor.set(id.clone())>"Choose"</button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        })
                    })}
                </Transition>
                <h2>"2. When"</h2>
                {move || taken.get().map(|m| view! { <div class="alert alert--warn" role="alert" data-testid="slot-taken"><p>{m}</p><p>"The times below are fresh."</p></div> })}
                <SlotPicker department=Signal::derive(move || id_of(&department.get())) doctor=Signal::derive(move || id_of(&doctor.get())) selected refresh=refresh/>
                <p class="field__error" aria-live="polite">{move || errors.field("slot").get()}</p>
                <h2>"3. Why"</h2>
                <div class="field">
                    <label for="field-reason">"Reason for the visit (optional)"</label>
                    <p class="field__hint" id="field-reason-hint">"Only the care team sees it; messages to you never include it."</p>
                    <textarea id="field-reason" name="reason" dir="auto" rows="2" maxlength="500" aria-describedby="field-reason-hint"
                        prop:value=move || reason.get() on:input=move |ev| reason.set(event_target_value(&ev))></textarea>
                    <p class="field__error" aria-live="polite">{move || errors.field("reason").get()}</p>
                </div>
                {move || selected.get().map(|s| view! {
                    <p class="booking__summary" data-testid="booking-summary" data-date=s.date.to_string() dir="auto">{format!("{} at {} with {}", s.date.format("%a %-d %b %Y"), s.time, s.doctor_name)}</p>
                })}
                <FormAlert errors/>
                <button type="submit" class="btn btn--primary" disabled=move || { busy.get() || selected.get().is_none() }>
                    {move || if busy.get() { "Booking…" } else { "Confirm appointment" }}
                </button>
            </form>
        </Show>
        {move || done.get().map(|(id, s)| view! {
            <div class="alert alert--success" role="status" data-testid="booked">
                <p><strong>"Your appointment is booked."</strong></p>
                <p dir="auto">{format!("{} at {} with {}.", s.date.format("%A %-d %B %Y"), s.time, s.doctor_name)}</p>
                <p class="actions">
                    <a class="btn" href=format!("/api/appointments/{id}/ics") download="appointment.ics">"Add to calendar"</a>
                    <a class="btn btn--ghost" href=list_href>"See appointments"</a>
                </p>
            </div>
        })}
    }
}

/// The patient's "Book an appointment" page.
#[component]
pub fn PatientBookPage() -> impl IntoView {
    view! {
        <Title text="Book an appointment"/>
        <crate::portal_session::Gate>
            <h1>"Book an appointment"</h1>
            <ClientOnly><BookingSteps patient_id=None list_href="/patient/appointments"/></ClientOnly>
        </crate::portal_session::Gate>
    }
}

/// The front desk (or an administrator) books for one patient:
/// `/clinic/book/:id`, `/admin/book/:id`.
#[component]
pub fn BookForPatientPage(list_href: &'static str) -> impl IntoView {
    let params = leptos_router::hooks::use_params_map();
    let patient = move || params.with(|p| p.get("id").and_then(|id| id_of::<PatientId>(&id)));
    let session = crate::portal_session::PortalSession::get();
    let profile = Resource::new(patient, move |id| {
        session.load(async move {
            match id {
                Some(id) => crate::patients::api::get_patient(id).await,
                None => Err(AppError::NotFound("The patient".into())),
            }
        })
    });
    view! {
        <Title text="Book an appointment"/>
        <crate::portal_session::Gate>
            <Suspense fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match profile.await {
                        Ok(p) => {
                            let id = p.id;
                            view! {
                                <h1 dir="auto">{format!("Book for {} {}", p.given_name, p.family_name)}</h1>
                                <p class="muted">{format!("MRN {}", p.mrn)}</p>
                                <ClientOnly><BookingSteps patient_id=Some(id.into()) list_href/></ClientOnly>
                            }.into_any()
                        }
                        Err(e) => view! { <h1>"Book an appointment"</h1><ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </crate::portal_session::Gate>
    }
}

/// Moving one appointment to another free time of the same doctor.
#[component]
fn MovePanel(appointment: AppointmentView, on_done: Callback<()>) -> impl IntoView {
    let selected = RwSignal::new(None::<SlotChoice>);
    let refresh = RwSignal::new(0u32);
    let busy = RwSignal::new(false);
    let errors = FormErrors::new();
    let taken = RwSignal::new(None::<String>);
    let doctor = appointment.doctor_id;
    let id = appointment.id;
    let confirm = move |_| {
        let Some(slot) = selected.get_untracked() else {
            return;
        };
        crate::components::submit_with(
            busy,
            errors,
            reschedule(id, slot.start, String::new()),
            move |outcome| match outcome {
                BookingOutcome::Booked { .. } => on_done.run(()),
                BookingOutcome::SlotTaken { message, .. } => {
                    slot_lost(message, taken, selected, refresh)
                }
            },
        );
    };
    view! {
        <div class="move-panel" data-testid="move-panel">
            <p dir="auto">{format!("Choose a new time with {}.", appointment.doctor_name)}</p>
            {move || taken.get().map(|m| view! { <div class="alert alert--warn" role="alert"><p>{m}</p></div> })}
            <SlotPicker department=Signal::derive(|| None) doctor=Signal::derive(move || Some(doctor)) selected refresh=refresh/>
            <FormAlert errors/>
            <button type="button" class="btn btn--primary" disabled=move || { busy.get() || selected.get().is_none() } on:click=confirm>
                {move || if busy.get() { "Moving…" } else { "Move appointment" }}
            </button>
        </div>
    }
}

/// One of the patient's upcoming appointments, with its actions.
#[component]
fn UpcomingAppointment(a: AppointmentView, reload: Callback<()>) -> impl IntoView {
    let moving = RwSignal::new(false);
    let confirming = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let notice = RwSignal::new(None::<&'static str>);
    let id = a.id;
    let booked = a.status == AppointmentStatus::Booked;
    let cancel_now = move |_| {
        leptos::task::spawn_local(async move {
            match cancel(id, String::new()).await {
                Ok(()) => reload.run(()),
                Err(e) => {
                    confirming.set(false);
                    error.set(Some(e));
                }
            }
        });
    };
    let a2 = a.clone();
    view! {
        <li class="appointment card" data-testid="appointment">
            <p class="appointment__when"><strong>{a.when.clone()}</strong></p>
            <p dir="auto">{format!("{} · {}", a.doctor_name, a.time)}</p>
            <p><span class="badge">{a.status.label()}</span></p>
            {move || notice.get().map(|n| view! { <p class="muted">{n}</p> })}
            {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
            <p class="actions">
                <a class="btn btn--small" href=format!("/api/appointments/{id}/ics") download="appointment.ics">"Add to calendar"</a>
                {booked.then(|| view! {
                    <button type="button" class="btn btn--small" on:click=move |_| { moving.update(|m| *m = !*m); error.set(None); }>
                        {move || if moving.get() { "Keep this time" } else { "Reschedule" }}
                    </button>
                    <Show when=move || !confirming.get() fallback=move || view! {
                        <button type="button" class="btn btn--small btn--danger" on:click=cancel_now>"Yes, cancel it"</button>
                        <button type="button" class="btn btn--small btn--ghost" on:click=move |_| confirming.set(false)>"No"</button>
                    }>
                        <button type="button" class="btn btn--small btn--ghost" on:click=move |_| { confirming.set(true); notice.set(Some("Cancel this appointment?")); }>"Cancel"</button>
                    </Show>
                })}
            </p>
            <Show when=move || moving.get()>
                <MovePanel appointment=a2.clone() on_done=reload/>
            </Show>
        </li>
    }
}

/// The patient's appointments: upcoming (with actions), then the past year.
#[component]
pub fn MyAppointmentsPage() -> impl IntoView {
    let session = crate::portal_session::PortalSession::get();
    let version = RwSignal::new(0u32);
    let list = Resource::new(
        move || version.get(),
        move |_| session.load(my_appointments()),
    );
    let reload = Callback::new(move |_| version.update(|v| *v += 1));
    view! {
        <Title text="My appointments"/>
        <crate::portal_session::Gate>
            <div class="page-head">
                <h1>"My appointments"</h1>
                <a class="btn btn--primary" href="/patient/book">"Book an appointment"</a>
            </div>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(all) => {
                            let now = chrono::Utc::now();
                            let (upcoming, past): (Vec<_>, Vec<_>) = all.into_iter()
                                // A cancelled appointment still ahead is gone; past ones stay listed.
                                .filter(|a| !(a.status == AppointmentStatus::Cancelled && a.start > now))
                                .partition(|a| a.end > now && a.status != AppointmentStatus::Cancelled);
                            view! {
                                <section aria-labelledby="upcoming-title">
                                    <h2 id="upcoming-title">"Upcoming"</h2>
                                    {if upcoming.is_empty() {
                                        view! { <EmptyState title="No upcoming appointments"><p><a href="/patient/book">"Book one now."</a></p></EmptyState> }.into_any()
                                    } else {
                                        view! { <ul class="appointments">{upcoming.into_iter().map(|a| view! { <UpcomingAppointment a reload/> }).collect_view()}</ul> }.into_any()
                                    }}
                                </section>
                                <section aria-labelledby="past-title">
                                    <h2 id="past-title">"Earlier"</h2>
                                    {if past.is_empty() {
                                        view! { <p class="muted">"None in the past year."</p> }.into_any()
                                    } else {
                                        view! {
                                            <ul class="appointments appointments--past">
                                                {past.into_iter().map(|a| view! { <li dir="auto">{format!("{} · {} · {}", a.when, a.doctor_name, a.status.label())}</li> }).collect_view()}
                                            </ul>
                                        }.into_any()
                                    }}
                                </section>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </crate::portal_session::Gate>
    }
}

/// Cancelling for the patient at the front desk: inside the cut-off the
/// server asks for a reason, which the audit trail keeps.
#[component]
fn StaffCancel(id: Uuid, on_done: Callback<()>) -> impl IntoView {
    let open = RwSignal::new(false);
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let go = move |_| {
        crate::components::submit_with(
            busy,
            errors,
            cancel(id.into(), reason.get_untracked()),
            move |()| on_done.run(()),
        );
    };
    view! {
        <Show when=move || open.get() fallback=move || view! {
            <button type="button" class="btn btn--small btn--ghost" on:click=move |_| open.set(true)>"Cancel…"</button>
        }>
            <span class="staff-cancel">
                <crate::components::Input label="Reason (required close to the start)" name=format!("cancel-{id}")
                    bind=(Signal::from(reason), Callback::new(move |v| reason.set(v))) error=errors.field("override_reason")/>
                <button type="button" class="btn btn--small btn--danger" disabled=move || busy.get() on:click=go>"Cancel appointment"</button>
                <FormAlert errors/>
            </span>
        </Show>
    }
}

/// The buttons that move attendance forward from `status`.
fn next_steps(status: AppointmentStatus) -> Vec<(AppointmentStatus, &'static str)> {
    use AppointmentStatus::*;
    [
        (CheckedIn, "Check in"),
        (InProgress, "Start"),
        (Completed, "Complete"),
        (NoShow, "No-show"),
    ]
    .into_iter()
    .filter(|(next, _)| status.can_become(*next))
    .collect()
}

/// A doctor's list for one day, on a tablet: doctors see their own, the
/// front desk chooses a doctor. Opens the chart; moves attendance forward.
#[component]
pub fn DayListPage() -> impl IntoView {
    let date = RwSignal::new(today().format("%Y-%m-%d").to_string());
    let doctor = RwSignal::new(String::new());
    let version = RwSignal::new(0u32);
    let error = RwSignal::new(None::<AppError>);
    view! {
        <Title text="Appointments"/>
        <crate::portal_session::Gate><ClientOnly>
            {move || {
                let user = crate::portal_session::current_user();
                let is_doctor = user.role == shared::Role::Doctor;
                let can_book = user.role.can(shared::Permission::BookAppointments);
                let doctor_list = LocalResource::new(move || async move {
                    if is_doctor { Ok(Vec::new()) } else { doctors(None).await }
                });
                let list = LocalResource::new(move || {
                    let (d, day) = (id_of::<UserId>(&doctor.get()), date.get());
                    version.track();
                    async move {
                        let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d").map_err(|_| AppError::field("date", "Choose a day."))?;
                        if !is_doctor && d.is_none() {
                            return Ok(None);
                        }
                        day_list(d, day).await.map(Some)
                    }
                });
                view! {
                    <div class="page-head">
                        <h1>{if is_doctor { "My appointments" } else { "Appointments" }}</h1>
                        {can_book.then(|| view! { <p class="muted">"To book, open the patient (search on “Today”) and choose “Book appointment”."</p> })}
                    </div>
                    <div class="toolbar">
                        <div class="field">
                            <label for="field-day">"Day"</label>
                            <input id="field-day" type="date" prop:value=move || date.get() on:change=move |ev| date.set(event_target_value(&ev))/>
                        </div>
                        {(!is_doctor).then(|| view! {
                            <Transition fallback=|| view! { <Loading/> }>
                                {move || Suspend::new(async move {
                                    match doctor_list.await {
                                        Ok(list) => {
                                            let options = list.into_iter().map(|d| (d.id.to_string(), d.name)).collect::<Vec<_>>();
                                            view! { <SelectField label="Doctor" name="doctor" value=doctor error=no_error() options=options placeholder="Choose a doctor"/> }.into_any()
                                        }
                                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                                    }
                                })}
                            </Transition>
                        })}
                    </div>
                    {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
                    <Transition fallback=|| view! { <Loading/> }>
                        {move || Suspend::new(async move {
                            match list.await {
                                Ok(None) => view! { <p class="muted">"Choose a doctor to see their list."</p> }.into_any(),
                                Ok(Some(rows)) if rows.is_empty() => view! { <EmptyState title="No appointments this day"><p>"Free slots stay open for booking."</p></EmptyState> }.into_any(),
                                Ok(Some(rows)) => view! {
                                    <ul class="day-list" data-testid="day-list">
                                        {rows.into_iter().map(|a| {
                                            let id = a.id;
                                            let cancellable = can_book && a.status == AppointmentStatus::Booked;
                                            let steps = next_steps(a.status).into_iter().map(|(next, label)| view! {
                                                <button type="button" class="btn btn--small" on:click=move |_| then_reload(set_status(id, next), error, version)>{label}</button>
                                            }).collect_view();
                                            view! {
                                                <li class="day-list__row card" data-testid="day-row">
                                                    <span class="day-list__time">{a.time.clone()}</span>
                                                    <span class="day-list__who">
                                                        <a href=format!("/clinic/patients/{}", a.patient_id) dir="auto">{a.patient_name.clone()}</a>
                                                        <small class="muted">{format!(" MRN {}", a.patient_mrn)}</small>
                                                        {a.reason.clone().map(|r| view! { <small class="day-list__reason">{r}</small> })}
                                                    </span>
                                                    <span class="badge" data-testid="status">{a.status.label()}</span>
                                                    <span class="actions">{steps}
                                                        {cancellable.then(|| view! { <StaffCancel id=id.into() on_done=Callback::new(move |_| version.update(|v| *v += 1))/> })}
                                                    </span>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any(),
                                Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                            }
                        })}
                    </Transition>
                }
            }}
        </ClientOnly>
        </crate::portal_session::Gate>
    }
}

/// Administrators put a patient on a doctor's list outside the normal slots,
/// for an emergency, with the reason recorded.
#[component]
pub fn EmergencyAssign(patient_id: Uuid) -> impl IntoView {
    let doctor = RwSignal::new(String::new());
    let start = RwSignal::new(String::new());
    let minutes = RwSignal::new("15".to_string());
    let reason = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let done = RwSignal::new(false);
    let doctor_list = LocalResource::new(|| doctors(None));
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(d) = id_of::<UserId>(&doctor.get_untracked()) else {
            errors.set(Some(AppError::field("doctor_id", "Choose the doctor.")));
            return;
        };
        let Ok(m) = minutes.get_untracked().trim().parse::<u32>() else {
            errors.set(Some(AppError::field(
                "minutes",
                "Between 5 and 240 minutes.",
            )));
            return;
        };
        done.set(false);
        let call = super::api::emergency_assign(
            patient_id.into(),
            d,
            start.get_untracked(),
            m,
            reason.get_untracked(),
        );
        crate::components::submit_with(busy, errors, call, move |_| done.set(true));
    };
    view! {
        <section class="card" aria-labelledby="emergency-title" data-testid="emergency-assign">
            <h2 id="emergency-title">"Emergency: put on a doctor's list"</h2>
            <p class="muted">"Outside the normal slots; the doctor's other appointments stay. The reason is kept and audited. Hospital time."</p>
            <form class="sched-form" on:submit=submit novalidate>
                <Transition fallback=|| view! { <Loading/> }>
                    {move || Suspend::new(async move {
                        match doctor_list.await {
                            Ok(list) => {
                                let options = list.into_iter().map(|d| (d.id.to_string(), d.name)).collect::<Vec<_>>();
                                view! { <SelectField label="Doctor" name="er_doctor" value=doctor error=errors.field("doctor_id") options/> }.into_any()
                            }
                            Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                        }
                    })}
                </Transition>
                <crate::components::TextField label="Start" name="er_start" kind="datetime-local" value=start error=errors.field("start")/>
                <crate::components::TextField label="Minutes" name="er_minutes" kind="number" value=minutes error=errors.field("minutes")/>
                <crate::components::TextField label="Reason" name="er_reason" value=reason error=errors.field("reason")/>
                {move || done.get().then(|| view! { <p class="alert alert--success" role="status">"On the doctor's list."</p> })}
                <FormAlert errors/>
                <crate::components::Submit label="Assign" busy_label="Assigning…" busy/>
            </form>
        </section>
    }
}

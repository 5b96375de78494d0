//! Managing the schedule: a doctor's availability editor (their own in the
//! clinic portal, anyone's in the admin portal), the admin schedule page
//! (departments, profiles, holidays) and the appointments overview.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::appointments::Overview;
use shared::ids::{DepartmentId, UserId};
use shared::schedule::{
    weekday_name, ExceptionForm, ExceptionKind, HolidayForm, ProfileForm, TemplateForm, WEEKDAYS,
};
use shared::AppError;

use super::api::doctors;
use super::calendar::appointment_overview;
use super::pages::{id_of, then_reload, today};
use super::schedule::{
    add_exception, add_holiday, add_specialty, add_template, availability, departments, holidays,
    profile, remove_exception, remove_holiday, remove_template, save_department, save_profile,
};
use crate::components::{
    no_error, submit_with, ClientOnly, EmptyState, ErrorBox, FormAlert, FormErrors, Loading,
    SelectField, Submit, TextField,
};

fn weekday_options() -> Vec<(String, String)> {
    WEEKDAYS
        .iter()
        .map(|(n, name)| (n.to_string(), name.to_string()))
        .collect()
}

/// A doctor's weekly template and exceptions, with forms to add and buttons
/// to remove. Times are the hospital's.
#[component]
pub fn AvailabilityEditor(#[prop(into)] doctor: Signal<Option<UserId>>) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let error = RwSignal::new(None::<AppError>);
    let data = LocalResource::new(move || {
        let d = doctor.get();
        version.track();
        async move {
            match d {
                Some(d) => availability(d).await.map(Some),
                None => Ok(None),
            }
        }
    });
    let reload = move || version.update(|v| *v += 1);

    let tpl_errors = FormErrors::new();
    let tpl_busy = RwSignal::new(false);
    let (weekday, start, end, slot) = (
        RwSignal::new("1".to_string()),
        RwSignal::new("09:00".to_string()),
        RwSignal::new("12:00".to_string()),
        RwSignal::new("20".to_string()),
    );
    let add_block = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(d) = doctor.get_untracked() else {
            return;
        };
        let form = TemplateForm {
            weekday: weekday.get_untracked(),
            start: start.get_untracked(),
            end: end.get_untracked(),
            slot_minutes: slot.get_untracked(),
        };
        submit_with(tpl_busy, tpl_errors, add_template(d, form), move |_| {
            reload()
        });
    };

    let ex_errors = FormErrors::new();
    let ex_busy = RwSignal::new(false);
    let ex_notice = RwSignal::new(None::<String>);
    let (kind, starts, ends, ex_slot, reason) = (
        RwSignal::new("unavailable".to_string()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new("20".to_string()),
        RwSignal::new(String::new()),
    );
    let add_ex = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(d) = doctor.get_untracked() else {
            return;
        };
        let form = ExceptionForm {
            kind: kind.get_untracked(),
            starts: starts.get_untracked(),
            ends: ends.get_untracked(),
            slot_minutes: ex_slot.get_untracked(),
            reason: reason.get_untracked(),
        };
        submit_with(
            ex_busy,
            ex_errors,
            add_exception(d, form),
            move |affected| {
                ex_notice.set(Some(if affected > 0 {
                format!("Saved. {affected} booked appointment(s) fall in this time; they stay booked, so reschedule them.")
            } else {
                "Saved.".to_string()
            }));
                reload();
            },
        );
    };

    view! {
        <div class="availability" data-testid="availability">
            {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(None) => view! { <p class="muted">"Choose a doctor."</p> }.into_any(),
                        Ok(Some(a)) => {
                            let zone = a.timezone.clone();
                            let blocks = if a.templates.is_empty() {
                                view! { <EmptyState title="No weekly hours yet"><p>"Add the first block below."</p></EmptyState> }.into_any()
                            } else {
                                view! {
                                    <div class="table-wrap"><table class="table" data-testid="template">
                                        <thead><tr><th scope="col">"Day"</th><th scope="col">"Hours"</th><th scope="col">"Slot"</th><th scope="col"><span class="visually-hidden">"Actions"</span></th></tr></thead>
                                        <tbody>
                                            {a.templates.into_iter().map(|t| {
                                                let id = t.id;
                                                view! {
                                                    <tr>
                                                        <td>{weekday_name(t.weekday)}</td>
                                                        <td>{format!("{}–{}", t.start, t.end)}</td>
                                                        <td>{format!("{} min", t.slot_minutes)}</td>
                                                        <td><button type="button" class="btn btn--small btn--ghost"
                                                            aria-label=format!("Remove {} {}–{}", weekday_name(t.weekday), t.start, t.end)
                                                            on:click=move |_| then_reload(remove_template(id), error, version)>"Remove"</button></td>
                                                    </tr>
                                                }
                                            }).collect_view()}
                                        </tbody>
                                    </table></div>
                                }.into_any()
                            };
                            let exceptions = if a.exceptions.is_empty() {
                                view! { <p class="muted">"No leave or extra hours ahead."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="exceptions" data-testid="exceptions">
                                        {a.exceptions.into_iter().map(|e| {
                                            let id = e.id;
                                            let what = match e.kind { ExceptionKind::Unavailable => "Away", ExceptionKind::Extra => "Extra hours" };
                                            let text = format!("{what}: {} to {}{}", e.starts.replace('T', " "), e.ends.replace('T', " "),
                                                e.reason.map(|r| format!(" ({r})")).unwrap_or_default());
                                            view! {
                                                <li dir="auto">{text}" "
                                                    <button type="button" class="btn btn--small btn--ghost" on:click=move |_| then_reload(remove_exception(id), error, version)>"Remove"</button>
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            };
                            view! {
                                <h3 dir="auto">{format!("Weekly hours of {}", a.doctor_name)}</h3>
                                <p class="muted">{format!("Times are hospital time ({zone}).")}</p>
                                {blocks}
                                <h3>"Leave and extra hours"</h3>
                                {exceptions}
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <Show when=move || doctor.get().is_some()>
                <form class="sched-form" on:submit=add_block novalidate data-testid="add-block">
                    <h3>"Add weekly hours"</h3>
                    <SelectField label="Weekday" name="weekday" value=weekday error=tpl_errors.field("weekday") options=weekday_options()/>
                    <TextField label="From" name="start" kind="time" value=start error=tpl_errors.field("start")/>
                    <TextField label="To" name="end" kind="time" value=end error=tpl_errors.field("end")/>
                    <TextField label="Slot length (minutes)" name="slot_minutes" kind="number" value=slot error=tpl_errors.field("slot_minutes")/>
                    <FormAlert errors=tpl_errors/>
                    <Submit label="Add hours" busy_label="Adding…" busy=tpl_busy/>
                </form>
                <form class="sched-form" on:submit=add_ex novalidate data-testid="add-exception">
                    <h3>"Add leave or extra hours"</h3>
                    <SelectField label="Kind" name="kind" value=kind error=ex_errors.field("kind")
                        options=vec![("unavailable".into(), ExceptionKind::Unavailable.label().into()), ("extra".into(), ExceptionKind::Extra.label().into())]/>
                    <TextField label="From" name="starts" kind="datetime-local" value=starts error=ex_errors.field("starts")/>
                    <TextField label="To" name="ends" kind="datetime-local" value=ends error=ex_errors.field("ends")/>
                    <Show when=move || kind.get() == "extra">
                        <TextField label="Slot length (minutes)" name="ex_slot_minutes" kind="number" value=ex_slot error=ex_errors.field("slot_minutes")/>
                    </Show>
                    <TextField label="Reason (optional)" name="ex_reason" value=reason error=ex_errors.field("reason")/>
                    {move || ex_notice.get().map(|n| view! { <p class="alert alert--success" role="status">{n}</p> })}
                    <FormAlert errors=ex_errors/>
                    <Submit label="Add" busy_label="Adding…" busy=ex_busy/>
                </form>
            </Show>
        </div>
    }
}

/// The doctor's own availability, in the clinic portal.
#[component]
pub fn MyAvailabilityPage() -> impl IntoView {
    view! {
        <Title text="My availability"/>
        <crate::portal_session::Gate>
            <h1>"My availability"</h1>
            <ClientOnly>
            {move || {
                let me = crate::portal_session::current_user();
                if !me.role.can(shared::Permission::ManageOwnAvailability) {
                    return view! {
                        <p class="muted">"Availability is kept by doctors for themselves, and by administrators for every doctor."</p>
                    }.into_any();
                }
                let id = me.id;
                view! {
                    <section class="card" aria-labelledby="hours-title">
                        <h2 id="hours-title">"Hours, leave and extra hours"</h2>
                        <AvailabilityEditor doctor=Signal::derive(move || Some(id))/>
                    </section>
                }.into_any()
            }}
        </ClientOnly>
        </crate::portal_session::Gate>
    }
}

/// A doctor's department, specialty, languages and staff phone.
#[component]
fn ProfileEditor(#[prop(into)] doctor: Signal<Option<UserId>>) -> impl IntoView {
    let (department, specialty, languages, phone) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let loaded = LocalResource::new(move || {
        let d = doctor.get();
        async move {
            let depts = departments().await?;
            let form = match d {
                Some(d) => profile(d).await?,
                None => ProfileForm::default(),
            };
            Ok::<_, AppError>((depts, form))
        }
    });
    Effect::new(move |_| {
        if let Some(Ok((_, f))) = loaded.get() {
            department.set(f.department_id);
            specialty.set(f.specialty_id);
            languages.set(f.languages);
            phone.set(f.contact_phone);
        }
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let saved = RwSignal::new(false);
    let save = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(d) = doctor.get_untracked() else {
            return;
        };
        let form = ProfileForm {
            department_id: department.get_untracked(),
            specialty_id: specialty.get_untracked(),
            languages: languages.get_untracked(),
            contact_phone: phone.get_untracked(),
        };
        saved.set(false);
        submit_with(busy, errors, save_profile(d, form), move |()| {
            saved.set(true)
        });
    };
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((depts, _)) => {
                        let dept_options = depts.iter().map(|d| (d.id.to_string(), d.name.clone())).collect::<Vec<_>>();
                        let spec_options = depts.iter().flat_map(|d| d.specialties.iter().map(move |s| (s.id.to_string(), format!("{} ({})", s.name, d.name)))).collect::<Vec<_>>();
                        view! {
                            <form class="sched-form" on:submit=save novalidate data-testid="profile">
                                <SelectField label="Department" name="department_id" value=department error=errors.field("department_id") options=dept_options placeholder="None"/>
                                <SelectField label="Specialty" name="specialty_id" value=specialty error=errors.field("specialty_id") options=spec_options placeholder="None"/>
                                <TextField label="Languages" name="languages" value=languages error=errors.field("languages") hint="As patients should see them, e.g. English, Arabic."/>
                                <TextField label="Staff contact phone" name="contact_phone" kind="tel" value=phone error=errors.field("contact_phone")/>
                                {move || saved.get().then(|| view! { <p class="alert alert--success" role="status">"Profile saved."</p> })}
                                <FormAlert errors/>
                                <Submit label="Save profile" busy_label="Saving…" busy/>
                            </form>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// Departments and specialties, with forms to add them.
#[component]
fn DepartmentsCard() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let list = LocalResource::new(move || {
        version.track();
        departments()
    });
    let (name, spec_dept, spec_name) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let (errors, spec_errors) = (FormErrors::new(), FormErrors::new());
    let (busy, spec_busy) = (RwSignal::new(false), RwSignal::new(false));
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            save_department(None, name.get_untracked()),
            move |_| {
                name.set(String::new());
                version.update(|v| *v += 1);
            },
        );
    };
    let add_spec = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(d) = id_of::<DepartmentId>(&spec_dept.get_untracked()) else {
            spec_errors.set(Some(AppError::field(
                "department",
                "Choose the department.",
            )));
            return;
        };
        submit_with(
            spec_busy,
            spec_errors,
            add_specialty(d, spec_name.get_untracked()),
            move |_| {
                spec_name.set(String::new());
                version.update(|v| *v += 1);
            },
        );
    };
    view! {
        <section class="card" aria-labelledby="departments-title">
            <h2 id="departments-title">"Departments and specialties"</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(depts) if depts.is_empty() => view! { <EmptyState title="No departments yet"><p>"Add the first one below."</p></EmptyState> }.into_any(),
                        Ok(depts) => {
                            let options = depts.iter().map(|d| (d.id.to_string(), d.name.clone())).collect::<Vec<_>>();
                            view! {
                                <ul data-testid="departments">
                                    {depts.into_iter().map(|d| {
                                        let specs = d.specialties.iter().map(|s| s.name.clone()).collect::<Vec<_>>().join(", ");
                                        view! { <li><strong dir="auto">{d.name}</strong>" "<span class="muted">{if specs.is_empty() { "—".to_string() } else { specs }}</span></li> }
                                    }).collect_view()}
                                </ul>
                                <form class="sched-form" on:submit=add_spec novalidate>
                                    <SelectField label="Department" name="spec_department" value=spec_dept error=spec_errors.field("department") options/>
                                    <TextField label="New specialty" name="specialty" value=spec_name error=spec_errors.field("specialty")/>
                                    <FormAlert errors=spec_errors/>
                                    <Submit label="Add specialty" busy_label="Adding…" busy=spec_busy/>
                                </form>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <form class="sched-form" on:submit=add novalidate>
                <TextField label="New department" name="department_name" value=name error=errors.field("name")/>
                <FormAlert errors/>
                <Submit label="Add department" busy_label="Adding…" busy/>
            </form>
        </section>
    }
}

/// The hospital's holidays, with a form to add one.
#[component]
fn HolidaysCard() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let error = RwSignal::new(None::<AppError>);
    let list = LocalResource::new(move || {
        version.track();
        holidays()
    });
    let (day, name) = (RwSignal::new(String::new()), RwSignal::new(String::new()));
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let add = move |ev: SubmitEvent| {
        ev.prevent_default();
        let form = HolidayForm {
            day: day.get_untracked(),
            name: name.get_untracked(),
        };
        submit_with(busy, errors, add_holiday(form), move |()| {
            name.set(String::new());
            version.update(|v| *v += 1);
        });
    };
    view! {
        <section class="card" aria-labelledby="holidays-title">
            <h2 id="holidays-title">"Hospital holidays"</h2>
            <p class="muted">"No regular consultation hours on these days; extra hours still count."</p>
            {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(days) if days.is_empty() => view! { <p class="muted">"No holidays entered."</p> }.into_any(),
                        Ok(days) => view! {
                            <ul data-testid="holidays">
                                {days.into_iter().map(|h| {
                                    let d = h.day;
                                    view! { <li dir="auto">{format!("{} — {}", h.day.format("%a %-d %b %Y"), h.name)}" "
                                        <button type="button" class="btn btn--small btn--ghost" on:click=move |_| then_reload(remove_holiday(d), error, version)>"Remove"</button></li> }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <form class="sched-form" on:submit=add novalidate data-testid="add-holiday">
                <TextField label="Day" name="holiday_day" kind="date" value=day error=errors.field("day")/>
                <TextField label="Name" name="holiday_name" value=name error=errors.field("name")/>
                <FormAlert errors/>
                <Submit label="Add holiday" busy_label="Adding…" busy/>
            </form>
        </section>
    }
}

/// The admin schedule page: departments, holidays, and each doctor's profile and hours.
#[component]
pub fn SchedulePage() -> impl IntoView {
    let doctor = RwSignal::new(String::new());
    view! {
        <Title text="Schedules"/>
        <crate::portal_session::Gate>
            <h1>"Schedules"</h1>
            <ClientOnly>
            {move || {
                let doctor_list = LocalResource::new(|| doctors(None));
                let selected = Signal::derive(move || id_of::<UserId>(&doctor.get()));
                view! {
                        <section class="card schedule-doctor" aria-labelledby="doctor-title">
                            <h2 id="doctor-title">"Doctors' hours"</h2>
                            <Transition fallback=|| view! { <Loading/> }>
                                {move || Suspend::new(async move {
                                    match doctor_list.await {
                                        Ok(list) => {
                                            let options = list.into_iter().map(|d| (d.id.to_string(), d.name)).collect::<Vec<_>>();
                                            view! { <SelectField label="Doctor" name="schedule_doctor" value=doctor error=no_error() options placeholder="Choose a doctor"/> }.into_any()
                                        }
                                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                                    }
                                })}
                            </Transition>
                            <Show when=move || selected.get().is_some()>
                                <div class="grid grid--two">
                                    <div>
                                        <h3>"Directory profile"</h3>
                                        <ProfileEditor doctor=selected/>
                                    </div>
                                    <AvailabilityEditor doctor=selected/>
                                </div>
                            </Show>
                        </section>
                        <div class="grid grid--two">
                            <DepartmentsCard/>
                            <HolidaysCard/>
                        </div>
                }
            }}
        </ClientOnly>
        </crate::portal_session::Gate>
    }
}

/// The appointments overview for administrators: a day or a week, per
/// department or doctor, with utilisation and the no-show rate.
#[component]
pub fn OverviewPage() -> impl IntoView {
    let from = RwSignal::new(today().format("%Y-%m-%d").to_string());
    let span = RwSignal::new("7".to_string());
    let department = RwSignal::new(String::new());
    let doctor = RwSignal::new(String::new());
    view! {
        <Title text="Appointments overview"/>
        <crate::portal_session::Gate>
            <h1>"Appointments"</h1>
            <ClientOnly>
            {move || {
                let filters = LocalResource::new(|| async move {
                    Ok::<_, AppError>((departments().await?, doctors(None).await?))
                });
                let data = LocalResource::new(move || {
                    let (f, days, dep, doc) = (from.get(), span.get(), id_of::<DepartmentId>(&department.get()), id_of::<UserId>(&doctor.get()));
                    async move {
                        let f = chrono::NaiveDate::parse_from_str(&f, "%Y-%m-%d").map_err(|_| AppError::field("from", "Choose a day."))?;
                        let days = days.parse().unwrap_or(7);
                        appointment_overview(f, days, dep, doc).await
                    }
                });
                view! {
                    <div class="toolbar">
                        <TextField label="From" name="from" kind="date" value=from error=no_error()/>
                        <SelectField label="Show" name="span" value=span error=no_error()
                            options=vec![("1".into(), "One day".into()), ("7".into(), "A week".into())] placeholder="A week"/>
                        <Transition fallback=|| view! { <Loading/> }>
                            {move || Suspend::new(async move {
                                match filters.await {
                                    Ok((depts, docs)) => {
                                        let d_opts = depts.into_iter().map(|d| (d.id.to_string(), d.name)).collect::<Vec<_>>();
                                        let doc_opts = docs.into_iter().map(|d| (d.id.to_string(), d.name)).collect::<Vec<_>>();
                                        view! {
                                            <SelectField label="Department" name="ov_department" value=department error=no_error() options=d_opts placeholder="All departments"/>
                                            <SelectField label="Doctor" name="ov_doctor" value=doctor error=no_error() options=doc_opts placeholder="All doctors"/>
                                        }.into_any()
                                    }
                                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                                }
                            })}
                        </Transition>
                    </div>
                    <Transition fallback=|| view! { <Loading/> }>
                        {move || Suspend::new(async move {
                            match data.await {
                                Ok(o) => view! { <OverviewView o/> }.into_any(),
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

#[component]
fn OverviewView(o: Overview) -> impl IntoView {
    let pct = |p: Option<u32>| p.map(|p| format!("{p} %")).unwrap_or_else(|| "—".into());
    view! {
        <div class="stats" data-testid="overview-stats">
            <div class="stat"><span class="stat__value">{o.appointments}</span><span class="stat__label">"Appointments"</span></div>
            <div class="stat"><span class="stat__value" data-testid="utilisation">{pct(o.utilisation_percent)}</span><span class="stat__label">"Utilisation (booked of offered time)"</span></div>
            <div class="stat"><span class="stat__value" data-testid="no-show-rate">{pct(o.no_show_percent)}</span><span class="stat__label">{format!("No-show rate ({} no-shows)", o.no_shows)}</span></div>
        </div>
        <p class="muted">{format!("Times are hospital time ({}).", o.timezone)}</p>
        <div class="table-wrap">
            <table class="table table--dense" data-testid="overview">
                <thead><tr><th scope="col">"Day"</th><th scope="col">"Doctor"</th><th scope="col" class="num">"Booked / offered"</th><th scope="col">"Appointments"</th></tr></thead>
                <tbody>
                    {o.days.into_iter().flat_map(|day| {
                        let label = day.label.clone();
                        day.doctors.into_iter().filter(|d| d.capacity_minutes > 0 || !d.appointments.is_empty()).map(move |d| {
                            let chips = d.appointments.into_iter().map(|a| view! {
                                <span class="chip" class:chip--muted={ a.status == shared::appointments::AppointmentStatus::Cancelled }>
                                    {format!("{} {} · {}", a.time.split('–').next().unwrap_or(""), a.patient_name, a.status.label())}
                                </span>
                            }).collect_view();
                            view! {
                                <tr>
                                    <td class="nowrap">{label.clone()}</td>
                                    <td dir="auto">{d.doctor_name}</td>
                                    <td class="num">{format!("{} / {} min", d.booked_minutes, d.capacity_minutes)}</td>
                                    <td>{chips}</td>
                                </tr>
                            }
                        }).collect::<Vec<_>>()
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

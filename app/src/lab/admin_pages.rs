//! `/admin/lab`: the laboratory catalogue as administrators keep it (name,
//! turnaround, retired; its prices are the price list's, `/admin/prices`; reference ranges by sex and age band, a new
//! one ending the one it replaces) and the technicians' shifts.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::lab_work::{CatalogueRow, RangeForm, Shift, TestEdit};
use shared::patients::AdministrativeSex;
use shared::{Permission, Role};

use super::api::*;
use crate::components::{
    lens, lens_bool, submit_then_reload, submit_with, Check, ErrorBox, FormAlert, FormErrors,
    Input, Loading, Select, Submit,
};
use crate::portal_session::{Gate, PortalSession};

#[component]
pub fn CataloguePage() -> impl IntoView {
    let version = RwSignal::new(0u32);
    let filter = RwSignal::new(String::new());
    let session = PortalSession::get();
    let rows = Resource::new(
        move || version.get(),
        move |_| session.load_if(Permission::ManageLab, catalogue_rows()),
    );
    view! {
        <Title text="Laboratory catalogue"/>
        <Gate needs=Some(Permission::ManageLab)>
            <h1>"Laboratory catalogue"</h1>
            <Shifts/>
            <CollectionHours/>
            <div class="card form" role="search">
                <Input label="Find a test" name="catalogue-filter" bind=lens(filter, |f| f.clone(), |f, v| *f = v) error=crate::components::no_error()/>
            </div>
            <Transition fallback=|| view! { <Loading label="Loading the catalogue…"/> }>
                {move || Suspend::new(async move {
                    match rows.await {
                        Ok(all) => view! {
                            <ul class="rx-list" data-testid="catalogue">
                                {all.into_iter().map(|row| {
                                    let text = format!("{} {}", row.name, row.code).to_lowercase();
                                    let code = row.code.clone();
                                    // Hidden by the property, not an inline style: the
                                    // CSP refuses `style` attributes.
                                    view! {
                                        <li class="rx" data-testid="catalogue-row" data-code=code
                                            prop:hidden=move || !text.contains(&filter.get().to_lowercase())>
                                            <CatalogueEntryView row version/>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

#[component]
fn CatalogueEntryView(row: CatalogueRow, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(TestEdit {
        name: row.name.clone(),
        turnaround_hours: row.turnaround_hours.to_string(),
        retired: row.retired,
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let code = row.code.clone();
    let saved = RwSignal::new(false);
    let on_submit = {
        let code = code.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            saved.set(false);
            submit_with(
                busy,
                errors,
                update_lab_test(code.clone(), form.get_untracked()),
                move |()| {
                    saved.set(true);
                },
            );
        }
    };
    let price = row
        .price
        .map_or_else(|| "not priced".into(), |p| p.to_string());
    view! {
        <details>
            <summary>
                <strong dir="auto">{row.name.clone()}</strong>" "
                <span class="muted">{format!("{} · {} · {} h · {price}", row.code, row.unit.clone().or(row.specimen.clone()).unwrap_or_else(|| row.kind.label().into()), row.turnaround_hours)}</span>
                {row.retired.then(|| view! { " "<span class="badge">"Retired"</span> })}
            </summary>
            <form class="form form--inline" on:submit=on_submit novalidate>
                <Input label="Name" name=format!("name-{code}") bind=lens(form, |f| f.name.clone(), |f, v| f.name = v) error=errors.field("name")/>
                <Input label="Turnaround (hours)" name=format!("turnaround-{code}") inputmode="numeric" bind=lens(form, |f| f.turnaround_hours.clone(), |f, v| f.turnaround_hours = v) error=errors.field("turnaround_hours")/>
                <Check label="Retired (no longer ordered)" name=format!("retired-{code}") bind=lens_bool(form, |f| f.retired, |f, v| f.retired = v) error=crate::components::no_error()/>
                <FormAlert errors/>
                <Submit label="Save" busy_label="Saving…" busy/>
                {move || saved.get().then(|| view! { <span role="status">"Saved."</span> })}
            </form>
            <h3>"Reference ranges in force"</h3>
            {if row.ranges.is_empty() {
                view! { <p class="muted">"None: results are not flagged."</p> }.into_any()
            } else {
                view! {
                    <ul class="list">
                        {row.ranges.iter().map(|r| {
                            let id = r.id;
                            let band = match (&r.from_age, &r.until_age) {
                                (None, None) => "any age".to_string(),
                                (from, until) => format!("from {} until {}", from.clone().unwrap_or_else(|| "birth".into()), until.clone().unwrap_or_else(|| "any age".into())),
                            };
                            let critical = match (r.limits.critical_low, r.limits.critical_high) {
                                (None, None) => String::new(),
                                (l, h) => format!("; critical below {} or above {}", l.map(|v| v.text()).unwrap_or_else(|| "–".into()), h.map(|v| v.text()).unwrap_or_else(|| "–".into())),
                            };
                            view! {
                                <li>{format!("{}, {band}: {}{critical}", r.sex.map_or("both sexes", |s| s.label()), r.limits.interval_text())}" "
                                    <button type="button" class="btn btn--ghost" on:click=move |_| {
                                        leptos::task::spawn_local(async move {
                                            if end_lab_range(id).await.is_ok() { version.update(|v| *v += 1); }
                                        });
                                    }>"End"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            {(row.kind == shared::lab::TestKind::Lab).then(|| view! { <NewRangeForm code=code.clone() version/> })}
        </details>
    }
}

#[component]
fn NewRangeForm(code: String, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(RangeForm::default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = {
        let code = code.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            submit_then_reload(
                busy,
                errors,
                add_lab_range(code.clone(), form.get_untracked()),
                version,
            );
        }
    };
    let sexes: Vec<(String, String)> = AdministrativeSex::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    let field = |name: &str| format!("{name}-{code}");
    view! {
        <form class="form form--inline" on:submit=on_submit novalidate data-testid="new-range">
            <Select label="Sex" name=field("sex") options=sexes placeholder="Both" bind=lens(form, |f| f.sex.clone(), |f, v| f.sex = v) error=errors.field("sex")/>
            <Input label="From age" name=field("from") hint="e.g. 1y, 6m, 7d" bind=lens(form, |f| f.from_age.clone(), |f, v| f.from_age = v) error=errors.field("from_age")/>
            <Input label="Until age" name=field("until") bind=lens(form, |f| f.until_age.clone(), |f, v| f.until_age = v) error=errors.field("until_age")/>
            <Input label="Low" name=field("low") inputmode="decimal" bind=lens(form, |f| f.low.clone(), |f, v| f.low = v) error=errors.field("low")/>
            <Input label="High" name=field("high") inputmode="decimal" bind=lens(form, |f| f.high.clone(), |f, v| f.high = v) error=errors.field("high")/>
            <Input label="Critical low" name=field("clow") inputmode="decimal" bind=lens(form, |f| f.critical_low.clone(), |f, v| f.critical_low = v) error=errors.field("critical_low")/>
            <Input label="Critical high" name=field("chigh") inputmode="decimal" bind=lens(form, |f| f.critical_high.clone(), |f, v| f.critical_high = v) error=errors.field("critical_high")/>
            <FormAlert errors/>
            <Submit label="Add the range" busy_label="Adding…" busy/>
        </form>
    }
}

/// The laboratory's weekly hours for sample collection visits: each block
/// with its slot length and places per slot; add and remove.
#[component]
fn CollectionHours() -> impl IntoView {
    use shared::lab_visits::HoursForm;
    use shared::schedule::{weekday_name, WEEKDAYS};
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let hours = Resource::new(
        move || version.get(),
        move |_| session.load_if(Permission::ManageLab, super::visit_api::collection_hours()),
    );
    let form = RwSignal::new(HoursForm::default());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(
            busy,
            errors,
            super::visit_api::add_collection_hours(form.get_untracked()),
            version,
        );
    };
    let remove_errors = FormErrors::new();
    let remove_busy = RwSignal::new(false);
    let weekdays: Vec<(String, String)> = WEEKDAYS
        .iter()
        .map(|(n, name)| (n.to_string(), name.to_string()))
        .collect();
    view! {
        <section class="card" aria-labelledby="hours-title">
            <h2 id="hours-title">"Sample collection hours"</h2>
            <p class="muted">"Patients book visits to have samples taken in these hours."</p>
            <FormAlert errors=remove_errors/>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match hours.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted" data-testid="no-hours">"No collection hours yet: patients cannot book a visit."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="list" data-testid="collection-hours">
                                {list.into_iter().map(|h| {
                                    let id = h.id;
                                    view! {
                                        <li>
                                            {format!("{} {}–{}, every {} min, {} place(s)", weekday_name(h.weekday), h.start, h.end, h.slot_minutes, h.capacity)}" "
                                            <button type="button" class="btn btn--small" disabled=move || remove_busy.get()
                                                on:click=move |_| submit_then_reload(remove_busy, remove_errors, super::visit_api::remove_collection_hours(id), version)>
                                                "Remove"
                                            </button>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
            <form class="form form--inline" on:submit=on_submit novalidate data-testid="add-hours">
                <Select label="Weekday" name="hours-weekday" options=weekdays bind=lens(form, |f| f.block.weekday.clone(), |f, v| f.block.weekday = v) error=errors.field("weekday")/>
                <Input label="From" name="hours-start" kind="time" bind=lens(form, |f| f.block.start.clone(), |f, v| f.block.start = v) error=errors.field("start")/>
                <Input label="To" name="hours-end" kind="time" bind=lens(form, |f| f.block.end.clone(), |f, v| f.block.end = v) error=errors.field("end")/>
                <Input label="Slot length (minutes)" name="hours-slot" inputmode="numeric" bind=lens(form, |f| f.block.slot_minutes.clone(), |f, v| f.block.slot_minutes = v) error=errors.field("slot_minutes")/>
                <Input label="Places per slot" name="hours-capacity" inputmode="numeric" bind=lens(form, |f| f.capacity.clone(), |f, v| f.capacity = v) error=errors.field("capacity")/>
                <FormAlert errors/>
                <Submit label="Add hours" busy_label="Adding…" busy/>
            </form>
        </section>
    }
}

/// Puts a technician on a shift on a day.
#[component]
fn Shifts() -> impl IntoView {
    let session = PortalSession::get();
    let staff = Resource::new(
        || (),
        move |_| session.load_if(Permission::ManageUsers, crate::admin::api::list_staff()),
    );
    let user = RwSignal::new(String::new());
    let day = RwSignal::new(String::new());
    let shift = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let done = RwSignal::new(None::<String>);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Ok(user_id) = user.get_untracked().parse::<uuid::Uuid>() else {
            errors.set(Some(shared::AppError::field(
                "user",
                "Choose a technician.",
            )));
            return;
        };
        let Ok(which) = Shift::parse(&shift.get_untracked()) else {
            errors.set(Some(shared::AppError::field("shift", "Choose the shift.")));
            return;
        };
        let when = day.get_untracked();
        submit_with(
            busy,
            errors,
            assign_shift(user_id.into(), when.clone(), which),
            move |()| {
                done.set(Some(format!(
                    "On the {} shift on {when}.",
                    which.label().to_lowercase()
                )));
            },
        );
    };
    let shifts = StoredValue::new(
        Shift::ALL
            .iter()
            .map(|s| (s.as_str().to_string(), s.label().to_string()))
            .collect::<Vec<(String, String)>>(),
    );
    view! {
        <section class="card" aria-labelledby="shifts-title">
            <h2 id="shifts-title">"Technicians' shifts"</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    let technicians: Vec<(String, String)> = staff
                        .await
                        .unwrap_or_default()
                        .into_iter()
                        .filter(|u| u.role == Role::LabTechnician && u.active)
                        .map(|u| (u.id.to_string(), u.display_name))
                        .collect();
                    let shifts = shifts.get_value();
                    view! {
                        <form class="form form--inline" on:submit=on_submit novalidate>
                            <Select label="Technician" name="shift-user" options=technicians bind=lens(user, |u| u.clone(), |u, v| *u = v) error=errors.field("user")/>
                            <Input label="Day" name="shift-day" kind="date" bind=lens(day, |d| d.clone(), |d, v| *d = v) error=errors.field("day")/>
                            <Select label="Shift" name="shift-kind" options=shifts bind=lens(shift, |s| s.clone(), |s, v| *s = v) error=errors.field("shift")/>
                            <FormAlert errors/>
                            <Submit label="Assign" busy_label="Assigning…" busy/>
                            {move || done.get().map(|t| view! { <span role="status">{t}</span> })}
                        </form>
                    }
                })}
            </Transition>
        </section>
    }
}

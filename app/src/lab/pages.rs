//! The laboratory's pages in the clinic portal: ordering tests from a chart
//! (doctors; tablet), the worklist with the scan box, an order at the bench
//! (collection, labels, result entry, verification, corrections, imaging
//! reports), a specimen's printable label, the results in the chart with
//! their trends, and the doctor's critical results to acknowledge.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;
use shared::ids::{LabOrderId, LabResultId, PatientId};
use shared::lab::{Flag, LabValue, TestKind};
use shared::lab_work::{
    CatalogueEntry, Correction, ItemStatus, ItemView, OrderForm, OrderView, Priority, ResultEntry,
    ResultStatus, ResultView, Stage, WorkCursor, WorkFilter, WorkRow, PANEL_PREFIX,
};
use shared::{AppError, Permission};
use uuid::Uuid;

use super::api::*;
use super::attach_pages::{AttachFile, AttachmentLinks};
use crate::components::{
    format_time, lens, lens_bool, submit_then_reload, submit_with, Check, EmptyState, ErrorBox,
    FormAlert, FormErrors, Input, Loading, Select, Submit, TextArea,
};
use crate::nav::{loaded, tile_list, TileCard};
use crate::portal_session::{current_user, hard_navigate, Gate, PortalSession};

/// The value with its unit, as a table shows it.
fn with_unit(value: &str, unit: &Option<String>) -> String {
    match unit {
        Some(u) if !u.is_empty() => format!("{value} {u}"),
        _ => value.to_string(),
    }
}

/// A result's flag as a badge: critical in red, abnormal in amber.
fn flag_badge(flag: Option<Flag>) -> impl IntoView {
    flag.filter(|f| f.is_abnormal()).map(|f| {
        let class = if f.is_critical() {
            "badge badge--danger"
        } else {
            "badge badge--warn"
        };
        view! { <span class=class data-testid="flag" title=f.label()>{f.as_str()}</span> }
    })
}

/// `/clinic/patients/:id/lab-order`: the order form (doctors).
#[component]
pub fn OrderTestsPage() -> impl IntoView {
    let id = crate::chart::pages::route_patient_id();
    let encounter = leptos_router::hooks::use_query_map()
        .read_untracked()
        .get("encounter")
        .and_then(|s| Uuid::parse_str(&s).ok());
    let session = PortalSession::get();
    let loaded = Resource::new(
        move || id.get(),
        move |id| {
            session.load_if(Permission::OrderTests, async move {
                let id = id.ok_or_else(|| AppError::NotFound("That patient".into()))?;
                let summary = crate::chart::api::get_chart_summary(id.into()).await?;
                let catalogue = lab_catalogue().await?;
                Ok((summary.patient, catalogue))
            })
        },
    );
    view! {
        <Title text="Order tests"/>
        <Transition fallback=|| view! { <Loading label="Opening the order form…"/> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok((p, catalogue)) => view! {
                        <header class="chart-banner" data-testid="chart-banner">
                            <div class="chart-banner__who">
                                <h1 dir="auto">"Order tests: "{p.display_name()}</h1>
                                <p><span class="mrn">{p.mrn.clone()}</span></p>
                            </div>
                        </header>
                        <OrderFormCard patient_id=p.id catalogue encounter/>
                    }.into_any(),
                    Err(e) => view! { <h1>"Order tests"</h1><ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OrderFormCard(
    patient_id: PatientId,
    catalogue: Vec<CatalogueEntry>,
    encounter: Option<Uuid>,
) -> impl IntoView {
    let form = RwSignal::new(OrderForm {
        patient_id: Some(patient_id),
        encounter_id: encounter.map(Into::into),
        priority: Priority::Routine.as_str().into(),
        ..OrderForm::default()
    });
    let filter = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let mut panels: Vec<String> = catalogue.iter().filter_map(|t| t.panel.clone()).collect();
    panels.sort();
    panels.dedup();
    let catalogue = StoredValue::new(catalogue);
    let chosen = move |code: String| {
        let code2 = code.clone();
        (
            Signal::derive(move || form.with(|f| f.choices.contains(&code2))),
            Callback::new(move |on: bool| {
                form.update(|f| {
                    f.choices.retain(|c| *c != code);
                    if on {
                        f.choices.push(code.clone());
                    }
                })
            }),
        )
    };
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(busy, errors, order_tests(form.get_untracked()), move |o| {
            hard_navigate(&format!("/clinic/patients/{}#results", o.patient_id));
        });
    };
    let priorities: Vec<(String, String)> = Priority::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), p.label().to_string()))
        .collect();
    let duplicate = errors.field("confirm_duplicates");
    view! {
        <form class="card form" on:submit=on_submit novalidate data-testid="lab-order-form">
            <FormAlert errors/>
            <fieldset>
                <legend>"Panels"</legend>
                <div class="choice-grid">
                    {panels.into_iter().map(|panel| {
                        let (value, set) = chosen(format!("{PANEL_PREFIX}{panel}"));
                        let id = format!("panel-{}", panel.replace(' ', "-"));
                        let label_for = id.clone();
                        view! {
                            <label class="choice" for=label_for>
                                <input id=id type="checkbox" prop:checked=move || value.get() on:change=move |ev| set.run(event_target_checked(&ev))/>
                                " "{panel}
                            </label>
                        }
                    }).collect_view()}
                </div>
            </fieldset>
            <fieldset>
                <legend>"Tests and imaging studies"</legend>
                <Input label="Find a test" name="test-filter" bind=lens(filter, |f| f.clone(), |f, v| *f = v) error=crate::components::no_error() hint="Name, code or body region"/>
                <div class="choice-list" data-testid="test-choices">
                    {move || {
                        let q = filter.get().to_lowercase();
                        catalogue.with_value(|all| all.iter()
                            .filter(|t| q.is_empty() || t.name.to_lowercase().contains(&q) || t.code.to_lowercase().contains(&q))
                            .map(|t| {
                                let label = format!("{} ({})", t.name, if t.kind == TestKind::Imaging { "imaging".to_string() } else { t.specimen.clone().unwrap_or_default() });
                                let (value, set) = chosen(t.code.clone());
                                let id = format!("test-{}", t.code);
                                let label_for = id.clone();
                                view! {
                                    <label class="choice" for=label_for>
                                        <input id=id type="checkbox" prop:checked=move || value.get() on:change=move |ev| set.run(event_target_checked(&ev))/>
                                        " "<span dir="auto">{label}</span>
                                    </label>
                                }
                            })
                            .collect_view())
                    }}
                </div>
                <p class="field__error" aria-live="polite">{errors.field("tests")}</p>
            </fieldset>
            <Select label="Priority" name="priority" required=true options=priorities
                bind=lens(form, |f| f.priority.clone(), |f, v| f.priority = v) error=errors.field("priority")/>
            <TextArea label="Clinical note for the laboratory" name="note"
                bind=lens(form, |f| f.note.clone(), |f, v| f.note = v) error=errors.field("note")/>
            {move || duplicate.get().map(|message| view! {
                <div class="alert alert--warn" role="alert" data-testid="duplicate-warning">
                    <p>{message}</p>
                    <Check label="Order again" name="confirm_duplicates"
                        bind=lens_bool(form, |f| f.confirm_duplicates, |f, v| f.confirm_duplicates = v)
                        error=crate::components::no_error()/>
                </div>
            })}
            <Submit label="Place the order" busy_label="Ordering…" busy/>
        </form>
    }
}

/// `/clinic/lab`: the worklist, with the scan box.
#[component]
pub fn WorklistPage() -> impl IntoView {
    view! {
        <Title text="Laboratory worklist"/>
        <Gate>
            <h1>"Laboratory worklist"</h1>
            {move || if [Permission::WorkLab, Permission::VerifyResults, Permission::ReportImaging].iter().any(|p| current_user().role.can(*p)) {
                let technician = current_user().role.can(Permission::WorkLab);
                view! { <ScanBox/>{technician.then(|| view! { <TodaysVisits/> })}<Worklist/> }.into_any()
            } else {
                view! { <p class="muted">"The worklist is for the laboratory and radiology."</p> }.into_any()
            }}
        </Gate>
    }
}

/// The sample collection visits booked for today, in time order.
#[component]
fn TodaysVisits() -> impl IntoView {
    let session = PortalSession::get();
    let visits = Resource::new(
        || (),
        move |_| {
            session.load(super::visit_api::collection_day(
                crate::appointments::pages::today().to_string(),
            ))
        },
    );
    view! {
        <section class="card" aria-labelledby="visits-title">
            <h2 id="visits-title">"Collection visits today"</h2>
            <Transition fallback=|| view! { <Loading/> }>
                {move || Suspend::new(async move {
                    match visits.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No visits booked today."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="list" data-testid="todays-visits">
                                {list.into_iter().map(|v| view! {
                                    <li>
                                        <strong>{crate::zone::local(v.visit.starts_at).format("%H:%M").to_string()}</strong>" "
                                        <a href=format!("/clinic/lab/orders/{}", v.visit.order_id) dir="auto">{v.patient_name}</a>" "
                                        <span class="mrn">{v.mrn}</span>" "
                                        <span class="muted" dir="auto">{v.tests.join(", ")}</span>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// The accession number, typed or scanned (a USB scanner types it and
/// presses Enter), opens its order.
#[component]
fn ScanBox() -> impl IntoView {
    let accession = RwSignal::new(String::new());
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            scan_accession(accession.get_untracked()),
            move |id| {
                hard_navigate(&format!("/clinic/lab/orders/{id}"));
            },
        );
    };
    view! {
        <form class="card form form--inline" on:submit=on_submit novalidate data-testid="scan">
            <Input label="Scan or type an accession number" name="accession" autocomplete="off"
                bind=lens(accession, |a| a.clone(), |a, v| *a = v) error=errors.field("accession")/>
            <Submit label="Open" busy_label="Opening…" busy/>
        </form>
    }
}

#[component]
fn Worklist() -> impl IntoView {
    let filter = RwSignal::new(WorkFilter::default());
    let session = PortalSession::get();
    let page = Resource::new(move || filter.get(), move |f| session.load(lab_worklist(f)));
    let stages: Vec<(String, String)> = Stage::ALL
        .iter()
        .map(|s| (s.as_str().to_string(), s.label().to_string()))
        .collect();
    let priorities: Vec<(String, String)> = Priority::ALL
        .iter()
        .map(|p| (p.as_str().to_string(), p.label().to_string()))
        .collect();
    let ages: Vec<(String, String)> = [1, 4, 24]
        .iter()
        .map(|h| (h.to_string(), format!("Ordered over {h} h ago")))
        .collect();
    view! {
        <div class="card form form--inline" role="search" aria-label="Filter the worklist">
            <Select label="Stage" name="stage" options=stages placeholder="All open"
                bind=lens(filter, |f| f.stage.map(|s| s.as_str().to_string()).unwrap_or_default(), |f, v| f.stage = Stage::from_code(&v).ok())
                error=crate::components::no_error()/>
            <Select label="Priority" name="priority" options=priorities placeholder="Any"
                bind=lens(filter, |f| f.priority.map(|s| s.as_str().to_string()).unwrap_or_default(), |f, v| f.priority = Priority::from_code(&v).ok())
                error=crate::components::no_error()/>
            <Select label="Age" name="age" options=ages placeholder="Any"
                bind=lens(filter, |f| f.older_than_hours.map(|h| h.to_string()).unwrap_or_default(), |f, v| f.older_than_hours = v.parse().ok())
                error=crate::components::no_error()/>
        </div>
        <Transition fallback=|| view! { <Loading label="Loading the worklist…"/> }>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(p) => {
                        let on_shift = if p.on_shift.is_empty() {
                            "Nobody is on shift today.".to_string()
                        } else {
                            p.on_shift.iter().map(|(s, n)| format!("{}: {n}", s.label())).collect::<Vec<_>>().join(" · ")
                        };
                        let now = p.now;
                        view! {
                            <p class="muted" data-testid="on-shift">{on_shift}</p>
                            {if p.rows.is_empty() {
                                view! { <EmptyState title="Nothing waiting">"Ordered tests appear here."</EmptyState> }.into_any()
                            } else {
                                view! {
                                    <div class="table-scroll">
                                    <table class="lab-table" data-testid="worklist">
                                        <thead><tr><th>"Due"</th><th>"Patient"</th><th>"Test"</th><th>"Priority"</th><th>"Stage"</th><th>"Accession"</th></tr></thead>
                                        <tbody>
                                            {p.rows.into_iter().map(|r| view! { <WorkRowView r now/> }).collect_view()}
                                            <MoreWork start=p.next filter now/>
                                        </tbody>
                                    </table>
                                    </div>
                                }.into_any()
                            }}
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn WorkRowView(r: WorkRow, now: chrono::DateTime<chrono::Utc>) -> impl IntoView {
    let overdue = r.due_at < now && matches!(r.status, ItemStatus::Ordered | ItemStatus::Collected);
    view! {
        <tr class:lab-row--overdue=overdue data-testid="work-row">
            <td>{format_time(r.due_at)}{overdue.then(|| view! { " "<span class="badge badge--danger">"Overdue"</span> })}</td>
            <td><a href=format!("/clinic/lab/orders/{}", r.order_id) dir="auto">{r.patient_name}</a>" "<span class="muted">{r.mrn}</span></td>
            <td dir="auto">{r.test}{r.specimen.map(|s| view! { " "<span class="muted">{format!("({s})")}</span> })}</td>
            <td>{r.priority.label()}</td>
            <td>{r.status.label()}</td>
            <td>{r.accession.unwrap_or_default()}</td>
        </tr>
    }
}

/// The worklist's later pages, on demand.
#[component]
fn MoreWork(
    start: Option<WorkCursor>,
    filter: RwSignal<WorkFilter>,
    now: chrono::DateTime<chrono::Utc>,
) -> impl IntoView {
    let rows = RwSignal::new(Vec::<WorkRow>::new());
    let next = RwSignal::new(start);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let load = move |_| {
        let f = WorkFilter {
            after: next.get_untracked(),
            ..filter.get_untracked()
        };
        submit_with(busy, errors, lab_worklist(f), move |page| {
            rows.update(|r| r.extend(page.rows));
            next.set(page.next);
        });
    };
    view! {
        <For each=move || rows.get() key=|r| r.item_id let:r>
            <WorkRowView r now/>
        </For>
        {move || next.get().is_some().then(|| view! {
            <tr><td colspan="6">
                <FormAlert errors/>
                <button type="button" class="btn" disabled=move || busy.get() on:click=load>
                    {move || if busy.get() { "Loading…" } else { "Show more" }}
                </button>
            </td></tr>
        })}
    }
}

/// `/clinic/lab/orders/:id`: an order at the bench.
#[component]
pub fn LabOrderPage() -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|s| Uuid::parse_str(&s).ok())
    });
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let order = Resource::new(
        move || (id.get(), version.get()),
        move |(id, _)| {
            session.load(async move {
                let id = id.ok_or_else(|| AppError::NotFound("That order".into()))?;
                lab_order(LabOrderId::from(id)).await
            })
        },
    );
    view! {
        <Title text="Laboratory order"/>
        <Transition fallback=|| view! { <Loading label="Opening the order…"/> }>
            {move || Suspend::new(async move {
                // Provides the signed-in user the bench's buttons depend on.
                if crate::portal_session::signed_in().await.is_none() {
                    return ().into_any();
                }
                match order.await {
                    Ok(o) => view! { <OrderAtBench o version/> }.into_any(),
                    Err(e) => view! { <h1>"Laboratory order"</h1><ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn OrderAtBench(o: OrderView, version: RwSignal<u32>) -> impl IntoView {
    let role = current_user().role;
    let to_collect = o
        .items
        .iter()
        .any(|i| i.status == ItemStatus::Ordered && i.kind == TestKind::Lab);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let collected = RwSignal::new(Vec::<String>::new());
    let order_id = o.id;
    let collect = move |_| {
        submit_with(busy, errors, collect_specimens(order_id), move |a| {
            collected.set(a);
            version.update(|v| *v += 1);
        });
    };
    let released = o.items.iter().any(|i| i.status == ItemStatus::Released);
    let mut accessions: Vec<String> = o.items.iter().filter_map(|i| i.accession.clone()).collect();
    accessions.sort();
    accessions.dedup();
    view! {
        <header class="chart-banner" data-testid="chart-banner">
            <div class="chart-banner__who">
                <h1 dir="auto">{o.patient_name.clone()}</h1>
                <p>
                    <span class="mrn">{o.mrn.clone()}</span>" · "
                    {o.birth_date.map(|b| b.format("%-d %b %Y").to_string()).unwrap_or_else(|| "Birth date unknown".into())}
                    " · "{o.sex.clone()}
                </p>
            </div>
            <div>
                <p><span class=if o.priority == Priority::Routine { "badge" } else { "badge badge--danger" }>{o.priority.label()}</span></p>
                <p class="muted">{format!("Ordered by {} on {}", o.ordered_by, format_time(o.ordered_at))}</p>
            </div>
        </header>
        {o.note.clone().map(|n| view! { <p class="card" dir="auto"><strong>"Clinical note: "</strong>{n}</p> })}
        <FormAlert errors/>
        {(to_collect && role.can(Permission::WorkLab)).then(|| view! {
            <p><button type="button" class="btn btn--primary" disabled=move || busy.get() on:click=collect data-testid="collect">
                {move || if busy.get() { "Collecting…" } else { "Collect specimens" }}
            </button></p>
        })}
        {released.then(|| view! {
            <p><a class="btn" href=report_href(order_id) data-testid="lab-report">"Lab report (PDF)"</a></p>
        })}
        {(!accessions.is_empty()).then(|| view! {
            <p data-testid="labels">"Labels: "
                {accessions.into_iter().map(|a| view! {
                    <a class="btn btn--ghost" href=format!("/clinic/lab/labels/{a}")>{a.clone()}</a>" "
                }).collect_view()}
            </p>
        })}
        <ul class="rx-list" data-testid="order-items">
            {o.items.into_iter().map(|i| view! { <BenchItem i version/> }).collect_view()}
        </ul>
    }
}

/// One test at the bench: its results, and what the caller may do with it.
#[component]
fn BenchItem(i: ItemView, version: RwSignal<u32>) -> impl IntoView {
    let role = current_user().role;
    let can_enter = match i.kind {
        TestKind::Lab => role.can(Permission::WorkLab) && i.status == ItemStatus::Collected,
        TestKind::Imaging => role.can(Permission::ReportImaging) && i.status == ItemStatus::Ordered,
    };
    let current = i.current().cloned();
    let waiting = current
        .as_ref()
        .filter(|r| r.status == ResultStatus::Entered)
        .map(|r| r.id);
    let released = current
        .as_ref()
        .filter(|r| r.status == ResultStatus::Released && i.status == ItemStatus::Released)
        .map(|r| r.id);
    let name = i.name.clone();
    // Files go with an imaging report in force, attached by who reports.
    let attach = current
        .as_ref()
        .filter(|_| i.kind == TestKind::Imaging && role.can(Permission::ReportImaging))
        .map(|r| r.id);
    view! {
        <li class="rx" data-testid="bench-item" data-code=i.code.clone()>
            <p>
                <strong dir="auto">{i.name.clone()}</strong>" "
                <span class="badge" data-testid="item-status">{i.status.label()}</span>
                {i.panel.clone().map(|p| view! { " "<span class="muted">{format!("({p})")}</span> })}
                {i.accession.clone().map(|a| view! { " "<span class="mrn">{a}</span> })}
            </p>
            <ResultHistory results=i.results.clone() unit=i.unit.clone()/>
            {can_enter.then(|| view! { <EnterResult item=i.clone() version/> })}
            {attach.map(|result_id| view! { <AttachFile result_id version/> })}
            {waiting.filter(|_| role.can(Permission::VerifyResults)).map(|result_id| view! { <Verify result_id name=name.clone() version/> })}
            {released.filter(|_| role.can(Permission::VerifyResults)).map(|result_id| view! { <Correct result_id kind=i.kind version/> })}
        </li>
    }
}

/// A test's results, the one in force first.
#[component]
fn ResultHistory(results: Vec<ResultView>, unit: Option<String>) -> impl IntoView {
    (!results.is_empty()).then(|| {
        view! {
            <ul class="list" data-testid="results">
                {results.into_iter().map(|r| {
                    let unit = r.unit.clone().or_else(|| unit.clone());
                    let old = matches!(r.status, ResultStatus::Superseded | ResultStatus::Rejected);
                    view! {
                        <li class:muted=old data-testid="result">
                            <span class="lab-table__value" dir="auto">{with_unit(&r.value, &unit)}</span>" "
                            {flag_badge(r.flag)}" "
                            {(!r.limits.interval_text().is_empty()).then(|| view! { <span class="muted">{format!("(range {})", r.limits.interval_text())}</span> })}" "
                            <span class="badge">{r.status.label()}</span>
                            {r.impression.clone().map(|imp| view! { <p dir="auto"><strong>"Impression: "</strong>{imp}</p> })}
                            <AttachmentLinks files=r.attachments.clone()/>
                            <br/><span class="muted">{format!("Entered by {} {}", r.entered_by, format_time(r.entered_at))}
                                {r.verified_by.clone().map(|v| format!(", verified by {v}"))}</span>
                            {r.correction_reason.clone().map(|why| view! { <br/><span dir="auto">{format!("Correction: {why}")}</span> })}
                            {r.acknowledged_by.clone().map(|who| view! { <br/><span class="muted">{format!("Acknowledged by {who}")}</span> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}

#[component]
fn EnterResult(item: ItemView, version: RwSignal<u32>) -> impl IntoView {
    let form = RwSignal::new(ResultEntry {
        item_id: Some(item.id),
        ..ResultEntry::default()
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, enter_result(form.get_untracked()), version);
    };
    let name = format!("value-{}", item.code);
    let imaging = item.kind == TestKind::Imaging;
    let label: &'static str = if imaging { "Findings" } else { "Result" };
    view! {
        <form class="form form--inline" on:submit=on_submit novalidate data-testid="enter-result">
            {if imaging {
                view! {
                    <TextArea label="Findings" name=name bind=lens(form, |f| f.value.clone(), |f, v| f.value = v) error=errors.field("value")/>
                    <TextArea label="Impression" name=format!("impression-{}", item.code) bind=lens(form, |f| f.impression.clone(), |f, v| f.impression = v) error=errors.field("impression")/>
                }.into_any()
            } else {
                view! {
                    <Input label=label name=name inputmode="decimal" autocomplete="off"
                        hint=if item.unit.is_some() { "In the unit shown" } else { "As reported" }
                        bind=lens(form, |f| f.value.clone(), |f, v| f.value = v) error=errors.field("value")/>
                    <span class="muted">{item.unit.clone().unwrap_or_default()}</span>
                }.into_any()
            }}
            <FormAlert errors/>
            <Submit label=if imaging { "Sign the report" } else { "Enter" } busy_label="Saving…" busy/>
        </form>
    }
}

#[component]
fn Verify(result_id: LabResultId, name: String, version: RwSignal<u32>) -> impl IntoView {
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let act = move |accept: bool| {
        submit_then_reload(busy, errors, verify_result(result_id, accept), version);
    };
    view! {
        <div class="form form--inline" data-testid="verify">
            <FormAlert errors/>
            <button type="button" class="btn btn--primary" disabled=move || busy.get()
                aria-label=format!("Verify and release {name}") on:click=move |_| act(true)>"Verify and release"</button>
            <button type="button" class="btn btn--ghost" disabled=move || busy.get() on:click=move |_| act(false)>"Send back"</button>
        </div>
    }
}

#[component]
fn Correct(result_id: LabResultId, kind: TestKind, version: RwSignal<u32>) -> impl IntoView {
    let open = RwSignal::new(false);
    let form = RwSignal::new(Correction {
        result_id: Some(result_id),
        ..Correction::default()
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_then_reload(busy, errors, correct_result(form.get_untracked()), version);
    };
    view! {
        <button type="button" class="btn btn--ghost" on:click=move |_| open.update(|o| *o = !*o)>"Correct…"</button>
        {move || open.get().then(|| view! {
            <form class="form" on:submit=on_submit novalidate data-testid="correct">
                <Input label=if kind == TestKind::Imaging { "Corrected findings" } else { "Corrected value" } name="corrected-value"
                    bind=lens(form, |f| f.value.clone(), |f, v| f.value = v) error=errors.field("value")/>
                {(kind == TestKind::Imaging).then(|| view! {
                    <TextArea label="Corrected impression" name="corrected-impression" bind=lens(form, |f| f.impression.clone(), |f, v| f.impression = v) error=errors.field("impression")/>
                })}
                <TextArea label="Why it is corrected" name="correction-reason"
                    bind=lens(form, |f| f.reason.clone(), |f, v| f.reason = v) error=errors.field("reason")/>
                <FormAlert errors/>
                <Submit label="Save the correction" busy_label="Saving…" busy/>
            </form>
        })}
    }
}

/// `/clinic/lab/labels/:accession`: a specimen's label, to print.
#[component]
pub fn LabelPage() -> impl IntoView {
    let params = use_params_map();
    let accession = Memo::new(move |_| params.read().get("accession").unwrap_or_default());
    let session = PortalSession::get();
    let label = Resource::new(
        move || accession.get(),
        move |a| session.load_if(Permission::WorkLab, specimen_label(a)),
    );
    view! {
        <Title text="Specimen label"/>
        <h1>"Specimen label"</h1>
        <Transition fallback=|| view! { <Loading label="Loading the label…"/> }>
            {move || Suspend::new(async move {
                match label.await {
                    Ok(l) => {
                        let quiet = 10u16;
                        let width = l.modules + 2 * quiet;
                        view! {
                            <div class="lab-label" data-testid="label">
                                <svg class="lab-label__bars" viewBox=format!("0 0 {width} 40") preserveAspectRatio="none"
                                    role="img" aria-label=format!("Barcode of {}", l.accession) data-testid="barcode">
                                    <rect x="0" y="0" width=width height="40" fill="#fff"/>
                                    {l.bars.iter().map(|(x, w)| view! {
                                        <rect x=x + quiet y="0" width=*w height="40" fill="#000"/>
                                    }).collect_view()}
                                </svg>
                                <p class="lab-label__text"><strong data-testid="accession">{l.accession.clone()}</strong>" · "{l.specimen.clone()}</p>
                                <p class="lab-label__text" dir="auto">{l.patient_name.clone()}</p>
                                <p class="lab-label__text">{format!("MRN {} · born {}", l.mrn, l.birth_date.map(|b| b.to_string()).unwrap_or_else(|| "unknown".into()))}</p>
                                <p class="lab-label__text">{format!("{} · {}", format_time(l.collected_at), l.tests.join(", "))}</p>
                            </div>
                            <p><button type="button" class="btn btn--primary" on:click=|_| {
                                #[cfg(feature = "hydrate")]
                                if let Some(w) = web_sys::window() { let _ = w.print(); }
                            }>"Print the label"</button></p>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The chart's results: each order with its tests, abnormal ones marked, a
/// trend chart per numeric test with its reference range shaded, and the
/// ordering doctor's acknowledgement of critical results.
#[component]
pub fn ResultsPanel(patient_id: Uuid) -> impl IntoView {
    let version = RwSignal::new(0u32);
    let session = PortalSession::get();
    let orders = Resource::new(
        move || version.get(),
        move |_| session.load(patient_lab_orders(patient_id.into())),
    );
    view! {
        <Transition fallback=|| view! { <Loading label="Loading results…"/> }>
            {move || Suspend::new(async move {
                match orders.await {
                    Ok(all) if all.is_empty() => view! {
                        <EmptyState title="No tests ordered">"Laboratory tests and imaging ordered for this patient appear here."</EmptyState>
                    }.into_any(),
                    Ok(all) => view! {
                        <LabTrends orders=all.clone()/>
                        <div class="table-scroll">
                        <table class="lab-table" data-testid="chart-results">
                            <thead><tr><th>"Test"</th><th>"Result"</th><th>"Range"</th><th>"Status"</th><th>"Ordered"</th></tr></thead>
                            <tbody>
                                {all.into_iter().flat_map(|o| {
                                    let ordered = format!("{} · {}", format_time(o.ordered_at), o.priority.label());
                                    let report = o.items.iter().any(|i| i.status == ItemStatus::Released).then(|| report_href(o.id));
                                    o.items.into_iter().map(move |i| view! { <ChartResultRow i ordered=ordered.clone() report=report.clone() version/> })
                                }).collect_view()}
                            </tbody>
                        </table>
                        </div>
                    }.into_any(),
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ChartResultRow(
    i: ItemView,
    ordered: String,
    /// The order's lab report, once something of it is released.
    report: Option<String>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let current = i.current().cloned();
    let flag = current.as_ref().and_then(|r| r.flag);
    let critical = current
        .as_ref()
        .is_some_and(|r| r.unacknowledged_critical());
    let may_ack = critical && current_user().role.can(Permission::OrderTests);
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let id = current.as_ref().map(|r| r.id);
    let ack = move |_| {
        if let Some(id) = id {
            submit_then_reload(busy, errors, acknowledge_result(id), version);
        }
    };
    view! {
        <tr class:lab-row--abnormal=flag.is_some_and(|f| f.is_abnormal()) class:lab-row--critical=flag.is_some_and(|f| f.is_critical())
            data-testid="chart-result" data-code=i.code.clone()>
            <td dir="auto">{i.name.clone()}</td>
            <td class="lab-table__value">
                {current.as_ref().map(|r| view! {
                    <span dir="auto">{with_unit(&r.value, &r.unit.clone().or(i.unit.clone()))}</span>" "{flag_badge(r.flag)}
                    {r.impression.clone().map(|imp| view! { <br/><span dir="auto">{imp}</span> })}
                    <AttachmentLinks files=r.attachments.clone()/>
                    {(r.status == ResultStatus::Entered).then(|| view! { " "<span class="muted">"(awaiting verification)"</span> })}
                })}
                {may_ack.then(|| view! {
                    <FormAlert errors/>
                    <button type="button" class="btn btn--primary" disabled=move || busy.get() on:click=ack data-testid="acknowledge">"Acknowledge"</button>
                })}
            </td>
            <td>{current.as_ref().map(|r| r.limits.interval_text()).unwrap_or_default()}</td>
            <td>{i.status.label()}</td>
            <td>{ordered}{report.map(|href| view! { <br/><a href=href data-testid="lab-report">"Lab report (PDF)"</a> })}</td>
        </tr>
    }
}

/// Where an order's lab report (PDF) is downloaded.
pub fn report_href(order: LabOrderId) -> String {
    format!("/api/lab/orders/{order}/pdf")
}

/// The reference range a trend chart shades, if the limits have one.
pub fn band_of(l: &shared::lab::Limits) -> Option<(Option<f64>, Option<f64>)> {
    (l.low.is_some() || l.high.is_some())
        .then(|| (l.low.map(LabValue::to_f64), l.high.map(LabValue::to_f64)))
}

/// One test's trend: its unit, results oldest first, and range.
pub struct TestTrend {
    pub name: String,
    pub unit: String,
    pub points: Vec<(chrono::DateTime<chrono::Utc>, f64)>,
    pub band: Option<(Option<f64>, Option<f64>)>,
}

impl TestTrend {
    /// A trend of `results` ((when, value, limits), any order), if there
    /// are two values or more; shaded with the latest result's range.
    pub fn of(
        name: String,
        unit: Option<String>,
        mut results: Vec<(
            chrono::DateTime<chrono::Utc>,
            shared::lab::LabValue,
            shared::lab::Limits,
        )>,
    ) -> Option<TestTrend> {
        if results.len() < 2 {
            return None;
        }
        results.sort_by_key(|r| r.0);
        Some(TestTrend {
            name,
            unit: unit.unwrap_or_default(),
            band: results.last().and_then(|r| band_of(&r.2)),
            points: results.iter().map(|r| (r.0, r.1.to_f64())).collect(),
        })
    }

    pub fn view(self) -> AnyView {
        use crate::chart::trend::{Series, TrendChart};
        let series = vec![Series {
            label: "Result",
            class: "trend__line--a",
            points: self.points,
        }];
        match self.band {
            Some(band) => {
                view! { <TrendChart title=self.name unit=self.unit series band/> }.into_any()
            }
            None => view! { <TrendChart title=self.name unit=self.unit series/> }.into_any(),
        }
    }
}

/// A trend chart for each numeric test with released results over time.
#[component]
fn LabTrends(orders: Vec<OrderView>) -> impl IntoView {
    use std::collections::BTreeMap;
    type Released = Vec<(
        chrono::DateTime<chrono::Utc>,
        shared::lab::LabValue,
        shared::lab::Limits,
    )>;
    let mut by_test: BTreeMap<String, (Option<String>, Released)> = BTreeMap::new();
    for o in orders {
        for i in o.items {
            if let Some(r) = i.current().filter(|r| r.status == ResultStatus::Released) {
                if let Some(v) = r.numeric {
                    let entry = by_test
                        .entry(i.name.clone())
                        .or_insert_with(|| (i.unit.clone(), Vec::new()));
                    entry.1.push((r.observed_at, v, r.limits));
                }
            }
        }
    }
    let charts: Vec<TestTrend> = by_test
        .into_iter()
        .filter_map(|(name, (unit, results))| TestTrend::of(name, unit, results))
        .collect();
    (!charts.is_empty()).then(|| {
        view! {
            <div class="trends" data-testid="lab-trends">
                {charts.into_iter().map(TestTrend::view).collect_view()}
            </div>
        }
    })
}

/// The clinic home's tile of the doctor's critical results to acknowledge.
#[component]
pub fn CriticalResultsTile() -> impl IntoView {
    let session = PortalSession::get();
    let alerts = Resource::new(
        || (),
        move |_| session.load_if(Permission::OrderTests, critical_alerts()),
    );
    view! {
        <TileCard id="critical-title" title="Critical results" needs=Some(Permission::OrderTests)>
            {loaded(alerts, |a| tile_list(
                a,
                None,
                "No critical results waiting for you.",
                |c| view! {
                    <span><a href=format!("/clinic/patients/{}#results", c.patient_id)><strong dir="auto">{c.patient_name}</strong></a>" "<span class="muted">{format!("MRN {}", c.mrn)}</span></span>
                    <span data-testid="critical-alert">{format!("{}: {} {}", c.test, c.value, c.unit.unwrap_or_default())}" "{flag_badge(Some(c.flag))}</span>
                    <span class="muted">{format_time(c.entered_at)}</span>
                }.into_any(),
            ))}
        </TileCard>
    }
}

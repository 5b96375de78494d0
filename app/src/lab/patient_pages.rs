//! The patient's results on the phone: released results only, each with
//! its value, the usual range in plain words and, for a test measured more
//! than once, its trend with the usual range shaded; imaging reports; the
//! tests still to come, and the visit to have samples taken, booked in
//! the laboratory's free times.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos_meta::Title;
use shared::appointments::FreeSlot;
use shared::lab::TestKind;
use shared::lab_visits::{ToCollect, VisitOutcome};
use shared::lab_work::{MyResults, PatientResult};
use shared::AppError;

use super::api::my_lab_results;
use super::visit_api::{book_collection, cancel_collection, collection_slots};
use crate::components::{format_day, format_time, EmptyState, ErrorBox, Loading};
use crate::nav::{loaded, TileCard};
use crate::portal_session::{Gate, PortalSession};

/// `/patient/results`.
#[component]
pub fn MyResultsPage() -> impl IntoView {
    let session = PortalSession::get();
    // Bumped after booking or cancelling a collection visit.
    let version = RwSignal::new(0_u32);
    let mine = Resource::new(
        move || version.get(),
        move |_| session.load(my_lab_results()),
    );
    view! {
        <Title text="Test results"/>
        <Gate>
            <h1>"Test results"</h1>
            <Transition fallback=|| view! { <Loading label="Loading your results…"/> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Ok(m) => view! { <Results m version/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

#[component]
fn Results(m: MyResults, version: RwSignal<u32>) -> impl IntoView {
    use std::collections::BTreeMap;
    let collect = (!m.to_collect.is_empty()).then(|| {
        view! {
            <section class="card" aria-labelledby="collect-title" data-testid="to-collect">
                <h2 id="collect-title">"Sample collection"</h2>
                <p class="muted">"Book a time at the laboratory to have your samples taken."</p>
                {m.to_collect.iter().cloned().map(|c| view! { <CollectionVisit c version/> }).collect_view()}
            </section>
        }
    });
    let pending = (!m.pending.is_empty()).then(|| {
        view! {
            <section class="card" aria-labelledby="pending-title">
                <h2 id="pending-title">"Tests on their way"</h2>
                <ul class="list" data-testid="pending-tests">
                    {m.pending.iter().map(|(name, at)| view! {
                        <li><span dir="auto">{name.clone()}</span>" "<span class="muted">{format!("ordered {}", format_day(*at))}</span></li>
                    }).collect_view()}
                </ul>
                <p class="muted">"Results appear here once the laboratory has checked them."</p>
            </section>
        }
    });
    if m.results.is_empty() {
        return view! {
            {collect}
            {pending}
            <EmptyState title="No results yet">"Your test results appear here once they are ready."</EmptyState>
        }
        .into_any();
    }
    // By test, newest first within each.
    let mut by_test: BTreeMap<String, Vec<PatientResult>> = BTreeMap::new();
    for r in m.results {
        by_test.entry(r.test.clone()).or_default().push(r);
    }
    let mut tests: Vec<Vec<PatientResult>> = by_test.into_values().collect();
    tests.sort_by(|a, b| b[0].observed_at.cmp(&a[0].observed_at));
    view! {
        {collect}
        {pending}
        <div class="cards">
            {tests.into_iter().map(|rs| view! { <TestCard rs/> }).collect_view()}
        </div>
        <section class="card" aria-labelledby="reports-title">
            <h2 id="reports-title">"Lab reports"</h2>
            <ul class="list" data-testid="lab-reports">
                {m.reports.into_iter().map(|(id, at)| view! {
                    <li><a href=super::pages::report_href(id)>{format!("Report of the tests ordered {}", format_day(at))}</a>" "<span class="muted">"(PDF)"</span></li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

/// One order's samples to take: its booked visit (change, cancel), or a
/// time to book from the laboratory's free slots.
#[component]
fn CollectionVisit(c: ToCollect, version: RwSignal<u32>) -> impl IntoView {
    let picking = RwSignal::new(false);
    let error = RwSignal::new(None::<AppError>);
    let taken = RwSignal::new(None::<(String, Vec<FreeSlot>)>);
    let order_id = c.order_id;
    let book = move |start: DateTime<Utc>| {
        leptos::task::spawn_local(async move {
            match book_collection(order_id, start).await {
                Ok(VisitOutcome::Booked(_)) => {
                    error.set(None);
                    picking.set(false);
                    version.update(|v| *v += 1);
                }
                Ok(VisitOutcome::Taken {
                    message,
                    alternatives,
                }) => taken.set(Some((message, alternatives))),
                Err(e) => error.set(Some(e)),
            }
        });
    };
    let visit = c.visit.clone();
    let cancel = move |_| {
        if let Some(v) = &visit {
            let id = v.id;
            leptos::task::spawn_local(async move {
                match cancel_collection(id).await {
                    Ok(_) => version.update(|n| *n += 1),
                    Err(e) => error.set(Some(e)),
                }
            });
        }
    };
    let has_visit = c.visit.is_some();
    view! {
        <div class="collect" data-testid="collect-order">
            <p dir="auto"><strong>{c.tests.join(", ")}</strong></p>
            <p class="muted">{format!("Ordered {}", format_day(c.ordered_at))}</p>
            {c.visit.as_ref().map(|v| view! {
                <p data-testid="visit-booked">"Your visit: "<strong>{format_time(v.starts_at)}</strong></p>
            })}
            <div class="actions">
                <button type="button" class="btn" on:click=move |_| picking.update(|p| *p = !*p)
                    aria-expanded=move || if picking.get() { "true" } else { "false" }>
                    {if has_visit { "Change the time" } else { "Book a visit" }}
                </button>
                {has_visit.then(|| view! { <button type="button" class="btn btn--secondary" on:click=cancel>"Cancel the visit"</button> })}
            </div>
            {move || error.get().map(|e| view! { <ErrorBox error=e/> })}
            {move || taken.get().map(|(message, alternatives)| view! {
                <div class="alert alert--warn" role="alert" data-testid="slot-taken">
                    <p>{message}</p>
                    <div class="slots" role="group" aria-label="Other free times">
                        {alternatives.into_iter().map(|s| view! {
                            <button type="button" class="slot" on:click=move |_| book(s.start)>{format_time(s.start)}</button>
                        }).collect_view()}
                    </div>
                </div>
            })}
            {move || picking.get().then(|| view! { <CollectionSlots book/> })}
        </div>
    }
}

/// The laboratory's free collection times of the next two weeks, by day.
#[component]
fn CollectionSlots(book: impl Fn(DateTime<Utc>) + Copy + Send + Sync + 'static) -> impl IntoView {
    let days = shared::appointments::MAX_CHOICE_DAYS;
    let slots =
        LocalResource::new(move || collection_slots(crate::appointments::pages::today(), days));
    let day = RwSignal::new(None::<chrono::NaiveDate>);
    view! {
        <Transition fallback=|| view! { <Loading label="Finding free times…"/> }>
            {move || Suspend::new(async move {
                match slots.await {
                    Ok(list) if list.is_empty() => view! {
                        <EmptyState title="No free times in the next two weeks">
                            <p>"Call the laboratory, or come back later for new times."</p>
                        </EmptyState>
                    }.into_any(),
                    Ok(list) => {
                        let mut by_day: Vec<(chrono::NaiveDate, Vec<FreeSlot>)> = Vec::new();
                        for s in list {
                            let date = crate::zone::local(s.start).date();
                            match by_day.last_mut() {
                                Some((d, v)) if *d == date => v.push(s),
                                _ => by_day.push((date, vec![s])),
                            }
                        }
                        let current = day.get().filter(|d| by_day.iter().any(|(x, _)| x == d)).unwrap_or(by_day[0].0);
                        let tabs = by_day.iter().map(|(date, v)| {
                            let date = *date;
                            view! {
                                <button type="button" role="tab" class="day-tab" aria-selected=if date == current { "true" } else { "false" }
                                    on:click=move |_| day.set(Some(date))>
                                    <span>{date.format("%a %-d %b").to_string()}</span>
                                    <small>{format!("{} free", v.len())}</small>
                                </button>
                            }
                        }).collect_view();
                        let times = by_day.into_iter().find(|(d, _)| *d == current).map(|(_, v)| v).unwrap_or_default();
                        view! {
                            <div class="day-tabs" role="tablist" aria-label="Days with free times">{tabs}</div>
                            <div class="slots" role="group" aria-label="Free times" data-testid="collection-slots">
                                {times.into_iter().map(|s| view! {
                                    <button type="button" class="slot" on:click=move |_| book(s.start)>
                                        {crate::zone::local(s.start).format("%H:%M").to_string()}
                                    </button>
                                }).collect_view()}
                            </div>
                        }.into_any()
                    }
                    Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TestCard(rs: Vec<PatientResult>) -> impl IntoView {
    let latest = rs[0].clone();
    let unit = latest.unit.clone().unwrap_or_default();
    let trend = super::pages::TestTrend::of(
        latest.test.clone(),
        latest.unit.clone(),
        rs.iter()
            .filter_map(|r| r.numeric.map(|v| (r.observed_at, v, r.limits)))
            .collect(),
    )
    .map(super::pages::TestTrend::view);
    let abnormal = latest.flag.is_some_and(|f| f.is_abnormal());
    view! {
        <section class="card" data-testid="my-result" data-code=latest.code.clone()>
            <h2 dir="auto">{latest.test.clone()}</h2>
            {if latest.kind == TestKind::Imaging {
                view! {
                    <p dir="auto"><strong>"Impression: "</strong>{latest.impression.clone().unwrap_or_default()}</p>
                    <details><summary>"Findings"</summary><p dir="auto">{latest.value.clone()}</p></details>
                    <super::attach_pages::AttachmentLinks files=latest.attachments.clone()/>
                }.into_any()
            } else {
                view! {
                    <p class="lab-table__value"><strong data-testid="my-value">{format!("{} {}", latest.value, unit)}</strong>
                        {latest.plain.clone().map(|p| view! { " "<span class=if abnormal { "badge badge--warn" } else { "badge badge--ok" } data-testid="plain">{p}</span> })}
                    </p>
                    {(!latest.range.is_empty()).then(|| view! { <p class="muted">{format!("Usual range: {} {}", latest.range, unit)}</p> })}
                }.into_any()
            }}
            <p class="muted">{format!("Taken {}", format_day(latest.observed_at))}{latest.corrected.then_some(" · corrected by the laboratory")}</p>
            {trend}
            {(rs.len() > 1).then(|| view! {
                <details><summary>{format!("Earlier results ({})", rs.len() - 1)}</summary>
                    <ul class="list">
                        {rs[1..].iter().map(|r| view! { <li>{format!("{}: {} {}", format_day(r.observed_at), r.value, unit)}{r.plain.clone().map(|p| format!(" ({p})"))}</li> }).collect_view()}
                    </ul>
                </details>
            })}
        </section>
    }
}

/// The patient home's tile: the latest results, and the link to all.
#[component]
pub fn ResultsTile() -> impl IntoView {
    let session = PortalSession::get();
    let mine = Resource::new(|| (), move |_| session.load(my_lab_results()));
    view! {
        <TileCard id="results-title" title="Test results">
            {loaded(mine, |m| {
                let latest: Vec<PatientResult> = m.results.into_iter().take(3).collect();
                view! {
                    {if latest.is_empty() {
                        view! { <p class="muted">"No results yet."</p> }.into_any()
                    } else {
                        view! {
                            <ul class="list">
                                {latest.into_iter().map(|r| view! {
                                    <li><span dir="auto">{r.test}</span>": "{r.value}{r.plain.map(|p| format!(" ({p})"))}</li>
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }}
                    {(!m.pending.is_empty()).then(|| view! { <p class="muted">{format!("{} test(s) on their way.", m.pending.len())}</p> })}
                    <p><a class="btn" href="/patient/results">"All test results"</a></p>
                }.into_any()
            })}
        </TileCard>
    }
}

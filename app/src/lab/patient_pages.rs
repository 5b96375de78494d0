//! The patient's results on the phone: released results only, each with
//! its value, the usual range in plain words and, for a test measured more
//! than once, its trend with the usual range shaded; imaging reports; the
//! tests still to come.

use leptos::prelude::*;
use leptos_meta::Title;
use shared::lab::TestKind;
use shared::lab_work::{MyResults, PatientResult};

use super::api::my_lab_results;
use crate::components::{format_day, EmptyState, ErrorBox, Loading};
use crate::nav::{loaded, TileCard};
use crate::portal_session::{Gate, PortalSession};

/// `/patient/results`.
#[component]
pub fn MyResultsPage() -> impl IntoView {
    let session = PortalSession::get();
    let mine = Resource::new(|| (), move |_| session.load(my_lab_results()));
    view! {
        <Title text="Test results"/>
        <Gate>
            <h1>"Test results"</h1>
            <Transition fallback=|| view! { <Loading label="Loading your results…"/> }>
                {move || Suspend::new(async move {
                    match mine.await {
                        Ok(m) => view! { <Results m/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

#[component]
fn Results(m: MyResults) -> impl IntoView {
    use std::collections::BTreeMap;
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
        {pending}
        <div class="cards">
            {tests.into_iter().map(|rs| view! { <TestCard rs/> }).collect_view()}
        </div>
    }
    .into_any()
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

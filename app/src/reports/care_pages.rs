//! `/admin/care-reports`: beds occupied by ward and day (an SVG chart of
//! the hospital's occupancy and a table by ward), admissions and
//! discharges per day with the average length of stay, and the emergency
//! department's waits by triage level; each with its CSV download. The
//! page opens on the last 30 days.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::care_reports::{care_csv_path, CareReport};
use shared::reports::DaysForm;
use shared::Permission;

use super::api::care;
use super::pages::BarChart;
use crate::components::{
    lens, submit_with, ErrorBox, FormAlert, FormErrors, Input, Loading, Submit,
};
use crate::portal_session::{Gate, PortalSession};

/// The last 30 days, today included, on the browser's clock (the server
/// checks the form).
fn last_30_days() -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    (
        (today - chrono::Duration::days(29)).to_string(),
        today.to_string(),
    )
}

fn day_label(d: chrono::NaiveDate) -> String {
    d.format("%-d %b").to_string()
}

#[component]
pub fn CareReportsPage() -> impl IntoView {
    let (from, to) = last_30_days();
    let form = RwSignal::new(DaysForm { from, to });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let session = PortalSession::get();
    let first = form.get_untracked();
    let opening = Resource::new(
        || (),
        move |_| session.load_if(Permission::ViewCareReports, care(first.clone())),
    );
    let shown = RwSignal::new(None::<CareReport>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(busy, errors, care(form.get_untracked()), move |r| {
            shown.set(Some(r))
        });
    };
    view! {
        <Title text="Care reports"/>
        <Gate needs=Some(Permission::ViewCareReports)>
            <h1>"Care reports"</h1>
            <form class="form form--inline card" on:submit=submit data-testid="care-form">
                <FormAlert errors/>
                <Input label="From" name="care-from" kind="date" bind=lens(form, |f| f.from.clone(), |f, v| f.from = v) error=errors.field("from") required=true/>
                <Input label="To" name="care-to" kind="date" bind=lens(form, |f| f.to.clone(), |f, v| f.to = v) error=errors.field("to") required=true/>
                <Submit label="Show" busy_label="Loading…" busy/>
            </form>
            <Transition fallback=|| view! { <Loading label="Counting beds and visits…"/> }>
                {move || Suspend::new(async move {
                    let opened = opening.await;
                    match shown.get().map(Ok).unwrap_or(opened) {
                        Ok(r) => view! { <Report r/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </Gate>
    }
}

#[component]
fn Report(r: CareReport) -> impl IntoView {
    view! {
        <Occupancy r=r.clone()/>
        <Movements r=r.clone()/>
        <EdWaits r/>
    }
}

#[component]
fn Occupancy(r: CareReport) -> impl IntoView {
    let beds: u32 = r.wards.iter().map(|w| w.beds).sum();
    let occupied = r.occupied();
    let percent: Vec<f64> = occupied
        .iter()
        .map(|n| {
            if beds == 0 {
                0.0
            } else {
                f64::from(*n) * 100.0 / f64::from(beds)
            }
        })
        .collect();
    let labels: Vec<String> = r.days.iter().map(|d| day_label(*d)).collect();
    let shown: Vec<String> = occupied
        .iter()
        .zip(&percent)
        .map(|(n, p)| format!("{n} of {beds} beds ({p:.0} %)"))
        .collect();
    let summary = format!(
        "Beds occupied at each midnight, {} days; at most {:.0} %.",
        r.days.len(),
        percent.iter().copied().fold(0.0_f64, f64::max)
    );
    let csv = care_csv_path("occupancy", r.from, r.to);
    view! {
        <section class="card" aria-labelledby="occupancy-title">
            <h2 id="occupancy-title">"Bed occupancy"</h2>
            <p class="muted">"Patients in a bed at the midnight that ends each day, as bed days are counted."</p>
            {if r.wards.is_empty() {
                view! { <p class="muted">"No wards yet."</p> }.into_any()
            } else {
                view! {
                    <BarChart labels values=percent shown summary testid="occupancy-chart"/>
                    <p><a class="btn" href=csv download data-testid="occupancy-csv">"Download (CSV)"</a></p>
                    <div class="table-scroll">
                        <table class="table" data-testid="occupancy-table">
                            <caption class="visually-hidden">"Occupancy by ward"</caption>
                            <thead><tr>
                                <th scope="col">"Ward"</th><th scope="col">"Beds"</th>
                                <th scope="col">"Mean occupancy"</th><th scope="col">"Busiest night"</th>
                            </tr></thead>
                            <tbody>
                                {r.wards.iter().map(|w| view! {
                                    <tr>
                                        <th scope="row" dir="auto">{w.ward.clone()}</th>
                                        <td>{w.beds}</td>
                                        <td>{w.mean_percent().map(|p| format!("{p:.1} %")).unwrap_or_else(|| "—".into())}</td>
                                        <td>{w.occupied.iter().max().copied().unwrap_or(0)}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn Movements(r: CareReport) -> impl IntoView {
    let csv = care_csv_path("movements", r.from, r.to);
    let total_in: u32 = r.admissions.iter().sum();
    let total_out: u32 = r.discharges.iter().sum();
    let labels: Vec<String> = r.days.iter().map(|d| day_label(*d)).collect();
    let shown: Vec<String> = r
        .admissions
        .iter()
        .map(|n| format!("{n} admitted"))
        .collect();
    let summary = format!(
        "Admissions per day, {} days; {total_in} in all.",
        r.days.len()
    );
    view! {
        <section class="card" aria-labelledby="movements-title">
            <h2 id="movements-title">"Admissions and discharges"</h2>
            <p data-testid="length-of-stay">
                {match r.average_stay_days {
                    Some(d) => format!("Average length of stay: {d:.1} days ({} stays ended).", r.stays_ended),
                    None => "No stay ended on these days.".to_string(),
                }}
            </p>
            <BarChart labels values=r.admissions.iter().map(|n| f64::from(*n)).collect() shown summary testid="admissions-chart"/>
            <p><a class="btn" href=csv download data-testid="movements-csv">"Download (CSV)"</a></p>
            <div class="table-scroll">
                <table class="table" data-testid="movements-table">
                    <caption class="visually-hidden">"Admissions and discharges per day"</caption>
                    <thead><tr><th scope="col">"Day"</th><th scope="col">"Admissions"</th><th scope="col">"Discharges"</th></tr></thead>
                    <tbody>
                        {r.days.iter().enumerate().filter(|(i, _)| r.admissions[*i] + r.discharges[*i] > 0).map(|(i, d)| view! {
                            <tr><th scope="row">{day_label(*d)}</th><td>{r.admissions[i]}</td><td>{r.discharges[i]}</td></tr>
                        }).collect_view()}
                    </tbody>
                    <tfoot><tr><th scope="row">"All"</th><td>{total_in}</td><td>{total_out}</td></tr></tfoot>
                </table>
            </div>
        </section>
    }
}

#[component]
fn EdWaits(r: CareReport) -> impl IntoView {
    let csv = care_csv_path("ed_waits", r.from, r.to);
    let minutes = |m: Option<i64>| m.map(|m| format!("{m} min")).unwrap_or_else(|| "—".into());
    let levels: Vec<_> = r.ed.iter().filter(|l| l.visits > 0).cloned().collect();
    let labels: Vec<String> = levels
        .iter()
        .map(|l| {
            l.level
                .map(|x| format!("ESI {}", x.number()))
                .unwrap_or_else(|| "Untriaged".into())
        })
        .collect();
    let values: Vec<f64> = levels
        .iter()
        .map(|l| l.median_minutes.unwrap_or(0) as f64)
        .collect();
    let shown: Vec<String> = levels
        .iter()
        .map(|l| format!("median {}", minutes(l.median_minutes)))
        .collect();
    let summary = format!(
        "Median wait to a clinician by triage level, {} levels.",
        levels.len()
    );
    view! {
        <section class="card" aria-labelledby="ed-waits-title">
            <h2 id="ed-waits-title">"Emergency department waits"</h2>
            <p class="muted">"From arrival to a clinician, by the last triage level. "
                {format!("{} left without being seen.", r.ed_left_unseen)}</p>
            {if levels.is_empty() {
                view! { <p class="muted">"Nobody arrived on these days."</p> }.into_any()
            } else {
                view! {
                    <BarChart labels values shown summary testid="ed-waits-chart"/>
                    <p><a class="btn" href=csv download data-testid="ed-waits-csv">"Download (CSV)"</a></p>
                    <div class="table-scroll">
                        <table class="table" data-testid="ed-waits-table">
                            <caption class="visually-hidden">"Waits by triage level"</caption>
                            <thead><tr>
                                <th scope="col">"Level"</th><th scope="col">"Visits"</th><th scope="col">"Seen"</th>
                                <th scope="col">"Median"</th><th scope="col">"90th percentile"</th>
                                <th scope="col">"Target"</th><th scope="col">"Over target"</th>
                            </tr></thead>
                            <tbody>
                                {levels.iter().map(|l| view! {
                                    <tr>
                                        <th scope="row">{l.label()}</th><td>{l.visits}</td><td>{l.seen}</td>
                                        <td>{minutes(l.median_minutes)}</td><td>{minutes(l.p90_minutes)}</td>
                                        <td>{format!("{} min", l.target_minutes())}</td><td>{l.over_target}</td>
                                    </tr>
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}

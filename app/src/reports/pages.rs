//! `/admin/reports`: revenue (an SVG bar chart of each period's total and a
//! table by department, doctor or payer), outstanding balances by age, and
//! claims' approval and denial rates, each with its CSV download. The
//! page opens on this year by month and by department.

use chrono::Datelike;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_meta::Title;
use shared::reports::{
    aging_csv_path, claims_csv_path, Breakdown, ClaimRates, DaysForm, Period, RevenueForm,
    RevenueReport,
};
use shared::Permission;

use super::api::{aging, claims_decided, revenue};
use crate::components::{
    lens, submit_with, ErrorBox, FormAlert, FormErrors, Input, Loading, Select, Submit,
};
use crate::portal_session::{Gate, PortalSession};

/// This year so far, on the browser's clock (the server checks the form).
fn this_year() -> (String, String) {
    let today = chrono::Utc::now().date_naive();
    let first = today.with_ordinal(1).unwrap_or(today);
    (first.to_string(), today.to_string())
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    view! {
        <Title text="Reports"/>
        <Gate needs=Some(Permission::ViewFinancialReports)>
            <h1>"Reports"</h1>
            <RevenueSection/>
            <AgingSection/>
            <ClaimsSection/>
        </Gate>
    }
}

#[component]
fn RevenueSection() -> impl IntoView {
    let (from, to) = this_year();
    let form = RwSignal::new(RevenueForm {
        from,
        to,
        period: Period::Month.as_str().into(),
        by: Breakdown::Department.as_str().into(),
    });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let session = PortalSession::get();
    // The page opens on the form's first values; a submitted form's report
    // replaces it (its field errors show on the form).
    let first = form.get_untracked();
    let opening = Resource::new(
        || (),
        move |_| session.load_if(Permission::ViewFinancialReports, revenue(first.clone())),
    );
    let shown = RwSignal::new(None::<RevenueReport>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(busy, errors, revenue(form.get_untracked()), move |r| {
            shown.set(Some(r))
        });
    };
    view! {
        <section class="card" aria-labelledby="revenue-title">
            <h2 id="revenue-title">"Revenue"</h2>
            <p class="muted">"Issued invoices less credit notes, by the day of the service."</p>
            <form class="form form--inline" on:submit=submit data-testid="revenue-form">
                <FormAlert errors/>
                <Input label="From" name="revenue-from" kind="date" bind=lens(form, |f| f.from.clone(), |f, v| f.from = v) error=errors.field("from") required=true/>
                <Input label="To" name="revenue-to" kind="date" bind=lens(form, |f| f.to.clone(), |f, v| f.to = v) error=errors.field("to") required=true/>
                <Select label="Period" name="revenue-period" bind=lens(form, |f| f.period.clone(), |f, v| f.period = v) error=errors.field("period") options=Period::options() required=true/>
                <Select label="By" name="revenue-by" bind=lens(form, |f| f.by.clone(), |f, v| f.by = v) error=errors.field("by") options=Breakdown::options() required=true/>
                <Submit label="Show" busy_label="Loading…" busy/>
            </form>
            <Transition fallback=|| view! { <Loading label="Adding up the revenue…"/> }>
                {move || Suspend::new(async move {
                    let opened = opening.await;
                    match shown.get().map(Ok).unwrap_or(opened) {
                        Ok(r) => view! { <RevenueView r/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn RevenueView(r: RevenueReport) -> impl IntoView {
    if r.periods.is_empty() {
        return view! { <p class="muted" data-testid="revenue-empty">"Nothing was billed on these days."</p> }.into_any();
    }
    let c = r.currency;
    let labels: Vec<String> = r
        .periods
        .iter()
        .map(|p| r.query.period.name_of(*p))
        .collect();
    let csv = r.query.csv_path();
    view! {
        <BarChart labels=labels.clone() values=r.totals.iter().map(|v| *v as f64).collect()
            shown=r.totals.iter().map(|v| c.format(*v)).collect()
            summary=format!("Revenue per period, {} periods; the largest {}.", r.totals.len(), c.format(r.totals.iter().copied().max().unwrap_or(0)))
            testid="revenue-chart"/>
        <p><a class="btn" href=csv download data-testid="revenue-csv">"Download (CSV)"</a></p>
        <div class="table-scroll">
            <table class="table" data-testid="revenue-table">
                <caption class="visually-hidden">"Revenue by period"</caption>
                <thead><tr>
                    <th scope="col">{r.query.by.label()}</th>
                    {labels.into_iter().map(|l| view! { <th scope="col">{l}</th> }).collect_view()}
                    <th scope="col">"Total"</th>
                </tr></thead>
                <tbody>
                    {r.series.into_iter().map(|s| view! {
                        <tr>
                            <th scope="row" dir="auto">{s.name}</th>
                            {s.amounts.into_iter().map(|a| view! { <td>{c.format_major(a)}</td> }).collect_view()}
                            <td><strong>{c.format_major(s.total)}</strong></td>
                        </tr>
                    }).collect_view()}
                </tbody>
                <tfoot><tr>
                    <th scope="row">"All"</th>
                    {r.totals.into_iter().map(|a| view! { <td>{c.format_major(a)}</td> }).collect_view()}
                    <td data-testid="revenue-total"><strong>{c.format(r.total)}</strong></td>
                </tr></tfoot>
            </table>
        </div>
    }
    .into_any()
}

/// Bars of `values`, one per label, scaled to the largest; each bar names
/// its label and its value as `shown` writes it (its `<title>`), and the
/// chart as a whole is described by `summary` for screen readers (the
/// table beside it has every figure).
#[component]
pub fn BarChart(
    labels: Vec<String>,
    values: Vec<f64>,
    shown: Vec<String>,
    summary: String,
    testid: &'static str,
) -> impl IntoView {
    const W: f64 = 720.0;
    const H: f64 = 240.0;
    const BASE: f64 = 210.0;
    let top = values.iter().copied().fold(0.0_f64, f64::max).max(1.0);
    let n = values.len().max(1) as f64;
    let slot = W / n;
    let bar = (slot * 0.7).max(1.0);
    // Labels under the bars when they fit, else every few.
    let every = ((n * 70.0) / W).ceil().max(1.0) as usize;
    view! {
        <svg class="chart" viewBox=format!("0 0 {W} {H}") role="img" aria-label=summary data-testid=testid>
            <line x1="0" y1=BASE x2=W y2=BASE class="chart__axis"/>
            {labels.into_iter().zip(values).zip(shown).enumerate().map(|(i, ((label, v), shown))| {
                let height = (v.max(0.0) / top) * (BASE - 10.0);
                let x = i as f64 * slot + (slot - bar) / 2.0;
                let title = format!("{label}: {shown}");
                let text = (i % every == 0).then(|| view! {
                    <text x=x + bar / 2.0 y=H - 12.0 text-anchor="middle" class="chart__label">{label.clone()}</text>
                });
                view! {
                    <g>
                        <rect x=x y=BASE - height width=bar height=height class="chart__bar"><title>{title}</title></rect>
                        {text}
                    </g>
                }
            }).collect_view()}
        </svg>
    }
}

#[component]
fn AgingSection() -> impl IntoView {
    let session = PortalSession::get();
    let report = Resource::new(
        || (),
        move |_| session.load_if(Permission::ViewFinancialReports, aging()),
    );
    view! {
        <section class="card" aria-labelledby="aging-report-title">
            <h2 id="aging-report-title">"Outstanding balances by age"</h2>
            <p class="muted">"What patients owe on issued invoices, by days since issue; what insurers owe on claims, by days since submission."</p>
            <Transition fallback=|| view! { <Loading label="Adding up the balances…"/> }>
                {move || Suspend::new(async move {
                    match report.await {
                        Ok(r) => {
                            let c = r.currency;
                            view! {
                                <p><a class="btn" href=aging_csv_path() download data-testid="aging-csv">"Download (CSV)"</a></p>
                                <div class="table-scroll">
                                    <table class="table" data-testid="aging-table">
                                        <caption class="visually-hidden">"Outstanding balances by age"</caption>
                                        <thead><tr>
                                            <th scope="col">"Age"</th><th scope="col">"Invoices"</th><th scope="col">"Patients owe"</th>
                                            <th scope="col">"Claims"</th><th scope="col">"Insurers owe"</th>
                                        </tr></thead>
                                        <tbody>
                                            {r.rows.into_iter().map(|row| view! {
                                                <tr>
                                                    <th scope="row">{row.bucket.label()}</th>
                                                    <td>{row.invoices}</td><td>{c.format(row.patients_owe)}</td>
                                                    <td>{row.claims}</td><td>{c.format(row.insurers_owe)}</td>
                                                </tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }.into_any()
                        }
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ClaimsSection() -> impl IntoView {
    let (from, to) = this_year();
    let form = RwSignal::new(DaysForm { from, to });
    let errors = FormErrors::new();
    let busy = RwSignal::new(false);
    let session = PortalSession::get();
    let first = form.get_untracked();
    let opening = Resource::new(
        || (),
        move |_| {
            session.load_if(
                Permission::ViewFinancialReports,
                claims_decided(first.clone()),
            )
        },
    );
    let shown = RwSignal::new(None::<ClaimRates>);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        submit_with(
            busy,
            errors,
            claims_decided(form.get_untracked()),
            move |r| shown.set(Some(r)),
        );
    };
    view! {
        <section class="card" aria-labelledby="claim-rates-title">
            <h2 id="claim-rates-title">"Claims decided"</h2>
            <form class="form form--inline" on:submit=submit>
                <FormAlert errors/>
                <Input label="From" name="claims-from" kind="date" bind=lens(form, |f| f.from.clone(), |f, v| f.from = v) error=errors.field("from") required=true/>
                <Input label="To" name="claims-to" kind="date" bind=lens(form, |f| f.to.clone(), |f, v| f.to = v) error=errors.field("to") required=true/>
                <Submit label="Show" busy_label="Loading…" busy/>
            </form>
            <Transition fallback=|| view! { <Loading label="Counting the claims…"/> }>
                {move || Suspend::new(async move {
                    let opened = opening.await;
                    match shown.get().map(Ok).unwrap_or(opened) {
                        Ok(r) => view! { <ClaimRatesView r/> }.into_any(),
                        Err(e) => view! { <ErrorBox error=e/> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn ClaimRatesView(r: ClaimRates) -> impl IntoView {
    let c = r.currency;
    let csv = claims_csv_path(r.from, r.to);
    if r.all.decided == 0 {
        return view! { <p class="muted">"No claim was decided on these days."</p> }.into_any();
    }
    let rows: Vec<_> = r.rows.into_iter().chain(std::iter::once(r.all)).collect();
    view! {
        <p><a class="btn" href=csv download data-testid="claims-csv">"Download (CSV)"</a></p>
        <div class="table-scroll">
            <table class="table" data-testid="claim-rates">
                <caption class="visually-hidden">"Claims decided by payer"</caption>
                <thead><tr>
                    <th scope="col">"Payer"</th><th scope="col">"Decided"</th><th scope="col">"Approved"</th>
                    <th scope="col">"Partly"</th><th scope="col">"Denied"</th><th scope="col">"Approval rate"</th>
                    <th scope="col">"Denial rate"</th><th scope="col">"Claimed"</th><th scope="col">"Granted"</th>
                </tr></thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let approval = row.rate(row.approved + row.partly_approved).label();
                        let denial = row.rate(row.denied).label();
                        view! {
                            <tr>
                                <th scope="row" dir="auto">{row.payer}</th>
                                <td>{row.decided}</td><td>{row.approved}</td><td>{row.partly_approved}</td><td>{row.denied}</td>
                                <td>{approval}</td><td>{denial}</td>
                                <td>{c.format(row.claimed)}</td><td>{c.format(row.granted)}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

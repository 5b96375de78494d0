//! The administrator's reports. Financial: revenue by period and by
//! department, doctor or payer (an SVG chart and a table), outstanding
//! balances by age, claims' approval and denial rates; the figures come
//! from `billing::revenue`. Care: beds occupied by ward and day, admissions
//! and discharges, the average length of stay, the emergency department's
//! waits by triage level (`care`). Each downloadable as CSV.
pub mod api;
#[cfg(feature = "ssr")]
pub mod care;
pub mod care_pages;
#[cfg(feature = "ssr")]
pub mod downloads;
pub mod pages;
pub mod routes;

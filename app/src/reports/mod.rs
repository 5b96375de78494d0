//! The administrator's financial reports: revenue by period and by
//! department, doctor or payer (an SVG chart and a table), outstanding
//! balances by age, claims' approval and denial rates; each downloadable as
//! CSV. The figures come from `billing::revenue`.
pub mod api;
#[cfg(feature = "ssr")]
pub mod downloads;
pub mod pages;
pub mod routes;

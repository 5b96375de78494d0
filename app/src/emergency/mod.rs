//! The emergency department: arrivals (the fast-track's and known
//! patients'), triage by the Emergency Severity Index with its history,
//! the tracking board in queue order, bays, the responsible clinician and
//! the disposition; and the emergency numbers and places the public
//! emergency page shows.
pub mod api;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;

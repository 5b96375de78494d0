//! Prescribing: structured prescriptions of formulary drugs, checked by the
//! decision support (`shared::decision`) before they are signed, changed or
//! stopped with their history kept. The pharmacy and the patient's side
//! build on it.
pub mod api;
#[cfg(feature = "ssr")]
pub mod export;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;

//! Prescribing: structured prescriptions of formulary drugs, checked by the
//! decision support (`shared::decision`) before they are signed, changed or
//! stopped with their history kept. The pharmacy and the patient's side
//! build on it. Pharmacists keep local interaction and allergy rules
//! (`rules*`), checked like the shipped ones.
pub mod api;
#[cfg(feature = "ssr")]
pub mod export;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod refills;
pub mod refills_api;
pub mod refills_pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod rules;
pub mod rules_api;
pub mod rules_pages;
#[cfg(feature = "ssr")]
pub mod service;

//! The clinical chart: summary, timeline, encounters and notes, vitals with
//! trend charts, problems, allergies, immunizations, histories, medications,
//! and the record downloads (PDF and FHIR R4).
pub mod api;
#[cfg(feature = "ssr")]
pub mod export;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
pub mod tiles;
pub mod trend;
pub mod worklist;

//! The electronic health record. So far: the ICD-10-CM code search used to
//! code problems and diagnoses.
pub mod api;
#[cfg(feature = "ssr")]
pub mod service;

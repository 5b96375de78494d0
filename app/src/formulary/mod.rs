//! The formulary: the drugs prescribers choose from. RxNorm's drugs are
//! loaded by a migration; pharmacists and administrators add, edit and
//! retire drugs. Prescribing and the pharmacy build on it.
pub mod api;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;

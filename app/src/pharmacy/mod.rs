//! The pharmacy: the queue of prescriptions to fill, stock batches,
//! dispensing first expiry first with stock that the database keeps from
//! going negative, returns and write-offs, and the charge items billing
//! will invoice; patients' online orders, to collect or deliver.
pub mod api;
#[cfg(feature = "ssr")]
pub mod orders;
pub mod orders_api;
pub mod orders_pages;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;

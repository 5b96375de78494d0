//! The pharmacy: the queue of prescriptions to fill, stock batches,
//! dispensing first expiry first with stock that the database keeps from
//! going negative, returns and write-offs, and the charge items billing
//! will invoice.
pub mod api;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;

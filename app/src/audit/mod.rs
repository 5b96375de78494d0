//! The append-only audit trail: writing events (server) and the admin's viewer.
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod writer;

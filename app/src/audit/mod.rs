//! The append-only audit trail, a hash chain: writing events (server), verifying
//! the chain, and the admin's viewer.
#[cfg(feature = "ssr")]
pub mod chain;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod writer;

//! Staff accounts, the admin dashboard's overview and the break-glass report.
pub mod api;
#[cfg(feature = "ssr")]
pub mod audit_export;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod report;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
pub mod tiles;

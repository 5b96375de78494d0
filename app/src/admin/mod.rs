//! Staff accounts, the admin dashboard's overview and the break-glass report.
pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod report;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;
pub mod tiles;

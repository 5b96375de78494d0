//! Staff accounts and the admin dashboard.
pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod report;
#[cfg(feature = "ssr")]
pub mod service;

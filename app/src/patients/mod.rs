//! Patient records: registration, demographics, search, merges, and who may
//! open which record.
#[cfg(feature = "ssr")]
pub mod access;
pub mod api;
#[cfg(feature = "ssr")]
pub mod care;
pub mod edit;
pub mod forms;
pub mod in_care;
#[cfg(feature = "ssr")]
pub mod merge;
pub mod pages;
pub mod register;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod search;
#[cfg(feature = "ssr")]
pub mod service;
pub mod tiles;

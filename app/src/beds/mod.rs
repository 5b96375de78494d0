//! Beds and inpatients: wards and their beds with a status, the bed board,
//! admission, transfer and discharge with its signed summary, a ward's
//! inpatients, and the nights charged as bed days.
pub mod api;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod live;
pub mod pages;
pub mod routes;
#[cfg(feature = "ssr")]
pub mod service;

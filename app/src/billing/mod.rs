//! Billing: the price list, charges (from care and by hand), invoices with
//! gapless numbers, credit notes, discounts, desk and online payments,
//! refunds, payment plans; insurance and claims; the patient's own bills.
pub mod admin_pages;
pub mod api;
#[cfg(feature = "ssr")]
pub mod charges;
#[cfg(feature = "ssr")]
pub mod claim_documents;
pub mod claim_pages;
pub mod claims_api;
#[cfg(feature = "ssr")]
pub mod documents;
#[cfg(feature = "ssr")]
pub mod insurance;
#[cfg(feature = "ssr")]
pub mod invoices;
#[cfg(feature = "ssr")]
pub mod online;
pub mod pages;
pub mod patient_pages;
#[cfg(feature = "ssr")]
pub mod plans;
#[cfg(feature = "ssr")]
pub mod prices;
#[cfg(feature = "ssr")]
pub mod provider;
#[cfg(feature = "ssr")]
pub mod revenue;
pub mod routes;

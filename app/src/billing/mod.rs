//! Billing: the price list, charges (from care and by hand), invoices with
//! gapless numbers, credit notes, discounts and desk payments; the patient's
//! own bills.
pub mod admin_pages;
pub mod api;
#[cfg(feature = "ssr")]
pub mod charges;
#[cfg(feature = "ssr")]
pub mod documents;
#[cfg(feature = "ssr")]
pub mod invoices;
pub mod pages;
pub mod patient_pages;
#[cfg(feature = "ssr")]
pub mod prices;
pub mod routes;

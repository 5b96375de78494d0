//! Laboratory and imaging: the catalogue of what doctors order with the
//! reference ranges results are judged against, orders, the laboratory's
//! worklist, specimens and their labels, results with verification and
//! corrections, critical alerts, and what the patient reads.
pub mod admin_pages;
pub mod api;
pub mod attach_pages;
#[cfg(feature = "ssr")]
pub mod attachments;
#[cfg(feature = "ssr")]
pub mod barcode;
#[cfg(feature = "ssr")]
pub mod catalogue;
#[cfg(feature = "ssr")]
pub mod orders;
pub mod pages;
pub mod patient_pages;
#[cfg(feature = "ssr")]
pub mod report;
pub mod routes;
pub mod visit_api;
#[cfg(feature = "ssr")]
pub mod visits;
#[cfg(feature = "ssr")]
pub mod work;

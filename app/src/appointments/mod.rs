//! Appointments: availability (templates, exceptions, holidays), free slots,
//! booking that the database keeps free of double bookings, attendance, the
//! schedule's management and overview, and messages to patients (outbox).
pub mod api;
#[cfg(feature = "ssr")]
pub mod booking;
pub mod calendar;
pub mod manage;
#[cfg(feature = "ssr")]
pub mod notices;
pub mod pages;
pub mod routes;
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod slots;
pub mod tiles;
pub mod today;

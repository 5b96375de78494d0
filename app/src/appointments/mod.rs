//! Appointments (issue 4, in progress): free slots from templates and
//! exceptions, and booking that the database keeps free of double bookings.
pub mod api;
#[cfg(feature = "ssr")]
pub mod booking;
pub mod calendar;
#[cfg(feature = "ssr")]
pub mod notices;
pub mod schedule;
#[cfg(feature = "ssr")]
pub mod service;
#[cfg(feature = "ssr")]
pub mod slots;

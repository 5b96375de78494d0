//! Appointments (issue 4, in progress): free-slot computation and the
//! database-enforced booking so far.
#[cfg(feature = "ssr")]
pub mod booking;
#[cfg(feature = "ssr")]
pub mod slots;

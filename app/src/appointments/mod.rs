//! Appointments (issue 4, in progress): the free-slot computation so far.
#[cfg(feature = "ssr")]
pub mod slots;

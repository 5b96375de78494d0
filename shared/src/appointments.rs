//! Appointments as the UI sees them: free slots and the outcome of a booking.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A bookable time with one doctor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FreeSlot {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

/// The most days one free-slot search covers.
pub const MAX_SLOT_DAYS: u32 = 31;

/// What a booking answers: the appointment, or, when someone else took the
/// slot a moment earlier, the next free slots to choose from instead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum BookingOutcome {
    Booked {
        id: Uuid,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    },
    SlotTaken {
        message: String,
        alternatives: Vec<FreeSlot>,
    },
}

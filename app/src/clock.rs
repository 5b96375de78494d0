//! Where the server's "now" comes from. Server functions ask the caller's
//! context ([`crate::auth::guard::Caller::now`]) instead of the system
//! clock, so that tests of expiry, cut-offs and reminders move time forward
//! instead of sleeping, and do not depend on today's date. A leaf: it
//! imports nothing from the crate. Server-only.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};

/// A source of the current time.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> DateTime<Utc>;
}

/// The system's clock: what a running hospital uses.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// The system's clock moved forward by an offset that a test sets: time still
/// passes as usual (timeouts, background tasks), and a test that needs an
/// hour to pass advances the clock by an hour.
#[derive(Debug, Default)]
pub struct ShiftedClock {
    offset_ms: AtomicI64,
}

impl ShiftedClock {
    /// Moves this clock forward (or back, with a negative duration).
    pub fn advance(&self, by: Duration) {
        self.offset_ms
            .fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }
}

impl Clock for ShiftedClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// The clock as the server state holds it.
pub type SharedClock = Arc<dyn Clock>;

/// The system clock, shared.
pub fn system() -> SharedClock {
    Arc::new(SystemClock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shifted_clock_moves_only_when_told() {
        let clock = ShiftedClock::default();
        let before = clock.now();
        assert!((before - Utc::now()).num_seconds().abs() < 2);
        clock.advance(Duration::hours(3));
        let after = clock.now();
        assert!(after - before >= Duration::hours(3));
        assert!(after - before < Duration::hours(3) + Duration::seconds(2));
    }
}

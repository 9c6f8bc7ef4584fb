//! A point in time after which a device's work must stop; every blocking step asks it how long it may wait.

use std::time::{Duration, Instant};

/// The one deadline that covers a device's whole connect + auth + command.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    at: Instant,
}

impl Deadline {
    /// The deadline `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Deadline {
            at: Instant::now() + budget,
        }
    }

    /// The deadline at `at`.
    pub fn at(at: Instant) -> Self {
        Deadline { at }
    }

    /// The instant the deadline falls at.
    pub fn instant(&self) -> Instant {
        self.at
    }

    /// Time left, zero once expired.
    pub fn remaining(&self) -> Duration {
        self.at.saturating_duration_since(Instant::now())
    }

    /// Whether the deadline has passed.
    pub fn expired(&self) -> bool {
        Instant::now() >= self.at
    }

    /// The earlier of this deadline and `budget` from now (e.g. a connect timeout inside the device deadline).
    pub fn min_with(&self, budget: Duration) -> Deadline {
        Deadline {
            at: self.at.min(Instant::now() + budget),
        }
    }

    /// Remaining time in whole milliseconds, at least 1: libssh2 treats 0 as "wait forever".
    pub fn remaining_ms_nonzero(&self) -> u32 {
        let ms = self.remaining().as_millis();
        ms.clamp(1, u32::MAX as u128) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expired_deadline_has_no_time_left_but_never_asks_libssh2_to_wait_forever() {
        let d = Deadline::after(Duration::ZERO);
        assert!(d.expired());
        assert_eq!(d.remaining(), Duration::ZERO);
        assert_eq!(d.remaining_ms_nonzero(), 1);
    }

    #[test]
    fn min_with_never_extends_the_device_deadline() {
        let d = Deadline::after(Duration::from_millis(100));
        let inner = d.min_with(Duration::from_secs(60));
        assert!(inner.instant() <= d.instant());
    }
}

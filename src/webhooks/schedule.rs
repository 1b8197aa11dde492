//! The retry schedule: how long to wait before each attempt of a delivery, and when to give up.
//! Waits are Leap time; the caller scales them through the clock / scheduler.

use std::time::Duration;

/// Leap's published schedule (D:retry-mechanism): 10 attempts over about 8 hours.
pub const LEAP_SCHEDULE: [Duration; 10] = [
    Duration::from_secs(0),
    Duration::from_secs(60),
    Duration::from_secs(2 * 60),
    Duration::from_secs(4 * 60),
    Duration::from_secs(8 * 60),
    Duration::from_secs(16 * 60),
    Duration::from_secs(29 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(2 * 60 * 60),
    Duration::from_secs(4 * 60 * 60),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RetrySchedule {
    waits: Vec<Duration>,
}

impl RetrySchedule {
    /// `waits[0]` is the wait before the first attempt; settings validation guarantees 1..=50.
    pub fn new(waits: Vec<Duration>) -> Self {
        let waits = if waits.is_empty() {
            LEAP_SCHEDULE.to_vec()
        } else {
            waits
        };
        Self { waits }
    }

    pub fn max_attempts(&self) -> u32 {
        self.waits.len() as u32
    }

    /// The wait before attempt `number` (1-based), or `None` once the attempts are used up.
    pub fn wait_before(&self, number: u32) -> Option<Duration> {
        let index = usize::try_from(number.checked_sub(1)?).ok()?;
        self.waits.get(index).copied()
    }
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self::new(LEAP_SCHEDULE.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leap_schedule_adds_up_to_eight_hours() {
        let s = RetrySchedule::default();
        assert_eq!(s.max_attempts(), 10);
        let total: Duration = (1..=10).filter_map(|n| s.wait_before(n)).sum();
        // 00:00, 00:01, 00:03, 00:07, 00:15, 00:31, 01:00, 02:00, 04:00, 08:00 (LEAP-API 4.4).
        assert_eq!(total, Duration::from_secs(8 * 3600));
        assert_eq!(s.wait_before(1), Some(Duration::ZERO));
        assert_eq!(s.wait_before(2), Some(Duration::from_secs(60)));
        assert_eq!(s.wait_before(11), None, "no 11th attempt");
        assert_eq!(s.wait_before(0), None);
    }
}

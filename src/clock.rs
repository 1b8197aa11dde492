//! The one clock every mock-made delay goes through, so `time_scale` can compress them all.
//!
//! Wall-clock timestamps (`now`) stay real: only waits are scaled.

use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};

#[derive(Debug, Clone, Copy)]
pub struct Clock {
    scale: f64,
}

impl Clock {
    /// `scale` must be finite and > 0 (settings validation guarantees it).
    pub fn new(scale: f64) -> Self {
        Self { scale }
    }

    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// How long a wait of `real` (in Leap's time) lasts in the mock.
    pub fn scaled(&self, real: Duration) -> Duration {
        real.mul_f64(self.scale)
    }

    /// Waits `real` Leap-time, scaled.
    pub async fn sleep(&self, real: Duration) {
        tokio::time::sleep(self.scaled(real)).await
    }

    /// Wall-clock time, to the microsecond as Leap's timestamps are.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now().trunc_subsecs(6)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_waits() {
        let c = Clock::new(0.001);
        assert_eq!(
            c.scaled(Duration::from_secs(3600)),
            Duration::from_millis(3600)
        );
        assert_eq!(
            Clock::new(1.0).scaled(Duration::from_secs(5)),
            Duration::from_secs(5)
        );
    }
}

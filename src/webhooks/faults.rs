//! Mock-only receiver faults, to prove a receiver is idempotent and order-tolerant: deliver an
//! event twice, send a batch of waiting events in reverse order, add a random delay before an
//! attempt. Each is off by default; every injected fault is recorded on the delivery.

use std::time::Duration;

use serde::Serialize;
use uuid::Uuid;

use crate::settings::WebhookFaultSettings;

#[derive(Debug, Clone, Default)]
pub struct Faults {
    duplicate_probability: f64,
    reorder_probability: f64,
    delay: Option<(Duration, Duration)>,
}

/// A fault as the delivery log shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// This delivery was sent twice; `duplicate_delivery_id` is the copy.
    Duplicated { duplicate_delivery_id: Uuid },
    /// This delivery is the injected copy of `original_delivery_id` (same webhook_event_id).
    DuplicateOf { original_delivery_id: Uuid },
    /// A batch of `batch_size` events waiting for this subscription went out in reverse order;
    /// this one was `outbox_position` in the outbox order and went out `sent_position` (0-based).
    Reordered {
        batch_size: usize,
        outbox_position: usize,
        sent_position: usize,
    },
    /// An extra wait before attempt `attempt` (Leap time; `scaled_delay_ms` is what was waited).
    Delayed {
        series: u32,
        attempt: u32,
        delay_ms: u64,
        scaled_delay_ms: u64,
    },
}

impl Faults {
    pub fn from_settings(s: &WebhookFaultSettings) -> Self {
        Self {
            duplicate_probability: s.duplicate_probability,
            reorder_probability: s.reorder_probability,
            delay: (!s.delay_max.is_zero()).then_some((s.delay_min, s.delay_max)),
        }
    }

    /// Whether to deliver this event a second time.
    pub fn duplicate(&self) -> bool {
        self.duplicate_probability > 0.0 && rand::random_bool(self.duplicate_probability)
    }

    /// Whether to send a batch of `len` waiting deliveries in reverse order.
    pub fn reorder(&self, len: usize) -> bool {
        len >= 2 && self.reorder_probability > 0.0 && rand::random_bool(self.reorder_probability)
    }

    /// An extra (Leap-time) wait before an attempt, if the delay fault is on.
    pub fn delay(&self) -> Option<Duration> {
        let (min, max) = self.delay?;
        let (lo, hi) = (min.as_micros() as u64, max.as_micros() as u64);
        let micros = if lo >= hi {
            lo
        } else {
            rand::random_range(lo..=hi)
        };
        Some(Duration::from_micros(micros))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faults(dup: f64, reorder: f64, min_ms: u64, max_ms: u64) -> Faults {
        Faults::from_settings(&WebhookFaultSettings {
            duplicate_probability: dup,
            reorder_probability: reorder,
            delay_min: Duration::from_millis(min_ms),
            delay_max: Duration::from_millis(max_ms),
        })
    }

    #[test]
    fn off_by_default_and_certain_at_probability_one() {
        let off = faults(0.0, 0.0, 0, 0);
        assert!((0..1000).all(|_| !off.duplicate() && !off.reorder(5) && off.delay().is_none()));
        let on = faults(1.0, 1.0, 10, 20);
        assert!((0..1000).all(|_| on.duplicate() && on.reorder(2)));
        assert!(!on.reorder(1), "one event cannot be out of order");
        for _ in 0..1000 {
            let d = on.delay().unwrap();
            assert!(d >= Duration::from_millis(10) && d <= Duration::from_millis(20));
        }
    }

    #[test]
    fn fault_records_serialise_with_a_kind() {
        let f = Fault::Reordered {
            batch_size: 3,
            outbox_position: 0,
            sent_position: 2,
        };
        assert_eq!(
            serde_json::to_value(&f).unwrap(),
            serde_json::json!({"kind": "reordered", "batch_size": 3, "outbox_position": 0, "sent_position": 2})
        );
    }
}

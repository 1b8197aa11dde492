//! The webhook metric families, registered on the app's registry.

use prometheus::{Histogram, HistogramOpts, IntCounterVec, IntGauge, Opts};

use super::client::AttemptOutcome;
use crate::domain::enums::WebhookEventType;
use crate::metrics::Metrics;

#[derive(Clone)]
pub struct WebhookMetrics {
    /// Finished deliveries (attempt series), by event type and `succeeded` / `failed`.
    pub deliveries: IntCounterVec,
    /// Attempts by outcome (see [`AttemptOutcome`]).
    pub attempts: IntCounterVec,
    pub attempt_duration: Histogram,
    /// Deliveries not yet succeeded or failed (waiting, in flight or waiting for a retry).
    pub pending: IntGauge,
    /// Real time from the outbox commit to the first successful attempt.
    pub event_to_delivery: Histogram,
}

impl WebhookMetrics {
    pub fn new(registry: &Metrics) -> Self {
        let deliveries = IntCounterVec::new(
            Opts::new(
                "leap_mock_webhook_deliveries_total",
                "Webhook deliveries finished (all attempts of a series), by event type and outcome \
                 (succeeded, failed = dead letter).",
            ),
            &["event_type", "outcome"],
        )
        .expect("static metric definition is valid");
        let attempts = IntCounterVec::new(
            Opts::new(
                "leap_mock_webhook_attempts_total",
                "Webhook HTTP attempts, by outcome (succeeded, http_status, timeout, connect, error).",
            ),
            &["outcome"],
        )
        .expect("static metric definition is valid");
        let attempt_duration = Histogram::with_opts(
            HistogramOpts::new(
                "leap_mock_webhook_attempt_duration_seconds",
                "Time from sending a webhook attempt to its complete response (or failure).",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
        )
        .expect("static metric definition is valid");
        let pending = IntGauge::new(
            "leap_mock_webhook_pending",
            "Webhook deliveries not yet succeeded or failed.",
        )
        .expect("static metric definition is valid");
        let event_to_delivery = Histogram::with_opts(
            HistogramOpts::new(
                "leap_mock_webhook_event_to_delivery_seconds",
                "Real time from the state change (outbox commit) to the first successful attempt, \
                 retries included (compressed by time_scale).",
            )
            .buckets(vec![
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
                60.0, 300.0, 900.0, 1800.0, 3600.0, 7200.0, 14400.0, 28800.0,
            ]),
        )
        .expect("static metric definition is valid");
        // Zero-valued series exist from the start, so dashboards and rate() see them.
        for outcome in AttemptOutcome::ALL {
            attempts.with_label_values(&[outcome.as_str()]);
        }
        for event_type in WebhookEventType::ALL {
            for outcome in ["succeeded", "failed"] {
                deliveries.with_label_values(&[event_type.as_str(), outcome]);
            }
        }
        registry.register(Box::new(deliveries.clone()));
        registry.register(Box::new(attempts.clone()));
        registry.register(Box::new(attempt_duration.clone()));
        registry.register(Box::new(pending.clone()));
        registry.register(Box::new(event_to_delivery.clone()));
        Self {
            deliveries,
            attempts,
            attempt_duration,
            pending,
            event_to_delivery,
        }
    }
}

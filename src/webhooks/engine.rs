//! The shared half of the webhook engine, reachable from the dispatcher worker and from request
//! handlers (redeliver, `/test`): one HTTP client, the retry schedule, signing keys, faults, the
//! delivery log and metrics, and the one function that makes an attempt.
//!
//! Attempts always run on the runtime that built the app (the dispatcher's): a reqwest client's
//! pooled connections belong to the runtime that opened them, and actix handlers run on other
//! runtimes. Handlers therefore hand work over (`commands`, or a task spawned on `runtime`).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use actix_web::web::Bytes;
use tokio::runtime::Handle;
use tokio::sync::{Semaphore, mpsc};
use url::Url;
use uuid::Uuid;

use super::client::{self, AttemptOutcome, Outgoing, Reply};
use super::dispatcher::{Command, Dispatcher};
use super::faults::{Fault, Faults};
use super::log::{After, Attempt, Delivery, DeliveryLog, RestartError};
use super::metrics::WebhookMetrics;
use super::schedule::RetrySchedule;
use super::signing::SigningKey;
use crate::clock::Clock;
use crate::domain::enums::WebhookEventType;
use crate::domain::subscription::Header;
use crate::metrics::Metrics;
use crate::scheduler::Scheduler;
use crate::settings::Settings;
use crate::store::Store;

pub struct Webhooks {
    pub log: DeliveryLog,
    pub metrics: WebhookMetrics,
    pub(super) schedule: RetrySchedule,
    pub(super) faults: Faults,
    pub(super) store: Arc<Store>,
    pub(super) clock: Clock,
    pub(super) timeout: Duration,
    client: reqwest::Client,
    scheduler: Scheduler,
    signing: Option<SigningKey>,
    org_signing: HashMap<String, SigningKey>,
    commands: mpsc::UnboundedSender<Command>,
    runtime: Handle,
    permits: Semaphore,
    stopping: AtomicBool,
}

/// Why a redelivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedeliverError {
    NotFound,
    StillPending,
    SubscriptionGone,
}

impl Webhooks {
    /// The engine and its dispatcher worker; call from inside the runtime that will run it.
    pub fn new(
        settings: &Settings,
        store: Arc<Store>,
        scheduler: Scheduler,
        registry: &Metrics,
    ) -> Result<(Arc<Self>, Dispatcher), String> {
        let ws = &settings.webhooks;
        let signing = (!ws.signing_secret.is_empty())
            .then(|| SigningKey::parse(&ws.signing_secret))
            .transpose()?;
        let mut org_signing = HashMap::new();
        for (name, org) in &settings.orgs {
            if !org.signing_secret.is_empty() {
                org_signing.insert(name.clone(), SigningKey::parse(&org.signing_secret)?);
            }
        }
        let (commands, rx) = mpsc::unbounded_channel();
        let engine = Arc::new(Self {
            log: DeliveryLog::new(ws.log_max_finished),
            metrics: WebhookMetrics::new(registry),
            schedule: RetrySchedule::new(ws.retry_schedule.clone()),
            faults: Faults::from_settings(&ws.faults),
            store,
            clock: scheduler.clock(),
            timeout: ws.timeout,
            client: client::build(ws)?,
            scheduler,
            signing,
            org_signing,
            commands,
            runtime: Handle::current(),
            permits: Semaphore::new(ws.max_concurrency),
            stopping: AtomicBool::new(false),
        });
        let dispatcher = Dispatcher::new(engine.clone(), rx);
        Ok((engine, dispatcher))
    }

    pub fn is_stopping(&self) -> bool {
        self.stopping.load(Ordering::Relaxed)
    }

    pub(super) fn stop(&self) {
        self.stopping.store(true, Ordering::Relaxed);
    }

    pub fn max_attempts(&self) -> u32 {
        self.schedule.max_attempts()
    }

    /// The org's own secret wins over the global one.
    pub fn signing_key(&self, org: &str) -> Option<&SigningKey> {
        self.org_signing.get(org).or(self.signing.as_ref())
    }

    /// The request for one attempt: custom headers as configured, then the signature (fresh
    /// timestamp per attempt, as Standard Webhooks asks) when signing is on.
    fn outgoing(
        &self,
        org: &str,
        msg_id: Uuid,
        url: Url,
        headers: &[Header],
        body: Bytes,
    ) -> Outgoing {
        let mut all: Vec<(String, String)> = headers
            .iter()
            .map(|h| (h.name.clone(), h.value.clone()))
            .collect();
        if let Some(key) = self.signing_key(org) {
            let timestamp = self.clock.now().timestamp();
            for (name, value) in key.headers(&msg_id.to_string(), timestamp, &body) {
                all.push((name.to_string(), value));
            }
        }
        Outgoing {
            url,
            headers: all,
            body,
        }
    }

    /// The wait before attempt `number` of a series plus the delay fault (recorded), Leap time.
    pub(super) fn wait_before(&self, id: Uuid, series: u32, number: u32) -> Duration {
        let wait = self.schedule.wait_before(number).unwrap_or_default();
        match self.faults.delay() {
            Some(extra) => {
                self.log.add_fault(
                    id,
                    Fault::Delayed {
                        series,
                        attempt: number,
                        delay_ms: extra.as_millis() as u64,
                        scaled_delay_ms: self.clock.scaled(extra).as_millis() as u64,
                    },
                );
                wait + extra
            }
            None => wait,
        }
    }

    /// Runs the attempt after `wait` of Leap time, on a scheduler timer (not a sleeping task).
    pub(super) fn schedule_attempt(&self, id: Uuid, wait: Duration) {
        if wait.is_zero() {
            let _ = self.commands.send(Command::Attempt(id));
            return;
        }
        let due = self.clock.now()
            + chrono::Duration::from_std(self.clock.scaled(wait)).unwrap_or_default();
        self.log.set_next_attempt_at(id, Some(due));
        let commands = self.commands.clone();
        self.scheduler.after(wait, move || {
            let _ = commands.send(Command::Attempt(id));
        });
    }

    /// Makes the next attempt of a pending delivery and decides what follows.
    pub(super) async fn attempt(self: Arc<Self>, id: Uuid) {
        if self.is_stopping() {
            return;
        }
        let Some(plan) = self.log.plan(id) else {
            return;
        };
        // Attempts go to the subscription as it is now: a fixed URL or headers take effect on
        // the next retry, and a deleted subscription gets no more attempts.
        let target = self.store.read(&plan.org, |d| {
            d.webhooks
                .iter()
                .find(|s| s.webhook_id == plan.webhook_id)
                .map(|s| (s.receiver_url.clone(), s.headers.clone()))
        });
        let Some((url, headers)) = target else {
            if let Some(event_type) = self.log.give_up(id, "the subscription was deleted") {
                self.finished(event_type, false);
            }
            return;
        };
        let Ok(_permit) = self.permits.acquire().await else {
            return;
        };
        if self.is_stopping() {
            return;
        }
        let started_at = self.clock.now();
        let out = self.outgoing(&plan.org, plan.webhook_event_id, url, &headers, plan.body);
        let reply = client::send(&self.client, &out).await;
        self.metrics
            .attempts
            .with_label_values(&[reply.outcome.as_str()])
            .inc();
        self.metrics
            .attempt_duration
            .observe(reply.latency.as_secs_f64());
        if reply.outcome != AttemptOutcome::Succeeded {
            tracing::debug!(delivery = %id, attempt = plan.number, outcome = reply.outcome.as_str(),
                status = ?reply.status_code, error = ?reply.error, "webhook attempt failed");
        }
        let attempt = Attempt {
            series: plan.series,
            number: plan.number,
            started_at,
            receiver_url: out.url.to_string(),
            reply,
        };
        match self
            .log
            .record(id, attempt, &self.schedule, self.clock.now())
        {
            Some(After::Succeeded {
                event_type,
                event_to_delivery,
            }) => {
                if let Some(latency) = event_to_delivery {
                    self.metrics
                        .event_to_delivery
                        .observe(latency.as_secs_f64());
                }
                self.finished(event_type, true);
            }
            Some(After::Retry { number, wait }) => {
                let _ = wait; // the schedule's wait, plus the delay fault if it is on
                let wait = self.wait_before(id, plan.series, number);
                self.schedule_attempt(id, wait);
            }
            Some(After::Failed { event_type }) => {
                tracing::info!(delivery = %id, org = %plan.org, webhook_id = %plan.webhook_id,
                    "webhook delivery failed after {} attempts (dead letter)", plan.number);
                self.finished(event_type, false);
            }
            None => {}
        }
    }

    fn finished(&self, event_type: WebhookEventType, succeeded: bool) {
        let outcome = if succeeded { "succeeded" } else { "failed" };
        self.metrics
            .deliveries
            .with_label_values(&[event_type.as_str(), outcome])
            .inc();
        self.metrics.pending.dec();
    }

    /// A new pending delivery was recorded.
    pub(super) fn started(&self) {
        self.metrics.pending.inc();
    }

    /// A fresh attempt series for a finished delivery: same body, same `webhook_event_id`.
    pub fn redeliver(&self, id: Uuid) -> Result<Delivery, RedeliverError> {
        let current = self.log.get(id).ok_or(RedeliverError::NotFound)?;
        let exists = self.store.read(&current.org, |d| {
            d.webhooks
                .iter()
                .any(|s| s.webhook_id == current.webhook_id)
        });
        if !exists {
            return Err(RedeliverError::SubscriptionGone);
        }
        let delivery = self.log.restart(id).map_err(|e| match e {
            RestartError::NotFound => RedeliverError::NotFound,
            RestartError::StillPending => RedeliverError::StillPending,
        })?;
        self.started();
        let wait = self.wait_before(id, delivery.series, 1);
        self.schedule_attempt(id, wait);
        Ok(self.log.get(id).unwrap_or(delivery))
    }

    /// Sends one request now and reports what happened (`POST /v1.1/webhooks/{id}/test`). Not a
    /// delivery: no retries, no faults, not in the log or metrics. Signed like a delivery.
    pub async fn test_send(
        &self,
        org: &str,
        url: Url,
        headers: &[Header],
        webhook_event_id: Uuid,
        body: Bytes,
    ) -> Reply {
        let out = self.outgoing(org, webhook_event_id, url, headers, body);
        let client = self.client.clone();
        // The send runs on the engine's runtime; this handler's runtime only awaits the result.
        let task = self
            .runtime
            .spawn(async move { client::send(&client, &out).await });
        match task.await {
            Ok(reply) => reply,
            Err(e) => Reply {
                outcome: AttemptOutcome::Error,
                latency: Duration::ZERO,
                status_code: None,
                error: Some(format!("the test send did not complete: {e}")),
                body: None,
                body_truncated: false,
            },
        }
    }
}

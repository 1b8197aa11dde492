//! The delivery log (mock-only): one record per (event, subscription) with every attempt, the
//! injected faults and the exact body sent. Bounded: the newest `webhooks.log_max_finished`
//! finished deliveries are kept; pending ones are never dropped.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::str::FromStr;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use actix_web::web::Bytes;
use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use super::client::{AttemptOutcome, Reply};
use super::faults::Fault;
use super::schedule::RetrySchedule;
use crate::domain::enums::WebhookEventType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Waiting for its first attempt, in flight, or waiting for a retry.
    Pending,
    Succeeded,
    /// Every attempt failed (a dead letter), or its subscription was deleted.
    Failed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
        }
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "pending" => Ok(Status::Pending),
            "succeeded" => Ok(Status::Succeeded),
            "failed" => Ok(Status::Failed),
            other => Err(format!(
                "unknown status {other:?}; expected one of: pending, succeeded, failed"
            )),
        }
    }
}

/// One HTTP attempt.
#[derive(Debug, Clone, PartialEq)]
pub struct Attempt {
    /// 0 for the original series, then 1, 2, ... for each redelivery.
    pub series: u32,
    /// 1-based within its series.
    pub number: u32,
    pub started_at: DateTime<Utc>,
    pub receiver_url: String,
    pub reply: Reply,
}

/// One event for one subscription.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// Creation order (newest = highest); page tokens are built from it.
    pub seq: u64,
    pub id: Uuid,
    pub org: String,
    pub webhook_id: Uuid,
    /// The subscription's URL when the delivery was made (attempts use the current one).
    pub receiver_url: String,
    pub event_seq: u64,
    pub webhook_event_id: Uuid,
    pub event_type: WebhookEventType,
    pub event_created_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    /// The exact bytes every attempt sends: Leap's envelope.
    pub body: Bytes,
    pub status: Status,
    pub series: u32,
    pub max_attempts: u32,
    pub attempts: Vec<Attempt>,
    pub faults: Vec<Fault>,
    pub next_attempt_at: Option<DateTime<Utc>>,
    /// When the first attempt ever to succeed finished.
    pub delivered_at: Option<DateTime<Utc>>,
    /// Why the delivery stopped without using all its attempts.
    pub gave_up: Option<String>,
}

impl Delivery {
    pub fn attempts_in_series(&self) -> u32 {
        self.attempts
            .iter()
            .filter(|a| a.series == self.series)
            .count() as u32
    }
}

/// What a new delivery is made of.
pub struct NewDelivery {
    pub org: String,
    pub webhook_id: Uuid,
    pub receiver_url: String,
    pub event_seq: u64,
    pub webhook_event_id: Uuid,
    pub event_type: WebhookEventType,
    pub event_created_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub body: Bytes,
    pub max_attempts: u32,
    pub faults: Vec<Fault>,
}

/// What the engine needs to make the next attempt.
#[derive(Debug, Clone)]
pub struct Planned {
    pub org: String,
    pub webhook_id: Uuid,
    pub webhook_event_id: Uuid,
    pub body: Bytes,
    pub series: u32,
    pub number: u32,
}

/// What happens after an attempt was recorded.
#[derive(Debug, Clone, PartialEq)]
pub enum After {
    /// Done. `event_to_delivery` is set the first time a delivery ever succeeds.
    Succeeded {
        event_type: WebhookEventType,
        event_to_delivery: Option<Duration>,
    },
    /// Attempt `number` is due after `wait` (Leap time).
    Retry { number: u32, wait: Duration },
    /// Attempts used up: a dead letter.
    Failed { event_type: WebhookEventType },
}

/// Why a redelivery was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestartError {
    NotFound,
    StillPending,
}

#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub org: Option<String>,
    pub event_type: Option<WebhookEventType>,
    pub status: Option<Status>,
    pub webhook_id: Option<Uuid>,
    pub webhook_event_id: Option<Uuid>,
}

impl Filter {
    fn matches(&self, d: &Delivery) -> bool {
        self.org.as_ref().is_none_or(|o| *o == d.org)
            && self.event_type.is_none_or(|t| t == d.event_type)
            && self.status.is_none_or(|s| s == d.status)
            && self.webhook_id.is_none_or(|w| w == d.webhook_id)
            && self
                .webhook_event_id
                .is_none_or(|e| e == d.webhook_event_id)
    }
}

#[derive(Default)]
struct Inner {
    by_seq: BTreeMap<u64, Delivery>,
    seq_of: HashMap<Uuid, u64>,
    finished: BTreeSet<u64>,
    next_seq: u64,
    pending: usize,
}

pub struct DeliveryLog {
    inner: Mutex<Inner>,
    max_finished: usize,
}

impl DeliveryLog {
    pub fn new(max_finished: usize) -> Self {
        Self {
            inner: Mutex::new(Inner::default()),
            max_finished,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Records a new pending delivery and returns its id.
    pub fn insert(&self, new: NewDelivery) -> Uuid {
        let id = Uuid::new_v4();
        let mut inner = self.lock();
        inner.next_seq += 1;
        let seq = inner.next_seq;
        inner.by_seq.insert(
            seq,
            Delivery {
                seq,
                id,
                org: new.org,
                webhook_id: new.webhook_id,
                receiver_url: new.receiver_url,
                event_seq: new.event_seq,
                webhook_event_id: new.webhook_event_id,
                event_type: new.event_type,
                event_created_at: new.event_created_at,
                created_at: new.created_at,
                body: new.body,
                status: Status::Pending,
                series: 0,
                max_attempts: new.max_attempts,
                attempts: Vec::new(),
                faults: new.faults,
                next_attempt_at: None,
                delivered_at: None,
                gave_up: None,
            },
        );
        inner.seq_of.insert(id, seq);
        inner.pending += 1;
        id
    }

    fn with<R>(&self, id: Uuid, f: impl FnOnce(&mut Delivery) -> R) -> Option<R> {
        let mut inner = self.lock();
        let seq = *inner.seq_of.get(&id)?;
        inner.by_seq.get_mut(&seq).map(f)
    }

    pub fn add_fault(&self, id: Uuid, fault: Fault) {
        self.with(id, |d| d.faults.push(fault));
    }

    pub fn set_next_attempt_at(&self, id: Uuid, at: Option<DateTime<Utc>>) {
        self.with(id, |d| d.next_attempt_at = at);
    }

    /// The next attempt of a pending delivery (`None` once it is finished or gone).
    pub fn plan(&self, id: Uuid) -> Option<Planned> {
        self.with(id, |d| {
            (d.status == Status::Pending).then(|| Planned {
                org: d.org.clone(),
                webhook_id: d.webhook_id,
                webhook_event_id: d.webhook_event_id,
                body: d.body.clone(),
                series: d.series,
                number: d.attempts_in_series() + 1,
            })
        })
        .flatten()
    }

    /// Records an attempt and decides what comes next from the schedule.
    pub fn record(
        &self,
        id: Uuid,
        attempt: Attempt,
        schedule: &RetrySchedule,
        now: DateTime<Utc>,
    ) -> Option<After> {
        let mut inner = self.lock();
        let seq = *inner.seq_of.get(&id)?;
        let d = inner.by_seq.get_mut(&seq)?;
        if d.status != Status::Pending || d.series != attempt.series {
            return None;
        }
        let succeeded = attempt.reply.outcome == AttemptOutcome::Succeeded;
        d.attempts.push(attempt);
        d.next_attempt_at = None;
        let next = d.attempts_in_series() + 1;
        let after = if succeeded {
            let first = d.delivered_at.is_none();
            if first {
                d.delivered_at = Some(now);
            }
            d.status = Status::Succeeded;
            After::Succeeded {
                event_type: d.event_type,
                event_to_delivery: first
                    .then(|| (now - d.event_created_at).to_std().unwrap_or_default()),
            }
        } else if let Some(wait) = schedule.wait_before(next) {
            After::Retry { number: next, wait }
        } else {
            d.status = Status::Failed;
            After::Failed {
                event_type: d.event_type,
            }
        };
        if !matches!(after, After::Retry { .. }) {
            Self::finished(&mut inner, seq, self.max_finished);
        }
        Some(after)
    }

    /// Ends a pending delivery without (further) attempts; returns its event type.
    pub fn give_up(&self, id: Uuid, reason: &str) -> Option<WebhookEventType> {
        let mut inner = self.lock();
        let seq = *inner.seq_of.get(&id)?;
        let d = inner.by_seq.get_mut(&seq)?;
        if d.status != Status::Pending {
            return None;
        }
        d.status = Status::Failed;
        d.next_attempt_at = None;
        d.gave_up = Some(reason.to_string());
        let event_type = d.event_type;
        Self::finished(&mut inner, seq, self.max_finished);
        Some(event_type)
    }

    fn finished(inner: &mut Inner, seq: u64, max_finished: usize) {
        inner.pending = inner.pending.saturating_sub(1);
        inner.finished.insert(seq);
        while inner.finished.len() > max_finished {
            let Some(oldest) = inner.finished.pop_first() else {
                break;
            };
            if let Some(d) = inner.by_seq.remove(&oldest) {
                inner.seq_of.remove(&d.id);
            }
        }
    }

    /// Starts a fresh attempt series on a finished delivery (same body, same webhook_event_id).
    pub fn restart(&self, id: Uuid) -> Result<Delivery, RestartError> {
        let mut inner = self.lock();
        let seq = *inner.seq_of.get(&id).ok_or(RestartError::NotFound)?;
        let d = inner.by_seq.get_mut(&seq).ok_or(RestartError::NotFound)?;
        if d.status == Status::Pending {
            return Err(RestartError::StillPending);
        }
        d.status = Status::Pending;
        d.series += 1;
        d.gave_up = None;
        let snapshot = d.clone();
        inner.finished.remove(&seq);
        inner.pending += 1;
        Ok(snapshot)
    }

    pub fn get(&self, id: Uuid) -> Option<Delivery> {
        self.with(id, |d| d.clone())
    }

    /// Up to `limit` matching deliveries, newest first, created before the one with `before`
    /// (a seq from a previous page); plus the cursor for the next page if there is one.
    pub fn list(
        &self,
        filter: &Filter,
        before: Option<u64>,
        limit: usize,
    ) -> (Vec<Delivery>, Option<u64>) {
        let inner = self.lock();
        let upper = before.unwrap_or(u64::MAX);
        let mut page: Vec<Delivery> = inner
            .by_seq
            .range(..upper)
            .rev()
            .filter(|(_, d)| filter.matches(d))
            .take(limit + 1)
            .map(|(_, d)| d.clone())
            .collect();
        let next = (page.len() > limit).then(|| {
            page.truncate(limit);
            page.last().map(|d| d.seq).unwrap_or(0)
        });
        (page, next)
    }

    /// Deliveries not yet finished.
    pub fn pending(&self) -> usize {
        self.lock().pending
    }

    /// Deliveries held (pending and finished).
    pub fn len(&self) -> usize {
        self.lock().by_seq.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(org: &str, t: WebhookEventType) -> NewDelivery {
        NewDelivery {
            org: org.into(),
            webhook_id: Uuid::new_v4(),
            receiver_url: "http://x/".into(),
            event_seq: 1,
            webhook_event_id: Uuid::new_v4(),
            event_type: t,
            event_created_at: Utc::now(),
            created_at: Utc::now(),
            body: Bytes::from_static(b"{}"),
            max_attempts: 2,
            faults: vec![],
        }
    }

    fn attempt(series: u32, number: u32, outcome: AttemptOutcome) -> Attempt {
        Attempt {
            series,
            number,
            started_at: Utc::now(),
            receiver_url: "http://x/".into(),
            reply: Reply {
                outcome,
                latency: Duration::from_millis(3),
                status_code: Some(if outcome == AttemptOutcome::Succeeded {
                    200
                } else {
                    500
                }),
                error: None,
                body: Some(String::new()),
                body_truncated: false,
            },
        }
    }

    #[test]
    fn attempts_follow_the_schedule_then_dead_letter_then_redeliver() {
        let log = DeliveryLog::new(10);
        let schedule = RetrySchedule::new(vec![Duration::ZERO, Duration::from_secs(60)]);
        let id = log.insert(new("demo", WebhookEventType::MeterCreated));
        assert_eq!(log.pending(), 1);
        assert_eq!(log.plan(id).unwrap().number, 1);
        let after = log.record(
            id,
            attempt(0, 1, AttemptOutcome::HttpStatus),
            &schedule,
            Utc::now(),
        );
        assert_eq!(
            after,
            Some(After::Retry {
                number: 2,
                wait: Duration::from_secs(60)
            })
        );
        let after = log.record(
            id,
            attempt(0, 2, AttemptOutcome::Timeout),
            &schedule,
            Utc::now(),
        );
        assert!(matches!(after, Some(After::Failed { .. })));
        assert_eq!(log.pending(), 0);
        assert!(
            log.plan(id).is_none(),
            "a dead letter gets no more attempts"
        );
        assert_eq!(log.restart(id).unwrap().series, 1);
        assert_eq!(log.restart(id).unwrap_err(), RestartError::StillPending);
        assert_eq!(
            log.plan(id).unwrap().number,
            1,
            "a fresh series starts at 1"
        );
        assert!(
            log.record(
                id,
                attempt(0, 3, AttemptOutcome::Succeeded),
                &schedule,
                Utc::now()
            )
            .is_none(),
            "a stale attempt of an older series is ignored"
        );
        let after = log.record(
            id,
            attempt(1, 1, AttemptOutcome::Succeeded),
            &schedule,
            Utc::now(),
        );
        assert!(matches!(
            after,
            Some(After::Succeeded {
                event_to_delivery: Some(_),
                ..
            })
        ));
        assert_eq!(log.get(id).unwrap().attempts.len(), 3);
    }

    #[test]
    fn keeps_the_newest_finished_and_every_pending_delivery() {
        let log = DeliveryLog::new(2);
        let schedule = RetrySchedule::new(vec![Duration::ZERO]);
        let ids: Vec<Uuid> = (0..5)
            .map(|_| log.insert(new("demo", WebhookEventType::MeterCreated)))
            .collect();
        for id in &ids[..4] {
            log.record(
                *id,
                attempt(0, 1, AttemptOutcome::Succeeded),
                &schedule,
                Utc::now(),
            );
        }
        assert_eq!(log.len(), 3, "two finished + one pending");
        assert!(log.get(ids[0]).is_none() && log.get(ids[1]).is_none());
        assert!(log.get(ids[4]).is_some(), "pending is never dropped");
    }

    #[test]
    fn lists_newest_first_with_filters_and_pages() {
        let log = DeliveryLog::new(100);
        for i in 0..5 {
            let t = if i % 2 == 0 {
                WebhookEventType::MeterCreated
            } else {
                WebhookEventType::ConnectSessionUpdated
            };
            log.insert(new(if i < 4 { "a" } else { "b" }, t));
        }
        let filter = Filter {
            org: Some("a".into()),
            ..Filter::default()
        };
        let (page, next) = log.list(&filter, None, 3);
        assert_eq!(page.iter().map(|d| d.seq).collect::<Vec<_>>(), [4, 3, 2]);
        let (page, next) = log.list(&filter, next, 3);
        assert_eq!(page.iter().map(|d| d.seq).collect::<Vec<_>>(), [1]);
        assert_eq!(next, None);
        let filter = Filter {
            event_type: Some(WebhookEventType::MeterCreated),
            status: Some(Status::Pending),
            ..Filter::default()
        };
        assert_eq!(log.list(&filter, None, 10).0.len(), 3);
    }
}

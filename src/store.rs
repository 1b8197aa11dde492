//! The in-memory store: every org's state plus the event outbox, behind one lock and one small
//! API (`read`, `commit`, `events_after`, `reset`), so a durable backend could replace it without
//! touching routes.
//!
//! `commit` runs a domain command on an org's data and appends the events it returned to the
//! outbox under the same write lock: an event never exists without its state change, nor the
//! other way round. Commands must validate before they mutate (a command that returns `Err`
//! must leave the data as it found it).

use std::collections::{BTreeMap, HashMap};
use std::sync::{LazyLock, PoisonError, RwLock};

use chrono::{DateTime, Utc};
use tokio::sync::watch;
use url::Url;
use uuid::Uuid;

use crate::domain::connect::{ConnectSession, RefId};
use crate::domain::jobs::Jobs;
use crate::domain::meter::Meter;
use crate::domain::subscription::Subscription;
use crate::domain::{EventPayload, OutboxEvent};

/// Meters of one org in creation order (the stable order searches page through).
#[derive(Debug, Default)]
pub struct Meters {
    /// Boxed: a meter is over 1 KB, and B-tree nodes hold 11 slots, mostly part-empty.
    by_key: BTreeMap<u64, Box<Meter>>,
    key_of: HashMap<Uuid, u64>,
    by_partner_reference: HashMap<String, Vec<Uuid>>,
    next_key: u64,
}

impl Meters {
    /// Adds a meter; returns its position key (monotonic within the org).
    pub fn insert(&mut self, meter: Meter) -> u64 {
        let key = self.next_key;
        self.next_key += 1;
        self.index_partner_reference(&meter);
        self.key_of.insert(meter.meter_id, key);
        self.by_key.insert(key, Box::new(meter));
        key
    }

    pub fn get(&self, id: &Uuid) -> Option<&Meter> {
        self.key_of
            .get(id)
            .and_then(|k| self.by_key.get(k))
            .map(|m| &**m)
    }

    /// Changes a meter in place, keeping the partner-reference index right.
    pub fn update<R>(&mut self, id: &Uuid, f: impl FnOnce(&mut Meter) -> R) -> Option<R> {
        let key = *self.key_of.get(id)?;
        let meter = self.by_key.get_mut(&key)?;
        let old_reference = meter.partner_reference.clone();
        let result = f(meter);
        if meter.partner_reference != old_reference {
            let meter = meter.clone();
            if let Some(old) = old_reference {
                if let Some(ids) = self.by_partner_reference.get_mut(&old) {
                    ids.retain(|m| m != id);
                }
            }
            self.index_partner_reference(&meter);
        }
        Some(result)
    }

    fn index_partner_reference(&mut self, meter: &Meter) {
        if let Some(reference) = &meter.partner_reference {
            self.by_partner_reference
                .entry(reference.clone())
                .or_default()
                .push(meter.meter_id);
        }
    }

    /// Meters whose `partner_reference` is `reference`, in creation order.
    pub fn with_partner_reference(&self, reference: &str) -> Vec<&Meter> {
        self.by_partner_reference
            .get(reference)
            .into_iter()
            .flatten()
            .filter_map(|id| self.get(id))
            .collect()
    }

    /// The position key of a meter (for cursors).
    pub fn key_of(&self, id: &Uuid) -> Option<u64> {
        self.key_of.get(id).copied()
    }

    /// All meters in creation order.
    pub fn iter(&self) -> impl Iterator<Item = (u64, &Meter)> {
        self.by_key.iter().map(|(k, m)| (*k, &**m))
    }

    /// Meters created after the one at `key`, in creation order.
    pub fn after(&self, key: Option<u64>) -> impl Iterator<Item = (u64, &Meter)> {
        let start = key.map_or(0, |k| k.saturating_add(1));
        self.by_key.range(start..).map(|(k, m)| (*k, &**m))
    }

    pub fn len(&self) -> usize {
        self.by_key.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

/// Everything one org owns.
#[derive(Debug, Default)]
pub struct OrgData {
    pub meters: Meters,
    /// Connect sessions by refId (ordered, for stable Connect API pages).
    pub sessions: BTreeMap<RefId, ConnectSession>,
    /// Webhook subscriptions in creation order.
    pub webhooks: Vec<Subscription>,
    /// Create Meters jobs (with their provisional assets) in submission order.
    pub jobs: Jobs,
    /// How many times the org has been reset: work started before a reset (a test case's
    /// delayed steps) compares it to know its org state is gone.
    pub epoch: u64,
}

/// What a successful commit produced.
#[derive(Debug)]
pub struct Committed<R> {
    pub value: R,
    /// The events appended to the outbox, in order.
    pub events: Vec<OutboxEvent>,
}

struct Inner {
    orgs: HashMap<String, OrgData>,
    outbox: Vec<OutboxEvent>,
    last_seq: u64,
}

pub struct Store {
    inner: RwLock<Inner>,
    /// Per-org `webhook_url` settings: re-applied when an org is reset.
    seeds: HashMap<String, Option<Url>>,
    last_seq_tx: watch::Sender<u64>,
}

static EMPTY_ORG: LazyLock<OrgData> = LazyLock::new(OrgData::default);

impl Store {
    /// A store for the given orgs, each with its optional `webhook_url` subscription.
    pub fn new(orgs: impl IntoIterator<Item = (String, Option<Url>)>, now: DateTime<Utc>) -> Self {
        let seeds: HashMap<String, Option<Url>> = orgs.into_iter().collect();
        let orgs = seeds
            .iter()
            .map(|(name, url)| (name.clone(), Self::seeded(url, now)))
            .collect();
        let (last_seq_tx, _) = watch::channel(0);
        Store {
            inner: RwLock::new(Inner {
                orgs,
                outbox: Vec::new(),
                last_seq: 0,
            }),
            seeds,
            last_seq_tx,
        }
    }

    fn seeded(url: &Option<Url>, now: DateTime<Utc>) -> OrgData {
        let mut data = OrgData::default();
        if let Some(url) = url {
            data.webhooks
                .push(Subscription::from_setting(url.clone(), now));
        }
        data
    }

    /// Reads an org's data (an unknown org reads as empty).
    pub fn read<R>(&self, org: &str, f: impl FnOnce(&OrgData) -> R) -> R {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        f(inner.orgs.get(org).unwrap_or(&EMPTY_ORG))
    }

    /// Runs a domain command on an org's data and appends the events it returns to the outbox,
    /// atomically. On `Err` nothing is committed (the command must not have mutated).
    pub fn commit<R, E>(
        &self,
        org: &str,
        now: DateTime<Utc>,
        command: impl FnOnce(&mut OrgData) -> Result<(R, Vec<EventPayload>), E>,
    ) -> Result<Committed<R>, E> {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let data = inner.orgs.entry(org.to_string()).or_default();
        let (value, payloads) = command(data)?;
        let mut events = Vec::with_capacity(payloads.len());
        for payload in payloads {
            inner.last_seq += 1;
            let event = OutboxEvent {
                seq: inner.last_seq,
                org: org.to_string(),
                webhook_event_id: Uuid::new_v4(),
                created_at: now,
                payload,
            };
            inner.outbox.push(event.clone());
            events.push(event);
        }
        let last = inner.last_seq;
        drop(inner);
        if !events.is_empty() {
            self.last_seq_tx.send_replace(last);
        }
        Ok(Committed { value, events })
    }

    /// Up to `limit` outbox events with `seq > after`, oldest first, optionally of one org.
    pub fn events_after(&self, after: u64, limit: usize, org: Option<&str>) -> Vec<OutboxEvent> {
        let inner = self.inner.read().unwrap_or_else(PoisonError::into_inner);
        let start = inner.outbox.partition_point(|e| e.seq <= after);
        inner.outbox[start..]
            .iter()
            .filter(|e| org.is_none_or(|o| e.org == o))
            .take(limit)
            .cloned()
            .collect()
    }

    /// The sequence number of the newest event (0 when there is none).
    pub fn last_seq(&self) -> u64 {
        *self.last_seq_tx.borrow()
    }

    /// Wakes whenever events are committed; the value is the newest `seq`.
    pub fn watch(&self) -> watch::Receiver<u64> {
        self.last_seq_tx.subscribe()
    }

    /// Drops all state (and outbox events) of one org, or of every org. Orgs start again as at
    /// start-up, with their `webhook_url` subscription. Sequence numbers are never reused.
    pub fn reset(&self, org: Option<&str>, now: DateTime<Utc>) -> usize {
        let mut inner = self.inner.write().unwrap_or_else(PoisonError::into_inner);
        let names: Vec<String> = match org {
            Some(o) => vec![o.to_string()],
            None => inner.orgs.keys().cloned().collect(),
        };
        for name in &names {
            let seed = self.seeds.get(name).cloned().flatten();
            let mut data = Self::seeded(&seed, now);
            data.epoch = inner.orgs.get(name).map_or(0, |d| d.epoch + 1);
            inner.orgs.insert(name.clone(), data);
        }
        let before = inner.outbox.len();
        inner.outbox.retain(|e| org.is_some_and(|o| e.org != o));
        before - inner.outbox.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::connect::ConnectSession;

    fn now() -> DateTime<Utc> {
        Utc::now()
    }

    #[test]
    fn commit_appends_events_with_increasing_seq_and_err_commits_nothing() {
        let store = Store::new([("a".to_string(), None), ("b".to_string(), None)], now());
        let committed = store
            .commit("a", now(), |data| {
                let (s, events) = ConnectSession::start(RefId::parse("ref-1").unwrap(), now());
                data.sessions.insert(s.ref_id.clone(), s);
                Ok::<_, ()>(((), events))
            })
            .unwrap();
        assert_eq!(committed.events.len(), 1);
        assert_eq!(committed.events[0].seq, 1);
        let failed: Result<Committed<()>, &str> = store.commit("a", now(), |_| Err("no"));
        assert!(failed.is_err());
        assert_eq!(store.last_seq(), 1);
        assert_eq!(store.read("a", |d| d.sessions.len()), 1);
        assert_eq!(
            store.read("b", |d| d.sessions.len()),
            0,
            "orgs are separate"
        );
        assert_eq!(store.events_after(0, 10, Some("b")).len(), 0);
        assert_eq!(store.events_after(0, 10, None).len(), 1);
    }

    #[test]
    fn reset_reseeds_settings_subscription_and_drops_events() {
        let url = Url::parse("http://localhost:9/hook").unwrap();
        let store = Store::new([("a".to_string(), Some(url))], now());
        store
            .commit("a", now(), |data| {
                let (s, events) = ConnectSession::start(RefId::parse("ref-1").unwrap(), now());
                data.sessions.insert(s.ref_id.clone(), s);
                Ok::<_, ()>(((), events))
            })
            .unwrap();
        assert_eq!(store.read("a", |d| d.epoch), 0);
        assert_eq!(store.reset(Some("a"), now()), 1);
        assert_eq!(
            store.read("a", |d| (d.sessions.len(), d.webhooks.len(), d.epoch)),
            (0, 1, 1)
        );
        store.reset(None, now());
        assert_eq!(store.read("a", |d| d.epoch), 2);
        assert_eq!(store.last_seq(), 1, "sequence numbers are not reused");
    }
}

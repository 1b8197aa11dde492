//! The dispatcher worker (separate from the HTTP handlers, like svix-server's worker): wakes on
//! new outbox events, fans each out to the subscriptions of its org that want its type, records
//! a delivery per (event, subscription), and runs attempts.
//!
//! Per subscription, first attempts go out in outbox order: each subscription has a lane (a
//! task that exists only while it has work) sending one first attempt at a time. Retries do not
//! wait in the lane: they are timers on the shared scheduler that hand the delivery back here,
//! so a receiver sees retries interleaved with newer events, as with Leap.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_web::web::Bytes;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use uuid::Uuid;

use super::engine::Webhooks;
use super::faults::Fault;
use super::log::NewDelivery;
use crate::background::{Readiness, ShutdownSignal};
use crate::domain::OutboxEvent;

/// Work handed to the dispatcher from timers and request handlers.
#[derive(Debug)]
pub enum Command {
    /// Make the next attempt of this delivery now.
    Attempt(Uuid),
}

/// The worker's name in `/readyz`.
pub const WORKER: &str = "webhook_dispatcher";

/// Reports the worker down however `run` ends — a panic included, which would otherwise skip
/// the worker wrapper's own "stopped" bookkeeping and leave `/readyz` green.
struct ReportDownOnExit(Readiness);

impl Drop for ReportDownOnExit {
    fn drop(&mut self) {
        self.0.set(WORKER, false);
    }
}

/// Outbox events read per pass.
const BATCH: usize = 512;

pub struct Dispatcher {
    engine: Arc<Webhooks>,
    commands: mpsc::UnboundedReceiver<Command>,
    /// The last outbox `seq` fanned out.
    cursor: u64,
    lanes: HashMap<Uuid, Arc<Mutex<Lane>>>,
    tasks: JoinSet<()>,
}

/// Deliveries waiting for their first attempt to one subscription, in outbox order.
#[derive(Default)]
struct Lane {
    queue: VecDeque<Uuid>,
    running: bool,
}

fn lock(lane: &Mutex<Lane>) -> std::sync::MutexGuard<'_, Lane> {
    lane.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Marks a lane idle however its task ends (a panic included), so new work restarts it.
struct LaneRunning(Arc<Mutex<Lane>>);

impl Drop for LaneRunning {
    fn drop(&mut self) {
        lock(&self.0).running = false;
    }
}

impl Dispatcher {
    pub(super) fn new(engine: Arc<Webhooks>, commands: mpsc::UnboundedReceiver<Command>) -> Self {
        Self {
            engine,
            commands,
            cursor: 0,
            lanes: HashMap::new(),
            tasks: JoinSet::new(),
        }
    }

    /// The worker loop; returns on shutdown after in-flight attempts finish.
    pub async fn run(mut self, mut shutdown: ShutdownSignal, readiness: Readiness) {
        let _down = ReportDownOnExit(readiness);
        let mut changes = self.engine.store.watch();
        loop {
            self.fan_out(&shutdown);
            tokio::select! {
                biased;
                _ = shutdown.wait() => break,
                Some(command) = self.commands.recv() => self.handle(command),
                changed = changes.changed() => if changed.is_err() { break },
                Some(done) = self.tasks.join_next(), if !self.tasks.is_empty() => {
                    if let Err(e) = done {
                        tracing::error!(error = %e, "a webhook delivery task failed");
                    }
                }
            }
        }
        self.stop().await;
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Attempt(id) => {
                self.tasks.spawn(self.engine.clone().attempt(id));
            }
        }
    }

    /// Turns every outbox event not yet seen into deliveries and wakes their lanes.
    fn fan_out(&mut self, shutdown: &ShutdownSignal) {
        let mut touched = HashSet::new();
        loop {
            let events = self.engine.store.events_after(self.cursor, BATCH, None);
            let Some(last) = events.last() else {
                break;
            };
            self.cursor = last.seq;
            for event in &events {
                self.deliver(event, &mut touched);
            }
        }
        for webhook_id in touched {
            self.wake(webhook_id, shutdown);
        }
        // Lanes of deleted or quiet subscriptions are dropped; they come back with new work.
        self.lanes.retain(|_, lane| {
            let lane = lock(lane);
            lane.running || !lane.queue.is_empty()
        });
    }

    fn deliver(&mut self, event: &OutboxEvent, touched: &mut HashSet<Uuid>) {
        let event_type = event.event_type();
        // Subscriptions as they are now; one made after the event does not receive it.
        let targets: Vec<(Uuid, String)> = self.engine.store.read(&event.org, |d| {
            d.webhooks
                .iter()
                .filter(|s| s.wants(event_type) && s.created_at <= event.created_at)
                .map(|s| (s.webhook_id, s.receiver_url.to_string()))
                .collect()
        });
        if targets.is_empty() {
            return;
        }
        let body = match serde_json::to_vec(&event.envelope()) {
            Ok(bytes) => Bytes::from(bytes),
            Err(e) => {
                tracing::error!(seq = event.seq, error = %e, "cannot serialise a webhook envelope");
                return;
            }
        };
        let engine = &self.engine;
        for (webhook_id, receiver_url) in targets {
            let new = |faults| NewDelivery {
                org: event.org.clone(),
                webhook_id,
                receiver_url: receiver_url.clone(),
                event_seq: event.seq,
                webhook_event_id: event.webhook_event_id,
                event_type,
                event_created_at: event.created_at,
                created_at: engine.clock.now(),
                body: body.clone(),
                max_attempts: engine.max_attempts(),
                faults,
            };
            let id = engine.log.insert(new(Vec::new()));
            engine.started();
            let lane = self.lanes.entry(webhook_id).or_default();
            lock(lane).queue.push_back(id);
            if engine.faults.duplicate() {
                let copy = engine.log.insert(new(vec![Fault::DuplicateOf {
                    original_delivery_id: id,
                }]));
                engine.log.add_fault(
                    id,
                    Fault::Duplicated {
                        duplicate_delivery_id: copy,
                    },
                );
                engine.started();
                lock(lane).queue.push_back(copy);
            }
            touched.insert(webhook_id);
        }
    }

    fn wake(&mut self, webhook_id: Uuid, shutdown: &ShutdownSignal) {
        let Some(lane) = self.lanes.get(&webhook_id) else {
            return;
        };
        {
            let mut state = lock(lane);
            if state.running || state.queue.is_empty() {
                return;
            }
            state.running = true;
        }
        let running = LaneRunning(lane.clone());
        self.tasks
            .spawn(run_lane(self.engine.clone(), running, shutdown.clone()));
    }

    /// Nothing new starts; attempts in flight get up to the timeout to finish.
    async fn stop(mut self) {
        self.engine.stop();
        let bound = self.engine.timeout + Duration::from_secs(1);
        let drained = tokio::time::timeout(bound, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await
        .is_ok();
        if !drained {
            self.tasks.abort_all();
        }
        let pending = self.engine.log.pending();
        tracing::info!(
            pending,
            "webhook dispatcher stopped: {pending} deliveries were still pending and are dropped \
             (leap-mock keeps no state across restarts)"
        );
    }
}

/// Sends the first attempts of one subscription, one at a time, in outbox order. Each batch is
/// what was waiting when the lane got free; the reorder fault may reverse it.
async fn run_lane(engine: Arc<Webhooks>, running: LaneRunning, mut shutdown: ShutdownSignal) {
    loop {
        let mut batch: Vec<Uuid> = {
            let mut lane = lock(&running.0);
            if lane.queue.is_empty() || engine.is_stopping() {
                return;
            }
            lane.queue.drain(..).collect()
        };
        let size = batch.len();
        if engine.faults.reorder(size) {
            batch.reverse();
            for (sent_position, id) in batch.iter().enumerate() {
                engine.log.add_fault(
                    *id,
                    Fault::Reordered {
                        batch_size: size,
                        outbox_position: size - 1 - sent_position,
                        sent_position,
                    },
                );
            }
        }
        for id in batch {
            let wait = engine.wait_before(id, 0, 1);
            if !wait.is_zero() {
                tokio::select! {
                    _ = engine.clock.sleep(wait) => {}
                    _ = shutdown.wait() => return,
                }
            }
            if engine.is_stopping() {
                return;
            }
            engine.clone().attempt(id).await;
        }
    }
}

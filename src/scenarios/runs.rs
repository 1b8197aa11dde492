//! Run records: which test case ran for which org and refId, how far it got, and the outbox
//! events each step committed (`GET /_mock/runs/{run_id}`). Kept in memory, newest last, capped.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::catalogue::TestCase;
use crate::domain::OutboxEvent;
use crate::domain::connect::RefId;

/// How many runs are remembered; the oldest finished ones are forgotten first.
pub const MAX_RUNS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    /// The Send button of a staging test utility page.
    Browser,
    /// `POST /_mock/test-cases/{id}/run`.
    Headless,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StepState {
    Pending,
    /// Waiting on the scheduler for its delay.
    Scheduled,
    Done,
    Failed,
    /// Not run: an earlier step failed, or the link had no refId.
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    Running,
    Completed,
    Failed,
}

/// An outbox event as a run reports it.
#[derive(Debug, Clone, Serialize)]
pub struct EventRef {
    pub seq: u64,
    pub webhook_event_type: &'static str,
    pub webhook_event_id: Uuid,
}

impl EventRef {
    pub fn of(events: &[OutboxEvent]) -> Vec<EventRef> {
        events
            .iter()
            .map(|e| EventRef {
                seq: e.seq,
                webhook_event_type: e.event_type().as_str(),
                webhook_event_id: e.webhook_event_id,
            })
            .collect()
    }
}

#[derive(Debug, Clone)]
pub struct StepRecord {
    pub state: StepState,
    pub due_at: Option<DateTime<Utc>>,
    pub done_at: Option<DateTime<Utc>>,
    pub events: Vec<EventRef>,
    pub error: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Run {
    pub id: Uuid,
    pub case: Arc<TestCase>,
    pub org: String,
    pub ref_id: Option<RefId>,
    pub trigger: Trigger,
    pub outcome_url: String,
    pub started_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: RunStatus,
    /// Events of opening / moving on the session before the first step.
    pub opening_events: Vec<EventRef>,
    pub steps: Vec<StepRecord>,
    /// Meters this run created, in order (`change_enrollment` refers to them by position).
    pub meters: Vec<Uuid>,
    /// The org's reset epoch when the run started: after a reset its steps no longer apply.
    pub epoch: u64,
}

impl Run {
    pub fn new(
        case: Arc<TestCase>,
        org: &str,
        ref_id: Option<RefId>,
        trigger: Trigger,
        outcome_url: String,
        epoch: u64,
        now: DateTime<Utc>,
    ) -> Run {
        let steps = case
            .steps
            .iter()
            .map(|_| StepRecord {
                state: StepState::Pending,
                due_at: None,
                done_at: None,
                events: Vec::new(),
                error: None,
            })
            .collect();
        Run {
            id: Uuid::new_v4(),
            case,
            org: org.to_string(),
            ref_id,
            trigger,
            outcome_url,
            started_at: now,
            finished_at: None,
            status: RunStatus::Running,
            opening_events: Vec::new(),
            steps,
            meters: Vec::new(),
            epoch,
        }
    }

    pub fn view(&self) -> Value {
        let steps: Vec<Value> = self
            .case
            .steps
            .iter()
            .zip(&self.steps)
            .enumerate()
            .map(|(i, (step, record))| {
                json!({
                    "step": i + 1,
                    "command": step.command.name(),
                    "summary": step.command.summary(),
                    "delay": humantime::format_duration(step.delay).to_string(),
                    "status": record.state,
                    "due_at": record.due_at,
                    "done_at": record.done_at,
                    "error": record.error,
                    "events": record.events,
                })
            })
            .collect();
        let events: Vec<&EventRef> = self
            .opening_events
            .iter()
            .chain(self.steps.iter().flat_map(|s| &s.events))
            .collect();
        let count = |state| self.steps.iter().filter(|s| s.state == state).count();
        json!({
            "run_id": self.id,
            "test_case": self.case.id,
            "iso": self.case.iso,
            "org": self.org,
            "ref_id": self.ref_id,
            "trigger": self.trigger,
            "status": self.status,
            "outcome": self.case.outcome,
            "outcome_url": self.outcome_url,
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "steps_done": count(StepState::Done),
            "steps_pending": count(StepState::Pending) + count(StepState::Scheduled),
            "opening_events": self.opening_events,
            "steps": steps,
            "events": events,
            "meter_ids": self.meters,
        })
    }
}

#[derive(Default)]
pub struct Runs {
    by_id: HashMap<Uuid, Run>,
    order: VecDeque<Uuid>,
}

impl Runs {
    pub fn insert(&mut self, run: Run) {
        if self.order.len() >= MAX_RUNS {
            let victim = self
                .order
                .iter()
                .position(|id| {
                    self.by_id
                        .get(id)
                        .is_none_or(|r| r.status != RunStatus::Running)
                })
                .unwrap_or(0);
            if let Some(id) = self.order.remove(victim) {
                self.by_id.remove(&id);
            }
        }
        self.order.push_back(run.id);
        self.by_id.insert(run.id, run);
    }

    pub fn get(&self, id: &Uuid) -> Option<&Run> {
        self.by_id.get(id)
    }

    pub fn get_mut(&mut self, id: &Uuid) -> Option<&mut Run> {
        self.by_id.get_mut(id)
    }
}

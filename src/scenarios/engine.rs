//! The scenario engine: runs a test case's steps as domain commands through the store, on the
//! scaled clock, for the browser's Send button, the headless trigger and user files alike. It
//! also owns the Connect-session moves the pages make (open, move on, expire), so every session
//! change happens here and goes through `ConnectSession`.
//!
//! Timing: steps up to the test case's outcome run before `run` returns (zero delays inline,
//! others through the scheduler while the caller awaits); later steps are chained on the
//! scheduler, one job at a time — never a sleeping task per step.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use chrono::{DateTime, Utc};
use tokio::sync::oneshot;
use uuid::Uuid;

use super::catalogue::{Catalogue, Command, TestCase};
use super::runs::{EventRef, Run, RunStatus, Runs, StepState, Trigger};
use crate::clock::Clock;
use crate::domain::OutboxEvent;
use crate::domain::connect::{ConnectSession, RefId};
use crate::domain::enums::{CreatedBy, SessionStatus, UtilityName};
use crate::domain::meter::Meter;
use crate::scheduler::Scheduler;
use crate::store::Store;

/// Leap closes a Connect session left idle this long (Leap time; scaled by `time_scale`).
pub const SESSION_IDLE_LIMIT: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Clone)]
pub struct Engine {
    inner: Arc<Inner>,
}

struct Inner {
    catalogue: Catalogue,
    store: Arc<Store>,
    scheduler: Scheduler,
    clock: Clock,
    runs: Mutex<Runs>,
    /// Sessions with an expiry check on the scheduler: one job per live session, not per touch.
    expiry_pending: Mutex<HashSet<(String, RefId)>>,
}

/// What one applied command produced.
#[derive(Debug)]
pub struct Applied {
    pub meter_id: Option<Uuid>,
    pub events: Vec<OutboxEvent>,
}

/// A run whose steps up to the outcome are done.
#[derive(Debug, Clone)]
pub struct RunStarted {
    pub run_id: Uuid,
    pub case: Arc<TestCase>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RunError {
    #[error("step {step} of test case `{case}` failed: {message}")]
    StepFailed {
        case: String,
        step: usize,
        message: String,
    },
    #[error("the mock is shutting down; the test case did not finish")]
    Stopped,
}

/// Who asked for a run and where the browser goes afterwards.
pub struct RunRequest {
    pub org: String,
    pub ref_id: Option<RefId>,
    pub case: Arc<TestCase>,
    pub trigger: Trigger,
    pub outcome_url: String,
}

type OutcomeTx = oneshot::Sender<Result<(), RunError>>;

impl Engine {
    pub fn new(
        catalogue: Catalogue,
        store: Arc<Store>,
        scheduler: Scheduler,
        clock: Clock,
    ) -> Self {
        Engine {
            inner: Arc::new(Inner {
                catalogue,
                store,
                scheduler,
                clock,
                runs: Mutex::new(Runs::default()),
                expiry_pending: Mutex::new(HashSet::new()),
            }),
        }
    }

    pub fn catalogue(&self) -> &Catalogue {
        &self.inner.catalogue
    }

    fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    /// The idle limit in wall-clock terms (timestamps are real, waits are scaled).
    fn idle_limit(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.inner.clock.scaled(SESSION_IDLE_LIMIT))
            .unwrap_or(chrono::Duration::MAX)
    }

    /// The customer opened a page with this refId: a new session starts (CREATED), an ended or
    /// idle one is replaced by a new one, a live one records the interaction. Utilities named in
    /// `requestedUtilities` are flagged `utility_is_required`.
    pub fn open_session(
        &self,
        org: &str,
        ref_id: &RefId,
        requested: &[UtilityName],
    ) -> Vec<OutboxEvent> {
        self.session_commit(org, ref_id, |data, now, idle| {
            let events = open(data, ref_id, now, idle);
            if let Some(session) = data.sessions.get_mut(ref_id) {
                session.require_utilities(requested);
            }
            Ok(events)
        })
        .unwrap_or_default()
    }

    /// The customer moved past the first screen (chose a utility, pressed Send, submitted a
    /// form). UPDATED fires once per session, on the first such move; later moves only record
    /// the interaction.
    pub fn move_on(&self, org: &str, ref_id: &RefId) -> Vec<OutboxEvent> {
        self.session_commit(org, ref_id, |data, now, idle| {
            let mut events = open(data, ref_id, now, idle);
            if let Some(session) = data.sessions.get_mut(ref_id) {
                if session.status == SessionStatus::Created {
                    events.extend(session.step(now).map_err(|e| e.to_string())?);
                }
            }
            Ok(events)
        })
        .unwrap_or_default()
    }

    /// Commits a session change and schedules the idle-expiry check for the new state.
    fn session_commit(
        &self,
        org: &str,
        ref_id: &RefId,
        command: impl FnOnce(
            &mut crate::store::OrgData,
            DateTime<Utc>,
            chrono::Duration,
        ) -> Result<Vec<crate::domain::EventPayload>, String>,
    ) -> Result<Vec<OutboxEvent>, String> {
        let now = self.now();
        let idle = self.idle_limit();
        let committed = self
            .inner
            .store
            .commit(org, now, |data| command(data, now, idle).map(|e| ((), e)))?;
        self.schedule_expiry(org, ref_id);
        Ok(committed.events)
    }

    /// Makes sure an expiry check is scheduled for the session (24 h of Leap time from now).
    fn schedule_expiry(&self, org: &str, ref_id: &RefId) {
        let key = (org.to_string(), ref_id.clone());
        if self.expiry_pending().insert(key.clone()) {
            let engine = self.clone();
            self.inner
                .scheduler
                .after(SESSION_IDLE_LIMIT, move || engine.check_expiry(key));
        }
    }

    fn expiry_pending(&self) -> std::sync::MutexGuard<'_, HashSet<(String, RefId)>> {
        self.inner
            .expiry_pending
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Closes the session if it has been idle for the limit; if it was touched meanwhile, checks
    /// again when the limit would be reached.
    fn check_expiry(&self, key: (String, RefId)) {
        // Cleared first: a touch from now on schedules its own check.
        self.expiry_pending().remove(&key);
        let (org, ref_id) = &key;
        let now = self.now();
        let limit = self.idle_limit();
        let result = self.inner.store.commit(org, now, |data| {
            let Some(session) = data.sessions.get_mut(ref_id) else {
                return Ok((None, Vec::new()));
            };
            if session.status.is_final() {
                return Ok((None, Vec::new()));
            }
            let idle = now - session.last_interaction;
            if idle >= limit {
                let events = session.close(now).map_err(|e| e.to_string())?;
                Ok((None, events))
            } else {
                Ok::<_, String>((Some(limit - idle), Vec::new()))
            }
        });
        match result {
            Ok(c) if !c.events.is_empty() => {
                tracing::info!(org, ref_id = %ref_id, "Connect session idle for 24 h: CLOSED");
            }
            Ok(c) => {
                if let Some(remaining) = c.value.and_then(|d| d.to_std().ok()) {
                    if self.expiry_pending().insert(key.clone()) {
                        let engine = self.clone();
                        // `remaining` is wall-clock (already scaled) time.
                        self.inner
                            .scheduler
                            .after_scaled(remaining, move || engine.check_expiry(key));
                    }
                }
            }
            Err(e) => {
                tracing::warn!(org, ref_id = %ref_id, error = %e, "session expiry check failed")
            }
        }
    }

    /// Applies one command for a refId. `run_meters` are the meters created earlier by the same
    /// run (for `change_enrollment`).
    pub fn apply(
        &self,
        org: &str,
        ref_id: &RefId,
        command: &Command,
        run_meters: &[Uuid],
    ) -> Result<Applied, String> {
        self.apply_in(org, ref_id, command, run_meters, None)
    }

    /// [`Engine::apply`] for a run's step: with `epoch`, the command is refused (nothing
    /// committed) when the org has been reset since the run started, checked under the same
    /// lock as the change.
    fn apply_in(
        &self,
        org: &str,
        ref_id: &RefId,
        command: &Command,
        run_meters: &[Uuid],
        epoch: Option<u64>,
    ) -> Result<Applied, String> {
        let same_epoch = |data: &crate::store::OrgData| {
            match epoch {
            Some(e) if data.epoch != e => Err(
                "the org was reset (POST /_mock/reset) after this test case started; its remaining steps do not apply"
                    .to_string(),
            ),
            _ => Ok(()),
        }
        };
        let now = self.now();
        match command {
            Command::Session(status) => {
                let status = *status;
                let events = self.session_commit(org, ref_id, |data, now, _| {
                    same_epoch(data)?;
                    let session = live_session(data, ref_id)?;
                    let events = match status {
                        SessionStatus::Updated => session.step(now),
                        SessionStatus::Completed => session.complete(now),
                        SessionStatus::Closed => session.close(now),
                        SessionStatus::Created => return Err("CREATED is not a step".into()),
                    };
                    events.map_err(|e| e.to_string())
                })?;
                Ok(Applied {
                    meter_id: None,
                    events,
                })
            }
            Command::Authorization { utility, status } => {
                let (utility, status) = (*utility, *status);
                let events = self.session_commit(org, ref_id, |data, now, _| {
                    same_epoch(data)?;
                    live_session(data, ref_id)?
                        .authorization(utility, status, now)
                        .map_err(|e| e.to_string())
                })?;
                Ok(Applied {
                    meter_id: None,
                    events,
                })
            }
            Command::CreateMeter {
                data, enrollment, ..
            } => {
                let mut data = (**data).clone();
                data.partner_reference = ref_id.to_string();
                data.validate("").map_err(|p| format!("{p:?}"))?;
                let committed = self.inner.store.commit(org, now, |org_data| {
                    same_epoch(org_data)?;
                    let (mut meter, mut events) = Meter::create(data, CreatedBy::Utility, now);
                    meter.connection_references = vec![ref_id.to_string()];
                    if !enrollment.is_empty() {
                        let more = meter
                            .change_enrollment(enrollment.change(now), now)
                            .map_err(|p| format!("{p:?}"))?;
                        events.extend(more);
                    }
                    let id = meter.meter_id;
                    org_data.meters.insert(meter);
                    Ok::<_, String>((id, events))
                })?;
                Ok(Applied {
                    meter_id: Some(committed.value),
                    events: committed.events,
                })
            }
            Command::ChangeEnrollment { meter, enrollment } => {
                let id = *run_meters
                    .get(meter.saturating_sub(1))
                    .ok_or_else(|| format!("this run created no meter {meter}"))?;
                let committed = self.inner.store.commit(org, now, |org_data| {
                    same_epoch(org_data)?;
                    let events = org_data
                        .meters
                        .update(&id, |m| m.change_enrollment(enrollment.change(now), now))
                        .ok_or_else(|| format!("meter {id} no longer exists (was the org reset?)"))?
                        .map_err(|p| format!("{p:?}"))?;
                    Ok::<_, String>(((), events))
                })?;
                Ok(Applied {
                    meter_id: None,
                    events: committed.events,
                })
            }
        }
    }

    /// Runs a test case: opens and moves on the session as the browser would, then the steps.
    /// Returns once the steps up to the outcome are done; later steps continue on the scheduler.
    /// Without a refId nothing is recorded in Leap's APIs (as on Leap): every step is skipped.
    pub async fn run(&self, request: RunRequest) -> Result<RunStarted, RunError> {
        let now = self.now();
        let epoch = self.inner.store.read(&request.org, |d| d.epoch);
        let mut run = Run::new(
            request.case.clone(),
            &request.org,
            request.ref_id.clone(),
            request.trigger,
            request.outcome_url,
            epoch,
            now,
        );
        let run_id = run.id;
        let started = RunStarted {
            run_id,
            case: request.case.clone(),
        };
        let Some(ref_id) = &request.ref_id else {
            for step in &mut run.steps {
                step.state = StepState::Skipped;
                step.error = Some("no refId: as on Leap, nothing is recorded".into());
            }
            run.status = RunStatus::Completed;
            run.finished_at = Some(now);
            self.runs().insert(run);
            return Ok(started);
        };
        run.opening_events = EventRef::of(&self.move_on(&request.org, ref_id));
        self.runs().insert(run);
        let (tx, rx) = oneshot::channel();
        self.advance(run_id, 0, Some(tx), false);
        match rx.await {
            Ok(Ok(())) => Ok(started),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(RunError::Stopped),
        }
    }

    fn runs(&self) -> std::sync::MutexGuard<'_, Runs> {
        self.inner
            .runs
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// A run as JSON (`GET /_mock/runs/{run_id}`).
    pub fn run_view(&self, id: &Uuid) -> Option<serde_json::Value> {
        self.runs().get(id).map(Run::view)
    }

    /// Runs steps from `index` on until one needs a delay (then hands over to the scheduler) or
    /// the case ends. `waited` says the delay of step `index` has already passed.
    fn advance(&self, run_id: Uuid, mut index: usize, mut tx: Option<OutcomeTx>, mut waited: bool) {
        let Some((case, org, ref_id, epoch)) = self
            .runs()
            .get(&run_id)
            .and_then(|r| Some((r.case.clone(), r.org.clone(), r.ref_id.clone()?, r.epoch)))
        else {
            return; // forgotten (capped) run: nothing left to report to
        };
        let outcome_at = case.outcome_steps();
        loop {
            if index == outcome_at {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(Ok(()));
                }
            }
            let Some(step) = case.steps.get(index) else {
                self.finish(run_id, RunStatus::Completed);
                return;
            };
            if !step.delay.is_zero() && !waited {
                // Timestamps are wall-clock: the step runs after its delay scaled by time_scale.
                let due = self.now()
                    + chrono::Duration::from_std(self.inner.clock.scaled(step.delay))
                        .unwrap_or(chrono::Duration::zero());
                if let Some(r) = self.runs().get_mut(&run_id) {
                    r.steps[index].state = StepState::Scheduled;
                    r.steps[index].due_at = Some(due);
                }
                let engine = self.clone();
                self.inner
                    .scheduler
                    .after(step.delay, move || engine.advance(run_id, index, tx, true));
                return;
            }
            waited = false;
            let meters = self
                .runs()
                .get(&run_id)
                .map(|r| r.meters.clone())
                .unwrap_or_default();
            let result = self.apply_in(&org, &ref_id, &step.command, &meters, Some(epoch));
            let now = self.now();
            let mut runs = self.runs();
            let Some(run) = runs.get_mut(&run_id) else {
                return;
            };
            match result {
                Ok(applied) => {
                    let record = &mut run.steps[index];
                    record.state = StepState::Done;
                    record.done_at = Some(now);
                    record.events = EventRef::of(&applied.events);
                    run.meters.extend(applied.meter_id);
                }
                Err(message) => {
                    tracing::warn!(run = %run_id, case = %case.id, step = index + 1, %message, "test case step failed");
                    run.steps[index].state = StepState::Failed;
                    run.steps[index].error = Some(message.clone());
                    for later in &mut run.steps[index + 1..] {
                        later.state = StepState::Skipped;
                    }
                    run.status = RunStatus::Failed;
                    run.finished_at = Some(now);
                    if let Some(tx) = tx.take() {
                        let _ = tx.send(Err(RunError::StepFailed {
                            case: case.id.clone(),
                            step: index + 1,
                            message,
                        }));
                    }
                    return;
                }
            }
            drop(runs);
            index += 1;
        }
    }

    fn finish(&self, run_id: Uuid, status: RunStatus) {
        let now = self.now();
        if let Some(run) = self.runs().get_mut(&run_id) {
            run.status = status;
            run.finished_at = Some(now);
        }
    }
}

/// Starts or reopens the refId's session (see [`Engine::open_session`]).
fn open(
    data: &mut crate::store::OrgData,
    ref_id: &RefId,
    now: DateTime<Utc>,
    idle: chrono::Duration,
) -> Vec<crate::domain::EventPayload> {
    match data.sessions.get_mut(ref_id) {
        Some(session) => session.reopen(now, idle),
        None => {
            let (session, events) = ConnectSession::start(ref_id.clone(), now);
            data.sessions.insert(ref_id.clone(), session);
            events
        }
    }
}

fn live_session<'a>(
    data: &'a mut crate::store::OrgData,
    ref_id: &RefId,
) -> Result<&'a mut ConnectSession, String> {
    data.sessions
        .get_mut(ref_id)
        .ok_or_else(|| format!("no Connect session for refId {ref_id} (was the org reset?)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn engine() -> Engine {
        let clock = Clock::new(1.0);
        let (scheduler, _runner) = Scheduler::new(clock);
        let store = Arc::new(Store::new([("acme".to_string(), None)], clock.now()));
        Engine::new(Catalogue::builtin().unwrap(), store, scheduler, clock)
    }

    #[test]
    fn opening_flags_requested_utilities_and_moving_on_updates_once() {
        let e = engine();
        let r = RefId::parse("ref-1").unwrap();
        let opened = e.open_session("acme", &r, &[UtilityName::Pge]);
        assert_eq!(opened.len(), 1, "CREATED");
        assert!(e.open_session("acme", &r, &[UtilityName::Sce]).is_empty());
        assert_eq!(e.move_on("acme", &r).len(), 1, "UPDATED");
        assert!(e.move_on("acme", &r).is_empty(), "once per session");
        let (status, required) = e.inner.store.read("acme", |d| {
            let s = &d.sessions[&r];
            let required: Vec<_> = s
                .utilities
                .iter()
                .filter(|u| u.utility_is_required)
                .map(|u| u.utility_name)
                .collect();
            (s.status, required)
        });
        assert_eq!(status, SessionStatus::Updated);
        assert_eq!(required, [UtilityName::Pge, UtilityName::Sce]);
        assert_eq!(e.expiry_pending().len(), 1, "one expiry check per session");
    }
}

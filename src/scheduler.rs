//! Timed jobs on the scaled clock: one task, one timer, a heap of due times. Delayed status
//! changes, batch-job completion and scenario steps are scheduled here instead of each sleeping in
//! a task of its own.

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;
use tokio::time::Instant;

use crate::background::ShutdownSignal;
use crate::clock::Clock;

/// A job runs on the scheduler task: keep it short (a store command, a channel send).
pub type Job = Box<dyn FnOnce() + Send + 'static>;

struct Entry {
    due: Instant,
    seq: u64,
    job: Job,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        (self.due, self.seq) == (other.due, other.seq)
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.due, self.seq).cmp(&(other.due, other.seq))
    }
}

/// Handle for scheduling jobs. Jobs due at the same instant run in the order they were scheduled.
#[derive(Clone)]
pub struct Scheduler {
    tx: mpsc::UnboundedSender<Entry>,
    clock: Clock,
    seq: Arc<AtomicU64>,
    pending: Arc<AtomicUsize>,
}

pub struct SchedulerRunner {
    rx: mpsc::UnboundedReceiver<Entry>,
    pending: Arc<AtomicUsize>,
}

impl Scheduler {
    pub fn new(clock: Clock) -> (Self, SchedulerRunner) {
        let (tx, rx) = mpsc::unbounded_channel();
        let pending = Arc::new(AtomicUsize::new(0));
        (
            Self {
                tx,
                clock,
                seq: Arc::new(AtomicU64::new(0)),
                pending: pending.clone(),
            },
            SchedulerRunner { rx, pending },
        )
    }

    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Runs `job` after `delay` of Leap time (multiplied by `time_scale`).
    pub fn after(&self, delay: Duration, job: impl FnOnce() + Send + 'static) {
        self.after_scaled(self.clock.scaled(delay), job)
    }

    /// Runs `job` after `delay` of real time (already scaled, or deliberately unscaled).
    pub fn after_scaled(&self, delay: Duration, job: impl FnOnce() + Send + 'static) {
        let entry = Entry {
            due: Instant::now() + delay,
            seq: self.seq.fetch_add(1, Ordering::Relaxed),
            job: Box::new(job),
        };
        self.pending.fetch_add(1, Ordering::Relaxed);
        if self.tx.send(entry).is_err() {
            // The scheduler has stopped (shutdown): the job is dropped, like any pending one.
            self.pending.fetch_sub(1, Ordering::Relaxed);
        }
    }

    /// Jobs scheduled and not yet run.
    pub fn pending(&self) -> usize {
        self.pending.load(Ordering::Relaxed)
    }
}

impl SchedulerRunner {
    /// The scheduler loop; returns on shutdown, dropping jobs that are not yet due.
    pub async fn run(mut self, mut shutdown: ShutdownSignal) {
        let mut heap: BinaryHeap<Reverse<Entry>> = BinaryHeap::new();
        loop {
            let next_due = heap.peek().map(|Reverse(e)| e.due);
            tokio::select! {
                biased;
                _ = shutdown.wait() => break,
                received = self.rx.recv() => match received {
                    Some(entry) => heap.push(Reverse(entry)),
                    None => break,
                },
                _ = sleep_until(next_due) => {
                    let now = Instant::now();
                    while heap.peek().is_some_and(|Reverse(e)| e.due <= now) {
                        if let Some(Reverse(entry)) = heap.pop() {
                            self.pending.fetch_sub(1, Ordering::Relaxed);
                            if std::panic::catch_unwind(AssertUnwindSafe(entry.job)).is_err() {
                                tracing::error!("a scheduled job panicked; the scheduler carries on");
                            }
                        }
                    }
                }
            }
        }
        if !heap.is_empty() {
            tracing::info!(
                dropped = heap.len(),
                "scheduler stopped with jobs not yet due"
            );
        }
    }
}

async fn sleep_until(due: Option<Instant>) {
    match due {
        Some(due) => tokio::time::sleep_until(due).await,
        None => std::future::pending().await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::background::{Readiness, Workers};
    use std::sync::Mutex;

    #[tokio::test]
    async fn runs_jobs_in_due_order_then_fifo() {
        let (scheduler, runner) = Scheduler::new(Clock::new(0.001));
        let mut workers = Workers::new(Readiness::default());
        workers.spawn("scheduler", |s| runner.run(s));
        let log = Arc::new(Mutex::new(Vec::new()));
        for (name, secs) in [("c", 30u64), ("a", 0), ("b", 10), ("b2", 10)] {
            let log = log.clone();
            scheduler.after(Duration::from_secs(secs), move || {
                log.lock().unwrap().push(name)
            });
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
        assert_eq!(*log.lock().unwrap(), vec!["a", "b", "b2", "c"]);
        assert_eq!(scheduler.pending(), 0);
        workers.shutdown(Duration::from_secs(1)).await;
    }

    #[tokio::test]
    async fn survives_a_panicking_job() {
        let (scheduler, runner) = Scheduler::new(Clock::new(1.0));
        let mut workers = Workers::new(Readiness::default());
        workers.spawn("scheduler", |s| runner.run(s));
        scheduler.after(Duration::ZERO, || panic!("boom"));
        let (tx, rx) = tokio::sync::oneshot::channel();
        scheduler.after(Duration::ZERO, move || {
            let _ = tx.send(42);
        });
        assert_eq!(rx.await.expect("second job ran"), 42);
        workers.shutdown(Duration::from_secs(1)).await;
    }
}

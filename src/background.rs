//! Background workers (scheduler, webhook dispatcher, ...): started with the app, reported in
//! `/readyz` while they run, and stopped on shutdown after the HTTP server has drained.

use std::collections::BTreeMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Which named components are up. `/readyz` answers 200 only when all of them are.
#[derive(Clone, Default)]
pub struct Readiness(Arc<Mutex<BTreeMap<&'static str, bool>>>);

impl Readiness {
    pub fn set(&self, name: &'static str, up: bool) {
        if let Ok(mut map) = self.0.lock() {
            map.insert(name, up);
        }
    }

    pub fn snapshot(&self) -> BTreeMap<&'static str, bool> {
        self.0.lock().map(|m| m.clone()).unwrap_or_default()
    }
}

/// Resolves when shutdown has been requested. Cheap to clone; give one to each worker.
#[derive(Clone)]
pub struct ShutdownSignal(watch::Receiver<bool>);

impl ShutdownSignal {
    pub async fn wait(&mut self) {
        // An error means the sender is gone, which also means "stop".
        let _ = self.0.wait_for(|stop| *stop).await;
    }

    pub fn is_set(&self) -> bool {
        *self.0.borrow()
    }
}

/// Owns the background tasks and the switch that stops them.
pub struct Workers {
    stop: watch::Sender<bool>,
    readiness: Readiness,
    handles: Vec<(&'static str, JoinHandle<()>)>,
}

impl Workers {
    pub fn new(readiness: Readiness) -> Self {
        let (stop, _) = watch::channel(false);
        Self {
            stop,
            readiness,
            handles: Vec::new(),
        }
    }

    pub fn signal(&self) -> ShutdownSignal {
        ShutdownSignal(self.stop.subscribe())
    }

    /// Starts a worker. It counts as ready from now until its future returns.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, worker: F)
    where
        F: FnOnce(ShutdownSignal) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let readiness = self.readiness.clone();
        readiness.set(name, true);
        let fut = worker(self.signal());
        let handle = tokio::spawn(async move {
            fut.await;
            readiness.set(name, false);
            tracing::debug!(worker = name, "background worker stopped");
        });
        self.handles.push((name, handle));
    }

    /// Asks every worker to stop and waits up to `grace` for each.
    pub async fn shutdown(self, grace: Duration) {
        let _ = self.stop.send(true);
        for (name, handle) in self.handles {
            match tokio::time::timeout(grace, handle).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::error!(worker = name, error = %e, "background worker failed")
                }
                Err(_) => tracing::warn!(worker = name, "background worker did not stop in time"),
            }
        }
    }
}

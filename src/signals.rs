//! SIGTERM and Ctrl-C (SIGINT): both stop the HTTP server gracefully — no new connections,
//! in-flight requests finish (up to `server.shutdown_timeout_secs`), idle keep-alive connections
//! close at once.
//!
//! Why not actix-server's own signal handling: it makes SIGINT a *forced* stop (in-flight
//! requests are cut off without an answer) and sleeps a fixed 300 ms after every stop it starts
//! from a signal. A stop through [`ServerHandle::stop`] has neither.

use actix_web::dev::ServerHandle;
use tokio::signal::unix::{Signal, SignalKind, signal};

/// The registered signal streams. Registering happens here, synchronously, so a signal sent as
/// soon as the start-up banner is out is already ours (not the default "terminate").
pub struct StopSignals {
    term: Signal,
    int: Signal,
}

impl StopSignals {
    pub fn register() -> std::io::Result<Self> {
        Ok(Self {
            term: signal(SignalKind::terminate())?,
            int: signal(SignalKind::interrupt())?,
        })
    }

    /// Waits for the first signal, then asks the server to stop gracefully.
    pub async fn stop_on_signal(mut self, server: ServerHandle, grace_secs: u64) {
        let name = tokio::select! {
            _ = self.term.recv() => "SIGTERM",
            _ = self.int.recv() => "SIGINT",
        };
        tracing::info!(
            "{name} received; stopping: no new connections, in-flight requests get up to {grace_secs} s"
        );
        server.stop(true).await;
    }
}

//! leap-mock: a local, offline stand-in for Leap's staging environment.
//!
//! [`Application::build`] binds the listener (port 0 in tests), starts the background workers and
//! returns; [`Application::run_until_stopped`] serves until SIGTERM / Ctrl-C (or a stop through
//! [`Application::handle`]), then drains requests and stops the workers.

pub mod admin;
pub mod api;
pub mod auth;
pub mod background;
pub mod clock;
pub mod domain;
pub mod error;
pub mod extract;
pub mod flow;
pub mod health;
pub mod metrics;
pub mod routes;
pub mod scenarios;
pub mod scheduler;
pub mod settings;
pub mod signals;
pub mod state;
pub mod store;
pub mod telemetry;
pub mod tenants;
pub mod webhooks;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, ServerHandle};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpServer, web};

use crate::background::{Readiness, Workers};
use crate::clock::Clock;
use crate::metrics::Metrics;
use crate::scheduler::Scheduler;
use crate::settings::Settings;
use crate::signals::StopSignals;
use crate::state::AppState;
use crate::store::Store;
use crate::tenants::{DEMO_API_KEY, Tenants};

pub struct Application {
    port: u16,
    server: Server,
    /// `None` when the embedder handles signals itself (in-process tests).
    signals: Option<StopSignals>,
    workers: Workers,
    state: web::Data<AppState>,
}

impl Application {
    /// Binds the listener and starts the background workers; serving starts with
    /// [`Application::run_until_stopped`]. SIGTERM and Ctrl-C stop it gracefully.
    pub async fn build(settings: Settings) -> std::io::Result<Self> {
        Self::build_with(settings, true).await
    }

    /// As [`Application::build`]; with `handle_signals = false` the app leaves SIGTERM and
    /// Ctrl-C alone (in-process tests: Ctrl-C on `cargo test` then stops the test run) and is
    /// stopped through [`Application::handle`].
    pub async fn build_with(settings: Settings, handle_signals: bool) -> std::io::Result<Self> {
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .map_err(|e| {
                std::io::Error::new(
                    e.kind(),
                    format!(
                        "cannot listen on {}:{}: {e}",
                        settings.server.host, settings.server.port
                    ),
                )
            })?;
        let port = listener.local_addr()?.port();
        let public_url = settings.public_url(port);
        let settings = Arc::new(settings);

        let readiness = Readiness::default();
        readiness.set("settings", true);
        let clock = Clock::new(settings.time_scale);
        let (scheduler, scheduler_runner) = Scheduler::new(clock);
        let mut workers = Workers::new(readiness.clone());
        workers.spawn("scheduler", |stop| scheduler_runner.run(stop));

        let tenants = Tenants::from_settings(&settings, &public_url);
        let store = Arc::new(Store::new(
            tenants.iter().map(|t| {
                let url = t
                    .webhook_url
                    .as_deref()
                    .and_then(|u| url::Url::parse(u).ok());
                (t.name.clone(), url)
            }),
            clock.now(),
        ));
        let catalogue = scenarios::Catalogue::load(
            Some(settings.scenarios.file.as_str())
                .filter(|f| !f.is_empty())
                .map(std::path::Path::new),
        )
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e.to_string()))?;
        let scenarios = scenarios::Engine::new(catalogue, store.clone(), scheduler.clone(), clock);
        let metrics = Arc::new(Metrics::new());
        let (webhook_engine, dispatcher) =
            webhooks::Webhooks::new(&settings, store.clone(), scheduler.clone(), &metrics)
                .map_err(std::io::Error::other)?;
        let dispatcher_readiness = readiness.clone();
        workers.spawn(webhooks::dispatcher::WORKER, |stop| {
            dispatcher.run(stop, dispatcher_readiness)
        });
        let state = web::Data::new(AppState {
            tenants,
            store,
            receiver_policy: Arc::new(webhooks::policy::ReceiverRules::from_settings(
                &settings.webhooks,
            )),
            webhooks: webhook_engine,
            public_url,
            metrics,
            readiness,
            clock,
            scheduler,
            scenarios,
            settings: settings.clone(),
        });

        let app_state = state.clone();
        let max_body_bytes = settings.limits.max_body_bytes;
        let server = HttpServer::new(move || {
            App::new()
                .app_data(app_state.clone())
                .configure(|cfg| routes::extractor_configs(cfg, max_body_bytes))
                // Outermost last: `observe` sees the final status of the re-wrapped errors.
                .wrap(from_fn(routes::json_errors_on_api_paths))
                .wrap(from_fn(telemetry::observe))
                .configure(configure_routes)
                .default_service(web::to(routes::not_found))
        })
        .listen(listener)?
        .shutdown_timeout(settings.server.shutdown_timeout_secs)
        .disable_signals()
        .run();
        let signals = if handle_signals {
            Some(StopSignals::register()?)
        } else {
            None
        };

        tracing::info!("{}", banner(&state, port));
        Ok(Self {
            port,
            server,
            signals,
            workers,
            state,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn public_url(&self) -> &str {
        &self.state.public_url
    }

    /// Stops the server from elsewhere (tests); `graceful` lets in-flight requests finish.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until stopped, then lets in-flight requests finish and stops the workers.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let on_signal = self.signals.map(|signals| {
            tokio::spawn(signals.stop_on_signal(
                self.server.handle(),
                self.state.settings.server.shutdown_timeout_secs,
            ))
        });
        let result = self.server.await;
        if let Some(task) = on_signal {
            task.abort();
        }
        tracing::info!("HTTP server stopped; stopping background workers");
        let grace = Duration::from_secs(self.state.settings.server.shutdown_timeout_secs.max(1));
        self.workers.shutdown(grace).await;
        tracing::info!("leap-mock stopped");
        result
    }
}

/// Every route of the app. Order matters where patterns overlap: fixed paths before the
/// catch-all Connect pages.
fn configure_routes(cfg: &mut web::ServiceConfig) {
    health::configure(cfg);
    api::configure(cfg);
    admin::configure(cfg);
    // Last: the Connect pages' `/{org}/...` patterns would otherwise shadow fixed paths.
    flow::configure(cfg);
}

/// The start-up block: where to point a browser and an API client.
fn banner(state: &AppState, port: u16) -> String {
    let url = &state.public_url;
    let mut out = format!(
        "leap-mock {} listening on {}:{port} (time_scale {})\n\
         \x20 REST API       {url}   (stands in for https://api.staging.leap.energy)\n\
         \x20 Connect pages  {url}   (stands in for https://staging.addleap.com)\n\
         \x20 health {url}/healthz · ready {url}/readyz · metrics {url}/metrics",
        env!("CARGO_PKG_VERSION"),
        state.settings.server.url_host(false),
        state.clock.scale(),
    );
    if state.tenants.iter().next().is_none() {
        out.push_str("\n  no orgs configured: set LEAP_MOCK__ORGS__<NAME>__API_KEY to add one");
    }
    for org in state.tenants.iter() {
        // Only the well-known demo key is printed whole; real-looking keys stay out of logs.
        let key = if org.api_key == DEMO_API_KEY {
            org.api_key.clone()
        } else {
            let head: String = org.api_key.chars().take(4).collect();
            format!("{head}… (from your settings)")
        };
        out.push_str(&format!(
            "\n  org {:?}\n\
             \x20   API key           {key}\n\
             \x20   Connect flows     {url}/{name}   (the org's Connect links, one per flow)\n\
             \x20   test utility      {url}/{name}/staging-test-utility-caiso/getting-started?refId=my-ref-1\n\
             \x20                     {url}/{name}/staging-test-utility-nyiso/getting-started?refId=my-ref-1\n\
             \x20   final redirect    {}\n\
             \x20   try               curl -H 'Authorization: Bearer {}' {url}/v1.1/webhooks",
            org.name,
            org.redirect_url,
            if org.api_key == DEMO_API_KEY { DEMO_API_KEY } else { "<api key>" },
            name = org.name,
        ));
        if let Some(webhook_url) = &org.webhook_url {
            out.push_str(&format!("\n    webhooks to       {webhook_url}"));
        }
    }
    out
}

/// A settings error as the binary reports it (exit code 2).
pub fn settings_error_exit(e: &settings::SettingsError) -> ! {
    eprintln!("leap-mock: {e}");
    std::process::exit(2)
}

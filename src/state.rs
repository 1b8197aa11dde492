//! What every request handler can reach: settings, orgs, metrics, readiness, the scaled clock and
//! the scheduler. Shared as `web::Data<AppState>`.

use std::sync::Arc;

use crate::background::Readiness;
use crate::clock::Clock;
use crate::domain::subscription::ReceiverPolicy;
use crate::metrics::Metrics;
use crate::scenarios::Engine;
use crate::scheduler::Scheduler;
use crate::settings::Settings;
use crate::store::Store;
use crate::tenants::Tenants;
use crate::webhooks::Webhooks;

pub struct AppState {
    pub settings: Arc<Settings>,
    /// Base URL for generated links, without a trailing slash.
    pub public_url: String,
    pub tenants: Tenants,
    pub metrics: Arc<Metrics>,
    pub readiness: Readiness,
    pub clock: Clock,
    pub scheduler: Scheduler,
    pub store: Arc<Store>,
    /// Runs test cases and moves Connect sessions (pages, headless trigger, expiry).
    pub scenarios: Engine,
    /// Rules receiver URLs must meet (strict mode, host allowlist) when subscriptions are made.
    pub receiver_policy: Arc<dyn ReceiverPolicy + Send + Sync>,
    /// Webhook delivery engine: delivery log, redelivery, `/test` sends.
    pub webhooks: Arc<Webhooks>,
}

//! Webhook delivery: turns outbox events into HTTP POSTs of Leap's envelope to subscribed
//! receivers, with Leap's timeout and retry schedule (compressible through `time_scale`), and
//! the mock-only extras: delivery log, signing, faults, strict receiver rules.
//!
//! Laid out after svix-server's worker: the dispatcher worker is separate from the API; the
//! HTTP client, retry schedule, signing, faults and delivery log each have a small module.

pub mod client;
pub mod dispatcher;
pub mod engine;
pub mod faults;
pub mod log;
pub mod metrics;
pub mod policy;
pub mod schedule;
pub mod signing;

pub use dispatcher::Dispatcher;
pub use engine::{RedeliverError, Webhooks};

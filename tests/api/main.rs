//! Integration tests: the real app over HTTP. One binary, one module per area.

mod admin;
mod create_meters;
mod fixtures;
mod health;
mod helpers;
mod webhooks_crud;
mod webhooks_delivery;
mod webhooks_faults;
mod webhooks_log;
mod webhooks_metrics;
mod webhooks_signing;
mod webhooks_strict;
mod webhooks_support;
mod webhooks_test_endpoint;

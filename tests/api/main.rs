//! Integration tests: the real app over HTTP. One binary, one module per area.

mod admin;
mod connect_api;
mod contract;
mod create_meters;
mod errors;
mod fixtures;
mod flow_browser;
mod flow_pages;
mod flow_scenarios;
mod flow_support;
mod health;
mod helpers;
mod meters;
mod metrics;
mod readme;
mod request_id;
mod search_props;
mod settings;
mod webhooks_crud;

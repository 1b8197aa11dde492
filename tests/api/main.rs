//! Integration tests: the real app over HTTP. One binary, one module per area.

mod admin;
mod connect_api;
mod contract;
mod create_meters;
mod fixtures;
mod health;
mod helpers;
mod meters;
mod search_props;
mod webhooks_crud;

//! Webhook Subscription API v1.1: list, create, full-overwrite update, delete.
//!
//! (Filled in by issue 3.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

//! `GET /_mock/events?after=<seq>`: the event outbox, read-only.
//!
//! (Filled in by issue 3.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

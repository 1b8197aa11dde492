//! `POST /v1.1/webhooks/{webhook_id}/test`: sends a sample event to the receiver and reports.
//!
//! (Filled in by issue 4.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

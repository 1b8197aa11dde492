//! Meters v2 details: `GET /v2/meters/{meter_id}`, `POST /v2/meters/search`.
//!
//! (Filled in by issue 3.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

//! Meters v2 enrollments: `GET /v2/meters/{meter_id}/enrollments`, `POST /v2/meters/enrollments/search`.
//!
//! (Filled in by issue 3.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

//! Headless trigger: `GET /_mock/test-cases`, `POST /_mock/test-cases/{id}/run`, `GET /_mock/runs/{run_id}`.
//!
//! (Filled in by issue 5.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

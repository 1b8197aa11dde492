//! Create Meters v1.1: single create, batch jobs (JSON and CSV), jobs, provisional assets.
//!
//! (Filled in by issue 3.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

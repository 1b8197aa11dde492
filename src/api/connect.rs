//! The mock's rendition of Leap's Connect API (`GET /v1/connections`); Leap does not publish the path.
//!
//! (Filled in by issue 3.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

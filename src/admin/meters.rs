//! `POST /_mock/meters/{meter_id}/enrollment`: move a meter's enrollment, emitting the events.
//!
//! (Filled in by issue 3.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

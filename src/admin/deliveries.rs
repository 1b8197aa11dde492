//! Delivery log: `GET /_mock/deliveries`, `GET /_mock/deliveries/{id}`, `POST /_mock/deliveries/{id}/redeliver`.
//!
//! (Filled in by issue 4.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

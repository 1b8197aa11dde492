//! `POST /_mock/reset`: drop the state of one org or all orgs.
//!
//! (Filled in by issue 3.)

use actix_web::web;

pub fn configure(_cfg: &mut web::ServiceConfig) {}

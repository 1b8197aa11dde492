//! Leap's REST APIs, one module per API family, answering exactly as Leap's OpenAPI files say.
//! Every handler authenticates with the `Org` extractor and sees only that org's data.

use actix_web::web;

pub mod assets;
pub mod connect;
pub mod create_meters;
pub mod enrollments;
pub mod meters;
pub mod params;
pub mod webhook_test;
pub mod webhooks;

pub fn configure(cfg: &mut web::ServiceConfig) {
    // Fixed paths (`/v2/meters/search`) are registered before `{meter_id}` patterns inside each
    // module; enrollments' `/v2/meters/enrollments/search` goes before meters' `{meter_id}`.
    enrollments::configure(cfg);
    meters::configure(cfg);
    create_meters::configure(cfg);
    webhook_test::configure(cfg);
    webhooks::configure(cfg);
    connect::configure(cfg);
}

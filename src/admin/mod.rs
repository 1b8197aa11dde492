//! The mock-only control API under `/_mock/` (not part of Leap): inspect the outbox and the
//! webhook deliveries, move meters, run test cases headlessly, reset state. Guarded by the
//! optional `admin.token` setting through the `Admin` extractor.

use actix_web::web;

pub mod deliveries;
pub mod events;
pub mod meters;
pub mod reset;
pub mod test_cases;

pub fn configure(cfg: &mut web::ServiceConfig) {
    events::configure(cfg);
    meters::configure(cfg);
    reset::configure(cfg);
    deliveries::configure(cfg);
    test_cases::configure(cfg);
}

//! Meters v2 details: `GET /v2/meters/{meter_id}`, `POST /v2/meters/search`.

use actix_web::{HttpResponse, web};
use serde_json::json;
use uuid::Uuid;

use crate::api::params::path_uuid;
use crate::auth::Org;
use crate::error::{ApiError, Family};
use crate::routes::resource;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v2/meters/{meter_id}", "GET").route(web::get().to(details)));
}

/// A `meter_id` path parameter: 400 when it is not a UUID.
pub fn meter_id(raw: &str) -> Result<Uuid, ApiError> {
    path_uuid(Family::Leap, "meter_id", "Meter id is not a UUID", raw)
}

/// 404 for an id the org does not have (another org's meter included).
pub fn meter_not_found(id: &Uuid) -> ApiError {
    ApiError::not_found(Family::Leap, "Meter not found").with_details(json!({ "meter_id": id }))
}

async fn details(
    state: web::Data<AppState>,
    org: Org,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = meter_id(&path)?;
    state
        .store
        .read(&org.name, |d| {
            d.meters
                .get(&id)
                .map(|m| HttpResponse::Ok().json(m.details()))
        })
        .ok_or_else(|| meter_not_found(&id))
}

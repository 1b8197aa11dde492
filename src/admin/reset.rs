//! `POST /_mock/reset`: drops the state and outbox events of one org (`{"org": "demo"}`) or of
//! every org (`{}` or no body). Orgs start again as at start-up, settings subscription included.

use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;

use crate::auth::Admin;
use crate::error::{ApiError, Family};
use crate::extract::{RawBody, is_json, parse_json};
use crate::routes::resource;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/_mock/reset", "POST").route(web::post().to(reset)));
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResetRequest {
    #[serde(default)]
    org: Option<String>,
}

async fn reset(
    state: web::Data<AppState>,
    _: Admin,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    let request: ResetRequest = if body.bytes.iter().all(u8::is_ascii_whitespace) {
        ResetRequest::default()
    } else if !body.content_type.is_empty() && !is_json(&body.content_type) {
        return Err(ApiError::unsupported_media_type(
            Family::Leap,
            &body.content_type,
            "application/json",
        ));
    } else {
        parse_json(&body.bytes, Family::Leap)?
    };
    let orgs: Vec<String> = match &request.org {
        Some(org) if state.tenants.by_name(org).is_none() => {
            return Err(ApiError::not_found(Family::Leap, "Org not found")
                .with_details(json!({ "org": org })));
        }
        Some(org) => vec![org.clone()],
        None => state.tenants.names().map(str::to_string).collect(),
    };
    let now = state.clock.now();
    let dropped = match &request.org {
        Some(org) => state.store.reset(Some(org), now),
        None => state.store.reset(None, now),
    };
    tracing::info!(orgs = ?orgs, events_dropped = dropped, "state reset");
    Ok(HttpResponse::Ok().json(json!({ "reset": orgs, "events_dropped": dropped })))
}

//! Create Meters v1.1: `POST /v1.1/meters` (single, synchronous), `POST /v1.1/jobs/meters`
//! (batch job from JSON or CSV), `GET /v1.1/jobs/meters`, `GET /v1.1/jobs/meters/{job_id}`,
//! `GET /v1.1/provisional-assets` and the two "Leap frontend only" filter lists.
//!
//! Split of errors: whatever breaks Leap's `CreateMeter` schema (missing required field, wrong
//! type or enum, pattern, length, range) rejects the whole request with a 400 and changes
//! nothing; the mock's business rules (duplicates, region consistency) are per-asset outcomes
//! of an accepted job (see `domain::jobs`).

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Value, json};

use crate::api::assets::parse_create_meter;
use crate::api::params::{bool_param, query_pairs};
use crate::auth::Org;
use crate::domain::jobs::{Job, JobSource};
use crate::domain::validate::Problems;
use crate::error::{ApiError, Family};
use crate::extract::{RawBody, is_json};
use crate::routes::resource;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1.1/meters", "POST").route(web::post().to(create_single)));
}

/// Leap's single-create 400: `{"errors": [{"field", "description", "suggestions": []}]}`.
fn create_meter_errors(problems: &Problems) -> ApiError {
    let errors: Vec<Value> = problems
        .0
        .iter()
        .map(|p| {
            let mut e = json!({"description": p.message, "suggestions": []});
            if !p.field.is_empty() {
                e["field"] = json!(p.field);
            }
            e
        })
        .collect();
    let summary = problems
        .0
        .first()
        .map(|p| p.message.clone())
        .unwrap_or_default();
    ApiError::bad_request(Family::Leap, summary).with_body(json!({ "errors": errors }))
}

fn unsupported(content_type: &str, expected: &str) -> ApiError {
    ApiError::unsupported_media_type(Family::Leap, content_type, expected)
}

/// `POST /v1.1/meters`: creates (or with `update_existing`, updates) one meter at once and
/// answers the provisional asset. Business-rule outcomes (duplicate, validation) are a 200 with
/// the asset's status, as Leap answers 200 whenever the provisional asset exists.
async fn create_single(
    state: web::Data<AppState>,
    org: Org,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    if !body.content_type.is_empty() && !is_json(&body.content_type) {
        return Err(unsupported(&body.content_type, "application/json"));
    }
    let mut p = Problems::default();
    let pairs = query_pairs(&req);
    let update_existing = bool_param(&pairs, "update_existing", false, &mut p);
    let value: Value = match serde_json::from_slice(&body.bytes) {
        Ok(v) => v,
        Err(e) => {
            p.push("", format!("Malformed JSON in request body: {e}"));
            return Err(create_meter_errors(&p));
        }
    };
    let mut data = None;
    if value.is_object() {
        match value.get("onboarding_token") {
            Some(Value::String(s)) if !s.trim().is_empty() => {}
            Some(Value::String(_)) => p.push("onboarding_token", "must not be empty"),
            Some(_) => p.push("onboarding_token", "must be a string"),
            None => p.push("onboarding_token", "Missing required parameter"),
        }
        match value.get("provisional_asset") {
            Some(asset) => match parse_create_meter(asset, "provisional_asset") {
                Ok(d) => data = Some(d),
                Err(problems) => p.0.extend(problems.0),
            },
            None => p.push("provisional_asset", "Missing required parameter"),
        }
    } else {
        p.push(
            "",
            "Request body must be a JSON object with onboarding_token and provisional_asset",
        );
    }
    let data = match data {
        Some(d) if p.is_empty() => d,
        _ => return Err(create_meter_errors(&p)),
    };
    let now = state.clock.now();
    let committed = state.store.commit(&org.name, now, |d| {
        let mut job = Job::new(vec![data], JobSource::Single, None, update_existing, now);
        let events = job.complete(&mut d.meters, now);
        let asset = job
            .assets
            .first()
            .map(|a| a.view())
            .ok_or_else(|| ApiError::internal(Family::Leap))?;
        d.jobs.insert(job);
        Ok::<_, ApiError>((asset, events))
    })?;
    Ok(HttpResponse::Ok().json(committed.value))
}

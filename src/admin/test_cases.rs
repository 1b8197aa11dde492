//! Headless trigger for partners' CI (mock-only): `GET /_mock/test-cases` (the catalogue),
//! `POST /_mock/test-cases/{id}/run` (runs a test case exactly as the Send button does) and
//! `GET /_mock/runs/{run_id}` (steps done / pending, events emitted with their seq).

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use crate::auth::Admin;
use crate::domain::connect::RefId;
use crate::error::{ApiError, Family};
use crate::extract::Json;
use crate::flow::request::{MAX_QUERY_BYTES, final_redirect};
use crate::flow::test_utility::error_path;
use crate::routes::resource;
use crate::scenarios::{Outcome, RunError, RunRequest, Trigger};
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/_mock/test-cases", "GET").route(web::get().to(list)))
        .service(resource("/_mock/test-cases/{id}/run", "POST").route(web::post().to(run)))
        .service(resource("/_mock/runs/{run_id}", "GET").route(web::get().to(show_run)));
}

async fn list(_: Admin, state: web::Data<AppState>) -> HttpResponse {
    let cases: Vec<_> = state
        .scenarios
        .catalogue()
        .cases()
        .iter()
        .map(|c| c.view())
        .collect();
    HttpResponse::Ok().json(json!({ "test_cases": cases }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RunBody {
    org: String,
    ref_id: String,
    /// Extra query parameters of the simulated Connect link, carried to the final redirect
    /// after `refId` (in name order).
    #[serde(default)]
    extra_params: BTreeMap<String, String>,
}

async fn run(
    _: Admin,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: Json<RunBody>,
) -> Result<HttpResponse, ApiError> {
    let family = Family::Leap;
    let id = id.into_inner();
    let body = body.0;
    let Some(case) = state.scenarios.catalogue().get(&id).cloned() else {
        return Err(
            ApiError::not_found(family, "Test case not found").with_details(json!({
                "test_case": id,
                "hint": "GET /_mock/test-cases lists the test cases",
            })),
        );
    };
    let Some(tenant) = state.tenants.by_name(&body.org).cloned() else {
        return Err(
            ApiError::not_found(family, "Org not found").with_details(json!({
                "org": body.org,
                "configured_orgs": state.tenants.names().collect::<Vec<_>>(),
            })),
        );
    };
    let ref_id = RefId::parse(&body.ref_id).map_err(|reason| {
        ApiError::bad_request(family, "Invalid ref_id").with_details(json!({ "ref_id": reason }))
    })?;
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("refId", ref_id.as_str());
    for (name, value) in &body.extra_params {
        if name == "refId" {
            return Err(ApiError::bad_request(family, "Invalid extra_params")
                .with_details(json!({ "extra_params": "refId is set by ref_id" })));
        }
        query.append_pair(name, value);
    }
    let query = query.finish();
    if query.len() > MAX_QUERY_BYTES {
        return Err(ApiError::bad_request(family, "Link too long").with_details(json!({
            "extra_params": format!("the simulated link's query would be {} bytes; the limit is {MAX_QUERY_BYTES}", query.len()),
        })));
    }
    let redirect_url = match case.outcome {
        Outcome::Redirect => final_redirect(&tenant.redirect_url, &query),
        Outcome::Error => format!(
            "{}{}?{query}",
            state.public_url,
            error_path(&format!("/{}/{}", tenant.name, case.iso.slug()), &case.id)
        ),
    };
    let request = RunRequest {
        org: tenant.name.clone(),
        ref_id: Some(ref_id.clone()),
        case: case.clone(),
        trigger: Trigger::Headless,
        outcome_url: redirect_url.clone(),
    };
    let started = state.scenarios.run(request).await.map_err(|e| match &e {
        RunError::StepFailed { step, message, .. } => {
            ApiError::new(family, StatusCode::CONFLICT, "Test case step failed")
                .with_details(json!({ "test_case": case.id, "step": step, "error": message }))
        }
        RunError::Stopped => ApiError::new(
            family,
            StatusCode::SERVICE_UNAVAILABLE,
            "The mock is shutting down",
        ),
    })?;
    let run = state.scenarios.run_view(&started.run_id);
    Ok(HttpResponse::Accepted().json(json!({
        "run_id": started.run_id,
        "test_case": case.id,
        "org": tenant.name,
        "ref_id": ref_id,
        "outcome": case.outcome,
        "redirect_url": redirect_url,
        "run_url": format!("{}/_mock/runs/{}", state.public_url, started.run_id),
        "status": run.as_ref().map(|r| r["status"].clone()),
        "steps_pending": run.as_ref().map(|r| r["steps_pending"].clone()),
    })))
}

async fn show_run(
    _: Admin,
    state: web::Data<AppState>,
    run_id: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let raw = run_id.into_inner();
    let id = Uuid::parse_str(&raw).map_err(|_| {
        ApiError::bad_request(Family::Leap, "Run id is not a UUID")
            .with_details(json!({ "run_id": raw }))
    })?;
    state
        .scenarios
        .run_view(&id)
        .map(|view| HttpResponse::Ok().json(view))
        .ok_or_else(|| {
            ApiError::not_found(Family::Leap, "Run not found").with_details(json!({ "run_id": id }))
        })
}

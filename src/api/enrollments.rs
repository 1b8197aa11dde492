//! Meters v2 enrollments: `GET /v2/meters/{meter_id}/enrollments`,
//! `POST /v2/meters/enrollments/search` (same `MeterFilterRequest` and paging as the details
//! search).

use actix_web::{HttpResponse, web};

use crate::api::meters::{View, meter_response, search_query, search_response};
use crate::auth::Org;
use crate::error::ApiError;
use crate::extract::RawBody;
use crate::routes::resource;
use crate::state::AppState;

const SEARCH_ROUTE: &str = "/v2/meters/enrollments/search";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(SEARCH_ROUTE, "POST").route(web::post().to(search_enrollments)))
        .service(
            resource("/v2/meters/{meter_id}/enrollments", "GET").route(web::get().to(enrollment)),
        );
}

async fn enrollment(
    state: web::Data<AppState>,
    org: Org,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    meter_response(&state, &org, &path, |m| {
        HttpResponse::Ok().json(m.enrollment_view())
    })
}

async fn search_enrollments(
    state: web::Data<AppState>,
    org: Org,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    let query = search_query(&body, SEARCH_ROUTE)?;
    search_response(&state, &org.name, &query, View::Enrollment)
}

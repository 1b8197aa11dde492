//! Meters v2 details: `GET /v2/meters/{meter_id}`, `POST /v2/meters/search`; also the search
//! request handling shared with the enrollments search.

use actix_web::http::header::ContentType;
use actix_web::{HttpResponse, web};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::params::{PageToken, path_uuid, problems_error};
use crate::auth::Org;
use crate::domain::meter::Meter;
use crate::domain::search::{MeterFilterRequest, MeterQuery, search};
use crate::error::{ApiError, Family};
use crate::extract::{RawBody, is_json, parse_json};
use crate::routes::resource;
use crate::state::AppState;

/// Page-token kind of meter searches (details and enrollments page the same order).
const TOKEN_KIND: &str = "meters";

const SEARCH_ROUTE: &str = "/v2/meters/search";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource(SEARCH_ROUTE, "POST").route(web::post().to(search_details)))
        .service(resource("/v2/meters/{meter_id}", "GET").route(web::get().to(details)));
}

/// A `meter_id` path parameter: 400 when it is not a UUID.
pub fn meter_id(raw: &str) -> Result<Uuid, ApiError> {
    path_uuid(Family::Leap, "meter_id", "Meter id is not a UUID", raw)
}

/// 404 for an id the org does not have (another org's meter included).
pub fn meter_not_found(id: &Uuid) -> ApiError {
    ApiError::not_found(Family::Leap, "Meter not found").with_details(json!({ "meter_id": id }))
}

/// The response `respond` makes of one of the org's meters: 400 for a `meter_id` that is not a
/// UUID, 404 for one the org does not have.
pub fn meter_response(
    state: &AppState,
    org: &Org,
    raw_id: &str,
    respond: impl FnOnce(&Meter) -> HttpResponse,
) -> Result<HttpResponse, ApiError> {
    let id = meter_id(raw_id)?;
    state
        .store
        .read(&org.name, |d| d.meters.get(&id).map(respond))
        .ok_or_else(|| meter_not_found(&id))
}

async fn details(
    state: web::Data<AppState>,
    org: Org,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    meter_response(&state, &org, &path, |m| {
        HttpResponse::Ok().json(m.details())
    })
}

/// Reads a `MeterFilterRequest` body (optional in Leap's spec: an empty body is `{}`) and checks
/// it. A `meter_ids` entry that is not a UUID gets Leap's "Meter id is not a UUID". Unknown
/// members are ignored, as Leap's schema allows, but logged as a warning naming them and `route`:
/// a typo such as `transmision_region` would otherwise silently match every meter.
pub fn search_query(body: &RawBody, route: &str) -> Result<MeterQuery, ApiError> {
    let family = Family::Leap;
    if body.bytes.iter().all(u8::is_ascii_whitespace) {
        return check(MeterFilterRequest::default());
    }
    if !body.content_type.is_empty() && !is_json(&body.content_type) {
        return Err(ApiError::unsupported_media_type(
            family,
            &body.content_type,
            "application/json",
        ));
    }
    let value: Value = parse_json(&body.bytes, family)?;
    if !value.is_object() {
        return Err(ApiError::bad_request(
            family,
            "Request body must be a JSON object (a MeterFilterRequest)",
        ));
    }
    if let Value::Object(members) = &value {
        let unknown = MeterFilterRequest::unknown_members(members);
        if !unknown.is_empty() {
            let fields = unknown.join(", ");
            tracing::warn!(
                route,
                ignored_fields = %fields,
                "ignoring unknown field(s) in the {route} body: {fields} (Leap ignores them too; check the spelling)"
            );
        }
    }
    if let Some(Value::Array(ids)) = value.get("meter_ids") {
        if let Some(bad) = ids
            .iter()
            .find(|v| v.as_str().is_none_or(|s| Uuid::parse_str(s).is_err()))
        {
            return Err(ApiError::bad_request(family, "Meter id is not a UUID")
                .with_details(json!({ "meter_id": bad })));
        }
    }
    let request: MeterFilterRequest = parse_json(value.to_string().as_bytes(), family)?;
    check(request)
}

fn check(request: MeterFilterRequest) -> Result<MeterQuery, ApiError> {
    request
        .check(|token| {
            PageToken::decode(TOKEN_KIND, token)
                .filter(|p| p.len() == 1)
                .map(|p| p[0])
        })
        .map_err(|p| problems_error(Family::Leap, "Invalid search request", &p))
}

/// Which view of a meter a search answers with.
#[derive(Debug, Clone, Copy)]
pub enum View {
    /// `MeterDetailsResponse`.
    Details,
    /// `MeterEnrollmentResponse`.
    Enrollment,
}

/// Runs a search and renders `{meters: [view...], next_page_token}` under the read lock, so
/// meters are serialised in place rather than copied.
pub fn search_response(
    state: &AppState,
    org: &str,
    query: &MeterQuery,
    view: View,
) -> Result<HttpResponse, ApiError> {
    #[derive(Serialize)]
    struct Body<V> {
        meters: Vec<V>,
        #[serde(skip_serializing_if = "Option::is_none")]
        next_page_token: Option<String>,
    }
    let bytes = state.store.read(org, |d| {
        let page = search(&d.meters, query);
        let next_page_token = page
            .next_after
            .map(|key| PageToken::encode(TOKEN_KIND, &[key]));
        match view {
            View::Details => serde_json::to_vec(&Body {
                meters: page.meters.into_iter().map(Meter::details).collect(),
                next_page_token,
            }),
            View::Enrollment => serde_json::to_vec(&Body {
                meters: page
                    .meters
                    .into_iter()
                    .map(Meter::enrollment_view)
                    .collect(),
                next_page_token,
            }),
        }
    });
    let bytes = bytes.map_err(|e| {
        tracing::error!(error = %e, "search response did not serialise");
        ApiError::internal(Family::Leap)
    })?;
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(bytes))
}

async fn search_details(
    state: web::Data<AppState>,
    org: Org,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    let query = search_query(&body, SEARCH_ROUTE)?;
    search_response(&state, &org.name, &query, View::Details)
}

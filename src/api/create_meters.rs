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

use std::convert::Infallible;
use std::time::Duration;

use crate::api::assets::{csv_assets, parse_create_meter};
use crate::api::job_lists;
use crate::api::params::{bool_param, query_pairs, single_param};
use crate::auth::Org;
use crate::domain::jobs::{Job, JobSource};
use crate::domain::meter::MeterData;
use crate::domain::validate::Problems;
use crate::error::{ApiError, Family};
use crate::extract::{RawBody, is_json};
use crate::routes::resource;
use crate::state::AppState;
use crate::store::OrgData;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1.1/meters", "POST").route(web::post().to(create_single)))
        .service(
            resource("/v1.1/jobs/meters", "GET, POST")
                .route(web::get().to(job_lists::list_jobs))
                .route(web::post().to(create_batch)),
        );
    job_lists::configure(cfg);
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

/// Most entries a batch 400 lists (a broken 100,000-row file should not answer megabytes).
const MAX_LISTED_PROBLEMS: usize = 1000;

/// Leap's `ValidationError`: what is wrong, where (`json_index` or `csv_row`), which field.
struct ValidationError {
    message: String,
    json_index: Option<usize>,
    csv_row: Option<usize>,
    problem_field: Option<String>,
}

impl ValidationError {
    fn json(&self) -> Value {
        let mut v = json!({ "message": self.message });
        if let Some(i) = self.json_index {
            v["json_index"] = json!(i);
        }
        if let Some(r) = self.csv_row {
            v["csv_row"] = json!(r);
        }
        if let Some(f) = &self.problem_field {
            v["problem_field"] = json!(f);
        }
        v
    }

    fn request(field: &str, message: impl Into<String>) -> Self {
        ValidationError {
            message: message.into(),
            json_index: None,
            csv_row: None,
            problem_field: (!field.is_empty()).then(|| field.to_string()),
        }
    }
}

/// The batch 400: Leap's `ErrorResponse` with `details` = the list of `ValidationError`s (as in
/// Leap's own example for this operation).
fn batch_error(errors: &[ValidationError]) -> ApiError {
    let listed: Vec<Value> = errors
        .iter()
        .take(MAX_LISTED_PROBLEMS)
        .map(ValidationError::json)
        .collect();
    let mut title = format!(
        "The meter batch job request is invalid ({} problem{})",
        errors.len(),
        if errors.len() == 1 { "" } else { "s" }
    );
    if errors.len() > MAX_LISTED_PROBLEMS {
        title.push_str(&format!("; the first {MAX_LISTED_PROBLEMS} are listed"));
    }
    ApiError::bad_request(Family::Leap, title.clone())
        .with_body(json!({ "title": title, "status": 400, "details": listed }))
}

/// Leap's `file_name` rule: up to 255 of `[a-zA-Z0-9._\s-]`, ending in `.<extension>`.
fn check_file_name(name: &str) -> Result<(), String> {
    let allowed = |c: char| {
        c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-' || c.is_whitespace()
    };
    let ext_ok = name.rsplit_once('.').is_some_and(|(stem, ext)| {
        !stem.is_empty() && !ext.is_empty() && ext.chars().all(|c| c.is_ascii_alphanumeric())
    });
    if name.chars().count() > 255 {
        Err(format!(
            "must be at most 255 characters (got {})",
            name.chars().count()
        ))
    } else if !name.chars().all(allowed) || !ext_ok {
        Err("must be a file name of letters, digits, spaces, '.', '_' or '-' with an extension, e.g. meters_upload.csv".into())
    } else {
        Ok(())
    }
}

/// Whether a media type is a CSV upload.
fn is_csv(media_type: &str) -> bool {
    matches!(media_type, "text/csv" | "application/csv")
}

/// Every asset of a JSON batch body `{"assets": [...]}`, or every problem, by `json_index`.
fn json_assets(bytes: &[u8]) -> Result<Vec<MeterData>, Vec<ValidationError>> {
    let value: Value = serde_json::from_slice(bytes).map_err(|e| {
        vec![ValidationError::request(
            "",
            format!("Malformed JSON in request body: {e}"),
        )]
    })?;
    let Some(assets) = value.get("assets") else {
        return Err(vec![ValidationError::request(
            "assets",
            "Missing required parameter",
        )]);
    };
    let Some(assets) = assets.as_array() else {
        return Err(vec![ValidationError::request(
            "assets",
            "must be an array of CreateMeter objects",
        )]);
    };
    if assets.is_empty() {
        return Err(vec![ValidationError::request(
            "assets",
            "must contain at least one asset",
        )]);
    }
    let mut parsed = Vec::with_capacity(assets.len());
    let mut errors = Vec::new();
    for (index, asset) in assets.iter().enumerate() {
        match parse_create_meter(asset, "") {
            Ok(data) => parsed.push(data),
            Err(problems) => errors.extend(problems.0.into_iter().map(|p| ValidationError {
                message: p.message,
                json_index: Some(index),
                csv_row: None,
                problem_field: (!p.field.is_empty()).then_some(p.field),
            })),
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

/// Every asset of a CSV upload, or every problem, by `csv_row`.
fn csv_batch(bytes: &[u8]) -> Result<Vec<MeterData>, Vec<ValidationError>> {
    let rows = csv_assets(bytes).map_err(|problems| {
        problems
            .into_iter()
            .map(|p| ValidationError {
                message: p.message,
                json_index: None,
                csv_row: p.row,
                problem_field: (!p.field.is_empty()).then_some(p.field),
            })
            .collect::<Vec<_>>()
    })?;
    if rows.is_empty() {
        return Err(vec![ValidationError {
            message: "The CSV file has a header but no assets".into(),
            json_index: None,
            csv_row: Some(2),
            problem_field: None,
        }]);
    }
    let mut parsed = Vec::with_capacity(rows.len());
    let mut errors = Vec::new();
    for row in rows {
        match parse_create_meter(&row.value, "") {
            Ok(data) => parsed.push(data),
            Err(problems) => errors.extend(problems.0.into_iter().map(|p| ValidationError {
                message: p.message,
                json_index: None,
                csv_row: Some(row.row),
                problem_field: (!p.field.is_empty()).then_some(p.field),
            })),
        }
    }
    if errors.is_empty() {
        Ok(parsed)
    } else {
        Err(errors)
    }
}

/// `POST /v1.1/jobs/meters`: accepts a batch (JSON `{assets}` or a CSV file), answers 201
/// `{job_id}` and decides the assets after `create_meters.job_processing_secs` (Leap time). A
/// batch with any schema problem is refused whole (400, nothing stored, no event).
async fn create_batch(
    state: web::Data<AppState>,
    org: Org,
    req: HttpRequest,
    body: RawBody,
) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req);
    let mut p = Problems::default();
    let update_existing = bool_param(&pairs, "update_existing", false, &mut p);
    let file_name = single_param(&pairs, "file_name", &mut p).map(str::to_string);
    if let Some(name) = &file_name {
        if let Err(why) = check_file_name(name) {
            p.push("file_name", why);
        }
    }
    if !p.is_empty() {
        let errors: Vec<_> =
            p.0.iter()
                .map(|p| ValidationError::request(&p.field, p.message.clone()))
                .collect();
        return Err(batch_error(&errors));
    }
    let (assets, source) = if is_csv(&body.content_type) {
        (csv_batch(&body.bytes), JobSource::Csv)
    } else if body.content_type.is_empty() || is_json(&body.content_type) {
        (json_assets(&body.bytes), JobSource::Json)
    } else {
        return Err(unsupported(
            &body.content_type,
            "application/json or text/csv",
        ));
    };
    let assets = assets.map_err(|errors| batch_error(&errors))?;

    let now = state.clock.now();
    let job = Job::new(assets, source, file_name, update_existing, now);
    let job_id = job.job_id;
    let Ok(_) = state.store.commit(&org.name, now, |d| {
        d.jobs.insert(job);
        Ok::<_, Infallible>(((), Vec::new()))
    });

    let store = state.store.clone();
    let clock = state.clock;
    let org_name = org.name.clone();
    let delay = Duration::from_secs_f64(state.settings.create_meters.job_processing_secs);
    state.scheduler.after(delay, move || {
        let now = clock.now();
        let committed = store.commit(&org_name, now, |d: &mut OrgData| {
            // A reset in between dropped the job: nothing to do.
            let events = match d.jobs.get_mut(&job_id) {
                Some(job) => job.complete(&mut d.meters, now),
                None => Vec::new(),
            };
            Ok::<_, Infallible>(((), events))
        });
        let Ok(committed) = committed;
        tracing::debug!(%job_id, meters_created = committed.events.len(), "meter batch job completed");
    });
    Ok(HttpResponse::Created().json(json!({ "job_id": job_id })))
}

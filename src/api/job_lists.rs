//! Reading Create Meters jobs back: `GET /v1.1/jobs/meters` (registered by `create_meters`),
//! `GET /v1.1/jobs/meters/{job_id}`, `GET /v1.1/provisional-assets` (JSON, or CSV with
//! `Accept: text/csv`) and the two "Leap frontend only" filter-option lists.
//!
//! Lists are newest job first (as Leap's examples show); assets keep their order within a job.
//! Query: `filter=key:v1,v2` (repeatable; values of one key are ORed, keys ANDed),
//! `search_query` (comma-separated terms, case-insensitive substring) with the `search_fields`
//! to look in (required together), `page_size` (1..=500, default 100), `page_token`.

use actix_web::http::header::{ACCEPT, ContentType};
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::{Map, Value, json};

use crate::api::params::{PageToken, int_param, list_param, query_pairs, single_param};
use crate::auth::Org;
use crate::domain::enums::{
    JobStatus, ProvisionalAssetStatus, StatusDetailName, TransmissionRegion,
};
use crate::domain::jobs::{Job, ProvisionalAsset};
use crate::domain::validate::Problems;
use crate::error::{ApiError, Family};
use crate::routes::resource;
use crate::state::AppState;

const DEFAULT_PAGE_SIZE: usize = 100;
const MAX_PAGE_SIZE: usize = 500;
const JOBS_TOKEN: &str = "jobs";
const ASSETS_TOKEN: &str = "assets";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1.1/jobs/meters/{job_id}", "GET").route(web::get().to(get_job)))
        .service(resource("/v1.1/jobs/meter-job-filters", "GET").route(web::get().to(job_filters)))
        .service(
            resource("/v1.1/provisional-assets", "GET")
                .route(web::get().to(list_provisional_assets)),
        )
        .service(
            resource("/v1.1/provisional-assets-filters", "GET").route(web::get().to(asset_filters)),
        );
}

/// A filter key and the values it accepts (`None` = any string).
struct FilterKey {
    key: &'static str,
    values: Option<&'static [&'static str]>,
}

fn enum_values<T: Copy>(all: &[T], name: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| name(*v)).collect()
}

/// A parsed list query.
struct ListQuery {
    filters: Vec<(&'static str, Vec<String>)>,
    /// Lower-cased search terms and the fields to look in.
    search: Option<(Vec<String>, Vec<String>)>,
    after: Option<Vec<u64>>,
    page_size: usize,
}

/// 400 for a bad list query: Leap's envelope plus the `ValidationError` members
/// (`message`, `problem_field`), which `listProvisionalAssets` declares for its 400.
fn query_error(problems: &Problems) -> ApiError {
    let first = problems.0.first();
    let message = problems
        .0
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect::<Vec<_>>()
        .join("; ");
    let details: Map<String, Value> = problems
        .0
        .iter()
        .map(|p| (p.field.clone(), Value::String(p.message.clone())))
        .collect();
    let title = format!("Invalid query: {message}");
    let mut body = json!({
        "title": title,
        "status": 400,
        "details": details,
        "message": message,
    });
    if let Some(p) = first {
        body["problem_field"] = json!(p.field);
    }
    ApiError::bad_request(Family::Leap, title).with_body(body)
}

fn parse_list_query(
    req: &HttpRequest,
    keys: &[FilterKey],
    search_fields: &[&str],
    token_kind: &str,
    token_len: usize,
) -> Result<ListQuery, ApiError> {
    let pairs = query_pairs(req);
    let mut p = Problems::default();
    let mut filters: Vec<(&'static str, Vec<String>)> = Vec::new();
    for (name, raw) in pairs.iter().filter(|(k, _)| k == "filter") {
        let Some((key, values)) = raw.split_once(':') else {
            p.push(
                name,
                format!("{raw:?} must be key:value or key:value1,value2"),
            );
            continue;
        };
        let Some(known) = keys.iter().find(|k| k.key == key.trim()) else {
            let valid: Vec<_> = keys.iter().map(|k| k.key).collect();
            p.push(
                "filter",
                format!(
                    "unknown filter key {key:?}; valid keys: {}",
                    valid.join(", ")
                ),
            );
            continue;
        };
        let values: Vec<String> = values
            .split(',')
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect();
        if values.is_empty() {
            p.push("filter", format!("filter {key:?} has no value"));
        }
        if let Some(valid) = known.values {
            for v in values.iter().filter(|v| !valid.contains(&v.as_str())) {
                p.push(
                    "filter",
                    format!(
                        "{v:?} is not a valid {}; valid values: {}",
                        known.key,
                        valid.join(", ")
                    ),
                );
            }
        }
        match filters.iter_mut().find(|(k, _)| *k == known.key) {
            // The same key twice narrows nothing new: its values join the IN list.
            Some((_, existing)) => existing.extend(values),
            None => filters.push((known.key, values)),
        }
    }
    let terms: Vec<String> = single_param(&pairs, "search_query", &mut p)
        .map(|q| {
            q.split(',')
                .map(|t| t.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .collect()
        })
        .unwrap_or_default();
    let fields = list_param(&pairs, "search_fields");
    for f in fields
        .iter()
        .filter(|f| !search_fields.contains(&f.as_str()))
    {
        p.push(
            "search_fields",
            format!(
                "{f:?} cannot be searched; valid fields: {}",
                search_fields.join(", ")
            ),
        );
    }
    let search = match (terms.is_empty(), fields.is_empty()) {
        (true, true) => None,
        (false, false) => Some((terms, fields)),
        (false, true) => {
            p.push("search_fields", "is required when search_query is given");
            None
        }
        (true, false) => {
            p.push("search_query", "is required when search_fields is given");
            None
        }
    };
    let page_size = int_param(
        &pairs,
        "page_size",
        DEFAULT_PAGE_SIZE,
        (1, MAX_PAGE_SIZE),
        &mut p,
    );
    let after = match single_param(&pairs, "page_token", &mut p) {
        None | Some("") => None,
        Some(token) => PageToken::parse(token_kind, token, token_len, "page_token", &mut p),
    };
    if p.is_empty() {
        Ok(ListQuery {
            filters,
            search,
            after,
            page_size,
        })
    } else {
        Err(query_error(&p))
    }
}

impl ListQuery {
    fn filter(&self, key: &str) -> Option<&[String]> {
        self.filters
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_slice())
    }

    /// Whether one of the wanted values is among `have` (no filter on `key` = pass).
    fn passes<'a>(&self, key: &str, mut have: impl Iterator<Item = &'a str>) -> bool {
        self.filter(key)
            .is_none_or(|wanted| have.any(|h| wanted.iter().any(|w| w == h)))
    }

    /// Whether a search term occurs in one of the searched fields (`field` gives a field's
    /// values).
    fn found(&self, field: impl Fn(&str) -> Vec<String>) -> bool {
        self.search.as_ref().is_none_or(|(terms, fields)| {
            fields.iter().any(|f| {
                field(f).iter().any(|value| {
                    let value = value.to_lowercase();
                    terms.iter().any(|t| value.contains(t.as_str()))
                })
            })
        })
    }
}

const JOB_SEARCH_FIELDS: &[&str] = &["file_name", "job_id", "partner_reference"];

fn job_keys() -> Vec<FilterKey> {
    vec![
        FilterKey {
            key: "status",
            values: Some(status_names()),
        },
        FilterKey {
            key: "transmission_region",
            values: Some(region_names()),
        },
        FilterKey {
            key: "file_name",
            values: None,
        },
        FilterKey {
            key: "job_id",
            values: None,
        },
    ]
}

fn status_names() -> &'static [&'static str] {
    &["PROCESSING", "FAILED", "COMPLETED", "COMPLETED_WITH_ERRORS"]
}

fn region_names() -> &'static [&'static str] {
    &[
        "CAISO", "ERCOT", "NYISO", "ISONE", "PJM", "SERC", "WECC_SW", "WECC_PC",
    ]
}

fn asset_status_names() -> &'static [&'static str] {
    &[
        "PROCESSING",
        "FAILED",
        "DUPLICATE",
        "COMPLETED",
        "MULTIPLE_PARTNER_REFERENCE",
    ]
}

fn job_matches(q: &ListQuery, job: &Job) -> bool {
    let regions = job.transmission_regions();
    let id = job.job_id.to_string();
    q.passes("status", std::iter::once(job.status.as_str()))
        && q.passes("transmission_region", regions.iter().map(|r| r.as_str()))
        && q.passes("file_name", job.file_name.as_deref().into_iter())
        && q.passes("job_id", std::iter::once(id.as_str()))
        && q.found(|field| match field {
            "file_name" => job.file_name.iter().cloned().collect(),
            "job_id" => vec![id.clone()],
            "partner_reference" => job
                .assets
                .iter()
                .map(|a| a.partner_reference.clone())
                .collect(),
            _ => Vec::new(),
        })
}

/// `GET /v1.1/jobs/meters`: `PagedJobs`, newest first.
pub async fn list_jobs(
    state: web::Data<AppState>,
    org: Org,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = parse_list_query(&req, &job_keys(), JOB_SEARCH_FIELDS, JOBS_TOKEN, 1)?;
    let before = q.after.as_ref().map(|p| p[0]);
    let body = state.store.read(&org.name, |d| {
        let mut jobs = Vec::new();
        let mut next = None;
        let mut last_key = None;
        for (key, job) in d.jobs.newest_first(before) {
            if !job_matches(&q, job) {
                continue;
            }
            if jobs.len() == q.page_size {
                next = last_key;
                break;
            }
            jobs.push(job.view());
            last_key = Some(key);
        }
        let mut body = json!({ "jobs": jobs });
        if let Some(key) = next {
            body["next_page_token"] = json!(PageToken::encode(JOBS_TOKEN, &[key]));
        }
        body
    });
    Ok(HttpResponse::Ok().json(body))
}

/// `GET /v1.1/jobs/meters/{job_id}`: `JobAndAssets`.
async fn get_job(
    state: web::Data<AppState>,
    org: Org,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let raw = path.into_inner();
    let id = uuid::Uuid::parse_str(&raw).map_err(|_| {
        ApiError::bad_request(Family::Leap, "Job id is not a UUID")
            .with_details(json!({ "job_id": raw }))
    })?;
    state
        .store
        .read(&org.name, |d| d.jobs.get(&id).map(Job::view_with_assets))
        .map(|body| HttpResponse::Ok().json(body))
        .ok_or_else(|| {
            ApiError::not_found(Family::Leap, "Job not found").with_details(json!({ "job_id": id }))
        })
}

const ASSET_SEARCH_FIELDS: &[&str] = &[
    "partner_reference",
    "job_id",
    "meter_id",
    "file_name",
    "device_serial_number",
    "utility_meter_serial_number",
    "electric_service_account_number",
    "end_customer_name",
    "end_customer_email",
    "street_1",
    "city",
    "postal_code",
];

fn asset_keys() -> Vec<FilterKey> {
    vec![
        FilterKey {
            key: "status",
            values: Some(asset_status_names()),
        },
        FilterKey {
            key: "transmission_region",
            values: Some(region_names()),
        },
        FilterKey {
            key: "status_detail",
            values: Some(status_detail_names()),
        },
        FilterKey {
            key: "partner_reference",
            values: None,
        },
        FilterKey {
            key: "job_id",
            values: None,
        },
        FilterKey {
            key: "meter_id",
            values: None,
        },
    ]
}

fn status_detail_names() -> &'static [&'static str] {
    &[
        "ACCOUNT_MISMATCH",
        "ADDRESS_INCOMPLETE",
        "ADDRESS_NOT_FOUND",
        "ADDRESS_NOT_REGISTERED_FOR_ESIID",
        "DUPLICATE_METER",
        "DUPLICATE_REF_ID",
        "METER_CREATED",
        "METER_UPDATED",
        "MULTIPLE_ACCOUNTS",
        "UNSUPPORTED_ADDRESS",
        "UNSUPPORTED_ZIP_CODE",
        "VALIDATION_ERROR",
        "PROCESSING_ERROR",
    ]
}

fn asset_matches(q: &ListQuery, job: &Job, a: &ProvisionalAsset) -> bool {
    let job_id = a.job_id.to_string();
    let meter_id = a.meter_id.map(|m| m.to_string());
    let d = &a.data;
    q.passes("status", std::iter::once(a.status.as_str()))
        && q.passes(
            "transmission_region",
            std::iter::once(d.transmission_region.as_str()),
        )
        && q.passes(
            "status_detail",
            a.status_detail
                .name
                .map(StatusDetailName::as_str)
                .into_iter(),
        )
        && q.passes(
            "partner_reference",
            std::iter::once(a.partner_reference.as_str()),
        )
        && q.passes("job_id", std::iter::once(job_id.as_str()))
        && q.passes("meter_id", meter_id.as_deref().into_iter())
        && q.found(|field| {
            let one = |v: Option<&String>| v.cloned().into_iter().collect::<Vec<_>>();
            let utility = d.utility.as_ref();
            match field {
                "partner_reference" => vec![a.partner_reference.clone()],
                "job_id" => vec![job_id.clone()],
                "meter_id" => meter_id.clone().into_iter().collect(),
                "file_name" => one(job.file_name.as_ref()),
                "device_serial_number" => one(d
                    .device
                    .as_ref()
                    .and_then(|x| x.device_serial_number.as_ref())),
                "utility_meter_serial_number" => {
                    one(utility.and_then(|u| u.utility_meter_serial_number.as_ref()))
                }
                "electric_service_account_number" => {
                    one(utility.and_then(|u| u.electric_service_account_number.as_ref()))
                }
                "end_customer_name" => one(d.customer.end_customer_name.as_ref()),
                "end_customer_email" => one(d.customer.end_customer_email.as_ref()),
                "street_1" => vec![d.customer.street_1.clone()],
                "city" => vec![d.customer.city.clone()],
                "postal_code" => vec![d.customer.postal_code.clone()],
                _ => Vec::new(),
            }
        })
}

/// `GET /v1.1/provisional-assets`: `{provisional_assets, next_page_token}`, newest job first;
/// with `Accept: text/csv`, the same page as CSV and the token in a `next-page-token` header.
async fn list_provisional_assets(
    state: web::Data<AppState>,
    org: Org,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = parse_list_query(&req, &asset_keys(), ASSET_SEARCH_FIELDS, ASSETS_TOKEN, 2)?;
    let (assets, next) = state.store.read(&org.name, |d| {
        // Position = (job key, asset index): a page resumes after that asset of that job.
        let resume = q.after.as_ref().map(|p| (p[0], p[1]));
        let mut page: Vec<(u64, u64, Value)> = Vec::new();
        let mut more = false;
        'jobs: for (key, job) in d
            .jobs
            .newest_first(resume.map(|(k, _)| k.saturating_add(1)))
        {
            for (i, a) in job.assets.iter().enumerate() {
                let i = i as u64;
                if resume.is_some_and(|(k, done)| k == key && i <= done) {
                    continue;
                }
                if !asset_matches(&q, job, a) {
                    continue;
                }
                if page.len() == q.page_size {
                    more = true;
                    break 'jobs;
                }
                page.push((key, i, a.view()));
            }
        }
        let next = if more {
            page.last()
                .map(|(k, i, _)| PageToken::encode(ASSETS_TOKEN, &[*k, *i]))
        } else {
            None
        };
        (
            page.into_iter().map(|(_, _, v)| v).collect::<Vec<_>>(),
            next,
        )
    });
    if wants_csv(&req) {
        let mut resp = HttpResponse::Ok();
        resp.content_type("text/csv; charset=utf-8");
        if let Some(token) = &next {
            resp.insert_header(("next-page-token", token.as_str()));
        }
        return Ok(resp.body(assets_csv(&assets)));
    }
    let mut body = json!({ "provisional_assets": assets });
    if let Some(token) = next {
        body["next_page_token"] = json!(token);
    }
    Ok(HttpResponse::Ok()
        .content_type(ContentType::json())
        .body(body.to_string()))
}

/// Whether the client asked for CSV (and not JSON first).
fn wants_csv(req: &HttpRequest) -> bool {
    let accept = req
        .headers()
        .get(ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let csv = accept.find("text/csv");
    let json = accept.find("application/json");
    match (csv, json) {
        (Some(c), Some(j)) => c < j,
        (Some(_), None) => true,
        _ => false,
    }
}

/// Flattens JSON to dotted columns (`data.customer.city`, `data.load_types.0`).
fn flatten(prefix: &str, value: &Value, out: &mut Vec<(String, String)>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&key, v, out);
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten(&format!("{prefix}.{i}"), v, out);
            }
        }
        Value::Null => {}
        Value::String(s) => out.push((prefix.to_string(), s.clone())),
        other => out.push((prefix.to_string(), other.to_string())),
    }
}

/// The CSV rendering of provisional assets: Leap's fixed leading columns, then every data
/// column present on the page, then the failed fields as `key`/`value` pairs.
fn assets_csv(assets: &[Value]) -> String {
    const LEADING: &[&str] = &[
        "job_id",
        "partner_reference",
        "status",
        "status_detail.name",
        "status_detail.description",
        "meter_id",
        "created_at",
    ];
    let rows: Vec<Vec<(String, String)>> = assets
        .iter()
        .map(|a| {
            let mut cells = Vec::new();
            for key in LEADING {
                let v = match *key {
                    "status_detail.name" => &a["status_detail"]["name"],
                    "status_detail.description" => &a["status_detail"]["description"],
                    k => &a[k],
                };
                flatten(key, v, &mut cells);
            }
            flatten("data", &a["data"], &mut cells);
            if let Some(failed) = a["status_detail"]["failed_fields"].as_object() {
                for (i, (k, v)) in failed.iter().enumerate() {
                    let prefix = format!("status_detail.failed_fields.{i}");
                    cells.push((format!("{prefix}.key"), k.clone()));
                    cells.push((
                        format!("{prefix}.value"),
                        v.as_str().unwrap_or_default().to_string(),
                    ));
                }
            }
            cells
        })
        .collect();
    let mut columns: Vec<String> = LEADING.iter().map(|s| s.to_string()).collect();
    for row in &rows {
        for (k, _) in row {
            if !columns.contains(k) {
                columns.push(k.clone());
            }
        }
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record(&columns);
    for row in &rows {
        let record: Vec<&str> = columns
            .iter()
            .map(|c| {
                row.iter()
                    .find(|(k, _)| k == c)
                    .map_or("", |(_, v)| v.as_str())
            })
            .collect();
        let _ = writer.write_record(&record);
    }
    writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}

/// The regions present among an org's jobs, in Leap's enum order.
fn regions_present(state: &AppState, org: &str) -> Vec<&'static str> {
    let present = state.store.read(org, |d| {
        let mut present = Vec::new();
        for (_, job) in d.jobs.newest_first(None) {
            for r in job.transmission_regions() {
                if !present.contains(&r) {
                    present.push(r);
                }
            }
        }
        present
    });
    TransmissionRegion::ALL
        .iter()
        .filter(|r| present.contains(r))
        .map(|r| r.as_str())
        .collect()
}

/// `GET /v1.1/jobs/meter-job-filters` ("Leap frontend only").
async fn job_filters(state: web::Data<AppState>, org: Org) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "filter_options": [
            {"key": "status", "values": enum_values(JobStatus::ALL, JobStatus::as_str)},
            {"key": "transmission_region", "values": regions_present(&state, &org.name)},
        ]
    }))
}

/// `GET /v1.1/provisional-assets-filters` ("Leap frontend only").
async fn asset_filters(state: web::Data<AppState>, org: Org) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "filter_options": [
            {"key": "status", "values": enum_values(ProvisionalAssetStatus::ALL, ProvisionalAssetStatus::as_str)},
            {"key": "transmission_region", "values": regions_present(&state, &org.name)},
        ]
    }))
}

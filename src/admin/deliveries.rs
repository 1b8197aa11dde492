//! Delivery log (mock-only): `GET /_mock/deliveries` (filters, newest first, paginated),
//! `GET /_mock/deliveries/{id}`, `POST /_mock/deliveries/{id}/redeliver` (a fresh attempt series
//! with the same `webhook_event_id` and body).

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::auth::Admin;
use crate::domain::enums::WebhookEventType;
use crate::error::{ApiError, Family};
use crate::routes::resource;
use crate::state::AppState;
use crate::webhooks::RedeliverError;
use crate::webhooks::log::{Attempt, Delivery, Filter, Status};

const DEFAULT_PAGE_SIZE: usize = 50;
const MAX_PAGE_SIZE: usize = 500;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/_mock/deliveries", "GET").route(web::get().to(list)))
        .service(resource("/_mock/deliveries/{delivery_id}", "GET").route(web::get().to(get)))
        .service(
            resource("/_mock/deliveries/{delivery_id}/redeliver", "POST")
                .route(web::post().to(redeliver)),
        );
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    org: Option<String>,
    event_type: Option<String>,
    status: Option<String>,
    webhook_id: Option<String>,
    webhook_event_id: Option<String>,
    page_size: Option<String>,
    page_token: Option<String>,
}

fn bad(message: String, field: &str, value: &str) -> ApiError {
    ApiError::bad_request(Family::Leap, message).with_details(json!({ field: value }))
}

fn uuid_param(field: &str, value: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(value.trim()).map_err(|_| bad(format!("`{field}` is not a UUID"), field, value))
}

impl ListQuery {
    fn filter(&self, state: &AppState) -> Result<Filter, ApiError> {
        let mut filter = Filter::default();
        if let Some(org) = &self.org {
            if state.tenants.by_name(org).is_none() {
                // 404 like every other `/_mock` endpoint that takes an org.
                return Err(ApiError::not_found(Family::Leap, "Org not found")
                    .with_details(json!({ "org": org })));
            }
            filter.org = Some(org.clone());
        }
        if let Some(t) = &self.event_type {
            filter.event_type = Some(
                t.parse::<WebhookEventType>()
                    .map_err(|e| bad(e.to_string(), "event_type", t))?,
            );
        }
        if let Some(s) = &self.status {
            filter.status = Some(s.parse::<Status>().map_err(|e| bad(e, "status", s))?);
        }
        if let Some(w) = &self.webhook_id {
            filter.webhook_id = Some(uuid_param("webhook_id", w)?);
        }
        if let Some(e) = &self.webhook_event_id {
            filter.webhook_event_id = Some(uuid_param("webhook_event_id", e)?);
        }
        Ok(filter)
    }

    fn page_size(&self) -> Result<usize, ApiError> {
        let Some(raw) = &self.page_size else {
            return Ok(DEFAULT_PAGE_SIZE);
        };
        match raw.trim().parse::<usize>() {
            Ok(n) if (1..=MAX_PAGE_SIZE).contains(&n) => Ok(n),
            _ => Err(bad(
                format!("`page_size` must be a whole number from 1 to {MAX_PAGE_SIZE}"),
                "page_size",
                raw,
            )),
        }
    }

    fn before(&self) -> Result<Option<u64>, ApiError> {
        let Some(raw) = &self.page_token else {
            return Ok(None);
        };
        raw.trim().parse::<u64>().map(Some).map_err(|_| {
            bad(
                "`page_token` is not a token from a previous page".into(),
                "page_token",
                raw,
            )
        })
    }
}

async fn list(
    _: Admin,
    state: web::Data<AppState>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let filter = query.filter(&state)?;
    let limit = query.page_size()?;
    let before = query.before()?;
    let (page, next) = state.webhooks.log.list(&filter, before, limit);
    let mut body = json!({
        "deliveries": page.iter().map(view).collect::<Vec<_>>(),
    });
    if let Some(next) = next {
        body["next_page_token"] = json!(next.to_string());
    }
    Ok(HttpResponse::Ok().json(body))
}

fn delivery_id(path: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(path).map_err(|_| {
        ApiError::bad_request(Family::Leap, "Delivery id is not a UUID")
            .with_details(json!({"delivery_id": path}))
    })
}

fn not_found(id: Uuid) -> ApiError {
    ApiError::not_found(Family::Leap, "Delivery not found")
        .with_details(json!({"delivery_id": id, "hint": "the log keeps the newest webhooks.log_max_finished finished deliveries"}))
}

async fn get(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = delivery_id(&path)?;
    let delivery = state.webhooks.log.get(id).ok_or_else(|| not_found(id))?;
    Ok(HttpResponse::Ok().json(view(&delivery)))
}

async fn redeliver(
    _: Admin,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = delivery_id(&path)?;
    match state.webhooks.redeliver(id) {
        Ok(delivery) => Ok(HttpResponse::Accepted().json(view(&delivery))),
        Err(RedeliverError::NotFound) => Err(not_found(id)),
        Err(RedeliverError::StillPending) => Err(ApiError::new(
            Family::Leap,
            StatusCode::CONFLICT,
            "Delivery is still pending; redeliver it once it has succeeded or failed",
        )
        .with_details(json!({"delivery_id": id, "status": "pending"}))),
        Err(RedeliverError::SubscriptionGone) => Err(ApiError::new(
            Family::Leap,
            StatusCode::CONFLICT,
            "The delivery's webhook subscription no longer exists",
        )
        .with_details(json!({"delivery_id": id}))),
    }
}

/// A delivery as the log API shows it.
pub fn view(d: &Delivery) -> Value {
    let envelope: Value = serde_json::from_slice(&d.body).unwrap_or(Value::Null);
    json!({
        "delivery_id": d.id,
        "status": d.status.as_str(),
        "org": d.org,
        "webhook_id": d.webhook_id,
        "receiver_url": d.receiver_url,
        "webhook_event_id": d.webhook_event_id,
        "event_type": d.event_type,
        "event_seq": d.event_seq,
        "event_created_at": d.event_created_at,
        "created_at": d.created_at,
        "delivered_at": d.delivered_at,
        "next_attempt_at": d.next_attempt_at,
        "series": d.series,
        "attempt_count": d.attempts_in_series(),
        "max_attempts": d.max_attempts,
        "gave_up": d.gave_up,
        "faults": d.faults,
        "attempts": d.attempts.iter().map(attempt_view).collect::<Vec<_>>(),
        "envelope": envelope,
    })
}

fn attempt_view(a: &Attempt) -> Value {
    let r = &a.reply;
    json!({
        "series": a.series,
        "number": a.number,
        "started_at": a.started_at,
        "receiver_url": a.receiver_url,
        "outcome": r.outcome,
        "status_code": r.status_code,
        "error": r.error,
        "latency_ms": (r.latency.as_secs_f64() * 1_000_000.0).round() / 1000.0,
        "response_body": r.body,
        "response_body_truncated": r.body_truncated,
    })
}

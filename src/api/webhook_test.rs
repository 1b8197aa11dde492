//! `POST /v1.1/webhooks/{webhook_id}/test` (Leap's `testWebhook`): wraps the request body (an
//! event payload) in Leap's envelope with a fresh `webhook_event_id`, really sends it to the
//! webhook's receiver once, and reports `TestWebhookResponse`.

use actix_web::{HttpResponse, web};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use crate::api::params::path_uuid;
use crate::auth::Org;
use crate::domain::enums::WebhookEventType;
use crate::error::{ApiError, Family};
use crate::extract::Json;
use crate::routes::resource;
use crate::state::AppState;
use crate::webhooks::client::Reply;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1.1/webhooks/{webhook_id}/test", "POST").route(web::post().to(test_webhook)),
    );
}

/// Leap's `WebhookEventTypeDiscriminator`: an object with a known `webhook_event_type`. The other
/// fields are sent as given (Leap's own example omits `transmission_region`, which the event
/// schema requires, so the test body is evidently not checked against the event schemas).
fn event_payload(body: Value) -> Result<Map<String, Value>, ApiError> {
    let Value::Object(payload) = body else {
        return Err(ApiError::bad_request(
            Family::Webhooks,
            "Request body must be a JSON object: an event payload with `webhook_event_type`",
        ));
    };
    let valid = || {
        WebhookEventType::ALL
            .iter()
            .map(|t| t.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    };
    match payload.get("webhook_event_type") {
        Some(Value::String(t)) if t.parse::<WebhookEventType>().is_ok() => Ok(payload),
        Some(other) => Err(ApiError::bad_request(
            Family::Webhooks,
            format!(
                "`webhook_event_type` {other} is not a webhook event type; expected one of: {}",
                valid()
            ),
        )),
        None => Err(ApiError::bad_request(
            Family::Webhooks,
            format!(
                "`webhook_event_type` is required; expected one of: {}",
                valid()
            ),
        )),
    }
}

async fn test_webhook(
    org: Org,
    state: web::Data<AppState>,
    path: web::Path<String>,
    body: Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let webhook_id = path_uuid(Family::Webhooks, "webhook_id", "", &path)?;
    let payload = event_payload(body.0)?;
    // Another org's webhook is as unknown as a missing one.
    let target = state.store.read(&org.name, |d| {
        d.webhooks
            .iter()
            .find(|s| s.webhook_id == webhook_id)
            .map(|s| (s.receiver_url.clone(), s.headers.clone()))
    });
    let Some((url, headers)) = target else {
        return Err(ApiError::not_found(
            Family::Webhooks,
            "The specified resource was not found",
        ));
    };
    let webhook_event_id = Uuid::new_v4();
    let envelope = json!({"webhook_event_id": webhook_event_id, "payload": payload});
    let body = serde_json::to_vec(&envelope).map_err(|_| ApiError::internal(Family::Webhooks))?;
    let reply = state
        .webhooks
        .test_send(&org.name, url, &headers, webhook_event_id, body.into())
        .await;
    Ok(HttpResponse::Ok().json(test_response(&reply)))
}

/// `TestWebhookResponse`: `status_code` and `response_time_ms` only if the receiver answered,
/// `error` only if it did not.
fn test_response(reply: &Reply) -> Value {
    let is_successful = reply.outcome == crate::webhooks::client::AttemptOutcome::Succeeded;
    match reply.status_code {
        Some(code) => json!({
            "is_successful": is_successful,
            "status_code": code,
            "response_time_ms": reply.latency.as_millis() as u64,
        }),
        None => json!({
            "is_successful": false,
            "error": reply.error.clone().unwrap_or_else(|| "no response".to_string()),
        }),
    }
}

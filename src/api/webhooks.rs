//! Webhook Subscription API v1.1: `GET/POST /v1.1/webhooks`, `PUT/DELETE
//! /v1.1/webhooks/{webhook_id}`. Errors use the webhook envelope `{error, message}`.
//!
//! The org's settings-made subscription (`webhook_url`) is listed like any other and can be
//! replaced or deleted through this API; a reset brings it back.

use actix_web::{HttpResponse, web};
use serde_json::json;
use uuid::Uuid;

use crate::api::params::{path_uuid, problems_error};
use crate::auth::Org;
use crate::domain::subscription::{Subscription, WebhookRequest};
use crate::error::{ApiError, Family};
use crate::extract::Json;
use crate::routes::resource;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/v1.1/webhooks", "GET, POST")
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(
        resource("/v1.1/webhooks/{webhook_id}", "PUT, DELETE")
            .route(web::put().to(update))
            .route(web::delete().to(delete)),
    );
}

fn not_found() -> ApiError {
    ApiError::not_found(Family::Webhooks, "The specified resource was not found")
}

fn webhook_id(raw: &str) -> Result<Uuid, ApiError> {
    path_uuid(Family::Webhooks, "webhook_id", "", raw)
}

async fn list(state: web::Data<AppState>, org: Org) -> HttpResponse {
    let webhooks: Vec<_> = state.store.read(&org.name, |d| {
        d.webhooks.iter().map(Subscription::view).collect()
    });
    HttpResponse::Ok().json(json!({ "webhooks": webhooks }))
}

async fn create(
    state: web::Data<AppState>,
    org: Org,
    Json(request): Json<WebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let url = request
        .validate(state.receiver_policy.as_ref())
        .map_err(|p| problems_error(Family::Webhooks, "Invalid webhook", &p))?;
    let now = state.clock.now();
    let subscription = Subscription::new(request, url, now);
    let webhook_id = subscription.webhook_id;
    state.store.commit(&org.name, now, |d| {
        d.webhooks.push(subscription);
        Ok::<_, ApiError>(((), Vec::new()))
    })?;
    Ok(HttpResponse::Ok().json(json!({ "webhook_id": webhook_id })))
}

async fn update(
    state: web::Data<AppState>,
    org: Org,
    path: web::Path<String>,
    Json(request): Json<WebhookRequest>,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&path)?;
    // An unknown id is reported before body problems: there is nothing to update.
    let exists = state
        .store
        .read(&org.name, |d| d.webhooks.iter().any(|w| w.webhook_id == id));
    if !exists {
        return Err(not_found());
    }
    let url = request
        .validate(state.receiver_policy.as_ref())
        .map_err(|p| problems_error(Family::Webhooks, "Invalid webhook", &p))?;
    state.store.commit(&org.name, state.clock.now(), |d| {
        let subscription = d
            .webhooks
            .iter_mut()
            .find(|w| w.webhook_id == id)
            .ok_or_else(not_found)?;
        subscription.replace(request, url);
        Ok(((), Vec::new()))
    })?;
    Ok(HttpResponse::Ok().json(json!({ "webhook_id": id })))
}

async fn delete(
    state: web::Data<AppState>,
    org: Org,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let id = webhook_id(&path)?;
    state.store.commit(&org.name, state.clock.now(), |d| {
        let before = d.webhooks.len();
        d.webhooks.retain(|w| w.webhook_id != id);
        if d.webhooks.len() == before {
            return Err(not_found());
        }
        Ok(((), Vec::new()))
    })?;
    Ok(HttpResponse::Ok().json(json!({ "message": "Operation completed successfully" })))
}

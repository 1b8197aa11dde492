//! Liveness (`/healthz`), readiness (`/readyz`) and Prometheus metrics (`/metrics`). No auth: these
//! are for probes and scrapers.

use actix_web::{HttpResponse, web};
use serde_json::json;

use crate::routes::resource;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz", "GET").route(web::get().to(healthz)))
        .service(resource("/readyz", "GET").route(web::get().to(readyz)))
        .service(resource("/metrics", "GET").route(web::get().to(metrics)));
}

async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok", "version": env!("CARGO_PKG_VERSION")}))
}

async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let components = state.readiness.snapshot();
    let ready = !components.is_empty() && components.values().all(|up| *up);
    let checks: serde_json::Map<String, serde_json::Value> = components
        .into_iter()
        .map(|(name, up)| (name.to_string(), json!(if up { "up" } else { "down" })))
        .collect();
    let body = json!({"status": if ready { "ready" } else { "not_ready" }, "checks": checks});
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

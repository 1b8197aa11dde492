//! Liveness (`/healthz`), readiness (`/readyz`) and Prometheus metrics (`/metrics`). No auth: these
//! are for probes and scrapers.

use actix_web::{HttpResponse, web};
use std::collections::BTreeMap;

use serde_json::{Value, json};

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
    let (ready, body) = readiness_report(state.readiness.snapshot());
    if ready {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Ready only when at least one component reported and every one is up (a stopped worker means
/// webhooks or scheduled changes would silently not happen).
fn readiness_report(components: BTreeMap<&'static str, bool>) -> (bool, Value) {
    let ready = !components.is_empty() && components.values().all(|up| *up);
    let checks: serde_json::Map<String, Value> = components
        .into_iter()
        .map(|(name, up)| (name.to_string(), json!(if up { "up" } else { "down" })))
        .collect();
    let body = json!({"status": if ready { "ready" } else { "not_ready" }, "checks": checks});
    (ready, body)
}

async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; version=0.0.4; charset=utf-8")
        .body(state.metrics.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_component_down_means_not_ready() {
        let (ready, body) =
            readiness_report(BTreeMap::from([("settings", true), ("scheduler", false)]));
        assert!(!ready);
        assert_eq!(
            body,
            json!({"status": "not_ready", "checks": {"settings": "up", "scheduler": "down"}})
        );
        let (ready, _) = readiness_report(BTreeMap::new());
        assert!(!ready, "nothing reported yet is not ready");
        let (ready, body) = readiness_report(BTreeMap::from([("settings", true)]));
        assert!(ready);
        assert_eq!(body["status"], "ready");
    }
}

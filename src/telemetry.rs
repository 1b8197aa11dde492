//! Logging: one global tracing subscriber, pretty for humans or JSON for log pipelines.

use std::io::IsTerminal;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web;
use tracing::Instrument;
use tracing_subscriber::EnvFilter;
use uuid::Uuid;

use crate::metrics::UNMATCHED_ROUTE;
use crate::settings::{LogFormat, LogSettings};
use crate::state::AppState;

/// Installs the global subscriber. Safe to call more than once (later calls are ignored), which
/// lets tests start several apps in one process.
pub fn init(log: &LogSettings) {
    // The level was checked when settings were loaded; fall back to "info" all the same.
    let filter = EnvFilter::builder()
        .parse(&log.level)
        .unwrap_or_else(|_| EnvFilter::new("info"));
    let result = match log.format {
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .with_writer(std::io::stdout)
            .try_init(),
        LogFormat::Pretty => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_ansi(std::io::stdout().is_terminal())
            .with_target(false)
            .with_writer(std::io::stdout)
            .try_init(),
    };
    // An error only means a subscriber is already installed (tests); that one keeps working.
    let _ = result;
}

/// Response header carrying the request id (taken from the request when it sends a sane one).
pub const REQUEST_ID_HEADER: &str = "x-request-id";

fn incoming_request_id(req: &ServiceRequest) -> Option<String> {
    let value = req.headers().get(REQUEST_ID_HEADER)?.to_str().ok()?;
    let sane =
        !value.is_empty() && value.len() <= 128 && value.bytes().all(|b| b.is_ascii_graphic());
    sane.then(|| value.to_string())
}

/// Middleware: one span per request (method, route, status, latency, request id), the
/// `x-request-id` response header, and the HTTP request metrics labelled by route template.
pub async fn observe(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let request_id = incoming_request_id(&req).unwrap_or_else(|| Uuid::new_v4().to_string());
    let method = req.method().to_string();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| s.metrics.clone());
    let span = tracing::info_span!(
        "request",
        method = %method,
        path = %req.path(),
        route = tracing::field::Empty,
        status = tracing::field::Empty,
        latency_ms = tracing::field::Empty,
        request_id = %request_id,
    );
    let start = Instant::now();
    let mut res = next.call(req).instrument(span.clone()).await?;
    let elapsed = start.elapsed();

    let route = res
        .request()
        .match_pattern()
        .unwrap_or_else(|| UNMATCHED_ROUTE.to_string());
    let status = res.status().as_u16();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        res.headers_mut()
            .insert(HeaderName::from_static(REQUEST_ID_HEADER), value);
    }
    if let Some(metrics) = metrics {
        metrics.observe_request(&method, &route, status, elapsed.as_secs_f64());
    }
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    span.record("route", route.as_str());
    span.record("status", status);
    span.record("latency_ms", latency_ms);
    // Probes and scrapes are frequent and boring: keep them out of the default log level.
    let quiet = matches!(route.as_str(), "/healthz" | "/readyz" | "/metrics");
    span.in_scope(|| {
        if quiet {
            tracing::debug!("request served");
        } else if status >= 500 {
            tracing::error!("request failed");
        } else {
            tracing::info!("request served");
        }
    });
    Ok(res)
}

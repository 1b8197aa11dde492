//! Routing helpers shared by every route module: resources that answer 405 (with `Allow`) for a
//! known path with the wrong method, the app-wide 404, and the guarantees that actix-web's own
//! extractor errors come out in the API family's JSON envelope instead of text/plain.

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use actix_web::middleware::Next;
use actix_web::{HttpRequest, HttpResponse, Resource, ResponseError, web};
use serde_json::json;

use crate::error::{ApiError, Family};

/// A resource whose unmatched methods get 405 in the path's error envelope. `allow` lists the
/// methods the caller registers on it (it is sent as the `Allow` header).
pub fn resource(path: &str, allow: &'static str) -> Resource {
    web::resource(path).default_service(web::to(move |req: HttpRequest| async move {
        Err::<HttpResponse, _>(ApiError::method_not_allowed(
            Family::of(req.path()),
            req.method().as_str(),
            allow,
        ))
    }))
}

/// Unknown paths: JSON 404 in the family's envelope on API paths, an HTML page elsewhere.
pub async fn not_found(req: HttpRequest) -> HttpResponse {
    match Family::for_path(req.path()) {
        Some(family) => {
            let message = match family {
                Family::Webhooks => "The specified resource was not found".to_string(),
                Family::Leap => format!("No such endpoint: {} {}", req.method(), req.path()),
            };
            ApiError::not_found(family, message)
                .with_details(json!({"path": req.path()}))
                .error_response()
        }
        None => crate::flow::not_found_page(&req),
    }
}

/// Error handlers for actix-web's built-in extractors (`web::Json`, `web::Query`, `web::Path`,
/// `web::Form`), so a handler that uses them still answers in Leap's envelope, and so the JSON
/// limit is `limits.max_body_bytes` like our own [`crate::extract::Json`].
pub fn extractor_configs(cfg: &mut web::ServiceConfig, max_body_bytes: usize) {
    use actix_web::error::JsonPayloadError;
    cfg.app_data(
        web::JsonConfig::default()
            .limit(max_body_bytes)
            .error_handler(move |err, req| {
                let family = Family::of(req.path());
                match err {
                    JsonPayloadError::Overflow { .. }
                    | JsonPayloadError::OverflowKnownLength { .. } => {
                        ApiError::payload_too_large(family, max_body_bytes)
                    }
                    JsonPayloadError::ContentType => ApiError::unsupported_media_type(
                        family,
                        &crate::extract::content_type(req),
                        "application/json",
                    ),
                    other => ApiError::bad_request(
                        family,
                        format!("Malformed JSON in request body: {other}"),
                    ),
                }
                .into()
            }),
    )
    .app_data(web::QueryConfig::default().error_handler(|err, req| {
        ApiError::bad_request(
            Family::of(req.path()),
            format!("Invalid query string: {err}"),
        )
        .into()
    }))
    .app_data(web::PathConfig::default().error_handler(|err, req| {
        ApiError::bad_request(Family::of(req.path()), format!("Invalid path: {err}")).into()
    }))
    .app_data(
        web::FormConfig::default()
            .limit(max_body_bytes)
            .error_handler(|err, req| {
                let status = err.status_code();
                ApiError::new(
                    Family::of(req.path()),
                    status,
                    format!("Invalid form body: {err}"),
                )
                .into()
            }),
    );
}

/// Error bodies longer than this are not worth quoting in an envelope.
const MAX_QUOTED_ERROR: usize = 4096;

/// Middleware, the safety net behind [`extractor_configs`]: on an API path, an error response
/// that is not JSON (an actix-web default error, `PayloadConfig`, a handler returning
/// `actix_web::error::ErrorBadRequest`) is re-rendered in the path's envelope with the same status
/// and headers, quoting the original text as the message. HTML pages are left alone.
pub async fn json_errors_on_api_paths(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let family = Family::for_path(req.path());
    let res = next.call(req).await?;
    let status = res.status();
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| crate::extract::is_json(&v.trim().to_ascii_lowercase()));
    let Some(family) = family.filter(|_| status.as_u16() >= 400 && !is_json) else {
        return Ok(res.map_into_boxed_body());
    };
    let (req, res) = res.into_parts();
    let (head, body) = res.into_parts();
    let text = match actix_web::body::to_bytes_limited(body, MAX_QUOTED_ERROR).await {
        Ok(Ok(bytes)) => String::from_utf8_lossy(&bytes).trim().to_string(),
        _ => String::new(),
    };
    let message = if text.is_empty() {
        status.canonical_reason().unwrap_or("Error").to_string()
    } else {
        text
    };
    let mut response = ApiError::new(family, status, message).error_response();
    for (name, value) in head.headers() {
        if name != CONTENT_TYPE && name != CONTENT_LENGTH {
            response.headers_mut().insert(name.clone(), value.clone());
        }
    }
    Ok(ServiceResponse::new(req, response))
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::middleware::from_fn;
    use actix_web::{App, test};
    use serde_json::Value;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        page_size: u32,
    }

    async fn json_and_query(_: web::Json<Value>, _: web::Query<Page>) -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    async fn plain_error() -> actix_web::Result<HttpResponse> {
        Err(actix_web::error::ErrorBadRequest("plain text problem"))
    }

    async fn call(req: test::TestRequest) -> (u16, String, Value) {
        let app = test::init_service(
            App::new()
                .configure(|cfg| extractor_configs(cfg, 64))
                .wrap(from_fn(json_errors_on_api_paths))
                .route("/v2/things", web::post().to(json_and_query))
                .route("/v1.1/webhooks", web::post().to(json_and_query))
                .route("/v2/plain", web::get().to(plain_error))
                .route("/page", web::get().to(plain_error)),
        )
        .await;
        let res = test::call_service(&app, req.to_request()).await;
        let status = res.status().as_u16();
        let content_type = res
            .headers()
            .get(CONTENT_TYPE)
            .map(|v| v.to_str().unwrap_or_default().to_string())
            .unwrap_or_default();
        let body = test::read_body(res).await;
        let json = serde_json::from_slice(&body).unwrap_or(Value::Null);
        (status, content_type, json)
    }

    #[actix_web::test]
    async fn actix_extractor_errors_use_the_family_envelope() {
        let post = |path: &str| test::TestRequest::post().uri(path);
        let cases = [
            (
                post("/v2/things?page_size=1")
                    .insert_header((CONTENT_TYPE, "application/json"))
                    .set_payload("{oops"),
                400,
            ),
            (post("/v2/things?page_size=x").set_json(json!({})), 400),
            (
                post("/v2/things?page_size=1")
                    .insert_header((CONTENT_TYPE, "text/plain"))
                    .set_payload("{}"),
                415,
            ),
            (
                post("/v2/things?page_size=1").set_json(json!({"pad": "x".repeat(100)})),
                413,
            ),
        ];
        for (req, expected) in cases {
            let (status, content_type, body) = call(req).await;
            assert_eq!(status, expected, "{body}");
            assert_eq!(content_type, "application/json");
            assert_eq!(body["status"], expected, "{body}");
            assert!(
                body["title"].as_str().is_some_and(|t| !t.is_empty()),
                "{body}"
            );
        }
        let (status, _, body) = call(
            post("/v1.1/webhooks?page_size=1")
                .set_payload("{oops")
                .insert_header((CONTENT_TYPE, "application/json")),
        )
        .await;
        assert_eq!(status, 400);
        assert_eq!(body["error"], "Bad Request", "{body}");
    }

    #[actix_web::test]
    async fn plain_text_errors_are_rewrapped_on_api_paths_only() {
        let (status, content_type, body) = call(test::TestRequest::get().uri("/v2/plain")).await;
        assert_eq!((status, content_type.as_str()), (400, "application/json"));
        assert_eq!(
            body,
            json!({"title": "plain text problem", "status": 400, "details": {}})
        );
        let (status, content_type, _) = call(test::TestRequest::get().uri("/page")).await;
        assert_eq!(status, 400);
        assert!(content_type.starts_with("text/plain"), "{content_type}");
    }
}

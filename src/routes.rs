//! Routing helpers shared by every route module: resources that answer 405 (with `Allow`) for a
//! known path with the wrong method, and the app-wide 404.

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

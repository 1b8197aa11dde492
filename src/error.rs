//! API errors rendered in Leap's envelopes. Leap uses a different error body per API family:
//!
//! * Meters v2, Enrollments v2, Create Meters v1.1 (and, by our choice, the Connect API and the
//!   mock-only `/_mock` API): `{"title": ..., "status": ..., "details": {...}}`
//! * Webhooks v1.1: `{"error": "<reason phrase>", "message": ...}`
//!
//! The family is decided by the request path, so every error on a path — from routing, auth,
//! body parsing or a handler — comes out in the same envelope.

use actix_web::http::StatusCode;
use actix_web::http::header::{ALLOW, HeaderValue};
use actix_web::{HttpResponse, ResponseError};
use serde_json::{Value, json};

/// Which error envelope a path answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `{title, status, details}`.
    Leap,
    /// `{error, message}`.
    Webhooks,
}

impl Family {
    /// The family of an API path, or `None` for the HTML pages (Connect flow, landing pages).
    pub fn for_path(path: &str) -> Option<Family> {
        let under = |prefix: &str| {
            path == prefix
                || path
                    .strip_prefix(prefix)
                    .is_some_and(|rest| rest.starts_with('/'))
        };
        if under("/v1.1/webhooks") {
            Some(Family::Webhooks)
        } else if under("/v1")
            || under("/v1.1")
            || under("/v2")
            || under("/_mock")
            || matches!(path, "/healthz" | "/readyz" | "/metrics")
        {
            Some(Family::Leap)
        } else {
            None
        }
    }

    /// Like [`Family::for_path`], with HTML paths treated as Leap JSON (for errors raised by JSON
    /// extractors, which only run on API routes).
    pub fn of(path: &str) -> Family {
        Self::for_path(path).unwrap_or(Family::Leap)
    }
}

/// An error answered to an API client. Build it with the constructors; it renders itself.
#[derive(Debug, Clone)]
pub struct ApiError {
    family: Family,
    status: StatusCode,
    message: String,
    details: Value,
    /// A complete body that replaces the envelope (Leap's single-create 400 has its own shape).
    body: Option<Value>,
    allow: Option<&'static str>,
}

impl ApiError {
    pub fn new(family: Family, status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            family,
            status,
            message: message.into(),
            details: json!({}),
            body: None,
            allow: None,
        }
    }

    /// Extra information for the `details` member of the Leap envelope (ignored by the webhook
    /// envelope, which has no such member).
    pub fn with_details(mut self, details: Value) -> Self {
        self.details = details;
        self
    }

    /// An exact response body, for operations whose error shape is not an envelope.
    pub fn with_body(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    pub fn bad_request(family: Family, message: impl Into<String>) -> Self {
        Self::new(family, StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(family: Family) -> Self {
        let message = match family {
            Family::Leap => "Unauthorized",
            Family::Webhooks => "Auth token is invalid",
        };
        Self::new(family, StatusCode::UNAUTHORIZED, message)
    }

    pub fn forbidden(family: Family) -> Self {
        let message = match family {
            Family::Leap => "You do not have the necessary permissions for this operation",
            Family::Webhooks => "You do not have permission to perform this action",
        };
        Self::new(family, StatusCode::FORBIDDEN, message)
    }

    pub fn not_found(family: Family, message: impl Into<String>) -> Self {
        Self::new(family, StatusCode::NOT_FOUND, message)
    }

    pub fn method_not_allowed(family: Family, method: &str, allow: &'static str) -> Self {
        let mut e = Self::new(
            family,
            StatusCode::METHOD_NOT_ALLOWED,
            format!("Method {method} is not allowed here; allowed: {allow}"),
        )
        .with_details(json!({"method": method, "allowed": allow}));
        e.allow = Some(allow);
        e
    }

    pub fn payload_too_large(family: Family, limit: usize) -> Self {
        Self::new(
            family,
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("Request body is larger than the limit of {limit} bytes"),
        )
        .with_details(json!({"max_body_bytes": limit}))
    }

    pub fn unsupported_media_type(family: Family, got: &str, expected: &str) -> Self {
        Self::new(
            family,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type {got:?} is not supported here; send {expected}"),
        )
        .with_details(json!({"content_type": got, "expected": expected}))
    }

    pub fn internal(family: Family) -> Self {
        Self::new(family, StatusCode::INTERNAL_SERVER_ERROR, "")
    }

    pub fn family(&self) -> Family {
        self.family
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    fn body(&self) -> Value {
        if let Some(body) = &self.body {
            return body.clone();
        }
        let reason = self.status.canonical_reason().unwrap_or("Error");
        match (self.family, self.status) {
            // Leap's meters services answer 500 with a bare JSON string.
            (Family::Leap, StatusCode::INTERNAL_SERVER_ERROR) => {
                json!("An error happened whilst processing your request")
            }
            (Family::Webhooks, StatusCode::INTERNAL_SERVER_ERROR) => {
                json!({"error": reason, "message": "An unexpected error occurred"})
            }
            (Family::Leap, status) => json!({
                "title": self.message,
                "status": status.as_u16(),
                "details": self.details,
            }),
            (Family::Webhooks, _) => json!({"error": reason, "message": self.message}),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.message)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let mut response = HttpResponse::build(self.status);
        if let Some(allow) = self.allow {
            response.insert_header((ALLOW, HeaderValue::from_static(allow)));
        }
        response.json(self.body())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn families_by_path() {
        assert_eq!(Family::for_path("/v1.1/webhooks"), Some(Family::Webhooks));
        assert_eq!(
            Family::for_path("/v1.1/webhooks/x/test"),
            Some(Family::Webhooks)
        );
        assert_eq!(Family::for_path("/v1.1/webhooksfoo"), Some(Family::Leap));
        assert_eq!(Family::for_path("/v2/meters/x"), Some(Family::Leap));
        assert_eq!(Family::for_path("/v1/connections"), Some(Family::Leap));
        assert_eq!(Family::for_path("/_mock/events"), Some(Family::Leap));
        assert_eq!(Family::for_path("/demo/ca-utilities/"), None);
        assert_eq!(Family::for_path("/v2x"), None);
    }

    #[test]
    fn envelopes() {
        let e = ApiError::not_found(Family::Leap, "Meter not found")
            .with_details(json!({"meter_id": "x"}));
        assert_eq!(
            e.body(),
            json!({"title": "Meter not found", "status": 404, "details": {"meter_id": "x"}})
        );
        let e = ApiError::not_found(Family::Webhooks, "The specified resource was not found");
        assert_eq!(
            e.body(),
            json!({"error": "Not Found", "message": "The specified resource was not found"})
        );
        assert_eq!(
            ApiError::internal(Family::Leap).body(),
            json!("An error happened whilst processing your request")
        );
    }
}

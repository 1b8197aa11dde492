//! Request-body extractors that enforce `limits.max_body_bytes` and report problems in the API
//! family's envelope: 413 over the limit, 415 for a wrong Content-Type, 400 naming the field at
//! fault for malformed or mistyped JSON.

use std::future::Future;
use std::pin::Pin;

use actix_web::http::header::CONTENT_TYPE;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};
use futures_util::StreamExt;
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::error::{ApiError, Family};
use crate::state::AppState;

/// A JSON request body, deserialised into `T`.
pub struct Json<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Json<T> {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let family = Family::of(req.path());
            let content_type = content_type(&req);
            if !content_type.is_empty() && !is_json(&content_type) {
                return Err(ApiError::unsupported_media_type(
                    family,
                    &content_type,
                    "application/json",
                ));
            }
            let body = read_body(&req, &mut payload).await?;
            parse_json(&body, family).map(Json)
        })
    }
}

/// A raw request body (e.g. a CSV upload), limited like any other.
pub struct RawBody {
    pub content_type: String,
    pub bytes: Bytes,
}

impl FromRequest for RawBody {
    type Error = ApiError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, ApiError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let req = req.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            let bytes = read_body(&req, &mut payload).await?;
            Ok(RawBody {
                content_type: content_type(&req),
                bytes,
            })
        })
    }
}

/// The request's media type, lower-cased and without parameters ("" when absent).
pub fn content_type(req: &HttpRequest) -> String {
    req.headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| v.trim().to_ascii_lowercase())
        .unwrap_or_default()
}

pub fn is_json(media_type: &str) -> bool {
    media_type == "application/json" || media_type.ends_with("+json")
}

fn body_limit(req: &HttpRequest) -> usize {
    req.app_data::<web::Data<AppState>>()
        .map(|s| s.settings.limits.max_body_bytes)
        .unwrap_or(10 * 1024 * 1024)
}

/// Reads the whole body, refusing (413) as soon as it exceeds the configured limit.
pub async fn read_body(req: &HttpRequest, payload: &mut Payload) -> Result<Bytes, ApiError> {
    let family = Family::of(req.path());
    let limit = body_limit(req);
    let declared = req
        .headers()
        .get(actix_web::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|len| len > limit) {
        return Err(ApiError::payload_too_large(family, limit));
    }
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            ApiError::bad_request(family, format!("Could not read the request body: {e}"))
        })?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::payload_too_large(family, limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// Parses JSON, naming the field at fault (`assets[2].customer.postal_code`) when it fails.
pub fn parse_json<T: DeserializeOwned>(body: &[u8], family: Family) -> Result<T, ApiError> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::bad_request(
            family,
            "Request body is empty; expected a JSON object",
        ));
    }
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let syntax = matches!(
            inner.classify(),
            serde_json::error::Category::Syntax | serde_json::error::Category::Eof
        );
        if syntax {
            ApiError::bad_request(family, format!("Malformed JSON in request body: {inner}"))
                .with_details(json!({"error": inner.to_string()}))
        } else if path == "." {
            ApiError::bad_request(family, format!("Invalid request body: {inner}"))
                .with_details(json!({"error": inner.to_string()}))
        } else {
            ApiError::bad_request(family, format!("Invalid value for `{path}`: {inner}"))
                .with_details(json!({"field": path, "error": inner.to_string()}))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Inner {
        n: u8,
    }
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }

    #[test]
    fn names_the_field_at_fault() {
        let err = parse_json::<Outer>(br#"{"items":[{"n":1},{"n":"x"}]}"#, Family::Leap)
            .expect_err("type error");
        assert!(err.message().contains("items[1].n"), "{}", err.message());
        let err = parse_json::<Outer>(b"{\"items\": [", Family::Leap).expect_err("syntax");
        assert!(
            err.message().starts_with("Malformed JSON"),
            "{}",
            err.message()
        );
        let err = parse_json::<Outer>(b"  ", Family::Leap).expect_err("empty");
        assert!(err.message().contains("empty"));
    }
}

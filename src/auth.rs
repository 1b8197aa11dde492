//! Request authentication: `Authorization: Bearer <key>` -> the org the key belongs to, and the
//! optional admin token on `/_mock/*`.
//!
//! Leap's rule, as the reference gives it: a missing or malformed header is 401; a key Leap does
//! not know is 403. Errors come out in the envelope of the API family of the path.

use std::future::{Ready, ready};
use std::sync::Arc;

use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpRequest, dev::Payload, web};

use crate::error::{ApiError, Family};
use crate::state::AppState;
use crate::tenants::Tenant;

/// The org whose API key authenticated this request.
pub struct Org(pub Arc<Tenant>);

impl std::ops::Deref for Org {
    type Target = Tenant;
    fn deref(&self) -> &Tenant {
        &self.0
    }
}

/// The bearer token of a request: `Ok(None)` when the header is absent, `Err` when malformed.
fn bearer_token(req: &HttpRequest) -> Result<Option<&str>, ()> {
    let Some(value) = req.headers().get(AUTHORIZATION) else {
        return Ok(None);
    };
    let value = value.to_str().map_err(|_| ())?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(())?;
    let token = token.trim();
    if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
        return Err(());
    }
    Ok(Some(token))
}

fn state(req: &HttpRequest) -> Result<&web::Data<AppState>, ApiError> {
    req.app_data::<web::Data<AppState>>()
        .ok_or_else(|| ApiError::internal(Family::of(req.path())))
}

impl FromRequest for Org {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let family = Family::of(req.path());
        let result = (|| {
            let state = state(req)?;
            let token = match bearer_token(req) {
                Ok(Some(token)) => token,
                _ => return Err(ApiError::unauthorized(family)),
            };
            state
                .tenants
                .by_key(token)
                .cloned()
                .map(Org)
                .ok_or_else(|| ApiError::forbidden(family))
        })();
        ready(result)
    }
}

/// Passes when `admin.token` is empty or the request carries it as a bearer token.
pub struct Admin;

impl FromRequest for Admin {
    type Error = ApiError;
    type Future = Ready<Result<Self, ApiError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let result = (|| {
            let state = state(req)?;
            let expected = state.settings.admin.token.as_str();
            if expected.is_empty() {
                return Ok(Admin);
            }
            match bearer_token(req) {
                Ok(Some(token)) if token == expected => Ok(Admin),
                Ok(Some(_)) => Err(ApiError::forbidden(Family::Leap)
                    .with_details(serde_json::json!({"hint": "the admin token (setting admin.token) is required on /_mock"}))),
                _ => Err(ApiError::unauthorized(Family::Leap)
                    .with_details(serde_json::json!({"hint": "send Authorization: Bearer <admin.token> on /_mock"}))),
            }
        })();
        ready(result)
    }
}

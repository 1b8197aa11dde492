//! What every Connect page needs from the request: the org, the original query string (kept
//! untouched and carried from page to page in the URLs, so the final redirect can pass it on),
//! the refId, and form bodies read with a size limit.

use std::sync::Arc;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use futures_util::StreamExt;

use super::pages::{OrgNotFound, bad_request};
use super::render;
use crate::domain::connect::RefId;
use crate::domain::validate::PARTNER_REFERENCE_FORBIDDEN;
use crate::state::AppState;
use crate::tenants::Tenant;

/// Longest original query string accepted (Leap's links are short; this stops abuse).
pub const MAX_QUERY_BYTES: usize = 2048;
/// Longest form body accepted.
pub const MAX_FORM_BYTES: usize = 8 * 1024;
/// Longest single form value accepted; longer ones get a 400 page, not a field error.
pub const MAX_FIELD_CHARS: usize = 256;

pub struct Ctx {
    pub tenant: Arc<Tenant>,
    pub org: String,
    /// The query string of the link the customer opened, exactly as received.
    pub query: String,
    pub ref_id: Option<RefId>,
    /// Every `requestedUtilities` value, as given.
    pub requested: Vec<String>,
}

impl Ctx {
    /// The org's page context, or the page to answer instead (404 unknown org, 400 bad link).
    pub fn new(state: &AppState, req: &HttpRequest, org: &str) -> Result<Ctx, Box<HttpResponse>> {
        let Some(tenant) = state.tenants.by_name(org).cloned() else {
            return Err(Box::new(org_not_found(state, org)));
        };
        let query = req.query_string().to_string();
        if query.len() > MAX_QUERY_BYTES {
            return Err(Box::new(bad_request(
                StatusCode::BAD_REQUEST,
                "This link is too long",
                format!(
                    "The link's query string is {} bytes; Connect links are limited to {MAX_QUERY_BYTES}.",
                    query.len()
                ),
                Some("Shorten the refId or the extra parameters and open the link again.".into()),
            )));
        }
        let pairs: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        let value_of = |name: &str| {
            pairs
                .iter()
                .find(|(k, v)| k == name && !v.is_empty())
                .map(|(_, v)| v.clone())
        };
        // Older Leap quickstarts spelled it `ref-id`; current links use `refId`.
        let ref_id = match value_of("refId").or_else(|| value_of("ref-id")) {
            None => None,
            Some(raw) => {
                Some(RefId::parse(&raw).map_err(|reason| Box::new(invalid_ref_id(&raw, &reason)))?)
            }
        };
        let requested = pairs
            .iter()
            .filter(|(k, _)| k == "requestedUtilities")
            .map(|(_, v)| v.clone())
            .collect();
        Ok(Ctx {
            tenant,
            org: org.to_string(),
            query,
            ref_id,
            requested,
        })
    }

    /// `path` with the original query string.
    pub fn with_query(&self, path: &str) -> String {
        if self.query.is_empty() {
            path.to_string()
        } else {
            format!("{path}?{}", self.query)
        }
    }

    pub fn ref_str(&self) -> Option<String> {
        self.ref_id.as_ref().map(ToString::to_string)
    }

    /// The org's final redirect URL carrying every parameter of the original link, and nothing
    /// else (LEAP-API.md 5.2).
    pub fn final_redirect(&self) -> String {
        final_redirect(&self.tenant.redirect_url, &self.query)
    }
}

/// `redirect_url` plus the original query (after any query the URL has of its own).
pub fn final_redirect(redirect_url: &str, query: &str) -> String {
    if query.is_empty() {
        return redirect_url.to_string();
    }
    match url::Url::parse(redirect_url) {
        Ok(mut url) => {
            let joined = match url.query() {
                Some(own) if !own.is_empty() => format!("{own}&{query}"),
                _ => query.to_string(),
            };
            url.set_query(Some(&joined));
            url.to_string()
        }
        // Settings validation only lets absolute URLs through; keep a sane answer anyway.
        Err(_) => format!("{redirect_url}?{query}"),
    }
}

fn invalid_ref_id(raw: &str, reason: &str) -> HttpResponse {
    let shown: String = raw.chars().take(80).collect();
    let ellipsis = if raw.chars().count() > 80 { "…" } else { "" };
    bad_request(
        StatusCode::BAD_REQUEST,
        "This link's refId is not valid",
        format!("The refId \"{shown}{ellipsis}\" {reason}."),
        Some(format!(
            "Leap carries the refId as partner_reference: 3 to 256 characters, none of {}. Fix the link and open it again.",
            PARTNER_REFERENCE_FORBIDDEN
                .chars()
                .map(|c| c.to_string())
                .collect::<Vec<_>>()
                .join(" ")
        )),
    )
}

/// The 404 page for an org that is not configured, saying how to configure one.
pub fn org_not_found(state: &AppState, org: &str) -> HttpResponse {
    let valid = crate::settings::is_valid_org_name(org);
    render(
        StatusCode::NOT_FOUND,
        &OrgNotFound {
            org: org.chars().take(80).collect(),
            env_name: if valid {
                org.to_uppercase()
            } else {
                "<NAME>".into()
            },
            toml_name: if valid {
                org.to_string()
            } else {
                "<name>".into()
            },
            known: state.tenants.names().map(str::to_string).collect(),
        },
    )
}

/// Reads a url-encoded form body: 413 page past [`MAX_FORM_BYTES`], 400 page for a value longer
/// than [`MAX_FIELD_CHARS`].
pub async fn read_form(
    mut payload: web::Payload,
) -> Result<Vec<(String, String)>, Box<HttpResponse>> {
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| {
            Box::new(bad_request(
                StatusCode::BAD_REQUEST,
                "The form could not be read",
                e.to_string(),
                None,
            ))
        })?;
        if body.len() + chunk.len() > MAX_FORM_BYTES {
            return Err(Box::new(bad_request(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The form is too large",
                format!("Forms on these pages are limited to {MAX_FORM_BYTES} bytes."),
                Some("Go back and shorten what you typed.".into()),
            )));
        }
        body.extend_from_slice(&chunk);
    }
    let pairs: Vec<(String, String)> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    if let Some((name, value)) = pairs
        .iter()
        .find(|(_, v)| v.chars().count() > MAX_FIELD_CHARS)
    {
        let name: String = name.chars().take(40).collect();
        return Err(Box::new(bad_request(
            StatusCode::BAD_REQUEST,
            "A value is too long",
            format!(
                "The field \"{name}\" has {} characters; the limit is {MAX_FIELD_CHARS}.",
                value.chars().count()
            ),
            Some("Go back and shorten it.".into()),
        )));
    }
    Ok(pairs)
}

/// The first value of a form field.
pub fn field<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

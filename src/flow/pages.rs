//! The askama page types (one per template in `templates/`) and small helpers to answer with
//! them. Askama escapes every value, so customer input can be shown as typed.

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header::LOCATION;
use askama::Template;

use super::render;

#[derive(Template)]
#[template(path = "test_utility.html")]
pub struct TestUtilityMenu {
    pub org: String,
    pub iso: &'static str,
    pub ref_id: Option<String>,
    pub action: String,
    pub back_href: String,
    pub groups: Vec<CaseGroup>,
    pub error: Option<String>,
}

pub struct CaseGroup {
    pub title: &'static str,
    pub cases: Vec<CaseOption>,
}

pub struct CaseOption {
    pub id: String,
    pub label: String,
    pub description: String,
    pub ends_on: &'static str,
    pub checked: bool,
}

#[derive(Template)]
#[template(path = "selector.html")]
pub struct Selector {
    pub org: String,
    pub region: &'static str,
    pub ref_id: Option<String>,
    pub action: String,
    pub utilities: Vec<UtilityOption>,
    pub ignored: Vec<String>,
    pub error: Option<String>,
}

pub struct UtilityOption {
    pub value: &'static str,
    pub label: &'static str,
    pub hint: &'static str,
    pub required: bool,
}

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorPage {
    pub org: String,
    pub ref_id: Option<String>,
    pub headline: String,
    pub message: String,
    pub detail: Option<String>,
    pub confirm_action: String,
}

#[derive(Template)]
#[template(path = "address.html")]
pub struct AddressPage {
    pub org: String,
    pub ref_id: Option<String>,
    pub action: String,
    pub fields: Vec<AddressField>,
    pub errors: Vec<String>,
}

pub struct AddressField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub autocomplete: &'static str,
    pub required: bool,
    pub hint: Option<&'static str>,
    pub error: Option<String>,
    /// Ids of the hint and error paragraphs, for `aria-describedby`.
    pub described_by: Option<String>,
}

#[derive(Template)]
#[template(path = "pjm_login.html")]
pub struct PjmLogin {
    pub org: String,
    pub ref_id: Option<String>,
    pub action: String,
    pub back_href: String,
}

#[derive(Template)]
#[template(path = "pjm_unavailable.html")]
pub struct PjmUnavailable {
    pub org: String,
    pub ref_id: Option<String>,
    pub confirm_action: String,
}

#[derive(Template)]
#[template(path = "org_index.html")]
pub struct OrgIndex {
    pub org: String,
    pub utilities: Vec<Link>,
    pub flows: Vec<Link>,
}

pub struct Link {
    pub label: String,
    pub href: String,
}

#[derive(Template)]
#[template(path = "org_not_found.html")]
pub struct OrgNotFound {
    pub org: String,
    pub env_name: String,
    pub toml_name: String,
    pub known: Vec<String>,
}

#[derive(Template)]
#[template(path = "bad_request.html")]
pub struct BadRequest {
    pub title: String,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Template)]
#[template(path = "not_found.html")]
pub struct NotFound {
    pub path: String,
    pub hint: Option<String>,
}

/// Post/redirect/get: 303 to `location`.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((LOCATION, location))
        .insert_header(("cache-control", "no-store"))
        .finish()
}

/// A polite error page (400 by default).
pub fn bad_request(
    status: StatusCode,
    title: impl Into<String>,
    message: impl Into<String>,
    hint: Option<String>,
) -> HttpResponse {
    render(
        status,
        &BadRequest {
            title: title.into(),
            message: message.into(),
            hint,
        },
    )
}

/// A 404 page for a path under a known org.
pub fn not_found(path: &str, hint: Option<String>) -> HttpResponse {
    render(
        StatusCode::NOT_FOUND,
        &NotFound {
            path: path.to_string(),
            hint,
        },
    )
}

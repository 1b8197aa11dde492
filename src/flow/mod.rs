//! Customer-facing HTML pages: the Leap Connect flows and the Staging Test Utilities under
//! `/<org>/...`, the org's link index, the built-in final-redirect landing page, the stylesheet
//! and the HTML 404. Server-rendered, no JavaScript; forms POST and answer 303.
//!
//! Every page keeps the query string of the link the customer opened in its own URL (form
//! actions and redirects carry it), so the final redirect can pass it on unchanged. Paths whose
//! first segment belongs to an API (`/v1`, `/v1.1`, `/v2`, `/_mock`) never reach these pages:
//! they answer the API's JSON 404.

pub mod address;
mod connect;
mod pages;
pub mod request;
pub mod test_utility;
pub mod utilities;

use actix_web::http::StatusCode;
use actix_web::http::header::ALLOW;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::error::Family;
use crate::routes::resource;
use crate::scenarios::Iso;
use crate::state::AppState;
use connect::Flow;
use request::Ctx;
use test_utility::TestUtility;

const STYLESHEET: &str = include_str!("../../static/style.css");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/_mock/static/style.css", "GET").route(web::get().to(stylesheet)))
        .service(resource("/_mock/redirect-landing", "GET").route(web::get().to(redirect_landing)))
        .service(page_resource("/{org}", "GET").route(web::get().to(org_index)))
        // The same page with a trailing slash, as `/<org>/<flow>` and `/<org>/<flow>/` are one page.
        .service(page_resource("/{org}/", "GET").route(web::get().to(org_index)))
        .service(
            page_resource("/{org}/{slug}", "GET, POST")
                .route(web::get().to(dispatch))
                .route(web::post().to(dispatch)),
        )
        .service(
            page_resource("/{org}/{slug}/{tail:.*}", "GET, POST")
                .route(web::get().to(dispatch))
                .route(web::post().to(dispatch)),
        );
}

/// A catch-all page resource: API-looking paths get the API's JSON 404, other unmatched methods
/// an HTML 405.
fn page_resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move |req: HttpRequest| async move {
        if Family::for_path(req.path()).is_some() {
            return crate::routes::not_found(req).await;
        }
        let mut response = pages::bad_request(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            format!("{} is not allowed here; use {allow}.", req.method()),
            None,
        );
        if let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow) {
            response.headers_mut().insert(ALLOW, value);
        }
        response
    }))
}

/// Renders a template into an HTML response; a template error (a bug) becomes a plain 500.
pub fn render(status: StatusCode, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
            .insert_header(("cache-control", "no-store"))
            .body(html),
        Err(e) => {
            tracing::error!(error = %e, "template failed to render");
            HttpResponse::InternalServerError()
                .content_type("text/plain; charset=utf-8")
                .body("page could not be rendered")
        }
    }
}

async fn stylesheet() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header(("cache-control", "public, max-age=3600"))
        .body(STYLESHEET)
}

#[derive(Template)]
#[template(path = "redirect_landing.html")]
struct RedirectLanding {
    ref_id: Option<String>,
    params: Vec<(String, String)>,
}

/// The default final redirect target: shows every query parameter it received, in order.
async fn redirect_landing(req: HttpRequest) -> HttpResponse {
    let params: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let ref_id = params
        .iter()
        .find(|(k, _)| k == "refId")
        .map(|(_, v)| v.clone());
    render(StatusCode::OK, &RedirectLanding { ref_id, params })
}

pub fn not_found_page(req: &HttpRequest) -> HttpResponse {
    pages::not_found(req.path(), None)
}

/// `GET /<org>` and `GET /<org>/`: the org's Connect links.
async fn org_index(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if Family::for_path(req.path()).is_some() {
        return crate::routes::not_found(req).await;
    }
    let org = req.match_info().get("org").unwrap_or_default().to_string();
    let Some(settings) = state.settings.orgs.get(&org) else {
        return request::org_not_found(&state, &org);
    };
    let example = "refId=my-ref-1";
    let utilities = Iso::ALL
        .iter()
        .map(|iso| pages::Link {
            label: format!("Staging Test Utility ({})", iso.as_str()),
            href: format!("/{org}/{}/getting-started?{example}", iso.slug()),
        })
        .collect();
    let flows = settings
        .flows()
        .into_iter()
        .map(|(title, region)| pages::Link {
            label: format!("{title} — {}", utilities::region_label(region)),
            href: format!("/{org}/{title}/?{example}"),
        })
        .collect();
    render(
        StatusCode::OK,
        &pages::OrgIndex {
            org,
            utilities,
            flows,
        },
    )
}

/// `/<org>/<slug>/<tail>`: a test utility page or a flow page.
async fn dispatch(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> HttpResponse {
    if Family::for_path(req.path()).is_some() {
        return crate::routes::not_found(req).await;
    }
    let info = req.match_info();
    let org = info.get("org").unwrap_or_default().to_string();
    let slug = info.get("slug").unwrap_or_default().to_string();
    let tail = info.get("tail").unwrap_or_default().to_string();
    let ctx = match Ctx::new(&state, &req, &org) {
        Ok(ctx) => ctx,
        Err(page) => return *page,
    };
    let mut segments: Vec<&str> = tail.split('/').collect();
    if segments.last() == Some(&"") {
        segments.pop();
    }
    let post = req.method() == actix_web::http::Method::POST;
    let form = if post {
        match request::read_form(payload).await {
            Ok(form) => form,
            Err(page) => return *page,
        }
    } else {
        Vec::new()
    };

    if let Some(iso) = Iso::from_slug(&slug) {
        let tu = TestUtility::direct(&state, &org, iso);
        return test_utility_page(&state, &ctx, &tu, &segments, post, &form, req.path()).await;
    }
    let flow = state
        .settings
        .orgs
        .get(&org)
        .and_then(|o| o.flows().get(&slug).copied())
        .map(|region| Flow {
            title: slug.clone(),
            region,
        });
    let Some(flow) = flow else {
        return pages::not_found(
            req.path(),
            Some(format!(
                "Org {org} has no Connect flow named \"{}\". See /{org} for its links.",
                slug.chars().take(64).collect::<String>()
            )),
        );
    };
    flow_page(&state, &ctx, &flow, &segments, post, &form, req.path()).await
}

async fn test_utility_page(
    state: &AppState,
    ctx: &Ctx,
    tu: &TestUtility,
    segments: &[&str],
    post: bool,
    form: &[(String, String)],
    path: &str,
) -> HttpResponse {
    match (segments, post) {
        ([], false) => pages::see_other(&ctx.with_query(&format!("{}/getting-started", tu.base))),
        (["getting-started"], false) => test_utility::menu(state, ctx, tu),
        (["send"], true) => test_utility::send(state, ctx, tu, form).await,
        (["error", case], false) => test_utility::error_page(state, ctx, tu, case),
        (["confirm"], true) => test_utility::confirm(ctx, tu),
        (["getting-started"] | ["error", _], true) | (["send"] | ["confirm"], false) => {
            method_not_allowed(post)
        }
        _ => pages::not_found(path, None),
    }
}

async fn flow_page(
    state: &AppState,
    ctx: &Ctx,
    flow: &Flow,
    segments: &[&str],
    post: bool,
    form: &[(String, String)],
    path: &str,
) -> HttpResponse {
    use crate::domain::enums::TransmissionRegion as R;
    let selects = matches!(flow.region, R::Caiso | R::Nyiso | R::Pjm);
    match (segments, post, flow.region) {
        ([], false, _) => connect::entry(state, ctx, flow),
        (["select"], true, _) if selects => connect::select(state, ctx, flow, form),
        (["address"], true, R::Ercot) => connect::address_submit(state, ctx, flow, form),
        (["utility-error", utility], false, _) if selects => {
            connect::utility_error(ctx, flow, utility)
        }
        (["confirm"], true, _) => connect::confirm(ctx, flow),
        (["staging-test-utility", rest @ ..], _, region) => match Iso::from_region(region) {
            Some(iso) => {
                let tu = TestUtility::in_flow(&ctx.org, &flow.title, iso);
                Box::pin(test_utility_page(state, ctx, &tu, rest, post, form, path)).await
            }
            None => pages::not_found(path, None),
        },
        (["pjm-demo", "login"], false, R::Pjm) => connect::pjm_login(ctx, flow),
        (["pjm-demo", "login"], true, R::Pjm) => connect::pjm_submit(state, ctx, flow),
        (["pjm-demo", "unavailable"], false, R::Pjm) => connect::pjm_unavailable(ctx, flow),
        ([], true, _) | (["select" | "address" | "confirm"], false, _) => method_not_allowed(post),
        _ => pages::not_found(path, None),
    }
}

fn method_not_allowed(post: bool) -> HttpResponse {
    let (used, allow) = if post {
        ("POST", "GET")
    } else {
        ("GET", "POST")
    };
    let mut response = pages::bad_request(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        format!("{used} is not allowed on this page; it takes {allow}."),
        Some("Open the Connect link again to start over.".into()),
    );
    response.headers_mut().insert(
        ALLOW,
        actix_web::http::header::HeaderValue::from_static(allow),
    );
    response
}

//! Customer-facing HTML pages: the Connect flow and test utilities (added by the Connect issue),
//! the built-in final-redirect landing page, the stylesheet and the HTML 404.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;

use crate::routes::resource;

const STYLESHEET: &str = include_str!("../../static/style.css");

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/_mock/static/style.css", "GET").route(web::get().to(stylesheet)))
        .service(resource("/_mock/redirect-landing", "GET").route(web::get().to(redirect_landing)));
}

/// Renders a template into an HTML response; a template error (a bug) becomes a plain 500.
pub fn render(status: StatusCode, template: &impl Template) -> HttpResponse {
    match template.render() {
        Ok(html) => HttpResponse::build(status)
            .content_type("text/html; charset=utf-8")
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
    params: Vec<(String, String)>,
}

/// The default final redirect target: shows every query parameter it received, in order.
async fn redirect_landing(req: HttpRequest) -> HttpResponse {
    let params = url::form_urlencoded::parse(req.query_string().as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    render(StatusCode::OK, &RedirectLanding { params })
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFound<'a> {
    path: &'a str,
}

pub fn not_found_page(req: &HttpRequest) -> HttpResponse {
    render(StatusCode::NOT_FOUND, &NotFound { path: req.path() })
}

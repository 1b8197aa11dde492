//! `GET /_mock/events?after=<seq>&org=<org>&limit=<n>`: the event outbox, read-only and oldest
//! first. Poll with `after` = the `next_after` of the previous answer to follow new events.

use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::json;

use crate::api::params::{int_param, problems_error, query_pairs, single_param};
use crate::auth::Admin;
use crate::domain::validate::Problems;
use crate::error::{ApiError, Family};
use crate::routes::resource;
use crate::state::AppState;

/// Events per answer when `limit` is not given, and the most one answer holds.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/_mock/events", "GET").route(web::get().to(list)));
}

async fn list(
    state: web::Data<AppState>,
    _: Admin,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let pairs = query_pairs(&req);
    let mut p = Problems::default();
    let after = match single_param(&pairs, "after", &mut p) {
        None => 0,
        Some(v) => v.trim().parse::<u64>().unwrap_or_else(|_| {
            p.push(
                "after",
                format!("must be a sequence number >= 0 (got {v:?})"),
            );
            0
        }),
    };
    let limit = int_param(&pairs, "limit", DEFAULT_LIMIT, (1, MAX_LIMIT), &mut p);
    let org = single_param(&pairs, "org", &mut p).map(str::to_string);
    if !p.is_empty() {
        return Err(problems_error(Family::Leap, "Invalid query", &p));
    }
    if let Some(org) = &org {
        if state.tenants.by_name(org).is_none() {
            return Err(ApiError::not_found(Family::Leap, "Org not found")
                .with_details(json!({ "org": org })));
        }
    }
    let events = state.store.events_after(after, limit, org.as_deref());
    let next_after = events.last().map_or(after, |e| e.seq);
    Ok(HttpResponse::Ok().json(json!({
        "events": events,
        "next_after": next_after,
        "last_seq": state.store.last_seq(),
    })))
}

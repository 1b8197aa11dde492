//! Mock-only meter controls (Leap has no such API; this is how a test moves a meter):
//!
//! * `POST /_mock/meters/{meter_id}/enrollment` with an `EnrollmentChange` body: a new global
//!   enrollment status, participation period, required actions and/or program enrollments. The
//!   domain emits the matching `meter.enrollment.*` events. Answers the meter's
//!   `MeterEnrollmentResponse`.
//! * `PATCH /_mock/meters/{meter_id}` with `{tags, is_archived, connection_references,
//!   customer_group}` (each optional): the identifiers Leap or Connect set, so searches can be
//!   tested. No webhook (Leap sends none for these). Answers the `MeterDetailsResponse`.
//!
//! The meter is looked up in every org unless `?org=` names one.

use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::api::meters::meter_id;
use crate::api::params::{problems_error, query_pairs, single_param};
use crate::auth::Admin;
use crate::domain::enrollment::EnrollmentChange;
use crate::domain::meter::check_customer_group;
use crate::domain::validate::{Problems, check_partner_reference};
use crate::error::{ApiError, Family};
use crate::extract::Json;
use crate::routes::resource;
use crate::state::AppState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        resource("/_mock/meters/{meter_id}/enrollment", "POST")
            .route(web::post().to(change_enrollment)),
    )
    .service(resource("/_mock/meters/{meter_id}", "PATCH").route(web::patch().to(patch_meter)));
}

fn not_found(id: &Uuid) -> ApiError {
    ApiError::not_found(Family::Leap, "Meter not found").with_details(json!({ "meter_id": id }))
}

/// The org holding the meter: the one `?org=` names, else the first org that has it.
fn org_of(state: &AppState, req: &HttpRequest, id: &Uuid) -> Result<String, ApiError> {
    let pairs = query_pairs(req);
    let mut p = Problems::default();
    let wanted = single_param(&pairs, "org", &mut p).map(str::to_string);
    if !p.is_empty() {
        return Err(problems_error(Family::Leap, "Invalid query", &p));
    }
    if let Some(org) = &wanted {
        if state.tenants.by_name(org).is_none() {
            return Err(ApiError::not_found(Family::Leap, "Org not found")
                .with_details(json!({ "org": org })));
        }
    }
    state
        .tenants
        .names()
        .filter(|name| wanted.as_deref().is_none_or(|w| w == *name))
        .find(|name| state.store.read(name, |d| d.meters.get(id).is_some()))
        .map(str::to_string)
        .ok_or_else(|| not_found(id))
}

async fn change_enrollment(
    state: web::Data<AppState>,
    _: Admin,
    req: HttpRequest,
    path: web::Path<String>,
    Json(change): Json<EnrollmentChange>,
) -> Result<HttpResponse, ApiError> {
    let id = meter_id(&path)?;
    let org = org_of(&state, &req, &id)?;
    let now = state.clock.now();
    let committed = state.store.commit(&org, now, |d| {
        let events = d
            .meters
            .update(&id, |m| m.change_enrollment(change, now))
            .ok_or_else(|| not_found(&id))?
            .map_err(|p| problems_error(Family::Leap, "Invalid enrollment change", &p))?;
        let view = d
            .meters
            .get(&id)
            .map(|m| serde_json::to_value(m.enrollment_view()).unwrap_or(Value::Null))
            .ok_or_else(|| not_found(&id))?;
        Ok::<_, ApiError>((view, events))
    })?;
    Ok(HttpResponse::Ok().json(committed.value))
}

/// Identifiers Leap and Connect set on a meter (not part of `CreateMeter`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MeterPatch {
    #[serde(default)]
    tags: Option<Vec<String>>,
    #[serde(default)]
    is_archived: Option<bool>,
    #[serde(default)]
    connection_references: Option<Vec<String>>,
    #[serde(default)]
    customer_group: Option<String>,
}

impl MeterPatch {
    fn check(&self) -> Result<(), Problems> {
        let mut p = Problems::default();
        for (i, tag) in self.tags.iter().flatten().enumerate() {
            let field = format!("tags[{i}]");
            p.len_between(&field, tag, 1, 128);
            p.text_charset(&field, tag, true);
        }
        let refs = self.connection_references.iter().flatten();
        for (i, r) in refs.enumerate() {
            if let Err(why) = check_partner_reference(r) {
                p.push(format!("connection_references[{i}]"), why);
            }
        }
        if let Some(g) = &self.customer_group {
            check_customer_group("customer_group", g, &mut p);
        }
        if self.tags.is_none()
            && self.is_archived.is_none()
            && self.connection_references.is_none()
            && self.customer_group.is_none()
        {
            p.push(
                "",
                "nothing to change: give tags, is_archived, connection_references or customer_group",
            );
        }
        p.into_result()
    }
}

async fn patch_meter(
    state: web::Data<AppState>,
    _: Admin,
    req: HttpRequest,
    path: web::Path<String>,
    Json(patch): Json<MeterPatch>,
) -> Result<HttpResponse, ApiError> {
    let id = meter_id(&path)?;
    patch
        .check()
        .map_err(|p| problems_error(Family::Leap, "Invalid meter change", &p))?;
    let org = org_of(&state, &req, &id)?;
    let now = state.clock.now();
    let committed = state.store.commit(&org, now, |d| {
        let view = d
            .meters
            .update(&id, |m| {
                if let Some(mut tags) = patch.tags {
                    tags.dedup();
                    m.tags = tags;
                }
                if let Some(archived) = patch.is_archived {
                    m.is_archived = archived;
                }
                if let Some(mut refs) = patch.connection_references {
                    // Leap's list is unique (`uniqueItems`).
                    let mut seen = std::collections::HashSet::new();
                    refs.retain(|r| seen.insert(r.clone()));
                    m.connection_references = refs;
                }
                if let Some(group) = patch.customer_group {
                    m.customer_group = Some(group).filter(|g| !g.is_empty());
                }
                m.audit.updated_at = now;
                serde_json::to_value(m.details()).unwrap_or(Value::Null)
            })
            .ok_or_else(|| not_found(&id))?;
        Ok::<_, ApiError>((view, Vec::new()))
    })?;
    Ok(HttpResponse::Ok().json(committed.value))
}

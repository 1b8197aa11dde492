//! Meter search: Leap's `MeterFilterRequest` (shared by `/v2/meters/search` and
//! `/v2/meters/enrollments/search`), checked against the spec's limits, and paging through an
//! org's meters in creation order.
//!
//! Paging is by position key (creation order), so a page token stays valid while meters are
//! added: later pages never repeat or skip a meter that existed when paging started. Lookups by
//! `meter_ids` / `partner_references` use the store's indexes instead of a scan.

use std::collections::{BTreeSet, HashSet};
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::enums::{
    ActionType, CustomerClassification, EnrollmentStatus, LoadType, MeterType, TransmissionRegion,
};
use super::meter::Meter;
use super::validate::{Problems, check_partner_reference};
use crate::store::Meters;

pub const DEFAULT_PAGE_SIZE: usize = 500;
pub const MAX_PAGE_SIZE: usize = 500;

/// Leap's `MeterFilterRequest`, as sent. Every member is optional; `null` counts as absent.
/// Unknown members are ignored (the schema allows them); [`MeterFilterRequest::unknown_members`]
/// names them so the route can warn. `Serialize` is there only to list the member names.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
pub struct MeterFilterRequest {
    #[serde(default)]
    pub page_token: Option<String>,
    #[serde(default)]
    pub page_size: Option<i64>,
    #[serde(default)]
    pub transmission_region: Option<TransmissionRegion>,
    #[serde(default)]
    pub customer_classification: Option<CustomerClassification>,
    #[serde(default)]
    pub meter_ids: Option<Vec<Uuid>>,
    #[serde(default)]
    pub partner_references: Option<Vec<String>>,
    #[serde(default)]
    pub global_enrollment_statuses: Option<Vec<EnrollmentStatus>>,
    #[serde(default)]
    pub meter_types: Option<Vec<MeterType>>,
    #[serde(default)]
    pub load_types: Option<Vec<LoadType>>,
    #[serde(default)]
    pub customer_groups: Option<Vec<String>>,
    #[serde(default)]
    pub tags: Option<Vec<String>>,
    #[serde(default)]
    pub last_modified_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub created_after_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub created_before_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    pub partner_action_required: Option<bool>,
    #[serde(default)]
    pub exclude_archived: Option<bool>,
    #[serde(default)]
    pub connection_reference_ids: Option<Vec<String>>,
    #[serde(default)]
    pub action_type: Option<Vec<ActionType>>,
}

/// A checked filter, ready to match meters. Empty sets mean "no condition".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeterFilter {
    pub transmission_region: Option<TransmissionRegion>,
    pub customer_classification: Option<CustomerClassification>,
    pub meter_ids: Option<HashSet<Uuid>>,
    pub partner_references: Option<HashSet<String>>,
    pub global_enrollment_statuses: HashSet<EnrollmentStatus>,
    pub meter_types: HashSet<MeterType>,
    pub load_types: HashSet<LoadType>,
    pub customer_groups: HashSet<String>,
    pub tags: HashSet<String>,
    pub last_modified_after: Option<DateTime<Utc>>,
    pub created_after: Option<DateTime<Utc>>,
    pub created_before: Option<DateTime<Utc>>,
    pub partner_action_required: bool,
    pub exclude_archived: bool,
    pub connection_reference_ids: HashSet<String>,
    pub action_types: HashSet<ActionType>,
}

/// What to fetch: the filter, where to start and how many.
#[derive(Debug, Clone, PartialEq)]
pub struct MeterQuery {
    pub filter: MeterFilter,
    /// Position key of the last meter of the previous page.
    pub after: Option<u64>,
    pub page_size: usize,
}

fn set<T: Eq + std::hash::Hash>(items: Option<Vec<T>>) -> HashSet<T> {
    items.unwrap_or_default().into_iter().collect()
}

/// `minItems`/`maxItems`/`uniqueItems` of one array member.
fn check_list<T: Eq + std::hash::Hash>(
    field: &str,
    items: &[T],
    (min, max): (usize, usize),
    p: &mut Problems,
) {
    if items.len() < min || items.len() > max {
        p.push(
            field,
            format!("must list {min} to {max} items (got {})", items.len()),
        );
    }
    let distinct: HashSet<&T> = items.iter().collect();
    if distinct.len() != items.len() {
        p.push(field, "must not list the same item twice");
    }
}

/// The member names of `MeterFilterRequest`, as serde spells them (`None` serialises as `null`,
/// so the default request has every member).
static MEMBERS: LazyLock<HashSet<String>> =
    LazyLock::new(
        || match serde_json::to_value(MeterFilterRequest::default()) {
            Ok(Value::Object(members)) => members.into_iter().map(|(name, _)| name).collect(),
            _ => HashSet::new(),
        },
    );

impl MeterFilterRequest {
    /// The members of a request body that are not `MeterFilterRequest` members (a typo such as
    /// `transmision_region`), in name order; deserialising ignores them.
    pub fn unknown_members(body: &Map<String, Value>) -> Vec<&str> {
        if MEMBERS.is_empty() {
            return Vec::new(); // cannot happen: the struct always serialises to an object
        }
        body.keys()
            .map(String::as_str)
            .filter(|name| !MEMBERS.contains(*name))
            .collect()
    }

    /// Checks every limit of the spec's `MeterFilterRequest`. `decode_token` turns a page token
    /// into a position key (`None` = not a valid token).
    pub fn check(self, decode_token: impl Fn(&str) -> Option<u64>) -> Result<MeterQuery, Problems> {
        let mut p = Problems::default();
        let page_size = match self.page_size {
            None => DEFAULT_PAGE_SIZE,
            Some(n) if (1..=MAX_PAGE_SIZE as i64).contains(&n) => n as usize,
            Some(n) => {
                p.push(
                    "page_size",
                    format!("must be from 1 to {MAX_PAGE_SIZE} (got {n})"),
                );
                DEFAULT_PAGE_SIZE
            }
        };
        let after = match self.page_token.as_deref() {
            None | Some("") => None,
            Some(token) => {
                let key = decode_token(token);
                if key.is_none() {
                    p.push(
                        "page_token",
                        "is not a valid page token: pass the next_page_token of a previous response unchanged",
                    );
                }
                key
            }
        };
        if let Some(ids) = &self.meter_ids {
            check_list("meter_ids", ids, (0, 1000), &mut p);
        }
        if let Some(refs) = &self.partner_references {
            check_list("partner_references", refs, (1, 1000), &mut p);
            for (i, r) in refs.iter().enumerate() {
                if let Err(why) = check_partner_reference(r) {
                    p.push(format!("partner_references[{i}]"), why);
                }
            }
        }
        if let Some(v) = &self.global_enrollment_statuses {
            check_list("global_enrollment_statuses", v, (1, 5), &mut p);
        }
        if let Some(v) = &self.meter_types {
            check_list("meter_types", v, (1, 20), &mut p);
        }
        if let Some(v) = &self.load_types {
            check_list("load_types", v, (1, 20), &mut p);
        }
        if let Some(v) = &self.customer_groups {
            check_list("customer_groups", v, (1, 20), &mut p);
        }
        if let Some(v) = &self.tags {
            check_list("tags", v, (1, 20), &mut p);
        }
        if let Some(refs) = &self.connection_reference_ids {
            check_list("connection_reference_ids", refs, (1, 100), &mut p);
            for (i, r) in refs.iter().enumerate() {
                if let Err(why) = check_partner_reference(r) {
                    p.push(format!("connection_reference_ids[{i}]"), why);
                }
            }
        }
        if let Some(v) = &self.action_type {
            check_list("action_type", v, (1, 20), &mut p);
        }
        p.into_result()?;
        let filter = MeterFilter {
            transmission_region: self.transmission_region,
            customer_classification: self.customer_classification,
            // An empty `meter_ids` (the spec allows 0 items) is no condition, like an absent one.
            meter_ids: self
                .meter_ids
                .filter(|ids| !ids.is_empty())
                .map(|ids| ids.into_iter().collect()),
            partner_references: self.partner_references.map(|r| r.into_iter().collect()),
            global_enrollment_statuses: set(self.global_enrollment_statuses),
            meter_types: set(self.meter_types),
            load_types: set(self.load_types),
            customer_groups: set(self.customer_groups),
            tags: set(self.tags),
            last_modified_after: self.last_modified_date_time,
            created_after: self.created_after_date_time,
            created_before: self.created_before_date_time,
            partner_action_required: self.partner_action_required.unwrap_or(false),
            exclude_archived: self.exclude_archived.unwrap_or(false),
            connection_reference_ids: set(self.connection_reference_ids),
            action_types: set(self.action_type),
        };
        Ok(MeterQuery {
            filter,
            after,
            page_size,
        })
    }
}

impl MeterFilter {
    /// Whether a meter passes every condition (conditions are ANDed; a list means "any of").
    pub fn matches(&self, m: &Meter) -> bool {
        let e = &m.enrollment;
        self.transmission_region
            .is_none_or(|r| m.transmission_region == r)
            && self
                .customer_classification
                .is_none_or(|c| m.customer_classification == Some(c))
            && self
                .meter_ids
                .as_ref()
                .is_none_or(|ids| ids.contains(&m.meter_id))
            && self.partner_references.as_ref().is_none_or(|refs| {
                m.partner_reference
                    .as_ref()
                    .is_some_and(|r| refs.contains(r))
            })
            && (self.global_enrollment_statuses.is_empty()
                || self
                    .global_enrollment_statuses
                    .contains(&e.global_enrollment_status))
            && (self.meter_types.is_empty() || self.meter_types.contains(&m.meter_type))
            && (self.load_types.is_empty()
                || m.load_types.iter().any(|l| self.load_types.contains(l)))
            && (self.customer_groups.is_empty()
                || m.customer_group
                    .as_ref()
                    .is_some_and(|g| self.customer_groups.contains(g)))
            && (self.tags.is_empty() || m.tags.iter().any(|t| self.tags.contains(t)))
            && self
                .last_modified_after
                .is_none_or(|t| m.audit.updated_at > t)
            && self.created_after.is_none_or(|t| m.audit.created_at > t)
            && self.created_before.is_none_or(|t| m.audit.created_at < t)
            && (!self.partner_action_required || m.partner_action_required())
            && (!self.exclude_archived || !m.is_archived)
            && (self.connection_reference_ids.is_empty()
                || m.connection_references
                    .iter()
                    .any(|r| self.connection_reference_ids.contains(r)))
            && (self.action_types.is_empty()
                || e.required_actions
                    .partner
                    .iter()
                    .chain(&e.required_actions.leap)
                    .any(|a| self.action_types.contains(&a.action_type)))
    }
}

/// One page of matches and the position key to continue after, when more matches exist.
pub struct Page<'a> {
    pub meters: Vec<&'a Meter>,
    pub next_after: Option<u64>,
}

/// The meter at position `key` (the store indexes by id; a range lookup finds a key).
fn meter_at(meters: &Meters, key: u64) -> Option<&Meter> {
    meters
        .after(key.checked_sub(1))
        .next()
        .filter(|(k, _)| *k == key)
        .map(|(_, m)| m)
}

/// The page of `query` over `meters`, in creation order.
pub fn search<'a>(meters: &'a Meters, query: &MeterQuery) -> Page<'a> {
    let f = &query.filter;
    // Exact-id conditions name their candidates: look them up instead of scanning.
    let candidates: Option<BTreeSet<u64>> = match (&f.meter_ids, &f.partner_references) {
        (Some(ids), _) => Some(ids.iter().filter_map(|id| meters.key_of(id)).collect()),
        (None, Some(refs)) => Some(
            refs.iter()
                .flat_map(|r| meters.with_partner_reference(r))
                .filter_map(|m| meters.key_of(&m.meter_id))
                .collect(),
        ),
        (None, None) => None,
    };
    let start = query.after.map_or(0, |k| k.saturating_add(1));
    let mut iter: Box<dyn Iterator<Item = (u64, &Meter)>> = match candidates {
        Some(keys) => Box::new(
            keys.into_iter()
                .filter(move |k| *k >= start)
                .filter_map(move |k| meter_at(meters, k).map(|m| (k, m))),
        ),
        None => Box::new(meters.after(query.after)),
    };
    let mut page = Vec::with_capacity(query.page_size.min(64));
    let mut last_key = None;
    for (key, meter) in iter.by_ref() {
        if !f.matches(meter) {
            continue;
        }
        if page.len() == query.page_size {
            // One more match exists: there is a next page.
            return Page {
                meters: page,
                next_after: last_key,
            };
        }
        page.push(meter);
        last_key = Some(key);
    }
    Page {
        meters: page,
        next_after: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::MeterFilterRequest;

    #[test]
    fn unknown_members_names_only_what_the_spec_does_not_have() {
        let body = json!({
            "page_token": null, "page_size": 1, "transmission_region": "CAISO",
            "customer_classification": null, "meter_ids": [], "partner_references": [],
            "global_enrollment_statuses": [], "meter_types": [], "load_types": [],
            "customer_groups": [], "tags": [], "last_modified_date_time": null,
            "created_after_date_time": null, "created_before_date_time": null,
            "partner_action_required": true, "exclude_archived": true,
            "connection_reference_ids": [], "action_type": [],
            "transmision_region": "CAISO", "Tags": []
        });
        let members = body.as_object().expect("an object");
        assert_eq!(
            MeterFilterRequest::unknown_members(members),
            ["Tags", "transmision_region"]
        );
    }
}

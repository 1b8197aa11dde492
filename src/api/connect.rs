//! The Connect API, as the mock renders it: Leap documents the operation (`getConnections`,
//! "Get connection statuses") but not its path or fields, so the mock serves the reference's
//! proposal (a *gap*, kept in this one file so it is easy to adapt):
//!
//! `GET /v1/connections?ref_ids=a,b&connection_start_date_time_utc=..&last_interaction_date_time_utc=..&page_size=..&page_token=..`
//! -> `{"connections": [row, ...], "next_page_token": ".."}`, one row per refId
//! (`ConnectSession::row`), ordered by refId. `ref_ids` may be comma-separated and/or repeated
//! (at most 100); the two date filters keep rows whose connection started / whose last
//! interaction happened at or after the given time; filters are ANDed. `page_size` 1..=500,
//! default 100. Errors use the `{title, status, details}` envelope.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use serde_json::json;

use crate::api::params::{
    TextToken, int_param, list_param, problems_error, query_pairs, single_param,
};
use crate::auth::Org;
use crate::domain::connect::{ConnectSession, RefId};
use crate::domain::validate::Problems;
use crate::error::{ApiError, Family};
use crate::routes::resource;
use crate::state::AppState;

pub const DEFAULT_PAGE_SIZE: usize = 100;
pub const MAX_PAGE_SIZE: usize = 500;
pub const MAX_REF_IDS: usize = 100;
const TOKEN_KIND: &str = "connections";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/v1/connections", "GET").route(web::get().to(list)));
}

/// A checked Connect API query.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionsQuery {
    pub ref_ids: Option<BTreeSet<RefId>>,
    pub started_since: Option<DateTime<Utc>>,
    pub interacted_since: Option<DateTime<Utc>>,
    /// The last refId of the previous page.
    pub after: Option<RefId>,
    pub page_size: usize,
}

fn date_param(pairs: &[(String, String)], name: &str, p: &mut Problems) -> Option<DateTime<Utc>> {
    let raw = single_param(pairs, name, p)?;
    match DateTime::parse_from_rfc3339(raw.trim()) {
        Ok(t) => Some(t.with_timezone(&Utc)),
        Err(_) => {
            p.push(
                name,
                format!("must be an ISO-8601 date-time such as 2025-01-31T00:00:00Z (got {raw:?})"),
            );
            None
        }
    }
}

impl ConnectionsQuery {
    pub fn parse(pairs: &[(String, String)]) -> Result<Self, Problems> {
        let mut p = Problems::default();
        let raw_ids = list_param(pairs, "ref_ids");
        if raw_ids.len() > MAX_REF_IDS {
            p.push(
                "ref_ids",
                format!(
                    "must list at most {MAX_REF_IDS} refIds (got {})",
                    raw_ids.len()
                ),
            );
        }
        let mut ref_ids = BTreeSet::new();
        for raw in &raw_ids {
            match RefId::parse(raw) {
                Ok(id) => {
                    ref_ids.insert(id);
                }
                Err(why) => p.push("ref_ids", format!("{raw:?} {why}")),
            }
        }
        let started_since = date_param(pairs, "connection_start_date_time_utc", &mut p);
        let interacted_since = date_param(pairs, "last_interaction_date_time_utc", &mut p);
        let page_size = int_param(
            pairs,
            "page_size",
            DEFAULT_PAGE_SIZE,
            (1, MAX_PAGE_SIZE),
            &mut p,
        );
        let after = match single_param(pairs, "page_token", &mut p) {
            None | Some("") => None,
            Some(token) => {
                let id = TextToken::decode(TOKEN_KIND, token).and_then(|s| RefId::parse(&s).ok());
                if id.is_none() {
                    p.push(
                        "page_token",
                        "is not a valid page token: pass the next_page_token of a previous response unchanged",
                    );
                }
                id
            }
        };
        p.into_result()?;
        Ok(ConnectionsQuery {
            ref_ids: (!raw_ids.is_empty()).then_some(ref_ids),
            started_since,
            interacted_since,
            after,
            page_size,
        })
    }

    pub fn matches(&self, s: &ConnectSession) -> bool {
        self.ref_ids
            .as_ref()
            .is_none_or(|ids| ids.contains(&s.ref_id))
            && self.started_since.is_none_or(|t| s.connection_start >= t)
            && self
                .interacted_since
                .is_none_or(|t| s.last_interaction >= t)
    }
}

/// One page of sessions in refId order, and the refId to continue after when more match.
pub fn connections_page<'a>(
    sessions: &'a BTreeMap<RefId, ConnectSession>,
    q: &ConnectionsQuery,
) -> (Vec<&'a ConnectSession>, Option<&'a RefId>) {
    let start = match &q.after {
        Some(after) => Bound::Excluded(after),
        None => Bound::Unbounded,
    };
    let mut page = Vec::new();
    for (_, session) in sessions.range((start, Bound::Unbounded)) {
        if !q.matches(session) {
            continue;
        }
        if page.len() == q.page_size {
            let last = page.last().map(|s: &&ConnectSession| &s.ref_id);
            return (page, last);
        }
        page.push(session);
    }
    (page, None)
}

async fn list(
    state: web::Data<AppState>,
    org: Org,
    req: HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let q = ConnectionsQuery::parse(&query_pairs(&req))
        .map_err(|p| problems_error(Family::Leap, "Invalid query", &p))?;
    let body = state.store.read(&org.name, |d| {
        let (page, next) = connections_page(&d.sessions, &q);
        let rows: Vec<_> = page.iter().map(|s| s.row()).collect();
        let mut body = json!({ "connections": rows });
        if let Some(last) = next {
            body["next_page_token"] = json!(TextToken::encode(TOKEN_KIND, last.as_str()));
        }
        body
    });
    Ok(HttpResponse::Ok().json(body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::enums::{AuthorizationStatus, UtilityName};

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    /// Sessions `ref-00` .. `ref-09`: `ref-NN` started at t(NN) and last interacted at t(100+NN).
    fn sessions() -> BTreeMap<RefId, ConnectSession> {
        (0..10)
            .map(|i| {
                let id = RefId::parse(&format!("ref-{i:02}")).unwrap();
                let (mut s, _) = ConnectSession::start(id.clone(), t(i));
                s.authorization(
                    UtilityName::LeapTestCaiso,
                    AuthorizationStatus::Completed,
                    t(100 + i),
                )
                .unwrap();
                (id, s)
            })
            .collect()
    }

    fn pairs(q: &[(&str, &str)]) -> Vec<(String, String)> {
        q.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn ids(page: &[&ConnectSession]) -> Vec<String> {
        page.iter().map(|s| s.ref_id.to_string()).collect()
    }

    #[test]
    fn filters_by_ref_ids_and_dates() {
        let all = sessions();
        let q = ConnectionsQuery::parse(&pairs(&[
            ("ref_ids", "ref-03,ref-07"),
            ("ref_ids", "ref-09"),
            ("ref_ids", "unknown-ref"),
        ]))
        .unwrap();
        assert_eq!(
            ids(&connections_page(&all, &q).0),
            ["ref-03", "ref-07", "ref-09"]
        );

        let since = t(5).to_rfc3339();
        let q =
            ConnectionsQuery::parse(&pairs(&[("connection_start_date_time_utc", &since)])).unwrap();
        assert_eq!(connections_page(&all, &q).0.len(), 5);

        let since = t(108).to_rfc3339();
        let q = ConnectionsQuery::parse(&pairs(&[
            ("last_interaction_date_time_utc", &since),
            ("ref_ids", "ref-01,ref-09"),
        ]))
        .unwrap();
        assert_eq!(ids(&connections_page(&all, &q).0), ["ref-09"]);
    }

    #[test]
    fn pages_to_the_end_without_gaps_or_repeats() {
        let all = sessions();
        let mut seen = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let mut q = vec![("page_size", "3".to_string())];
            if let Some(t) = &token {
                q.push(("page_token", t.clone()));
            }
            let q: Vec<(String, String)> = q.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
            let q = ConnectionsQuery::parse(&q).unwrap();
            let (page, next) = connections_page(&all, &q);
            seen.extend(ids(&page));
            match next {
                Some(last) => token = Some(TextToken::encode(TOKEN_KIND, last.as_str())),
                None => break,
            }
        }
        let expected: Vec<String> = all.keys().map(|k| k.to_string()).collect();
        assert_eq!(seen, expected);
    }

    #[test]
    fn rejects_bad_parameters_by_name() {
        for (q, field) in [
            (vec![("ref_ids", "a/b")], "ref_ids"),
            (
                vec![("connection_start_date_time_utc", "yesterday")],
                "connection_start_date_time_utc",
            ),
            (
                vec![("last_interaction_date_time_utc", "2025-13-01")],
                "last_interaction_date_time_utc",
            ),
            (vec![("page_size", "0")], "page_size"),
            (vec![("page_size", "501")], "page_size"),
            (vec![("page_token", "garbage")], "page_token"),
        ] {
            let problems = ConnectionsQuery::parse(&pairs(&q)).unwrap_err();
            assert_eq!(problems.0[0].field, field);
        }
        let many = (0..101)
            .map(|i| format!("ref-{i:03}"))
            .collect::<Vec<_>>()
            .join(",");
        let problems = ConnectionsQuery::parse(&pairs(&[("ref_ids", &many)])).unwrap_err();
        assert_eq!(problems.0[0].field, "ref_ids");
    }
}

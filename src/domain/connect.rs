//! Connect sessions, one record per (org, refId): the session status, the per-utility
//! authorizations and the timestamps the Connect API reports. Every transition returns the
//! `connect_session.*` webhooks it causes, with `partner_reference` = refId.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::enums::{AuthorizationStatus, SessionStatus, UtilityName};
use super::events::EventPayload;
use super::validate::check_partner_reference;

/// A Connect `refId`: Leap carries it as `partner_reference`, so it follows that pattern
/// (3-256 characters, none of `/\?[]{}!#$%^&*()<>|`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RefId(String);

impl RefId {
    pub fn parse(value: &str) -> Result<RefId, String> {
        check_partner_reference(value).map(|()| RefId(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for RefId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UtilityConnection {
    pub utility_name: UtilityName,
    pub utility_is_required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub authorization_status: Option<AuthorizationStatus>,
    #[serde(skip)]
    pub updated_at: Option<DateTime<Utc>>,
}

/// A change refused because the session has already ended.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the Connect session for refId {ref_id} has ended ({status}); open the link again to start a new one"
)]
pub struct SessionEnded {
    pub ref_id: String,
    pub status: SessionStatus,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConnectSession {
    pub ref_id: RefId,
    pub status: SessionStatus,
    /// When the customer first opened a link with this refId.
    pub connection_start: DateTime<Utc>,
    /// When the current session started (a new one starts after an ended or idle session).
    pub session_started_at: DateTime<Utc>,
    pub last_interaction: DateTime<Utc>,
    pub utilities: Vec<UtilityConnection>,
    /// How many sessions this refId has had.
    pub sessions: u32,
}

impl ConnectSession {
    /// The customer opened a link with this refId for the first time: CREATED.
    pub fn start(ref_id: RefId, now: DateTime<Utc>) -> (Self, Vec<EventPayload>) {
        let session = ConnectSession {
            ref_id,
            status: SessionStatus::Created,
            connection_start: now,
            session_started_at: now,
            last_interaction: now,
            utilities: Vec::new(),
            sessions: 1,
        };
        let event = session.status_event();
        (session, vec![event])
    }

    /// Whether the current session can still change: not ended and not idle for `idle_limit`.
    pub fn is_live(&self, now: DateTime<Utc>, idle_limit: chrono::Duration) -> bool {
        !self.status.is_final() && now - self.last_interaction < idle_limit
    }

    /// The customer opened the link again. If the session is live it just counts as an
    /// interaction; otherwise an idle session is CLOSED and a new one is CREATED.
    pub fn reopen(
        &mut self,
        now: DateTime<Utc>,
        idle_limit: chrono::Duration,
    ) -> Vec<EventPayload> {
        if self.is_live(now, idle_limit) {
            self.last_interaction = now;
            return Vec::new();
        }
        let mut events = Vec::new();
        if !self.status.is_final() {
            self.status = SessionStatus::Closed;
            events.push(self.status_event());
        }
        self.status = SessionStatus::Created;
        self.session_started_at = now;
        self.last_interaction = now;
        self.sessions += 1;
        events.push(self.status_event());
        events
    }

    /// Flags utilities passed in `requestedUtilities` (adding them when not yet listed).
    pub fn require_utilities(&mut self, utilities: &[UtilityName]) {
        for u in utilities {
            match self.utilities.iter_mut().find(|c| c.utility_name == *u) {
                Some(c) => c.utility_is_required = true,
                None => self.utilities.push(UtilityConnection {
                    utility_name: *u,
                    utility_is_required: true,
                    authorization_status: None,
                    updated_at: None,
                }),
            }
        }
    }

    fn ensure_live(&self) -> Result<(), SessionEnded> {
        if self.status.is_final() {
            Err(SessionEnded {
                ref_id: self.ref_id.to_string(),
                status: self.status,
            })
        } else {
            Ok(())
        }
    }

    /// The customer moved on a step: UPDATED.
    pub fn step(&mut self, now: DateTime<Utc>) -> Result<Vec<EventPayload>, SessionEnded> {
        self.ensure_live()?;
        self.status = SessionStatus::Updated;
        self.last_interaction = now;
        Ok(vec![self.status_event()])
    }

    /// A utility authorization changed (INITIATED at the login screen, then COMPLETED/FAILED).
    pub fn authorization(
        &mut self,
        utility: UtilityName,
        status: AuthorizationStatus,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventPayload>, SessionEnded> {
        self.ensure_live()?;
        self.last_interaction = now;
        match self
            .utilities
            .iter_mut()
            .find(|c| c.utility_name == utility)
        {
            Some(c) => {
                c.authorization_status = Some(status);
                c.updated_at = Some(now);
            }
            None => self.utilities.push(UtilityConnection {
                utility_name: utility,
                utility_is_required: false,
                authorization_status: Some(status),
                updated_at: Some(now),
            }),
        }
        Ok(vec![EventPayload::ConnectSessionAuthorizationUpdated {
            partner_reference: self.ref_id.to_string(),
            utility_name: utility,
            status,
        }])
    }

    /// The customer finished the last step: COMPLETED.
    pub fn complete(&mut self, now: DateTime<Utc>) -> Result<Vec<EventPayload>, SessionEnded> {
        self.finish(SessionStatus::Completed, now)
    }

    /// The customer left early, or the session expired: CLOSED.
    pub fn close(&mut self, now: DateTime<Utc>) -> Result<Vec<EventPayload>, SessionEnded> {
        self.finish(SessionStatus::Closed, now)
    }

    fn finish(
        &mut self,
        status: SessionStatus,
        now: DateTime<Utc>,
    ) -> Result<Vec<EventPayload>, SessionEnded> {
        self.ensure_live()?;
        self.status = status;
        self.last_interaction = now;
        Ok(vec![self.status_event()])
    }

    fn status_event(&self) -> EventPayload {
        EventPayload::ConnectSessionUpdated {
            partner_reference: self.ref_id.to_string(),
            status: self.status,
        }
    }

    /// The mock's Connect API row for this refId.
    pub fn row(&self) -> ConnectionRow<'_> {
        ConnectionRow {
            ref_id: &self.ref_id,
            connect_session_status: self.status,
            connection_start_date_time_utc: self.connection_start,
            last_interaction_date_time_utc: self.last_interaction,
            utilities: &self.utilities,
            forms: &[],
        }
    }
}

/// One row of the mock's Connect API (`GET /v1/connections`).
#[derive(Debug, Serialize)]
pub struct ConnectionRow<'a> {
    pub ref_id: &'a RefId,
    pub connect_session_status: SessionStatus,
    pub connection_start_date_time_utc: DateTime<Utc>,
    pub last_interaction_date_time_utc: DateTime<Utc>,
    pub utilities: &'a [UtilityConnection],
    /// Leap also lists forms to sign; the mock's flows have none.
    pub forms: &'a [serde_json::Value],
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(secs: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_700_000_000 + secs, 0).unwrap()
    }

    fn statuses(events: &[EventPayload]) -> Vec<String> {
        events
            .iter()
            .map(|e| {
                serde_json::to_value(e).unwrap()["status"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    }

    #[test]
    fn success_path_emits_leaps_sequence() {
        let (mut s, mut events) = ConnectSession::start(RefId::parse("ref-1").unwrap(), t(0));
        events.extend(s.step(t(1)).unwrap());
        events.extend(
            s.authorization(
                UtilityName::LeapTestCaiso,
                AuthorizationStatus::Initiated,
                t(2),
            )
            .unwrap(),
        );
        events.extend(
            s.authorization(
                UtilityName::LeapTestCaiso,
                AuthorizationStatus::Completed,
                t(3),
            )
            .unwrap(),
        );
        events.extend(s.complete(t(4)).unwrap());
        assert_eq!(
            statuses(&events),
            ["CREATED", "UPDATED", "INITIATED", "COMPLETED", "COMPLETED"]
        );
        assert!(s.step(t(5)).is_err(), "an ended session cannot change");
    }

    #[test]
    fn reopen_after_idle_closes_and_starts_again() {
        let day = chrono::Duration::hours(24);
        let (mut s, _) = ConnectSession::start(RefId::parse("ref-1").unwrap(), t(0));
        assert!(s.reopen(t(60), day).is_empty());
        let events = s.reopen(t(60 + 86_400), day);
        assert_eq!(statuses(&events), ["CLOSED", "CREATED"]);
        assert_eq!(s.sessions, 2);
        assert_eq!(s.connection_start, t(0));
    }

    #[test]
    fn ref_ids_follow_partner_reference_rules() {
        assert!(RefId::parse("customer-site-123").is_ok());
        assert!(RefId::parse("<script>").is_err());
        assert!(RefId::parse("ab").is_err());
    }
}

//! Leap webhook event payloads (the `payload` member of the envelope), one variant per
//! `webhook_event_type`, shaped as Leap's webhook OpenAPI declares them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::enrollment::PartnerRequiredActions;
use super::enums::*;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "webhook_event_type")]
pub enum EventPayload {
    #[serde(rename = "meter.created")]
    MeterCreated {
        meter_id: Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partner_reference: Option<String>,
        transmission_region: TransmissionRegion,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        meter_type: Option<MeterType>,
    },
    #[serde(rename = "connect_session.updated")]
    ConnectSessionUpdated {
        partner_reference: String,
        status: SessionStatus,
    },
    #[serde(rename = "connect_session.authorization_updated")]
    ConnectSessionAuthorizationUpdated {
        partner_reference: String,
        utility_name: UtilityName,
        status: AuthorizationStatus,
    },
    #[serde(rename = "meter.enrollment.global-status.updated")]
    GlobalStatusUpdated {
        meter_id: Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partner_reference: Option<String>,
        transmission_region: TransmissionRegion,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        meter_type: Option<MeterType>,
        global_enrollment_status: EnrollmentStatus,
    },
    #[serde(rename = "meter.enrollment.participation-status.updated")]
    ParticipationStatusUpdated {
        meter_id: Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partner_reference: Option<String>,
        transmission_region: TransmissionRegion,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        meter_type: Option<MeterType>,
        participation_preference: ParticipationPreference,
        start_time: DateTime<Utc>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        end_time: Option<DateTime<Utc>>,
    },
    #[serde(rename = "meter.enrollment.required-actions.updated")]
    RequiredActionsUpdated {
        meter_id: Uuid,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        partner_reference: Option<String>,
        transmission_region: TransmissionRegion,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        meter_type: Option<MeterType>,
        global_enrollment_status: EnrollmentStatus,
        required_actions: PartnerRequiredActions,
    },
    #[serde(rename = "meter.enrollment.group.updated")]
    GroupUpdated {
        market_group_id: Uuid,
        market_group_name: String,
        start_date_time: DateTime<Utc>,
        end_date_time: DateTime<Utc>,
        meter_ids: Vec<Uuid>,
    },
}

impl EventPayload {
    pub fn event_type(&self) -> WebhookEventType {
        use WebhookEventType as T;
        match self {
            EventPayload::MeterCreated { .. } => T::MeterCreated,
            EventPayload::ConnectSessionUpdated { .. } => T::ConnectSessionUpdated,
            EventPayload::ConnectSessionAuthorizationUpdated { .. } => {
                T::ConnectSessionAuthorizationUpdated
            }
            EventPayload::GlobalStatusUpdated { .. } => T::MeterEnrollmentGlobalStatusUpdated,
            EventPayload::ParticipationStatusUpdated { .. } => {
                T::MeterEnrollmentParticipationStatusUpdated
            }
            EventPayload::RequiredActionsUpdated { .. } => T::MeterEnrollmentRequiredActionsUpdated,
            EventPayload::GroupUpdated { .. } => T::MeterEnrollmentGroupUpdated,
        }
    }

    /// The meter the event is about, if it is about one meter.
    pub fn meter_id(&self) -> Option<Uuid> {
        match self {
            EventPayload::MeterCreated { meter_id, .. }
            | EventPayload::GlobalStatusUpdated { meter_id, .. }
            | EventPayload::ParticipationStatusUpdated { meter_id, .. }
            | EventPayload::RequiredActionsUpdated { meter_id, .. } => Some(*meter_id),
            _ => None,
        }
    }

    /// The Connect refId the event is about, if it is a Connect event.
    pub fn ref_id(&self) -> Option<&str> {
        match self {
            EventPayload::ConnectSessionUpdated {
                partner_reference, ..
            }
            | EventPayload::ConnectSessionAuthorizationUpdated {
                partner_reference, ..
            } => Some(partner_reference),
            _ => None,
        }
    }
}

/// An event committed to the outbox, in the order state changed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxEvent {
    /// Monotonic across the whole mock (never reused, not even after a reset).
    pub seq: u64,
    pub org: String,
    /// The id Leap puts in the envelope; retries and redeliveries keep it.
    pub webhook_event_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub payload: EventPayload,
}

impl OutboxEvent {
    pub fn event_type(&self) -> WebhookEventType {
        self.payload.event_type()
    }

    /// Leap's envelope: `{"webhook_event_id": ..., "payload": {...}}`.
    pub fn envelope(&self) -> serde_json::Value {
        serde_json::json!({
            "webhook_event_id": self.webhook_event_id,
            "payload": self.payload,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_with_the_type_tag() {
        let e = EventPayload::ConnectSessionUpdated {
            partner_reference: "customer-site-123".into(),
            status: SessionStatus::Created,
        };
        assert_eq!(
            serde_json::to_value(&e).unwrap(),
            serde_json::json!({"webhook_event_type": "connect_session.updated",
                "partner_reference": "customer-site-123", "status": "CREATED"})
        );
        assert_eq!(e.event_type(), WebhookEventType::ConnectSessionUpdated);
    }
}

//! Webhook subscriptions (Leap's Webhook Subscription API v1.1): receiver URL, event types and
//! custom headers, validated once when created or replaced.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use url::Url;
use uuid::Uuid;

use super::enums::WebhookEventType;
use super::validate::Problems;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// Where a subscription came from: Leap's API, or an org's `webhook_url` setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Api,
    Settings,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Subscription {
    pub webhook_id: Uuid,
    pub receiver_url: Url,
    pub event_types: Vec<WebhookEventType>,
    pub headers: Vec<Header>,
    pub origin: Origin,
    pub created_at: DateTime<Utc>,
}

/// Leap's `WebhookRequest` body (create and full-overwrite update).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WebhookRequest {
    pub receiver_url: String,
    pub event_types: Vec<WebhookEventType>,
    #[serde(default)]
    pub headers: Vec<Header>,
}

/// Headers the mock sets itself; a subscription may not override them.
const RESERVED_HEADERS: &[&str] = &[
    "content-type",
    "content-length",
    "host",
    "transfer-encoding",
    "connection",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
];

/// Extra rules on receiver URLs (strict mode, host allowlist). The default accepts any absolute
/// http(s) URL, as the reference suggests for a local mock.
pub trait ReceiverPolicy {
    /// `Err(explanation)` when the URL is refused.
    fn check(&self, url: &Url) -> Result<(), String>;
}

/// Accepts every absolute http(s) URL.
pub struct AnyReceiver;

impl ReceiverPolicy for AnyReceiver {
    fn check(&self, _: &Url) -> Result<(), String> {
        Ok(())
    }
}

impl WebhookRequest {
    /// Checks the request and returns the parsed receiver URL.
    pub fn validate(&self, policy: &dyn ReceiverPolicy) -> Result<Url, Problems> {
        let mut p = Problems::default();
        let url = match Url::parse(self.receiver_url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {
                if let Err(why) = policy.check(&u) {
                    p.push("receiver_url", why);
                }
                Some(u)
            }
            _ => {
                p.push(
                    "receiver_url",
                    format!(
                        "must be an absolute http:// or https:// URL (got {:?})",
                        self.receiver_url
                    ),
                );
                None
            }
        };
        if self.event_types.is_empty() {
            p.push(
                "event_types",
                format!(
                    "must list at least one event type: {}",
                    WebhookEventType::ALL
                        .iter()
                        .map(|t| t.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        for (i, h) in self.headers.iter().enumerate() {
            let field = format!("headers[{i}].name");
            if actix_web::http::header::HeaderName::from_bytes(h.name.as_bytes()).is_err() {
                p.push(
                    &field,
                    format!("{:?} is not a valid HTTP header name", h.name),
                );
            } else if RESERVED_HEADERS.contains(&h.name.to_ascii_lowercase().as_str()) {
                p.push(
                    &field,
                    format!("{:?} is set by the sender and cannot be overridden", h.name),
                );
            }
            if actix_web::http::header::HeaderValue::from_str(&h.value).is_err() {
                p.push(
                    format!("headers[{i}].value"),
                    "is not a valid HTTP header value (no line breaks or control characters)",
                );
            }
        }
        match (p.is_empty(), url) {
            (true, Some(url)) => Ok(url),
            _ => Err(p),
        }
    }
}

impl Subscription {
    pub fn new(request: WebhookRequest, url: Url, now: DateTime<Utc>) -> Self {
        let mut event_types = request.event_types;
        event_types.dedup();
        Subscription {
            webhook_id: Uuid::new_v4(),
            receiver_url: url,
            event_types,
            headers: request.headers,
            origin: Origin::Api,
            created_at: now,
        }
    }

    /// The subscription an org's `webhook_url` setting makes: every event type.
    pub fn from_setting(url: Url, now: DateTime<Utc>) -> Self {
        Subscription {
            webhook_id: Uuid::new_v4(),
            receiver_url: url,
            event_types: WebhookEventType::ALL.to_vec(),
            headers: Vec::new(),
            origin: Origin::Settings,
            created_at: now,
        }
    }

    /// PUT: every setting is overwritten; the id and origin stay.
    pub fn replace(&mut self, request: WebhookRequest, url: Url) {
        let mut event_types = request.event_types;
        event_types.dedup();
        self.receiver_url = url;
        self.event_types = event_types;
        self.headers = request.headers;
    }

    pub fn wants(&self, event_type: WebhookEventType) -> bool {
        self.event_types.contains(&event_type)
    }

    /// Leap's `Webhook` list item.
    pub fn view(&self) -> serde_json::Value {
        serde_json::json!({
            "webhook_id": self.webhook_id,
            "event_types": self.event_types,
            "headers": self.headers,
            "receiver_url": self.receiver_url.as_str(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(url: &str, types: Vec<WebhookEventType>, headers: Vec<Header>) -> WebhookRequest {
        WebhookRequest {
            receiver_url: url.into(),
            event_types: types,
            headers,
        }
    }

    #[test]
    fn validates_url_types_and_headers() {
        let ok = req(
            "http://localhost:9000/hooks",
            vec![WebhookEventType::MeterCreated],
            vec![],
        );
        assert!(ok.validate(&AnyReceiver).is_ok());
        let bad = req(
            "ftp://x",
            vec![],
            vec![
                Header {
                    name: "Content-Type".into(),
                    value: "x".into(),
                },
                Header {
                    name: "bad name".into(),
                    value: "a\nb".into(),
                },
            ],
        );
        let problems = bad.validate(&AnyReceiver).unwrap_err();
        let fields: Vec<_> = problems.0.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "receiver_url",
                "event_types",
                "headers[0].name",
                "headers[1].name",
                "headers[1].value"
            ]
        );
    }
}

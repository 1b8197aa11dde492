//! The one HTTP client every webhook attempt (and `/test` call) goes through, and what one
//! attempt observed. Success is any 2xx within `webhooks.timeout`; everything else — another
//! status, refused, reset, TLS failure, timeout — is a failed attempt.
//!
//! The timeout is a limit, not a delay: it is deliberately not scaled by `time_scale`.
//! Redirects are not followed (a 3xx is a failed attempt, as in svix and most senders).

use std::path::Path;
use std::time::{Duration, Instant};

use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use url::Url;

use crate::settings::WebhookSettings;

pub const USER_AGENT: &str = concat!("leap-mock/", env!("CARGO_PKG_VERSION"));

/// Bytes of a receiver's response body kept in the delivery log.
pub const RESPONSE_BODY_LIMIT: usize = 4096;

/// Reads and checks `webhooks.ca_file`: at least one PEM certificate.
pub fn read_ca_file(path: &Path) -> Result<Vec<reqwest::Certificate>, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let certs = reqwest::Certificate::from_pem_bundle(&pem)
        .map_err(|e| format!("{} is not a PEM certificate bundle: {e}", path.display()))?;
    if certs.is_empty() {
        return Err(format!(
            "{} holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)",
            path.display()
        ));
    }
    Ok(certs)
}

/// The shared client: bundled Mozilla roots, plus `ca_file`, optionally accepting any cert.
pub fn build(settings: &WebhookSettings) -> Result<reqwest::Client, String> {
    let mut builder = reqwest::Client::builder()
        .timeout(settings.timeout)
        .user_agent(USER_AGENT)
        .redirect(reqwest::redirect::Policy::none())
        .danger_accept_invalid_certs(settings.accept_invalid_certs);
    if !settings.ca_file.is_empty() {
        for cert in read_ca_file(Path::new(&settings.ca_file))? {
            builder = builder.add_root_certificate(cert);
        }
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the webhook HTTP client: {e}"))
}

/// One request to a receiver.
#[derive(Debug, Clone)]
pub struct Outgoing {
    pub url: Url,
    /// Custom headers first, then the signing headers (validated names and values).
    pub headers: Vec<(String, String)>,
    pub body: actix_web::web::Bytes,
}

/// How an attempt ended, as counted in `leap_mock_webhook_attempts_total{outcome}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AttemptOutcome {
    /// A 2xx within the timeout.
    Succeeded,
    /// The receiver answered with another status.
    HttpStatus,
    /// No complete answer within the timeout.
    Timeout,
    /// Could not connect: refused, DNS, TLS handshake.
    Connect,
    /// Anything else (reset mid-response, protocol error).
    Error,
}

impl AttemptOutcome {
    pub const ALL: [AttemptOutcome; 5] = [
        AttemptOutcome::Succeeded,
        AttemptOutcome::HttpStatus,
        AttemptOutcome::Timeout,
        AttemptOutcome::Connect,
        AttemptOutcome::Error,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AttemptOutcome::Succeeded => "succeeded",
            AttemptOutcome::HttpStatus => "http_status",
            AttemptOutcome::Timeout => "timeout",
            AttemptOutcome::Connect => "connect",
            AttemptOutcome::Error => "error",
        }
    }
}

/// What one attempt observed.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    pub outcome: AttemptOutcome,
    pub latency: Duration,
    /// Set when the receiver answered (even if the body then failed).
    pub status_code: Option<u16>,
    /// Set when the attempt failed for a reason other than the status code.
    pub error: Option<String>,
    /// The response body, cut at [`RESPONSE_BODY_LIMIT`] bytes.
    pub body: Option<String>,
    pub body_truncated: bool,
}

/// Sends one attempt and reports what happened; never panics, never returns early on error.
pub async fn send(client: &reqwest::Client, out: &Outgoing) -> Reply {
    let started = Instant::now();
    let mut headers = HeaderMap::new();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in &out.headers {
        // Subscriptions validate names and values; anything unusable is skipped, not fatal.
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) {
            headers.append(n, v);
        }
    }
    let response = client
        .post(out.url.clone())
        .headers(headers)
        .body(out.body.clone())
        .send()
        .await;
    let mut response = match response {
        Ok(r) => r,
        Err(e) => {
            let outcome = if e.is_timeout() {
                AttemptOutcome::Timeout
            } else if e.is_connect() {
                AttemptOutcome::Connect
            } else {
                AttemptOutcome::Error
            };
            return Reply {
                outcome,
                latency: started.elapsed(),
                status_code: None,
                error: Some(describe(&e)),
                body: None,
                body_truncated: false,
            };
        }
    };
    let status = response.status();
    let mut body = Vec::new();
    let mut truncated = false;
    let mut body_error = None;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                let room = RESPONSE_BODY_LIMIT - body.len();
                if chunk.len() > room {
                    body.extend_from_slice(&chunk[..room]);
                    truncated = true;
                    break;
                }
                body.extend_from_slice(&chunk);
            }
            Ok(None) => break,
            Err(e) => {
                body_error = Some(e);
                break;
            }
        }
    }
    let latency = started.elapsed();
    let (outcome, error) = match body_error {
        Some(e) if e.is_timeout() => (AttemptOutcome::Timeout, Some(describe(&e))),
        Some(e) => (AttemptOutcome::Error, Some(describe(&e))),
        None if status.is_success() => (AttemptOutcome::Succeeded, None),
        None => (AttemptOutcome::HttpStatus, None),
    };
    Reply {
        outcome,
        latency,
        status_code: Some(status.as_u16()),
        error,
        body: Some(String::from_utf8_lossy(&body).into_owned()),
        body_truncated: truncated,
    }
}

/// The error with its causes ("error sending request: ... : Connection refused (os error 111)").
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out: no complete response within webhooks.timeout".to_string()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ca_file_must_hold_a_certificate() {
        let dir = std::env::temp_dir().join(format!("leap-mock-ca-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let missing = dir.join("missing.pem");
        assert!(read_ca_file(&missing).unwrap_err().contains("cannot read"));
        let junk = dir.join("junk.pem");
        std::fs::write(&junk, "not a certificate").unwrap();
        assert!(read_ca_file(&junk).is_err());
        let _ = std::fs::remove_dir_all(&dir);
    }
}

//! Mock-only Standard Webhooks signing, checked by a verifier written here from the spec
//! (https://www.standardwebhooks.com), independent of the mock's own signing code.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use wiremock::Request;

use crate::helpers::{DEMO_KEY, json, spawn_app_with};
use crate::webhooks_support::{Receiver, create_meters, subscribe};

const GLOBAL_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const DEMO_SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// Verifies a request as a receiver would: signed content `{id}.{timestamp}.{raw body}`, HMAC-SHA256
/// with the base64-decoded secret, any `v1,` signature in the space-separated list, timestamp
/// within 5 minutes.
fn verify(secret: &str, request: &Request) -> Result<(), String> {
    let header = |name: &str| {
        request
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
            .ok_or(format!("missing {name}"))
    };
    let (id, timestamp, signatures) = (
        header("webhook-id")?,
        header("webhook-timestamp")?,
        header("webhook-signature")?,
    );
    let ts: i64 = timestamp.parse().map_err(|_| "bad timestamp".to_string())?;
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    if (now - ts).abs() > 300 {
        return Err("timestamp outside tolerance".into());
    }
    let key = STANDARD
        .decode(secret.trim_start_matches("whsec_"))
        .map_err(|e| e.to_string())?;
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|e| e.to_string())?;
    let mut signed = format!("{id}.{timestamp}.").into_bytes();
    signed.extend_from_slice(&request.body);
    mac.update(&signed);
    let expected = STANDARD.encode(mac.finalize().into_bytes());
    signatures
        .split(' ')
        .filter_map(|s| s.split_once(','))
        .any(|(version, sig)| version == "v1" && sig == expected)
        .then_some(())
        .ok_or_else(|| "no matching v1 signature".to_string())
}

#[tokio::test]
async fn deliveries_and_tests_are_signed_and_verify_with_the_orgs_secret() {
    let demo_receiver = Receiver::ok().await;
    let acme_receiver = Receiver::ok().await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__WEBHOOKS__SIGNING_SECRET", GLOBAL_SECRET),
        ("LEAP_MOCK__ORGS__DEMO__SIGNING_SECRET", DEMO_SECRET),
        ("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key"),
    ])
    .await;
    let demo_hook = subscribe(
        &app,
        DEMO_KEY,
        &demo_receiver.uri(),
        &["meter.created"],
        json!([]),
    )
    .await;
    subscribe(
        &app,
        "acme-key",
        &acme_receiver.uri(),
        &["meter.created"],
        json!([]),
    )
    .await;
    create_meters(&app, DEMO_KEY, 1).await;
    create_meters(&app, "acme-key", 1).await;
    let resp = app
        .post_json_as(
            DEMO_KEY,
            &format!("/v1.1/webhooks/{demo_hook}/test"),
            &json!({"webhook_event_type": "connect_session.updated", "partner_reference": "ref-1", "status": "CREATED"}),
        )
        .await;
    assert_eq!(json(resp).await["is_successful"], true);

    let demo = demo_receiver.wait_for(2).await;
    let acme = acme_receiver.wait_for(1).await;
    for (_, request) in &demo {
        verify(DEMO_SECRET, request).expect("the org's own secret wins");
        assert!(verify(GLOBAL_SECRET, request).is_err());
        let body: serde_json::Value = request.body_json().unwrap();
        assert_eq!(
            request.headers["webhook-id"],
            body["webhook_event_id"].as_str().unwrap()
        );
    }
    verify(GLOBAL_SECRET, &acme[0].1).expect("other orgs use the global secret");
    // Tampering is caught: the verifier is not a rubber stamp.
    let mut tampered = demo[0].1.clone();
    tampered.body.push(b' ');
    assert!(verify(DEMO_SECRET, &tampered).is_err());
}

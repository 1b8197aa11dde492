//! Webhook delivery as Leap does it: envelope and headers, fan-out, event-type filtering,
//! retries on the (scaled) schedule, the timeout, dead letters. Real receivers over HTTP.

use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::{DEMO_KEY, json, spawn_app_with};
use crate::webhooks_support::{Receiver, create_meters, deliveries, poll, settled, subscribe};

#[tokio::test]
async fn org_webhook_url_gets_leaps_envelope_with_content_type() {
    let receiver = Receiver::ok().await;
    let hook = format!("{}/leap-webhooks", receiver.uri());
    let app = spawn_app_with(&[("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &hook)]).await;
    let meter_id = create_meters(&app, DEMO_KEY, 1).await.remove(0);
    let (_, request) = receiver.wait_for(1).await.remove(0);

    assert_eq!(request.method.as_str(), "POST");
    assert_eq!(request.url.path(), "/leap-webhooks");
    assert_eq!(request.headers["content-type"], "application/json");
    let body: Value = request.body_json().unwrap();
    // Leap's WebhookPayload: exactly webhook_event_id + payload, and the payload satisfies
    // MeterCreatedEventV1 (required: meter_id, transmission_region).
    let members: Vec<&String> = body.as_object().unwrap().keys().collect();
    assert_eq!(members, ["payload", "webhook_event_id"]);
    let payload = &body["payload"];
    assert_eq!(payload["webhook_event_type"], "meter.created");
    assert_eq!(payload["meter_id"], meter_id.as_str());
    assert_eq!(payload["transmission_region"], "CAISO");
    assert!(
        payload["partner_reference"]
            .as_str()
            .unwrap()
            .starts_with("site-")
    );
    // The id is the outbox event's, as /_mock/events shows it.
    let events = json(app.get("/_mock/events?org=demo").await).await;
    let event = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["payload"]["meter_id"] == meter_id.as_str())
        .expect("the event in the outbox")
        .clone();
    assert_eq!(body["webhook_event_id"], event["webhook_event_id"]);
    assert!(uuid::Uuid::parse_str(body["webhook_event_id"].as_str().unwrap()).is_ok());
}

#[tokio::test]
async fn api_subscription_sends_its_custom_headers_and_no_signature_by_default() {
    let receiver = Receiver::ok().await;
    let app = spawn_app_with(&[]).await;
    subscribe(
        &app,
        DEMO_KEY,
        &receiver.uri(),
        &["meter.created"],
        json!([{"name": "x-api-key", "value": "your-test-key"}, {"name": "X-Partner", "value": "acme"}]),
    )
    .await;
    create_meters(&app, DEMO_KEY, 1).await;
    let (_, request) = receiver.wait_for(1).await.remove(0);
    assert_eq!(request.headers["x-api-key"], "your-test-key");
    assert_eq!(request.headers["x-partner"], "acme");
    assert!(
        request.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("leap-mock/")
    );
    for h in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        assert!(
            !request.headers.contains_key(h),
            "Leap does not sign: no {h}"
        );
    }
}

#[tokio::test]
async fn one_event_reaches_every_subscription_that_wants_its_type() {
    let from_settings = Receiver::ok().await;
    let wants_it = Receiver::ok().await;
    let other_type = Receiver::ok().await;
    let app = spawn_app_with(&[("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &from_settings.uri())]).await;
    let wanted = subscribe(
        &app,
        DEMO_KEY,
        &wants_it.uri(),
        &["connect_session.updated", "meter.created"],
        json!([]),
    )
    .await;
    let unwanted = subscribe(
        &app,
        DEMO_KEY,
        &other_type.uri(),
        &["connect_session.updated"],
        json!([]),
    )
    .await;
    let meter_id = create_meters(&app, DEMO_KEY, 1).await.remove(0);

    let log = settled(&app, "org=demo", 2).await;
    from_settings.wait_for(1).await;
    wants_it.wait_for(1).await;
    for r in [&from_settings, &wants_it] {
        assert_eq!(r.bodies()[0]["payload"]["meter_id"], meter_id.as_str());
    }
    // Same event, same webhook_event_id, one delivery per subscription.
    assert_eq!(from_settings.event_ids(), wants_it.event_ids());
    assert!(log.iter().any(|d| d["webhook_id"] == wanted.as_str()));
    assert!(
        deliveries(&app, &format!("webhook_id={unwanted}"))
            .await
            .is_empty()
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(other_type.count(), 0, "filtered by event type");
}

#[tokio::test]
async fn a_receiver_failing_three_times_gets_four_attempts_on_the_scaled_schedule() {
    // Leap's first waits (1m, 2m, 4m) at time_scale 0.002 are 120, 240 and 480 ms.
    let receiver = Receiver::scripted(vec![500, 502, 429]).await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__TIME_SCALE", "0.002"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
    ])
    .await;
    create_meters(&app, DEMO_KEY, 1).await;
    let log = settled(&app, "org=demo", 1).await;
    let seen = receiver.received();
    assert_eq!(seen.len(), 4, "exactly N+1 attempts");
    assert!(
        seen.windows(2).all(|w| w[0].1.body == w[1].1.body),
        "same body bytes"
    );
    for (i, wait_ms) in [120u64, 240, 480].into_iter().enumerate() {
        let gap = seen[i + 1].0 - seen[i].0;
        assert!(
            gap >= Duration::from_millis(wait_ms) && gap < Duration::from_millis(wait_ms + 150),
            "attempt {} came {gap:?} after the previous one; expected ~{wait_ms} ms",
            i + 2
        );
    }
    let d = &log[0];
    assert_eq!(d["status"], "succeeded");
    let attempts = d["attempts"].as_array().unwrap();
    let codes: Vec<&Value> = attempts.iter().map(|a| &a["status_code"]).collect();
    assert_eq!(codes, [&json!(500), &json!(502), &json!(429), &json!(200)]);
    assert_eq!(attempts[0]["outcome"], "http_status");
    assert_eq!(attempts[3]["outcome"], "succeeded");
    assert!(d["delivered_at"].is_string());
}

#[tokio::test]
async fn ten_failures_make_a_dead_letter_on_leaps_own_schedule() {
    // Leap's 8-hour schedule at time_scale 0.00005 takes about 1.4 s.
    let receiver = Receiver::always(500).await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__TIME_SCALE", "0.00005"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
    ])
    .await;
    create_meters(&app, DEMO_KEY, 1).await;
    let log = settled(&app, "status=failed", 1).await;
    let d = &log[0];
    assert_eq!(d["attempt_count"], 10);
    assert_eq!(d["max_attempts"], 10);
    assert_eq!(d["next_attempt_at"], Value::Null);
    assert_eq!(d["attempts"][9]["response_body"], "receiver says no");
    assert_eq!(receiver.count(), 10, "no 11th attempt");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(receiver.count(), 10);
    assert!(deliveries(&app, "status=pending").await.is_empty());
}

#[tokio::test]
async fn a_receiver_that_never_answers_hits_the_timeout() {
    let receiver = Receiver::hanging().await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__WEBHOOKS__TIMEOUT", "200ms"),
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
    ])
    .await;
    create_meters(&app, DEMO_KEY, 1).await;
    let log = settled(&app, "org=demo", 1).await;
    let attempt = &log[0]["attempts"][0];
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(attempt["outcome"], "timeout");
    assert_eq!(attempt["status_code"], Value::Null);
    assert!(
        attempt["error"].as_str().unwrap().contains("timed out"),
        "{attempt}"
    );
    let latency = attempt["latency_ms"].as_f64().unwrap();
    assert!((200.0..2000.0).contains(&latency), "{latency}");
}

#[tokio::test]
async fn refused_connections_are_failed_attempts_and_later_events_keep_their_order() {
    let receiver = Receiver::ok().await;
    let port = crate::webhooks_support::closed_port();
    let app = spawn_app_with(&[("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s")]).await;
    let refused = subscribe(
        &app,
        DEMO_KEY,
        &format!("http://127.0.0.1:{port}/hooks"),
        &["meter.created"],
        json!([]),
    )
    .await;
    subscribe(
        &app,
        DEMO_KEY,
        &receiver.uri(),
        &["meter.created"],
        json!([]),
    )
    .await;
    let meters = create_meters(&app, DEMO_KEY, 8).await;

    let failed = settled(&app, &format!("webhook_id={refused}"), 8).await;
    assert!(
        failed
            .iter()
            .all(|d| d["attempts"][0]["outcome"] == "connect")
    );
    assert!(failed[0]["attempts"][0]["error"].as_str().unwrap().len() > 10);
    receiver.wait_for(8).await;
    let order: Vec<Value> = receiver
        .bodies()
        .iter()
        .map(|b| b["payload"]["meter_id"].clone())
        .collect();
    let expected: Vec<Value> = meters.iter().map(|m| json!(m)).collect();
    assert_eq!(
        order, expected,
        "first attempts in outbox order per subscription"
    );
}

#[tokio::test]
async fn deleting_a_subscription_stops_its_retries() {
    let receiver = Receiver::always(503).await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__TIME_SCALE", "0.001"),
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s,5m,5m"),
    ])
    .await;
    let id = subscribe(
        &app,
        DEMO_KEY,
        &receiver.uri(),
        &["meter.created"],
        json!([]),
    )
    .await;
    create_meters(&app, DEMO_KEY, 1).await;
    receiver.wait_for(1).await;
    let resp = app
        .request_as(
            reqwest::Method::DELETE,
            DEMO_KEY,
            &format!("/v1.1/webhooks/{id}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let log = poll("the delivery to give up", || async {
        let list = deliveries(&app, "status=failed").await;
        (!list.is_empty()).then_some(list)
    })
    .await;
    assert_eq!(log[0]["gave_up"], "the subscription was deleted");
    assert_eq!(receiver.count(), 1);
}

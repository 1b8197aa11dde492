//! `POST /v1.1/webhooks/{webhook_id}/test`: really sends, reports TestWebhookResponse.

use serde_json::{Value, json};

use crate::helpers::{DEMO_KEY, TestApp, json, spawn_app_with};
use crate::webhooks_support::{Receiver, closed_port, deliveries, subscribe};

const SAMPLE: &str = r#"{"webhook_event_type": "meter.created", "meter_id": "364be407-1f08-48fa-afd2-ee1dd228b76b", "partner_reference": "sample-ref-123"}"#;

async fn test_call(app: &TestApp, key: &str, webhook_id: &str, body: &str) -> reqwest::Response {
    app.request_as(
        reqwest::Method::POST,
        key,
        &format!("/v1.1/webhooks/{webhook_id}/test"),
    )
    .header("content-type", "application/json")
    .body(body.to_string())
    .send()
    .await
    .expect("request sent")
}

#[tokio::test]
async fn sends_the_body_in_a_fresh_envelope_with_the_subscriptions_headers() {
    let receiver = Receiver::ok().await;
    let app = spawn_app_with(&[]).await;
    let id = subscribe(
        &app,
        DEMO_KEY,
        &receiver.uri(),
        &["meter.created"],
        json!([{"name": "x-api-key", "value": "your-test-key"}]),
    )
    .await;
    let resp = test_call(&app, DEMO_KEY, &id, SAMPLE).await;
    assert_eq!(resp.status(), 200);
    let report = json(resp).await;
    assert_eq!(report["is_successful"], true);
    assert_eq!(report["status_code"], 200);
    assert!(report["response_time_ms"].is_u64());
    assert!(report.get("error").is_none(), "{report}");

    let (_, request) = receiver.wait_for(1).await.remove(0);
    assert_eq!(request.headers["x-api-key"], "your-test-key");
    assert_eq!(request.headers["content-type"], "application/json");
    let body: Value = request.body_json().unwrap();
    let sample: Value = serde_json::from_str(SAMPLE).unwrap();
    assert_eq!(body["payload"], sample, "the request body, as given");
    assert!(uuid::Uuid::parse_str(body["webhook_event_id"].as_str().unwrap()).is_ok());
    // A second test gets a fresh id.
    test_call(&app, DEMO_KEY, &id, SAMPLE).await;
    let ids = receiver.wait_for(2).await;
    assert_ne!(ids[0].1.body, ids[1].1.body);
    assert!(
        deliveries(&app, "").await.is_empty(),
        "a test is not a delivery"
    );
}

#[tokio::test]
async fn reports_status_codes_and_unreachable_receivers() {
    let failing = Receiver::always(503).await;
    let hanging = Receiver::hanging().await;
    let app = spawn_app_with(&[("LEAP_MOCK__WEBHOOKS__TIMEOUT", "200ms")]).await;

    let id = subscribe(
        &app,
        DEMO_KEY,
        &failing.uri(),
        &["meter.created"],
        json!([]),
    )
    .await;
    let report = json(test_call(&app, DEMO_KEY, &id, SAMPLE).await).await;
    assert_eq!(report["is_successful"], false);
    assert_eq!(report["status_code"], 503);
    assert!(report["response_time_ms"].is_u64());
    assert!(report.get("error").is_none(), "{report}");

    let refused = format!("http://127.0.0.1:{}/hooks", closed_port());
    let id = subscribe(&app, DEMO_KEY, &refused, &["meter.created"], json!([])).await;
    let report = json(test_call(&app, DEMO_KEY, &id, SAMPLE).await).await;
    assert_eq!(report["is_successful"], false);
    assert!(report["error"].as_str().unwrap().len() > 5, "{report}");
    assert!(report.get("status_code").is_none() && report.get("response_time_ms").is_none());

    let id = subscribe(
        &app,
        DEMO_KEY,
        &hanging.uri(),
        &["meter.created"],
        json!([]),
    )
    .await;
    let report = json(test_call(&app, DEMO_KEY, &id, SAMPLE).await).await;
    assert_eq!(report["is_successful"], false);
    assert!(
        report["error"].as_str().unwrap().contains("timed out"),
        "{report}"
    );
    assert!(report.get("status_code").is_none());
}

#[tokio::test]
async fn bad_ids_bodies_and_other_orgs_webhooks_are_refused_in_the_webhook_envelope() {
    let receiver = Receiver::ok().await;
    let app = spawn_app_with(&[("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key")]).await;
    let id = subscribe(
        &app,
        DEMO_KEY,
        &receiver.uri(),
        &["meter.created"],
        json!([]),
    )
    .await;

    let resp = test_call(&app, DEMO_KEY, "not-a-uuid", SAMPLE).await;
    assert_eq!(resp.status(), 400);
    assert_eq!(json(resp).await["error"], "Bad Request");
    let unknown = uuid::Uuid::new_v4().to_string();
    for (key, webhook) in [(DEMO_KEY, unknown.as_str()), ("acme-key", id.as_str())] {
        let resp = test_call(&app, key, webhook, SAMPLE).await;
        assert_eq!(resp.status(), 404);
        assert_eq!(
            json(resp).await,
            json!({"error": "Not Found", "message": "The specified resource was not found"})
        );
    }
    for body in [
        r#"{"meter_id": "x"}"#,
        r#"{"webhook_event_type": "meter.deleted"}"#,
        r#"{"webhook_event_type": 7}"#,
        r#"["meter.created"]"#,
        r#"{"webhook_event_type": "#,
    ] {
        let resp = test_call(&app, DEMO_KEY, &id, body).await;
        assert_eq!(resp.status(), 400, "{body}");
        let error = json(resp).await;
        assert_eq!(error["error"], "Bad Request", "{body}: {error}");
    }
    let error = json(test_call(&app, DEMO_KEY, &id, r#"{"meter_id": "x"}"#).await).await;
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("meter.enrollment.group.updated")
    );
    assert_eq!(
        app.post_json_as("", &format!("/v1.1/webhooks/{id}/test"), &json!({}))
            .await
            .status(),
        401
    );
    assert_eq!(receiver.count(), 0, "nothing was sent");
}

//! Webhook metric families after a known sequence of deliveries, and the dispatcher in /readyz.

use serde_json::json;

use crate::helpers::{DEMO_KEY, json, spawn_app_with};
use crate::webhooks_support::{Receiver, closed_port, create_meters, metric, settled, subscribe};

#[tokio::test]
async fn counters_gauges_and_histograms_after_a_known_sequence() {
    let ok = Receiver::ok().await;
    let once = Receiver::scripted(vec![500]).await;
    let never = Receiver::always(500).await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__TIME_SCALE", "0.001"),
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s,1m"),
    ])
    .await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(metric(&text, "leap_mock_webhook_pending", &[]), 0.0);
    assert_eq!(
        metric(
            &text,
            "leap_mock_webhook_attempts_total",
            &[("outcome", "succeeded")]
        ),
        0.0
    );

    let refused = format!("http://127.0.0.1:{}/", closed_port());
    for url in [ok.uri(), once.uri(), never.uri(), refused] {
        subscribe(&app, DEMO_KEY, &url, &["meter.created"], json!([])).await;
    }
    create_meters(&app, DEMO_KEY, 1).await;
    settled(&app, "", 4).await;

    // ok: 1 success. once: 500 then success. never: 2 x 500, dead. refused: 2 x connect, dead.
    let text = app.get("/metrics").await.text().await.unwrap();
    let deliveries = |outcome| {
        metric(
            &text,
            "leap_mock_webhook_deliveries_total",
            &[("event_type", "meter.created"), ("outcome", outcome)],
        )
    };
    assert_eq!(deliveries("succeeded"), 2.0);
    assert_eq!(deliveries("failed"), 2.0);
    let attempts = |outcome| {
        metric(
            &text,
            "leap_mock_webhook_attempts_total",
            &[("outcome", outcome)],
        )
    };
    assert_eq!(attempts("succeeded"), 2.0);
    assert_eq!(attempts("http_status"), 3.0);
    assert_eq!(attempts("connect"), 2.0);
    assert_eq!(attempts("timeout"), 0.0);
    assert_eq!(
        metric(
            &text,
            "leap_mock_webhook_attempt_duration_seconds_count",
            &[]
        ),
        7.0
    );
    assert_eq!(metric(&text, "leap_mock_webhook_pending", &[]), 0.0);
    assert_eq!(
        metric(
            &text,
            "leap_mock_webhook_event_to_delivery_seconds_count",
            &[]
        ),
        2.0
    );
    // The retried success waited ~60 ms (1m at 0.001): one of the two is above 50 ms.
    assert_eq!(
        metric(
            &text,
            "leap_mock_webhook_event_to_delivery_seconds_bucket",
            &[("le", "0.05")]
        ),
        1.0
    );
}

#[tokio::test]
async fn pending_counts_deliveries_waiting_for_a_retry() {
    let never = Receiver::always(500).await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s,1h"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &never.uri()),
    ])
    .await;
    create_meters(&app, DEMO_KEY, 2).await;
    never.wait_for(2).await;
    let text = app.get("/metrics").await.text().await.unwrap();
    assert_eq!(metric(&text, "leap_mock_webhook_pending", &[]), 2.0);
}

#[tokio::test]
async fn readyz_reports_the_dispatcher() {
    let app = spawn_app_with(&[]).await;
    let body = json(app.get("/readyz").await).await;
    assert_eq!(body["checks"]["webhook_dispatcher"], "up");
}

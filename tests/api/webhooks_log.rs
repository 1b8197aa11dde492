//! The mock-only delivery log: `/_mock/deliveries` filters, paging, detail, redeliver, errors.

use serde_json::{Value, json};

use crate::helpers::{DEMO_KEY, json, spawn_app_with};
use crate::webhooks_support::{Receiver, create_meters, deliveries, poll, settled, subscribe};

#[tokio::test]
async fn filters_and_pages_newest_first() {
    let ok = Receiver::ok().await;
    let failing = Receiver::always(500).await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s"),
        ("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key"),
    ])
    .await;
    let good = subscribe(&app, DEMO_KEY, &ok.uri(), &["meter.created"], json!([])).await;
    let bad = subscribe(
        &app,
        DEMO_KEY,
        &failing.uri(),
        &["meter.created"],
        json!([]),
    )
    .await;
    subscribe(&app, "acme-key", &ok.uri(), &["meter.created"], json!([])).await;
    create_meters(&app, DEMO_KEY, 3).await;
    create_meters(&app, "acme-key", 1).await;
    settled(&app, "", 7).await;

    let demo = deliveries(&app, "org=demo").await;
    assert_eq!(demo.len(), 6);
    let seqs: Vec<u64> = demo
        .iter()
        .map(|d| d["event_seq"].as_u64().unwrap())
        .collect();
    assert!(
        seqs.windows(2).all(|w| w[0] >= w[1]),
        "newest first: {seqs:?}"
    );
    assert_eq!(deliveries(&app, "org=acme").await.len(), 1);
    let failed = deliveries(&app, "status=failed").await;
    assert_eq!(failed.len(), 3);
    assert!(failed.iter().all(|d| d["webhook_id"] == bad.as_str()));
    assert_eq!(
        deliveries(&app, &format!("webhook_id={good}&status=succeeded"))
            .await
            .len(),
        3
    );
    assert_eq!(deliveries(&app, "event_type=meter.created").await.len(), 7);
    assert!(
        deliveries(&app, "event_type=connect_session.updated")
            .await
            .is_empty()
    );
    let one = &failed[0];
    let by_event = deliveries(
        &app,
        &format!(
            "webhook_event_id={}",
            one["webhook_event_id"].as_str().unwrap()
        ),
    )
    .await;
    assert_eq!(by_event.len(), 2, "one event, two demo subscriptions");

    // Pages of 4 + 3, no overlap, no token on the last page.
    let first = json(app.get("/_mock/deliveries?page_size=4").await).await;
    assert_eq!(first["deliveries"].as_array().unwrap().len(), 4);
    let token = first["next_page_token"]
        .as_str()
        .expect("a next page")
        .to_string();
    let second = json(
        app.get(&format!("/_mock/deliveries?page_size=4&page_token={token}"))
            .await,
    )
    .await;
    assert_eq!(second["deliveries"].as_array().unwrap().len(), 3);
    assert!(second.get("next_page_token").is_none());
    let mut ids: Vec<Value> = first["deliveries"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["deliveries"].as_array().unwrap())
        .map(|d| d["delivery_id"].clone())
        .collect();
    ids.dedup();
    assert_eq!(ids.len(), 7);
}

#[tokio::test]
async fn a_delivery_shows_its_attempts_faults_and_envelope() {
    let receiver = Receiver::with(|_| {
        wiremock::ResponseTemplate::new(500).set_body_string("x".repeat(10_000))
    })
    .await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
    ])
    .await;
    let meter_id = create_meters(&app, DEMO_KEY, 1).await.remove(0);
    let listed = settled(&app, "", 1).await.remove(0);
    let id = listed["delivery_id"].as_str().unwrap();
    let resp = app.get(&format!("/_mock/deliveries/{id}")).await;
    assert_eq!(resp.status(), 200);
    let d = json(resp).await;
    assert_eq!(d, listed);
    assert_eq!(d["status"], "failed");
    assert_eq!(d["org"], "demo");
    assert_eq!(d["event_type"], "meter.created");
    assert_eq!(d["receiver_url"], format!("{}/", receiver.uri()));
    assert_eq!(d["faults"], json!([]));
    assert_eq!(d["envelope"]["payload"]["meter_id"], meter_id.as_str());
    assert_eq!(d["envelope"]["webhook_event_id"], d["webhook_event_id"]);
    let attempt = &d["attempts"][0];
    assert_eq!(attempt["number"], 1);
    assert_eq!(attempt["status_code"], 500);
    assert_eq!(attempt["error"], Value::Null);
    assert!(attempt["started_at"].is_string() && attempt["latency_ms"].is_number());
    assert_eq!(
        attempt["response_body"].as_str().unwrap().len(),
        4096,
        "truncated"
    );
    assert_eq!(attempt["response_body_truncated"], true);
}

#[tokio::test]
async fn redeliver_starts_a_fresh_series_with_the_same_event_id() {
    // Fails once (the only attempt of the first series), then accepts.
    let receiver = Receiver::scripted(vec![500]).await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
    ])
    .await;
    create_meters(&app, DEMO_KEY, 1).await;
    let d = settled(&app, "status=failed", 1).await.remove(0);
    let id = d["delivery_id"].as_str().unwrap();
    let resp = app
        .client
        .post(app.url(&format!("/_mock/deliveries/{id}/redeliver")))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 202);
    let accepted = json(resp).await;
    assert_eq!(accepted["series"], 1);
    let done = poll("the redelivery", || async {
        let d = json(app.get(&format!("/_mock/deliveries/{id}")).await).await;
        (d["status"] == "succeeded").then_some(d)
    })
    .await;
    let attempts = done["attempts"].as_array().unwrap();
    assert_eq!(attempts.len(), 2);
    assert_eq!(
        (attempts[1]["series"].clone(), attempts[1]["number"].clone()),
        (json!(1), json!(1))
    );
    let ids = receiver.event_ids();
    assert_eq!(ids.len(), 2);
    assert_eq!(ids[0], ids[1], "same webhook_event_id");
    assert_eq!(receiver.received()[0].1.body, receiver.received()[1].1.body);
}

#[tokio::test]
async fn redeliver_refuses_pending_and_unknown_deliveries() {
    let receiver = Receiver::always(500).await;
    let app = spawn_app_with(&[
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s,1h"),
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
    ])
    .await;
    create_meters(&app, DEMO_KEY, 1).await;
    receiver.wait_for(1).await;
    let d = poll("a retry to be scheduled", || async {
        let list = deliveries(&app, "status=pending").await;
        list.first()
            .filter(|d| d["next_attempt_at"].is_string())
            .cloned()
    })
    .await;
    let id = d["delivery_id"].as_str().unwrap();
    let post = |path: String| app.client.post(app.url(&path)).send();
    let resp = post(format!("/_mock/deliveries/{id}/redeliver"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 409);
    assert_eq!(json(resp).await["details"]["status"], "pending");
    let unknown = uuid::Uuid::new_v4();
    let resp = post(format!("/_mock/deliveries/{unknown}/redeliver"))
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(json(resp).await["title"], "Delivery not found");
    let resp = post("/_mock/deliveries/nope/redeliver".into())
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(app.get("/_mock/deliveries/nope").await.status(), 400);
    assert_eq!(
        app.get(&format!("/_mock/deliveries/{unknown}"))
            .await
            .status(),
        404
    );
    let resp = app.get(&format!("/_mock/deliveries/{id}/redeliver")).await;
    assert_eq!(resp.status(), 405);
}

#[tokio::test]
async fn bad_filters_get_a_400_naming_the_parameter() {
    let app = spawn_app_with(&[]).await;
    for (query, field) in [
        ("status=done", "status"),
        ("event_type=meter.deleted", "event_type"),
        ("webhook_id=abc", "webhook_id"),
        ("page_size=0", "page_size"),
        ("page_size=501", "page_size"),
        ("page_token=xyz", "page_token"),
    ] {
        let resp = app.get(&format!("/_mock/deliveries?{query}")).await;
        assert_eq!(resp.status(), 400, "{query}");
        let body = json(resp).await;
        assert!(body["details"].get(field).is_some(), "{query}: {body}");
        assert_eq!(body["status"], 400);
    }
    let body = json(app.get("/_mock/deliveries?status=done").await).await;
    assert!(
        body["title"]
            .as_str()
            .unwrap()
            .contains("pending, succeeded, failed"),
        "{body}"
    );
    let resp = app.get("/_mock/deliveries?colour=blue").await;
    assert_eq!(resp.status(), 400, "unknown parameters are refused");
}

#[tokio::test]
async fn an_unknown_org_filter_is_a_404_like_the_other_mock_endpoints() {
    let app = spawn_app_with(&[]).await;
    let resp = app.get("/_mock/deliveries?org=nobody").await;
    assert_eq!(resp.status(), 404);
    let body = json(resp).await;
    assert_eq!(
        body,
        json!({"title": "Org not found", "status": 404, "details": {"org": "nobody"}})
    );
    // The same answer, word for word, as the event outbox gives.
    assert_eq!(json(app.get("/_mock/events?org=nobody").await).await, body);
}

#[tokio::test]
async fn the_admin_token_guards_the_log() {
    let app = spawn_app_with(&[("LEAP_MOCK__ADMIN__TOKEN", "s3cret")]).await;
    assert_eq!(app.get("/_mock/deliveries").await.status(), 401);
    assert_eq!(app.get_as("wrong", "/_mock/deliveries").await.status(), 403);
    let resp = app.get_as("s3cret", "/_mock/deliveries").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await, json!({"deliveries": []}));
}

//! The mock-only `/_mock` API: outbox, enrollment moves, reset.

use serde_json::json;

use crate::fixtures::{create_meter, create_meter_over_http};
use crate::helpers::{DEMO_KEY, json, spawn_app, spawn_app_with};

#[tokio::test]
async fn events_are_listed_in_order_after_a_sequence_number() {
    let app = spawn_app().await;
    let first = create_meter_over_http(&app, create_meter("events-1")).await;
    let second = create_meter_over_http(&app, create_meter("events-2")).await;

    let body = json(app.get("/_mock/events").await).await;
    let events = body["events"].as_array().unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0]["payload"]["meter_id"], first.as_str());
    assert_eq!(events[1]["payload"]["meter_id"], second.as_str());
    assert_eq!(events[0]["org"], "demo");
    let seq0 = events[0]["seq"].as_u64().unwrap();
    assert_eq!(events[1]["seq"].as_u64().unwrap(), seq0 + 1);
    assert!(uuid::Uuid::parse_str(events[0]["webhook_event_id"].as_str().unwrap()).is_ok());
    assert_eq!(body["last_seq"], events[1]["seq"]);

    let body = json(app.get(&format!("/_mock/events?after={seq0}")).await).await;
    assert_eq!(body["events"].as_array().unwrap().len(), 1);
    assert_eq!(body["events"][0]["payload"]["meter_id"], second.as_str());

    let body = json(app.get("/_mock/events?limit=1").await).await;
    assert_eq!(body["events"].as_array().unwrap().len(), 1);
    assert_eq!(body["next_after"], seq0);

    for bad in ["after=-1", "after=x", "limit=0", "limit=5000"] {
        let resp = app.get(&format!("/_mock/events?{bad}")).await;
        assert_eq!(resp.status(), 400, "{bad}");
        assert_eq!(json(resp).await["status"], 400);
    }
    let resp = app.get("/_mock/events?org=nope").await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn events_filter_by_org() {
    let app = spawn_app_with(&[("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key")]).await;
    create_meter_over_http(&app, create_meter("demo-meter")).await;
    let resp = app
        .post_json_as(
            "acme-key",
            "/v1.1/meters",
            &json!({"onboarding_token": "t", "provisional_asset": create_meter("acme-meter")}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let demo = json(app.get("/_mock/events?org=demo").await).await;
    assert_eq!(demo["events"].as_array().unwrap().len(), 1);
    assert_eq!(
        demo["events"][0]["payload"]["partner_reference"],
        "demo-meter"
    );
    let all = json(app.get("/_mock/events").await).await;
    assert_eq!(all["events"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn admin_token_guards_mock_api() {
    let app = spawn_app_with(&[("LEAP_MOCK__ADMIN__TOKEN", "s3cret")]).await;
    assert_eq!(app.get("/_mock/events").await.status(), 401);
    assert_eq!(app.get_as(DEMO_KEY, "/_mock/events").await.status(), 403);
    assert_eq!(app.get_as("s3cret", "/_mock/events").await.status(), 200);
}

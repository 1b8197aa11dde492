//! The mock-only `/_mock` API: outbox, enrollment moves, reset.

use serde_json::json;

use crate::fixtures::{create_meter, create_meter_over_http};
use crate::flow_support::{finished_run, lines, run_headless};
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

#[tokio::test]
async fn reset_stops_the_delayed_steps_of_runs_started_before_it() {
    // The test case's meter step waits 30 s of Leap time: 300 ms here.
    let app = spawn_app_with(&[("LEAP_MOCK__TIME_SCALE", "0.01")]).await;
    let before = run_headless(&app, "caiso_meters_active", "demo", "reset-ref-1").await;
    assert_eq!(before["steps_pending"], 1, "{before}");
    let resp = app
        .client
        .post(app.url("/_mock/reset"))
        .json(&json!({"org": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    // The same refId starts again after the reset (as a CI job reusing its refIds would).
    let after = run_headless(&app, "caiso_connect_auth_success", "demo", "reset-ref-1").await;
    assert_eq!(after["status"], "completed", "{after}");

    let run = finished_run(&app, before["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "failed", "{run}");
    assert_eq!(run["steps"][3]["status"], "failed", "{run}");
    assert!(
        run["steps"][3]["error"]
            .as_str()
            .is_some_and(|e| e.contains("reset")),
        "{run}"
    );
    // Only the new run's events and no meter: nothing leaked across the reset.
    assert_eq!(
        lines(&app, "demo").await,
        [
            "session CREATED",
            "session UPDATED",
            "authorization_updated LEAP_TEST_CAISO INITIATED",
            "authorization_updated LEAP_TEST_CAISO COMPLETED",
            "session COMPLETED",
        ]
    );
    let meters = json(
        app.post_json_as(DEMO_KEY, "/v2/meters/search", &json!({}))
            .await,
    )
    .await;
    assert_eq!(meters, json!({"meters": []}));
}

#[tokio::test]
async fn reset_drops_one_org_or_all() {
    let app = spawn_app_with(&[
        ("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key"),
        (
            "LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL",
            "http://127.0.0.1:9/hook",
        ),
    ])
    .await;
    create_meter_over_http(&app, create_meter("demo-reset")).await;
    let resp = app
        .post_json_as(
            "acme-key",
            "/v1.1/meters",
            &json!({"onboarding_token": "t", "provisional_asset": create_meter("acme-reset")}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v1.1/webhooks",
            &json!({"receiver_url": "http://127.0.0.1:9/x", "event_types": ["meter.created"]}),
        )
        .await;
    assert_eq!(resp.status(), 200);

    let count = |key: &'static str| {
        let app = &app;
        async move {
            json(app.post_json_as(key, "/v2/meters/search", &json!({})).await).await["meters"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    let resp = app
        .client
        .post(app.url("/_mock/reset"))
        .json(&json!({"org": "demo"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        json(resp).await,
        json!({"reset": ["demo"], "events_dropped": 1})
    );
    assert_eq!(count(DEMO_KEY).await, 0);
    assert_eq!(count("acme-key").await, 1, "other orgs keep their state");
    let hooks = json(app.get_as(DEMO_KEY, "/v1.1/webhooks").await).await;
    assert_eq!(
        hooks["webhooks"].as_array().unwrap().len(),
        1,
        "settings subscription is back"
    );
    assert_eq!(
        hooks["webhooks"][0]["receiver_url"],
        "http://127.0.0.1:9/hook"
    );
    assert_eq!(
        json(app.get_as(DEMO_KEY, "/v1.1/jobs/meters").await).await,
        json!({"jobs": []})
    );

    // No body = every org.
    let resp = app
        .client
        .post(app.url("/_mock/reset"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["reset"], json!(["acme", "demo"]));
    assert_eq!(count("acme-key").await, 0);
    assert_eq!(
        json(app.get("/_mock/events").await).await["events"],
        json!([])
    );

    for bad in [
        json!({"org": "nope"}),
        json!({"orgs": ["demo"]}),
        json!({"org": 5}),
    ] {
        let resp = app
            .client
            .post(app.url("/_mock/reset"))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert!(matches!(resp.status().as_u16(), 400 | 404), "{bad}");
    }
}

#[tokio::test]
async fn patch_sets_leap_side_identifiers() {
    let app = spawn_app().await;
    let id = create_meter_over_http(&app, create_meter("patch-ref")).await;
    let resp = app
        .client
        .patch(app.url(&format!("/_mock/meters/{id}")))
        .json(&json!({"tags": ["vip"], "is_archived": true, "connection_references": ["ref-1", "ref-1", "ref-2"], "customer_group": "Group 7"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let m = json(app.get_as(DEMO_KEY, &format!("/v2/meters/{id}")).await).await;
    assert_eq!(m["tags"], json!(["vip"]));
    assert_eq!(m["is_archived"], true);
    assert_eq!(m["connection_references"], json!(["ref-1", "ref-2"]));
    assert_eq!(m["customer_group"], "Group 7");
    assert_ne!(m["audit"]["updated_at"], m["audit"]["created_at"]);
    for bad in [
        json!({}),
        json!({"tags": [""]}),
        json!({"connection_references": ["a/b"]}),
        json!({"colour": "red"}),
    ] {
        let resp = app
            .client
            .patch(app.url(&format!("/_mock/meters/{id}")))
            .json(&bad)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
    }
}

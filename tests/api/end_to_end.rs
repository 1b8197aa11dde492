//! The product's core story, end to end over HTTP: a customer walks a CAISO test case on the
//! Connect pages (or CI triggers it headlessly), and the partner's real receiver gets Leap's
//! webhooks for it, in order, in Leap's envelope, as the delivery log and the REST APIs confirm.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::flow_support::{
    events, expected, finished_run, line, location, post_form, run_headless,
};
use crate::helpers::{DEMO_KEY, TestApp, json, spawn_app_with};
use crate::webhooks_support::{Receiver, deliveries, poll, settled, subscribe};

/// Fast enough that the test case's 30 s meter step takes 30 ms; the 24 h session expiry
/// (86 s here) stays far away.
const TIME_SCALE: &str = "0.001";

fn event_type(envelope: &Value) -> &str {
    envelope["payload"]["webhook_event_type"]
        .as_str()
        .expect("webhook_event_type")
}

/// Leap's `WebhookPayload`: exactly `webhook_event_id` (a UUID) and `payload`.
fn assert_leap_envelope(body: &Value) {
    let members: Vec<&String> = body.as_object().expect("an object").keys().collect();
    assert_eq!(members, ["payload", "webhook_event_id"], "{body}");
    let id = body["webhook_event_id"].as_str().expect("a string id");
    assert!(uuid::Uuid::parse_str(id).is_ok(), "{body}");
    assert!(body["payload"]["webhook_event_type"].is_string(), "{body}");
}

/// The org's outbox `webhook_event_id`s, oldest first.
async fn outbox_ids(app: &TestApp, org: &str) -> Vec<Value> {
    events(app, org)
        .await
        .iter()
        .map(|e| e["webhook_event_id"].clone())
        .collect()
}

#[tokio::test]
async fn caiso_test_case_on_the_connect_pages_reaches_the_org_webhook_url_in_order() {
    let receiver = Receiver::ok().await;
    let hook = format!("{}/leap/webhooks", receiver.uri());
    let app = spawn_app_with(&[
        ("LEAP_MOCK__TIME_SCALE", TIME_SCALE),
        ("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-test-key"),
        ("LEAP_MOCK__ORGS__ACME__WEBHOOK_URL", &hook),
        (
            "LEAP_MOCK__ORGS__ACME__REDIRECT_URL",
            "https://acme.example/leap/done",
        ),
    ])
    .await;

    // The customer opens the partner's test-utility link and sends a success case.
    let query = "refId=e2e-site-1&utm_source=e2e";
    let menu = app
        .get(&format!(
            "/acme/staging-test-utility-caiso/getting-started?{query}"
        ))
        .await;
    assert_eq!(menu.status(), 200);
    let resp = post_form(
        &app,
        &format!("/acme/staging-test-utility-caiso/send?{query}"),
        &[("test_case", "caiso_meters_active")],
    )
    .await;
    assert_eq!(
        location(&resp),
        format!("https://acme.example/leap/done?{query}")
    );

    // The receiver gets the test case's events, in order, each in Leap's envelope.
    let want = expected("CAISO", "meters_active");
    receiver.wait_for(want.len()).await;
    let log = settled(&app, "org=acme", want.len()).await;
    let received = receiver.received();
    assert_eq!(received.len(), want.len(), "no extra or duplicate webhooks");
    let bodies = receiver.bodies();
    assert_eq!(bodies.iter().map(line).collect::<Vec<_>>(), want);
    for (_, request) in &received {
        assert_eq!(request.method.as_str(), "POST");
        assert_eq!(request.url.path(), "/leap/webhooks");
        assert_eq!(request.headers["content-type"], "application/json");
    }
    for body in &bodies {
        assert_leap_envelope(body);
        let p = &body["payload"];
        match event_type(body) {
            "connect_session.updated" => assert_eq!(p["partner_reference"], "e2e-site-1"),
            "connect_session.authorization_updated" => {
                assert_eq!(p["partner_reference"], "e2e-site-1");
                assert_eq!(p["utility_name"], "LEAP_TEST_CAISO");
            }
            "meter.created" | "meter.enrollment.global-status.updated" => {
                assert_eq!(p["partner_reference"], "e2e-site-1");
                assert_eq!(p["transmission_region"], "CAISO");
            }
            "meter.enrollment.group.updated" => {}
            other => panic!("unexpected event type {other}"),
        }
    }

    // Ids: distinct, the outbox's in outbox order, and the log's (newest first there).
    let ids: Vec<Value> = bodies
        .iter()
        .map(|b| b["webhook_event_id"].clone())
        .collect();
    assert_eq!(
        ids.iter()
            .map(|i| i.as_str().unwrap())
            .collect::<HashSet<_>>()
            .len(),
        ids.len()
    );
    assert_eq!(ids, outbox_ids(&app, "acme").await);
    let mut logged: Vec<&Value> = log.iter().collect();
    logged.reverse();
    for (delivery, body) in logged.iter().zip(&bodies) {
        assert_eq!(delivery["status"], "succeeded", "{delivery}");
        assert_eq!(delivery["attempt_count"], 1, "{delivery}");
        assert_eq!(delivery["org"], "acme");
        assert_eq!(delivery["receiver_url"], hook.as_str());
        assert_eq!(&delivery["envelope"], body, "the log shows what was sent");
    }

    // The meter the webhooks announced is in the Meters API, for acme's key only.
    let meter_id = bodies
        .iter()
        .find(|b| event_type(b) == "meter.created")
        .map(|b| b["payload"]["meter_id"].as_str().unwrap().to_string())
        .unwrap();
    let group = bodies
        .iter()
        .find(|b| event_type(b) == "meter.enrollment.group.updated")
        .unwrap();
    assert_eq!(group["payload"]["meter_ids"], json!([meter_id]));
    let resp = app
        .get_as(
            "acme-test-key",
            &format!("/v2/meters/{meter_id}/enrollments"),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let enrollment = json(resp).await;
    assert_eq!(enrollment["global_enrollment_status"], "ACTIVE");
    assert_eq!(enrollment["connection_references"], json!(["e2e-site-1"]));
    let resp = app
        .get_as(DEMO_KEY, &format!("/v2/meters/{meter_id}"))
        .await;
    assert_eq!(resp.status(), 404, "another org's meter");
}

#[tokio::test]
async fn api_subscription_with_event_types_gets_only_those_types() {
    let filtered = Receiver::ok().await;
    let everything = Receiver::ok().await;
    let app = spawn_app_with(&[("LEAP_MOCK__TIME_SCALE", TIME_SCALE)]).await;
    let wanted = ["connect_session.authorization_updated", "meter.created"];
    let webhook_id = subscribe(
        &app,
        DEMO_KEY,
        &filtered.uri(),
        &wanted,
        json!([{"name": "x-api-key", "value": "your-test-key"}]),
    )
    .await;
    // A second subscription to every type shows when all of the run's events have gone out.
    let all_types = [
        "connect_session.updated",
        "connect_session.authorization_updated",
        "meter.created",
        "meter.enrollment.global-status.updated",
        "meter.enrollment.participation-status.updated",
        "meter.enrollment.required-actions.updated",
        "meter.enrollment.group.updated",
    ];
    subscribe(&app, DEMO_KEY, &everything.uri(), &all_types, json!([])).await;

    let started = run_headless(&app, "caiso_meters_active", "demo", "e2e-filtered-1").await;
    let run = finished_run(&app, started["run_id"].as_str().unwrap()).await;
    assert_eq!(run["status"], "completed", "{run}");

    let all = expected("CAISO", "meters_active");
    everything.wait_for(all.len()).await;
    assert_eq!(
        everything.bodies().iter().map(line).collect::<Vec<_>>(),
        all
    );
    // Every event has been fanned out by now: the filtered subscription has exactly its share.
    let query = format!("webhook_id={webhook_id}");
    let log = poll("the filtered subscription's deliveries", || async {
        let list = deliveries(&app, &query).await;
        (list.len() >= 3 && list.iter().all(|d| d["status"] != "pending")).then_some(list)
    })
    .await;
    let logged: Vec<&Value> = log.iter().map(|d| &d["event_type"]).collect();
    assert_eq!(
        logged,
        [
            "meter.created",
            "connect_session.authorization_updated",
            "connect_session.authorization_updated",
        ],
        "newest first, only the subscribed types"
    );
    assert!(log.iter().all(|d| d["status"] == "succeeded"), "{log:?}");
    filtered.wait_for(3).await;
    let bodies = filtered.bodies();
    assert_eq!(
        bodies.iter().map(line).collect::<Vec<_>>(),
        [
            "authorization_updated LEAP_TEST_CAISO INITIATED",
            "authorization_updated LEAP_TEST_CAISO COMPLETED",
            "meter.created",
        ]
    );
    for body in &bodies {
        assert_leap_envelope(body);
        assert!(wanted.contains(&event_type(body)), "{body}");
    }
    for (_, request) in filtered.received() {
        assert_eq!(request.headers["x-api-key"], "your-test-key");
    }
    // The same events (same ids) reached both subscriptions.
    let everything_ids: HashSet<Value> = everything
        .bodies()
        .iter()
        .map(|b| b["webhook_event_id"].clone())
        .collect();
    assert!(
        bodies
            .iter()
            .all(|b| everything_ids.contains(&b["webhook_event_id"]))
    );
}

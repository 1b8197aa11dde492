//! Webhook Subscription API v1.1: list, create, full-overwrite update, delete, and their errors
//! in the webhook envelope `{error, message}`.

use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{DEMO_KEY, json, spawn_app, spawn_app_with};

fn request(url: &str, types: &[&str]) -> Value {
    json!({
        "receiver_url": url,
        "event_types": types,
        "headers": [{"name": "x-api-key", "value": "secret"}]
    })
}

#[tokio::test]
async fn create_list_update_delete() {
    let app = spawn_app().await;
    let resp = app.get_as(DEMO_KEY, "/v1.1/webhooks").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await, json!({"webhooks": []}));

    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v1.1/webhooks",
            &request("https://company.example/leap-webhooks", &["meter.created"]),
        )
        .await;
    assert_eq!(resp.status(), 200, "POST answers 200, as Leap's spec says");
    let id = json(resp).await["webhook_id"].as_str().unwrap().to_string();

    let listed = json(app.get_as(DEMO_KEY, "/v1.1/webhooks").await).await;
    assert_eq!(
        listed,
        json!({"webhooks": [{
            "webhook_id": id,
            "event_types": ["meter.created"],
            "headers": [{"name": "x-api-key", "value": "secret"}],
            "receiver_url": "https://company.example/leap-webhooks"
        }]})
    );

    // PUT overwrites every setting: the headers not repeated are gone.
    let resp = app
        .request_as(Method::PUT, DEMO_KEY, &format!("/v1.1/webhooks/{id}"))
        .json(&json!({
            "receiver_url": "http://127.0.0.1:9/other",
            "event_types": ["connect_session.updated", "meter.enrollment.group.updated"]
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await, json!({"webhook_id": id}));
    let listed = json(app.get_as(DEMO_KEY, "/v1.1/webhooks").await).await;
    assert_eq!(listed["webhooks"][0]["headers"], json!([]));
    assert_eq!(
        listed["webhooks"][0]["receiver_url"],
        "http://127.0.0.1:9/other"
    );
    assert_eq!(
        listed["webhooks"][0]["event_types"],
        json!(["connect_session.updated", "meter.enrollment.group.updated"])
    );

    let resp = app
        .request_as(Method::DELETE, DEMO_KEY, &format!("/v1.1/webhooks/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        json(resp).await,
        json!({"message": "Operation completed successfully"})
    );
    assert_eq!(
        json(app.get_as(DEMO_KEY, "/v1.1/webhooks").await).await,
        json!({"webhooks": []})
    );

    // Deleting again: it is gone.
    let resp = app
        .request_as(Method::DELETE, DEMO_KEY, &format!("/v1.1/webhooks/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(
        json(resp).await,
        json!({"error": "Not Found", "message": "The specified resource was not found"})
    );
}

#[tokio::test]
async fn settings_subscription_is_listed_and_can_be_replaced() {
    let app = spawn_app_with(&[(
        "LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL",
        "http://127.0.0.1:9/hook",
    )])
    .await;
    let listed = json(app.get_as(DEMO_KEY, "/v1.1/webhooks").await).await;
    let hooks = listed["webhooks"].as_array().unwrap();
    assert_eq!(hooks.len(), 1);
    assert_eq!(hooks[0]["receiver_url"], "http://127.0.0.1:9/hook");
    assert_eq!(hooks[0]["event_types"].as_array().unwrap().len(), 7);
    let id = hooks[0]["webhook_id"].as_str().unwrap();
    let resp = app
        .request_as(Method::PUT, DEMO_KEY, &format!("/v1.1/webhooks/{id}"))
        .json(&request("http://127.0.0.1:9/new", &["meter.created"]))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let listed = json(app.get_as(DEMO_KEY, "/v1.1/webhooks").await).await;
    assert_eq!(
        listed["webhooks"][0]["event_types"],
        json!(["meter.created"])
    );
}

#[tokio::test]
async fn bad_requests_name_the_field_in_the_webhook_envelope() {
    let app = spawn_app().await;
    let cases = [
        (request("not a url", &["meter.created"]), "receiver_url"),
        (
            request("ftp://example.com/x", &["meter.created"]),
            "receiver_url",
        ),
        (request("https://example.com/x", &[]), "event_types"),
        (
            request("https://example.com/x", &["meter.deleted"]),
            "event_types[0]",
        ),
        (json!({"event_types": ["meter.created"]}), "receiver_url"),
        (
            json!({"receiver_url": "https://example.com/x", "event_types": ["meter.created"],
                   "headers": [{"name": "Content-Type", "value": "x"}]}),
            "headers[0].name",
        ),
    ];
    for (body, field) in cases {
        let resp = app.post_json_as(DEMO_KEY, "/v1.1/webhooks", &body).await;
        assert_eq!(resp.status(), 400, "{body}");
        let err = json(resp).await;
        assert_eq!(err["error"], "Bad Request", "{err}");
        assert!(
            err["message"].as_str().unwrap().contains(field),
            "{field} not named in {err}"
        );
    }
    // Nothing was created by the rejected requests.
    assert_eq!(
        json(app.get_as(DEMO_KEY, "/v1.1/webhooks").await).await,
        json!({"webhooks": []})
    );
}

#[tokio::test]
async fn ids_auth_and_methods() {
    let app = spawn_app().await;
    let body = request("https://example.com/x", &["meter.created"]);
    // Not a UUID: 400; unknown UUID: 404.
    let resp = app
        .request_as(Method::PUT, DEMO_KEY, "/v1.1/webhooks/not-a-uuid")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(
        json(resp).await["message"]
            .as_str()
            .unwrap()
            .contains("webhook_id")
    );
    let resp = app
        .request_as(
            Method::PUT,
            DEMO_KEY,
            "/v1.1/webhooks/364be407-1f08-48fa-afd2-ee1dd228b76b",
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);

    // Auth: missing -> 401, unknown -> 403, in the webhook envelope.
    let resp = app.get("/v1.1/webhooks").await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        json(resp).await,
        json!({"error": "Unauthorized", "message": "Auth token is invalid"})
    );
    let resp = app.get_as("wrong-key", "/v1.1/webhooks").await;
    assert_eq!(resp.status(), 403);
    assert_eq!(json(resp).await["error"], "Forbidden");

    // Wrong method: 405 with Allow.
    let resp = app
        .request_as(Method::DELETE, DEMO_KEY, "/v1.1/webhooks")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()["allow"], "GET, POST");
}

#[tokio::test]
async fn another_orgs_webhook_is_not_found() {
    let app = spawn_app_with(&[("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key")]).await;
    let resp = app
        .post_json_as(
            "acme-key",
            "/v1.1/webhooks",
            &request("https://acme.example/hooks", &["meter.created"]),
        )
        .await;
    let id = json(resp).await["webhook_id"].as_str().unwrap().to_string();
    assert_eq!(
        json(app.get_as(DEMO_KEY, "/v1.1/webhooks").await).await,
        json!({"webhooks": []}),
        "orgs see only their own subscriptions"
    );
    let resp = app
        .request_as(Method::DELETE, DEMO_KEY, &format!("/v1.1/webhooks/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
}

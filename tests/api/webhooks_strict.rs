//! Mock-only strict mode (Leap's receiver rules) and the receiver host allowlist.

use serde_json::json;

use crate::helpers::{DEMO_KEY, json, spawn_app_with};

async fn create(app: &crate::helpers::TestApp, url: &str) -> reqwest::Response {
    app.post_json_as(
        DEMO_KEY,
        "/v1.1/webhooks",
        &json!({"receiver_url": url, "event_types": ["meter.created"]}),
    )
    .await
}

#[tokio::test]
async fn strict_mode_refuses_what_leap_refuses_with_the_rule_in_the_message() {
    let app = spawn_app_with(&[("LEAP_MOCK__WEBHOOKS__STRICT", "true")]).await;
    for url in [
        "http://hooks.example.com/leap",
        "https://hooks.example.com:9443/leap",
    ] {
        let resp = create(&app, url).await;
        assert_eq!(resp.status(), 400, "{url}");
        let body = json(resp).await;
        let message = body["message"].as_str().unwrap();
        assert!(message.contains("443, 8443 or 8843"), "{message}");
        assert!(message.contains("webhooks.strict"), "{message}");
    }
    for url in [
        "https://hooks.example.com/leap",
        "https://hooks.example.com:8843/leap",
    ] {
        assert_eq!(create(&app, url).await.status(), 200, "{url}");
    }
    // The same rule on a full overwrite.
    let id = json(create(&app, "https://hooks.example.com/leap").await).await["webhook_id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = app
        .request_as(
            reqwest::Method::PUT,
            DEMO_KEY,
            &format!("/v1.1/webhooks/{id}"),
        )
        .json(
            &json!({"receiver_url": "http://hooks.example.com/", "event_types": ["meter.created"]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn the_allowlist_keeps_receivers_to_known_hosts() {
    let app = spawn_app_with(&[(
        "LEAP_MOCK__WEBHOOKS__ALLOWED_HOSTS",
        "127.0.0.1,*.partner.test",
    )])
    .await;
    assert_eq!(
        create(&app, "http://127.0.0.1:9000/hooks").await.status(),
        200
    );
    assert_eq!(
        create(&app, "https://hooks.partner.test/x").await.status(),
        200
    );
    for url in [
        "http://169.254.169.254/latest/meta-data",
        "http://partner.test/",
        "http://localhost/",
    ] {
        let resp = create(&app, url).await;
        assert_eq!(resp.status(), 400, "{url}");
        let message = json(resp).await["message"].as_str().unwrap().to_string();
        assert!(
            message.contains("allowlist") && message.contains("webhooks.allowed_hosts"),
            "{message}"
        );
    }
}

#[tokio::test]
async fn off_by_default_any_http_receiver_is_fine() {
    let app = spawn_app_with(&[]).await;
    assert_eq!(
        create(&app, "http://localhost:3000/hooks").await.status(),
        200
    );
}

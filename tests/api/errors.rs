//! Errors the foundation produces for every API, in the envelope of the path's family:
//! `{title, status, details}` (Meters, Create Meters, Connect, `/_mock`) or `{error, message}`
//! (Webhooks v1.1). Auth, 404, 405, 413, 415 and malformed JSON; never HTML or text on an API path.

use reqwest::{Method, Response, StatusCode};
use serde_json::{Value, json};

use crate::fixtures::create_meter;
use crate::helpers::{DEMO_KEY, TestApp, json, spawn_app, spawn_app_with};

const METER_ID: &str = "364be407-1f08-48fa-afd2-ee1dd228b76b";

/// The body as JSON after checking the status and that the response says it is JSON.
async fn json_error(resp: Response, status: u16) -> Value {
    assert_eq!(resp.status().as_u16(), status, "{}", resp.url());
    let content_type = resp.headers()["content-type"].to_str().unwrap().to_string();
    assert_eq!(content_type, "application/json", "{}", resp.url());
    json(resp).await
}

/// Asserts Leap's `ErrorResponse`: exactly `title` (non-empty), `status`, `details` (object).
fn assert_leap_envelope(body: &Value, status: u16) {
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["details", "status", "title"], "{body}");
    assert_eq!(body["status"], status, "{body}");
    assert!(!body["title"].as_str().unwrap().is_empty(), "{body}");
    assert!(body["details"].is_object(), "{body}");
}

/// Asserts the webhook `ErrorResponse`: exactly `error` (the reason phrase) and `message`.
fn assert_webhook_envelope(body: &Value, status: u16) {
    let keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["error", "message"], "{body}");
    let reason = StatusCode::from_u16(status)
        .unwrap()
        .canonical_reason()
        .unwrap();
    assert_eq!(body["error"], reason, "{body}");
    assert!(!body["message"].as_str().unwrap().is_empty(), "{body}");
}

fn with_auth(
    app: &TestApp,
    method: Method,
    path: &str,
    auth: Option<&str>,
) -> reqwest::RequestBuilder {
    let req = app.client.request(method, app.url(path));
    match auth {
        Some(value) => req.header("authorization", value),
        None => req,
    }
}

/// Header values that are not a usable bearer token.
const MALFORMED_AUTH: &[Option<&str>] = &[
    None,
    Some("leap-mock-demo-key"),
    Some("Basic bGVhcDptb2Nr"),
    Some("Bearer"),
    Some("Bearer    "),
    Some("Token leap-mock-demo-key"),
];

#[tokio::test]
async fn missing_or_malformed_authorization_is_401_in_each_family() {
    let app = spawn_app().await;
    for auth in MALFORMED_AUTH {
        let resp = with_auth(&app, Method::GET, "/v1.1/webhooks", *auth)
            .send()
            .await
            .unwrap();
        let body = json_error(resp, 401).await;
        assert_eq!(
            body,
            json!({"error": "Unauthorized", "message": "Auth token is invalid"}),
            "{auth:?}"
        );

        let path = format!("/v2/meters/{METER_ID}");
        let resp = with_auth(&app, Method::GET, &path, *auth)
            .send()
            .await
            .unwrap();
        let body = json_error(resp, 401).await;
        assert_eq!(
            body,
            json!({"title": "Unauthorized", "status": 401, "details": {}}),
            "{auth:?}"
        );
    }
}

#[tokio::test]
async fn unknown_key_is_403_in_each_family() {
    let app = spawn_app().await;
    // The scheme is case-insensitive: only the key is wrong here.
    for auth in [
        "Bearer not-a-key",
        "bearer leap-mock-demo-key-2",
        "BEARER x",
    ] {
        let resp = with_auth(&app, Method::GET, "/v1.1/webhooks", Some(auth))
            .send()
            .await
            .unwrap();
        let body = json_error(resp, 403).await;
        assert_eq!(
            body,
            json!({"error": "Forbidden", "message": "You do not have permission to perform this action"})
        );
        let path = format!("/v2/meters/{METER_ID}");
        let resp = with_auth(&app, Method::GET, &path, Some(auth))
            .send()
            .await
            .unwrap();
        let body = json_error(resp, 403).await;
        assert_eq!(
            body,
            json!({"title": "You do not have the necessary permissions for this operation",
                   "status": 403, "details": {}})
        );
    }
    // The right key in any scheme casing works.
    let resp = with_auth(
        &app,
        Method::GET,
        "/v1.1/webhooks",
        Some("bearer leap-mock-demo-key"),
    )
    .send()
    .await
    .unwrap();
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn a_disabled_demo_org_key_is_unknown() {
    let app = spawn_app_with(&[
        ("LEAP_MOCK__ORGS__DEMO__ENABLED", "false"),
        ("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key"),
    ])
    .await;
    let resp = app.get_as(DEMO_KEY, "/v1.1/webhooks").await;
    assert_webhook_envelope(&json_error(resp, 403).await, 403);
    assert_eq!(app.get_as("acme-key", "/v1.1/webhooks").await.status(), 200);
}

#[tokio::test]
async fn unknown_paths_are_404_in_the_family_envelope_and_html_elsewhere() {
    let app = spawn_app().await;
    for path in [
        "/v2/no-such-api",
        "/v1/nothing/here",
        "/v1.1/jobs/x/y/z",
        "/_mock/nope",
        "/v2",
    ] {
        let body = json_error(app.get(path).await, 404).await;
        assert_leap_envelope(&body, 404);
        assert_eq!(body["details"]["path"], path);
    }
    for path in ["/v1.1/webhooks/a/b/c", "/v1.1/webhooks/x/test/more"] {
        let body = json_error(app.get_as(DEMO_KEY, path).await, 404).await;
        assert_eq!(
            body,
            json!({"error": "Not Found", "message": "The specified resource was not found"})
        );
    }
    // Not an API path: a page for people (here: the Connect pages' "org not configured").
    let resp = app.get("/no/such/page").await;
    assert_eq!(resp.status(), 404);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    assert!(resp.text().await.unwrap().contains("no org named"));
}

#[tokio::test]
async fn wrong_method_is_405_with_allow_in_the_family_envelope() {
    let app = spawn_app().await;
    let cases = [
        (Method::POST, "/healthz", "GET"),
        (Method::DELETE, "/metrics", "GET"),
        (Method::GET, "/v1.1/meters", "POST"),
        (Method::PATCH, "/v1.1/webhooks", "GET, POST"),
        (
            Method::GET,
            "/v1.1/webhooks/364be407-1f08-48fa-afd2-ee1dd228b76b",
            "PUT, DELETE",
        ),
    ];
    for (method, path, allow) in cases {
        let resp = app
            .request_as(method.clone(), DEMO_KEY, path)
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["allow"], allow, "{method} {path}");
        let body = json_error(resp, 405).await;
        if path.starts_with("/v1.1/webhooks") {
            assert_webhook_envelope(&body, 405);
        } else {
            assert_leap_envelope(&body, 405);
            assert_eq!(body["details"]["method"], method.as_str());
        }
    }
}

/// A body a little over a 1 KiB limit.
fn oversized_webhook() -> Value {
    json!({
        "receiver_url": "https://example.com/hooks",
        "event_types": ["meter.created"],
        "headers": [{"name": "x-padding", "value": "x".repeat(2048)}]
    })
}

#[tokio::test]
async fn body_over_the_limit_is_413_in_each_family() {
    let app = spawn_app_with(&[("LEAP_MOCK__LIMITS__MAX_BODY_BYTES", "1024")]).await;
    let big = serde_json::to_vec(&oversized_webhook()).unwrap();

    // Declared length over the limit.
    let resp = app
        .post_json_as(DEMO_KEY, "/v1.1/webhooks", &oversized_webhook())
        .await;
    let body = json_error(resp, 413).await;
    assert_webhook_envelope(&body, 413);
    assert!(body["message"].as_str().unwrap().contains("1024"), "{body}");

    // Chunked, no Content-Length: the limit holds while the body streams in.
    let (status, body) = post_chunked(&app, "/v1.1/webhooks", &big).await;
    assert_eq!(status, 413, "{body}");
    assert_webhook_envelope(&serde_json::from_str(&body).unwrap(), 413);

    // Leap family (Create Meters).
    let mut meter = json!({"onboarding_token": "t", "provisional_asset": create_meter("big")});
    meter["provisional_asset"]["partner_reference"] = json!("x".repeat(2048));
    let resp = app.post_json_as(DEMO_KEY, "/v1.1/meters", &meter).await;
    let body = json_error(resp, 413).await;
    assert_leap_envelope(&body, 413);
    assert_eq!(body["details"]["max_body_bytes"], 1024);

    // Nothing was created.
    let listed = json(app.get_as(DEMO_KEY, "/v1.1/webhooks").await).await;
    assert_eq!(listed, json!({"webhooks": []}));
}

#[tokio::test]
async fn malformed_json_is_400_naming_the_problem() {
    let app = spawn_app().await;
    let send = |path: &'static str, body: &'static str| {
        app.request_as(Method::POST, DEMO_KEY, path)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };

    // Syntax: the parser's position is quoted.
    let body = json_error(
        send("/v1.1/webhooks", "{\"receiver_url\": ").await.unwrap(),
        400,
    )
    .await;
    assert_webhook_envelope(&body, 400);
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("Malformed JSON") && message.contains("line 1"),
        "{message}"
    );

    // Valid JSON of the wrong type: the field path is named.
    let body = json_error(
        send(
            "/v1.1/webhooks",
            r#"{"receiver_url": "https://x.test", "event_types": "meter.created"}"#,
        )
        .await
        .unwrap(),
        400,
    )
    .await;
    assert_webhook_envelope(&body, 400);
    assert!(
        body["message"].as_str().unwrap().contains("event_types"),
        "{body}"
    );

    // Empty body.
    let body = json_error(send("/v1.1/webhooks", "").await.unwrap(), 400).await;
    assert!(
        body["message"].as_str().unwrap().contains("empty"),
        "{body}"
    );

    // Create Meters' single create answers its own documented 400 shape
    // (`CreateMeterErrorResponse`), which is what Leap's spec gives for that operation.
    let body = json_error(
        send("/v1.1/meters", "{\"onboarding_token\": ")
            .await
            .unwrap(),
        400,
    )
    .await;
    let description = body["errors"][0]["description"].as_str().unwrap();
    assert!(description.contains("Malformed JSON"), "{body}");
}

#[tokio::test]
async fn wrong_content_type_is_415_in_each_family() {
    let app = spawn_app().await;
    for (path, leap) in [("/v1.1/webhooks", false), ("/v1.1/meters", true)] {
        let resp = app
            .request_as(Method::POST, DEMO_KEY, path)
            .header("content-type", "text/plain")
            .body("{}")
            .send()
            .await
            .unwrap();
        let body = json_error(resp, 415).await;
        if leap {
            assert_leap_envelope(&body, 415);
            assert_eq!(body["details"]["content_type"], "text/plain");
        } else {
            assert_webhook_envelope(&body, 415);
            assert!(
                body["message"]
                    .as_str()
                    .unwrap()
                    .contains("application/json"),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn auth_is_checked_before_the_body_is_read() {
    let app = spawn_app_with(&[("LEAP_MOCK__LIMITS__MAX_BODY_BYTES", "1024")]).await;
    let resp = app
        .client
        .post(app.url("/v1.1/webhooks"))
        .json(&oversized_webhook())
        .send()
        .await
        .unwrap();
    assert_webhook_envelope(&json_error(resp, 401).await, 401);
}

#[tokio::test]
async fn a_meter_of_another_org_is_not_found() {
    let app = spawn_app_with(&[("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key")]).await;
    let meter_id = crate::fixtures::create_meter_over_http(&app, create_meter("isolation-1")).await;
    let path = format!("/v2/meters/{meter_id}");
    assert_eq!(app.get_as(DEMO_KEY, &path).await.status(), 200);
    let body = json_error(app.get_as("acme-key", &path).await, 404).await;
    assert_leap_envelope(&body, 404);
    assert_eq!(body["details"]["meter_id"], meter_id.as_str());
}

#[tokio::test]
async fn admin_token_guards_the_mock_api_when_set() {
    let app = spawn_app_with(&[("LEAP_MOCK__ADMIN__TOKEN", "admin-secret")]).await;
    let body = json_error(app.get("/_mock/events").await, 401).await;
    assert_leap_envelope(&body, 401);
    let body = json_error(app.get_as(DEMO_KEY, "/_mock/events").await, 403).await;
    assert_leap_envelope(&body, 403);
    assert_eq!(
        app.get_as("admin-secret", "/_mock/events").await.status(),
        200
    );
    // Without the setting, /_mock is open (the laptop default).
    let open = spawn_app().await;
    assert_eq!(open.get("/_mock/events").await.status(), 200);
}

/// POSTs `body` with `Transfer-Encoding: chunked` (256-byte chunks) over a raw connection and
/// returns the status and body; reqwest is built without streaming bodies.
async fn post_chunked(app: &TestApp, path: &str, body: &[u8]) -> (u16, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", app.port))
        .await
        .unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\
         Authorization: Bearer {DEMO_KEY}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    for chunk in body.chunks(256) {
        // The server may answer and close before the last chunk: that is the point.
        let frame = [format!("{:x}\r\n", chunk.len()).as_bytes(), chunk, b"\r\n"].concat();
        if stream.write_all(&frame).await.is_err() {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw).await;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").expect("an HTTP response");
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    assert!(
        !head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked"),
        "{head}"
    );
    (status, body.to_string())
}

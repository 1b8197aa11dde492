//! `/metrics`: our own registry in Prometheus text format, requests labelled by route template.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{DEMO_KEY, json, spawn_app};

#[tokio::test]
async fn requests_are_counted_by_route_template_never_by_raw_path() {
    let app = spawn_app().await;
    let created = app
        .post_json_as(
            DEMO_KEY,
            "/v1.1/webhooks",
            &json!({"receiver_url": "https://example.com/h", "event_types": ["meter.created"]}),
        )
        .await;
    let id = json(created).await["webhook_id"]
        .as_str()
        .unwrap()
        .to_string();
    let resp = app
        .request_as(Method::DELETE, DEMO_KEY, &format!("/v1.1/webhooks/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let unknown = "0b5a4c7e-4b8e-4c55-9d7e-6d1f1f2a9c11";
    let resp = app
        .request_as(
            Method::DELETE,
            DEMO_KEY,
            &format!("/v1.1/webhooks/{unknown}"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    // Paths that match no route share one label, whatever they contain.
    let stray = "stray-7f3e9a1c";
    assert_eq!(app.get(&format!("/v2/{stray}/x")).await.status(), 404);
    assert_eq!(app.get(&format!("/{stray}")).await.status(), 404);
    assert_eq!(app.get("/healthz").await.status(), 200);

    let resp = app.get("/metrics").await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = resp.text().await.unwrap();
    for line in [
        r#"leap_mock_http_requests_total{method="POST",route="/v1.1/webhooks",status="200"} 1"#,
        r#"leap_mock_http_requests_total{method="DELETE",route="/v1.1/webhooks/{webhook_id}",status="200"} 1"#,
        r#"leap_mock_http_requests_total{method="DELETE",route="/v1.1/webhooks/{webhook_id}",status="404"} 1"#,
        // Unknown paths are labelled by the template that caught them (the Connect pages'
        // catch-alls), never by the raw path.
        r#"leap_mock_http_requests_total{method="GET",route="/{org}",status="404"} 1"#,
        r#"leap_mock_http_requests_total{method="GET",route="/{org}/{slug}/{tail:.*}",status="404"} 1"#,
        r#"leap_mock_http_requests_total{method="GET",route="/healthz",status="200"} 1"#,
        r#"leap_mock_http_request_duration_seconds_count{method="GET",route="/healthz",status="200"} 1"#,
        &format!(
            r#"leap_mock_build_info{{version="{}"}} 1"#,
            env!("CARGO_PKG_VERSION")
        ),
    ] {
        assert!(text.lines().any(|l| l == line), "missing {line}\n{text}");
    }
    assert!(text.contains("# TYPE leap_mock_http_request_duration_seconds histogram"));
    for raw in [id.as_str(), unknown, stray] {
        assert!(
            !text.contains(raw),
            "raw path segment {raw} leaked into metrics"
        );
    }
}

#[tokio::test]
async fn each_app_has_its_own_registry() {
    // Two apps in one process (as here) must not share counters: the registry is not global.
    let first = spawn_app().await;
    let second = spawn_app().await;
    first.get("/healthz").await;
    first.get("/healthz").await;
    let text = second.get("/metrics").await.text().await.unwrap();
    assert!(
        !text.contains(r#"route="/healthz""#),
        "second app saw the first app's requests:\n{text}"
    );
}

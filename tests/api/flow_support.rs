//! Helpers for the Connect-page and scenario tests: form posts, the outbox as readable lines,
//! waiting for runs.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::helpers::{TestApp, json};

/// POST a url-encoded form (no redirects followed).
pub async fn post_form(app: &TestApp, path: &str, pairs: &[(&str, &str)]) -> reqwest::Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    app.client
        .post(app.url(path))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .expect("request sent")
}

pub fn location(resp: &reqwest::Response) -> String {
    assert_eq!(resp.status(), 303, "expected a 303 redirect");
    resp.headers()["location"]
        .to_str()
        .expect("ascii location")
        .to_string()
}

pub async fn text(resp: reqwest::Response) -> String {
    resp.text().await.expect("body read")
}

/// Every outbox event of an org, oldest first.
pub async fn events(app: &TestApp, org: &str) -> Vec<Value> {
    let body = json(
        app.get(&format!("/_mock/events?org={org}&limit=1000"))
            .await,
    )
    .await;
    body["events"].as_array().expect("events array").clone()
}

/// An event as one line: type plus the status-like members, e.g.
/// `authorization_updated LEAP_TEST_CAISO INITIATED` or `global-status ELIGIBLE`.
pub fn line(event: &Value) -> String {
    let p = &event["payload"];
    let kind = p["webhook_event_type"].as_str().unwrap_or("?");
    let short = kind
        .trim_start_matches("connect_session.")
        .trim_start_matches("meter.enrollment.")
        .trim_end_matches(".updated");
    let mut out = if kind == "connect_session.updated" {
        "session".to_string()
    } else {
        short.to_string()
    };
    for key in [
        "utility_name",
        "status",
        "global_enrollment_status",
        "participation_preference",
        "market_group_name",
    ] {
        if let Some(v) = p[key].as_str() {
            out.push(' ');
            out.push_str(v);
        }
    }
    out
}

pub async fn lines(app: &TestApp, org: &str) -> Vec<String> {
    events(app, org).await.iter().map(line).collect()
}

/// Polls until `check` holds (or fails after `timeout`).
pub async fn eventually<F, Fut>(timeout: Duration, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return;
        }
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Waits until a run is no longer running; returns its view.
pub async fn finished_run(app: &TestApp, run_id: &str) -> Value {
    let start = Instant::now();
    loop {
        let run = json(app.get(&format!("/_mock/runs/{run_id}")).await).await;
        if run["status"] != "running" {
            return run;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "run {run_id} still running: {run}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Runs a test case headlessly; returns the 202 body.
pub async fn run_headless(app: &TestApp, case: &str, org: &str, ref_id: &str) -> Value {
    let resp = app
        .client
        .post(app.url(&format!("/_mock/test-cases/{case}/run")))
        .json(&serde_json::json!({"org": org, "ref_id": ref_id}))
        .send()
        .await
        .expect("request sent");
    assert_eq!(resp.status(), 202, "run {case}");
    json(resp).await
}

/// The browser's way: open the getting-started link, then press Send. Returns the Send answer.
pub async fn send_in_browser(
    app: &TestApp,
    org: &str,
    iso_slug: &str,
    query: &str,
    case: &str,
) -> reqwest::Response {
    let menu = app
        .get(&format!("/{org}/{iso_slug}/getting-started?{query}"))
        .await;
    assert_eq!(menu.status(), 200);
    post_form(
        app,
        &format!("/{org}/{iso_slug}/send?{query}"),
        &[("test_case", case)],
    )
    .await
}

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

pub const S_OPEN: [&str; 2] = ["session CREATED", "session UPDATED"];

/// The events a catalogue test case emits for its refId, as [`line`]s, in outbox order:
/// `expected("CAISO", "meters_active")` for `caiso_meters_active`.
pub fn expected(iso: &str, case: &str) -> Vec<String> {
    let test = format!("LEAP_TEST_{iso}");
    let auth = |s: &str| format!("authorization_updated {test} {s}");
    let mut out: Vec<String> = S_OPEN.iter().map(|s| s.to_string()).collect();
    let ok = [
        auth("INITIATED"),
        auth("COMPLETED"),
        "session COMPLETED".into(),
    ];
    let fail = [auth("INITIATED"), auth("FAILED")];
    let created = "meter.created".to_string();
    let status = |s: &str| format!("global-status {s}");
    let (iso_group, iso_action, iso_pref) = match iso {
        "CAISO" => ("PGSB_1_PDRP68", "INELIGIBLE", "IDLE"),
        _ => ("PGSB_1_PDRP93", "INELIGIBLE", "DISENROLL"),
    };
    let active = vec![
        created.clone(),
        status("ACTIVE"),
        format!("group {iso_group}"),
    ];
    let eligible = vec![created.clone(), status("ELIGIBLE")];
    let ineligible = vec![
        created.clone(),
        status("INELIGIBLE"),
        format!("required-actions {iso_action}"),
    ];
    match case {
        "connect_auth_success" | "connect_auth_success_no_meters" => out.extend(ok),
        "connect_invalid_credentials"
        | "connect_mfa_error"
        | "connect_utility_error"
        | "connect_user_cancelled" => out.extend(fail),
        "connect_abandoned_at_login" => out.push(auth("INITIATED")),
        "connect_agreement_rejected" => out.push("session CLOSED".into()),
        "meters_eligible" | "meters_existing_scr_resource" => {
            out.extend(ok);
            out.extend(eligible);
        }
        "meters_active" => {
            out.extend(ok);
            out.extend(active);
        }
        // A new meter is PENDING already: no global-status change, so only meter.created.
        "meters_pending" => {
            out.extend(ok);
            out.push(created);
        }
        "meters_ineligible" => {
            out.extend(ok);
            out.extend(ineligible);
        }
        "meters_not_participating" => {
            out.extend(ok);
            out.extend([
                created,
                status("NOT_PARTICIPATING"),
                format!("participation-status {iso_pref}"),
            ]);
        }
        "meters_multiple" => {
            out.extend(ok);
            out.extend(active);
            out.extend(eligible);
            out.extend(ineligible);
        }
        "meters_enrolled_later" => {
            out.extend(ok);
            out.extend(eligible);
            out.extend([
                status("ACTIVE"),
                "participation-status PARTICIPATE".into(),
                "group PGSB_1_PDRP92".into(),
            ]);
        }
        other => panic!("no expectation for {other}"),
    }
    out
}

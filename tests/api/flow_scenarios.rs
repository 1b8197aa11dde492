//! The scenario engine over HTTP: every catalogue test case's effects (session statuses, meters,
//! outbox events in order), the headless trigger and its errors, user scenario files, and proof
//! that the browser and the headless trigger produce the same state and events.

use std::collections::HashMap;
use std::time::Duration;

use serde_json::{Value, json};

use crate::flow_support::{
    events, eventually, expected, finished_run, line, lines, location, run_headless,
    send_in_browser,
};
use crate::helpers::{DEMO_KEY, TestApp, json, spawn_app, spawn_app_with};

const FAST: &[(&str, &str)] = &[("LEAP_MOCK__TIME_SCALE", "0.0001")];

async fn catalogue(app: &TestApp) -> Vec<Value> {
    let body = json(app.get("/_mock/test-cases").await).await;
    body["test_cases"].as_array().expect("test_cases").clone()
}

#[tokio::test]
async fn catalogue_lists_both_isos_with_steps() {
    let app = spawn_app().await;
    let cases = catalogue(&app).await;
    let ids: Vec<&str> = cases.iter().map(|c| c["id"].as_str().unwrap()).collect();
    for id in [
        "caiso_connect_auth_success",
        "caiso_meters_active",
        "nyiso_meters_multiple",
        "nyiso_connect_agreement_rejected",
    ] {
        assert!(ids.contains(&id), "{id}");
    }
    let active = cases
        .iter()
        .find(|c| c["id"] == "caiso_meters_active")
        .unwrap();
    assert_eq!(active["iso"], "CAISO");
    assert_eq!(active["group"], "meters");
    assert_eq!(active["outcome"], "redirect");
    assert_eq!(active["steps"][3]["command"], "create_meter");
    assert_eq!(active["steps"][3]["delay"], "30s");
    assert!(
        active["steps"][3]["summary"]
            .as_str()
            .unwrap()
            .contains("CAISO-ELRP_2024_OCT")
    );
}

#[tokio::test]
async fn every_test_case_emits_its_events_in_order() {
    // Fast enough for the one-day step of caiso_meters_enrolled_later (~2.6 s), slow enough that
    // no idle session expires while a case is checked.
    let app = spawn_app_with(&[("LEAP_MOCK__TIME_SCALE", "0.00003")]).await;
    let cases = catalogue(&app).await;
    assert!(cases.len() >= 29);
    for (i, case) in cases.iter().enumerate() {
        let id = case["id"].as_str().unwrap();
        let (prefix, rest) = id.split_once('_').unwrap();
        let iso = prefix.to_uppercase();
        let ref_id = format!("case-{i}");
        let started = run_headless(&app, id, "demo", &ref_id).await;
        let run = finished_run(&app, started["run_id"].as_str().unwrap()).await;
        assert_eq!(run["status"], "completed", "{id}: {run}");
        let got: Vec<String> = events(&app, "demo")
            .await
            .iter()
            .filter(|e| {
                e["payload"]["partner_reference"] == ref_id.as_str()
                    || e["payload"]["meter_ids"].as_array().is_some_and(|ids| {
                        run["meter_ids"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .any(|m| ids.contains(m))
                    })
            })
            .map(line)
            .collect();
        assert_eq!(got, expected(&iso, rest), "{id}");
        // The run reports the same events, with their outbox seq.
        assert_eq!(run["events"].as_array().unwrap().len(), got.len(), "{id}");
    }
}

#[tokio::test]
async fn meters_carry_realistic_values_and_the_ref_id() {
    let app = spawn_app_with(FAST).await;
    for (case, ref_id, region, state, utility) in [
        (
            "caiso_meters_multiple",
            "meters-ca",
            "CAISO",
            "CA",
            "LEAP_TEST_CAISO",
        ),
        (
            "nyiso_meters_multiple",
            "meters-ny",
            "NYISO",
            "NY",
            "LEAP_TEST_NYISO",
        ),
        (
            "nyiso_meters_existing_scr_resource",
            "meters-scr",
            "NYISO",
            "NY",
            "LEAP_TEST_NYISO",
        ),
    ] {
        let started = run_headless(&app, case, "demo", ref_id).await;
        let run = finished_run(&app, started["run_id"].as_str().unwrap()).await;
        let ids = run["meter_ids"].as_array().unwrap();
        assert!(!ids.is_empty(), "{case}");
        for id in ids {
            let resp = app
                .get_as(DEMO_KEY, &format!("/v2/meters/{}", id.as_str().unwrap()))
                .await;
            assert_eq!(resp.status(), 200);
            let m = json(resp).await;
            assert_eq!(m["partner_reference"], ref_id);
            assert_eq!(m["connection_references"], json!([ref_id]));
            assert_eq!(m["transmission_region"], region);
            assert_eq!(m["meter_type"], "UTILITY_METER");
            assert_eq!(m["audit"]["created_by"], "UTILITY");
            assert_eq!(m["utility"]["utility_name"], utility);
            assert_eq!(m["customer"]["state_or_province_code"], state);
            assert_eq!(m["is_archived"], false);
            if case == "nyiso_meters_existing_scr_resource" {
                assert_eq!(m["nyiso"]["existing_nyiso_resource_id"], "666266");
            }
        }
    }
}

#[tokio::test]
async fn headless_run_answers_202_with_the_redirect_and_tracks_pending_steps() {
    // Real time: the meter step (30 s) stays pending while we look.
    let app = spawn_app().await;
    let body = run_headless(&app, "caiso_meters_active", "demo", "hl-1").await;
    assert_eq!(body["test_case"], "caiso_meters_active");
    assert_eq!(body["outcome"], "redirect");
    assert_eq!(
        body["redirect_url"],
        format!(
            "http://localhost:{}/_mock/redirect-landing?refId=hl-1",
            app.port
        )
    );
    let run = json(
        app.get(&format!("/_mock/runs/{}", body["run_id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(run["status"], "running");
    assert_eq!(run["trigger"], "headless");
    assert_eq!(run["steps_done"], 3);
    assert_eq!(run["steps_pending"], 1);
    assert_eq!(run["steps"][3]["status"], "scheduled");
    assert!(run["steps"][3]["due_at"].is_string());
    // The session reached its outcome before the 202.
    let all = events(&app, "demo").await;
    let seqs: Vec<u64> = all.iter().map(|e| e["seq"].as_u64().unwrap()).collect();
    let run_seqs: Vec<u64> = run["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, run_seqs, "the run names the outbox events it made");
    assert_eq!(all.last().map(line).as_deref(), Some("session COMPLETED"));

    let body = run_headless(&app, "nyiso_connect_utility_error", "demo", "hl-2").await;
    assert_eq!(
        body["redirect_url"],
        format!(
            "http://localhost:{}/demo/staging-test-utility-nyiso/error/nyiso_connect_utility_error?refId=hl-2",
            app.port
        )
    );
    assert_eq!(body["status"], "completed");
    // The URL it names is the page the browser would see.
    let path = body["redirect_url"]
        .as_str()
        .unwrap()
        .split_once(&format!("{}", app.port))
        .unwrap()
        .1
        .to_string();
    let resp = app.get(&path).await;
    assert_eq!(resp.status(), 200);
}

#[tokio::test]
async fn scheduled_steps_report_their_wall_clock_due_time() {
    // 30 s of Leap time at time_scale 0.01: the meter step is due 0.3 s after the outcome.
    let app = spawn_app_with(&[("LEAP_MOCK__TIME_SCALE", "0.01")]).await;
    let started = run_headless(&app, "caiso_meters_active", "demo", "due-1").await;
    let run = finished_run(&app, started["run_id"].as_str().unwrap()).await;
    let at = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap_or_else(|| panic!("{run}"))).unwrap()
    };
    let scheduled_at = at(&run["steps"][2]["done_at"]);
    let due = at(&run["steps"][3]["due_at"]);
    let done = at(&run["steps"][3]["done_at"]);
    let wait = (due - scheduled_at).num_milliseconds();
    assert!((250..=1000).contains(&wait), "due after {wait} ms: {run}");
    // Wall clock against the scheduler's monotonic clock: allow a little skew.
    assert!(done >= due - chrono::Duration::milliseconds(20), "{run}");
}

#[tokio::test]
async fn headless_errors_use_leaps_envelope() {
    let app = spawn_app().await;
    let post = |path: &str, body: Value| app.client.post(app.url(path)).json(&body).send();
    let resp = post(
        "/_mock/test-cases/nope/run",
        json!({"org": "demo", "ref_id": "ref-1"}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 404);
    let body = json(resp).await;
    assert_eq!(body["status"], 404);
    assert_eq!(body["title"], "Test case not found");

    let resp = post(
        "/_mock/test-cases/caiso_connect_auth_success/run",
        json!({"org": "acme", "ref_id": "ref-1"}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 404);
    assert_eq!(json(resp).await["title"], "Org not found");

    for bad in [
        json!({"org": "demo"}),
        json!({"org": "demo", "ref_id": "ref-1", "extra": 1}),
        json!({"org": "demo", "ref_id": "<script>"}),
        json!({"org": "demo", "ref_id": 12}),
        json!({"org": "demo", "ref_id": "ref-1", "extra_params": {"refId": "x"}}),
    ] {
        let resp = post(
            "/_mock/test-cases/caiso_connect_auth_success/run",
            bad.clone(),
        )
        .await
        .unwrap();
        assert_eq!(resp.status(), 400, "{bad}");
        let body = json(resp).await;
        assert_eq!(body["status"], 400);
        assert!(
            body["title"].is_string() && body["details"].is_object(),
            "{body}"
        );
    }
    let resp = app
        .client
        .post(app.url("/_mock/test-cases/caiso_connect_auth_success/run"))
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);

    let resp = app.get("/_mock/runs/not-a-uuid").await;
    assert_eq!(resp.status(), 400);
    let resp = app
        .get("/_mock/runs/5d5a4d0e-4f7b-4a8e-9a59-5c2f0d7b1e11")
        .await;
    assert_eq!(resp.status(), 404);
    assert_eq!(json(resp).await["title"], "Run not found");
    let resp = app
        .client
        .delete(app.url("/_mock/test-cases"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);

    // Extra parameters reach the redirect after refId.
    let resp = post(
        "/_mock/test-cases/caiso_connect_auth_success/run",
        json!({"org": "demo", "ref_id": "ref-x", "extra_params": {"utm": "ci run"}}),
    )
    .await
    .unwrap();
    assert_eq!(resp.status(), 202);
    assert!(
        json(resp).await["redirect_url"]
            .as_str()
            .unwrap()
            .ends_with("/_mock/redirect-landing?refId=ref-x&utm=ci+run")
    );
}

#[tokio::test]
async fn admin_token_guards_the_trigger() {
    let app = spawn_app_with(&[("LEAP_MOCK__ADMIN__TOKEN", "s3cret")]).await;
    assert_eq!(app.get("/_mock/test-cases").await.status(), 401);
    assert_eq!(
        app.get_as("s3cret", "/_mock/test-cases").await.status(),
        200
    );
    let resp = app
        .post_json_as(
            "wrong",
            "/_mock/test-cases/caiso_connect_auth_success/run",
            &json!({"org": "demo", "ref_id": "ref-1"}),
        )
        .await;
    assert_eq!(resp.status(), 403);
}

/// Events with ids replaced by stable names (meter ids by order of appearance), so two apps'
/// outboxes can be compared.
fn normalized(events: &[Value]) -> Vec<Value> {
    let mut names: HashMap<String, String> = HashMap::new();
    let mut name = |id: &str| {
        let n = names.len();
        names
            .entry(id.to_string())
            .or_insert(format!("meter-{n}"))
            .clone()
    };
    events
        .iter()
        .map(|e| {
            let mut p = e["payload"].clone();
            if let Some(id) = p["meter_id"].as_str().map(str::to_string) {
                p["meter_id"] = json!(name(&id));
            }
            if let Some(ids) = p["meter_ids"].as_array().cloned() {
                p["meter_ids"] = json!(
                    ids.iter()
                        .map(|i| name(i.as_str().unwrap()))
                        .collect::<Vec<_>>()
                );
            }
            if p.get("start_time").is_some()
                && p["webhook_event_type"] == "meter.enrollment.participation-status.updated"
            {
                p["start_time"] = json!("<when the step ran>");
            }
            p
        })
        .collect()
}

fn normalized_meter(mut m: Value) -> Value {
    m["meter_id"] = json!("<id>");
    m["audit"]["created_at"] = json!("<t>");
    m["audit"]["updated_at"] = json!("<t>");
    m
}

async fn meters_of(app: &TestApp, run: &Value) -> Vec<Value> {
    let mut out = Vec::new();
    for id in run["meter_ids"].as_array().unwrap() {
        let m = json(
            app.get_as(DEMO_KEY, &format!("/v2/meters/{}", id.as_str().unwrap()))
                .await,
        )
        .await;
        out.push(normalized_meter(m));
    }
    out
}

#[tokio::test]
async fn browser_and_headless_produce_the_same_state_and_events() {
    // Scales keep each case quick and its session clear of the 24 h idle expiry meanwhile.
    for (case, scale) in [
        ("caiso_meters_multiple", "0.0001"),
        ("caiso_meters_enrolled_later", "0.00001"),
        ("nyiso_connect_mfa_error", "0.001"),
    ] {
        let iso_slug = if case.starts_with("caiso") {
            "staging-test-utility-caiso"
        } else {
            "staging-test-utility-nyiso"
        };
        let browser = spawn_app_with(&[("LEAP_MOCK__TIME_SCALE", scale)]).await;
        let headless = spawn_app_with(&[("LEAP_MOCK__TIME_SCALE", scale)]).await;

        let resp = send_in_browser(&browser, "demo", iso_slug, "refId=same-1", case).await;
        let browser_to = location(&resp);
        let started = run_headless(&headless, case, "demo", "same-1").await;
        let headless_run = finished_run(&headless, started["run_id"].as_str().unwrap()).await;

        // The browser's run is the one other run in that app: find it through its events.
        let expected_len = headless_run["events"].as_array().unwrap().len();
        eventually(
            Duration::from_secs(5),
            "the browser run's steps",
            || async { events(&browser, "demo").await.len() == expected_len },
        )
        .await;
        let b = events(&browser, "demo").await;
        let h = events(&headless, "demo").await;
        assert_eq!(
            normalized(&b),
            normalized(&h),
            "{case}: same events in the same order"
        );
        assert_eq!(
            b.iter().map(line).collect::<Vec<_>>(),
            lines(&headless, "demo").await
        );

        // Same meters (ids and times aside).
        let meter_ids = |evs: &[Value]| -> Value {
            json!(
                evs.iter()
                    .filter(|e| e["payload"]["webhook_event_type"] == "meter.created")
                    .map(|e| e["payload"]["meter_id"].clone())
                    .collect::<Vec<_>>()
            )
        };
        let b_meters = meters_of(&browser, &json!({"meter_ids": meter_ids(&b)})).await;
        let h_meters = meters_of(&headless, &headless_run).await;
        assert_eq!(b_meters, h_meters, "{case}: same meters");

        // Same destination.
        let headless_to = started["redirect_url"].as_str().unwrap();
        let expected_to = if browser_to.starts_with('/') {
            format!("http://localhost:{}{browser_to}", browser.port)
        } else {
            browser_to.clone()
        };
        assert_eq!(
            headless_to.replace(&headless.port.to_string(), "PORT"),
            expected_to.replace(&browser.port.to_string(), "PORT"),
            "{case}"
        );
    }
}

#[tokio::test]
async fn user_scenario_file_adds_and_replaces_test_cases() {
    let path = std::env::temp_dir().join(format!(
        "leap-mock-user-cases-{}.toml",
        uuid::Uuid::new_v4()
    ));
    std::fs::write(
        &path,
        r#"
[programs.my_scr]
program_identifier = "NYISO-SCR"
delivery_period = "NYISO-SCR_2025_MAY_OCT"
delivery_period_start_date_time = "2025-05-01T04:00:00Z"
delivery_period_end_date_time = "2025-11-01T04:00:00Z"
enrollment_deadlines = [{ enrollment_deadline_date_time = "2025-04-01T04:00:00Z", activation_date_time = "2025-05-01T04:00:00Z" }]

[[test_cases]]
id = "nyiso_my_pending_to_ineligible"
iso = "NYISO"
group = "meters"
label = "My case: ELIGIBLE then INELIGIBLE"
description = "A custom case from a user file."
outcome = "redirect"
steps = [
  { command = "authorization", status = "INITIATED" },
  { command = "authorization", status = "COMPLETED" },
  { command = "session", status = "COMPLETED" },
  { delay = "1h", command = "create_meter", profile = "nyiso_home_yonkers", global_enrollment_status = "ELIGIBLE", programs = [{ period = "my_scr", enrollment_status = "ELIGIBLE" }] },
  { delay = "2h", command = "change_enrollment", meter = 1, global_enrollment_status = "INELIGIBLE", required_actions = [{ period = "my_scr", action_type = "HAS_AMI", action_code = "SERV_0002", action_description = "The meter needs AMI." }] },
]

[[test_cases]]
id = "caiso_connect_mfa_error"
iso = "CAISO"
group = "connect"
label = "MFA error (replaced)"
description = "Replaced by a user file: the customer cancels instead."
outcome = "error"
steps = [{ command = "authorization", status = "INITIATED", utility = "PGE" }, { command = "authorization", status = "FAILED", utility = "PGE" }]
"#,
    )
    .unwrap();
    let app = spawn_app_with(&[
        ("LEAP_MOCK__TIME_SCALE", "0.0001"),
        ("LEAP_MOCK__SCENARIOS__FILE", path.to_str().unwrap()),
    ])
    .await;
    let html = reqwest::Client::new()
        .get(app.url("/demo/staging-test-utility-nyiso/getting-started?refId=u-1"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("My case: ELIGIBLE then INELIGIBLE"));
    let started = run_headless(&app, "nyiso_my_pending_to_ineligible", "demo", "u-1").await;
    finished_run(&app, started["run_id"].as_str().unwrap()).await;
    assert_eq!(
        lines(&app, "demo").await,
        [
            "session CREATED",
            "session UPDATED",
            "authorization_updated LEAP_TEST_NYISO INITIATED",
            "authorization_updated LEAP_TEST_NYISO COMPLETED",
            "session COMPLETED",
            "meter.created",
            "global-status ELIGIBLE",
            "global-status INELIGIBLE",
            "required-actions INELIGIBLE",
        ]
    );
    let resp = send_in_browser(
        &app,
        "demo",
        "staging-test-utility-caiso",
        "refId=u-2",
        "caiso_connect_mfa_error",
    )
    .await;
    assert_eq!(resp.status(), 303);
    assert!(lines(&app, "demo").await.ends_with(&[
        "authorization_updated PGE INITIATED".to_string(),
        "authorization_updated PGE FAILED".to_string(),
    ]));
    let _ = std::fs::remove_file(&path);
}

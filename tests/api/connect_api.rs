//! The mock's Connect API (`GET /v1/connections`): parameters, validation and the envelope, and
//! the rows that Connect pages and test cases leave behind (session status, per-utility
//! authorization, `utility_is_required` from `requestedUtilities`). The filter and paging logic
//! is unit-tested in `src/api/connect.rs`.

use serde_json::{Value, json};

use crate::flow_support::{location, post_form};
use crate::helpers::{DEMO_KEY, TestApp, json, spawn_app};

#[tokio::test]
async fn answers_an_empty_page_for_any_valid_query() {
    let app = spawn_app().await;
    for q in [
        "",
        "?ref_ids=customer-site-123",
        "?ref_ids=a-ref,b-ref&ref_ids=c-ref",
        "?connection_start_date_time_utc=2025-01-01T00:00:00Z",
        "?last_interaction_date_time_utc=2025-01-01T00:00:00%2B02:00&page_size=500",
        "?page_size=1",
    ] {
        let resp = app.get_as(DEMO_KEY, &format!("/v1/connections{q}")).await;
        assert_eq!(resp.status(), 200, "{q}");
        assert_eq!(json(resp).await, json!({"connections": []}), "{q}");
    }
}

#[tokio::test]
async fn bad_parameters_are_400_naming_the_parameter() {
    let app = spawn_app().await;
    for (q, field) in [
        ("?ref_ids=a/b", "ref_ids"),
        ("?ref_ids=ab", "ref_ids"),
        (
            "?connection_start_date_time_utc=yesterday",
            "connection_start_date_time_utc",
        ),
        (
            "?last_interaction_date_time_utc=2025-02-30T00:00:00Z",
            "last_interaction_date_time_utc",
        ),
        ("?page_size=0", "page_size"),
        ("?page_size=501", "page_size"),
        ("?page_token=bogus", "page_token"),
        ("?page_size=1&page_size=2", "page_size"),
    ] {
        let resp = app.get_as(DEMO_KEY, &format!("/v1/connections{q}")).await;
        assert_eq!(resp.status(), 400, "{q}");
        let err = json(resp).await;
        assert_eq!(err["status"], 400);
        assert!(err["details"][field].is_string(), "{field} not in {err}");
    }
    let many: Vec<String> = (0..101).map(|i| format!("ref-{i:03}")).collect();
    let resp = app
        .get_as(
            DEMO_KEY,
            &format!("/v1/connections?ref_ids={}", many.join(",")),
        )
        .await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn needs_an_api_key() {
    let app = spawn_app().await;
    let resp = app.get("/v1/connections").await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        json(resp).await,
        json!({"title": "Unauthorized", "status": 401, "details": {}})
    );
    assert_eq!(app.get_as("nope", "/v1/connections").await.status(), 403);
    let resp = app
        .request_as(reqwest::Method::POST, DEMO_KEY, "/v1/connections")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
}

/// The one row `GET /v1/connections?ref_ids=<ref_id>` answers for a refId.
async fn connection(app: &TestApp, ref_id: &str) -> Value {
    let resp = app
        .get_as(DEMO_KEY, &format!("/v1/connections?ref_ids={ref_id}"))
        .await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    let rows = body["connections"].as_array().expect("connections array");
    assert_eq!(rows.len(), 1, "one row for {ref_id}: {body}");
    assert!(body.get("next_page_token").is_none(), "{body}");
    rows[0].clone()
}

#[tokio::test]
async fn test_utility_case_in_a_connect_flow_shows_requested_and_tried_utilities() {
    let app = spawn_app().await;
    let query = "requestedUtilities=PGE&refId=conn-req-1";

    // The customer opens the partner's Connect link: the session exists, PGE is required.
    let resp = app.get(&format!("/demo/ca-utilities/?{query}")).await;
    assert_eq!(resp.status(), 200);
    let row = connection(&app, "conn-req-1").await;
    assert_eq!(row["ref_id"], "conn-req-1");
    assert_eq!(row["connect_session_status"], "CREATED");
    assert_eq!(
        row["utilities"],
        json!([{"utility_name": "PGE", "utility_is_required": true}]),
        "requested, not tried yet: no authorization_status"
    );
    let started = row["connection_start_date_time_utc"].clone();

    // They pick the Staging Test Utility and send the success case.
    let resp = post_form(
        &app,
        &format!("/demo/ca-utilities/select?{query}"),
        &[("utility", "LEAP_TEST_CAISO")],
    )
    .await;
    let menu = location(&resp);
    assert_eq!(
        menu,
        format!("/demo/ca-utilities/staging-test-utility/getting-started?{query}")
    );
    assert_eq!(app.get(&menu).await.status(), 200);
    let resp = post_form(
        &app,
        &format!("/demo/ca-utilities/staging-test-utility/send?{query}"),
        &[("test_case", "caiso_connect_auth_success")],
    )
    .await;
    assert!(
        location(&resp).ends_with(&format!("/_mock/redirect-landing?{query}")),
        "the final redirect"
    );

    let row = connection(&app, "conn-req-1").await;
    assert_eq!(row["connect_session_status"], "COMPLETED");
    assert_eq!(
        row["utilities"],
        json!([
            {"utility_name": "PGE", "utility_is_required": true},
            {"utility_name": "LEAP_TEST_CAISO", "utility_is_required": false, "authorization_status": "COMPLETED"},
        ])
    );
    assert_eq!(row["forms"], json!([]));
    assert_eq!(row["connection_start_date_time_utc"], started);
    let ts = |v: &Value| {
        chrono::DateTime::parse_from_rfc3339(v.as_str().expect("a timestamp")).expect("RFC 3339")
    };
    assert!(ts(&row["last_interaction_date_time_utc"]) >= ts(&started));
}

#[tokio::test]
async fn requested_utility_that_fails_keeps_its_flag_and_records_the_failure() {
    let app = spawn_app().await;
    // Two requested utilities; the customer tries one of them (a real one: staging fails it).
    let query = "requestedUtilities=PGE,SCE&refId=conn-req-2";
    app.get(&format!("/demo/ca-utilities/?{query}")).await;
    let resp = post_form(
        &app,
        &format!("/demo/ca-utilities/select?{query}"),
        &[("utility", "SCE")],
    )
    .await;
    assert_eq!(resp.status(), 303);
    // A link without requestedUtilities, for contrast: nothing is flagged.
    app.get("/demo/ca-utilities/?refId=conn-plain-1").await;

    let row = connection(&app, "conn-req-2").await;
    assert_eq!(row["connect_session_status"], "UPDATED");
    assert_eq!(
        row["utilities"],
        json!([
            {"utility_name": "PGE", "utility_is_required": true},
            {"utility_name": "SCE", "utility_is_required": true, "authorization_status": "FAILED"},
        ])
    );
    let plain = connection(&app, "conn-plain-1").await;
    assert_eq!(plain["connect_session_status"], "CREATED");
    assert_eq!(plain["utilities"], json!([]));

    // Both rows in refId order when asked together.
    let body = json(
        app.get_as(
            DEMO_KEY,
            "/v1/connections?ref_ids=conn-req-2&ref_ids=conn-plain-1,unknown-ref",
        )
        .await,
    )
    .await;
    let refs: Vec<&str> = body["connections"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["ref_id"].as_str().unwrap())
        .collect();
    assert_eq!(refs, ["conn-plain-1", "conn-req-2"]);
}

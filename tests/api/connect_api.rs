//! The mock's Connect API (`GET /v1/connections`): parameters, validation and the envelope.
//! The row logic (filters and paging over sessions) is unit-tested in `src/api/connect.rs`;
//! sessions are made by the Connect pages.

use serde_json::json;

use crate::helpers::{DEMO_KEY, json, spawn_app};

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

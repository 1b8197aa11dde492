//! `x-request-id`: echoed when the client sends a sane one, generated otherwise, on every response.

use crate::helpers::spawn_app;

#[tokio::test]
async fn a_given_request_id_is_echoed() {
    let app = spawn_app().await;
    for path in ["/healthz", "/v2/not-here", "/v1.1/webhooks", "/no-page"] {
        let resp = app
            .client
            .get(app.url(path))
            .header("x-request-id", "client-chosen-42")
            .send()
            .await
            .unwrap();
        assert_eq!(resp.headers()["x-request-id"], "client-chosen-42", "{path}");
    }
}

#[tokio::test]
async fn a_missing_or_unusable_request_id_is_replaced_by_a_fresh_uuid() {
    let app = spawn_app().await;
    let too_long = "x".repeat(200);
    let mut seen = Vec::new();
    for given in [None, Some(""), Some("has space"), Some(too_long.as_str())] {
        let mut req = app.client.get(app.url("/healthz"));
        if let Some(value) = given {
            req = req.header("x-request-id", value);
        }
        let resp = req.send().await.unwrap();
        let id = resp.headers()["x-request-id"].to_str().unwrap().to_string();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{given:?} -> {id}");
        seen.push(id);
    }
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 4, "each request gets its own id");
}

use crate::helpers::{json, spawn_app};

#[tokio::test]
async fn healthz_and_readyz_answer_json() {
    let app = spawn_app().await;
    let resp = app.get("/healthz").await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-request-id"));
    assert_eq!(json(resp).await["status"], "ok");

    let resp = app.get("/readyz").await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["status"], "ready");
    assert_eq!(body["checks"]["scheduler"], "up");
    assert_eq!(body["checks"]["settings"], "up");
}

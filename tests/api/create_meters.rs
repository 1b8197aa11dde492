//! Create Meters v1.1: single create (`POST /v1.1/meters`) and batch jobs.

use serde_json::{Value, json};

use crate::fixtures::{
    create_meter, create_meter_over_http, events_of_type, full_create_meter, single_create_body,
};
use crate::helpers::{DEMO_KEY, json, spawn_app};

#[tokio::test]
async fn single_create_answers_the_provisional_asset_and_emits_meter_created() {
    let app = spawn_app().await;
    let asset = full_create_meter("customer-site-123");
    let resp = app
        .post_json_as(DEMO_KEY, "/v1.1/meters", &single_create_body(asset.clone()))
        .await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["status"], "COMPLETED");
    assert_eq!(body["status_detail"]["name"], "METER_CREATED");
    assert_eq!(body["partner_reference"], "customer-site-123");
    assert_eq!(body["data"], asset, "data echoes the submitted CreateMeter");
    let meter_id = body["meter_id"].as_str().unwrap();
    let job_id = body["job_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(job_id).is_ok());

    let created = events_of_type(&app, "meter.created").await;
    assert_eq!(created.len(), 1);
    assert_eq!(
        created[0]["payload"],
        json!({
            "webhook_event_type": "meter.created",
            "meter_id": meter_id,
            "partner_reference": "customer-site-123",
            "transmission_region": "NYISO",
            "meter_type": "UTILITY_METER"
        })
    );

    let meter = json(
        app.get_as(DEMO_KEY, &format!("/v2/meters/{meter_id}"))
            .await,
    )
    .await;
    assert_eq!(meter["audit"]["created_by"], "PARTNER");
    assert_eq!(meter["customer"], asset["customer"]);
}

#[tokio::test]
async fn single_create_duplicates_and_updates() {
    let app = spawn_app().await;
    let meter_id = create_meter_over_http(&app, create_meter("dup-ref")).await;

    // Same reference again: 200, DUPLICATE, no new meter, no event.
    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v1.1/meters",
            &single_create_body(create_meter("dup-ref")),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["status"], "DUPLICATE");
    assert_eq!(body["status_detail"]["name"], "DUPLICATE_REF_ID");
    assert!(body.get("meter_id").is_none());
    assert!(
        body["status_detail"]["description"]
            .as_str()
            .unwrap()
            .contains(&meter_id)
    );
    assert_eq!(events_of_type(&app, "meter.created").await.len(), 1);

    // update_existing=true updates the meter in place.
    let mut changed = create_meter("dup-ref");
    changed["customer"]["city"] = json!("Oakland");
    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v1.1/meters?update_existing=true",
            &single_create_body(changed),
        )
        .await;
    let body = json(resp).await;
    assert_eq!(body["status_detail"]["name"], "METER_UPDATED");
    assert_eq!(body["meter_id"], meter_id.as_str());
    let meter = json(
        app.get_as(DEMO_KEY, &format!("/v2/meters/{meter_id}"))
            .await,
    )
    .await;
    assert_eq!(meter["customer"]["city"], "Oakland");
    assert_eq!(events_of_type(&app, "meter.created").await.len(), 1);
}

#[tokio::test]
async fn single_create_business_rule_failure_is_a_200_with_failed_fields() {
    let app = spawn_app().await;
    let mut asset = create_meter("ny-in-ca");
    asset["transmission_region"] = json!("NYISO");
    let resp = app
        .post_json_as(DEMO_KEY, "/v1.1/meters", &single_create_body(asset))
        .await;
    assert_eq!(resp.status(), 200);
    let body = json(resp).await;
    assert_eq!(body["status"], "FAILED");
    assert_eq!(body["status_detail"]["name"], "VALIDATION_ERROR");
    let failed = &body["status_detail"]["failed_fields"];
    assert!(
        failed["customer.state_or_province_code"].is_string(),
        "{body}"
    );
    assert!(failed["utility.utility_name"].is_string(), "{body}");
    assert!(events_of_type(&app, "meter.created").await.is_empty());
}

#[tokio::test]
async fn single_create_schema_errors_are_400_create_meter_error_response() {
    let app = spawn_app().await;
    let mut bad_zip = create_meter("bad-zip");
    bad_zip["customer"]["postal_code"] = json!("9410");
    let mut bad_enum = create_meter("bad-enum");
    bad_enum["meter_type"] = json!("METER");
    let mut missing = create_meter("missing");
    missing.as_object_mut().unwrap().remove("customer");
    let cases: Vec<(Value, &str)> = vec![
        (
            single_create_body(bad_zip),
            "provisional_asset.customer.postal_code",
        ),
        (single_create_body(bad_enum), "provisional_asset.meter_type"),
        (single_create_body(missing), "provisional_asset.customer"),
        (
            json!({"provisional_asset": create_meter("no-token")}),
            "onboarding_token",
        ),
        (
            json!({"onboarding_token": "", "provisional_asset": create_meter("empty-token")}),
            "onboarding_token",
        ),
        (json!({"onboarding_token": "t"}), "provisional_asset"),
        (
            single_create_body(create_meter("a/b")),
            "provisional_asset.partner_reference",
        ),
    ];
    for (body, field) in cases {
        let resp = app.post_json_as(DEMO_KEY, "/v1.1/meters", &body).await;
        assert_eq!(resp.status(), 400, "{body}");
        let err = json(resp).await;
        let errors = err["errors"].as_array().unwrap_or_else(|| panic!("{err}"));
        assert!(
            errors.iter().any(|e| e["field"] == field),
            "{field} not in {err}"
        );
        assert!(errors.iter().all(|e| e["description"].is_string()));
        assert!(errors.iter().all(|e| e["suggestions"] == json!([])));
    }
    // Malformed JSON and a bad query parameter use the same shape.
    let resp = app
        .request_as(reqwest::Method::POST, DEMO_KEY, "/v1.1/meters")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert!(json(resp).await["errors"][0]["description"].is_string());
    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v1.1/meters?update_existing=maybe",
            &single_create_body(create_meter("q-param")),
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(json(resp).await["errors"][0]["field"], "update_existing");
    // Nothing was created by any of them.
    assert!(events_of_type(&app, "meter.created").await.is_empty());
}

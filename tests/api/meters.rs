//! Meters v2 (details + search) and Enrollments v2 (view + search) over HTTP: every filter,
//! paging to the end, and each error class.

use std::collections::HashSet;

use reqwest::Method;
use serde_json::{Value, json};

use crate::fixtures::{create_meter, create_meter_over_http};
use crate::helpers::{DEMO_KEY, TestApp, json, spawn_app, spawn_app_with};

/// Partner references of every meter a search returns, following `next_page_token` to the
/// end; panics on a repeated meter.
async fn search_all(app: &TestApp, path: &str, filter: Value) -> Vec<String> {
    let mut refs = Vec::new();
    let mut ids = HashSet::new();
    let mut body = filter;
    for _ in 0..100 {
        let resp = app.post_json_as(DEMO_KEY, path, &body).await;
        assert_eq!(resp.status(), 200, "{body}");
        let page = json(resp).await;
        for m in page["meters"].as_array().unwrap() {
            assert!(
                ids.insert(m["meter_id"].to_string()),
                "repeated meter in {page}"
            );
            refs.push(m["partner_reference"].as_str().unwrap().to_string());
        }
        match page.get("next_page_token") {
            Some(token) => body["page_token"] = token.clone(),
            None => return refs,
        }
    }
    panic!("paging did not end")
}

async fn search_refs(app: &TestApp, filter: Value) -> Vec<String> {
    search_all(app, "/v2/meters/search", filter).await
}

async fn admin_post(app: &TestApp, path: &str, body: Value) -> Value {
    let resp = app
        .client
        .post(app.url(path))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{path} {body}");
    json(resp).await
}

async fn admin_patch(app: &TestApp, meter_id: &str, body: Value) -> Value {
    let resp = app
        .client
        .patch(app.url(&format!("/_mock/meters/{meter_id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "{body}");
    json(resp).await
}

fn asset(reference: &str, region: &str, state: &str) -> Value {
    let mut a = create_meter(reference);
    a["transmission_region"] = json!(region);
    a["customer"]["state_or_province_code"] = json!(state);
    a.as_object_mut().unwrap().remove("utility");
    a
}

fn action(action_type: &str) -> Value {
    json!({
        "program_identifier": "CCA",
        "delivery_period": "CAISO-CCA_2024_NOV",
        "enrollment_deadline_date_time": "2024-10-30T07:00:00Z",
        "action_type": action_type,
        "action_description": "Re-authorize the meter",
        "action_code": "AUTH_0001"
    })
}

/// Five meters with distinct filterable traits; returns their ids by reference.
async fn seed(app: &TestApp) -> Vec<(String, String)> {
    let mut a = asset("m-caiso-res", "CAISO", "CA");
    a["customer_group"] = json!("group-a");
    let mut b = asset("m-nyiso-com", "NYISO", "NY");
    b["customer_classification"] = json!("COMMERCIAL");
    b["meter_type"] = json!("DEVICE");
    b["load_types"] = json!(["EV_CHARGING", "BATTERY_STORAGE"]);
    let mut c = asset("m-pjm-sub", "PJM", "PA");
    c["meter_type"] = json!("SUBMETER");
    c["customer_group"] = json!("group-b");
    let d = asset("m-ercot", "ERCOT", "TX");
    let e = asset("m-isone", "ISONE", "MA");
    let mut ids = Vec::new();
    for asset in [a, b, c, d, e] {
        let reference = asset["partner_reference"].as_str().unwrap().to_string();
        ids.push((reference, create_meter_over_http(app, asset).await));
    }
    ids
}

fn id_of<'a>(ids: &'a [(String, String)], reference: &str) -> &'a str {
    &ids.iter().find(|(r, _)| r == reference).unwrap().1
}

#[tokio::test]
async fn details_by_id_and_its_errors() {
    let app = spawn_app_with(&[("LEAP_MOCK__ORGS__ACME__API_KEY", "acme-key")]).await;
    let id = create_meter_over_http(&app, create_meter("detail-ref")).await;
    let resp = app.get_as(DEMO_KEY, &format!("/v2/meters/{id}")).await;
    assert_eq!(resp.status(), 200);
    let m = json(resp).await;
    assert_eq!(m["meter_id"], id.as_str());
    assert_eq!(m["partner_reference"], "detail-ref");
    assert_eq!(m["is_archived"], false);
    assert_eq!(m["tags"], json!([]));
    assert_eq!(m["connection_references"], json!([]));
    assert_eq!(m["utility"]["utility_name"], "PGE");
    assert_eq!(m["audit"]["created_at"], m["audit"]["updated_at"]);

    let resp = app.get_as(DEMO_KEY, "/v2/meters/abcdef").await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        json(resp).await,
        json!({"title": "Meter id is not a UUID", "status": 400, "details": {"meter_id": "abcdef"}})
    );
    let unknown = "f5c5e328-e325-4d6d-b357-5015ed5962a7";
    let resp = app.get_as(DEMO_KEY, &format!("/v2/meters/{unknown}")).await;
    assert_eq!(resp.status(), 404);
    assert_eq!(
        json(resp).await,
        json!({"title": "Meter not found", "status": 404, "details": {"meter_id": unknown}})
    );
    // Another org's meter is not found either, on both views.
    for path in [
        format!("/v2/meters/{id}"),
        format!("/v2/meters/{id}/enrollments"),
    ] {
        let resp = app.get_as("acme-key", &path).await;
        assert_eq!(resp.status(), 404, "{path}");
    }
    assert_eq!(app.get(&format!("/v2/meters/{id}")).await.status(), 401);
    assert_eq!(
        app.get_as("nope", &format!("/v2/meters/{id}"))
            .await
            .status(),
        403
    );
    let resp = app
        .request_as(Method::DELETE, DEMO_KEY, &format!("/v2/meters/{id}"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 405);
}

#[tokio::test]
async fn every_filter_of_the_meter_search() {
    let app = spawn_app().await;
    let ids = seed(&app).await;
    let all: Vec<String> = ids.iter().map(|(r, _)| r.clone()).collect();
    assert_eq!(search_refs(&app, json!({})).await, all, "creation order");

    // Leap-side state the API cannot set: enrollment, tags, archive, Connect refIds.
    let caiso = id_of(&ids, "m-caiso-res");
    let nyiso = id_of(&ids, "m-nyiso-com");
    let pjm = id_of(&ids, "m-pjm-sub");
    let ercot = id_of(&ids, "m-ercot");
    admin_post(
        &app,
        &format!("/_mock/meters/{caiso}/enrollment"),
        json!({"global_enrollment_status": "ACTIVE",
               "required_actions": {"partner": [action("IS_AUTHORIZED")], "leap": []}}),
    )
    .await;
    admin_post(
        &app,
        &format!("/_mock/meters/{nyiso}/enrollment"),
        json!({"global_enrollment_status": "ELIGIBLE",
               "required_actions": {"partner": [], "leap": [action("IS_ASSIGNED_TO_A_RESOURCE")]}}),
    )
    .await;
    admin_patch(
        &app,
        pjm,
        json!({"tags": ["tag1", "tag2"], "is_archived": true}),
    )
    .await;
    let before_last_patch =
        json(app.get_as(DEMO_KEY, &format!("/v2/meters/{pjm}")).await).await["audit"]["updated_at"]
            .clone();
    let patched = admin_patch(
        &app,
        ercot,
        json!({"connection_references": ["ref-a", "ref-b"], "tags": ["tag2"]}),
    )
    .await;
    assert_eq!(patched["connection_references"], json!(["ref-a", "ref-b"]));

    let created_at = |r: &str| {
        let id = id_of(&ids, r).to_string();
        let app = &app;
        async move {
            json(app.get_as(DEMO_KEY, &format!("/v2/meters/{id}")).await).await["audit"]
                ["created_at"]
                .clone()
        }
    };
    let third_created = created_at("m-pjm-sub").await;

    let cases: Vec<(Value, Vec<&str>)> = vec![
        (json!({"transmission_region": "NYISO"}), vec!["m-nyiso-com"]),
        (
            json!({"customer_classification": "COMMERCIAL"}),
            vec!["m-nyiso-com"],
        ),
        (
            json!({"meter_ids": [pjm, caiso]}),
            vec!["m-caiso-res", "m-pjm-sub"],
        ),
        (
            json!({"meter_ids": []}),
            all.iter().map(String::as_str).collect(),
        ),
        (
            json!({"partner_references": ["m-ercot", "m-isone", "unknown-ref"]}),
            vec!["m-ercot", "m-isone"],
        ),
        (
            json!({"global_enrollment_statuses": ["ACTIVE", "ELIGIBLE"]}),
            vec!["m-caiso-res", "m-nyiso-com"],
        ),
        (
            json!({"global_enrollment_statuses": ["PENDING"]}),
            vec!["m-pjm-sub", "m-ercot", "m-isone"],
        ),
        (
            json!({"meter_types": ["DEVICE", "SUBMETER"]}),
            vec!["m-nyiso-com", "m-pjm-sub"],
        ),
        (
            json!({"load_types": ["BATTERY_STORAGE"]}),
            vec!["m-nyiso-com"],
        ),
        (json!({"customer_groups": ["group-b"]}), vec!["m-pjm-sub"]),
        (json!({"tags": ["tag2"]}), vec!["m-pjm-sub", "m-ercot"]),
        (
            json!({"last_modified_date_time": before_last_patch}),
            vec!["m-ercot"],
        ),
        (
            json!({"created_after_date_time": third_created}),
            vec!["m-ercot", "m-isone"],
        ),
        (
            json!({"created_before_date_time": third_created}),
            vec!["m-caiso-res", "m-nyiso-com"],
        ),
        (
            json!({"partner_action_required": true}),
            vec!["m-caiso-res"],
        ),
        (
            json!({"partner_action_required": false}),
            all.iter().map(String::as_str).collect(),
        ),
        (
            json!({"exclude_archived": true}),
            vec!["m-caiso-res", "m-nyiso-com", "m-ercot", "m-isone"],
        ),
        (
            json!({"connection_reference_ids": ["ref-b"]}),
            vec!["m-ercot"],
        ),
        (
            json!({"action_type": ["IS_AUTHORIZED", "IS_ASSIGNED_TO_A_RESOURCE"]}),
            vec!["m-caiso-res", "m-nyiso-com"],
        ),
        (json!({"action_type": ["HAS_AMI"]}), vec![]),
        // Filters are ANDed.
        (
            json!({"tags": ["tag2"], "exclude_archived": true}),
            vec!["m-ercot"],
        ),
        (
            json!({"transmission_region": "CAISO", "meter_types": ["DEVICE"]}),
            vec![],
        ),
    ];
    for (filter, expected) in cases {
        assert_eq!(
            search_refs(&app, filter.clone()).await,
            expected,
            "{filter}"
        );
    }

    // The enrollments search takes the same filter and answers the enrollment view.
    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v2/meters/enrollments/search",
            &json!({"global_enrollment_statuses": ["ACTIVE"]}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let page = json(resp).await;
    assert_eq!(page["meters"].as_array().unwrap().len(), 1);
    let m = &page["meters"][0];
    assert_eq!(m["global_enrollment_status"], "ACTIVE");
    assert_eq!(
        m["required_actions"]["partner"][0]["action_type"],
        "IS_AUTHORIZED"
    );
    assert!(
        m.get("customer").is_none(),
        "no customer block in the enrollment view"
    );
    assert!(page.get("next_page_token").is_none());
}

#[tokio::test]
async fn search_pages_to_the_end_without_duplicates_or_gaps() {
    let app = spawn_app().await;
    let mut expected = Vec::new();
    for i in 0..11 {
        let reference = format!("page-ref-{i:02}");
        create_meter_over_http(&app, create_meter(&reference)).await;
        expected.push(reference);
    }
    for size in [1, 3, 5, 11, 500] {
        let got = search_refs(&app, json!({"page_size": size})).await;
        assert_eq!(got, expected, "page_size {size}");
    }
    // A full last page has no next_page_token.
    let page = json(
        app.post_json_as(DEMO_KEY, "/v2/meters/search", &json!({"page_size": 11}))
            .await,
    )
    .await;
    assert!(page.get("next_page_token").is_none());
    // Paging with a filter, through the enrollments search too.
    let odd: Vec<String> = expected.iter().skip(1).step_by(2).cloned().collect();
    let got = search_all(
        &app,
        "/v2/meters/enrollments/search",
        json!({"partner_references": odd.clone(), "page_size": 2}),
    )
    .await;
    assert_eq!(got, odd);
    // An empty body is an empty filter; nothing matching is 200 with no meters.
    let resp = app
        .request_as(Method::POST, DEMO_KEY, "/v2/meters/search")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(json(resp).await["meters"].as_array().unwrap().len(), 11);
    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v2/meters/search",
            &json!({"transmission_region": "ERCOT"}),
        )
        .await;
    assert_eq!(json(resp).await, json!({"meters": []}));
}

#[tokio::test]
async fn search_request_errors_name_the_field() {
    let app = spawn_app().await;
    let many: Vec<String> = (0..21).map(|i| format!("tag-{i}")).collect();
    let cases: Vec<(Value, &str)> = vec![
        (json!({"page_size": 0}), "page_size"),
        (json!({"page_size": 501}), "page_size"),
        (json!({"page_size": "ten"}), "page_size"),
        (json!({"page_token": "not-a-token"}), "page_token"),
        (
            json!({"transmission_region": "MARS"}),
            "transmission_region",
        ),
        (
            json!({"global_enrollment_statuses": ["ACTIVE", "ACTIVE"]}),
            "global_enrollment_statuses",
        ),
        (
            json!({"global_enrollment_statuses": []}),
            "global_enrollment_statuses",
        ),
        (json!({"meter_types": ["METER"]}), "meter_types[0]"),
        (json!({"load_types": ["NUCLEAR"]}), "load_types[0]"),
        (json!({"tags": many}), "tags"),
        (json!({"customer_groups": []}), "customer_groups"),
        (
            json!({"partner_references": ["a/b"]}),
            "partner_references[0]",
        ),
        (
            json!({"connection_reference_ids": ["x"]}),
            "connection_reference_ids[0]",
        ),
        (json!({"action_type": ["FLY"]}), "action_type[0]"),
        (
            json!({"last_modified_date_time": "yesterday"}),
            "last_modified_date_time",
        ),
        (json!({"exclude_archived": "yes"}), "exclude_archived"),
        (
            json!({"partner_action_required": 1}),
            "partner_action_required",
        ),
    ];
    for path in ["/v2/meters/search", "/v2/meters/enrollments/search"] {
        for (filter, field) in &cases {
            let resp = app.post_json_as(DEMO_KEY, path, filter).await;
            assert_eq!(resp.status(), 400, "{path} {filter}");
            let err = json(resp).await;
            assert_eq!(err["status"], 400);
            let text = err.to_string();
            assert!(text.contains(field), "{field} not named in {err}");
        }
    }
    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v2/meters/search",
            &json!({"meter_ids": ["abcdef"]}),
        )
        .await;
    assert_eq!(resp.status(), 400);
    assert_eq!(
        json(resp).await,
        json!({"title": "Meter id is not a UUID", "status": 400, "details": {"meter_id": "abcdef"}})
    );
    let resp = app
        .request_as(Method::POST, DEMO_KEY, "/v2/meters/search")
        .header("content-type", "application/json")
        .body("{\"tags\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app
        .request_as(Method::POST, DEMO_KEY, "/v2/meters/search")
        .header("content-type", "text/plain")
        .body("tags")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);
    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v2/meters/search",
            &json!(["not", "an", "object"]),
        )
        .await;
    assert_eq!(resp.status(), 400);
    // A meters token is refused by the jobs list (tokens are bound to their list).
    for i in 0..2 {
        create_meter_over_http(&app, create_meter(&format!("tok-{i}"))).await;
    }
    let page = json(
        app.post_json_as(DEMO_KEY, "/v2/meters/search", &json!({"page_size": 1}))
            .await,
    )
    .await;
    let token = page["next_page_token"].as_str().unwrap();
    let resp = app
        .get_as(DEMO_KEY, &format!("/v1.1/jobs/meters?page_token={token}"))
        .await;
    assert_eq!(resp.status(), 400);
}

#[tokio::test]
async fn enrollment_view_and_admin_changes_emit_events() {
    let app = spawn_app().await;
    let id = create_meter_over_http(&app, create_meter("enr-ref")).await;
    let resp = app
        .get_as(DEMO_KEY, &format!("/v2/meters/{id}/enrollments"))
        .await;
    assert_eq!(resp.status(), 200);
    let view = json(resp).await;
    assert_eq!(view["global_enrollment_status"], "PENDING");
    assert_eq!(view["required_actions"], json!({"partner": [], "leap": []}));
    assert_eq!(view["program_enrollment"], json!([]));

    let changed = admin_post(
        &app,
        &format!("/_mock/meters/{id}/enrollment"),
        json!({
            "global_enrollment_status": "ACTIVE",
            "participation": {"participation_preference": "PARTICIPATE", "start_time": "2024-11-01T00:00:00Z"},
            "required_actions": {"partner": [action("IS_AUTHORIZED")], "leap": []},
            "program_enrollment": [{
                "program_identifier": "CCA",
                "delivery_period": "CAISO-CCA_2024_NOV",
                "delivery_period_start_date_time": "2024-11-01T07:00:00Z",
                "delivery_period_end_date_time": "2024-11-30T08:00:00Z",
                "enrollment_status": "ACTIVE",
                "enrollment_deadlines": [{"enrollment_deadline_date_time": "2024-10-30T07:00:00Z",
                                           "activation_date_time": "2024-11-01T07:00:00Z"}],
                "market_group_id": "78e4e059-3326-49db-8781-b0d997b03a2a",
                "market_group_name": "PGSB_1_PDRP92"
            }]
        }),
    )
    .await;
    assert_eq!(changed["global_enrollment_status"], "ACTIVE");
    let view = json(
        app.get_as(DEMO_KEY, &format!("/v2/meters/{id}/enrollments"))
            .await,
    )
    .await;
    assert_eq!(view, changed);
    assert_eq!(
        view["participation_preferences"][0]["participation_preference"],
        "PARTICIPATE"
    );

    let events = json(app.get("/_mock/events").await).await;
    let types: Vec<&str> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["payload"]["webhook_event_type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "meter.created",
            "meter.enrollment.global-status.updated",
            "meter.enrollment.required-actions.updated",
            "meter.enrollment.participation-status.updated",
            "meter.enrollment.group.updated"
        ]
    );

    // Errors: invalid change (nothing applied), unknown meter, bad id, unknown org.
    let resp = app
        .client
        .post(app.url(&format!("/_mock/meters/{id}/enrollment")))
        .json(&json!({"global_enrollment_status": "DONE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app
        .client
        .post(app.url(&format!("/_mock/meters/{id}/enrollment")))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app
        .client
        .post(app.url("/_mock/meters/f5c5e328-e325-4d6d-b357-5015ed5962a7/enrollment"))
        .json(&json!({"global_enrollment_status": "ACTIVE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let resp = app
        .client
        .post(app.url("/_mock/meters/xyz/enrollment"))
        .json(&json!({"global_enrollment_status": "ACTIVE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let resp = app
        .client
        .post(app.url(&format!("/_mock/meters/{id}/enrollment?org=nope")))
        .json(&json!({"global_enrollment_status": "ACTIVE"}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let after = json(app.get("/_mock/events").await).await;
    assert_eq!(
        after["events"].as_array().unwrap().len(),
        5,
        "no events from errors"
    );
}

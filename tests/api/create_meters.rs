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

// ---------------------------------------------------------------------------------------------
// Batch jobs

use crate::helpers::{TestApp, spawn_app_with};

const FAST: &[(&str, &str)] = &[("LEAP_MOCK__TIME_SCALE", "0.001")];

async fn post_batch(app: &TestApp, query: &str, assets: Vec<Value>) -> reqwest::Response {
    app.post_json_as(
        DEMO_KEY,
        &format!("/v1.1/jobs/meters{query}"),
        &json!({ "assets": assets }),
    )
    .await
}

async fn post_csv(app: &TestApp, query: &str, csv: &str) -> reqwest::Response {
    app.request_as(
        reqwest::Method::POST,
        DEMO_KEY,
        &format!("/v1.1/jobs/meters{query}"),
    )
    .header("content-type", "text/csv")
    .body(csv.to_string())
    .send()
    .await
    .unwrap()
}

/// Polls a job until it leaves PROCESSING (the scaled delay is milliseconds in these tests).
async fn finished_job(app: &TestApp, job_id: &str) -> Value {
    for _ in 0..500 {
        let job = json(
            app.get_as(DEMO_KEY, &format!("/v1.1/jobs/meters/{job_id}"))
                .await,
        )
        .await;
        if job["status"] != "PROCESSING" {
            return job;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    panic!("job {job_id} did not finish")
}

async fn job_id_of(resp: reqwest::Response) -> String {
    assert_eq!(resp.status(), 201, "batch create answers 201");
    json(resp).await["job_id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn json_batch_is_processing_then_decides_each_asset() {
    let app = spawn_app_with(FAST).await;
    create_meter_over_http(&app, create_meter("already-there")).await;
    let mut wrong_region = create_meter("wrong-region");
    wrong_region["transmission_region"] = json!("ERCOT");
    wrong_region.as_object_mut().unwrap().remove("utility");
    let job_id = job_id_of(
        post_batch(
            &app,
            "",
            vec![
                create_meter("batch-1"),
                full_create_meter("batch-2"),
                create_meter("batch-1"),
                create_meter("already-there"),
                wrong_region,
            ],
        )
        .await,
    )
    .await;
    let job = finished_job(&app, &job_id).await;
    assert_eq!(job["status"], "COMPLETED_WITH_ERRORS");
    assert_eq!(job["file_name"], format!("{job_id}.json"));
    assert_eq!(job["assets_count"], 5);
    assert_eq!(job["assets_created_count"], 2);
    assert_eq!(job["assets_updated_count"], 0);
    assert_eq!(job["assets_failed_count"], 3);
    assert_eq!(
        job["transmission_regions"],
        json!(["CAISO", "NYISO", "ERCOT"])
    );
    let details: Vec<(&str, &str)> = job["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["status"].as_str().unwrap(),
                a["status_detail"]["name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        details,
        [
            ("COMPLETED", "METER_CREATED"),
            ("COMPLETED", "METER_CREATED"),
            ("DUPLICATE", "DUPLICATE_METER"),
            ("DUPLICATE", "DUPLICATE_REF_ID"),
            ("FAILED", "VALIDATION_ERROR"),
        ]
    );
    assert!(
        job["assets"][4]["status_detail"]["failed_fields"]["customer.state_or_province_code"]
            .is_string()
    );
    let meter_id = job["assets"][0]["meter_id"].as_str().unwrap();
    let meter = json(
        app.get_as(DEMO_KEY, &format!("/v2/meters/{meter_id}"))
            .await,
    )
    .await;
    assert_eq!(meter["audit"]["created_by"], "PARTNER");
    // One meter.created per created meter: the single create plus the two of the job.
    let created = events_of_type(&app, "meter.created").await;
    assert_eq!(created.len(), 3);
    assert_eq!(created[1]["payload"]["meter_id"], meter_id);
}

#[tokio::test]
async fn a_job_stays_processing_until_its_delay_and_emits_nothing_before() {
    let app = spawn_app_with(&[("LEAP_MOCK__CREATE_METERS__JOB_PROCESSING_SECS", "3600")]).await;
    let job_id = job_id_of(post_batch(&app, "", vec![create_meter("slow-1")]).await).await;
    let job = json(
        app.get_as(DEMO_KEY, &format!("/v1.1/jobs/meters/{job_id}"))
            .await,
    )
    .await;
    assert_eq!(job["status"], "PROCESSING");
    assert_eq!(job["assets"][0]["status"], "PROCESSING");
    assert_eq!(job["assets"][0]["status_detail"], json!({}));
    assert!(job["assets"][0].get("meter_id").is_none());
    assert!(events_of_type(&app, "meter.created").await.is_empty());
    let page = json(
        app.post_json_as(DEMO_KEY, "/v2/meters/search", &json!({}))
            .await,
    )
    .await;
    assert_eq!(page["meters"], json!([]));
}

#[tokio::test]
async fn update_existing_updates_and_all_failed_is_failed() {
    let app = spawn_app_with(FAST).await;
    let id = create_meter_over_http(&app, create_meter("upd-ref")).await;
    let mut changed = create_meter("upd-ref");
    changed["customer"]["city"] = json!("Sacramento");
    let job_id = job_id_of(
        post_batch(
            &app,
            "?update_existing=true&file_name=updates.json",
            vec![changed, create_meter("upd-new")],
        )
        .await,
    )
    .await;
    let job = finished_job(&app, &job_id).await;
    assert_eq!(job["status"], "COMPLETED");
    assert_eq!(job["file_name"], "updates.json");
    assert_eq!(job["assets_updated_count"], 1);
    assert_eq!(job["assets_created_count"], 1);
    assert_eq!(job["assets"][0]["status_detail"]["name"], "METER_UPDATED");
    assert_eq!(job["assets"][0]["meter_id"], id.as_str());
    let meter = json(app.get_as(DEMO_KEY, &format!("/v2/meters/{id}")).await).await;
    assert_eq!(meter["customer"]["city"], "Sacramento");
    assert_eq!(events_of_type(&app, "meter.created").await.len(), 2);

    let job_id = job_id_of(post_batch(&app, "", vec![create_meter("upd-ref")]).await).await;
    let job = finished_job(&app, &job_id).await;
    assert_eq!(job["status"], "FAILED");
    assert_eq!(job["assets_failed_count"], 1);
}

#[tokio::test]
async fn csv_batch_reads_dotted_headers_and_both_array_forms() {
    let app = spawn_app_with(FAST).await;
    let csv = "partner_reference,transmission_region,customer_classification,load_types,load_types.1,meter_type,customer.street_1,customer.postal_code,customer.city,customer.state_or_province_code,customer.country_code,device.battery_duration_hours,utility.utility_name\n\
               csv-1,CAISO,RESIDENTIAL,HVAC;EV_CHARGING,,UTILITY_METER,1 Main St,94105,San Francisco,CA,US,4,PGE\n\
               csv-2,NYISO,COMMERCIAL,,BATTERY_STORAGE,DEVICE,\"2 Main St, Unit 3\",10001,New York,NY,US,,CECONY\n";
    let job_id = job_id_of(post_csv(&app, "?file_name=meters_upload.csv", csv).await).await;
    let job = finished_job(&app, &job_id).await;
    assert_eq!(job["status"], "COMPLETED", "{job}");
    assert_eq!(job["file_name"], "meters_upload.csv");
    let first = job["assets"][0]["meter_id"].as_str().unwrap();
    let meter = json(app.get_as(DEMO_KEY, &format!("/v2/meters/{first}")).await).await;
    assert_eq!(meter["load_types"], json!(["HVAC", "EV_CHARGING"]));
    assert_eq!(meter["device"]["battery_duration_hours"], 4);
    let second = job["assets"][1]["meter_id"].as_str().unwrap();
    let meter = json(app.get_as(DEMO_KEY, &format!("/v2/meters/{second}")).await).await;
    assert_eq!(meter["load_types"], json!(["BATTERY_STORAGE"]));
    assert_eq!(meter["customer"]["street_1"], "2 Main St, Unit 3");

    // Without a file_name the job is named after itself.
    let job_id = job_id_of(
        post_csv(
            &app,
            "",
            "partner_reference,transmission_region,customer_classification,load_types,meter_type,customer.street_1,customer.postal_code,customer.city,customer.state_or_province_code\n\
             csv-3,CAISO,RESIDENTIAL,HVAC,UTILITY_METER,1 Main St,94105,San Francisco,CA\n",
        )
        .await,
    )
    .await;
    assert_eq!(
        finished_job(&app, &job_id).await["file_name"],
        format!("{job_id}.csv")
    );
}

#[tokio::test]
async fn schema_problems_reject_the_whole_batch_and_change_nothing() {
    let app = spawn_app_with(FAST).await;
    let mut missing = create_meter("bad-1");
    missing.as_object_mut().unwrap().remove("partner_reference");
    let mut bad_region = create_meter("bad-2");
    bad_region["transmission_region"] = json!("MARS");
    let mut bad_zip = create_meter("bad-3");
    bad_zip["customer"]["postal_code"] = json!("ABCDE");
    let resp = post_batch(
        &app,
        "",
        vec![create_meter("good-0"), missing, bad_region, bad_zip],
    )
    .await;
    assert_eq!(resp.status(), 400);
    let err = json(resp).await;
    assert_eq!(err["status"], 400);
    assert!(err["title"].is_string());
    assert_eq!(
        err["details"],
        json!([
            {"message": "Missing required parameter", "json_index": 1, "problem_field": "partner_reference"},
            {"message": err["details"][1]["message"], "json_index": 2, "problem_field": "transmission_region"},
            {"message": err["details"][2]["message"], "json_index": 3, "problem_field": "customer.postal_code"},
        ])
    );

    let csv = "partner_reference,transmission_region,customer_classification,load_types,meter_type,customer.street_1,customer.postal_code,customer.city,customer.state_or_province_code\n\
               csv-ok,CAISO,RESIDENTIAL,HVAC,UTILITY_METER,1 Main St,94105,San Francisco,CA\n\
               csv-bad,CAISO,RESIDENTIAL,HVAC,METER,1 Main St,94105,San Francisco,CA\n\
               csv-bad2,CAISO,RESIDENTIAL,HVAC,UTILITY_METER,1 Main St,94105,San Francisco,\n";
    let resp = post_csv(&app, "", csv).await;
    assert_eq!(resp.status(), 400);
    let err = json(resp).await;
    let details = err["details"].as_array().unwrap();
    assert_eq!(details[0]["csv_row"], 3);
    assert_eq!(details[0]["problem_field"], "meter_type");
    assert_eq!(details[1]["csv_row"], 4);
    assert_eq!(
        details[1]["problem_field"],
        "customer.state_or_province_code"
    );

    let request_level: Vec<(reqwest::Response, &str)> = vec![
        (
            post_batch(&app, "?file_name=no/slashes.csv", vec![create_meter("f-1")]).await,
            "file_name",
        ),
        (
            post_batch(&app, "?file_name=noextension", vec![create_meter("f-2")]).await,
            "file_name",
        ),
        (
            post_batch(&app, "?update_existing=perhaps", vec![create_meter("f-3")]).await,
            "update_existing",
        ),
        (post_batch(&app, "", vec![]).await, "assets"),
        (
            app.post_json_as(DEMO_KEY, "/v1.1/jobs/meters", &json!({"meters": []}))
                .await,
            "assets",
        ),
        (
            post_csv(&app, "", "partner_reference,,x\nref-1,a,b\n").await,
            "",
        ),
        (post_csv(&app, "", "partner_reference\n").await, ""),
    ];
    for (resp, field) in request_level {
        assert_eq!(resp.status(), 400, "{field}");
        let err = json(resp).await;
        assert!(err["details"].is_array(), "{err}");
        if !field.is_empty() {
            assert_eq!(err["details"][0]["problem_field"], field, "{err}");
        }
    }
    let resp = app
        .request_as(reqwest::Method::POST, DEMO_KEY, "/v1.1/jobs/meters")
        .header("content-type", "text/plain")
        .body("x")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 415);

    // Nothing stored, nothing emitted.
    let jobs = json(app.get_as(DEMO_KEY, "/v1.1/jobs/meters").await).await;
    assert_eq!(jobs, json!({"jobs": []}));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(events_of_type(&app, "meter.created").await.is_empty());
}

#[tokio::test]
async fn job_list_filters_searches_and_pages() {
    let app = spawn_app_with(FAST).await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let mut a = create_meter(&format!("list-{i}"));
        if i % 2 == 1 {
            a["transmission_region"] = json!("NYISO");
            a["customer"]["state_or_province_code"] = json!("NY");
            a.as_object_mut().unwrap().remove("utility");
        }
        let name = format!("upload-{i}.json");
        let id = job_id_of(post_batch(&app, &format!("?file_name={name}"), vec![a]).await).await;
        finished_job(&app, &id).await;
        ids.push(id);
    }
    // A failed job (duplicate of list-0).
    let failed = job_id_of(post_batch(&app, "", vec![create_meter("list-0")]).await).await;
    finished_job(&app, &failed).await;

    let list = |q: String| {
        let app = &app;
        async move {
            let resp = app.get_as(DEMO_KEY, &format!("/v1.1/jobs/meters{q}")).await;
            assert_eq!(resp.status(), 200, "{q}");
            json(resp).await
        }
    };
    let all = list(String::new()).await;
    let listed: Vec<&str> = all["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["job_id"].as_str().unwrap())
        .collect();
    let mut newest_first: Vec<&str> = ids.iter().map(String::as_str).collect();
    newest_first.push(&failed);
    newest_first.reverse();
    assert_eq!(listed, newest_first);
    assert!(all.get("next_page_token").is_none());

    let count = |v: &Value| v["jobs"].as_array().unwrap().len();
    assert_eq!(count(&list("?filter=status:FAILED".into()).await), 1);
    assert_eq!(
        count(&list("?filter=status:FAILED,COMPLETED".into()).await),
        6
    );
    assert_eq!(
        count(&list("?filter=transmission_region:NYISO".into()).await),
        2
    );
    assert_eq!(
        count(&list("?filter=transmission_region:CAISO&filter=status:COMPLETED".into()).await),
        3
    );
    assert_eq!(
        count(&list("?filter=file_name:upload-3.json".into()).await),
        1
    );
    assert_eq!(
        count(&list("?search_query=UPLOAD-1,upload-2&search_fields=file_name".into()).await),
        2
    );
    assert_eq!(
        count(&list("?search_query=list-4&search_fields=partner_reference,file_name".into()).await),
        1
    );
    assert_eq!(
        count(
            &list(
                "?search_query=list-0&search_fields=partner_reference&search_fields=job_id".into()
            )
            .await
        ),
        2
    );

    // Paging: page_size 4 -> 4 + 2, no repeats, no gaps.
    let first = list("?page_size=4".into()).await;
    assert_eq!(count(&first), 4);
    let token = first["next_page_token"].as_str().unwrap();
    let second = list(format!("?page_size=4&page_token={token}")).await;
    assert_eq!(count(&second), 2);
    assert!(second.get("next_page_token").is_none());
    let mut paged: Vec<&str> = first["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .chain(second["jobs"].as_array().unwrap())
        .map(|j| j["job_id"].as_str().unwrap())
        .collect();
    assert_eq!(paged, newest_first);
    paged.dedup();
    assert_eq!(paged.len(), 6);

    // Filter options list the statuses and the regions present.
    let options = json(app.get_as(DEMO_KEY, "/v1.1/jobs/meter-job-filters").await).await;
    assert_eq!(options["filter_options"][0]["key"], "status");
    assert_eq!(
        options["filter_options"][1],
        json!({"key": "transmission_region", "values": ["CAISO", "NYISO"]})
    );

    for bad in [
        "?search_query=x",
        "?search_fields=file_name",
        "?search_query=x&search_fields=owner",
        "?filter=colour:red",
        "?filter=status:DONE",
        "?filter=nocolon",
        "?page_size=0",
        "?page_size=many",
        "?page_token=zzz",
    ] {
        let resp = app
            .get_as(DEMO_KEY, &format!("/v1.1/jobs/meters{bad}"))
            .await;
        assert_eq!(resp.status(), 400, "{bad}");
        let err = json(resp).await;
        assert!(
            err["message"].is_string() && err["title"].is_string(),
            "{err}"
        );
    }
    let resp = app.get_as(DEMO_KEY, "/v1.1/jobs/meters/not-a-uuid").await;
    assert_eq!(resp.status(), 400);
    let resp = app
        .get_as(
            DEMO_KEY,
            "/v1.1/jobs/meters/5961a37f-6325-431c-97cb-82f35e3c09cf",
        )
        .await;
    assert_eq!(resp.status(), 404);
}

#[tokio::test]
async fn provisional_assets_list_filter_page_and_csv() {
    let app = spawn_app_with(FAST).await;
    let first =
        job_id_of(post_batch(&app, "", vec![create_meter("pa-1"), create_meter("pa-2")]).await)
            .await;
    finished_job(&app, &first).await;
    let mut ny = full_create_meter("pa-3");
    ny["device"]["device_serial_number"] = json!("SERIAL-XYZ-9");
    let second = job_id_of(post_batch(&app, "", vec![ny, create_meter("pa-1")]).await).await;
    finished_job(&app, &second).await;

    let list = |q: &str| {
        let app = &app;
        let q = q.to_string();
        async move {
            let resp = app
                .get_as(DEMO_KEY, &format!("/v1.1/provisional-assets{q}"))
                .await;
            assert_eq!(resp.status(), 200, "{q}");
            json(resp).await
        }
    };
    let refs = |v: &Value| -> Vec<String> {
        v["provisional_assets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["partner_reference"].as_str().unwrap().to_string())
            .collect()
    };
    let all = list("").await;
    assert_eq!(
        refs(&all),
        ["pa-3", "pa-1", "pa-1", "pa-2"],
        "newest job first"
    );
    let a = &all["provisional_assets"][0];
    assert_eq!(a["job_id"], second.as_str());
    assert_eq!(a["data"]["partner_reference"], "pa-3");
    assert_eq!(a["status"], "COMPLETED");

    assert_eq!(refs(&list("?filter=status:DUPLICATE").await), ["pa-1"]);
    assert_eq!(
        refs(&list("?filter=transmission_region:NYISO").await),
        ["pa-3"]
    );
    assert_eq!(
        refs(&list(&format!("?filter=job_id:{first}")).await),
        ["pa-1", "pa-2"]
    );
    assert_eq!(
        refs(&list("?filter=partner_reference:pa-1,pa-2&filter=status:COMPLETED").await),
        ["pa-1", "pa-2"]
    );
    assert_eq!(
        refs(&list("?filter=status_detail:DUPLICATE_REF_ID").await),
        ["pa-1"]
    );
    assert_eq!(
        refs(&list("?search_query=serial-xyz&search_fields=device_serial_number").await),
        ["pa-3"]
    );

    // Paging through one job's assets and across jobs.
    let mut seen = Vec::new();
    let mut q = "?page_size=1".to_string();
    for _ in 0..10 {
        let page = list(&q).await;
        seen.extend(refs(&page));
        match page["next_page_token"].as_str() {
            Some(t) => q = format!("?page_size=1&page_token={t}"),
            None => break,
        }
    }
    assert_eq!(seen, refs(&all));

    // CSV rendering with Accept: text/csv.
    let resp = app
        .request_as(
            reqwest::Method::GET,
            DEMO_KEY,
            "/v1.1/provisional-assets?page_size=3",
        )
        .header("accept", "text/csv")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(resp.headers().contains_key("next-page-token"));
    let text = resp.text().await.unwrap();
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("job_id,partner_reference,status,status_detail.name"));
    assert!(header.contains("data.customer.street_1"));
    assert!(header.contains("data.load_types.0"));
    assert_eq!(lines.count(), 3);

    let options = json(
        app.get_as(DEMO_KEY, "/v1.1/provisional-assets-filters")
            .await,
    )
    .await;
    assert_eq!(
        options["filter_options"][0]["values"],
        json!([
            "PROCESSING",
            "FAILED",
            "DUPLICATE",
            "COMPLETED",
            "MULTIPLE_PARTNER_REFERENCE"
        ])
    );

    let resp = app
        .get_as(DEMO_KEY, "/v1.1/provisional-assets?search_query=x")
        .await;
    assert_eq!(resp.status(), 400);
    let err = json(resp).await;
    assert_eq!(err["problem_field"], "search_fields");
    assert!(err["message"].is_string());
}

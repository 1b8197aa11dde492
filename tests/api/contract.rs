//! Contract test: drives every in-scope operation of Leap's OpenAPI files over HTTP (happy paths
//! and each error class) and validates every response — status and body — against what the
//! operation declares. Schemas are taken from the YAML files (copied in `tests/contract/`),
//! `$ref`s inlined, and checked as JSON Schema (2020-12, so `uuid` is a known format; formats asserted).
//!
//! A status the operation does not declare fails the test unless it is one of the documented
//! deviations in [`DEVIATIONS`] (each with its reason; README's "Where the mock departs from
//! Leap's specs" lists them, which a test checks). Such bodies are still validated against the
//! spec file's own error schema. The webhook bodies the mock sends: [`crate::contract_webhooks`].

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};

use crate::contract_webhooks::WebhookContract;
use crate::fixtures::{create_meter, full_create_meter, single_create_body};
use crate::helpers::{DEMO_KEY, TestApp, spawn_app_with};
use crate::webhooks_support::{Receiver, closed_port};

const SPECS: &[(&str, &str)] = &[
    ("MTR", "leap-meters-openapi-original.yml"),
    ("ENR", "leap-enrollments-openapi-original.yml"),
    ("CRM", "leap-create-meters-openapi-original.yml"),
    ("WHK", "leap-webhooks-openapi-original.yml"),
];

/// The operations in the mock's scope: (spec, method, path template, operationId). The bodies
/// the mock sends to receivers are checked by [`crate::contract_webhooks`].
const OPERATIONS: &[(&str, &str, &str, &str)] = &[
    ("MTR", "get", "/v2/meters/{meter_id}", "getMeterDetails"),
    ("MTR", "post", "/v2/meters/search", "searchMeterDetails"),
    (
        "ENR",
        "get",
        "/v2/meters/{meter_id}/enrollments",
        "getMeterEnrollment",
    ),
    (
        "ENR",
        "post",
        "/v2/meters/enrollments/search",
        "searchMeterEnrollments",
    ),
    ("CRM", "post", "/v1.1/jobs/meters", "createMeterBatchJob"),
    ("CRM", "get", "/v1.1/jobs/meters", "listMeterBatchJobs"),
    (
        "CRM",
        "get",
        "/v1.1/jobs/meter-job-filters",
        "listMeterBatchJobsFilters",
    ),
    (
        "CRM",
        "get",
        "/v1.1/jobs/meters/{job_id}",
        "getMeterBatchJob",
    ),
    ("CRM", "post", "/v1.1/meters", "createSingleMeter"),
    (
        "CRM",
        "get",
        "/v1.1/provisional-assets",
        "listProvisionalAssets",
    ),
    (
        "CRM",
        "get",
        "/v1.1/provisional-assets-filters",
        "listProvisionalAssetsFilters",
    ),
    ("WHK", "get", "/v1.1/webhooks", "listWebhooks"),
    ("WHK", "post", "/v1.1/webhooks", "createWebhook"),
    ("WHK", "put", "/v1.1/webhooks/{webhook_id}", "updateWebhook"),
    (
        "WHK",
        "delete",
        "/v1.1/webhooks/{webhook_id}",
        "deleteWebhook",
    ),
    (
        "WHK",
        "post",
        "/v1.1/webhooks/{webhook_id}/test",
        "testWebhook",
    ),
];

/// Statuses the mock answers that an operation does not declare, and why. The body is then
/// checked against the spec file's `ErrorResponse`.
const DEVIATIONS: &[(&str, u16, &str)] = &[
    (
        "createWebhook",
        400,
        "WHK declares no 400; an invalid receiver_url or event type must still be refused",
    ),
    (
        "updateWebhook",
        400,
        "WHK declares no 400; invalid body or non-UUID webhook_id",
    ),
    (
        "deleteWebhook",
        400,
        "WHK declares no 400; non-UUID webhook_id",
    ),
    (
        "testWebhook",
        400,
        "WHK declares no 400; non-UUID webhook_id or a body without a known webhook_event_type",
    ),
    (
        "createMeterBatchJob",
        401,
        "CRM declares 403 but no 401 for a missing bearer token",
    ),
    (
        "createMeterBatchJob",
        415,
        "CRM declares no 415; a body that is neither JSON nor CSV",
    ),
    (
        "createSingleMeter",
        401,
        "CRM declares only 200/400 for createSingleMeter",
    ),
    (
        "createSingleMeter",
        403,
        "CRM declares only 200/400 for createSingleMeter",
    ),
    (
        "listMeterBatchJobs",
        400,
        "CRM declares only 200; bad filter/search/page parameters",
    ),
    ("listMeterBatchJobs", 401, "CRM declares only 200"),
    ("listMeterBatchJobs", 403, "CRM declares only 200"),
    (
        "getMeterBatchJob",
        400,
        "CRM declares only 200; non-UUID job_id",
    ),
    (
        "getMeterBatchJob",
        404,
        "CRM declares only 200; unknown job_id",
    ),
    ("listProvisionalAssets", 401, "CRM declares only 200/400"),
    ("listMeterBatchJobsFilters", 401, "CRM declares only 200"),
    ("listProvisionalAssetsFilters", 401, "CRM declares only 200"),
];

/// One of Leap's OpenAPI files, parsed (shared with the webhook-body contract test).
pub(crate) struct Spec {
    pub(crate) doc: Value,
}

impl Spec {
    fn dir() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/contract")
    }

    pub(crate) fn load(file: &str) -> Spec {
        let text = std::fs::read_to_string(Self::dir().join(file))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        let doc: Value =
            serde_yaml_ng::from_str(&text).unwrap_or_else(|e| panic!("{file} is not YAML: {e}"));
        Spec { doc }
    }

    fn pointer(&self, reference: &str) -> &Value {
        let path = reference
            .strip_prefix('#')
            .unwrap_or_else(|| panic!("only local $refs are used: {reference}"));
        self.doc
            .pointer(path)
            .unwrap_or_else(|| panic!("dangling $ref {reference}"))
    }

    /// `value` with every `$ref` replaced by its target (recursively).
    pub(crate) fn inline(&self, value: &Value, depth: usize) -> Value {
        assert!(depth < 64, "$ref cycle");
        match value {
            Value::Object(map) => {
                if let Some(Value::String(r)) = map.get("$ref") {
                    return self.inline(self.pointer(r), depth + 1);
                }
                Value::Object(
                    map.iter()
                        // Examples are annotations, and some of Leap's violate their own schema.
                        .filter(|(k, _)| k.as_str() != "example" && k.as_str() != "examples")
                        .map(|(k, v)| (k.clone(), self.inline(v, depth + 1)))
                        .collect(),
                )
            }
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.inline(v, depth + 1)).collect())
            }
            other => other.clone(),
        }
    }

    fn operation(&self, method: &str, template: &str) -> &Value {
        self.doc["paths"][template]
            .get(method)
            .unwrap_or_else(|| panic!("{method} {template} is not in the spec"))
    }

    /// The declared response of an operation for a status (`$ref` followed).
    pub(crate) fn response(&self, method: &str, template: &str, status: u16) -> Option<Value> {
        let r = self.operation(method, template)["responses"].get(status.to_string())?;
        Some(self.inline(r, 0))
    }

    fn error_schema(&self) -> Value {
        self.inline(&self.doc["components"]["schemas"]["ErrorResponse"], 0)
    }
}

#[derive(Default)]
struct Report {
    /// operationId -> statuses checked.
    covered: BTreeMap<&'static str, BTreeSet<u16>>,
    deviations_used: BTreeSet<(&'static str, u16)>,
    failures: Vec<String>,
}

struct Contract {
    app: TestApp,
    specs: HashMap<&'static str, Spec>,
    report: Report,
}

pub(crate) fn validator(schema: &Value) -> jsonschema::Validator {
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(schema)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}\n{schema}"))
}

impl Contract {
    fn new(app: TestApp) -> Self {
        let specs = SPECS
            .iter()
            .map(|(name, file)| (*name, Spec::load(file)))
            .collect();
        Contract {
            app,
            specs,
            report: Report::default(),
        }
    }

    /// Sends a request and checks the response against `operation`'s declaration. Returns the
    /// status and the body (JSON, or a string for non-JSON bodies).
    async fn call(&mut self, operation: &'static str, req: RequestBuilder) -> (u16, Value) {
        let &(spec_name, method, template, _) = OPERATIONS
            .iter()
            .find(|o| o.3 == operation)
            .unwrap_or_else(|| panic!("unknown operation {operation}"));
        let resp = req.send().await.expect("request sent");
        let status = resp.status().as_u16();
        let content_type = resp
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let text = resp.text().await.expect("body read");
        let body: Value = if content_type == "application/json" {
            match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(e) => {
                    self.report.failures.push(format!(
                        "{operation} {status}: body is not JSON ({e}): {text}"
                    ));
                    return (status, Value::Null);
                }
            }
        } else {
            Value::String(text)
        };
        self.report
            .covered
            .entry(operation)
            .or_default()
            .insert(status);
        let spec = &self.specs[spec_name];
        let schema = match spec.response(method, template, status) {
            Some(declared) => {
                let Some(media) = declared["content"].get(&content_type) else {
                    self.report.failures.push(format!(
                        "{operation} {status}: content type {content_type:?} is not declared ({})",
                        declared["content"]
                            .as_object()
                            .map(|m| m.keys().cloned().collect::<Vec<_>>().join(", "))
                            .unwrap_or_default()
                    ));
                    return (status, body);
                };
                let mut schema = media["schema"].clone();
                // The batch 400 lists ValidationErrors in `details`, as Leap's own example for
                // this operation does, although its ErrorResponse types details as an object.
                if operation == "createMeterBatchJob" && status == 400 {
                    let item =
                        spec.inline(&spec.doc["components"]["schemas"]["ValidationError"], 0);
                    schema["properties"]["details"] = json!({"type": "array", "items": item});
                    self.report.deviations_used.insert((operation, status));
                }
                schema
            }
            None => {
                if !DEVIATIONS.iter().any(|d| d.0 == operation && d.1 == status) {
                    self.report.failures.push(format!(
                        "{operation}: status {status} is not declared by the spec: {body}"
                    ));
                    return (status, body);
                }
                self.report.deviations_used.insert((operation, status));
                spec.error_schema()
            }
        };
        let v = validator(&schema);
        let errors: Vec<String> = v
            .iter_errors(&body)
            .map(|e| format!("  at {}: {e}", e.instance_path()))
            .collect();
        if !errors.is_empty() {
            self.report.failures.push(format!(
                "{operation} {status}: body does not match the declared schema:\n{}\n  body: {body}",
                errors.join("\n")
            ));
        }
        (status, body)
    }

    fn req(&self, method: Method, key: Option<&str>, path: &str) -> RequestBuilder {
        let r = self.app.client.request(method, self.app.url(path));
        match key {
            Some(k) => r.bearer_auth(k),
            None => r,
        }
    }

    fn get(&self, key: Option<&str>, path: &str) -> RequestBuilder {
        self.req(Method::GET, key, path)
    }

    fn post(&self, key: Option<&str>, path: &str, body: &Value) -> RequestBuilder {
        self.req(Method::POST, key, path).json(body)
    }
}

const KEY: Option<&str> = Some(DEMO_KEY);
const WRONG_KEY: Option<&str> = Some("not-a-key");

async fn wait_for_job(c: &mut Contract, job_id: &str) -> Value {
    for _ in 0..500 {
        let (_, job) = c
            .call(
                "getMeterBatchJob",
                c.get(KEY, &format!("/v1.1/jobs/meters/{job_id}")),
            )
            .await;
        if job["status"] != "PROCESSING" {
            return job;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("job did not finish");
}

#[tokio::test]
async fn responses_match_leaps_openapi_files() {
    let app = spawn_app_with(&[("LEAP_MOCK__TIME_SCALE", "0.001")]).await;
    let mut c = Contract::new(app);
    let unknown = "f5c5e328-e325-4d6d-b357-5015ed5962a7";

    // --- Webhooks v1.1
    c.call("listWebhooks", c.get(KEY, "/v1.1/webhooks")).await;
    let hook = json!({"receiver_url": "https://company.example/leap-webhooks",
                      "event_types": ["meter.created"],
                      "headers": [{"name": "x-api-key", "value": "your-test-key"}]});
    let (_, created) = c
        .call("createWebhook", c.post(KEY, "/v1.1/webhooks", &hook))
        .await;
    let webhook_id = created["webhook_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    c.call("listWebhooks", c.get(KEY, "/v1.1/webhooks")).await;
    c.call("listWebhooks", c.get(None, "/v1.1/webhooks")).await;
    c.call("listWebhooks", c.get(WRONG_KEY, "/v1.1/webhooks"))
        .await;
    c.call(
        "createWebhook",
        c.post(
            KEY,
            "/v1.1/webhooks",
            &json!({"receiver_url": "nope", "event_types": []}),
        ),
    )
    .await;
    c.call("createWebhook", c.post(None, "/v1.1/webhooks", &hook))
        .await;
    c.call("createWebhook", c.post(WRONG_KEY, "/v1.1/webhooks", &hook))
        .await;
    for (key, id) in [
        (KEY, webhook_id.as_str()),
        (KEY, unknown),
        (KEY, "not-a-uuid"),
        (None, webhook_id.as_str()),
        (WRONG_KEY, webhook_id.as_str()),
    ] {
        let r = c
            .req(Method::PUT, key, &format!("/v1.1/webhooks/{id}"))
            .json(&hook);
        c.call("updateWebhook", r).await;
    }
    for (key, id) in [
        (None, webhook_id.as_str()),
        (WRONG_KEY, webhook_id.as_str()),
        (KEY, webhook_id.as_str()),
        (KEY, webhook_id.as_str()),
        (KEY, "not-a-uuid"),
    ] {
        let r = c.req(Method::DELETE, key, &format!("/v1.1/webhooks/{id}"));
        c.call("deleteWebhook", r).await;
    }

    // --- Webhooks v1.1: testWebhook really sends, to a receiver that answers and to a closed port.
    let receiver = Receiver::ok().await;
    let refused = format!("http://127.0.0.1:{}/hooks", closed_port());
    // A complete meter.created (Leap's own example lacks transmission_region; see
    // contract_webhooks::SPEC_CONTRADICTIONS).
    let sample = json!({"webhook_event_type": "meter.created",
                        "meter_id": "364be407-1f08-48fa-afd2-ee1dd228b76b",
                        "partner_reference": "sample-ref-123", "transmission_region": "CAISO",
                        "meter_type": "UTILITY_METER"});
    let mut test_hooks = Vec::new();
    for (url, answered) in [(receiver.uri(), true), (refused, false)] {
        // An event type this test never causes, so the receiver only gets the test bodies.
        let hook = json!({"receiver_url": url, "event_types": ["connect_session.updated"]});
        let (_, created) = c
            .call("createWebhook", c.post(KEY, "/v1.1/webhooks", &hook))
            .await;
        let id = created["webhook_id"]
            .as_str()
            .unwrap_or_default()
            .to_string();
        let path = format!("/v1.1/webhooks/{id}/test");
        let (status, report) = c.call("testWebhook", c.post(KEY, &path, &sample)).await;
        assert_eq!(status, 200, "{report}");
        if answered {
            assert_eq!(report["is_successful"], true, "{report}");
            assert_eq!(report["status_code"], 200, "{report}");
        } else {
            assert_eq!(report["is_successful"], false, "{report}");
            assert!(report["error"].is_string(), "{report}");
        }
        test_hooks.push(id);
    }
    let (_, request) = receiver.wait_for(1).await.remove(0);
    let body: Value = request.body_json().expect("a JSON body");
    match WebhookContract::load().check(&body) {
        Ok(event_type) => assert_eq!(event_type, "meter.created"),
        Err(problems) => panic!("the test body's envelope: {problems:?}\n{body}"),
    }
    assert_eq!(body["payload"], sample, "the test body, as given");
    let hook_id = test_hooks[0].as_str();
    for (key, id, body) in [
        (KEY, unknown, &sample),
        (KEY, "not-a-uuid", &sample),
        (
            KEY,
            hook_id,
            &json!({"webhook_event_type": "meter.deleted"}),
        ),
        (None, hook_id, &sample),
        (WRONG_KEY, hook_id, &sample),
    ] {
        let r = c.post(key, &format!("/v1.1/webhooks/{id}/test"), body);
        c.call("testWebhook", r).await;
    }
    assert_eq!(receiver.count(), 1, "only the one test body was sent");
    for id in &test_hooks {
        let r = c.req(Method::DELETE, KEY, &format!("/v1.1/webhooks/{id}"));
        c.call("deleteWebhook", r).await;
    }

    // --- Create meters: single
    let (_, single) = c
        .call(
            "createSingleMeter",
            c.post(
                KEY,
                "/v1.1/meters",
                &single_create_body(full_create_meter("contract-full")),
            ),
        )
        .await;
    let meter_id = single["meter_id"].as_str().unwrap_or_default().to_string();
    c.call(
        "createSingleMeter",
        c.post(
            KEY,
            "/v1.1/meters",
            &single_create_body(full_create_meter("contract-full")),
        ),
    )
    .await;
    let mut wrong_state = create_meter("contract-wrong-state");
    wrong_state["customer"]["state_or_province_code"] = json!("NY");
    c.call(
        "createSingleMeter",
        c.post(KEY, "/v1.1/meters", &single_create_body(wrong_state)),
    )
    .await;
    c.call(
        "createSingleMeter",
        c.post(
            KEY,
            "/v1.1/meters",
            &json!({"provisional_asset": {"partner_reference": "x"}}),
        ),
    )
    .await;
    c.call(
        "createSingleMeter",
        c.post(
            None,
            "/v1.1/meters",
            &single_create_body(create_meter("c-1")),
        ),
    )
    .await;
    c.call(
        "createSingleMeter",
        c.post(
            WRONG_KEY,
            "/v1.1/meters",
            &single_create_body(create_meter("c-1")),
        ),
    )
    .await;

    // --- Create meters: batch jobs
    let batch: Vec<Value> = (0..3)
        .map(|i| create_meter(&format!("contract-batch-{i}")))
        .chain([
            create_meter("contract-batch-0"),
            full_create_meter("contract-batch-ny"),
        ])
        .collect();
    let (_, job) = c
        .call(
            "createMeterBatchJob",
            c.post(
                KEY,
                "/v1.1/jobs/meters?file_name=contract.json",
                &json!({"assets": batch}),
            ),
        )
        .await;
    let job_id = job["job_id"].as_str().unwrap_or_default().to_string();
    let csv = "partner_reference,transmission_region,customer_classification,load_types,meter_type,customer.street_1,customer.postal_code,customer.city,customer.state_or_province_code\n\
               contract-csv-1,CAISO,RESIDENTIAL,HVAC;LIGHTING,UTILITY_METER,1 Main St,94105,San Francisco,CA\n";
    let (_, csv_job) = c
        .call(
            "createMeterBatchJob",
            c.req(Method::POST, KEY, "/v1.1/jobs/meters")
                .header("content-type", "text/csv")
                .body(csv),
        )
        .await;
    let mut bad = create_meter("contract-bad");
    bad["meter_type"] = json!("METER");
    c.call(
        "createMeterBatchJob",
        c.post(
            KEY,
            "/v1.1/jobs/meters",
            &json!({"assets": [create_meter("ok-1"), bad]}),
        ),
    )
    .await;
    c.call(
        "createMeterBatchJob",
        c.req(Method::POST, KEY, "/v1.1/jobs/meters")
            .header("content-type", "text/csv")
            .body("partner_reference\nab\n"),
    )
    .await;
    c.call(
        "createMeterBatchJob",
        c.post(
            KEY,
            "/v1.1/jobs/meters?file_name=bad/name",
            &json!({"assets": [create_meter("ok-2")]}),
        ),
    )
    .await;
    c.call(
        "createMeterBatchJob",
        c.req(Method::POST, KEY, "/v1.1/jobs/meters")
            .header("content-type", "text/plain")
            .body("x"),
    )
    .await;
    c.call(
        "createMeterBatchJob",
        c.post(None, "/v1.1/jobs/meters", &json!({"assets": []})),
    )
    .await;
    c.call(
        "createMeterBatchJob",
        c.post(WRONG_KEY, "/v1.1/jobs/meters", &json!({"assets": []})),
    )
    .await;
    wait_for_job(&mut c, &job_id).await;
    wait_for_job(&mut c, csv_job["job_id"].as_str().unwrap_or_default()).await;
    c.call(
        "getMeterBatchJob",
        c.get(KEY, "/v1.1/jobs/meters/not-a-uuid"),
    )
    .await;
    c.call(
        "getMeterBatchJob",
        c.get(KEY, &format!("/v1.1/jobs/meters/{unknown}")),
    )
    .await;

    // --- Job and provisional-asset lists
    let (_, page) = c
        .call(
            "listMeterBatchJobs",
            c.get(KEY, "/v1.1/jobs/meters?page_size=1"),
        )
        .await;
    let token = page["next_page_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    c.call(
        "listMeterBatchJobs",
        c.get(
            KEY,
            &format!("/v1.1/jobs/meters?page_size=1&page_token={token}"),
        ),
    )
    .await;
    c.call("listMeterBatchJobs", c.get(KEY, "/v1.1/jobs/meters?filter=status:COMPLETED_WITH_ERRORS&search_query=contract&search_fields=file_name")).await;
    c.call(
        "listMeterBatchJobs",
        c.get(KEY, "/v1.1/jobs/meters?search_query=x"),
    )
    .await;
    c.call("listMeterBatchJobs", c.get(None, "/v1.1/jobs/meters"))
        .await;
    c.call("listMeterBatchJobs", c.get(WRONG_KEY, "/v1.1/jobs/meters"))
        .await;
    c.call(
        "listMeterBatchJobsFilters",
        c.get(KEY, "/v1.1/jobs/meter-job-filters"),
    )
    .await;
    c.call(
        "listMeterBatchJobsFilters",
        c.get(None, "/v1.1/jobs/meter-job-filters"),
    )
    .await;
    let (_, page) = c
        .call(
            "listProvisionalAssets",
            c.get(KEY, "/v1.1/provisional-assets?page_size=2"),
        )
        .await;
    let token = page["next_page_token"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    c.call(
        "listProvisionalAssets",
        c.get(
            KEY,
            &format!("/v1.1/provisional-assets?page_size=2&page_token={token}"),
        ),
    )
    .await;
    c.call(
        "listProvisionalAssets",
        c.get(
            KEY,
            "/v1.1/provisional-assets?filter=status:DUPLICATE,FAILED",
        ),
    )
    .await;
    c.call(
        "listProvisionalAssets",
        c.get(KEY, "/v1.1/provisional-assets")
            .header("accept", "text/csv"),
    )
    .await;
    c.call(
        "listProvisionalAssets",
        c.get(KEY, "/v1.1/provisional-assets?filter=status:NOPE"),
    )
    .await;
    c.call(
        "listProvisionalAssets",
        c.get(None, "/v1.1/provisional-assets"),
    )
    .await;
    c.call(
        "listProvisionalAssetsFilters",
        c.get(KEY, "/v1.1/provisional-assets-filters"),
    )
    .await;
    c.call(
        "listProvisionalAssetsFilters",
        c.get(None, "/v1.1/provisional-assets-filters"),
    )
    .await;

    // --- Meters and enrollments: give the full meter every Leap-side block first.
    let change = json!({
        "global_enrollment_status": "ACTIVE",
        "participation": {"participation_preference": "PARTICIPATE", "start_time": "2024-11-01T00:00:00Z",
                          "end_time": "9000-01-01T00:00:00Z", "reason": "Enrolled"},
        "required_actions": {
            "partner": [{"program_identifier": "NYISO-SCR", "delivery_period": "NYISO-SCR_2024_NOV_2025_APR",
                         "enrollment_deadline_date_time": "2024-10-29T04:00:00Z", "action_type": "IS_AUTHORIZED",
                         "action_description": "Re-authorize the meter", "action_code": "AUTH_0001"}],
            "leap": [{"program_identifier": "NYISO-SCR", "delivery_period": "NYISO-SCR_2024_NOV_2025_APR",
                      "enrollment_deadline_date_time": "2024-10-29T04:00:00Z", "action_type": "IS_ASSIGNED_TO_A_RESOURCE",
                      "action_description": "This meter is not enrolled in the program", "action_code": "LEAP_0001"}]
        },
        "program_enrollment": [{
            "program_identifier": "NYISO-SCR", "delivery_period": "NYISO-SCR_2024_NOV_2025_APR",
            "delivery_period_start_date_time": "2024-11-01T04:00:00Z",
            "delivery_period_end_date_time": "2025-04-30T04:00:00Z", "enrollment_status": "ACTIVE",
            "enrollment_deadlines": [{"enrollment_deadline_date_time": "2024-10-29T04:00:00Z",
                                       "activation_date_time": "2024-11-01T04:00:00Z"}],
            "market_group_id": "406720c2-0175-4137-9ff1-1641702292d4", "market_group_name": "GRP1_NAME"
        }]
    });
    let resp = c
        .app
        .client
        .post(c.app.url(&format!("/_mock/meters/{meter_id}/enrollment")))
        .json(&change)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let resp = c
        .app
        .client
        .patch(c.app.url(&format!("/_mock/meters/{meter_id}")))
        .json(&json!({"tags": ["tag1", "tag 2"], "connection_references": ["contract-full"]}))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);

    for (op, path) in [
        ("getMeterDetails", format!("/v2/meters/{meter_id}")),
        (
            "getMeterEnrollment",
            format!("/v2/meters/{meter_id}/enrollments"),
        ),
    ] {
        c.call(op, c.get(KEY, &path)).await;
        c.call(op, c.get(KEY, &path.replace(&meter_id, "abcdef")))
            .await;
        c.call(op, c.get(KEY, &path.replace(&meter_id, unknown)))
            .await;
        c.call(op, c.get(None, &path)).await;
        c.call(op, c.get(WRONG_KEY, &path)).await;
    }
    for (op, path) in [
        ("searchMeterDetails", "/v2/meters/search"),
        ("searchMeterEnrollments", "/v2/meters/enrollments/search"),
    ] {
        let (_, page) = c
            .call(op, c.post(KEY, path, &json!({"page_size": 2})))
            .await;
        let token = page["next_page_token"].clone();
        c.call(
            op,
            c.post(KEY, path, &json!({"page_size": 2, "page_token": token})),
        )
        .await;
        c.call(
            op,
            c.post(
                KEY,
                path,
                &json!({"global_enrollment_statuses": ["ACTIVE"], "tags": ["tag1"]}),
            ),
        )
        .await;
        c.call(
            op,
            c.post(KEY, path, &json!({"transmission_region": "PJM"})),
        )
        .await;
        c.call(op, c.post(KEY, path, &json!({"meter_ids": ["abcdef"]})))
            .await;
        c.call(op, c.post(KEY, path, &json!({"page_size": 0})))
            .await;
        c.call(op, c.post(None, path, &json!({}))).await;
        c.call(op, c.post(WRONG_KEY, path, &json!({}))).await;
    }

    // --- Every in-scope operation was exercised with a success, and the report.
    let report = &c.report;
    for (_, _, _, op) in OPERATIONS {
        let statuses = report.covered.get(op).cloned().unwrap_or_default();
        assert!(
            statuses.iter().any(|s| (200..300).contains(s)),
            "{op} was never answered with a success: {statuses:?}"
        );
    }
    eprintln!("contract coverage (operation: statuses checked):");
    for (op, statuses) in &report.covered {
        eprintln!("  {op}: {statuses:?}");
    }
    eprintln!("documented deviations exercised:");
    for (op, status) in &report.deviations_used {
        let why = DEVIATIONS
            .iter()
            .find(|d| d.0 == *op && d.1 == *status)
            .map_or(
                "details is an array of ValidationError (Leap's example)",
                |d| d.2,
            );
        eprintln!("  {op} {status}: {why}");
    }
    assert!(
        report.failures.is_empty(),
        "{} contract violation(s):\n{}",
        report.failures.len(),
        report.failures.join("\n")
    );
}

#[test]
fn vendored_specs_equal_the_shared_reference() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/leap");
    if !shared.is_dir() {
        eprintln!("{} not present; nothing to compare", shared.display());
        return;
    }
    for (_, file) in SPECS {
        let ours = std::fs::read(Spec::dir().join(file)).expect("vendored spec");
        let theirs = std::fs::read(shared.join(file)).expect("shared spec");
        assert!(
            ours == theirs,
            "tests/contract/{file} differs from shared/reference/leap/{file}"
        );
    }
}

/// Guards against a vacuous contract test: the inlined schemas do reject bad bodies.
#[test]
fn the_schemas_reject_what_the_spec_rejects() {
    let mtr = Spec::load("leap-meters-openapi-original.yml");
    let schema = mtr.response("get", "/v2/meters/{meter_id}", 200).unwrap()["content"]
        ["application/json"]["schema"]
        .clone();
    let v = validator(&schema);
    let good = json!({
        "meter_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6", "is_archived": false,
        "partner_reference": "customer-site-123",
        "transmission_region": "CAISO", "meter_type": "DEVICE", "load_types": ["HVAC"],
        "customer": {"street_1": "1 Main St", "postal_code": "94105", "city": "SF",
                     "state_or_province_code": "CA", "country_code": "US"},
        "audit": {"created_by": "PARTNER", "created_at": "2024-07-12T16:40:56.401422Z",
                  "updated_at": "2024-07-12T16:40:56.401422Z"}
    });
    assert!(
        v.is_valid(&good),
        "{:?}",
        v.iter_errors(&good)
            .map(|e| e.to_string())
            .collect::<Vec<_>>()
    );
    for (pointer, bad) in [
        ("/meter_id", json!("abcdef")),
        ("/transmission_region", json!("MARS")),
        ("/customer/postal_code", json!("9410")),
        ("/customer/street_1", json!("<script>")),
        ("/audit/created_at", json!("yesterday")),
        ("/load_types", json!([])),
        ("/partner_reference", json!("a/b")),
    ] {
        let mut body = good.clone();
        *body.pointer_mut(pointer).expect("member present") = bad.clone();
        assert!(!v.is_valid(&body), "{pointer} = {bad} passed");
    }
}

/// README's deviation table has a row for every entry of [`DEVIATIONS`].
#[test]
fn the_readme_lists_every_deviation() {
    const README: &str = include_str!("../../README.md");
    let section = README
        .split("### Where the mock departs from Leap's specs")
        .nth(1)
        .expect("README has the deviations section")
        .split("\n#")
        .next()
        .unwrap_or_default();
    let rows: Vec<Vec<&str>> = section
        .lines()
        .filter(|l| l.starts_with('|'))
        .map(|l| l.split('|').map(str::trim).collect())
        .collect();
    for (op, status, why) in DEVIATIONS {
        assert!(
            rows.iter().any(|r| r.len() > 3
                && r[1].contains(&format!("`{op}`"))
                && r[2].contains(&status.to_string())),
            "README's deviation table has no row for {op} {status} ({why})"
        );
    }
}

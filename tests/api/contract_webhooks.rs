//! Contract test for what the mock *sends*: every webhook body a receiver gets is checked against
//! Leap's `WebhookPayload` (`tests/contract/leap-webhooks-openapi-original.yml`), with the schemas
//! loaded, `$ref`-inlined and validated as in [`crate::contract`].
//!
//! The payload is validated by the spec's discriminator, not by its `oneOf`: see
//! [`SPEC_CONTRADICTIONS`]. On top of the schema, the test holds the mock to two rules of its own
//! (Leap's wire format is sacred): the envelope has exactly `webhook_event_id` and `payload`
//! (LEAP-API.md 4.2: no timestamp, account id or version), and a payload carries no member its
//! event schema does not declare.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::contract::{Spec, validator};
use crate::fixtures::{create_meter, full_create_meter, single_create_body};
use crate::flow_support::{events, finished_run, run_headless};
use crate::helpers::{DEMO_KEY, TestApp, json, spawn_app_with};
use crate::webhooks_support::{Receiver, create_meters};

pub(crate) const WEBHOOKS_SPEC: &str = "leap-webhooks-openapi-original.yml";

/// Where Leap's webhook definition contradicts itself, and what the test does instead.
pub(crate) const SPEC_CONTRADICTIONS: &[(&str, &str)] = &[
    (
        "WebhookEventTypeDiscriminator.oneOf",
        "the seven event schemas overlap (every global-status, participation-status and \
         required-actions payload also satisfies MeterCreatedEventV1Wrapped; an authorization \
         COMPLETED also satisfies ConnectSessionUpdatedEventV1Wrapped) and none pins its own \
         webhook_event_type, so JSON Schema `oneOf` rejects valid events. The payload is \
         validated against the schema the discriminator maps its webhook_event_type to, as \
         OpenAPI 3.0 intends",
    ),
    (
        "TestWebhookRequestBody",
        "Leap's own example (meter.created with meter_id and partner_reference) lacks \
         transmission_region, which MeterCreatedEventV1 requires; the mock forwards a test body \
         as given and checks only its webhook_event_type, so this test sends a complete one",
    ),
];

/// The schemas one `webhook_event_type` is checked against.
struct EventSchema {
    /// The mapped schema's name, e.g. `MeterCreatedEventV1Wrapped`.
    name: String,
    /// `WebhookPayload` with `payload` replaced by the mapped schema.
    envelope: jsonschema::Validator,
    /// The mapped schema, inlined (for the undeclared-member check).
    payload: Value,
}

/// Validates webhook bodies (envelope and payload) against Leap's webhook spec.
pub(crate) struct WebhookContract {
    by_type: BTreeMap<String, EventSchema>,
}

impl WebhookContract {
    pub(crate) fn load() -> Self {
        let spec = Spec::load(WEBHOOKS_SPEC);
        let schemas = &spec.doc["components"]["schemas"];
        let discriminator = &schemas["WebhookEventTypeDiscriminator"]["discriminator"];
        assert_eq!(discriminator["propertyName"], "webhook_event_type");
        let mapping = discriminator["mapping"]
            .as_object()
            .expect("a discriminator mapping");
        let envelope = spec.inline(&schemas["WebhookPayload"], 0);
        let by_type = mapping
            .iter()
            .map(|(event_type, target)| {
                let target = target.as_str().expect("a $ref");
                let payload = spec.inline(&json!({ "$ref": target }), 0);
                let mut whole = envelope.clone();
                whole["properties"]["payload"] = payload.clone();
                let schema = EventSchema {
                    name: target.rsplit('/').next().unwrap_or(target).to_string(),
                    envelope: validator(&whole),
                    payload,
                };
                (event_type.clone(), schema)
            })
            .collect();
        WebhookContract { by_type }
    }

    /// The event types the discriminator maps (Leap's seven).
    pub(crate) fn event_types(&self) -> impl Iterator<Item = &str> {
        self.by_type.keys().map(String::as_str)
    }

    /// Checks one body as a receiver got it: its `webhook_event_type`, or every problem found.
    pub(crate) fn check(&self, body: &Value) -> Result<String, Vec<String>> {
        let Some(members) = body.as_object() else {
            return Err(vec!["the body is not a JSON object".into()]);
        };
        let mut problems = Vec::new();
        let keys: BTreeSet<&str> = members.keys().map(String::as_str).collect();
        if keys != BTreeSet::from(["payload", "webhook_event_id"]) {
            problems.push(format!(
                "the envelope must have exactly webhook_event_id and payload, has {keys:?}"
            ));
        }
        let Some(event_type) = body["payload"]["webhook_event_type"].as_str() else {
            problems.push("payload.webhook_event_type (the discriminator) is missing".into());
            return Err(problems);
        };
        let Some(schema) = self.by_type.get(event_type) else {
            problems.push(format!(
                "no schema is mapped to webhook_event_type {event_type:?}"
            ));
            return Err(problems);
        };
        problems.extend(
            schema
                .envelope
                .iter_errors(body)
                .map(|e| format!("{} at {}: {e}", schema.name, e.instance_path())),
        );
        undeclared(&schema.payload, &body["payload"], "/payload", &mut problems);
        if problems.is_empty() {
            Ok(event_type.to_string())
        } else {
            Err(problems)
        }
    }
}

/// `schema` and its `allOf` branches, recursively.
fn branches(schema: &Value) -> Vec<&Value> {
    let mut out = vec![schema];
    for branch in schema["allOf"].as_array().into_iter().flatten() {
        out.extend(branches(branch));
    }
    out
}

/// Reports members of `instance` that `schema` does not declare (through `allOf`, `properties`
/// and `items`). Objects whose schema declares no properties at all are free-form.
fn undeclared(schema: &Value, instance: &Value, at: &str, out: &mut Vec<String>) {
    let branches = branches(schema);
    match instance {
        Value::Object(map) => {
            let declared: Vec<(&String, &Value)> = branches
                .iter()
                .filter_map(|b| b["properties"].as_object())
                .flatten()
                .collect();
            if declared.is_empty() {
                return;
            }
            for (name, value) in map {
                let at = format!("{at}/{name}");
                let subs: Vec<&Value> = declared
                    .iter()
                    .filter(|(n, _)| *n == name)
                    .map(|(_, s)| *s)
                    .collect();
                if subs.is_empty() {
                    out.push(format!("{at}: a member the schema does not declare"));
                }
                for sub in subs {
                    undeclared(sub, value, &at, out);
                }
            }
        }
        Value::Array(items) => {
            for item_schema in branches.iter().filter_map(|b| b.get("items")) {
                for (i, item) in items.iter().enumerate() {
                    undeclared(item_schema, item, &format!("{at}/{i}"), out);
                }
            }
        }
        _ => {}
    }
}

/// Leap time is compressed so the catalogue's one-day step takes under a second.
const TIME_SCALE: f64 = 0.00001;

/// A Connect session left idle this long (24 h of Leap time, scaled) is closed with a webhook.
fn idle_limit() -> Duration {
    Duration::from_secs_f64(86_400.0 * TIME_SCALE)
}

/// Runs every catalogue test case at once, each with its own refId.
async fn run_every_test_case(app: &TestApp) -> usize {
    let body = json(app.get("/_mock/test-cases").await).await;
    let cases = body["test_cases"].as_array().expect("test_cases").clone();
    let mut runs = Vec::new();
    for (i, case) in cases.iter().enumerate() {
        let id = case["id"].as_str().expect("a test case id");
        let started = run_headless(app, id, "demo", &format!("contract-hooks-{i}")).await;
        runs.push((id, started["run_id"].as_str().expect("run_id").to_string()));
    }
    for (id, run_id) in &runs {
        let run = finished_run(app, run_id).await;
        assert_eq!(run["status"], "completed", "{id}: {run}");
    }
    cases.len()
}

/// Meters from the REST API (single and batch), then moved through every enrollment change.
async fn create_and_move_meters(app: &TestApp) {
    let single = create_meters(app, DEMO_KEY, 1).await.remove(0);
    let resp = app
        .post_json_as(
            DEMO_KEY,
            "/v1.1/meters",
            &single_create_body(full_create_meter("contract-hooks-full")),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let full = json(resp).await["meter_id"]
        .as_str()
        .expect("meter_id")
        .to_string();

    let assets: Vec<Value> = (0..3)
        .map(|i| create_meter(&format!("contract-hooks-batch-{i}")))
        .collect();
    let resp = app
        .post_json_as(DEMO_KEY, "/v1.1/jobs/meters", &json!({ "assets": assets }))
        .await;
    assert_eq!(resp.status(), 201);
    let job_id = json(resp).await["job_id"]
        .as_str()
        .expect("job_id")
        .to_string();
    crate::webhooks_support::poll("the batch job", || async {
        let job = json(
            app.get_as(DEMO_KEY, &format!("/v1.1/jobs/meters/{job_id}"))
                .await,
        )
        .await;
        (job["status"] != "PROCESSING").then_some(job)
    })
    .await;

    let action = |owner_code: &str, action_type: &str| {
        json!({"program_identifier": "NYISO-SCR", "delivery_period": "NYISO-SCR_2025_MAY_OCT",
               "enrollment_deadline_date_time": "2025-04-01T04:00:00Z", "action_type": action_type,
               "action_description": "There are missing fields: fieldname", "action_code": owner_code})
    };
    let changes = [
        // Every event at once: global status, required actions, participation, group.
        (
            &full,
            json!({
                "global_enrollment_status": "ACTIVE",
                "participation": {"participation_preference": "PARTICIPATE",
                                  "start_time": "2025-05-01T04:00:00Z", "end_time": "2025-11-01T04:00:00Z",
                                  "reason": "Enrolled"},
                "required_actions": {"partner": [action("AUTH_0001", "IS_AUTHORIZED")],
                                     "leap": [action("LEAP_0001", "IS_ASSIGNED_TO_A_RESOURCE")]},
                "program_enrollment": [{
                    "program_identifier": "NYISO-SCR", "delivery_period": "NYISO-SCR_2025_MAY_OCT",
                    "delivery_period_start_date_time": "2025-05-01T04:00:00Z",
                    "delivery_period_end_date_time": "2025-11-01T04:00:00Z", "enrollment_status": "ACTIVE",
                    "enrollment_deadlines": [{"enrollment_deadline_date_time": "2025-04-01T04:00:00Z",
                                               "activation_date_time": "2025-05-01T04:00:00Z"}],
                    "market_group_id": "406720c2-0175-4137-9ff1-1641702292d4", "market_group_name": "GRP1_NAME"
                }]
            }),
        ),
        // Everything resolved: the required-actions event with an empty partner list.
        (&full, json!({"required_actions": {}})),
        // An open-ended participation period (no end_time) and a status change alone.
        (
            &single,
            json!({"participation": {"participation_preference": "IDLE", "start_time": "2025-03-02T00:00:00Z"}}),
        ),
        (
            &single,
            json!({"global_enrollment_status": "INELIGIBLE",
                   "required_actions": {"partner": [action("SERV_0005", "NO_MISSING_FIELDS")]}}),
        ),
    ];
    for (meter_id, change) in changes {
        let resp = app
            .client
            .post(app.url(&format!("/_mock/meters/{meter_id}/enrollment")))
            .json(&change)
            .send()
            .await
            .expect("request sent");
        assert_eq!(resp.status(), 200, "{change}");
    }
}

/// Waits until the outbox has been quiet for longer than any pending session expiry and the
/// receiver holds a body for every outbox event; returns (outbox, bodies).
async fn all_delivered(app: &TestApp, receiver: &Receiver) -> (Vec<Value>, Vec<Value>) {
    let quiet = idle_limit() * 2 + Duration::from_millis(300);
    let start = Instant::now();
    let (mut last_len, mut since) = (usize::MAX, Instant::now());
    loop {
        let outbox = events(app, "demo").await;
        assert!(
            outbox.len() < 1000,
            "the outbox outgrew one /_mock/events page"
        );
        if outbox.len() != last_len {
            (last_len, since) = (outbox.len(), Instant::now());
        }
        let bodies = receiver.bodies();
        let received: BTreeSet<&str> = bodies
            .iter()
            .filter_map(|b| b["webhook_event_id"].as_str())
            .collect();
        let all_in = outbox.iter().all(|e| {
            e["webhook_event_id"]
                .as_str()
                .is_some_and(|id| received.contains(id))
        });
        if all_in && bodies.len() == outbox.len() && since.elapsed() > quiet {
            return (outbox, bodies);
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out: {} outbox events, {} bodies received",
            outbox.len(),
            bodies.len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn every_webhook_body_sent_matches_leaps_webhook_payload() {
    let contract = WebhookContract::load();
    let receiver = Receiver::ok().await;
    let scale = TIME_SCALE.to_string();
    let app = spawn_app_with(&[
        ("LEAP_MOCK__ORGS__DEMO__WEBHOOK_URL", &receiver.uri()),
        ("LEAP_MOCK__TIME_SCALE", &scale),
    ])
    .await;

    let cases = run_every_test_case(&app).await;
    create_and_move_meters(&app).await;
    let (outbox, bodies) = all_delivered(&app, &receiver).await;

    // What receivers get is the outbox, event for event.
    let by_id: HashMap<&str, &Value> = outbox
        .iter()
        .map(|e| (e["webhook_event_id"].as_str().unwrap_or_default(), e))
        .collect();
    for body in &bodies {
        let id = body["webhook_event_id"].as_str().unwrap_or_default();
        let event = by_id
            .get(id)
            .unwrap_or_else(|| panic!("not in the outbox: {body}"));
        assert_eq!(body["payload"], event["payload"], "{id}");
    }

    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for body in &bodies {
        match contract.check(body) {
            Ok(event_type) => *seen.entry(event_type).or_default() += 1,
            Err(problems) => failures.push(format!(
                "{}:\n  {}\n  body: {body}",
                body["payload"]["webhook_event_type"]
                    .as_str()
                    .unwrap_or("?"),
                problems.join("\n  ")
            )),
        }
    }
    eprintln!(
        "webhook bodies validated ({} test cases run, {} bodies):",
        cases,
        bodies.len()
    );
    for (event_type, n) in &seen {
        eprintln!("  {event_type}: {n}");
    }
    assert!(
        failures.is_empty(),
        "{} webhook body/bodies do not match Leap's WebhookPayload:\n{}",
        failures.len(),
        failures.join("\n")
    );
    let missing: Vec<&str> = contract
        .event_types()
        .filter(|t| !seen.contains_key(*t))
        .collect();
    assert!(missing.is_empty(), "never sent: {missing:?}");
    assert_eq!(seen.len(), 7, "Leap has seven event types: {seen:?}");
}

/// One valid body per event type (LEAP-API.md 4.3's examples, with real ids).
fn samples() -> Vec<Value> {
    let meter = "11111111-1111-1111-1111-111111111111";
    let identity = json!({"meter_id": meter, "partner_reference": "customer-site-123",
                          "transmission_region": "CAISO", "meter_type": "UTILITY_METER"});
    let with = |event_type: &str, extra: Value| {
        let mut payload = identity.clone();
        payload["webhook_event_type"] = json!(event_type);
        for (k, v) in extra.as_object().into_iter().flatten() {
            payload[k] = v.clone();
        }
        json!({"webhook_event_id": "26c8b7c6-3d3c-4d84-9ce9-734930c897d4", "payload": payload})
    };
    vec![
        json!({"webhook_event_id": "cca07005-1406-4539-8b84-1a5f24cd1575", "payload": {
            "webhook_event_type": "connect_session.updated", "partner_reference": "customer-site-123",
            "status": "CREATED"}}),
        json!({"webhook_event_id": "3b41a28a-46b3-4082-b13c-a2f812f1bda5", "payload": {
            "webhook_event_type": "connect_session.authorization_updated",
            "partner_reference": "customer-site-123", "utility_name": "PGE", "status": "COMPLETED"}}),
        with("meter.created", json!({})),
        with(
            "meter.enrollment.global-status.updated",
            json!({"global_enrollment_status": "ELIGIBLE"}),
        ),
        with(
            "meter.enrollment.participation-status.updated",
            json!({"participation_preference": "IDLE", "start_time": "2025-03-02T00:00:00Z",
                   "end_time": "2025-06-01T00:00:00Z"}),
        ),
        with(
            "meter.enrollment.required-actions.updated",
            json!({"global_enrollment_status": "INELIGIBLE", "required_actions": {"partner": [{
                "program_identifier": "CEC-DSGS", "delivery_period": "CEC-DSGS_2026_MAY_OCT",
                "enrollment_deadline_date_time": "2026-04-15T00:00:00Z", "action_type": "NO_MISSING_FIELDS",
                "action_description": "There are missing fields: fieldname", "action_code": "SERV_0005"}]}}),
        ),
        json!({"webhook_event_id": "31f6b61a-712e-42e7-83af-ea441777a32f", "payload": {
            "webhook_event_type": "meter.enrollment.group.updated",
            "market_group_id": "406720c2-0175-4137-9ff1-1641702292d4", "market_group_name": "GRP1_NAME",
            "start_date_time": "2024-05-01T04:00:00Z", "end_date_time": "2024-06-01T04:00:00Z",
            "meter_ids": [meter]}}),
    ]
}

/// Guards against a vacuous webhook test: the validator accepts Leap's examples and rejects
/// broken bodies; and the spec's plain `oneOf` would reject valid ones (why it is not used).
#[test]
fn the_webhook_validator_rejects_broken_bodies() {
    let contract = WebhookContract::load();
    let samples = samples();
    let types: BTreeSet<String> = samples
        .iter()
        .map(|s| contract.check(s).unwrap_or_else(|e| panic!("{s}: {e:?}")))
        .collect();
    assert_eq!(
        types,
        contract.event_types().map(String::from).collect(),
        "one sample per mapped event type"
    );
    let sample = |event_type: &str| {
        samples
            .iter()
            .find(|s| s["payload"]["webhook_event_type"] == event_type)
            .cloned()
            .expect("a sample")
    };
    let created = sample("meter.created");
    let status = sample("meter.enrollment.global-status.updated");
    let participation = sample("meter.enrollment.participation-status.updated");
    let actions = sample("meter.enrollment.required-actions.updated");
    let group = sample("meter.enrollment.group.updated");
    let auth = sample("connect_session.authorization_updated");
    let changed = |body: &Value, pointer: &str, value: Option<Value>| {
        let mut body = body.clone();
        let (parent, member) = pointer.rsplit_once('/').expect("a member pointer");
        let target = body.pointer_mut(parent).expect("parent present");
        match value {
            Some(v) => target[member] = v,
            None => {
                target.as_object_mut().expect("an object").remove(member);
            }
        }
        body
    };
    for (what, body) in [
        (
            "meter.created without meter_id",
            changed(&created, "/payload/meter_id", None),
        ),
        (
            "a bad transmission_region",
            changed(
                &created,
                "/payload/transmission_region",
                Some(json!("MARS")),
            ),
        ),
        (
            "a bad global_enrollment_status",
            changed(
                &status,
                "/payload/global_enrollment_status",
                Some(json!("DONE")),
            ),
        ),
        (
            "a bad utility_name",
            changed(&auth, "/payload/utility_name", Some(json!("ACME_POWER"))),
        ),
        (
            "start_time not a date-time",
            changed(
                &participation,
                "/payload/start_time",
                Some(json!("yesterday")),
            ),
        ),
        (
            "a member Leap does not send",
            changed(&participation, "/payload/reason", Some(json!("Enrolled"))),
        ),
        (
            "a bad action_type",
            changed(
                &actions,
                "/payload/required_actions/partner/0/action_type",
                Some(json!("NOPE")),
            ),
        ),
        (
            "Leap's own required actions in the event",
            changed(&actions, "/payload/required_actions/leap", Some(json!([]))),
        ),
        (
            "a meter id that is not a UUID",
            changed(&group, "/payload/meter_ids", Some(json!(["abc"]))),
        ),
        (
            "webhook_event_id not a UUID",
            changed(&created, "/webhook_event_id", Some(json!("abc"))),
        ),
        (
            "no webhook_event_id",
            changed(&created, "/webhook_event_id", None),
        ),
        (
            "an extra envelope member",
            changed(&created, "/timestamp", Some(json!("2024-01-01T00:00:00Z"))),
        ),
        (
            "an unknown event type",
            changed(
                &created,
                "/payload/webhook_event_type",
                Some(json!("meter.deleted")),
            ),
        ),
        (
            "no event type",
            changed(&created, "/payload/webhook_event_type", None),
        ),
    ] {
        assert!(contract.check(&body).is_err(), "{what} passed: {body}");
    }

    // The spec's `oneOf`, taken literally, refuses a valid global-status event: it also
    // satisfies MeterCreatedEventV1Wrapped. Hence the discriminator (SPEC_CONTRADICTIONS).
    let spec = Spec::load(WEBHOOKS_SPEC);
    let literal = validator(&spec.inline(&spec.doc["components"]["schemas"]["WebhookPayload"], 0));
    assert!(literal.is_valid(&created));
    assert!(!literal.is_valid(&status), "oneOf no longer overlaps");
    assert!(SPEC_CONTRADICTIONS[0].0.contains("oneOf"));
}

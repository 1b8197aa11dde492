//! Engine tests without the REST API: events are committed to a store in-process and delivered
//! over HTTP to real (wiremock) receivers. The REST-level tests live in tests/api/webhooks_*.rs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};
use url::Url;
use uuid::Uuid;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use super::Webhooks;
use super::dispatcher::WORKER;
use super::log::{Filter, Status};
use crate::background::{Readiness, Workers};
use crate::domain::EventPayload;
use crate::domain::enums::{TransmissionRegion, WebhookEventType};
use crate::domain::subscription::{Header, Origin, Subscription};
use crate::metrics::Metrics;
use crate::scheduler::Scheduler;
use crate::settings::Settings;
use crate::store::Store;

struct Harness {
    store: Arc<Store>,
    engine: Arc<Webhooks>,
    workers: Workers,
    readiness: Readiness,
}

async fn harness(env: &[(&str, &str)]) -> Harness {
    let mut map: HashMap<String, String> = HashMap::from([
        ("LEAP_MOCK__TIME_SCALE".to_string(), "0.001".to_string()),
        ("LEAP_MOCK__WEBHOOKS__TIMEOUT".to_string(), "2s".to_string()),
    ]);
    map.extend(env.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    let settings = Settings::load_from(None, map).expect("valid test settings");
    let clock = crate::clock::Clock::new(settings.time_scale);
    let (scheduler, runner) = Scheduler::new(clock);
    let store = Arc::new(Store::new([("demo".to_string(), None)], clock.now()));
    let readiness = Readiness::default();
    let mut workers = Workers::new(readiness.clone());
    let (engine, dispatcher) =
        Webhooks::new(&settings, store.clone(), scheduler, &Metrics::new()).expect("engine");
    workers.spawn("scheduler", |s| runner.run(s));
    let r = readiness.clone();
    workers.spawn(WORKER, |s| dispatcher.run(s, r));
    Harness {
        store,
        engine,
        workers,
        readiness,
    }
}

impl Harness {
    fn subscribe(&self, url: &str, types: &[WebhookEventType], headers: &[(&str, &str)]) -> Uuid {
        let sub = Subscription {
            webhook_id: Uuid::new_v4(),
            receiver_url: Url::parse(url).unwrap(),
            event_types: types.to_vec(),
            headers: headers
                .iter()
                .map(|(n, v)| Header {
                    name: n.to_string(),
                    value: v.to_string(),
                })
                .collect(),
            origin: Origin::Api,
            created_at: Utc::now(),
        };
        let id = sub.webhook_id;
        self.store
            .commit("demo", Utc::now(), |d| {
                d.webhooks.push(sub);
                Ok::<_, ()>(((), vec![]))
            })
            .unwrap();
        id
    }

    /// Commits `n` meter.created events in one commit (one outbox batch).
    fn meters_created(&self, n: usize) -> Vec<Uuid> {
        let payloads: Vec<EventPayload> = (0..n)
            .map(|_| EventPayload::MeterCreated {
                meter_id: Uuid::new_v4(),
                partner_reference: Some("site-1".into()),
                transmission_region: TransmissionRegion::Caiso,
                meter_type: None,
            })
            .collect();
        self.store
            .commit("demo", Utc::now(), |_| Ok::<_, ()>(((), payloads)))
            .unwrap()
            .events
            .iter()
            .map(|e| e.webhook_event_id)
            .collect()
    }

    async fn wait_until(&self, what: &str, mut done: impl FnMut(&Webhooks) -> bool) {
        let start = Instant::now();
        while !done(&self.engine) {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "timed out: {what}"
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// A receiver answering from a script (one status per request, then 200) and noting arrivals.
#[derive(Clone, Default)]
struct Receiver {
    arrivals: Arc<Mutex<Vec<(Instant, Request)>>>,
}

impl Receiver {
    async fn start(statuses: Vec<u16>) -> (MockServer, Receiver) {
        let server = MockServer::start().await;
        let receiver = Receiver::default();
        let arrivals = receiver.arrivals.clone();
        Mock::given(method("POST"))
            .respond_with(move |req: &Request| {
                let mut seen = arrivals.lock().unwrap();
                let status = statuses.get(seen.len()).copied().unwrap_or(200);
                seen.push((Instant::now(), req.clone()));
                ResponseTemplate::new(status).set_body_string(format!("answer {}", seen.len()))
            })
            .mount(&server)
            .await;
        (server, receiver)
    }

    fn bodies(&self) -> Vec<Value> {
        let seen = self.arrivals.lock().unwrap();
        seen.iter().map(|(_, r)| r.body_json().unwrap()).collect()
    }

    fn event_ids(&self) -> Vec<String> {
        self.bodies()
            .iter()
            .map(|b| b["webhook_event_id"].as_str().unwrap().to_string())
            .collect()
    }
}

#[tokio::test]
async fn delivers_envelopes_in_outbox_order_with_custom_headers() {
    let h = harness(&[]).await;
    let (server, receiver) = Receiver::start(vec![]).await;
    h.subscribe(
        &format!("{}/hooks", server.uri()),
        &[WebhookEventType::MeterCreated],
        &[("x-api-key", "k1")],
    );
    let mut ids = Vec::new();
    for _ in 0..5 {
        ids.extend(h.meters_created(4));
    }
    h.wait_until("20 deliveries", |e| {
        e.log.len() == 20 && e.log.pending() == 0
    })
    .await;
    let sent: Vec<String> = ids.iter().map(|i| i.to_string()).collect();
    assert_eq!(receiver.event_ids(), sent, "first attempts in outbox order");
    let seen = receiver.arrivals.lock().unwrap();
    let (_, first) = &seen[0];
    assert_eq!(first.url.path(), "/hooks");
    assert_eq!(first.headers["content-type"], "application/json");
    assert_eq!(first.headers["x-api-key"], "k1");
    assert!(
        first.headers["user-agent"]
            .to_str()
            .unwrap()
            .starts_with("leap-mock/")
    );
    assert!(
        !first.headers.contains_key("webhook-signature"),
        "off by default"
    );
    let body: Value = first.body_json().unwrap();
    assert_eq!(body["payload"]["webhook_event_type"], "meter.created");
    assert_eq!(body["payload"]["transmission_region"], "CAISO");
    assert_eq!(
        body.as_object().unwrap().len(),
        2,
        "only Leap's two members"
    );
}

#[tokio::test]
async fn fans_out_to_every_subscription_that_wants_the_type() {
    let h = harness(&[]).await;
    let (a, ra) = Receiver::start(vec![]).await;
    let (b, rb) = Receiver::start(vec![]).await;
    let (c, rc) = Receiver::start(vec![]).await;
    h.subscribe(&a.uri(), &[WebhookEventType::MeterCreated], &[]);
    h.subscribe(
        &b.uri(),
        &[
            WebhookEventType::ConnectSessionUpdated,
            WebhookEventType::MeterCreated,
        ],
        &[],
    );
    h.subscribe(&c.uri(), &[WebhookEventType::ConnectSessionUpdated], &[]);
    let ids = h.meters_created(1);
    h.wait_until("2 deliveries", |e| e.log.len() == 2 && e.log.pending() == 0)
        .await;
    assert_eq!(ra.event_ids(), [ids[0].to_string()]);
    assert_eq!(rb.event_ids(), [ids[0].to_string()]);
    assert!(rc.event_ids().is_empty(), "not subscribed to meter.created");
}

#[tokio::test]
async fn retries_on_the_scaled_schedule_with_the_same_body_until_success() {
    // 1m, 2m, 4m of Leap time at time_scale 0.002: 120, 240, 480 ms.
    let h = harness(&[
        ("LEAP_MOCK__TIME_SCALE", "0.002"),
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s,1m,2m,4m,8m"),
    ])
    .await;
    let (server, receiver) = Receiver::start(vec![500, 503, 404]).await;
    h.subscribe(&server.uri(), &[WebhookEventType::MeterCreated], &[]);
    h.meters_created(1);
    h.wait_until("success", |e| e.log.pending() == 0 && e.log.len() == 1)
        .await;
    let seen = receiver.arrivals.lock().unwrap();
    assert_eq!(seen.len(), 4, "3 failures + 1 success");
    assert!(
        seen.windows(2).all(|w| w[0].1.body == w[1].1.body),
        "same bytes"
    );
    for (i, expected_ms) in [120u64, 240, 480].iter().enumerate() {
        let gap = seen[i + 1].0 - seen[i].0;
        assert!(
            gap >= Duration::from_millis(*expected_ms)
                && gap < Duration::from_millis(expected_ms + 150),
            "gap before attempt {} was {gap:?}, expected ~{expected_ms} ms",
            i + 2
        );
    }
    let (page, _) = h.engine.log.list(&Filter::default(), None, 10);
    let d = &page[0];
    assert_eq!(d.status, Status::Succeeded);
    let codes: Vec<Option<u16>> = d.attempts.iter().map(|a| a.reply.status_code).collect();
    assert_eq!(codes, [Some(500), Some(503), Some(404), Some(200)]);
    assert_eq!(d.attempts[3].reply.body.as_deref(), Some("answer 4"));
}

#[tokio::test]
async fn gives_up_after_the_last_attempt_and_redelivers_the_same_event() {
    let h = harness(&[("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s,1s,1s")]).await;
    let (server, receiver) = Receiver::start(vec![500, 500, 500]).await;
    h.subscribe(&server.uri(), &[WebhookEventType::MeterCreated], &[]);
    let ids = h.meters_created(1);
    h.wait_until("dead letter", |e| e.log.len() == 1 && e.log.pending() == 0)
        .await;
    let (page, _) = h.engine.log.list(&Filter::default(), None, 10);
    assert_eq!(page[0].status, Status::Failed);
    assert_eq!(page[0].attempts.len(), 3);
    let redelivered = h.engine.redeliver(page[0].id).expect("redeliver");
    assert_eq!(redelivered.status, Status::Pending);
    assert_eq!(
        h.engine.redeliver(page[0].id).unwrap_err(),
        super::RedeliverError::StillPending
    );
    h.wait_until("redelivered", |e| e.log.pending() == 0).await;
    let d = h.engine.log.get(page[0].id).unwrap();
    assert_eq!(d.status, Status::Succeeded);
    assert_eq!((d.series, d.attempts.len()), (1, 4));
    assert_eq!(receiver.event_ids(), vec![ids[0].to_string(); 4]);
}

#[tokio::test]
async fn a_receiver_that_never_answers_hits_the_timeout() {
    let h = harness(&[
        ("LEAP_MOCK__WEBHOOKS__TIMEOUT", "200ms"),
        ("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s"),
    ])
    .await;
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    h.subscribe(&server.uri(), &[WebhookEventType::MeterCreated], &[]);
    h.meters_created(1);
    h.wait_until("timeout", |e| e.log.len() == 1 && e.log.pending() == 0)
        .await;
    let (page, _) = h.engine.log.list(&Filter::default(), None, 1);
    let reply = &page[0].attempts[0].reply;
    assert_eq!(reply.outcome, super::client::AttemptOutcome::Timeout);
    assert_eq!(reply.status_code, None);
    assert!(
        reply.error.as_deref().unwrap().contains("timed out"),
        "{reply:?}"
    );
    assert!(reply.latency >= Duration::from_millis(200) && reply.latency < Duration::from_secs(2));
}

#[tokio::test]
async fn duplicate_and_reorder_faults_are_visible_in_the_log() {
    let h = harness(&[
        ("LEAP_MOCK__WEBHOOKS__FAULTS__DUPLICATE_PROBABILITY", "1"),
        ("LEAP_MOCK__WEBHOOKS__FAULTS__REORDER_PROBABILITY", "1"),
        ("LEAP_MOCK__WEBHOOKS__FAULTS__DELAY_MIN", "1s"),
        ("LEAP_MOCK__WEBHOOKS__FAULTS__DELAY_MAX", "2s"),
    ])
    .await;
    let (server, receiver) = Receiver::start(vec![]).await;
    h.subscribe(&server.uri(), &[WebhookEventType::MeterCreated], &[]);
    let ids = h.meters_created(3);
    h.wait_until("6 deliveries", |e| e.log.len() == 6 && e.log.pending() == 0)
        .await;
    let received = receiver.event_ids();
    assert_eq!(received.len(), 6, "every event twice");
    // One batch of 6 (3 events, each with its copy right behind it), reversed.
    let expected: Vec<String> = ids
        .iter()
        .rev()
        .flat_map(|i| [i.to_string(), i.to_string()])
        .collect();
    assert_eq!(received, expected);
    let (page, _) = h.engine.log.list(&Filter::default(), None, 10);
    let kinds = |d: &super::log::Delivery| -> Vec<String> {
        d.faults
            .iter()
            .map(|f| {
                serde_json::to_value(f).unwrap()["kind"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    for d in &page {
        let k = kinds(d);
        assert!(k.contains(&"reordered".to_string()), "{k:?}");
        assert!(k.contains(&"delayed".to_string()), "{k:?}");
        assert!(
            k.contains(&"duplicated".to_string()) || k.contains(&"duplicate_of".to_string()),
            "{k:?}"
        );
    }
    let delayed = serde_json::to_value(&page[0].faults).unwrap();
    let delayed = delayed
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "delayed")
        .unwrap()
        .clone();
    let ms = delayed["delay_ms"].as_u64().unwrap();
    assert!((1000..=2000).contains(&ms), "{delayed}");
    assert_eq!(delayed["scaled_delay_ms"], json!(ms / 1000));
}

#[tokio::test]
async fn shutdown_lets_in_flight_attempts_finish_and_starts_nothing_new() {
    let h = harness(&[]).await;
    let (server, receiver) = Receiver::start(vec![]).await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_millis(300)))
        .with_priority(1)
        .mount(&server)
        .await;
    h.subscribe(&server.uri(), &[WebhookEventType::MeterCreated], &[]);
    h.meters_created(1);
    // The slow mock answers (with priority); wait until the attempt is in flight.
    let start = Instant::now();
    while server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "the attempt never started"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    assert_eq!(h.readiness.snapshot().get(WORKER), Some(&true));
    let Harness {
        engine,
        workers,
        readiness,
        store,
    } = h;
    workers.shutdown(Duration::from_secs(3)).await;
    assert_eq!(readiness.snapshot().get(WORKER), Some(&false));
    let (page, _) = engine.log.list(&Filter::default(), None, 10);
    assert_eq!(
        page[0].status,
        Status::Succeeded,
        "the in-flight attempt finished"
    );
    // After shutdown, a new event starts nothing.
    store
        .commit("demo", Utc::now(), |_| {
            Ok::<_, ()>((
                (),
                vec![EventPayload::MeterCreated {
                    meter_id: Uuid::new_v4(),
                    partner_reference: None,
                    transmission_region: TransmissionRegion::Nyiso,
                    meter_type: None,
                }],
            ))
        })
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(
        server.received_requests().await.unwrap_or_default().len(),
        1
    );
    assert!(
        receiver.event_ids().is_empty(),
        "the scripted mock was never used"
    );
    assert_eq!(engine.log.len(), 1);
}

#[tokio::test]
async fn a_tls_failure_is_a_failed_attempt() {
    let h = harness(&[("LEAP_MOCK__WEBHOOKS__RETRY_SCHEDULE", "0s")]).await;
    let (server, receiver) = Receiver::start(vec![]).await;
    // A plain-HTTP receiver addressed as https: the TLS handshake cannot succeed.
    let https = server.uri().replace("http://", "https://");
    h.subscribe(&https, &[WebhookEventType::MeterCreated], &[]);
    h.meters_created(1);
    h.wait_until("the failure", |e| e.log.len() == 1 && e.log.pending() == 0)
        .await;
    let (page, _) = h.engine.log.list(&Filter::default(), None, 1);
    let reply = &page[0].attempts[0].reply;
    assert_eq!(page[0].status, Status::Failed);
    assert_ne!(reply.outcome, super::client::AttemptOutcome::Succeeded);
    assert_eq!(reply.status_code, None);
    assert!(reply.error.is_some(), "{reply:?}");
    assert!(receiver.event_ids().is_empty());
}

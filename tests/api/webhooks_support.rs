//! Shared by the webhook tests: scripted receivers (real HTTP servers) that note when each
//! request arrived, subscriptions and events over the REST API, and polling the delivery log.

#![allow(dead_code)] // each webhook test module uses a different subset

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::fixtures::{create_meter, single_create_body};
use crate::helpers::{DEMO_KEY, TestApp, json};

/// A receiver answering one scripted status per request (then 200), noting arrival times.
pub struct Receiver {
    pub server: MockServer,
    arrivals: Arc<Mutex<Vec<(Instant, Request)>>>,
}

impl Receiver {
    pub async fn ok() -> Receiver {
        Self::scripted(vec![]).await
    }

    /// Fails with these statuses first, then answers 200.
    pub async fn scripted(statuses: Vec<u16>) -> Receiver {
        Self::with(move |n| ResponseTemplate::new(statuses.get(n).copied().unwrap_or(200))).await
    }

    /// Always answers `status`.
    pub async fn always(status: u16) -> Receiver {
        Self::with(move |_| ResponseTemplate::new(status).set_body_string("receiver says no")).await
    }

    /// Accepts the connection and never answers in time.
    pub async fn hanging() -> Receiver {
        Self::with(|_| ResponseTemplate::new(200).set_delay(Duration::from_secs(30))).await
    }

    /// `respond(n)` answers the n-th request (0-based).
    pub async fn with(
        respond: impl Fn(usize) -> ResponseTemplate + Send + Sync + 'static,
    ) -> Receiver {
        let server = MockServer::start().await;
        let arrivals: Arc<Mutex<Vec<(Instant, Request)>>> = Arc::default();
        let seen = arrivals.clone();
        Mock::given(method("POST"))
            .respond_with(move |req: &Request| {
                let mut seen = seen.lock().unwrap();
                let n = seen.len();
                seen.push((Instant::now(), req.clone()));
                respond(n)
            })
            .mount(&server)
            .await;
        Receiver { server, arrivals }
    }

    pub fn uri(&self) -> String {
        self.server.uri()
    }

    pub fn received(&self) -> Vec<(Instant, Request)> {
        self.arrivals.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.arrivals.lock().unwrap().len()
    }

    pub fn bodies(&self) -> Vec<Value> {
        self.received()
            .iter()
            .map(|(_, r)| r.body_json().expect("a JSON body"))
            .collect()
    }

    pub fn event_ids(&self) -> Vec<String> {
        self.bodies()
            .iter()
            .map(|b| {
                b["webhook_event_id"]
                    .as_str()
                    .expect("webhook_event_id")
                    .to_string()
            })
            .collect()
    }

    /// Waits until at least `n` requests arrived.
    pub async fn wait_for(&self, n: usize) -> Vec<(Instant, Request)> {
        poll(&format!("{n} requests at the receiver"), || async {
            (self.count() >= n).then(|| self.received())
        })
        .await
    }
}

/// Polls `check` every 10 ms until it returns `Some`, for at most 10 s.
pub async fn poll<T, F, Fut>(what: &str, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let start = Instant::now();
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// `POST /v1.1/webhooks` as `key`; returns the `webhook_id`.
pub async fn subscribe(
    app: &TestApp,
    key: &str,
    receiver_url: &str,
    event_types: &[&str],
    headers: Value,
) -> String {
    let resp = app
        .post_json_as(
            key,
            "/v1.1/webhooks",
            &json!({"receiver_url": receiver_url, "event_types": event_types, "headers": headers}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    json(resp).await["webhook_id"]
        .as_str()
        .expect("webhook_id")
        .to_string()
}

/// Creates one meter per call through `POST /v1.1/meters` as `key` (one meter.created event);
/// returns the meter ids.
pub async fn create_meters(app: &TestApp, key: &str, n: usize) -> Vec<String> {
    let mut ids = Vec::new();
    for _ in 0..n {
        let reference = format!("site-{}", uuid::Uuid::new_v4());
        let resp = app
            .post_json_as(
                key,
                "/v1.1/meters",
                &single_create_body(create_meter(&reference)),
            )
            .await;
        assert_eq!(resp.status(), 200);
        let body = json(resp).await;
        assert_eq!(body["status"], "COMPLETED", "{body}");
        ids.push(body["meter_id"].as_str().expect("meter_id").to_string());
    }
    ids
}

pub async fn create_meter_as_demo(app: &TestApp) -> String {
    create_meters(app, DEMO_KEY, 1).await.remove(0)
}

/// `GET /_mock/deliveries?<query>` -> the `deliveries` array.
pub async fn deliveries(app: &TestApp, query: &str) -> Vec<Value> {
    let resp = app.get(&format!("/_mock/deliveries?{query}")).await;
    assert_eq!(resp.status(), 200);
    json(resp).await["deliveries"]
        .as_array()
        .expect("deliveries array")
        .clone()
}

/// Polls the log until `n` deliveries match `query` and none of them is pending.
pub async fn settled(app: &TestApp, query: &str, n: usize) -> Vec<Value> {
    poll(&format!("{n} finished deliveries for ?{query}"), || async {
        let list = deliveries(app, query).await;
        (list.len() == n && list.iter().all(|d| d["status"] != "pending")).then_some(list)
    })
    .await
}

/// The value of one sample in Prometheus text output, e.g.
/// `metric(&text, "leap_mock_webhook_attempts_total", &[("outcome", "succeeded")])`.
pub fn metric(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find(|line| {
            let (series, _) = line.rsplit_once(' ').unwrap_or((line, ""));
            let (metric_name, rest) = series.split_once('{').unwrap_or((series, ""));
            metric_name == name
                && labels
                    .iter()
                    .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
        })
        .and_then(|line| line.rsplit_once(' '))
        .map(|(_, value)| value.parse().expect("a number"))
        .unwrap_or_else(|| panic!("no sample {name}{labels:?} in:\n{text}"))
}

/// A local port with nothing listening (connection refused).
pub fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("addr").port()
}
